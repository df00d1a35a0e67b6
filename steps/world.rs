//! The World: what one scenario knows while it runs against one device (or, for `@multi`
//! scenarios, a fleet). The helpers the step files share are the harness's
//! (`rfc3535_harness::session`), re-exported here so every step file imports from one place.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use rfc3535_client::wire::RpcReply;
use rfc3535_client::Session;
use rfc3535_harness::session::{DeviceSession, ManagementSession as _};

pub use rfc3535_harness::session::{
    commit_if_candidate, config_differences, describe_errors, eventually, expect_ok, expect_same,
    read_config, read_config_data, read_sandbox_text, reply_data, write_sandbox_text,
};
pub use rfc3535_harness::{DeviceContext, Finding, StepResult};

/// One scenario's state.
#[derive(Debug, Default, cucumber::World)]
pub struct RunWorld {
    pub device: Option<Arc<DeviceContext>>,
    /// For `@multi` scenarios: the devices taking part, first to last.
    pub fleet: Vec<Arc<DeviceContext>>,
    pub fleet_sessions: Vec<DeviceSession>,
    /// Fleet devices left out because they cannot be written, with what that means for them.
    pub fleet_excluded: Vec<(Arc<DeviceContext>, Finding)>,
    /// Sessions by the name the scenario gives them ("A", "B", ...).
    pub sessions: BTreeMap<String, DeviceSession>,
    /// The session-id of named sessions that ended during the scenario.
    pub session_ids: BTreeMap<String, u32>,
    /// The account each named session logged in as.
    pub usernames: BTreeMap<String, String>,
    /// Sessions that were closed or dropped during the scenario, kept for their transcripts.
    pub ended_sessions: Vec<(String, DeviceSession)>,
    /// A value unique to this scenario; every value the scenario writes contains it.
    pub nonce: String,
    /// The sandbox text this scenario wrote last.
    pub text_value: Option<String>,
    /// How many values `another_fresh_value` made.
    pub values_made: u32,
    /// When the device answered the last write that made the sandbox text active.
    pub activated_at: Option<std::time::Instant>,
    /// The YANG-Push subscription a step established, with what it has received.
    pub subscription: Option<super::push::Watch>,
    /// The configured subscription a step wrote, with the collector receiving it.
    pub configured: Option<super::udp_notif::Configured>,
    /// The device's schema as a step changed it, while it may be changed.
    pub schema_changed: Option<super::udp_notif::ChangedSchema>,
    /// How many subscription-started had come when a step reset the receiver.
    pub reset_started_before: Option<usize>,
    /// Sandbox list entries this scenario added (removed afterwards).
    pub list_entries: Vec<String>,
    /// Files this scenario had the device save at URLs (deleted afterwards).
    pub url_files: Vec<String>,
    /// The YANG library a step read, with the hello capabilities of the session that read it.
    pub library: Option<(rfc3535_client::wire::YangLibrary, Vec<String>)>,
    /// Reads of the running configuration per with-defaults mode, with the basic mode.
    pub with_defaults: Option<(
        rfc3535_client::wire::WithDefaults,
        Vec<rfc3535_harness::with_defaults::ModeRead>,
    )>,
    /// Every YANG library a step read, in order.
    pub library_reads: Vec<rfc3535_client::wire::YangLibrary>,
    /// The last reply a step kept for a `Then` to judge.
    pub last_reply: Option<RpcReply>,
    /// Replies kept for comparison steps.
    pub kept_replies: Vec<RpcReply>,
    /// Saved configurations (per fleet member, or one for a single device).
    pub copies: Vec<String>,
    /// The device's time of an event a replay starts from (RFC 3339, as the device wrote it).
    pub replay_from: Option<String>,
    /// The stop time a replay was asked for.
    pub replay_to: Option<String>,
    /// Whether the event stream kept was opened in JSON.
    pub event_stream_json: bool,
    /// The origin (an ietf-origin identity's name) a read found on the sandbox text.
    pub origin: Option<String>,
    /// Operations invoked (`module:name`), the mandatory input each was sent without, and
    /// the answer.
    pub invocations: Vec<(String, Vec<String>, rfc3535_client::restconf::Response)>,
    /// The actions a scenario found on nodes of the device's data.
    pub action_targets: Vec<super::restconf_operations::ActionTarget>,
    /// Partial locks granted in this scenario: the session holding each, and its lock-id.
    pub partial_locks: Vec<(String, u32)>,
    /// A persist token of a pending confirmed commit (cancelled afterwards if still pending).
    pub persist_token: Option<String>,
    /// A confirmed commit may be pending on the single device.
    pub confirmed_pending: bool,
    /// The last HTTP response a RESTCONF step kept for a `Then` to judge.
    pub last_response: Option<rfc3535_client::restconf::Response>,
    /// A resource a RESTCONF step created, by the path its `Location` gave.
    pub location: Option<String>,
    /// An entity-tag a RESTCONF step noted.
    pub entity_tag: Option<String>,
    /// A Last-Modified a RESTCONF step noted.
    pub last_modified: Option<String>,
    /// The sandbox list entries a YANG Patch of this scenario tried to add.
    pub patch_values: Vec<String>,
    /// The RESTCONF event stream a step opened: its events as they arrive.
    pub event_stream: Option<
        tokio::sync::mpsc::Receiver<Result<rfc3535_client::wire::restconf::SseEvent, String>>,
    >,
    /// The data a RESTCONF read with `depth` or `fields` answered, as XML elements.
    pub selected: Option<Vec<rfc3535_client::wire::tree::Element>>,
    /// Values measured along the way, reported in the cell.
    pub measurements: BTreeMap<String, serde_json::Value>,
    /// Notes for the evidence (what a step looked at).
    pub notes: Vec<String>,
    /// Why the device's modules did not compile, when a step tried.
    pub compile_error: Option<String>,
    /// For `@multi` scenarios: the devices (by name) whose behaviour failed the scenario. The
    /// others did their part and pass it (docs/verdicts.md).
    pub culprits: Mutex<BTreeSet<String>>,
}

