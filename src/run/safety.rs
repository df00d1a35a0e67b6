//! Device safety: before a device's scenarios the harness saves its configuration datastores;
//! afterwards it compares, restores what differs, and verifies the result. The outcome is
//! reported per device in results.json (`safety`).

use rfc3535_client::wire::tree::{canonical_fragment, difference_summary, Element};
use rfc3535_client::wire::Datastore;
use rfc3535_client::Session;
use rfc3535_score::Safety;

use crate::steps::world::{restore_config, DeviceContext};

/// One saved datastore: its raw content (to write back) and canonical form (to compare).
#[derive(Debug, Clone)]
pub struct Saved {
    pub datastore: Datastore,
    pub raw: String,
    pub canonical: String,
}

async fn read(session: &Session, datastore: Datastore) -> Result<(String, String), String> {
    let reply = session
        .get_config(datastore.clone(), None)
        .await
        .map_err(|e| format!("reading {}: {e}", datastore.name()))?;
    if !reply.is_success() {
        return Err(format!(
            "reading {} was refused: {}",
            datastore.name(),
            crate::steps::world::describe_errors(&reply)
        ));
    }
    let raw = reply.data().unwrap_or_default().to_owned();
    let tree = Element::parse_fragment(&raw)
        .map_err(|e| format!("{} is unreadable: {e}", datastore.name()))?;
    // Empty containers come and go with some devices' edits; they are not configuration.
    let pruned: Vec<Element> = tree.iter().filter_map(Element::pruned).collect();
    Ok((raw, canonical_fragment(&pruned)))
}

/// The datastores to save for this device, in the order they are restored (running first:
/// on a candidate device restoring it goes through the candidate).
pub fn datastores(device: &DeviceContext) -> Vec<Datastore> {
    let mut out = vec![Datastore::Running];
    if device.claims("startup") {
        out.push(Datastore::Startup);
    }
    if device.claims("candidate") {
        out.push(Datastore::Candidate);
    }
    out
}

/// Why scenarios must not write to this device although it could: a candidate holding
/// someone else's uncommitted changes, which the scenarios' commits would publish.
pub fn writing_forbidden(saved: &[Saved]) -> Option<String> {
    let of = |datastore: Datastore| saved.iter().find(|s| s.datastore == datastore);
    match (of(Datastore::Running), of(Datastore::Candidate)) {
        (Some(running), Some(candidate)) if running.canonical != candidate.canonical => Some(
            "the candidate holds uncommitted changes made outside this run; committing would publish them, so nothing is written (commit or discard them first)"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Saves running (and startup where present).
pub async fn save(session: &Session, device: &DeviceContext) -> Result<Vec<Saved>, String> {
    let mut saved = Vec::new();
    for datastore in datastores(device) {
        let (raw, canonical) = read(session, datastore.clone()).await?;
        saved.push(Saved {
            datastore,
            raw,
            canonical,
        });
    }
    Ok(saved)
}

/// Compares every saved datastore with the device's now, restores what differs, and checks
/// again.
pub async fn restore_and_verify(
    session: &Session,
    device: &DeviceContext,
    saved: &[Saved],
) -> Safety {
    let mut safety = Safety {
        saved: saved
            .iter()
            .map(|s| s.datastore.name().to_owned())
            .collect(),
        ..Safety::default()
    };
    // Anything this run left in the candidate goes; a candidate that was dirty before the run
    // was never written to, and is put back below if it differs.
    if device.claims("candidate") && writing_forbidden(saved).is_none() {
        let _ = session.discard_changes().await;
    }
    for entry in saved {
        let now = match read(session, entry.datastore.clone()).await {
            Ok((_, canonical)) => canonical,
            Err(problem) => {
                safety.problems.push(problem);
                continue;
            }
        };
        if now == entry.canonical {
            continue;
        }
        safety.restored = true;
        if let Err(finding) =
            restore_config(session, device, entry.datastore.clone(), &entry.raw).await
        {
            safety.problems.push(format!(
                "{} differed after the run and could not be restored: {finding}",
                entry.datastore.name()
            ));
            continue;
        }
        match read(session, entry.datastore.clone()).await {
            Ok((_, after)) if after == entry.canonical => {}
            Ok((_, after)) => safety.problems.push(format!(
                "{} still differs from what the run found: {}",
                entry.datastore.name(),
                difference_summary(&entry.canonical, &after, 6).join(" | ")
            )),
            Err(problem) => safety.problems.push(problem),
        }
    }
    safety.verified = safety.problems.is_empty();
    safety
}
