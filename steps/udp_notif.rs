//! Steps about configured subscriptions (RFC 8639 §2.5) published over UDP-notif
//! (draft-ietf-netconf-udp-notif) to the receiver the test bed provisioned on the device (the
//! inventory's `udp_notif:`, see `rfc3535_harness::udp_notif`): the harness writes the
//! subscription as configuration, listens where the device sends, and judges what arrives
//! with the collector's accounting (`rfc3535_client::udp_notif`).
//!
//! The selection is the device's YANG library in operational: every device with a YANG
//! library has it, it does not change while a scenario runs, and it is long enough to need
//! segments at an Ethernet-sized maximum. The subscription is deleted by the scenario's
//! cleanup, whatever happened (`Leftovers::configured_subscriptions`).

use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use cucumber::{then, when};
use rfc3535_client::udp_notif::{Collection, Collector, CollectorOptions, FaultKind, Received};
use rfc3535_client::wire::envelope::Contents;
use rfc3535_client::wire::{ns, NmdaDatastore};
use rfc3535_harness::session::{EditMode, ManagementSession as _};
use rfc3535_harness::udp_notif::{ConfiguredSubscription, Notified};

use super::world::{commit_if_candidate, expect_ok, Finding, RunWorld, StepResult};

/// How many faults a failure lists before it only counts.
const FAULTS_SHOWN: usize = 5;

/// A configured subscription a scenario wrote, and the collector receiving it.
pub struct Configured {
    pub subscription: ConfiguredSubscription,
    collector: Collector,
    /// When the device accepted the configuration (committed, on a candidate device): where
    /// time to data starts.
    configured_at: Instant,
    /// The receiver's maximum segment size, as the inventory gives it.
    max_segment_size: Option<usize>,
    /// The receiver's name on the device, as the inventory gives it.
    receiver: String,
}

impl std::fmt::Debug for Configured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configured")
            .field("subscription", &self.subscription)
            .finish_non_exhaustive()
    }
}

impl Configured {
    fn collection(&self) -> &Collection {
        self.collector.collection()
    }

    /// The messages of this subscription (see [`subscription_messages`]).
    fn messages(&self) -> Vec<(&Received, Option<Notified>)> {
        subscription_messages(self.collection(), self.subscription.id)
    }

    /// Takes in what has arrived so far, without waiting.
    async fn drain(&mut self) -> Result<(), Finding> {
        self.collector
            .receive_until(Instant::now(), |_| false)
            .await
            .map(|_| ())
            .map_err(|e| Finding::error(format!("the collector's socket failed: {e}")))
    }

    /// How many notifications named `name` of this subscription have come.
    fn count_of(&self, name: &str) -> usize {
        self.messages()
            .iter()
            .filter(|(_, n)| n.as_ref().is_some_and(|n| n.name == name))
            .count()
    }

    /// The collector's faults of the kinds given, each as evidence.
    fn faults(&self, kind: impl Fn(&FaultKind) -> bool) -> (Vec<String>, usize) {
        let faults: Vec<String> = self
            .collection()
            .faults()
            .iter()
            .filter(|fault| kind(&fault.kind))
            .map(ToString::to_string)
            .collect();
        let count = faults.len();
        (faults.into_iter().take(FAULTS_SHOWN).collect(), count)
    }
}

/// The messages of subscription `id` in a collection, in the order they came whole, each with
/// what it notifies; a message whose envelope could not be read is kept with `None`.
fn subscription_messages(collection: &Collection, id: u32) -> Vec<(&Received, Option<Notified>)> {
    collection
        .messages()
        .iter()
        .filter_map(|message| match &message.envelope {
            Ok(envelope) => {
                let notified = envelope.contents.as_ref().and_then(Notified::of)?;
                (notified.id == Some(id)).then_some((message, Some(notified)))
            }
            Err(_) => Some((message, None)),
        })
        .collect()
}

/// How many of those are push-updates.
fn updates_of(collection: &Collection, id: u32) -> usize {
    subscription_messages(collection, id)
        .iter()
        .filter(|(_, n)| n.as_ref().is_some_and(|n| n.name == "push-update"))
        .count()
}

fn configured(world: &mut RunWorld) -> Result<&mut Configured, Finding> {
    world
        .configured
        .as_mut()
        .ok_or_else(|| Finding::error("harness bug: no configured subscription written"))
}

/// A subscription id unlikely to be in use on the device: one of a billion, drawn from the
/// scenario's unique nonce.
fn subscription_id(nonce: &str) -> u32 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    nonce.hash(&mut hasher);
    1_000_000_000 + u32::try_from(hasher.finish() % 1_000_000_000).unwrap_or(0)
}

