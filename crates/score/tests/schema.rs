//! `reports/results.schema.json` describes what this crate writes: the fixture run and a
//! document with every optional field validate, and the schema refuses what is not a
//! results file (so the check can fail).

use jsonschema::Validator;
use rfc3535_score::Results;

fn validator() -> Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reports/results.schema.json"
    );
    let text = std::fs::read_to_string(path).expect("the schema is in the repository");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn problems(validator: &Validator, document: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn fixture_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/results/four-devices/results.json"
    );
    std::fs::read_to_string(path).expect("fixture present")
}

#[test]
fn the_fixture_and_its_reserialisation_validate() {
    let validator = validator();
    let text = fixture_text();
    let as_written: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(problems(&validator, &as_written), Vec::<String>::new());
    let results = Results::from_json(&text).expect("results");
    let reserialised = serde_json::to_value(&results).expect("serialises");
    assert_eq!(problems(&validator, &reserialised), Vec::<String>::new());
}

#[test]
fn every_optional_field_is_described() {
    let validator = validator();
    let mut results = Results::from_json(&fixture_text()).expect("results");
    results.run.shard = Some("2/3".to_owned());
    results.run.interrupted = true;
    results.results[0].schema_findings = vec!["session A message-id 3: ...".to_owned()];
    results.results[0].peers = vec!["netconfd-running/netconf".to_owned()];
    results.results[0].mechanism = Some("startup".to_owned());
    results.devices[0].safety.problems = vec!["running differs".to_owned()];
    let document = serde_json::to_value(&results).expect("serialises");
    assert_eq!(problems(&validator, &document), Vec::<String>::new());
}

#[test]
fn the_schema_refuses_what_is_not_a_results_file() {
    let validator = validator();
    let mut document: serde_json::Value = serde_json::from_str(&fixture_text()).expect("JSON");
    document["results"][0]["verdict"] = "passed".into();
    document["devices"][0]["surprise"] = true.into();
    document["schema_version"] = 2.into();
    let found = problems(&validator, &document);
    assert_eq!(found.len(), 3, "{found:#?}");
}
