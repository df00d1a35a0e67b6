//! YANG Patch (RFC 8072): the `ietf-yang-patch:yang-patch` document a client sends with PATCH
//! and the `yang-patch-status` a server answers with, in XML and JSON.
//!
//! An edit's `value` is kept as the raw text it came in (XML elements with the namespace
//! declarations they need, or the JSON member's text, member order kept); checking it against
//! the schema is the YANG crate's job. Mandatory fields missing from a document are an error
//! here, since a server must refuse such a patch; a status is read leniently, fields optional,
//! so that a conformance step can say what a server left out.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::errors::{errors_from_json, errors_json, errors_xml, read_error_list};
use super::{json_kind, json_string, single_member, BodyError, Encoding};
use crate::message::RpcError;
use crate::ns;
use crate::xml::{escape, Step, Walker, XmlError};

/// The JSON name of a YANG Patch document.
pub const JSON_PATCH_MEMBER: &str = "ietf-yang-patch:yang-patch";
/// The JSON name of a YANG Patch status.
pub const JSON_STATUS_MEMBER: &str = "ietf-yang-patch:yang-patch-status";

/// What one edit does (RFC 8072 §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOperation {
    Create,
    Delete,
    Insert,
    Merge,
    Move,
    Replace,
    Remove,
}

impl PatchOperation {
    /// Every operation, in the module's order.
    pub const ALL: [PatchOperation; 7] = [
        PatchOperation::Create,
        PatchOperation::Delete,
        PatchOperation::Insert,
        PatchOperation::Merge,
        PatchOperation::Move,
        PatchOperation::Replace,
        PatchOperation::Remove,
    ];

    /// The value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOperation::Create => "create",
            PatchOperation::Delete => "delete",
            PatchOperation::Insert => "insert",
            PatchOperation::Merge => "merge",
            PatchOperation::Move => "move",
            PatchOperation::Replace => "replace",
            PatchOperation::Remove => "remove",
        }
    }

    /// Reads an operation; `None` for a value outside the enumeration.
    pub fn parse(text: &str) -> Option<PatchOperation> {
        PatchOperation::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// Whether the edit carries a value (RFC 8072 §2.5: create, insert, merge and replace do).
    pub fn needs_value(self) -> bool {
        matches!(
            self,
            PatchOperation::Create
                | PatchOperation::Insert
                | PatchOperation::Merge
                | PatchOperation::Replace
        )
    }
}

/// Where an insert or a move puts its entry (RFC 8072 §2.5, `where`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Where {
    Before,
    After,
    First,
    Last,
}

impl Where {
    /// The value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Where::Before => "before",
            Where::After => "after",
            Where::First => "first",
            Where::Last => "last",
        }
    }

    /// Reads a position; `None` for a value outside the enumeration.
    pub fn parse(text: &str) -> Option<Where> {
        [Where::Before, Where::After, Where::First, Where::Last]
            .into_iter()
            .find(|w| w.as_str() == text)
    }
}

/// One edit of a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchEdit {
    pub edit_id: String,
    pub operation: PatchOperation,
    /// The target data node, relative to the patched resource (`/song=Bob%20Song`).
    pub target: String,
    /// For insert and move: the entry the `where` is relative to.
    pub point: Option<String>,
    pub where_: Option<Where>,
    /// The raw value in the document's encoding: XML elements, or the JSON value's text.
    pub value: Option<String>,
}

/// A YANG Patch document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YangPatch {
    pub patch_id: String,
    pub comment: Option<String>,
    pub edits: Vec<PatchEdit>,
}

