//! Parser tests: every `<rpc-error>` field, prefixed namespaces, data borrowed from the raw
//! text, notifications, hellos, and malformed input as typed errors.

use super::*;

const NETCONFD_INVALID_VALUE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rpc-reply message-id="5"
 xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
 <rpc-error>
  <error-type>application</error-type>
  <error-tag>invalid-value</error-tag>
  <error-severity>error</error-severity>
  <error-app-tag>data-invalid</error-app-tag>
  <error-path xmlns:if="urn:ietf:params:xml:ns:yang:ietf-interfaces">/nc:rpc/nc:edit-config/nc:config/if:interfaces/if:interface[if:name='x']/if:enabled</error-path>
  <error-message xml:lang="en">invalid value &lt;maybe&gt;</error-message>
  <error-info>
   <bad-value>maybe</bad-value>
   <error-number>258</error-number>
  </error-info>
 </rpc-error>
</rpc-reply>"#;

#[test]
fn rpc_error_keeps_every_field() {
    let reply = RpcReply::parse(NETCONFD_INVALID_VALUE).expect("parses");
    assert_eq!(reply.message_id.as_deref(), Some("5"));
    assert!(!reply.ok);
    assert!(!reply.is_success());
    let [error] = &reply.errors[..] else {
        panic!("one error: {:?}", reply.errors)
    };
    assert_eq!(error.error_type, Some(ErrorType::Application));
    assert_eq!(error.tag.as_deref(), Some("invalid-value"));
    assert_eq!(error.severity, Some(ErrorSeverity::Error));
    assert_eq!(error.app_tag.as_deref(), Some("data-invalid"));
    assert!(error
        .path
        .as_deref()
        .is_some_and(|p| p.ends_with("/if:enabled")));
    assert_eq!(error.message.as_deref(), Some("invalid value <maybe>"));
    assert_eq!(error.message_lang.as_deref(), Some("en"));
    assert!(error
        .info
        .as_deref()
        .is_some_and(|i| i.contains("<bad-value>maybe</bad-value>")));
    assert_eq!(error.info_field("error-number").as_deref(), Some("258"));
    assert_eq!(
        error.to_string(),
        "application invalid-value (error) app-tag data-invalid at /nc:rpc/nc:edit-config/nc:config/if:interfaces/if:interface[if:name='x']/if:enabled: invalid value <maybe>"
    );
}

#[test]
fn several_errors_and_warnings() {
    let text = r#"<rpc-reply message-id="9" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>protocol</error-type><error-tag>lock-denied</error-tag><error-severity>error</error-severity><error-info><session-id>12</session-id></error-info></rpc-error><rpc-error><error-type>rpc</error-type><error-tag>operation-failed</error-tag><error-severity>warning</error-severity></rpc-error><ok/></rpc-reply>"#;
    let reply = RpcReply::parse(text).expect("parses");
    assert_eq!(reply.errors.len(), 2);
    assert_eq!(reply.hard_errors().count(), 1);
    assert_eq!(
        reply.errors[0].info_field("session-id").as_deref(),
        Some("12")
    );
    assert!(reply.ok);
}

