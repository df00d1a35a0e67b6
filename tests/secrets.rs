//! The secrets check: nothing a run writes holds a credential it used. Two runs of the whole
//! catalogue, each with the most verbose log level:
//! - the main job's path (reference devices started in the process) with passwords chosen
//!   for the test: NETCONF logs in with them over SSH, RESTCONF sends them in an HTTP
//!   `Authorization: Basic` header;
//! - a run over lab devices (netconfd behind OpenSSH, jetconf) reached with an SSH private
//!   key, a password file, a password in an environment variable and TLS client keys.
//!
//! Then every file of the run directory (results.json, evidence, schema snapshots, every report
//! format), stdout and stderr are searched for every secret: each password, each Basic
//! credential as it travels, and each line of every private key.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use rfc3535_testlab::{DeviceSpec, LabDevice};

/// One secret and what it is, for the message that names where it was found.
struct Secret {
    what: String,
    text: String,
}

fn password(what: &str, text: &str) -> Secret {
    Secret {
        what: what.to_owned(),
        text: text.trim().to_owned(),
    }
}

/// A password and the HTTP Basic credential (RFC 7617) that carries it for this user.
fn password_and_basic_credential(user: &str, text: &str) -> Vec<Secret> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", text.trim()));
    vec![
        password(&format!("{user}'s password"), text),
        Secret {
            what: format!("{user}'s Basic credential"),
            text: token,
        },
    ]
}

/// Every line of a private key file's body (PEM or OpenSSH): any one of them found in the
/// output is key material leaked.
fn private_key(file: &Path) -> Vec<Secret> {
    let text = std::fs::read_to_string(file).expect("the private key reads");
    let lines: Vec<Secret> = text
        .lines()
        .map(str::trim)
        .filter(|line| line.len() >= 16 && !line.starts_with("-----"))
        .map(|line| Secret {
            what: format!("a line of the private key {}", file.display()),
            text: line.to_owned(),
        })
        .collect();
    assert!(!lines.is_empty(), "{} holds key lines", file.display());
    lines
}

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next)
            .expect("the directory reads")
            .flatten()
        {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(_) => files.push(entry.path()),
                Err(e) => panic!("{}: {e}", entry.path().display()),
            }
        }
    }
    files
}

/// Where each secret occurs: in a file under `dir` or in one of the named outputs.
fn findings(secrets: &[Secret], dir: &Path, outputs: &[(&str, &[u8])]) -> Vec<String> {
    let mut found = Vec::new();
    let mut search = |place: &str, bytes: &[u8]| {
        for secret in secrets {
            let needle = secret.text.as_bytes();
            if bytes.windows(needle.len()).any(|window| window == needle) {
                found.push(format!("{} in {place}", secret.what));
            }
        }
    };
    for file in files_under(dir) {
        let bytes = std::fs::read(&file).expect("the file reads");
        search(&file.display().to_string(), &bytes);
    }
    for (place, bytes) in outputs {
        search(place, bytes);
    }
    found
}

/// `rfc3535 run` with every report format, traced, never failing on verdicts.
fn run(out: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .arg("run")
        .args(args)
        .args(["--format", "term,md,json,junit,html", "--fail-on", "never"])
        .arg("--out")
        .arg(out)
        .env("RFC3535_LOG", "trace")
        .env("RFC3535_CACHE", out.with_extension("cache"))
        .envs(env.iter().copied())
        .output()
        .expect("rfc3535 runs");
    assert!(
        output.status.success(),
        "rfc3535 run failed: {}",
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        out.join("results.json").is_file(),
        "results.json is written"
    );
    output
}

/// Asserts that the run reached these columns (`device/protocol`: scenarios passed, more than
/// those about refusing a login; jetconf, which implements little, passes 4), that it wrote
/// what the scan is meant to cover, and none of the secrets.
fn assert_no_secret(secrets: &[Secret], out: &Path, output: &Output, reached: &[&str]) {
    let results = common::read_results(out);
    for column in reached {
        let passed = common::passes(&results, column);
        assert!(
            passed >= 3,
            "{column} passed {passed} scenarios: not reached?"
        );
    }
    for written in [
        "results.json",
        "matrix.txt",
        "matrix.md",
        "junit.xml",
        "report.html",
    ] {
        assert!(out.join(written).is_file(), "{written} is written");
    }
    assert!(
        files_under(&out.join("evidence")).len() > 10,
        "the run kept transcripts"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("TRACE"),
        "the log is at its most verbose"
    );
    let found = findings(
        secrets,
        out,
        &[("stdout", &output.stdout), ("stderr", &output.stderr)],
    );
    assert!(found.is_empty(), "secrets written:\n{}", found.join("\n"));
}

