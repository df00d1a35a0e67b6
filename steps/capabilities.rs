//! Steps that hold a device to what its hello announces beyond the catalogue's other
//! features: every `:with-defaults` mode (RFC 6243), and requests answered while a
//! subscription is active (`:interleave`, RFC 5277 §6). The judgement of each lives in the
//! harness (`rfc3535_harness::with_defaults`); these steps only read and hand over.

use std::sync::Arc;

use cucumber::{then, when};
use rfc3535_client::wire::Datastore;
use rfc3535_harness::with_defaults::{announced_modes, default_leaves, judge, ModeRead};

use super::world::{reply_data, Finding, RunWorld, StepResult};

#[when(
    expr = "{string} reads the running configuration in every with-defaults mode the device announces"
)]
async fn reads_every_mode(world: &mut RunWorld, name: String) -> StepResult {
    let session = world.netconf(&name)?;
    let Some((basic, modes)) = announced_modes(session.capabilities()) else {
        return Err(Finding::fail(
            "the :with-defaults capability names no basic-mode the harness knows (RFC 6243 §4.3 requires one of explicit, trim, report-all)",
        ));
    };
    let mut reads = Vec::new();
    let reply = session.get_config(Datastore::Running, None).await?;
    reads.push(ModeRead {
        mode: None,
        data: reply_data(&reply, "get-config without a with-defaults parameter")?,
    });
    for mode in modes {
        let reply = session
            .get_config_with_defaults(Datastore::Running, None, mode)
            .await?;
        reads.push(ModeRead {
            mode: Some(mode),
            data: reply_data(
                &reply,
                &format!("get-config with with-defaults {}", mode.as_str()),
            )?,
        });
    }
    world.notes.push(format!(
        "basic mode {}; read in {}",
        basic.as_str(),
        reads
            .iter()
            .filter_map(|r| r.mode.map(|m| m.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    world.with_defaults = Some((basic, reads));
    Ok(())
}

#[then(expr = "every reply shows the schema's defaults as its mode says")]
async fn defaults_as_the_mode_says(world: &mut RunWorld) -> StepResult {
    let device = Arc::clone(world.device()?);
    let (basic, reads) = world
        .with_defaults
        .as_ref()
        .ok_or_else(|| Finding::error("harness bug: no with-defaults reads kept"))?;
    let schema = device.schema()?;
    let schema = schema.as_ref().as_ref().map_err(|e| {
        Finding::fail(format!(
            "the device's own modules do not compile, so its defaults are unknown: {e}"
        ))
    })?;
    let leaves = default_leaves(&schema.shape());
    let judgement = judge(*basic, reads, &leaves);
    world.measurements.insert(
        "default_leaves_judged".to_owned(),
        judgement.judged.len().into(),
    );
    if judgement.judged.is_empty() {
        return Err(Finding::skip(format!(
            "no configuration leaf with a default is in what the device shows ({} in its schema, none under a top-level container any reply holds)",
            leaves.len()
        )));
    }
    world.notes.push(format!(
        "leaves with defaults judged: {}",
        judgement.judged.join(", ")
    ));
    if judgement.problems.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 8;
    let more = judgement.problems.len().saturating_sub(SHOWN);
    Err(Finding::fail(format!(
        "a read breaks its with-defaults mode (RFC 6243 §3): {}{}",
        judgement.problems[..judgement.problems.len().min(SHOWN)].join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    )))
}
