//! The protocol seam over RESTCONF, against the reference device: what the engine, device
//! safety and the protocol-neutral steps do through `ManagementSession` (read the datastore
//! and one node, merge the sandbox text, delete it and a leaf-list entry through
//! `nc:operation` annotations, put a whole datastore back) does the same over RESTCONF as over
//! NETCONF, read back over NETCONF; and every data resource read is checked against the
//! device's schema.

use std::sync::Arc;

use rfc3535_client::restconf::{RestconfOptions, ServerTrust};
use rfc3535_client::wire::restconf::Encoding;
use rfc3535_client::wire::{ns, Datastore};
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_device::{Device, DeviceConfig};
use rfc3535_harness::restconf::{open_session, Dialect, RestconfSession};
use rfc3535_harness::sandbox::Sandbox;
use rfc3535_harness::schema::acquire_from;
use rfc3535_harness::session::{read_config_data, read_node, EditMode, ManagementSession};

async fn device() -> Device {
    let mut config = DeviceConfig::lab("seam");
    config.restconf_listen = Some(([127, 0, 0, 1], 0).into());
    Device::start(config).await.expect("starts")
}

/// A session in `encoding`, with the device's schema fetched over RESTCONF as the engine
/// fetches it (the schema resource), kept in `modules`.
async fn restconf(
    device: &Device,
    encoding: Encoding,
    modules: &tempfile::TempDir,
) -> RestconfSession {
    let endpoint = device.restconf.as_ref().expect("RESTCONF");
    let mut options = RestconfOptions::new(
        "127.0.0.1",
        endpoint.address.port(),
        ServerTrust::Fingerprint(endpoint.fingerprint.clone()),
    );
    options.username = Some(device.accounts[0].user.clone());
    options.password = Some(device.accounts[0].password.clone().into());
    let session = open_session(&options, Dialect::default())
        .await
        .expect("connects");
    let acquired = acquire_from(&session, None, modules.path(), true).await;
    assert!(acquired.problems.is_empty(), "{:?}", acquired.problems);
    let specs = acquired.specs();
    let shape = rfc3535_yang::Schema::from_dir(modules.path(), &specs)
        .expect("compiles")
        .shape();
    session.set_dialect(Dialect {
        encoding,
        shape: Some(Arc::new(shape)),
        modules: Some((modules.path().to_owned(), specs)),
    });
    session
}

async fn netconf_running(device: &Device) -> String {
    let session = rfc3535_client::connect(&ConnectOptions::new(
        "127.0.0.1",
        device.address.port(),
        device.accounts[0].user.clone(),
        Auth::Password(device.accounts[0].password.clone().into()),
        HostKeyPolicy::Pinned {
            fingerprint: device.fingerprint.clone(),
        },
    ))
    .await
    .expect("NETCONF");
    let reply = session
        .get_config(Datastore::Running, None)
        .await
        .expect("get-config");
    session.shutdown().await;
    reply.data().unwrap_or_default().to_owned()
}

fn delete_attribute() -> String {
    format!(" xmlns:nc=\"{}\" nc:operation=\"delete\"", ns::BASE)
}

#[tokio::test]
async fn the_sandbox_is_written_read_and_deleted_through_the_seam() {
    for encoding in Encoding::ALL {
        sandbox_written_read_and_deleted(encoding).await;
    }
}

async fn sandbox_written_read_and_deleted(encoding: Encoding) {
    let device = device().await;
    let modules = tempfile::tempdir().expect("tempdir");
    let session = restconf(&device, encoding, &modules).await;
    let sandbox = Sandbox::default();
    let text = &sandbox.text;
    let list = sandbox
        .list
        .as_ref()
        .expect("the default sandbox has a list");

    let reply = session
        .edit_datastore(
            Datastore::Running,
            text.wrap_leaf("", Some("über & <restconf>")),
            EditMode::Merge,
        )
        .await
        .expect("edit");
    assert!(reply.is_success(), "{}", reply.raw());
    let values = read_node(&session, text, Datastore::Running)
        .await
        .expect("node read");
    assert_eq!(values, ["über & <restconf>"]);
    assert!(netconf_running(&device)
        .await
        .contains("über &amp; &lt;restconf&gt;"));

    for entry in ["restconf-a", "restconf-b"] {
        let reply = session
            .edit_datastore(
                Datastore::Running,
                list.wrap_leaf("", Some(entry)),
                EditMode::Merge,
            )
            .await
            .expect("add entry");
        assert!(reply.is_success(), "{}", reply.raw());
    }
    let reply = session
        .edit_datastore(
            Datastore::Running,
            list.wrap_leaf(&delete_attribute(), Some("restconf-a")),
            EditMode::Merge,
        )
        .await
        .expect("delete entry");
    assert!(reply.is_success(), "{}", reply.raw());
    let entries = read_node(&session, list, Datastore::Running)
        .await
        .expect("list read");
    assert_eq!(entries, ["restconf-b"]);

    let reply = session
        .edit_datastore(
            Datastore::Running,
            text.wrap_leaf(&delete_attribute(), None),
            EditMode::Merge,
        )
        .await
        .expect("delete text");
    assert!(reply.is_success(), "{}", reply.raw());
    assert!(read_node(&session, text, Datastore::Running)
        .await
        .expect("node read")
        .is_empty());

    let missing = session
        .edit_datastore(
            Datastore::Running,
            text.wrap_leaf(&delete_attribute(), None),
            EditMode::Merge,
        )
        .await
        .expect("a refusal is a reply");
    assert!(
        !missing.is_success(),
        "deleting what is not there is refused"
    );
    assert!(
        missing.errors[0]
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("HTTP 409")),
        "{}",
        missing.raw()
    );
}

#[tokio::test]
async fn a_whole_datastore_put_back_reads_as_it_was_and_reads_are_checked() {
    for encoding in Encoding::ALL {
        whole_datastore_put_back(encoding).await;
    }
}

async fn whole_datastore_put_back(encoding: Encoding) {
    let device = device().await;
    let modules = tempfile::tempdir().expect("tempdir");
    let session = restconf(&device, encoding, &modules).await;
    let before = read_config_data(&session, Datastore::Running)
        .await
        .expect("datastore read");
    assert!(before.contains("<hostname>seam</hostname>"), "{before}");
    let sandbox = Sandbox::default();
    let reply = session
        .edit_datastore(
            Datastore::Running,
            sandbox.text.wrap_leaf("", Some("to be undone")),
            EditMode::Merge,
        )
        .await
        .expect("edit");
    assert!(reply.is_success(), "{}", reply.raw());
    let reply = session
        .replace_datastore(Datastore::Running, before.clone())
        .await
        .expect("put back");
    assert!(reply.is_success(), "{}", reply.raw());
    let after = read_config_data(&session, Datastore::Running)
        .await
        .expect("datastore read");
    assert_eq!(after, before);
    assert!(!netconf_running(&device).await.contains("to be undone"));
    assert!(session.reads().len() >= 2);
    assert!(
        session
            .reads()
            .iter()
            .filter(|read| read.api_path.is_empty())
            .all(|read| read.encoding == encoding),
        "every datastore read in {encoding}"
    );

    let refused = session
        .lock_datastore(Datastore::Running)
        .await
        .expect("a refusal is a reply");
    assert_eq!(
        refused.errors[0].tag.as_deref(),
        Some("operation-not-supported")
    );
}
