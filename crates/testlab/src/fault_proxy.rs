//! A fault-injecting NETCONF proxy for tests: an SSH server on 127.0.0.1 that relays each
//! session to a real lab device (through OpenSSH's `ssh -s netconf`) and breaks chosen
//! exchanges the way faulty devices do: it rewrites replies, requests or the hello, answers
//! `<ok/>` without doing anything, drops notifications, accepts any password, or drops the
//! connection when a given request arrives.
//!
//! The real device does everything else, so a scenario run through the proxy meets a real
//! server with one precise defect. This stands in for the reference device's fault profiles
//! until that device exists; it lives here, in the dev-only test crate, never in the product.
//!
//! Messages are decoded with the project's own codec on both sides; framing switches to
//! chunked after the hellos when both sides (as relayed) offer base:1.1.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::BytesMut;
use futures::StreamExt as _;
use rfc3535_wire::{Framing, FramingCodec, CAP_BASE_1_1};
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::{watch, Mutex};
use tokio_util::codec::FramedRead;

/// What a rule does to an exchange whose request contains the rule's text.
#[derive(Debug, Clone)]
pub enum Action {
    /// Replace `from` with `to` in the reply.
    RewriteReply { from: String, to: String },
    /// Replace `from` with `to` in the request before the device sees it.
    RewriteRequest { from: String, to: String },
    /// Answer `<ok/>` without passing the request on.
    AnswerOk,
    /// Drop the connection instead of passing the request on.
    Close,
    /// Never answer (the request is swallowed).
    Ignore,
}

/// One fault: when a request contains `when` (every request when empty), do `action`; with
/// `nth`, only for that match (1-based, counted over the proxy's lifetime); with `after`,
/// only on a connection that has already sent a request containing it (a device that
/// misbehaves once a session is in some state, such as subscribed).
#[derive(Debug, Clone)]
pub struct Rule {
    pub when: String,
    pub action: Action,
    pub nth: Option<usize>,
    pub after: Option<String>,
}

impl Rule {
    pub fn new(when: &str, action: Action) -> Rule {
        Rule {
            when: when.to_owned(),
            action,
            nth: None,
            after: None,
        }
    }
}

/// The device behind the proxy and the faults in front of it.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub upstream_port: u16,
    pub upstream_user: String,
    pub upstream_key: PathBuf,
    pub upstream_known_hosts: PathBuf,
    /// The proxy's own host key (the lab device's, so its fingerprint is known).
    pub host_key: PathBuf,
    /// The password clients must give.
    pub password: String,
    pub accept_any_password: bool,
    /// Sessions served at once; more are refused (the subsystem request fails).
    pub max_sessions: Option<usize>,
    /// Replacements in the device's hello as relayed.
    pub hello_rewrites: Vec<(String, String)>,
    /// Notifications containing any of these are dropped.
    pub drop_notifications: Vec<String>,
    pub rules: Vec<Rule>,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    pub port: u16,
    /// The SHA-256 fingerprint of the proxy's host key, as `SHA256:...`.
    pub fingerprint: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    config: ProxyConfig,
    counters: Vec<AtomicUsize>,
    active: AtomicUsize,
}

impl FaultProxy {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start(config: ProxyConfig) -> std::io::Result<FaultProxy> {
        let key = russh::keys::load_secret_key(&config.host_key, None)
            .map_err(|e| std::io::Error::other(format!("host key: {e}")))?;
        let fingerprint = key
            .public_key()
            .fingerprint(russh::keys::HashAlg::Sha256)
            .to_string();
        let server_config = Arc::new(russh::server::Config {
            keys: vec![key],
            auth_rejection_time: std::time::Duration::from_millis(10),
            auth_rejection_time_initial: Some(std::time::Duration::from_millis(0)),
            ..Default::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            counters: config.rules.iter().map(|_| AtomicUsize::new(0)).collect(),
            active: AtomicUsize::new(0),
            config,
        });
        let task = tokio::spawn(async move {
            while let Ok((tcp, peer)) = listener.accept().await {
                let handler = Handler {
                    shared: Arc::clone(&shared),
                    channels: Vec::new(),
                    peer,
                };
                let config = Arc::clone(&server_config);
                tokio::spawn(async move {
                    if let Ok(running) = russh::server::run_stream(config, tcp, handler).await {
                        let _ = running.await;
                    }
                });
            }
        });
        Ok(FaultProxy {
            port,
            fingerprint,
            task,
        })
    }
}

