//! Scale: the whole catalogue against many reference devices in one process.
//!
//! `rfc3535 run --reference compliant,compliant,...` starts BENCH_DEVICES (200) embedded
//! devices in the harness's own process, each with its own SSH server, host key, datastores
//! and sessions, and runs every scenario against every device (the @multi ones across all of
//! them). The same is done with two devices (the smallest fleet), and the figures are reported side by side: wall
//! time, CPU time (user + system) and peak resident memory, measured by GNU time around the
//! process, and every device's verdicts checked (a run that passes by failing to run
//! anything is no figure).
//!
//! Run: `cargo bench --bench scale` (needs /usr/bin/time, Debian package `time`).

use std::path::Path;
use std::process::Command;

struct Figures {
    devices: usize,
    wall_s: f64,
    cpu_s: f64,
    peak_mib: f64,
    passes: usize,
    results: usize,
}

fn field<'a>(report: &'a str, name: &str) -> &'a str {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix(name))
        .map(|v| v.trim_start_matches(':').trim())
        .unwrap_or_else(|| panic!("GNU time reported no {name:?}:\n{report}"))
}

/// `h:mm:ss` or `m:ss.ss` as seconds.
fn clock(text: &str) -> f64 {
    text.split(':')
        .map(|p| p.parse::<f64>().expect("a number"))
        .fold(0.0, |total, part| total * 60.0 + part)
}

fn run(devices: usize, concurrency: usize, out: &Path) -> Figures {
    let names = vec!["compliant"; devices].join(",");
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_rfc3535"))
        .args(["run", "--reference", &names, "--fail-on", "never"])
        .args(["--format", "json", "--timeout", "60"])
        .arg("--concurrency")
        .arg(concurrency.to_string())
        .arg("--out")
        .arg(out)
        .output()
        .expect("/usr/bin/time runs (Debian package `time`)");
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    let results = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    let results: serde_json::Value = serde_json::from_str(&results).expect("JSON");
    let entries = results["results"].as_array().expect("results");
    let passes = entries.iter().filter(|r| r["verdict"] == "pass").count();
    let not_passing: Vec<String> = entries
        .iter()
        .filter(|r| r["verdict"] != "pass" && r["verdict"] != "not-applicable")
        .take(5)
        .map(|r| format!("{} {} {}", r["device"], r["scenario"], r["message"]))
        .collect();
    assert!(
        not_passing.is_empty(),
        "compliant devices must pass: {not_passing:#?}"
    );
    let seconds = |name: &str| field(&report, name).parse::<f64>().expect("seconds");
    Figures {
        devices,
        wall_s: clock(field(
            &report,
            "Elapsed (wall clock) time (h:mm:ss or m:ss)",
        )),
        cpu_s: seconds("User time (seconds)") + seconds("System time (seconds)"),
        peak_mib: field(&report, "Maximum resident set size (kbytes)")
            .parse::<f64>()
            .expect("kbytes")
            / 1024.0,
        passes,
        results: entries.len(),
    }
}

fn main() {
    let devices: usize = std::env::var("BENCH_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(devices);
    let dir = tempfile::tempdir().expect("tempdir");
    // Two: the smallest fleet, so that the @multi scenarios run too.
    let one = run(2, 2, &dir.path().join("two"));
    let many = run(devices, concurrency, &dir.path().join("many"));
    println!(
        "\nscale: the whole catalogue, reference devices in the harness's process (concurrency {concurrency})\n"
    );
    println!(
        "| devices | wall s | CPU s | peak RSS MiB | results | pass | wall / device s | CPU / device s | RSS / device MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in [&one, &many] {
        println!(
            "| {} | {:.1} | {:.1} | {:.0} | {} | {} | {:.2} | {:.2} | {:.1} |",
            f.devices,
            f.wall_s,
            f.cpu_s,
            f.peak_mib,
            f.results,
            f.passes,
            f.wall_s / f.devices as f64,
            f.cpu_s / f.devices as f64,
            f.peak_mib / f.devices as f64,
        );
    }
    println!(
        "\n{} devices took {:.1}x the wall time of two, {:.1}x their CPU and {:.1}x their memory.",
        many.devices,
        many.wall_s / one.wall_s,
        many.cpu_s / one.cpu_s,
        many.peak_mib / one.peak_mib
    );
}