/// The scan itself finds a secret wherever it is written, in any of its forms: the checks
/// below could fail.
#[test]
fn the_scan_finds_a_secret_wherever_it_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = password_and_basic_credential("admin", "Leak-8fQ2mZ");
    assert!(findings(&secrets, dir.path(), &[("stdout", b"clean")]).is_empty());
    let nested = dir.path().join("evidence").join("device");
    std::fs::create_dir_all(&nested).expect("mkdir");
    std::fs::write(
        nested.join("transcript.txt"),
        format!("authorization: Basic {}\n", secrets[1].text),
    )
    .expect("write");
    let found = findings(&secrets, dir.path(), &[("stderr", b"login Leak-8fQ2mZ ok")]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("Basic credential") && found[0].contains("transcript.txt"));
    assert!(found[1].contains("password in stderr"));
}

/// The main job's path: reference devices in the process, NETCONF and RESTCONF, passwords
/// chosen for the test (a password the device refuses to check, `any-password`, included).
#[test]
fn the_main_job_writes_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (admin, read_only) = ("Adm-q8Zr4TmX2vLw", "Ro-k3Hn7WpY5cJd");
    let passwords = dir.path().join("passwords");
    std::fs::write(&passwords, format!("{admin}\n{read_only}\n")).expect("write");
    let out = dir.path().join("run");
    let output = run(
        &out,
        &[
            "--reference",
            "compliant,any-password",
            "--reference-password-file",
            passwords.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    let mut secrets = password_and_basic_credential("admin", admin);
    secrets.extend(password_and_basic_credential("operator", read_only));
    assert_no_secret(
        &secrets,
        &out,
        &output,
        &[
            "compliant/netconf",
            "compliant/restconf",
            "any-password/restconf",
        ],
    );
}

/// Lab devices reached with every kind of credential an inventory holds.
#[test]
fn a_lab_run_writes_no_secret() {
    let keyed = LabDevice::start(&DeviceSpec::candidate());
    let by_env = LabDevice::start(&DeviceSpec::running_base10());
    let jetconf = LabDevice::start(&DeviceSpec::jetconf());
    let dir = tempfile::tempdir().expect("tempdir");
    let inventory = dir.path().join("inventory.yaml");
    let path = |p: PathBuf| p.display().to_string();
    let netconfd = |name: &str, device: &LabDevice, admin_auth: String| {
        format!(
            "  - name: {name}\n    address: 127.0.0.1\n    port: {port}\n    username: {admin}\n{admin_auth}    host_key_policy: strict\n    known_hosts: {known_hosts}\n    hello_settle_ms: 100\n    roles:\n      read_only:\n        username: {guest}\n        password_file: {guest_file}\n",
            port = device.port,
            admin = device.admin,
            known_hosts = path(device.known_hosts()),
            guest = device.guest,
            guest_file = path(device.dir.join("guest.pass")),
        )
    };
    std::fs::write(
        &inventory,
        format!(
            "devices:\n{}{}{}",
            netconfd(
                "netconfd-key",
                &keyed,
                format!("    identity: {}\n", path(keyed.client_key()))
            ),
            netconfd(
                "netconfd-env",
                &by_env,
                "    password_env: RFC3535_SECRETS_TEST_PASSWORD\n".to_owned()
            ),
            jetconf.inventory_entry("jetconf"),
        ),
    )
    .expect("write the inventory");
    let out = dir.path().join("run");
    let output = run(
        &out,
        &[
            "--inventory",
            inventory.to_str().expect("utf-8 path"),
            "--timeout",
            "15",
        ],
        &[("RFC3535_SECRETS_TEST_PASSWORD", &by_env.admin_password())],
    );
    let mut secrets = vec![
        password("netconfd-key's guest password", &keyed.guest_password()),
        password("netconfd-env's admin password", &by_env.admin_password()),
        password("netconfd-env's guest password", &by_env.guest_password()),
    ];
    secrets.extend(private_key(&keyed.client_key()));
    for account in [&jetconf.admin, &jetconf.guest] {
        secrets.extend(private_key(&jetconf.pki(&format!("{account}.key"))));
    }
    assert_no_secret(
        &secrets,
        &out,
        &output,
        &[
            "netconfd-key/netconf",
            "netconfd-env/netconf",
            "jetconf/restconf",
        ],
    );
}
