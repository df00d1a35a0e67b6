//! A schema registry for YANG: the subset of Confluent's Schema Registry REST API that the
//! broker-integration draft's pipeline uses (register a schema under a subject with its
//! references, look a schema up by id or by subject and version), with `schemaType` `YANG`.
//!
//! This is the one part of the pipeline that is not a real, third-party component: no schema
//! registry that understands YANG installs from the registries this project reaches (Confluent's
//! is Java from elsewhere; Karapace is not on PyPI and has no YANG type). It is kept to what the
//! pipeline needs and checks what a real one would: a schema is accepted only when each of its
//! imports has a reference and libyang compiles it together with every schema it references,
//! so an id always names a schema a consumer can build a context from.
//!
//! Served on loopback over HTTP/1.1 with hyper; stopped when dropped. [`RegistryClient`] is the
//! matching client the pipeline registers with and a consumer fetches from.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rfc3535_yang::{ModuleSpec, Schema};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The schema type this registry keeps.
pub const YANG: &str = "YANG";
/// The media type of the registry's API.
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";
/// The largest request body taken (a module set of a large device is a few MiB).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A schema another one needs: a YANG import or include, registered under its own subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The module name, as the referring module imports it.
    pub name: String,
    pub subject: String,
    pub version: u32,
}

/// A schema as registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredSchema {
    pub schema: String,
    #[serde(default = "yang")]
    pub schema_type: String,
    #[serde(default)]
    pub references: Vec<Reference>,
}

fn yang() -> String {
    YANG.to_owned()
}

#[derive(Debug, Default)]
struct State {
    /// Schemas by id - 1.
    schemas: Vec<RegisteredSchema>,
    /// Each subject's versions, as schema ids, oldest first.
    subjects: BTreeMap<String, Vec<u32>>,
}

impl State {
    fn version(&self, subject: &str, version: &str) -> Option<(u32, u32)> {
        let versions = self.subjects.get(subject)?;
        let index = match version {
            "latest" => versions.len().checked_sub(1)?,
            number => number.parse::<usize>().ok()?.checked_sub(1)?,
        };
        versions.get(index).map(|id| (index as u32 + 1, *id))
    }

    fn schema(&self, id: u32) -> Option<&RegisteredSchema> {
        self.schemas.get(usize::try_from(id).ok()?.checked_sub(1)?)
    }

    /// The schema and every schema it references, transitively, by module name.
    fn closure(&self, schema: &RegisteredSchema) -> Result<BTreeMap<String, String>, String> {
        let mut modules = BTreeMap::new();
        let mut pending = schema.references.clone();
        while let Some(reference) = pending.pop() {
            if modules.contains_key(&reference.name) {
                continue;
            }
            let (_, id) = self
                .version(&reference.subject, &reference.version.to_string())
                .ok_or_else(|| {
                    format!(
                        "reference {} names subject {} version {}, which is not registered",
                        reference.name, reference.subject, reference.version
                    )
                })?;
            let referenced = self.schema(id).ok_or("a registered id without a schema")?;
            let module = rfc3535_yang::module_name(&referenced.schema).unwrap_or_default();
            if module != reference.name {
                return Err(format!(
                    "reference {} resolves to module {module} (subject {} version {})",
                    reference.name, reference.subject, reference.version
                ));
            }
            modules.insert(reference.name.clone(), referenced.schema.clone());
            pending.extend(referenced.references.iter().cloned());
        }
        Ok(modules)
    }
}

/// Compiles `schema` with its references in a scratch directory; the libyang message if not.
fn compile(schema: &RegisteredSchema, references: &BTreeMap<String, String>) -> Result<(), String> {
    let name =
        rfc3535_yang::module_name(&schema.schema).ok_or("the schema has no module statement")?;
    let dir = tempfile::tempdir().map_err(|error| format!("scratch directory: {error}"))?;
    for (module, text) in references.iter().chain([(&name, &schema.schema)]) {
        std::fs::write(dir.path().join(format!("{module}.yang")), text)
            .map_err(|error| format!("scratch directory: {error}"))?;
    }
    let implemented = [ModuleSpec {
        name,
        revision: None,
        features: vec!["*".to_owned()],
    }];
    Schema::from_dir(dir.path(), &implemented)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_default()
}

fn error(status: StatusCode, code: u32, message: impl Into<String>) -> Response<Full<Bytes>> {
    reply(
        status,
        serde_json::json!({"error_code": code, "message": message.into()}),
    )
}

