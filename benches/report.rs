//! Rendering every format for a large fleet: 1,000 devices × 200 requirements (one scenario
//! per requirement and device, three steps each, 200,000 results), as one run. Reported per
//! format, in total, and as a ratio to a floor: serialising the same results.json, which
//! touches every cell once and renders nothing. Then the HTML page is opened in headless
//! Chromium (Debian's `chromium`, as scripts/setup-test-env installs it; skipped without it)
//! and shot as a screen shows it (its script run), beside a page of 24 devices (the most
//! without the fleet view) as the comparison. Run with `cargo bench --bench report`.
//! Sizes: `BENCH_DEVICES` (1000), `BENCH_REQUIREMENTS` (200).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rfc3535_report::{render, Format, Options};
use rfc3535_score::results::StepRecord;
use rfc3535_score::{
    DeviceEntry, Level, RequirementEntry, RequirementResult, ResultEntry, Results, RunInfo, Safety,
    Verdict, Weights,
};

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A deterministic mix of verdicts, about what a real lab shows.
fn verdict_for(device: usize, requirement: usize) -> Verdict {
    match (device * 31 + requirement * 17) % 20 {
        0..=12 => Verdict::Pass,
        13..=15 => Verdict::Fail,
        16 | 17 => Verdict::NotApplicable,
        18 => Verdict::Skipped,
        _ => Verdict::Error,
    }
}

fn fleet(devices: usize, requirements: usize) -> Results {
    let groups = ["RFC 3535 §3", "RFC 3535 §5", "RFC 3535-next"];
    let levels = [Level::Must, Level::Should, Level::May];
    let requirement_entries: Vec<RequirementEntry> = (0..requirements)
        .map(|r| RequirementEntry {
            id: format!("REQ-{r:03}"),
            title: format!("Requirement number {r} of the synthetic catalogue, in a few words"),
            source: format!("synthetic §{r}"),
            group: groups[r % 3].to_owned(),
            level: levels[r % 3],
            weight: 1,
            scenarios: vec![format!("{:02}-area.feature: scenario {r}", r % 13)],
            question: None,
        })
        .collect();
    let mut results = Vec::with_capacity(devices * requirements);
    let mut requirement_results = Vec::with_capacity(devices * requirements);
    let mut device_entries = Vec::with_capacity(devices);
    for d in 0..devices {
        let id = format!("pe{d:04}/netconf");
        for r in 0..requirements {
            let verdict = verdict_for(d, r);
            let message = match verdict {
                Verdict::Pass => String::new(),
                other => format!("{other}: the device answered message-id {r} with something else"),
            };
            let mut measurements = BTreeMap::new();
            if r % 10 == 0 {
                measurements.insert("latency_ms".to_owned(), serde_json::json!(d % 300));
            }
            results.push(ResultEntry {
                device: id.clone(),
                requirement: format!("REQ-{r:03}"),
                feature: format!("{:02}-area.feature", r % 13),
                scenario: format!("scenario {r}"),
                verdict,
                message: message.clone(),
                duration_ms: (d * r % 900) as u64,
                measurements,
                evidence: vec![format!("evidence/pe{d:04}/{r:03}-scenario-{r}.txt")],
                needs: vec!["candidate".to_owned()],
                claimed_but_broken: verdict == Verdict::Fail,
                mechanism: None,
                steps: ["Given", "When", "Then"]
                    .iter()
                    .map(|k| StepRecord {
                        keyword: (*k).to_owned(),
                        text: "a step of the scenario with a few words".to_owned(),
                        outcome: "passed".to_owned(),
                    })
                    .collect(),
                schema_findings: Vec::new(),
                peers: Vec::new(),
            });
            requirement_results.push(RequirementResult {
                device: id.clone(),
                requirement: format!("REQ-{r:03}"),
                verdict,
                message,
                mechanism: None,
            });
        }
        device_entries.push(DeviceEntry {
            id,
            name: format!("pe{d:04}"),
            protocol: "netconf".to_owned(),
            address: format!("192.0.2.{}:830", d % 250),
            identity: BTreeMap::from([("vendor".to_owned(), "Example".to_owned())]),
            capabilities: vec!["candidate".to_owned()],
            advertised: Vec::new(),
            framing: Some("1.1".to_owned()),
            host_key_fingerprint: Some("SHA256:bench".to_owned()),
            score: Default::default(),
            safety: Safety {
                saved: vec!["running".to_owned()],
                restored: false,
                verified: true,
                problems: Vec::new(),
            },
            unreachable: None,
            broken: None,
            schema_snapshot: None,
            unchecked_claims: Vec::new(),
        });
    }
    let mut run = Results {
        schema_version: 1,
        run: RunInfo {
            id: "bench".to_owned(),
            started: "2026-11-21T00:00:00Z".to_owned(),
            finished: "2026-11-21T00:10:00Z".to_owned(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            features_hash: "sha256:bench".to_owned(),
            tags: None,
            interrupted: false,
            shard: None,
        },
        devices: device_entries,
        requirements: requirement_entries,
        results,
        requirement_results,
    };
    run.rescore(Weights::default());
    run
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// Opens `page` in headless Chromium and takes a screenshot (`--dump-dom` instead, to check
/// that its script ran); the time it took, or `None` without Chromium.
fn open_in_chromium(page: &std::path::Path, dump: bool) -> Option<Duration> {
    let chromium = std::env::var("RFC3535_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let profile =
        std::env::temp_dir().join(format!("rfc3535-bench-chromium-{}", std::process::id()));
    let start = Instant::now();
    let output = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
            "--window-size=1400,1100",
        ])
        .arg(if dump {
            "--dump-dom".to_owned()
        } else {
            format!("--screenshot={}", profile.join("shot.png").display())
        })
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .ok()?;
    let took = start.elapsed();
    let _ = std::fs::remove_dir_all(&profile);
    if dump {
        let dom = String::from_utf8_lossy(&output.stdout);
        assert!(
            dom.contains("data-ready=\"true\""),
            "the page's script did not finish in Chromium"
        );
    }
    Some(took)
}

/// The median of three openings of `page`.
fn median_opening(page: &std::path::Path) -> Option<Duration> {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| open_in_chromium(page, false))
        .collect::<Option<_>>()?;
    times.sort();
    Some(times[1])
}

