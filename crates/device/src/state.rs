//! The device's operational state, built for every `<get>` (the YANG library parsed once and
//! kept, since it changes only when the RESTCONF base is settled): NETCONF monitoring
//! (RFC 6022: capabilities, datastores, schemas, sessions, statistics), the YANG library
//! (RFC 8525 `/yang-library` and RFC 7895 `/modules-state`), the NACM counters (RFC 8341),
//! ietf-system's platform and clock, and the lab module's counters.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use rfc3535_wire::tree::Element;

use crate::{Shared, LAB_ACTIONS_NS, LAB_NS, NACM_NS, SYSTEM_NS};
use rfc3535_wire::xml::escape;

pub(crate) use rfc3535_wire::ns::DATASTORES as DATASTORES_NS;
pub(crate) use rfc3535_wire::ns::ORIGIN as ORIGIN_NS;
pub(crate) use rfc3535_wire::ns::YANG_LIBRARY as YANG_LIBRARY_NS;

pub(crate) fn time(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Identity values carry a prefix; the declarations the prefixes need.
const PREFIXES: [(&str, &str); 2] = [("ncm", rfc3535_wire::ns::MONITORING), ("ds", DATASTORES_NS)];

/// Declares the prefix of every identity value in the tree on the element that holds it,
/// unless the parsed text already declared it there.
fn declare_prefixes(element: &mut Element) {
    if element.children.is_empty() {
        if let Some((prefix, _)) = element.text.split_once(':') {
            let declared = element
                .attributes
                .iter()
                .any(|(n, p, _)| n == "xmlns" && p == prefix);
            if let Some((_, namespace)) = PREFIXES.iter().find(|(p, _)| *p == prefix && !declared) {
                element.attributes.push((
                    "xmlns".to_owned(),
                    prefix.to_owned(),
                    (*namespace).to_owned(),
                ));
            }
        }
    }
    for child in &mut element.children {
        declare_prefixes(child);
    }
}

/// Which top-level nodes of the state a read wants, by namespace and name: every one, or
/// those a subtree filter names (a filter node in no namespace names that name in any).
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    All,
    Filtered(&'a [Element]),
}

impl Wanted<'_> {
    fn wants(&self, namespace: &str, local: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::Filtered(filter) => filter
                .iter()
                .any(|f| crate::filter::names(f, namespace, local)),
        }
    }
}

/// Everything `<get>` adds to the configuration.
pub fn state(shared: &Shared, stores: &crate::store::Stores) -> Vec<Element> {
    state_wanted(shared, stores, Wanted::All)
}

