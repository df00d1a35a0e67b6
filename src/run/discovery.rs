//! What a device claims, found from the device itself (catalogue §1.3): its hello and its YANG
//! library. Each detected capability keeps the evidence that justified it, and each
//! not-applicable verdict quotes the discovery that made it so.

use std::collections::{BTreeMap, BTreeSet};

use rfc3535_client::wire::{Capability, CapabilityKind, YangLibrary};
use rfc3535_client::Session;

/// Every capability name a scenario may need (`@cap:NAME`).
pub const KNOWN_CAPABILITIES: &[&str] = &[
    "base-1.1",
    "writable-running",
    "candidate",
    "confirmed-commit",
    "rollback-on-error",
    "validate",
    "startup",
    "url",
    "xpath",
    "with-defaults",
    "notification",
    "interleave",
    "yang-library",
    "nmda",
    "nacm",
    "monitoring",
    "netconf-notifications",
    "config-edit",
];

/// Standard capability names of RFC 6241 §8 and friends, as the hello spells them, and the
/// name the catalogue uses.
const STANDARD: &[(&str, &str)] = &[
    ("writable-running", "writable-running"),
    ("candidate", "candidate"),
    ("confirmed-commit", "confirmed-commit"),
    ("rollback-on-error", "rollback-on-error"),
    ("validate", "validate"),
    ("startup", "startup"),
    ("url", "url"),
    ("xpath", "xpath"),
    ("with-defaults", "with-defaults"),
    ("notification", "notification"),
    ("interleave", "interleave"),
    ("yang-library", "yang-library"),
];

/// Modules whose implementation is the claim.
const MODULES: &[(&str, &str)] = &[
    ("ietf-netconf-acm", "nacm"),
    ("ietf-netconf-monitoring", "monitoring"),
    ("ietf-netconf-notifications", "netconf-notifications"),
    ("ietf-netconf-nmda", "nmda"),
];

/// What one device claims.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    /// Capability name to the evidence for it.
    pub capabilities: BTreeMap<String, String>,
    /// Modules announced in the hello, with revisions.
    pub hello_modules: BTreeMap<String, Option<String>>,
    /// Modules the YANG library says are implemented (empty without a library).
    pub library_modules: BTreeSet<String>,
    /// Why the library could not be read, if it could not.
    pub library_note: Option<String>,
}

impl Claims {
    pub fn names(&self) -> BTreeSet<String> {
        self.capabilities.keys().cloned().collect()
    }

    /// Why a scenario needing `needs` is not applicable, or `None` when it is.
    pub fn not_applicable_because(&self, needs: &[String]) -> Option<String> {
        let missing: Vec<&String> = needs
            .iter()
            .filter(|n| !self.capabilities.contains_key(n.as_str()))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let explain = |name: &str| -> String {
            match name {
                "config-edit" => "neither :writable-running nor :candidate in the hello".to_owned(),
                "base-1.1" => "no urn:ietf:params:netconf:base:1.1 in the hello".to_owned(),
                "nmda" | "nacm" | "monitoring" | "netconf-notifications" => {
                    let module = MODULES
                        .iter()
                        .find(|(_, n)| *n == name)
                        .map_or(name, |(m, _)| m);
                    format!("module {module} is neither in the hello nor implemented in the YANG library")
                }
                other => format!("no :{other} capability in the hello"),
            }
        };
        Some(format!(
            "the device does not claim {}",
            missing
                .iter()
                .map(|m| format!("{m} ({})", explain(m)))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Reads the claims of a connected device.
pub async fn discover(session: &Session) -> Claims {
    let mut claims = Claims::default();
    for uri in session.capabilities() {
        let capability = Capability::parse(uri);
        match &capability.kind {
            CapabilityKind::Base { version } if version == "1.1" => {
                claims
                    .capabilities
                    .insert("base-1.1".into(), format!("hello: {}", capability.uri));
            }
            CapabilityKind::Standard { name, .. } => {
                if let Some((_, ours)) = STANDARD.iter().find(|(n, _)| n == name) {
                    claims
                        .capabilities
                        .entry((*ours).to_owned())
                        .or_insert_with(|| format!("hello: {}", capability.uri));
                }
            }
            CapabilityKind::Module { name, revision, .. } => {
                claims.hello_modules.insert(name.clone(), revision.clone());
            }
            _ => {}
        }
    }
    match crate::probe::library(session).await {
        Ok(Some(library)) => record_library(&mut claims, &library),
        Ok(None) => {}
        Err(note) => claims.library_note = Some(note),
    }
    for (module, name) in MODULES {
        if claims.library_modules.contains(*module) {
            claims.capabilities.insert(
                (*name).to_owned(),
                format!("YANG library: {module} implemented"),
            );
        } else if let Some(revision) = claims.hello_modules.get(*module) {
            claims.capabilities.insert(
                (*name).to_owned(),
                format!(
                    "hello: module {module}@{}",
                    revision.as_deref().unwrap_or("?")
                ),
            );
        }
    }
    let edit = ["writable-running", "candidate"]
        .iter()
        .find(|c| claims.capabilities.contains_key(**c))
        .map(|c| format!("hello: :{c}"));
    if let Some(evidence) = edit {
        claims.capabilities.insert("config-edit".into(), evidence);
    }
    claims
}

fn record_library(claims: &mut Claims, library: &YangLibrary) {
    claims.library_modules = library.implemented().map(|m| m.name.clone()).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_applicable_names_what_is_missing_and_why() {
        let mut claims = Claims::default();
        claims
            .capabilities
            .insert("candidate".into(), "hello: ...".into());
        assert_eq!(claims.not_applicable_because(&["candidate".into()]), None);
        let why = claims
            .not_applicable_because(&["candidate".into(), "nacm".into(), "startup".into()])
            .expect("not applicable");
        assert!(why.contains("nacm (module ietf-netconf-acm"), "{why}");
        assert!(why.contains("startup (no :startup capability"), "{why}");
    }
}
