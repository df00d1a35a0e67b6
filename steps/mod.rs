//! The cucumber World and the step definitions, one file per domain concept. Steps speak of
//! datastores, edits, sessions and reads (DESIGN.md §2); NETCONF or RESTCONF sits underneath.
//!
//! A step ends in one of three ways besides passing (see [`world::Finding`]): the device did
//! not do what the requirement asks (`fail`), the test bed lacks something (`skipped`), or the
//! harness could not tell (`error`: transport, timeout, our bug).

pub mod world;

mod access;
mod capabilities;
mod config;
mod discovery;
mod event_streams;
mod fleet;
mod nmda;
mod partial_lock;
mod push;
mod restconf;
mod restconf_nmda;
mod restconf_operations;
mod sessions;
mod transactions;
mod udp_notif;
