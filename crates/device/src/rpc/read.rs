//! The reads: `<get>`, `<get-config>` (RFC 6241 §7.1, §7.7), `<get-data>` (RFC 8526 §3.1.1)
//! and `<get-schema>` (RFC 6022 §3.1), with filters, with-defaults and NACM read rules.

use rfc3535_wire::ns::{MONITORING as MONITORING_NS, NMDA as NMDA_NS};
use rfc3535_wire::tree::{fragment_xml, Element};
use rfc3535_wire::xml::escape;
use rfc3535_wire::ErrorTag;
use rfc3535_wire::ErrorType;

use super::{datastore_of, Reply, RpcError, Stores};
use crate::filter;
use crate::nacm::Nacm;
use crate::Shared;

/// `<get>` and `<get-config>`.
pub(super) fn get(
    shared: &Shared,
    nacm: &Nacm,
    stores: &Stores,
    operation: &Element,
    message: &str,
) -> Result<Reply, RpcError> {
    let child = |name: &str| operation.child(name);
    let source = if operation.name.local == "get" {
        "running"
    } else {
        match datastore_of(child("source"), "source")? {
            "config" => {
                return Err(RpcError::protocol(
                    ErrorTag::BadElement,
                    "<source> cannot be <config>",
                ))
            }
            name => name,
        }
    };
    let source = super::store_of(shared, source);
    if shared.faults.startup_unreadable && source == "startup" {
        return Err(RpcError::new(
            ErrorType::Application,
            ErrorTag::AccessDenied,
            "startup cannot be read",
        ));
    }
    let mut data = stores.get(source).clone();
    if shared.faults.candidate_order_varies && source == "candidate" {
        crate::profile::reverse_system_ordered(&mut data, &shared.shape.roots);
    }
    if operation.name.local == "get" {
        // A subtree filter names the top-level nodes it can select: the rest of the state is
        // not built.
        let subtree = child("filter").filter(|filter| {
            !shared.faults.monitoring_gaps
                && filter.attributes.iter().all(|(namespace, local, value)| {
                    namespace == "xmlns" || local != "type" || value == "subtree"
                })
        });
        let wanted = match subtree {
            Some(filter) => crate::state::Wanted::Filtered(&filter.children),
            None => crate::state::Wanted::All,
        };
        crate::state::merge(
            &mut data,
            crate::state::state_wanted(shared, stores, wanted),
        );
    } else if shared.faults.state_in_config || shared.faults.deep_state_in_config {
        let mixed_in = |local: &str| {
            (shared.faults.state_in_config && local == "system-state")
                || (shared.faults.deep_state_in_config && local == "nacm")
        };
        let state = crate::state::state(shared, stores)
            .into_iter()
            .filter(|e| mixed_in(&e.name.local))
            .collect();
        crate::state::merge(&mut data, state);
    }
    if shared.faults.volatile_config {
        volatile_contact(shared, &mut data);
    }
    if let Some(mode) = with_defaults(operation)? {
        if !shared.faults.with_defaults_ignored {
            crate::defaults::apply(&mut data, &shared.shape.roots, mode);
        }
    }
    let data = nacm.filter_read(shared, data);
    let selected = match child("filter") {
        _ if shared.faults.monitoring_gaps => data,
        None => data,
        Some(filter) => {
            match filter
                .attributes
                .iter()
                .find(|(_, l, _)| l == "type")
                .map(|(_, _, v)| v.as_str())
            {
                None | Some("subtree") => filter::apply(&data, &filter.children),
                Some("xpath") if shared.faults.fake_xpath => data,
                Some("xpath") => {
                    let select = filter
                        .attributes
                        .iter()
                        .find(|(namespace, local, _)| namespace.is_empty() && local == "select")
                        .map(|(_, _, value)| value.as_str())
                        .ok_or_else(|| RpcError {
                            info: Some(
                                "<bad-attribute>select</bad-attribute><bad-element>filter</bad-element>"
                                    .to_owned(),
                            ),
                            ..RpcError::protocol(
                                ErrorTag::MissingAttribute,
                                "an XPath filter needs a select attribute",
                            )
                        })?;
                    xpath_filter(shared, &data, select, message, "filter")?
                }
                Some(other) => {
                    return Err(RpcError {
                        tag: ErrorTag::OperationNotSupported,
                        ..RpcError::protocol(
                            ErrorTag::BadAttribute,
                            format!("filter type {other:?} is not supported (no :xpath)"),
                        )
                    })
                }
            }
        }
    };
    Ok(Reply::Data(fragment_xml(&selected)))
}

