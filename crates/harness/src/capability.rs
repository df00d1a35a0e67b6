//! The capabilities a scenario may need (`@cap:NAME`, catalogue §1.3), as a type. Each knows
//! its tag name and how its absence is explained in a not-applicable verdict; how a device's
//! claim of it is detected is [`crate::discovery`].

use std::fmt;
use std::str::FromStr;

use rfc3535_client::wire::capability::{Capability as HelloCapability, CapabilityKind};
use rfc3535_score::UncheckedClaim;

/// A capability the harness can detect and a scenario can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// `urn:ietf:params:netconf:base:1.1` (chunked framing).
    Base11,
    WritableRunning,
    Candidate,
    ConfirmedCommit,
    RollbackOnError,
    Validate,
    Startup,
    Url,
    Xpath,
    /// `:partial-lock` (RFC 5717).
    PartialLock,
    WithDefaults,
    Notification,
    Interleave,
    YangLibrary,
    /// `ietf-netconf-nmda` implemented (RFC 8526).
    Nmda,
    /// `ietf-netconf-nmda` implemented with its `origin` feature: origin filters on
    /// `<get-data>` (RFC 8526 §3.1.1).
    NmdaOrigin,
    /// `ietf-netconf-nmda` implemented with its `with-defaults` feature: `<get-data>` takes
    /// RFC 6243's parameter (RFC 8526 §3.1.1).
    NmdaWithDefaults,
    /// RFC 5277 replay: the NETCONF stream says `replaySupport` true in the event streams list
    /// (`/netconf/streams`, nc-notifications).
    Replay,
    /// `ietf-netconf-acm` implemented (RFC 8341).
    Nacm,
    /// `ietf-netconf-monitoring` implemented (RFC 6022): `<get-schema>` and session state.
    Monitoring,
    /// `ietf-netconf-notifications` implemented (RFC 6470).
    NetconfNotifications,
    /// Configuration can be written at all: `:writable-running` or `:candidate` (NETCONF),
    /// or the data resources (RESTCONF).
    ConfigEdit,
    /// The column reaches the device over NETCONF: scenarios about NETCONF's own mechanisms
    /// (framing, sessions, `<get-config>` and friends) need it.
    Netconf,
    /// The column reaches the device over RESTCONF: scenarios about RFC 8040 itself need it.
    Restconf,
    /// The RESTCONF `depth` query parameter (RFC 8040 §4.8.2): the server lists
    /// `urn:ietf:params:restconf:capability:depth:1.0` in `ietf-restconf-monitoring`.
    RestconfDepth,
    /// The RESTCONF `fields` query parameter (RFC 8040 §4.8.3), listed likewise.
    RestconfFields,
    /// RESTCONF event streams (RFC 8040 §6): `ietf-restconf-monitoring` lists a stream with a
    /// location to read it at.
    RestconfStreams,
    /// The RESTCONF `with-defaults` query parameter (RFC 8040 §4.8.9), listed as a capability.
    RestconfWithDefaults,
    /// RESTCONF YANG Patch (RFC 8072): the datastore resource's `Accept-Patch` names a YANG
    /// Patch media type.
    YangPatch,
    /// RESTCONF's NMDA datastore resources (RFC 8527): the YANG library read over RESTCONF
    /// is RFC 8525's and lists the operational datastore (RFC 8527 §2 makes that library
    /// the mark of a server that implements the NMDA).
    RestconfNmda,
    /// The RESTCONF `with-origin` query parameter on the operational datastore resource
    /// (RFC 8527 §3.2.2), listed as a capability.
    RestconfWithOrigin,
    /// RESTCONF event stream replay, `start-time` and `stop-time` (RFC 8040 §4.8.7, §4.8.8,
    /// §9.1.1), listed as a capability.
    RestconfReplay,
    /// The RESTCONF event stream `filter` (RFC 8040 §4.8.4, §9.1.1), listed as a capability.
    RestconfFilter,
    /// A RESTCONF event stream offered in JSON (RFC 8040 §6.2, §9.2: an `access` with
    /// encoding `json` and a location).
    RestconfJsonStream,
    /// YANG-Push (RFC 8641): `ietf-yang-push` implemented, so datastores can be subscribed
    /// to with periodic updates (catalogue `YP`).
    YangPush,
    /// YANG-Push on-change updates: `ietf-yang-push` with its `on-change` feature (`YP-OC`).
    YangPushOnChange,
    /// Subscribed notifications (RFC 8639): `ietf-subscribed-notifications` implemented, so
    /// event streams can be subscribed to with `establish-subscription` (catalogue `SN`).
    SubscribedNotifications,
    /// Replay of an event stream to a subscription (RFC 8639 §2.4.2.1):
    /// `ietf-subscribed-notifications` with its `replay` feature.
    SubscribedReplay,
    /// Configured subscriptions (RFC 8639 §2.5): `ietf-subscribed-notifications` with its
    /// `configured` feature, so subscriptions can be written as configuration and are
    /// published to receivers over a transport such as UDP-notif.
    ConfiguredSubscriptions,
}

