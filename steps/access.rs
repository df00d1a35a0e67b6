//! Steps about who may do what and who did what: the read-only account, and configuration
//! change events (RFC 6470).

use std::sync::Arc;

use cucumber::{given, then};
use rfc3535_harness::sandbox::NodePath;
use rfc3535_harness::session::ManagementSession as _;

use super::world::{
    check_event_schema, expect_ok, open_session, watch_events, Finding, RunWorld, StepResult,
};

use rfc3535_client::wire::ns::NETCONF_NOTIFICATIONS as NS_NCN;

#[given(expr = "a management session {string} subscribed to configuration change events")]
async fn subscribed(world: &mut RunWorld, name: String) -> StepResult {
    let device = Arc::clone(world.device()?);
    let session = open_session(&device, &device.connect).await?;
    let config_change = NodePath {
        namespace: NS_NCN.to_owned(),
        elements: vec!["netconf-config-change".to_owned()],
    };
    let reply = session.subscribe_to(&config_change).await?;
    expect_ok(&reply, "create-subscription")?;
    world.sessions.insert(name, session);
    Ok(())
}

#[then(
    expr = "within {int} seconds {string} receives a configuration change made by the account of {string} in session {string}"
)]
async fn receives_change(
    world: &mut RunWorld,
    seconds: u64,
    listener: String,
    account_of: String,
    session_of: String,
) -> StepResult {
    let username = super::world::account_of(world, &account_of)?;
    let session_id = world.netconf(&session_of)?.session_id().to_string();
    let device = Arc::clone(world.device()?);
    let mut found = false;
    let seen = watch_events(world, &listener, seconds, |event, notification, seen| {
        if event.name.local != "netconf-config-change" {
            return Ok(false);
        }
        let by = event.child("changed-by");
        let user = by
            .and_then(|b| b.child("username"))
            .map(|u| u.text.trim().to_owned());
        let sid = by
            .and_then(|b| b.child("session-id"))
            .map(|s| s.text.trim().to_owned());
        if user.as_deref() == Some(username.as_str()) && sid.as_deref() == Some(&session_id) {
            // The event must also be what the device's own schema says it is.
            check_event_schema(&device, notification, "netconf-config-change")?;
            found = true;
            return Ok(true);
        }
        seen.push(format!("changed-by username {user:?} session-id {sid:?}"));
        Ok(false)
    })
    .await?;
    if found {
        return Ok(());
    }
    Err(Finding::fail(if seen.is_empty() {
        format!("no netconf-config-change arrived within {seconds} s of a committed change")
    } else {
        format!(
            "no netconf-config-change named username {username:?} and session-id {session_id}; seen: {}",
            seen.join("; ")
        )
    }))
}
