//! `rfc3535 demo`, as a hackathon table uses it: a run of the reference devices, then the
//! report served on 127.0.0.1 with its URL printed, until Ctrl-C ends it cleanly.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// One GET over HTTP/1.1; the status line and the body.
async fn get(address: &str, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response");
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_serves_its_report_until_interrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rfc3535"))
        .args([
            "demo",
            "--port",
            "0",
            "--reference",
            "compliant",
            "--name",
            "A configuration read carries no operational state",
            "--out",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("rfc3535 demo starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = tokio::time::timeout(Duration::from_secs(120), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("serving: ") {
                return rest.split_whitespace().next().map(str::to_owned);
            }
        }
        None
    })
    .await
    .expect("the run ends in time")
    .expect("a URL is printed");
    let address = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(address, _)| address.to_owned())
        .expect("http://ADDRESS/PAGE");
    assert!(address.starts_with("127.0.0.1:"), "{url}");
    let (status, body) = get(&address, "/report.html").await;
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("compliant"), "the report names the device");
    let (status, body) = get(&address, "/results.json").await;
    assert!(status.contains(" 200 "), "{status}");
    assert!(body.contains("\"schema_version\""));
    let (status, _) = get(&address, "/../results.json").await;
    assert!(status.contains(" 404 "), "{status}");
    let pid = child.id().expect("running").to_string();
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops at Ctrl-C")
        .expect("status");
    assert!(status.success(), "{status:?}");
}
