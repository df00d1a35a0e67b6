//! NETCONF over SSH (RFC 6242 §3) with russh: TCP with `TCP_NODELAY`, host-key verification,
//! password / key-file / ssh-agent authentication, and the `netconf` subsystem as the stream of
//! a [`Session`].
//!
//! Host keys are verified by default against a known_hosts file or a pinned fingerprint.
//! Trust-on-first-use (`accept-new`, recorded in the file) and `insecure` happen only when the
//! caller asks for them. The fingerprint the server presented is kept with the session for
//! every result.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKey};
use secrecy::{ExposeSecret, SecretString};

use crate::session::{Session, SessionOptions, Transport};
use crate::transcript::{Direction, Transcript};
use crate::ClientError;

/// How to prove who we are.
#[derive(Clone)]
pub enum Auth {
    Password(SecretString),
    /// A private key file (OpenSSH or PEM), with its passphrase if it has one.
    KeyFile {
        path: PathBuf,
        passphrase: Option<SecretString>,
    },
    /// Every identity an ssh-agent offers, in order: the agent at `socket`, or at
    /// `$SSH_AUTH_SOCK` when `None`.
    Agent {
        socket: Option<PathBuf>,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Password(_) => f.write_str("Password(***)"),
            Auth::KeyFile { path, .. } => write!(f, "KeyFile({})", path.display()),
            Auth::Agent { socket } => match socket {
                Some(path) => write!(f, "Agent({})", path.display()),
                None => f.write_str("Agent($SSH_AUTH_SOCK)"),
            },
        }
    }
}

impl Auth {
    fn method(&self) -> &'static str {
        match self {
            Auth::Password(_) => "password",
            Auth::KeyFile { .. } => "public key",
            Auth::Agent { .. } => "ssh-agent",
        }
    }
}

/// How to decide whether the server's host key is the right one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// The key must be in this known_hosts file (`[host]:port` entries for ports other than 22).
    Strict { known_hosts: PathBuf },
    /// The key must have this fingerprint (`SHA256:...`, the OpenSSH form).
    Pinned { fingerprint: String },
    /// Trust on first use: an unknown host's key is accepted and appended to the file; a changed
    /// key is still refused.
    AcceptNew { known_hosts: PathBuf },
    /// Accept any key (the fingerprint is still recorded). Only when asked for explicitly.
    Insecure,
}

/// How many packets a session with a small receive window lets russh read ahead.
const SMALL_WINDOW_PACKETS: usize = 2;

/// Everything needed to open a NETCONF session over SSH.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub auth: Auth,
    pub host_key: HostKeyPolicy,
    /// Limit for TCP connect, key exchange and authentication together.
    pub connect_timeout: Duration,
    /// A small SSH receive window to offer (RFC 4254 §5.2), in bytes, in place of russh's
    /// default (2 MiB), with room for only a few packets read ahead: a session that holds
    /// back its reading ([`Session::hold_reading`]) then stops the server's writes within a
    /// few kilobytes instead of megabytes. `None` for ordinary sessions.
    pub receive_window: Option<u32>,
    pub session: SessionOptions,
}

impl ConnectOptions {
    /// Options with default timeouts and session settings.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        auth: Auth,
        host_key: HostKeyPolicy,
    ) -> Self {
        ConnectOptions {
            host: host.into(),
            port,
            username: username.into(),
            auth,
            host_key,
            connect_timeout: Duration::from_secs(20),
            receive_window: None,
            session: SessionOptions::default(),
        }
    }

    /// `host:port`, with brackets for IPv6 literals.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What the host-key check saw, kept for the error message and the result.
#[derive(Debug, Default)]
struct HostKeySeen {
    fingerprint: Option<String>,
    rejection: Option<String>,
    learned: bool,
}

/// The russh handler: verifies the host key under the policy.
struct HostKeyCheck {
    policy: HostKeyPolicy,
    host: String,
    port: u16,
    seen: Arc<Mutex<HostKeySeen>>,
}

/// Why a host key is refused under the policy.
#[derive(Debug, thiserror::Error)]
enum HostKeyRefusal {
    #[error("the pinned fingerprint is {0}")]
    NotPinned(String),
    #[error("known_hosts file {0} does not exist; add the key to it, or connect once with --host-key-policy accept-new")]
    NoKnownHosts(PathBuf),
    #[error("no {algorithm} key for [{host}]:{port} in {known_hosts}; verify the fingerprint out of band and add it, or connect once with --host-key-policy accept-new", known_hosts = known_hosts.display())]
    Unknown {
        algorithm: String,
        host: String,
        port: u16,
        known_hosts: PathBuf,
    },
    #[error("THE HOST KEY HAS CHANGED: {} line {line} records a different key for this host (possible man-in-the-middle)", known_hosts.display())]
    Changed { known_hosts: PathBuf, line: usize },
    #[error("cannot read {}: {error}", known_hosts.display())]
    Unreadable {
        known_hosts: PathBuf,
        error: russh::keys::Error,
    },
}

