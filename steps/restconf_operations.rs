//! Steps about invoking operations through RESTCONF's operations resource, and actions on
//! the data resources that hold them (RFC 8040 §3.6, §4.4.2; RFC 7950 §7.15; RFC 8527 §3.1).
//!
//! An operation changes the device in ways the harness cannot always undo (a restart, a
//! clock set), so none is run for real: each operation of the implemented modules whose
//! input has a mandatory node is invoked without it. A server that offers the operation must
//! refuse that input with a structured error (RFC 7950 §7.14.2, RFC 8040 §7) before doing
//! anything; one that answers 501, 404 or 405, or `operation-not-supported`, cannot invoke
//! it. A server that skipped input validation would find nothing to act on, since what the
//! operation must be told is missing. An action is invoked the same way, on the first node
//! of the device's data that holds it.

use cucumber::{then, when};
use http::Method;
use rfc3535_client::restconf::{Request, Response};
use rfc3535_client::wire::restconf::{Encoding, Errors};
use rfc3535_client::wire::tree::Element;
use rfc3535_client::wire::xml::escape;
use rfc3535_client::wire::NmdaDatastore;
use rfc3535_yang::Operation;

use super::restconf::{refusal_reason, restconf, status_line};
use super::world::{Finding, RunWorld, StepResult};

/// How many operations are invoked at most (a device's modules may define hundreds).
const MOST_INVOKED: usize = 16;

/// What the device's schema defines, read by `read` (its operations, its actions); skipped,
/// saying `what` is unknown, when the device's own modules do not compile.
pub(super) fn defined<T>(
    world: &RunWorld,
    what: &str,
    read: impl FnOnce(&rfc3535_yang::Schema) -> T,
) -> Result<T, Finding> {
    let schema = world.device()?.schema()?;
    match schema.as_ref() {
        Ok(schema) => Ok(read(schema)),
        Err(e) => Err(Finding::skip(format!(
            "the device's own modules do not compile, so {what} unknown: {e}"
        ))),
    }
}

/// POSTs the operation's empty input (RESTCONF's `input` envelope with nothing inside) to
/// `uri`, in the session's encoding.
async fn post_empty_input(
    session: &rfc3535_harness::restconf::RestconfSession,
    uri: String,
    operation: &Operation,
) -> Result<Response, Finding> {
    let encoding = session.encoding();
    let body = match encoding {
        Encoding::Xml => format!("<input xmlns=\"{}\"/>", escape(&operation.namespace)),
        Encoding::Json => format!("{{\"{}:input\":{{}}}}", operation.module),
    };
    let media = encoding.data();
    Ok(session
        .send(
            Request::new(Method::POST, uri)
                .accept(media.as_str())
                .body(media, body),
        )
        .await?)
}

#[when(
    expr = "{string} invokes each operation the device's modules define with input that lacks what it must hold"
)]
async fn invokes_listed_operations(world: &mut RunWorld, name: String) -> StepResult {
    // The operations of the modules the device implements, listed or not (the scenario about
    // the operations resource judges the listing).
    let candidates: Vec<Operation> =
        defined(world, "its operations' input is", |s| s.operations())?
            .into_iter()
            .filter(|o| !o.is_netconf_protocol() && !o.mandatory_input.is_empty())
            .take(MOST_INVOKED)
            .collect();
    let session = restconf(world, &name)?;
    let root = session.client().root().to_owned();
    if candidates.is_empty() {
        return Err(Finding::skip(
            "the device's modules define no operation whose input has a mandatory node, so none can be invoked without effect",
        ));
    }
    let mut answers = Vec::new();
    for operation in candidates {
        let target = format!("{root}/operations/{}:{}", operation.module, operation.name);
        let response = post_empty_input(session, target, &operation).await?;
        answers.push((operation, response));
    }
    world.notes.push(format!(
        "invoked without their mandatory input: {}",
        answers
            .iter()
            .map(|(o, r)| format!("{}:{} ({})", o.module, o.name, r.status.as_u16()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    world.invocations = answers
        .into_iter()
        .map(|(o, r)| (format!("{}:{}", o.module, o.name), o.mandatory_input, r))
        .collect();
    Ok(())
}

/// An action found on a node of the device's data, as a scenario invokes it.
#[derive(Debug, Clone)]
pub struct ActionTarget {
    /// `module:name`.
    pub label: String,
    pub operation: Operation,
    /// The action's API path below a datastore resource: its node's, then its own name.
    pub api_path: String,
}

/// The elements from the top down to the first node of `data` that the `parent` path names.
fn holder<'e>(
    data: &'e [Element],
    parent: &[rfc3535_yang::ParentNode],
) -> Option<Vec<&'e Element>> {
    let (first, rest) = parent.split_first()?;
    data.iter()
        .filter(|e| e.name.namespace == first.namespace && e.name.local == first.name)
        .find_map(|element| {
            if rest.is_empty() {
                return Some(vec![element]);
            }
            let mut below = holder(&element.children, rest)?;
            below.insert(0, element);
            Some(below)
        })
}

#[when(
    expr = "{string} invokes each action the device's modules define, on a node that holds it, with input that lacks what it must hold"
)]
async fn invokes_actions(world: &mut RunWorld, name: String) -> StepResult {
    invoke_actions(world, &name, None).await
}