struct Handler {
    shared: Arc<Shared>,
    channels: Vec<Channel<Msg>>,
    #[expect(dead_code, reason = "kept for debugging a test")]
    peer: SocketAddr,
}

impl russh::server::Handler for Handler {
    type Error = russh::Error;

    async fn auth_password(&mut self, _user: &str, password: &str) -> Result<Auth, Self::Error> {
        if self.shared.config.accept_any_password || password == self.shared.config.password {
            Ok(Auth::Accept)
        } else {
            Ok(Auth::Reject {
                proceed_with_methods: None,
                partial_success: false,
            })
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.push(channel);
        reply.accept().await;
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        id: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let position = self.channels.iter().position(|c| c.id() == id);
        let full = self
            .shared
            .config
            .max_sessions
            .is_some_and(|max| self.shared.active.load(Ordering::SeqCst) >= max);
        match (name, position) {
            ("netconf", Some(i)) if !full => {
                let channel = self.channels.remove(i);
                session.channel_success(id)?;
                let shared = Arc::clone(&self.shared);
                shared.active.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    relay(Arc::clone(&shared), channel.into_stream()).await;
                    shared.active.fetch_sub(1, Ordering::SeqCst);
                });
            }
            _ => session.channel_failure(id)?,
        }
        Ok(())
    }
}

fn offers_chunked(hello: &str) -> bool {
    hello.contains(CAP_BASE_1_1)
}

fn message_id(text: &str) -> Option<String> {
    let start = text.find("message-id=")? + "message-id=".len();
    let quote = text[start..].chars().next()?;
    let rest = &text[start + 1..];
    Some(rest[..rest.find(quote)?].to_owned())
}

async fn write_message<W: AsyncWrite + Unpin>(writer: &Mutex<(W, Framing)>, text: &str) -> bool {
    let mut guard = writer.lock().await;
    let mut codec = FramingCodec::default();
    codec.set_framing(guard.1);
    let mut out = BytesMut::new();
    codec.encode_message(text.as_bytes(), &mut out);
    guard.0.write_all(&out).await.is_ok() && guard.0.flush().await.is_ok()
}

