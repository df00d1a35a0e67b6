//! The catalogue as the runner sees it: every scenario of `features/` with its merged tags
//! (feature, rule, scenario), what it needs, and which requirements it serves; plus the
//! registry, and a hash of both for the run record.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use gherkin::tagexpr::TagOperation;
use rfc3535_score::{Level, Registry, RegistryError};
use sha2::{Digest, Sha256};

use crate::capability::Capability;

/// A catalogue that cannot be read, or a selection that selects nothing: usage problems.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is not valid: {error}")]
    Registry {
        path: PathBuf,
        error: Box<RegistryError>,
    },
    #[error("{path}: {message}")]
    Gherkin { path: PathBuf, message: String },
    #[error("the catalogue is inconsistent:\n  {}", .0.join("\n  "))]
    Inconsistent(Vec<String>),
    #[error("--tags {expression:?} is not a tag expression: {message}")]
    TagExpression { expression: String, message: String },
    #[error("--tags / --name select no scenario of the catalogue")]
    NothingSelected,
}

/// One scenario of the catalogue.
#[derive(Debug, Clone)]
pub struct ScenarioInfo {
    /// The feature file relative to the features directory.
    pub feature: String,
    pub name: String,
    pub line: usize,
    pub tags: Vec<String>,
    pub requirements: Vec<String>,
    pub level: Option<Level>,
    /// What the scenario needs the device to claim (`@cap:` tags).
    pub needs: Vec<Capability>,
    /// `@cap:` tags that name no capability the harness can detect (the catalogue is refused).
    pub unknown_needs: Vec<String>,
    pub mechanism: Option<String>,
    pub multi: bool,
}

impl ScenarioInfo {
    /// `feature.feature: name`, as reports show it.
    pub fn label(&self) -> String {
        format!("{}: {}", self.feature, self.name)
    }

    /// The scenario's identity in a run: feature file and line.
    pub fn key(&self) -> ScenarioKey {
        (self.feature.clone(), self.line)
    }

    /// The needs' tag names, as results.json lists them.
    pub fn need_names(&self) -> Vec<String> {
        self.needs.iter().map(|c| c.tag_name().to_owned()).collect()
    }
}

/// A scenario's identity within a run: feature file name and line.
pub type ScenarioKey = (String, usize);

/// Whether a tag expression holds for these tags (given without `@`).
pub fn tags_match(operation: &TagOperation, tags: &[String]) -> bool {
    match operation {
        TagOperation::And(left, right) => tags_match(left, tags) && tags_match(right, tags),
        TagOperation::Or(left, right) => tags_match(left, tags) || tags_match(right, tags),
        TagOperation::Not(inner) => !tags_match(inner, tags),
        TagOperation::Tag(tag) => tags.iter().any(|t| t == strip(tag)),
    }
}

/// Every scenario and the registry.
#[derive(Debug)]
pub struct Catalogue {
    pub dir: PathBuf,
    pub registry: Registry,
    pub scenarios: Vec<ScenarioInfo>,
    pub hash: String,
}

fn strip(tag: &str) -> &str {
    tag.trim_start_matches('@')
}

