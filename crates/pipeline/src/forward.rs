//! The pipeline's main loop: take what the collector has received, check each notification
//! against the publisher's schema, wrap it as a telemetry message and publish the batch. It
//! counts as it goes, so a scenario or a benchmark can read how much went through and how much
//! of it was valid, and when the first record was published.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rfc3535_client::udp_notif::{Collector, Received};
use rfc3535_wire::envelope::Contents;
use rfc3535_wire::push::PushMessage;
use rfc3535_wire::restconf::Encoding;
use rfc3535_wire::telemetry::{SchemaIdForm, YangPushSubscription};
use rfc3535_yang::{Content, ModuleSpec, Schema, SchemaError};

use crate::broker::{BrokerError, Producer};
use crate::message_key::KeyTemplates;
use crate::wrap::telemetry_message;

/// How messages are forwarded.
#[derive(Debug)]
pub struct Forwarding<'a> {
    pub producer: &'a Producer,
    /// The publisher's schema; without one nothing is validated.
    pub schema: Option<&'a Schema>,
    /// The id the registry gave that schema, and the header form to write it in.
    pub schema_id: Option<(u32, SchemaIdForm)>,
    pub subscription: Option<YangPushSubscription>,
    /// The subscription's record key templates (the message-key draft); without them a
    /// record's key is the node's name.
    pub keys: Option<KeyTemplates>,
    /// Most records published in one produce request.
    pub batch: usize,
}

/// What went through so far.
#[derive(Clone, Debug, Default)]
pub struct ForwardStats {
    /// Messages taken from the collector.
    pub messages: u64,
    /// Messages whose notification the schema accepted.
    pub valid: u64,
    /// Messages the schema refused, the first few with the finding.
    pub invalid: u64,
    pub invalid_examples: Vec<(u32, String)>,
    /// Messages that could not be wrapped (no readable envelope, or not JSON).
    pub unwrappable: u64,
    pub published: u64,
    /// When the first record was published.
    pub first_published: Option<Instant>,
}

/// The schema a YANG-Push publisher's notifications are checked against: its data modules
/// (`data`, found in `dir` with their imports) with ietf-subscribed-notifications and
/// ietf-yang-push, which define the notifications themselves.
pub fn publisher_schema(dir: &std::path::Path, data: &[&str]) -> Result<Schema, SchemaError> {
    let implemented: Vec<ModuleSpec> = data
        .iter()
        .chain(&["ietf-subscribed-notifications", "ietf-yang-push"])
        .map(|name| ModuleSpec {
            name: (*name).to_owned(),
            revision: None,
            features: Vec::new(),
        })
        .collect();
    Schema::from_dir(dir, &implemented)
}

/// How many invalid messages are kept with their finding.
const EXAMPLES: usize = 10;

/// Checks a received message's notification against the publisher's schema, and a
/// push-update's `datastore-contents` (anydata, which the notification's own check leaves
/// alone) as data of its own (RFC 8641 §3.7).
pub fn validate(schema: &Schema, received: &Received) -> Result<(), String> {
    let envelope = received.envelope.as_ref().map_err(ToString::to_string)?;
    let contents_invalid = |finding: rfc3535_yang::Finding| {
        format!("the datastore-contents of a push-update do not validate as data: {finding}")
    };
    if let Some(json) = envelope.restconf_notification_json() {
        schema
            .validate_notification_json(&json)
            .map_err(|f| f.to_string())?;
        if let Some(Contents::Json(members)) = &envelope.contents {
            let data = members
                .get("ietf-yang-push:push-update")
                .and_then(|update| update.get("datastore-contents"));
            if let Some(data) = data {
                schema
                    .validate_encoded(&data.to_string(), Encoding::Json, Content::Data)
                    .map_err(contents_invalid)?;
            }
        }
        return Ok(());
    }
    if let Some(xml) = envelope.notification_xml() {
        schema
            .validate_notification(&xml)
            .map_err(|f| f.to_string())?;
        if let Ok(PushMessage::Update {
            contents: Some(data),
            ..
        }) = PushMessage::parse(&xml)
        {
            schema
                .validate(&data, Content::Data)
                .map_err(contents_invalid)?;
        }
        return Ok(());
    }
    Err("the envelope has no contents".into())
}