/// Relays one NETCONF session between the client and a fresh upstream session.
async fn relay<S>(shared: Arc<Shared>, client: S)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let config = &shared.config;
    let Ok(mut child) = tokio::process::Command::new("ssh")
        .args([
            "-q",
            "-T",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            config.upstream_known_hosts.display()
        ))
        .arg("-i")
        .arg(&config.upstream_key)
        .arg("-p")
        .arg(config.upstream_port.to_string())
        .arg(format!("{}@127.0.0.1", config.upstream_user))
        .args(["-s", "netconf"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
    else {
        return;
    };
    let (Some(upstream_in), Some(upstream_out)) = (child.stdin.take(), child.stdout.take()) else {
        return;
    };
    let (client_read, client_write) = tokio::io::split(client);
    let to_client = Arc::new(Mutex::new((client_write, Framing::EndOfMessage)));
    let to_device = Arc::new(Mutex::new((upstream_in, Framing::EndOfMessage)));
    let (client_hello_tx, client_hello_rx) = watch::channel(None::<bool>);
    let (device_hello_tx, device_hello_rx) = watch::channel(None::<bool>);
    // Replies to rewrite, by message-id.
    let pending: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();

    let upward = {
        let shared = Arc::clone(&shared);
        let to_client = Arc::clone(&to_client);
        let to_device = Arc::clone(&to_device);
        let pending = Arc::clone(&pending);
        let mut device_hello_rx = device_hello_rx;
        async move {
            let mut frames = FramedRead::new(client_read, FramingCodec::default());
            let Some(Ok(hello)) = frames.next().await else {
                return;
            };
            let hello = String::from_utf8_lossy(&hello).into_owned();
            let _ = client_hello_tx.send(Some(offers_chunked(&hello)));
            if !write_message(&to_device, &hello).await {
                return;
            }
            let Ok(device_chunked) = device_hello_rx
                .wait_for(Option::is_some)
                .await
                .map(|v| v.unwrap_or(false))
            else {
                return;
            };
            let framing = if device_chunked && offers_chunked(&hello) {
                Framing::Chunked
            } else {
                Framing::EndOfMessage
            };
            frames.decoder_mut().set_framing(framing);
            to_device.lock().await.1 = framing;
            // Per rule: whether this connection has sent the request that arms it.
            let mut armed: Vec<bool> = shared
                .config
                .rules
                .iter()
                .map(|r| r.after.is_none())
                .collect();
            while let Some(Ok(message)) = frames.next().await {
                let mut text = String::from_utf8_lossy(&message).into_owned();
                let id = message_id(&text).unwrap_or_default();
                let mut forward = true;
                for (index, rule) in shared.config.rules.iter().enumerate() {
                    if !armed[index] {
                        armed[index] = rule.after.as_ref().is_some_and(|a| text.contains(a));
                        continue;
                    }
                    if !text.contains(&rule.when) {
                        continue;
                    }
                    let n = shared.counters[index].fetch_add(1, Ordering::SeqCst) + 1;
                    if rule.nth.is_some_and(|nth| nth != n) {
                        continue;
                    }
                    match &rule.action {
                        Action::Close => return,
                        Action::Ignore => forward = false,
                        Action::AnswerOk => {
                            forward = false;
                            let reply = format!("<rpc-reply message-id=\"{id}\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok/></rpc-reply>");
                            if !write_message(&to_client, &reply).await {
                                return;
                            }
                        }
                        Action::RewriteRequest { from, to } => text = text.replace(from, to),
                        Action::RewriteReply { from, to } => {
                            pending
                                .lock()
                                .await
                                .push((id.clone(), from.clone(), to.clone()));
                        }
                    }
                }
                if forward && !write_message(&to_device, &text).await {
                    return;
                }
            }
        }
    };

    let downward = {
        let shared = Arc::clone(&shared);
        let to_client = Arc::clone(&to_client);
        let pending = Arc::clone(&pending);
        let mut client_hello_rx = client_hello_rx;
        async move {
            let mut frames = FramedRead::new(upstream_out, FramingCodec::default());
            let Some(Ok(hello)) = frames.next().await else {
                return;
            };
            let mut hello = String::from_utf8_lossy(&hello).into_owned();
            for (from, to) in &shared.config.hello_rewrites {
                hello = hello.replace(from, to);
            }
            let device_chunked = offers_chunked(&hello);
            if !write_message(&to_client, &hello).await {
                return;
            }
            let _ = device_hello_tx.send(Some(device_chunked));
            let Ok(client_chunked) = client_hello_rx
                .wait_for(Option::is_some)
                .await
                .map(|v| v.unwrap_or(false))
            else {
                return;
            };
            let framing = if device_chunked && client_chunked {
                Framing::Chunked
            } else {
                Framing::EndOfMessage
            };
            frames.decoder_mut().set_framing(framing);
            to_client.lock().await.1 = framing;
            while let Some(Ok(message)) = frames.next().await {
                let mut text = String::from_utf8_lossy(&message).into_owned();
                if text.contains("<notification")
                    && shared
                        .config
                        .drop_notifications
                        .iter()
                        .any(|d| text.contains(d))
                {
                    continue;
                }
                if let Some(id) = message_id(&text) {
                    let rewrites: Vec<(String, String)> = pending
                        .lock()
                        .await
                        .iter()
                        .filter(|(i, _, _)| *i == id)
                        .map(|(_, f, t)| (f.clone(), t.clone()))
                        .collect();
                    for (from, to) in rewrites {
                        text = text.replace(&from, &to);
                    }
                }
                if !write_message(&to_client, &text).await {
                    return;
                }
            }
        }
    };
    tokio::select! {
        () = upward => {}
        () = downward => {}
    }
    let _ = child.kill().await;
    let mut guard = to_client.lock().await;
    let _ = guard.0.shutdown().await;
}
