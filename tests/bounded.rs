//! What the harness keeps of a device that sends huge messages: the reference device's
//! `huge-messages` load (a hello of about 20 MB, one vendor capability; every data reply
//! padded with about 10 MB of comment), run as an operator runs it. Peak resident memory of
//! the process (harness and reference device together), evidence on disk, results.json and
//! the HTML report each stay within the bounds docs/architecture.md ("Bounds") gives.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Peak resident memory of the whole process. Measured about 355 MiB for the one scenario run
/// here, 445 MiB for 25 (the compliant device: about 70 MiB); before the bounds, one run
/// against a 20 MB hello reached 825 MB.
const PEAK_RSS_MIB: u64 = 640;
/// Evidence on disk: every message is kept up to 1 MiB, the hello once per device.
const EVIDENCE_MIB: u64 = 64;
/// results.json: capability URIs are kept up to 1 KiB.
const RESULTS_KIB: u64 = 512;
/// The HTML report embeds at most 64 MiB of evidence, each file up to 1 MiB.
const REPORT_MIB: u64 = 80;

/// The peak resident memory of a live process so far (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Bytes of every file under `dir`.
fn size_of_tree(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| match entry.file_type() {
                    Ok(kind) if kind.is_dir() => size_of_tree(&entry.path()),
                    _ => entry.metadata().map_or(0, |m| m.len()),
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_device_sending_huge_messages_costs_bounded_memory_and_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args([
            "run",
            "--reference",
            "huge-messages",
            "--name",
            "operational state",
            "--format",
            "html",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rfc3535 run starts");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut peak_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the run can be waited for") {
            break status;
        }
        peak_kib = peak_kib.max(peak_rss_kib(pid).unwrap_or(0));
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the run did not end within 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // 0: every MUST passed; 1: some failed. Either way the run went through.
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "the run ended with {status}"
    );
    let evidence = size_of_tree(&out.join("evidence"));
    let results = std::fs::metadata(out.join("results.json"))
        .expect("results.json is written")
        .len();
    let report = std::fs::metadata(out.join("report.html"))
        .expect("the report is written")
        .len();
    let measured = format!(
        "peak RSS {} MiB, evidence {} MiB, results.json {} KiB, report {} MiB",
        peak_kib >> 10,
        evidence >> 20,
        results >> 10,
        report >> 20
    );
    assert!(peak_kib >> 10 <= PEAK_RSS_MIB, "{measured}");
    assert!(evidence >> 20 <= EVIDENCE_MIB, "{measured}");
    assert!(results >> 10 <= RESULTS_KIB, "{measured}");
    assert!(report >> 20 <= REPORT_MIB, "{measured}");
    // The hello is kept once, and the transcripts refer to it.
    let device_dir = out.join("evidence/huge-messages");
    let shared: Vec<_> = std::fs::read_dir(device_dir.join("shared"))
        .expect("the device's shared messages")
        .flatten()
        .collect();
    assert_eq!(shared.len(), 1, "one hello for every session");
    let name = shared[0].file_name().to_string_lossy().into_owned();
    let references: usize = std::fs::read_dir(&device_dir)
        .expect("the device's evidence")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|text| text.matches(&format!("as shared/{name}")).count())
        .sum();
    assert!(
        references > 1,
        "every session's transcript refers to the one kept hello"
    );
    println!("huge-messages: {measured}");
}
