//! Schema acquisition: the device's own modules, fetched with `<get-schema>` (RFC 6022 §3.1)
//! as its YANG library (RFC 8525, else RFC 7895) or, without one, its hello lists them; their
//! imports and includes followed; every problem recorded as a finding of its own. The modules
//! are written to a directory that `rfc3535-yang` builds a libyang context from.
//!
//! A cache directory keyed by the library's content-id / module-set-id means a second run
//! against the same device fetches nothing. Scenarios that judge the fetching itself fetch
//! live into a fresh directory.
//!
//! A module the device does not serve (`<get-schema>` refused or answered with something
//! else, or no `<get-schema>` at all) is taken, when it can be, from a local copy of the same
//! name and revision: the standard module directory, or what another device served before
//! (the cache). The device's failure stays a problem; the copy only lets its replies be
//! checked, and is named as such ([`Acquired::local_copies`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rfc3535_client::wire::{Capability, CapabilityKind};
use rfc3535_client::Session;
use rfc3535_yang::ModuleSpec;
use serde::{Deserialize, Serialize};

/// What acquisition found, saved beside the modules so a cached copy says the same.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Acquired {
    /// Where the list of modules came from.
    pub source: String,
    /// The cache key: content-id, module-set-id, or a hash of the hello's module list.
    pub key: String,
    /// The modules to load as implemented, with their features.
    pub implemented: Vec<Implemented>,
    /// Files written: `name@revision.yang`.
    pub files: Vec<String>,
    /// Every problem: a module that could not be fetched, or came back as something else.
    pub problems: Vec<String>,
    /// Files the device did not serve, taken from a local copy of the same module and
    /// revision: (file, where it came from).
    #[serde(default)]
    pub local_copies: Vec<(String, String)>,
    /// Modules of a device that serves none, for which no local copy was found.
    #[serde(default)]
    pub not_found: Vec<String>,
    /// Fetched from the device in this call (false: read from the cache).
    #[serde(skip)]
    pub fetched: bool,
    /// The session failed while fetching: no verdict on the modules can be reached.
    #[serde(skip)]
    pub transport_error: Option<String>,
}

/// One implemented module.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Implemented {
    pub name: String,
    pub revision: Option<String>,
    pub features: Vec<String>,
}

impl Acquired {
    pub fn specs(&self) -> Vec<ModuleSpec> {
        self.implemented
            .iter()
            .map(|m| ModuleSpec {
                name: m.name.clone(),
                revision: m.revision.clone(),
                features: m.features.clone(),
            })
            .collect()
    }
}

pub use rfc3535_yang::standard_modules;

/// A local copy of a module the device did not serve: the same name and, when the device
/// names one, the same revision. Looked for in the standard module directory, then among
/// the modules other devices served (the cache's entries). Returns the text and where it
/// was found.
fn local_copy(
    name: &str,
    revision: Option<&str>,
    cache: Option<&Path>,
) -> Option<(String, String)> {
    let file_names: Vec<String> = match revision {
        Some(revision) => vec![format!("{name}@{revision}.yang"), format!("{name}.yang")],
        None => vec![format!("{name}.yang")],
    };
    let mut places: Vec<PathBuf> = vec![standard_modules()];
    if let Some(root) = cache {
        if let Ok(entries) = std::fs::read_dir(root) {
            let mut entries: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            places.extend(entries);
        }
    }
    for place in places {
        for file in &file_names {
            let path = place.join(file);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let same_module = source_problem(&text, name, revision).is_none()
                && revision.is_none_or(|r| first_revision(&text).as_deref() == Some(r));
            if same_module {
                return Some((text, path.display().to_string()));
            }
        }
    }
    None
}

/// The default cache: `$RFC3535_CACHE`, else `$XDG_CACHE_HOME/rfc3535`, else
/// `~/.cache/rfc3535`; modules under `yang/`.
pub fn default_cache() -> PathBuf {
    let base = std::env::var_os("RFC3535_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rfc3535")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rfc3535")))
        .unwrap_or_else(|| std::env::temp_dir().join("rfc3535-cache"));
    base.join("yang")
}

