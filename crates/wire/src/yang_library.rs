//! The YANG library a device serves: RFC 8525 `/yang-library` (module sets, datastores,
//! content-id) or the older RFC 7895 `/modules-state` (module-set-id), parsed from the `<data>`
//! of a `<get>` into one summary. Used to discover what a device claims.

use crate::xml::{Step, Walker, XmlError};

/// Namespace of ietf-yang-library (both revisions).
pub use crate::ns::YANG_LIBRARY as NS_YANG_LIBRARY;

/// Which YANG library a summary came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryFormat {
    /// RFC 8525 `/yang-library`.
    Rfc8525,
    /// RFC 7895 `/modules-state`.
    Rfc7895,
}

/// One module of the library.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibraryModule {
    pub name: String,
    pub revision: Option<String>,
    pub namespace: Option<String>,
    pub features: Vec<String>,
    pub deviations: Vec<String>,
    pub submodules: Vec<String>,
    /// True for implemented modules, false for import-only.
    pub implemented: bool,
    /// Where the module's text can be fetched: RFC 8525 `location`, RFC 7895 `schema`
    /// (RFC 8040 §3.7).
    pub locations: Vec<String>,
}

/// What a device's YANG library says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YangLibrary {
    pub format: LibraryFormat,
    /// RFC 8525 content-id or RFC 7895 module-set-id.
    pub content_id: Option<String>,
    pub modules: Vec<LibraryModule>,
    /// RFC 8525 datastore names (e.g. `ds:running`), empty for RFC 7895.
    pub datastores: Vec<String>,
}

impl YangLibrary {
    /// Parses the `<data>` of a `<get>` filtered to `/yang-library` or `/modules-state`.
    /// `Ok(None)` when neither is present.
    pub fn parse(data: &str) -> Result<Option<YangLibrary>, XmlError> {
        let wrapped = format!("<d>{data}</d>");
        let mut walker = Walker::new(&wrapped);
        let _ = walker.next()?; // <d>
        loop {
            match walker.next()? {
                Step::Open {
                    name, empty: false, ..
                } if name.namespace == NS_YANG_LIBRARY => match name.local.as_str() {
                    "yang-library" => return parse_8525(&mut walker).map(Some),
                    "modules-state" => return parse_7895(&mut walker).map(Some),
                    other => {
                        walker.skip_content(other, 0)?;
                    }
                },
                Step::Open {
                    name, empty: false, ..
                } => {
                    walker.skip_content(&name.local, 0)?;
                }
                Step::Eof | Step::Close { .. } => return Ok(None),
                _ => {}
            }
        }
    }

    /// Implemented modules.
    pub fn implemented(&self) -> impl Iterator<Item = &LibraryModule> {
        self.modules.iter().filter(|m| m.implemented)
    }
}

