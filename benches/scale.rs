//! Scale: the whole catalogue against many reference devices in one process.
//!
//! `rfc3535 run --reference compliant,compliant,...` starts BENCH_DEVICES (200) embedded
//! devices in the harness's own process, each with its own SSH server, host key, datastores
//! and sessions, and runs every scenario against every device (the @multi ones across all of
//! them). The same is done with two devices (the smallest fleet), and the figures are reported side by side: wall
//! time, CPU time (user + system) and peak resident memory, measured by GNU time around the
//! process. Every verdict is read: results that neither pass nor are not-applicable are
//! counted and named by scenario (on saturated cores the scenarios that time a device miss
//! their marks, which is a figure too), and a run that passes by failing to run anything is
//! refused.
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
    /// Results neither pass nor not-applicable, by scenario: on a machine whose cores the
    /// fleet saturates, the scenarios that time what a device does (a push period, a
    /// notification's delay) can miss their marks; they are counted and named, not hidden.
    not_passing: std::collections::BTreeMap<String, usize>,
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
    let mut not_passing = std::collections::BTreeMap::new();
    for r in entries
        .iter()
        .filter(|r| r["verdict"] != "pass" && r["verdict"] != "not-applicable")
    {
        *not_passing
            .entry(format!("{}: {}", r["verdict"], r["scenario"]))
            .or_insert(0) += 1;
    }
    // A run that passes by failing to run anything is no figure: every device answered
    // most of the catalogue.
    assert!(
        passes * 10 >= entries.len() * 4 && entries.len() >= devices * 100,
        "{devices} devices gave {} results, {passes} passing: {not_passing:#?}",
        entries.len()
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
        not_passing,
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
        "| devices | wall s | CPU s | peak RSS MiB | results | pass | not passing | wall / device s | CPU / device s | RSS / device MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in [&one, &many] {
        println!(
            "| {} | {:.1} | {:.1} | {:.0} | {} | {} | {} | {:.2} | {:.2} | {:.1} |",
            f.devices,
            f.wall_s,
            f.cpu_s,
            f.peak_mib,
            f.results,
            f.passes,
            f.not_passing.values().sum::<usize>(),
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
    for f in [&one, &many] {
        for (scenario, count) in &f.not_passing {
            println!("{} devices, {count} x {scenario}", f.devices);
        }
    }
}
