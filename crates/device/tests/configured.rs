//! The reference device's configured subscriptions (RFC 8639 §2.5) over UDP-notif, as the
//! harness's collector receives them: configured over NETCONF like any other configuration,
//! published to a receiver provisioned on the device, ended by deleting the entry. The
//! compliant device's messages are whole, contiguous, in the envelope and valid against its
//! own schema; each UDP-notif fault profile breaks exactly what it says.

use std::time::{Duration, Instant};

use rfc3535_client::udp_notif::{Collection, Collector, CollectorOptions, FaultKind, Received};
use rfc3535_client::wire::envelope::Contents;
use rfc3535_client::wire::{Datastore, EditConfig};
use rfc3535_client::Session;
use rfc3535_device::profile::profile;
use rfc3535_device::{Device, DeviceConfig, ProvisionedReceiver};

mod common;

const SN: &str = "urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications";
const YP: &str = "urn:ietf:params:xml:ns:yang:ietf-yang-push";
/// Small enough that an update of ietf-system's state needs several segments.
const MAX_SEGMENT: usize = 400;
const ID: u32 = 4711;

struct Bed {
    device: Device,
    collector: Collector,
    session: Session,
}

async fn bed(profile_name: &str) -> Bed {
    let collector = Collector::bind(CollectorOptions {
        max_segment_size: Some(MAX_SEGMENT),
        ..CollectorOptions::default()
    })
    .await
    .expect("a loopback port");
    let mut config = DeviceConfig::lab("ref");
    config.profile = profile(profile_name).expect("a profile");
    config.receivers = vec![ProvisionedReceiver {
        name: "collector".into(),
        address: collector.local_addr().expect("bound"),
        max_segment_size: Some(MAX_SEGMENT),
    }];
    let device = Device::start(config).await.expect("starts");
    let session = common::connect(&device).await;
    Bed {
        device,
        collector,
        session,
    }
}

const SYSTEM_STATE: &str = "<system-state xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"/>";
const YANG_LIBRARY: &str =
    "<yang-library xmlns=\"urn:ietf:params:xml:ns:yang:ietf-yang-library\"/>";

fn subscription(encoding: &str, operation: &str) -> String {
    subscription_of(encoding, operation, SYSTEM_STATE)
}

/// The configured subscription of `selection` (a subtree filter's content).
fn subscription_of(encoding: &str, operation: &str, selection: &str) -> String {
    format!(
        "<subscriptions xmlns=\"{SN}\"><subscription{operation}><id>{ID}</id>\
         <datastore xmlns=\"{YP}\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\">ds:operational</datastore>\
         <datastore-subtree-filter xmlns=\"{YP}\">{selection}</datastore-subtree-filter>\
         <periodic xmlns=\"{YP}\"><period>10</period></periodic>\
         <transport xmlns:rtel=\"urn:rfc3535:params:xml:ns:yang:rfc3535-telemetry\">rtel:udp-notif</transport>\
         <encoding>{encoding}</encoding>\
         <receivers><receiver><name>collector</name></receiver></receivers>\
         </subscription></subscriptions>"
    )
}

async fn edit(session: &Session, config: String) {
    let reply = session
        .edit_config(EditConfig::new(Datastore::Running, config))
        .await
        .expect("a reply");
    assert!(reply.is_success(), "{}", reply.raw());
}

/// Configures the subscription and collects until `messages` have come (or 10 s pass).
async fn collect(bed: &mut Bed, encoding: &str, messages: u64) {
    collect_selection(bed, encoding, SYSTEM_STATE, messages).await;
}

/// Configures the subscription of `selection` and collects until `messages` have come (or
/// 10 s pass).
async fn collect_selection(bed: &mut Bed, encoding: &str, selection: &str, messages: u64) {
    edit(&bed.session, subscription_of(encoding, "", selection)).await;
    bed.collector
        .receive_until(Instant::now() + Duration::from_secs(10), |c| {
            c.totals().messages >= messages
        })
        .await
        .expect("receives");
}

/// The name of a message's notification, `module:name` or `{namespace}name`.
fn notification_name(message: &Received) -> String {
    message
        .envelope
        .as_ref()
        .ok()
        .and_then(|e| e.contents.as_ref())
        .and_then(Contents::notification_name)
        .unwrap_or_default()
}

