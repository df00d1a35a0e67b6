//! Which step definition a scenario's step runs: one table for the whole process.
//!
//! Cucumber builds every run's step collection from fresh copies of every definition's
//! regex, and the regex crate gives every copy caches of its own; each step is then matched
//! against every definition of its keyword. With a run per device, a thousand devices held
//! about 4 MB each of regex caches (the catalogue has some 400 definitions), and every step of
//! every device was matched against all of them again: the largest share of the run's memory
//! and a twentieth of its CPU (benches/README.md, `scale`).
//!
//! Here each definition's regex is compiled once for the process (the regex crate hands each
//! thread its own cache of it), a step's text is matched once and the answer kept, and each
//! run's collection holds one catch-all step per keyword that looks the text up and calls the
//! definition the table names, with the captures cucumber would have given it. A step that
//! matches no definition, or several, fails as it did under cucumber's own lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use cucumber::codegen::{LazyRegex, Regex, StepConstructor, WorldInventory};
use cucumber::gherkin::StepType;
use cucumber::step::{Collection, Context, Location};
use futures::future::LocalBoxFuture;
use futures::FutureExt as _;
use rfc3535_harness::Finding;

use crate::steps::world::RunWorld;

/// A step definition: where it is written, what it matches, what it runs.
struct Definition {
    location: Location,
    regex: Regex,
    run: cucumber::Step<RunWorld>,
}

/// What a step's text matched.
enum Lookup {
    /// One definition (its index among its keyword's), with the captures cucumber passes.
    Found {
        index: usize,
        matches: Vec<(Option<String>, String)>,
    },
    /// None, or several (where they are written).
    Unmatched(Finding),
}

/// Every definition of the process, by keyword, and the lookups made so far.
struct Table {
    given: Vec<Definition>,
    when: Vec<Definition>,
    then: Vec<Definition>,
    /// Bounded by the catalogue: one entry per distinct step text.
    looked_up: Mutex<HashMap<(StepType, String), Arc<Lookup>>>,
}

fn definitions<T: StepConstructor<RunWorld> + 'static>(
    steps: impl Iterator<Item = &'static T>,
) -> Vec<Definition> {
    steps
        .map(|step| {
            let (location, regex, run): (Location, LazyRegex, cucumber::Step<RunWorld>) =
                step.inner();
            Definition {
                location,
                regex: regex(),
                run,
            }
        })
        .collect()
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table {
        given: definitions(
            cucumber::codegen::inventory::iter::<<RunWorld as WorldInventory>::Given>.into_iter(),
        ),
        when: definitions(
            cucumber::codegen::inventory::iter::<<RunWorld as WorldInventory>::When>.into_iter(),
        ),
        then: definitions(
            cucumber::codegen::inventory::iter::<<RunWorld as WorldInventory>::Then>.into_iter(),
        ),
        looked_up: Mutex::new(HashMap::new()),
    })
}

impl Table {
    fn of(&self, keyword: StepType) -> &[Definition] {
        match keyword {
            StepType::Given => &self.given,
            StepType::When => &self.when,
            StepType::Then => &self.then,
        }
    }

    /// The definition `text` runs under `keyword`, matched once per process.
    fn lookup(&self, keyword: StepType, text: &str) -> Arc<Lookup> {
        let key = (keyword, text.to_owned());
        let mut looked_up = self
            .looked_up
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = looked_up.get(&key) {
            return Arc::clone(found);
        }
        let found = Arc::new(match_text(self.of(keyword), text));
        looked_up.insert(key, Arc::clone(&found));
        found
    }
}

