//! What a read in each `:with-defaults` mode (RFC 6243) must show of the schema's defaults,
//! as a pure function over the replies, so that a device that announces a mode and ignores
//! it fails. Which modes a device announces is read from its hello capability; which leaves
//! have defaults, from its own schema ([`rfc3535_yang::Shape`]).
//!
//! Only leaves whose default is always in force are judged: configuration leaves reached from
//! the top through non-presence containers that have no `when` and sit in no choice, under a
//! top-level container that some reply shows (a container no reply shows may be hidden by
//! access control, which says nothing about defaults).

use rfc3535_client::wire::capability::Capability as HelloCapability;
use rfc3535_client::wire::ns::DEFAULT_ATTRIBUTE;
use rfc3535_client::wire::tree::Element;
use rfc3535_client::wire::WithDefaults;
use rfc3535_yang::{NodeKind, NodeShape, Shape};

/// How deep below the top a default leaf is looked for.
const DEPTH: usize = 4;

/// The modes a hello announces: its basic mode first, then the others it also supports.
/// `None` when the hello has no `:with-defaults` capability or names no valid basic mode.
pub fn announced_modes(capabilities: &[String]) -> Option<(WithDefaults, Vec<WithDefaults>)> {
    let capability = capabilities
        .iter()
        .map(|c| HelloCapability::parse(c))
        .find(|c| c.is_standard("with-defaults"))?;
    let basic = WithDefaults::parse(capability.parameter("basic-mode")?)?;
    let mut modes = vec![basic];
    for name in capability
        .parameter("also-supported")
        .unwrap_or_default()
        .split(',')
    {
        if let Some(mode) = WithDefaults::parse(name) {
            if !modes.contains(&mode) {
                modes.push(mode);
            }
        }
    }
    Some((basic, modes))
}

/// The modes a RESTCONF server's capability URIs announce (RFC 8040 §9.1.2): the basic mode
/// its `defaults` capability names first, then, when it lists `with-defaults`, the other
/// modes of RFC 6243 (the query parameter takes every mode, §4.8.9). `None` without a
/// `defaults` capability naming a valid basic mode.
pub fn restconf_modes(uris: &[String]) -> Option<(WithDefaults, Vec<WithDefaults>)> {
    use rfc3535_client::wire::restconf::RestconfCapability;
    let listed: Vec<RestconfCapability> = uris
        .iter()
        .filter_map(|u| RestconfCapability::parse(u))
        .collect();
    let basic = listed
        .iter()
        .find(|c| c.name == "defaults")
        .and_then(|c| WithDefaults::parse(c.parameter("basic-mode")?))?;
    let mut modes = vec![basic];
    if listed.iter().any(|c| c.name == "with-defaults") {
        for mode in [
            WithDefaults::ReportAll,
            WithDefaults::Trim,
            WithDefaults::Explicit,
            WithDefaults::ReportAllTagged,
        ] {
            if !modes.contains(&mode) {
                modes.push(mode);
            }
        }
    }
    Some((basic, modes))
}

/// A configuration leaf whose default is always in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultLeaf {
    /// (namespace, name) from the top-level container down to the leaf.
    pub path: Vec<(String, String)>,
    pub default: String,
}

impl DefaultLeaf {
    /// `/lab/mtu`, for messages.
    pub fn display(&self) -> String {
        self.path.iter().map(|(_, n)| format!("/{n}")).collect()
    }
}

/// The leaves of `shape` whose default is always in force (see the module's documentation).
pub fn default_leaves(shape: &Shape) -> Vec<DefaultLeaf> {
    let mut found = Vec::new();
    for root in &shape.roots {
        collect(root, &mut Vec::new(), &mut found);
    }
    found
}

fn collect(node: &NodeShape, above: &mut Vec<(String, String)>, found: &mut Vec<DefaultLeaf>) {
    if !node.config || node.conditional || above.len() >= DEPTH {
        return;
    }
    above.push((node.namespace.clone(), node.name.clone()));
    match node.kind {
        NodeKind::Leaf => {
            if let Some(default) = &node.default {
                found.push(DefaultLeaf {
                    path: above.clone(),
                    default: default.clone(),
                });
            }
        }
        NodeKind::Container { presence: false } => {
            for child in &node.children {
                collect(child, above, found);
            }
        }
        _ => {}
    }
    above.pop();
}

/// One read of the configuration in one mode (`None`: without the parameter).
#[derive(Debug, Clone)]
pub struct ModeRead {
    pub mode: Option<WithDefaults>,
    pub data: Vec<Element>,
}