/// The parts of `data` an XPath filter selects (RFC 6241 §8.9), its prefixes bound by the
/// declarations in scope on the request's `element`.
pub(crate) fn xpath_filter(
    shared: &Shared,
    data: &[Element],
    select: &str,
    message: &str,
    element: &str,
) -> Result<Vec<Element>, RpcError> {
    let bindings = rfc3535_wire::tree::prefix_bindings_at(message, element)
        .map_err(|e| RpcError::protocol(ErrorTag::MalformedMessage, format!("the request: {e}")))?
        .into_iter()
        .next()
        .unwrap_or_default();
    let selection = shared.select(data, select, &bindings)?;
    Element::parse_fragment(&selection.xml).map_err(|e| {
        RpcError::application(
            ErrorTag::OperationFailed,
            format!("the selection could not be read back: {e}"),
        )
    })
}

/// The `<with-defaults>` mode a read asks for (RFC 6243 §4.5.1), if any: in
/// ietf-netconf-with-defaults' namespace on `<get>` and `<get-config>`, in ietf-netconf-nmda's
/// (which uses its grouping) on `<get-data>`.
pub(super) fn with_defaults(
    operation: &Element,
) -> Result<Option<crate::defaults::Mode>, RpcError> {
    operation
        .children
        .iter()
        .find(|c| {
            c.name.local == "with-defaults"
                && matches!(
                    c.name.namespace.as_str(),
                    crate::defaults::WITH_DEFAULTS_NS | NMDA_NS
                )
        })
        .map(|c| {
            crate::defaults::Mode::parse(&c.text).ok_or_else(|| {
                RpcError::protocol(
                    ErrorTag::InvalidValue,
                    format!("with-defaults {:?} is not a mode", c.text.trim()),
                )
            })
        })
        .transpose()
}

/// The datastore an NMDA operation names (`ds:running`, ...), by its identity's local name.
pub(super) fn nmda_datastore(operation: &Element) -> Result<String, RpcError> {
    let text = operation
        .child("datastore")
        .map(|d| d.text.trim().to_owned())
        .ok_or_else(|| {
            RpcError::protocol(
                ErrorTag::MissingElement,
                "the operation needs a <datastore>",
            )
        })?;
    let name = text
        .rsplit_once(':')
        .map_or(text.as_str(), |(_, local)| local);
    match name {
        "running" | "candidate" | "startup" | "intended" | "operational" => Ok(name.to_owned()),
        _ => Err(RpcError {
            info: Some("<bad-element>datastore</bad-element>".to_owned()),
            ..RpcError::protocol(
                ErrorTag::InvalidValue,
                format!("no datastore {text:?} on this device"),
            )
        }),
    }
}

/// Drops what lies deeper than `depth` levels (RFC 8526 `max-depth`).
pub(super) fn limit_depth(elements: &mut [Element], depth: usize) {
    for element in elements {
        if depth <= 1 {
            element.children.clear();
        } else {
            limit_depth(&mut element.children, depth - 1);
        }
    }
}

/// `<get-data>` (RFC 8526 §3.1.1).
pub(super) fn get_data(
    shared: &Shared,
    nacm: &Nacm,
    stores: &Stores,
    operation: &Element,
    message: &str,
) -> Result<Reply, RpcError> {
    let datastore = nmda_datastore(operation)?;
    let with_origin = operation.child("with-origin").is_some();
    if with_origin && datastore != "operational" {
        return Err(RpcError::protocol(
            ErrorTag::InvalidValue,
            "with-origin is only for the operational datastore",
        ));
    }
    let annotate = with_origin && !shared.faults.origin_unannotated;
    let mut data = match datastore.as_str() {
        "operational" => crate::state::operational(shared, stores, annotate),
        "running" if shared.faults.state_in_running_data => {
            crate::state::operational(shared, stores, false)
        }
        "intended" => stores.running.clone(),
        other => stores.get(other).clone(),
    };
    let filters_ignored = shared.faults.nmda_filters_ignored;
    if datastore == "operational" {
        match operation
            .child("config-filter")
            .filter(|_| !filters_ignored)
            .map(|c| c.text.trim())
        {
            Some("true") => prune_state(&mut data, &shared.shape.roots),
            Some("false") => {
                data = crate::state::state(shared, stores);
            }
            _ => {}
        }
        let wanted: Vec<&str> = operation
            .children_named("origin-filter")
            .filter(|_| !filters_ignored)
            .map(|o| o.text.trim().rsplit(':').next().unwrap_or_default())
            .collect();
        let unwanted: Vec<&str> = operation
            .children_named("negated-origin-filter")
            .filter(|_| !filters_ignored)
            .map(|o| o.text.trim().rsplit(':').next().unwrap_or_default())
            .collect();
        // Configuration here is all of origin intended; state is not subject to the filters.
        let keep_config =
            (wanted.is_empty() || wanted.contains(&"intended")) && !unwanted.contains(&"intended");
        if !keep_config {
            let running: Vec<&rfc3535_wire::xml::QualifiedName> =
                stores.running.iter().map(|e| &e.name).collect();
            data.retain(|e| !running.contains(&&e.name));
        }
    }
    if let Some(mode) = with_defaults(operation)? {
        if !shared.faults.with_defaults_ignored {
            crate::defaults::apply(&mut data, &shared.shape.roots, mode);
        }
    }
    let data = nacm.filter_read(shared, data);
    let mut selected = if let Some(filter) = operation.child("xpath-filter") {
        if shared.faults.fake_xpath {
            data
        } else {
            xpath_filter(shared, &data, filter.text.trim(), message, "xpath-filter")?
        }
    } else {
        match operation.child("subtree-filter") {
            Some(filter) => filter::apply(&data, &filter.children),
            None => data,
        }
    };
    if let Some(depth) = operation
        .child("max-depth")
        .filter(|_| !filters_ignored)
        .map(|d| d.text.trim())
    {
        if depth != "unbounded" {
            let depth: usize = depth.parse().map_err(|_| {
                RpcError::protocol(ErrorTag::InvalidValue, format!("max-depth {depth:?}"))
            })?;
            limit_depth(&mut selected, depth);
        }
    }
    Ok(Reply::Raw(format!(
        "<data xmlns=\"{NMDA_NS}\">{}</data>",
        fragment_xml(&selected)
    )))
}