impl Catalogue {
    /// Reads the registry and every feature file of `dir`, and checks them against each other.
    pub fn load(dir: &Path) -> Result<Catalogue, CatalogueError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|error| CatalogueError::Read {
                path: path.to_owned(),
                error,
            })
        };
        let registry_path = dir.join("requirements.yaml");
        let registry_text = read(&registry_path)?;
        let registry =
            Registry::parse(&registry_text).map_err(|error| CatalogueError::Registry {
                path: registry_path.clone(),
                error: Box::new(error),
            })?;
        let mut hasher = Sha256::new();
        hasher.update(registry_text.as_bytes());
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|error| CatalogueError::Read {
                path: dir.to_owned(),
                error,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "feature"))
            .collect();
        files.sort();
        let mut scenarios = Vec::new();
        for path in &files {
            let text = read(path)?;
            hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
            hasher.update(text.as_bytes());
            let feature =
                gherkin::Feature::parse(&text, gherkin::GherkinEnv::default()).map_err(|e| {
                    CatalogueError::Gherkin {
                        path: path.clone(),
                        message: e.to_string(),
                    }
                })?;
            let file = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let mut add = |rule_tags: &[String], scenario: &gherkin::Scenario| {
                let tags: Vec<String> = feature
                    .tags
                    .iter()
                    .chain(rule_tags)
                    .chain(&scenario.tags)
                    .map(|t| strip(t).to_owned())
                    .collect();
                scenarios.push(describe(&file, scenario, tags));
            };
            for scenario in &feature.scenarios {
                add(&[], scenario);
            }
            for rule in &feature.rules {
                for scenario in &rule.scenarios {
                    add(&rule.tags, scenario);
                }
            }
        }
        // `@req:` tags may name a requirement by an alias; scenarios carry the canonical id.
        for scenario in &mut scenarios {
            for id in &mut scenario.requirements {
                if let Some(requirement) = registry.named(id) {
                    *id = requirement.id.clone();
                }
            }
        }
        let catalogue = Catalogue {
            dir: dir.to_owned(),
            registry,
            scenarios,
            hash: format!("sha256:{:x}", hasher.finalize()),
        };
        catalogue.check()?;
        Ok(catalogue)
    }

    /// Every scenario names known requirements, a level, and known mechanisms.
    fn check(&self) -> Result<(), CatalogueError> {
        let mut problems = Vec::new();
        for scenario in &self.scenarios {
            if scenario.requirements.is_empty() {
                problems.push(format!("{}: no @req: tag", scenario.label()));
            }
            if scenario.level.is_none() {
                problems.push(format!("{}: no @must/@should/@may tag", scenario.label()));
            }
            for id in &scenario.requirements {
                match self.registry.get(id) {
                    None => problems.push(format!(
                        "{}: @req:{id} is not in requirements.yaml",
                        scenario.label()
                    )),
                    Some(requirement) => {
                        if let Some(mechanism) = &scenario.mechanism {
                            if !requirement.mechanisms.is_empty()
                                && !requirement.mechanisms.iter().any(|m| &m.id == mechanism)
                            {
                                problems.push(format!(
                                    "{}: @mechanism:{mechanism} is not a mechanism of {id}",
                                    scenario.label()
                                ));
                            }
                        }
                    }
                }
            }
            for need in &scenario.unknown_needs {
                problems.push(format!(
                    "{}: @cap:{need} is not a capability the harness can detect",
                    scenario.label()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(CatalogueError::Inconsistent(problems));
        }
        Ok(())
    }

    /// The scenarios a tag expression and name fragments select: the tags must match, and
    /// the name must contain one of the fragments (no expression, no fragments: all).
    pub fn select(
        &self,
        tags: Option<&str>,
        names: &[String],
    ) -> Result<Vec<ScenarioInfo>, CatalogueError> {
        let operation = tags
            .map(|expression| {
                TagOperation::from_str(expression).map_err(|e| CatalogueError::TagExpression {
                    expression: expression.to_owned(),
                    message: e.to_string(),
                })
            })
            .transpose()?;
        let selected: Vec<ScenarioInfo> = self
            .scenarios
            .iter()
            .filter(|s| operation.as_ref().is_none_or(|o| tags_match(o, &s.tags)))
            .filter(|s| names.is_empty() || names.iter().any(|n| s.name.contains(n.as_str())))
            .cloned()
            .collect();
        if selected.is_empty() {
            return Err(CatalogueError::NothingSelected);
        }
        Ok(selected)
    }
}

fn describe(file: &str, scenario: &gherkin::Scenario, tags: Vec<String>) -> ScenarioInfo {
    let value = |prefix: &str| -> Vec<String> {
        tags.iter()
            .filter_map(|t| t.strip_prefix(prefix))
            .map(str::to_owned)
            .collect()
    };
    /// The needs, with the protocol a NETCONF-only mechanism implies: a scenario about the
    /// candidate is about NETCONF, and not applicable on a RESTCONF column for that reason.
    fn with_protocols(mut needs: Vec<Capability>) -> Vec<Capability> {
        for implied in needs.clone().iter().filter_map(|n| n.protocol()) {
            if !needs.contains(&implied) {
                needs.push(implied);
            }
        }
        needs
    }
    ScenarioInfo {
        feature: file.to_owned(),
        name: scenario.name.clone(),
        line: scenario.position.line,
        requirements: value("req:"),
        level: tags.iter().find_map(|t| Level::from_tag(t)),
        needs: with_protocols(
            value("cap:")
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
        ),
        unknown_needs: value("cap:")
            .into_iter()
            .filter(|n| n.parse::<Capability>().is_err())
            .collect(),
        mechanism: value("mechanism:").into_iter().next(),
        multi: tags.iter().any(|t| t == "multi"),
        tags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = "schema_version: 1\nrequirements:\n  - { id: R-1, title: One, source: here, group: G, level: must, mechanisms: [{ id: cand, title: candidate }, { id: start, title: startup }] }\n  - { id: R-2, title: Two, source: here, group: G, level: may }\n";

    fn catalogue_with(feature: &str) -> Result<Catalogue, CatalogueError> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("requirements.yaml"), REGISTRY).expect("write");
        std::fs::write(dir.path().join("10-a.feature"), feature).expect("write");
        Catalogue::load(dir.path())
    }

    const FEATURE: &str = "@req:R-1 @must\nFeature: A\n\n  Scenario: plain\n    Given a management session \"A\"\n\n  @cap:candidate @mechanism:cand @rfc6241-8.3\n  Scenario: needs the candidate\n    Given a management session \"A\"\n\n  @req:R-2 @may\n  Scenario: two requirements\n    Given a management session \"A\"\n\n  @multi\n  Rule: across devices\n\n    Scenario: fleet\n      Given every device\n";

    #[test]
    fn tags_merge_from_feature_rule_and_scenario() {
        let catalogue = catalogue_with(FEATURE).expect("loads");
        let names: Vec<&str> = catalogue
            .scenarios
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["plain", "needs the candidate", "two requirements", "fleet"]
        );
        let needs = &catalogue.scenarios[1];
        assert_eq!(needs.requirements, ["R-1"]);
        assert_eq!(needs.level, Some(Level::Must));
        // The candidate is NETCONF's: the scenario needs NETCONF too.
        assert_eq!(needs.needs, [Capability::Candidate, Capability::Netconf]);
        assert_eq!(needs.need_names(), ["candidate", "netconf"]);
        assert_eq!(needs.mechanism.as_deref(), Some("cand"));
        assert_eq!(needs.key(), ("10-a.feature".to_owned(), 8));
        assert_eq!(needs.label(), "10-a.feature: needs the candidate");
        assert_eq!(catalogue.scenarios[2].requirements, ["R-1", "R-2"]);
        assert!(catalogue.scenarios[3].multi && !catalogue.scenarios[0].multi);
        assert!(catalogue.hash.starts_with("sha256:"));
    }

    #[test]
    fn selection_by_tag_expression_and_name() {
        let catalogue = catalogue_with(FEATURE).expect("loads");
        let names = |tags: Option<&str>, name: &[&str]| -> Vec<String> {
            let name: Vec<String> = name.iter().map(|n| (*n).to_owned()).collect();
            catalogue
                .select(tags, &name)
                .expect("selects")
                .into_iter()
                .map(|s| s.name)
                .collect()
        };
        assert_eq!(names(Some("@cap:candidate"), &[]), ["needs the candidate"]);
        assert_eq!(
            names(Some("@req:R-1 and not @multi and not @req:R-2"), &[]),
            ["plain", "needs the candidate"]
        );
        assert_eq!(
            names(Some("@multi or @may"), &[]),
            ["two requirements", "fleet"]
        );
        assert_eq!(names(None, &["two"]), ["two requirements"]);
        // Several fragments: any of them.
        assert_eq!(
            names(None, &["two", "fleet"]),
            ["two requirements", "fleet"]
        );
        assert_eq!(names(Some("@multi"), &["plain", "fleet"]), ["fleet"]);
        assert!(matches!(
            catalogue.select(Some("@nothing"), &[]),
            Err(CatalogueError::NothingSelected)
        ));
        assert!(matches!(
            catalogue.select(Some("and and"), &[]),
            Err(CatalogueError::TagExpression { .. })
        ));
    }

    #[test]
    fn an_inconsistent_catalogue_is_refused_with_every_problem() {
        let feature = "Feature: B\n\n  @cap:teleport @req:R-9\n  Scenario: bad\n    Given x\n\n  @req:R-1 @must @mechanism:other\n  Scenario: wrong mechanism\n    Given x\n";
        let Err(CatalogueError::Inconsistent(problems)) = catalogue_with(feature) else {
            panic!("an inconsistent catalogue loads");
        };
        let text = problems.join("\n");
        for expected in [
            "no @must/@should/@may tag",
            "@req:R-9 is not in requirements.yaml",
            "@cap:teleport is not a capability",
            "@mechanism:other is not a mechanism of R-1",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
    }

    #[test]
    fn the_project_catalogue_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../features");
        let catalogue = Catalogue::load(&dir).expect("features/ is consistent");
        assert!(!catalogue.scenarios.is_empty());
    }
}