/// The state's top-level nodes a read wants; the others are not built at all (a periodic
/// subscription to one leaf reads its selection every period).
pub fn state_wanted(
    shared: &Shared,
    stores: &crate::store::Stores,
    wanted: Wanted<'_>,
) -> Vec<Element> {
    let mut xml = String::new();
    let wants = |namespace: &str, local: &str| wanted.wants(namespace, local);
    if wants(rfc3535_wire::ns::MONITORING, "netconf-state") {
        monitoring(shared, stores, &mut xml);
    }
    let mut elements = Vec::new();
    if wants(YANG_LIBRARY_NS, "yang-library") || wants(YANG_LIBRARY_NS, "modules-state") {
        // The text so far goes first, so the top-level nodes keep their order.
        elements = parsed(&xml);
        xml.clear();
        elements.extend(library_elements(shared));
    }
    if wants(rfc3535_wire::ns::RESTCONF_MONITORING, "restconf-state") {
        restconf_state(shared, &mut xml);
    }
    let (denied_operations, denied_data_writes) = shared
        .statistics
        .lock()
        .map(|s| (s.denied_operations, s.denied_data_writes))
        .unwrap_or_default();
    if wants(NACM_NS, "nacm") {
        xml.push_str(&format!(
            "<nacm xmlns=\"{NACM_NS}\"><denied-operations>{denied_operations}</denied-operations><denied-data-writes>{denied_data_writes}</denied-data-writes><denied-notifications>0</denied-notifications></nacm>"
        ));
    }
    if wants(SYSTEM_NS, "system-state") {
        xml.push_str(&format!(
        "<system-state xmlns=\"{SYSTEM_NS}\"><platform><os-name>rfc3535 reference device</os-name><os-release>{version}</os-release><os-version>{version}</os-version><machine>{machine}</machine></platform><clock><current-datetime>{now}</current-datetime><boot-datetime>{boot}</boot-datetime></clock></system-state>",
        version = env!("CARGO_PKG_VERSION"),
        machine = std::env::consts::ARCH,
        now = time(SystemTime::now()),
        boot = time(shared.started),
    ));
    }
    // RFC 5277 §3.2.5: the event streams, and whether a stream replays.
    if wants(rfc3535_wire::ns::STREAMS, "netconf") {
        xml.push_str(&format!(
            "<netconf xmlns=\"{}\"><streams><stream><name>NETCONF</name><description>the device's configuration and session events</description><replaySupport>true</replaySupport><replayLogCreationTime>{}</replayLogCreationTime></stream></streams></netconf>",
            rfc3535_wire::ns::STREAMS,
            time(shared.started)
        ));
    }
    // RFC 8639's view of the same stream, for subscribed notifications.
    let aged = shared
        .events
        .aged()
        .map(|t| format!("<replay-log-aged-time>{}</replay-log-aged-time>", time(t)))
        .unwrap_or_default();
    // RFC 8639 §2.5.1: the configured subscriptions' state, joined to their entries.
    if wants(rfc3535_wire::ns::SUBSCRIBED_NOTIFICATIONS, "subscriptions") {
        xml.push_str(&shared.configured.xml(
            &crate::configured::configured_ids(&stores.running),
            &shared.faults,
        ));
    }
    if wants(rfc3535_wire::ns::SUBSCRIBED_NOTIFICATIONS, "streams") {
        xml.push_str(&format!(
            "<streams xmlns=\"{}\"><stream><name>NETCONF</name><description>the device's configuration and session events</description><replay-support/><replay-log-creation-time>{}</replay-log-creation-time>{aged}</stream></streams>",
            rfc3535_wire::ns::SUBSCRIBED_NOTIFICATIONS,
            time(shared.events.created)
        ));
    }
    let in_rpcs = shared
        .statistics
        .lock()
        .map(|s| s.counters.in_rpcs)
        .unwrap_or_default();
    if wants(LAB_NS, "lab") {
        xml.push_str(&format!(
            "<lab xmlns=\"{LAB_NS}\"><counters><in-octets>{}</in-octets></counters></lab>",
            lab_in_octets(in_rpcs, shared.lab_counters_base.load(Ordering::SeqCst))
        ));
    }
    if wants(LAB_ACTIONS_NS, "lab-maintenance") {
        xml.push_str(&format!(
            "<lab-maintenance xmlns=\"{LAB_ACTIONS_NS}\"><counters-cleared>{}</counters-cleared></lab-maintenance>",
            shared.lab_counters_cleared.load(Ordering::SeqCst)
        ));
    }
    elements.extend(parsed(&xml));
    elements
}

/// State text as elements, each identity value's prefix declared.
fn parsed(xml: &str) -> Vec<Element> {
    let mut elements = Element::parse_fragment(xml).unwrap_or_default();
    elements.iter_mut().for_each(declare_prefixes);
    elements
}

/// The YANG library, parsed once and kept with the RESTCONF base its locations were built
/// for (a library read before the RESTCONF server settled its address is built again after).
#[derive(Debug)]
pub(crate) struct LibraryState {
    restconf_base: Option<String>,
    content_id: String,
    elements: Vec<Element>,
}

