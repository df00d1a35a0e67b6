//! How to reach a device over one protocol, as one account: SSH settings for NETCONF, HTTPS
//! settings for RESTCONF. A target holds one for its main account and one for its read-only
//! account; steps open sessions through it without knowing which protocol it is.

use rfc3535_client::restconf::RestconfOptions;
use rfc3535_client::{Auth, ConnectOptions};

use crate::protocol::Protocol;

/// Connection settings for one protocol and one account.
#[derive(Debug, Clone)]
pub enum Access {
    Netconf(ConnectOptions),
    Restconf(RestconfOptions),
}

impl Access {
    /// Sessions opened with these settings keep the large messages the device repeats (its
    /// hello) once in `shared`, instead of in every transcript.
    pub fn share_messages(
        &mut self,
        shared: &std::sync::Arc<rfc3535_client::transcript::SharedMessages>,
    ) {
        if let Access::Netconf(options) = self {
            options.session.shared_messages = Some(std::sync::Arc::clone(shared));
        }
    }

    /// The protocol these settings reach.
    pub fn protocol(&self) -> Protocol {
        match self {
            Access::Netconf(_) => Protocol::Netconf,
            Access::Restconf(_) => Protocol::Restconf,
        }
    }

    /// The account's name.
    pub fn username(&self) -> String {
        match self {
            Access::Netconf(options) => options.username.clone(),
            Access::Restconf(options) => options.username.clone().unwrap_or_default(),
        }
    }

    /// `host:port` (IPv6 in brackets).
    pub fn address(&self) -> String {
        match self {
            Access::Netconf(options) => options.address(),
            Access::Restconf(options) => options.address(),
        }
    }

    /// The NETCONF settings, when these are NETCONF's.
    pub fn netconf(&self) -> Option<&ConnectOptions> {
        match self {
            Access::Netconf(options) => Some(options),
            Access::Restconf(_) => None,
        }
    }

    /// The same settings with another password for the same account (a step that checks a
    /// wrong password is refused).
    pub fn with_password(&self, password: String) -> Access {
        match self {
            Access::Netconf(options) => {
                let mut options = options.clone();
                options.auth = Auth::Password(password.into());
                Access::Netconf(options)
            }
            Access::Restconf(options) => {
                let mut options = options.clone();
                options.password = Some(password.into());
                Access::Restconf(options)
            }
        }
    }
}
