//! Behaviour profiles of the reference device: `compliant`, and fault profiles that each break
//! one or a few requirements the way real devices are seen to (a capability announced and not
//! honoured, state mixed into configuration, entries reordered, rules not enforced, ...).
//!
//! A profile is a set of [`Faults`]; the device's code asks `shared.faults` at the one place
//! each fault lives. `features/fault-profiles.yaml` says on which profiles each scenario must
//! fail, and `tests/fault_profiles.rs` holds it to that both ways.

/// The faults a device has. All false: compliant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// The hello offers base:1.0 only (no chunked framing).
    pub base_1_0_only: bool,
    /// `<get-schema>` serves an ietf-system text that does not compile.
    pub broken_schema: bool,
    /// `<get-schema>` refuses ietf-netconf-acm, a standard module the device implements.
    pub unserved_module: bool,
    /// The YANG library gives ietf-system another revision than the hello.
    pub library_mismatch: bool,
    /// The hello's yang-library capability carries another content-id than the library.
    pub library_id_mismatch: bool,
    /// Unknown operations and invalid input are answered `<ok/>`.
    pub ok_for_anything: bool,
    /// ietf-interfaces is not implemented.
    pub without_interfaces: bool,
    /// `<get-config>` answers carry ietf-system's state (`system-state`).
    pub state_in_config: bool,
    /// `<get-config>` answers carry state inside a configuration container (NACM's
    /// `denied-operations` counters inside `/nacm`), below the top level.
    pub deep_state_in_config: bool,
    /// `/netconf-state/sessions` lists no session, and subtree filters are ignored.
    pub monitoring_gaps: bool,
    /// `:xpath` is announced, and XPath filters are ignored (everything comes back).
    pub fake_xpath: bool,
    /// `:candidate` is announced, but edits of the candidate go straight to running and
    /// `<commit>` and `<discard-changes>` do nothing.
    pub fake_candidate: bool,
    /// Locks are granted to everyone and never enforced.
    pub locks_ignored: bool,
    /// Every change of running is written to startup at once.
    pub auto_save_startup: bool,
    /// `<copy-config>` answers `<ok/>` and copies nothing.
    pub copy_ignored: bool,
    /// Confirmed commits are plain commits: no timeout, no rollback on session loss, any
    /// persist-id accepted.
    pub confirm_ignored: bool,
    /// An edit that fails keeps what it could apply (rollback-on-error announced, not done).
    pub partial_edits: bool,
    /// `create` acts as `merge`, `delete` as `remove`, and `remove` as `delete`.
    pub sloppy_operations: bool,
    /// User-ordered entries are sorted when written.
    pub sorts_user_ordered: bool,
    /// Every configuration read shows a read counter in ietf-system's contact.
    pub volatile_config: bool,
    /// Text is stored as 7-bit ASCII: other characters become `?`.
    pub ascii_only: bool,
    /// Text longer than 12 characters is cut to 12.
    pub truncates_text: bool,
    /// No configuration-change notifications are sent.
    pub silent_changes: bool,
    /// NACM as shipped permits writes by default, and kill-session and delete-config are not
    /// protected.
    pub permissive_nacm: bool,
    /// Any password is accepted for a known user.
    pub any_password: bool,
    /// After each message, whatever else was already received is thrown away.
    pub drops_pipelined: bool,
    /// At most this many sessions at once; more are closed at once.
    pub session_limit: Option<usize>,
    /// After a `<validate>`, the next `<commit>` answers `<ok/>` and commits nothing.
    pub validate_breaks_commit: bool,
    /// Every reply is sent this many milliseconds late.
    pub reply_delay_ms: u64,
    /// Replies to `<get>` carry a chunk header that is not one (`#` without a size), once
    /// the device has served its first sessions.
    pub bad_framing: bool,
    /// Replies to `<get>` stop half-way, and the session is dropped, once the device has
    /// served its first sessions.
    pub drops_mid_reply: bool,
    /// Every edit also changes ietf-system's contact (to a counter), outside what it was asked.
    pub edit_side_effect: bool,
    /// A confirmed `<commit>` answers `<ok/>` and commits nothing.
    pub confirmed_commit_no_op: bool,
    /// `<edit-config>` of the candidate answers `<ok/>` and changes nothing.
    pub candidate_ignores_edits: bool,
    /// The `<with-defaults>` parameter of a read is ignored: every read shows the basic mode.
    pub with_defaults_ignored: bool,
    /// A session with a subscription gets an error for every further request, though
    /// `:interleave` is announced.
    pub no_interleave: bool,
    /// The YANG library's content-id changes with every read, though the modules do not.
    pub volatile_library_id: bool,
    /// `/netconf-state/datastores` never shows a lock.
    pub locks_unlisted: bool,
    /// No `netconf-session-start` or `netconf-session-end` event is sent.
    pub silent_sessions: bool,
    /// No `netconf-confirmed-commit` event is sent.
    pub silent_confirmed_commits: bool,
    /// `/netconf-state/schemas` lists a module that `<get-schema>` does not serve.
    pub stale_schema_list: bool,
    /// `<get-data>` ignores `config-filter`, the origin filters and `max-depth`.
    pub nmda_filters_ignored: bool,
    /// `<get-data>` of `ds:running` holds the state beside the configuration.
    pub state_in_running_data: bool,
    /// `<edit-data>` answers `<ok/>` and changes nothing.
    pub edit_data_ignored: bool,
    /// `<copy-config>` to or from a `file:` URL answers `<ok/>` and copies nothing.
    pub url_ignored: bool,
    /// Every `<ok/>` reply also carries an element no module defines as the operation's
    /// output.
    pub output_beside_ok: bool,
    /// `:writable-running` is announced, and `<edit-config>` of running answers `<ok/>` and
    /// changes nothing (edits through the candidate work).
    pub running_ignores_edits: bool,
    /// A subscription with a start time is accepted, and neither the past events nor
    /// `replayComplete` are sent, though the streams list says the stream replays.
    pub replay_ignored: bool,
    /// `<partial-lock>` is granted with the right reply, and never enforced: other sessions
    /// change the locked nodes and take locks over them.
    pub partial_lock_ignored: bool,
    /// `<get-config>` of startup is refused (`access-denied`), though `:startup` is announced.
    pub startup_unreadable: bool,
    /// Not a fault: candidate reads list the entries of system-ordered lists in the reverse of
    /// running's order, which RFC 7950 §7.7.7 leaves to the server.
    pub candidate_order_varies: bool,
    /// Not a fault: the hello names no module, and every module is listed in the YANG library
    /// only, as RFC 7950 §5.6.4 and RFC 8526 §2 allow (netopeer2 lists its YANG 1.1 modules
    /// there only).
    pub modules_in_library_only: bool,
    /// Not a fault: RESTCONF over HTTP/1.1 only (ALPN offers no h2), which RFC 8040 allows.
    pub restconf_http1_only: bool,
    /// RESTCONF bodies are labelled `application/xml` or `application/json` instead of the
    /// YANG data media types (RFC 8040 §5.2).
    pub restconf_wrong_media_type: bool,
    /// A RESTCONF create answers `200 OK` instead of `201 Created` (RFC 8040 §4.4.1, §4.5).
    pub restconf_created_as_ok: bool,
    /// The RESTCONF entity-tag never changes, whatever is edited (RFC 8040 §3.4.1.2).
    pub restconf_static_etag: bool,
    /// RESTCONF errors come with their status and no `errors` body (RFC 8040 §7.1).
    pub restconf_bare_errors: bool,
    /// A YANG Patch is applied one edit at a time: a failing edit leaves the earlier ones in
    /// place (RFC 8072 §2: all or nothing).
    pub restconf_non_atomic_patch: bool,
    /// A plain RESTCONF PATCH of a data resource replaces the resource, as a PUT would, and
    /// creates it when it is absent (RFC 8040 §4.6.1: merge, never create).
    pub restconf_patch_replaces: bool,
    /// A GET of the whole RESTCONF datastore resource answers 500, as a server that cannot
    /// print its whole tree does (RFC 8040 §3.3.1, §4.3); each node on its own reads.
    pub restconf_datastore_unreadable: bool,
    /// RESTCONF lists the depth and fields capabilities (RFC 8040 §9.1.1) and ignores both
    /// query parameters: every read returns the whole resource.
    pub restconf_query_ignored: bool,
    /// RESTCONF's `insert` and `point`, and YANG Patch's `where` and `point`, are accepted and
    /// ignored: a new entry of a user-ordered list always goes last, and a move moves nothing
    /// (RFC 8040 §4.8.5, §4.8.6; RFC 8072 §2.5).
    pub restconf_insert_ignored: bool,
    /// The RESTCONF entity-tag and Last-Modified move with every answer, configuration
    /// changed or not (RFC 8040 §3.4.1.1, §3.4.1.2: they follow the configuration).
    pub restconf_volatile_validators: bool,
    /// The RESTCONF operations resource lists no operation, though the modules define some
    /// (RFC 8040 §3.3.2).
    pub restconf_operations_unlisted: bool,
    /// A RESTCONF write of the operational datastore resource is accepted and lands in
    /// running, though operational is read-only (RFC 8342 §5.3, RFC 8527 §3.1).
    pub restconf_operational_writable: bool,
    /// A read with origins (`<get-data>` with-origin, RESTCONF `with-origin`) carries no
    /// origin annotation (RFC 8526 §3.1.1, RFC 8527 §3.2.2).
    pub origin_unannotated: bool,
    /// RESTCONF's operations resource lists the operations, and invoking any of them, or
    /// any action, is answered 501 (RFC 8040 §3.6).
    pub restconf_operations_uninvocable: bool,
    /// A RESTCONF action is invoked through any NMDA datastore resource, running included,
    /// where only operational takes actions (RFC 8527 §3.1).
    pub restconf_action_in_any_datastore: bool,
    /// A refused YANG Patch's yang-patch-status reports the error against the patch's first
    /// edit, under a patch-id that is not the request's (RFC 8072 §2.3).
    pub restconf_patch_status_misattributed: bool,
    /// RESTCONF's `content=nonconfig` is answered with configuration and state both (RFC
    /// 8040 §4.8.1).
    pub restconf_nonconfig_ignored: bool,
    /// The RESTCONF API resource and `yang-library-version` name a YANG library revision
    /// other than the one the device implements (RFC 8040 §3.3.3).
    pub restconf_stale_library_version: bool,
    /// A periodic YANG-Push subscription publishes at half again its period (RFC 8641 §3.1).
    pub push_period_drift: bool,
    /// A periodic YANG-Push subscription loses every other update.
    pub push_updates_dropped: bool,
    /// A datastore subscription whose subscriber falls behind loses its updates in silence
    /// instead of being suspended (RFC 8639 §2.7; catalogue MB-03 A5).
    pub push_loss_unannounced: bool,
    /// An on-change subscription sends every change at once, whatever its dampening period
    /// (RFC 8641 §3.3).
    pub push_on_change_undampened: bool,
    /// An on-change subscription is accepted and never reports a change.
    pub push_on_change_silent: bool,
    /// `delete-subscription` is answered `<ok/>` and the subscription goes on publishing.
    pub push_delete_ignored: bool,
    /// A push-update carries an element no module of the device defines.
    pub push_payload_outside_schema: bool,
    /// Every `netconf-config-change` notification carries an element its module does not
    /// define (RFC 6470): what only a check of every notification against the schema sees.
    pub notification_outside_schema: bool,
    /// Subscription refusals carry no error identity in `error-app-tag` (RFC 8640 §2.4).
    pub push_errors_unidentified: bool,
    /// A dynamic subscription outlives the session that made it: it is still there to be
    /// killed (RFC 8639 §2.4).
    pub push_outlives_session: bool,
    /// `modify-subscription` is answered `<ok/>` and changes nothing.
    pub push_modify_ignored: bool,
    /// A periodic subscription repeats the selection as it was when it was established.
    pub push_update_stale: bool,
    /// `kill-subscription` ends the subscription without the `subscription-terminated` its
    /// subscriber is owed (RFC 8639 §2.4.5, §2.7.3).
    pub push_kill_silent: bool,
    /// An on-change subscription reports the kinds of change it excluded (RFC 8641 §3.3).
    pub push_exclusions_ignored: bool,
    /// A periodic YANG-Push update holds the whole datastore, whatever the subscription
    /// selected (RFC 8641 §3.7: the contents are the selection's).
    pub push_selection_ignored: bool,
    /// `resync-subscription` is acknowledged and no push-update follows (RFC 8641 §4.4.4).
    pub push_resync_ignored: bool,
    /// A subscription to the event stream (RFC 8639) is sent every event, whatever its
    /// filter selects.
    pub stream_filter_ignored: bool,
    /// Not a protocol fault, a load: the hello carries one vendor capability of about 20 MB,
    /// and every `<data>` reply about 10 MB of comment, so that what the harness keeps of a
    /// device's messages is seen to stay bounded.
    pub huge_messages: bool,
    /// A RESTCONF event stream's `filter` is accepted and ignored: every event is sent (RFC
    /// 8040 §4.8.4).
    pub restconf_filter_ignored: bool,
    /// The RESTCONF event stream listed in JSON sends its events in XML (RFC 8040 §6.4).
    pub restconf_json_stream_in_xml: bool,
    /// UDP-notif message ids skip one now and then, as a publisher that loses messages on
    /// its way out would (draft-ietf-netconf-udp-notif §3.2; catalogue MB-07 A3).
    pub udp_notif_message_id_jumps: bool,
    /// Some UDP-notif datagrams give a header length that is not their header's (MB-07 A2).
    pub udp_notif_wrong_header_length: bool,
    /// The notification envelope names its contents `notification-contents`, the name of an
    /// earlier draft (MB-10).
    pub udp_notif_deprecated_envelope: bool,
    /// Messages longer than the receiver's maximum segment size go out whole, left to IP
    /// fragmentation (draft §3.3.1).
    pub udp_notif_unsegmented: bool,
    /// `subscription-started` names a YANG library content-id that is not the device's (MB-13
    /// A1).
    pub udp_notif_wrong_content_id: bool,
    /// Its YANG library changes (an optional module installed or removed) and its configured
    /// subscriptions are not told: no `subscription-modified` (MB-13 A3).
    pub schema_change_unsignalled: bool,
    /// It tells them, but only after updates showing the new library went out (MB-13 A3).
    pub schema_change_announced_late: bool,
    /// Operational state shows every receiver of its configured subscriptions `connecting`,
    /// however much it was sent (MB-04 A1).
    pub configured_state_frozen: bool,
    /// Operational state counts no event record sent to a configured subscription's receiver
    /// (MB-04 A3).
    pub configured_records_uncounted: bool,
    /// The `reset` action of a configured subscription's receiver is acknowledged and does
    /// nothing (MB-04 A2).
    pub configured_reset_ignored: bool,
}