impl YangPatch {
    /// Writes the document in the given encoding; the edits' values must already be in it.
    pub fn to_document(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Xml => self.to_xml(),
            Encoding::Json => self.to_json(),
        }
    }

    fn to_xml(&self) -> String {
        let mut out = format!(
            "<yang-patch xmlns=\"{}\"><patch-id>{}</patch-id>",
            ns::YANG_PATCH,
            escape(&self.patch_id)
        );
        if let Some(comment) = &self.comment {
            out.push_str(&format!("<comment>{}</comment>", escape(comment)));
        }
        for edit in &self.edits {
            out.push_str(&format!(
                "<edit><edit-id>{}</edit-id><operation>{}</operation><target>{}</target>",
                escape(&edit.edit_id),
                edit.operation.as_str(),
                escape(&edit.target)
            ));
            if let Some(point) = &edit.point {
                out.push_str(&format!("<point>{}</point>", escape(point)));
            }
            if let Some(where_) = edit.where_ {
                out.push_str(&format!("<where>{}</where>", where_.as_str()));
            }
            if let Some(value) = &edit.value {
                out.push_str(&format!("<value>{value}</value>"));
            }
            out.push_str("</edit>");
        }
        out.push_str("</yang-patch>");
        out
    }

    // Written by hand rather than through `serde_json::Value`, whose objects sort their
    // members: an edit's value is spliced in as the text it was given, member order kept.
    fn to_json(&self) -> String {
        let quote = |text: &str| Value::String(text.to_owned()).to_string();
        let mut out = format!(
            "{{{}:{{\"patch-id\":{}",
            quote(JSON_PATCH_MEMBER),
            quote(&self.patch_id)
        );
        if let Some(comment) = &self.comment {
            out.push_str(&format!(",\"comment\":{}", quote(comment)));
        }
        out.push_str(",\"edit\":[");
        for (index, edit) in self.edits.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push_str(&format!(
                "{{\"edit-id\":{},\"operation\":{},\"target\":{}",
                quote(&edit.edit_id),
                quote(edit.operation.as_str()),
                quote(&edit.target)
            ));
            if let Some(point) = &edit.point {
                out.push_str(&format!(",\"point\":{}", quote(point)));
            }
            if let Some(where_) = edit.where_ {
                out.push_str(&format!(",\"where\":{}", quote(where_.as_str())));
            }
            if let Some(value) = &edit.value {
                out.push_str(&format!(",\"value\":{value}"));
            }
            out.push('}');
        }
        out.push_str("]}}");
        out
    }

    /// Reads a document in the given encoding.
    pub fn parse(document: &str, encoding: Encoding) -> Result<YangPatch, BodyError> {
        match encoding {
            Encoding::Xml => parse_patch_xml(document, ns::YANG_PATCH),
            Encoding::Json => parse_patch_json(document),
        }
    }

    /// Reads an XML `yang-patch` whose elements are in another module's namespace: a module
    /// that uses the `yang-patch` grouping (ietf-yang-push's `datastore-changes`, RFC 8641).
    pub fn parse_xml_in(document: &str, namespace: &str) -> Result<YangPatch, BodyError> {
        parse_patch_xml(document, namespace)
    }
}

fn invalid(reason: impl Into<String>) -> BodyError {
    BodyError::Invalid {
        element: "yang-patch",
        reason: reason.into(),
    }
}

/// The fields of one edit as read, before the mandatory ones are checked.
#[derive(Debug, Default, Deserialize)]
struct RawEdit {
    #[serde(rename = "edit-id")]
    edit_id: Option<String>,
    operation: Option<String>,
    target: Option<String>,
    point: Option<String>,
    #[serde(rename = "where")]
    where_: Option<String>,
    value: Option<Box<RawValue>>,
    #[serde(skip)]
    xml_value: Option<String>,
}

impl RawEdit {
    fn into_edit(self) -> Result<PatchEdit, BodyError> {
        let edit_id = self
            .edit_id
            .ok_or_else(|| invalid("an edit has no edit-id"))?;
        let operation_text = self
            .operation
            .ok_or_else(|| invalid(format!("edit {edit_id:?} has no operation")))?;
        let operation = PatchOperation::parse(operation_text.trim()).ok_or_else(|| {
            invalid(format!(
                "edit {edit_id:?}: {operation_text:?} is not a YANG Patch operation"
            ))
        })?;
        let target = self
            .target
            .ok_or_else(|| invalid(format!("edit {edit_id:?} has no target")))?;
        let where_ = match self.where_ {
            None => None,
            Some(text) => Some(Where::parse(text.trim()).ok_or_else(|| {
                invalid(format!("edit {edit_id:?}: {text:?} is not a where value"))
            })?),
        };
        let value = self
            .xml_value
            .or_else(|| self.value.map(|v| v.get().to_owned()));
        Ok(PatchEdit {
            edit_id,
            operation,
            target,
            point: self.point,
            where_,
            value,
        })
    }
}

