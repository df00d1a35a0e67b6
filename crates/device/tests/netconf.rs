//! The reference device as a client sees it over SSH: this project's client (russh) and
//! OpenSSH's `ssh -s netconf`. The scenario catalogue and the independent clients (ncclient,
//! netconf-console2, scrapli, yangcli) come on top of this.

use rfc3535_client::wire::{Commit, ConfigSource, Datastore, EditConfig, ErrorType, Filter};
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_device::{Device, DeviceConfig};

const LAB: &str = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab";
const SYSTEM: &str = "urn:ietf:params:xml:ns:yang:ietf-system";

mod common;

use common::connect;

#[tokio::test]
async fn hello_announces_base_1_1_and_the_modules_and_framing_is_chunked() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    assert_eq!(session.framing().version(), "1.1");
    let caps = session.capabilities();
    for expected in [
        "urn:ietf:params:netconf:base:1.1",
        "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:xml:ns:yang:ietf-system?module=ietf-system&revision=2014-08-06",
        "urn:rfc3535:params:xml:ns:yang:rfc3535-lab?module=rfc3535-lab&revision=2026-11-21",
    ] {
        assert!(
            caps.iter().any(|c| c == expected),
            "{expected} in {caps:#?}"
        );
    }
    assert!(session.session_id() > 0);
    session.shutdown().await;
}

#[tokio::test]
async fn wrong_password_is_refused() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let options = ConnectOptions::new(
        "127.0.0.1",
        device.address.port(),
        "admin",
        Auth::Password("wrong".to_owned().into()),
        HostKeyPolicy::Pinned {
            fingerprint: device.fingerprint.clone(),
        },
    );
    assert!(rfc3535_client::connect(&options).await.is_err());
}

#[tokio::test]
async fn candidate_edits_stay_invisible_until_commit() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    let edit = format!("<system xmlns=\"{SYSTEM}\"><location>lab ünïcode</location></system>");
    let reply = session
        .edit_config(EditConfig::new(Datastore::Candidate, edit))
        .await
        .expect("reply");
    assert!(reply.is_success(), "{}", reply.raw());
    let running = session
        .get_config(Datastore::Running, None)
        .await
        .expect("reply");
    assert!(!running.raw().contains("lab ünïcode"), "{}", running.raw());
    let candidate = session
        .get_config(Datastore::Candidate, None)
        .await
        .expect("reply");
    assert!(
        candidate.raw().contains("lab ünïcode"),
        "{}",
        candidate.raw()
    );
    let commit = session.commit(Commit::default()).await.expect("reply");
    assert!(commit.is_success(), "{}", commit.raw());
    let running = session
        .get_config(
            Datastore::Running,
            Some(Filter::subtree(format!(
                "<system xmlns=\"{SYSTEM}\"><location/></system>"
            ))),
        )
        .await
        .expect("reply");
    assert!(running.raw().contains("lab ünïcode"), "{}", running.raw());
    session.shutdown().await;
}

#[tokio::test]
async fn user_ordered_entries_keep_their_order_and_insert_places_them() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    let rules = |ids: &[&str]| -> String {
        let entries: String = ids
            .iter()
            .map(|id| format!("<rule><id>{id}</id><action>permit</action></rule>"))
            .collect();
        format!("<lab xmlns=\"{LAB}\">{entries}</lab>")
    };
    let reply = session
        .edit_config(EditConfig::new(Datastore::Running, rules(&["d", "b", "a"])))
        .await
        .expect("reply");
    assert!(reply.is_success(), "{}", reply.raw());
    let first = format!(
        "<lab xmlns=\"{LAB}\" xmlns:yang=\"urn:ietf:params:xml:ns:yang:1\"><rule yang:insert=\"after\" yang:key=\"[id='d']\"><id>c</id><action>deny</action></rule></lab>"
    );
    let reply = session
        .edit_config(EditConfig::new(Datastore::Running, first))
        .await
        .expect("reply");
    assert!(reply.is_success(), "{}", reply.raw());
    let data = session
        .get_config(Datastore::Running, None)
        .await
        .expect("reply");
    let text = data.data().unwrap_or_default().to_owned();
    let order: Vec<usize> = ["<id>d</id>", "<id>c</id>", "<id>b</id>", "<id>a</id>"]
        .iter()
        .map(|id| text.find(id).expect("entry present"))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    session.shutdown().await;
}

