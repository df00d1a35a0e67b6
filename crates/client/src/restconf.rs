//! RESTCONF over HTTPS (RFC 8040): one connection the harness controls, HTTP/1.1 or HTTP/2 as
//! ALPN settles it (or cleartext HTTP/2 with prior knowledge, only when asked for), Basic
//! authentication or a client certificate, root discovery, and every request and response in
//! the transcript with `Authorization` redacted.
//!
//! The client sends what it is told and returns what came back, status and headers and body
//! as they were: judging a status code or a media type is the steps' business. What the device
//! does wrong at the HTTP level (a connection it drops, a body over the limit, no response in
//! time) is a typed [`ClientError`] blamed on it; an untrusted certificate is the test bed's.

pub mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::{Buf, Bytes, BytesMut};
use http::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{Method, StatusCode, Version};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc3535_wire::restconf::{Encoding, HostMeta, MediaType, SseDecoder, SseEvent};
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Mutex};
use tokio_util::codec::Decoder;

pub use tls::{ClientIdentity, ServerTrust};

use crate::transcript::Direction;
use crate::{ClientError, Transcript};

/// Which HTTP the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpMode {
    /// TLS, and whatever ALPN settles (h2 preferred, then http/1.1).
    #[default]
    Negotiate,
    /// TLS, HTTP/1.1 only.
    Http1,
    /// TLS, HTTP/2 only.
    Http2,
    /// Cleartext HTTP/2 with prior knowledge (RFC 9113 §3.3). Never chosen unless asked for.
    CleartextHttp2,
}

/// Where and how to reach a RESTCONF server.
#[derive(Debug, Clone)]
pub struct RestconfOptions {
    pub host: String,
    pub port: u16,
    /// The RESTCONF root (`/restconf`); `None` to discover it through host-meta.
    pub root: Option<String>,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub trust: ServerTrust,
    pub identity: Option<ClientIdentity>,
    pub http: HttpMode,
    /// How long the TCP connect plus TLS handshake may take, and each request.
    pub timeout: Duration,
    /// The largest response body read; a larger one is the device's fault.
    pub max_body_size: usize,
}

impl RestconfOptions {
    /// Options with defaults: discover the root, negotiate HTTP, 30 s, 64 MiB bodies.
    pub fn new(host: impl Into<String>, port: u16, trust: ServerTrust) -> RestconfOptions {
        RestconfOptions {
            host: host.into(),
            port,
            root: None,
            username: None,
            password: None,
            trust,
            identity: None,
            http: HttpMode::Negotiate,
            timeout: Duration::from_secs(30),
            max_body_size: rfc3535_wire::DEFAULT_MAX_MESSAGE_SIZE,
        }
    }