#[when(
    expr = "{string} configures a subscription of the YANG library in operational every {int} centiseconds, to the test bed's UDP-notif receiver, in {word}"
)]
async fn configure(
    world: &mut RunWorld,
    session: String,
    period: u32,
    encoding: String,
) -> StepResult {
    let device = world.require_sandbox()?;
    let Some(receiver) = device.udp_notif.clone() else {
        return Err(Finding::skip(
            "the inventory provisions no UDP-notif receiver for this device (`udp_notif:` with the receiver's name and the collector's address), so nothing can receive its configured subscriptions",
        ));
    };
    let Some((module, _)) = receiver.transport_parts() else {
        return Err(Finding::error(format!(
            "the inventory's udp_notif.transport {:?} is not `module:identity`",
            receiver.transport
        )));
    };
    let Some(namespace) = device
        .claims
        .modules
        .get(module)
        .and_then(|m| m.namespace.clone())
    else {
        return Err(Finding::error(format!(
            "the inventory's udp_notif.transport {} is an identity of {module}, which the device does not implement (or names without a namespace); set it to the identity the device's configured subscriptions take",
            receiver.transport
        )));
    };
    let encoding = match encoding.as_str() {
        "JSON" => "encode-json",
        "XML" => "encode-xml",
        other => {
            return Err(Finding::error(format!(
                "harness bug: no encoding {other:?}"
            )))
        }
    };
    let collector = Collector::bind(CollectorOptions {
        bind: receiver.collector,
        max_segment_size: receiver.max_segment_size,
        ..CollectorOptions::default()
    })
    .await
    .map_err(|error| {
        Finding::error(format!(
            "cannot listen for the device's UDP-notif messages at {} (udp_notif.collector): {error}",
            receiver.collector
        ))
    })?;
    let subscription = ConfiguredSubscription {
        id: subscription_id(&world.nonce),
        datastore: NmdaDatastore::Operational.name().to_owned(),
        subtree: format!("<yang-library xmlns=\"{}\"/>", ns::YANG_LIBRARY),
        period_centiseconds: period,
        encoding,
    };
    let config = subscription.config(&receiver, &namespace);
    world.notes.push(format!(
        "configured subscription {} to receiver {:?}, received at {}",
        subscription.id, receiver.receiver, receiver.collector
    ));
    // Kept before it is written: the cleanup deletes it whatever happens next.
    world.configured = Some(Configured {
        subscription,
        collector,
        configured_at: Instant::now(),
        max_segment_size: receiver.max_segment_size,
        receiver: receiver.receiver.clone(),
    });
    let writer = world.session(&session)?;
    let reply = writer
        .edit_datastore(device.edit_target(), config, EditMode::Merge)
        .await?;
    expect_ok(&reply, "writing a configured subscription (RFC 8639 §2.5)")?;
    commit_if_candidate(writer, &device).await?;
    configured(world)?.configured_at = Instant::now();
    Ok(())
}

#[then(
    expr = "the receiver gets subscription-started first, then {int} push-update(s) for it, within {int} seconds"
)]
async fn started_then_updates(world: &mut RunWorld, count: usize, seconds: u64) -> StepResult {
    let configured = configured(world)?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let id = configured.subscription.id;
    let reached = configured
        .collector
        .receive_until(deadline, |collection| updates_of(collection, id) >= count)
        .await
        .map_err(|e| Finding::error(format!("the collector's socket failed: {e}")))?;
    let totals = configured.collection().totals();
    world_measure(world, "udp_notif_messages", totals.messages);
    let configured = configured_ref(world)?;
    let messages = configured.messages();
    let updates = updates_of(configured.collection(), id);
    let Some((first, notified)) = messages.first() else {
        let (faults, _) = configured.faults(|_| true);
        return Err(Finding::fail(if totals.datagrams == 0 {
            format!(
                "nothing reached the receiver within {seconds} s of configuring subscription {id} (RFC 8639 §2.5: a valid configured subscription is published to its receivers)"
            )
        } else {
            format!(
                "{} datagram(s) reached the receiver within {seconds} s, none a readable message of subscription {id}: {}",
                totals.datagrams,
                faults.join("; ")
            )
        }));
    };
    match notified {
        Some(n) if n.name == "subscription-started" => {}
        Some(n) => {
            let (faults, count) = configured.faults(|_| true);
            let unread = if count == 0 {
                String::new()
            } else {
                format!(
                    "; {count} datagram(s) could not be read, which may have carried it: {}",
                    faults.join("; ")
                )
            };
            return Err(Finding::fail(format!(
                "the first message of subscription {id} is a {}, not subscription-started (RFC 8639 §2.7.1: a configured subscription starts with it){unread}",
                n.name
            )));
        }
        None => {
            return Err(Finding::fail(format!(
                "the first message of subscription {id} (message id {}) cannot be read: {}",
                first.message_id,
                first
                    .envelope
                    .as_ref()
                    .err()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )))
        }
    }
    if !reached || updates < count {
        return Err(Finding::fail(format!(
            "{updates} push-update(s) of subscription {id} reached the receiver within {seconds} s, for a period of {} cs (RFC 8641 §3.1)",
            configured.subscription.period_centiseconds
        )));
    }
    Ok(())
}

fn configured_ref(world: &RunWorld) -> Result<&Configured, Finding> {
    world
        .configured
        .as_ref()
        .ok_or_else(|| Finding::error("harness bug: no configured subscription written"))
}

fn world_measure(world: &mut RunWorld, name: &str, value: impl Into<serde_json::Value>) {
    world.measurements.insert(name.to_owned(), value.into());
}

