//! Independent RESTCONF clients against the reference device, each running the same script:
//! root discovery through host-meta, a GET, a POST that creates a list entry (201 and its
//! Location), a PUT that creates another and one that replaces it (201, then 204), a PATCH that
//! merges, a YANG Patch (RFC 8072) that merges again, a DELETE, the reads that show each
//! effect, and the event stream replayed from the start to a stop time (server-sent events).
//! curl 7.88 (HTTP/1.1 and `--http2`), Python httpx 0.28 (HTTP/2) and requests 2.32 (HTTP/1.1), installed by scripts/setup-test-env.
//!
//! Every client verifies the server certificate against the device's own (written to a file);
//! none gets `--insecure`. No password is on a command line: curl reads a netrc file, the
//! Python clients the environment. After each client the datastore itself is read (NETCONF,
//! same device) to show that the writes did what their status codes said.

use std::process::Output;
use std::time::Duration;

use rfc3535_client::wire::Datastore;
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_device::{Device, DeviceConfig};

struct Bed {
    device: Device,
    dir: tempfile::TempDir,
}

impl Bed {
    async fn start() -> Bed {
        let mut config = DeviceConfig::lab("restconf-interop");
        config.restconf_listen = Some(([127, 0, 0, 1], 0).into());
        let device = Device::start(config).await.expect("device starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let endpoint = device.restconf.as_ref().expect("RESTCONF");
        std::fs::write(dir.path().join("ca.pem"), &endpoint.certificate_pem).expect("ca");
        let account = &device.accounts[0];
        std::fs::write(
            dir.path().join("netrc"),
            format!(
                "machine 127.0.0.1 login {} password {}\n",
                account.user, account.password
            ),
        )
        .expect("netrc");
        Bed { device, dir }
    }

    fn base(&self) -> String {
        let endpoint = self.device.restconf.as_ref().expect("RESTCONF");
        format!("https://127.0.0.1:{}", endpoint.address.port())
    }

    /// The sandbox entries' ids and the lab name, as NETCONF reads running.
    async fn running(&self) -> String {
        let account = &self.device.accounts[0];
        let session = rfc3535_client::connect(&ConnectOptions::new(
            "127.0.0.1",
            self.device.address.port(),
            account.user.clone(),
            Auth::Password(account.password.clone().into()),
            HostKeyPolicy::Pinned {
                fingerprint: self.device.fingerprint.clone(),
            },
        ))
        .await
        .expect("NETCONF");
        let reply = session
            .get_config(Datastore::Running, None)
            .await
            .expect("get-config");
        session.shutdown().await;
        reply.data().unwrap_or_default().to_owned()
    }
}

async fn run(command: &mut tokio::process::Command) -> Output {
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("the client finishes")
        .expect("the client runs")
}

fn assert_success(client: &str, output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{client}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// One curl request: `METHOD PATH [BODY]`, a body in YANG data JSON; the status code, the
/// response headers and the body.
async fn curl(
    bed: &Bed,
    http: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String, String) {
    curl_with(
        bed,
        http,
        method,
        path,
        body.map(|b| ("application/yang-data+json", b)),
    )
    .await
}

/// A YANG Patch with curl (`application/yang-patch+json`): the status code and the body.
async fn curl_patch(bed: &Bed, http: &str, path: &str, patch: &str) -> (u16, String) {
    let (code, _, body) = curl_with(
        bed,
        http,
        "PATCH",
        path,
        Some(("application/yang-patch+json", patch)),
    )
    .await;
    (code, body)
}

async fn curl_with(
    bed: &Bed,
    http: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> (u16, String, String) {
    let mut command = tokio::process::Command::new("curl");
    command
        .args(["-sS", http, "--cacert"])
        .arg(bed.dir.path().join("ca.pem"))
        .arg("--netrc-file")
        .arg(bed.dir.path().join("netrc"))
        .args(["-X", method, "-H", "Accept: application/yang-data+json"])
        .args(["-D", "-", "-w", "\n%{http_code}"]);
    if let Some((media, body)) = body {
        command.args([
            "-H",
            &format!("Content-Type: {media}"),
            "--data-binary",
            body,
        ]);
    }
    command.arg(format!("{}{path}", bed.base()));
    let output = run(&mut command).await;
    let text = assert_success("curl", &output);
    let (rest, code) = text.rsplit_once('\n').unwrap_or(("", ""));
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    (
        code.trim().parse().unwrap_or(0),
        headers.to_owned(),
        body.to_owned(),
    )
}

async fn curl_script(bed: &Bed, http: &str, tag: &str) {
    let (code, _, meta) = curl(bed, http, "GET", "/.well-known/host-meta", None).await;
    assert_eq!(code, 200, "{meta}");
    assert!(meta.contains("/restconf"), "{meta}");
    let (code, _, system) = curl(bed, http, "GET", "/restconf/data/ietf-system:system", None).await;
    assert_eq!(code, 200, "{system}");
    assert!(system.contains("\"ietf-system:system\""), "{system}");
    let peer = format!(r#"{{"rfc3535-lab:peer":[{{"address":"{tag}-peer"}}]}}"#);
    let (code, headers, body) = curl(
        bed,
        http,
        "POST",
        "/restconf/data/rfc3535-lab:lab",
        Some(&peer),
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert!(
        headers.to_ascii_lowercase().contains(&format!(
            "location: /restconf/data/rfc3535-lab:lab/peer={tag}-peer"
        )),
        "{headers}"
    );
    let entry = format!("/restconf/data/rfc3535-lab:lab/rule={tag}");
    let rule =
        |action: &str| format!(r#"{{"rfc3535-lab:rule":[{{"id":"{tag}","action":"{action}"}}]}}"#);
    let (code, _, body) = curl(bed, http, "PUT", &entry, Some(&rule("permit"))).await;
    assert_eq!(code, 201, "{body}");
    let (code, _, body) = curl(bed, http, "PUT", &entry, Some(&rule("deny"))).await;
    assert_eq!(code, 204, "{body}");
    let name = format!(r#"{{"rfc3535-lab:lab":{{"name":"{tag}-plain"}}}}"#);
    let (code, _, body) = curl(
        bed,
        http,
        "PATCH",
        "/restconf/data/rfc3535-lab:lab",
        Some(&name),
    )
    .await;
    assert_eq!(code, 204, "{body}");
    // A YANG Patch (RFC 8072) sets the name the effects check looks for.
    let patch = format!(
        r#"{{"ietf-yang-patch:yang-patch":{{"patch-id":"{tag}","edit":[{{"edit-id":"1","operation":"merge","target":"/name","value":{{"rfc3535-lab:name":"{tag}"}}}}]}}}}"#
    );
    let (code, body) = curl_patch(bed, http, "/restconf/data/rfc3535-lab:lab", &patch).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"ok\""), "{body}");
    let (code, _, body) = curl(bed, http, "GET", &entry, None).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("deny"), "{body}");
    let (code, _, body) = curl(
        bed,
        http,
        "DELETE",
        &format!("/restconf/data/rfc3535-lab:lab/peer={tag}-peer"),
        None,
    )
    .await;
    assert_eq!(code, 204, "{body}");
    // The event stream (RFC 8040 §6.4) replays the changes made so far and, its stop time
    // reached, ends by itself.
    let stop = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() + std::time::Duration::from_secs(2),
    );
    let (code, _, events) = curl(
        bed,
        http,
        "GET",
        &format!("/restconf/streams/NETCONF/xml?start-time=2000-01-01T00:00:00Z&stop-time={stop}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{events}");
    assert_events(&events);
}

/// An event stream read from the start to its stop time: changes, then the end of the
/// replay, then the end of the stream, as server-sent events.
fn assert_events(events: &str) {
    assert!(events.starts_with("data: "), "{events}");
    for wanted in [
        "netconf-config-change",
        "replayComplete",
        "notificationComplete",
    ] {
        assert!(events.contains(wanted), "{wanted}: {events}");
    }
}

/// What every client's script leaves in running: the replaced entry, the merged name, and no
/// peer (created, then deleted).
async fn assert_effects(bed: &Bed, tag: &str) {
    let running = bed.running().await;
    assert!(running.contains(&format!("<id>{tag}</id>")), "{running}");
    assert!(
        running.contains(&format!("<name>{tag}</name>")),
        "{running}"
    );
    assert!(!running.contains(&format!("{tag}-peer")), "{running}");
    let rule = running
        .split(&format!("<id>{tag}</id>"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        rule.trim_start().starts_with("<action>deny</action>"),
        "{running}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn curl_over_http1_and_http2_runs_the_script() {
    let bed = Bed::start().await;
    for (http, tag) in [("--http1.1", "curl-h1"), ("--http2", "curl-h2")] {
        curl_script(&bed, http, tag).await;
        assert_effects(&bed, tag).await;
    }
}

/// The same script for a Python client; `{client}` builds it: httpx over HTTP/2 or requests.
const PYTHON_SCRIPT: &str = r#"
import os, sys
base, ca, tag, which = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
auth = ("admin", os.environ["RFC3535_TEST_PASSWORD"])
JSON = "application/yang-data+json"
if which == "httpx":
    import httpx
    client = httpx.Client(http2=True, verify=ca, auth=auth)
    def call(method, path, body=None, media=JSON):
        r = client.request(method, base + path, content=body,
                           headers={"Accept": JSON, **({"Content-Type": media} if body else {})})
        assert r.http_version == "HTTP/2", r.http_version
        return r
else:
    import requests
    session = requests.Session()
    session.auth = auth
    def call(method, path, body=None, media=JSON):
        # Per request: a session's own verify loses to REQUESTS_CA_BUNDLE in the environment.
        return session.request(method, base + path, data=body, verify=ca,
                               headers={"Accept": JSON, **({"Content-Type": media} if body else {})})

def expect(r, code):
    assert r.status_code == code, (r.request.method, r.url, r.status_code, r.text)
    return r

meta = expect(call("GET", "/.well-known/host-meta"), 200).text
assert "/restconf" in meta, meta
expect(call("GET", "/restconf/data/ietf-system:system"), 200)
peer = '{"rfc3535-lab:peer":[{"address":"%s-peer"}]}' % tag
created = expect(call("POST", "/restconf/data/rfc3535-lab:lab", peer), 201)
assert created.headers["location"].endswith("/peer=%s-peer" % tag), created.headers
entry = "/restconf/data/rfc3535-lab:lab/rule=" + tag
rule = '{"rfc3535-lab:rule":[{"id":"%s","action":"%%s"}]}' % tag
expect(call("PUT", entry, rule % "permit"), 201)
expect(call("PUT", entry, rule % "deny"), 204)
expect(call("PATCH", "/restconf/data/rfc3535-lab:lab", '{"rfc3535-lab:lab":{"name":"%s-plain"}}' % tag), 204)
patch = ('{"ietf-yang-patch:yang-patch":{"patch-id":"%s","edit":[{"edit-id":"1","operation":"merge",'
         '"target":"/name","value":{"rfc3535-lab:name":"%s"}}]}}' % (tag, tag))
status = expect(call("PATCH", "/restconf/data/rfc3535-lab:lab", patch, "application/yang-patch+json"), 200)
assert '"ok"' in status.text, status.text
assert "deny" in expect(call("GET", entry), 200).text
expect(call("DELETE", "/restconf/data/rfc3535-lab:lab/peer=%s-peer" % tag), 204)
from datetime import datetime, timedelta, timezone
stop = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
events = expect(call("GET", "/restconf/streams/NETCONF/xml?start-time=2000-01-01T00:00:00Z&stop-time=" + stop), 200)
assert events.headers["content-type"].startswith("text/event-stream"), events.headers
for wanted in ("netconf-config-change", "replayComplete", "notificationComplete"):
    assert wanted in events.text, (wanted, events.text)
print("script done")
"#;

async fn python_client(bed: &Bed, which: &str) {
    let output = run(tokio::process::Command::new("python3")
        .args(["-c", PYTHON_SCRIPT, &bed.base()])
        .arg(bed.dir.path().join("ca.pem"))
        .args([which, which])
        .env("RFC3535_TEST_PASSWORD", &bed.device.accounts[0].password))
    .await;
    let stdout = assert_success(which, &output);
    assert!(stdout.contains("script done"), "{stdout}");
    assert_effects(bed, which).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn httpx_over_http2_runs_the_script() {
    let bed = Bed::start().await;
    python_client(&bed, "httpx").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_runs_the_script() {
    let bed = Bed::start().await;
    python_client(&bed, "requests").await;
}