#[derive(Debug, Deserialize)]
struct JsonPatchDocument {
    #[serde(rename = "ietf-yang-patch:yang-patch")]
    patch: JsonPatch,
}

#[derive(Debug, Deserialize)]
struct JsonPatch {
    #[serde(rename = "patch-id")]
    patch_id: Option<String>,
    comment: Option<String>,
    #[serde(default)]
    edit: Vec<RawEdit>,
}

fn parse_patch_json(document: &str) -> Result<YangPatch, BodyError> {
    let parsed: JsonPatchDocument = serde_json::from_str(document)?;
    let patch = parsed.patch;
    Ok(YangPatch {
        patch_id: patch.patch_id.ok_or_else(|| invalid("no patch-id"))?,
        comment: patch.comment,
        edits: patch
            .edit
            .into_iter()
            .map(RawEdit::into_edit)
            .collect::<Result<_, _>>()?,
    })
}

/// Opens the root element and checks it is `local` in the YANG Patch namespace: whether it
/// is empty.
fn open_root(walker: &mut Walker<'_>, local: &'static str) -> Result<bool, BodyError> {
    super::open_root(walker, local, ns::YANG_PATCH, local).map(|(empty, _)| empty)
}

fn parse_patch_xml(document: &str, namespace: &str) -> Result<YangPatch, BodyError> {
    let mut walker = Walker::new(document);
    let mut patch_id = None;
    let mut comment = None;
    let mut edits = Vec::new();
    let (empty, _) = super::open_root(&mut walker, "yang-patch", namespace, "yang-patch")?;
    if !empty {
        loop {
            match walker.next()? {
                Step::Open {
                    name,
                    empty,
                    content,
                    ..
                } => match name.local.as_str() {
                    "patch-id" if !empty => patch_id = Some(walker.text_content("patch-id")?),
                    "comment" if !empty => comment = Some(walker.text_content("comment")?),
                    "edit" if !empty => edits.push(read_edit_xml(&mut walker)?.into_edit()?),
                    "edit" => return Err(invalid("an empty edit")),
                    other if !empty => {
                        walker.skip_content(other, content)?;
                    }
                    _ => {}
                },
                Step::Close { .. } => break,
                Step::Text(_) => {}
                Step::Eof => return Err(XmlError::Unclosed("yang-patch".into()).into()),
            }
        }
    }
    Ok(YangPatch {
        patch_id: patch_id.ok_or_else(|| invalid("no patch-id"))?,
        comment,
        edits,
    })
}

fn read_edit_xml(walker: &mut Walker<'_>) -> Result<RawEdit, BodyError> {
    let mut edit = RawEdit::default();
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                content,
                ..
            } => {
                let text = |walker: &mut Walker<'_>, element: &str| -> Result<String, BodyError> {
                    if empty {
                        Ok(String::new())
                    } else {
                        Ok(walker.text_content(element)?.trim().to_owned())
                    }
                };
                match name.local.as_str() {
                    "edit-id" => edit.edit_id = Some(text(walker, "edit-id")?),
                    "operation" => edit.operation = Some(text(walker, "operation")?),
                    "target" => edit.target = Some(text(walker, "target")?),
                    "point" => edit.point = Some(text(walker, "point")?),
                    "where" => edit.where_ = Some(text(walker, "where")?),
                    "value" => {
                        edit.xml_value = Some(super::raw_content(walker, "value", empty, content)?);
                    }
                    other if !empty => {
                        walker.skip_content(other, content)?;
                    }
                    _ => {}
                }
            }
            Step::Close { .. } => return Ok(edit),
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed("edit".into()).into()),
        }
    }
}

/// How an edit, or the patch as a whole, ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// `ok`.
    Ok,
    /// `errors`, with the list the server gave.
    Errors(Vec<RpcError>),
}

/// The status of one edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditStatus {
    pub edit_id: Option<String>,
    /// `None` when the server named the edit without saying how it went.
    pub outcome: Option<EditOutcome>,
}