async fn handle(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let segments: Vec<String> = parts
        .uri
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let body = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                41301,
                "request body too large",
            )
        }
    };
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["subjects"]) => {
            let state = state.lock().unwrap_or_else(PoisonError::into_inner);
            reply(
                StatusCode::OK,
                serde_json::json!(state.subjects.keys().collect::<Vec<_>>()),
            )
        }
        (&Method::GET, ["schemas", "ids", id]) => {
            let state = state.lock().unwrap_or_else(PoisonError::into_inner);
            match id.parse().ok().and_then(|id| state.schema(id)) {
                Some(schema) => reply(StatusCode::OK, serde_json::json!(schema)),
                None => error(
                    StatusCode::NOT_FOUND,
                    40403,
                    format!("schema {id} not found"),
                ),
            }
        }
        (&Method::GET, ["subjects", subject, "versions", version]) => {
            let state = state.lock().unwrap_or_else(PoisonError::into_inner);
            match state.version(subject, version) {
                Some((number, id)) => {
                    let schema = state.schema(id).cloned();
                    let schema = schema.map(|s| s.schema).unwrap_or_default();
                    reply(
                        StatusCode::OK,
                        serde_json::json!({"subject": subject, "version": number, "id": id,
                            "schemaType": YANG, "schema": schema}),
                    )
                }
                None => error(
                    StatusCode::NOT_FOUND,
                    40401,
                    format!("subject {subject} has no version {version}"),
                ),
            }
        }
        (&Method::POST, ["subjects", subject, "versions"]) => {
            let schema: RegisteredSchema = match serde_json::from_slice(&body) {
                Ok(schema) => schema,
                Err(reason) => {
                    return error(StatusCode::UNPROCESSABLE_ENTITY, 42201, reason.to_string())
                }
            };
            if schema.schema_type != YANG {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    42201,
                    format!(
                        "schema type {} is not kept here; only {YANG}",
                        schema.schema_type
                    ),
                );
            }
            // Every import and include needs a reference, even of a module libyang carries
            // itself: a consumer with another YANG tool must be able to resolve the schema
            // from the registry alone.
            let unreferenced: Vec<String> = rfc3535_yang::dependencies(&schema.schema)
                .into_iter()
                .filter(|module| !schema.references.iter().any(|r| r.name == *module))
                .collect();
            if !unreferenced.is_empty() {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    42201,
                    format!(
                        "the schema imports {} with no reference",
                        unreferenced.join(", ")
                    ),
                );
            }
            let references = {
                let state = state.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(id) = state
                    .schemas
                    .iter()
                    .position(|known| *known == schema)
                    .map(|index| index as u32 + 1)
                    .filter(|id| state.subjects.get(*subject).is_some_and(|v| v.contains(id)))
                {
                    return reply(StatusCode::OK, serde_json::json!({"id": id}));
                }
                match state.closure(&schema) {
                    Ok(references) => references,
                    Err(reason) => return error(StatusCode::UNPROCESSABLE_ENTITY, 42201, reason),
                }
            };
            // Compiling takes a while for a large module set; it runs off the async threads.
            let checked = schema.clone();
            let compiled = tokio::task::spawn_blocking(move || compile(&checked, &references))
                .await
                .unwrap_or_else(|join| Err(format!("the compile did not finish: {join}")));
            if let Err(reason) = compiled {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    42201,
                    format!("libyang does not compile the schema: {reason}"),
                );
            }
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            let id = match state.schemas.iter().position(|known| *known == schema) {
                Some(index) => index as u32 + 1,
                None => {
                    state.schemas.push(schema);
                    state.schemas.len() as u32
                }
            };
            let versions = state.subjects.entry((*subject).to_owned()).or_default();
            if !versions.contains(&id) {
                versions.push(id);
            }
            reply(StatusCode::OK, serde_json::json!({"id": id}))
        }
        _ => error(
            StatusCode::NOT_FOUND,
            404,
            "no such resource in this registry",
        ),
    }
}

/// A running registry; it stops when dropped.
#[derive(Debug)]
pub struct Registry {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Registry {
    /// Serves an empty registry on a free loopback port.
    pub async fn start() -> std::io::Result<Registry> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(handle(state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Registry { address, task })
    }

