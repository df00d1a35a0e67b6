//! The reference device's RESTCONF front door as this project's client sees it, over HTTP/1.1
//! and HTTP/2, in XML and JSON, with the server certificate pinned: discovery, reads, every
//! write method and its status code, errors bodies, entity-tags and preconditions, and the
//! one datastore behind both front doors (an edit over RESTCONF is read back over NETCONF).

use http::Method;
use rfc3535_client::restconf::{HttpMode, Request, RestconfClient, RestconfOptions, ServerTrust};
use rfc3535_client::wire::restconf::{Encoding, Errors, MediaType};
use rfc3535_client::wire::Datastore;
use rfc3535_client::Transcript;
use rfc3535_device::{Device, DeviceConfig};

mod common;

async fn device() -> Device {
    let mut config = DeviceConfig::lab("ref");
    config.restconf_listen = Some(([127, 0, 0, 1], 0).into());
    Device::start(config).await.expect("starts")
}

async fn client(device: &Device, http: HttpMode, password: Option<&str>) -> RestconfClient {
    let endpoint = device.restconf.as_ref().expect("serves RESTCONF");
    let account = &device.accounts[0];
    let mut options = RestconfOptions::new(
        "127.0.0.1",
        endpoint.address.port(),
        ServerTrust::Fingerprint(endpoint.fingerprint.clone()),
    );
    options.username = Some(account.user.clone());
    options.password = Some(password.unwrap_or(&account.password).to_owned().into());
    options.http = http;
    RestconfClient::connect(options, Transcript::default())
        .await
        .expect("connects")
}

fn lab(client: &RestconfClient, rest: &str) -> String {
    client.data_target(&format!("rfc3535-lab:lab{rest}"), "")
}

fn accept(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Xml => "application/yang-data+xml",
        Encoding::Json => "application/yang-data+json",
    }
}

fn rule(encoding: Encoding, id: &str, action: &str) -> String {
    match encoding {
        Encoding::Xml => format!(
            "<rule xmlns=\"urn:rfc3535:params:xml:ns:yang:rfc3535-lab\"><id>{id}</id><action>{action}</action></rule>"
        ),
        Encoding::Json => {
            format!("{{\"rfc3535-lab:rule\":[{{\"id\":\"{id}\",\"action\":\"{action}\"}}]}}")
        }
    }
}

/// The whole life of a list entry over one client: create, replace, read, conflict, merge,
/// delete, and the errors and validators along the way.
async fn life_of_an_entry(client: &RestconfClient, encoding: Encoding, id: &str) {
    let media = encoding.data();
    let entry = lab(client, &format!("/rule={id}"));
    let put = |action: &str| {
        Request::new(Method::PUT, entry.clone())
            .accept(accept(encoding))
            .body(media.clone(), rule(encoding, id, action))
    };
    let created = client.send(put("permit")).await.expect("PUT");
    assert_eq!(created.status, 201, "{}", created.body);
    let etag = created.header("etag").expect("an entity-tag").to_owned();
    let replaced = client.send(put("deny")).await.expect("PUT again");
    assert_eq!(replaced.status, 204, "{}", replaced.body);
    assert_ne!(
        replaced.header("etag"),
        Some(etag.as_str()),
        "the entity-tag moves"
    );

    let read = client
        .send(Request::new(Method::GET, entry.clone()).accept(accept(encoding)))
        .await
        .expect("GET");
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.media_type(), Some(media.clone()));
    assert!(
        read.body.contains("deny") && read.body.contains(id),
        "{}",
        read.body
    );
    assert!(read.header("last-modified").is_some());

    let stale = client
        .send(put("permit").header(http::header::IF_MATCH, etag))
        .await
        .expect("PUT with a stale If-Match");
    assert_eq!(stale.status, 412, "{}", stale.body);

    let post = Request::new(Method::POST, lab(client, ""))
        .accept(accept(encoding))
        .body(media.clone(), rule(encoding, id, "permit"));
    let duplicate = client.send(post).await.expect("POST of an existing entry");
    assert_eq!(duplicate.status, 409, "{}", duplicate.body);
    let errors = Errors::parse(&duplicate.body, encoding).expect("an errors body");
    assert_eq!(errors.errors[0].tag.as_deref(), Some("data-exists"));

    let deleted = client
        .send(Request::new(Method::DELETE, entry.clone()))
        .await
        .expect("DELETE");
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let gone = client
        .send(Request::new(Method::GET, entry.clone()).accept(accept(encoding)))
        .await
        .expect("GET of a deleted entry");
    assert_eq!(gone.status, 404, "{}", gone.body);
    assert_eq!(gone.encoding(), Some(encoding));
    Errors::parse(&gone.body, encoding).expect("an errors body");
}