#[tokio::test]
async fn errors_are_structured_and_invalid_configuration_is_refused_whole() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    // A rule without its mandatory action: refused by validation, nothing applied.
    let bad = format!("<lab xmlns=\"{LAB}\"><name>x</name><rule><id>r</id></rule></lab>");
    let reply = session
        .edit_config(EditConfig::new(Datastore::Running, bad))
        .await
        .expect("reply");
    assert!(!reply.is_success());
    let error = &reply.errors[0];
    assert!(
        matches!(error.error_type, Some(ErrorType::Application)),
        "{}",
        reply.raw()
    );
    assert!(
        error.path.as_deref().is_some_and(|p| p.contains("rule")),
        "{}",
        reply.raw()
    );
    let running = session
        .get_config(Datastore::Running, None)
        .await
        .expect("reply");
    assert!(
        !running.raw().contains("<name>x</name>"),
        "{}",
        running.raw()
    );

    let create_twice = format!("<system xmlns=\"{SYSTEM}\" xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><location nc:operation=\"create\">a</location></system>");
    let first = session
        .edit_config(EditConfig::new(Datastore::Running, create_twice.clone()))
        .await
        .expect("reply");
    assert!(first.is_success(), "{}", first.raw());
    let second = session
        .edit_config(EditConfig::new(Datastore::Running, create_twice))
        .await
        .expect("reply");
    assert_eq!(
        second.errors[0].tag.as_deref(),
        Some("data-exists"),
        "{}",
        second.raw()
    );

    let unknown = session
        .edit_config(EditConfig::new(
            Datastore::Running,
            format!("<system xmlns=\"{SYSTEM}\"><no-such-leaf>1</no-such-leaf></system>"),
        ))
        .await
        .expect("reply");
    assert_eq!(
        unknown.errors[0].tag.as_deref(),
        Some("unknown-element"),
        "{}",
        unknown.raw()
    );
    session.shutdown().await;
}

#[tokio::test]
async fn locks_keep_other_sessions_out_and_kill_session_releases_them() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let a = connect(&device).await;
    let b = connect(&device).await;
    assert!(a
        .lock(Datastore::Running)
        .await
        .expect("reply")
        .is_success());
    let denied = b.lock(Datastore::Running).await.expect("reply");
    assert_eq!(
        denied.errors[0].tag.as_deref(),
        Some("lock-denied"),
        "{}",
        denied.raw()
    );
    let edit = b
        .edit_config(EditConfig::new(
            Datastore::Running,
            format!("<system xmlns=\"{SYSTEM}\"><location>b</location></system>"),
        ))
        .await
        .expect("reply");
    assert_eq!(
        edit.errors[0].tag.as_deref(),
        Some("in-use"),
        "{}",
        edit.raw()
    );
    let killed = b.kill_session(a.session_id()).await.expect("reply");
    assert!(killed.is_success(), "{}", killed.raw());
    assert!(b
        .lock(Datastore::Running)
        .await
        .expect("reply")
        .is_success());
    b.shutdown().await;
}

#[tokio::test]
async fn every_announced_module_is_served_and_saves_restore() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    for module in ["ietf-system", "rfc3535-lab", "ietf-netconf-acm"] {
        let reply = session.get_schema(module, None).await.expect("reply");
        assert!(
            reply
                .data_text()
                .is_some_and(|t| t.contains(&format!("module {module}"))),
            "{module}: {}",
            reply.raw()
        );
    }
    let missing = session
        .get_schema("no-such-module", None)
        .await
        .expect("reply");
    assert_eq!(missing.errors[0].tag.as_deref(), Some("invalid-value"));
    let copy = session
        .copy_config(
            Datastore::Startup,
            ConfigSource::Datastore(Datastore::Running),
        )
        .await
        .expect("reply");
    assert!(copy.is_success(), "{}", copy.raw());
    session.shutdown().await;
}

#[tokio::test]
async fn with_defaults_reports_trims_and_tags_defaults() {
    use rfc3535_client::wire::WithDefaults;
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    assert!(session.capabilities().iter().any(|c| c
        .starts_with("urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit")));
    let lab = || Some(Filter::subtree(format!("<lab xmlns=\"{LAB}\"/>")));
    let read = |mode| {
        let session = &session;
        async move {
            let reply = session
                .get_config_with_defaults(Datastore::Running, lab(), mode)
                .await
                .expect("reply");
            assert!(reply.is_success(), "{}", reply.raw());
            reply.data().unwrap_or_default().to_owned()
        }
    };
    // Not set: only report-all shows the default, and report-all-tagged tags it.
    assert!(!read(WithDefaults::Explicit).await.contains("<mtu>"));
    assert!(read(WithDefaults::ReportAll)
        .await
        .contains("<mtu>1500</mtu>"));
    let tagged = read(WithDefaults::ReportAllTagged).await;
    assert!(
        tagged.contains("wd:default=\"true\"") && tagged.contains(">1500</mtu>"),
        "{tagged}"
    );
    assert!(!read(WithDefaults::Trim).await.contains("<mtu>"));
    // Set to the default explicitly: explicit shows it, trim leaves it out.
    let reply = session
        .edit_config(EditConfig::new(
            Datastore::Running,
            format!("<lab xmlns=\"{LAB}\"><mtu>1500</mtu></lab>"),
        ))
        .await
        .expect("edit");
    assert!(reply.is_success(), "{}", reply.raw());
    assert!(read(WithDefaults::Explicit)
        .await
        .contains("<mtu>1500</mtu>"));
    assert!(!read(WithDefaults::Trim).await.contains("<mtu>"));
    session.shutdown().await;
}

