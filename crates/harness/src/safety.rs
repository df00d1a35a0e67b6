//! Device safety: before a device's scenarios the harness saves its configuration datastores;
//! after each scenario it puts the sandbox back; after the run it compares every saved
//! datastore with the device's, restores what differs, and verifies the result. The outcome
//! is reported per device in results.json (`safety`).
//!
//! Everything the harness writes back goes through one function, [`put_back`]: a whole saved
//! datastore (after the run, or when a scenario restores its own copy) or the sandbox edits
//! that undo one scenario. On a candidate device running is written through the candidate and
//! a commit.

use rfc3535_client::wire::rpc::{EditAttributes, EditOperation};
use rfc3535_client::wire::tree::{canonical_fragment, difference_summary, Element};
use rfc3535_client::wire::Datastore;
use rfc3535_score::Safety;

use crate::capability::Capability;
use crate::device::{DeviceContext, SandboxUnusable};
use crate::finding::{Finding, StepResult};
use crate::restore_plan::restore_plan;
use crate::session::{
    canonical_config, config_differences, describe_errors, expect_ok, read_node, read_sandbox_text,
    EditMode, ManagementSession,
};

/// One saved datastore: its raw content (to write back) and canonical form (to compare).
#[derive(Debug, Clone)]
pub struct Saved {
    pub datastore: Datastore,
    pub raw: String,
    pub canonical: String,
}

/// A saved datastore that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafetyError {
    #[error("reading {datastore}: {error}")]
    Read { datastore: String, error: Finding },
    #[error("reading {datastore} was refused: {errors}")]
    Refused { datastore: String, errors: String },
    #[error("{datastore} is unreadable: {error}")]
    Unreadable { datastore: String, error: String },
}

/// What stopped the sandbox from being put back after a scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CleanupError {
    #[error("cleanup could not read the sandbox: {0}")]
    ReadText(Finding),
    #[error("cleanup could not read the sandbox list: {0}")]
    ReadList(Finding),
    #[error("putting the sandbox back: {0}")]
    PutBack(Finding),
}

/// How a datastore read now differs from what was saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Comparison {
    /// Through the device's schema (schema-blind without one).
    schema: Vec<String>,
    /// As an operator's `diff` sees the text: every element kept, empty containers too
    /// (prefixes and whitespace between elements aside).
    text: Vec<String>,
    /// The text differs only in the order of lines that the schema leaves free (entries of
    /// `ordered-by system` lists, which a device may list in any order).
    order_only: bool,
}

impl Comparison {
    fn same(&self) -> bool {
        self.schema.is_empty() && (self.text.is_empty() || self.order_only)
    }
}

fn compare(device: &DeviceContext, saved: &str, now: &str) -> Result<Comparison, Finding> {
    let schema = config_differences(device, saved, now)?;
    let text_form = |xml: &str| -> Result<String, Finding> {
        let tree = Element::parse_fragment(xml).map_err(|e| {
            Finding::fail(format!("a configuration read is not well-formed XML: {e}"))
        })?;
        Ok(canonical_fragment(&tree))
    };
    let (before, after) = (text_form(saved)?, text_form(now)?);
    if before == after {
        return Ok(Comparison {
            schema,
            ..Comparison::default()
        });
    }
    let sorted = |text: &str| {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        lines.join("\n")
    };
    Ok(Comparison {
        order_only: schema.is_empty() && sorted(&before) == sorted(&after),
        text: difference_summary(&before, &after, 6),
        schema,
    })
}

/// What [`put_back`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restoration {
    /// A whole saved configuration, replacing the datastore's.
    Whole(String),
    /// Edits merged into the datastore, each undoing one change (nothing when empty).
    Edits(Vec<String>),
}

async fn read(
    session: &impl ManagementSession,
    datastore: Datastore,
) -> Result<(String, String), SafetyError> {
    let name = || datastore.name().to_owned();
    let reply = session
        .read_datastore(datastore.clone(), None)
        .await
        .map_err(|e| SafetyError::Read {
            datastore: name(),
            error: Finding::from(e),
        })?;
    if !reply.is_success() {
        return Err(SafetyError::Refused {
            datastore: name(),
            errors: describe_errors(&reply),
        });
    }
    let raw = reply.data().unwrap_or_default().to_owned();
    let canonical = canonical_config(&raw).map_err(|e| SafetyError::Unreadable {
        datastore: name(),
        error: e.message().to_owned(),
    })?;
    Ok((raw, canonical))
}