/// What the YANG library says that disagrees with itself or with the hello: a deviation
/// module it does not list, a module whose revision differs from the hello's.
fn library_problems(library: &rfc3535_client::wire::YangLibrary, hello: &[String]) -> Vec<String> {
    let listed: BTreeSet<&str> = library.modules.iter().map(|m| m.name.as_str()).collect();
    let mut problems = Vec::new();
    for module in &library.modules {
        for deviation in &module.deviations {
            if !listed.contains(deviation.as_str()) {
                problems.push(format!(
                    "{}: deviated by {deviation}, which the YANG library does not list",
                    module.name
                ));
            }
        }
    }
    for uri in hello {
        if let CapabilityKind::Module { name, revision, .. } = Capability::parse(uri).kind {
            let in_library = library.modules.iter().find(|m| m.name == name);
            if let Some(module) = in_library {
                if module.revision.is_some() && revision.is_some() && module.revision != revision {
                    problems.push(format!(
                        "{name}: revision {} in the hello, {} in the YANG library",
                        revision.unwrap_or_default(),
                        module.revision.clone().unwrap_or_default()
                    ));
                }
            }
        }
    }
    problems
}

/// A module to fetch, as the library (or the hello) lists it.
struct Wanted {
    revision: Option<String>,
    features: Vec<String>,
    submodules: Vec<String>,
    implemented: bool,
    /// Where the library says the module's text is (RESTCONF's schema resource).
    locations: Vec<String>,
}

/// What is wrong with a `<get-schema>` answer for `module`, if anything. The YANG crate
/// compiles it later; this catches an answer that is not the module asked for.
pub fn source_problem(text: &str, module: &str, revision: Option<&str>) -> Option<String> {
    let opening = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "module" || w[0] == "submodule")
        .map(|w| w[1].trim_end_matches('{').trim_matches('"').to_owned());
    match opening {
        None => return Some("the answer is not YANG source (no module statement)".to_owned()),
        Some(found) if found != module => {
            return Some(format!("the answer is the source of module {found}"))
        }
        Some(_) => {}
    }
    if let Some(revision) = revision {
        if !text.contains(revision) {
            return Some(format!("the source has no revision {revision}"));
        }
    }
    None
}

/// The first `revision` date of a YANG text (the newest, by convention).
fn first_revision(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let is_date = |d: &str| {
        d.len() == 10
            && d.chars().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            })
    };
    words
        .windows(2)
        .filter(|w| w[0] == "revision")
        .map(|w| {
            w[1].trim_end_matches(['{', ';'])
                .trim_matches('"')
                .to_owned()
        })
        .find(|d| is_date(d))
}

fn sanitize(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Fetches (or reads from `cache`, when given) the device's modules.
pub async fn acquire(session: &Session, cache: Option<&Path>, fresh_dir: &Path) -> Acquired {
    acquire_from(session, cache, fresh_dir, true).await
}

/// Where a device's modules come from, over either protocol: its YANG library (or, over
/// NETCONF, its hello), and the text of each module (`<get-schema>`, or the RESTCONF schema
/// resource at the library's `location`).
#[expect(
    async_fn_in_trait,
    reason = "driven where the session lives; nothing needs the futures to be Send"
)]
pub trait ModuleServer {
    /// The device's YANG library, or why there is none.
    async fn library(
        &self,
    ) -> Result<Option<rfc3535_client::wire::YangLibrary>, crate::discovery::LibraryUnavailable>;

    /// The capabilities the session announced (a NETCONF hello); empty over RESTCONF.
    fn announced(&self) -> &[String];

    /// One module's text: `Ok(Err(why))` when the device refused or served something else,
    /// `Err` when the session broke.
    async fn fetch(
        &self,
        name: &str,
        revision: Option<&str>,
        locations: &[String],
    ) -> Result<Result<String, String>, String>;

    /// Told once the device's schema is known, before its configuration is read.
    fn learn(&self, _device: &crate::device::DeviceContext) {}
}

impl ModuleServer for Session {
    async fn library(
        &self,
    ) -> Result<Option<rfc3535_client::wire::YangLibrary>, crate::discovery::LibraryUnavailable>
    {
        crate::discovery::read_library(self).await
    }

    fn announced(&self) -> &[String] {
        self.capabilities()
    }

    async fn fetch(
        &self,
        name: &str,
        revision: Option<&str>,
        _locations: &[String],
    ) -> Result<Result<String, String>, String> {
        let reply = self
            .get_schema(name, revision)
            .await
            .map_err(|e| format!("get-schema of {name}: {e}"))?;
        if reply.is_success() {
            let text = reply.data_text().unwrap_or_default();
            Ok(match source_problem(&text, name, revision) {
                Some(problem) => Err(problem),
                None => Ok(text),
            })
        } else {
            let errors: Vec<String> = reply.errors.iter().map(ToString::to_string).collect();
            Ok(Err(format!("get-schema refused: {}", errors.join("; "))))
        }
    }
}

