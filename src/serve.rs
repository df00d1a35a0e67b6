//! Serving a run's directory over HTTP on 127.0.0.1, for a hackathon table: `report.html`
//! (self-contained) with the evidence and results.json beside it, read-only, until Ctrl-C.
//! Only files inside the directory are served; anything else is 404.

use std::convert::Infallible;
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};

/// The file a request path names inside `root`, if it stays inside it (`/` is the report).
fn file_of(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let relative = decoded.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "report.html"
    } else {
        relative
    };
    let mut file = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => file.push(part),
            // `..`, an absolute path or a prefix would leave the directory.
            _ => return None,
        }
    }
    Some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

async fn answer(root: PathBuf, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let respond = |status: StatusCode, kind: &str, body: Bytes| {
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        if let Ok(value) = kind.parse() {
            response
                .headers_mut()
                .insert(hyper::header::CONTENT_TYPE, value);
        }
        response
    };
    if request.method() != hyper::Method::GET {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            Bytes::from_static(b"read-only\n"),
        );
    }
    match file_of(&root, request.uri().path()) {
        Some(file) => match tokio::fs::read(&file).await {
            Ok(body) => respond(StatusCode::OK, content_type(&file), Bytes::from(body)),
            Err(_) => respond(
                StatusCode::NOT_FOUND,
                "text/plain",
                Bytes::from_static(b"not found\n"),
            ),
        },
        None => respond(
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from_static(b"not found\n"),
        ),
    }
}

/// Binds 127.0.0.1:`port` (0: a free one) for `root`; the address bound and the server,
/// which runs until dropped.
pub async fn bind(
    root: PathBuf,
    port: u16,
) -> std::io::Result<(std::net::SocketAddr, impl std::future::Future<Output = ()>)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    let serving = async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let root = root.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let root = root.clone();
                    async move { Ok::<_, Infallible>(answer(root, request).await) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    Ok((address, serving))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_inside_the_run_directory_are_named() {
        let root = Path::new("/runs/1");
        assert_eq!(file_of(root, "/"), Some(root.join("report.html")));
        assert_eq!(
            file_of(root, "/evidence/compliant/001-a%20b.txt"),
            Some(root.join("evidence/compliant/001-a b.txt"))
        );
        assert_eq!(file_of(root, "/../etc/passwd"), None);
        assert_eq!(file_of(root, "/evidence/%2e%2e/%2e%2e/x"), None);
        assert_eq!(file_of(root, "//etc/passwd"), Some(root.join("etc/passwd")));
    }
}