/// `/yang-library` and `/modules-state`: the kept copy while it is still what would be
/// built; built afresh every time under the fault whose content-id moves with every RPC.
fn library_elements(shared: &Shared) -> Vec<Element> {
    let build = || {
        let mut xml = String::new();
        yang_library(shared, &mut xml);
        parsed(&xml)
    };
    if shared.faults.volatile_library_id {
        return build();
    }
    let base = shared.restconf_base.get();
    let content_id = shared.content_id();
    let Ok(mut kept) = shared.library_state.lock() else {
        return build();
    };
    match kept.as_ref() {
        Some(state) if state.restconf_base.as_ref() == base && state.content_id == content_id => {
            state.elements.clone()
        }
        _ => {
            let elements = build();
            *kept = Some(LibraryState {
                restconf_base: base.cloned(),
                content_id,
                elements: elements.clone(),
            });
            elements
        }
    }
}

/// The lab counters' in-octets: 512 for each RPC since they were last cleared (`base` RPCs
/// had been counted then).
pub(crate) fn lab_in_octets(in_rpcs: u64, base: u64) -> u64 {
    in_rpcs.saturating_sub(base) * 512
}

fn monitoring(shared: &Shared, stores: &crate::store::Stores, xml: &mut String) {
    xml.push_str(&format!(
        "<netconf-state xmlns=\"{}\"><capabilities>",
        rfc3535_wire::ns::MONITORING
    ));
    for capability in shared.capabilities() {
        xml.push_str(&format!("<capability>{capability}</capability>"));
    }
    xml.push_str("</capabilities><datastores>");
    for name in ["running", "candidate", "startup"] {
        xml.push_str(&format!("<datastore><name>{name}</name>"));
        let lock = stores.locks.get(name).zip(stores.locked_at.get(name));
        if let Some((holder, since)) = lock.filter(|_| !shared.faults.locks_unlisted) {
            xml.push_str(&format!(
                "<locks><global-lock><locked-by-session>{holder}</locked-by-session><locked-time>{}</locked-time></global-lock></locks>",
                time(*since)
            ));
        } else if name == "running"
            && !stores.partial_locks.is_empty()
            && !shared.faults.locks_unlisted
        {
            xml.push_str("<locks>");
            for lock in &stores.partial_locks {
                xml.push_str(&format!(
                    "<partial-lock><lock-id>{}</lock-id><locked-by-session>{}</locked-by-session><locked-time>{}</locked-time>",
                    lock.id,
                    lock.session,
                    time(lock.granted)
                ));
                for select in &lock.select {
                    xml.push_str(&format!(
                        "<select>{}</select>",
                        rfc3535_wire::xml::escape(select)
                    ));
                }
                for path in &lock.paths {
                    let (xmlns, value) = crate::rpc::instance_identifier(shared, path);
                    xml.push_str(&format!("<locked-node{xmlns}>{value}</locked-node>"));
                }
                xml.push_str("</partial-lock>");
            }
            xml.push_str("</locks>");
        }
        xml.push_str("</datastore>");
    }
    xml.push_str("</datastores><schemas>");
    for module in shared.served_modules() {
        xml.push_str(&format!(
            "<schema><identifier>{}</identifier><version>{}</version><format>ncm:yang</format><namespace>{}</namespace><location>NETCONF</location></schema>",
            module.name,
            module.revision.as_deref().unwrap_or_default(),
            escape(&module.namespace)
        ));
    }
    if shared.faults.stale_schema_list {
        // A module the device no longer serves, still listed.
        xml.push_str("<schema><identifier>rfc3535-retired</identifier><version>2000-01-01</version><format>ncm:yang</format><namespace>urn:example:rfc3535-retired</namespace><location>NETCONF</location></schema>");
    }
    xml.push_str("</schemas><sessions>");
    let listed = !shared.faults.monitoring_gaps;
    if let (true, Ok(sessions)) = (listed, shared.sessions.lock()) {
        for (id, info) in sessions.iter() {
            let host = info
                .source_host
                .as_deref()
                .map(|h| format!("<source-host>{}</source-host>", escape(h)))
                .unwrap_or_default();
            xml.push_str(&format!(
                "<session><session-id>{id}</session-id><transport>ncm:netconf-ssh</transport><username>{}</username>{host}<login-time>{}</login-time><in-rpcs>{}</in-rpcs><in-bad-rpcs>{}</in-bad-rpcs><out-rpc-errors>{}</out-rpc-errors><out-notifications>{}</out-notifications></session>",
                escape(&info.user),
                time(info.login_time),
                info.counters.in_rpcs,
                info.counters.in_bad_rpcs,
                info.counters.out_rpc_errors,
                info.counters.out_notifications,
            ));
        }
    }
    xml.push_str("</sessions>");
    if let Ok(statistics) = shared.statistics.lock() {
        xml.push_str(&format!(
            "<statistics><netconf-start-time>{}</netconf-start-time><in-bad-hellos>0</in-bad-hellos><in-sessions>{}</in-sessions><dropped-sessions>{}</dropped-sessions><in-rpcs>{}</in-rpcs><in-bad-rpcs>{}</in-bad-rpcs><out-rpc-errors>{}</out-rpc-errors><out-notifications>{}</out-notifications></statistics>",
            time(shared.started),
            statistics.in_sessions,
            statistics.dropped_sessions,
            statistics.counters.in_rpcs,
            statistics.counters.in_bad_rpcs,
            statistics.counters.out_rpc_errors,
            statistics.counters.out_notifications,
        ));
    }
    xml.push_str("</netconf-state>");
}