/// What a profile is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    /// Follows the standards.
    Compliant,
    /// Follows the standards in a way they allow and devices are seen to: it must score
    /// exactly as the compliant profile does.
    Variant,
    /// Breaks one or a few requirements; scenarios name it in `features/fault-profiles.yaml`.
    Fault,
    /// Breaks the conversation itself (slow, malformed or cut replies): what it breaks fails,
    /// and the run must go on.
    Disruptive,
    /// Not a fault: a load on the harness (huge messages), judged by what the harness keeps
    /// of the device (memory, evidence), not by verdicts.
    Load,
}

/// A named profile.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub name: &'static str,
    pub summary: &'static str,
    pub faults: Faults,
    pub kind: ProfileKind,
}

const NONE: Faults = Faults {
    base_1_0_only: false,
    broken_schema: false,
    unserved_module: false,
    library_mismatch: false,
    library_id_mismatch: false,
    ok_for_anything: false,
    without_interfaces: false,
    state_in_config: false,
    deep_state_in_config: false,
    monitoring_gaps: false,
    fake_xpath: false,
    fake_candidate: false,
    locks_ignored: false,
    auto_save_startup: false,
    copy_ignored: false,
    confirm_ignored: false,
    partial_edits: false,
    sloppy_operations: false,
    sorts_user_ordered: false,
    volatile_config: false,
    ascii_only: false,
    truncates_text: false,
    silent_changes: false,
    permissive_nacm: false,
    any_password: false,
    drops_pipelined: false,
    session_limit: None,
    validate_breaks_commit: false,
    reply_delay_ms: 0,
    bad_framing: false,
    drops_mid_reply: false,
    edit_side_effect: false,
    confirmed_commit_no_op: false,
    candidate_ignores_edits: false,
    startup_unreadable: false,
    with_defaults_ignored: false,
    no_interleave: false,
    volatile_library_id: false,
    locks_unlisted: false,
    silent_sessions: false,
    silent_confirmed_commits: false,
    stale_schema_list: false,
    nmda_filters_ignored: false,
    state_in_running_data: false,
    edit_data_ignored: false,
    url_ignored: false,
    output_beside_ok: false,
    partial_lock_ignored: false,
    replay_ignored: false,
    running_ignores_edits: false,
    candidate_order_varies: false,
    modules_in_library_only: false,
    restconf_http1_only: false,
    restconf_wrong_media_type: false,
    restconf_created_as_ok: false,
    restconf_static_etag: false,
    restconf_bare_errors: false,
    restconf_non_atomic_patch: false,
    restconf_patch_replaces: false,
    restconf_datastore_unreadable: false,
    restconf_query_ignored: false,
    restconf_insert_ignored: false,
    restconf_volatile_validators: false,
    restconf_operations_unlisted: false,
    restconf_operational_writable: false,
    origin_unannotated: false,
    restconf_operations_uninvocable: false,
    restconf_action_in_any_datastore: false,
    restconf_patch_status_misattributed: false,
    restconf_nonconfig_ignored: false,
    restconf_stale_library_version: false,
    restconf_filter_ignored: false,
    restconf_json_stream_in_xml: false,
    push_period_drift: false,
    push_updates_dropped: false,
    push_loss_unannounced: false,
    push_on_change_undampened: false,
    push_on_change_silent: false,
    push_delete_ignored: false,
    push_payload_outside_schema: false,
    notification_outside_schema: false,
    push_errors_unidentified: false,
    push_outlives_session: false,
    push_modify_ignored: false,
    push_update_stale: false,
    push_kill_silent: false,
    push_exclusions_ignored: false,
    push_selection_ignored: false,
    push_resync_ignored: false,
    stream_filter_ignored: false,
    huge_messages: false,
    udp_notif_message_id_jumps: false,
    udp_notif_wrong_header_length: false,
    udp_notif_deprecated_envelope: false,
    udp_notif_unsegmented: false,
    udp_notif_wrong_content_id: false,
    schema_change_unsignalled: false,
    schema_change_announced_late: false,
    configured_state_frozen: false,
    configured_records_uncounted: false,
    configured_reset_ignored: false,
};

