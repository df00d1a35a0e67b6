//! The rfc3535 run engine as a library: everything between "these devices, this catalogue"
//! and `results.json`, with no cucumber in it. The binary (`src/` and `steps/`) keeps the
//! command line, the cucumber runner and the step definitions; it reaches devices and judges
//! runs only through this crate.
//!
//! - [`target`]: targets from inventories, URLs and reference devices, command-line
//!   overrides applied, in one [`target::resolve`]; [`containerlab`]: a containerlab lab's
//!   `topology-data.json` as an inventory.
//! - [`protocol`] and [`capability`]: the protocol of a matrix column and the capabilities a
//!   scenario can need, as types.
//! - [`discovery`]: what a device claims, with the evidence for each claim.
//! - [`schema`]: the device's own YANG modules fetched, cached and compiled;
//!   [`replies`]: every recorded reply checked against them.
//! - [`device`]: what the run knows of one device ([`device::DeviceContext`]); [`sandbox`]:
//!   where scenarios may write.
//! - [`session`]: the protocol seam ([`session::ManagementSession`]) and the helpers written
//!   against it; [`netconf`] implements it for NETCONF, [`restconf`] for RESTCONF.
//! - [`access`]: how to reach a device over one protocol as one account.
//! - [`placement`]: configuration or state, and how deep, of a reply's nodes by schema.
//! - [`with_defaults`]: what each announced `:with-defaults` mode must show.
//! - [`restore_plan`]: the edits that take a datastore back to what the run found.
//! - [`safety`]: save, put back (one path), restore and verify.
//! - [`catalogue`]: the feature files and the registry, checked against each other.
//! - [`verdict`]: the verdict policy, a pure function; [`records`]: what a run records;
//!   [`results`]: `results.json` from the records, and [`results::FailOn`].
//! - [`readiness`]: waiting for devices that are still coming up (a lab just deployed).
//! - [`lag`]: how late the test bed itself ran, so a timing verdict can tell a late device
//!   from a saturated machine.
//! - [`engine`]: the phases of a run, over a [`engine::ScenarioRunner`] and a
//!   [`engine::RunObserver`] the binary provides.

pub mod access;
pub mod capability;
pub mod catalogue;
pub mod choice;
pub mod containerlab;
pub mod device;
pub mod discovery;
pub mod engine;
pub mod finding;
pub mod lag;
pub mod netconf;
pub mod placement;
pub mod protocol;
pub mod push;
pub mod readiness;
pub mod records;
pub mod replies;
pub mod restconf;
pub mod restore_plan;
pub mod results;
pub mod safety;
pub mod sandbox;
pub mod schema;
pub mod schema_change;
pub mod session;
pub mod target;
pub mod udp_notif;
pub mod verdict;
pub mod with_defaults;

pub use capability::Capability;
pub use device::DeviceContext;
pub use finding::{Finding, StepResult};
pub use protocol::Protocol;
pub use rfc3535_client as client;