/// A `yang-patch-status` (RFC 8072 §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatchStatus {
    pub patch_id: Option<String>,
    /// The global status: `ok`, or the errors that apply to the whole patch.
    pub global: Option<EditOutcome>,
    pub edits: Vec<EditStatus>,
}

impl PatchStatus {
    /// Reads a status in the given encoding.
    pub fn parse(body: &str, encoding: Encoding) -> Result<PatchStatus, BodyError> {
        match encoding {
            Encoding::Xml => parse_status_xml(body),
            Encoding::Json => parse_status_json(body),
        }
    }

    /// Writes the status in the given encoding.
    pub fn to_body(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Xml => {
                let mut out = format!("<yang-patch-status xmlns=\"{}\">", ns::YANG_PATCH);
                if let Some(id) = &self.patch_id {
                    out.push_str(&format!("<patch-id>{}</patch-id>", escape(id)));
                }
                outcome_xml(&mut out, self.global.as_ref());
                if !self.edits.is_empty() {
                    out.push_str("<edit-status>");
                    for edit in &self.edits {
                        out.push_str("<edit>");
                        if let Some(id) = &edit.edit_id {
                            out.push_str(&format!("<edit-id>{}</edit-id>", escape(id)));
                        }
                        outcome_xml(&mut out, edit.outcome.as_ref());
                        out.push_str("</edit>");
                    }
                    out.push_str("</edit-status>");
                }
                out.push_str("</yang-patch-status>");
                out
            }
            Encoding::Json => {
                let mut status = serde_json::Map::new();
                if let Some(id) = &self.patch_id {
                    status.insert("patch-id".into(), Value::String(id.clone()));
                }
                outcome_json(&mut status, self.global.as_ref());
                if !self.edits.is_empty() {
                    let edits = self
                        .edits
                        .iter()
                        .map(|edit| {
                            let mut fields = serde_json::Map::new();
                            if let Some(id) = &edit.edit_id {
                                fields.insert("edit-id".into(), Value::String(id.clone()));
                            }
                            outcome_json(&mut fields, edit.outcome.as_ref());
                            Value::Object(fields)
                        })
                        .collect();
                    let mut edit_status = serde_json::Map::new();
                    edit_status.insert("edit".into(), Value::Array(edits));
                    status.insert("edit-status".into(), Value::Object(edit_status));
                }
                let mut top = serde_json::Map::new();
                top.insert(JSON_STATUS_MEMBER.into(), Value::Object(status));
                Value::Object(top).to_string()
            }
        }
    }
}

fn outcome_xml(out: &mut String, outcome: Option<&EditOutcome>) {
    match outcome {
        Some(EditOutcome::Ok) => out.push_str("<ok/>"),
        Some(EditOutcome::Errors(errors)) => {
            out.push_str(&format!("<errors>{}</errors>", errors_xml(errors)))
        }
        None => {}
    }
}

fn outcome_json(into: &mut serde_json::Map<String, Value>, outcome: Option<&EditOutcome>) {
    match outcome {
        // RFC 7951 §6.9: an empty leaf is `[null]`.
        Some(EditOutcome::Ok) => {
            into.insert("ok".into(), Value::Array(vec![Value::Null]));
        }
        Some(EditOutcome::Errors(errors)) => {
            into.insert("errors".into(), errors_json(errors));
        }
        None => {}
    }
}

fn parse_status_xml(body: &str) -> Result<PatchStatus, BodyError> {
    let mut walker = Walker::new(body);
    let mut status = PatchStatus::default();
    if open_root(&mut walker, "yang-patch-status")? {
        return Ok(status);
    }
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                content,
                ..
            } => match name.local.as_str() {
                "patch-id" if !empty => status.patch_id = Some(walker.text_content("patch-id")?),
                "ok" => {
                    status.global = Some(EditOutcome::Ok);
                    if !empty {
                        walker.skip_content("ok", content)?;
                    }
                }
                "errors" => {
                    let mut errors = Vec::new();
                    if !empty {
                        read_error_list(&mut walker, "errors", &mut errors)?;
                    }
                    status.global = Some(EditOutcome::Errors(errors));
                }
                "edit-status" if !empty => read_edit_statuses_xml(&mut walker, &mut status.edits)?,
                other if !empty => {
                    walker.skip_content(other, content)?;
                }
                _ => {}
            },
            Step::Close { .. } => return Ok(status),
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed("yang-patch-status".into()).into()),
        }
    }
}

