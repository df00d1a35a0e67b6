//! The draft's examples (draft-ietf-nmop-yang-message-broker-message-key-02, figures 1-3,
//! 5-10, 13-14) on the standard modules the setup installs: oper-status, which their 2014
//! ietf-interfaces keeps under interfaces-state, is replaced by enabled.

use std::sync::OnceLock;

use rfc3535_wire::tree::Element;
use rfc3535_yang::{ModuleSpec, Schema};

use super::*;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let modules =
            ["ietf-interfaces", "ietf-ip", "ietf-system", "ietf-hardware"].map(|name| ModuleSpec {
                name: name.to_owned(),
                revision: None,
                features: Vec::new(),
            });
        Schema::from_dir(&rfc3535_yang::standard_modules(), &modules)
            .expect("the standard modules compile (scripts/setup-test-env installs them)")
    })
}

fn templates(xpath: &str) -> KeyTemplates {
    KeyTemplates::derive(xpath, &schema().shape()).expect("templates")
}

fn rendered(xpath: &str) -> Vec<String> {
    templates(xpath)
        .templates
        .iter()
        .map(Template::render)
        .collect()
}

#[test]
fn a_subtree_filter_is_normalised_to_module_qualified_xpaths() {
    let filter = Element::parse_fragment(
        "<interfaces xmlns=\"urn:ietf:params:xml:ns:yang:ietf-interfaces\"><interface><name>eth0</name><oper-status/></interface></interfaces>\
         <hardware xmlns=\"urn:ietf:params:xml:ns:yang:ietf-hardware\"><component><serial-num/></component></hardware>\
         <system xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"><clock>  </clock></system>",
    )
    .expect("XML");
    let branches = normalise_subtree(&filter, &|ns| schema().module_of_namespace(ns));
    assert_eq!(
        branches,
        [
            "/ietf-interfaces:interfaces/ietf-interfaces:interface[ietf-interfaces:name='eth0']/ietf-interfaces:oper-status",
            "/ietf-hardware:hardware/ietf-hardware:component/ietf-hardware:serial-num",
            // Whitespace alone is no content match: a selection node.
            "/ietf-system:system/ietf-system:clock",
        ]
    );
}

#[test]
fn templates_pin_the_keys_a_filter_gives_and_leave_the_others_open() {
    assert_eq!(
        rendered("/ietf-interfaces:interfaces/interface"),
        ["/ietf-interfaces:interfaces/interface[name='%s']"]
    );
    assert_eq!(
        rendered("/ietf-interfaces:interfaces/interface[name='eth0']/ietf-ip:ipv4/address"),
        ["/ietf-interfaces:interfaces/interface[name='eth0']/ietf-ip:ipv4/address[ip='%s']"]
    );
    // Module prefixes on every step, double quotes and a positional predicate normalised.
    assert_eq!(
        rendered(
            "/ietf-interfaces:interfaces/ietf-interfaces:interface[ietf-interfaces:name=\"eth0\"]/ietf-interfaces:enabled | /ietf-hardware:hardware/component[2]/serial-num"
        ),
        [
            "/ietf-interfaces:interfaces/interface[name='eth0']/enabled",
            "/ietf-hardware:hardware/component[name='%s']/serial-num",
        ]
    );
    assert_eq!(
        rendered("/ietf-system:system/clock"),
        ["/ietf-system:system/clock"]
    );
    assert_eq!(
        KeyTemplates::derive("/ietf-system:system/no-such-node", &schema().shape()),
        Err(KeyError::Unresolved {
            path: "/ietf-system:system/no-such-node".to_owned(),
            step: "no-such-node".to_owned()
        })
    );
    assert!(matches!(
        KeyTemplates::derive("system/clock", &schema().shape()),
        Err(KeyError::Syntax(_))
    ));
}

#[test]
fn each_instance_in_the_data_fills_the_open_keys() {
    let data: serde_json::Value = serde_json::from_str(
        r#"{"ietf-interfaces:interfaces":{"interface":[{"name":"eth0","enabled":true},{"name":"eth1","enabled":false}]},
            "ietf-hardware:hardware":{"component":[{"name":"fan-1","serial-num":"SN-67890"},{"name":"chassis","serial-num":"SN-12345"},{"name":"psu"}]}}"#,
    )
    .expect("JSON");
    let key_paths = templates("/ietf-interfaces:interfaces/interface").concrete_paths(&data);
    assert_eq!(
        key_paths,
        [
            "/ietf-interfaces:interfaces/interface[name='eth0']",
            "/ietf-interfaces:interfaces/interface[name='eth1']",
        ]
    );
    assert_eq!(
        message_key("router-nyc-01", 1042, &key_paths),
        b"router-nyc-01\n1042\n/ietf-interfaces:interfaces/interface[name='eth0'] | /ietf-interfaces:interfaces/interface[name='eth1']"
    );
    // The draft's figure 10: a pinned branch stands as it is, an open one is filled from
    // the data (a component without serial-num is no instance of the target).
    let both = templates(
        "/ietf-interfaces:interfaces/interface[name='eth0']/enabled | /ietf-hardware:hardware/component/serial-num",
    );
    assert_eq!(
        both.concrete_paths(&data),
        [
            "/ietf-hardware:hardware/component[name='chassis']/serial-num",
            "/ietf-hardware:hardware/component[name='fan-1']/serial-num",
            "/ietf-interfaces:interfaces/interface[name='eth0']/enabled",
        ]
    );
    // A pinned key keeps the other entries out.
    let pinned = templates("/ietf-hardware:hardware/component[name='psu']");
    assert_eq!(
        pinned.concrete_paths(&data),
        ["/ietf-hardware:hardware/component[name='psu']"]
    );
}

#[test]
fn a_key_reads_back_as_its_three_fields() {
    let paths = vec!["/ietf-system:system/clock".to_owned()];
    let key = message_key("pe1", 7, &paths);
    assert!(!key.ends_with(b"\n"));
    assert_eq!(parse_message_key(&key), Some(("pe1".to_owned(), 7, paths)));
    assert_eq!(parse_message_key(b"pe1\nseven\n/x"), None);
    assert_eq!(parse_message_key(b"pe1\n7\n/x\n"), None);
}

#[test]
fn topic_names_flatten_the_schema_path_with_module_prefixes() {
    let prefix = |module: &str| schema().module_prefix(module);
    let topic = |xpath: &str, organisation| {
        topic_name(&templates(xpath).templates[0], &prefix, organisation)
    };
    assert_eq!(
        topic("/ietf-interfaces:interfaces/interface", None),
        "if-interfaces-interface"
    );
    assert_eq!(
        topic(
            "/ietf-interfaces:interfaces/interface[name='eth0']/enabled",
            None
        ),
        "if-interfaces-interface-enabled"
    );
    assert_eq!(topic("/ietf-system:system/clock", None), "sys-system-clock");
    assert_eq!(
        topic("/ietf-system:system/clock", Some("netops")),
        "netops-sys-system-clock"
    );
    // Too long for Kafka: cut at a separator, a hash of the path added.
    let long = topic("/ietf-system:system/clock", Some(&"x-".repeat(130)));
    assert!(long.len() <= MAX_TOPIC, "{}", long.len());
    assert!(
        long.rsplit('-').next().is_some_and(|h| h.len() == 8),
        "{long}"
    );
}
