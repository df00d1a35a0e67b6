//! The RESTCONF listener: TLS with a certificate made at start (its SHA-256 fingerprint is
//! what a client pins), ALPN offering h2 and http/1.1, and hyper serving either on each
//! connection. Every request goes to [`super::respond`].

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::{Account, DeviceError, Shared};

/// Where a device serves RESTCONF, and how a client trusts it.
#[derive(Debug, Clone)]
pub struct RestconfEndpoint {
    pub address: SocketAddr,
    /// The RESTCONF root.
    pub root: String,
    /// SHA-256 of the certificate, upper-case hex pairs joined by colons.
    pub fingerprint: String,
    /// The certificate in PEM, for clients that want a CA file (it is self-signed).
    pub certificate_pem: String,
}

/// Binds the listener and serves until the task is aborted.
pub(crate) async fn start(
    shared: Arc<Shared>,
    accounts: Vec<Account>,
    listen: SocketAddr,
) -> Result<(RestconfEndpoint, tokio::task::JoinHandle<()>), DeviceError> {
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| DeviceError::HostKey(format!("RESTCONF certificate: {e}")))?;
    let der: CertificateDer<'static> = certified.cert.der().clone();
    let fingerprint = Sha256::digest(der.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| DeviceError::HostKey(format!("TLS: {e}")))?
    .with_no_client_auth()
    .with_single_cert(vec![der], key)
    .map_err(|e| DeviceError::HostKey(format!("TLS: {e}")))?;
    config.alpn_protocols = if shared.faults.restconf_http1_only {
        vec![b"http/1.1".to_vec()]
    } else {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| DeviceError::Listen {
            address: listen,
            source,
        })?;
    let address = listener.local_addr()?;
    let _ = shared
        .restconf_base
        .set(format!("https://{address}{}", super::ROOT));
    let accounts = Arc::new(accounts);
    let task = tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let shared = Arc::clone(&shared);
            let accounts = Arc::clone(&accounts);
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |request| {
                    let shared = Arc::clone(&shared);
                    let accounts = Arc::clone(&accounts);
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            super::respond(&shared, &accounts, peer.ip(), request).await,
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok((
        RestconfEndpoint {
            address,
            root: super::ROOT.to_owned(),
            fingerprint,
            certificate_pem: certified.cert.pem(),
        },
        task,
    ))
}