/// What the replies show, judged: the leaves looked at and every way a reply breaks its
/// mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    pub judged: Vec<String>,
    pub problems: Vec<String>,
}

/// Judges the reads (one per announced mode, and one without the parameter) against the
/// defaults. The value of a leaf is taken from the report-all (or report-all-tagged) read;
/// without either, only what the other modes show can be judged.
pub fn judge(basic: WithDefaults, reads: &[ModeRead], leaves: &[DefaultLeaf]) -> Judgement {
    let mut judgement = Judgement::default();
    let read_in = |mode: WithDefaults| reads.iter().find(|r| r.mode == Some(mode));
    let full = read_in(WithDefaults::ReportAll).or_else(|| read_in(WithDefaults::ReportAllTagged));
    for leaf in leaves {
        let (root_ns, root_name) = &leaf.path[0];
        let shown = reads.iter().any(|r| {
            r.data
                .iter()
                .any(|e| e.name.local == *root_name && e.name.namespace == *root_ns)
        });
        if !shown {
            continue;
        }
        judgement.judged.push(leaf.display());
        let value = full
            .and_then(|r| find(&r.data, &leaf.path))
            .map(|e| e.text.trim());
        for read in reads {
            let mode = read.mode.unwrap_or(basic);
            let label = match read.mode {
                Some(m) => m.as_str().to_owned(),
                None => format!("no with-defaults parameter (basic mode {})", basic.as_str()),
            };
            let here = find(&read.data, &leaf.path);
            let here_value = here.map(|e| e.text.trim());
            let is_default = |v: &str| same_value(v, &leaf.default);
            let problem = match mode {
                WithDefaults::ReportAll | WithDefaults::ReportAllTagged if here.is_none() => Some(
                    format!("leaves out {} (default {:?})", leaf.display(), leaf.default),
                ),
                WithDefaults::ReportAllTagged => here.and_then(|e| {
                    let tagged = e.attributes.iter().any(|(ns, local, v)| {
                        ns == DEFAULT_ATTRIBUTE && local == "default" && v.trim() == "true"
                    });
                    match (tagged, is_default(e.text.trim())) {
                        (false, true) => Some(format!(
                            "shows {} at its default {:?} without wd:default=\"true\"",
                            leaf.display(),
                            leaf.default
                        )),
                        (true, false) => Some(format!(
                            "tags {} as default although it holds {:?}, not {:?}",
                            leaf.display(),
                            e.text.trim(),
                            leaf.default
                        )),
                        _ => None,
                    }
                }),
                WithDefaults::Trim => match (here_value, value) {
                    (Some(v), _) if is_default(v) => Some(format!(
                        "shows {} although it holds its default {v:?}",
                        leaf.display()
                    )),
                    (None, Some(v)) if !is_default(v) => Some(format!(
                        "leaves out {}, which holds {v:?}, not its default",
                        leaf.display()
                    )),
                    _ => None,
                },
                WithDefaults::Explicit => match (here_value, value) {
                    (None, Some(v)) if !is_default(v) => Some(format!(
                        "leaves out {}, which holds {v:?} (not its default, so it was set)",
                        leaf.display()
                    )),
                    _ => None,
                },
                WithDefaults::ReportAll => None,
            };
            if let Some(problem) = problem {
                judgement.problems.push(format!("{label}: {problem}"));
            }
        }
    }
    judgement
}

/// Follows (namespace, name) steps down the data.
fn find<'a>(data: &'a [Element], path: &[(String, String)]) -> Option<&'a Element> {
    let ((namespace, name), rest) = path.split_first()?;
    let here = data
        .iter()
        .find(|e| e.name.local == *name && e.name.namespace == *namespace)?;
    if rest.is_empty() {
        Some(here)
    } else {
        find(&here.children, rest)
    }
}

