//! Soak: the whole catalogue again and again against the same reference devices, for a
//! bounded time, to see whether anything grows that should not.
//!
//! One `rfc3535 device` process serves the compliant profile beside the disruptive ones
//! (`slow`, `bad-framing`, `drops-mid-reply`) and writes their inventory; `rfc3535 run
//! --inventory` then runs the whole catalogue against them, round after round, until
//! SOAK_SECONDS (600) have passed; the round under way finishes, so the bench stops by
//! itself shortly after. The devices keep SOAK_REPLAY_LIMIT (256) past events for replay
//! rather than their usual 4,096: the log is full within the first round, so memory that
//! grows after the warm-up is not a bounded buffer filling as designed (with 4,096 the
//! compliant device's log takes about six rounds to fill, some 200 KiB a round).
//! The long-lived process is the devices': its resident memory, open
//! file descriptors and threads are sampled every SOAK_SAMPLE_SECONDS (5) and after every
//! round. Each round's harness is a process of its own: its peak resident memory is read
//! from the kernel while it runs. Every round's compliant device must pass all that applies
//! to it, or the round is no figure. (The disruptive devices strike once they have served
//! their first sessions, so from the second round on they break the reads that save their
//! configuration too, and pass less than in the first.)
//!
//! The verdict, after the warm-up (the first SOAK_WARMUP_ROUNDS, 2): the devices' memory at
//! the end of the last round against its lowest since the warm-up, and the same for
//! descriptors; growth beyond SOAK_RSS_GROWTH_PERCENT (10) or any descriptor left behind
//! fails the bench (exit 1). Threads are shown, not judged: the runtime's blocking pool
//! keeps an idle thread for a while.
//!
//! Run: `cargo bench --bench soak`; `SOAK_SECONDS=120 cargo bench --bench soak` for a short one.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The reference profiles served: the compliant one and every disruptive one.
const PROFILES: &str = "compliant,slow,bad-framing,drops-mid-reply";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the kernel says of a live process: resident and peak resident memory (KiB), open
/// file descriptors, threads.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    rss_kib: u64,
    peak_kib: u64,
    fds: usize,
    threads: u64,
}

fn usage(pid: u32) -> Option<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Usage {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
        threads: field("Threads:")?,
        fds: std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count(),
    })
}

/// One sample of the devices' process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    usage: Usage,
}

/// One round of the catalogue.
#[derive(Debug)]
struct Round {
    ended: Duration,
    wall: Duration,
    harness_peak_kib: u64,
    results: usize,
    passes: usize,
    devices: Usage,
}

/// Starts the devices and waits for their inventory.
fn start_devices(inventory: &Path, replay_limit: u64) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(["device", "--profile", PROFILES, "--inventory-file"])
        .arg(inventory)
        .arg("--replay-limit")
        .arg(replay_limit.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rfc3535 device starts");
    let stdout = child.stdout.take().expect("stdout");
    for line in BufReader::new(stdout).lines() {
        if line
            .expect("the device's output reads")
            .starts_with("Ctrl-C")
        {
            break;
        }
    }
    assert!(inventory.is_file(), "the devices wrote their inventory");
    child
}