impl HostKeyCheck {
    fn verdict(&self, key: &PublicKey, fingerprint: &str) -> Result<bool, HostKeyRefusal> {
        match &self.policy {
            HostKeyPolicy::Insecure => Ok(false),
            HostKeyPolicy::Pinned {
                fingerprint: pinned,
            } => {
                let pinned = pinned.trim();
                let bare = fingerprint.trim_start_matches("SHA256:");
                if pinned == fingerprint || pinned == bare {
                    Ok(false)
                } else {
                    Err(HostKeyRefusal::NotPinned(pinned.to_owned()))
                }
            }
            HostKeyPolicy::Strict { known_hosts } | HostKeyPolicy::AcceptNew { known_hosts } => {
                let learn = matches!(self.policy, HostKeyPolicy::AcceptNew { .. });
                if !known_hosts.exists() {
                    if learn {
                        return Ok(true);
                    }
                    return Err(HostKeyRefusal::NoKnownHosts(known_hosts.clone()));
                }
                match russh::keys::check_known_hosts_path(&self.host, self.port, key, known_hosts) {
                    Ok(true) => Ok(false),
                    Ok(false) if learn => Ok(true),
                    Ok(false) => Err(HostKeyRefusal::Unknown {
                        algorithm: key.algorithm().to_string(),
                        host: self.host.clone(),
                        port: self.port,
                        known_hosts: known_hosts.clone(),
                    }),
                    Err(russh::keys::Error::KeyChanged { line }) => Err(HostKeyRefusal::Changed {
                        known_hosts: known_hosts.clone(),
                        line,
                    }),
                    Err(error) => Err(HostKeyRefusal::Unreadable {
                        known_hosts: known_hosts.clone(),
                        error,
                    }),
                }
            }
        }
    }
}

impl client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match server_public_key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            russh::keys::PublicKeyOrCertificate::Certificate(cert) => {
                PublicKey::from(cert.public_key().clone())
            }
        };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let verdict = self.verdict(&key, &fingerprint);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.fingerprint = Some(fingerprint);
        match verdict {
            Ok(learn) => {
                if learn {
                    if let HostKeyPolicy::AcceptNew { known_hosts } = &self.policy {
                        if let Err(e) = russh::keys::known_hosts::learn_known_hosts_path(
                            &self.host,
                            self.port,
                            &key,
                            known_hosts,
                        ) {
                            seen.rejection = Some(format!(
                                "cannot record the key in {}: {e}",
                                known_hosts.display()
                            ));
                            return Ok(false);
                        }
                        seen.learned = true;
                    }
                }
                Ok(true)
            }
            Err(reason) => {
                seen.rejection = Some(reason.to_string());
                Ok(false)
            }
        }
    }
}

/// The SSH connection under a session, disconnected when the session closes.
struct SshTransport {
    handle: Handle<HostKeyCheck>,
}

impl Transport for SshTransport {
    fn disconnect(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let _ = self
                .handle
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await;
        })
    }
}

/// Opens a NETCONF session over SSH.
pub async fn connect(options: &ConnectOptions) -> Result<Session, ClientError> {
    let transcript = Transcript::new(options.session.record_transcript);
    connect_with_transcript(options, transcript).await
}

