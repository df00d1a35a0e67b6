//! NETCONF's `<action>` (RFC 7950 §7.15.2): the data nodes inside lead down to one action
//! of the schema; its input is checked for what it must hold, access is checked as an
//! exec of the action (RFC 8341 §3.4.4), and the device runs the actions it implements.
//!
//! The device's actions: `rfc3535-lab-actions:clear-counters` on the `lab-maintenance`
//! state container, which is never absent, and RFC 8639's `reset` on a configured
//! subscription's receiver, which is `data-missing` (RFC 7950 §7.15.2) when no such
//! subscription is published or it names no such receiver.

use std::sync::atomic::Ordering;

use rfc3535_wire::ns;
use rfc3535_wire::tree::Element;
use rfc3535_wire::xml::escape;
use rfc3535_wire::ErrorTag;
use rfc3535_yang::Operation;

use super::{Reply, RpcError};
use crate::nacm::Nacm;
use crate::{Shared, LAB_ACTIONS_NS};

/// Runs the action that `operation` (an `<action>` element) names.
pub(super) fn action(shared: &Shared, nacm: &Nacm, operation: &Element) -> Result<Reply, RpcError> {
    let actions = shared.with_schema(|s| s.actions())?;
    let mut tops = operation.children.iter();
    let (Some(top), None) = (tops.next(), tops.next()) else {
        return Err(RpcError::protocol(
            ErrorTag::MalformedMessage,
            "<action> holds one data node path down to the action (RFC 7950 §7.15.2)",
        ));
    };
    let Some((action, node)) = find(&actions, top, &mut Vec::new()) else {
        return Err(RpcError::protocol(
            ErrorTag::UnknownElement,
            "<action> names no action of this device's modules",
        ));
    };
    if !nacm.may_exec(&action.module, &action.name) {
        if let Ok(mut statistics) = shared.statistics.lock() {
            statistics.denied_operations += 1;
        }
        return Err(RpcError::new(
            rfc3535_wire::ErrorType::Application,
            ErrorTag::AccessDenied,
            format!(
                "{}:{} is not permitted to this account",
                action.module, action.name
            ),
        ));
    }
    if let Some(missing) = action
        .mandatory_input
        .iter()
        .find(|m| node.child(m).is_none())
    {
        return Err(RpcError {
            info: Some(format!("<bad-element>{}</bad-element>", escape(missing))),
            ..RpcError::protocol(
                ErrorTag::MissingElement,
                format!(
                    "the input of {}:{} lacks {missing}, which it must hold (RFC 7950 §7.15.1)",
                    action.module, action.name
                ),
            )
        });
    }
    match (action.namespace.as_str(), action.name.as_str()) {
        (ns::SUBSCRIBED_NOTIFICATIONS, "reset") => {
            let key = |element: Option<&Element>, leaf: &str| {
                element
                    .and_then(|e| e.child(leaf))
                    .map(|l| l.text.trim().to_owned())
            };
            let subscription = top.child("subscription");
            let receiver = subscription
                .and_then(|s| s.child("receivers"))
                .and_then(|r| r.child("receiver"));
            let id = key(subscription, "id").and_then(|id| id.parse::<u32>().ok());
            let name = key(receiver, "name");
            let (Some(id), Some(name)) = (id, name) else {
                return Err(RpcError::protocol(
                    ErrorTag::MissingElement,
                    "the path to reset names no subscription id and receiver name",
                ));
            };
            let Some(at) = crate::configured::reset(shared, id, &name) else {
                return Err(RpcError::application(
                    ErrorTag::DataMissing,
                    format!("no configured subscription {id} with receiver {name:?} is published"),
                ));
            };
            Ok(Reply::Raw(format!(
                "<time xmlns=\"{}\">{}</time>",
                ns::SUBSCRIBED_NOTIFICATIONS,
                crate::state::time(at)
            )))
        }
        (LAB_ACTIONS_NS, "clear-counters") => {
            let rpcs = shared
                .statistics
                .lock()
                .map(|s| s.counters.in_rpcs)
                .unwrap_or_default();
            let before = shared.lab_counters_base.swap(rpcs, Ordering::SeqCst);
            shared.lab_counters_cleared.fetch_add(1, Ordering::SeqCst);
            Ok(Reply::Raw(format!(
                "<in-octets-before xmlns=\"{LAB_ACTIONS_NS}\">{}</in-octets-before>",
                crate::state::lab_in_octets(rpcs, before)
            )))
        }
        _ => Err(RpcError::protocol(
            ErrorTag::OperationNotSupported,
            format!(
                "{}:{} is not implemented by this device",
                action.module, action.name
            ),
        )),
    }
}

/// The action `element` (with the ancestors `above`) or a node below it names, and the
/// element of the action itself.
fn find<'e>(
    actions: &[Operation],
    element: &'e Element,
    above: &mut Vec<(String, String)>,
) -> Option<(Operation, &'e Element)> {
    let here = (element.name.namespace.clone(), element.name.local.clone());
    let named = actions.iter().find(|a| {
        a.namespace == here.0
            && a.name == here.1
            && a.parent.len() == above.len()
            && a.parent
                .iter()
                .zip(above.iter())
                .all(|(p, (namespace, name))| p.namespace == *namespace && p.name == *name)
    });
    if let Some(action) = named {
        return Some((action.clone(), element));
    }
    above.push(here);
    let found = element
        .children
        .iter()
        .find_map(|child| find(actions, child, above));
    above.pop();
    found
}