#[then("no UDP-notif message id and no envelope sequence number went missing")]
async fn nothing_missing(world: &mut RunWorld) -> StepResult {
    let configured = configured_ref(world)?;
    if let Some(drops) = configured.collector.kernel_drops().filter(|d| *d > 0) {
        return Err(Finding::error(format!(
            "the collector's own socket dropped {drops} datagram(s): loss the test bed caused, which hides the device's"
        )));
    }
    let (mut missing_ids, mut missing_sequence, mut messages) = (0, 0, 0);
    for account in configured.collection().streams().values() {
        missing_ids += account.message_loss().missing;
        missing_sequence += account.sequence_loss().missing;
        messages += account.messages;
    }
    let (faults, _) = configured.faults(|kind| {
        !matches!(
            kind,
            FaultKind::OverSegmentSize { .. } | FaultKind::DeprecatedContentsName { .. }
        )
    });
    world_measure(world, "loss_message_ids", missing_ids);
    world_measure(world, "loss_sequence_numbers", missing_sequence);
    if missing_ids > 0 {
        return Err(Finding::fail(format!(
            "{missing_ids} UDP-notif message id(s) missing beside {messages} message(s) received whole (draft-ietf-netconf-udp-notif §3.2: the id goes up by one per message, so a gap is a message lost on the way): {}",
            faults.join("; ")
        )));
    }
    if missing_sequence > 0 {
        return Err(Finding::fail(format!(
            "{missing_sequence} envelope sequence number(s) missing with no message id missing: the device lost notifications before it sent them (catalogue MB-12): {}",
            faults.join("; ")
        )));
    }
    Ok(())
}

#[then("every datagram was well-formed, and none longer than the receiver's maximum segment size")]
async fn datagrams_well_formed(world: &mut RunWorld) -> StepResult {
    let configured = configured_ref(world)?;
    let segmented = configured
        .messages()
        .iter()
        .filter(|(m, _)| m.datagrams > 1)
        .count();
    let datagrams = configured.collection().totals().datagrams;
    let (faults, count) = configured.faults(|kind| {
        matches!(
            kind,
            FaultKind::Datagram(_)
                | FaultKind::Reassembly(_)
                | FaultKind::Abandoned(_)
                | FaultKind::UnreadableMediaType { .. }
                | FaultKind::OverSegmentSize { .. }
        )
    });
    if configured.max_segment_size.is_none() {
        world
            .notes
            .push("the inventory gives no udp_notif.max_segment_size: segmenting is not checked against one".to_owned());
    }
    world_measure(world, "udp_notif_datagrams", datagrams);
    world_measure(world, "udp_notif_segmented_messages", segmented as u64);
    if count > 0 {
        return Err(Finding::fail(format!(
            "{count} of {datagrams} datagram(s) broke the UDP-notif framing or segmenting (draft-ietf-netconf-udp-notif §3.2, §3.3.1): {}",
            faults.join("; ")
        )));
    }
    Ok(())
}

#[then("every message is in the current notification envelope, with one host name throughout")]
async fn current_envelope(world: &mut RunWorld) -> StepResult {
    let configured = configured_ref(world)?;
    let mut hostnames = std::collections::BTreeSet::new();
    let (mut with_sequence, mut total) = (0u64, 0u64);
    for (message, _) in configured.messages() {
        total += 1;
        let envelope = message.envelope.as_ref().map_err(|error| {
            Finding::fail(format!(
                "message {} is no notification envelope (ietf-yp-notification): {error}",
                message.message_id
            ))
        })?;
        if envelope.deprecated_contents_name {
            return Err(Finding::fail(format!(
                "message {} names its contents notification-contents, the name of an earlier revision of the envelope draft; the current one is contents (catalogue MB-10)",
                message.message_id
            )));
        }
        if envelope.contents.as_ref().is_none_or(Contents::is_empty) {
            return Err(Finding::fail(format!(
                "message {}'s envelope carries no notification in its contents (catalogue MB-10)",
                message.message_id
            )));
        }
        if let Some(hostname) = &envelope.hostname {
            hostnames.insert(hostname.clone());
        }
        with_sequence += u64::from(envelope.sequence_number.is_some());
    }
    world_measure(world, "envelope_with_sequence_number", with_sequence);
    world_measure(world, "envelope_messages", total);
    if hostnames.len() > 1 {
        return Err(Finding::fail(format!(
            "the envelopes name {} host names for one device: {hostnames:?} (catalogue MB-11: one node, one identity)",
            hostnames.len()
        )));
    }
    Ok(())
}

#[then("every message validates against the device's own schema")]
async fn messages_validate(world: &mut RunWorld) -> StepResult {
    let device = world.device()?.clone();
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|error| {
        Finding::skip(format!(
            "the device's own modules do not compile, so its messages cannot be checked against them: {error}"
        ))
    })?;
    let configured = configured_ref(world)?;
    let mut first_valid_update = None;
    for (message, notified) in configured.messages() {
        // The pipeline's own check, in either encoding: what the scenario fails is what the
        // pipeline would refuse to vouch for.
        if let Err(finding) = rfc3535_pipeline::forward::validate(schema, message) {
            return Err(Finding::fail(format!(
                "message {} ({}) does not validate against the device's own schema: {finding}",
                message.message_id,
                notified.as_ref().map_or("unreadable", |n| n.name.as_str())
            )));
        }
        if first_valid_update.is_none()
            && notified.as_ref().is_some_and(|n| n.name == "push-update")
        {
            first_valid_update = Some(message.arrived);
        }
    }
    let Some(arrived) = first_valid_update else {
        return Err(Finding::fail(
            "no push-update of the subscription reached the receiver to validate",
        ));
    };
    let time_to_data = arrived.saturating_duration_since(configured.configured_at);
    world_measure(
        world,
        "time_to_valid_message_ms",
        (time_to_data.as_secs_f64() * 1000.0).round(),
    );
    Ok(())
}

