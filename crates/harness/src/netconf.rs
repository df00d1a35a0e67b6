//! NETCONF behind the protocol seam: [`ManagementSession`] for the client's [`Session`], and
//! opening one with its transcript recorded.

use std::time::Duration;

use rfc3535_client::wire::{
    Commit, ConfigSource, CreateSubscription, Datastore, DefaultOperation, EditConfig,
    Notification, Operation, RpcReply,
};
use rfc3535_client::{ClientError, ConnectOptions, Session};

use crate::finding::Finding;
use crate::protocol::Protocol;
use crate::sandbox::NodePath;
use crate::session::{EditMode, ManagementSession};

/// How long a polite `<close-session>` may take before the session is dropped.
const CLOSE_WITHIN: Duration = Duration::from_secs(2);
/// How long a session is watched after the reply to `<close-session>`, for the peer to end
/// it (and for anything it sends that it should not).
const AFTER_CLOSE: Duration = Duration::from_millis(250);

/// Opens a NETCONF session, recording its transcript.
pub async fn open_session(options: &ConnectOptions) -> Result<Session, Finding> {
    let mut options = options.clone();
    options.session.record_transcript = true;
    Ok(rfc3535_client::connect(&options).await?)
}

impl ManagementSession for Session {
    fn protocol(&self) -> Protocol {
        Protocol::Netconf
    }

    fn has_ended(&self) -> bool {
        self.ended().is_some()
    }

    fn label(&self) -> String {
        format!("session-id {}", self.session_id())
    }

    fn transcript_text(&self) -> String {
        self.transcript().to_text()
    }

    async fn read_datastore(
        &self,
        datastore: Datastore,
        node: Option<&NodePath>,
    ) -> Result<RpcReply, ClientError> {
        self.get_config(datastore, node.map(NodePath::filter)).await
    }

    async fn edit_datastore(
        &self,
        datastore: Datastore,
        config: String,
        mode: EditMode,
    ) -> Result<RpcReply, ClientError> {
        let mut edit = EditConfig::new(datastore, config);
        if mode == EditMode::Replace {
            edit.default_operation = Some(DefaultOperation::Replace);
        }
        self.edit_config(edit).await
    }

    async fn replace_datastore(
        &self,
        datastore: Datastore,
        config: String,
    ) -> Result<RpcReply, ClientError> {
        self.copy_config(datastore, ConfigSource::Inline(config))
            .await
    }

    async fn commit_candidate(&self) -> Result<RpcReply, ClientError> {
        self.commit(Commit::default()).await
    }

    async fn discard_candidate(&self) -> Result<RpcReply, ClientError> {
        self.discard_changes().await
    }

    async fn cancel_pending_commit(
        &self,
        persist_id: Option<String>,
    ) -> Result<RpcReply, ClientError> {
        self.cancel_commit(persist_id).await
    }

    async fn lock_datastore(&self, datastore: Datastore) -> Result<RpcReply, ClientError> {
        self.lock(datastore).await
    }

    async fn unlock_datastore(&self, datastore: Datastore) -> Result<RpcReply, ClientError> {
        self.unlock(datastore).await
    }

    async fn delete_saved_file(&self, url: &str) -> Result<RpcReply, ClientError> {
        self.delete_config(Datastore::Url(url.to_owned())).await
    }

    async fn invoke_operation(&self, operation_xml: &str) -> Result<RpcReply, ClientError> {
        self.raw(operation_xml).await
    }

    async fn subscribe_to(&self, event: &NodePath) -> Result<RpcReply, ClientError> {
        self.create_subscription(CreateSubscription {
            filter: Some(event.filter()),
            ..CreateSubscription::default()
        })
        .await
    }

    fn take_events(&self) -> Option<tokio::sync::mpsc::Receiver<Notification>> {
        self.take_notifications()
    }

    async fn end(&self) {
        if self.ended().is_none() {
            let closed =
                tokio::time::timeout(CLOSE_WITHIN, self.rpc(&Operation::CloseSession)).await;
            if matches!(closed, Ok(Ok(ref reply)) if reply.is_success()) {
                // RFC 6241 §7.8: the server ends the session; what it still sends is seen
                // (and is a protocol violation).
                self.wait_ended(AFTER_CLOSE).await;
            }
        }
        self.shutdown().await;
    }
}