/// Whether a value read equals a default. An identity default is canonically
/// `module:identity` while a reply uses its own XML prefix, so the part after the colon is
/// compared when both have one.
fn same_value(read: &str, default: &str) -> bool {
    read == default
        || matches!(
            (read.rsplit_once(':'), default.rsplit_once(':')),
            (Some((_, a)), Some((_, b))) if a == b
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "urn:example:lab";

    fn leaf(name: &str, default: &str) -> DefaultLeaf {
        DefaultLeaf {
            path: vec![(NS.into(), "lab".into()), (NS.into(), name.into())],
            default: default.into(),
        }
    }

    fn read(mode: Option<WithDefaults>, xml: &str) -> ModeRead {
        ModeRead {
            mode,
            data: Element::parse_fragment(xml).expect("test XML parses"),
        }
    }

    fn compliant_reads() -> Vec<ModeRead> {
        // mtu is unset (default 1500); ttl was set to 7 (default 64).
        let wd = "xmlns:wd=\"urn:ietf:params:xml:ns:netconf:default:1.0\"";
        vec![
            read(None, &format!("<lab xmlns=\"{NS}\"><ttl>7</ttl></lab>")),
            read(
                Some(WithDefaults::Explicit),
                &format!("<lab xmlns=\"{NS}\"><ttl>7</ttl></lab>"),
            ),
            read(
                Some(WithDefaults::ReportAll),
                &format!("<lab xmlns=\"{NS}\"><mtu>1500</mtu><ttl>7</ttl></lab>"),
            ),
            read(
                Some(WithDefaults::ReportAllTagged),
                &format!(
                    "<lab xmlns=\"{NS}\" {wd}><mtu wd:default=\"true\">1500</mtu><ttl>7</ttl></lab>"
                ),
            ),
            read(
                Some(WithDefaults::Trim),
                &format!("<lab xmlns=\"{NS}\"><ttl>7</ttl></lab>"),
            ),
        ]
    }

    #[test]
    fn announced_modes_come_from_the_capability() {
        let hello = vec!["urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&also-supported=report-all,trim,bogus".to_owned()];
        assert_eq!(
            announced_modes(&hello),
            Some((
                WithDefaults::Explicit,
                vec![
                    WithDefaults::Explicit,
                    WithDefaults::ReportAll,
                    WithDefaults::Trim
                ]
            ))
        );
        assert_eq!(announced_modes(&[]), None);
    }

    #[test]
    fn a_compliant_device_passes() {
        let leaves = [leaf("mtu", "1500"), leaf("ttl", "64")];
        let judgement = judge(WithDefaults::Explicit, &compliant_reads(), &leaves);
        assert_eq!(judgement.problems, Vec::<String>::new());
        assert_eq!(judgement.judged, ["/lab/mtu", "/lab/ttl"]);
    }

    #[test]
    fn an_ignored_parameter_fails_report_all_and_the_tag() {
        let mut reads = compliant_reads();
        let explicit = reads[1].data.clone();
        for read in &mut reads {
            read.data = explicit.clone();
        }
        let judgement = judge(WithDefaults::Explicit, &reads, &[leaf("mtu", "1500")]);
        assert_eq!(judgement.problems.len(), 2, "{:?}", judgement.problems);
        assert!(judgement.problems[0].starts_with("report-all: leaves out /lab/mtu"));
        assert!(judgement.problems[1].starts_with("report-all-tagged: leaves out"));
    }

    #[test]
    fn trim_and_tags_are_judged_by_value() {
        let mut reads = compliant_reads();
        // A tag missing, and trim showing a default while leaving out a set value.
        reads[3] = read(
            Some(WithDefaults::ReportAllTagged),
            &format!("<lab xmlns=\"{NS}\"><mtu>1500</mtu><ttl>7</ttl></lab>"),
        );
        reads[4] = read(
            Some(WithDefaults::Trim),
            &format!("<lab xmlns=\"{NS}\"><mtu>1500</mtu></lab>"),
        );
        let judgement = judge(
            WithDefaults::Explicit,
            &reads,
            &[leaf("mtu", "1500"), leaf("ttl", "64")],
        );
        assert_eq!(
            judgement.problems,
            [
                "report-all-tagged: shows /lab/mtu at its default \"1500\" without wd:default=\"true\"",
                "trim: shows /lab/mtu although it holds its default \"1500\"",
                "trim: leaves out /lab/ttl, which holds \"7\", not its default",
            ]
        );
    }

    #[test]
    fn a_container_no_reply_shows_is_not_judged() {
        let reads = vec![read(Some(WithDefaults::ReportAll), "")];
        let judgement = judge(WithDefaults::Explicit, &reads, &[leaf("mtu", "1500")]);
        assert!(judgement.judged.is_empty());
        assert!(judgement.problems.is_empty());
    }

    #[test]
    fn identity_defaults_compare_without_the_prefix() {
        assert!(same_value(
            "x:ethernetCsmacd",
            "iana-if-type:ethernetCsmacd"
        ));
        assert!(!same_value("1501", "1500"));
    }
}
