//! `rfc3535 probe` as a user runs it: against real lab devices, by URL and by inventory, as
//! text and as JSON, and with the exit codes of DESIGN.md §5.

use std::process::Command;

use rfc3535_testlab::{DeviceSpec, LabDevice};

fn rfc3535() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rfc3535"))
}

/// `rfc3535 probe netconf://admin@127.0.0.1:PORT --password-env ...` for a lab device, with
/// the password in the environment.
fn probe_by_url(device: &LabDevice) -> Command {
    let mut command = rfc3535();
    command
        .args([
            "probe",
            &format!("netconf://{}@127.0.0.1:{}", device.admin, device.port),
        ])
        .args(["--password-env", "RFC3535_TEST_PASSWORD"])
        .args(["--hello-settle-ms", "100"])
        .env("RFC3535_TEST_PASSWORD", device.admin_password());
    command
}

/// The stdout of a run that must succeed; its stderr is shown if it did not.
fn stdout_of_success(output: std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn inventory_for(device: &LabDevice, dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("inventory.yaml");
    std::fs::write(
        &path,
        format!(
            "devices:\n  - name: {}\n    address: 127.0.0.1\n    port: {}\n    username: {}\n    password_file: {}\n    known_hosts: {}\n    hello_settle_ms: 100\n    labels: {{ software: netconfd }}\n",
            device.name,
            device.port,
            device.admin,
            device.dir.join("admin.pass").display(),
            device.known_hosts().display()
        ),
    )
    .expect("write inventory");
    path
}

#[test]
fn probe_by_url_prints_json_with_the_contract_fields() {
    let device = LabDevice::start(&DeviceSpec::running_base10());
    let output = probe_by_url(&device)
        .arg("--json")
        .arg("--known-hosts")
        .arg(device.known_hosts())
        .output()
        .expect("runs");
    let stdout = stdout_of_success(output);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["framing"], "1.0");
    assert!(json["session_id"].as_u64().is_some_and(|id| id > 0));
    assert!(json["host_key_fingerprint"]
        .as_str()
        .is_some_and(|f| f.starts_with("SHA256:")));
    let capabilities = json["capabilities"].as_array().expect("array");
    assert!(capabilities
        .iter()
        .any(|c| c == "urn:ietf:params:netconf:capability:writable-running:1.0"));
    assert_eq!(json["yang_library"]["format"], "rfc7895");
    assert_eq!(
        json["sandbox"]["implemented"], true,
        "ietf-system is implemented"
    );
    assert!(!stdout.contains(&device.admin_password()));
}

/// A sandbox in a module the device does not implement: the probe says so and names text
/// leaves of the device's own schema to use instead.
#[test]
fn a_sandbox_the_device_lacks_gets_candidates_from_its_schema() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = inventory_for(&device, dir.path());
    let text = std::fs::read_to_string(&inventory).expect("inventory");
    std::fs::write(
        &inventory,
        format!("{text}    sandbox: {{ text: \"urn:example:absent box/text\" }}\n"),
    )
    .expect("write inventory");
    let output = rfc3535()
        .args(["probe", "--json", "--inventory"])
        .arg(&inventory)
        .args(["--device", &device.name])
        .env("RFC3535_CACHE", dir.path().join("cache"))
        .output()
        .expect("runs");
    let stdout = stdout_of_success(output);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["sandbox"]["implemented"], false, "{stdout}");
    let suggestions: Vec<&str> = json["sandbox"]["text_suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(
        suggestions.iter().any(
            |s| *s == "urn:ietf:params:xml:ns:yang:ietf-system system/location"
                || *s == "urn:ietf:params:xml:ns:yang:ietf-system system/contact"
        ),
        "{suggestions:?}"
    );
}

#[test]
fn probe_by_inventory_prints_grouped_text() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = inventory_for(&device, dir.path());
    let output = rfc3535()
        .args(["probe", "--inventory"])
        .arg(&inventory)
        .args(["--device", &device.name])
        .output()
        .expect("runs");
    let stdout = stdout_of_success(output);
    for expected in [
        "base:1.1 (chunked)",
        "host key        SHA256:",
        ":candidate:1.0",
        "ietf-interfaces@2014-05-08  features:",
        "RFC 7895 /modules-state",
        "software=netconfd",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
}

#[test]
fn unknown_host_key_fails_with_exit_3_and_a_remedy() {
    let device = LabDevice::start(&DeviceSpec::candidate());
    let empty = tempfile::NamedTempFile::new().expect("tempfile");
    let output = probe_by_url(&device)
        .arg("--known-hosts")
        .arg(empty.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("host key") && stderr.contains("accept-new"),
        "{stderr}"
    );
    assert!(!stderr.contains(&device.admin_password()));
}

#[test]
fn configuration_errors_exit_2() {
    let missing_env = rfc3535()
        .args([
            "probe",
            "netconf://a@127.0.0.1:1",
            "--password-env",
            "RFC3535_SURELY_UNSET",
        ])
        .env_remove("RFC3535_SURELY_UNSET")
        .output()
        .expect("runs");
    assert_eq!(missing_env.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing_env.stderr).contains("RFC3535_SURELY_UNSET"));
    let password_in_url = rfc3535()
        .args(["probe", "netconf://a:secret@127.0.0.1:1"])
        .output()
        .expect("runs");
    assert_eq!(password_in_url.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&password_in_url.stderr).contains("--password-env"));
    let no_args = rfc3535().arg("probe").output().expect("runs");
    assert_eq!(no_args.status.code(), Some(2));
}

/// A RESTCONF target (real jetconf, HTTP/2, client certificates): the probe says how it was
/// reached and what it claims, in JSON with `"protocol": "restconf"`, and as text.
#[test]
fn a_restconf_target_is_probed_over_restconf() {
    let device = LabDevice::start(&DeviceSpec::jetconf());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(
        &inventory,
        format!("devices:\n{}", device.inventory_entry("jetconf")),
    )
    .expect("write inventory");
    let output = rfc3535()
        .args(["probe", "--inventory"])
        .arg(&inventory)
        .args(["--device", "jetconf", "--json"])
        .output()
        .expect("runs");
    let report: serde_json::Value =
        serde_json::from_str(&stdout_of_success(output)).expect("one JSON object");
    assert_eq!(report["protocol"], "restconf", "{report:#}");
    assert_eq!(report["http_version"], "HTTP/2.0", "{report:#}");
    assert_eq!(report["encoding"], "json", "{report:#}");
    assert!(report["claims"]["restconf"].is_string(), "{report:#}");
    assert!(report["claims"]["yang-library"].is_string(), "{report:#}");
    assert_eq!(report["sandbox"]["implemented"], true, "{report:#}");
    assert!(
        report["certificate_fingerprint"]
            .as_str()
            .is_some_and(|f| f.len() == 95),
        "{report:#}"
    );
    let text = stdout_of_success(
        rfc3535()
            .args(["probe", "--inventory"])
            .arg(&inventory)
            .args(["--device", "jetconf"])
            .output()
            .expect("runs"),
    );
    for line in [
        "(RESTCONF)",
        "HTTP:         HTTP/2.0",
        "encoding:     json",
        "capabilities: none listed",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}