    /// `host:port` (IPv6 in brackets).
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One request, relative to the server (`/restconf/data/...?depth=1`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub target: String,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Option<(MediaType, String)>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: Method, target: impl Into<String>) -> Request {
        Request {
            method,
            target: target.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds `Accept`.
    pub fn accept(self, media: &str) -> Request {
        self.header(ACCEPT, media)
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the body and its media type.
    pub fn body(mut self, media: MediaType, text: impl Into<String>) -> Request {
        self.body = Some((media, text.into()));
        self
    }

    fn describe(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// A response as it came.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: String,
    /// From the request's first byte to the response's last.
    pub elapsed: Duration,
}

impl Response {
    /// A header's value, when it is there and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The media type of the body, from `Content-Type`.
    pub fn media_type(&self) -> Option<MediaType> {
        self.header(CONTENT_TYPE.as_str()).map(MediaType::parse)
    }

    /// The body's encoding, when its media type has one.
    pub fn encoding(&self) -> Option<Encoding> {
        self.media_type().and_then(|m| m.encoding())
    }
}

/// The request half of a connection.
#[derive(Debug)]
enum Sender {
    Http1(http1::SendRequest<Full<Bytes>>),
    Http2(http2::SendRequest<Full<Bytes>>),
}

/// A RESTCONF session with one server.
#[derive(Debug)]
pub struct RestconfClient {
    options: RestconfOptions,
    transcript: Transcript,
    /// The connection's sender; replaced when the server closed the connection.
    sender: Mutex<Option<Sender>>,
    version: Mutex<Version>,
    authorization: Option<HeaderValue>,
    root: String,
    /// The fingerprint of the certificate the server presented.
    certificate: Option<String>,
}

impl RestconfClient {
    /// Connects (TCP, TLS, HTTP) and finds the RESTCONF root: the one given, or the one
    /// host-meta names (RFC 8040 §3.1). A server without host-meta is still reached at
    /// `/restconf`, with a note; the discovery scenario judges that.
    pub async fn connect(
        options: RestconfOptions,
        transcript: Transcript,
    ) -> Result<RestconfClient, ClientError> {
        let authorization = match (&options.username, &options.password) {
            (Some(user), Some(password)) => {
                transcript.add_secret(password.expose_secret());
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose_secret()));
                let mut value = HeaderValue::from_str(&format!("Basic {token}"))
                    .map_err(|e| ClientError::TlsSettings(format!("credentials: {e}")))?;
                value.set_sensitive(true);
                Some(value)
            }
            _ => None,
        };
        let mut client = RestconfClient {
            options,
            transcript,
            sender: Mutex::new(None),
            version: Mutex::new(Version::HTTP_11),
            authorization,
            root: String::new(),
            certificate: None,
        };
        let (sender, version, certificate) = client.open().await?;
        *client.sender.get_mut() = Some(sender);
        *client.version.get_mut() = version;
        client.certificate = certificate;
        client.root = match client.options.root.clone() {
            Some(root) => root.trim_end_matches('/').to_owned(),
            None => match client.discover_root().await {
                Ok(root) => root,
                Err(reason) => {
                    client.transcript.record(
                        Direction::Note,
                        &format!("root discovery failed ({reason}); using /restconf"),
                    );
                    "/restconf".to_owned()
                }
            },
        };
        Ok(client)
    }

    /// The server's `host:port`, as requests address it.
    pub fn authority(&self) -> String {
        self.options.address()
    }

    /// The RESTCONF root in use (`/restconf`).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The HTTP version of the current connection.
    pub async fn version(&self) -> Version {
        *self.version.lock().await
    }

    /// The SHA-256 fingerprint of the certificate the server presented (TLS only).
    pub fn certificate_fingerprint(&self) -> Option<&str> {
        self.certificate.as_deref()
    }

    /// The transcript this client records into.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The target of a data resource: `{root}/data/{api_path}` (the api-path as given,
    /// already percent-encoded), with a query when one is given.
    pub fn data_target(&self, api_path: &str, query: &str) -> String {
        self.target_under("data", api_path, query)
    }

    /// The request target of a resource in an NMDA datastore (RFC 8527 §3.1):
    /// `{root}/ds/ietf-datastores:NAME[/api_path][?query]`.
    pub fn datastore_target(
        &self,
        datastore: &crate::wire::NmdaDatastore,
        api_path: &str,
        query: &str,
    ) -> String {
        let resource = format!(
            "ds/{}",
            crate::wire::restconf::datastore::nmda_segment(datastore)
        );
        self.target_under(&resource, api_path, query)
    }

    /// `{root}/RESOURCE[/api_path][?query]`.
    fn target_under(&self, resource: &str, api_path: &str, query: &str) -> String {
        let path = api_path.trim_start_matches('/');
        let mut target = format!("{}/{resource}", self.root);
        if !path.is_empty() {
            target.push('/');
            target.push_str(path);
        }
        if !query.is_empty() {
            target.push('?');
            target.push_str(query);
        }
        target
    }

    /// Asks host-meta for the RESTCONF root, in XRD as RFC 8040 §3.1 shows.
    pub async fn discover_root(&self) -> Result<String, String> {
        let response = self
            .send(Request::new(Method::GET, "/.well-known/host-meta").accept("application/xrd+xml"))
            .await
            .map_err(|e| e.to_string())?;
        if !response.status.is_success() {
            return Err(format!("host-meta answered {}", response.status));
        }
        let encoding = match response.media_type() {
            Some(MediaType::Jrd) => Encoding::Json,
            _ => Encoding::Xml,
        };
        let meta = HostMeta::parse(&response.body, encoding).map_err(|e| e.to_string())?;
        meta.restconf_root()
            .map(|r| r.trim_end_matches('/').to_owned())
            .ok_or_else(|| "host-meta names no restconf link".to_owned())
    }

    /// Sends one request and reads the whole response.
    pub async fn send(&self, request: Request) -> Result<Response, ClientError> {
        let description = request.describe();
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.options.timeout, self.exchange(&request)).await;
        match outcome {
            Ok(Ok((head, body))) => {
                let body = self.read_body(&description, body).await?;
                let response = Response {
                    status: head.status,
                    version: head.version,
                    headers: head.headers,
                    body,
                    elapsed: started.elapsed(),
                };
                self.transcript
                    .record(Direction::In, &response_text(&response));
                Ok(response)
            }
            Ok(Err(error)) => Err(error),
            Err(_) => {
                // The connection's state is unknown: the next request opens a new one.
                *self.sender.lock().await = None;
                Err(ClientError::HttpTimeout {
                    request: description,
                    after: self.options.timeout,
                })
            }
        }
    }

    /// Opens an event stream (RFC 8040 §6.4) on a connection of its own, so that requests on
    /// the session's connection are not held up behind it. Events arrive on the receiver as
    /// they are decoded; the stream ends with an error item when the server breaks it.
    pub async fn open_stream(
        &self,
        target: &str,
    ) -> Result<(Response, mpsc::Receiver<Result<SseEvent, String>>), ClientError> {
        let request = Request::new(Method::GET, target).accept("text/event-stream");
        let description = request.describe();
        let (mut sender, version, _) = self.open().await?;
        let http_request = self.build(&request, version)?;
        self.transcript.record(
            Direction::Out,
            &request_text(&request, version, self.authorization.is_some()),
        );
        let response =
            tokio::time::timeout(self.options.timeout, send_on(&mut sender, http_request))
                .await
                .map_err(|_| ClientError::HttpTimeout {
                    request: description.clone(),
                    after: self.options.timeout,
                })?
                .map_err(|e| http_error(&description, e))?;
        let (head, mut body) = response.into_parts();
        let summary = Response {
            status: head.status,
            version: head.version,
            headers: head.headers,
            body: String::new(),
            elapsed: Duration::ZERO,
        };
        self.transcript
            .record(Direction::In, &response_text(&summary));
        let (events_tx, events_rx) = mpsc::channel(1024);
        let transcript = self.transcript.clone();
        let limit = self.options.max_body_size;
        tokio::spawn(async move {
            // Holding the sender keeps the stream's connection open.
            let _sender = sender;
            let mut decoder = SseDecoder::new(limit);
            let mut buffer = BytesMut::new();
            loop {
                let frame = match body.frame().await {
                    None => break,
                    Some(Err(e)) => {
                        let _ = events_tx.send(Err(format!("the stream broke: {e}"))).await;
                        return;
                    }
                    Some(Ok(frame)) => frame,
                };
                let Ok(mut data) = frame.into_data() else {
                    continue;
                };
                buffer.extend_from_slice(&data.copy_to_bytes(data.remaining()));
                loop {
                    match decoder.decode(&mut buffer) {
                        Ok(Some(event)) => {
                            transcript.record(Direction::In, &format!("event: {}", event.data));
                            if events_tx.send(Ok(event)).await.is_err() {
                                return;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = events_tx.send(Err(e.to_string())).await;
                            return;
                        }
                    }
                }
            }
            if let Err(e) = decoder.decode_eof(&mut buffer) {
                let _ = events_tx.send(Err(e.to_string())).await;
            }
        });
        Ok((summary, events_rx))
    }

    async fn exchange(
        &self,
        request: &Request,
    ) -> Result<(http::response::Parts, hyper::body::Incoming), ClientError> {
        let description = request.describe();
        let mut guard = self.sender.lock().await;
        let closed = match guard.as_ref() {
            None => true,
            Some(Sender::Http1(s)) => s.is_closed(),
            Some(Sender::Http2(s)) => s.is_closed(),
        };
        if closed {
            let (sender, version, _) = self.open().await?;
            self.transcript.record(
                Direction::Note,
                &format!("new connection ({version:?}): the previous one was closed"),
            );
            *guard = Some(sender);
            *self.version.lock().await = version;
        }
        let version = *self.version.lock().await;
        let http_request = self.build(request, version)?;
        self.transcript.record(
            Direction::Out,
            &request_text(request, version, self.authorization.is_some()),
        );
        let response = match guard.as_mut() {
            Some(Sender::Http2(sender)) => {
                // HTTP/2 multiplexes: send on a clone without holding the lock.
                let mut sender = sender.clone();
                drop(guard);
                send_on_h2(&mut sender, http_request).await
            }
            Some(sender) => send_on(sender, http_request).await,
            None => {
                return Err(ClientError::Http {
                    request: description,
                    message: "harness bug: no connection after opening one".into(),
                })
            }
        }
        .map_err(|e| http_error(&description, e))?;
        Ok(response.into_parts())
    }

    async fn read_body(
        &self,
        description: &str,
        body: hyper::body::Incoming,
    ) -> Result<String, ClientError> {
        let limit = self.options.max_body_size;
        let collected = Limited::new(body, limit).collect().await.map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                ClientError::BodyTooLarge {
                    request: description.to_owned(),
                    limit,
                }
            } else {
                ClientError::Http {
                    request: description.to_owned(),
                    message: format!("the response body broke off: {e}"),
                }
            }
        })?;
        String::from_utf8(collected.to_bytes().to_vec()).map_err(|e| ClientError::Http {
            request: description.to_owned(),
            message: format!("the response body is not UTF-8: {e}"),
        })
    }

    fn build(
        &self,
        request: &Request,
        version: Version,
    ) -> Result<http::Request<Full<Bytes>>, ClientError> {
        let scheme = match self.options.http {
            HttpMode::CleartextHttp2 => "http",
            _ => "https",
        };
        let authority = self.options.address();
        let uri = if version == Version::HTTP_2 {
            format!("{scheme}://{authority}{}", request.target)
        } else {
            request.target.clone()
        };
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(uri)
            .version(version);
        if version != Version::HTTP_2 {
            builder = builder.header(HOST, authority);
        }
        if let Some(authorization) = &self.authorization {
            builder = builder.header(AUTHORIZATION, authorization.clone());
        }
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let body = match &request.body {
            Some((media, text)) => {
                builder = builder.header(CONTENT_TYPE, media.as_str());
                Full::new(Bytes::from(text.clone()))
            }
            None => Full::new(Bytes::new()),
        };
        builder.body(body).map_err(|e| ClientError::Http {
            request: request.describe(),
            message: format!("the harness built an invalid request: {e}"),
        })
    }

    /// Opens a connection: TCP, then TLS unless cleartext HTTP/2 was asked for, then HTTP.
    async fn open(&self) -> Result<(Sender, Version, Option<String>), ClientError> {
        let address = self.options.address();
        let tcp = tokio::time::timeout(self.options.timeout, TcpStream::connect(&address))
            .await
            .map_err(|_| ClientError::ConnectTimeout {
                address: address.clone(),
                after: self.options.timeout,
            })?
            .map_err(|source| ClientError::Connect {
                address: address.clone(),
                source,
            })?;
        tcp.set_nodelay(true)?;
        if self.options.http == HttpMode::CleartextHttp2 {
            let sender = handshake_h2(tcp, &address).await?;
            return Ok((sender, Version::HTTP_2, None));
        }
        let alpn: &[&[u8]] = match self.options.http {
            HttpMode::Http1 => &[b"http/1.1"],
            HttpMode::Http2 => &[b"h2"],
            _ => &[b"h2", b"http/1.1"],
        };
        let (config, seen) =
            tls::client_config(&self.options.trust, self.options.identity.as_ref(), alpn)?;
        let server_name = rustls::pki_types::ServerName::try_from(self.options.host.clone())
            .map_err(|e| {
                ClientError::TlsSettings(format!("server name {:?}: {e}", self.options.host))
            })?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let handshake =
            tokio::time::timeout(self.options.timeout, connector.connect(server_name, tcp))
                .await
                .map_err(|_| ClientError::ConnectTimeout {
                    address: address.clone(),
                    after: self.options.timeout,
                })?;
        let presented = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let stream = handshake.map_err(|e| tls_error(&address, presented.clone(), e))?;
        let negotiated = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        let h2 = match negotiated.as_deref() {
            Some(b"h2") => true,
            Some(_) => false,
            None => self.options.http == HttpMode::Http2,
        };
        self.transcript.record(
            Direction::Note,
            &format!(
                "TLS with {address}: certificate SHA-256 {}, ALPN {}",
                presented.as_deref().unwrap_or("none"),
                negotiated
                    .as_deref()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .unwrap_or_else(|| "none".into())
            ),
        );
        if h2 {
            Ok((
                handshake_h2(stream, &address).await?,
                Version::HTTP_2,
                presented,
            ))
        } else {
            let (sender, connection) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| http_error(&format!("HTTP/1.1 with {address}"), e))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok((Sender::Http1(sender), Version::HTTP_11, presented))
        }
    }
}

