//! Server certificates and client identities for RESTCONF over TLS (RFC 8040 §2.1), with
//! rustls and the ring provider.
//!
//! A server certificate is trusted in one of three ways, chosen by the operator as host keys
//! are for NETCONF: a CA file (the chain is verified and the name or address checked), a pinned
//! SHA-256 fingerprint of the server's own certificate, or insecure (nothing checked; only on
//! request). In every case the handshake's signature is verified, and the certificate the
//! server presented is kept so that a refusal can name its fingerprint.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::ClientError;

/// How the server's certificate is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTrust {
    /// Verify the chain against the CA certificates in this PEM file, and the server's name.
    CaFile(PathBuf),
    /// Accept exactly the certificate with this SHA-256 fingerprint (hex, colons optional).
    Fingerprint(String),
    /// Accept any certificate. Only on the operator's explicit request.
    Insecure,
}

/// A client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// The SHA-256 fingerprint of a certificate as the harness prints it: upper-case hex pairs
/// joined by colons, as `openssl x509 -fingerprint -sha256` shows it.
pub fn fingerprint(certificate: &[u8]) -> String {
    Sha256::digest(certificate)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A fingerprint as written by an operator (`sha256:`, colons, case all optional), normalised
/// for comparison; `None` when it is not 32 bytes of hex.
pub fn normalise_fingerprint(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text
        .strip_prefix("sha256:")
        .or_else(|| text.strip_prefix("SHA256:"))
        .unwrap_or(text);
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let upper = hex.to_ascii_uppercase();
    Some(
        upper
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).into_owned())
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// The certificate the server presented in the last handshake, by fingerprint.
pub type SeenCertificate = Arc<Mutex<Option<String>>>;

/// The TLS client configuration for these settings, and where the presented certificate's
/// fingerprint will be noted.
pub fn client_config(
    trust: &ServerTrust,
    identity: Option<&ClientIdentity>,
    alpn: &[&[u8]],
) -> Result<(rustls::ClientConfig, SeenCertificate), ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let seen: SeenCertificate = Arc::default();
    let inner: Option<Arc<WebPkiServerVerifier>> = match trust {
        ServerTrust::CaFile(path) => {
            let mut roots = RootCertStore::empty();
            for certificate in read_certificates(path)? {
                roots
                    .add(certificate)
                    .map_err(|e| config_error(format!("CA file {}: {e}", path.display())))?;
            }
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(|e| config_error(format!("CA file {}: {e}", path.display())))?,
            )
        }
        ServerTrust::Fingerprint(pin) => {
            if normalise_fingerprint(pin).is_none() {
                return Err(config_error(format!(
                    "{pin:?} is not a SHA-256 fingerprint (64 hex digits, colons allowed)"
                )));
            }
            None
        }
        ServerTrust::Insecure => None,
    };
    let verifier = Arc::new(Verifier {
        trust: trust.clone(),
        inner,
        provider: Arc::clone(&provider),
        seen: Arc::clone(&seen),
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(format!("TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        None => builder.with_no_client_auth(),
        Some(identity) => {
            let chain = read_certificates(&identity.certificate)?;
            let key = PrivateKeyDer::from_pem_file(&identity.key)
                .map_err(|e| config_error(format!("client key {}: {e}", identity.key.display())))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| config_error(format!("client certificate: {e}")))?
        }
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok((config, seen))
}

fn config_error(message: String) -> ClientError {
    ClientError::TlsSettings(message)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| config_error(format!("{}: {e}", path.display())))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| config_error(format!("{}: {e}", path.display())))?;
    if certificates.is_empty() {
        return Err(config_error(format!(
            "{} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certificates)
}

/// Checks the server's certificate as the trust setting says, noting what it presented.
#[derive(Debug)]
struct Verifier {
    trust: ServerTrust,
    inner: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    seen: SeenCertificate,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = fingerprint(end_entity);
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(presented.clone());
        match &self.trust {
            ServerTrust::Insecure => Ok(ServerCertVerified::assertion()),
            ServerTrust::Fingerprint(pin) => {
                if normalise_fingerprint(pin).as_deref() == Some(presented.as_str()) {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::ApplicationVerificationFailure,
                    ))
                }
            }
            ServerTrust::CaFile(_) => match &self.inner {
                Some(inner) => inner.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ),
                None => Err(rustls::Error::General("no CA verifier".into())),
            },
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_compared_however_they_are_written() {
        let printed = fingerprint(b"certificate");
        assert_eq!(printed.len(), 95);
        let bare = printed.replace(':', "").to_ascii_lowercase();
        assert_eq!(
            normalise_fingerprint(&bare).as_deref(),
            Some(printed.as_str())
        );
        assert_eq!(
            normalise_fingerprint(&format!("sha256:{printed}")).as_deref(),
            Some(printed.as_str())
        );
        assert_eq!(normalise_fingerprint("AB:CD"), None);
        assert_eq!(normalise_fingerprint(&"zz".repeat(32)), None);
    }

    #[test]
    fn unusable_settings_are_said_plainly() {
        let error = client_config(&ServerTrust::Fingerprint("nope".into()), None, &[])
            .expect_err("not a fingerprint");
        assert!(error.to_string().contains("SHA-256"), "{error}");
        let error = client_config(
            &ServerTrust::CaFile("/nonexistent/ca.pem".into()),
            None,
            &[],
        )
        .expect_err("no file");
        assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
        assert!(client_config(&ServerTrust::Insecure, None, &[b"h2"]).is_ok());
    }
}