#[tokio::test]
async fn every_method_over_http1_and_http2_in_xml_and_json() {
    let device = device().await;
    for (http, expected) in [
        (HttpMode::Http1, http::Version::HTTP_11),
        (HttpMode::Http2, http::Version::HTTP_2),
        (HttpMode::Negotiate, http::Version::HTTP_2),
    ] {
        let client = client(&device, http, None).await;
        assert_eq!(client.version().await, expected);
        assert_eq!(client.root(), "/restconf", "found through host-meta");
        for encoding in Encoding::ALL {
            let id = format!("r-{http:?}-{encoding}");
            life_of_an_entry(&client, encoding, &id).await;
        }
    }
}

#[tokio::test]
async fn post_creates_with_a_location_and_patch_merges() {
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    let body = r#"{"rfc3535-lab:peer":[{"address":"192.0.2.1/24"}]}"#;
    let created = client
        .send(Request::new(Method::POST, lab(&client, "")).body(MediaType::YangDataJson, body))
        .await
        .expect("POST");
    assert_eq!(created.status, 201, "{}", created.body);
    let location = created.header("location").expect("a Location").to_owned();
    assert_eq!(
        location,
        "/restconf/data/rfc3535-lab:lab/peer=192.0.2.1%2F24"
    );
    let read = client
        .send(Request::new(Method::GET, location).accept("application/yang-data+json"))
        .await
        .expect("GET the Location");
    assert_eq!(read.status, 200, "{}", read.body);

    let patched = client
        .send(Request::new(Method::PATCH, lab(&client, "")).body(
            MediaType::YangDataJson,
            r#"{"rfc3535-lab:lab":{"name":"patched"}}"#,
        ))
        .await
        .expect("PATCH");
    assert_eq!(patched.status, 204, "{}", patched.body);
    let name = client
        .send(Request::new(Method::GET, lab(&client, "/name")).accept("application/yang-data+xml"))
        .await
        .expect("GET name");
    assert!(name.body.contains(">patched<"), "{}", name.body);
    let peers = client
        .send(Request::new(Method::GET, lab(&client, "/peer")).accept("application/yang-data+json"))
        .await
        .expect("the peer is still there after the merge");
    assert!(peers.body.contains("192.0.2.1/24"), "{}", peers.body);

    let whole = client
        .send(
            Request::new(Method::GET, client.data_target("", "content=config"))
                .accept("application/yang-data+json"),
        )
        .await
        .expect("GET the datastore");
    assert_eq!(whole.status, 200, "{}", whole.body);
    assert!(
        whole.body.starts_with("{\"ietf-restconf:data\":"),
        "{}",
        whole.body
    );
    let merged = client
        .send(
            Request::new(Method::PATCH, client.data_target("", "")).body(
                MediaType::YangDataJson,
                r#"{"ietf-restconf:data":{"rfc3535-lab:lab":{"mtu":1400}}}"#,
            ),
        )
        .await
        .expect("PATCH of the datastore");
    assert_eq!(merged.status, 204, "{}", merged.body);
    let replaced = client
        .send(
            Request::new(Method::PUT, client.data_target("", ""))
                .body(MediaType::YangDataJson, whole.body.clone()),
        )
        .await
        .expect("PUT of the whole datastore");
    assert_eq!(replaced.status, 204, "{}", replaced.body);
    let again = client
        .send(
            Request::new(Method::GET, client.data_target("", "content=config"))
                .accept("application/yang-data+json"),
        )
        .await
        .expect("GET the datastore again");
    assert_eq!(
        again.body, whole.body,
        "the datastore is back as it was read"
    );

    let absent = client
        .send(
            Request::new(Method::PATCH, lab(&client, "/rule=nothing")).body(
                MediaType::YangDataJson,
                &*rule(Encoding::Json, "nothing", "deny"),
            ),
        )
        .await
        .expect("PATCH of nothing");
    assert_eq!(absent.status, 404, "{}", absent.body);
}

