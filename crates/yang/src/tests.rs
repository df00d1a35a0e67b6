//! One small test per operation (in the style of yang-rs `tests/data.rs`), on the project's
//! own fixture modules in `fixtures/yang/`.

use std::path::PathBuf;

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/yang")
}

fn lab(features: &[&str]) -> ModuleSpec {
    ModuleSpec {
        name: "rfc3535-lab".into(),
        revision: Some("2026-11-21".into()),
        features: features.iter().map(|f| (*f).to_owned()).collect(),
    }
}

fn schema() -> Schema {
    Schema::from_dir(&fixtures(), &[lab(&[])]).expect("fixture schema builds")
}

const NS: &str = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab";

fn config(inner: &str) -> String {
    format!("<lab xmlns=\"{NS}\">{inner}</lab>")
}

#[test]
fn builds_from_exactly_the_directory_with_imports() {
    let schema = schema();
    assert!(schema
        .modules
        .contains(&"rfc3535-lab@2026-11-21".to_owned()));
    assert!(schema
        .modules
        .contains(&"ietf-yang-types-lite@2026-11-21".to_owned()));
}

#[test]
fn a_module_that_is_not_there_is_a_precise_error() {
    let missing = ModuleSpec {
        name: "rfc3535-absent".into(),
        revision: Some("2026-01-01".into()),
        features: Vec::new(),
    };
    let error = Schema::from_dir(&fixtures(), &[missing]).expect_err("absent");
    assert!(
        matches!(&error, SchemaError::Module { module, .. } if module == "rfc3535-absent"),
        "{error}"
    );
}

#[test]
fn a_missing_import_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        fixtures().join("rfc3535-lab@2026-11-21.yang"),
        dir.path().join("rfc3535-lab@2026-11-21.yang"),
    )
    .expect("copy");
    let error = Schema::from_dir(dir.path(), &[lab(&[])]).expect_err("import missing");
    assert_eq!(
        error,
        SchemaError::MissingImport {
            module: "rfc3535-lab".into(),
            import: "ietf-yang-types-lite".into()
        }
    );
}

#[test]
fn valid_configuration_validates() {
    let xml =
        config("<name>a</name><mtu>9000</mtu><rule><id>1</id><action>permit</action></rule><tcp/>");
    schema().validate(&xml, Content::FullConfig).expect("valid");
}

#[test]
fn state_in_a_configuration_read_is_caught_with_its_path() {
    let xml = config("<counters><in-octets>5</in-octets></counters>");
    let finding = schema()
        .validate(&xml, Content::PartialConfig)
        .expect_err("state in config");
    assert!(finding.to_string().contains("counters"), "{finding}");
    schema()
        .validate(&xml, Content::Data)
        .expect("state is fine in <get>");
}

#[test]
fn a_wrong_type_is_caught_with_its_path() {
    let finding = schema()
        .validate(&config("<mtu>99999</mtu>"), Content::PartialConfig)
        .expect_err("out of range");
    assert_eq!(
        finding.path.as_deref(),
        Some("/rfc3535-lab:lab/mtu"),
        "{finding}"
    );
}

#[test]
fn an_unknown_element_is_caught() {
    let finding = schema()
        .validate(&config("<nonsense>1</nonsense>"), Content::PartialConfig)
        .expect_err("unknown");
    assert!(finding.message.contains("nonsense"), "{finding}");
}

#[test]
fn a_missing_mandatory_leaf_fails_only_a_full_configuration() {
    let xml = config("<rule><id>1</id></rule>");
    schema()
        .validate(&xml, Content::PartialConfig)
        .expect("partial reads may omit it");
    let finding = schema()
        .validate(&xml, Content::FullConfig)
        .expect_err("mandatory action");
    assert!(finding.to_string().contains("action"), "{finding}");
}

#[test]
fn both_cases_of_a_choice_are_refused() {
    let finding = schema()
        .validate(&config("<tcp/><udp/>"), Content::FullConfig)
        .expect_err("two cases");
    assert!(!finding.message.is_empty());
}

