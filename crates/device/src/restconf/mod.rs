//! The RESTCONF front door of the reference device (RFC 8040): the same datastores, accounts,
//! access control and faults as its NETCONF, because each data request becomes the NETCONF
//! operation that does the same thing, run through [`crate::rpc::handle`] in a session of its
//! own (opened quietly, closed when the request ends).
//!
//! What is RESTCONF's own lives here: routing (host-meta, the API root, data resources),
//! Basic authentication, the api-path (resolved through the schema in the YANG crate), media
//! types and XML or JSON bodies (converted by libyang), status codes and the `errors` body,
//! entity-tags and Last-Modified with their preconditions.

mod select;
mod server;
mod stream;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{
    HeaderMap, HeaderValue, ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, ETAG, IF_MATCH,
    IF_NONE_MATCH, IF_UNMODIFIED_SINCE, LAST_MODIFIED, LOCATION, WWW_AUTHENTICATE,
};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use rfc3535_wire::restconf::media::preferred_encoding;
use rfc3535_wire::restconf::{Depth, Encoding, Errors, Fields, HostMeta, MediaType};
use rfc3535_wire::tree::Element;
use rfc3535_wire::{ns, ErrorTag, ErrorType, NmdaDatastore, WithDefaults};
use rfc3535_yang::{Content, Defaults, PathError, ResourcePath, StepKind};

use crate::rpc::{self, Reply, RpcError};
use crate::{Account, Shared};

pub(crate) use server::start;
pub use server::RestconfEndpoint;
pub(crate) use stream::{JSON_PATH as JSON_STREAM_PATH, PATH as STREAM_PATH};

/// Where the device's RESTCONF API lives.
pub(crate) const ROOT: &str = "/restconf";

/// The YANG library revision the API resource names (RFC 8525).
const YANG_LIBRARY_VERSION: &str = "2019-01-04";

type HttpResponse = http::Response<Full<Bytes>>;

/// A response that ends a request early (boxed: a response is large).
type Refusal = Box<HttpResponse>;

/// What a read's `depth` and `fields` ask for.
struct Selection {
    depth: Option<u16>,
    fields: Option<Fields>,
}

/// Characters a key value keeps percent-encoded in a Location (RFC 8040 §3.5.3.1).
const KEY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b',')
    .add(b'/')
    .add(b'=')
    .add(b'%')
    .add(b'?')
    .add(b'#')
    .add(b'"')
    .add(b'\'')
    .add(b'&');

/// Answers one HTTP request: an event stream with a body that goes on, anything else with
/// one whole body.
pub(crate) async fn respond(
    shared: &Arc<Shared>,
    accounts: &[Account],
    peer: IpAddr,
    request: http::Request<hyper::body::Incoming>,
) -> http::Response<http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>> {
    let stream_encoding = match request.uri().path().strip_prefix(ROOT) {
        Some(stream::PATH) => Some(Encoding::Xml),
        Some(stream::JSON_PATH) => Some(Encoding::Json),
        _ => None,
    };
    if let (&Method::GET, Some(encoding)) = (request.method(), stream_encoding) {
        let reply = Answer::new(shared, Encoding::Xml);
        let Some(user) = authenticate(shared, accounts, request.headers()) else {
            return unauthorized(&reply).map(BodyExt::boxed);
        };
        let query = parse_query(request.uri().query().unwrap_or_default(), &stream::QUERY);
        return match query.and_then(|query| stream::open(shared, &user, &query, encoding)) {
            Ok(response) => response,
            Err(message) => reply
                .error(
                    StatusCode::BAD_REQUEST,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    &message,
                )
                .map(BodyExt::boxed),
        };
    }
    answer(shared, accounts, peer, request)
        .await
        .map(BodyExt::boxed)
}

/// The operations RESTCONF offers (RFC 8040 §3.3.2): the data-model-specific ones of the
/// implemented modules, and `get-schema` (RFC 6022 §3.1) besides, a retrieval this device
/// serves over both protocols. NETCONF's other own operations are RESTCONF's methods.
fn offered_operations(shared: &Shared) -> Vec<rfc3535_yang::Operation> {
    shared
        .with_schema(|s| s.operations())
        .unwrap_or_default()
        .into_iter()
        .filter(|o| {
            !o.is_netconf_protocol() || (o.namespace == ns::MONITORING && o.name == "get-schema")
        })
        .collect()
}

/// The 401 that asks for Basic credentials.
fn unauthorized(reply: &Answer<'_>) -> HttpResponse {
    let mut response = reply.error(
        StatusCode::UNAUTHORIZED,
        ErrorType::Protocol,
        ErrorTag::AccessDenied,
        "authentication required (HTTP Basic, the device's accounts)",
    );
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"restconf\""),
    );
    response
}

/// Answers one HTTP request with a whole body.
async fn answer(
    shared: &Arc<Shared>,
    accounts: &[Account],
    peer: IpAddr,
    request: http::Request<hyper::body::Incoming>,
) -> HttpResponse {
    let (head, body) = request.into_parts();
    let accept = head.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let body_media = head
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(MediaType::parse);
    let encoding = preferred_encoding(accept)
        .or_else(|| body_media.as_ref().and_then(MediaType::encoding))
        .unwrap_or(Encoding::Xml);
    let reply = Answer::new(shared, encoding);
    let body = match Limited::new(body, shared.max_message_size).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return reply.error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorType::Transport,
                ErrorTag::TooBig,
                "the request body is too large or broke off",
            )
        }
    };
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return reply.error(
            StatusCode::BAD_REQUEST,
            ErrorType::Transport,
            ErrorTag::MalformedMessage,
            "the request body is not UTF-8",
        );
    };
    let path = head.uri.path();
    if path == "/.well-known/host-meta" {
        return host_meta(accept);
    }
    let Some(user) = authenticate(shared, accounts, &head.headers) else {
        return unauthorized(&reply);
    };
    // `{+restconf}/ds/<datastore>[/api-path]` (RFC 8527 §3.1): the NMDA datastore it names,
    // and the api-path within it.
    let nmda = path
        .strip_prefix(&format!("{ROOT}/ds/"))
        .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
        .map(|(segment, api_path)| {
            let segment = percent_decode_str(segment).decode_utf8_lossy();
            (
                rfc3535_wire::restconf::datastore::parse_nmda_segment(&segment),
                api_path,
            )
        });
    let known: Vec<&str> = DATA_QUERY
        .into_iter()
        .chain(nmda.is_some().then_some(WITH_ORIGIN))
        .collect();
    let query = match parse_query(head.uri.query().unwrap_or_default(), &known) {
        Ok(query) => query,
        Err(message) => {
            return reply.error(
                StatusCode::BAD_REQUEST,
                ErrorType::Protocol,
                ErrorTag::InvalidValue,
                &message,
            )
        }
    };
    let session = shared.open_quiet_session(&user, Some(peer.to_string()));
    let exchange = Exchange {
        shared,
        session,
        method: head.method.clone(),
        headers: &head.headers,
        query,
        body,
        body_media,
        reply,
        datastore: nmda.as_ref().and_then(|(datastore, _)| datastore.clone()),
    };
    let response = if path == ROOT || path == format!("{ROOT}/") {
        exchange.api_root()
    } else if path == format!("{ROOT}/operations") {
        exchange.operations()
    } else if let Some(segment) = path.strip_prefix(&format!("{ROOT}/operations/")) {
        exchange.invoke(segment)
    } else if path == format!("{ROOT}/yang-library-version") {
        exchange.library_version()
    } else if path == format!("{ROOT}/data") {
        exchange.data("")
    } else if let Some(api_path) = path.strip_prefix(&format!("{ROOT}/data/")) {
        exchange.data(api_path)
    } else if let Some((datastore, api_path)) = nmda {
        match datastore {
            Some(_) => exchange.data(api_path),
            None => exchange.reply.error(
                StatusCode::NOT_FOUND,
                ErrorType::Protocol,
                ErrorTag::InvalidValue,
                "no such datastore: {+restconf}/ds/ names an ietf-datastores identity (RFC 8527 §3.1)",
            ),
        }
    } else if let Some(file) = path.strip_prefix(&format!("{ROOT}/yang/")) {
        exchange.module(file)
    } else {
        exchange.reply.error(
            StatusCode::NOT_FOUND,
            ErrorType::Protocol,
            ErrorTag::InvalidValue,
            "no such resource",
        )
    };
    shared.close_session(session, crate::Ending::Closed);
    response
}

/// `/.well-known/host-meta` (RFC 8040 §3.1): XRD, or JRD when JSON is asked for.
fn host_meta(accept: Option<&str>) -> HttpResponse {
    let meta = HostMeta::for_root(ROOT);
    let json = accept.is_some_and(|a| a.contains("json"));
    let (media, body) = if json {
        ("application/json", meta.to_body(Encoding::Json))
    } else {
        ("application/xrd+xml", meta.to_body(Encoding::Xml))
    };
    response(StatusCode::OK, Some((media, body)))
}