#[tokio::test]
async fn what_restconf_writes_netconf_reads_in_the_same_datastore() {
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    let put = client
        .send(
            Request::new(Method::PUT, lab(&client, "/rule=both-doors")).body(
                MediaType::YangDataJson,
                &*rule(Encoding::Json, "both-doors", "permit"),
            ),
        )
        .await
        .expect("PUT");
    assert_eq!(put.status, 201);
    let session = common::connect(&device).await;
    let running = session
        .get_config(Datastore::Running, None)
        .await
        .expect("get-config");
    assert!(
        running
            .data()
            .is_some_and(|d| d.contains("<id>both-doors</id>")),
        "{}",
        running.raw()
    );
    session.shutdown().await;
}

#[tokio::test]
async fn refusals_say_why_in_an_errors_body() {
    let device = device().await;
    let denied = RestconfClient::connect(
        {
            let endpoint = device.restconf.as_ref().expect("RESTCONF");
            let mut options = RestconfOptions::new(
                "127.0.0.1",
                endpoint.address.port(),
                ServerTrust::Fingerprint(endpoint.fingerprint.clone()),
            );
            options.username = Some("admin".into());
            options.password = Some("wrong".to_owned().into());
            options.root = Some("/restconf".into());
            options
        },
        Transcript::default(),
    )
    .await
    .expect("connects: authentication is per request");
    let response = denied
        .send(Request::new(Method::GET, "/restconf/data").accept("application/yang-data+json"))
        .await
        .expect("a response");
    assert_eq!(response.status, 401);
    assert!(response.header("www-authenticate").is_some());

    let client = client(&device, HttpMode::Negotiate, None).await;
    for (target, status) in [
        ("/restconf/data/no-such-module:thing", 404),
        ("/restconf/data/rfc3535-lab:lab/rule=a,b", 400),
        ("/restconf/data/rfc3535-lab:lab?depth=banana", 400),
        ("/restconf/nowhere", 404),
    ] {
        let response = client
            .send(Request::new(Method::GET, target).accept("application/yang-data+json"))
            .await
            .expect("a response");
        assert_eq!(response.status, status, "{target}: {}", response.body);
        Errors::parse(&response.body, Encoding::Json)
            .unwrap_or_else(|e| panic!("{target}: {e}: {}", response.body));
    }
    let wrong_media = client
        .send(
            Request::new(Method::PUT, "/restconf/data/rfc3535-lab:lab/name")
                .body(MediaType::Other("text/plain".into()), "x"),
        )
        .await
        .expect("a response");
    assert_eq!(wrong_media.status, 415, "{}", wrong_media.body);
}

#[tokio::test]
async fn the_yang_library_says_where_each_module_is_and_it_is_there() {
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    let library = client
        .send(
            Request::new(
                Method::GET,
                client.data_target("ietf-yang-library:yang-library", ""),
            )
            .accept("application/yang-data+xml"),
        )
        .await
        .expect("GET the library");
    assert_eq!(library.status, 200, "{}", library.body);
    let location = library
        .body
        .split("<location>")
        .nth(1)
        .and_then(|rest| rest.split("</location>").next())
        .expect("a location");
    let port = device.restconf.as_ref().expect("RESTCONF").address.port();
    let path = location
        .strip_prefix(&format!("https://127.0.0.1:{port}"))
        .expect("an absolute URL of this server");
    let module = client
        .send(Request::new(Method::GET, path).accept("application/yang"))
        .await
        .expect("GET the module");
    assert_eq!(module.status, 200, "{path}");
    assert_eq!(module.media_type(), Some(MediaType::Yang));
    assert!(
        module.body.trim_start().starts_with("module "),
        "{}",
        module.body
    );
    let absent = client
        .send(Request::new(Method::GET, "/restconf/yang/no-such-module").accept("application/yang"))
        .await
        .expect("GET of nothing");
    assert_eq!(absent.status, 404);
}

