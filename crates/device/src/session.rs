//! One NETCONF session of the reference device over any byte stream (an SSH channel in
//! production, an in-memory duplex in tests): the hello exchange, framing negotiation
//! (RFC 6242: chunked when both sides offer base:1.1), then requests answered in order until
//! `<close-session>`, a kill, or the client going away. A message that is not an `<rpc>`
//! gets an `<rpc-error>` (malformed-message); a framing error ends the session.

use bytes::BytesMut;
use futures::StreamExt;
use rfc3535_wire::framing::{Framing, FramingCodec};
use rfc3535_wire::tree::Element;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio_util::codec::FramedRead;

use crate::rpc::{self, Reply, RpcError, BASE_NS};
use crate::Shared;

const BASE_1_1: &str = "urn:ietf:params:netconf:base:1.1";

async fn send<W: AsyncWrite + Unpin>(writer: &mut W, framing: Framing, text: &str) -> bool {
    let mut codec = FramingCodec::default();
    codec.set_framing(framing);
    let mut out = BytesMut::with_capacity(text.len() + 32);
    codec.encode_message(text.as_bytes(), &mut out);
    writer.write_all(&out).await.is_ok() && writer.flush().await.is_ok()
}

/// The attributes of an `<rpc>` as they must come back on its `<rpc-reply>` (RFC 6241 §4.2).
fn echoed_attributes(rpc: &Element) -> String {
    rpc.attributes
        .iter()
        .map(|(prefix, local, value)| {
            let name = if prefix.is_empty() {
                local.clone()
            } else {
                format!("{prefix}:{local}")
            };
            format!(" {name}=\"{}\"", rpc::escape(value).replace('"', "&quot;"))
        })
        .collect()
}

/// Serves one session until it ends; `user` is the authenticated account.
pub async fn serve<S>(shared: std::sync::Arc<Shared>, stream: S, user: String)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (session, mut killed) = shared.open_session(&user);
    let (reader, mut writer) = tokio::io::split(stream);
    let hello = shared.hello(session);
    if !send(&mut writer, Framing::EndOfMessage, &hello).await {
        shared.close_session(session);
        return;
    }
    let mut frames = FramedRead::new(reader, FramingCodec::new(shared.max_message_size));
    let mut framing = Framing::EndOfMessage;
    let mut greeted = false;
    loop {
        let frame = tokio::select! {
            frame = frames.next() => frame,
            _ = killed.wait_for(|k| *k) => break,
        };
        let Some(Ok(bytes)) = frame else {
            break;
        };
        let text = String::from_utf8_lossy(&bytes);
        let parsed = Element::parse(text.trim_start_matches('\u{feff}'));
        if !greeted {
            // The first message must be the client's hello.
            let Ok(hello) = parsed else { break };
            if hello.name.local != "hello" || hello.name.namespace != BASE_NS {
                break;
            }
            let offers_1_1 = hello
                .find_all(&["capabilities", "capability"])
                .iter()
                .any(|c| c.text.trim() == BASE_1_1);
            if offers_1_1 {
                framing = Framing::Chunked;
                frames.decoder_mut().set_framing(Framing::Chunked);
            }
            greeted = true;
            continue;
        }
        let answer = match parsed {
            Ok(rpc) if rpc.name.local == "rpc" && rpc.name.namespace == BASE_NS => {
                let attributes = echoed_attributes(&rpc);
                let has_id = rpc.attributes.iter().any(|(_, l, _)| l == "message-id");
                let outcome = if !has_id {
                    Err(RpcError {
                        info: Some("<bad-attribute>message-id</bad-attribute><bad-element>rpc</bad-element>".to_owned()),
                        ..RpcError::new("rpc", "missing-attribute", "an <rpc> needs a message-id")
                    })
                } else {
                    match rpc.children.first() {
                        Some(operation) => rpc::handle(&shared, session, operation),
                        None => Err(RpcError::new(
                            "protocol",
                            "missing-element",
                            "the <rpc> holds no operation",
                        )),
                    }
                };
                let (body, close) = match outcome {
                    Ok(Reply::Ok) => ("<ok/>".to_owned(), false),
                    Ok(Reply::Close) => ("<ok/>".to_owned(), true),
                    Ok(Reply::Data(data)) => (format!("<data>{data}</data>"), false),
                    Ok(Reply::Raw(raw)) => (raw, false),
                    Err(error) => (error.to_xml(), false),
                };
                (
                    format!("<rpc-reply xmlns=\"{BASE_NS}\"{attributes}>{body}</rpc-reply>"),
                    close,
                )
            }
            Ok(other) => (
                format!(
                    "<rpc-reply xmlns=\"{BASE_NS}\">{}</rpc-reply>",
                    RpcError::new(
                        "rpc",
                        "unknown-element",
                        format!("<{}> is not an <rpc>", other.name.local)
                    )
                    .to_xml()
                ),
                false,
            ),
            Err(error) => (
                format!(
                    "<rpc-reply xmlns=\"{BASE_NS}\">{}</rpc-reply>",
                    RpcError::new(
                        "rpc",
                        "malformed-message",
                        format!("not well-formed XML: {error}")
                    )
                    .to_xml()
                ),
                false,
            ),
        };
        if !send(&mut writer, framing, &answer.0).await || answer.1 {
            break;
        }
    }
    shared.close_session(session);
    let _ = writer.shutdown().await;
}

/// A receiver that fires when the session is killed.
pub type KillSwitch = watch::Receiver<bool>;