/// The datastores to save for this device, in the order they are restored (running first:
/// on a candidate device restoring it goes through the candidate).
pub fn datastores(device: &DeviceContext) -> Vec<Datastore> {
    let mut out = vec![Datastore::Running];
    if device.claims(Capability::Startup) {
        out.push(Datastore::Startup);
    }
    if device.claims(Capability::Candidate) {
        out.push(Datastore::Candidate);
    }
    out
}

/// Why scenarios must not write to this device although it could: a candidate holding
/// someone else's uncommitted changes, which the scenarios' commits would publish. Compared
/// through the device's schema where it has one (entries of a system-ordered list in another
/// order are the same configuration), else schema-blind.
pub fn writing_forbidden(device: &DeviceContext, saved: &[Saved]) -> Option<SandboxUnusable> {
    let of = |datastore: Datastore| saved.iter().find(|s| s.datastore == datastore);
    let (Some(running), Some(candidate)) = (of(Datastore::Running), of(Datastore::Candidate))
    else {
        return None;
    };
    if running.canonical == candidate.canonical {
        return None;
    }
    match config_differences(device, &running.raw, &candidate.raw) {
        Ok(differences) if differences.is_empty() => None,
        _ => Some(SandboxUnusable::CandidateDirty),
    }
}

impl SafetyError {
    /// Whether the device caused it (refused or broke the read), not the test bed.
    pub fn device_caused(&self) -> bool {
        match self {
            SafetyError::Refused { .. } | SafetyError::Unreadable { .. } => true,
            SafetyError::Read { error, .. } => {
                matches!(error, Finding::Fail(_) | Finding::Violation(_))
            }
        }
    }
}

/// Saves running (and startup and candidate where present): what was saved, and why the rest
/// could not be, if it could not.
pub async fn save(
    session: &impl ManagementSession,
    device: &DeviceContext,
) -> (Vec<Saved>, Option<SafetyError>) {
    let mut saved = Vec::new();
    for datastore in datastores(device) {
        match read(session, datastore.clone()).await {
            Ok((raw, canonical)) => saved.push(Saved {
                datastore,
                raw,
                canonical,
            }),
            Err(problem) => return (saved, Some(problem)),
        }
    }
    (saved, None)
}

/// The one way the harness writes configuration back. Running on a candidate device goes
/// through the candidate and a commit; a whole running configuration that the device will not
/// take by copy-config is sent as a replacing edit (some servers only take that for running).
pub async fn put_back(
    session: &impl ManagementSession,
    device: &DeviceContext,
    datastore: Datastore,
    restoration: Restoration,
) -> StepResult {
    let through_candidate =
        datastore == Datastore::Running && device.edit_target() == Datastore::Candidate;
    let written = if through_candidate {
        Datastore::Candidate
    } else {
        datastore.clone()
    };
    let what = format!("restoring {}", datastore.name());
    let changed = match restoration {
        Restoration::Whole(config) => {
            let mut reply = session
                .replace_datastore(written.clone(), config.clone())
                .await?;
            if !reply.is_success() && written == Datastore::Running {
                reply = session
                    .edit_datastore(Datastore::Running, config, EditMode::Replace)
                    .await?;
            }
            expect_ok(&reply, &what)?;
            true
        }
        Restoration::Edits(edits) => {
            let mut problems = Vec::new();
            for edit in &edits {
                let reply = session
                    .edit_datastore(written.clone(), edit.clone(), EditMode::Merge)
                    .await?;
                if let Err(Finding::Fail(problem)) = expect_ok(&reply, &what) {
                    problems.push(problem);
                }
            }
            if !problems.is_empty() {
                return Err(Finding::fail(problems.join("; ")));
            }
            !edits.is_empty()
        }
    };
    if through_candidate && changed {
        let reply = session.commit_candidate().await?;
        expect_ok(
            &reply,
            &format!("committing the restored {}", datastore.name()),
        )?;
    }
    Ok(())
}

