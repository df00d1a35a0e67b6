//! What the run knows of one device, shared by every scenario run against it: how to reach
//! it, what it claims, where scenarios may write, and its own schema. Built once per device
//! while the run prepares (see [`crate::engine`]), then read-only.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use rfc3535_client::wire::{Datastore, RpcReply};

use crate::access::Access;
use crate::capability::Capability;
use crate::discovery::Claims;
use crate::finding::{Finding, StepResult};
use crate::protocol::Protocol;
use crate::sandbox::Sandbox;
use crate::schema::Acquired;

/// What the runner knows of one device.
#[derive(Debug)]
pub struct DeviceContext {
    /// `<name>/<protocol>`.
    pub id: String,
    pub name: String,
    pub protocol: Protocol,
    pub connect: Access,
    /// The restricted account of the test bed, when the inventory names one.
    pub read_only: Option<Access>,
    /// What the device claims, with the evidence for each claim.
    pub claims: Claims,
    pub sandbox: Sandbox,
    /// Whether scenarios may write the sandbox (else mutating scenarios are skipped, saying why).
    pub sandbox_usable: Result<(), SandboxUnusable>,
    /// The sandbox text's value before the run (restored after each scenario).
    pub original_text: Option<String>,
    /// The device's own modules, fetched before the scenarios (None: it serves none).
    pub schema: Option<Acquired>,
    /// Where those modules are.
    pub schema_dir: Option<PathBuf>,
    /// What `<get-schema>` answered in this run's scenarios, by `name@revision`: `None` when
    /// it served the module, else what was wrong. Scenarios that need a module fetched look
    /// here first, so a device is asked for each module once (some devices fail a second
    /// fetch of the same module; docs/lab-findings.md).
    pub served_modules: std::sync::Mutex<std::collections::BTreeMap<String, Option<String>>>,
    /// The schema's shape, made once on first use (RESTCONF builds its API paths from it).
    pub shape: std::sync::OnceLock<Option<std::sync::Arc<rfc3535_yang::Shape>>>,
    /// Large messages the device repeats in every session (its hello), kept once for the
    /// evidence (`evidence/<device>/shared/`) and referenced from transcripts.
    pub shared_messages: std::sync::Arc<rfc3535_client::transcript::SharedMessages>,
    /// The UDP-notif receiver the test bed provisioned on the device, if any.
    pub udp_notif: Option<crate::udp_notif::UdpNotifReceiver>,
    /// How the test bed changes the device's schema and changes it back, if it can.
    pub schema_change: Option<crate::schema_change::SchemaChange>,
    /// The run's Kafka-protocol broker (`host:port`), where telemetry scenarios publish.
    pub broker: Option<String>,
}

/// Why scenarios may not write a device's sandbox: they are skipped, saying this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxUnusable {
    #[error(
        "the device claims neither :writable-running nor :candidate, so nothing can be written"
    )]
    NotWritable,
    #[error("the sandbox's module ({0}) is not among the modules the device implements (its YANG library, else its hello); set sandbox.text in the inventory to a string leaf this device has (`rfc3535 probe` suggests some)")]
    ModuleNotImplemented(String),
    #[error("the sandbox cannot be read: {0}")]
    Unreadable(Finding),
    #[error("the candidate holds uncommitted changes made outside this run; committing would publish them, so nothing is written (commit or discard them first)")]
    CandidateDirty,
    /// The device refused (or broke) a read of a datastore it claims, so its configuration
    /// could not be saved and nothing may be changed.
    #[error("the configuration could not be saved, so nothing was changed: {0}")]
    NotSaved(String),
}

impl SandboxUnusable {
    /// What a scenario that needs to write meets: a failure where the device caused it (it
    /// refused or broke a read the change depends on), else a precondition the test bed
    /// lacks.
    pub fn finding(&self) -> Finding {
        match self {
            SandboxUnusable::Unreadable(Finding::Fail(why) | Finding::Violation(why)) => {
                Finding::fail(format!(
                    "the device refused the read of the sandbox that every change is checked with: {why}"
                ))
            }
            SandboxUnusable::NotSaved(_) => Finding::fail(self.to_string()),
            other => Finding::skip(other.to_string()),
        }
    }
}

/// A compiled schema, or why the device's own modules do not compile; shared by every
/// device with the same modules (`rfc3535_yang::Schema::shared_from_dir`).
pub type CompiledSchema = rfc3535_yang::SharedSchema;

thread_local! {
    /// Each runner thread's schemas by directory, so that the module files are read and
    /// hashed once per thread; the contexts themselves are shared by content across threads.
    static SCHEMAS: RefCell<BTreeMap<PathBuf, CompiledSchema>> =
        const { RefCell::new(BTreeMap::new()) };
}

/// The schema of the modules in `dir`, compiled once for all devices with the same modules.
pub fn compiled_schema(
    dir: &std::path::Path,
    specs: &[rfc3535_yang::ModuleSpec],
) -> CompiledSchema {
    SCHEMAS.with(|cache| {
        std::sync::Arc::clone(
            cache
                .borrow_mut()
                .entry(dir.to_owned())
                .or_insert_with(|| rfc3535_yang::Schema::shared_from_dir(dir, specs)),
        )
    })
}

impl DeviceContext {
    pub fn claims(&self, capability: Capability) -> bool {
        self.claims.claims(capability)
    }

