//! What the test bed says about a device's UDP-notif receiver (the inventory's `udp_notif:`),
//! for the scenarios about configured subscriptions (RFC 8639 §2.5) published over UDP-notif
//! (draft-ietf-netconf-udp-notif).
//!
//! A configured subscription names its receivers; where a receiver is and how its messages
//! are sent is the transport's configuration. The drafts that would let the harness write
//! that configuration itself are not settled modules, and devices provision receivers their
//! own way (their CLI, a vendor module), so the inventory says which receiver name the
//! device has provisioned, the address it sends that receiver's messages to (where the
//! harness's collector listens), the transport identity its configured subscriptions take,
//! and the maximum segment size provisioned for it. A device that claims configured
//! subscriptions without such an entry cannot be tested by them, and its scenarios say so.

use std::net::SocketAddr;

use rfc3535_client::wire::envelope::Contents;
use rfc3535_client::wire::rpc::{EditAttributes, EditOperation};
use rfc3535_client::wire::{ns, xml};
use serde::Deserialize;

/// The transport identity of draft-ietf-netconf-udp-notif, the default.
pub const STANDARD_TRANSPORT: &str = "ietf-udp-notif-transport:udp-notif";

/// A device's UDP-notif receiver, as the test bed provisioned it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UdpNotifReceiver {
    /// The receiver name the device has provisioned, which a configured subscription names.
    pub receiver: String,
    /// Where the device sends that receiver's messages: the harness's collector listens
    /// here. Loopback in the lab; an address of the test bed's host otherwise.
    pub collector: SocketAddr,
    /// The transport identity (`module:identity`) the device's configured subscriptions
    /// take for UDP-notif.
    #[serde(default = "standard_transport")]
    pub transport: String,
    /// The maximum segment size provisioned for the receiver, in octets: a datagram longer
    /// than this left segmenting to IP fragmentation (draft §3.3.1).
    #[serde(default)]
    pub max_segment_size: Option<usize>,
}

fn standard_transport() -> String {
    STANDARD_TRANSPORT.to_owned()
}

impl UdpNotifReceiver {
    /// The transport identity's module and name.
    pub fn transport_parts(&self) -> Option<(&str, &str)> {
        self.transport
            .split_once(':')
            .filter(|(module, name)| !module.is_empty() && !name.is_empty())
    }
}

/// What a configured subscription of a scenario asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredSubscription {
    pub id: u32,
    /// A datastore the YANG-Push module names (`operational`, `running`).
    pub datastore: String,
    /// The subtree filter's content.
    pub subtree: String,
    pub period_centiseconds: u32,
    /// `encode-json` or `encode-xml` (RFC 8639's identities).
    pub encoding: &'static str,
}

impl ConfiguredSubscription {
    /// The entry of `/subscriptions/subscription` that configures it for `receiver`, whose
    /// transport identity's module has `transport_namespace`.
    pub fn config(&self, receiver: &UdpNotifReceiver, transport_namespace: &str) -> String {
        let (_, transport) = receiver.transport_parts().unwrap_or(("", "udp-notif"));
        format!(
            "<subscriptions xmlns=\"{SN}\"><subscription><id>{id}</id>\
             <datastore xmlns=\"{YP}\" xmlns:ds=\"{DS}\">ds:{datastore}</datastore>\
             <datastore-subtree-filter xmlns=\"{YP}\">{subtree}</datastore-subtree-filter>\
             <periodic xmlns=\"{YP}\"><period>{period}</period></periodic>\
             <transport xmlns:t=\"{transport_namespace}\">t:{transport}</transport>\
             <encoding>{encoding}</encoding>\
             <receivers><receiver><name>{name}</name></receiver></receivers>\
             </subscription></subscriptions>",
            SN = ns::SUBSCRIBED_NOTIFICATIONS,
            YP = ns::YANG_PUSH,
            DS = ns::DATASTORES,
            id = self.id,
            datastore = xml::escape(&self.datastore),
            subtree = self.subtree,
            period = self.period_centiseconds,
            transport = xml::escape(transport),
            encoding = self.encoding,
            name = xml::escape(&receiver.receiver),
        )
    }
}

/// The edit that deletes configured subscription `id`.
pub fn delete_configured(id: u32) -> String {
    format!(
        "<subscriptions xmlns=\"{}\"><subscription{}><id>{id}</id></subscription></subscriptions>",
        ns::SUBSCRIBED_NOTIFICATIONS,
        EditAttributes::operation(EditOperation::Delete).render()
    )
}

