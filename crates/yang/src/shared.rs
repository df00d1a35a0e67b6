//! One compiled schema per distinct module set in the process.
//!
//! A fleet is mostly devices of a few kinds running a few releases: their modules are the
//! same, byte for byte. Compiling one libyang context per device costs a compile each
//! (tens of milliseconds of CPU and megabytes of memory), and libyang finds a context's
//! dictionary by walking a process-wide list of every live context, on every string it
//! stores, so the cost of each data operation grows with the number of contexts. Measured on
//! 200 reference devices before this cache: 2.4 to 3.0 CPU seconds per device, growing with
//! the fleet (benches/README.md, `scale`).
//!
//! So contexts are shared by content: the key is a SHA-256 over the module files of the
//! directory (names and bytes) and the modules to implement with their features. libyang
//! documents a context as safe to read from several threads at once, its dictionary being
//! behind a lock (libyang.h, "Threading Limitations"); every [`Schema`] method takes `&self`
//! and changes no context, so an `Arc<Schema>` serves every thread.
//!
//! The cache holds weak references: a context lives as long as something holds it (a device,
//! a runner thread's own map) and is freed with the last holder, as before.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use sha2::{Digest as _, Sha256};

use crate::{ModuleSpec, Schema, SchemaError};

/// A compiled schema, or why its modules do not compile, shared by all who have the same
/// modules.
pub type SharedSchema = Arc<Result<Schema, SchemaError>>;

type Key = [u8; 32];

/// The contexts compiled so far, by module set; an entry outlives its context only until the
/// next compile sweeps it.
type Compiled = BTreeMap<Key, Weak<Result<Schema, SchemaError>>>;

static SHARED: Mutex<Compiled> = Mutex::new(BTreeMap::new());

/// What identifies a module set: every module file of `dir` (name and bytes, in name order)
/// and the modules to implement with their features. `None` when the directory cannot be
/// read (the caller compiles on its own and reports what libyang says).
fn key_of(dir: &Path, implemented: &[ModuleSpec]) -> Option<Key> {
    let mut files: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .filter(|(name, _)| name.ends_with(".yang") || name.ends_with(".yin"))
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    // Lengths before contents, so that no two different sets hash the same bytes.
    for (name, path) in &files {
        let bytes = std::fs::read(path).ok()?;
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    hash.update(b"\0implemented");
    for spec in implemented {
        for part in [spec.name.as_str(), spec.revision.as_deref().unwrap_or("")]
            .into_iter()
            .chain(spec.features.iter().map(String::as_str))
        {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        hash.update(b"\0");
    }
    Some(hash.finalize().into())
}

impl Schema {
    /// [`Schema::from_dir`], compiled once for every holder of the same modules: a second
    /// directory with the same files and the same modules to implement gets the same context.
    pub fn shared_from_dir(dir: &Path, implemented: &[ModuleSpec]) -> SharedSchema {
        let Some(key) = key_of(dir, implemented) else {
            return Arc::new(Schema::from_dir(dir, implemented));
        };
        // Compiling under the lock makes the holders of one module set wait for one compile
        // rather than each run its own; compiles are CPU-bound, so little else is lost.
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(schema) = shared.get(&key).and_then(Weak::upgrade) {
            return schema;
        }
        let schema = Arc::new(Schema::from_dir(dir, implemented));
        shared.retain(|_, held| held.strong_count() > 0);
        shared.insert(key, Arc::downgrade(&schema));
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str = r#"module m { yang-version 1.1; namespace "urn:m"; prefix m;
        feature f; leaf a { type string; } leaf b { if-feature f; type string; } }"#;

    fn dir_with(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("m.yang"), text).expect("write");
        dir
    }

    fn spec(features: &[&str]) -> Vec<ModuleSpec> {
        vec![ModuleSpec {
            name: "m".into(),
            revision: None,
            features: features.iter().map(|f| (*f).to_owned()).collect(),
        }]
    }

    #[test]
    fn the_same_modules_in_two_directories_share_one_context() {
        let (one, two) = (dir_with(MODULE), dir_with(MODULE));
        let first = Schema::shared_from_dir(one.path(), &spec(&["f"]));
        let second = Schema::shared_from_dir(two.path(), &spec(&["f"]));
        assert!(Arc::ptr_eq(&first, &second));
        assert!(first.as_ref().is_ok());
    }

    #[test]
    fn other_bytes_or_other_features_get_a_context_of_their_own() {
        let base = dir_with(MODULE);
        let edited = dir_with(&MODULE.replace("leaf a", "leaf c"));
        let first = Schema::shared_from_dir(base.path(), &spec(&["f"]));
        let other_bytes = Schema::shared_from_dir(edited.path(), &spec(&["f"]));
        let other_features = Schema::shared_from_dir(base.path(), &spec(&[]));
        assert!(!Arc::ptr_eq(&first, &other_bytes));
        assert!(!Arc::ptr_eq(&first, &other_features));
        let valid = |schema: &SharedSchema, xml: &str| {
            schema
                .as_ref()
                .as_ref()
                .expect("compiles")
                .validate(xml, crate::Content::PartialConfig)
                .is_ok()
        };
        assert!(valid(&first, r#"<b xmlns="urn:m">x</b>"#));
        assert!(!valid(&other_features, r#"<b xmlns="urn:m">x</b>"#));
        assert!(valid(&other_bytes, r#"<c xmlns="urn:m">x</c>"#));
    }

    #[test]
    fn a_context_is_freed_with_its_last_holder_and_compiled_again_when_asked() {
        let dir = dir_with(&MODULE.replace("urn:m", "urn:m-freed"));
        let first = Schema::shared_from_dir(dir.path(), &spec(&[]));
        let weak = Arc::downgrade(&first);
        drop(first);
        assert!(weak.upgrade().is_none(), "the cache holds no context alive");
        let again = Schema::shared_from_dir(dir.path(), &spec(&[]));
        assert!(again.as_ref().is_ok());
    }

    #[test]
    fn one_context_serves_several_threads_at_once() {
        let dir = dir_with(&MODULE.replace("urn:m", "urn:m-threads"));
        let schema = Schema::shared_from_dir(dir.path(), &spec(&["f"]));
        let threads: Vec<_> = (0..4)
            .map(|n| {
                let schema = Arc::clone(&schema);
                std::thread::spawn(move || {
                    let schema = schema.as_ref().as_ref().expect("compiles");
                    (0..200).all(|i| {
                        let good = format!(r#"<a xmlns="urn:m-threads">{n}-{i}</a>"#);
                        let bad = format!(r#"<z xmlns="urn:m-threads">{n}-{i}</z>"#);
                        schema
                            .validate(&good, crate::Content::PartialConfig)
                            .is_ok()
                            && schema
                                .validate(&bad, crate::Content::PartialConfig)
                                .is_err()
                    })
                })
            })
            .collect();
        for thread in threads {
            assert!(thread.join().expect("no panic"));
        }
    }
}