#[test]
fn a_feature_not_announced_is_not_in_the_schema() {
    let colour = config("<colour>red</colour>");
    schema()
        .validate(&colour, Content::PartialConfig)
        .expect_err("feature off");
    Schema::from_dir(&fixtures(), &[lab(&["fancy"])])
        .expect("builds")
        .validate(&colour, Content::PartialConfig)
        .expect("feature on");
}

#[test]
fn user_order_counts_and_system_order_does_not() {
    let schema = schema();
    let rules = |a: &str, b: &str| {
        config(&format!(
            "<rule><id>{a}</id><action>permit</action></rule><rule><id>{b}</id><action>deny</action></rule>"
        ))
    };
    let reordered = schema
        .differences(&rules("1", "2"), &rules("2", "1"), Content::FullConfig)
        .expect("diff");
    assert!(!reordered.is_empty(), "user order is data");
    let peers = |a: &str, b: &str| {
        config(&format!(
            "<peer><address>{a}</address></peer><peer><address>{b}</address></peer>"
        ))
    };
    let same = schema
        .differences(&peers("x", "y"), &peers("y", "x"), Content::FullConfig)
        .expect("diff");
    assert!(same.is_empty(), "system order is not: {same:?}");
}

#[test]
fn an_explicit_default_is_no_difference() {
    let schema = schema();
    let diff = schema
        .differences(
            &config("<name>a</name>"),
            &config("<name>a</name><mtu>1500</mtu>"),
            Content::FullConfig,
        )
        .expect("diff");
    assert!(diff.iter().all(|d| d.operation != "replace"), "{diff:?}");
}

#[test]
fn a_deviation_removes_and_changes_nodes() {
    let deviated = Schema::from_dir(
        &fixtures(),
        &[
            lab(&[]),
            ModuleSpec {
                name: "rfc3535-lab-deviations".into(),
                revision: Some("2026-11-21".into()),
                features: Vec::new(),
            },
        ],
    )
    .expect("builds");
    deviated
        .validate(
            &config("<peer><address>x</address></peer>"),
            Content::PartialConfig,
        )
        .expect_err("peer is not supported");
    let diff = deviated
        .differences(
            &config("<name>a</name>"),
            &config("<name>a</name><mtu>1400</mtu>"),
            Content::FullConfig,
        )
        .expect("diff");
    assert!(diff.iter().all(|d| d.operation != "replace"), "{diff:?}");
}

#[test]
fn dependencies_are_read_from_statements_not_prose() {
    let text = "module m { import a { prefix a; } description \"import b { prefix b; }\"; // import c\n /* include d; */ include e; }";
    assert_eq!(dependencies(text), vec!["a".to_owned(), "e".to_owned()]);
}

#[test]
fn notifications_are_checked_against_the_schema() {
    let schema = schema();
    let envelope = |event: &str| {
        format!("<notification xmlns=\"urn:ietf:params:xml:ns:netconf:notification:1.0\"><eventTime>2026-11-21T00:00:00Z</eventTime>{event}</notification>")
    };
    schema
        .validate_notification(&envelope(&format!(
            "<rule-hit xmlns=\"{NS}\"><id>1</id></rule-hit>"
        )))
        .expect("a defined notification");
    schema
        .validate_notification(&envelope(&format!(
            "<rule-hit xmlns=\"{NS}\"><id>1</id><extra/></rule-hit>"
        )))
        .expect_err("unknown content");
    schema
        .validate_notification(&envelope(&format!("<no-such-event xmlns=\"{NS}\"/>")))
        .expect_err("no module defines it");
    assert!(schema.implements_namespace(NS));
    assert!(!schema.implements_namespace("urn:example:nobody"));
}