#[then("subscription-started names the content-id of the device's YANG library")]
async fn started_names_content_id(world: &mut RunWorld) -> StepResult {
    let configured = configured_ref(world)?;
    let Some(started) = configured
        .messages()
        .into_iter()
        .find(|(_, n)| n.as_ref().is_some_and(|n| n.name == "subscription-started"))
        .and_then(|(m, _)| m.envelope.as_ref().ok()?.contents.clone())
    else {
        return Err(Finding::fail(
            "no subscription-started of the subscription reached the receiver",
        ));
    };
    let Some(named) = started.find_leaf("yang-library-content-id") else {
        return Err(Finding::skip(
            "subscription-started names no yang-library-content-id: the device does not reference the schema of its notifications (draft-ietf-netconf-yang-notifications-versioning)",
        ));
    };
    let content_id = library_content_id(world).await?;
    if named != content_id {
        return Err(Finding::fail(format!(
            "subscription-started names content-id {named:?}; the device's YANG library has {content_id:?}: a receiver would describe the notifications by a schema the device does not have (catalogue MB-13)"
        )));
    }
    Ok(())
}

/// How long the broker may take to answer, on connect, create and produce.
const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// The envelope a record read back from the broker carries in its telemetry message.
fn record_envelope(
    record: &rfc3535_pipeline::broker::Consumed,
) -> Option<rfc3535_client::wire::envelope::Envelope> {
    let payload = rfc3535_client::wire::telemetry::TelemetryMessage::from_json(&record.value)
        .ok()?
        .payload?;
    rfc3535_client::wire::envelope::Envelope::parse_json(payload.to_string().as_bytes()).ok()
}

/// What a record read back from the broker notifies.
fn record_notified(record: &rfc3535_pipeline::broker::Consumed) -> Option<Notified> {
    Notified::of(record_envelope(record)?.contents.as_ref()?)
}

/// What went through the pipeline to the run's broker and came back.
struct ReadBack {
    consumed: Vec<rfc3535_pipeline::broker::Consumed>,
}

#[then(
    expr = "within {int} seconds, {int} of its push-updates, validated against the device's own schema, are read back from the run's Kafka broker as telemetry messages with the schema's registered id"
)]
async fn through_the_broker(world: &mut RunWorld, seconds: u64, count: u64) -> StepResult {
    read_back(world, seconds, count).await.map(|_| ())
}

