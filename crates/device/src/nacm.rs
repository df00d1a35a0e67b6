//! Access control of the reference device (RFC 8341), read from the `/nacm` tree of its
//! running configuration on every request.
//!
//! What is enforced: the groups an account is in; rule-lists in order and rules in order,
//! the first match deciding; module-name, rpc-name and path rules; access-operations; the
//! read, write and exec defaults; and the defaults the standard modules themselves mark:
//! `/nacm` is deny-all (RFC 8341 §3.5.2), and `<kill-session>` and `<delete-config>` are
//! deny-all (RFC 8341 §3.2.6). Reads lose the subtrees the account may not read; a write to
//! a node it may not write fails whole with `access-denied`.
//!
//! A simplification, stated: data rules are matched on the path of top-level nodes and their
//! descendants by local names (prefixes in a rule's path are ignored), and a write is checked
//! on the top-level nodes it changes. No other module's default-deny annotations are read.

use rfc3535_wire::tree::Element;

use crate::{Shared, NACM_NS};

/// What a request wants to do with data or an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Create,
    Update,
    Delete,
    Exec,
}

impl Access {
    fn bit(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Create => "create",
            Access::Update => "update",
            Access::Delete => "delete",
            Access::Exec => "exec",
        }
    }
}

/// What a rule is about (its `rule-type` choice); `Any` when it names none.
#[derive(Debug)]
enum RuleType {
    Any,
    Rpc(String),
    Notification(String),
    Path(String),
}

#[derive(Debug)]
struct Rule {
    module: String,
    about: RuleType,
    operations: String,
    permit: bool,
}

/// What a request is, for matching rules.
#[derive(Debug, Clone, Copy)]
enum Request<'a> {
    Rpc(&'a str),
    Notification(&'a str),
    Data(&'a [&'a str]),
}

/// The access rules that apply to one account.
#[derive(Debug)]
pub struct Nacm {
    enabled: bool,
    read_permit: bool,
    write_permit: bool,
    exec_permit: bool,
    rules: Vec<Rule>,
}

fn text_of<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element.child(name).map(|c| c.text.trim())
}

impl Nacm {
    /// The rules for `user` from a running configuration.
    pub fn for_user(running: &[Element], user: &str) -> Nacm {
        let Some(nacm) = running
            .iter()
            .find(|e| e.name.local == "nacm" && e.name.namespace == NACM_NS)
        else {
            // No /nacm: RFC 8341 defaults (enabled, read permit, write deny, exec permit).
            return Nacm {
                enabled: true,
                read_permit: true,
                write_permit: false,
                exec_permit: true,
                rules: Vec::new(),
            };
        };
        let permits = |name: &str, default: bool| match text_of(nacm, name) {
            Some("permit") => true,
            Some("deny") => false,
            _ => default,
        };
        let groups: Vec<&str> = nacm
            .find_all(&["groups", "group"])
            .into_iter()
            .filter(|g| g.children_named("user-name").any(|u| u.text.trim() == user))
            .filter_map(|g| text_of(g, "name"))
            .collect();
        let mut rules = Vec::new();
        for list in nacm.children_named("rule-list") {
            let applies = list
                .children_named("group")
                .any(|g| g.text.trim() == "*" || groups.contains(&g.text.trim()));
            if !applies {
                continue;
            }
            for rule in list.children_named("rule") {
                let about = if let Some(rpc) = text_of(rule, "rpc-name") {
                    RuleType::Rpc(rpc.to_owned())
                } else if let Some(notification) = text_of(rule, "notification-name") {
                    RuleType::Notification(notification.to_owned())
                } else if let Some(path) = text_of(rule, "path") {
                    RuleType::Path(path.to_owned())
                } else {
                    RuleType::Any
                };
                rules.push(Rule {
                    module: text_of(rule, "module-name").unwrap_or("*").to_owned(),
                    about,
                    operations: text_of(rule, "access-operations").unwrap_or("*").to_owned(),
                    permit: text_of(rule, "action") == Some("permit"),
                });
            }
        }
        Nacm {
            enabled: text_of(nacm, "enable-nacm") != Some("false"),
            read_permit: permits("read-default", true),
            write_permit: permits("write-default", false),
            exec_permit: permits("exec-default", true),
            rules,
        }
    }

    /// The action of the first rule that matches, if one does (RFC 8341 §3.4.4-3.4.6).
    fn decide(&self, module: &str, request: Request<'_>, access: Access) -> Option<bool> {
        let named = |name: &str, wanted: &str| name == "*" || name == wanted;
        self.rules
            .iter()
            .find(|rule| {
                let about = match (&rule.about, request) {
                    (RuleType::Any, _) => true,
                    (RuleType::Rpc(rpc), Request::Rpc(name)) => named(rpc, name),
                    (RuleType::Notification(n), Request::Notification(name)) => named(n, name),
                    (RuleType::Path(path), Request::Data(at)) => path_covers(path, at),
                    _ => false,
                };
                about
                    && named(&rule.module, module)
                    && (rule.operations == "*"
                        || rule
                            .operations
                            .split_whitespace()
                            .any(|bit| bit == access.bit()))
            })
            .map(|rule| rule.permit)
    }