#[test]
fn the_shape_knows_keys_ordering_defaults_and_state_and_looks_through_choices() {
    let shape = schema().shape();
    let ns = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab";
    let lab = shape.root(ns, "lab").expect("the lab container");
    assert_eq!(lab.kind, NodeKind::Container { presence: false });
    let rule = lab.child(ns, "rule").expect("rule");
    assert_eq!(
        (rule.kind, rule.user_ordered, rule.keys.clone()),
        (NodeKind::List, true, vec!["id".to_owned()])
    );
    let peer = lab.child(ns, "peer").expect("peer");
    assert!(!peer.user_ordered);
    assert_eq!(
        lab.child(ns, "mtu").and_then(|m| m.default.clone()),
        Some("1500".to_owned())
    );
    assert!(
        lab.child(ns, "tcp").is_some(),
        "choice and case are transparent"
    );
    assert!(!lab.child(ns, "counters").expect("counters").config);
    assert!(lab.child(ns, "colour").is_none(), "feature not enabled");
}

#[test]
fn text_nodes_are_configuration_strings_reached_through_plain_containers_only() {
    let shape = schema().shape();
    let paths: Vec<String> = shape
        .text_nodes(false)
        .iter()
        .map(|n| n.path.join("/"))
        .collect();
    // `name` is a string leaf of the plain `lab` container; `mtu` is a number, the rule and
    // peer keys sit in lists, and `colour` is behind a feature that is not enabled.
    assert!(paths.contains(&"lab/name".to_owned()), "{paths:?}");
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("mtu") || p.contains("rule") || p.contains("peer")),
        "{paths:?}"
    );
    assert!(shape
        .text_nodes(false)
        .iter()
        .all(|n| n.namespace == "urn:rfc3535:params:xml:ns:yang:rfc3535-lab"));
}

#[test]
fn rpc_replies_are_checked_against_the_operations_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    for module in [
        "ietf-netconf",
        "ietf-inet-types",
        "ietf-yang-types",
        "ietf-netconf-acm",
    ] {
        let file = format!("{module}.yang");
        std::fs::copy(standard_modules().join(&file), dir.path().join(&file)).unwrap_or_else(|e| {
            panic!("{file} from the standard modules (run scripts/setup-test-env): {e}")
        });
    }
    let netconf = ModuleSpec {
        name: "ietf-netconf".into(),
        revision: None,
        features: vec!["candidate".into()],
    };
    let schema = Schema::from_dir(dir.path(), &[netconf]).expect("ietf-netconf builds");
    let base = "urn:ietf:params:xml:ns:netconf:base:1.0";
    let rpc = |operation: &str| format!("<rpc message-id=\"1\" xmlns=\"{base}\">{operation}</rpc>");
    let reply =
        |body: &str| format!("<rpc-reply message-id=\"1\" xmlns=\"{base}\">{body}</rpc-reply>");
    let commit = rpc("<commit/>");
    schema
        .validate_rpc_reply(&commit, base, &reply("<ok/>"))
        .expect("commit has no output: ok is its reply");
    match schema.validate_rpc_reply(
        &commit,
        base,
        &reply("<ok/><status xmlns=\"urn:example:vendor\">done</status>"),
    ) {
        Err(ReplyCheck::Invalid(finding)) => {
            assert!(finding.message.contains("status"), "{finding}")
        }
        other => panic!("an element beside ok is not the output: {other:?}"),
    }
    assert_eq!(
        schema.validate_rpc_reply(
            &rpc(
                "<create-subscription xmlns=\"urn:ietf:params:xml:ns:netconf:notification:1.0\"/>"
            ),
            "urn:ietf:params:xml:ns:netconf:notification:1.0",
            &reply("<ok/>"),
        ),
        Err(ReplyCheck::NoModule)
    );
    // Without the candidate feature announced, commit is not in the schema: not checked.
    let without = ModuleSpec {
        name: "ietf-netconf".into(),
        revision: None,
        features: Vec::new(),
    };
    let schema = Schema::from_dir(dir.path(), &[without]).expect("ietf-netconf builds");
    assert!(matches!(
        schema.validate_rpc_reply(&commit, base, &reply("<ok/>")),
        Err(ReplyCheck::UnknownOperation(_))
    ));
}

