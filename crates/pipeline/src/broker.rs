//! A producer and a consumer for one Kafka topic partition, over rskafka: the records the
//! pipeline publishes and what a consumer reads back, headers included. Connection, topic and
//! produce failures are typed, each saying what to check; nothing here retries silently.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::error::{Error as KafkaError, ProtocolError};
use rskafka::client::partition::{Compression, OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::ClientBuilder;
use rskafka::record::Record;

/// Where the broker is and which topic to use.
#[derive(Clone, Debug)]
pub struct BrokerOptions {
    /// `host:port` of a bootstrap broker.
    pub bootstrap: String,
    pub topic: String,
    /// Create the topic (one partition) if the broker does not have it.
    pub create_topic: bool,
    /// How long to wait for the broker on connect, create and produce.
    pub timeout: Duration,
}

/// The broker could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot reach the Kafka broker at {bootstrap}: {reason} (is it running, and is that its advertised listener?)")]
    Connect { bootstrap: String, reason: String },
    #[error("topic {topic}: {reason}")]
    Topic { topic: String, reason: String },
    #[error("producing to {topic}: {reason}")]
    Produce { topic: String, reason: String },
    #[error("consuming from {topic}: {reason}")]
    Fetch { topic: String, reason: String },
    #[error("the broker did not answer within {0:?}")]
    Timeout(Duration),
}

/// One record to publish.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutRecord {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub headers: BTreeMap<String, Vec<u8>>,
}

/// One record read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consumed {
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
    pub headers: BTreeMap<String, Vec<u8>>,
    /// The record's timestamp, as the producer set it (milliseconds since the epoch).
    pub timestamp_ms: i64,
}

async fn partition(options: &BrokerOptions) -> Result<PartitionClient, BrokerError> {
    let connect = ClientBuilder::new(vec![options.bootstrap.clone()]).build();
    let client = tokio::time::timeout(options.timeout, connect)
        .await
        .map_err(|_| BrokerError::Timeout(options.timeout))?
        .map_err(|error| BrokerError::Connect {
            bootstrap: options.bootstrap.clone(),
            reason: error.to_string(),
        })?;
    let topic_error = |error: KafkaError| BrokerError::Topic {
        topic: options.topic.clone(),
        reason: error.to_string(),
    };
    // Asked first: rskafka logs an error for a topic that exists already, which a run would
    // show the operator for nothing.
    let exists = || async {
        client
            .list_topics()
            .await
            .is_ok_and(|topics| topics.iter().any(|t| t.name == options.topic))
    };
    if options.create_topic && !exists().await {
        let controller = client.controller_client().map_err(topic_error)?;
        let timeout_ms = i32::try_from(options.timeout.as_millis()).unwrap_or(i32::MAX);
        match controller
            .create_topic(options.topic.clone(), 1, 1, timeout_ms)
            .await
        {
            Ok(()) => {}
            Err(KafkaError::ServerError {
                protocol_error: ProtocolError::TopicAlreadyExists,
                ..
            }) => {}
            Err(error) => return Err(topic_error(error)),
        }
    }
    let handling = if options.create_topic {
        // A topic just created may take a moment to have a leader.
        UnknownTopicHandling::Retry
    } else {
        UnknownTopicHandling::Error
    };
    tokio::time::timeout(
        options.timeout,
        client.partition_client(options.topic.clone(), 0, handling),
    )
    .await
    .map_err(|_| BrokerError::Timeout(options.timeout))?
    .map_err(topic_error)
}

/// Publishes to partition 0 of one topic. Clones share the connection, so several publishes
/// can be in flight at once.
#[derive(Clone, Debug)]
pub struct Producer {
    partition: Arc<PartitionClient>,
    options: BrokerOptions,
}

impl Producer {
    pub async fn connect(options: BrokerOptions) -> Result<Producer, BrokerError> {
        Ok(Producer {
            partition: Arc::new(partition(&options).await?),
            options,
        })
    }

    /// Publishes the records in one batch; returns their offsets.
    pub async fn publish(&self, records: Vec<OutRecord>) -> Result<Vec<i64>, BrokerError> {
        let now = chrono::Utc::now();
        let records = records
            .into_iter()
            .map(|record| Record {
                key: record.key,
                value: Some(record.value),
                headers: record.headers,
                timestamp: now,
            })
            .collect();
        tokio::time::timeout(
            self.options.timeout,
            self.partition.produce(records, Compression::NoCompression),
        )
        .await
        .map_err(|_| BrokerError::Timeout(self.options.timeout))?
        .map_err(|error| BrokerError::Produce {
            topic: self.options.topic.clone(),
            reason: error.to_string(),
        })
    }
}

/// Reads partition 0 of one topic from an offset on.
#[derive(Debug)]
pub struct Consumer {
    partition: PartitionClient,
    options: BrokerOptions,
    next: i64,
}

impl Consumer {
    /// A consumer that starts at the topic's current end: it sees what is produced from now on.
    pub async fn from_end(options: BrokerOptions) -> Result<Consumer, BrokerError> {
        let partition = partition(&options).await?;
        let next = partition
            .get_offset(OffsetAt::Latest)
            .await
            .map_err(|error| BrokerError::Fetch {
                topic: options.topic.clone(),
                reason: error.to_string(),
            })?;
        Ok(Consumer {
            partition,
            options,
            next,
        })
    }

    /// The records that arrive within `max_wait` (possibly none).
    pub async fn poll(&mut self, max_wait: Duration) -> Result<Vec<Consumed>, BrokerError> {
        let wait_ms = i32::try_from(max_wait.as_millis()).unwrap_or(i32::MAX);
        let fetch = self
            .partition
            .fetch_records(self.next, 1..4 * 1024 * 1024, wait_ms);
        let (records, _high_watermark) =
            tokio::time::timeout(max_wait + self.options.timeout, fetch)
                .await
                .map_err(|_| BrokerError::Timeout(max_wait + self.options.timeout))?
                .map_err(|error| BrokerError::Fetch {
                    topic: self.options.topic.clone(),
                    reason: error.to_string(),
                })?;
        let consumed: Vec<Consumed> = records
            .into_iter()
            .filter(|record| record.offset >= self.next)
            .map(|record| Consumed {
                offset: record.offset,
                key: record.record.key,
                value: record.record.value.unwrap_or_default(),
                headers: record.record.headers,
                timestamp_ms: record.record.timestamp.timestamp_millis(),
            })
            .collect();
        if let Some(last) = consumed.last() {
            self.next = last.offset + 1;
        }
        Ok(consumed)
    }
}
