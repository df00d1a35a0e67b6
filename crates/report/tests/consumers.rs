//! The outputs as their real consumers read them: the HTML report in headless Chromium
//! (Debian's `chromium`), the JUnit XML against the Jenkins/Surefire JUnit schema that CI
//! systems follow (junit-10.xsd, as pytest's own tests use it) with xmllint. Both tools are
//! installed by scripts/setup-test-env; a missing one fails the test with what to run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use rfc3535_report::{render, Format, Options, Results};
use rfc3535_score::Verdict;

use common::fixture;

/// Where test artefacts worth looking at go: target/report-check/.
fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-check");
    std::fs::create_dir_all(&dir).expect("target is writable");
    dir
}

fn chromium() -> String {
    std::env::var("RFC3535_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

/// Runs headless Chromium on a page with the network closed (a proxy nobody listens on), and
/// returns (stdout, the console messages it logged).
fn chromium_on(page: &str, extra: &[&str]) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().expect("temp dir");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--proxy-server=127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,1100",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(page)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e}; run scripts/setup-test-env (it installs Debian's chromium)",
                chromium()
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("ERR_"))
        .map(str::to_owned)
        .collect();
    assert!(output.status.success(), "chromium failed: {stderr}");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

#[test]
fn the_html_report_is_self_contained() {
    let (results, options) = fixture();
    let html = render(Format::Html, &results, &options);
    let lower = html.to_lowercase();
    for needle in [
        "<link",
        " src=",
        "@import",
        "url(",
        "fetch(",
        "xmlhttprequest",
        "<iframe",
        "<img",
    ] {
        assert!(
            !lower.contains(needle),
            "the report loads something: {needle}"
        );
    }
    // The only href is none; every anchor stays in the page.
    assert!(!lower.contains("href=\"http"), "an external link");
    // The evidence is in the page, not beside it.
    assert!(
        html.contains("message-id=\\\"2\\\""),
        "evidence not embedded"
    );
}

/// Writes `html` as `name` among the artefacts and opens it in Chromium: its URL, and its
/// DOM once its script has run, which must have logged nothing.
fn opened(name: &str, html: &str) -> (String, String) {
    let page = artefacts().join(name);
    std::fs::write(&page, html).expect("write");
    let url = format!("file://{}", page.display());
    let (dom, console) = chromium_on(&url, &["--dump-dom"]);
    assert_eq!(console, Vec::<String>::new(), "console messages");
    assert!(
        dom.contains("data-ready=\"true\""),
        "the script did not finish"
    );
    (url, dom)
}

/// The drill-down panel of a page's DOM, which must be open.
fn open_drill_down(dom: &str) -> &str {
    let drill = dom
        .split("<aside id=\"drill\"")
        .nth(1)
        .expect("the drill-down panel");
    assert!(
        !drill.starts_with(" hidden"),
        "the drill-down stayed closed"
    );
    drill
}

#[test]
fn the_html_report_renders_in_chromium_without_console_errors() {
    let (results, options) = fixture();
    let dir = artefacts();
    let (url, dom) = opened("report.html", &render(Format::Html, &results, &options));
    assert!(
        dom.contains("9 of 9 requirements shown"),
        "the filters did not run"
    );

    // A deep link opens one cell's drill-down: steps, message and transcript.
    let cell = format!("{url}#cell=netconfd-candidate%2Fnetconf|R3535-3.13");
    let (dom, console) = chromium_on(&cell, &["--dump-dom"]);
    assert_eq!(console, Vec::<String>::new(), "console messages");
    let drill = open_drill_down(&dom);
    for expected in [
        "Candidate changes stay invisible until committed",
        "Then running does not show the change — failed",
        "014-candidate-changes-stay-invisible-until-committed.txt",
        "&lt;get-config&gt;",
    ] {
        assert!(drill.contains(expected), "drill-down lacks {expected:?}");
    }

    for (name, target) in [("matrix.png", url.clone()), ("drill-down.png", cell)] {
        let shot = dir.join(name);
        let _ = std::fs::remove_file(&shot);
        let (_, console) = chromium_on(&target, &[&format!("--screenshot={}", shot.display())]);
        assert_eq!(console, Vec::<String>::new(), "console messages");
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 20_000,
            "{name}: {size} bytes is no screenshot of a report"
        );
    }
}