impl Capability {
    /// Every capability, in tag-name order (the order reports list them in).
    pub const ALL: [Capability; 39] = [
        Capability::Base11,
        Capability::Candidate,
        Capability::ConfigEdit,
        Capability::ConfiguredSubscriptions,
        Capability::ConfirmedCommit,
        Capability::Interleave,
        Capability::Monitoring,
        Capability::Nacm,
        Capability::Netconf,
        Capability::NetconfNotifications,
        Capability::Nmda,
        Capability::NmdaOrigin,
        Capability::NmdaWithDefaults,
        Capability::Notification,
        Capability::PartialLock,
        Capability::Replay,
        Capability::Restconf,
        Capability::RestconfDepth,
        Capability::RestconfFields,
        Capability::RestconfFilter,
        Capability::RestconfJsonStream,
        Capability::RestconfNmda,
        Capability::RestconfReplay,
        Capability::RestconfStreams,
        Capability::RestconfWithDefaults,
        Capability::RestconfWithOrigin,
        Capability::RollbackOnError,
        Capability::Startup,
        Capability::SubscribedNotifications,
        Capability::SubscribedReplay,
        Capability::Url,
        Capability::Validate,
        Capability::WithDefaults,
        Capability::WritableRunning,
        Capability::Xpath,
        Capability::YangLibrary,
        Capability::YangPatch,
        Capability::YangPush,
        Capability::YangPushOnChange,
    ];