/// What a scenario left that its cleanup must undo besides the sandbox text.
#[derive(Debug, Clone, Default)]
pub struct Leftovers {
    /// A confirmed commit may be pending.
    pub confirmed_pending: bool,
    /// Its persist token, if it was made persistent.
    pub persist_token: Option<String>,
    /// Entries the scenario added to the sandbox list.
    pub list_entries: Vec<String>,
    /// Files the scenario had the device save at URLs in the sandbox's directory.
    pub url_files: Vec<String>,
    /// Configured subscriptions (RFC 8639 §2.5) the scenario wrote, by id.
    pub configured_subscriptions: Vec<u32>,
    /// The operation that puts back the schema the scenario changed (the inventory's
    /// `schema_change.revert`), when it may have changed it.
    pub schema_revert: Option<String>,
}

/// Puts the device's sandbox back as the run found it, after one scenario: cancels a pending
/// confirmed commit, deletes the files it saved, discards the candidate, and undoes the
/// sandbox text and list entries.
pub async fn restore_sandbox(
    session: &impl ManagementSession,
    device: &DeviceContext,
    leftovers: &Leftovers,
) -> Result<(), CleanupError> {
    if device.sandbox_usable.is_err() {
        return Ok(());
    }
    if let Some(revert) = &leftovers.schema_revert {
        // Refused means there was nothing to put back (the scenario did, or never changed
        // it); a library left changed is found by the next scenario that reads it.
        let _ = session.invoke_operation(revert).await;
    }
    if leftovers.confirmed_pending {
        // Refused means nothing was pending any more: fine.
        let _ = session
            .cancel_pending_commit(leftovers.persist_token.clone())
            .await;
    }
    for url in &leftovers.url_files {
        // Refused means there is no such file (the save failed): nothing to delete.
        let _ = session.delete_saved_file(url).await;
    }
    let target = device.edit_target();
    if target == Datastore::Candidate {
        let _ = session.discard_candidate().await;
    }
    for id in &leftovers.configured_subscriptions {
        // Refused means the scenario deleted it already; anything left is found by the
        // comparison with the saved configuration at the end of the run.
        let delete = Restoration::Edits(vec![crate::udp_notif::delete_configured(*id)]);
        let _ = put_back(session, device, Datastore::Running, delete).await;
    }
    let current = read_sandbox_text(session, device, target.clone())
        .await
        .map_err(CleanupError::ReadText)?;
    // `delete` of what is present rather than `remove`: remove is base:1.1 only.
    let delete = EditAttributes::operation(EditOperation::Delete).render();
    let text = &device.sandbox.text;
    let mut edits = Vec::new();
    match (&device.original_text, &current) {
        (Some(value), current) if current.as_ref() != Some(value) => {
            edits.push(text.wrap_leaf("", Some(value)));
        }
        (None, Some(_)) => edits.push(text.wrap_leaf(&delete, None)),
        _ => {}
    }
    if let (Some(list), false) = (&device.sandbox.list, leftovers.list_entries.is_empty()) {
        let present = read_node(session, list, target.clone())
            .await
            .map_err(CleanupError::ReadList)?;
        for entry in leftovers
            .list_entries
            .iter()
            .filter(|e| present.contains(e))
        {
            edits.push(list.wrap_leaf(&delete, Some(entry)));
        }
    }
    put_back(
        session,
        device,
        Datastore::Running,
        Restoration::Edits(edits),
    )
    .await
    .map_err(CleanupError::PutBack)
}