    /// May the account run operation `name` of `module`?
    pub fn may_exec(&self, module: &str, name: &str) -> bool {
        if !self.enabled || name == "close-session" {
            return true;
        }
        self.decide(module, Request::Rpc(name), Access::Exec)
            .unwrap_or(
                !matches!(name, "kill-session" | "delete-config" | "kill-subscription")
                    && self.exec_permit,
            )
    }

    /// May the account have `access` to the data node at `path` (local names from the
    /// root) of `module`?
    pub fn may_access_data(&self, module: &str, path: &[&str], access: Access) -> bool {
        if !self.enabled {
            return true;
        }
        self.decide(module, Request::Data(path), access)
            .unwrap_or(match access {
                _ if module == "ietf-netconf-acm" => false,
                Access::Read => self.read_permit,
                _ => self.write_permit,
            })
    }

    /// May the account receive a notification of `module` named `name`?
    pub fn may_receive(&self, module: &str, name: &str) -> bool {
        if !self.enabled {
            return true;
        }
        self.decide(module, Request::Notification(name), Access::Read)
            .unwrap_or(self.read_permit)
    }

    /// The data the account may read: subtrees it may not read are left out.
    pub fn filter_read(&self, shared: &Shared, data: Vec<Element>) -> Vec<Element> {
        if !self.enabled {
            return data;
        }
        data.into_iter()
            .filter_map(|root| {
                let module = shared
                    .module_of(&root.name.namespace)
                    .map(|m| m.name.as_str())
                    .unwrap_or_default();
                self.filter_node(module, &mut Vec::new(), root)
            })
            .collect()
    }

    fn filter_node(
        &self,
        module: &str,
        path: &mut Vec<String>,
        mut node: Element,
    ) -> Option<Element> {
        path.push(node.name.local.clone());
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        let allowed = self.may_access_data(module, &names, Access::Read);
        let result = if !allowed {
            None
        } else if self.has_path_rules() {
            let children = std::mem::take(&mut node.children);
            node.children = children
                .into_iter()
                .filter_map(|child| self.filter_node(module, path, child))
                .collect();
            Some(node)
        } else {
            Some(node)
        };
        path.pop();
        result
    }

    fn has_path_rules(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.about, RuleType::Path(_)))
    }
}

/// Does a rule's path (`/p:a/p:b`, or `/` for everything) cover the node at `path`?
fn path_covers(rule: &str, path: &[&str]) -> bool {
    let steps: Vec<&str> = rule
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit_once(':').map_or(s, |(_, local)| local))
        .map(|s| s.split('[').next().unwrap_or(s))
        .collect();
    steps.len() <= path.len() && steps.iter().zip(path).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nacm(xml: &str) -> Vec<Element> {
        Element::parse_fragment(xml).expect("xml")
    }

    const CONFIG: &str = "<nacm xmlns=\"urn:ietf:params:xml:ns:yang:ietf-netconf-acm\"><write-default>deny</write-default><groups><group><name>admin</name><user-name>admin</user-name></group><group><name>ops</name><user-name>ops</user-name></group></groups><rule-list><name>a</name><group>admin</group><rule><name>all</name><module-name>*</module-name><access-operations>*</access-operations><action>permit</action></rule></rule-list><rule-list><name>o</name><group>ops</group><rule><name>no-contact</name><path>/sys:system/sys:contact</path><access-operations>read</access-operations><action>deny</action></rule><rule><name>location</name><module-name>ietf-system</module-name><path>/system/location</path><access-operations>update create</access-operations><action>permit</action></rule></rule-list></nacm>";

    #[test]
    fn the_first_matching_rule_decides_and_defaults_apply_otherwise() {
        let config = nacm(CONFIG);
        let admin = Nacm::for_user(&config, "admin");
        assert!(admin.may_exec("ietf-netconf", "kill-session"));
        assert!(admin.may_access_data("ietf-system", &["system"], Access::Update));
        let ops = Nacm::for_user(&config, "ops");
        assert!(!ops.may_exec("ietf-netconf", "kill-session"), "deny-all");
        assert!(ops.may_exec("ietf-netconf", "get-config"), "exec default");
        assert!(!ops.may_access_data("ietf-system", &["system"], Access::Update));
        assert!(ops.may_access_data("ietf-system", &["system", "location"], Access::Update));
        assert!(!ops.may_access_data("ietf-system", &["system", "location"], Access::Delete));
        assert!(!ops.may_access_data("ietf-system", &["system", "contact"], Access::Read));
        assert!(ops.may_access_data("ietf-system", &["system", "hostname"], Access::Read));
        assert!(!ops.may_access_data("ietf-netconf-acm", &["nacm"], Access::Read));
        let stranger = Nacm::for_user(&config, "stranger");
        assert!(stranger.may_access_data("ietf-system", &["system"], Access::Read));
    }

    #[test]
    fn disabled_nacm_permits_everything() {
        let config = nacm(&CONFIG.replace(
            "<write-default>",
            "<enable-nacm>false</enable-nacm><write-default>",
        ));
        let ops = Nacm::for_user(&config, "ops");
        assert!(ops.may_exec("ietf-netconf", "kill-session"));
        assert!(ops.may_access_data("ietf-system", &["system"], Access::Delete));
    }
}