#[test]
fn an_xpath_selects_nodes_with_their_ancestors_and_paths() {
    let schema = schema();
    let data = config(
        "<name>core</name><rule><id>a</id><action>permit</action></rule>\
         <rule><id>b</id><action>deny</action></rule>",
    );
    let bindings = vec![("l".to_owned(), NS.to_owned())];
    let selection = schema
        .select(
            &data,
            Content::PartialConfig,
            "/l:lab/l:rule[l:id='b']",
            &bindings,
        )
        .expect("selects");
    assert_eq!(selection.paths, vec!["/rfc3535-lab:lab/rule[id='b']"]);
    assert!(
        selection.xml.contains("<id>b</id><action>deny</action>"),
        "{}",
        selection.xml
    );
    assert!(!selection.xml.contains("permit"), "{}", selection.xml);
    assert!(!selection.xml.contains("core"), "{}", selection.xml);

    let nothing = schema
        .select(
            &data,
            Content::PartialConfig,
            "/l:lab/l:rule[l:id='z']",
            &bindings,
        )
        .expect("selects");
    assert_eq!(nothing, Selection::default());
    let empty = schema
        .select("", Content::PartialConfig, "/l:lab", &bindings)
        .expect("selects");
    assert_eq!(empty, Selection::default());
}

#[test]
fn an_xpath_with_an_unknown_prefix_or_bad_syntax_is_a_finding() {
    let schema = schema();
    let data = config("<name>core</name>");
    let bindings = vec![
        ("l".to_owned(), NS.to_owned()),
        ("u".to_owned(), "urn:u".to_owned()),
    ];
    for expression in ["/x:lab", "/u:lab", "/l:lab[", "/l:lab\0"] {
        assert!(
            schema
                .select(&data, Content::PartialConfig, expression, &bindings)
                .is_err(),
            "{expression:?}"
        );
    }
}

mod resources {
    use super::*;
    use rfc3535_wire::restconf::Encoding;

    fn whole() -> String {
        config(
            "<name>edge</name><rule><id>r,1</id><action>permit</action></rule>\
             <rule><id>r2</id><action>deny</action></rule>",
        )
    }

    #[test]
    fn an_api_path_resolves_to_its_data_node_with_decoded_keys() {
        let schema = schema();
        let path = schema
            .resource_path("/rfc3535-lab:lab/rule=r%2C1")
            .expect("resolves");
        assert_eq!(path.steps.len(), 2);
        assert_eq!(path.steps[0].kind, StepKind::Container);
        assert_eq!(path.steps[0].namespace, NS);
        assert_eq!(path.steps[1].kind, StepKind::List);
        assert_eq!(path.steps[1].keys[0].name, "id");
        assert_eq!(path.steps[1].keys[0].value, "r,1");
        assert_eq!(path.data_path(), "/rfc3535-lab:lab/rule[id='r,1']");
        assert_eq!(path.data_path_to(1), "/rfc3535-lab:lab");
        assert!(schema.resource_path("").expect("datastore").is_datastore());
        assert_eq!(
            schema
                .resource_path("rfc3535-lab:lab/rule")
                .expect("the whole list")
                .steps[1]
                .keys,
            Vec::new()
        );
    }

    #[test]
    fn a_path_the_schema_does_not_have_is_a_finding() {
        let schema = schema();
        assert!(matches!(
            schema.resource_path("rfc3535-lab:nothing"),
            Err(PathError::Unknown { .. })
        ));
        assert!(matches!(
            schema.resource_path("lab"),
            Err(PathError::Malformed { .. })
        ));
        for bad in [
            "lab",
            "rfc3535-lab:nothing",
            "no-such-module:lab",
            "rfc3535-lab:lab/rule=a,b",
            "rfc3535-lab:lab/name=x",
            "rfc3535-lab:lab/rule[id='a']",
        ] {
            let error = schema.resource_path(bad).expect_err(bad);
            assert!(error.to_string().starts_with(bad), "{error}");
        }
    }

