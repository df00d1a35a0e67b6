//! The requirement registry covers what the sources list: every RFC 3535 §3 requirement, every
//! §5 observation, every RFC 3535-next OPS-REQ label; and no RFC 3535 device requirement is
//! left without a scenario or a stated reason (`rfc3535 requirements --coverage` shows both).

mod common;

use std::collections::BTreeSet;

use rfc3535_harness::catalogue::Catalogue;
use rfc3535_score::RequirementKind;

fn catalogue() -> Catalogue {
    Catalogue::load(&common::features_dir()).expect("the catalogue loads")
}

#[test]
fn the_registry_holds_every_requirement_of_the_sources() {
    let catalogue = catalogue();
    let ids: BTreeSet<&str> = catalogue
        .registry
        .requirements
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    for n in 1..=14 {
        assert!(
            ids.contains(format!("R3535-3.{n}").as_str()),
            "RFC 3535 §3.{n}"
        );
    }
    for n in 1..=33 {
        assert!(
            ids.contains(format!("R3535-5.{n}").as_str()),
            "RFC 3535 §5 observation {n}"
        );
    }
    let labels = ids.iter().filter(|id| id.starts_with("OPS-REQ-")).count();
    assert_eq!(labels, 25, "the 25 OPS-REQ labels of RFC 3535-next");
    assert!(ids.len() >= 70, "{}", ids.len());
    // Older spellings resolve to the same requirement.
    for (alias, id) in [
        ("OPS-REQ-DM-API", "OPS-REQ-DM2API"),
        ("OPS-REQ-GUIDE-PROFILE", "OPS-REQ-GUIDE-AND-PROFILE"),
        ("3535-OPS-REQ-EASE-USE", "R3535-3.1"),
        ("3535-ACCESS-CONTROL-BOTH-DATA-TASK", "R3535-3.14"),
    ] {
        assert_eq!(
            catalogue.registry.named(alias).map(|r| r.id.as_str()),
            Some(id),
            "{alias}"
        );
    }
}

#[test]
fn no_rfc3535_device_requirement_is_uncovered_without_a_reason() {
    let catalogue = catalogue();
    let unexplained: Vec<&str> = catalogue
        .registry
        .requirements
        .iter()
        .filter(|r| r.id.starts_with("R3535-3.") || r.id.starts_with("R3535-5."))
        .filter(|r| r.kind == RequirementKind::Device && r.not_yet_covered.is_none())
        .filter(|r| {
            !catalogue
                .scenarios
                .iter()
                .any(|s| s.requirements.contains(&r.id))
        })
        .map(|r| r.id.as_str())
        .collect();
    assert!(unexplained.is_empty(), "{unexplained:?}");
    // A reason is for what has no scenario: one that has a scenario says nothing stale.
    let stale: Vec<&str> = catalogue
        .registry
        .requirements
        .iter()
        .filter(|r| r.not_yet_covered.is_some())
        .filter(|r| {
            catalogue
                .scenarios
                .iter()
                .any(|s| s.requirements.contains(&r.id))
        })
        .map(|r| r.id.as_str())
        .collect();
    assert!(stale.is_empty(), "covered, yet said not to be: {stale:?}");
}

#[test]
fn coverage_shows_the_reasons() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args(["requirements", "--coverage", "--features"])
        .arg(common::features_dir())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let count = format!("{} requirement(s)", catalogue().registry.requirements.len());
    assert!(stdout.contains(&count), "{stdout}");
    assert!(
        stdout.contains("(not yet covered: waits for RESTCONF (issue 15)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("device requirements with no scenario and no reason: none"),
        "{stdout}"
    );
}