fn read_edit_statuses_xml(
    walker: &mut Walker<'_>,
    into: &mut Vec<EditStatus>,
) -> Result<(), BodyError> {
    let mut current: Option<EditStatus> = None;
    // Depth 0: inside edit-status; depth 1: inside one edit.
    loop {
        match walker.next()? {
            Step::Open {
                name,
                empty,
                content,
                ..
            } => match (current.as_mut(), name.local.as_str()) {
                (None, "edit") => {
                    let edit = EditStatus {
                        edit_id: None,
                        outcome: None,
                    };
                    if empty {
                        into.push(edit);
                    } else {
                        current = Some(edit);
                    }
                }
                (Some(edit), "edit-id") if !empty => {
                    edit.edit_id = Some(walker.text_content("edit-id")?.trim().to_owned())
                }
                (Some(edit), "ok") => {
                    edit.outcome = Some(EditOutcome::Ok);
                    if !empty {
                        walker.skip_content("ok", content)?;
                    }
                }
                (Some(edit), "errors") => {
                    let mut errors = Vec::new();
                    if !empty {
                        read_error_list(walker, "errors", &mut errors)?;
                    }
                    edit.outcome = Some(EditOutcome::Errors(errors));
                }
                (_, other) => {
                    if !empty {
                        walker.skip_content(other, content)?;
                    }
                }
            },
            Step::Close { .. } => match current.take() {
                Some(edit) => into.push(edit),
                None => return Ok(()),
            },
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed("edit-status".into()).into()),
        }
    }
}

fn outcome_from_json(
    fields: &serde_json::Map<String, Value>,
) -> Result<Option<EditOutcome>, BodyError> {
    if fields.contains_key("ok") {
        return Ok(Some(EditOutcome::Ok));
    }
    match fields.get("errors") {
        Some(errors) => Ok(Some(EditOutcome::Errors(errors_from_json(errors)?))),
        None => Ok(None),
    }
}