    #[test]
    fn data_converts_between_xml_and_json_and_back() {
        let schema = schema();
        let json = schema
            .convert(
                &whole(),
                Encoding::Xml,
                Encoding::Json,
                Content::PartialConfig,
            )
            .expect("to json");
        assert!(json.contains("\"rfc3535-lab:lab\""), "{json}");
        let back = schema
            .convert(&json, Encoding::Json, Encoding::Xml, Content::PartialConfig)
            .expect("back to xml");
        assert!(schema
            .differences(&whole(), &back, Content::PartialConfig)
            .expect("compares")
            .is_empty());
        assert_eq!(
            schema
                .convert("", Encoding::Xml, Encoding::Json, Content::PartialConfig)
                .expect("empty"),
            "{}"
        );
        assert!(schema
            .convert(
                "{\"rfc3535-lab:lab\":{\"mtu\":\"big\"}}",
                Encoding::Json,
                Encoding::Xml,
                Content::PartialConfig
            )
            .is_err());
    }

    #[test]
    fn a_body_placed_in_its_ancestors_parses_as_whole_data_in_both_encodings() {
        let schema = schema();
        let path = schema
            .resource_path("rfc3535-lab:lab/rule=r2")
            .expect("resolves");
        let expected = config("<rule><id>r2</id><action>deny</action></rule>");
        let bodies = [
            (
                Encoding::Xml,
                format!("<rule xmlns=\"{NS}\"><id>r2</id><action>deny</action></rule>"),
            ),
            (
                Encoding::Json,
                r#"{"rfc3535-lab:rule":[{"id":"r2","action":"deny"}]}"#.to_owned(),
            ),
        ];
        for (encoding, body) in bodies {
            // As a PUT of the entry: inside the entry's ancestors.
            let placed = schema.place(&body, encoding, &path, 1);
            let xml = schema
                .convert(&placed, encoding, Encoding::Xml, Content::PartialConfig)
                .unwrap_or_else(|e| panic!("{encoding}: {placed}: {e}"));
            assert!(
                schema
                    .differences(&expected, &xml, Content::PartialConfig)
                    .expect("compares")
                    .is_empty(),
                "{xml}"
            );
        }
        // As a POST of a leaf into the entry: inside the entry itself, its key included.
        let leaf = [
            (
                Encoding::Xml,
                format!("<action xmlns=\"{NS}\">deny</action>"),
            ),
            (
                Encoding::Json,
                r#"{"rfc3535-lab:action":"deny"}"#.to_owned(),
            ),
        ];
        for (encoding, body) in leaf {
            let placed = schema.place(&body, encoding, &path, 2);
            let xml = schema
                .convert(&placed, encoding, Encoding::Xml, Content::PartialConfig)
                .unwrap_or_else(|e| panic!("{encoding}: {placed}: {e}"));
            assert!(
                schema
                    .differences(&expected, &xml, Content::PartialConfig)
                    .expect("compares")
                    .is_empty(),
                "{xml}"
            );
        }
    }

