//! Comparative benchmark of the RESTCONF client, in one run against the same reference device
//! (its RESTCONF front door over HTTP/2, certificate verified by every client): our client, a
//! bare hyper loop (the floor: the same request on the same kind of connection, the body read
//! and thrown away, no transcript, no parsing), curl (one process for all requests, so the
//! connection is reused) and Python httpx over HTTP/2.
//!
//! Measures sequential GETs per second of a small resource (one leaf) and of a large one (a
//! list of `BENCH_ENTRIES` entries), and prints ratios. The reference device does a whole
//! datastore read and a libyang conversion per request, which bounds every client alike; so
//! the same clients are measured a second time against a static HTTP/2 server on loopback that
//! answers with the device's own recorded responses, where what differs is the clients' own
//! cost. Not a test: numbers vary with the machine, so nothing here asserts a timing.
//!
//! `cargo bench --bench restconf`. Sizes: BENCH_SEQUENTIAL (small GETs, 2000),
//! BENCH_LARGE (large GETs, 50), BENCH_ENTRIES (5000), BENCH_PYTHON_SEQUENTIAL (500).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc3535_client::restconf::{HttpMode, Request, RestconfClient, RestconfOptions, ServerTrust};
use rfc3535_client::wire::restconf::MediaType;
use rfc3535_client::Transcript;
use rfc3535_device::{Device, DeviceConfig};

#[path = "common/env.rs"]
mod env;
use env::env_or;

const SMALL: &str = "/restconf/data/rfc3535-lab:lab/name";
const LARGE: &str = "/restconf/data/rfc3535-lab:lab/peer";

struct Bed {
    device: Device,
    dir: tempfile::TempDir,
    /// Where requests go: the device, or the static server replaying its responses.
    port: u16,
}

impl Bed {
    fn port(&self) -> u16 {
        self.port
    }

    fn ca(&self) -> std::path::PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn password(&self) -> &str {
        &self.device.accounts[0].password
    }
}