    /// Modules announced in the hello: name to revision.
    pub fn hello_modules(&self) -> &BTreeMap<String, Option<String>> {
        &self.claims.hello_modules
    }

    /// Where edits go: the candidate when the device has one, else running.
    pub fn edit_target(&self) -> Datastore {
        if self.claims(Capability::Candidate) {
            Datastore::Candidate
        } else {
            Datastore::Running
        }
    }

    /// Records the modules a live fetch got from the device (files `name@revision.yang`).
    pub fn remember_served(&self, acquired: &Acquired) {
        let mut served = self
            .served_modules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for file in &acquired.files {
            let module = file.trim_end_matches(".yang").trim_end_matches(".yin");
            // A local copy stands in for a module the device did not serve.
            let copy = acquired.local_copies.iter().find(|(f, _)| f == file);
            let answer = copy.map(|(_, from)| {
                format!("not served by the device (a local copy from {from} stands in for it)")
            });
            served.insert(module.to_owned(), answer);
        }
    }

    /// What `<get-schema>` answered for `name@revision` in this run, if it was asked.
    pub fn served(&self, module: &str) -> Option<Option<String>> {
        self.served_modules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(module)
            .cloned()
    }

    /// Records what `<get-schema>` answered for `name@revision`.
    pub fn record_served(&self, module: &str, problem: Option<String>) {
        self.served_modules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(module.to_owned(), problem);
    }

    /// The device's schema as a libyang context. Skipped without one; the inner `Err` when
    /// the device's own modules do not compile (a scenario of its own judges that).
    pub fn schema(&self) -> Result<CompiledSchema, Finding> {
        let (Some(acquired), Some(dir)) = (&self.schema, &self.schema_dir) else {
            return Err(Finding::skip(
                "the device's schema could not be fetched (get-schema), so replies cannot be checked against it",
            ));
        };
        Ok(compiled_schema(dir, &acquired.specs()))
    }

    /// What a RESTCONF session needs of this device beyond its address: the encoding it
    /// speaks and its schema (API paths, and JSON converted through it).
    pub fn restconf_dialect(&self) -> crate::restconf::Dialect {
        crate::restconf::Dialect {
            encoding: self
                .claims
                .restconf_encoding
                .unwrap_or(rfc3535_client::wire::restconf::Encoding::Xml),
            shape: self.shape(),
            modules: match (&self.schema, &self.schema_dir) {
                (Some(acquired), Some(dir)) => Some((dir.clone(), acquired.specs())),
                _ => None,
            },
        }
    }

    /// The shape of the device's schema, when it compiles.
    pub fn shape(&self) -> Option<std::sync::Arc<rfc3535_yang::Shape>> {
        self.shape
            .get_or_init(|| {
                let schema = self.schema().ok()?;
                let shape = schema.as_ref().as_ref().ok()?.shape();
                Some(std::sync::Arc::new(shape))
            })
            .clone()
    }

    /// Checks a reply's data against the device's own schema. Modules that do not compile are
    /// the device's doing: the check cannot pass.
    pub fn validate_reply(
        &self,
        reply: &RpcReply,
        content: rfc3535_yang::Content,
        what: &str,
    ) -> StepResult {
        let schema = self.schema()?;
        let schema = schema.as_ref().as_ref().map_err(|e| {
            Finding::fail(format!(
                "the device's own modules do not compile, so {what} cannot be checked against them: {e}"
            ))
        })?;
        schema
            .validate(reply.data().unwrap_or_default(), content)
            .map_err(|finding| {
                Finding::fail(format!(
                    "{what} does not validate against the device's own schema: {finding}"
                ))
            })
    }

    /// Whether scenarios may write this device's sandbox: skipped where the test bed lacks
    /// something, failed where the device refused what writing safely needs.
    pub fn require_sandbox(&self) -> StepResult {
        match &self.sandbox_usable {
            Ok(()) => Ok(()),
            Err(why) => Err(why.finding()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rfc3535_client::{Auth, HostKeyPolicy};

    /// A device context with these claims and no schema, for tests that need no device.
    pub(crate) fn context(claims: &[Capability]) -> DeviceContext {
        let mut claimed = Claims::default();
        for capability in claims {
            claimed.capabilities.insert(*capability, "test".to_owned());
        }
        DeviceContext {
            id: Protocol::Netconf.device_id("d"),
            name: "d".to_owned(),
            protocol: Protocol::Netconf,
            connect: Access::Netconf(rfc3535_client::ConnectOptions::new(
                "127.0.0.1",
                1,
                "u",
                Auth::Password("p".to_owned().into()),
                HostKeyPolicy::Insecure,
            )),
            read_only: None,
            claims: claimed,
            sandbox: Sandbox::default(),
            sandbox_usable: Ok(()),
            original_text: None,
            schema: None,
            schema_dir: None,
            served_modules: Default::default(),
            shape: Default::default(),
            shared_messages: Default::default(),
            udp_notif: None,
            schema_change: None,
            broker: None,
        }
    }

    #[test]
    fn edits_go_through_the_candidate_when_there_is_one() {
        assert_eq!(
            context(&[Capability::Candidate]).edit_target(),
            Datastore::Candidate
        );
        assert_eq!(
            context(&[Capability::WritableRunning]).edit_target(),
            Datastore::Running
        );
        assert!(matches!(context(&[]).schema(), Err(Finding::Skip(_))));
    }
}
