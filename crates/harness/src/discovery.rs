//! What a device claims, found from the device itself (catalogue §1.3): its hello and its YANG
//! library. Each detected capability keeps the evidence that justified it, and each
//! not-applicable verdict quotes the discovery that made it so.
//!
//! The modules a device implements come from its YANG library when it announces one (RFC 7950
//! §5.6.4, RFC 8526 §2: a YANG 1.1 module is listed there and need not be in the hello), else
//! from the module capabilities of its hello (RFC 6020 §5.6.4).

use std::collections::BTreeMap;

use rfc3535_client::wire::{Capability as HelloCapability, CapabilityKind, Filter, YangLibrary};
use rfc3535_client::Session;

use crate::capability::Capability;

const YANG_LIBRARY_1_1: &str = "urn:ietf:params:netconf:capability:yang-library:1.1";
const YANG_LIBRARY_1_0: &str = "urn:ietf:params:netconf:capability:yang-library:1.0";

/// Capabilities whose claim is the implementation of a module.
const MODULE_BACKED: [Capability; 11] = [
    Capability::Nacm,
    Capability::Monitoring,
    Capability::NetconfNotifications,
    Capability::Nmda,
    Capability::NmdaOrigin,
    Capability::NmdaWithDefaults,
    Capability::YangPush,
    Capability::YangPushOnChange,
    Capability::SubscribedNotifications,
    Capability::SubscribedReplay,
    Capability::ConfiguredSubscriptions,
];

/// A module a device implements, as it announced it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImplementedModule {
    pub revision: Option<String>,
    pub namespace: Option<String>,
    /// The features announced for it.
    pub features: Vec<String>,
}

/// Where a device's list of implemented modules came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModuleSource {
    /// Its YANG library (RFC 8525 or RFC 7895).
    Library,
    /// The module capabilities of its hello: it announces no YANG library.
    #[default]
    Hello,
}

/// What one device claims.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    /// Each claimed capability with the evidence for it.
    pub capabilities: BTreeMap<Capability, String>,
    /// Modules announced in the hello, with revisions.
    pub hello_modules: BTreeMap<String, Option<String>>,
    /// The modules the device implements: from its YANG library when it has one, else from
    /// its hello.
    pub modules: BTreeMap<String, ImplementedModule>,
    pub modules_from: ModuleSource,
    /// Why the library could not be read, if it could not.
    pub library_note: Option<String>,
    /// The library's XML as the device served it (for the run's schema snapshot).
    pub library_xml: Option<String>,
    /// RESTCONF: the encoding the device answers in (XML unless it serves only JSON).
    pub restconf_encoding: Option<rfc3535_client::wire::restconf::Encoding>,
    /// RESTCONF: the capability URIs `ietf-restconf-monitoring` lists (RFC 8040 §9.1.1).
    pub restconf_capabilities: Vec<String>,
    /// RESTCONF: the event streams it lists, each way to read one (RFC 8040 §9.2).
    pub restconf_streams: Vec<rfc3535_client::wire::restconf::StreamAccess>,
}

impl Claims {
    /// The implemented modules are the library's (RFC 7950 §5.6.4, RFC 8526 §2).
    fn take_modules_from(&mut self, library: &YangLibrary) {
        self.modules = library
            .implemented()
            .map(|m| {
                let module = ImplementedModule {
                    revision: m.revision.clone(),
                    namespace: m.namespace.clone(),
                    features: m.features.clone(),
                };
                (m.name.clone(), module)
            })
            .collect();
        self.modules_from = ModuleSource::Library;
    }

    pub fn claims(&self, capability: Capability) -> bool {
        self.capabilities.contains_key(&capability)
    }

    /// Whether a module of this namespace is implemented.
    pub fn implements_namespace(&self, namespace: &str) -> bool {
        self.modules
            .values()
            .any(|m| m.namespace.as_deref() == Some(namespace))
    }