/// As [`acquire`]; `serves_schemas` false for a device without `<get-schema>`
/// (ietf-netconf-monitoring), whose modules can only be local copies, and whose missing
/// ones are then no problem of its own.
pub async fn acquire_from(
    session: &impl ModuleServer,
    cache: Option<&Path>,
    fresh_dir: &Path,
    serves_schemas: bool,
) -> Acquired {
    let mut acquired = Acquired::default();
    let mut wanted: BTreeMap<String, Wanted> = BTreeMap::new();
    match session.library().await {
        Ok(Some(library)) => {
            acquired.source = format!(
                "YANG library ({:?}), {} modules",
                library.format,
                library.modules.len()
            );
            acquired.key = library.content_id.clone().unwrap_or_default();
            acquired
                .problems
                .extend(library_problems(&library, session.announced()));
            for module in &library.modules {
                wanted.insert(
                    module.name.clone(),
                    Wanted {
                        revision: module.revision.clone(),
                        features: module.features.clone(),
                        submodules: module.submodules.clone(),
                        implemented: module.implemented,
                        locations: module.locations.clone(),
                    },
                );
            }
        }
        other => {
            if let Err(note) = other {
                acquired.problems.push(note.to_string());
            }
            acquired.source = "the hello's module capabilities (no YANG library)".to_owned();
            for uri in session.announced() {
                if let CapabilityKind::Module {
                    name,
                    revision,
                    features,
                    ..
                } = Capability::parse(uri).kind
                {
                    wanted.insert(
                        name,
                        Wanted {
                            revision,
                            features,
                            submodules: Vec::new(),
                            implemented: true,
                            locations: Vec::new(),
                        },
                    );
                }
            }
            let listing: Vec<String> = wanted
                .iter()
                .map(|(n, w)| format!("{n}@{:?}{:?}", w.revision, w.features))
                .collect();
            acquired.key = format!("hello-{}", simple_hash(&listing.join(",")));
        }
    }
    acquired.implemented = wanted
        .iter()
        .filter(|(_, w)| w.implemented)
        .map(|(name, w)| Implemented {
            name: name.clone(),
            revision: w.revision.clone(),
            features: w.features.clone(),
        })
        .collect();

    let dir = match cache {
        Some(root) if !acquired.key.is_empty() => root.join(sanitize(&acquired.key)),
        _ => fresh_dir.to_owned(),
    };
    let record = dir.join("acquired.json");
    if cache.is_some() {
        if let Some(saved) = std::fs::read_to_string(&record)
            .ok()
            .and_then(|t| serde_json::from_str::<Acquired>(&t).ok())
        {
            return Acquired {
                fetched: false,
                ..saved
            };
        }
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        acquired
            .problems
            .push(format!("cannot write {}: {e}", dir.display()));
        return acquired;
    }
    acquired.fetched = true;

    let mut queue: Vec<(String, Option<String>)> = wanted
        .iter()
        .flat_map(|(name, w)| {
            std::iter::once((name.clone(), w.revision.clone()))
                .chain(w.submodules.iter().map(|s| (s.clone(), None)))
        })
        .collect();
    let locations_of = |name: &str| -> Vec<String> {
        wanted
            .get(name)
            .map(|w| w.locations.clone())
            .unwrap_or_default()
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    while let Some((name, revision)) = queue.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let served = if serves_schemas {
            match session
                .fetch(&name, revision.as_deref(), &locations_of(&name))
                .await
            {
                Ok(served) => served,
                Err(problem) => {
                    acquired.transport_error = Some(problem);
                    break;
                }
            }
        } else {
            Err("the device serves no modules (no ietf-netconf-monitoring)".to_owned())
        };
        let text = match served {
            Ok(text) => text,
            Err(problem) => {
                let copy = local_copy(&name, revision.as_deref(), cache);
                let Some((text, from)) = copy else {
                    if serves_schemas {
                        acquired.problems.push(format!("{name}: {problem}"));
                    } else {
                        acquired.not_found.push(name.clone());
                    }
                    continue;
                };
                if serves_schemas {
                    acquired.problems.push(format!(
                        "{name}: {problem}; a local copy of the same module and revision ({from}) is used to check replies"
                    ));
                }
                let file = module_file(&name, revision.as_deref(), &text);
                acquired.local_copies.push((file, from));
                text
            }
        };
        let file = module_file(&name, revision.as_deref(), &text);
        if let Err(e) = write_whole(&dir.join(&file), &text) {
            acquired.problems.push(format!("cannot write {file}: {e}"));
            continue;
        }
        acquired.files.push(file);
        for dependency in rfc3535_yang::dependencies(&text) {
            if !done.contains(&dependency) && !rfc3535_yang::is_built_in(&dependency) {
                queue.push((dependency, None));
            }
        }
    }
    acquired.files.sort();
    // Only a complete set is cached: a module the device failed to serve once is asked for
    // again next time.
    if cache.is_some()
        && acquired.problems.is_empty()
        && acquired.not_found.is_empty()
        && acquired.transport_error.is_none()
    {
        if let Ok(text) = serde_json::to_string_pretty(&acquired) {
            let _ = write_whole(&record, &text);
        }
    }
    acquired.source = format!("{}; modules in {}", acquired.source, dir.display());
    acquired
}