#[tokio::test]
async fn a_wrong_pin_is_refused_and_names_the_certificate() {
    let device = device().await;
    let endpoint = device.restconf.as_ref().expect("RESTCONF");
    let options = RestconfOptions::new(
        "127.0.0.1",
        endpoint.address.port(),
        ServerTrust::Fingerprint("00".repeat(32)),
    );
    let error = RestconfClient::connect(options, Transcript::default())
        .await
        .expect_err("the pin does not match");
    assert!(
        matches!(&error, rfc3535_client::ClientError::CertificateRejected { fingerprint, .. } if *fingerprint == endpoint.fingerprint),
        "{error}"
    );
    let ca = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(ca.path(), &endpoint.certificate_pem).expect("writes");
    let mut options = RestconfOptions::new(
        "127.0.0.1",
        endpoint.address.port(),
        ServerTrust::CaFile(ca.path().to_owned()),
    );
    options.root = Some("/restconf".into());
    let client = RestconfClient::connect(options, Transcript::default())
        .await
        .expect("the self-signed certificate as its own CA, address in its names");
    assert_eq!(
        client.certificate_fingerprint(),
        Some(endpoint.fingerprint.as_str())
    );
}

#[tokio::test]
async fn an_operation_is_invoked_in_xml_and_json_and_its_input_is_checked() {
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    let target = "/restconf/operations/ietf-netconf-monitoring:get-schema";
    let monitoring = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring";
    for (encoding, input, output_start) in [
        (
            Encoding::Xml,
            format!("<input xmlns=\"{monitoring}\"><identifier>rfc3535-lab</identifier></input>"),
            format!("<output xmlns=\"{monitoring}\">"),
        ),
        (
            Encoding::Json,
            r#"{"ietf-netconf-monitoring:input":{"identifier":"rfc3535-lab"}}"#.to_owned(),
            r#"{"ietf-netconf-monitoring:output":{"data":"#.to_owned(),
        ),
    ] {
        let media = encoding.data();
        let response = client
            .send(
                Request::new(Method::POST, target)
                    .accept(accept(encoding))
                    .body(media.clone(), input),
            )
            .await
            .expect("a response");
        assert_eq!(response.status, 200, "{encoding}: {}", response.body);
        assert!(
            response.body.starts_with(&output_start)
                && response.body.contains("module rfc3535-lab"),
            "{encoding}: {}",
            response.body
        );
        // Without its mandatory identifier the input is refused before anything runs.
        let empty = match encoding {
            Encoding::Xml => format!("<input xmlns=\"{monitoring}\"/>"),
            Encoding::Json => r#"{"ietf-netconf-monitoring:input":{}}"#.to_owned(),
        };
        let refused = client
            .send(
                Request::new(Method::POST, target)
                    .accept(accept(encoding))
                    .body(media, empty),
            )
            .await
            .expect("a response");
        assert_eq!(refused.status, 400, "{encoding}: {}", refused.body);
        let errors = Errors::parse(&refused.body, encoding).expect("an errors body");
        assert_eq!(errors.errors[0].tag.as_deref(), Some("missing-element"));
    }
    for (target, status) in [
        ("/restconf/operations/ietf-netconf:get-config", 404),
        ("/restconf/operations/no-such-module:thing", 404),
        ("/restconf/operations/nonsense", 404),
    ] {
        let response = client
            .send(
                Request::new(Method::POST, target)
                    .accept("application/yang-data+json")
                    .body(Encoding::Json.data(), "{}"),
            )
            .await
            .expect("a response");
        assert_eq!(response.status, status, "{target}: {}", response.body);
    }
}

