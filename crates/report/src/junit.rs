//! JUnit XML for CI systems (the Jenkins/Surefire schema that GitLab, GitHub actions and
//! Jenkins read): a `<testsuite>` per (device, protocol), a `<testcase>` per requirement named
//! `REQ-ID[device/protocol]`, so a CI system never merges two devices' results. A failure
//! carries what was expected (the requirement) and what the device did; not-applicable,
//! skipped and manual are skipped with their reason; error is an error.

use rfc3535_score::{Matrix, Results, Verdict};

use crate::{escape_markup as xml, explanation};

/// Seconds with millisecond precision, as the schema's time pattern wants.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

pub fn render(results: &Results) -> String {
    let matrix = Matrix::new(results);
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_errors, mut all_ms) = (0, 0, 0, 0u64);
    for (column, device) in matrix.columns.iter().enumerate() {
        let (mut tests, mut failures, mut errors, mut skipped, mut suite_ms) = (0, 0, 0, 0, 0u64);
        let mut cases = String::new();
        for row in matrix.rows() {
            let cell = &row.cells[column];
            let requirement = row.requirement;
            let ms: u64 = cell
                .scenarios
                .iter()
                .map(|&i| results.results[i].duration_ms)
                .sum();
            tests += 1;
            suite_ms += ms;
            cases.push_str(&format!(
                "    <testcase name=\"{}[{}]\" classname=\"rfc3535.{}\" time=\"{}\">\n",
                xml(&requirement.id),
                xml(&device.id),
                xml(&requirement.group.replace(' ', "_")),
                seconds(ms)
            ));
            match cell.verdict {
                Some(Verdict::Pass) => {}
                Some(Verdict::Fail) => {
                    failures += 1;
                    let actual = explanation(results, cell);
                    let mut body = format!(
                        "expected: {} ({}, {})\nactual: {actual}\n",
                        requirement.title,
                        requirement.level.as_str().to_uppercase(),
                        requirement.source
                    );
                    body.push_str(&steps_of(results, cell));
                    cases.push_str(&format!(
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                        if cell.claimed_but_broken {
                            "claimed-but-broken"
                        } else {
                            "fail"
                        },
                        xml(&actual),
                        xml(&body)
                    ));
                }
                Some(Verdict::Error) => {
                    errors += 1;
                    let why = explanation(results, cell);
                    cases.push_str(&format!(
                        "      <error type=\"error\" message=\"{}\">{}</error>\n",
                        xml(&why),
                        xml(&steps_of(results, cell))
                    ));
                }
                Some(verdict @ (Verdict::NotApplicable | Verdict::Skipped | Verdict::Manual)) => {
                    skipped += 1;
                    cases.push_str(&format!(
                        "      <skipped type=\"{verdict}\" message=\"{}: {}\"/>\n",
                        verdict,
                        xml(cell.message)
                    ));
                }
                None => {
                    skipped += 1;
                    cases.push_str(
                        "      <skipped type=\"not-run\" message=\"this run holds no verdict for it\"/>\n",
                    );
                }
            }
            let measured = measured_of(results, cell);
            if !measured.is_empty() {
                cases.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    xml(&measured)
                ));
            }
            cases.push_str("    </testcase>\n");
        }
        let mut properties = format!(
            "      <property name=\"address\" value=\"{}\"/>\n      <property name=\"score\" value=\"{}\"/>\n",
            xml(&device.address),
            xml(&crate::score_text(device))
        );
        for (key, value) in &device.identity {
            properties.push_str(&format!(
                "      <property name=\"identity.{}\" value=\"{}\"/>\n",
                xml(key),
                xml(value)
            ));
        }
        suites.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{}\" timestamp=\"{}\">\n    <properties>\n{properties}    </properties>\n{cases}  </testsuite>\n",
            xml(&device.id),
            seconds(suite_ms),
            xml(&results.run.started),
        ));
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
        all_ms += suite_ms;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rfc3535 {}\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{all_errors}\" time=\"{}\">\n{suites}</testsuites>\n",
        xml(&results.run.id),
        seconds(all_ms),
    )
}

/// The steps of the scenarios behind a cell that did not pass, as a reader of a CI log wants
/// them: scenario, then each step with its outcome.
fn steps_of(results: &Results, cell: &rfc3535_score::Cell<'_>) -> String {
    let mut out = String::new();
    for &index in &cell.scenarios {
        let scenario = &results.results[index];
        if scenario.verdict == Verdict::Pass || scenario.steps.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\nscenario: {} ({})\n",
            scenario.scenario, scenario.feature
        ));
        for step in &scenario.steps {
            out.push_str(&format!(
                "  {} {} [{}]\n",
                step.keyword, step.text, step.outcome
            ));
        }
        for evidence in &scenario.evidence {
            out.push_str(&format!("  evidence: {evidence}\n"));
        }
    }
    out
}

/// What the cell's scenarios measured, one line per scenario that measured anything
/// (`scenario: name=value, ...`), for the test case's output.
fn measured_of(results: &Results, cell: &rfc3535_score::Cell<'_>) -> String {
    let mut out = String::new();
    for &index in &cell.scenarios {
        let result = &results.results[index];
        if result.measurements.is_empty() {
            continue;
        }
        let values: Vec<String> = result
            .measurements
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        out.push_str(&format!(
            "measured in {}: {}\n",
            result.scenario,
            values.join(", ")
        ));
    }
    out
}