/// Forwards what the collector receives to the run's broker (validated against the device's
/// schema, wrapped as telemetry messages with the id the harness's registry gave that
/// schema) until subscription-started and `count` updates went through, reading the topic
/// meanwhile; measures time to data to the first record read.
async fn read_back(world: &mut RunWorld, seconds: u64, count: u64) -> Result<ReadBack, Finding> {
    use rfc3535_client::wire::telemetry::{read_schema_id, SchemaIdForm, TelemetryMessage};
    use rfc3535_client::wire::telemetry::{YangPushSubscription, SCHEMA_ID_HEADER};
    use rfc3535_pipeline::broker::{BrokerOptions, Consumer, Producer};
    use rfc3535_pipeline::forward::{forward, Forwarding};
    use rfc3535_pipeline::registry::{Registry, RegistryClient};

    let device = world.device()?.clone();
    let Some(bootstrap) = device.broker.clone() else {
        return Err(Finding::skip(
            "the run has no Kafka broker: give `rfc3535 run --broker HOST:PORT` (runs of reference devices start tansu when it is installed)",
        ));
    };
    let dir = device.schema_dir.clone().ok_or_else(|| {
        Finding::skip("the device's modules could not be fetched, so no schema can be registered")
    })?;
    // The schema registry is the harness's own (Confluent's REST subset, every schema
    // compiled by libyang): no registry with YANG support installs here.
    let registry = Registry::start()
        .await
        .map_err(|e| Finding::error(format!("the harness's schema registry cannot start: {e}")))?;
    let schema_id = RegistryClient::new(registry.address())
        .register_modules(&dir, "ietf-yang-library")
        .await
        .map_err(|e| {
            Finding::fail(format!(
                "the device's ietf-yang-library and its imports cannot be registered as a schema: {e}"
            ))
        })?;
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|error| {
        Finding::skip(format!(
            "the device's own modules do not compile, so its messages cannot be validated: {error}"
        ))
    })?;
    // Keys and topic as draft-ietf-nmop-yang-message-broker-message-key §3 derives them from
    // the subscription's selection; the topic under an organisation prefix naming the device.
    let selection = {
        let configured = configured_ref(world)?;
        rfc3535_client::wire::tree::Element::parse_fragment(&configured.subscription.subtree)
            .map_err(|e| Finding::error(format!("harness bug: the subtree filter: {e}")))?
    };
    let branches = rfc3535_pipeline::message_key::normalise_subtree(&selection, &|namespace| {
        schema.module_of_namespace(namespace)
    });
    let keys =
        rfc3535_pipeline::message_key::KeyTemplates::derive(&branches.join(" | "), &schema.shape())
            .map_err(|e| {
                Finding::fail(format!(
                    "the subscription's selection does not resolve in the device's own schema: {e}"
                ))
            })?;
    let organisation: String = format!("rfc3535-{}", device.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let topic = keys.templates.first().map_or_else(
        || organisation.clone(),
        |template| {
            rfc3535_pipeline::message_key::topic_name(
                template,
                &|module| schema.module_prefix(module),
                Some(&organisation),
            )
        },
    );
    world.notes.push(format!(
        "records keyed by {:?}, published to topic {topic}",
        keys.rendered()
    ));
    let options = BrokerOptions {
        bootstrap: bootstrap.clone(),
        topic,
        create_topic: true,
        timeout: BROKER_TIMEOUT,
    };
    let broker_error = |e: rfc3535_pipeline::broker::BrokerError| {
        Finding::error(format!("the run's Kafka broker at {bootstrap}: {e}"))
    };
    let producer = Producer::connect(options.clone())
        .await
        .map_err(broker_error)?;
    let mut consumer = Consumer::from_end(options).await.map_err(broker_error)?;
    let configured = world
        .configured
        .as_mut()
        .ok_or_else(|| Finding::error("harness bug: no configured subscription written"))?;
    let subscription = YangPushSubscription {
        id: configured.subscription.id,
        datastore: Some(format!(
            "ietf-datastores:{}",
            configured.subscription.datastore
        )),
        datastore_xpath_filter: None,
        transport: None,
        encoding: Some(format!(
            "ietf-subscribed-notifications:{}",
            configured.subscription.encoding
        )),
        yang_library_content_id: None,
    };
    let forwarding = Forwarding {
        producer: &producer,
        schema: Some(schema),
        schema_id: Some((schema_id, SchemaIdForm::Decimal)),
        subscription: Some(subscription),
        keys: Some(keys.clone()),
        batch: 16,
    };
    // subscription-started, then the updates.
    let wanted = count + 1;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let configured_at = configured.configured_at;
    // The consumer reads while the pipeline forwards, so the first record is timed when it
    // can be read, not when forwarding ends. When forwarding ended, and how much it published.
    let forwarded: std::cell::Cell<Option<(Instant, u64)>> = std::cell::Cell::new(None);
    // Records of this subscription read back. The collector may also get the last messages
    // of the previous scenario's subscription (its subscription-terminated), which the
    // pipeline forwards like anything else but which count for nothing here.
    let id = configured.subscription.id;
    let ours = std::cell::Cell::new(0u64);
    let forwarding_run = async {
        let outcome = forward(&mut configured.collector, &forwarding, deadline, |_| {
            ours.get() >= wanted
        })
        .await;
        let published = outcome.as_ref().map_or(0, |stats| stats.published);
        forwarded.set(Some((Instant::now(), published)));
        outcome
    };
    let reading = async {
        let mut consumed: Vec<rfc3535_pipeline::broker::Consumed> = Vec::new();
        let mut first_consumed = None;
        loop {
            let enough = match forwarded.get() {
                Some((_, published)) if consumed.len() as u64 >= published => true,
                Some((ended, _)) => ended.elapsed() > BROKER_TIMEOUT,
                None => Instant::now() > deadline + BROKER_TIMEOUT,
            };
            if enough {
                return Ok((consumed, first_consumed));
            }
            let batch = consumer.poll(Duration::from_millis(100)).await?;
            let of_ours = batch
                .iter()
                .filter(|record| record_notified(record).is_some_and(|n| n.id == Some(id)))
                .count() as u64;
            if of_ours > 0 {
                first_consumed.get_or_insert_with(Instant::now);
                ours.set(ours.get() + of_ours);
            }
            consumed.extend(batch);
        }
    };
    let (stats, read) = tokio::join!(forwarding_run, reading);
    let stats = stats.map_err(broker_error)?;
    let (consumed, first_consumed) = read.map_err(broker_error)?;
    world_measure(world, "topic_records", consumed.len() as u64);
    if let Some((message_id, finding)) = stats.invalid_examples.first() {
        return Err(Finding::fail(format!(
            "{} of {} message(s) do not validate against the device's own schema; message {message_id}: {finding}",
            stats.invalid, stats.messages
        )));
    }
    if ours.get() < wanted {
        return Err(Finding::fail(format!(
            "{} message(s) of subscription {id} went through the pipeline within {seconds} s, not subscription-started and {count} push-update(s)",
            ours.get()
        )));
    }
    if (consumed.len() as u64) < stats.published {
        return Err(Finding::error(format!(
            "the broker gave back {} of the {} record(s) the harness published: loss in the test bed's pipeline, not the device's",
            consumed.len(),
            stats.published
        )));
    }
    for record in &consumed {
        let header = record
            .headers
            .get(SCHEMA_ID_HEADER)
            .and_then(|v| read_schema_id(v));
        if header.map(|(id, _)| id) != Some(schema_id)
            || TelemetryMessage::from_json(&record.value).is_err()
        {
            return Err(Finding::error(format!(
                "harness bug: record {} read back is no telemetry message with schema id {schema_id}",
                record.offset
            )));
        }
        // Every record of the subscription is keyed by node, subscription and instances.
        let key = record
            .key
            .as_deref()
            .and_then(rfc3535_pipeline::message_key::parse_message_key);
        let of_ours = record_notified(record).is_some_and(|n| n.id == Some(id));
        if of_ours
            && key
                .as_ref()
                .is_none_or(|(_, key_id, paths)| *key_id != id || paths.is_empty())
        {
            return Err(Finding::error(format!(
                "harness bug: record {} of subscription {id} has key {:?}, not the message-key draft's",
                record.offset,
                record.key.as_deref().map(String::from_utf8_lossy)
            )));
        }
    }
    let Some(first) = first_consumed else {
        return Err(Finding::error("harness bug: records counted but none read"));
    };
    world_measure(
        world,
        "time_to_data_ms",
        (first.saturating_duration_since(configured_at).as_secs_f64() * 1000.0).round(),
    );
    Ok(ReadBack { consumed })
}