    /// The name in `@cap:` tags and in results.json.
    pub fn tag_name(self) -> &'static str {
        match self {
            Capability::Base11 => "base-1.1",
            Capability::WritableRunning => "writable-running",
            Capability::Candidate => "candidate",
            Capability::ConfirmedCommit => "confirmed-commit",
            Capability::RollbackOnError => "rollback-on-error",
            Capability::Validate => "validate",
            Capability::Startup => "startup",
            Capability::Url => "url",
            Capability::Xpath => "xpath",
            Capability::PartialLock => "partial-lock",
            Capability::Replay => "replay",
            Capability::WithDefaults => "with-defaults",
            Capability::Notification => "notification",
            Capability::Interleave => "interleave",
            Capability::YangLibrary => "yang-library",
            Capability::Nmda => "nmda",
            Capability::NmdaOrigin => "nmda-origin",
            Capability::NmdaWithDefaults => "nmda-with-defaults",
            Capability::Nacm => "nacm",
            Capability::Monitoring => "monitoring",
            Capability::NetconfNotifications => "netconf-notifications",
            Capability::ConfigEdit => "config-edit",
            Capability::Netconf => "netconf",
            Capability::Restconf => "restconf",
            Capability::YangPatch => "yang-patch",
            Capability::RestconfDepth => "restconf-depth",
            Capability::RestconfFields => "restconf-fields",
            Capability::RestconfStreams => "restconf-streams",
            Capability::RestconfWithDefaults => "restconf-with-defaults",
            Capability::RestconfNmda => "restconf-nmda",
            Capability::RestconfWithOrigin => "restconf-with-origin",
            Capability::RestconfReplay => "restconf-replay",
            Capability::RestconfFilter => "restconf-filter",
            Capability::RestconfJsonStream => "restconf-json-stream",
            Capability::YangPush => "yang-push",
            Capability::YangPushOnChange => "yang-push-on-change",
            Capability::SubscribedNotifications => "subscribed-notifications",
            Capability::SubscribedReplay => "subscribed-notifications-replay",
            Capability::ConfiguredSubscriptions => "configured-subscriptions",
        }
    }

    /// The capability a hello's standard capability name (`:candidate` and friends, RFC 6241
    /// §8 and later RFCs) claims, if the harness tracks it.
    pub fn from_standard_name(name: &str) -> Option<Capability> {
        Capability::ALL
            .into_iter()
            .find(|c| c.is_standard_capability() && c.tag_name() == name)
    }

    /// Whether the claim is a standard `:name` capability of the hello (not the base
    /// version, not a module, not derived from others).
    fn is_standard_capability(self) -> bool {
        !matches!(
            self,
            Capability::Base11
                | Capability::ConfigEdit
                | Capability::Replay
                | Capability::Netconf
                | Capability::Restconf
        ) && self.protocol() != Some(Capability::Restconf)
            && self.module().is_none()
    }

    /// The protocol whose own mechanism this is (`netconf` for the NETCONF capabilities and
    /// operations), `None` for what any protocol can show (the YANG library, access control,
    /// configuration edits).
    pub fn protocol(self) -> Option<Capability> {
        match self {
            // ietf-netconf-monitoring is also how a scenario says it needs the device's own
            // schema at hand, which RESTCONF serves through its schema resource.
            // ietf-netconf-notifications' events travel on RESTCONF's event streams too.
            Capability::YangLibrary
            | Capability::Nacm
            | Capability::ConfigEdit
            | Capability::Monitoring
            | Capability::NetconfNotifications
            | Capability::Netconf
            | Capability::Restconf => None,
            Capability::YangPatch
            | Capability::RestconfDepth
            | Capability::RestconfFields
            | Capability::RestconfStreams
            | Capability::RestconfWithDefaults
            | Capability::RestconfNmda
            | Capability::RestconfWithOrigin
            | Capability::RestconfReplay
            | Capability::RestconfFilter
            | Capability::RestconfJsonStream => Some(Capability::Restconf),
            // RFC 6241 and later NETCONF capabilities, RFC 5277 and 6470 notifications over
            // NETCONF, and the RFC 8526 operations.
            _ => Some(Capability::Netconf),
        }
    }

    /// The protocol itself, when this capability only says which protocol the column speaks.
    pub fn protocol_of_column(self) -> Option<Capability> {
        matches!(self, Capability::Netconf | Capability::Restconf).then_some(self)
    }

    /// The RESTCONF capability URI (RFC 8040 §9.1.1, RFC 8072 §4.3) that claims this.
    pub fn restconf_capability(self) -> Option<String> {
        use rfc3535_client::wire::restconf::RestconfCapability;
        let name = match self {
            Capability::RestconfDepth => "depth",
            Capability::RestconfFields => "fields",
            Capability::RestconfWithDefaults => "with-defaults",
            Capability::RestconfWithOrigin => "with-origin",
            Capability::RestconfReplay => "replay",
            Capability::RestconfFilter => "filter",
            Capability::YangPatch => "yang-patch",
            _ => return None,
        };
        Some(RestconfCapability::uri(name))
    }

    /// The module whose implementation is the claim, for module-backed capabilities.
    pub fn module(self) -> Option<&'static str> {
        match self {
            Capability::Nacm => Some("ietf-netconf-acm"),
            Capability::Monitoring => Some("ietf-netconf-monitoring"),
            Capability::NetconfNotifications => Some("ietf-netconf-notifications"),
            Capability::Nmda | Capability::NmdaOrigin | Capability::NmdaWithDefaults => {
                Some("ietf-netconf-nmda")
            }
            Capability::YangPush | Capability::YangPushOnChange => Some("ietf-yang-push"),
            Capability::SubscribedNotifications
            | Capability::SubscribedReplay
            | Capability::ConfiguredSubscriptions => Some("ietf-subscribed-notifications"),
            _ => None,
        }
    }

    /// The feature of [`Capability::module`] the claim needs besides the module.
    pub fn feature(self) -> Option<&'static str> {
        match self {
            Capability::NmdaOrigin => Some("origin"),
            Capability::NmdaWithDefaults => Some("with-defaults"),
            Capability::YangPushOnChange => Some("on-change"),
            Capability::SubscribedReplay => Some("replay"),
            Capability::ConfiguredSubscriptions => Some("configured"),
            _ => None,
        }
    }

    /// Why a device that lacks this capability does not claim it, for not-applicable verdicts.
    pub fn absence(self) -> String {
        match (self, self.module()) {
            (Capability::ConfigEdit, _) => {
                "neither :writable-running nor :candidate in the hello".to_owned()
            }
            (Capability::Netconf, _) => {
                "this column reaches the device over another protocol; the scenario is about NETCONF's own mechanisms".to_owned()
            }
            (Capability::YangPatch, _) => {
                "the RESTCONF server's Accept-Patch names no YANG Patch media type (RFC 8072 §4.2)"
                    .to_owned()
            }
            (capability, _) if capability.restconf_capability().is_some() => format!(
                "ietf-restconf-monitoring lists no {} (RFC 8040 §9.1.1)",
                self.restconf_capability().unwrap_or_default()
            ),
            (Capability::RestconfNmda, _) => {
                "the YANG library read over RESTCONF is no RFC 8525 library listing the operational datastore (RFC 8527 §2)".to_owned()
            }
            (Capability::RestconfJsonStream, _) => {
                "ietf-restconf-monitoring lists no event stream access in JSON with a location (RFC 8040 §9.2)".to_owned()
            }
            (Capability::RestconfStreams, _) => {
                "ietf-restconf-monitoring lists no event stream with a location to read it at (RFC 8040 §6.2, §9.2)".to_owned()
            }
            (Capability::Restconf, _) => {
                "this column reaches the device over another protocol; the scenario is about RESTCONF (RFC 8040) itself".to_owned()
            }
            (Capability::Base11, _) => {
                "no urn:ietf:params:netconf:base:1.1 in the hello".to_owned()
            }
            (Capability::Replay, _) => {
                "no event streams list (nc-notifications) saying the NETCONF stream replays"
                    .to_owned()
            }
            (capability, Some(module)) => match capability.feature() {
                Some(feature) => {
                    format!("module {module} is not implemented with feature {feature}")
                }
                None => format!(
                    "module {module} is neither in the hello nor implemented in the YANG library"
                ),
            },
            (other, None) => format!("no :{} capability in the hello", other.tag_name()),
        }
    }
}