/// The account of an `Authorization: Basic` header, when its password is right.
fn authenticate(shared: &Shared, accounts: &[Account], headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    accounts
        .iter()
        .any(|a| a.user == user && (shared.faults.any_password || a.password == password))
        .then(|| user.to_owned())
}

/// The query parameters RFC 8040 §4.8 defines that the data resources serve.
const DATA_QUERY: [&str; 6] = [
    "content",
    "with-defaults",
    "insert",
    "point",
    "depth",
    "fields",
];

/// The query parameter an NMDA datastore resource serves besides the data resources' (RFC
/// 8527 §3.2.2).
const WITH_ORIGIN: &str = "with-origin";

/// A query's parameters, percent-decoded. A parameter not `known`, and a parameter given
/// twice, is refused (400).
fn parse_query(query: &str, known: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |text: &str| {
            percent_decode_str(text)
                .decode_utf8()
                .map(|t| t.into_owned())
                .map_err(|_| format!("query parameter {name:?} is not UTF-8"))
        };
        let (name, value) = (decode(name)?, decode(value)?);
        if !known.contains(&name.as_str()) {
            return Err(format!(
                "query parameter {name:?} is not one this server supports"
            ));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(format!("query parameter {name:?} is given twice"));
        }
        out.push((name, value));
    }
    Ok(out)
}

fn response(status: StatusCode, body: Option<(&str, String)>) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    let body = match body {
        Some((media, text)) => {
            builder = builder.header(CONTENT_TYPE, media);
            Full::new(Bytes::from(text))
        }
        None => Full::new(Bytes::new()),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Full::new(Bytes::new())))
}

/// How responses are written for one request: in the encoding the client asked for, with the
/// device's faults applied.
#[derive(Clone, Copy)]
struct Answer<'a> {
    shared: &'a Shared,
    encoding: Encoding,
}

impl<'a> Answer<'a> {
    fn new(shared: &'a Shared, encoding: Encoding) -> Answer<'a> {
        Answer { shared, encoding }
    }

    /// The media type of a YANG data body (or, with the fault, a generic one).
    fn data_media(&self) -> &'static str {
        match (self.encoding, self.shared.faults.restconf_wrong_media_type) {
            (Encoding::Xml, false) => "application/yang-data+xml",
            (Encoding::Json, false) => "application/yang-data+json",
            (Encoding::Xml, true) => "application/xml",
            (Encoding::Json, true) => "application/json",
        }
    }

    fn data(&self, status: StatusCode, body: String) -> HttpResponse {
        response(status, Some((self.data_media(), body)))
    }

    fn error(
        &self,
        status: StatusCode,
        error_type: ErrorType,
        tag: ErrorTag,
        message: &str,
    ) -> HttpResponse {
        self.rpc_error(
            status,
            &RpcError {
                path: None,
                info: None,
                ..RpcError::new(error_type, tag, message)
            },
        )
    }

    fn rpc_error(&self, status: StatusCode, error: &RpcError) -> HttpResponse {
        if self.shared.faults.restconf_bare_errors {
            return response(status, None);
        }
        let errors = Errors {
            errors: vec![rfc3535_wire::RpcError {
                error_type: Some(error.error_type.clone()),
                tag: Some(error.tag.to_string()),
                path: error.path.clone(),
                message: Some(error.message.clone()),
                info: error.info.clone(),
                ..rfc3535_wire::RpcError::default()
            }],
        };
        self.data(status, errors.to_body(self.encoding))
    }

    /// A device error as RESTCONF answers it (RFC 8040 §7, the error-tag to status mapping).
    fn refused(&self, error: &RpcError) -> HttpResponse {
        self.rpc_error(status_of(error.tag), error)
    }
}

/// The status RFC 8040 §7 gives an error-tag.
fn status_of(tag: ErrorTag) -> StatusCode {
    match tag {
        ErrorTag::InUse
        | ErrorTag::LockDenied
        | ErrorTag::ResourceDenied
        | ErrorTag::DataExists
        | ErrorTag::DataMissing => StatusCode::CONFLICT,
        ErrorTag::TooBig => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorTag::AccessDenied => StatusCode::FORBIDDEN,
        ErrorTag::OperationNotSupported => StatusCode::NOT_IMPLEMENTED,
        ErrorTag::RollbackFailed | ErrorTag::OperationFailed | ErrorTag::PartialOperation => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        ErrorTag::InvalidValue
        | ErrorTag::MissingAttribute
        | ErrorTag::BadAttribute
        | ErrorTag::UnknownAttribute
        | ErrorTag::MissingElement
        | ErrorTag::BadElement
        | ErrorTag::UnknownElement
        | ErrorTag::UnknownNamespace
        | ErrorTag::MalformedMessage => StatusCode::BAD_REQUEST,
    }
}

/// One authenticated request and its session.
struct Exchange<'a> {
    shared: &'a Arc<Shared>,
    session: u32,
    method: Method,
    headers: &'a HeaderMap,
    query: Vec<(String, String)>,
    body: String,
    body_media: Option<MediaType>,
    reply: Answer<'a>,
    /// The NMDA datastore an `{+restconf}/ds` resource names (RFC 8527); `None` for
    /// `{+restconf}/data`, the conventional datastores seen as one.
    datastore: Option<NmdaDatastore>,
}

/// Why an entry cannot be placed where a request says.
enum Placement {
    /// The request is wrong (a server answers 400).
    Refused(String),
    /// The device could not tell (its schema).
    Failed(RpcError),
}

/// What a write of a data resource does to the element the URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Create,
    Replace,
    Merge,
    Delete,
    Remove,
}

impl Write {
    fn operation(self) -> &'static str {
        match self {
            Write::Create => "create",
            Write::Replace => "replace",
            Write::Merge => "merge",
            Write::Delete => "delete",
            Write::Remove => "remove",
        }
    }
}