/// One run of the whole catalogue against the inventory; its peak memory read while it runs.
fn round(inventory: &Path, out: &Path) -> (Duration, u64, usize, usize) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(["run", "--inventory"])
        .arg(inventory)
        .args(["--format", "json", "--fail-on", "never", "--timeout", "10"])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rfc3535 run starts");
    let mut peak = 0;
    let status = loop {
        if let Some(u) = usage(child.id()) {
            peak = peak.max(u.peak_kib);
        }
        match child.try_wait().expect("the run can be waited for") {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let wall = started.elapsed();
    assert!(status.success(), "rfc3535 run failed: {status}");
    let text = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    let results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let entries = results["results"].as_array().expect("results");
    let passes = entries.iter().filter(|r| r["verdict"] == "pass").count();
    let compliant_not_passing: Vec<String> = entries
        .iter()
        .filter(|r| {
            r["device"]
                .as_str()
                .is_some_and(|d| d.starts_with("compliant/"))
                && r["verdict"] != "pass"
                && r["verdict"] != "not-applicable"
        })
        .take(5)
        .map(|r| format!("{} {} {}", r["device"], r["scenario"], r["message"]))
        .collect();
    assert!(
        compliant_not_passing.is_empty(),
        "the compliant device must pass: {compliant_not_passing:#?}"
    );
    let _ = std::fs::remove_dir_all(out);
    (wall, peak, entries.len(), passes)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let seconds = setting("SOAK_SECONDS", 600);
    let every = Duration::from_secs(setting("SOAK_SAMPLE_SECONDS", 5).max(1));
    let warmup = usize::try_from(setting("SOAK_WARMUP_ROUNDS", 2)).unwrap_or(2);
    let allowed_growth = setting("SOAK_RSS_GROWTH_PERCENT", 10) as f64;
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("inventory.yaml");
    let mut devices = start_devices(&inventory, setting("SOAK_REPLAY_LIMIT", 256));
    let pid = devices.id();
    let started = Instant::now();

    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (samples, stop) = (samples.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(usage) = usage(pid) {
                    samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Sample { usage });
                }
                std::thread::sleep(every);
            }
        })
    };

    let mut rounds: Vec<Round> = Vec::new();
    while rounds.len() <= warmup || started.elapsed() < Duration::from_secs(seconds) {
        let out = dir.path().join(format!("round-{}", rounds.len() + 1));
        let (wall, harness_peak_kib, results, passes) = round(&inventory, &out);
        // The devices' side of the last sessions ends just after the harness's.
        std::thread::sleep(Duration::from_secs(2));
        let devices_now = usage(pid).expect("the devices are still running");
        rounds.push(Round {
            ended: started.elapsed(),
            wall,
            harness_peak_kib,
            results,
            passes,
            devices: devices_now,
        });
        eprintln!(
            "soak: round {} done at {:.0} s, devices at {:.1} MiB",
            rounds.len(),
            started.elapsed().as_secs_f64(),
            mib(devices_now.rss_kib)
        );
    }
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let _ = devices.kill();
    let _ = devices.wait();

    println!(
        "\nsoak: the whole catalogue against {PROFILES} ({} rounds, {:.0} s)\n",
        rounds.len(),
        started.elapsed().as_secs_f64()
    );
    println!("| round | ended s | run s | harness peak MiB | results | pass | devices RSS MiB | devices fds | devices threads |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (index, r) in rounds.iter().enumerate() {
        println!(
            "| {} | {:.0} | {:.1} | {:.0} | {} | {} | {:.1} | {} | {} |",
            index + 1,
            r.ended.as_secs_f64(),
            r.wall.as_secs_f64(),
            mib(r.harness_peak_kib),
            r.results,
            r.passes,
            mib(r.devices.rss_kib),
            r.devices.fds,
            r.devices.threads
        );
    }
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    println!(
        "\ndevices' RSS over time (MiB, every {} s): {}",
        every.as_secs(),
        samples
            .iter()
            .map(|s| format!("{:.0}", mib(s.usage.rss_kib)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let sampled_peak = samples.iter().map(|s| s.usage.rss_kib).max().unwrap_or(0);
    println!(
        "devices' peak: {:.1} MiB sampled, {:.1} MiB by the kernel; at most {} descriptors and {} threads sampled",
        mib(sampled_peak),
        mib(rounds.last().map_or(0, |r| r.devices.peak_kib)),
        samples.iter().map(|s| s.usage.fds).max().unwrap_or(0),
        samples.iter().map(|s| s.usage.threads).max().unwrap_or(0),
    );

    let after: &[Round] = &rounds[warmup.min(rounds.len() - 1)..];
    let last = rounds.last().expect("at least one round").devices;
    let lowest = |of: fn(&Usage) -> u64| after.iter().map(|r| of(&r.devices)).min().unwrap_or(0);
    let lowest_rss = lowest(|u| u.rss_kib);
    let growth = (last.rss_kib as f64 - lowest_rss as f64) / lowest_rss.max(1) as f64 * 100.0;
    let fds_left = last.fds as i64 - lowest(|u| u.fds as u64) as i64;
    let threads_left = last.threads as i64 - lowest(|u| u.threads) as i64;
    println!(
        "after {warmup} warm-up rounds: devices' RSS {:.1} -> {:.1} MiB ({growth:+.1}%, {allowed_growth}% allowed); descriptors {fds_left:+}, threads {threads_left:+} against their lowest",
        mib(lowest_rss),
        mib(last.rss_kib)
    );
    if growth > allowed_growth || fds_left > 0 {
        eprintln!("soak: the devices' process grew after the warm-up");
        std::process::exit(1);
    }
}
