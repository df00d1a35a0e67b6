//! What the test bed says about changing a device's schema while it runs (the inventory's
//! `schema_change:`), for the scenarios about a schema change being signalled to receivers
//! (draft-ietf-netconf-yang-notifications-versioning; catalogue MB-13 A3).
//!
//! No standard operation changes a device's YANG library: a production device's schema
//! changes with a software upgrade, a package installed, a module loaded. So the test bed
//! names two NETCONF operations: one that changes the library (its content-id moves) and one
//! that puts it back. The harness runs the first inside a scenario and the second in the
//! scenario's cleanup whatever happened (`Leftovers::schema_revert`), and checks that the
//! library's content-id is back where it was. A device without such an entry cannot be
//! tested by those scenarios, and they say so.

use serde::Deserialize;

/// The operations that change a device's schema and change it back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaChange {
    /// The operation, as the XML content of `<rpc>`, that changes the device's YANG library.
    pub apply: String,
    /// The operation, as the XML content of `<rpc>`, that puts the library back as it was.
    pub revert: String,
}