#[test]
fn prefixed_namespaces_are_resolved() {
    let text = r#"<nc:rpc-reply xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="101" xmlns:ex="urn:ex" ex:trace="a"><nc:data><top xmlns="urn:t"><a>1</a></top></nc:data></nc:rpc-reply>"#;
    let reply = RpcReply::parse(text).expect("parses");
    assert_eq!(reply.data(), Some(r#"<top xmlns="urn:t"><a>1</a></top>"#));
    assert!(reply
        .attributes
        .iter()
        .any(|(k, v)| k == "ex:trace" && v == "a"));
    // Same local name in the wrong namespace is not a reply.
    let wrong = r#"<rpc-reply xmlns="urn:other" message-id="1"><ok/></rpc-reply>"#;
    assert!(matches!(
        RpcReply::parse(wrong),
        Err(MessageError::UnexpectedRoot { .. })
    ));
}

#[test]
fn data_and_body_borrow_from_the_raw_text() {
    let text = r#"<rpc-reply message-id="2" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><a xmlns="urn:a"/></data></rpc-reply>"#;
    let reply = RpcReply::parse(text).expect("parses");
    assert_eq!(reply.data(), Some(r#"<a xmlns="urn:a"/>"#));
    assert_eq!(reply.body(), r#"<data><a xmlns="urn:a"/></data>"#);
    assert_eq!(reply.raw(), text);
    let empty = RpcReply::parse(
        r#"<rpc-reply message-id="3" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data/></rpc-reply>"#,
    )
    .expect("parses");
    assert_eq!(empty.data(), Some(""));
}

#[test]
fn get_schema_text_is_unescaped() {
    let text = r#"<rpc-reply message-id="4" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">module m { description "a &lt; b &amp; c"; }</data></rpc-reply>"#;
    let reply = RpcReply::parse(text).expect("parses");
    assert_eq!(
        reply.data_text().as_deref(),
        Some(r#"module m { description "a < b & c"; }"#)
    );
    assert_eq!(
        reply.data_element().map(|n| n.namespace.as_str()),
        Some("urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring")
    );
}

#[test]
fn notification_has_time_event_and_content() {
    let text = r#"<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><eventTime>2026-11-21T10:00:00Z</eventTime><netconf-config-change xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"><changed-by><username>admin</username></changed-by></netconf-config-change></notification>"#;
    let n = Notification::parse(text).expect("parses");
    assert_eq!(n.event_time, "2026-11-21T10:00:00Z");
    assert_eq!(
        n.event.as_ref().map(|e| e.local.as_str()),
        Some("netconf-config-change")
    );
    assert!(n.content().starts_with("<netconf-config-change"));
    assert!(n.content().ends_with("</netconf-config-change>"));
    let no_time = r#"<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><x/></notification>"#;
    assert!(matches!(
        Notification::parse(no_time),
        Err(MessageError::Invalid { .. })
    ));
}

#[test]
fn hello_with_session_id() {
    let text = "<?xml version=\"1.0\"?>\n<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>\n urn:ietf:params:netconf:base:1.1 </capability><capability>urn:ietf:params:netconf:capability:candidate:1.0</capability></capabilities><session-id>42</session-id></hello>";
    let hello = Hello::parse(text).expect("parses");
    assert_eq!(hello.session_id, Some(42));
    assert_eq!(hello.capabilities[0], "urn:ietf:params:netconf:base:1.1");
    let bad = "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><session-id>x</session-id></hello>";
    assert!(matches!(
        Hello::parse(bad),
        Err(MessageError::Invalid { .. })
    ));
}

#[test]
fn server_message_dispatches_on_root() {
    assert!(matches!(
        ServerMessage::parse(NETCONFD_INVALID_VALUE.as_bytes()),
        Ok(ServerMessage::RpcReply(_))
    ));
    assert!(matches!(
        ServerMessage::parse(b"<rpc xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/>"),
        Err(MessageError::UnexpectedRoot { .. })
    ));
}

#[test]
fn malformed_messages_are_errors_not_panics() {
    for bad in [
        &b""[..],
        b"   ",
        b"garbage",
        b"<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok>",
        b"<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><a></b></rpc-reply>",
        b"\xff\xfe<rpc-reply/>",
        b"<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" message-id=\"1\"><rpc-error><error-message>&bogus;</error-message></rpc-error></rpc-reply>",
    ] {
        assert!(ServerMessage::parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = ServerMessage::parse(text.as_bytes());
        }

        /// Data cut out of a reply that declares prefixes outside it: whatever the device
        /// put inside, no panic, and data that parsed inside the reply parses on its own.
        #[test]
        fn declared_prefixes_carry_into_any_data(inner in "\\PC{0,200}", prefix in "[a-z]{1,4}") {
            let xml = format!(
                "<rpc-reply message-id=\"1\" xmlns:{prefix}=\"urn:x\" xmlns=\"{NS_BASE}\"><data>{inner}</data></rpc-reply>"
            );
            if let Ok(reply) = RpcReply::parse(xml) {
                let _ = crate::tree::Element::parse_fragment(reply.data().unwrap_or_default());
            }
            let wrapped = format!(
                "<rpc-reply message-id=\"1\" xmlns:{prefix}=\"urn:x\" xmlns=\"{NS_BASE}\"><data><a xmlns=\"urn:a\" {prefix}:v=\"1\"/><b xmlns=\"urn:b\"/></data></rpc-reply>"
            );
            let reply = RpcReply::parse(wrapped).expect("well-formed");
            prop_assert!(crate::tree::Element::parse_fragment(reply.data().unwrap_or_default()).is_ok());
        }

        #[test]
        fn reply_fields_round_trip(tag in "[a-z-]{1,20}", message in "\\PC{0,80}", id in "[0-9]{1,9}") {
            let xml = format!(
                "<rpc-reply message-id=\"{id}\" xmlns=\"{NS_BASE}\"><rpc-error><error-type>rpc</error-type><error-tag>{tag}</error-tag><error-severity>error</error-severity><error-message xml:lang=\"en\">{}</error-message></rpc-error></rpc-reply>",
                crate::xml::escape(&message)
            );
            let reply = RpcReply::parse(xml).expect("well-formed");
            prop_assert_eq!(reply.message_id.as_deref(), Some(id.as_str()));
            prop_assert_eq!(reply.errors[0].tag.as_deref(), Some(tag.as_str()));
            prop_assert_eq!(reply.errors[0].message.as_deref(), Some(message.as_str()));
        }
    }
}

#[test]
fn namespace_scope_ends_with_a_skipped_element() {
    // <foo> redeclares the default namespace and is skipped raw; <ok/> after it must still be
    // in the base namespace, and <x:data> after a skipped <data> of another namespace found.
    let text = r#"<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><foo xmlns="urn:other"><ok/><data/></foo><ok/></rpc-reply>"#;
    let reply = RpcReply::parse(text).expect("parses");
    assert!(reply.ok);
    assert_eq!(
        reply.data(),
        None,
        "the <data> inside <foo> is not the reply's"
    );
    let nested = r#"<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><data><data/></data></data></rpc-reply>"#;
    assert_eq!(
        RpcReply::parse(nested).expect("parses").data(),
        Some("<data><data/></data>")
    );
}

/// XML allows a document to begin with a UTF-8 byte-order mark (XML 1.0 §4.3.3). It used to
/// put the walker's offsets three bytes off, and slicing the first tag's name panicked.
#[test]
fn a_byte_order_mark_before_the_document_is_accepted() {
    let bom = '\u{feff}';
    let reply = RpcReply::parse(format!(
        "{bom}<rpc-reply message-id=\"9\" xmlns=\"{}\"><data><x>ü</x></data></rpc-reply>",
        crate::ns::BASE
    ))
    .expect("a reply after a byte-order mark parses");
    assert_eq!(reply.message_id.as_deref(), Some("9"));
    assert_eq!(reply.data(), Some("<x>ü</x>"));
    let with_declaration = RpcReply::parse(format!(
        "{bom}<?xml version=\"1.0\"?><rpc-reply message-id=\"3\" xmlns=\"{}\"><ok/></rpc-reply>",
        crate::ns::BASE
    ))
    .expect("with an XML declaration too");
    assert!(with_declaration.is_success());
    let hello = Hello::parse(&format!(
        "{bom}<hello xmlns=\"{}\"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>4</session-id></hello>",
        crate::ns::BASE
    ))
    .expect("a hello after a byte-order mark parses");
    assert_eq!(hello.session_id, Some(4));
    assert!(matches!(
        ServerMessage::parse(format!("{bom}<notification xmlns=\"{}\"><eventTime>2026-01-01T00:00:00Z</eventTime><e xmlns=\"urn:x\"/></notification>", crate::ns::NOTIFICATION).as_bytes()),
        Ok(ServerMessage::Notification(_))
    ));
    let tree = crate::tree::Element::parse(&format!("{bom}<a xmlns=\"urn:x\"><b>1</b></a>"))
        .expect("an element tree after a byte-order mark parses");
    assert_eq!(tree.children.len(), 1);
}

/// A mark anywhere but at the start is just a character, and bytes that are no document at
/// all are a typed error, never a panic.
#[test]
fn stray_marks_and_broken_starts_are_errors_not_panics() {
    for text in [
        "\u{feff}",
        "\u{feff}\u{feff}<rpc-reply/>",
        "<\u{feff}rpc-reply/>",
        "\u{feff}<",
        "<é",
    ] {
        let _ = RpcReply::parse(text);
        let _ = Hello::parse(text);
        let _ = ServerMessage::parse(text.as_bytes());
        let _ = crate::tree::Element::parse(text);
    }
}

#[test]
fn data_carries_the_prefixes_declared_on_the_reply() {
    // netconfd declares wd: once, on <rpc-reply>; the data must stand on its own.
    let text = r#"<rpc-reply message-id="5" xmlns:wda="urn:ietf:params:xml:ns:netconf:default:1.0" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data xmlns:x="urn:x" xmlns:unused="urn:u"><nacm xmlns="urn:n"><enable-nacm wda:default="true">true</enable-nacm></nacm><other xmlns="urn:o" xmlns:x="urn:own">x:y</other></data></rpc-reply>"#;
    let reply = RpcReply::parse(text).expect("parses");
    let data = reply.data().expect("has data");
    assert_eq!(
        data,
        r#"<nacm xmlns:wda="urn:ietf:params:xml:ns:netconf:default:1.0" xmlns:x="urn:x" xmlns="urn:n"><enable-nacm wda:default="true">true</enable-nacm></nacm><other xmlns:wda="urn:ietf:params:xml:ns:netconf:default:1.0" xmlns="urn:o" xmlns:x="urn:own">x:y</other>"#
    );
    let parsed = crate::tree::Element::parse_fragment(data).expect("the data parses alone");
    assert_eq!(
        parsed[0].children[0].attributes[0].0,
        "urn:ietf:params:xml:ns:netconf:default:1.0"
    );
    // Without declarations outside the data, the data is the text as received.
    let plain = RpcReply::parse(r#"<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><a xmlns="urn:a"/></data></rpc-reply>"#).expect("parses");
    assert_eq!(plain.data(), Some(r#"<a xmlns="urn:a"/>"#));
}