fn parse_status_json(body: &str) -> Result<PatchStatus, BodyError> {
    let document: Value = serde_json::from_str(body)?;
    let container = single_member(&document, JSON_STATUS_MEMBER)?;
    let not_object = |what: &str, value: &Value| BodyError::Invalid {
        element: "yang-patch-status",
        reason: format!("{what} is {}, not an object", json_kind(value)),
    };
    let fields = container
        .as_object()
        .ok_or_else(|| not_object("the status", container))?;
    let mut status = PatchStatus {
        patch_id: json_string(fields, "patch-id", "yang-patch-status")?,
        global: outcome_from_json(fields)?,
        edits: Vec::new(),
    };
    if let Some(edit_status) = fields.get("edit-status") {
        let edit_status = edit_status
            .as_object()
            .ok_or_else(|| not_object("edit-status", edit_status))?;
        let list = match edit_status.get("edit") {
            None => &Vec::new(),
            Some(Value::Array(list)) => list,
            Some(other) => return Err(not_object("edit-status/edit", other)),
        };
        for entry in list {
            let edit = entry
                .as_object()
                .ok_or_else(|| not_object("an edit status", entry))?;
            status.edits.push(EditStatus {
                edit_id: json_string(edit, "edit-id", "yang-patch-status")?,
                outcome: outcome_from_json(edit)?,
            });
        }
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(encoding: Encoding) -> YangPatch {
        let value = match encoding {
            Encoding::Xml => {
                "<song xmlns=\"http://example.com/ns/example-jukebox\"><name>Bridge</name></song>"
            }
            Encoding::Json => r#"{"example-jukebox:song":[{"name":"Bridge","location":"/x"}]}"#,
        };
        YangPatch {
            patch_id: "add-songs".into(),
            comment: Some("two & more".into()),
            edits: vec![
                PatchEdit {
                    edit_id: "edit1".into(),
                    operation: PatchOperation::Insert,
                    target: "/song=Bridge".into(),
                    point: Some("/song=Rope".into()),
                    where_: Some(Where::After),
                    value: Some(value.into()),
                },
                PatchEdit {
                    edit_id: "edit2".into(),
                    operation: PatchOperation::Remove,
                    target: "/song=Old%20One".into(),
                    point: None,
                    where_: None,
                    value: None,
                },
            ],
        }
    }

    #[test]
    fn documents_read_back_as_written_in_both_encodings() {
        for encoding in Encoding::ALL {
            let patch = sample(encoding);
            let document = patch.to_document(encoding);
            assert_eq!(
                YangPatch::parse(&document, encoding).expect("reads back"),
                patch,
                "{document}"
            );
        }
    }

    #[test]
    fn a_json_value_keeps_its_member_order() {
        let document = sample(Encoding::Json).to_document(Encoding::Json);
        let patch = YangPatch::parse(&document, Encoding::Json).expect("reads");
        assert_eq!(
            patch.edits[0].value.as_deref(),
            Some(r#"{"example-jukebox:song":[{"name":"Bridge","location":"/x"}]}"#)
        );
    }

    #[test]
    fn an_xml_value_carries_the_prefixes_declared_above_it() {
        let document = r#"<yang-patch xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-patch" xmlns:jb="http://example.com/ns/example-jukebox">
  <patch-id>p</patch-id>
  <edit><edit-id>e</edit-id><operation>merge</operation><target>/</target>
    <value><jb:player><jb:gap>0.5</jb:gap></jb:player></value></edit>
</yang-patch>"#;
        let patch = YangPatch::parse(document, Encoding::Xml).expect("reads");
        let value = patch.edits[0].value.clone().expect("value");
        let tree = crate::tree::Element::parse_fragment(&value).expect("the value parses alone");
        assert_eq!(
            tree[0].name.namespace,
            "http://example.com/ns/example-jukebox"
        );
    }

    #[test]
    fn a_patch_without_its_mandatory_fields_is_refused() {
        let cases = [
            r#"{"ietf-yang-patch:yang-patch":{"edit":[]}}"#,
            r#"{"ietf-yang-patch:yang-patch":{"patch-id":"p","edit":[{"operation":"merge","target":"/"}]}}"#,
            r#"{"ietf-yang-patch:yang-patch":{"patch-id":"p","edit":[{"edit-id":"e","operation":"frobnicate","target":"/"}]}}"#,
            r#"{"ietf-yang-patch:yang-patch":{"patch-id":"p","edit":[{"edit-id":"e","operation":"merge"}]}}"#,
            r#"{"yang-patch":{"patch-id":"p"}}"#,
        ];
        for case in cases {
            assert!(YangPatch::parse(case, Encoding::Json).is_err(), "{case}");
        }
        let no_id = r#"<yang-patch xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-patch"><edit><edit-id>e</edit-id><operation>delete</operation><target>/x</target></edit></yang-patch>"#;
        assert!(YangPatch::parse(no_id, Encoding::Xml).is_err());
    }

    #[test]
    fn statuses_read_back_in_both_encodings() {
        let status = PatchStatus {
            patch_id: Some("add-songs".into()),
            global: None,
            edits: vec![
                EditStatus {
                    edit_id: Some("edit1".into()),
                    outcome: Some(EditOutcome::Ok),
                },
                EditStatus {
                    edit_id: Some("edit2".into()),
                    outcome: Some(EditOutcome::Errors(vec![RpcError {
                        error_type: Some(crate::ErrorType::Application),
                        tag: Some("data-exists".into()),
                        path: Some("/example-jukebox:jukebox/library".into()),
                        ..RpcError::default()
                    }])),
                },
            ],
        };
        for encoding in Encoding::ALL {
            let body = status.to_body(encoding);
            assert_eq!(
                PatchStatus::parse(&body, encoding).expect("reads"),
                status,
                "{body}"
            );
        }
        let ok = PatchStatus {
            patch_id: Some("p".into()),
            global: Some(EditOutcome::Ok),
            edits: Vec::new(),
        };
        assert_eq!(
            ok.to_body(Encoding::Json),
            r#"{"ietf-yang-patch:yang-patch-status":{"ok":[null],"patch-id":"p"}}"#
        );
        for encoding in Encoding::ALL {
            assert_eq!(
                PatchStatus::parse(&ok.to_body(encoding), encoding).expect("ok"),
                ok
            );
        }
    }
}