#[then(
    "the first push-update read back from the run's Kafka broker holds what a get-data of the YANG library in operational reads"
)]
async fn topic_update_matches_get_data(world: &mut RunWorld) -> StepResult {
    let read = read_back(world, 15, 1).await?;
    let device = world.require_sandbox()?;
    let id = configured_ref(world)?.subscription.id;
    let Some(contents) = read.consumed.iter().find_map(|record| {
        let envelope = record_envelope(record)?;
        let Some(Contents::Json(members)) = envelope.contents else {
            return None;
        };
        let update = members.get("ietf-yang-push:push-update")?;
        if update.get("id").and_then(serde_json::Value::as_u64) != Some(u64::from(id)) {
            return None;
        }
        update.get("datastore-contents").map(ToString::to_string)
    }) else {
        return Err(Finding::fail(
            "no push-update with datastore-contents was read back from the broker",
        ));
    };
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|error| {
        Finding::skip(format!(
            "the device's own modules do not compile, so the update cannot be read as data: {error}"
        ))
    })?;
    let contents = schema
        .convert(
            &contents,
            rfc3535_client::wire::restconf::Encoding::Json,
            rfc3535_client::wire::restconf::Encoding::Xml,
            rfc3535_yang::Content::Data,
        )
        .map_err(|finding| {
            Finding::fail(format!(
                "the push-update read back from the broker holds data the device's schema does not describe: {finding}"
            ))
        })?;
    let subtree = configured_ref(world)?.subscription.subtree.clone();
    let session = world
        .sessions
        .keys()
        .next()
        .cloned()
        .ok_or_else(|| Finding::error("no session open to read with"))?;
    super::push::compare_with_get_data(
        world,
        &session,
        &device,
        NmdaDatastore::Operational,
        subtree,
        &contents,
        "the push-update read back from the broker",
    )
    .await
}

/// The device's schema as the scenario changed it (the inventory's `schema_change:`).
#[derive(Debug, Clone)]
pub struct ChangedSchema {
    /// The operation that puts it back, run by the cleanup while `changed`.
    pub revert: String,
    /// Whether the library may differ from the one the scenario found.
    pub changed: bool,
    /// The content-id the scenario found.
    original: String,
    /// The content-id the library had before the last change.
    from: String,
    /// The content-id the library has now, which the next subscription-modified must name.
    now: String,
    /// How many subscription-modified of the subscription had come before the change.
    modified_before: usize,
}

/// The YANG library's content-id, read over the scenario's NETCONF session.
async fn library_content_id(world: &RunWorld) -> Result<String, Finding> {
    let session = world
        .sessions
        .values()
        .find_map(|s| s.netconf().ok())
        .ok_or_else(|| Finding::error("no NETCONF session open to read the YANG library"))?;
    rfc3535_harness::discovery::read_library(session)
        .await
        .map_err(|e| Finding::fail(format!("the YANG library cannot be read: {e}")))?
        .ok_or_else(|| Finding::skip("the device announces no YANG library"))?
        .content_id
        .ok_or_else(|| Finding::fail("the device's YANG library has no content-id (RFC 8525)"))
}

/// Runs the inventory's `schema_change.{key}` operation over `session`; the YANG library's
/// content-id after it. A refusal is the test bed's: the inventory names the operation.
async fn schema_operation(
    world: &RunWorld,
    session: &str,
    operation: &str,
    key: &str,
) -> Result<String, Finding> {
    let reply = world.session(session)?.invoke_operation(operation).await?;
    if !reply.is_success() {
        return Err(Finding::error(format!(
            "the operation the inventory names as schema_change.{key} was refused: {}",
            rfc3535_harness::session::describe_errors(&reply)
        )));
    }
    library_content_id(world).await
}

#[when(expr = "{string} changes the device's schema as the test bed says")]
async fn change_schema(world: &mut RunWorld, session: String) -> StepResult {
    let device = world.require_sandbox()?;
    let Some(change) = device.schema_change.clone() else {
        return Err(Finding::skip(
            "the inventory names no way to change this device's schema (`schema_change:` with the operation that changes its YANG library and the one that puts it back)",
        ));
    };
    let original = library_content_id(world).await?;
    // What arrived so far is read first, so that only what comes after the change counts.
    let configured = configured(world)?;
    configured.drain().await?;
    let modified_before = configured.count_of("subscription-modified");
    // Kept before the operation runs: the cleanup puts the schema back whatever happens next.
    world.schema_changed = Some(ChangedSchema {
        revert: change.revert.clone(),
        changed: true,
        original: original.clone(),
        from: original.clone(),
        now: original.clone(),
        modified_before,
    });
    let now = schema_operation(world, &session, &change.apply, "apply").await?;
    if now == original {
        return Err(Finding::error(format!(
            "the operation the inventory names to change the device's schema (schema_change.apply) was accepted, but the YANG library's content-id is still {original:?}: it does not change the schema; name one that does"
        )));
    }
    world.notes.push(format!(
        "schema changed by the test bed's operation: YANG library content-id {original} -> {now}"
    ));
    if let Some(changed) = world.schema_changed.as_mut() {
        changed.now = now;
    }
    Ok(())
}