/// Matches `text` against every definition, as cucumber's own lookup does: exactly one must
/// match, and its captures are passed on (the whole match first, then each group, named or
/// not, an unmatched optional group as "").
fn match_text(definitions: &[Definition], text: &str) -> Lookup {
    let matched: Vec<(usize, Vec<String>)> = definitions
        .iter()
        .enumerate()
        .filter_map(|(index, d)| {
            let captures = d.regex.captures(text)?;
            let values = captures
                .iter()
                .map(|group| group.map_or("", |m| m.as_str()).to_owned())
                .collect();
            Some((index, values))
        })
        .collect();
    match matched.as_slice() {
        [] => Lookup::Unmatched(Finding::error(
            "harness bug: a step matches no step definition",
        )),
        [(index, values)] => Lookup::Found {
            index: *index,
            matches: definitions[*index]
                .regex
                .capture_names()
                .map(|name| name.map(str::to_owned))
                .zip(values.iter().cloned())
                .collect(),
        },
        several => {
            let mut places: Vec<String> = several
                .iter()
                .map(|(index, _)| {
                    let d = &definitions[*index];
                    format!(
                        "{} ({}:{})",
                        d.regex.as_str(),
                        d.location.path,
                        d.location.line
                    )
                })
                .collect();
            places.sort();
            Lookup::Unmatched(Finding::error(format!(
                "harness bug: a step matches several definitions: {}",
                places.join(", ")
            )))
        }
    }
}

/// Runs the definition the table names for the step in `context`.
fn dispatch(keyword: StepType, world: &mut RunWorld, context: Context) -> LocalBoxFuture<'_, ()> {
    let table = table();
    match &*table.lookup(keyword, &context.step.value) {
        Lookup::Found { index, matches } => (table.of(keyword)[*index].run)(
            world,
            Context {
                step: context.step,
                matches: matches.clone(),
            },
        ),
        // A step fails by panicking, with the finding's text (as a step's `Err` does).
        Lookup::Unmatched(finding) => {
            let text = finding.to_string();
            async move { panic!("{text}") }.boxed_local()
        }
    }
}

fn given(world: &mut RunWorld, context: Context) -> LocalBoxFuture<'_, ()> {
    dispatch(StepType::Given, world, context)
}

fn when(world: &mut RunWorld, context: Context) -> LocalBoxFuture<'_, ()> {
    dispatch(StepType::When, world, context)
}

fn then(world: &mut RunWorld, context: Context) -> LocalBoxFuture<'_, ()> {
    dispatch(StepType::Then, world, context)
}

/// A run's step collection: one catch-all step per keyword, each looking its step up in the
/// process's table.
pub fn collection() -> Collection<RunWorld> {
    // Matches any text, so that cucumber's lookup always finds exactly this one.
    let any = || Regex::new("(?s)^.*$").unwrap_or_else(|_| unreachable!("a valid regex"));
    Collection::new()
        .given(None, any(), given)
        .when(None, any(), when)
        .then(None, any(), then)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_matched_to_its_one_definition_with_cucumbers_captures() {
        let found = table().lookup(StepType::Given, "a management session \"A\"");
        let Lookup::Found { index, matches } = &*found else {
            panic!("a catalogue step is found");
        };
        assert!(table().given[*index]
            .regex
            .as_str()
            .contains("management session"));
        assert_eq!(
            matches
                .iter()
                .map(|(_, value)| value.as_str())
                .collect::<Vec<_>>()
                .first(),
            Some(&"a management session \"A\"")
        );
        // The parameter's text, unquoted, as cucumber's {string} gives it.
        assert!(
            matches.iter().skip(1).any(|(_, value)| value == "A"),
            "{matches:?}"
        );
        // Asked again: the same answer, kept.
        assert!(Arc::ptr_eq(
            &found,
            &table().lookup(StepType::Given, "a management session \"A\"")
        ));
    }

    #[test]
    fn a_step_that_matches_no_definition_is_a_harness_bug() {
        let found = table().lookup(StepType::Then, "the moon is made of cheese");
        let Lookup::Unmatched(finding) = &*found else {
            panic!("nothing matches");
        };
        assert!(
            finding.message().contains("matches no step definition"),
            "{finding}"
        );
    }
}