/// A module's revision as the library gives it (the library-mismatch fault moves
/// ietf-system's).
fn library_revision<'a>(shared: &Shared, module: &'a crate::ModuleFile) -> &'a str {
    if shared.faults.library_mismatch && module.name == "ietf-system" {
        return "2000-01-01";
    }
    module.revision.as_deref().unwrap_or_default()
}

fn yang_library(shared: &Shared, xml: &mut String) {
    let content_id = if shared.faults.volatile_library_id {
        let requests = shared
            .statistics
            .lock()
            .map(|s| s.counters.in_rpcs)
            .unwrap_or_default();
        format!("{}-{requests}", shared.content_id())
    } else {
        shared.content_id()
    };
    xml.push_str(&format!(
        "<yang-library xmlns=\"{YANG_LIBRARY_NS}\" xmlns:ds=\"{}\"><module-set><name>complete</name>",
        rfc3535_wire::ns::DATASTORES
    ));
    let served = shared.served_modules();
    for module in served.iter().filter(|m| m.implemented) {
        xml.push_str(&format!("<module><name>{}</name>", module.name));
        let revision = library_revision(shared, module);
        if !revision.is_empty() {
            xml.push_str(&format!("<revision>{revision}</revision>"));
        }
        xml.push_str(&format!(
            "<namespace>{}</namespace>",
            escape(&module.namespace)
        ));
        for feature in crate::features_of(&module.name) {
            xml.push_str(&format!("<feature>{feature}</feature>"));
        }
        xml.push_str(&location(shared, module, "location"));
        xml.push_str("</module>");
    }
    for module in served.iter().filter(|m| !m.implemented) {
        xml.push_str(&format!(
            "<import-only-module><name>{}</name><revision>{}</revision><namespace>{}</namespace>{}</import-only-module>",
            module.name,
            module.revision.as_deref().unwrap_or_default(),
            escape(&module.namespace),
            location(shared, module, "location")
        ));
    }
    xml.push_str(
        "</module-set><schema><name>complete</name><module-set>complete</module-set></schema>",
    );
    for datastore in ["running", "candidate", "startup", "intended", "operational"] {
        xml.push_str(&format!(
            "<datastore><name>ds:{datastore}</name><schema>complete</schema></datastore>"
        ));
    }
    xml.push_str(&format!(
        "<content-id>{content_id}</content-id></yang-library><modules-state xmlns=\"{YANG_LIBRARY_NS}\"><module-set-id>{content_id}</module-set-id>"
    ));
    for module in &served {
        xml.push_str(&format!(
            "<module><name>{}</name><revision>{}</revision>{}<namespace>{}</namespace>{}<conformance-type>{}</conformance-type></module>",
            module.name,
            library_revision(shared, module),
            location(shared, module, "schema"),
            escape(&module.namespace),
            crate::features_of(&module.name)
                .iter()
                .map(|f| format!("<feature>{f}</feature>"))
                .collect::<String>(),
            if module.implemented { "implement" } else { "import" }
        ));
    }
    xml.push_str("</modules-state>");
}

