//! Steps about what a device says of itself: base protocol, YANG modules, the YANG library,
//! errors for requests it cannot honour, state reads and filters.

use std::collections::BTreeMap;
use std::sync::Arc;

use cucumber::{then, when};
use rfc3535_client::wire::tree::{canonical_fragment, difference_summary, Element};
use rfc3535_client::wire::{ErrorTag, Filter, CAP_BASE_1_1};

use super::world::{reply_data, Finding, RunWorld, StepResult};

use rfc3535_client::wire::ns::{self, MONITORING as NS_MONITORING};

/// Top-level state-only subtrees of standard modules: what is looked for in a configuration
/// read when the device's own schema is not at hand.
const STATE_ONLY: &[(&str, &str)] = &[
    (NS_MONITORING, "netconf-state"),
    (ns::YANG_LIBRARY, "modules-state"),
    (ns::YANG_LIBRARY, "yang-library"),
    (ns::SYSTEM, "system-state"),
    (ns::INTERFACES, "interfaces-state"),
    (ns::ROUTING, "routing-state"),
];

#[then(expr = "the device offers base protocol 1.1")]
async fn offers_base_11(world: &mut RunWorld) -> StepResult {
    let session = world.netconf("A")?;
    if session
        .capabilities()
        .iter()
        .any(|c| c.trim() == CAP_BASE_1_1)
    {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the hello does not offer {CAP_BASE_1_1} (chunked framing); it offers only {}",
        session
            .capabilities()
            .iter()
            .filter(|c| c.starts_with("urn:ietf:params:netconf:base:"))
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[when(expr = "{string} downloads every module the device announces, in YANG, and compiles them")]
async fn downloads_modules(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    // Judged on a live fetch: the run's own, when it fetched before the scenarios, else one
    // now, into a directory of this scenario's own (a cached copy proves nothing about what
    // the device serves today, and fetching twice is one more load on the device).
    let (acquired, dir, scratch) = match (&device.schema, &device.schema_dir) {
        (Some(acquired), Some(dir)) if acquired.fetched => (acquired.clone(), dir.clone(), false),
        _ => {
            // Named by process, device and scenario: nonces repeat across devices that run
            // the same scenario in the same millisecond.
            let dir = std::env::temp_dir().join(format!(
                "rfc3535-fetch-{}-{}-{}",
                std::process::id(),
                device.name,
                world.nonce
            ));
            let acquired =
                rfc3535_harness::schema::acquire(world.netconf(&name)?, None, &dir).await;
            (acquired, dir, true)
        }
    };
    if let Some(error) = &acquired.transport_error {
        return Err(Finding::error(format!("transport: {error}")));
    }
    device.remember_served(&acquired);
    world
        .measurements
        .insert("modules_fetched".to_owned(), acquired.files.len().into());
    world.notes.extend(acquired.problems.iter().cloned());
    // The same modules compile the same way: a fleet of one kind compiles them once.
    let compiled = rfc3535_yang::Schema::shared_from_dir(&dir, &acquired.specs());
    if scratch {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match compiled.as_ref() {
        Ok(schema) => {
            world
                .measurements
                .insert("modules_compiled".to_owned(), schema.modules.len().into());
        }
        Err(e) => world.compile_error = Some(e.to_string()),
    }
    Ok(())
}

#[then(expr = "the modules compile into one schema")]
async fn modules_compile(world: &mut RunWorld) -> StepResult {
    match &world.compile_error {
        None => Ok(()),
        Some(error) => Err(Finding::fail(format!(
            "the device's own modules do not compile with libyang: {error}"
        ))),
    }
}

#[then(expr = "the reply validates against the device's schema as a whole configuration")]
async fn validates_full_config(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    device.validate_reply(
        world.kept_reply()?,
        rfc3535_yang::Content::FullConfig,
        "the running configuration",
    )
}

#[then(expr = "the reply validates against the device's schema as data")]
async fn validates_data(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    device.validate_reply(
        world.kept_reply()?,
        rfc3535_yang::Content::Data,
        "the reply",
    )
}

#[then(expr = "every module comes back as the YANG source of that module and revision")]
async fn every_module_back(world: &mut RunWorld) -> StepResult {
    if world.notes.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{} module(s) could not be downloaded as announced: {}",
        world.notes.len(),
        world.notes.join("; ")
    )))
}