/// As [`connect`], recording into an existing transcript.
pub async fn connect_with_transcript(
    options: &ConnectOptions,
    transcript: Transcript,
) -> Result<Session, ClientError> {
    transcript.limit(
        options.session.max_recorded_message,
        options.session.shared_messages.clone(),
    );
    match &options.auth {
        Auth::Password(p) => transcript.add_secret(p.expose_secret()),
        Auth::KeyFile {
            passphrase: Some(p),
            ..
        } => transcript.add_secret(p.expose_secret()),
        _ => {}
    }
    let address = options.address();
    let seen = Arc::new(Mutex::new(HostKeySeen::default()));
    let setup = async {
        let tcp = tokio::net::TcpStream::connect((options.host.as_str(), options.port))
            .await
            .map_err(|source| ClientError::Connect {
                address: address.clone(),
                source,
            })?;
        // Nagle would hold small RPCs back by up to 40 ms.
        tcp.set_nodelay(true)?;
        let defaults = client::Config::default();
        let config = Arc::new(client::Config {
            nodelay: true,
            inactivity_timeout: None,
            keepalive_interval: Some(Duration::from_secs(30)),
            window_size: options.receive_window.unwrap_or(defaults.window_size),
            // russh hands a channel's packets to its reader through a queue of this many; a
            // full one stops russh reading the connection, which is the back-pressure wanted.
            channel_buffer_size: if options.receive_window.is_some() {
                SMALL_WINDOW_PACKETS
            } else {
                defaults.channel_buffer_size
            },
            ..defaults
        });
        let handler = HostKeyCheck {
            policy: options.host_key.clone(),
            host: options.host.clone(),
            port: options.port,
            seen: Arc::clone(&seen),
        };
        let mut handle = match client::connect_stream(config, tcp, handler).await {
            Ok(handle) => handle,
            Err(e) => {
                let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(reason) = &seen.rejection {
                    return Err(ClientError::HostKeyRejected {
                        address: address.clone(),
                        fingerprint: seen.fingerprint.clone().unwrap_or_default(),
                        reason: reason.clone(),
                    });
                }
                return Err(ClientError::Ssh(e));
            }
        };
        authenticate(&mut handle, options).await?;
        let channel = handle.channel_open_session().await?;
        channel
            .request_subsystem(true, "netconf")
            .await
            .map_err(|_| ClientError::SubsystemRefused)?;
        Ok::<_, ClientError>((handle, channel))
    };
    let (handle, channel) = tokio::time::timeout(options.connect_timeout, setup)
        .await
        .map_err(|_| ClientError::ConnectTimeout {
            address: address.clone(),
            after: options.connect_timeout,
        })??;
    let (fingerprint, learned) = {
        let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        (seen.fingerprint.clone(), seen.learned)
    };
    transcript.record(
        Direction::Note,
        &format!(
            "ssh to {address} as {}: host key {}{}",
            options.username,
            fingerprint.as_deref().unwrap_or("?"),
            if learned {
                " (new, recorded in known_hosts)"
            } else {
                ""
            }
        ),
    );
    let session =
        Session::establish(channel.into_stream(), options.session.clone(), transcript).await?;
    Ok(session.with_transport(Box::new(SshTransport { handle }), fingerprint))
}

async fn authenticate(
    handle: &mut Handle<HostKeyCheck>,
    options: &ConnectOptions,
) -> Result<(), ClientError> {
    let user = options.username.clone();
    let failed = || ClientError::AuthenticationFailed {
        user: user.clone(),
        method: options.auth.method(),
    };
    let ok = match &options.auth {
        Auth::Password(password) => handle
            .authenticate_password(user.clone(), password.expose_secret())
            .await?
            .success(),
        Auth::KeyFile { path, passphrase } => {
            let key =
                russh::keys::load_secret_key(path, passphrase.as_ref().map(|p| p.expose_secret()))
                    .map_err(|e| ClientError::Key {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?;
            let hash = handle.best_supported_rsa_hash().await?.flatten();
            handle
                .authenticate_publickey(
                    user.clone(),
                    PrivateKeyWithHashAlg::new(Arc::new(key), hash),
                )
                .await?
                .success()
        }
        Auth::Agent { socket } => {
            use russh::keys::agent::client::AgentClient;
            let agent = match socket {
                Some(path) => AgentClient::connect_uds(path).await,
                None => AgentClient::connect_env().await,
            };
            let mut agent =
                agent.map_err(|e| ClientError::Agent(format!("cannot reach the agent: {e}")))?;
            let identities = agent
                .request_identities()
                .await
                .map_err(|e| ClientError::Agent(e.to_string()))?;
            let hash = handle.best_supported_rsa_hash().await?.flatten();
            let mut ok = false;
            for identity in identities {
                let key = match identity {
                    russh::keys::agent::AgentIdentity::PublicKey { key, .. } => key,
                    russh::keys::agent::AgentIdentity::Certificate { .. } => continue,
                };
                let result = handle
                    .authenticate_publickey_with(user.clone(), key, hash, &mut agent)
                    .await
                    .map_err(|e| ClientError::Agent(format!("{e:?}")))?;
                if result.success() {
                    ok = true;
                    break;
                }
            }
            ok
        }
    };
    if ok {
        Ok(())
    } else {
        Err(failed())
    }
}
