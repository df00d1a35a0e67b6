//! Parse + validate a 100,000-entry list reply with this project's YANG crate, and the same
//! file with libyang's own command-line tool `yanglint` (Debian's libyang2-tools), in one
//! run, reported side by side. Run with `cargo bench --bench yang`.
//!
//! The data is a configuration of the fixture module `rfc3535-lab` (an `ordered-by user` list
//! with a mandatory leaf), validated as a complete configuration (no state, every constraint).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rfc3535_yang::{Content, ModuleSpec, Schema};

const ENTRIES: usize = 100_000;
const ROUNDS: usize = 5;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/yang")
}

fn data() -> String {
    let mut xml = String::with_capacity(ENTRIES * 80);
    xml.push_str("<lab xmlns=\"urn:rfc3535:params:xml:ns:yang:rfc3535-lab\"><name>bench</name>");
    for i in 0..ENTRIES {
        let action = if i % 3 == 0 { "deny" } else { "permit" };
        xml.push_str(&format!(
            "<rule><id>r{i:06}</id><action>{action}</action></rule>"
        ));
    }
    xml.push_str("</lab>");
    xml
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let xml = data();
    let file = std::env::temp_dir().join(format!("rfc3535-bench-{}.xml", std::process::id()));
    std::fs::write(&file, &xml).expect("write the data file");
    let module = ModuleSpec {
        name: "rfc3535-lab".into(),
        revision: Some("2026-11-21".into()),
        features: Vec::new(),
    };
    let schema = Schema::from_dir(&fixtures(), &[module]).expect("schema");

    let ours: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            // Read from the file as yanglint does, so both include the same I/O.
            let text = std::fs::read_to_string(&file).expect("read");
            schema
                .validate(&text, Content::FullConfig)
                .expect("the data is valid");
            started.elapsed()
        })
        .collect();

    let yanglint: Option<Vec<Duration>> = Command::new("yanglint")
        .arg("--version")
        .output()
        .ok()
        .map(|_| {
            (0..ROUNDS)
                .map(|_| {
                    let started = Instant::now();
                    let status = Command::new("yanglint")
                        .arg("-p")
                        .arg(fixtures())
                        .args(["-t", "config"])
                        .arg(fixtures().join("rfc3535-lab@2026-11-21.yang"))
                        .arg(&file)
                        .status()
                        .expect("yanglint runs");
                    assert!(status.success(), "yanglint accepts the data");
                    started.elapsed()
                })
                .collect()
        });
    let _ = std::fs::remove_file(&file);

    let ours = median(ours);
    println!(
        "parse + validate {ENTRIES} list entries ({} bytes), median of {ROUNDS}:",
        xml.len()
    );
    println!(
        "  rfc3535-yang (libyang 5 via yang5)   {:>8.1} ms",
        ours.as_secs_f64() * 1e3
    );
    match yanglint {
        Some(samples) => {
            let theirs = median(samples);
            println!(
                "  yanglint (libyang2-tools, process)   {:>8.1} ms",
                theirs.as_secs_f64() * 1e3
            );
            println!(
                "  ours / yanglint: {:.2}x (target <= 1.5x)",
                ours.as_secs_f64() / theirs.as_secs_f64()
            );
        }
        None => println!("  yanglint not installed (apt install libyang2-tools): no comparison"),
    }
}
