//! Classifies the capability URIs of a `<hello>`: base protocol versions, RFC 6241 §8 standard
//! capabilities with their parameters, YANG modules (RFC 6020 §5.6.4 `?module=&revision=
//! &features=&deviations=`), and anything else.

/// What a capability URI announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapabilityKind {
    /// `urn:ietf:params:netconf:base:<version>`.
    Base { version: String },
    /// `urn:ietf:params:netconf:capability:<name>:<version>` (e.g. `candidate`, `with-defaults`).
    Standard { name: String, version: String },
    /// A YANG module announced in the hello.
    Module {
        namespace: String,
        name: String,
        revision: Option<String>,
        features: Vec<String>,
        deviations: Vec<String>,
    },
    /// Any other URI.
    Other,
}

/// A parsed capability: the URI as announced, its kind, and its query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    pub uri: String,
    pub kind: CapabilityKind,
    /// The `key=value` parameters after `?`, in order (e.g. `basic-mode=explicit`).
    pub parameters: Vec<(String, String)>,
}

/// The `key=value` parameters after a capability URI's `?` (NETCONF's and RESTCONF's alike).
pub(crate) fn parameters_of(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

/// The value of one of those parameters.
pub(crate) fn parameter_in<'p>(parameters: &'p [(String, String)], key: &str) -> Option<&'p str> {
    parameters
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

const BASE_PREFIX: &str = "urn:ietf:params:netconf:base:";
const STANDARD_PREFIX: &str = "urn:ietf:params:netconf:capability:";

impl Capability {
    /// Parses one capability URI. Never fails: an unrecognised URI is `Other`.
    pub fn parse(uri: &str) -> Capability {
        let uri = uri.trim();
        let (stem, query) = match uri.split_once('?') {
            Some((stem, query)) => (stem, query),
            None => (uri, ""),
        };
        let parameters = parameters_of(query);
        let param = |key: &str| {
            parameters
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let list = |key: &str| {
            param(key)
                .map(|v| {
                    v.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let kind = if let Some(version) = stem.strip_prefix(BASE_PREFIX) {
            CapabilityKind::Base {
                version: version.to_owned(),
            }
        } else if let Some(rest) = stem.strip_prefix(STANDARD_PREFIX) {
            let (name, version) = rest.rsplit_once(':').unwrap_or((rest, ""));
            CapabilityKind::Standard {
                name: name.to_owned(),
                version: version.to_owned(),
            }
        } else if let Some(name) = param("module") {
            CapabilityKind::Module {
                namespace: stem.to_owned(),
                name,
                revision: param("revision"),
                features: list("features"),
                deviations: list("deviations"),
            }
        } else {
            CapabilityKind::Other
        };
        Capability {
            uri: uri.to_owned(),
            kind,
            parameters,
        }
    }

    /// The value of a query parameter.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        parameter_in(&self.parameters, key)
    }

    /// Whether this is the standard capability `name` (any version).
    pub fn is_standard(&self, wanted: &str) -> bool {
        matches!(&self.kind, CapabilityKind::Standard { name, .. } if name == wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_base_standard_module_and_other() {
        assert_eq!(
            Capability::parse("urn:ietf:params:netconf:base:1.1").kind,
            CapabilityKind::Base {
                version: "1.1".into()
            }
        );
        let wd = Capability::parse(
            "urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&also-supported=report-all,trim",
        );
        assert!(wd.is_standard("with-defaults"));
        assert_eq!(wd.parameter("basic-mode"), Some("explicit"));
        let module = Capability::parse(
            "urn:ietf:params:xml:ns:yang:ietf-interfaces?module=ietf-interfaces&revision=2014-05-08&features=arbitrary-names,pre-provisioning&deviations=x-dev",
        );
        assert_eq!(
            module.kind,
            CapabilityKind::Module {
                namespace: "urn:ietf:params:xml:ns:yang:ietf-interfaces".into(),
                name: "ietf-interfaces".into(),
                revision: Some("2014-05-08".into()),
                features: vec!["arbitrary-names".into(), "pre-provisioning".into()],
                deviations: vec!["x-dev".into()],
            }
        );
        assert_eq!(
            Capability::parse("http://example.com/x").kind,
            CapabilityKind::Other
        );
    }
}
