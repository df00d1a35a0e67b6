//! Every renderer on a fixed run (`fixtures/results/four-devices`: four devices, every verdict
//! kind, an unreachable device, alternative mechanisms, measurements, evidence). Snapshots are
//! regenerated only on purpose (`INSTA_UPDATE=always cargo test -p rfc3535-report`), and go
//! through a redactor that puts fixed-width placeholders over times, run ids and absolute
//! paths, so a table keeps its alignment.

mod common;

use regex::Regex;
use rfc3535_report::{render, Format, Options, Results};

fn fixture() -> (Results, Options) {
    let (results, options) = common::fixture();
    let options = Options {
        color: false,
        width: 120,
        generator: "rfc3535 (snapshot)".to_owned(),
        ..options
    };
    (results, options)
}

/// Replaces what changes from run to run with a placeholder of the same width.
fn redact(text: &str) -> String {
    let rules = [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", 'T'),
        (r"\d{8}T\d{6}-\d+", 'I'),
        (r"(/tmp|/home|/root|/work)(/[\w.-]+)+", 'P'),
    ];
    let mut text = text.to_owned();
    for (pattern, fill) in rules {
        let regex = Regex::new(pattern).expect("valid pattern");
        text = regex
            .replace_all(&text, |caps: &regex::Captures<'_>| {
                let width = caps[0].chars().count();
                format!("[{}]", fill.to_string().repeat(width.saturating_sub(2)))
            })
            .into_owned();
    }
    text
}

#[test]
fn the_redactor_keeps_widths() {
    let line = "| 2026-11-21T09:00:00Z | 20261121T090000-4242 | /tmp/rfc3535-x/evidence |";
    let redacted = redact(line);
    assert_eq!(redacted.chars().count(), line.chars().count());
    assert!(!redacted.contains("2026"), "{redacted}");
}

#[test]
fn terminal() {
    let (results, options) = fixture();
    let text = render(Format::Term, &results, &options);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "wider than 120 columns: {line}"
        );
    }
    insta::assert_snapshot!("terminal", redact(&text));
}

#[test]
fn terminal_narrow_and_coloured() {
    let (results, mut options) = fixture();
    options.width = 80;
    let plain = render(Format::Term, &results, &options);
    for line in plain.lines() {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    insta::assert_snapshot!("terminal-80", redact(&plain));
    options.color = true;
    let coloured = render(Format::Term, &results, &options);
    assert!(
        coloured.contains("\u{1b}["),
        "no ANSI colour when asked for"
    );
    assert!(!plain.contains('\u{1b}'), "ANSI colour when not asked for");
}

#[test]
fn markdown() {
    let (results, options) = fixture();
    insta::assert_snapshot!("markdown", redact(&render(Format::Md, &results, &options)));
}

#[test]
fn junit() {
    let (results, options) = fixture();
    insta::assert_snapshot!("junit", redact(&render(Format::Junit, &results, &options)));
}

#[test]
fn json_is_results_json_itself() {
    let (results, options) = fixture();
    let text = render(Format::Json, &results, &options);
    assert_eq!(Results::from_json(&text).expect("parses back"), results);
    insta::assert_snapshot!("json", redact(&text));
}

#[test]
fn html() {
    let (results, options) = fixture();
    insta::assert_snapshot!("html", redact(&render(Format::Html, &results, &options)));
}

#[test]
fn a_large_fleet_gets_the_fleet_view_in_a_terminal() {
    let (mut results, options) = fixture();
    let (devices, verdicts) = common::copies_of_first_device(&results, 30, 2, |_, _| {});
    results.devices.extend(devices);
    results.requirement_results.extend(verdicts);
    let text = render(Format::Term, &results, &options);
    assert!(text.contains("fleet view"), "{text}");
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "wider than 120 columns: {line}"
        );
    }
    insta::assert_snapshot!("terminal-fleet", redact(&text));
}