    /// The claimed capabilities' tag names, sorted, as results.json lists them.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .capabilities
            .keys()
            .map(|c| c.tag_name().to_owned())
            .collect();
        names.sort();
        names
    }

    /// Why a scenario needing `needs` is not applicable, or `None` when it is.
    pub fn not_applicable_because(&self, needs: &[Capability]) -> Option<String> {
        let missing: Vec<Capability> = needs.iter().copied().filter(|n| !self.claims(*n)).collect();
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "the device does not claim {}",
            missing
                .iter()
                .map(|m| format!("{m} ({})", m.absence()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Whether the event streams list (RFC 5277 §3.2.5) says the NETCONF stream replays: the
/// evidence if it does. A read that fails claims nothing.
async fn replay_support(session: &Session) -> Option<String> {
    let filter = rfc3535_client::wire::Filter::subtree(format!(
        "<netconf xmlns=\"{}\"><streams/></netconf>",
        rfc3535_client::wire::ns::STREAMS
    ));
    let reply = session.get(Some(filter), None).await.ok()?;
    let data = rfc3535_client::wire::tree::Element::parse_fragment(reply.data()?).ok()?;
    let replays = data
        .iter()
        .filter(|e| e.name.namespace == rfc3535_client::wire::ns::STREAMS)
        .flat_map(|e| e.find_all(&["streams", "stream"]))
        .any(|stream| {
            let field = |name: &str| stream.child(name).map(|c| c.text.trim().to_owned());
            field("name").as_deref() == Some("NETCONF")
                && field("replaySupport").as_deref() == Some("true")
        });
    replays.then(|| "/netconf/streams: stream NETCONF, replaySupport true".to_owned())
}

/// Reads the claims of a device connected over NETCONF.
pub async fn discover(session: &Session) -> Claims {
    let mut claims = Claims::default();
    claims.capabilities.insert(
        Capability::Netconf,
        "reached over NETCONF (RFC 6241, SSH)".to_owned(),
    );
    for uri in session.capabilities() {
        let capability = HelloCapability::parse(uri);
        match &capability.kind {
            CapabilityKind::Base { version } if version == "1.1" => {
                claims
                    .capabilities
                    .insert(Capability::Base11, format!("hello: {}", capability.uri));
            }
            CapabilityKind::Standard { name, .. } => {
                if let Some(ours) = Capability::from_standard_name(name) {
                    claims
                        .capabilities
                        .entry(ours)
                        .or_insert_with(|| format!("hello: {}", capability.uri));
                }
            }
            CapabilityKind::Module {
                name,
                revision,
                namespace,
                features,
                ..
            } => {
                claims.hello_modules.insert(name.clone(), revision.clone());
                claims.modules.insert(
                    name.clone(),
                    ImplementedModule {
                        revision: revision.clone(),
                        namespace: Some(namespace.clone()),
                        features: features.clone(),
                    },
                );
            }
            _ => {}
        }
    }
    match read_library_as_served(session).await {
        Ok(Some(LibraryRead { library, xml })) => {
            claims.library_xml = Some(xml);
            claims.take_modules_from(&library);
        }
        Ok(None) => {}
        Err(note) => claims.library_note = Some(note.to_string()),
    }
    claim_module_backed(&mut claims);
    if claims.modules.contains_key("nc-notifications") {
        if let Some(evidence) = replay_support(session).await {
            claims.capabilities.insert(Capability::Replay, evidence);
        }
    }
    let edit = [Capability::WritableRunning, Capability::Candidate]
        .into_iter()
        .find(|c| claims.claims(*c))
        .map(|c| format!("hello: :{c}"));
    if let Some(evidence) = edit {
        claims.capabilities.insert(Capability::ConfigEdit, evidence);
    }
    claims
}

/// The capabilities whose claim is a module (with a feature, for some) the device implements.
fn claim_module_backed(claims: &mut Claims) {
    for capability in MODULE_BACKED {
        let Some(module) = capability.module() else {
            continue;
        };
        if let Some(implemented) = claims.modules.get(module) {
            let feature = capability.feature();
            if feature.is_some_and(|f| !implemented.features.iter().any(|has| has == f)) {
                continue;
            }
            let with = feature
                .map(|f| format!(" with feature {f}"))
                .unwrap_or_default();
            let evidence = match claims.modules_from {
                ModuleSource::Library => format!("YANG library: {module} implemented{with}"),
                ModuleSource::Hello => format!(
                    "hello: module {module}@{}{with}",
                    implemented.revision.as_deref().unwrap_or("?")
                ),
            };
            claims.capabilities.insert(capability, evidence);
        }
    }
}

/// Reads the claims of a device connected over RESTCONF: its YANG library (RFC 8040 §3.3.3
/// makes one mandatory), the module-backed capabilities, and configuration edits (the data
/// resources are writable, RFC 8040 §4).
pub async fn discover_restconf(session: &mut crate::restconf::RestconfSession) -> Claims {
    let mut claims = Claims::default();
    let json_only = session.settle_encoding().await;
    claims.capabilities.insert(
        Capability::Restconf,
        match &json_only {
            None => format!(
                "reached over RESTCONF (RFC 8040) at {}",
                session.client().root()
            ),
            Some(how) => format!(
                "reached over RESTCONF (RFC 8040) at {}, speaking JSON: {how}",
                session.client().root()
            ),
        },
    );
    claims.restconf_encoding = Some(session.encoding());
    match session.read_library().await {
        Ok(Some(LibraryRead { library, xml })) => {
            claims.library_xml = Some(xml);
            claims.capabilities.insert(
                Capability::YangLibrary,
                format!("RESTCONF: the YANG library ({:?}) reads", library.format),
            );
            if library
                .datastores
                .iter()
                .any(|d| d.rsplit(':').next() == Some("operational"))
            {
                claims.capabilities.insert(
                    Capability::RestconfNmda,
                    format!(
                        "RESTCONF: the YANG library lists the datastores {}",
                        library.datastores.join(", ")
                    ),
                );
            }
            claims.take_modules_from(&library);
        }
        Ok(None) => {}
        Err(note) => claims.library_note = Some(note.to_string()),
    }
    claim_module_backed(&mut claims);
    claims.capabilities.insert(
        Capability::ConfigEdit,
        "RESTCONF: configuration data resources are written with PUT, POST, PATCH and DELETE (RFC 8040 §4)".to_owned(),
    );
    if let Some(accepted) = session.accept_patch().await {
        if accepted.contains("application/yang-patch") {
            claims.capabilities.insert(
                Capability::YangPatch,
                format!("RESTCONF: OPTIONS of the datastore resource, Accept-Patch: {accepted}"),
            );
        }
    }
    claims.restconf_streams = session.read_restconf_streams().await;
    if let Some(access) = claims
        .restconf_streams
        .iter()
        .find(|a| !a.location.is_empty())
    {
        claims.capabilities.insert(
            Capability::RestconfStreams,
            format!(
                "RESTCONF: ietf-restconf-monitoring lists stream {} in {} at {}",
                access.name, access.encoding, access.location
            ),
        );
    }
    if let Some(access) = claims
        .restconf_streams
        .iter()
        .find(|a| !a.location.is_empty() && a.encoding == "json")
    {
        claims.capabilities.insert(
            Capability::RestconfJsonStream,
            format!(
                "RESTCONF: ietf-restconf-monitoring lists stream {} in json at {}",
                access.name, access.location
            ),
        );
    }
    claims.restconf_capabilities = session.read_restconf_capabilities().await;
    for uri in &claims.restconf_capabilities {
        let bare = uri.split('?').next().unwrap_or_default();
        if let Some(capability) = Capability::ALL
            .into_iter()
            .find(|c| c.restconf_capability().as_deref() == Some(bare))
        {
            claims
                .capabilities
                .entry(capability)
                .or_insert_with(|| format!("RESTCONF: ietf-restconf-monitoring lists {uri}"));
        }
    }
    claims
}

/// Why a device's YANG library cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibraryUnavailable {
    #[error("no YANG library advertised (neither :yang-library:1.1 nor :yang-library:1.0); modules are known only from the hello")]
    NotAdvertised,
    #[error("reading {label} failed: {error}")]
    Failed { label: &'static str, error: String },
    #[error("{label} advertised but refused: {errors}")]
    Refused { label: &'static str, errors: String },
    #[error("{label} advertised but the reply holds no library")]
    Empty { label: &'static str },
    #[error("{label}: unreadable reply: {error}")]
    Unreadable { label: &'static str, error: String },
}

/// Reads the YANG library the device advertises: RFC 8525 first, else RFC 7895. `Err` says
/// why there is none to read (not advertised, refused, unreadable).
pub async fn read_library(session: &Session) -> Result<Option<YangLibrary>, LibraryUnavailable> {
    Ok(read_library_as_served(session)
        .await?
        .map(|read| read.library))
}

/// A YANG library as read: what it says, and the reply's data as the device wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRead {
    pub library: YangLibrary,
    pub xml: String,
}

/// [`read_library`], with the library's XML as served (for the run's schema snapshot).
pub async fn read_library_as_served(
    session: &Session,
) -> Result<Option<LibraryRead>, LibraryUnavailable> {
    let (element, label) = if session.has_capability(YANG_LIBRARY_1_1) {
        ("yang-library", "/yang-library (RFC 8525)")
    } else if session.has_capability(YANG_LIBRARY_1_0)
        || session
            .capabilities()
            .iter()
            .any(|c| c.contains("module=ietf-yang-library"))
    {
        ("modules-state", "/modules-state (RFC 7895)")
    } else {
        return Err(LibraryUnavailable::NotAdvertised);
    };
    let filter = Filter::subtree(format!(
        "<{element} xmlns=\"{}\"/>",
        rfc3535_client::wire::yang_library::NS_YANG_LIBRARY
    ));
    let reply = session
        .get(Some(filter), None)
        .await
        .map_err(|e| LibraryUnavailable::Failed {
            label,
            error: e.to_string(),
        })?;
    if !reply.is_success() {
        let errors: Vec<String> = reply.errors.iter().map(ToString::to_string).collect();
        return Err(LibraryUnavailable::Refused {
            label,
            errors: errors.join("; "),
        });
    }
    let data = reply.data().unwrap_or_default();
    match YangLibrary::parse(data) {
        Ok(Some(library)) => Ok(Some(LibraryRead {
            library,
            xml: data.to_owned(),
        })),
        Ok(None) => Err(LibraryUnavailable::Empty { label }),
        Err(e) => Err(LibraryUnavailable::Unreadable {
            label,
            error: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_applicable_names_what_is_missing_and_why() {
        let mut claims = Claims::default();
        claims
            .capabilities
            .insert(Capability::Candidate, "hello: ...".into());
        assert_eq!(
            claims.not_applicable_because(&[Capability::Candidate]),
            None
        );
        let why = claims
            .not_applicable_because(&[Capability::Candidate, Capability::Nacm, Capability::Startup])
            .expect("not applicable");
        assert!(why.contains("nacm (module ietf-netconf-acm"), "{why}");
        assert!(why.contains("startup (no :startup capability"), "{why}");
    }

    #[test]
    fn names_are_sorted_tag_names() {
        let mut claims = Claims::default();
        for capability in [
            Capability::YangLibrary,
            Capability::Base11,
            Capability::ConfigEdit,
        ] {
            claims.capabilities.insert(capability, String::new());
        }
        assert_eq!(claims.names(), ["base-1.1", "config-edit", "yang-library"]);
    }
}