async fn start(entries: usize) -> Bed {
    let mut config = DeviceConfig::lab("bench");
    config.restconf_listen = Some(([127, 0, 0, 1], 0).into());
    let device = Device::start(config)
        .await
        .expect("the reference device starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let endpoint = device.restconf.as_ref().expect("RESTCONF");
    std::fs::write(dir.path().join("ca.pem"), &endpoint.certificate_pem).expect("ca");
    let port = endpoint.address.port();
    let bed = Bed { device, dir, port };
    let client = ours(&bed).await;
    let peers: Vec<String> = (0..entries)
        .map(|n| format!("{{\"address\":\"198.51.100.{}/{n}\"}}", n % 250))
        .collect();
    let body = format!(
        "{{\"ietf-restconf:data\":{{\"rfc3535-lab:lab\":{{\"peer\":[{}]}}}}}}",
        peers.join(",")
    );
    let response = client
        .send(Request::new(Method::PATCH, "/restconf/data").body(MediaType::YangDataJson, body))
        .await
        .expect("fill");
    assert!(response.status.is_success(), "{}", response.body);
    bed
}

async fn ours(bed: &Bed) -> RestconfClient {
    let mut options = RestconfOptions::new("127.0.0.1", bed.port(), ServerTrust::CaFile(bed.ca()));
    options.username = Some("admin".into());
    options.password = Some(bed.password().to_owned().into());
    options.root = Some("/restconf".into());
    options.http = HttpMode::Http2;
    // Transcripts off, as a benchmark of the client's own work.
    RestconfClient::connect(options, Transcript::new(false))
        .await
        .expect("connects")
}

/// Requests per second and bytes per request, for `count` sequential GETs.
async fn measure_ours(client: &RestconfClient, target: &str, count: usize) -> (f64, usize) {
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..count {
        let response = client
            .send(Request::new(Method::GET, target).accept("application/yang-data+json"))
            .await
            .expect("GET");
        bytes = response.body.len();
    }
    (count as f64 / started.elapsed().as_secs_f64(), bytes)
}

/// The floor: hyper's HTTP/2 client on a rustls connection, a request built once, the body
/// collected and dropped.
async fn measure_floor(bed: &Bed, target: &str, count: usize) -> f64 {
    let (config, _) = rfc3535_client::restconf::tls::client_config(
        &ServerTrust::CaFile(bed.ca()),
        None,
        &[b"h2"],
    )
    .expect("tls");
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", bed.port()))
        .await
        .expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(
            rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name"),
            tcp,
        )
        .await
        .expect("tls");
    let (mut sender, connection) =
        http2::handshake::<_, _, Empty<Bytes>>(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .expect("h2");
    tokio::spawn(connection);
    use base64::Engine as _;
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("admin:{}", bed.password()));
    let uri = format!("https://127.0.0.1:{}{target}", bed.port());
    let started = Instant::now();
    for _ in 0..count {
        let request = http::Request::builder()
            .method(Method::GET)
            .uri(&uri)
            .header("accept", "application/yang-data+json")
            .header("authorization", format!("Basic {token}"))
            .body(Empty::new())
            .expect("request");
        sender.ready().await.expect("ready");
        let response = sender.send_request(request).await.expect("response");
        let _ = response.into_body().collect().await.expect("body");
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// curl: one process, every URL on the same connection.
async fn measure_curl(bed: &Bed, target: &str, count: usize) -> Option<f64> {
    let netrc = bed.dir.path().join("netrc");
    std::fs::write(
        &netrc,
        format!(
            "machine 127.0.0.1 login admin password {}\n",
            bed.password()
        ),
    )
    .ok()?;
    let url = format!("https://127.0.0.1:{}{target}", bed.port());
    let mut command = tokio::process::Command::new("curl");
    command
        .args(["-sS", "--http2", "--cacert"])
        .arg(bed.ca())
        .arg("--netrc-file")
        .arg(&netrc)
        .args(["-H", "Accept: application/yang-data+json"]);
    for _ in 0..count {
        command.args(["-o", "/dev/null", &url]);
    }
    let started = Instant::now();
    let output = command.output().await.ok()?;
    if !output.status.success() {
        eprintln!("curl: {}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    Some(count as f64 / started.elapsed().as_secs_f64())
}

/// httpx over HTTP/2: the rate the script measures itself (interpreter start left out).
async fn measure_httpx(bed: &Bed, target: &str, count: usize) -> Option<f64> {
    let script = r#"
import os, sys, time, httpx
url, ca, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with httpx.Client(http2=True, verify=ca, auth=("admin", os.environ["RFC3535_BENCH_PASSWORD"])) as c:
    c.get(url, headers={"Accept": "application/yang-data+json"}).raise_for_status()
    start = time.perf_counter()
    for _ in range(count):
        c.get(url, headers={"Accept": "application/yang-data+json"}).raise_for_status()
    print(count / (time.perf_counter() - start))
"#;
    let url = format!("https://127.0.0.1:{}{target}", bed.port());
    let output = tokio::process::Command::new("python3")
        .args(["-c", script, &url])
        .arg(bed.ca())
        .arg(count.to_string())
        .env("RFC3535_BENCH_PASSWORD", bed.password())
        .output()
        .await
        .ok()?;
    if !output.status.success() {
        eprintln!("httpx: {}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// A static HTTP/2 server (hyper, rustls, its own certificate) that answers every GET of a
/// path with the body recorded for it; its certificate is written to `ca`.
async fn static_server(bodies: Vec<(String, String)>, ca: &std::path::Path) -> u16 {
    use hyper::service::service_fn;
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("certificate");
    std::fs::write(ca, certified.cert.pem()).expect("ca");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.key_pair.serialize_der(),
    ));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .expect("tls");
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let bodies = Arc::new(bodies);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            let (acceptor, bodies) = (acceptor.clone(), Arc::clone(&bodies));
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let bodies = Arc::clone(&bodies);
                    async move {
                        let body = bodies
                            .iter()
                            .find(|(path, _)| *path == request.uri().path())
                            .map(|(_, body)| body.clone())
                            .unwrap_or_default();
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .header("content-type", "application/yang-data+json")
                                .body(http_body_util::Full::new(Bytes::from(body)))
                                .expect("response"),
                        )
                    }
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    port
}

/// Every client against the bed's current server: small and large GETs per second.
async fn round(bed: &Bed, sequential: usize, large: usize, python: usize) -> [[Option<f64>; 2]; 4] {
    let client = ours(bed).await;
    let _ = measure_ours(&client, SMALL, 10).await;
    let _ = measure_floor(bed, SMALL, 10).await;
    [
        [
            Some(measure_ours(&client, SMALL, sequential).await.0),
            Some(measure_ours(&client, LARGE, large).await.0),
        ],
        [
            Some(measure_floor(bed, SMALL, sequential).await),
            Some(measure_floor(bed, LARGE, large).await),
        ],
        [
            measure_curl(bed, SMALL, sequential.min(2000)).await,
            measure_curl(bed, LARGE, large).await,
        ],
        [
            measure_httpx(bed, SMALL, python).await,
            measure_httpx(bed, LARGE, large.min(python)).await,
        ],
    ]
}

fn print_round(title: &str, figures: &[[Option<f64>; 2]; 4]) {
    let show = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.1}"));
    let names = [
        "rfc3535 (hyper + rustls)",
        "floor: bare hyper loop",
        "curl --http2 (one process)",
        "httpx (HTTP/2)",
    ];
    println!("\n{title}\n");
    println!("| client | small GETs/s | large GETs/s |");
    println!("|---|---:|---:|");
    for (name, row) in names.iter().zip(figures) {
        println!("| {name} | {} | {} |", show(row[0]), show(row[1]));
    }
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}x", a / b),
        _ => "–".to_owned(),
    };
    println!("\n| ratio | small | large | target |");
    println!("|---|---:|---:|---:|");
    println!(
        "| floor / ours | {} | {} | <= 1.2x |",
        ratio(figures[1][0], figures[0][0]),
        ratio(figures[1][1], figures[0][1])
    );
    println!(
        "| ours / httpx | {} | {} | >= 10x (small) |",
        ratio(figures[0][0], figures[3][0]),
        ratio(figures[0][1], figures[3][1])
    );
    println!(
        "| ours / curl | {} | {} | |",
        ratio(figures[0][0], figures[2][0]),
        ratio(figures[0][1], figures[2][1])
    );
}

fn main() {
    let sequential = env_or("BENCH_SEQUENTIAL", 2000);
    let large = env_or("BENCH_LARGE", 50);
    let entries = env_or("BENCH_ENTRIES", 5000);
    let python = env_or("BENCH_PYTHON_SEQUENTIAL", 500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut bed = start(entries).await;
        let device = round(&bed, sequential.min(1000), large, python).await;
        // The device's own responses, recorded, for the static server.
        let client = ours(&bed).await;
        let mut bodies = Vec::new();
        for path in [SMALL, LARGE] {
            let response = client
                .send(Request::new(Method::GET, path).accept("application/yang-data+json"))
                .await
                .expect("GET");
            bodies.push((path.to_owned(), response.body));
        }
        let sizes = (bodies[0].1.len(), bodies[1].1.len());
        bed.port = static_server(bodies, &bed.ca()).await;
        let replayed = round(&bed, sequential, large * 20, python).await;
        println!(
            "RESTCONF over HTTP/2: a small GET ({} B) and a large one ({} B, {entries} list entries)",
            sizes.0, sizes.1
        );
        print_round("Against the reference device (its per-request work bounds every client):", &device);
        print_round("Against a static HTTP/2 server replaying the device's responses (the clients' own cost):", &replayed);
    });
}