#[when(
    expr = "{string} invokes each action the device's modules define through the operational datastore, on a node that holds it, with input that lacks what it must hold"
)]
async fn invokes_actions_through_operational(world: &mut RunWorld, name: String) -> StepResult {
    invoke_actions(world, &name, Some(NmdaDatastore::Operational)).await
}

#[when(expr = "{string} invokes the same actions through the running datastore")]
async fn invokes_actions_through_running(world: &mut RunWorld, name: String) -> StepResult {
    if world.action_targets.is_empty() {
        return Err(Finding::error("harness bug: no action was found first"));
    }
    let targets = world.action_targets.clone();
    world.invocations =
        post_empty_inputs(world, &name, &targets, Some(NmdaDatastore::Running)).await?;
    Ok(())
}

/// Finds where each action with mandatory input sits in the device's data (`{+restconf}/data`,
/// or the NMDA datastore named) and invokes it there without that input.
async fn invoke_actions(
    world: &mut RunWorld,
    name: &str,
    datastore: Option<NmdaDatastore>,
) -> StepResult {
    let actions: Vec<Operation> = defined(world, "its actions are", |s| s.actions())?
        .into_iter()
        .filter(|a| !a.mandatory_input.is_empty())
        .collect();
    if actions.is_empty() {
        return Err(Finding::skip(
            "the device's modules define no action whose input has a mandatory node, so none can be invoked without effect",
        ));
    }
    let session = restconf(world, name)?;
    let read = match &datastore {
        Some(datastore) => session.read_nmda_datastore(datastore, "").await?,
        None => session.read_data_resource("").await?,
    };
    super::world::expect_ok(&read, "the read of the data the actions sit in")?;
    let data = Element::parse_fragment(read.data().unwrap_or_default()).map_err(|e| {
        Finding::error(format!(
            "harness bug: the data read does not parse again: {e}"
        ))
    })?;
    let mut targets = Vec::new();
    let mut unheld = Vec::new();
    for action in actions {
        let label = format!("{}:{}", action.module, action.name);
        let Some(chain) = holder(&data, &action.parent) else {
            unheld.push(label);
            continue;
        };
        let parent_path = session.api_path(&chain).map_err(Finding::error)?;
        let own = if action
            .parent
            .last()
            .is_some_and(|p| p.namespace == action.namespace)
        {
            action.name.clone()
        } else {
            label.clone()
        };
        targets.push(ActionTarget {
            label,
            api_path: format!("{parent_path}/{own}"),
            operation: action,
        });
        if targets.len() == MOST_INVOKED {
            break;
        }
    }
    if targets.is_empty() {
        return Err(Finding::skip(format!(
            "no node the device holds now has one of its actions ({}), so none can be invoked",
            unheld.join(", ")
        )));
    }
    world.invocations = post_empty_inputs(world, name, &targets, datastore).await?;
    world.action_targets = targets;
    Ok(())
}

