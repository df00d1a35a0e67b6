//! The SSH side of a device (RFC 6242): russh server, password authentication against the
//! device's accounts, the `netconf` subsystem handed to [`crate::session::serve`].

use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::{Algorithm, HashAlg, PrivateKey};
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId};

use crate::{Account, DeviceConfig, DeviceError, Role, Shared};

/// A running device: where it listens, how to check its host key, and how to stop it.
#[derive(Debug)]
pub struct Device {
    pub name: String,
    pub address: SocketAddr,
    /// `SHA256:...`, as OpenSSH prints it.
    pub fingerprint: String,
    /// The public host key in OpenSSH format (`ssh-ed25519 AAAA...`), for a known_hosts line.
    pub public_key: String,
    pub accounts: Vec<Account>,
    pub shared: Arc<Shared>,
    /// Where it serves RESTCONF, when it does.
    pub restconf: Option<crate::restconf::RestconfEndpoint>,
    /// The receivers its configured subscriptions can name.
    pub receivers: Vec<crate::ProvisionedReceiver>,
    task: tokio::task::JoinHandle<()>,
    restconf_task: Option<tokio::task::JoinHandle<()>>,
    /// Publishes the configured subscriptions (when receivers are provisioned).
    configured_task: Option<tokio::task::JoinHandle<()>>,
    _work: tempfile::TempDir,
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
        for task in [&self.restconf_task, &self.configured_task]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

impl Device {
    /// The device's account of this role, if it has one.
    pub fn account(&self, role: Role) -> Option<&Account> {
        self.accounts.iter().find(|a| a.role == role)
    }

    /// Binds the listener, then serves until dropped.
    pub async fn start(config: DeviceConfig) -> Result<Device, DeviceError> {
        let work = tempfile::Builder::new()
            .prefix(&format!("rfc3535-device-{}-", config.name))
            .tempdir()?;
        let shared = Arc::new(Shared::new(&config, work.path())?);
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
            .map_err(|e| DeviceError::HostKey(e.to_string()))?;
        let public = key.public_key();
        let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
        let public_key = public
            .to_openssh()
            .map_err(|e| DeviceError::HostKey(e.to_string()))?;
        let server_config = Arc::new(russh::server::Config {
            keys: vec![key],
            auth_rejection_time: std::time::Duration::from_millis(200),
            auth_rejection_time_initial: Some(std::time::Duration::from_millis(0)),
            nodelay: true,
            ..Default::default()
        });
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| DeviceError::Listen {
                address: config.listen,
                source,
            })?;
        let address = listener.local_addr()?;
        let (restconf, restconf_task) = match config.restconf_listen {
            Some(listen) => {
                let (endpoint, task) =
                    crate::restconf::start(Arc::clone(&shared), config.accounts.clone(), listen)
                        .await?;
                (Some(endpoint), Some(task))
            }
            None => (None, None),
        };
        let configured_task = (!config.receivers.is_empty())
            .then(|| crate::configured::start(Arc::clone(&shared), config.receivers.clone()));
        let accounts = config.accounts.clone();
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((tcp, peer)) = listener.accept().await {
                let _ = tcp.set_nodelay(true);
                let handler = Handler {
                    shared: Arc::clone(&serving),
                    accounts: accounts.clone(),
                    user: None,
                    peer: peer.ip().to_string(),
                    channels: Vec::new(),
                };
                let config = Arc::clone(&server_config);
                tokio::spawn(async move {
                    if let Ok(running) = russh::server::run_stream(config, tcp, handler).await {
                        let _ = running.await;
                    }
                });
            }
        });
        Ok(Device {
            name: config.name,
            address,
            fingerprint,
            public_key,
            accounts: config.accounts,
            shared,
            restconf,
            receivers: config.receivers,
            task,
            restconf_task,
            configured_task,
            _work: work,
        })
    }
}

struct Handler {
    shared: Arc<Shared>,
    accounts: Vec<Account>,
    user: Option<String>,
    peer: String,
    channels: Vec<Channel<Msg>>,
}

impl russh::server::Handler for Handler {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let any_password = self.shared.faults.any_password;
        if self
            .accounts
            .iter()
            .any(|a| a.user == user && (any_password || a.password == password))
        {
            self.user = Some(user.to_owned());
            Ok(Auth::Accept)
        } else {
            Ok(Auth::Reject {
                proceed_with_methods: None,
                partial_success: false,
            })
        }
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let authorized = self.accounts.iter().filter(|a| a.user == user).any(|a| {
            a.authorized_keys.iter().any(|line| {
                russh::keys::PublicKey::from_openssh(line.trim())
                    .is_ok_and(|k| k.key_data() == key.public_key.key_data())
            })
        });
        if authorized {
            self.user = Some(user.to_owned());
            Ok(Auth::Accept)
        } else {
            Ok(Auth::reject())
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
        match (name, position, &self.user) {
            ("netconf", Some(i), Some(user)) => {
                let channel = self.channels.remove(i);
                session.channel_success(id)?;
                let shared = Arc::clone(&self.shared);
                let user = user.clone();
                tokio::spawn(crate::session::serve(
                    shared,
                    channel.into_stream(),
                    user,
                    Some(self.peer.clone()),
                ));
            }
            _ => session.channel_failure(id)?,
        }
        Ok(())
    }
}