#[when(expr = "{string} reads the YANG library")]
async fn reads_library(world: &mut RunWorld, name: String) -> StepResult {
    let session = world.netconf(&name)?;
    let library = rfc3535_harness::discovery::read_library(session)
        .await
        .map_err(|e| Finding::fail(e.to_string()))?
        .ok_or_else(|| Finding::fail("the YANG library is announced but empty"))?;
    let hello = session.capabilities().to_vec();
    world.measurements.insert(
        "library_modules".to_owned(),
        library.implemented().count().into(),
    );
    world.library_reads.push(library.clone());
    world.library = Some((library, hello));
    Ok(())
}

#[when(expr = "{string} reads the YANG library again")]
async fn reads_library_again(world: &mut RunWorld, name: String) -> StepResult {
    reads_library(world, name).await
}

#[when(expr = "a new management session {string} reads the YANG library")]
async fn new_session_reads_library(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let session = super::world::open_session(&device, &device.connect).await?;
    world.sessions.insert(name.clone(), session);
    reads_library(world, name).await
}

#[then(expr = "every read of the YANG library names the same modules under the same identifier")]
async fn library_holds_still(world: &mut RunWorld) -> StepResult {
    let [first, rest @ ..] = &world.library_reads[..] else {
        return Err(Finding::error("harness bug: no YANG library read"));
    };
    if rest.is_empty() {
        return Err(Finding::error(
            "harness bug: one YANG library read, nothing to compare",
        ));
    }
    let modules = |library: &rfc3535_client::wire::YangLibrary| {
        let mut modules: Vec<String> = library
            .modules
            .iter()
            .map(|m| {
                let mut features = m.features.clone();
                features.sort();
                format!(
                    "{}@{}{}{}",
                    m.name,
                    m.revision.as_deref().unwrap_or(""),
                    if m.implemented { "" } else { " (import-only)" },
                    if features.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", features.join(","))
                    }
                )
            })
            .collect();
        modules.sort();
        modules
    };
    let mut problems = Vec::new();
    for (index, later) in rest.iter().enumerate() {
        if later.content_id != first.content_id {
            problems.push(format!(
                "read {} says {:?}, read 1 said {:?}",
                index + 2,
                later.content_id.as_deref().unwrap_or("(none)"),
                first.content_id.as_deref().unwrap_or("(none)")
            ));
        }
        let (before, after) = (modules(first), modules(later));
        if before != after {
            let gone: Vec<&String> = before.iter().filter(|m| !after.contains(m)).collect();
            let new: Vec<&String> = after.iter().filter(|m| !before.contains(m)).collect();
            problems.push(format!(
                "read {} lists other modules (gone: {gone:?}; new: {new:?})",
                index + 2
            ));
        }
    }
    if first.content_id.is_none() {
        problems.push("the library has no content-id (module-set-id)".to_owned());
    }
    if problems.is_empty() {
        return Ok(());
    }
    // RFC 8525 §3 / RFC 7895 §2.2: the identifier changes when, and only when, the
    // library's content does; nothing changed between these reads.
    Err(Finding::fail(format!(
        "the YANG library changed between reads although nothing was changed on the device: {}",
        problems.join("; ")
    )))
}

/// How many schema-list entries are fetched at most (the check is bounded on any device).
const SCHEMA_LIST_LIMIT: usize = 200;

#[when(expr = "{string} reads the monitoring schema list")]
async fn reads_schema_list(world: &mut RunWorld, name: String) -> StepResult {
    let filter = Filter::subtree(format!(
        "<netconf-state xmlns=\"{NS_MONITORING}\"><schemas/></netconf-state>"
    ));
    let reply = world.netconf(&name)?.get(Some(filter), None).await?;
    reply_data(&reply, "get of /netconf-state/schemas")?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "{string} can fetch every YANG module the list names with get-schema")]