#[when(expr = "{string} changes the device's schema back")]
async fn change_schema_back(world: &mut RunWorld, session: String) -> StepResult {
    let Some(changed) = world.schema_changed.clone() else {
        return Err(Finding::error("harness bug: the schema was not changed"));
    };
    let configured = configured(world)?;
    configured.drain().await?;
    let modified_before = configured.count_of("subscription-modified");
    let now = schema_operation(world, &session, &changed.revert, "revert").await?;
    if now != changed.original {
        return Err(Finding::error(format!(
            "after the operation that puts the device's schema back (schema_change.revert), its YANG library's content-id is {now:?}, not {:?} as the run found it",
            changed.original
        )));
    }
    world.notes.push(format!(
        "schema put back by the test bed's operation: YANG library content-id {} -> {now}",
        changed.now
    ));
    world.schema_changed = Some(ChangedSchema {
        changed: false,
        from: changed.now.clone(),
        now,
        modified_before,
        ..changed
    });
    Ok(())
}

#[then(
    expr = "within {int} seconds, subscription-modified names the YANG library's content-id now, and no push-update before it shows that library"
)]
async fn change_announced(world: &mut RunWorld, seconds: u64) -> StepResult {
    let Some(changed) = world.schema_changed.clone() else {
        return Err(Finding::error("harness bug: the schema was not changed"));
    };
    let configured = configured(world)?;
    let id = configured.subscription.id;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let wanted = changed.modified_before + 1;
    configured
        .collector
        .receive_until(deadline, |collection| {
            subscription_messages(collection, id)
                .iter()
                .filter(|(_, n)| {
                    n.as_ref()
                        .is_some_and(|n| n.name == "subscription-modified")
                })
                .count()
                >= wanted
        })
        .await
        .map_err(|e| Finding::error(format!("the collector's socket failed: {e}")))?;
    let configured = configured_ref(world)?;
    let messages = configured.messages();
    let contents = |received: &Received| received.envelope.as_ref().ok()?.contents.clone();
    // The updates between the last announcement before the change and the one expected
    // now, and that one.
    let mut modified_seen = 0;
    let mut updates_showing_it = Vec::new();
    let mut announcement = None;
    for (received, notified) in &messages {
        let Some(notified) = notified else { continue };
        match notified.name.as_str() {
            "subscription-modified" => {
                modified_seen += 1;
                if modified_seen == wanted {
                    announcement = Some(*received);
                    break;
                }
            }
            "push-update" if modified_seen == changed.modified_before => {
                let shown = contents(received).and_then(|c| c.find_leaf("content-id"));
                if shown.as_deref() == Some(changed.now.as_str()) {
                    updates_showing_it.push(received.message_id);
                }
            }
            _ => {}
        }
    }
    let change = format!(
        "the device's YANG library changed (content-id {} -> {})",
        changed.from, changed.now
    );
    let Some(announcement) = announcement else {
        let shown = if updates_showing_it.is_empty() {
            String::new()
        } else {
            format!(
                "; {} push-update(s) since show the new library",
                updates_showing_it.len()
            )
        };
        return Err(Finding::fail(format!(
            "no subscription-modified of subscription {id} within {seconds} s after {change}{shown}: a receiver is not told that the schema describing its notifications changed (draft-ietf-netconf-yang-notifications-versioning; catalogue MB-13 A3)"
        )));
    };
    if let Some(first) = updates_showing_it.first() {
        return Err(Finding::fail(format!(
            "{} push-update(s) of subscription {id} showed the new library before subscription-modified announced it (the first: message id {first}), after {change}: a receiver would read them against the old schema (catalogue MB-13 A3, MB-16 A3)",
            updates_showing_it.len()
        )));
    }
    let named = contents(announcement).and_then(|c| c.find_leaf("yang-library-content-id"));
    let started_names_one = messages
        .iter()
        .find(|(_, n)| n.as_ref().is_some_and(|n| n.name == "subscription-started"))
        .and_then(|(m, _)| contents(m))
        .is_some_and(|c| c.find_leaf("yang-library-content-id").is_some());
    match named {
        Some(named) if named != changed.now => Err(Finding::fail(format!(
            "subscription-modified after {change} names content-id {named:?}, not the library's {:?} (catalogue MB-13 A3)",
            changed.now
        ))),
        None if started_names_one => Err(Finding::fail(format!(
            "subscription-modified after {change} names no yang-library-content-id, though subscription-started did: a receiver cannot tell which schema now describes the notifications (catalogue MB-13 A3)"
        ))),
        _ => Ok(()),
    }
}