impl Exchange<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn bad_request(&self, message: &str) -> HttpResponse {
        self.reply.error(
            StatusCode::BAD_REQUEST,
            ErrorType::Protocol,
            ErrorTag::InvalidValue,
            message,
        )
    }

    fn not_allowed(&self, allowed: &'static str) -> HttpResponse {
        let mut response = self.reply.error(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorType::Protocol,
            ErrorTag::OperationNotSupported,
            &format!("{} is not allowed on this resource", self.method),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allowed));
        response
    }

    /// `{+restconf}` (RFC 8040 §3.3).
    fn api_root(&self) -> HttpResponse {
        if !matches!(self.method, Method::GET | Method::HEAD) {
            return self.not_allowed("GET, HEAD, OPTIONS");
        }
        let body =
            rfc3535_wire::restconf::api::body(self.library_version_named(), self.reply.encoding);
        self.headed(self.reply.data(StatusCode::OK, body))
    }

    /// `{+restconf}/operations` (RFC 8040 §3.3.2): the data-model-specific operations of the
    /// implemented modules (NETCONF's own protocol operations are RESTCONF's methods).
    fn operations(&self) -> HttpResponse {
        if !matches!(self.method, Method::GET | Method::HEAD) {
            return self.not_allowed("GET, HEAD, OPTIONS");
        }
        let listed = if self.shared.faults.restconf_operations_unlisted {
            Vec::new()
        } else {
            offered_operations(self.shared)
        };
        let triples: Vec<(&str, &str, &str)> = listed
            .iter()
            .map(|o| (o.module.as_str(), o.namespace.as_str(), o.name.as_str()))
            .collect();
        let body = rfc3535_wire::restconf::operations::body(&triples, self.reply.encoding);
        self.headed(self.reply.data(StatusCode::OK, body))
    }

    /// `{+restconf}/operations/<module>:<name>` (RFC 8040 §3.6, §4.4.2): the input becomes
    /// the operation's node, run as the NETCONF operation it is; the output comes back in
    /// RESTCONF's `output` envelope, or 204 when the operation has none.
    fn invoke(&self, segment: &str) -> HttpResponse {
        use rfc3535_wire::restconf::invoke;
        let segment = percent_decode_str(segment).decode_utf8_lossy();
        let not_found = |what: &str| {
            self.reply.error(
                StatusCode::NOT_FOUND,
                ErrorType::Protocol,
                ErrorTag::InvalidValue,
                what,
            )
        };
        let Some((module, name)) = invoke::parse_segment(&segment) else {
            return not_found("an operation is named module:name (RFC 8040 §3.6)");
        };
        let known = offered_operations(self.shared)
            .into_iter()
            .find(|o| o.module == module && o.name == name);
        let Some(operation) = known else {
            return not_found(&format!(
                "{module}:{name} is no operation of this device's modules"
            ));
        };
        if self.method != Method::POST {
            return self.not_allowed("OPTIONS, POST");
        }
        let path = format!("/{module}:{name}");
        self.run_operation(&operation, &path)
    }

    /// A POST on an action's resource (RFC 8040 §3.6, §4.4.2; RFC 7950 §7.15): run as the
    /// NETCONF `<action>` it is. Among the NMDA datastore resources only operational takes
    /// actions (RFC 8527 §3.1).
    fn invoke_action(&self, path: &ResourcePath) -> HttpResponse {
        let steps = &path.steps;
        let Some((target, parents)) = steps.split_last() else {
            return self.bad_request("harness bug: an action without a path");
        };
        let known = self.shared.with_schema(|s| s.actions()).map(|actions| {
            actions.into_iter().find(|a| {
                a.namespace == target.namespace
                    && a.name == target.name
                    && a.parent.len() == parents.len()
                    && a.parent
                        .iter()
                        .zip(parents)
                        .all(|(p, s)| p.namespace == s.namespace && p.name == s.name)
            })
        });
        let operation = match known {
            Err(error) => return self.reply.refused(&error),
            Ok(None) => {
                return self.reply.error(
                    StatusCode::NOT_FOUND,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    "no action of this device's modules is there",
                )
            }
            Ok(Some(operation)) => operation,
        };
        if self
            .datastore
            .as_ref()
            .is_some_and(|d| *d != NmdaDatastore::Operational)
            && !self.shared.faults.restconf_action_in_any_datastore
        {
            let mut refusal = self.reply.error(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorType::Protocol,
                ErrorTag::OperationNotSupported,
                "actions are invoked through {+restconf}/ds/ietf-datastores:operational, or {+restconf}/data (RFC 8527 §3.1)",
            );
            refusal
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
            return refusal;
        }
        self.run_operation(&operation, &path.data_path())
    }

    /// Runs an rpc or action whose node `path` names, with the request's body as its input.
    fn run_operation(&self, operation: &rfc3535_yang::Operation, path: &str) -> HttpResponse {
        use rfc3535_wire::restconf::invoke;
        use rfc3535_yang::OperationPart;
        let (module, name) = (operation.module.as_str(), operation.name.as_str());
        if self.shared.faults.restconf_operations_uninvocable {
            return self.reply.error(
                StatusCode::NOT_IMPLEMENTED,
                ErrorType::Protocol,
                ErrorTag::OperationNotSupported,
                "invoking operations over RESTCONF is not supported by this device",
            );
        }
        let encoding = match &self.body_media {
            _ if self.body.trim().is_empty() => Encoding::Xml,
            Some(media) if media.is_yang_data() => media.encoding().unwrap_or(Encoding::Xml),
            Some(other) => {
                return self.reply.error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    &format!("{other} is not a YANG data media type"),
                )
            }
            None => {
                return self
                    .bad_request("the request has a body without a Content-Type (RFC 8040 §5.2)")
            }
        };
        let request = match self.shared.with_schema(|s| {
            s.operation_part(
                path,
                OperationPart::Input,
                &self.body,
                encoding,
                Encoding::Xml,
            )
        }) {
            Err(error) => return self.reply.refused(&error),
            Ok(Err(finding)) => {
                return self.bad_request(&format!("the input of {module}:{name}: {finding}"))
            }
            Ok(Ok(request)) => request,
        };
        // libyang parses an operation's input without the validation that finds a missing
        // mandatory node (yang5 offers no lyd_validate_op), so the top level is checked here.
        let given = Element::parse(&request)
            .ok()
            .and_then(|top| operation_node(top, &operation.namespace, name))
            .map(|e| e.children)
            .unwrap_or_default();
        if let Some(missing) = operation
            .mandatory_input
            .iter()
            .find(|m| !given.iter().any(|g| g.name.local == **m))
        {
            return self.reply.rpc_error(
                StatusCode::BAD_REQUEST,
                &RpcError {
                    info: Some(format!("<bad-element>{missing}</bad-element>")),
                    ..RpcError::protocol(
                        ErrorTag::MissingElement,
                        format!(
                            "the input of {module}:{name} lacks {missing}, which it must hold (RFC 7950 {})",
                            if operation.is_action() { "§7.15.1" } else { "§7.14.2" }
                        ),
                    )
                },
            );
        }
        let request = if operation.is_action() {
            format!("<action xmlns=\"{}\">{request}</action>", ns::YANG)
        } else {
            request
        };
        let children = match self.rpc(&request) {
            Err(error) => return self.reply.refused(&error),
            Ok(Reply::Raw(children) | Reply::Data(children)) if !children.trim().is_empty() => {
                children
            }
            // RFC 8650's binding (the subscription read as server-sent events) is not built
            // yet: a request the device would accept is refused as unsupported, not
            // acknowledged.
            Ok(Reply::Establish) => {
                return self.reply.rpc_error(
                    StatusCode::NOT_IMPLEMENTED,
                    &RpcError::protocol(
                        ErrorTag::OperationNotSupported,
                        "this device establishes subscriptions over NETCONF only",
                    ),
                )
            }
            Ok(_) => return response(StatusCode::NO_CONTENT, None),
        };
        let output = format!(
            "<output xmlns=\"{}\">{children}</output>",
            rfc3535_wire::xml::escape(&operation.namespace)
        );
        let printed = self.shared.with_schema(|s| {
            s.operation_part(
                path,
                OperationPart::Output,
                &output,
                Encoding::Xml,
                self.reply.encoding,
            )
        });
        let node = match printed {
            Err(error) => return self.reply.refused(&error),
            Ok(Err(finding)) => {
                return self.reply.refused(&RpcError::new(
                    ErrorType::Application,
                    ErrorTag::OperationFailed,
                    format!("the device's own output of {module}:{name} does not print: {finding}"),
                ))
            }
            Ok(Ok(node)) => node,
        };
        match invoke::reroot(
            &node,
            self.reply.encoding,
            module,
            &operation.namespace,
            name,
            "output",
        ) {
            Ok(body) => self.reply.data(StatusCode::OK, body),
            Err(e) => self.reply.refused(&RpcError::new(
                ErrorType::Application,
                ErrorTag::OperationFailed,
                format!(
                    "harness bug: the printed output of {module}:{name} is no {name} node: {e}"
                ),
            )),
        }
    }

    /// The YANG library revision the API resource names: the one implemented, or with the
    /// fault RFC 7895's.
    fn library_version_named(&self) -> &'static str {
        if self.shared.faults.restconf_stale_library_version {
            "2016-06-21"
        } else {
            YANG_LIBRARY_VERSION
        }
    }

    /// `{+restconf}/yang-library-version` (RFC 8040 §3.3.3).
    fn library_version(&self) -> HttpResponse {
        if !matches!(self.method, Method::GET | Method::HEAD) {
            return self.not_allowed("GET, HEAD, OPTIONS");
        }
        let body = rfc3535_wire::restconf::api::version_body(
            self.library_version_named(),
            self.reply.encoding,
        );
        self.headed(self.reply.data(StatusCode::OK, body))
    }

    /// A module's text (RFC 8040 §3.7): what the YANG library's `location` points at.
    fn module(&self, file: &str) -> HttpResponse {
        if !matches!(self.method, Method::GET | Method::HEAD) {
            return self.not_allowed("GET, HEAD");
        }
        let file = percent_decode_str(file).decode_utf8_lossy();
        let (name, revision) = match file.split_once('@') {
            Some((name, revision)) => (name, Some(revision)),
            None => (file.as_ref(), None),
        };
        match rpc::served_module_text(self.shared, name, revision) {
            Ok(text) => self.headed(response(StatusCode::OK, Some(("application/yang", text)))),
            Err(error) => self.reply.rpc_error(StatusCode::NOT_FOUND, &error),
        }
    }

    /// A response for HEAD has the headers of GET and no body.
    fn headed(&self, mut response: HttpResponse) -> HttpResponse {
        if self.method == Method::HEAD {
            *response.body_mut() = Full::new(Bytes::new());
        }
        response
    }

    /// `{+restconf}/data[/api-path]`.
    fn data(&self, api_path: &str) -> HttpResponse {
        let resolved = match self.shared.with_schema(|s| s.resource_path(api_path)) {
            Err(error) => return self.reply.refused(&error),
            Ok(Err(PathError::Unknown { message, .. })) => {
                return self.reply.error(
                    StatusCode::NOT_FOUND,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    &message,
                )
            }
            Ok(Err(PathError::Malformed { message, .. })) => return self.bad_request(&message),
            Ok(Ok(path)) => path,
        };
        const ALLOWED: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
        if resolved
            .target()
            .is_some_and(|t| t.kind == StepKind::Action)
        {
            return match self.method {
                Method::POST => self.invoke_action(&resolved),
                _ => self.not_allowed("OPTIONS, POST"),
            };
        }
        match self.method {
            Method::GET | Method::HEAD => self.read(&resolved),
            Method::OPTIONS if self.datastore.as_ref().is_some_and(|d| !d.is_writable()) => {
                let mut response = response(StatusCode::OK, None);
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
                response
            }
            Method::OPTIONS => {
                let mut response = response(StatusCode::OK, None);
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(ALLOWED));
                response.headers_mut().insert(
                    "accept-patch",
                    HeaderValue::from_static(
                        "application/yang-data+xml, application/yang-data+json, application/yang-patch+xml, application/yang-patch+json",
                    ),
                );
                response
            }
            Method::PUT | Method::POST | Method::PATCH | Method::DELETE
                if self.datastore.as_ref().is_some_and(|d| !d.is_writable())
                    && !self.shared.faults.restconf_operational_writable =>
            {
                // RFC 8342 §5.1.4, §5.3: intended and operational are read-only.
                self.not_allowed("GET, HEAD, OPTIONS")
            }
            Method::PUT | Method::POST | Method::PATCH | Method::DELETE => {
                if let Some(refusal) = self.precondition_failed() {
                    return refusal;
                }
                match self.method {
                    Method::PUT => self.put(&resolved),
                    Method::POST => self.post(api_path, &resolved),
                    Method::PATCH
                        if matches!(
                            self.body_media,
                            Some(MediaType::YangPatchXml | MediaType::YangPatchJson)
                        ) =>
                    {
                        self.yang_patch(api_path, &resolved)
                    }
                    // The fault: a resource's PATCH done as its PUT (the datastore's PATCH,
                    // which the harness merges through, stays a merge).
                    Method::PATCH
                        if self.shared.faults.restconf_patch_replaces
                            && !resolved.is_datastore() =>
                    {
                        self.put(&resolved)
                    }
                    Method::PATCH => self.patch(&resolved),
                    _ => self.delete(&resolved),
                }
            }
            _ => self.not_allowed(ALLOWED),
        }
    }

    /// The datastore's entity-tag: it moves with every change of running.
    fn etag(&self) -> String {
        if self.shared.faults.restconf_volatile_validators {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            return format!("\"rfc3535-{}\"", now.as_nanos());
        }
        let changes = if self.shared.faults.restconf_static_etag {
            0
        } else {
            self.shared
                .running_changes
                .load(std::sync::atomic::Ordering::SeqCst)
        };
        format!("\"rfc3535-{changes}\"")
    }

    fn last_modified(&self) -> SystemTime {
        if self.shared.faults.restconf_volatile_validators {
            return SystemTime::now();
        }
        self.shared
            .running_changed_at
            .lock()
            .map(|t| *t)
            .unwrap_or(self.shared.started)
    }

    /// `If-Match` and `If-Unmodified-Since` on a write (RFC 8040 §3.4.1, RFC 9110 §13): a
    /// precondition that does not hold is 412.
    fn precondition_failed(&self) -> Option<HttpResponse> {
        let failed = |what: &str| {
            Some(self.reply.error(
                StatusCode::PRECONDITION_FAILED,
                ErrorType::Protocol,
                ErrorTag::OperationFailed,
                &format!("precondition failed: {what}"),
            ))
        };
        if let Some(expected) = self.headers.get(IF_MATCH).and_then(|v| v.to_str().ok()) {
            let current = self.etag();
            let matches = expected
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == current);
            if !matches {
                return failed(&format!("If-Match {expected}, the entity-tag is {current}"));
            }
        }
        if let Some(since) = self
            .headers
            .get(IF_UNMODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
        {
            // HTTP dates have whole seconds.
            let modified =
                httpdate::parse_http_date(&httpdate::fmt_http_date(self.last_modified()))
                    .unwrap_or(self.shared.started);
            if modified > since {
                return failed("the datastore changed after If-Unmodified-Since");
            }
        }
        None
    }

    /// Runs one NETCONF operation in this request's session.
    fn rpc(&self, operation: &str) -> Result<Reply, RpcError> {
        let element = Element::parse(operation).map_err(|e| {
            RpcError::new(
                ErrorType::Application,
                ErrorTag::OperationFailed,
                format!("harness bug: an operation the front door built does not parse: {e}"),
            )
        })?;
        rpc::handle(self.shared, self.session, &element, operation)
    }

    /// Reads the data that holds the resource (the whole datastore), as XML.
    fn read_whole(&self, content: &str) -> Result<String, Refusal> {
        let with_defaults = match self.query("with-defaults") {
            None => String::new(),
            Some(mode) => match WithDefaults::parse(mode) {
                Some(mode) => format!(
                    "<with-defaults xmlns=\"{}\">{}</with-defaults>",
                    ns::WITH_DEFAULTS,
                    mode.as_str()
                ),
                None => {
                    return Err(Box::new(
                        self.bad_request(&format!("with-defaults {mode:?} is not a mode")),
                    ))
                }
            },
        };
        if let Some(datastore) = &self.datastore {
            return self.read_datastore(datastore, content);
        }
        if content == "nonconfig" && !self.shared.faults.restconf_nonconfig_ignored {
            // State only (RFC 8040 §4.8.1): the operational datastore without its
            // configuration, as RFC 8526's config filter gives it.
            return self.read_datastore(&NmdaDatastore::Operational, content);
        }
        // No filter: the resource is cut out of the whole read through the schema, which keeps
        // the namespace prefixes identity values need.
        let operation = match content {
            "config" => format!(
                "<get-config xmlns=\"{}\"><source><running/></source>{with_defaults}</get-config>",
                ns::BASE
            ),
            _ => format!("<get xmlns=\"{}\">{with_defaults}</get>", ns::BASE),
        };
        match self.rpc(&operation) {
            Ok(Reply::Data(xml)) => Ok(xml),
            Ok(_) => Ok(String::new()),
            Err(error) => Err(Box::new(self.reply.refused(&error))),
        }
    }

    /// Reads a whole NMDA datastore with `<get-data>` (RFC 8527 §3.1 on RFC 8526 §3.1.1):
    /// `content` of operational is its config filter (a conventional datastore's state is
    /// nothing), `with-origin` and `with-defaults` are the operation's own. The data, as XML.
    fn read_datastore(&self, datastore: &NmdaDatastore, content: &str) -> Result<String, Refusal> {
        let with_defaults = match self.query("with-defaults") {
            None => None,
            Some(_) if *datastore == NmdaDatastore::Operational => {
                return Err(Box::new(self.bad_request(
                    "with-defaults does not apply to the operational datastore: this device lists no with-operational-defaults capability (RFC 8527 §3.2.1)",
                )))
            }
            Some(mode) => Some(WithDefaults::parse(mode).ok_or_else(|| {
                Box::new(self.bad_request(&format!("with-defaults {mode:?} is not a mode")))
            })?),
        };
        let config_filter = match (content, datastore) {
            ("config", NmdaDatastore::Operational) => Some(true),
            ("nonconfig", NmdaDatastore::Operational) => Some(false),
            // A conventional datastore holds no state.
            ("nonconfig", _) => return Ok(String::new()),
            _ => None,
        };
        let get = rfc3535_wire::GetData {
            config_filter,
            with_origin: self.query(WITH_ORIGIN).is_some(),
            with_defaults,
            ..rfc3535_wire::GetData::new(datastore.clone())
        };
        let mut operation = String::new();
        rfc3535_wire::Operation::GetData(get).write_xml(&mut operation);
        let data = match self.rpc(&operation) {
            Ok(Reply::Raw(xml)) => xml,
            Ok(_) => return Ok(String::new()),
            Err(error) => return Err(Box::new(self.reply.refused(&error))),
        };
        // The reply's `<data>` element of ietf-netconf-nmda, unwrapped as text: the device
        // wrote it, and a re-parse would lose the prefix declarations origin values use.
        data.split_once('>')
            .and_then(|(_, inner)| inner.strip_suffix("</data>"))
            .map(str::to_owned)
            .or_else(|| data.ends_with("/>").then(String::new))
            .ok_or_else(|| {
                Box::new(self.reply.refused(&RpcError::new(
                    ErrorType::Application,
                    ErrorTag::OperationFailed,
                    "harness bug: the device's own get-data reply is no <data> element",
                )))
            })
    }

    /// GET and HEAD of a data resource (RFC 8040 §4.3).
    fn read(&self, path: &ResourcePath) -> HttpResponse {
        let content = self.query("content").unwrap_or("all");
        if !["config", "nonconfig", "all"].contains(&content) {
            return self.bad_request(&format!(
                "content {content:?} is not config, nonconfig or all"
            ));
        }
        if self.shared.faults.restconf_datastore_unreadable && path.is_datastore() {
            return self.reply.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorType::Application,
                ErrorTag::OperationFailed,
                "the datastore could not be printed",
            );
        }
        let etag = self.etag();
        if self
            .headers
            .get(IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
        {
            let mut response = response(StatusCode::NOT_MODIFIED, None);
            self.validators(&mut response);
            return response;
        }
        let whole = match self.read_whole(content) {
            Ok(whole) => whole,
            Err(refusal) => return *refusal,
        };
        let encoding = self.reply.encoding;
        // The device's own data is printed as it stands (a fault that puts state into a
        // configuration read shows it rather than failing the print).
        let content_kind = Content::Data;
        let selection = match self.selection() {
            Ok(selection) => selection,
            Err(refusal) => return *refusal,
        };
        // report-all-tagged: the tags the read carries are printed again (RFC 8040 §4.8.9).
        let defaults = if self.query("with-defaults") == Some("report-all-tagged") {
            Defaults::AllTagged
        } else {
            Defaults::AsParsed
        };
        let body = self.shared.with_schema(|schema| {
            if let Some(selection) = &selection {
                return self.selected(schema, &whole, content_kind, path, selection);
            }
            if path.is_datastore() {
                schema
                    .convert_with(&whole, Encoding::Xml, encoding, content_kind, defaults)
                    .map(|data| Some(rfc3535_wire::restconf::datastore::wrap(&data, encoding)))
            } else {
                schema.resource_with(
                    &whole,
                    Encoding::Xml,
                    content_kind,
                    path,
                    encoding,
                    defaults,
                )
            }
        });
        let mut response = match body {
            Err(error) => return self.reply.refused(&error),
            Ok(Err(finding)) => {
                return self.reply.refused(&RpcError::new(
                    ErrorType::Application,
                    ErrorTag::OperationFailed,
                    format!("the device's own data does not print: {finding}"),
                ))
            }
            Ok(Ok(None)) => {
                return self.reply.error(
                    StatusCode::NOT_FOUND,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    "the resource does not exist",
                )
            }
            Ok(Ok(Some(body))) => self.reply.data(StatusCode::OK, body),
        };
        self.validators(&mut response);
        self.headed(response)
    }

    /// The `depth` and `fields` of a read (RFC 8040 §4.8.2, §4.8.3); `None` when neither is
    /// given (or `depth` is unbounded), or with the fault that ignores them.
    fn selection(&self) -> Result<Option<Selection>, Refusal> {
        let depth = match self.query("depth").map(Depth::parse) {
            None | Some(Some(Depth::Unbounded)) => None,
            Some(Some(Depth::Levels(levels))) => Some(levels),
            Some(None) => {
                return Err(Box::new(self.bad_request(
                    "depth is \"unbounded\" or a number from 1 to 65535 (RFC 8040 §4.8.2)",
                )))
            }
        };
        let fields = match self.query("fields").map(Fields::parse) {
            None => None,
            Some(Ok(fields)) => Some(fields),
            Some(Err(error)) => {
                return Err(Box::new(
                    self.bad_request(&format!("{error} (RFC 8040 §4.8.3)")),
                ))
            }
        };
        if self.shared.faults.restconf_query_ignored || (depth.is_none() && fields.is_none()) {
            return Ok(None);
        }
        Ok(Some(Selection { depth, fields }))
    }

    /// The resource `path` names in `whole`, cut by `depth` and `fields`, in the encoding of
    /// the answer (`None`: no such resource).
    fn selected(
        &self,
        schema: &rfc3535_yang::Schema,
        whole: &str,
        content_kind: Content,
        path: &ResourcePath,
        selection: &Selection,
    ) -> Result<Option<String>, rfc3535_yang::Finding> {
        let encoding = self.reply.encoding;
        let resource = if path.is_datastore() {
            schema.convert(whole, Encoding::Xml, Encoding::Xml, content_kind)?
        } else {
            match schema.resource(whole, Encoding::Xml, content_kind, path, Encoding::Xml)? {
                Some(resource) => resource,
                None => return Ok(None),
            }
        };
        let mut elements =
            Element::parse_fragment(&resource).map_err(|e| rfc3535_yang::Finding {
                message: format!("the device's own data does not parse: {e}"),
                path: None,
                app_tag: None,
            })?;
        let roots = &self.shared.shape.roots;
        let target = shape_at(roots, &path.steps);
        let level_one = target.map_or(roots.as_slice(), std::slice::from_ref);
        match &selection.fields {
            Some(fields) if path.is_datastore() => {
                select::select_fields(&mut elements, roots, None, fields, selection.depth);
            }
            Some(fields) => {
                let children = target.map(|t| t.children.as_slice()).unwrap_or_default();
                for element in &mut elements {
                    select::select_fields(
                        &mut element.children,
                        children,
                        target,
                        fields,
                        selection.depth,
                    );
                }
            }
            None => {
                if let Some(levels) = selection.depth {
                    select::limit_depth(&mut elements, level_one, 1, levels);
                }
            }
        }
        let cut = rfc3535_wire::tree::fragment_xml(&elements);
        if path.is_datastore() {
            return schema
                .convert_cut(&cut, Encoding::Xml, encoding, content_kind)
                .map(|data| Some(rfc3535_wire::restconf::datastore::wrap(&data, encoding)));
        }
        let placed = schema.place(&cut, Encoding::Xml, path, path.steps.len() - 1);
        schema.resource(&placed, Encoding::Xml, content_kind, path, encoding)
    }

    /// The answer to a write that took effect: the status, and the datastore's new
    /// validators.
    fn written(&self, status: StatusCode) -> HttpResponse {
        let mut response = response(status, None);
        self.validators(&mut response);
        response
    }

    /// The body of a PUT or PATCH of a resource, as configuration with the operation on the
    /// resource's own element; a body that is not the resource the URI names is refused.
    fn resource_body(
        &self,
        path: &ResourcePath,
        write: Write,
        section: &str,
    ) -> Result<Vec<Element>, Refusal> {
        let mut config = self.body_as_config(path, path.steps.len() - 1)?;
        if !mark(&mut config, path, path.steps.len(), write) {
            return Err(Box::new(self.bad_request(&format!(
                "the body is not the resource the URI names, or its keys differ (RFC 8040 {section})"
            ))));
        }
        Ok(config)
    }

    fn validators(&self, response: &mut HttpResponse) {
        if let Ok(value) = HeaderValue::from_str(&self.etag()) {
            response.headers_mut().insert(ETAG, value);
        }
        if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(self.last_modified())) {
            response.headers_mut().insert(LAST_MODIFIED, value);
        }
    }

    /// Whether the resource exists in running now.
    fn exists(&self, path: &ResourcePath) -> Result<bool, Refusal> {
        if path.is_datastore() {
            return Ok(true);
        }
        let whole = self.read_whole("config")?;
        self.shared
            .with_schema(|s| s.resource(&whole, Encoding::Xml, Content::Data, path, Encoding::Xml))
            .map_err(|e| Box::new(self.reply.refused(&e)))?
            .map(|r| r.is_some())
            .map_err(|f| Box::new(self.reply.refused(&RpcError::from(f))))
    }

    /// The request body as whole configuration (XML top-level elements): the body placed in
    /// the ancestors of the first `depth` steps and converted through the schema.
    fn body_as_config(&self, path: &ResourcePath, depth: usize) -> Result<Vec<Element>, Refusal> {
        let encoding = match &self.body_media {
            Some(media) if media.is_yang_data() => media.encoding().unwrap_or(Encoding::Xml),
            Some(other) => {
                return Err(Box::new(self.reply.error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    &format!("{other} is not a YANG data media type"),
                )))
            }
            None => {
                return Err(Box::new(self.bad_request(
                    "the request has a body without a Content-Type (RFC 8040 §5.2)",
                )))
            }
        };
        let body = if path.is_datastore() && self.method != Method::POST {
            // PUT or PATCH of the datastore resource: its nodes inside ietf-restconf:data.
            rfc3535_wire::restconf::datastore::unwrap(&self.body, encoding).map_err(|e| {
                Box::new(self.bad_request(&format!(
                    "the body of the datastore resource is not ietf-restconf:data: {e}"
                )))
            })?
        } else {
            self.body.clone()
        };
        let xml = self
            .shared
            .with_schema(|s| {
                let placed = s.place(&body, encoding, path, depth);
                s.convert(&placed, encoding, Encoding::Xml, Content::PartialConfig)
            })
            .map_err(|e| Box::new(self.reply.refused(&e)))?
            .map_err(|f| Box::new(self.reply.refused(&RpcError::from(f))))?;
        Element::parse_fragment(&xml)
            .map_err(|e| Box::new(self.bad_request(&format!("the body: {e}"))))
    }

    /// Applies an edit of running (through the candidate and a commit on a device without
    /// `:writable-running`).
    fn edit(&self, config: &[Element]) -> Result<(), RpcError> {
        self.edit_with(config, "merge")
    }

    /// An edit with this default operation (`replace` replaces the whole datastore).
    fn edit_with(&self, config: &[Element], default_operation: &str) -> Result<(), RpcError> {
        if let Some(datastore) = &self.datastore {
            return self.edit_datastore(datastore, config, default_operation);
        }
        let writable_running = self
            .shared
            .capabilities()
            .iter()
            .any(|c| c.starts_with("urn:ietf:params:netconf:capability:writable-running:"));
        let target = if writable_running {
            "running"
        } else {
            "candidate"
        };
        let config: String = config.iter().map(Element::to_xml).collect();
        let edit = format!(
            "<edit-config xmlns=\"{}\"><target><{target}/></target><default-operation>{default_operation}</default-operation><config>{config}</config></edit-config>",
            ns::BASE
        );
        self.rpc(&edit)?;
        if !writable_running {
            if let Err(error) = self.rpc(&format!("<commit xmlns=\"{}\"/>", ns::BASE)) {
                let _ = self.rpc(&format!("<discard-changes xmlns=\"{}\"/>", ns::BASE));
                return Err(error);
            }
        }
        Ok(())
    }

    /// An edit of an NMDA datastore with `<edit-data>` (RFC 8527 §3.1 on RFC 8526 §3.1.2).
    /// Only a writable datastore gets here: the others are refused as they are routed.
    fn edit_datastore(
        &self,
        datastore: &NmdaDatastore,
        config: &[Element],
        default_operation: &str,
    ) -> Result<(), RpcError> {
        // The fault: a write of the operational datastore lands in running.
        let datastore = if self.shared.faults.restconf_operational_writable
            && *datastore == NmdaDatastore::Operational
        {
            NmdaDatastore::Running
        } else {
            datastore.clone()
        };
        let default_operation = match default_operation {
            "replace" => rfc3535_wire::DefaultOperation::Replace,
            _ => rfc3535_wire::DefaultOperation::Merge,
        };
        let edit = rfc3535_wire::EditData {
            datastore,
            default_operation: Some(default_operation),
            config: config.iter().map(Element::to_xml).collect(),
        };
        let mut operation = String::new();
        rfc3535_wire::Operation::EditData(edit).write_xml(&mut operation);
        self.rpc(&operation).map(|_| ())
    }

    /// PUT (RFC 8040 §4.5): create or replace the resource; 201 when it was created.
    fn put(&self, path: &ResourcePath) -> HttpResponse {
        if path.is_datastore() {
            // The whole datastore replaced by the body (RFC 8040 §4.5).
            let config = match self.body_as_config(path, 0) {
                Ok(config) => config,
                Err(refusal) => return *refusal,
            };
            return match self.edit_with(&config, "replace") {
                Err(error) => self.reply.refused(&error),
                Ok(()) => self.written(StatusCode::NO_CONTENT),
            };
        }
        let existed = match self.exists(path) {
            Ok(existed) => existed,
            Err(refusal) => return *refusal,
        };
        let config = match self.resource_body(path, Write::Replace, "§4.5") {
            Ok(config) => config,
            Err(refusal) => return *refusal,
        };
        if count_children(&config, path, path.steps.len() - 1) != 1 {
            return self.bad_request("the body holds more than the resource the URI names");
        }
        let mut config = config;
        if let (Some(step), Some(level)) = (
            path.target(),
            find_mut(&mut config, path, path.steps.len() - 1),
        ) {
            if let Some(entry) = level.iter_mut().find(|e| is_step(e, step)) {
                let shape = shape_at(&self.shared.shape.roots, &path.steps);
                match self.insert_attributes(entry, shape) {
                    Ok(attributes) => entry.attributes.extend(attributes),
                    Err(refusal) => return *refusal,
                }
            }
        }
        match self.edit(&config) {
            Err(error) => self.reply.refused(&error),
            Ok(()) => self.written(if existed {
                StatusCode::NO_CONTENT
            } else {
                self.created()
            }),
        }
    }

    /// Where `insert` and `point` (RFC 8040 §4.8.5, §4.8.6) put `entry`, a new or replaced
    /// entry of a list or leaf-list whose schema node is `shape`: the YANG attributes of the
    /// NETCONF edit that does the same (RFC 7950 §7.7.9, §7.8.6). None without `insert`.
    fn insert_attributes(
        &self,
        entry: &Element,
        shape: Option<&rfc3535_yang::NodeShape>,
    ) -> Result<Vec<(String, String, String)>, Refusal> {
        let point = self.query("point");
        let Some(how) = self.query("insert") else {
            if point.is_some() {
                return Err(Box::new(self.bad_request(
                    "point is given without insert=before or insert=after (RFC 8040 §4.8.6)",
                )));
            }
            return Ok(Vec::new());
        };
        self.ordering_attributes(entry, shape, how, point, "RFC 8040 §4.8.5, §4.8.6")
            .map_err(|refusal| match refusal {
                Placement::Refused(message) => Box::new(self.bad_request(&message)),
                Placement::Failed(error) => Box::new(self.reply.refused(&error)),
            })
    }

    /// The YANG insert attributes (RFC 7950 §7.8.6) that put `entry` of an `ordered-by user`
    /// list or leaf-list `how` (first, last, before, after) relative to the entry the api-path
    /// `point` names (for before and after). `section` names the rule a refusal cites.
    fn ordering_attributes(
        &self,
        entry: &Element,
        shape: Option<&rfc3535_yang::NodeShape>,
        how: &str,
        point: Option<&str>,
        section: &str,
    ) -> Result<Vec<(String, String, String)>, Placement> {
        use rfc3535_yang::NodeKind;
        let refuse = |message: String| Err(Placement::Refused(format!("{message} ({section})")));
        if !["first", "last", "before", "after"].contains(&how) {
            return refuse(format!(
                "insert {how:?} is none of first, last, before, after"
            ));
        }
        let Some(shape) = shape
            .filter(|s| s.user_ordered && matches!(s.kind, NodeKind::List | NodeKind::LeafList))
        else {
            return refuse("insert applies to an ordered-by user list or leaf-list only".into());
        };
        let mut attributes = vec![(ns::YANG.to_owned(), "insert".to_owned(), how.to_owned())];
        if matches!(how, "before" | "after") {
            let Some(point) = point else {
                return refuse(format!("insert {how} needs a point"));
            };
            let anchor = match self
                .shared
                .with_schema(|s| s.resource_path(point.trim_start_matches('/')))
            {
                Err(error) => return Err(Placement::Failed(error)),
                Ok(Err(error)) => {
                    return refuse(format!("point {point:?} is no data resource: {error}"))
                }
                Ok(Ok(anchor)) => anchor,
            };
            let Some(last) = anchor
                .target()
                .filter(|t| t.name == entry.name.local && t.namespace == entry.name.namespace)
            else {
                return refuse(format!(
                    "point {point:?} names no entry of the list the entry goes into"
                ));
            };
            let (name, value) = if shape.kind == NodeKind::LeafList {
                let value = last
                    .keys
                    .first()
                    .map(|k| k.value.clone())
                    .unwrap_or_default();
                ("value", value)
            } else {
                let predicates: String = last
                    .keys
                    .iter()
                    .map(|k| format!("[{}={}]", k.name, rfc3535_wire::xpath::literal(&k.value)))
                    .collect();
                ("key", predicates)
            };
            attributes.push((ns::YANG.to_owned(), name.to_owned(), value));
        }
        if self.shared.faults.restconf_insert_ignored {
            return Ok(Vec::new());
        }
        Ok(attributes)
    }

    /// 201, or with the fault 200.
    fn created(&self) -> StatusCode {
        if self.shared.faults.restconf_created_as_ok {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        }
    }

    /// POST (RFC 8040 §4.4.1): create the one child resource the body holds; 201 and its
    /// Location, 409 when it exists.
    fn post(&self, api_path: &str, path: &ResourcePath) -> HttpResponse {
        let depth = path.steps.len();
        if path
            .target()
            .is_some_and(|t| matches!(t.kind, StepKind::Leaf | StepKind::LeafList))
        {
            return self.not_allowed("DELETE, GET, HEAD, OPTIONS, PATCH, PUT");
        }
        let mut config = match self.body_as_config(path, depth) {
            Ok(config) => config,
            Err(refusal) => return *refusal,
        };
        let Some(children) = children_at(&mut config, path, depth) else {
            return self.bad_request("the body does not fit under the target resource");
        };
        let keys: Vec<&str> = path
            .target()
            .map(|t| t.keys.iter().map(|k| k.name.as_str()).collect())
            .unwrap_or_default();
        let mut new: Vec<&mut Element> = children
            .iter_mut()
            .filter(|c| !keys.contains(&c.name.local.as_str()))
            .collect();
        if new.len() != 1 {
            return self.bad_request(&format!(
                "a POST creates exactly one child resource; the body holds {}",
                new.len()
            ));
        }
        let child = &mut new[0];
        set_operation(child, Write::Create);
        let parent = shape_at(&self.shared.shape.roots, &path.steps);
        let siblings = parent.map_or(self.shared.shape.roots.as_slice(), |p| {
            p.children.as_slice()
        });
        let child_shape = siblings
            .iter()
            .find(|n| n.name == child.name.local && n.namespace == child.name.namespace);
        match self.insert_attributes(child, child_shape) {
            Ok(attributes) => child.attributes.extend(attributes),
            Err(refusal) => return *refusal,
        }
        let location = self.location(api_path, path, child);
        match self.edit(&config) {
            Err(error) => self.reply.refused(&error),
            Ok(()) => {
                let mut response = response(self.created(), None);
                if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                    response.headers_mut().insert(LOCATION, location);
                }
                self.validators(&mut response);
                response
            }
        }
    }

    /// The URI of a child created under `path`: its name (qualified when its module differs
    /// from its parent's) and, for a list entry, its key values percent-encoded.
    fn location(&self, api_path: &str, path: &ResourcePath, child: &Element) -> Option<String> {
        let module = self
            .shared
            .module_of(&child.name.namespace)
            .map(|m| m.name.clone())?;
        let parent_module = path.target().map(|t| t.module.as_str());
        let name = if parent_module == Some(module.as_str()) {
            child.name.local.clone()
        } else {
            format!("{module}:{}", child.name.local)
        };
        let api_path = api_path.trim_end_matches('/');
        let child_path = if api_path.is_empty() {
            name
        } else {
            format!("{api_path}/{name}")
        };
        let resolved = self
            .shared
            .with_schema(|s| s.resource_path(&child_path))
            .ok()?
            .ok()?;
        let step = resolved.target()?;
        let mut location = format!("{ROOT}/data/{child_path}");
        if step.kind == StepKind::LeafList {
            location.push('=');
            location.push_str(&utf8_percent_encode(child.text.trim(), KEY_VALUE).to_string());
        }
        if step.kind == StepKind::List {
            let values: Vec<String> = step
                .key_names
                .iter()
                .map(|key| {
                    let value = child
                        .child(key)
                        .map(|k| k.text.trim().to_owned())
                        .unwrap_or_default();
                    utf8_percent_encode(&value, KEY_VALUE).to_string()
                })
                .collect();
            location.push('=');
            location.push_str(&values.join(","));
        }
        Some(location)
    }

    /// PATCH with a YANG data body (RFC 8040 §4.6.1): merge into the resource, which must
    /// exist.
    fn patch(&self, path: &ResourcePath) -> HttpResponse {
        if path.is_datastore() {
            let mut config = match self.body_as_config(path, 0) {
                Ok(config) => config,
                Err(refusal) => return *refusal,
            };
            for element in &mut config {
                set_operation(element, Write::Merge);
            }
            return match self.edit(&config) {
                Err(error) => self.reply.refused(&error),
                Ok(()) => response(StatusCode::NO_CONTENT, None),
            };
        }
        match self.exists(path) {
            Ok(true) => {}
            Ok(false) => {
                return self.reply.error(
                    StatusCode::NOT_FOUND,
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    "the resource to patch does not exist",
                )
            }
            Err(refusal) => return *refusal,
        }
        let config = match self.resource_body(path, Write::Merge, "§4.6.1") {
            Ok(config) => config,
            Err(refusal) => return *refusal,
        };
        match self.edit(&config) {
            Err(error) => self.reply.refused(&error),
            Ok(()) => self.written(StatusCode::NO_CONTENT),
        }
    }

    /// The configuration one YANG Patch edit writes (RFC 8072 §2.5): its value placed at its
    /// target, or the target's skeleton for a delete or remove, the operation on the target.
    fn patch_edit(
        &self,
        api_path: &str,
        edit: &rfc3535_wire::restconf::PatchEdit,
        encoding: Encoding,
    ) -> Result<(ResourcePath, Vec<Element>), RpcError> {
        use rfc3535_wire::restconf::PatchOperation;
        let invalid =
            |message: String| RpcError::new(ErrorType::Protocol, ErrorTag::InvalidValue, message);
        let write = match edit.operation {
            PatchOperation::Create => Write::Create,
            PatchOperation::Merge => Write::Merge,
            PatchOperation::Replace => Write::Replace,
            PatchOperation::Delete => Write::Delete,
            PatchOperation::Remove => Write::Remove,
            // A new entry, created where `where` and `point` say; an entry that exists,
            // merged with the same attributes, which move it (RFC 8072 §2.5).
            PatchOperation::Insert => Write::Create,
            PatchOperation::Move => Write::Merge,
        };
        let target = format!(
            "{}/{}",
            api_path.trim_end_matches('/'),
            edit.target.trim_start_matches('/')
        );
        let path = self
            .shared
            .with_schema(|s| s.resource_path(target.trim_start_matches('/')))?
            .map_err(|e| invalid(format!("edit {}: {e}", edit.edit_id)))?;
        if path.is_datastore() {
            return Err(invalid(format!(
                "edit {}: a patch edit names a data node, not the datastore",
                edit.edit_id
            )));
        }
        let depth = path.steps.len();
        let mut config = if edit.operation.needs_value() {
            let value = edit.value.as_deref().ok_or_else(|| {
                invalid(format!(
                    "edit {}: {} needs a value",
                    edit.edit_id,
                    edit.operation.as_str()
                ))
            })?;
            let xml = self.shared.with_schema(|s| {
                let placed = s.place(value, encoding, &path, depth - 1);
                s.convert(&placed, encoding, Encoding::Xml, Content::PartialConfig)
            })?;
            let xml = xml.map_err(|f| invalid(format!("edit {}: {f}", edit.edit_id)))?;
            Element::parse_fragment(&xml).map_err(|e| invalid(e.to_string()))?
        } else {
            let skeleton = self
                .shared
                .with_schema(|s| s.place("", Encoding::Xml, &path, depth))?;
            let mut config =
                Element::parse_fragment(&skeleton).map_err(|e| invalid(e.to_string()))?;
            if let Some(target) = path.target().filter(|t| t.kind == StepKind::LeafList) {
                if let Some(element) = find_mut(&mut config, &path, depth - 1)
                    .and_then(|level| level.iter_mut().find(|e| e.name.local == target.name))
                {
                    element.text = target
                        .keys
                        .first()
                        .map(|k| k.value.clone())
                        .unwrap_or_default();
                }
            }
            config
        };
        if !mark(&mut config, &path, depth, write) {
            return Err(invalid(format!(
                "edit {}: the value is not the node its target names",
                edit.edit_id
            )));
        }
        if matches!(
            edit.operation,
            PatchOperation::Insert | PatchOperation::Move
        ) {
            self.place_patched_entry(api_path, edit, &path, &mut config)?;
        }
        Ok((path, config))
    }

    /// Puts the entry an insert or move edit names where its `where` and `point` say: the
    /// insert attributes on the entry (RFC 8072 §2.5; `point` is relative to the patched
    /// resource, as `target` is).
    fn place_patched_entry(
        &self,
        api_path: &str,
        edit: &rfc3535_wire::restconf::PatchEdit,
        path: &ResourcePath,
        config: &mut Vec<Element>,
    ) -> Result<(), RpcError> {
        let invalid =
            |message: String| RpcError::new(ErrorType::Protocol, ErrorTag::InvalidValue, message);
        if edit.operation == rfc3535_wire::restconf::PatchOperation::Move {
            match self.exists(path) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(RpcError::new(
                        ErrorType::Application,
                        ErrorTag::DataMissing,
                        format!(
                            "edit {}: move of an entry that does not exist (RFC 8072 §2.5)",
                            edit.edit_id
                        ),
                    ))
                }
                Err(_) => {
                    return Err(RpcError::new(
                        ErrorType::Application,
                        ErrorTag::OperationFailed,
                        format!("edit {}: the datastore could not be read", edit.edit_id),
                    ))
                }
            }
        }
        let how = edit
            .where_
            .map_or("last", rfc3535_wire::restconf::Where::as_str);
        let point = edit.point.as_deref().map(|point| {
            format!(
                "{}/{}",
                api_path.trim_end_matches('/'),
                point.trim_start_matches('/')
            )
        });
        let depth = path.steps.len();
        let shape = shape_at(&self.shared.shape.roots, &path.steps);
        let step = path
            .target()
            .ok_or_else(|| invalid(format!("edit {}: no entry to place", edit.edit_id)))?;
        let level = find_mut(config, path, depth - 1)
            .ok_or_else(|| invalid(format!("edit {}: no entry to place", edit.edit_id)))?;
        let entry = level.iter_mut().find(|e| is_step(e, step)).ok_or_else(|| {
            invalid(format!(
                "edit {}: the value is not the entry its target names",
                edit.edit_id
            ))
        })?;
        let attributes = self
            .ordering_attributes(entry, shape, how, point.as_deref(), "RFC 8072 §2.5")
            .map_err(|refusal| match refusal {
                Placement::Refused(message) => invalid(format!("edit {}: {message}", edit.edit_id)),
                Placement::Failed(error) => error,
            })?;
        entry.attributes.extend(attributes);
        Ok(())
    }

    /// PATCH with a YANG Patch (RFC 8072): every edit or none, answered with a
    /// `yang-patch-status`. The edits go to the device as one edit of running, which it
    /// applies whole or not at all (with the non-atomic fault, one edit at a time).
    fn yang_patch(&self, api_path: &str, _path: &ResourcePath) -> HttpResponse {
        use rfc3535_wire::restconf::{EditOutcome, EditStatus, PatchStatus, YangPatch};
        let encoding = self
            .body_media
            .as_ref()
            .and_then(MediaType::encoding)
            .unwrap_or(Encoding::Xml);
        let patch = match YangPatch::parse(&self.body, encoding) {
            Ok(patch) => patch,
            Err(e) => return self.bad_request(&format!("not a YANG Patch: {e}")),
        };
        let wire_error = |error: &RpcError| rfc3535_wire::RpcError {
            error_type: Some(error.error_type.clone()),
            tag: Some(error.tag.to_string()),
            path: error.path.clone(),
            message: Some(error.message.clone()),
            ..rfc3535_wire::RpcError::default()
        };
        let answer = |status: StatusCode, result: PatchStatus| {
            let body = result.to_body(self.reply.encoding);
            let media = match self.reply.encoding {
                Encoding::Xml => "application/yang-data+xml",
                Encoding::Json => "application/yang-data+json",
            };
            let mut answer = response(status, Some((media, body)));
            self.validators(&mut answer);
            answer
        };
        let failed = |error: &RpcError, edit: Option<&str>| {
            let mut status = PatchStatus {
                patch_id: Some(patch.patch_id.clone()),
                ..PatchStatus::default()
            };
            match edit {
                Some(id) => status.edits.push(EditStatus {
                    edit_id: Some(id.to_owned()),
                    outcome: Some(EditOutcome::Errors(vec![wire_error(error)])),
                }),
                None => status.global = Some(EditOutcome::Errors(vec![wire_error(error)])),
            }
            answer(status_of(error.tag), status)
        };
        let misattributed = self.shared.faults.restconf_patch_status_misattributed;
        let failed = |error: &RpcError, edit: Option<&str>| {
            if misattributed {
                // The fault: the error reported against the patch's first edit, under a
                // patch-id of the device's own.
                let mut status = PatchStatus {
                    patch_id: Some("patch".to_owned()),
                    ..PatchStatus::default()
                };
                status.edits.push(EditStatus {
                    edit_id: patch.edits.first().map(|e| e.edit_id.clone()),
                    outcome: Some(EditOutcome::Errors(vec![wire_error(error)])),
                });
                return answer(status_of(error.tag), status);
            }
            failed(error, edit)
        };
        let mut configs = Vec::new();
        let mut targets = Vec::new();
        for edit in &patch.edits {
            match self.patch_edit(api_path, edit, encoding) {
                Ok((path, config)) => {
                    targets.push((edit.edit_id.clone(), edit_path_text(&path)));
                    configs.push((edit.edit_id.clone(), config));
                }
                Err(error) => return failed(&error, Some(&edit.edit_id)),
            }
        }
        if self.shared.faults.restconf_non_atomic_patch {
            // The fault: each edit on its own; a failing one leaves the earlier ones applied.
            for (id, config) in &configs {
                if let Err(error) = self.edit(config) {
                    return failed(&error, Some(id));
                }
            }
        } else {
            let whole: Vec<Element> = configs.into_iter().flat_map(|(_, c)| c).collect();
            if let Err(error) = self.edit(&whole) {
                // The error reported against the edit whose target it names, when one does
                // (RFC 8072 §2.3 edit-status); otherwise for the patch as a whole.
                let edit = error.path.as_deref().and_then(|at| {
                    targets
                        .iter()
                        .find(|(_, target)| {
                            at == target
                                || at
                                    .strip_prefix(target.as_str())
                                    .is_some_and(|rest| rest.starts_with('/'))
                        })
                        .map(|(id, _)| id.as_str())
                });
                return failed(&error, edit);
            }
        }
        answer(
            StatusCode::OK,
            PatchStatus {
                patch_id: Some(patch.patch_id.clone()),
                global: Some(EditOutcome::Ok),
                edits: Vec::new(),
            },
        )
    }

    /// DELETE (RFC 8040 §4.7).
    fn delete(&self, path: &ResourcePath) -> HttpResponse {
        if path.is_datastore() {
            return self.not_allowed("GET, HEAD, OPTIONS, PATCH, POST, PUT");
        }
        let skeleton = self
            .shared
            .with_schema(|s| s.place("", Encoding::Xml, path, path.steps.len()));
        let mut config = match skeleton.map(|x| Element::parse_fragment(&x)) {
            Ok(Ok(config)) => config,
            Ok(Err(e)) => return self.bad_request(&format!("the resource's path: {e}")),
            Err(error) => return self.reply.refused(&error),
        };
        if let Some(target) = path.target() {
            if target.kind == StepKind::LeafList {
                if let Some(element) = find_mut(&mut config, path, path.steps.len() - 1)
                    .and_then(|siblings| siblings.iter_mut().find(|e| e.name.local == target.name))
                {
                    element.text = target
                        .keys
                        .first()
                        .map(|k| k.value.clone())
                        .unwrap_or_default();
                }
            }
        }
        if !mark(&mut config, path, path.steps.len(), Write::Delete) {
            return self.bad_request("the resource's path does not build");
        }
        match self.edit(&config) {
            Err(error) => self.reply.refused(&error),
            Ok(()) => self.written(StatusCode::NO_CONTENT),
        }
    }
}