/// Produce requests in flight at once. The collector goes on reading and validating while the
/// broker answers; a second request is not started before the first is answered, because two
/// requests from two tasks may reach the broker in either order, and a consumer must see one
/// publisher's records in the order they came.
const IN_FLIGHT: usize = 1;

type Publishing = tokio::task::JoinHandle<Result<Vec<i64>, BrokerError>>;

/// Counts a publish that finished with `outcome`.
fn count_published(
    stats: &mut ForwardStats,
    count: u64,
    outcome: Result<Result<Vec<i64>, BrokerError>, tokio::task::JoinError>,
) -> Result<(), BrokerError> {
    outcome.map_err(|join| BrokerError::Produce {
        topic: "the pipeline's topic".into(),
        reason: format!("the publishing task ended: {join}"),
    })??;
    stats.published += count;
    stats.first_published.get_or_insert_with(Instant::now);
    Ok(())
}

/// Waits for one publish and counts it.
async fn settle(
    stats: &mut ForwardStats,
    (count, publishing): (u64, Publishing),
) -> Result<(), BrokerError> {
    count_published(stats, count, publishing.await)
}

/// Forwards until `done` says enough or `deadline` passes. A batch is being published while
/// the next is collected ([`IN_FLIGHT`]); records stay in the order they came.
pub async fn forward(
    collector: &mut Collector,
    forwarding: &Forwarding<'_>,
    deadline: Instant,
    mut done: impl FnMut(&ForwardStats) -> bool,
) -> Result<ForwardStats, BrokerError> {
    let collector_address = collector
        .local_addr()
        .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let batch = forwarding.batch.max(1);
    let mut stats = ForwardStats::default();
    let mut in_flight: VecDeque<(u64, Publishing)> = VecDeque::new();
    while !done(&stats) && Instant::now() < deadline {
        let wait_until = (Instant::now() + Duration::from_millis(20)).min(deadline);
        tokio::select! {
            // A publish that finished is counted first, so `done` sees it at once.
            biased;
            outcome = async { (&mut in_flight.front_mut().expect("checked").1).await }, if !in_flight.is_empty() => {
                let (count, _finished) = in_flight.pop_front().expect("checked");
                count_published(&mut stats, count, outcome)?;
                continue;
            }
            received = collector.receive_until(wait_until, |collection| collection.messages().len() >= batch) => {
                received.map_err(|error| BrokerError::Fetch {
                    topic: "the collector's socket".into(),
                    reason: error.to_string(),
                })?;
            }
        }
        let received = collector.drain_messages();
        if received.is_empty() {
            continue;
        }
        let mut records = Vec::with_capacity(received.len());
        for message in &received {
            stats.messages += 1;
            if let Some(schema) = forwarding.schema {
                match validate(schema, message) {
                    Ok(()) => stats.valid += 1,
                    Err(finding) => {
                        stats.invalid += 1;
                        if stats.invalid_examples.len() < EXAMPLES {
                            stats.invalid_examples.push((message.message_id, finding));
                        }
                    }
                }
            }
            match telemetry_message(
                message,
                collector_address,
                forwarding.schema_id,
                forwarding.subscription.clone(),
                forwarding.keys.as_ref(),
            ) {
                Ok(wrapped) => records.push(wrapped.record),
                Err(_) => stats.unwrappable += 1,
            }
        }
        if records.is_empty() {
            continue;
        }
        if in_flight.len() >= IN_FLIGHT {
            let oldest = in_flight.pop_front().expect("full");
            settle(&mut stats, oldest).await?;
        }
        let producer = forwarding.producer.clone();
        let count = records.len() as u64;
        in_flight.push_back((
            count,
            tokio::spawn(async move { producer.publish(records).await }),
        ));
    }
    while let Some(publishing) = in_flight.pop_front() {
        settle(&mut stats, publishing).await?;
    }
    Ok(stats)
}
