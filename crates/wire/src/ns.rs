//! Every XML namespace the project speaks, in one place: the NETCONF protocol's own and those
//! of the standard YANG modules that the client, the reference device and the steps read or
//! write. Modules of a device under test are never named here; they come from the device.

/// The NETCONF base namespace (RFC 6241 §3.1).
pub const BASE: &str = "urn:ietf:params:xml:ns:netconf:base:1.0";
/// RFC 5277 notifications and `<create-subscription>`.
pub const NOTIFICATION: &str = "urn:ietf:params:xml:ns:netconf:notification:1.0";
/// The with-defaults `default` attribute (RFC 6243 §6).
pub const DEFAULT_ATTRIBUTE: &str = "urn:ietf:params:xml:ns:netconf:default:1.0";
/// YANG's own namespace (the `insert`, `key`, `value` attributes of RFC 7950 §7.8.6).
pub const YANG: &str = "urn:ietf:params:xml:ns:yang:1";
/// ietf-netconf-with-defaults (RFC 6243).
pub const WITH_DEFAULTS: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults";
/// ietf-netconf-monitoring (RFC 6022).
pub const MONITORING: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring";
/// nc-notifications: RFC 5277's event streams list (`/netconf/streams`) and `replayComplete`.
pub const STREAMS: &str = "urn:ietf:params:xml:ns:netmod:notification";
/// ietf-netconf-partial-lock (RFC 5717).
pub const PARTIAL_LOCK: &str = "urn:ietf:params:xml:ns:netconf:partial-lock:1.0";
/// ietf-netconf-nmda (RFC 8526).
pub const NMDA: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda";
/// ietf-datastores (RFC 8342).
pub const DATASTORES: &str = "urn:ietf:params:xml:ns:yang:ietf-datastores";
/// ietf-origin (RFC 8342).
pub const ORIGIN: &str = "urn:ietf:params:xml:ns:yang:ietf-origin";
/// ietf-yang-library (RFC 8525 and RFC 7895).
pub const YANG_LIBRARY: &str = "urn:ietf:params:xml:ns:yang:ietf-yang-library";
/// ietf-netconf-notifications (RFC 6470).
pub const NETCONF_NOTIFICATIONS: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications";
/// ietf-netconf-acm (RFC 8341).
pub const NACM: &str = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm";
/// ietf-system (RFC 7317).
pub const SYSTEM: &str = "urn:ietf:params:xml:ns:yang:ietf-system";
/// ietf-interfaces (RFC 8343).
pub const INTERFACES: &str = "urn:ietf:params:xml:ns:yang:ietf-interfaces";
/// ietf-routing (RFC 8349).
pub const ROUTING: &str = "urn:ietf:params:xml:ns:yang:ietf-routing";
/// ietf-restconf (RFC 8040): the `errors` body and the RESTCONF notification wrapper.
pub const RESTCONF: &str = "urn:ietf:params:xml:ns:yang:ietf-restconf";
/// ietf-restconf-monitoring (RFC 8040 §9): capabilities and event streams.
pub const RESTCONF_MONITORING: &str = "urn:ietf:params:xml:ns:yang:ietf-restconf-monitoring";
/// ietf-yang-patch (RFC 8072).
pub const YANG_PATCH: &str = "urn:ietf:params:xml:ns:yang:ietf-yang-patch";
/// The XRD namespace of a host-meta document (RFC 6415 §3).
pub const XRD: &str = "http://docs.oasis-open.org/ns/xri/xrd-1.0";
/// ietf-subscribed-notifications (RFC 8639).
pub const SUBSCRIBED_NOTIFICATIONS: &str =
    "urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications";
/// ietf-yang-push (RFC 8641).
pub const YANG_PUSH: &str = "urn:ietf:params:xml:ns:yang:ietf-yang-push";