/// Walks the children of the element just opened, calling `on_child` for each child element
/// (non-empty ones must be consumed by the callback) until its end tag.
fn children(
    walker: &mut Walker<'_>,
    mut on_child: impl FnMut(&mut Walker<'_>, &str, bool) -> Result<(), XmlError>,
) -> Result<(), XmlError> {
    loop {
        match walker.next()? {
            Step::Open { name, empty, .. } => on_child(walker, &name.local, empty)?,
            Step::Close { .. } => return Ok(()),
            Step::Text(_) => {}
            Step::Eof => return Err(XmlError::Unclosed("yang library".into())),
        }
    }
}

fn text(walker: &mut Walker<'_>, element: &str, empty: bool) -> Result<String, XmlError> {
    if empty {
        Ok(String::new())
    } else {
        Ok(walker.text_content(element)?.trim().to_owned())
    }
}

fn skip(walker: &mut Walker<'_>, element: &str, empty: bool) -> Result<(), XmlError> {
    if !empty {
        walker.skip_content(element, 0)?;
    }
    Ok(())
}

fn parse_module(walker: &mut Walker<'_>, implemented: bool) -> Result<LibraryModule, XmlError> {
    let mut module = LibraryModule {
        implemented,
        ..LibraryModule::default()
    };
    children(walker, |walker, local, empty| {
        match local {
            "name" => module.name = text(walker, local, empty)?,
            "revision" => {
                let r = text(walker, local, empty)?;
                if !r.is_empty() {
                    module.revision = Some(r);
                }
            }
            "namespace" => module.namespace = Some(text(walker, local, empty)?),
            "feature" => module.features.push(text(walker, local, empty)?),
            "location" | "schema" => {
                let location = text(walker, local, empty)?;
                if !location.is_empty() {
                    module.locations.push(location);
                }
            }
            "conformance-type" => module.implemented = text(walker, local, empty)? == "implement",
            "deviation" if !empty => {
                // RFC 7895: a list with name and revision; RFC 8525: a leaf-list of names.
                let mut name = None;
                let mut own_text = String::new();
                loop {
                    match walker.next()? {
                        Step::Open {
                            name: child, empty, ..
                        } => {
                            let value = text(walker, &child.local, empty)?;
                            if child.local == "name" {
                                name = Some(value);
                            }
                        }
                        Step::Text(t) => own_text.push_str(&t),
                        Step::Close { .. } => break,
                        Step::Eof => return Err(XmlError::Unclosed("deviation".into())),
                    }
                }
                module
                    .deviations
                    .push(name.unwrap_or_else(|| own_text.trim().to_owned()));
            }
            "submodule" if !empty => {
                let mut name = String::new();
                children(walker, |walker, local, empty| {
                    if local == "name" {
                        name = text(walker, local, empty)?;
                    } else {
                        skip(walker, local, empty)?;
                    }
                    Ok(())
                })?;
                module.submodules.push(name);
            }
            other => skip(walker, other, empty)?,
        }
        Ok(())
    })?;
    Ok(module)
}

fn parse_7895(walker: &mut Walker<'_>) -> Result<YangLibrary, XmlError> {
    let mut library = YangLibrary {
        format: LibraryFormat::Rfc7895,
        content_id: None,
        modules: Vec::new(),
        datastores: Vec::new(),
    };
    children(walker, |walker, local, empty| {
        match local {
            "module-set-id" => library.content_id = Some(text(walker, local, empty)?),
            "module" if !empty => library.modules.push(parse_module(walker, true)?),
            other => skip(walker, other, empty)?,
        }
        Ok(())
    })?;
    Ok(library)
}

fn parse_8525(walker: &mut Walker<'_>) -> Result<YangLibrary, XmlError> {
    let mut library = YangLibrary {
        format: LibraryFormat::Rfc8525,
        content_id: None,
        modules: Vec::new(),
        datastores: Vec::new(),
    };
    children(walker, |walker, local, empty| {
        match local {
            "content-id" => library.content_id = Some(text(walker, local, empty)?),
            "module-set" if !empty => children(walker, |walker, local, empty| {
                match local {
                    "module" if !empty => library.modules.push(parse_module(walker, true)?),
                    "import-only-module" if !empty => {
                        library.modules.push(parse_module(walker, false)?)
                    }
                    other => skip(walker, other, empty)?,
                }
                Ok(())
            })?,
            "datastore" if !empty => children(walker, |walker, local, empty| {
                if local == "name" {
                    library.datastores.push(text(walker, local, empty)?);
                } else {
                    skip(walker, local, empty)?;
                }
                Ok(())
            })?,
            other => skip(walker, other, empty)?,
        }
        Ok(())
    })?;
    Ok(library)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7895_modules_state() {
        let data = r#"<modules-state xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-library"><module-set-id>abc</module-set-id><module><name>ietf-interfaces</name><revision>2014-05-08</revision><namespace>urn:ietf:params:xml:ns:yang:ietf-interfaces</namespace><feature>if-mib</feature><deviation><name>x-dev</name><revision>2020-01-01</revision></deviation><conformance-type>implement</conformance-type></module><module><name>ietf-yang-types</name><revision>2013-07-15</revision><conformance-type>import</conformance-type></module></modules-state>"#;
        let library = YangLibrary::parse(data).expect("parses").expect("present");
        assert_eq!(library.format, LibraryFormat::Rfc7895);
        assert_eq!(library.content_id.as_deref(), Some("abc"));
        assert_eq!(library.modules.len(), 2);
        assert_eq!(library.modules[0].features, ["if-mib"]);
        assert_eq!(library.modules[0].deviations, ["x-dev"]);
        assert_eq!(library.implemented().count(), 1);
    }

    #[test]
    fn rfc8525_yang_library() {
        let data = r#"<yang-library xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-library" xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores"><module-set><name>all</name><module><name>ietf-system</name><revision>2014-08-06</revision><feature>ntp</feature><deviation>ex-dev</deviation><submodule><name>sub</name></submodule></module><import-only-module><name>ietf-inet-types</name><revision>2013-07-15</revision></import-only-module></module-set><datastore><name>ds:running</name><schema>s</schema></datastore><datastore><name>ds:operational</name><schema>s</schema></datastore><content-id>42</content-id></yang-library>"#;
        let library = YangLibrary::parse(data).expect("parses").expect("present");
        assert_eq!(library.format, LibraryFormat::Rfc8525);
        assert_eq!(library.content_id.as_deref(), Some("42"));
        assert_eq!(library.datastores, ["ds:running", "ds:operational"]);
        assert_eq!(library.modules[0].deviations, ["ex-dev"]);
        assert_eq!(library.modules[0].submodules, ["sub"]);
        assert!(!library.modules[1].implemented);
    }

    #[test]
    fn absent_library_is_none() {
        assert_eq!(
            YangLibrary::parse("<other xmlns=\"urn:o\"><a/></other>").expect("ok"),
            None
        );
        assert_eq!(YangLibrary::parse("").expect("ok"), None);
    }
}