    #[test]
    fn a_resource_is_cut_out_of_whole_data_without_its_ancestors() {
        let schema = schema();
        let entry = schema
            .resource_path("rfc3535-lab:lab/rule=r2")
            .expect("resolves");
        let json = schema
            .resource(
                &whole(),
                Encoding::Xml,
                Content::PartialConfig,
                &entry,
                Encoding::Json,
            )
            .expect("reads")
            .expect("present");
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(
            value,
            serde_json::json!({"rfc3535-lab:rule": [{"id": "r2", "action": "deny"}]}),
            "{json}"
        );
        let name = schema
            .resource_path("rfc3535-lab:lab/name")
            .expect("resolves");
        let xml = schema
            .resource(
                &whole(),
                Encoding::Xml,
                Content::PartialConfig,
                &name,
                Encoding::Xml,
            )
            .expect("reads")
            .expect("present");
        assert_eq!(xml.trim(), format!("<name xmlns=\"{NS}\">edge</name>"));
        let list = schema
            .resource_path("rfc3535-lab:lab/rule")
            .expect("resolves");
        let both = schema
            .resource(
                &whole(),
                Encoding::Xml,
                Content::PartialConfig,
                &list,
                Encoding::Json,
            )
            .expect("reads")
            .expect("present");
        let value: serde_json::Value = serde_json::from_str(&both).expect("json");
        assert_eq!(
            value["rfc3535-lab:rule"].as_array().map(Vec::len),
            Some(2),
            "{both}"
        );
        let absent = schema
            .resource_path("rfc3535-lab:lab/rule=r9")
            .expect("resolves");
        assert_eq!(
            schema
                .resource(
                    &whole(),
                    Encoding::Xml,
                    Content::PartialConfig,
                    &absent,
                    Encoding::Json
                )
                .expect("reads"),
            None
        );
    }

    #[test]
    fn a_library_served_in_json_reads_as_xml() {
        let json = r#"{"ietf-yang-library:modules-state": {"module-set-id": "7", "module": [
            {"name": "ietf-system", "revision": "2014-08-06",
             "namespace": "urn:ietf:params:xml:ns:yang:ietf-system",
             "feature": ["ntp"], "conformance-type": "implement"}]}}"#;
        let xml = crate::library_json_to_xml(json).expect("converts");
        let library = rfc3535_wire::YangLibrary::parse(&xml)
            .expect("parses")
            .expect("a library");
        assert_eq!(library.modules.len(), 1, "{xml}");
        assert_eq!(library.modules[0].name, "ietf-system");
        assert_eq!(library.modules[0].features, ["ntp"]);
        let unknown = r#"{"ietf-yang-library:modules-state": {"no-such-leaf": 1}}"#;
        assert!(crate::library_json_to_xml(unknown).is_err());
    }
}

/// What prints as nothing (an empty non-presence container, a default that was not set)
/// comes back as empty data, not as a crash inside the printer.
#[test]
fn what_prints_as_nothing_is_empty_data() {
    use rfc3535_wire::restconf::Encoding;
    let schema = schema();
    let empty = config("");
    let lab = schema.resource_path("rfc3535-lab:lab").expect("resolves");
    let mtu = schema
        .resource_path("rfc3535-lab:lab/mtu")
        .expect("resolves");
    for to in [Encoding::Xml, Encoding::Json] {
        let whole = schema
            .convert(&empty, Encoding::Xml, to, Content::PartialConfig)
            .expect("converts");
        assert!(
            matches!(whole.trim(), "" | "{}" | "{\n}"),
            "{to:?}: {whole:?}"
        );
        let container = schema
            .resource(&empty, Encoding::Xml, Content::PartialConfig, &lab, to)
            .expect("reads");
        match to {
            Encoding::Xml => assert_eq!(
                container.as_deref().map(str::trim),
                Some(format!("<lab xmlns=\"{NS}\"/>").as_str())
            ),
            Encoding::Json => assert_eq!(
                container
                    .as_deref()
                    .map(|j| serde_json::from_str::<serde_json::Value>(j).expect("json")),
                Some(serde_json::json!({"rfc3535-lab:lab": {}}))
            ),
        }
        let default = schema
            .resource(&empty, Encoding::Xml, Content::PartialConfig, &mtu, to)
            .expect("reads");
        assert_eq!(default, None, "{to:?}: a default not set is no resource");
    }
}

