//! The NMOP telemetry pipeline the harness measures, device to topic
//! (draft-ietf-nmop-yang-message-broker-integration): what a configured subscription sends over
//! UDP-notif is collected (`rfc3535-client`'s collector), wrapped as a telemetry message with
//! its collection metadata ([`wrap`]), and published to a Kafka-protocol broker with its schema
//! reference in the record headers ([`broker`]). The broker is a real one (tansu in the tests);
//! the Kafka client is rskafka, in pure Rust.
//!
//! [`forward`] is the loop that takes the collector's messages, validates each against the
//! publisher's schema and publishes them.
//!
//! [`registry`] is the schema registry (Confluent's REST subset, schema type YANG, checked with
//! libyang) the pipeline registers the device's modules with; [`tansu`] starts the broker a
//! test or a run needs, on loopback.
//!
//! The same [`broker`] module reads records back, as a consumer would, so the harness can time
//! the whole way from configuring a subscription to a record a consumer can use.

pub mod broker;
pub mod forward;
pub mod message_key;
pub mod registry;
pub mod tansu;
pub mod wrap;

pub use broker::{BrokerError, BrokerOptions, Consumed, Consumer, OutRecord, Producer};
pub use forward::{forward, publisher_schema, ForwardStats, Forwarding};
pub use wrap::{telemetry_message, TelemetryRecord};