/// Compares every saved datastore with the device's now, restores what differs, and checks
/// again.
pub async fn restore_and_verify(
    session: &impl ManagementSession,
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
    if device.claims(Capability::Candidate) && writing_forbidden(device, saved).is_none() {
        let _ = session.discard_candidate().await;
    }
    // Computed once, before anything is awaited: the schema's compiled form stays on its thread.
    let shape = device.schema().ok().and_then(|schema| {
        schema
            .as_ref()
            .as_ref()
            .ok()
            .map(rfc3535_yang::Schema::shape)
    });
    for entry in saved {
        let now = match read(session, entry.datastore.clone()).await {
            Ok((raw, _)) => raw,
            Err(problem) => {
                safety.problems.push(problem.to_string());
                continue;
            }
        };
        let name = entry.datastore.name().to_owned();
        match compare(device, &entry.raw, &now) {
            Ok(comparison) if comparison.same() => continue,
            Ok(_) => {}
            Err(finding) => {
                safety
                    .problems
                    .push(format!("{name}: {}", finding.message()));
                continue;
            }
        }
        safety.restored = true;
        // Explicit edits from the difference where the schema is known and the datastore
        // takes edits; the whole saved configuration otherwise, or when the edits fail.
        let planned = match (&shape, &entry.datastore) {
            (Some(shape), Datastore::Running | Datastore::Candidate) => {
                match (
                    Element::parse_fragment(&entry.raw),
                    Element::parse_fragment(&now),
                ) {
                    (Ok(before), Ok(after)) => Some(restore_plan(shape, &before, &after)),
                    _ => None,
                }
            }
            _ => None,
        };
        let mut outcome = match planned {
            Some(edits) => {
                put_back(
                    session,
                    device,
                    entry.datastore.clone(),
                    Restoration::Edits(edits),
                )
                .await
            }
            None => Err(Finding::skip("no restore plan")),
        };
        if outcome.is_err() {
            outcome = put_back(
                session,
                device,
                entry.datastore.clone(),
                Restoration::Whole(entry.raw.clone()),
            )
            .await;
        }
        if let Err(finding) = outcome {
            safety.problems.push(format!(
                "{name} differed after the run and could not be restored: {finding}"
            ));
            continue;
        }
        let after = match read(session, entry.datastore.clone()).await {
            Ok((raw, _)) => raw,
            Err(problem) => {
                safety.problems.push(problem.to_string());
                continue;
            }
        };
        match compare(device, &entry.raw, &after) {
            Ok(comparison) if comparison.same() => {}
            Ok(comparison) if !comparison.schema.is_empty() => safety.problems.push(format!(
                "{name} still differs from what the run found: {}",
                comparison.schema.join(" | ")
            )),
            Ok(comparison) => safety.problems.push(format!(
                "{name} is the same configuration through the device's schema, but a diff of it before and after the run shows: {}",
                comparison.text.join(" | ")
            )),
            Err(finding) => safety.problems.push(format!("{name}: {}", finding.message())),
        }
    }
    safety.verified = safety.problems.is_empty();
    safety
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use rfc3535_client::wire::RpcReply;
    use rfc3535_client::ClientError;

    use super::*;
    use crate::device::tests::context;
    use crate::protocol::Protocol;
    use crate::sandbox::NodePath;

    /// An in-memory device behind the seam: datastores as text, every write logged. It stands
    /// in for a device only to test the restore path's decisions; the real paths are held by
    /// the integration tests against the reference device and netconfd.
    #[derive(Default)]
    struct Memory {
        stores: RefCell<BTreeMap<String, String>>,
        log: RefCell<Vec<String>>,
        /// copy-config to running is refused (some servers take only a replacing edit).
        refuses_copy_to_running: bool,
        /// Every write is refused.
        refuses_writes: bool,
        /// Writes are acknowledged and ignored.
        ignores_writes: bool,
    }

    const OK: &str = "<rpc-reply message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><ok/></rpc-reply>";
    const REFUSED: &str = "<rpc-reply message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><rpc-error><error-type>protocol</error-type><error-tag>operation-not-supported</error-tag><error-severity>error</error-severity></rpc-error></rpc-reply>";
    const LOCATION: &str = "urn:ietf:params:xml:ns:yang:ietf-system";

    fn system(location: &str) -> String {
        format!("<system xmlns=\"{LOCATION}\"><location>{location}</location></system>")
    }

    fn reply(text: &str) -> Result<RpcReply, ClientError> {
        Ok(RpcReply::parse(text).expect("a valid reply"))
    }

    impl Memory {
        fn with(stores: &[(&str, String)]) -> Memory {
            let memory = Memory::default();
            for (name, content) in stores {
                memory
                    .stores
                    .borrow_mut()
                    .insert((*name).to_owned(), content.clone());
            }
            memory
        }

        fn store(&self, datastore: &str) -> String {
            self.stores
                .borrow()
                .get(datastore)
                .cloned()
                .unwrap_or_default()
        }

        fn write(
            &self,
            what: String,
            datastore: &Datastore,
            content: String,
        ) -> Result<RpcReply, ClientError> {
            self.log.borrow_mut().push(what);
            if self.refuses_writes {
                return reply(REFUSED);
            }
            if !self.ignores_writes {
                self.stores
                    .borrow_mut()
                    .insert(datastore.name().to_owned(), content);
            }
            reply(OK)
        }
    }

    impl ManagementSession for Memory {
        fn protocol(&self) -> Protocol {
            Protocol::Netconf
        }

        fn has_ended(&self) -> bool {
            false
        }

        fn label(&self) -> String {
            "memory".to_owned()
        }

        fn transcript_text(&self) -> String {
            self.log.borrow().join("\n")
        }

        async fn read_datastore(
            &self,
            datastore: Datastore,
            _node: Option<&NodePath>,
        ) -> Result<RpcReply, ClientError> {
            reply(&format!(
                "<rpc-reply message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><data>{}</data></rpc-reply>",
                self.store(datastore.name())
            ))
        }

        async fn edit_datastore(
            &self,
            datastore: Datastore,
            config: String,
            mode: EditMode,
        ) -> Result<RpcReply, ClientError> {
            // A merge of a deleted leaf leaves nothing; this device holds only the sandbox.
            let content = if config.contains("operation=\"delete\"") {
                String::new()
            } else {
                config.clone()
            };
            self.write(
                format!("edit {} {mode:?} {config}", datastore.name()),
                &datastore,
                content,
            )
        }

        async fn replace_datastore(
            &self,
            datastore: Datastore,
            config: String,
        ) -> Result<RpcReply, ClientError> {
            if self.refuses_copy_to_running && datastore == Datastore::Running {
                self.log
                    .borrow_mut()
                    .push("copy running refused".to_owned());
                return reply(REFUSED);
            }
            self.write(format!("copy {}", datastore.name()), &datastore, config)
        }

        async fn commit_candidate(&self) -> Result<RpcReply, ClientError> {
            let candidate = self.store("candidate");
            self.write("commit".to_owned(), &Datastore::Running, candidate)
        }

        async fn discard_candidate(&self) -> Result<RpcReply, ClientError> {
            let running = self.store("running");
            self.write("discard".to_owned(), &Datastore::Candidate, running)
        }

        async fn cancel_pending_commit(
            &self,
            persist_id: Option<String>,
        ) -> Result<RpcReply, ClientError> {
            self.log
                .borrow_mut()
                .push(format!("cancel-commit {persist_id:?}"));
            reply(OK)
        }

        async fn lock_datastore(&self, _datastore: Datastore) -> Result<RpcReply, ClientError> {
            reply(OK)
        }

        async fn unlock_datastore(&self, _datastore: Datastore) -> Result<RpcReply, ClientError> {
            reply(OK)
        }

        async fn delete_saved_file(&self, _url: &str) -> Result<RpcReply, ClientError> {
            reply(OK)
        }

        async fn invoke_operation(&self, operation_xml: &str) -> Result<RpcReply, ClientError> {
            self.log
                .borrow_mut()
                .push(format!("invoke {operation_xml}"));
            reply(OK)
        }

        async fn subscribe_to(&self, _event: &NodePath) -> Result<RpcReply, ClientError> {
            reply(OK)
        }

        fn take_events(
            &self,
        ) -> Option<tokio::sync::mpsc::Receiver<rfc3535_client::wire::Notification>> {
            None
        }

        async fn end(&self) {}
    }

    fn saved(datastore: Datastore, content: &str) -> Saved {
        Saved {
            datastore,
            raw: content.to_owned(),
            canonical: canonical_config(content).expect("well-formed"),
        }
    }

    #[tokio::test]
    async fn running_on_a_candidate_device_goes_back_through_the_candidate_and_a_commit() {
        let device = context(&[Capability::Candidate]);
        let memory = Memory::with(&[
            ("running", system("changed")),
            ("candidate", system("changed")),
        ]);
        put_back(
            &memory,
            &device,
            Datastore::Running,
            Restoration::Whole(system("before")),
        )
        .await
        .expect("restored");
        assert_eq!(*memory.log.borrow(), ["copy candidate", "commit"]);
        assert_eq!(memory.store("running"), system("before"));
    }

    #[tokio::test]
    async fn running_that_refuses_copy_config_takes_a_replacing_edit() {
        let device = context(&[Capability::WritableRunning]);
        let memory = Memory {
            refuses_copy_to_running: true,
            ..Memory::with(&[("running", system("changed"))])
        };
        put_back(
            &memory,
            &device,
            Datastore::Running,
            Restoration::Whole(system("before")),
        )
        .await
        .expect("restored");
        assert_eq!(memory.log.borrow().len(), 2);
        assert!(memory.log.borrow()[1].starts_with("edit running Replace"));
        assert_eq!(memory.store("running"), system("before"));
        // Startup is copied directly, never through the candidate.
        let candidate_device = context(&[Capability::Candidate, Capability::Startup]);
        let startup = Memory::with(&[("startup", system("changed"))]);
        put_back(
            &startup,
            &candidate_device,
            Datastore::Startup,
            Restoration::Whole(system("x")),
        )
        .await
        .expect("restored");
        assert_eq!(*startup.log.borrow(), ["copy startup"]);
    }

    #[tokio::test]
    async fn a_refused_restore_fails_and_no_edits_write_nothing() {
        let device = context(&[Capability::Candidate]);
        let memory = Memory {
            refuses_writes: true,
            ..Memory::default()
        };
        let refused = put_back(
            &memory,
            &device,
            Datastore::Running,
            Restoration::Whole(system("x")),
        )
        .await;
        assert!(
            matches!(refused, Err(Finding::Fail(m)) if m.contains("restoring running was refused"))
        );
        let nothing = Memory::default();
        put_back(
            &nothing,
            &device,
            Datastore::Running,
            Restoration::Edits(Vec::new()),
        )
        .await
        .expect("nothing to do");
        assert!(
            nothing.log.borrow().is_empty(),
            "{:?}",
            nothing.log.borrow()
        );
    }

    #[tokio::test]
    async fn the_sandbox_goes_back_after_a_scenario() {
        let mut device = context(&[Capability::Candidate]);
        device.original_text = Some("before".to_owned());
        let memory = Memory::with(&[
            ("running", system("scenario")),
            ("candidate", system("scenario")),
        ]);
        let leftovers = Leftovers {
            confirmed_pending: true,
            persist_token: Some("token".to_owned()),
            list_entries: Vec::new(),
            url_files: Vec::new(),
            configured_subscriptions: Vec::new(),
            schema_revert: Some("<remove-module/>".to_owned()),
        };
        restore_sandbox(&memory, &device, &leftovers)
            .await
            .expect("put back");
        let log = memory.log.borrow().clone();
        assert_eq!(log[0], "invoke <remove-module/>");
        assert_eq!(log[1], "cancel-commit Some(\"token\")");
        assert_eq!(log[2], "discard");
        assert!(log[3].starts_with("edit candidate Merge"), "{log:?}");
        assert!(log[3].contains("<location>before</location>"), "{log:?}");
        assert_eq!(log[4], "commit");
        assert_eq!(memory.store("running"), system("before"));
        // Unchanged: nothing is written.
        let unchanged = Memory::with(&[
            ("running", system("before")),
            ("candidate", system("before")),
        ]);
        restore_sandbox(&unchanged, &device, &Leftovers::default())
            .await
            .expect("nothing");
        assert_eq!(*unchanged.log.borrow(), ["discard"]);
        // A sandbox the run must not write is not touched.
        device.sandbox_usable = Err(SandboxUnusable::CandidateDirty);
        let untouched = Memory::default();
        restore_sandbox(&untouched, &device, &leftovers)
            .await
            .expect("nothing");
        assert!(untouched.log.borrow().is_empty());
    }

    #[tokio::test]
    async fn restore_and_verify_says_what_it_did_and_whether_it_held() {
        let device = context(&[Capability::WritableRunning]);
        let before = [saved(Datastore::Running, &system("before"))];
        let untouched = Memory::with(&[("running", system("before"))]);
        let safety = restore_and_verify(&untouched, &device, &before).await;
        assert_eq!((safety.restored, safety.verified), (false, true));
        assert!(untouched.log.borrow().is_empty());
        let changed = Memory::with(&[("running", system("after"))]);
        let safety = restore_and_verify(&changed, &device, &before).await;
        assert_eq!(
            (safety.restored, safety.verified),
            (true, true),
            "{safety:?}"
        );
        assert_eq!(changed.store("running"), system("before"));
        let stubborn = Memory {
            ignores_writes: true,
            ..Memory::with(&[("running", system("after"))])
        };
        let safety = restore_and_verify(&stubborn, &device, &before).await;
        assert_eq!((safety.restored, safety.verified), (true, false));
        assert!(
            safety.problems[0].starts_with("running still differs from what the run found"),
            "{safety:?}"
        );
    }
}