#[tokio::test]
async fn nmda_reads_operational_with_origin_and_edits_running() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    let nmda = "urn:ietf:params:xml:ns:yang:ietf-netconf-nmda";
    let edit = session
        .raw(format!(
            "<edit-data xmlns=\"{nmda}\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"><datastore>ds:running</datastore><config><system xmlns=\"{SYSTEM}\"><location>nmda</location></system></config></edit-data>"
        ))
        .await
        .expect("reply");
    assert!(edit.is_success(), "{}", edit.raw());
    let read = |datastore: &'static str, extra: &'static str| {
        let session = &session;
        async move {
            let reply = session
                .raw(format!(
                    "<get-data xmlns=\"{nmda}\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"><datastore>ds:{datastore}</datastore>{extra}</get-data>"
                ))
                .await
                .expect("reply");
            assert!(reply.is_success(), "{}", reply.raw());
            reply.raw().to_owned()
        }
    };
    let operational = read("operational", "<with-origin/>").await;
    assert!(
        operational.contains("<location>nmda</location>"),
        "{operational}"
    );
    assert!(
        operational.contains("or:origin=\"or:intended\""),
        "{operational}"
    );
    assert!(
        operational.contains("or:origin=\"or:system\""),
        "{operational}"
    );
    assert!(operational.contains("<netconf-state"), "{operational}");
    let config_only = read("operational", "<config-filter>true</config-filter>").await;
    assert!(!config_only.contains("<netconf-state"), "{config_only}");
    assert!(
        config_only.contains("<location>nmda</location>"),
        "{config_only}"
    );
    let reported = read("running", "<with-defaults>report-all</with-defaults>").await;
    assert!(reported.contains("<mtu>1500</mtu>"), "{reported}");
    let intended = read("intended", "").await;
    assert!(intended.contains("<location>nmda</location>") && !intended.contains("netconf-state"));
    let refused = session
        .raw(format!(
            "<get-data xmlns=\"{nmda}\" xmlns:ds=\"urn:ietf:params:xml:ns:yang:ietf-datastores\"><datastore>ds:running</datastore><with-origin/></get-data>"
        ))
        .await
        .expect("reply");
    assert_eq!(refused.errors[0].tag.as_deref(), Some("invalid-value"));
    session.shutdown().await;
}

#[tokio::test]
async fn an_action_runs_on_its_node_and_its_input_is_checked() {
    let device = Device::start(DeviceConfig::lab("ref"))
        .await
        .expect("starts");
    let session = connect(&device).await;
    let actions = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab-actions";
    let action = |input: &str| {
        format!(
            "<action xmlns=\"urn:ietf:params:xml:ns:yang:1\"><lab-maintenance xmlns=\"{actions}\"><clear-counters>{input}</clear-counters></lab-maintenance></action>"
        )
    };
    for _ in 0..3 {
        session
            .get_config(Datastore::Running, None)
            .await
            .expect("a reply");
    }
    let reply = session
        .raw(action("<reason>a test</reason>"))
        .await
        .expect("a reply");
    assert!(reply.is_success(), "{}", reply.raw());
    let before: u64 = in_octets(reply.raw(), "in-octets-before");
    assert!(before >= 3 * 512, "{}", reply.raw());
    // The counters start again from the clearing.
    let state = session.get(None, None).await.expect("a reply");
    assert!(
        in_octets(state.raw(), "in-octets") < before,
        "{}",
        state.raw()
    );
    let refused = session.raw(action("")).await.expect("a reply");
    assert_eq!(
        refused.errors.first().and_then(|e| e.tag.as_deref()),
        Some("missing-element"),
        "{}",
        refused.raw()
    );
    let nowhere = session
        .raw(format!(
            "<action xmlns=\"urn:ietf:params:xml:ns:yang:1\"><lab xmlns=\"{LAB}\"><mtu>1500</mtu></lab></action>"
        ))
        .await
        .expect("a reply");
    assert_eq!(
        nowhere.errors.first().and_then(|e| e.tag.as_deref()),
        Some("unknown-element"),
        "{}",
        nowhere.raw()
    );
}

/// The number in the first `<name>` element of `xml`.
fn in_octets(xml: &str, name: &str) -> u64 {
    let start = xml.find(&format!("<{name}")).expect("the element");
    let text = &xml[start..];
    let value = &text[text.find('>').expect("its end") + 1..];
    value[..value.find('<').expect("its close")]
        .parse()
        .expect("a number")
}