fn faults(collection: &Collection) -> Vec<String> {
    collection
        .faults()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn a_configured_subscription_is_published_whole_in_order_and_valid_until_deleted() {
    let mut bed = bed("compliant").await;
    collect(&mut bed, "encode-json", 6).await;
    edit(
        &bed.session,
        subscription("encode-json", " operation=\"delete\""),
    )
    .await;
    bed.collector
        .receive_until(Instant::now() + Duration::from_secs(5), |c| {
            c.messages()
                .iter()
                .any(|m| notification_name(m).ends_with("subscription-terminated"))
        })
        .await
        .expect("receives");
    // Anything still on its way after the termination would come now.
    bed.collector
        .receive_until(Instant::now() + Duration::from_millis(500), |_| false)
        .await
        .expect("receives");
    let collection = bed.collector.finish();
    assert!(faults(&collection).is_empty(), "{:#?}", faults(&collection));
    let messages = collection.messages();
    let names: Vec<String> = messages.iter().map(notification_name).collect();
    assert_eq!(
        names.first().map(String::as_str),
        Some("ietf-subscribed-notifications:subscription-started"),
        "{names:?}"
    );
    assert_eq!(
        names.last().map(String::as_str),
        Some("ietf-subscribed-notifications:subscription-terminated"),
        "{names:?}"
    );
    assert!(
        names[1..names.len() - 1]
            .iter()
            .all(|n| n == "ietf-yang-push:push-update"),
        "{names:?}"
    );
    assert!(names.len() >= 7, "{names:?}");
    // Updates longer than the receiver's maximum were segmented, none relied on fragmentation.
    assert!(
        messages.iter().any(|m| m.datagrams > 1),
        "no segmented message"
    );
    let (_, stream) = collection.streams().iter().next().expect("one stream");
    assert_eq!(stream.message_loss().missing, 0);
    assert_eq!(stream.sequence_loss().missing, 0);
    assert_eq!(stream.messages, messages.len() as u64);
    let content_id = bed.device.shared.content_id();
    for message in messages {
        let envelope = message.envelope.as_ref().expect("an envelope");
        assert_eq!(envelope.hostname.as_deref(), Some("ref"));
        assert!(!envelope.deprecated_contents_name);
        let json = envelope
            .restconf_notification_json()
            .expect("JSON contents");
        bed.device
            .shared
            .with_schema(|schema| schema.validate_notification_json(&json))
            .expect("a schema")
            .unwrap_or_else(|finding| panic!("{finding}: {json}"));
        if notification_name(message).ends_with("subscription-started") {
            assert!(
                json.contains(&format!("yang-library-content-id\":\"{content_id}\"")),
                "{json}"
            );
        }
    }
    bed.session.shutdown().await;
}

#[tokio::test]
async fn xml_is_published_when_the_subscription_asks_for_it() {
    let mut bed = bed("compliant").await;
    collect(&mut bed, "encode-xml", 3).await;
    let collection = bed.collector.finish();
    assert!(faults(&collection).is_empty(), "{:#?}", faults(&collection));
    for message in collection.messages() {
        let envelope = message.envelope.as_ref().expect("an envelope");
        let xml = envelope.notification_xml().expect("XML contents");
        bed.device
            .shared
            .with_schema(|schema| schema.validate_notification(&xml))
            .expect("a schema")
            .unwrap_or_else(|finding| panic!("{finding}: {xml}"));
    }
    bed.session.shutdown().await;
}

/// The faults the collector names for a device of this profile.
async fn collected_faults(profile_name: &str) -> (Collection, String) {
    let mut bed = bed(profile_name).await;
    collect(&mut bed, "encode-json", 12).await;
    let content_id = bed.device.shared.content_id();
    bed.session.shutdown().await;
    (bed.collector.finish(), content_id)
}

/// Whether a fault is of the kind a profile must cause.
type FaultMatch = fn(&FaultKind) -> bool;

#[tokio::test]
async fn each_udp_notif_fault_profile_breaks_what_it_says() {
    let expected: [(&str, FaultMatch); 4] = [
        ("udp-notif-id-jumps", |k| {
            matches!(k, FaultKind::MessageIdGap { .. })
        }),
        ("udp-notif-wrong-header-length", |k| {
            matches!(k, FaultKind::Datagram(_))
        }),
        ("udp-notif-deprecated-envelope", |k| {
            matches!(k, FaultKind::DeprecatedContentsName { .. })
        }),
        ("udp-notif-unsegmented", |k| {
            matches!(k, FaultKind::OverSegmentSize { .. })
        }),
    ];
    for (profile, kind) in expected {
        let (collection, _) = collected_faults(profile).await;
        assert!(
            collection.faults().iter().any(|f| kind(&f.kind)),
            "{profile}: {:#?}",
            faults(&collection)
        );
    }
    let (collection, content_id) = collected_faults("udp-notif-wrong-content-id").await;
    assert!(faults(&collection).is_empty(), "{:#?}", faults(&collection));
    let started = collection
        .messages()
        .iter()
        .find(|m| notification_name(m).ends_with("subscription-started"))
        .and_then(|m| m.envelope.as_ref().ok())
        .and_then(|e| e.restconf_notification_json())
        .expect("subscription-started");
    assert!(started.contains("yang-library-content-id"), "{started}");
    assert!(!started.contains(&format!("\"{content_id}\"")), "{started}");
}

/// The text of the first node named `local` in a message's contents.
fn leaf_of(message: &Received, local: &str) -> Option<String> {
    message
        .envelope
        .as_ref()
        .ok()?
        .contents
        .as_ref()?
        .find_leaf(local)
}

/// Installs or removes the device's optional module over NETCONF.
async fn software(session: &Session, operation: &str) {
    let reply = session
        .raw(format!(
            "<{operation} xmlns=\"urn:rfc3535:params:xml:ns:yang:rfc3535-software\"><name>rfc3535-optics-types</name></{operation}>"
        ))
        .await
        .expect("a reply");
    assert!(reply.is_success(), "{}", reply.raw());
}

/// Collects until a `subscription-modified` beyond the first `seen` has come, and a
/// push-update after it (or 10 s pass).
async fn collect_modified(bed: &mut Bed, seen: usize) {
    let modified = |c: &Collection| {
        let names: Vec<String> = c.messages().iter().map(notification_name).collect();
        let last = names
            .iter()
            .rposition(|n| n.ends_with("subscription-modified"));
        names
            .iter()
            .filter(|n| n.ends_with("subscription-modified"))
            .count()
            > seen
            && last.is_some_and(|at| names[at..].iter().any(|n| n.ends_with("push-update")))
    };
    bed.collector
        .receive_until(Instant::now() + Duration::from_secs(10), modified)
        .await
        .expect("receives");
}

/// The content-ids a collection's messages name, in order: `started`/`modified` for state
/// changes (their yang-library-content-id) and `update` for the library a push-update holds.
fn content_ids(collection: &Collection) -> Vec<(String, String)> {
    collection
        .messages()
        .iter()
        .filter_map(|m| {
            let name = notification_name(m);
            let kind = name.rsplit(':').next()?.to_owned();
            let leaf = if kind == "push-update" {
                "content-id"
            } else {
                "yang-library-content-id"
            };
            Some((kind, leaf_of(m, leaf)?))
        })
        .collect()
}

#[tokio::test]
async fn a_schema_change_is_signalled_to_configured_subscriptions_before_any_update_shows_it() {
    let mut bed = bed("compliant").await;
    let before = bed.device.shared.content_id();
    collect_selection(&mut bed, "encode-json", YANG_LIBRARY, 3).await;
    software(&bed.session, "install-module").await;
    let installed = bed.device.shared.content_id();
    assert_ne!(
        before, installed,
        "installing a module moves the content-id"
    );
    collect_modified(&mut bed, 0).await;
    software(&bed.session, "remove-module").await;
    assert_eq!(bed.device.shared.content_id(), before);
    collect_modified(&mut bed, 1).await;
    let collection = bed.collector.finish();
    assert!(faults(&collection).is_empty(), "{:#?}", faults(&collection));
    // Every update shows the library the last state change named, and the state changes
    // name the library before, after installing and after removing.
    let mut announced = None;
    let mut changes = Vec::new();
    for (kind, content_id) in content_ids(&collection) {
        if kind == "push-update" {
            assert_eq!(
                announced.as_ref(),
                Some(&content_id),
                "{kind} before its library was announced"
            );
        } else {
            changes.push(content_id.clone());
            announced = Some(content_id);
        }
    }
    assert_eq!(changes, [before.clone(), installed, before]);
    bed.session.shutdown().await;
}

#[tokio::test]
async fn a_device_that_leaves_its_schema_change_unsignalled_sends_no_subscription_modified() {
    let mut bed = bed("schema-change-unsignalled").await;
    let before = bed.device.shared.content_id();
    collect_selection(&mut bed, "encode-json", YANG_LIBRARY, 2).await;
    software(&bed.session, "install-module").await;
    let installed = bed.device.shared.content_id();
    bed.collector
        .receive_until(Instant::now() + Duration::from_secs(10), |c| {
            content_ids(c)
                .iter()
                .any(|(kind, id)| kind == "push-update" && *id == installed)
        })
        .await
        .expect("receives");
    let collection = bed.collector.finish();
    let ids = content_ids(&collection);
    assert_eq!(
        ids.first(),
        Some(&("subscription-started".to_owned(), before)),
        "{ids:?}"
    );
    assert!(
        ids.iter()
            .any(|(kind, id)| kind == "push-update" && *id == installed),
        "{ids:?}"
    );
    assert!(
        !ids.iter().any(|(kind, _)| kind == "subscription-modified"),
        "{ids:?}"
    );
    software(&bed.session, "remove-module").await;
    bed.session.shutdown().await;
}

#[tokio::test]
async fn only_the_optional_modules_can_be_installed_and_the_library_lists_them_while_installed() {
    let bed = bed("compliant").await;
    let listed = |shared: &rfc3535_device::Shared| {
        shared
            .served_modules()
            .iter()
            .any(|m| m.name == "rfc3535-optics-types")
    };
    assert!(!listed(&bed.device.shared));
    let refused = bed
        .session
        .raw("<install-module xmlns=\"urn:rfc3535:params:xml:ns:yang:rfc3535-software\"><name>ietf-ip</name></install-module>")
        .await
        .expect("a reply");
    assert!(!refused.is_success(), "{}", refused.raw());
    software(&bed.session, "install-module").await;
    assert!(listed(&bed.device.shared));
    let schema = bed
        .session
        .raw("<get-schema xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring\"><identifier>rfc3535-optics-types</identifier></get-schema>")
        .await
        .expect("a reply");
    assert!(
        schema.raw().contains("typedef power-dbm"),
        "{}",
        schema.raw()
    );
    software(&bed.session, "remove-module").await;
    assert!(!listed(&bed.device.shared));
    let gone = bed
        .session
        .raw("<get-schema xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring\"><identifier>rfc3535-optics-types</identifier></get-schema>")
        .await
        .expect("a reply");
    assert!(!gone.is_success(), "{}", gone.raw());
    bed.session.shutdown().await;
}

#[tokio::test]
async fn a_device_that_announces_its_schema_change_late_sends_updates_of_the_new_library_first() {
    let mut bed = bed("schema-change-announced-late").await;
    collect_selection(&mut bed, "encode-json", YANG_LIBRARY, 2).await;
    software(&bed.session, "install-module").await;
    let installed = bed.device.shared.content_id();
    collect_modified(&mut bed, 0).await;
    let ids = content_ids(&bed.collector.finish());
    let announced = ids
        .iter()
        .position(|(kind, _)| kind == "subscription-modified")
        .expect("announced, late");
    assert_eq!(ids[announced].1, installed, "{ids:?}");
    assert!(
        ids[..announced]
            .iter()
            .any(|(kind, id)| kind == "push-update" && *id == installed),
        "{ids:?}"
    );
    software(&bed.session, "remove-module").await;
    bed.session.shutdown().await;
}

/// The configured subscription's entry in operational, as `<get-data>` reads it, checked
/// against the device's schema.
async fn operational_entry(bed: &Bed) -> rfc3535_client::wire::tree::Element {
    let reply = bed
        .session
        .raw(format!(
            "<get-data xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-nmda\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"><datastore>ds:operational</datastore><subtree-filter><subscriptions xmlns=\"{SN}\"/></subtree-filter></get-data>"
        ))
        .await
        .expect("a reply");
    assert!(reply.is_success(), "{}", reply.raw());
    let data = reply.data().expect("data").to_owned();
    bed.device
        .shared
        .with_schema(|schema| schema.validate(&data, rfc3535_yang::Content::Data))
        .expect("a schema")
        .unwrap_or_else(|finding| panic!("{finding}: {data}"));
    let roots = rfc3535_client::wire::tree::Element::parse_fragment(&data).expect("XML");
    let entries: Vec<_> = roots
        .iter()
        .flat_map(|root| root.children_named("subscription"))
        .filter(|entry| {
            entry
                .child("id")
                .is_some_and(|id| id.text.trim() == ID.to_string())
        })
        .cloned()
        .collect();
    assert_eq!(entries.len(), 1, "one entry joins config and state: {data}");
    entries.into_iter().next().expect("an entry")
}

/// (configured-subscription-state, the receiver's state, its sent-event-records).
fn receiver_state(entry: &rfc3535_client::wire::tree::Element) -> (String, String, u64) {
    let receiver = entry
        .child("receivers")
        .and_then(|r| r.children_named("receiver").next())
        .expect("a receiver");
    let leaf = |element: &rfc3535_client::wire::tree::Element, name: &str| {
        element
            .child(name)
            .map(|l| l.text.trim().to_owned())
            .unwrap_or_default()
    };
    (
        leaf(entry, "configured-subscription-state"),
        leaf(receiver, "state"),
        leaf(receiver, "sent-event-records")
            .parse()
            .unwrap_or(u64::MAX),
    )
}

#[tokio::test]
async fn operational_shows_a_configured_subscription_valid_its_receiver_active_and_counts_what_it_sent(
) {
    let mut compliant = bed("compliant").await;
    collect(&mut compliant, "encode-json", 5).await;
    let entry = operational_entry(&compliant).await;
    // Whatever was sent before the read has arrived by now (loopback).
    compliant
        .collector
        .receive_until(Instant::now() + Duration::from_millis(20), |_| false)
        .await
        .expect("receives");
    let received = compliant
        .collector
        .collection()
        .messages()
        .iter()
        .filter(|m| notification_name(m).ends_with("push-update"))
        .count() as u64;
    let (subscription, receiver, sent) = receiver_state(&entry);
    assert_eq!(subscription, "valid");
    assert_eq!(receiver, "active");
    assert!(
        sent <= received && sent + 1 >= received,
        "sent-event-records {sent}, {received} push-updates received"
    );
    compliant.session.shutdown().await;

    for (profile, expected) in [
        ("configured-state-frozen", "connecting"),
        ("configured-records-uncounted", "active"),
    ] {
        let mut faulty = bed(profile).await;
        collect(&mut faulty, "encode-json", 5).await;
        let (_, receiver, sent) = receiver_state(&operational_entry(&faulty).await);
        assert_eq!(receiver, expected, "{profile}");
        assert_eq!(
            sent == 0,
            profile == "configured-records-uncounted",
            "{profile}: {sent}"
        );
        faulty.session.shutdown().await;
    }
}

/// Invokes the `reset` action of the subscription's receiver.
async fn reset(session: &Session) -> rfc3535_client::wire::RpcReply {
    session
        .raw(format!(
            "<action xmlns=\"urn:ietf:params:xml:ns:yang:1\"><subscriptions xmlns=\"{SN}\"><subscription><id>{ID}</id><receivers><receiver><name>collector</name><reset/></receiver></receivers></subscription></subscriptions></action>"
        ))
        .await
        .expect("a reply")
}

#[tokio::test]
async fn resetting_a_receiver_starts_it_again_with_subscription_started() {
    let started = |c: &Collection| {
        c.messages()
            .iter()
            .filter(|m| notification_name(m).ends_with("subscription-started"))
            .count()
    };
    for (profile, starts) in [("compliant", 2), ("configured-reset-ignored", 1)] {
        let mut bed = bed(profile).await;
        collect(&mut bed, "encode-json", 3).await;
        let reply = reset(&bed.session).await;
        assert!(reply.is_success(), "{profile}: {}", reply.raw());
        assert!(reply.body().contains("<time"), "{profile}: {}", reply.raw());
        bed.collector
            .receive_until(Instant::now() + Duration::from_secs(3), |c| started(c) >= 2)
            .await
            .expect("receives");
        let collection = bed.collector.finish();
        assert_eq!(started(&collection), starts, "{profile}");
        bed.session.shutdown().await;
    }
    // A receiver the subscription does not name: data-missing (RFC 7950 §7.15.2).
    let bed = bed("compliant").await;
    let reply = reset(&bed.session).await;
    assert!(reply.raw().contains("data-missing"), "{}", reply.raw());
    bed.session.shutdown().await;
}