async fn schema_list_is_served(world: &mut RunWorld, name: String) -> StepResult {
    let data = reply_data(world.kept_reply()?, "get of /netconf-state/schemas")?;
    let entries: Vec<(String, String)> = data
        .iter()
        .flat_map(|e| e.find_all(&["schemas", "schema"]))
        .filter(|s| {
            let format = s.child("format").map(|f| f.text.trim()).unwrap_or_default();
            let netconf = s
                .children_named("location")
                .any(|l| l.text.trim() == "NETCONF");
            format.rsplit(':').next() == Some("yang") && netconf
        })
        .map(|s| {
            let field = |n: &str| {
                s.child(n)
                    .map(|c| c.text.trim().to_owned())
                    .unwrap_or_default()
            };
            (field("identifier"), field("version"))
        })
        .collect();
    if entries.is_empty() {
        return Err(Finding::fail(
            "/netconf-state/schemas names no YANG module available over NETCONF (RFC 6022 §2.1.3)",
        ));
    }
    world
        .measurements
        .insert("schemas_listed".to_owned(), entries.len().into());
    let device = Arc::clone(world.device()?);
    let session = world.netconf(&name)?;
    let mut problems = Vec::new();
    let mut fetched = 0;
    for (identifier, version) in entries.iter().take(SCHEMA_LIST_LIMIT) {
        let key = if version.is_empty() {
            identifier.clone()
        } else {
            format!("{identifier}@{version}")
        };
        // A module this run already got from the device, or that is in the schema the run
        // holds for it (fetched, or cached under the device's own content-id), is not asked
        // for again: some devices fail a second fetch of a module (docs/lab-findings.md).
        // A local copy that stands in for a module the device did not serve does not count.
        let in_schema = device.schema.as_ref().is_some_and(|acquired| {
            acquired.files.iter().any(|f| {
                f.trim_end_matches(".yang") == key
                    && !acquired.local_copies.iter().any(|(copy, _)| copy == f)
            })
        });
        let problem = match device.served(&key) {
            Some(problem) => problem,
            None if in_schema => None,
            None => {
                let version = (!version.is_empty()).then_some(version.as_str());
                let reply = session.get_schema(identifier, version).await?;
                fetched += 1;
                let problem = if reply.is_success() {
                    let text = reply.data_text().unwrap_or_default();
                    rfc3535_harness::schema::source_problem(&text, identifier, version)
                } else {
                    Some(format!(
                        "refused ({})",
                        super::world::describe_errors(&reply)
                    ))
                };
                device.record_served(&key, problem.clone());
                problem
            }
        };
        if let Some(problem) = problem {
            problems.push(format!("{key}: {problem}"));
        }
    }
    world
        .measurements
        .insert("schemas_fetched_here".to_owned(), fetched.into());
    if entries.len() > SCHEMA_LIST_LIMIT {
        world.notes.push(format!(
            "fetched the first {SCHEMA_LIST_LIMIT} of {} listed modules",
            entries.len()
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "modules the schema list names are not served by get-schema (RFC 6022 §3.1): {}",
        problems.join("; ")
    )))
}

#[when(expr = "{string} reads the state of the datastores and sessions")]
async fn reads_datastores_and_sessions(world: &mut RunWorld, name: String) -> StepResult {
    let filter = Filter::subtree(format!(
        "<netconf-state xmlns=\"{NS_MONITORING}\"><datastores/><sessions/></netconf-state>"
    ));
    let reply = world.netconf(&name)?.get(Some(filter), None).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(
    expr = "the reply names session {string} as the holder of the lock on the configuration it edits"
)]
async fn names_lock_holder(world: &mut RunWorld, name: String) -> StepResult {
    let id = world.netconf(&name)?.session_id().to_string();
    let target = world.device()?.edit_target().name().to_owned();
    let reply = world.kept_reply()?;
    let data = reply_data(reply, "get of /netconf-state/datastores")?;
    let datastores: Vec<&Element> = data
        .iter()
        .flat_map(|e| e.find_all(&["datastores", "datastore"]))
        .collect();
    let Some(datastore) = datastores
        .iter()
        .find(|d| d.child("name").is_some_and(|n| n.text.trim() == target))
    else {
        return Err(Finding::fail(format!(
            "/netconf-state/datastores does not list {target}, which session {id} has locked (RFC 6022 §2.1.2)"
        )));
    };
    let holders: Vec<String> = datastore
        .find_all(&["locks", "global-lock", "locked-by-session"])
        .iter()
        .map(|e| e.text.trim().to_owned())
        .collect();
    if holders.contains(&id) {
        return Ok(());
    }
    Err(Finding::fail(if holders.is_empty() {
        format!(
            "/netconf-state/datastores shows no lock on {target}, which session {id} holds (RFC 6022 §2.1.2)"
        )
    } else {
        format!("/netconf-state/datastores names session(s) {holders:?} as holding the lock on {target}, which session {id} holds")
    }))
}