/// The fixture's run grown to `count` device columns: copies of its first device that pass
/// what it judged, but every seventh, which fails R3535-3.13 (a MUST requirement).
fn fleet_of(count: usize) -> (Results, Options) {
    let (mut results, options) = fixture();
    let (devices, verdicts) = common::copies_of_first_device(&results, count, 4, |n, verdict| {
        if verdict.verdict == Verdict::Fail {
            verdict.verdict = Verdict::Pass;
        }
        if n % 7 == 0 && verdict.requirement == "R3535-3.13" {
            verdict.verdict = Verdict::Fail;
            verdict.message = format!("device {n} fails it");
        }
    });
    results.devices = devices;
    results.requirement_results = verdicts;
    results.results.clear();
    results.rescore(rfc3535_score::Weights::default());
    (results, options)
}

#[test]
fn a_thousand_device_report_opens_on_the_fleet_view_and_reaches_any_device() {
    let (results, options) = fleet_of(1000);
    let (url, dom) = opened("fleet.html", &render(Format::Html, &results, &options));
    let fleet = dom
        .find("<section class=\"fleet\"")
        .expect("the fleet view");
    let matrix = dom.find("<table class=\"matrix").expect("the matrix");
    assert!(fleet < matrix, "the fleet view comes first");
    assert!(
        dom.contains("1000 of 1000 device columns"),
        "the device search ran"
    );
    assert!(
        dom.contains("143 fail MUST requirements"),
        "the MUST failures are counted"
    );
    // The matrix shows a few columns, the failing devices first; not a thousand.
    let header = &dom[matrix
        ..dom[matrix..]
            .find("</thead>")
            .map_or(dom.len(), |e| matrix + e)];
    assert_eq!(header.matches("class=\"dev\"").count(), 12, "{header}");
    assert!(header.contains("pe0000"), "the worst device first");

    // A link to a cell of a device the matrix does not show opens it all the same.
    let cell = format!("{url}#cell=pe0742%2Fnetconf|R3535-3.13");
    let (dom, console) = chromium_on(&cell, &["--dump-dom"]);
    assert_eq!(console, Vec::<String>::new(), "console messages");
    let drill = open_drill_down(&dom);
    assert!(
        drill.contains("R3535-3.13 on pe0742/netconf"),
        "another cell opened"
    );
    assert!(
        dom.contains("data-device=\"742\" title=\"pe0742/netconf\""),
        "its column was not put into the matrix"
    );
}

/// The JUnit schema: `RFC3535_JUNIT_XSD`, else where setup-test-env puts it.
fn junit_xsd() -> PathBuf {
    let path = std::env::var_os("RFC3535_JUNIT_XSD")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/local/share/rfc3535/junit-10.xsd"));
    assert!(
        path.exists(),
        "{} is missing; run scripts/setup-test-env (it takes junit-10.xsd from pytest's source package)",
        path.display()
    );
    path
}

fn xmllint(xsd: &Path, file: &Path) -> (bool, String) {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(file)
        .output()
        .expect("xmllint runs; run scripts/setup-test-env (libxml2-utils)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_junit_output_validates_against_the_junit_schema() {
    let xsd = junit_xsd();
    let (mut results, options) = fixture();
    // A device reply with characters XML cannot carry must not break the file.
    results.results[0].message = "odd \u{1} byte & <tag> \"quoted\"".to_owned();
    results.requirement_results[0].message = "odd \u{1b}[31m escape".to_owned();
    let file = artefacts().join("junit.xml");
    std::fs::write(&file, render(Format::Junit, &results, &options)).expect("write");
    let (valid, report) = xmllint(&xsd, &file);
    assert!(valid, "{report}");

    // The check can fail: a testsuite without its required counts is refused.
    let broken = std::fs::read_to_string(&file).expect("read").replacen(
        " tests=\"9\" failures=",
        " failures=",
        1,
    );
    let bad = artefacts().join("junit-broken.xml");
    std::fs::write(&bad, broken).expect("write");
    assert!(
        !xmllint(&xsd, &bad).0,
        "the schema accepted a testsuite without tests="
    );
}