/// A message's notification as the harness reads it whatever its encoding: its local name,
/// and the subscription id it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notified {
    pub name: String,
    pub id: Option<u32>,
}

impl Notified {
    /// What an envelope's contents notify, when they hold a notification.
    pub fn of(contents: &Contents) -> Option<Notified> {
        match contents {
            Contents::Xml(elements) => {
                let event = elements.first()?;
                Some(Notified {
                    name: event.name.local.clone(),
                    id: event.child("id").and_then(|id| id.text.trim().parse().ok()),
                })
            }
            Contents::Json(members) => {
                let (name, body) = members.iter().next()?;
                let local = name.rsplit(':').next().unwrap_or(name);
                Some(Notified {
                    name: local.to_owned(),
                    id: body
                        .get("id")
                        .and_then(serde_json::Value::as_u64)
                        .and_then(|id| u32::try_from(id).ok()),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rfc3535_client::wire::tree::Element;

    #[test]
    fn a_notification_is_read_alike_in_both_encodings() {
        let json = rfc3535_client::wire::envelope::Envelope::parse_json(
            br#"{"ietf-yp-notification:envelope":{"event-time":"2026-12-03T10:00:00Z","contents":{"ietf-subscribed-notifications:subscription-started":{"id":7,"x:yang-library-content-id":"abc"}}}}"#,
        )
        .expect("an envelope");
        let xml = rfc3535_client::wire::envelope::Envelope::parse_xml(
            br#"<envelope xmlns="urn:ietf:params:xml:ns:yang:ietf-yp-notification"><event-time>2026-12-03T10:00:00Z</event-time><contents><subscription-started xmlns="urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications"><id>7</id><yang-library-content-id xmlns="urn:x">abc</yang-library-content-id></subscription-started></contents></envelope>"#,
        )
        .expect("an envelope");
        for envelope in [json, xml] {
            let contents = envelope.contents.expect("contents");
            assert_eq!(
                Notified::of(&contents),
                Some(Notified {
                    name: "subscription-started".into(),
                    id: Some(7)
                })
            );
            assert_eq!(
                contents.find_leaf("yang-library-content-id").as_deref(),
                Some("abc")
            );
            assert_eq!(contents.find_leaf("module-version"), None);
        }
    }

    #[test]
    fn the_configuration_names_the_transport_by_its_module_and_the_receiver_by_name() {
        let receiver = UdpNotifReceiver {
            receiver: "c<1>".into(),
            collector: "127.0.0.1:9".parse().expect("an address"),
            transport: "vendor-telemetry:udp".into(),
            max_segment_size: None,
        };
        let subscription = ConfiguredSubscription {
            id: 12,
            datastore: "operational".into(),
            subtree: "<system xmlns=\"urn:s\"/>".into(),
            period_centiseconds: 50,
            encoding: "encode-json",
        };
        let config = subscription.config(&receiver, "urn:vendor");
        let tree = Element::parse(&config).expect("well-formed");
        let entry = tree.child("subscription").expect("an entry");
        assert_eq!(entry.child("id").map(|e| e.text.as_str()), Some("12"));
        assert!(config.contains("<transport xmlns:t=\"urn:vendor\">t:udp</transport>"));
        assert!(config.contains("<name>c&lt;1&gt;</name>"));
        assert!(delete_configured(12).contains("operation=\"delete\""));
    }

    #[test]
    fn the_inventory_entry_takes_the_standard_transport_unless_it_names_one() {
        let entry: UdpNotifReceiver =
            serde_saphyr::from_str("receiver: collector\ncollector: 127.0.0.1:10001\n")
                .expect("an entry");
        assert_eq!(
            entry.transport_parts(),
            Some(("ietf-udp-notif-transport", "udp-notif"))
        );
        assert_eq!(entry.max_segment_size, None);
        let entry: UdpNotifReceiver = serde_saphyr::from_str(
            "receiver: c\ncollector: '[::1]:9'\ntransport: vendor-telemetry:udp\nmax_segment_size: 1400\n",
        )
        .expect("an entry");
        assert_eq!(entry.transport_parts(), Some(("vendor-telemetry", "udp")));
        assert_eq!(entry.max_segment_size, Some(1400));
        assert!(serde_saphyr::from_str::<UdpNotifReceiver>(
            "receiver: c\ncollector: 127.0.0.1:9\nport: 3\n"
        )
        .is_err());
    }
}
