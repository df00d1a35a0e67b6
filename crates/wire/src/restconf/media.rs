//! The media types a RESTCONF server and client exchange (RFC 8040 §11.3, RFC 8072 §4,
//! RFC 6415 for host-meta, the HTML living standard for `text/event-stream`), read from a
//! `Content-Type` header and written into `Content-Type` and `Accept`.
//!
//! Media type names are case-insensitive and may carry parameters (`; charset=utf-8`); a type
//! this module does not know is kept as written, so a conformance check can name it.

use std::fmt;

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// XML (RFC 7950 §7).
    Xml,
    /// JSON (RFC 7951).
    Json,
}

impl Encoding {
    /// Both encodings, XML first.
    pub const ALL: [Encoding; 2] = [Encoding::Xml, Encoding::Json];

    /// The name used in step text and reports: `xml` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Xml => "xml",
            Encoding::Json => "json",
        }
    }

    /// The YANG data media type in this encoding.
    pub fn data(self) -> MediaType {
        match self {
            Encoding::Xml => MediaType::YangDataXml,
            Encoding::Json => MediaType::YangDataJson,
        }
    }

    /// The YANG Patch media type in this encoding.
    pub fn patch(self) -> MediaType {
        match self {
            Encoding::Xml => MediaType::YangPatchXml,
            Encoding::Json => MediaType::YangPatchJson,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A media type, by what it means to RESTCONF.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `application/yang-data+xml` (RFC 8040 §11.3.1).
    YangDataXml,
    /// `application/yang-data+json` (RFC 8040 §11.3.2).
    YangDataJson,
    /// `application/yang-patch+xml` (RFC 8072 §4.2.1).
    YangPatchXml,
    /// `application/yang-patch+json` (RFC 8072 §4.2.2).
    YangPatchJson,
    /// `application/xrd+xml`: host-meta as XRD (RFC 6415 §3).
    Xrd,
    /// `application/json` or `application/jrd+json`: host-meta as JRD (RFC 6415 §3, RFC 7033).
    Jrd,
    /// `text/event-stream`: an event stream (RFC 8040 §6.4).
    EventStream,
    /// `application/yang`: a YANG module from the schema resource (RFC 8040 §3.7).
    Yang,
    /// A YANG data type of the RESTCONF drafts before RFC 8040 (`application/yang.data+json`,
    /// `application/yang.api+xml`, ...): its body is readable, its name is not conformant.
    PreStandard { name: String, encoding: Encoding },
    /// Anything else, lower-cased, parameters dropped.
    Other(String),
}

impl MediaType {
    /// Reads a `Content-Type` value: the type before any `;` parameters, case-insensitive.
    pub fn parse(header: &str) -> MediaType {
        let essence = header
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/yang-data+xml" => MediaType::YangDataXml,
            "application/yang-data+json" => MediaType::YangDataJson,
            "application/yang-patch+xml" => MediaType::YangPatchXml,
            "application/yang-patch+json" => MediaType::YangPatchJson,
            "application/xrd+xml" => MediaType::Xrd,
            "application/json" | "application/jrd+json" => MediaType::Jrd,
            "text/event-stream" => MediaType::EventStream,
            "application/yang" => MediaType::Yang,
            "application/yang.data+xml" | "application/yang.api+xml" => MediaType::PreStandard {
                name: essence,
                encoding: Encoding::Xml,
            },
            "application/yang.data+json" | "application/yang.api+json" => MediaType::PreStandard {
                name: essence,
                encoding: Encoding::Json,
            },
            _ => MediaType::Other(essence),
        }
    }

    /// The media type as written in a header.
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::YangDataXml => "application/yang-data+xml",
            MediaType::YangDataJson => "application/yang-data+json",
            MediaType::YangPatchXml => "application/yang-patch+xml",
            MediaType::YangPatchJson => "application/yang-patch+json",
            MediaType::Xrd => "application/xrd+xml",
            MediaType::Jrd => "application/json",
            MediaType::EventStream => "text/event-stream",
            MediaType::Yang => "application/yang",
            MediaType::PreStandard { name, .. } | MediaType::Other(name) => name,
        }
    }

    /// The encoding of a body of this type, when it is one RESTCONF reads.
    pub fn encoding(&self) -> Option<Encoding> {
        match self {
            MediaType::YangDataXml | MediaType::YangPatchXml | MediaType::Xrd => {
                Some(Encoding::Xml)
            }
            MediaType::YangDataJson | MediaType::YangPatchJson | MediaType::Jrd => {
                Some(Encoding::Json)
            }
            MediaType::PreStandard { encoding, .. } => Some(*encoding),
            MediaType::EventStream | MediaType::Yang | MediaType::Other(_) => None,
        }
    }

    /// Whether this is a YANG data type (`application/yang-data+xml` or `+json`).
    pub fn is_yang_data(&self) -> bool {
        matches!(self, MediaType::YangDataXml | MediaType::YangDataJson)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The YANG data encoding a server should answer in, from an `Accept` header (RFC 8040 §5.2):
/// the first listed YANG data type with a non-zero quality wins; `*/*`, `application/*` or no
/// header leave the choice to the server (`None`). An `Accept` that names only other types is
/// also `None`: the server then answers in its default or with 406, which is its call.
pub fn preferred_encoding(accept: Option<&str>) -> Option<Encoding> {
    let accept = accept?;
    let mut best: Option<(f32, usize, Encoding)> = None;
    for (position, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';');
        let media = MediaType::parse(parts.next().unwrap_or_default());
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let Some(encoding) = media.is_yang_data().then(|| media.encoding()).flatten() else {
            continue;
        };
        if quality <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((q, _, _)) => quality > q,
        };
        if better {
            best = Some((quality, position, encoding));
        }
    }
    best.map(|(_, _, encoding)| encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_read_case_insensitively_with_parameters() {
        assert_eq!(
            MediaType::parse("Application/YANG-Data+JSON; charset=utf-8"),
            MediaType::YangDataJson
        );
        assert_eq!(
            MediaType::parse("application/yang-data+xml"),
            MediaType::YangDataXml
        );
        assert_eq!(MediaType::parse("application/jrd+json"), MediaType::Jrd);
        let draft = MediaType::parse("application/yang.api+JSON");
        assert_eq!(draft.as_str(), "application/yang.api+json");
        assert_eq!(draft.encoding(), Some(Encoding::Json), "readable");
        assert!(
            !draft.is_yang_data(),
            "the pre-RFC draft name is not the RFC's"
        );
        assert_eq!(MediaType::parse("text/event-stream").encoding(), None);
        for encoding in Encoding::ALL {
            assert_eq!(
                MediaType::parse(encoding.data().as_str()).encoding(),
                Some(encoding)
            );
            assert_eq!(
                MediaType::parse(encoding.patch().as_str()).encoding(),
                Some(encoding)
            );
        }
    }

    #[test]
    fn accept_picks_the_best_yang_data_type() {
        assert_eq!(preferred_encoding(None), None);
        assert_eq!(preferred_encoding(Some("*/*")), None);
        assert_eq!(
            preferred_encoding(Some("application/yang-data+json")),
            Some(Encoding::Json)
        );
        assert_eq!(
            preferred_encoding(Some(
                "application/yang-data+json;q=0.5, application/yang-data+xml"
            )),
            Some(Encoding::Xml)
        );
        assert_eq!(
            preferred_encoding(Some(
                "application/yang-data+xml;q=0, application/yang-data+json"
            )),
            Some(Encoding::Json)
        );
        assert_eq!(preferred_encoding(Some("text/html")), None);
    }
}
