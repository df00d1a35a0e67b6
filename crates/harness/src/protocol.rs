//! The management protocols a device is tested over, as a type. A device's matrix column is
//! (device, protocol); its id is `<name>/<protocol>` and is built here only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A protocol the harness speaks to devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// NETCONF over SSH (RFC 6241, RFC 6242).
    Netconf,
    /// RESTCONF over HTTPS (RFC 8040).
    Restconf,
}

impl Protocol {
    /// Every protocol, in the order columns are shown.
    pub const ALL: [Protocol; 2] = [Protocol::Netconf, Protocol::Restconf];

    /// The name used in device ids, inventories and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Netconf => "netconf",
            Protocol::Restconf => "restconf",
        }
    }

    /// The URL scheme of a target over this protocol (`netconf://`, `restconf+https://`).
    pub fn scheme(self) -> &'static str {
        match self {
            Protocol::Netconf => "netconf",
            Protocol::Restconf => "restconf+https",
        }
    }

    /// The protocol of a target URL's scheme.
    pub fn of_scheme(scheme: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.scheme() == scheme)
    }

    /// The port a device listens on when the inventory or URL gives none.
    pub fn default_port(self) -> u16 {
        match self {
            // RFC 6242 §3.
            Protocol::Netconf => 830,
            // RFC 8040 §2: HTTPS.
            Protocol::Restconf => 443,
        }
    }

    /// The id of a device's column for this protocol: `<name>/<protocol>`.
    pub fn device_id(self, name: &str) -> String {
        format!("{name}/{}", self.as_str())
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol name the harness does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown protocol {0:?}; the harness speaks {names}", names = Protocol::ALL.map(Protocol::as_str).join(", "))]
pub struct UnknownProtocol(pub String);

impl FromStr for Protocol {
    type Err = UnknownProtocol;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| UnknownProtocol(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_build_device_ids() {
        for protocol in Protocol::ALL {
            assert_eq!(protocol.as_str().parse::<Protocol>(), Ok(protocol));
        }
        assert_eq!(Protocol::Netconf.device_id("edge-1"), "edge-1/netconf");
        assert_eq!(Protocol::Restconf.device_id("edge-1"), "edge-1/restconf");
        assert_eq!(
            Protocol::of_scheme("restconf+https"),
            Some(Protocol::Restconf)
        );
        assert_eq!(Protocol::of_scheme("https"), None);
        let unknown = "snmp".parse::<Protocol>().expect_err("not spoken");
        assert!(unknown.to_string().contains("netconf"), "{unknown}");
    }
}