#[then(
    expr = "{string} reads in operational that the subscription is valid, its receiver active, and as many event records sent to it as the receiver got"
)]
async fn operational_state(world: &mut RunWorld, session: String) -> StepResult {
    let receiver = configured_ref(world)?.receiver.clone();
    let id = configured_ref(world)?.subscription.id;
    let mut get = rfc3535_client::wire::GetData::new(NmdaDatastore::Operational);
    get.filter = Some(rfc3535_client::wire::Filter::subtree(format!(
        "<subscriptions xmlns=\"{}\"><subscription><id>{id}</id></subscription></subscriptions>",
        ns::SUBSCRIBED_NOTIFICATIONS
    )));
    let reply = world.netconf(&session)?.get_data(get).await?;
    let read = super::world::reply_data(
        &reply,
        "get-data of operational for the configured subscription",
    )?;
    // What was sent before the read has arrived by the time the reply has.
    let configured = configured(world)?;
    configured.drain().await?;
    let received =
        (configured.count_of("push-update") + configured.count_of("push-change-update")) as u64;
    let entries: Vec<&rfc3535_client::wire::tree::Element> = read
        .iter()
        .flat_map(|root| root.children_named("subscription"))
        .filter(|entry| {
            entry
                .child("id")
                .is_some_and(|i| i.text.trim() == id.to_string())
        })
        .collect();
    let [entry] = entries.as_slice() else {
        return Err(Finding::fail(format!(
            "operational holds {} entries of configured subscription {id}, not one (RFC 8342: configuration and its state are one list entry)",
            entries.len()
        )));
    };
    let leaf = |element: &rfc3535_client::wire::tree::Element, name: &str| {
        element.child(name).map(|l| l.text.trim().to_owned())
    };
    match leaf(entry, "configured-subscription-state").as_deref() {
        Some("valid") => {}
        Some(other) => {
            return Err(Finding::fail(format!(
                "configured subscription {id} is {other:?} in operational while the device publishes it (RFC 8639 §2.5.1: valid)"
            )))
        }
        None => {
            return Err(Finding::fail(format!(
                "configured subscription {id} has no configured-subscription-state in operational, though the device claims the `configured` feature (RFC 8639: the leaf marks a configured subscription)"
            )))
        }
    }
    let Some(state) = entry
        .child("receivers")
        .into_iter()
        .flat_map(|r| r.children_named("receiver"))
        .find(|r| leaf(r, "name").as_deref() == Some(receiver.as_str()))
    else {
        return Err(Finding::fail(format!(
            "operational lists no receiver {receiver:?} for configured subscription {id}"
        )));
    };
    let status = leaf(state, "state").unwrap_or_default();
    let sent = leaf(state, "sent-event-records");
    // A number in the cell when it is one; the text the device gave otherwise.
    let measured = match sent.as_deref().map(str::parse::<u64>) {
        Some(Ok(count)) => serde_json::Value::from(count),
        _ => serde_json::Value::from(sent.clone().unwrap_or_default()),
    };
    world_measure(world, "sent_event_records", measured);
    world_measure(world, "event_records_received", received);
    if status != "active" {
        return Err(Finding::fail(format!(
            "receiver {receiver:?} of configured subscription {id} is {status:?} in operational, though it has received subscription-started and {received} update(s) (RFC 8639 §2.5.1: active once subscription-started is sent)"
        )));
    }
    let Some(sent) = sent.and_then(|s| s.parse::<u64>().ok()) else {
        return Err(Finding::fail(format!(
            "receiver {receiver:?} of configured subscription {id} has no sent-event-records in operational"
        )));
    };
    // One update may be on its way either side of the read; subscription-started counted
    // as a record is accepted too (RFC 8639 does not say whether it is one).
    if sent + 1 < received || sent > received + 2 {
        return Err(Finding::fail(format!(
            "receiver {receiver:?} of configured subscription {id} counts {sent} event record(s) sent; it received {received} update(s) (RFC 8639: sent-event-records counts the event records sent to the receiver; catalogue MB-04 A3)"
        )));
    }
    Ok(())
}

#[when(expr = "{string} resets the subscription's receiver")]
async fn reset_receiver(world: &mut RunWorld, session: String) -> StepResult {
    let receiver = configured_ref(world)?.receiver.clone();
    let configured = configured(world)?;
    configured.drain().await?;
    let id = configured.subscription.id;
    let started_before = configured.count_of("subscription-started");
    let action = format!(
        "<action xmlns=\"{}\"><subscriptions xmlns=\"{}\"><subscription><id>{id}</id><receivers><receiver><name>{}</name><reset/></receiver></receivers></subscription></subscriptions></action>",
        ns::YANG,
        ns::SUBSCRIBED_NOTIFICATIONS,
        rfc3535_client::wire::xml::escape(&receiver)
    );
    let reply = world.session(&session)?.invoke_operation(&action).await?;
    if !reply.is_success() {
        return Err(Finding::fail(format!(
            "the reset action of receiver {receiver:?} of configured subscription {id} was refused: {} (RFC 8639 §2.5.5: a device with configured subscriptions resets a receiver on request)",
            rfc3535_harness::session::describe_errors(&reply)
        )));
    }
    world.reset_started_before = Some(started_before);
    Ok(())
}

#[then(
    expr = "within {int} seconds the receiver gets subscription-started again, and push-updates go on after it"
)]
async fn started_again(world: &mut RunWorld, seconds: u64) -> StepResult {
    let Some(started_before) = world.reset_started_before else {
        return Err(Finding::error("harness bug: no receiver was reset"));
    };
    let configured = configured(world)?;
    let id = configured.subscription.id;
    let again = |collection: &Collection| {
        let messages = subscription_messages(collection, id);
        let mut started = 0;
        let mut updates_after = 0;
        for (_, notified) in &messages {
            match notified.as_ref().map(|n| n.name.as_str()) {
                Some("subscription-started") => started += 1,
                Some("push-update" | "push-change-update") if started > started_before => {
                    updates_after += 1;
                }
                _ => {}
            }
        }
        (started, updates_after)
    };
    configured
        .collector
        .receive_until(Instant::now() + Duration::from_secs(seconds), |c| {
            let (started, updates_after) = again(c);
            started > started_before && updates_after > 0
        })
        .await
        .map_err(|e| Finding::error(format!("the collector's socket failed: {e}")))?;
    let (started, updates_after) = again(configured.collection());
    if started <= started_before {
        return Err(Finding::fail(format!(
            "no new subscription-started of configured subscription {id} within {seconds} s of resetting its receiver (RFC 8639 §2.5.5: the reset receiver goes back to connecting and is started again)"
        )));
    }
    if updates_after == 0 {
        return Err(Finding::fail(format!(
            "after the new subscription-started of configured subscription {id}, no update came within {seconds} s: the reset receiver was not made active again"
        )));
    }
    Ok(())
}