/// The RESTCONF capabilities (RFC 8040 §9.1.1): the query parameters the device supports;
/// nothing when it serves no RESTCONF.
fn restconf_state(shared: &Shared, xml: &mut String) {
    if shared.restconf_base.get().is_none() {
        return;
    }
    use rfc3535_wire::restconf::RestconfCapability;
    xml.push_str(&format!(
        "<restconf-state xmlns=\"{}\"><capabilities>",
        rfc3535_wire::ns::RESTCONF_MONITORING
    ));
    // The basic mode is the NETCONF side's (RFC 6243 §2, RFC 8040 §9.1.2).
    let defaults = format!(
        "{}?basic-mode=explicit",
        RestconfCapability::uri("defaults")
    );
    for uri in [
        defaults,
        RestconfCapability::uri("depth"),
        RestconfCapability::uri("fields"),
        RestconfCapability::uri("with-defaults"),
        RestconfCapability::uri("yang-patch"),
        RestconfCapability::uri("replay"),
        RestconfCapability::uri("filter"),
        // RFC 8527 §3.2.2: the operational datastore resource takes with-origin.
        RestconfCapability::uri("with-origin"),
    ] {
        xml.push_str(&format!("<capability>{}</capability>", escape(&uri)));
    }
    // RFC 8040 §6.2, §9.2: the event stream and where it is read, in each encoding.
    let base = shared
        .restconf_base
        .get()
        .map(String::as_str)
        .unwrap_or_default();
    let location = |path: &str| escape(&format!("{base}{path}")).into_owned();
    xml.push_str(&format!(
        "</capabilities><streams><stream><name>NETCONF</name><description>the device's configuration and session events</description><replay-support>true</replay-support><replay-log-creation-time>{}</replay-log-creation-time><access><encoding>xml</encoding><location>{}</location></access><access><encoding>json</encoding><location>{}</location></access></stream></streams></restconf-state>",
        time(shared.events.oldest()),
        location(crate::restconf::STREAM_PATH),
        location(crate::restconf::JSON_STREAM_PATH)
    ));
}

/// Where the module can be fetched over RESTCONF (RFC 8040 §3.7): RFC 8525's `location`, RFC
/// 7895's `schema`; nothing when the device serves no RESTCONF.
fn location(shared: &Shared, module: &crate::ModuleFile, leaf: &str) -> String {
    let Some(base) = shared.restconf_base.get() else {
        return String::new();
    };
    let file = match &module.revision {
        Some(revision) => format!("{}@{revision}", module.name),
        None => module.name.clone(),
    };
    format!("<{leaf}>{}/yang/{}</{leaf}>", escape(base), escape(&file))
}

/// Adds state to configuration: a state root whose configuration root exists joins it. Under
/// RFC 8639's `/subscriptions`, list entries join the configured entry with the same key.
pub fn merge(data: &mut Vec<Element>, state: Vec<Element>) {
    for root in state {
        match data.iter_mut().find(|d| d.name == root.name) {
            Some(existing)
                if root.name.local == "subscriptions"
                    && root.name.namespace == rfc3535_wire::ns::SUBSCRIBED_NOTIFICATIONS =>
            {
                join(existing, root);
            }
            Some(existing) => existing.children.extend(root.children),
            None => data.push(root),
        }
    }
}

/// Joins `addition`'s children to `existing`'s: a child joins the existing one of the same
/// name and the same key (its `id` or `name` leaf; a container has none), else it is added.
fn join(existing: &mut Element, addition: Element) {
    let key = |element: &Element| {
        element
            .child("id")
            .or_else(|| element.child("name"))
            .filter(|leaf| leaf.children.is_empty())
            .map(|leaf| leaf.text.trim().to_owned())
    };
    for child in addition.children {
        if child.children.is_empty() {
            // A leaf: a key leaf the entry has already is not repeated.
            let present = existing
                .children
                .iter()
                .any(|c| c.name == child.name && c.children.is_empty() && c.text == child.text);
            if !present {
                existing.children.push(child);
            }
            continue;
        }
        let child_key = key(&child);
        let same = existing.children.iter_mut().find(|candidate| {
            candidate.name == child.name
                && !candidate.children.is_empty()
                && key(candidate) == child_key
        });
        match same {
            Some(same) => join(same, child),
            None => existing.children.push(child),
        }
    }
}