/// Leaves out state (`config false`) nodes, by the schema.
pub(super) fn prune_state(elements: &mut Vec<Element>, nodes: &[rfc3535_yang::NodeShape]) {
    elements.retain_mut(|element| {
        match nodes
            .iter()
            .find(|n| n.name == element.name.local && n.namespace == element.name.namespace)
        {
            Some(node) if !node.config => false,
            Some(node) => {
                prune_state(&mut element.children, &node.children);
                true
            }
            None => false,
        }
    });
}

/// Stamps the device's request counter into ietf-system's contact: the fault of a device that
/// keeps a read counter in its configuration (on reads), and of one whose every edit changes
/// something it was not asked to (on edits).
pub(super) fn volatile_contact(shared: &Shared, data: &mut [Element]) {
    let reads = shared
        .statistics
        .lock()
        .map(|s| s.counters.in_rpcs)
        .unwrap_or_default();
    for system in data
        .iter_mut()
        .filter(|e| e.name.local == "system" && e.name.namespace == crate::SYSTEM_NS)
    {
        for contact in system
            .children
            .iter_mut()
            .filter(|c| c.name.local == "contact")
        {
            contact.text = format!("read {reads}");
        }
    }
}

pub(super) fn get_schema(shared: &Shared, operation: &Element) -> Result<Reply, RpcError> {
    let identifier = operation
        .child("identifier")
        .map(|i| i.text.trim())
        .unwrap_or_default();
    let version = operation
        .child("version")
        .map(|v| v.text.trim())
        .filter(|v| !v.is_empty());
    if let Some(format) = operation.child("format").map(|f| f.text.trim()) {
        if !format.ends_with("yang") {
            return Err(RpcError::protocol(
                ErrorTag::InvalidValue,
                format!("format {format:?}: only yang is served"),
            ));
        }
    }
    let text = served_module_text(shared, identifier, version)?;
    Ok(Reply::Raw(format!(
        "<data xmlns=\"{MONITORING_NS}\">{}</data>",
        escape(&text)
    )))
}

/// The text of a module as the device serves it (`<get-schema>`, the RESTCONF schema
/// resource), faults applied; an unknown module is `invalid-value`.
pub(crate) fn served_module_text(
    shared: &Shared,
    identifier: &str,
    version: Option<&str>,
) -> Result<String, RpcError> {
    let found = shared
        .served_modules()
        .into_iter()
        .find(|m| m.name == identifier && version.is_none_or(|v| m.revision.as_deref() == Some(v)));
    // The unserved-module fault: a module it implements is not served.
    let found = found.filter(|m| !(shared.faults.unserved_module && m.name == "ietf-netconf-acm"));
    match found {
        // The broken-schema fault: the module is served cut short, so it does not compile.
        Some(module) if shared.faults.broken_schema && module.name == "ietf-system" => {
            Ok(module.text[..module.text.len() / 2].to_owned())
        }
        Some(module) => Ok(module.text.clone()),
        None => Err(RpcError {
            info: Some(format!("<bad-element>{}</bad-element>", escape(identifier))),
            ..RpcError::protocol(
                ErrorTag::InvalidValue,
                format!(
                    "no module {identifier:?}{}",
                    version
                        .map(|v| format!(" revision {v}"))
                        .unwrap_or_default()
                ),
            )
        }),
    }
}
