//! Steps about invoking operations through RESTCONF's operations resource (RFC 8040 §3.6,
//! §4.4.2).
//!
//! An operation changes the device in ways the harness cannot always undo (a restart, a
//! clock set), so none is run for real: each operation of the implemented modules whose
//! input has a mandatory node is invoked without it. A server that offers the operation must
//! refuse that input with a structured error (RFC 7950 §7.14.2, RFC 8040 §7) before doing
//! anything; one that answers 501, 404 or 405, or `operation-not-supported`, cannot invoke
//! it. A server that skipped input validation would find nothing to act on, since what the
//! operation must be told is missing.

use std::sync::Arc;

use cucumber::{then, when};
use http::Method;
use rfc3535_client::restconf::{Request, Response};
use rfc3535_client::wire::restconf::{Encoding, Errors};
use rfc3535_client::wire::xml::escape;

use super::restconf::{refusal_reason, restconf, status_line};
use super::world::{Finding, RunWorld, StepResult};

/// How many operations are invoked at most (a device's modules may define hundreds).
const MOST_INVOKED: usize = 16;

/// The empty input of `module:name` in `encoding`, RESTCONF's envelope with nothing inside.
fn empty_input(module: &str, namespace: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Xml => format!("<input xmlns=\"{}\"/>", escape(namespace)),
        Encoding::Json => format!("{{\"{module}:input\":{{}}}}"),
    }
}

#[when(
    expr = "{string} invokes each operation the device's modules define with input that lacks what it must hold"
)]
async fn invokes_listed_operations(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|e| {
        Finding::skip(format!(
            "the device's own modules do not compile, so its operations' input is unknown: {e}"
        ))
    })?;
    let session = restconf(world, &name)?;
    let encoding = session.encoding();
    let root = session.client().root().to_owned();
    // The operations of the modules the device implements, listed or not (the scenario about
    // the operations resource judges the listing).
    let candidates: Vec<rfc3535_yang::Operation> = schema
        .operations()
        .into_iter()
        .filter(|o| !o.is_netconf_protocol() && !o.mandatory_input.is_empty())
        .take(MOST_INVOKED)
        .collect();
    if candidates.is_empty() {
        return Err(Finding::skip(
            "the device's modules define no operation whose input has a mandatory node, so none can be invoked without effect",
        ));
    }
    let mut answers = Vec::new();
    for operation in candidates {
        let target = format!("{root}/operations/{}:{}", operation.module, operation.name);
        let body = empty_input(&operation.module, &operation.namespace, encoding);
        let media = encoding.data();
        let response = session
            .send(
                Request::new(Method::POST, target)
                    .accept(media.as_str())
                    .body(media, body),
            )
            .await?;
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
            "harness bug: no operation was invoked first",
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