/// The longest capability URI the results keep whole.
pub const MAX_KEPT_URI: usize = 1024;

/// A capability URI as the results keep it: a longer one than [`MAX_KEPT_URI`] (a device can
/// announce megabytes) is cut, with its length, so that results and reports stay small.
pub fn kept_uri(uri: &str) -> String {
    if uri.len() <= MAX_KEPT_URI {
        return uri.to_owned();
    }
    let mut end = MAX_KEPT_URI;
    while !uri.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... (cut: {} bytes in all)", &uri[..end], uri.len())
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag_name())
    }
}

/// How far a run got in checking a claimed capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimCheck {
    /// A scenario needing it reached pass or fail on the device.
    Judged,
    /// The catalogue has scenarios needing it; none reached a verdict in this run (not
    /// selected, skipped, or an error).
    NotReached,
    /// No scenario of the catalogue needs it.
    NoScenario,
}

/// The capabilities a hello announces that no scenario judged (pass or fail) on the device:
/// each is "claimed, not checked", with why. `check` says how far the run got with a
/// capability. Base versions are exercised by every session's framing and modules by the
/// module scenarios, so only `:name` capabilities and unknown URIs are listed.
pub fn unchecked_claims(
    advertised: &[String],
    check: impl Fn(Capability) -> ClaimCheck,
) -> Vec<UncheckedClaim> {
    let mut unchecked = Vec::new();
    for uri in advertised {
        if let Some(restconf) = rfc3535_client::wire::restconf::RestconfCapability::parse(uri) {
            // `defaults` states the basic mode of with-defaults; it is no feature of its own.
            if restconf.name == "defaults" {
                continue;
            }
            let claim = format!("restconf:{}:{}", restconf.name, restconf.version);
            let bare = rfc3535_client::wire::restconf::RestconfCapability::uri(&restconf.name);
            let known = Capability::ALL
                .into_iter()
                .find(|c| c.restconf_capability().as_deref() == Some(bare.as_str()));
            let why = match known.map(&check) {
                None | Some(ClaimCheck::NoScenario) => {
                    Some("the catalogue has no scenario for it yet")
                }
                Some(ClaimCheck::NotReached) => {
                    Some("no scenario needing it reached a verdict in this run")
                }
                Some(ClaimCheck::Judged) => None,
            };
            if let Some(why) = why {
                unchecked.push(UncheckedClaim {
                    claim,
                    why: why.to_owned(),
                });
            }
            continue;
        }
        let parsed = HelloCapability::parse(uri);
        let (name, version) = match &parsed.kind {
            CapabilityKind::Standard { name, version } => (name, version),
            CapabilityKind::Other => {
                unchecked.push(UncheckedClaim {
                    claim: parsed.uri.clone(),
                    why: "not a capability the harness knows".to_owned(),
                });
                continue;
            }
            CapabilityKind::Base { .. } | CapabilityKind::Module { .. } => continue,
        };
        let claim = format!(":{name}:{version}");
        let Some(capability) = Capability::from_standard_name(name) else {
            unchecked.push(UncheckedClaim {
                claim,
                why: "the catalogue has no scenario for it yet".to_owned(),
            });
            continue;
        };
        let why = match check(capability) {
            ClaimCheck::Judged => None,
            ClaimCheck::NotReached => Some("no scenario needing it reached a verdict in this run"),
            ClaimCheck::NoScenario => Some("the catalogue has no scenario for it yet"),
        };
        if let Some(why) = why {
            unchecked.push(UncheckedClaim {
                claim: claim.clone(),
                why: why.to_owned(),
            });
        }
        if capability == Capability::Url {
            // RFC 6241 §8.8: the schemes a device accepts; only file: can be checked from
            // the harness's side without a server elsewhere.
            let schemes = parsed.parameter("scheme").unwrap_or_default();
            for scheme in schemes.split(',').filter(|s| !s.is_empty() && *s != "file") {
                unchecked.push(UncheckedClaim {
                    claim: format!("{claim} scheme={scheme}"),
                    why:
                        "the scheme needs a server beside the device that the harness does not run"
                            .to_owned(),
                });
            }
        }
    }
    unchecked
}

