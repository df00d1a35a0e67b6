//! The evidence questionnaire as a user runs it: a template from `rfc3535 requirements
//! --questionnaire`, answered, valid against `reports/answers.schema.json`, and applied by
//! `rfc3535 run --answers` and `rfc3535 report --answers`: met with evidence passes, not met
//! fails, and the scores follow.

mod common;

use std::path::Path;

use rfc3535_score::Verdict;

fn rfc3535() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
}

/// The template for `device`, with Q-COVERAGE answered as given.
fn answered(device: &str, met: &str) -> String {
    let output = rfc3535()
        .args([
            "requirements",
            "--questionnaire",
            "--device",
            device,
            "--features",
        ])
        .arg(common::features_dir())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let template = String::from_utf8_lossy(&output.stdout).into_owned();
    let question = "  - question: Q-COVERAGE\n    met:\n    evidence: []";
    assert!(template.contains(question), "{template}");
    template.replace(
        question,
        &format!(
            "  - question: Q-COVERAGE\n    met: {met}\n    evidence: [https://example.net/coverage-matrix.pdf]"
        ),
    )
}

fn validates_against_the_schema(text: &str) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/answers.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let instance: serde_json::Value = serde_saphyr::from_str(text).expect("YAML");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn verdict_of(results: &rfc3535_score::Results, requirement: &str) -> (Verdict, String) {
    let r = results
        .requirement_results
        .iter()
        .find(|r| r.requirement == requirement)
        .unwrap_or_else(|| panic!("no verdict for {requirement}"));
    (r.verdict, r.message.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_turn_manual_requirements_into_verdicts_in_run_and_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yes = answered("compliant", "true");
    validates_against_the_schema(&yes);
    let yes_file = dir.path().join("yes.yaml");
    std::fs::write(&yes_file, &yes).expect("write");
    let out = dir.path().join("run");
    let (output, results) = common::run(
        &out,
        &[
            "--reference",
            "compliant",
            "--name",
            "The device offers the current base protocol",
            "--answers",
            yes_file.to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    )
    .await;
    assert!(output.status.success(), "{output:?}");
    // Q-COVERAGE answers R3535-5.1 (among others): met, with evidence.
    let (verdict, message) = verdict_of(&results, "R3535-5.1");
    assert_eq!(verdict, Verdict::Pass, "{message}");
    assert!(message.contains("coverage-matrix.pdf"), "{message}");
    // An unanswered question leaves its requirement manual.
    assert_eq!(verdict_of(&results, "R3535-5.2").0, Verdict::Manual);

    // `report --answers` over the saved run: not met fails, and the score drops.
    let no = answered("compliant", "false");
    validates_against_the_schema(&no);
    let no_file = dir.path().join("no.yaml");
    std::fs::write(&no_file, &no).expect("write");
    let output = rfc3535()
        .arg("report")
        .arg(out.join("results.json"))
        .args(["--format", "json", "--answers"])
        .arg(&no_file)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let reported =
        rfc3535_score::Results::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON");
    assert_eq!(verdict_of(&reported, "R3535-5.1").0, Verdict::Fail);
    assert!(
        reported.devices[0].score.percent < results.devices[0].score.percent,
        "{:?} then {:?}",
        results.devices[0].score,
        reported.devices[0].score
    );

    // Answers for a device the run does not test are a usage error, before anything runs.
    let stranger = dir.path().join("stranger.yaml");
    std::fs::write(&stranger, answered("nobody", "true")).expect("write");
    let output = rfc3535()
        .args(["run", "--reference", "compliant", "--answers"])
        .arg(&stranger)
        .args(["--out"])
        .arg(dir.path().join("refused"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("nobody"));
}
