//! The body of the datastore resource `{+restconf}/data` (RFC 8040 §3.5.1, §4.5, §4.6.1), and
//! of each NMDA datastore resource `{+restconf}/ds/<datastore>` (RFC 8527 §3.1), whose path
//! segment is named here too: the datastore's top-level nodes inside `ietf-restconf:data`, in XML
//! (`<data xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf">`) or JSON
//! (`{"ietf-restconf:data": {...}}`). Wrapping and unwrapping are textual; the data inside is
//! left as it is (XML elements get the namespace declarations in scope carried in).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{single_member, BodyError, Encoding};
use crate::ns;
use crate::rpc::NmdaDatastore;
use crate::xml::Walker;

/// The JSON name of the datastore container.
pub const JSON_MEMBER: &str = "ietf-restconf:data";

/// The module whose identities name the NMDA datastores in a `{+restconf}/ds` path.
const DATASTORES_MODULE: &str = "ietf-datastores";

/// The path segment of an NMDA datastore resource under `{+restconf}/ds` (RFC 8527 §3.1):
/// the datastore's identity, module-qualified (`ietf-datastores:operational`).
pub fn nmda_segment(datastore: &NmdaDatastore) -> String {
    format!("{DATASTORES_MODULE}:{}", datastore.name())
}

/// The datastore an `{+restconf}/ds` path segment names; `None` for what is no
/// `ietf-datastores` identity.
pub fn parse_nmda_segment(segment: &str) -> Option<NmdaDatastore> {
    let (module, name) = segment.split_once(':')?;
    (module == DATASTORES_MODULE)
        .then(|| NmdaDatastore::from_name(name))
        .flatten()
}

/// The body for these top-level nodes: XML elements, or a JSON object of module-qualified
/// members (`{}` or empty for none).
pub fn wrap(data: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Xml => format!("<data xmlns=\"{}\">{data}</data>", ns::RESTCONF),
        Encoding::Json => {
            let inner = data.trim();
            let inner = inner
                .strip_prefix('{')
                .and_then(|i| i.strip_suffix('}'))
                .unwrap_or(inner)
                .trim();
            format!("{{\"{JSON_MEMBER}\":{{{inner}}}}}")
        }
    }
}

/// The top-level nodes a datastore body holds: XML elements (prefix declarations from the
/// wrapper carried in), or a JSON object's text.
pub fn unwrap(body: &str, encoding: Encoding) -> Result<String, BodyError> {
    match encoding {
        Encoding::Json => {
            #[derive(Deserialize)]
            struct Document<'a> {
                #[serde(rename = "ietf-restconf:data", borrow)]
                data: &'a RawValue,
            }
            // The member check gives a clear error for another top-level name.
            let value: serde_json::Value = serde_json::from_str(body)?;
            single_member(&value, JSON_MEMBER)?;
            let document: Document<'_> = serde_json::from_str(body)?;
            Ok(document.data.get().to_owned())
        }
        Encoding::Xml => {
            let mut walker = Walker::new(body);
            let (empty, content) = super::open_root(
                &mut walker,
                "data",
                ns::RESTCONF,
                "data in the ietf-restconf namespace",
            )?;
            super::raw_content(&mut walker, "data", empty, content)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmda_segments_name_each_datastore_and_nothing_else() {
        for datastore in NmdaDatastore::ALL {
            let segment = nmda_segment(&datastore);
            assert_eq!(parse_nmda_segment(&segment), Some(datastore));
        }
        assert_eq!(
            nmda_segment(&NmdaDatastore::Operational),
            "ietf-datastores:operational"
        );
        for other in [
            "running",
            "ds:running",
            "ietf-datastores:",
            "ietf-datastores:conventional",
            "ietf-origin:intended",
        ] {
            assert_eq!(parse_nmda_segment(other), None, "{other}");
        }
    }

    #[test]
    fn bodies_wrap_and_unwrap_in_both_encodings() {
        let xml = "<system xmlns=\"urn:ietf:params:xml:ns:yang:ietf-system\"><contact>x</contact></system>";
        assert_eq!(
            unwrap(&wrap(xml, Encoding::Xml), Encoding::Xml).expect("xml"),
            xml
        );
        let json = r#"{"ietf-system:system":{"contact":"x"}}"#;
        let wrapped = wrap(json, Encoding::Json);
        assert_eq!(
            wrapped,
            r#"{"ietf-restconf:data":{"ietf-system:system":{"contact":"x"}}}"#
        );
        assert_eq!(unwrap(&wrapped, Encoding::Json).expect("json"), json);
        assert_eq!(
            unwrap(&wrap("", Encoding::Xml), Encoding::Xml).expect("empty"),
            ""
        );
        assert_eq!(
            unwrap(&wrap("{}", Encoding::Json), Encoding::Json).expect("empty"),
            "{}"
        );
    }

    #[test]
    fn a_prefix_declared_on_the_wrapper_travels_with_the_data() {
        let body = r#"<data xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf" xmlns:sys="urn:ietf:params:xml:ns:yang:ietf-system"><sys:system><sys:contact>x</sys:contact></sys:system></data>"#;
        let data = unwrap(body, Encoding::Xml).expect("unwraps");
        let tree = crate::tree::Element::parse_fragment(&data).expect("parses alone");
        assert_eq!(
            tree[0].name.namespace,
            "urn:ietf:params:xml:ns:yang:ietf-system"
        );
    }

    #[test]
    fn another_document_is_refused() {
        assert!(unwrap("<config/>", Encoding::Xml).is_err());
        assert!(unwrap(r#"{"data":{}}"#, Encoding::Json).is_err());
        assert!(unwrap("", Encoding::Xml).is_err());
    }
}