impl RunWorld {
    pub fn device(&self) -> Result<&Arc<DeviceContext>, Finding> {
        self.device
            .as_ref()
            .ok_or_else(|| Finding::error("harness bug: no device bound to this scenario"))
    }

    /// The NETCONF session of that name, for steps about NETCONF itself.
    pub fn netconf(&self, name: &str) -> Result<&Session, Finding> {
        self.session(name)?.netconf()
    }

    pub fn session(&self, name: &str) -> Result<&DeviceSession, Finding> {
        self.sessions.get(name).ok_or_else(|| {
            Finding::error(format!(
                "harness bug: the scenario uses session {name:?} before opening it"
            ))
        })
    }

    /// The reply a `When` kept for a `Then` to judge.
    pub fn kept_reply(&self) -> Result<&RpcReply, Finding> {
        self.last_reply
            .as_ref()
            .ok_or_else(|| Finding::error("harness bug: no reply kept"))
    }

    /// The two replies a scenario kept to compare.
    pub fn kept_pair(&self) -> Result<(&RpcReply, &RpcReply), Finding> {
        match &self.kept_replies[..] {
            [first, second] => Ok((first, second)),
            _ => Err(Finding::error("harness bug: expected two kept replies")),
        }
    }

    /// Any open session, for the harness's own reads.
    pub fn any_session(&self) -> Result<&DeviceSession, Finding> {
        self.sessions
            .values()
            .find(|s| !s.has_ended())
            .ok_or_else(|| Finding::error("no open session left to check the device with"))
    }

    /// Checks that mutating scenarios may run on this device.
    pub fn require_sandbox(&self) -> Result<Arc<DeviceContext>, Finding> {
        let device = Arc::clone(self.device()?);
        device.require_sandbox()?;
        Ok(device)
    }

