//! The catalogue as the runner sees it: every scenario of `features/` with its merged tags
//! (feature, rule, scenario), what it needs, and which requirements it serves; plus the
//! registry, and a hash of both for the run record.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use cucumber::tag::Ext as _;
use gherkin::tagexpr::TagOperation;
use rfc3535_score::{Level, Registry};
use sha2::{Digest, Sha256};

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
    /// Capability names from `@cap:` tags.
    pub needs: Vec<String>,
    pub mechanism: Option<String>,
    pub multi: bool,
}

impl ScenarioInfo {
    /// `feature.feature: name`, as reports show it.
    pub fn label(&self) -> String {
        format!("{}: {}", self.feature, self.name)
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

/// The features directory: `RFC3535_FEATURES`, else `features/` in the current directory,
/// else the one in the source tree this binary was built from.
pub fn default_features_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RFC3535_FEATURES") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from("features");
    if here.join("requirements.yaml").is_file() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
}

fn strip(tag: &str) -> &str {
    tag.trim_start_matches('@')
}

impl Catalogue {
    pub fn load(dir: &Path) -> Result<Catalogue> {
        let registry_path = dir.join("requirements.yaml");
        let registry_text = std::fs::read_to_string(&registry_path)
            .with_context(|| format!("cannot read {}", registry_path.display()))?;
        let registry = Registry::parse(&registry_text)
            .with_context(|| format!("{} is not valid", registry_path.display()))?;
        let mut hasher = Sha256::new();
        hasher.update(registry_text.as_bytes());
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the features directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "feature"))
            .collect();
        files.sort();
        let mut scenarios = Vec::new();
        for path in &files {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
            hasher.update(text.as_bytes());
            let feature = gherkin::Feature::parse(&text, gherkin::GherkinEnv::default())
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
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
    fn check(&self) -> Result<()> {
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
            for need in &scenario.needs {
                if !super::discovery::KNOWN_CAPABILITIES.contains(&need.as_str()) {
                    problems.push(format!(
                        "{}: @cap:{need} is not a capability the harness can detect",
                        scenario.label()
                    ));
                }
            }
        }
        if !problems.is_empty() {
            bail!(
                "the catalogue is inconsistent:\n  {}",
                problems.join("\n  ")
            );
        }
        Ok(())
    }

    /// The scenarios a tag expression and a name fragment select (all without either).
    pub fn select(&self, tags: Option<&str>, name: Option<&str>) -> Result<Vec<ScenarioInfo>> {
        let operation = tags
            .map(|expression| {
                TagOperation::from_str(expression).map_err(|e| {
                    anyhow::anyhow!("--tags {expression:?} is not a tag expression: {e}")
                })
            })
            .transpose()?;
        let selected: Vec<ScenarioInfo> = self
            .scenarios
            .iter()
            .filter(|s| operation.as_ref().is_none_or(|o| o.eval(s.tags.iter())))
            .filter(|s| name.is_none_or(|n| s.name.contains(n)))
            .cloned()
            .collect();
        if selected.is_empty() {
            bail!("--tags / --name select no scenario of the catalogue");
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
    ScenarioInfo {
        feature: file.to_owned(),
        name: scenario.name.clone(),
        line: scenario.position.line,
        requirements: value("req:"),
        level: tags.iter().find_map(|t| Level::from_tag(t)),
        needs: value("cap:"),
        mechanism: value("mechanism:").into_iter().next(),
        multi: tags.iter().any(|t| t == "multi"),
        tags,
    }
}