/// A `@cap:` name the harness cannot detect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("@cap:{0} is not a capability the harness can detect")]
pub struct UnknownCapability(pub String);

impl FromStr for Capability {
    type Err = UnknownCapability;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.tag_name() == name)
            .ok_or_else(|| UnknownCapability(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_capability_uri_is_kept_cut_with_its_length() {
        let huge = format!("urn:example:padding:1.0?filler={}", "x".repeat(5000));
        let kept = kept_uri(&huge);
        assert!(kept.len() < MAX_KEPT_URI + 64, "{}", kept.len());
        assert!(kept.ends_with(&format!("(cut: {} bytes in all)", huge.len())));
        assert_eq!(
            kept_uri("urn:ietf:params:netconf:base:1.1"),
            "urn:ietf:params:netconf:base:1.1"
        );
    }

    #[test]
    fn every_capability_round_trips_and_all_is_in_name_order() {
        let names: Vec<&str> = Capability::ALL.iter().map(|c| c.tag_name()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for capability in Capability::ALL {
            assert_eq!(capability.tag_name().parse(), Ok(capability));
        }
        assert!("teleport".parse::<Capability>().is_err());
    }

    #[test]
    fn absence_names_the_hello_or_the_module() {
        assert!(Capability::Nacm.absence().contains("ietf-netconf-acm"));
        assert!(Capability::Startup.absence().contains(":startup"));
        assert!(Capability::ConfigEdit
            .absence()
            .contains(":writable-running"));
        assert_eq!(
            Capability::from_standard_name("candidate"),
            Some(Capability::Candidate)
        );
        assert_eq!(Capability::from_standard_name("nacm"), None);
    }

    #[test]
    fn unchecked_claims_name_what_no_scenario_judged() {
        let hello: Vec<String> = [
            "urn:ietf:params:netconf:base:1.1",
            "urn:ietf:params:netconf:capability:candidate:1.0",
            "urn:ietf:params:netconf:capability:startup:1.0",
            "urn:ietf:params:netconf:capability:url:1.0?scheme=file,https",
            "urn:ietf:params:netconf:capability:time:1.0",
            "http://example.com/ns/vendor-extension",
            "urn:ietf:params:xml:ns:yang:ietf-system?module=ietf-system&revision=2014-08-06",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let check = |c: Capability| match c {
            Capability::Candidate | Capability::Url => ClaimCheck::Judged,
            _ => ClaimCheck::NotReached,
        };
        let unchecked = unchecked_claims(&hello, check);
        let claims: Vec<&str> = unchecked.iter().map(|u| u.claim.as_str()).collect();
        assert_eq!(
            claims,
            [
                ":startup:1.0",
                ":url:1.0 scheme=https",
                ":time:1.0",
                "http://example.com/ns/vendor-extension"
            ]
        );
        assert!(unchecked[0].why.contains("no scenario"));
        assert!(unchecked[1].why.contains("server"));
        assert!(unchecked[2].why.contains("no scenario for it yet"));
    }

    #[test]
    fn restconf_capabilities_are_claims_too() {
        let listed: Vec<String> = [
            "urn:ietf:params:restconf:capability:defaults:1.0?basic-mode=explicit",
            "urn:ietf:params:restconf:capability:depth:1.0",
            "urn:ietf:params:restconf:capability:fields:1.0",
            "urn:ietf:params:restconf:capability:with-operational-defaults:1.0",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let check = |c: Capability| match c {
            Capability::RestconfDepth => ClaimCheck::Judged,
            _ => ClaimCheck::NotReached,
        };
        let unchecked = unchecked_claims(&listed, check);
        let claims: Vec<(&str, &str)> = unchecked
            .iter()
            .map(|u| (u.claim.as_str(), u.why.as_str()))
            .collect();
        assert_eq!(
            claims,
            [
                (
                    "restconf:fields:1.0",
                    "no scenario needing it reached a verdict in this run"
                ),
                (
                    "restconf:with-operational-defaults:1.0",
                    "the catalogue has no scenario for it yet"
                ),
            ]
        );
        assert_eq!(
            Capability::RestconfFields.restconf_capability().as_deref(),
            Some("urn:ietf:params:restconf:capability:fields:1.0")
        );
        assert!(Capability::RestconfDepth.absence().contains("depth:1.0"));
    }
}
