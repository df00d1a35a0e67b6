//! Root discovery (RFC 8040 §3.1): `GET /.well-known/host-meta` answers with an XRD document
//! (RFC 6415 §3) or, asked for JSON, a JRD, whose link with relation `restconf` names the
//! RESTCONF root.

use serde::{Deserialize, Serialize};

use super::{BodyError, Encoding};
use crate::ns;
use crate::xml::{escape, Step, Walker, XmlError};

/// The link relation that names the RESTCONF root.
pub const RESTCONF_RELATION: &str = "restconf";

/// One `Link` of a host-meta document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub rel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// A host-meta document: its links, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HostMeta {
    #[serde(default)]
    pub links: Vec<Link>,
}

impl HostMeta {
    /// The document a server with its RESTCONF root at `root` serves.
    pub fn for_root(root: &str) -> HostMeta {
        HostMeta {
            links: vec![Link {
                rel: RESTCONF_RELATION.to_owned(),
                href: Some(root.to_owned()),
            }],
        }
    }

    /// The RESTCONF root: the `href` of the first `restconf` link.
    pub fn restconf_root(&self) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.rel == RESTCONF_RELATION)
            .and_then(|l| l.href.as_deref())
    }

    /// Reads an XRD (XML) or JRD (JSON) document.
    pub fn parse(body: &str, encoding: Encoding) -> Result<HostMeta, BodyError> {
        match encoding {
            Encoding::Json => Ok(serde_json::from_str(body)?),
            Encoding::Xml => parse_xrd(body),
        }
    }

    /// Writes the document as XRD (XML) or JRD (JSON).
    pub fn to_body(&self, encoding: Encoding) -> String {
        match encoding {
            // Serializing a struct of strings cannot fail.
            Encoding::Json => serde_json::to_string(self).unwrap_or_default(),
            Encoding::Xml => {
                let mut out = format!("<XRD xmlns=\"{}\">", ns::XRD);
                for link in &self.links {
                    out.push_str(&format!("<Link rel=\"{}\"", escape(&link.rel)));
                    if let Some(href) = &link.href {
                        out.push_str(&format!(" href=\"{}\"", escape(href)));
                    }
                    out.push_str("/>");
                }
                out.push_str("</XRD>");
                out
            }
        }
    }
}

fn parse_xrd(body: &str) -> Result<HostMeta, BodyError> {
    let mut walker = Walker::new(body);
    let mut meta = HostMeta::default();
    let mut depth = 0usize;
    loop {
        match walker.next()? {
            Step::Open {
                name, tag, empty, ..
            } => {
                if depth == 0 && (name.local != "XRD" || name.namespace != ns::XRD) {
                    return Err(BodyError::UnexpectedRoot {
                        found: name.to_string(),
                        expected: "XRD in the XRD 1.0 namespace",
                    });
                }
                if depth == 1 && name.local == "Link" && name.namespace == ns::XRD {
                    let rel = walker.plain_attribute(&tag, "rel")?;
                    let href = walker.plain_attribute(&tag, "href")?;
                    if let Some(rel) = rel {
                        meta.links.push(Link { rel, href });
                    }
                }
                if empty {
                    if depth == 0 {
                        return Ok(meta);
                    }
                } else {
                    depth += 1;
                }
            }
            Step::Close { .. } => {
                depth -= 1;
                if depth == 0 {
                    return Ok(meta);
                }
            }
            Step::Text(_) => {}
            Step::Eof => {
                return Err(if depth == 0 {
                    XmlError::NoRoot
                } else {
                    XmlError::Unclosed("XRD".into())
                }
                .into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_found_in_xrd_and_jrd() {
        let xrd = r#"<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
    <Link rel='author' href='http://example.org/me'/>
    <Link rel='restconf' href='/top/restconf'/>
</XRD>"#;
        let meta = HostMeta::parse(xrd, Encoding::Xml).expect("xrd");
        assert_eq!(meta.restconf_root(), Some("/top/restconf"));
        let jrd = r#"{"links":[{"rel":"restconf","href":"/restconf"}]}"#;
        assert_eq!(
            HostMeta::parse(jrd, Encoding::Json)
                .expect("jrd")
                .restconf_root(),
            Some("/restconf")
        );
        assert_eq!(
            HostMeta::parse(r#"{"links":[]}"#, Encoding::Json)
                .expect("empty")
                .restconf_root(),
            None
        );
    }

    #[test]
    fn written_documents_read_back() {
        let meta = HostMeta::for_root("/a&b/restconf");
        for encoding in Encoding::ALL {
            let body = meta.to_body(encoding);
            assert_eq!(
                HostMeta::parse(&body, encoding).expect("reads back"),
                meta,
                "{body}"
            );
        }
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(
            HostMeta::parse("<XRD><Link rel='restconf' href='/r'/></XRD>", Encoding::Xml).is_err()
        );
        assert!(HostMeta::parse("<html/>", Encoding::Xml).is_err());
        assert!(HostMeta::parse("", Encoding::Xml).is_err());
        assert!(HostMeta::parse("[1]", Encoding::Json).is_err());
    }
}