#[then(expr = "every module the hello names is in the library with the same revision")]
async fn hello_modules_in_library(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let (library, _) = world
        .library
        .as_ref()
        .ok_or_else(|| Finding::error("harness bug: the library was not read"))?;
    let mut problems = Vec::new();
    for (module, revision) in device.hello_modules() {
        // Implemented or import-only: a YANG 1.0 client loads what the hello names.
        let listed: Vec<&rfc3535_client::wire::LibraryModule> = library
            .modules
            .iter()
            .filter(|m| m.name == *module)
            .collect();
        if listed.is_empty() {
            problems.push(format!(
                "{module} is named in the hello but not in the library"
            ));
        } else if !listed.iter().any(|m| m.revision == *revision) {
            problems.push(format!(
                "{module}: hello revision {:?}, library revision {}",
                revision.as_deref().unwrap_or_default(),
                listed
                    .iter()
                    .map(|m| format!("{:?}", m.revision.as_deref().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
    }
    world.notes.push(format!(
        "{} module(s) named in the hello, {} implemented in the library",
        device.hello_modules().len(),
        library.implemented().count()
    ));
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(problems.join("; ")))
}

#[then(expr = "the library's identifier is the one the hello announces")]
async fn library_identifier(world: &mut RunWorld) -> StepResult {
    let (library, hello) = world
        .library
        .as_ref()
        .ok_or_else(|| Finding::error("harness bug: the library was not read"))?;
    // RFC 8526 §2: content-id on :yang-library:1.1; RFC 7950 §5.6.4: module-set-id on :1.0.
    let announced = hello.iter().find_map(|uri| {
        let capability = rfc3535_client::wire::Capability::parse(uri);
        match &capability.kind {
            rfc3535_client::wire::CapabilityKind::Standard { name, version }
                if name == "yang-library" =>
            {
                let key = if version == "1.0" {
                    "module-set-id"
                } else {
                    "content-id"
                };
                Some((key, capability.parameter(key).map(str::to_owned)))
            }
            _ => None,
        }
    });
    let Some((key, announced)) = announced else {
        return Err(Finding::fail(
            "the device serves a YANG library but its hello has no :yang-library capability",
        ));
    };
    let Some(announced) = announced else {
        return Err(Finding::fail(format!(
            "the hello's :yang-library capability carries no {key}"
        )));
    };
    match &library.content_id {
        Some(served) if *served == announced => Ok(()),
        Some(served) => Err(Finding::fail(format!(
            "the hello announces {key} {announced:?}; the library serves {served:?}"
        ))),
        None => Err(Finding::fail(format!(
            "the hello announces {key} {announced:?}; the library serves none"
        ))),
    }
}

#[when(expr = "{string} asks for an operation no device knows")]
async fn unknown_operation(world: &mut RunWorld, name: String) -> StepResult {
    let reply = world
        .netconf(&name)?
        .raw("<rfc3535-no-such-operation xmlns=\"urn:rfc3535:params:xml:ns:test\"/>")
        .await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "the reply is an error with a type and one of the tags {string}")]
async fn error_with_type_and_tags(world: &mut RunWorld, tags: String) -> StepResult {
    let reply = world.kept_reply()?;
    let allowed = tags
        .split(',')
        .map(|t| t.trim().parse::<ErrorTag>())
        .collect::<Result<Vec<ErrorTag>, _>>()
        .map_err(|e| Finding::error(format!("harness bug: the catalogue names {e}")))?;
    let Some(error) = reply.hard_errors().next() else {
        return Err(Finding::fail("the device answered without an rpc-error"));
    };
    if error.error_type.is_none() {
        return Err(Finding::fail(format!(
            "the rpc-error has no error-type: {error}"
        )));
    }
    match error.error_tag() {
        Some(tag) if allowed.contains(&tag) => Ok(()),
        _ => Err(Finding::fail(format!(
            "error-tag {:?} is not one of {:?}",
            error.tag.as_deref(),
            allowed.iter().map(|t| t.as_str()).collect::<Vec<_>>()
        ))),
    }
}

#[then(expr = "the reply holds no operational state")]
async fn no_state(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let reply = world.kept_reply()?;
    let data = reply_data(reply, "the configuration read")?;
    let schema = device.schema().ok();
    let compiled = schema.as_ref().and_then(|s| s.as_ref().as_ref().ok());
    let found: Vec<String> = match compiled {
        // Every `config false` node of the device's own schema, at any depth.
        Some(schema) => rfc3535_harness::placement::state_nodes(&schema.shape(), &data),
        // Without the schema: the standard state-only subtrees.
        None => {
            world.notes.push(
                "the device's schema is not at hand: looked for the standard state-only subtrees only"
                    .to_owned(),
            );
            data.iter()
                .filter(|e| {
                    STATE_ONLY
                        .iter()
                        .any(|(ns, local)| e.name.namespace == *ns && e.name.local == *local)
                })
                .map(|e| e.name.to_string())
                .collect()
        }
    };
    if found.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the configuration read holds operational state: {}",
        found.join(", ")
    )))
}

