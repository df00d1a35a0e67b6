//! The requirement registry: one machine-readable file (`features/requirements.yaml`) naming
//! every requirement, where it comes from, how much it weighs, and the alternative mechanisms
//! that can meet it. Scenarios point into it with `@req:` and `@mechanism:` tags.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// How binding a requirement is (RFC 2119 words, as the operators' documents use them).
/// Ordered most binding first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Must,
    Should,
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::May => "may",
        }
    }

    /// The tag that marks a scenario with this level (`@must`, ...).
    pub fn from_tag(tag: &str) -> Option<Level> {
        match tag {
            "must" => Some(Level::Must),
            "should" => Some(Level::Should),
            "may" => Some(Level::May),
            _ => None,
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a device check can answer a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequirementKind {
    /// Checked by scenarios against devices.
    #[default]
    Device,
    /// A process or ecosystem requirement, answered by the evidence questionnaire.
    Manual,
}

/// One way of meeting a requirement (e.g. distribution vs activation through `:candidate`
/// or through `:startup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mechanism {
    pub id: String,
    pub title: String,
}

/// One requirement of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// The requirement in the project's own words.
    pub title: String,
    /// The document and section it comes from, e.g. `RFC 3535 §3.13`.
    pub source: String,
    /// The block of the matrix it belongs to, e.g. `RFC 3535 §3`.
    pub group: String,
    pub level: Level,
    /// Overrides the level's weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    #[serde(default)]
    pub kind: RequirementKind,
    /// The questionnaire item that answers a manual requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mechanisms: Vec<Mechanism>,
    /// Other names the requirement goes by (older draft labels, status-table names); `@req:`
    /// tags may use them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Why no scenario covers this device requirement yet (e.g. it waits for RESTCONF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_yet_covered: Option<String>,
}

/// Everything wrong with a registry file.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("requirements registry is not valid YAML for its schema: {0}")]
    Parse(#[from] serde_saphyr::Error),
    #[error("requirements registry has schema_version {found}; this build reads {expected}")]
    Version { found: u32, expected: u32 },
    #[error("requirement {0} appears twice in the registry")]
    Duplicate(String),
    #[error("manual requirement {0} names no questionnaire item (question)")]
    ManualWithoutQuestion(String),
    #[error("protocol_conformance names {0}, which is not a device requirement of the registry")]
    UnknownProtocolRequirement(String),
    #[error("{0} is the id or alias of more than one requirement")]
    DuplicateName(String),
    #[error("requirement {0} is manual, so it has no scenario to wait for (not_yet_covered)")]
    ManualNotYetCovered(String),
    #[error(
        "requirement {requirement} names question {question}, which `questions` does not define"
    )]
    UnknownQuestion {
        requirement: String,
        question: String,
    },
}

/// One item of the evidence questionnaire (requirements catalogue §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    /// What it asks, in the project's words.
    pub text: String,
}

/// The registry file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    pub schema_version: u32,
    /// The requirement that a device breaking the protocol itself (an invalid hello, bad
    /// framing, malformed XML, a dropped session, no answer in time) fails, besides the
    /// requirement of the scenario it was in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_conformance: Option<String>,
    /// The questionnaire items that answer the manual requirements.
    #[serde(default)]
    pub questions: Vec<Question>,
    pub requirements: Vec<Requirement>,
}

impl Registry {
    pub const SCHEMA_VERSION: u32 = 1;

    /// Parses and checks a registry.
    pub fn parse(text: &str) -> Result<Registry, RegistryError> {
        let registry: Registry = serde_saphyr::from_str(text)?;
        if registry.schema_version != Self::SCHEMA_VERSION {
            return Err(RegistryError::Version {
                found: registry.schema_version,
                expected: Self::SCHEMA_VERSION,
            });
        }
        let mut seen = HashSet::new();
        for requirement in &registry.requirements {
            if !seen.insert(requirement.id.as_str()) {
                return Err(RegistryError::Duplicate(requirement.id.clone()));
            }
            if requirement.kind == RequirementKind::Manual && requirement.question.is_none() {
                return Err(RegistryError::ManualWithoutQuestion(requirement.id.clone()));
            }
            if requirement.kind == RequirementKind::Manual && requirement.not_yet_covered.is_some()
            {
                return Err(RegistryError::ManualNotYetCovered(requirement.id.clone()));
            }
            if let Some(question) = &requirement.question {
                if !registry.questions.is_empty()
                    && !registry.questions.iter().any(|q| &q.id == question)
                {
                    return Err(RegistryError::UnknownQuestion {
                        requirement: requirement.id.clone(),
                        question: question.clone(),
                    });
                }
            }
        }
        for requirement in &registry.requirements {
            for alias in &requirement.aliases {
                if !seen.insert(alias.as_str()) {
                    return Err(RegistryError::DuplicateName(alias.clone()));
                }
            }
        }
        if let Some(id) = &registry.protocol_conformance {
            if registry
                .get(id)
                .is_none_or(|r| r.kind != RequirementKind::Device)
            {
                return Err(RegistryError::UnknownProtocolRequirement(id.clone()));
            }
        }
        Ok(registry)
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The requirement with this id or alias.
    pub fn named(&self, name: &str) -> Option<&Requirement> {
        self.get(name).or_else(|| {
            self.requirements
                .iter()
                .find(|r| r.aliases.iter().any(|a| a == name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_versions_are_refused() {
        let one = "  - {id: A, title: t, source: s, group: g, level: must}\n";
        let ok = format!("schema_version: 1\nrequirements:\n{one}");
        assert_eq!(Registry::parse(&ok).expect("valid").requirements.len(), 1);
        let twice = format!("schema_version: 1\nrequirements:\n{one}{one}");
        assert!(matches!(
            Registry::parse(&twice),
            Err(RegistryError::Duplicate(_))
        ));
        let future = format!("schema_version: 2\nrequirements:\n{one}");
        assert!(matches!(
            Registry::parse(&future),
            Err(RegistryError::Version { found: 2, .. })
        ));
        let manual = "schema_version: 1\nrequirements:\n  - {id: Q, title: t, source: s, group: g, level: may, kind: manual}\n";
        assert!(matches!(
            Registry::parse(manual),
            Err(RegistryError::ManualWithoutQuestion(_))
        ));
        let protocol = format!("schema_version: 1\nprotocol_conformance: A\nrequirements:\n{one}");
        assert_eq!(
            Registry::parse(&protocol)
                .expect("valid")
                .protocol_conformance
                .as_deref(),
            Some("A")
        );
        let aliased = "schema_version: 1\nrequirements:\n  - {id: A, title: t, source: s, group: g, level: must, aliases: [OLD-A]}\n";
        let registry = Registry::parse(aliased).expect("valid");
        assert_eq!(registry.named("OLD-A").map(|r| r.id.as_str()), Some("A"));
        assert_eq!(registry.named("A").map(|r| r.id.as_str()), Some("A"));
        let clash = "schema_version: 1\nrequirements:\n  - {id: A, title: t, source: s, group: g, level: must}\n  - {id: B, title: t, source: s, group: g, level: must, aliases: [A]}\n";
        assert!(matches!(
            Registry::parse(clash),
            Err(RegistryError::DuplicateName(_))
        ));
        let elsewhere = format!("schema_version: 1\nprotocol_conformance: B\nrequirements:\n{one}");
        assert!(matches!(
            Registry::parse(&elsewhere),
            Err(RegistryError::UnknownProtocolRequirement(_))
        ));
    }
}
