//! Independent NETCONF clients against the reference device, each running the same script:
//! get, get-config, edit-config on the candidate, commit, lock and unlock, get-schema, and a
//! notification subscription that receives an event. ncclient 0.7.1, netconf-console2,
//! scrapli-netconf (paramiko) and Debian's yangcli, all installed by scripts/setup-test-env.
//!
//! Host keys are checked wherever the client can check them (ncclient pinned; netconf-console2
//! and scrapli against a known_hosts file). Debian's yangcli (libssh2) cannot, so it logs in
//! with a key the device authorizes. No password is on any command line: the Python clients
//! read it from the environment.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use rfc3535_client::wire::{Datastore, EditConfig};
use rfc3535_client::{Auth, ConnectOptions, HostKeyPolicy};
use rfc3535_device::{Device, DeviceConfig};

const SYSTEM: &str = "urn:ietf:params:xml:ns:yang:ietf-system";

struct Bed {
    device: Device,
    dir: tempfile::TempDir,
}

impl Bed {
    async fn start(authorized_key: Option<String>) -> Bed {
        let mut config = DeviceConfig::lab("interop");
        if let Some(key) = authorized_key {
            config.accounts[0].authorized_keys.push(key);
        }
        let device = Device::start(config).await.expect("device starts");
        let dir = tempfile::tempdir().expect("tempdir");
        // A HOME for the clients, with the device's host key as the only known host; scrapli
        // looks hosts up by address alone, so it gets a file of its own without the port.
        let ssh = dir.path().join(".ssh");
        std::fs::create_dir_all(&ssh).expect("mkdir");
        std::fs::write(
            ssh.join("known_hosts"),
            format!(
                "[127.0.0.1]:{} {}\n",
                device.address.port(),
                device.public_key
            ),
        )
        .expect("known_hosts");
        std::fs::write(
            dir.path().join("known_hosts_by_address"),
            format!("127.0.0.1 {}\n", device.public_key),
        )
        .expect("known_hosts");
        Bed { device, dir }
    }

    fn port(&self) -> String {
        self.device.address.port().to_string()
    }

    fn password(&self) -> &str {
        &self.device.accounts[0].password
    }

    fn known_hosts(&self) -> std::path::PathBuf {
        self.dir.path().join(".ssh/known_hosts")
    }

    /// The running configuration's location, read with this project's client.
    async fn location(&self) -> String {
        let session = self.session().await;
        let reply = session
            .get_config(Datastore::Running, None)
            .await
            .expect("get-config");
        let _ = session.close().await;
        reply.data().unwrap_or_default().to_owned()
    }

    async fn session(&self) -> rfc3535_client::Session {
        let options = ConnectOptions::new(
            "127.0.0.1",
            self.device.address.port(),
            "admin",
            Auth::Password(self.password().to_owned().into()),
            HostKeyPolicy::Pinned {
                fingerprint: self.device.fingerprint.clone(),
            },
        );
        rfc3535_client::connect(&options).await.expect("connect")
    }

    /// A configuration change made by another session, for live subscriptions to see.
    async fn change(&self, text: &str) {
        let session = self.session().await;
        let reply = session
            .edit_config(EditConfig::new(
                Datastore::Running,
                format!("<system xmlns=\"{SYSTEM}\"><contact>{text}</contact></system>"),
            ))
            .await
            .expect("edit");
        assert!(reply.is_success(), "{}", reply.raw());
        let _ = session.close().await;
    }
}

async fn python(bed: &Bed, script: &str) -> Output {
    tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new("python3")
            .args(["-c", script, &bed.port()])
            .env("RFC3535_TEST_PASSWORD", bed.password())
            .env("RFC3535_KNOWN_HOSTS", bed.known_hosts())
            .env(
                "RFC3535_KNOWN_HOSTS_BY_ADDRESS",
                bed.dir.path().join("known_hosts_by_address"),
            )
            .env("HOME", bed.dir.path())
            .output(),
    )
    .await
    .expect("the client finishes")
    .expect("python3 runs")
}