    /// What the cleanup must undo besides the sandbox text.
    pub fn leftovers(&self) -> rfc3535_harness::safety::Leftovers {
        rfc3535_harness::safety::Leftovers {
            confirmed_pending: self.confirmed_pending,
            persist_token: self.persist_token.clone(),
            list_entries: self.list_entries.clone(),
            url_files: self.url_files.clone(),
            configured_subscriptions: self
                .configured
                .as_ref()
                .map(|c| vec![c.subscription.id])
                .unwrap_or_default(),
            schema_revert: self
                .schema_changed
                .as_ref()
                .filter(|changed| changed.changed)
                .map(|changed| changed.revert.clone()),
        }
    }

    /// Marks a fleet device as one whose behaviour failed the scenario.
    pub fn blame(&self, device: &DeviceContext) {
        self.culprits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(device.name.clone());
    }

    /// The devices blamed so far.
    pub fn blamed(&self) -> BTreeSet<String> {
        self.culprits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// A fresh value for the sandbox text.
    pub fn fresh_value(&self) -> String {
        format!("rfc3535-{}", self.nonce)
    }

    /// A value for the sandbox text unlike any this scenario wrote before (it still holds
    /// the scenario's nonce).
    pub fn another_fresh_value(&mut self) -> String {
        self.values_made += 1;
        format!("rfc3535-{}-{}", self.nonce, self.values_made)
    }
}

/// Fails when an event the device sent does not validate against its own schema (not judged
/// when the schema is not at hand or does not compile: other scenarios say so).
pub fn check_event_schema(
    device: &DeviceContext,
    notification: &rfc3535_client::wire::Notification,
    what: &str,
) -> StepResult {
    if let Ok(schema) = device.schema() {
        if let Ok(schema) = schema.as_ref() {
            if let Err(finding) = schema.validate_notification(notification.raw()) {
                return Err(Finding::fail(format!(
                    "the {what} does not validate against the device's own schema: {finding}"
                )));
            }
        }
    }
    Ok(())
}

/// The account a named session logged in as.
pub fn account_of(world: &RunWorld, name: &str) -> Result<String, Finding> {
    world
        .usernames
        .get(name)
        .cloned()
        .ok_or_else(|| Finding::error(format!("harness bug: no account known for {name:?}")))
}

/// Reads `listener`'s RFC 6470 events for up to `seconds`, handing each to `visit` (with
/// the notification it came in, and a list of what was seen) until `visit` says everything
/// awaited has come. Returns what was seen.
pub async fn watch_events(
    world: &RunWorld,
    listener: &str,
    seconds: u64,
    mut visit: impl FnMut(
        &rfc3535_client::wire::tree::Element,
        &rfc3535_client::wire::Notification,
        &mut Vec<String>,
    ) -> Result<bool, Finding>,
) -> Result<Vec<String>, Finding> {
    let mut events = world
        .session(listener)?
        .take_events()
        .ok_or_else(|| Finding::error("harness bug: notifications already taken"))?;
    let deadline = rfc3535_harness::lag::Deadline::after(std::time::Duration::from_secs(seconds));
    let mut seen = Vec::new();
    loop {
        let Some(Some(notification)) = deadline.run(events.recv()).await else {
            return Ok(seen);
        };
        let Ok(content) =
            rfc3535_client::wire::tree::Element::parse_fragment(notification.content())
        else {
            seen.push("an unreadable notification".to_owned());
            continue;
        };
        for event in content
            .iter()
            .filter(|e| e.name.namespace == rfc3535_client::wire::ns::NETCONF_NOTIFICATIONS)
        {
            if visit(event, &notification, &mut seen)? {
                return Ok(seen);
            }
        }
    }
}

/// Opens a session to the device over its protocol, as the account `access` names.
pub async fn open_session(
    device: &DeviceContext,
    access: &rfc3535_harness::access::Access,
) -> Result<DeviceSession, Finding> {
    DeviceSession::open(access, device).await
}