/// The schema node the steps lead to (`None` for no steps, or a path the shape lacks).
fn shape_at<'s>(
    roots: &'s [rfc3535_yang::NodeShape],
    steps: &[rfc3535_yang::PathStep],
) -> Option<&'s rfc3535_yang::NodeShape> {
    let mut siblings = roots;
    let mut found = None;
    for step in steps {
        let node = siblings
            .iter()
            .find(|n| n.name == step.name && n.namespace == step.namespace)?;
        siblings = &node.children;
        found = Some(node);
    }
    found
}

/// Whether an element is the one a path step names: name, namespace and key values.
fn is_step(element: &Element, step: &rfc3535_yang::PathStep) -> bool {
    element.name.local == step.name
        && element.name.namespace == step.namespace
        && step.keys.iter().filter(|k| k.name != ".").all(|key| {
            element
                .child(&key.name)
                .is_some_and(|k| k.text.trim() == key.value)
        })
}

/// The siblings among which the element of step `depth` (0-based) stands: the top level for
/// the first step, else the children of the element of the step before.
fn find_mut<'e>(
    elements: &'e mut Vec<Element>,
    path: &ResourcePath,
    depth: usize,
) -> Option<&'e mut Vec<Element>> {
    let mut level = elements;
    for step in &path.steps[..depth.min(path.steps.len())] {
        let element = level.iter_mut().find(|e| is_step(e, step))?;
        level = &mut element.children;
    }
    Some(level)
}