fn main() {
    let (devices, requirements) = (size("BENCH_DEVICES", 1000), size("BENCH_REQUIREMENTS", 200));
    println!(
        "rendering {devices} devices × {requirements} requirements ({} results)",
        devices * requirements
    );
    let results = fleet(devices, requirements);
    let options = Options::default();

    let (floor, floor_time) = timed(|| serde_json::to_string(&results).unwrap_or_default());
    println!(
        "{:<28} {:>9.1} ms {:>9.1} MB",
        "floor: serde_json (compact)",
        floor_time.as_secs_f64() * 1000.0,
        floor.len() as f64 / 1e6
    );
    let (_, matrix_time) = timed(|| rfc3535_score::Matrix::new(&results).groups.len());
    println!(
        "{:<28} {:>9.1} ms   (inside every renderer below)",
        "the matrix alone",
        matrix_time.as_secs_f64() * 1000.0
    );
    let mut total = Duration::ZERO;
    for format in Format::ALL {
        let (text, took) = timed(|| render(format, &results, &options));
        total += took;
        println!(
            "{:<28} {:>9.1} ms {:>9.1} MB   {:>5.2}x floor",
            format!("rfc3535 {format}"),
            took.as_secs_f64() * 1000.0,
            text.len() as f64 / 1e6,
            took.as_secs_f64() / floor_time.as_secs_f64()
        );
    }
    println!(
        "{:<28} {:>9.1} ms                {:>5.2}x floor   (target: under 2000 ms)",
        "rfc3535 all formats",
        total.as_secs_f64() * 1000.0,
        total.as_secs_f64() / floor_time.as_secs_f64()
    );

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-bench");
    std::fs::create_dir_all(&dir).expect("target is writable");
    let large = dir.join("fleet.html");
    std::fs::write(&large, render(Format::Html, &results, &options)).expect("write");
    let small = dir.join("small.html");
    let few = fleet(24, requirements);
    std::fs::write(&small, render(Format::Html, &few, &options)).expect("write");
    // The script runs to its end (checked on the small page: dumping a 140 MB DOM takes
    // longer than opening it).
    let _ = open_in_chromium(&small, true);
    match (median_opening(&small), median_opening(&large)) {
        (Some(small_time), Some(large_time)) => {
            println!(
                "{:<28} {:>9.1} ms   (24 devices, no fleet view: the comparison)",
                "chromium opens html",
                small_time.as_secs_f64() * 1000.0
            );
            println!(
                "{:<28} {:>9.1} ms   {:>5.2}x the 24-device page",
                format!("chromium opens html ({devices})"),
                large_time.as_secs_f64() * 1000.0,
                large_time.as_secs_f64() / small_time.as_secs_f64()
            );
        }
        _ => println!(
            "chromium opens html: skipped (no chromium; scripts/setup-test-env installs it)"
        ),
    }
}