/// The file name a module is kept under: `name@revision.yang`.
fn module_file(name: &str, revision: Option<&str>, text: &str) -> String {
    match revision.map(str::to_owned).or_else(|| first_revision(text)) {
        Some(revision) => format!("{name}@{revision}.yang"),
        None => format!("{name}.yang"),
    }
}

/// Writes a file so that a reader never sees it half-written: devices that share a cache
/// entry fetch into it at the same time.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let partial = path.with_extension(format!("partial-{}-{unique}", std::process::id()));
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

/// The file of a schema snapshot that holds the device's YANG library as it served it.
pub const LIBRARY_FILE: &str = "yang-library.xml";

/// Copies a device's schema as acquired (its module files and `acquired.json`, which says
/// which are implemented with which features) into `dest`, so that a run directory holds
/// everything needed to check its replies again elsewhere (`rfc3535 report --rejudge`).
pub fn snapshot(acquired: &Acquired, from: &Path, dest: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dest)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let is_module = path.extension().is_some_and(|e| e == "yang" || e == "yin");
        if is_module {
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, dest.join(name))?;
            }
        }
    }
    let record = serde_json::to_string_pretty(acquired).map_err(std::io::Error::other)?;
    std::fs::write(dest.join("acquired.json"), record)
}

/// Reads a schema snapshot written by [`snapshot`]: what was acquired, for compiling the
/// modules beside it.
pub fn read_snapshot(dir: &Path) -> std::io::Result<Acquired> {
    let text = std::fs::read_to_string(dir.join("acquired.json"))?;
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

/// The directory an acquisition wrote to.
pub fn directory_of(acquired: &Acquired, cache: Option<&Path>, fresh_dir: &Path) -> PathBuf {
    match cache {
        Some(root) if !acquired.key.is_empty() => root.join(sanitize(&acquired.key)),
        _ => fresh_dir.to_owned(),
    }
}

/// A short stable hash for cache keys (FNV-1a; not for security).
fn simple_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use rfc3535_client::wire::{LibraryFormat, LibraryModule, YangLibrary};

    use super::*;

    fn module(name: &str, revision: &str, deviations: &[&str]) -> LibraryModule {
        LibraryModule {
            name: name.into(),
            revision: Some(revision.into()),
            deviations: deviations.iter().map(|d| (*d).to_owned()).collect(),
            implemented: true,
            ..LibraryModule::default()
        }
    }

    #[test]
    fn the_library_is_checked_against_itself_and_the_hello() {
        let library = YangLibrary {
            format: LibraryFormat::Rfc7895,
            content_id: Some("1".into()),
            modules: vec![
                module("a", "2020-01-01", &["a-dev"]),
                module("b", "2021-01-01", &[]),
            ],
            datastores: Vec::new(),
        };
        let hello = vec!["urn:b?module=b&revision=2022-02-02".to_owned()];
        let problems = library_problems(&library, &hello);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("a-dev"));
        assert!(problems[1].contains("2022-02-02"));
    }

    #[test]
    fn answers_that_are_not_the_module_asked_for() {
        assert_eq!(
            source_problem("module a { revision 2020-01-01; }", "a", Some("2020-01-01")),
            None
        );
        assert!(source_problem("", "a", None).is_some());
        assert!(source_problem("module b {}", "a", None).is_some_and(|p| p.contains("module b")));
        assert!(source_problem("module a {}", "a", Some("2020-01-01")).is_some());
        assert_eq!(
            first_revision("description \"revision of x\"; revision 2014-08-06 {"),
            Some("2014-08-06".into())
        );
    }
}
