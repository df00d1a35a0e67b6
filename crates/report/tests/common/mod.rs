//! What the report crate's tests share: the fixture run, and a fleet grown from it.

#![allow(dead_code, reason = "each test binary uses part of this module")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rfc3535_report::{Options, Results};
use rfc3535_score::{DeviceEntry, RequirementResult};

/// `fixtures/results/four-devices`: four devices, every verdict kind, an unreachable device,
/// alternative mechanisms, measurements, evidence.
pub fn run_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/results/four-devices")
}

/// The fixture run, with its evidence files in the options.
pub fn fixture() -> (Results, Options) {
    let dir = run_dir();
    let text = std::fs::read_to_string(dir.join("results.json")).expect("fixture present");
    let results = Results::from_json(&text).expect("fixture parses");
    let mut evidence = BTreeMap::new();
    for path in results.results.iter().flat_map(|r| &r.evidence) {
        let text = std::fs::read_to_string(dir.join(path)).expect("evidence present");
        evidence.insert(path.clone(), text);
    }
    let options = Options {
        evidence,
        ..Options::default()
    };
    (results, options)
}

/// `count` copies of the run's first device (`pe00`, `pe01`, ... with `digits` digits), with
/// its requirement verdicts, each one given to `adjust` with the copy's number.
pub fn copies_of_first_device(
    results: &Results,
    count: usize,
    digits: usize,
    adjust: impl Fn(usize, &mut RequirementResult),
) -> (Vec<DeviceEntry>, Vec<RequirementResult>) {
    let template = results.devices[0].clone();
    let judged: Vec<&RequirementResult> = results
        .requirement_results
        .iter()
        .filter(|r| r.device == template.id)
        .collect();
    let mut devices = Vec::with_capacity(count);
    let mut verdicts = Vec::with_capacity(count * judged.len());
    for n in 0..count {
        let mut device = template.clone();
        device.name = format!("pe{n:0digits$}");
        device.id = format!("{}/netconf", device.name);
        for verdict in &judged {
            let mut verdict = (*verdict).clone();
            verdict.device = device.id.clone();
            adjust(n, &mut verdict);
            verdicts.push(verdict);
        }
        devices.push(device);
    }
    (devices, verdicts)
}
