//! Waiting for devices to come up before a run: a lab just deployed (containerlab's nodes boot
//! for seconds to minutes) answers nothing at first. Each target is tried, every
//! [`RETRY`], until it answers as its protocol does (a NETCONF session opened and closed:
//! SSH, authentication, the hello; RESTCONF's TLS handshake and root discovery) or the time
//! given runs out. What each one did is reported: how long it took, or the last reason it
//! gave. A device that never answered is still run, so that its column says why.

use std::time::{Duration, Instant};

use futures::future::join_all;
use rfc3535_client::restconf::RestconfClient;
use rfc3535_client::Transcript;

use crate::access::Access;
use crate::target::Target;

/// How long between two tries of one device.
pub const RETRY: Duration = Duration::from_secs(2);

/// How one target's wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// It answered after this long (zero: at the first try).
    Answered(Duration),
    /// It did not answer within the time given; the last reason it gave.
    Silent { waited: Duration, last: String },
}

/// One try: opens a session to the target and closes it.
pub async fn answers(access: &Access) -> Result<(), String> {
    match access {
        Access::Netconf(options) => {
            let session = rfc3535_client::connect(options)
                .await
                .map_err(|e| e.to_string())?;
            let _ = session.close().await;
            Ok(())
        }
        Access::Restconf(options) => {
            RestconfClient::connect(options.clone(), Transcript::default())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

/// Tries `target` until it answers or `within` has passed.
pub async fn wait_for(target: &Target, within: Duration) -> Readiness {
    let started = Instant::now();
    loop {
        let last = match answers(&target.connect).await {
            Ok(()) => return Readiness::Answered(started.elapsed()),
            Err(why) => why,
        };
        let waited = started.elapsed();
        if waited + RETRY > within {
            return Readiness::Silent { waited, last };
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Waits for every target at once; the results are in the targets' order.
pub async fn wait_for_all(targets: &[Target], within: Duration) -> Vec<Readiness> {
    join_all(targets.iter().map(|target| wait_for(target, within))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Protocol;
    use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};

    fn target_at(port: u16) -> Target {
        Target {
            name: "silent".to_owned(),
            origin: crate::target::Origin::Reference,
            protocol: Protocol::Netconf,
            labels: Default::default(),
            connect: Access::Netconf(ConnectOptions::new(
                "127.0.0.1",
                port,
                "admin",
                Auth::Password("x".to_owned().into()),
                HostKeyPolicy::Insecure,
            )),
            read_only: None,
            sandbox: crate::sandbox::Sandbox::from_spec(&Default::default()).expect("sandbox"),
            udp_notif: None,
            schema_change: None,
        }
    }

    #[tokio::test]
    async fn a_device_that_never_answers_is_reported_with_its_last_reason_in_bounded_time() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("address")
            .port();
        let started = Instant::now();
        let readiness = wait_for_all(&[target_at(port)], Duration::from_secs(3)).await;
        assert!(started.elapsed() < Duration::from_secs(10));
        match &readiness[0] {
            Readiness::Silent { waited, last } => {
                assert!(*waited >= RETRY, "{waited:?}");
                assert!(last.contains("127.0.0.1"), "{last}");
            }
            other => panic!("expected silence, got {other:?}"),
        }
    }
}