#[test]
fn changes_name_each_node_by_its_api_path_with_its_value() {
    let schema = schema();
    let before = config("<mtu>1500</mtu><peer><address>10.0.0.1</address></peer>");
    let after = config(
        "<mtu>9000</mtu><peer><address>10.0.0.1</address></peer><peer><address>a,b</address></peer>",
    );
    let changes = schema
        .changes(&before, &after, Content::FullConfig)
        .expect("diff");
    let replaced = changes
        .iter()
        .find(|c| c.operation == "replace")
        .expect("the mtu changed");
    assert_eq!(replaced.target, "/rfc3535-lab:lab/mtu");
    assert!(replaced.value.as_deref().expect("a value").contains("9000"));
    let created = changes
        .iter()
        .find(|c| c.operation == "create")
        .expect("a peer was added");
    assert_eq!(created.target, "/rfc3535-lab:lab/peer=a%2Cb");
    assert!(created.value.as_deref().expect("a value").contains("<peer"));
    let back = schema
        .changes(&after, &before, Content::FullConfig)
        .expect("diff");
    assert!(back.iter().any(|c| c.operation == "delete"
        && c.target == "/rfc3535-lab:lab/peer=a%2Cb"
        && c.value.is_none()));
}

#[test]
fn api_paths_come_from_data_paths_of_every_shape() {
    assert_eq!(crate::api_path_of("/m:top"), "/m:top");
    assert_eq!(
        crate::api_path_of("/m:top/entry[name='x y']/leaf"),
        "/m:top/entry=x%20y/leaf"
    );
    assert_eq!(
        crate::api_path_of("/m:top/entry[a='1'][b=\"2/3\"]"),
        "/m:top/entry=1,2%2F3"
    );
    assert_eq!(
        crate::api_path_of("/m:top/tags[.='red']"),
        "/m:top/tags=red"
    );
}

/// Printing to memory (when libyang surely prints something) gives exactly what the file
/// printer gives, for every with-defaults mode, for trees and single nodes; data that may
/// print as nothing goes the file printer's way and comes back empty.
#[test]
fn printing_to_memory_matches_the_file_printer() {
    use yang5::data::{
        DataFormat, DataParserFlags, DataPrinterFlags, DataTree, DataValidationFlags,
    };
    let schema = schema();
    let flags = DataPrinterFlags::from_bits_retain;
    let (siblings, shrink) = (
        DataPrinterFlags::WITH_SIBLINGS.bits(),
        DataPrinterFlags::SHRINK.bits(),
    );
    // libyang's with-defaults modes (explicit, trim, all, all-tagged) and empty containers kept.
    const TRIM: u32 = 0x10;
    let modes = [
        0,
        TRIM,
        0x20,
        0x40,
        DataPrinterFlags::KEEP_EMPTY_CONT.bits(),
    ];
    for (data, surely) in [
        (
            config("<name>a</name><mtu>9000</mtu><rule><id>r</id><action>deny</action></rule>"),
            true,
        ),
        // An explicit default: printed, except in trim mode.
        (config("<mtu>1500</mtu>"), false),
        (config(""), false),
        // A leaf of type empty has no default: it is always printed.
        (config("<tcp/>"), true),
        (config("<peer><address>10.0.0.1</address></peer>"), true),
    ] {
        let tree = DataTree::parse_string(
            &schema.context,
            &data,
            DataFormat::XML,
            DataParserFlags::STRICT | DataParserFlags::NO_VALIDATION,
            DataValidationFlags::empty(),
        )
        .expect("parses");
        let node = tree.reference().expect("a node");
        for mode in modes {
            for format in [DataFormat::XML, DataFormat::JSON] {
                for bits in [siblings | shrink | mode, shrink | mode] {
                    let through_file = crate::print::print_through_file(&tree, format, flags(bits))
                        .expect("prints");
                    let printed = crate::print::print(&tree, format, flags(bits)).expect("prints");
                    assert_eq!(printed, through_file, "{data} {format:?} {bits:#x}");
                    let through_file = crate::print::print_through_file(&node, format, flags(bits))
                        .expect("prints");
                    let printed = crate::print::print(&node, format, flags(bits)).expect("prints");
                    assert_eq!(printed, through_file, "{data} {format:?} {bits:#x} (node)");
                }
            }
        }
        assert_eq!(
            crate::print::surely_prints(&tree, DataFormat::XML, &flags(siblings | TRIM)),
            surely,
            "{data}"
        );
    }
}