fn mark_origin(element: &mut Element, origin: &str) {
    element
        .attributes
        .push(("xmlns".to_owned(), "or".to_owned(), ORIGIN_NS.to_owned()));
    element
        .attributes
        .push(("or".to_owned(), "origin".to_owned(), format!("or:{origin}")));
}

/// The operational datastore (RFC 8342 §5.3): the configuration in use (intended, which here
/// is running: no templates, nothing inactive) and the state. With `with_origin`, each
/// top-level node says where it came from (`or:intended` for configuration, `or:system` for
/// state), and state merged into a configuration node says so on itself.
pub fn operational(
    shared: &Shared,
    stores: &crate::store::Stores,
    with_origin: bool,
) -> Vec<Element> {
    operational_wanted(shared, stores, with_origin, Wanted::All)
}

/// The operational datastore's top-level nodes a read wants (the configuration's all, the
/// state's only those wanted).
pub fn operational_wanted(
    shared: &Shared,
    stores: &crate::store::Stores,
    with_origin: bool,
    wanted: Wanted<'_>,
) -> Vec<Element> {
    let mut data = stores.running.clone();
    let mut state_roots = state_wanted(shared, stores, wanted);
    if with_origin {
        data.iter_mut().for_each(|e| mark_origin(e, "intended"));
        for root in &mut state_roots {
            if data.iter().any(|d| d.name == root.name) {
                root.children
                    .iter_mut()
                    .for_each(|c| mark_origin(c, "system"));
            } else {
                mark_origin(root, "system");
            }
        }
    }
    merge(&mut data, state_roots);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library_of(elements: &[Element]) -> Vec<Element> {
        elements
            .iter()
            .filter(|e| e.name.namespace == YANG_LIBRARY_NS)
            .cloned()
            .collect()
    }

    fn built_afresh(shared: &Shared) -> Vec<Element> {
        let mut xml = String::new();
        yang_library(shared, &mut xml);
        parsed(&xml)
    }

    #[test]
    fn the_kept_library_is_the_one_built_afresh_before_and_after_the_restconf_base_settles() {
        let work = tempfile::tempdir().expect("scratch directory");
        let shared =
            Shared::new(&crate::DeviceConfig::lab("library"), work.path()).expect("device");
        let stores = crate::store::Stores::default();
        let before = library_of(&state(&shared, &stores));
        assert_eq!(before.len(), 2, "yang-library and modules-state");
        assert_eq!(before, built_afresh(&shared));
        assert_eq!(library_of(&state(&shared, &stores)), before, "kept");
        assert!(!before.iter().any(|e| e.to_xml().contains("<location>")));

        shared
            .restconf_base
            .set("https://127.0.0.1:1/restconf".to_owned())
            .expect("unset");
        let after = library_of(&state(&shared, &stores));
        assert_eq!(after, built_afresh(&shared));
        assert!(after[0]
            .to_xml()
            .contains("<location>https://127.0.0.1:1/restconf/yang/"));
    }

    #[test]
    fn a_library_whose_content_id_moves_is_never_kept() {
        let work = tempfile::tempdir().expect("scratch directory");
        let mut config = crate::DeviceConfig::lab("volatile");
        config.profile = crate::profile::profile("volatile-library-id").expect("profile");
        let shared = Shared::new(&config, work.path()).expect("device");
        let stores = crate::store::Stores::default();
        let first = library_of(&state(&shared, &stores));
        if let Ok(mut statistics) = shared.statistics.lock() {
            statistics.counters.in_rpcs += 1;
        }
        let second = library_of(&state(&shared, &stores));
        assert_ne!(first, second, "the content-id moved with the RPC count");
        assert!(shared.library_state.lock().expect("lock").is_none());
    }
}