/// POSTs each action's empty input to its resource under `{+restconf}/data` or the NMDA
/// datastore named.
async fn post_empty_inputs(
    world: &mut RunWorld,
    name: &str,
    targets: &[ActionTarget],
    datastore: Option<NmdaDatastore>,
) -> Result<Vec<(String, Vec<String>, Response)>, Finding> {
    let session = restconf(world, name)?;
    let client = session.client();
    let mut answers = Vec::new();
    for target in targets {
        let uri = match &datastore {
            Some(datastore) => client.datastore_target(datastore, &target.api_path, ""),
            None => client.data_target(&target.api_path, ""),
        };
        let operation = &target.operation;
        let response = post_empty_input(session, uri, operation).await?;
        answers.push((
            target.label.clone(),
            operation.mandatory_input.clone(),
            response,
        ));
    }
    world.notes.push(format!(
        "actions invoked without their mandatory input through {}: {}",
        datastore.as_ref().map_or("{+restconf}/data", |d| d.name()),
        answers
            .iter()
            .zip(targets)
            .map(|((_, _, r), t)| format!("{} ({})", t.api_path, r.status.as_u16()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(answers)
}

#[then(expr = "each is refused without being taken for an invocation")]
async fn each_refused_as_no_invocation(world: &mut RunWorld) -> StepResult {
    if world.invocations.is_empty() {
        return Err(Finding::error("harness bug: no action was invoked first"));
    }
    let problems: Vec<String> = world
        .invocations
        .iter()
        .filter_map(|(action, missing, response)| {
            let taken = if response.status.is_success() {
                Some("was run".to_owned())
            } else {
                let errors = response
                    .encoding()
                    .and_then(|encoding| Errors::parse(&response.body, encoding).ok());
                errors
                    .and_then(|e| e.errors.into_iter().next())
                    .filter(|e| e.tag.as_deref() == Some("missing-element"))
                    .map(|_| format!("was refused for lacking {}, so it was taken for an invocation", missing.join(", ")))
            };
            taken.map(|t| {
                format!(
                    "{action} through running answered {}{} and {t}, where only operational takes actions (RFC 8527 §3.1)",
                    status_line(response),
                    refusal_reason(response)
                )
            })
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(problems.join("; ")))
}

/// What is wrong with the answer to an invocation that lacked `missing`, if anything.
fn invocation_problem(response: &Response, missing: &[String]) -> Option<String> {
    let status = response.status.as_u16();
    if matches!(status, 404 | 405 | 501) {
        return Some(format!(
            "answered {}{}: an operation of a module the device implements cannot be invoked (RFC 8040 §3.6)",
            status_line(response),
            refusal_reason(response)
        ));
    }
    if response.status.is_success() {
        return Some(format!(
            "answered {} to input without {}, which it must hold (RFC 7950 §7.14.2)",
            status_line(response),
            missing.join(", ")
        ));
    }
    if status != 400 {
        return Some(format!(
            "answered {}{} where 400 is due for input the operation cannot take (RFC 8040 §7)",
            status_line(response),
            refusal_reason(response)
        ));
    }
    let errors = response
        .encoding()
        .and_then(|encoding| Errors::parse(&response.body, encoding).ok());
    match errors.and_then(|e| e.errors.into_iter().next()) {
        // RFC 8040 §7 gives operation-not-supported 501: said with a 400, it is still so.
        Some(error) if error.tag.as_deref() == Some("operation-not-supported") => Some(format!(
            "answered {}{}: an operation of a module the device implements cannot be invoked (RFC 8040 §3.6), and its error-tag belongs with 501 (RFC 8040 §7)",
            status_line(response),
            refusal_reason(response)
        )),
        Some(error) if error.error_type.is_some() && error.tag.is_some() => None,
        Some(_) => Some("an error without error-type or error-tag (RFC 8040 §7.1)".to_owned()),
        None => Some(format!(
            "a 400 without an ietf-restconf:errors body (RFC 8040 §7.1), Content-Type {:?}",
            response.header("content-type").unwrap_or("none")
        )),
    }
}

#[then(expr = "each is refused with 400 and an errors body that says why")]
async fn each_refused(world: &mut RunWorld) -> StepResult {
    if world.invocations.is_empty() {
        return Err(Finding::error(
            "harness bug: no operation or action was invoked first",
        ));
    }
    let problems: Vec<String> = world
        .invocations
        .iter()
        .filter_map(|(operation, missing, response)| {
            invocation_problem(response, missing).map(|p| format!("{operation}: {p}"))
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Finding::fail(format!(
        "{} of {} invocations: {}",
        problems.len(),
        world.invocations.len(),
        problems.join("; ")
    )))
}