#[tokio::test]
async fn each_nmda_datastore_is_a_resource_and_only_the_conventional_ones_take_writes() {
    use rfc3535_client::wire::NmdaDatastore;
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    for datastore in NmdaDatastore::ALL {
        let target = client.datastore_target(&datastore, "", "");
        let response = client
            .send(Request::new(Method::GET, target.clone()).accept(accept(Encoding::Json)))
            .await
            .expect("a response");
        assert_eq!(response.status, 200, "{target}: {}", response.body);
        assert!(
            response.body.starts_with(r#"{"ietf-restconf:data":"#),
            "{target}"
        );
        // Operational holds state (the YANG library among it); the others do not.
        assert_eq!(
            response.body.contains("ietf-yang-library:yang-library"),
            datastore == NmdaDatastore::Operational,
            "{target}: {}",
            response.body
        );
    }
    let origins = client
        .send(
            Request::new(
                Method::GET,
                client.datastore_target(
                    &NmdaDatastore::Operational,
                    "rfc3535-lab:lab",
                    "with-origin",
                ),
            )
            .accept(accept(Encoding::Json)),
        )
        .await
        .expect("a response");
    assert!(
        origins
            .body
            .contains(r#""ietf-origin:origin":"ietf-origin:intended""#),
        "{}",
        origins.body
    );
    let name = r#"{"rfc3535-lab:name":"written through ds"}"#;
    for (datastore, status) in [
        (NmdaDatastore::Running, 204),
        (NmdaDatastore::Operational, 405),
        (NmdaDatastore::Intended, 405),
    ] {
        let response = client
            .send(
                Request::new(
                    Method::PUT,
                    client.datastore_target(&datastore, "rfc3535-lab:lab/name", ""),
                )
                .body(Encoding::Json.data(), name),
            )
            .await
            .expect("a response");
        assert_eq!(
            response.status.as_u16(),
            status,
            "{}: {}",
            datastore.name(),
            response.body
        );
    }
    let unknown = client
        .send(Request::new(
            Method::GET,
            "/restconf/ds/ietf-datastores:nowhere",
        ))
        .await
        .expect("a response");
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn an_event_stream_filter_libyang_cannot_evaluate_is_refused() {
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    let (bad, _) = client
        .open_stream("/restconf/streams/NETCONF/xml?filter=%5B%5B")
        .await
        .expect("a response");
    assert_eq!(bad.status, 400);
    let (good, _) = client
        .open_stream(
            "/restconf/streams/NETCONF/xml?filter=%2Fietf-netconf-notifications%3Anetconf-config-change",
        )
        .await
        .expect("a response");
    assert_eq!(good.status, 200);
}

#[tokio::test]
async fn an_action_is_invoked_on_its_node_through_data_and_operational_and_nowhere_else() {
    let device = device().await;
    let client = client(&device, HttpMode::Negotiate, None).await;
    let actions = "urn:rfc3535:params:xml:ns:yang:rfc3535-lab-actions";
    let action = "rfc3535-lab-actions:lab-maintenance/clear-counters";
    let through_data = client.data_target(action, "");
    let through_operational = format!("{}/ds/ietf-datastores:operational/{action}", client.root());
    for (target, encoding, input, output_start) in [
        (
            &through_data,
            Encoding::Xml,
            format!("<input xmlns=\"{actions}\"><reason>a test</reason></input>"),
            format!("<output xmlns=\"{actions}\"><in-octets-before>"),
        ),
        (
            &through_operational,
            Encoding::Json,
            r#"{"rfc3535-lab-actions:input":{"reason":"a test"}}"#.to_owned(),
            r#"{"rfc3535-lab-actions:output":{"in-octets-before":"#.to_owned(),
        ),
    ] {
        let media = encoding.data();
        let response = client
            .send(
                Request::new(Method::POST, target.as_str())
                    .accept(accept(encoding))
                    .body(media.clone(), input),
            )
            .await
            .expect("a response");
        assert_eq!(response.status, 200, "{target}: {}", response.body);
        assert!(
            response.body.starts_with(&output_start),
            "{target}: {}",
            response.body
        );
        let empty = match encoding {
            Encoding::Xml => format!("<input xmlns=\"{actions}\"/>"),
            Encoding::Json => r#"{"rfc3535-lab-actions:input":{}}"#.to_owned(),
        };
        let refused = client
            .send(
                Request::new(Method::POST, target.as_str())
                    .accept(accept(encoding))
                    .body(media, empty),
            )
            .await
            .expect("a response");
        assert_eq!(refused.status, 400, "{target}: {}", refused.body);
        let errors = Errors::parse(&refused.body, encoding).expect("an errors body");
        assert_eq!(errors.errors[0].tag.as_deref(), Some("missing-element"));
    }
    // Running takes no action (RFC 8527 §3.1), and GET does not invoke one.
    let through_running = format!("{}/ds/ietf-datastores:running/{action}", client.root());
    let refused = client
        .send(
            Request::new(Method::POST, through_running.as_str())
                .accept(accept(Encoding::Xml))
                .body(
                    Encoding::Xml.data(),
                    format!("<input xmlns=\"{actions}\"><reason>a test</reason></input>"),
                ),
        )
        .await
        .expect("a response");
    assert_eq!(refused.status, 405, "{}", refused.body);
    let read = client
        .send(Request::new(Method::GET, through_data.as_str()).accept(accept(Encoding::Xml)))
        .await
        .expect("a response");
    assert_eq!(read.status, 405, "{}", read.body);
}