#[when(expr = "{string} reads the state of the management sessions")]
async fn reads_sessions(world: &mut RunWorld, name: String) -> StepResult {
    let filter = Filter::subtree(format!(
        "<netconf-state xmlns=\"{NS_MONITORING}\"><sessions/></netconf-state>"
    ));
    let reply = world.netconf(&name)?.get(Some(filter), None).await?;
    world.last_reply = Some(reply);
    Ok(())
}

#[then(expr = "the reply lists session {string} among the management sessions")]
async fn lists_session(world: &mut RunWorld, name: String) -> StepResult {
    let id = world.netconf(&name)?.session_id().to_string();
    let reply = world.kept_reply()?;
    let data = reply_data(reply, "get of /netconf-state/sessions")?;
    let ids: Vec<String> = data
        .iter()
        .flat_map(|e| e.find_all(&["sessions", "session", "session-id"]))
        .map(|e| e.text.trim().to_owned())
        .collect();
    if ids.contains(&id) {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "/netconf-state/sessions does not list the reading session {id} (it lists {ids:?})"
    )))
}

/// The module whose schema entry the filter scenarios select: ietf-netconf-monitoring, else
/// the first module the device implements.
fn chosen_module(world: &RunWorld) -> Result<String, Finding> {
    let modules = &world.device()?.claims.modules;
    modules
        .keys()
        .find(|m| m.as_str() == "ietf-netconf-monitoring")
        .or_else(|| modules.keys().next())
        .cloned()
        .ok_or_else(|| Finding::skip("the device implements no YANG module to select"))
}

#[when(
    expr = "{string} reads the schema list entry of one implemented module with a subtree filter"
)]
async fn subtree_schema_entry(world: &mut RunWorld, name: String) -> StepResult {
    let module = chosen_module(world)?;
    let filter = Filter::subtree(format!(
        "<netconf-state xmlns=\"{NS_MONITORING}\"><schemas><schema><identifier>{module}</identifier></schema></schemas></netconf-state>"
    ));
    let reply = world.netconf(&name)?.get(Some(filter), None).await?;
    reply_data(&reply, "get with a subtree filter")?;
    world.notes.push(module);
    world.kept_replies.push(reply.clone());
    world.last_reply = Some(reply);
    Ok(())
}

#[when(expr = "{string} reads the same entry with an XPath filter")]
async fn xpath_schema_entry(world: &mut RunWorld, name: String) -> StepResult {
    let module = chosen_module(world)?;
    let filter = Filter::xpath(
        format!("/ncm:netconf-state/ncm:schemas/ncm:schema[ncm:identifier='{module}']"),
        &[("ncm", NS_MONITORING)],
    );
    let reply = world.netconf(&name)?.get(Some(filter), None).await?;
    reply_data(&reply, "get with an XPath filter")?;
    world.kept_replies.push(reply);
    Ok(())
}