fn assert_success(client: &str, output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{client}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn ncclient_runs_the_script() {
    let bed = Bed::start(None).await;
    let script = r#"
import os, sys, base64
from ncclient import manager
port = int(sys.argv[1])
key = open(os.environ["RFC3535_KNOWN_HOSTS"]).read().split()[2]
with manager.connect(host="127.0.0.1", port=port, username="admin",
                     password=os.environ["RFC3535_TEST_PASSWORD"], hostkey_verify=True,
                     hostkey_b64=key, allow_agent=False, look_for_keys=False) as m:
    with m.locked("candidate"):
        assert m.edit_config(target="candidate", config='<config><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><location>from ncclient</location></system></config>').ok
        assert m.commit().ok
    assert "from ncclient" in m.get_config(source="running").data_xml
    assert "from ncclient" in m.get(filter=("subtree", '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>')).data_xml
    assert m.get_schema("ietf-system").data.startswith("module ietf-system")
    m.create_subscription(start_time="2000-01-01T00:00:00Z")
    seen = []
    while True:
        n = m.take_notification(timeout=10)
        assert n is not None, seen
        seen.append(n.notification_xml)
        if "replayComplete" in n.notification_xml:
            break
    assert any("netconf-config-change" in s for s in seen), seen
print("ncclient: every operation answered; replayed", len(seen), "notifications")
"#;
    let output = python(&bed, script).await;
    let stdout = assert_success("ncclient", &output);
    assert!(stdout.contains("every operation answered"), "{stdout}");
    assert!(bed.location().await.contains("from ncclient"));
}

#[tokio::test(flavor = "multi_thread")]
async fn netconf_console2_runs_the_script() {
    let bed = Bed::start(None).await;
    let edit = bed.dir.path().join("edit.xml");
    std::fs::write(
        &edit,
        format!("<system xmlns=\"{SYSTEM}\"><location>from netconf-console2</location></system>"),
    )
    .expect("edit file");
    // netconf-console2's own entry point, with the password put into its argument list
    // inside the interpreter, so that it never reaches the process's command line.
    let wrapper = |args: &[&str]| -> String {
        let quoted: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
        format!(
            r#"
import os, sys
from netconf_console.ncc import main
port = sys.argv[1]
sys.argv = ["netconf-console2", "--host", "127.0.0.1", "--port", port, "-u", "admin",
            "-p", os.environ["RFC3535_TEST_PASSWORD"], "--hostkey-verify", {}]
sys.exit(main())
"#,
            quoted.join(", ")
        )
    };
    let script = wrapper(&[
        "--lock",
        "--db",
        "candidate",
        "--edit-config",
        edit.to_str().expect("utf-8 path"),
        "--commit",
        "--unlock",
        "--get",
        "--get-config",
        "--get-schema",
        "ietf-system",
    ]);
    let stdout = assert_success("netconf-console2", &python(&bed, &script).await);
    assert!(!stdout.contains("<rpc-error"), "{stdout}");
    assert_eq!(
        stdout.matches("<ok").count(),
        4,
        "lock, edit, commit, unlock: {stdout}"
    );
    assert!(stdout.contains("module ietf-system"), "{stdout}");
    assert!(bed.location().await.contains("from netconf-console2"));

    // A live subscription: it listens for 10 s; once it is in place, another session
    // changes running.
    let listen = wrapper(&["--create-subscription", "NETCONF", "--sleep", "10"]);
    let subscriber = python(&bed, &listen);
    let change = async {
        for _ in 0..100 {
            if bed.device.shared.events.subscribers() > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bed.change("seen by netconf-console2").await;
    };
    let (output, ()) = tokio::join!(subscriber, change);
    let stdout = assert_success("netconf-console2 subscription", &output);
    assert!(stdout.contains("netconf-config-change"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn scrapli_netconf_runs_the_script() {
    let bed = Bed::start(None).await;
    let script = r#"
import os, sys, time
from scrapli_netconf.driver import NetconfDriver
conn = NetconfDriver(host="127.0.0.1", port=int(sys.argv[1]), auth_username="admin",
                     auth_password=os.environ["RFC3535_TEST_PASSWORD"], auth_strict_key=True,
                     ssh_known_hosts_file=os.environ["RFC3535_KNOWN_HOSTS_BY_ADDRESS"], transport="paramiko")
conn.open()
def ok(response):
    assert not response.failed and "rpc-error" not in response.result, response.result
    return response.result
ok(conn.lock(target="candidate"))
ok(conn.edit_config(config='<config><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><location>from scrapli</location></system></config>', target="candidate"))
ok(conn.commit())
ok(conn.unlock(target="candidate"))
assert "from scrapli" in ok(conn.get_config(source="running"))
assert "from scrapli" in ok(conn.get(filter_='<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>', filter_type="subtree"))
assert "module ietf-system" in ok(conn.rpc(filter_='<get-schema xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"><identifier>ietf-system</identifier></get-schema>'))
ok(conn.rpc(filter_='<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>'))
# A second session starts, changes running and ends: each is announced to the first.
other = NetconfDriver(host="127.0.0.1", port=int(sys.argv[1]), auth_username="admin",
                      auth_password=os.environ["RFC3535_TEST_PASSWORD"], auth_strict_key=True,
                      ssh_known_hosts_file=os.environ["RFC3535_KNOWN_HOSTS_BY_ADDRESS"], transport="paramiko")
other.open()
ok(other.edit_config(config='<config><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><contact>seen by scrapli</contact></system></config>', target="running"))
other.close()
time.sleep(1)
# scrapli-netconf has no notification API: the first event (the second session's start)
# comes as the next message read.
following = conn.get(filter_='<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>', filter_type="subtree").result
assert "<notification" in following and "netconf-session-start" in following, following
conn.close()
print("scrapli-netconf: every operation answered; notification received")
"#;
    let stdout = assert_success("scrapli-netconf", &python(&bed, script).await);
    assert!(stdout.contains("notification received"), "{stdout}");
    assert!(bed.location().await.contains("from scrapli"));
}

fn keygen(dir: &Path) -> (std::path::PathBuf, String) {
    let key = dir.join("yangcli_key");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    (key, public.trim().to_owned())
}

/// yangcli 2.13 cannot parse RFC 8639's ietf-subscribed-notifications (YANG 1.1's
/// `require-instance` on a leafref), nor therefore the modules that import it: ietf-yang-push
/// and the device's rfc3535-telemetry. It says so while auto-loading the hello's modules, and
/// the session goes on (docs/lab-findings.md). The yangcli errors left are every other one: an
/// error line followed by one that locates it in an unparsable module, a failed import of one,
/// or the auto-load failure of one or of a module importing one, is left out.
fn errors_but_unparsable_modules(stdout: &str) -> Vec<String> {
    const UNPARSABLE: [&str; 2] = ["ietf-subscribed-notifications", "ietf-yang-push"];
    const IMPORTING_UNPARSABLE: [&str; 3] = [
        "ietf-subscribed-notifications",
        "ietf-yang-push",
        "rfc3535-telemetry",
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.starts_with("Error:"))
        .filter(|(index, line)| {
            let located = lines.get(index + 1).is_some_and(|next| {
                UNPARSABLE
                    .iter()
                    .any(|m| next.starts_with(&format!("{m}@")))
            });
            let import = UNPARSABLE
                .iter()
                .any(|m| line.contains(&format!("import of module '{m}' failed")));
            let auto_load = IMPORTING_UNPARSABLE
                .iter()
                .any(|m| line.contains(&format!("Auto-load for module '{m}'")));
            !located && !import && !auto_load
        })
        .map(|(_, line)| (*line).to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn yangcli_runs_the_script() {
    let keys = tempfile::tempdir().expect("tempdir");
    let (private, public) = keygen(keys.path());
    let bed = Bed::start(Some(public)).await;
    let script = bed.dir.path().join("script");
    std::fs::write(
        &script,
        "sget /system\n\
         get-config source=running\n\
         lock target=candidate\n\
         merge /system/location value=\"from yangcli\"\n\
         commit\n\
         unlock target=candidate\n\
         get-schema identifier=ietf-system\n\
         create-subscription startTime=2000-01-01T00:00:00Z\n\
         sget /netconf-state/sessions\n",
    )
    .expect("script");
    let output = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new("yangcli")
            .arg("--server=127.0.0.1")
            .arg(format!("--ncport={}", bed.port()))
            .arg("--user=admin")
            .arg(format!(
                "--public-key={}",
                private.with_extension("pub").display()
            ))
            .arg(format!("--private-key={}", private.display()))
            .arg("--batch-mode")
            // The RFC 5277 operations, from yangcli's own module directory.
            .arg("--module=notifications")
            .arg(format!("--run-script={}", script.display()))
            .env("HOME", bed.dir.path())
            .output(),
    )
    .await
    .expect("yangcli finishes")
    .expect("yangcli runs (installed by scripts/setup-test-env)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let errors = errors_but_unparsable_modules(&stdout);
    assert!(errors.is_empty(), "{errors:?}\n{stdout}");
    assert!(stdout.contains("NETCONF session established"), "{stdout}");
    // lock, edit, commit, unlock and create-subscription answered ok.
    assert!(stdout.matches("RPC OK Reply").count() >= 5, "{stdout}");
    assert!(stdout.contains("module ietf-system"), "{stdout}");
    // The session's own monitoring entry counts the notifications it was sent.
    let sent = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("out-notifications "))
        .filter_map(|n| n.trim().parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    assert!(
        sent > 0,
        "no notification reached yangcli's session: {stdout}"
    );
    assert!(bed.location().await.contains("from yangcli"));
}

/// ncclient establishes YANG-Push subscriptions (RFC 8640) on the reference device: a periodic
/// one on operational that delivers push-updates of its selection, and an on-change one on
/// running that reports an edit as a push-change-update; then deletes them.
#[tokio::test(flavor = "multi_thread")]
async fn ncclient_receives_yang_push_updates() {
    let bed = Bed::start(None).await;
    let script = r#"
import os, sys, time
from ncclient import manager
from ncclient.xml_ import to_ele
SN = "urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications"
YP = "urn:ietf:params:xml:ns:yang:ietf-yang-push"
port = int(sys.argv[1])
key = open(os.environ["RFC3535_KNOWN_HOSTS"]).read().split()[2]
def establish(m, body):
    reply = m.dispatch(to_ele('<establish-subscription xmlns="%s" xmlns:yp="%s" xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores">%s</establish-subscription>' % (SN, YP, body)))
    ids = to_ele(reply.xml).xpath("//sn:id", namespaces={"sn": SN})
    assert ids, reply.xml
    return ids[0].text
def take(m, kind, sub):
    deadline = time.time() + 15
    while time.time() < deadline:
        n = m.take_notification(timeout=5)
        if n is not None and kind in n.notification_xml and ">%s</" % sub in n.notification_xml:
            return n.notification_xml
    raise AssertionError("no %s for subscription %s" % (kind, sub))
with manager.connect(host="127.0.0.1", port=port, username="admin",
                     password=os.environ["RFC3535_TEST_PASSWORD"], hostkey_verify=True,
                     hostkey_b64=key, allow_agent=False, look_for_keys=False) as m:
    periodic = establish(m, '<yp:datastore>ds:operational</yp:datastore><yp:datastore-xpath-filter xmlns:sys="urn:ietf:params:xml:ns:yang:ietf-system">/sys:system-state/sys:platform</yp:datastore-xpath-filter><yp:periodic><yp:period>20</yp:period></yp:periodic>')
    updates = [take(m, "push-update", periodic) for _ in range(3)]
    assert all("os-name" in u for u in updates), updates[0]
    assert m.dispatch(to_ele('<delete-subscription xmlns="%s"><id>%s</id></delete-subscription>' % (SN, periodic))).ok
    on_change = establish(m, '<yp:datastore>ds:running</yp:datastore><yp:datastore-subtree-filter><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/></yp:datastore-subtree-filter><yp:on-change><yp:sync-on-start>false</yp:sync-on-start></yp:on-change>')
    time.sleep(0.3)
    assert m.edit_config(target="running", config='<config><system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"><location>pushed by ncclient</location></system></config>').ok
    change = take(m, "push-change-update", on_change)
    assert "pushed by ncclient" in change and "/ietf-system:system" in change, change
    m.raise_mode = 0
    refused = m.dispatch(to_ele('<delete-subscription xmlns="%s"><id>999999</id></delete-subscription>' % SN))
    assert "ietf-subscribed-notifications:no-such-subscription" in refused.xml, refused.xml
print("ncclient: periodic updates and an on-change update received")
"#;
    let output = python(&bed, script).await;
    let stdout = assert_success("ncclient", &output);
    assert!(stdout.contains("on-change update received"), "{stdout}");
}