/// The children of the element the first `depth` steps name (the top level for 0).
fn children_at<'e>(
    elements: &'e mut Vec<Element>,
    path: &ResourcePath,
    depth: usize,
) -> Option<&'e mut Vec<Element>> {
    find_mut(elements, path, depth)
}

/// How many elements stand at step `depth`'s level (the body's own top elements).
fn count_children(elements: &[Element], path: &ResourcePath, depth: usize) -> usize {
    let mut level = elements;
    for step in &path.steps[..depth.min(path.steps.len())] {
        match level.iter().find(|e| is_step(e, step)) {
            Some(element) => level = &element.children,
            None => return 0,
        }
    }
    level.len()
}

/// Puts the NETCONF operation on the element the first `depth` steps name; false when the
/// configuration has no such element.
fn mark(elements: &mut Vec<Element>, path: &ResourcePath, depth: usize, write: Write) -> bool {
    let Some(step) = depth.checked_sub(1).and_then(|d| path.steps.get(d)) else {
        return false;
    };
    let Some(level) = find_mut(elements, path, depth - 1) else {
        return false;
    };
    let Some(element) = level.iter_mut().find(|e| is_step(e, step)) else {
        return false;
    };
    set_operation(element, write);
    true
}

fn set_operation(element: &mut Element, write: Write) {
    element
        .attributes
        .retain(|(namespace, local, _)| !(namespace == ns::BASE && local == "operation"));
    element.attributes.push((
        ns::BASE.to_owned(),
        "operation".to_owned(),
        write.operation().to_owned(),
    ));
}

/// A patch edit's target as the device's edits name a node in an error's path: every step
/// qualified by its module, list keys and a leaf-list value as predicates.
fn edit_path_text(path: &ResourcePath) -> String {
    let mut out = String::new();
    for step in &path.steps {
        out.push_str(&format!("/{}:{}", step.module, step.name));
        for key in &step.keys {
            out.push_str(&format!("[{}='{}']", key.name, key.value));
        }
    }
    out
}

/// The operation's own element in a request: `top` for an rpc, the action's element below
/// its ancestors for an action.
fn operation_node(top: Element, namespace: &str, name: &str) -> Option<Element> {
    if top.name.namespace == namespace && top.name.local == name {
        return Some(top);
    }
    top.children
        .into_iter()
        .find_map(|child| operation_node(child, namespace, name))
}