#[then(expr = "the reply holds that entry and no other")]
async fn that_entry_only(world: &mut RunWorld) -> StepResult {
    let module = world.notes.first().cloned().unwrap_or_default();
    let reply = world.kept_reply()?;
    let data = reply_data(reply, "get with a subtree filter")?;
    let entries: Vec<&Element> = data
        .iter()
        .flat_map(|e| e.find_all(&["schemas", "schema"]))
        .collect();
    if entries.is_empty() {
        return Err(Finding::fail(format!(
            "the filter for module {module} selected nothing, though the module is announced"
        )));
    }
    let others: Vec<String> = entries
        .iter()
        .filter_map(|e| e.child("identifier"))
        .map(|i| i.text.trim().to_owned())
        .filter(|i| *i != module)
        .collect();
    let outside: Vec<String> = data
        .iter()
        .flat_map(|e| e.children.iter())
        .filter(|c| c.name.local != "schemas")
        .map(|c| c.name.local.clone())
        .collect();
    if others.is_empty() && outside.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the filter selected more than the entry of {module}: other entries {others:?}, other subtrees {outside:?}"
    )))
}

#[then(expr = "both replies hold the same data as trees")]
pub(super) async fn same_trees(world: &mut RunWorld) -> StepResult {
    let (first, second) = world.kept_pair()?;
    // With the device's schema the comparison is libyang's: values are compared as their
    // types say (an identityref's prefix is no difference), and system order does not count.
    if let Ok(schema) = world.device()?.schema() {
        if let (Ok(schema), Some(a), Some(b)) = (schema.as_ref(), first.data(), second.data()) {
            if let Ok(differences) = schema.differences(a, b, rfc3535_yang::Content::Data) {
                if differences.is_empty() {
                    return Ok(());
                }
                let shown: Vec<String> = differences
                    .iter()
                    .take(6)
                    .map(|d| format!("{} {}", d.operation, d.path))
                    .collect();
                return Err(Finding::fail(format!(
                    "the two reads differ: {}",
                    shown.join(" | ")
                )));
            }
        }
    }
    let a = canonical_fragment(&reply_data(first, "the first read")?);
    let b = canonical_fragment(&reply_data(second, "the second read")?);
    if a == b {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "the two reads differ: {}",
        difference_summary(&a, &b, 6).join(" | ")
    )))
}

#[when(expr = "{string} lists the modules the device implements")]
async fn lists_modules(world: &mut RunWorld, name: String) -> StepResult {
    let session = world.netconf(&name)?;
    // Module name to its deviation modules, from the YANG library when there is one, else
    // from the hello.
    let mut modules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match rfc3535_harness::discovery::read_library(session).await {
        Ok(Some(library)) => {
            for module in library.implemented() {
                modules.insert(module.name.clone(), module.deviations.clone());
            }
        }
        _ => {
            for uri in session.capabilities() {
                if let rfc3535_client::wire::CapabilityKind::Module {
                    name, deviations, ..
                } = rfc3535_client::wire::Capability::parse(uri).kind
                {
                    modules.insert(name, deviations);
                }
            }
        }
    }
    world
        .measurements
        .insert("implemented_modules".to_owned(), modules.len().into());
    world.notes = modules
        .into_iter()
        .map(|(m, d)| format!("{m}={}", d.join(",")))
        .collect();
    Ok(())
}

#[then(expr = "every module of the profile {string} is implemented without deviations")]
async fn profile_implemented(world: &mut RunWorld, profile: String) -> StepResult {
    let implemented: BTreeMap<&str, &str> = world
        .notes
        .iter()
        .filter_map(|n| n.split_once('='))
        .collect();
    let wanted: Vec<&str> = profile.split(',').map(str::trim).collect();
    let mut problems = Vec::new();
    let mut met = 0usize;
    for module in &wanted {
        match implemented.get(module) {
            None => problems.push(format!("{module} is not implemented")),
            Some(deviations) if !deviations.is_empty() => {
                problems.push(format!("{module} is deviated by {deviations}"))
            }
            Some(_) => met += 1,
        }
    }
    world.measurements.insert(
        "profile_coverage".to_owned(),
        serde_json::json!(format!("{met}/{}", wanted.len())),
    );
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(problems.join("; ")))
}
