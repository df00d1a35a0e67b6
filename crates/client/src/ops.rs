//! One method per NETCONF operation on [`Session`], so callers write
//! `session.get_config(Datastore::Running, None)` rather than building an [`Operation`].
//! Every method returns the reply as received; `<rpc-error>` stays data.

use rfc3535_wire::{
    Commit, ConfigSource, CreateSubscription, Datastore, EditConfig, EditData, Filter, GetData,
    Operation, RpcReply, WithDefaults,
};

use crate::{ClientError, Session};

type Reply = Result<RpcReply, ClientError>;

impl Session {
    /// `<get>` (RFC 6241 §7.7), optionally filtered, optionally with RFC 6243 defaults.
    pub async fn get(&self, filter: Option<Filter>, with_defaults: Option<WithDefaults>) -> Reply {
        self.rpc(&Operation::Get {
            filter,
            with_defaults,
        })
        .await
    }

    /// `<get-config>` (RFC 6241 §7.1).
    pub async fn get_config(&self, source: Datastore, filter: Option<Filter>) -> Reply {
        self.rpc(&Operation::GetConfig {
            source,
            filter,
            with_defaults: None,
        })
        .await
    }

    /// `<get-config>` with an RFC 6243 `<with-defaults>` mode.
    pub async fn get_config_with_defaults(
        &self,
        source: Datastore,
        filter: Option<Filter>,
        with_defaults: WithDefaults,
    ) -> Reply {
        self.rpc(&Operation::GetConfig {
            source,
            filter,
            with_defaults: Some(with_defaults),
        })
        .await
    }

    /// `<edit-config>` (RFC 6241 §7.2).
    pub async fn edit_config(&self, edit: EditConfig) -> Reply {
        self.rpc(&Operation::EditConfig(edit)).await
    }

    /// `<copy-config>` (RFC 6241 §7.3).
    pub async fn copy_config(&self, target: Datastore, source: ConfigSource) -> Reply {
        self.rpc(&Operation::CopyConfig {
            target,
            source,
            with_defaults: None,
        })
        .await
    }

    /// `<delete-config>` (RFC 6241 §7.4).
    pub async fn delete_config(&self, target: Datastore) -> Reply {
        self.rpc(&Operation::DeleteConfig { target }).await
    }

    /// `<lock>` (RFC 6241 §7.5).
    pub async fn lock(&self, target: Datastore) -> Reply {
        self.rpc(&Operation::Lock { target }).await
    }

    /// `<unlock>` (RFC 6241 §7.6).
    pub async fn unlock(&self, target: Datastore) -> Reply {
        self.rpc(&Operation::Unlock { target }).await
    }

    /// `<commit>`, plain or confirmed (RFC 6241 §8.3.4, §8.4.5).
    pub async fn commit(&self, commit: Commit) -> Reply {
        self.rpc(&Operation::Commit(commit)).await
    }

    /// `<cancel-commit>` (RFC 6241 §8.4.4.1).
    pub async fn cancel_commit(&self, persist_id: Option<String>) -> Reply {
        self.rpc(&Operation::CancelCommit { persist_id }).await
    }

    /// `<discard-changes>` (RFC 6241 §8.3.4.2).
    pub async fn discard_changes(&self) -> Reply {
        self.rpc(&Operation::DiscardChanges).await
    }

    /// `<validate>` (RFC 6241 §8.6.4.1).
    pub async fn validate(&self, source: ConfigSource) -> Reply {
        self.rpc(&Operation::Validate { source }).await
    }

    /// `<kill-session>` (RFC 6241 §7.9).
    pub async fn kill_session(&self, session_id: u32) -> Reply {
        self.rpc(&Operation::KillSession { session_id }).await
    }

    /// `<get-schema>` (RFC 6022 §3.1) in YANG format. The module text is
    /// [`RpcReply::data_text`].
    pub async fn get_schema(&self, identifier: &str, version: Option<&str>) -> Reply {
        self.rpc(&Operation::GetSchema {
            identifier: identifier.to_owned(),
            version: version.map(str::to_owned),
            format: Some("yang".to_owned()),
        })
        .await
    }

    /// `<get-data>` (RFC 8526 §3.1.1).
    pub async fn get_data(&self, get: GetData) -> Reply {
        self.rpc(&Operation::GetData(get)).await
    }

    /// `<edit-data>` (RFC 8526 §3.1.2).
    pub async fn edit_data(&self, edit: EditData) -> Reply {
        self.rpc(&Operation::EditData(edit)).await
    }

    /// RFC 5277 `<create-subscription>`; notifications then arrive on
    /// [`Session::take_notifications`].
    pub async fn create_subscription(&self, subscription: CreateSubscription) -> Reply {
        self.rpc(&Operation::CreateSubscription(subscription)).await
    }

    /// RFC 5717 `<partial-lock>` of the running nodes `select` names (XPath, or an
    /// instance-identifier without `:xpath`), its prefixes bound by `namespaces`.
    pub async fn partial_lock(&self, select: &[&str], namespaces: &[(&str, &str)]) -> Reply {
        self.rpc(&Operation::PartialLock {
            select: select.iter().map(|s| (*s).to_owned()).collect(),
            namespaces: namespaces
                .iter()
                .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
                .collect(),
        })
        .await
    }

    /// RFC 5717 `<partial-unlock>`.
    pub async fn partial_unlock(&self, lock_id: u32) -> Reply {
        self.rpc(&Operation::PartialUnlock { lock_id }).await
    }

    /// Any operation, given as the XML content of `<rpc>`.
    pub async fn raw(&self, operation_xml: impl Into<String>) -> Reply {
        self.rpc(&Operation::Raw(operation_xml.into())).await
    }
}