async fn handshake_h2<S>(stream: S, address: &str) -> Result<Sender, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .map_err(|e| http_error(&format!("HTTP/2 with {address}"), e))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Sender::Http2(sender))
}

async fn send_on(
    sender: &mut Sender,
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<hyper::body::Incoming>, hyper::Error> {
    match sender {
        Sender::Http1(sender) => {
            sender.ready().await?;
            sender.send_request(request).await
        }
        Sender::Http2(sender) => send_on_h2(sender, request).await,
    }
}

async fn send_on_h2(
    sender: &mut http2::SendRequest<Full<Bytes>>,
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<hyper::body::Incoming>, hyper::Error> {
    sender.ready().await?;
    sender.send_request(request).await
}

fn http_error(request: &str, error: hyper::Error) -> ClientError {
    ClientError::Http {
        request: request.to_owned(),
        message: error.to_string(),
    }
}

fn tls_error(address: &str, presented: Option<String>, error: std::io::Error) -> ClientError {
    let rejected = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|e| matches!(e, rustls::Error::InvalidCertificate(_)));
    match (rejected, presented) {
        (true, Some(fingerprint)) => ClientError::CertificateRejected {
            address: address.to_owned(),
            fingerprint,
            reason: error.to_string(),
        },
        _ => ClientError::Tls {
            address: address.to_owned(),
            message: error.to_string(),
        },
    }
}

/// A request as the transcript shows it: request line, headers (Authorization redacted),
/// body.
fn request_text(request: &Request, version: Version, authorized: bool) -> String {
    let mut out = format!("{} {} {version:?}\n", request.method, request.target);
    if authorized {
        out.push_str("authorization: ***redacted***\n");
    }
    for (name, value) in &request.headers {
        if name == AUTHORIZATION {
            continue;
        }
        out.push_str(&format!("{name}: {value}\n"));
    }
    if let Some((media, text)) = &request.body {
        out.push_str(&format!("content-type: {media}\n\n{text}"));
    }
    out
}

/// A response as the transcript shows it: status line, headers, body.
fn response_text(response: &Response) -> String {
    let mut out = format!("{:?} {}\n", response.version, response.status);
    for (name, value) in &response.headers {
        let value = if name == AUTHORIZATION || name.as_str() == "set-cookie" {
            "***redacted***".to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    if !response.body.is_empty() {
        out.push('\n');
        out.push_str(&response.body);
    }
    out
}
