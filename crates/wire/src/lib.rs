//! The NETCONF message model, the RFC 6242 framing codec, the RESTCONF bodies and the telemetry
//! pipeline's formats, with no I/O.
//!
//! Three layers, each usable alone:
//! - [`framing`]: turns a byte stream into message payloads and back, in either framing
//!   (base:1.0 end-of-message or base:1.1 chunked), with a maximum message size. A tokio-util
//!   `Decoder`/`Encoder`, so any async stream can carry it, but nothing here reads a socket.
//! - [`message`]: parses what a server sends (`<hello>`, `<rpc-reply>` with its `<rpc-error>`
//!   list, `<notification>`) and what a client sends (`<hello>`), keeping the raw text so replies
//!   can be handed to a schema validator without copying.
//! - [`rpc`]: builds the RFC 6241 / 5277 / 6022 / 6243 / 8526 operations as `<rpc>` messages.
//!
//! [`restconf`] holds the RESTCONF (RFC 8040) envelopes: media types, the errors body, YANG
//! Patch and its status, host-meta, and the server-sent events framing of event streams.
//!
//! [`udp_notif`] holds the UDP-notif header, segmentation and reassembly; [`envelope`] the
//! YANG-Push notification envelope it carries; [`sequence`] the loss accounting of numbered
//! messages; [`telemetry`] the telemetry message a collector publishes to a broker, and its
//! schema-id record header.
//!
//! [`capability`] classifies the capability URIs of a hello; [`yang_library`] reads a device's
//! RFC 8525 / RFC 7895 YANG library into a summary. [`ns`] holds every namespace the project
//! speaks, [`error_tag`] the RFC 6241 error-tag vocabulary, and [`xml::escape`] is the one XML
//! escaper the client, the reference device and the steps use.
//!
//! Both the client (`rfc3535-client`) and the embedded reference device use this crate, so the
//! codec is tested against independent ground truth: RFC byte examples, real peers, and input
//! split at every byte boundary.

pub mod capability;
pub mod envelope;
pub mod error_tag;
pub mod framing;
pub mod message;
pub mod ns;
pub mod push;
pub mod restconf;
pub mod rpc;
pub mod sequence;
pub mod telemetry;
pub mod tree;
pub mod udp_notif;
pub mod xml;
pub mod xpath;
pub mod yang_library;

pub use capability::{Capability, CapabilityKind};
pub use error_tag::ErrorTag;
pub use framing::{Framing, FramingCodec, FramingError, DEFAULT_MAX_MESSAGE_SIZE};
pub use message::{
    Arrival, ErrorSeverity, ErrorType, Hello, MessageError, Notification, RpcError, RpcReply,
    ServerMessage,
};
pub use rpc::{
    Commit, ConfigSource, CreateSubscription, Datastore, DefaultOperation, EditConfig, EditData,
    ErrorOption, Filter, GetData, NmdaDatastore, Operation, OriginFilter, TestOption, WithDefaults,
};
pub use yang_library::{LibraryFormat, LibraryModule, YangLibrary};

/// The NETCONF base and RFC 5277 notification namespaces, by the names the crate has used.
pub use ns::{BASE as NS_BASE, NOTIFICATION as NS_NOTIFICATION};
/// The base:1.0 capability (end-of-message framing).
pub const CAP_BASE_1_0: &str = "urn:ietf:params:netconf:base:1.0";
/// The base:1.1 capability (chunked framing).
pub const CAP_BASE_1_1: &str = "urn:ietf:params:netconf:base:1.1";