/// Every profile, compliant first.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "compliant",
        summary: "follows the standards as far as this device implements them",
        faults: NONE,
        kind: ProfileKind::Compliant,
    },
    Profile {
        name: "modules-in-library",
        summary: "names no module in its hello and lists them all in its YANG library, as NMDA servers may",
        faults: Faults {
            modules_in_library_only: true,
            ..NONE
        },
        kind: ProfileKind::Variant,
    },
    Profile {
        name: "system-order-varies",
        summary: "lists system-ordered entries in its candidate in another order than in running",
        faults: Faults {
            candidate_order_varies: true,
            ..NONE
        },
        kind: ProfileKind::Variant,
    },
    Profile {
        name: "restconf-http1-only",
        summary: "serves RESTCONF over HTTP/1.1 only (no h2 in ALPN), as RFC 8040 allows",
        faults: Faults {
            restconf_http1_only: true,
            ..NONE
        },
        kind: ProfileKind::Variant,
    },
    Profile {
        name: "base-1.0-only",
        summary: "offers only base:1.0, so no chunked framing",
        faults: Faults {
            base_1_0_only: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "broken-schema",
        summary: "serves an ietf-system module that does not compile",
        faults: Faults {
            broken_schema: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "unserved-module",
        summary: "refuses <get-schema> of ietf-netconf-acm, a standard module it implements",
        faults: Faults {
            unserved_module: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-wrong-media-type",
        summary: "labels RESTCONF bodies application/xml or application/json, not the YANG data media types",
        faults: Faults {
            restconf_wrong_media_type: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-200-for-created",
        summary: "answers a RESTCONF create with 200 OK instead of 201 Created",
        faults: Faults {
            restconf_created_as_ok: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-static-etag",
        summary: "keeps one RESTCONF entity-tag whatever changes, so a stale If-Match goes through",
        faults: Faults {
            restconf_static_etag: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-bare-errors",
        summary: "sends RESTCONF error statuses without an ietf-restconf:errors body",
        faults: Faults {
            restconf_bare_errors: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-non-atomic-patch",
        summary: "applies a YANG Patch edit by edit, so a failing edit leaves the earlier ones in place",
        faults: Faults {
            restconf_non_atomic_patch: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-patch-replaces",
        summary: "treats a plain RESTCONF PATCH of a resource as a PUT: it replaces the resource and creates it when absent",
        faults: Faults {
            restconf_patch_replaces: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-datastore-unreadable",
        summary: "answers a GET of the whole RESTCONF datastore with 500, though each top-level node reads",
        faults: Faults {
            restconf_datastore_unreadable: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-query-ignored",
        summary: "lists the RESTCONF depth and fields capabilities and ignores both query parameters",
        faults: Faults {
            restconf_query_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-insert-ignored",
        summary: "accepts RESTCONF insert and point, and YANG Patch insert and move, and puts every new entry of a user-ordered list last and moves none",
        faults: Faults {
            restconf_insert_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-volatile-validators",
        summary: "moves the RESTCONF entity-tag and Last-Modified with every answer, whether the configuration changed or not",
        faults: Faults {
            restconf_volatile_validators: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-operations-unlisted",
        summary: "answers the RESTCONF operations resource with an empty list, though its modules define operations",
        faults: Faults {
            restconf_operations_unlisted: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-operational-writable",
        summary: "accepts a RESTCONF write of the operational datastore and applies it to running, though operational is read-only",
        faults: Faults {
            restconf_operational_writable: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-operations-uninvocable",
        summary: "lists its operations in the RESTCONF operations resource and answers 501 to invoking any of them or any action",
        faults: Faults {
            restconf_operations_uninvocable: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-patch-status-misattributed",
        summary: "reports a refused YANG Patch's error against its first edit, under a patch-id of its own",
        faults: Faults {
            restconf_patch_status_misattributed: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-period-drift",
        summary: "publishes a periodic YANG-Push subscription at half again the period asked for",
        faults: Faults {
            push_period_drift: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-updates-dropped",
        summary: "loses every other update of a periodic YANG-Push subscription",
        faults: Faults {
            push_updates_dropped: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-loss-unannounced",
        summary: "loses the updates of a YANG-Push subscriber that falls behind, without suspending its subscription",
        faults: Faults {
            push_loss_unannounced: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-on-change-undampened",
        summary: "sends every change of an on-change YANG-Push subscription at once, ignoring its dampening period",
        faults: Faults {
            push_on_change_undampened: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-on-change-silent",
        summary: "accepts on-change YANG-Push subscriptions and never reports a change",
        faults: Faults {
            push_on_change_silent: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-delete-ignored",
        summary: "answers delete-subscription with <ok/> and goes on publishing the subscription",
        faults: Faults {
            push_delete_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-payload-outside-schema",
        summary: "puts an element no module defines into its YANG-Push updates",
        faults: Faults {
            push_payload_outside_schema: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "notification-outside-schema",
        summary: "adds an element its module does not define to every configuration change notification",
        faults: Faults {
            notification_outside_schema: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-errors-unidentified",
        summary: "refuses subscription requests without naming an RFC 8639 / 8641 error identity",
        faults: Faults {
            push_errors_unidentified: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-outlives-session",
        summary: "keeps a dynamic subscription after the session that made it has ended",
        faults: Faults {
            push_outlives_session: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-modify-ignored",
        summary: "answers modify-subscription with <ok/> and changes nothing",
        faults: Faults {
            push_modify_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-update-stale",
        summary: "repeats, in every periodic update, the selection as it was when the subscription began",
        faults: Faults {
            push_update_stale: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-kill-silent",
        summary: "ends a killed YANG-Push subscription without telling its subscriber",
        faults: Faults {
            push_kill_silent: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-exclusions-ignored",
        summary: "reports the kinds of change an on-change YANG-Push subscription excluded",
        faults: Faults {
            push_exclusions_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-selection-ignored",
        summary: "publishes the whole datastore in a periodic YANG-Push update, whatever the subscription selected",
        faults: Faults {
            push_selection_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "push-resync-ignored",
        summary: "acknowledges resync-subscription and sends no push-update",
        faults: Faults {
            push_resync_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "stream-filter-ignored",
        summary: "accepts a filter on a subscription to its event stream (RFC 8639) and sends every event",
        faults: Faults {
            stream_filter_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "huge-messages",
        summary: "sends a hello of about 20 MB (one vendor capability) and pads every data reply with about 10 MB of comment",
        faults: Faults {
            huge_messages: true,
            ..NONE
        },
        kind: ProfileKind::Load,
    },
    Profile {
        name: "restconf-action-in-any-datastore",
        summary: "invokes a RESTCONF action through any NMDA datastore resource, running included, where only operational takes actions",
        faults: Faults {
            restconf_action_in_any_datastore: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-nonconfig-ignored",
        summary: "answers a RESTCONF read with content=nonconfig with configuration and state both",
        faults: Faults {
            restconf_nonconfig_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-stale-library-version",
        summary: "names an older YANG library revision in its RESTCONF API resource than the one it implements",
        faults: Faults {
            restconf_stale_library_version: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-filter-ignored",
        summary: "accepts a filter on its RESTCONF event stream and sends every event",
        faults: Faults {
            restconf_filter_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "restconf-json-stream-in-xml",
        summary: "lists its RESTCONF event stream in JSON and sends the events in XML there",
        faults: Faults {
            restconf_json_stream_in_xml: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "origin-unannotated",
        summary: "answers a read with origins without any origin annotation",
        faults: Faults {
            origin_unannotated: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "library-mismatch",
        summary: "its YANG library and its hello disagree on a module's revision",
        faults: Faults {
            library_mismatch: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "library-id-mismatch",
        summary: "announces a content-id in its hello that its YANG library does not have",
        faults: Faults {
            library_id_mismatch: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "ok-for-anything",
        summary: "answers <ok/> to operations it does not have and to invalid input",
        faults: Faults {
            ok_for_anything: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "without-interfaces",
        summary: "does not implement ietf-interfaces",
        faults: Faults {
            without_interfaces: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "state-in-config",
        summary: "mixes operational state into configuration reads",
        faults: Faults {
            state_in_config: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "state-deep-in-config",
        summary: "mixes operational state into configuration containers, below the top level",
        faults: Faults {
            deep_state_in_config: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "monitoring-gaps",
        summary: "lists no sessions in its monitoring data and ignores subtree filters",
        faults: Faults {
            monitoring_gaps: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "fake-xpath",
        summary: "announces :xpath and ignores XPath filters",
        faults: Faults {
            fake_xpath: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "fake-candidate",
        summary: "announces :candidate but edits running directly",
        faults: Faults {
            fake_candidate: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "locks-ignored",
        summary: "grants every lock and enforces none",
        faults: Faults {
            locks_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "auto-save",
        summary: "writes every change of running to startup at once",
        faults: Faults {
            auto_save_startup: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "copy-ignored",
        summary: "answers <copy-config> with <ok/> and copies nothing",
        faults: Faults {
            copy_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "edit-side-effect",
        summary: "changes its contact with every edit, whatever the edit asked",
        faults: Faults {
            edit_side_effect: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "with-defaults-ignored",
        summary: "announces every with-defaults mode and answers every read in its basic mode",
        faults: Faults {
            with_defaults_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "no-interleave",
        summary: "announces :interleave and refuses every request of a session that has a subscription",
        faults: Faults {
            no_interleave: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "volatile-library-id",
        summary: "gives its YANG library a new content-id at every read",
        faults: Faults {
            volatile_library_id: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "locks-unlisted",
        summary: "never shows a datastore lock in its monitoring data",
        faults: Faults {
            locks_unlisted: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "silent-sessions",
        summary: "announces no session's start or end",
        faults: Faults {
            silent_sessions: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "nmda-filters-ignored",
        summary: "answers get-data with everything, whatever its config-filter, origin filters and max-depth",
        faults: Faults {
            nmda_filters_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "state-in-running-data",
        summary: "shows state in get-data of the running datastore",
        faults: Faults {
            state_in_running_data: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "edit-data-ignored",
        summary: "answers edit-data with ok and changes nothing",
        faults: Faults {
            edit_data_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "url-ignored",
        summary: "announces :url and copies nothing to or from a file URL",
        faults: Faults {
            url_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "running-ignores-edits",
        summary: "announces :writable-running and ignores edits of running (the candidate works)",
        faults: Faults {
            running_ignores_edits: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "replay-ignored",
        summary: "says its event stream replays, accepts a start time and replays nothing",
        faults: Faults {
            replay_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "partial-lock-ignored",
        summary: "grants partial locks and never enforces them",
        faults: Faults {
            partial_lock_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "output-beside-ok",
        summary: "puts an element of its own beside every <ok/>, which no operation's output defines",
        faults: Faults {
            output_beside_ok: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "silent-confirmed-commits",
        summary: "announces no step of a confirmed commit",
        faults: Faults {
            silent_confirmed_commits: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "stale-schema-list",
        summary: "lists in its monitoring data a module it no longer serves",
        faults: Faults {
            stale_schema_list: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "confirmed-commit-no-op",
        summary: "answers a confirmed commit with <ok/> and commits nothing",
        faults: Faults {
            confirmed_commit_no_op: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "candidate-ignores-edits",
        summary: "answers edits of the candidate with <ok/> and changes nothing",
        faults: Faults {
            candidate_ignores_edits: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "startup-unreadable",
        summary: "announces :startup and refuses every read of it",
        faults: Faults {
            startup_unreadable: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "confirm-ignored",
        summary: "treats confirmed commits as plain commits",
        faults: Faults {
            confirm_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "partial-edits",
        summary: "keeps the part of a failed edit it could apply",
        faults: Faults {
            partial_edits: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "sloppy-operations",
        summary: "confuses create with merge and delete with remove",
        faults: Faults {
            sloppy_operations: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "reorders-entries",
        summary: "sorts user-ordered entries",
        faults: Faults {
            sorts_user_ordered: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "volatile-config",
        summary: "shows a read counter inside its configuration",
        faults: Faults {
            volatile_config: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "ascii-only",
        summary: "stores text as 7-bit ASCII",
        faults: Faults {
            ascii_only: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "truncates-text",
        summary: "cuts text to 12 characters",
        faults: Faults {
            truncates_text: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "silent-changes",
        summary: "sends no configuration-change notifications",
        faults: Faults {
            silent_changes: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "permissive-nacm",
        summary: "ships access control that permits writes and session kills to everyone",
        faults: Faults {
            permissive_nacm: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "any-password",
        summary: "accepts any password",
        faults: Faults {
            any_password: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "drops-pipelined",
        summary: "throws away requests that arrive while it reads another",
        faults: Faults {
            drops_pipelined: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "session-limit",
        summary: "serves at most 3 sessions at once",
        faults: Faults {
            session_limit: Some(3),
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "validate-breaks-commit",
        summary: "commits nothing after a <validate>",
        faults: Faults {
            validate_breaks_commit: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "slow",
        summary: "answers every request 100 ms late",
        faults: Faults {
            reply_delay_ms: 100,
            ..NONE
        },
        kind: ProfileKind::Disruptive,
    },
    Profile {
        name: "bad-framing",
        summary: "sends malformed chunked framing in replies to <get>",
        faults: Faults {
            bad_framing: true,
            ..NONE
        },
        kind: ProfileKind::Disruptive,
    },
    Profile {
        name: "drops-mid-reply",
        summary: "drops the session half-way through replies to <get>",
        faults: Faults {
            drops_mid_reply: true,
            ..NONE
        },
        kind: ProfileKind::Disruptive,
    },
    Profile {
        name: "udp-notif-id-jumps",
        summary: "skips a UDP-notif message id now and then, as a publisher that loses messages would",
        faults: Faults {
            udp_notif_message_id_jumps: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "udp-notif-wrong-header-length",
        summary: "gives some UDP-notif datagrams a header length that is not their header's",
        faults: Faults {
            udp_notif_wrong_header_length: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "udp-notif-deprecated-envelope",
        summary: "names the envelope's contents notification-contents, as an earlier draft did",
        faults: Faults {
            udp_notif_deprecated_envelope: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "udp-notif-unsegmented",
        summary: "sends UDP-notif messages longer than the receiver's maximum segment size whole, leaving them to IP fragmentation",
        faults: Faults {
            udp_notif_unsegmented: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "udp-notif-wrong-content-id",
        summary: "names a YANG library content-id in subscription-started that is not its library's",
        faults: Faults {
            udp_notif_wrong_content_id: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "schema-change-unsignalled",
        summary: "changes its YANG library under running configured subscriptions without subscription-modified",
        faults: Faults {
            schema_change_unsignalled: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "schema-change-announced-late",
        summary: "announces a change of its YANG library to configured subscriptions after updates showing the new library",
        faults: Faults {
            schema_change_announced_late: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "configured-state-frozen",
        summary: "reports every receiver of its configured subscriptions connecting, however much it was sent",
        faults: Faults {
            configured_state_frozen: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "configured-records-uncounted",
        summary: "counts no event record sent to the receivers of its configured subscriptions",
        faults: Faults {
            configured_records_uncounted: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
    Profile {
        name: "configured-reset-ignored",
        summary: "acknowledges the reset of a configured subscription's receiver and starts nothing again",
        faults: Faults {
            configured_reset_ignored: true,
            ..NONE
        },
        kind: ProfileKind::Fault,
    },
];

/// The profile with this name.
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The names of every profile, for help and errors.
pub fn names() -> Vec<&'static str> {
    PROFILES.iter().map(|p| p.name).collect()
}

/// Cuts or rewrites text the way a faulty device stores it.
pub fn stored_text(faults: &Faults, text: &str) -> Option<String> {
    if !faults.ascii_only && !faults.truncates_text {
        return None;
    }
    let mut out: String = if faults.ascii_only {
        text.chars()
            .map(|c| if c.is_ascii() { c } else { '?' })
            .collect()
    } else {
        text.to_owned()
    };
    if faults.truncates_text {
        out = out.chars().take(12).collect();
    }
    (out != text).then_some(out)
}

/// An edit as a faulty device understands it: operations confused, text stored its way.
pub fn rewrite_edit(faults: &Faults, elements: &mut [rfc3535_wire::tree::Element]) {
    for element in elements {
        if faults.sloppy_operations {
            for (_, local, value) in &mut element.attributes {
                if local == "operation" {
                    let confused = match value.as_str() {
                        "create" => "merge",
                        "delete" => "remove",
                        "remove" => "delete",
                        other => other,
                    };
                    *value = confused.to_owned();
                }
            }
        }
        if element.children.is_empty() {
            if let Some(stored) = stored_text(faults, &element.text) {
                element.text = stored;
            }
        }
        rewrite_edit(faults, &mut element.children);
    }
}

/// Reorders, at every depth, the entries of the lists (and leaf-lists) whose schema node
/// `chosen` picks, with `reorder` over each run of one list's entries.
fn reorder_entries(
    elements: &mut [rfc3535_wire::tree::Element],
    nodes: &[rfc3535_yang::NodeShape],
    chosen: fn(&rfc3535_yang::NodeShape) -> bool,
    reorder: fn(&mut Vec<rfc3535_wire::tree::Element>),
) {
    let node_of = |e: &rfc3535_wire::tree::Element| {
        nodes
            .iter()
            .find(|n| n.name == e.name.local && n.namespace == e.name.namespace)
    };
    let mut names: Vec<rfc3535_wire::xml::QualifiedName> = Vec::new();
    for element in elements.iter() {
        if node_of(element).is_some_and(chosen) && !names.contains(&element.name) {
            names.push(element.name.clone());
        }
    }
    for name in names {
        let positions: Vec<usize> = (0..elements.len())
            .filter(|i| elements[*i].name == name)
            .collect();
        let mut entries: Vec<rfc3535_wire::tree::Element> =
            positions.iter().map(|i| elements[*i].clone()).collect();
        reorder(&mut entries);
        for (position, entry) in positions.into_iter().zip(entries) {
            elements[position] = entry;
        }
    }
    for element in elements.iter_mut() {
        if let Some(node) = node_of(element) {
            reorder_entries(&mut element.children, &node.children, chosen, reorder);
        }
    }
}

/// Reverses the entries of system-ordered lists: their order is the server's to choose
/// (RFC 7950 §7.7.7), and a client must not depend on it.
pub fn reverse_system_ordered(
    elements: &mut [rfc3535_wire::tree::Element],
    nodes: &[rfc3535_yang::NodeShape],
) {
    reorder_entries(
        elements,
        nodes,
        |n| n.kind == rfc3535_yang::NodeKind::List && !n.user_ordered,
        |entries| entries.reverse(),
    );
}

/// Sorts the entries of user-ordered lists and leaf-lists by their content, as a device that
/// keeps them in a sorted table does.
pub fn sort_user_ordered(
    elements: &mut [rfc3535_wire::tree::Element],
    nodes: &[rfc3535_yang::NodeShape],
) {
    reorder_entries(
        elements,
        nodes,
        |n| n.user_ordered,
        |entries| entries.sort_by_key(|e| e.canonical()),
    );
}