    /// The registry's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A registry refused or failed a request.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("schema registry at {address}: {reason}")]
    Connection { address: SocketAddr, reason: String },
    #[error("schema registry refused ({status}, error {code}): {message}")]
    Refused {
        status: u16,
        code: u32,
        message: String,
    },
    #[error("schema registry answered something else than its API: {0}")]
    Unreadable(String),
}

/// The client side of the same API, over plain HTTP/1.1 on the test bed.
#[derive(Clone, Copy, Debug)]
pub struct RegistryClient {
    address: SocketAddr,
}

impl RegistryClient {
    pub fn new(address: SocketAddr) -> RegistryClient {
        RegistryClient { address }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, RegistryError> {
        let connection = |reason: String| RegistryError::Connection {
            address: self.address,
            reason,
        };
        let stream = tokio::net::TcpStream::connect(self.address)
            .await
            .map_err(|e| connection(e.to_string()))?;
        let (mut sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| connection(e.to_string()))?;
        tokio::spawn(driver);
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, self.address.to_string())
            .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(Full::new(Bytes::from(
                body.map(|b| b.to_string()).unwrap_or_default(),
            )))
            .map_err(|e| connection(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| connection(e.to_string()))?;
        let status = response.status();
        let bytes = http_body_util::Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| connection(e.to_string()))?
            .to_bytes();
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| RegistryError::Unreadable(e.to_string()))?;
        if !status.is_success() {
            return Err(RegistryError::Refused {
                status: status.as_u16(),
                code: value["error_code"].as_u64().unwrap_or(0) as u32,
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        Ok(value)
    }

    /// Registers `schema` under `subject`; returns its id.
    pub async fn register(
        &self,
        subject: &str,
        schema: &RegisteredSchema,
    ) -> Result<u32, RegistryError> {
        let body =
            serde_json::to_value(schema).map_err(|e| RegistryError::Unreadable(e.to_string()))?;
        let answer = self
            .call(
                Method::POST,
                &format!("/subjects/{subject}/versions"),
                Some(body),
            )
            .await?;
        answer["id"]
            .as_u64()
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| RegistryError::Unreadable(answer.to_string()))
    }

    /// The schema registered under `id`.
    pub async fn schema(&self, id: u32) -> Result<RegisteredSchema, RegistryError> {
        let answer = self
            .call(Method::GET, &format!("/schemas/ids/{id}"), None)
            .await?;
        serde_json::from_value(answer).map_err(|e| RegistryError::Unreadable(e.to_string()))
    }

    /// Registers the module `root` found in `dir` (`name.yang`, else the latest
    /// `name@revision.yang`) and, first, every module it imports or includes, transitively,
    /// each under a subject of its own name with references to its imports. Returns the root's
    /// schema id.
    pub async fn register_modules(&self, dir: &Path, root: &str) -> Result<u32, RegistryError> {
        let read = |module: &str| {
            let unreadable = |why: String| {
                RegistryError::Unreadable(format!("module {module} in {}: {why}", dir.display()))
            };
            let plain = dir.join(format!("{module}.yang"));
            let file = if plain.is_file() {
                plain
            } else {
                let prefix = format!("{module}@");
                let mut revisions: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
                    .map_err(|error| unreadable(error.to_string()))?
                    .filter_map(|entry| entry.ok().map(|e| e.path()))
                    .filter(|path| {
                        path.file_name()
                            .and_then(|name| name.to_str())
                            .is_some_and(|name| {
                                name.starts_with(&prefix) && name.ends_with(".yang")
                            })
                    })
                    .collect();
                revisions.sort();
                revisions
                    .pop()
                    .ok_or_else(|| unreadable("no such file".to_owned()))?
            };
            std::fs::read_to_string(&file).map_err(|error| unreadable(error.to_string()))
        };
        // Depth first, imports before the modules that import them; each module once.
        let mut registered: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        let mut stack = vec![(root.to_owned(), false)];
        let mut root_id = 0;
        while let Some((module, imports_done)) = stack.pop() {
            if registered.contains_key(&module) {
                continue;
            }
            let text = read(&module)?;
            let imports = rfc3535_yang::dependencies(&text);
            if !imports_done {
                stack.push((module, true));
                for import in imports.into_iter().filter(|m| !registered.contains_key(m)) {
                    stack.push((import, false));
                }
                continue;
            }
            let references = imports
                .iter()
                .map(|import| {
                    let (version, _) = registered.get(import).copied().unwrap_or((1, 0));
                    Reference {
                        name: import.clone(),
                        subject: import.clone(),
                        version,
                    }
                })
                .collect();
            let schema = RegisteredSchema {
                schema: text,
                schema_type: YANG.to_owned(),
                references,
            };
            let id = self.register(&module, &schema).await?;
            let (version, _) = self.version(&module, "latest").await?;
            registered.insert(module.clone(), (version, id));
            if module == root {
                root_id = id;
            }
        }
        Ok(root_id)
    }

    /// The version number and schema id of a subject's version (`latest` or a number).
    pub async fn version(&self, subject: &str, version: &str) -> Result<(u32, u32), RegistryError> {
        let answer = self
            .call(
                Method::GET,
                &format!("/subjects/{subject}/versions/{version}"),
                None,
            )
            .await?;
        let number = answer["version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok());
        let id = answer["id"].as_u64().and_then(|v| u32::try_from(v).ok());
        number
            .zip(id)
            .ok_or_else(|| RegistryError::Unreadable(answer.to_string()))
    }
}
