//! Client I/O: NETCONF sessions over any async byte stream and over SSH with russh, and
//! RESTCONF over HTTPS.
//!
//! - [`session`]: the hello exchange, framing switch, message-id correlation with many RPCs in
//!   flight, per-RPC timeouts, notifications on the same session, close and kill. Generic over
//!   `AsyncRead + AsyncWrite`, so tests can drive it over an in-memory pipe or a hostile TCP
//!   peer.
//! - [`ssh`]: TCP (`TCP_NODELAY`), host-key verification (known_hosts, pinned fingerprint,
//!   accept-new, insecure), password / key / agent authentication, the `netconf` subsystem.
//! - [`transcript`]: every message in and out with timestamps, secrets removed.
//! - `ops`: one method per operation on [`Session`].
//! - [`restconf`]: RESTCONF over HTTPS (hyper, rustls): HTTP/1.1 or HTTP/2 by ALPN, server
//!   certificates by CA file or pinned fingerprint, Basic authentication or a client
//!   certificate, root discovery, requests and event streams with transcripts.
//! - [`udp_notif`]: the UDP-notif collector a configured subscription sends to: reassembly,
//!   the notification envelope, loss per publisher, every publisher fault with evidence.
//!
//! The codec and message model are `rfc3535-wire`; nothing here parses XML itself.

mod error;
mod ops;
pub mod restconf;
pub mod session;
pub mod ssh;
pub mod transcript;
pub mod udp_notif;

pub use error::{Blame, ClientError};
pub use rfc3535_wire as wire;
pub use session::{Session, SessionEnd, SessionOptions};
pub use ssh::{connect, Auth, ConnectOptions, HostKeyPolicy};
pub use transcript::Transcript;
