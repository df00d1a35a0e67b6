//! The query parameters of a RESTCONF read that choose what comes back (RFC 8040 §4.8.2,
//! §4.8.3). Parsing and writing only; what a parameter selects in a tree is the server's
//! business.

/// The `depth` query parameter (RFC 8040 §4.8.2): how many levels below and including the
/// target a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// 1 to 65535: the target is level 1.
    Levels(u16),
    Unbounded,
}

impl Depth {
    /// Reads a `depth` value; `None` for anything but `unbounded` or 1 to 65535.
    pub fn parse(value: &str) -> Option<Depth> {
        if value == "unbounded" {
            return Some(Depth::Unbounded);
        }
        // Digits only: no sign, no spaces.
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match value.parse::<u16>() {
            Ok(0) | Err(_) => None,
            Ok(levels) => Some(Depth::Levels(levels)),
        }
    }

    pub fn as_string(self) -> String {
        match self {
            Depth::Levels(levels) => levels.to_string(),
            Depth::Unbounded => "unbounded".to_owned(),
        }
    }
}

/// The `fields` query parameter (RFC 8040 §4.8.3): descendants of the target to return, each a
/// path of node names, optionally followed by the fields wanted beneath it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields(pub Vec<FieldPath>);

/// One selected path: `a/b/c`, and `(d;e)` beneath it when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// API identifiers (`name` or `module:name`).
    pub steps: Vec<String>,
    /// What is wanted beneath the path's end; `None`: all of it.
    pub beneath: Option<Fields>,
}

/// A `fields` value that does not follow RFC 8040 §4.8.3's grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fields {value:?}: {reason} at character {at}")]
pub struct FieldsError {
    pub value: String,
    pub reason: &'static str,
    pub at: usize,
}

impl Fields {
    /// Reads a `fields` value (already percent-decoded).
    pub fn parse(value: &str) -> Result<Fields, FieldsError> {
        let mut parser = FieldsParser {
            text: value.as_bytes(),
            at: 0,
            value,
            open: 0,
        };
        let fields = parser.expression()?;
        if parser.at != parser.text.len() {
            return Err(parser.error("unexpected character"));
        }
        Ok(fields)
    }

    /// The value as sent in a query (before percent-encoding).
    pub fn as_string(&self) -> String {
        self.0
            .iter()
            .map(|path| {
                let mut text = path.steps.join("/");
                if let Some(beneath) = &path.beneath {
                    text.push('(');
                    text.push_str(&beneath.as_string());
                    text.push(')');
                }
                text
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Nesting deeper than this is refused: parentheses cost stack.
const MAX_FIELDS_NESTING: usize = 32;

/// A recursive-descent reader of the four-rule grammar (hand-written: no crate carries
/// RFC 8040's `fields-expr`, and a parser generator would outweigh it).
struct FieldsParser<'a> {
    text: &'a [u8],
    at: usize,
    value: &'a str,
    open: usize,
}

impl FieldsParser<'_> {
    fn error(&self, reason: &'static str) -> FieldsError {
        FieldsError {
            value: self.value.to_owned(),
            reason,
            at: self.at,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    /// fields-expr: path ["(" fields-expr ")"] [";" fields-expr]
    fn expression(&mut self) -> Result<Fields, FieldsError> {
        let mut paths = Vec::new();
        loop {
            let steps = self.path()?;
            let beneath = if self.peek() == Some(b'(') {
                self.at += 1;
                self.open += 1;
                if self.open > MAX_FIELDS_NESTING {
                    return Err(self.error("parentheses nested too deep"));
                }
                let inner = self.expression()?;
                if self.peek() != Some(b')') {
                    return Err(self.error("a '(' is not closed"));
                }
                self.at += 1;
                self.open -= 1;
                Some(inner)
            } else {
                None
            };
            paths.push(FieldPath { steps, beneath });
            if self.peek() == Some(b';') {
                self.at += 1;
                continue;
            }
            return Ok(Fields(paths));
        }
    }

    /// path: api-identifier ["/" path]
    fn path(&mut self) -> Result<Vec<String>, FieldsError> {
        let mut steps = vec![self.identifier()?];
        while self.peek() == Some(b'/') {
            self.at += 1;
            steps.push(self.identifier()?);
        }
        Ok(steps)
    }

    /// api-identifier: [identifier ":"] identifier, identifiers per YANG (RFC 7950 §6.2).
    fn identifier(&mut self) -> Result<String, FieldsError> {
        let start = self.at;
        let mut seen_colon = false;
        let mut segment_start = self.at;
        while let Some(byte) = self.peek() {
            let first = self.at == segment_start;
            let fits = if first {
                byte.is_ascii_alphabetic() || byte == b'_'
            } else {
                byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
            };
            if fits {
                self.at += 1;
            } else if byte == b':' && !seen_colon && !first {
                seen_colon = true;
                self.at += 1;
                segment_start = self.at;
            } else {
                break;
            }
        }
        if self.at == segment_start {
            return Err(self.error("a node name is expected"));
        }
        Ok(self.value[start..self.at].to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_takes_unbounded_and_1_to_65535_only() {
        assert_eq!(Depth::parse("1"), Some(Depth::Levels(1)));
        assert_eq!(Depth::parse("65535"), Some(Depth::Levels(65535)));
        assert_eq!(Depth::parse("unbounded"), Some(Depth::Unbounded));
        for bad in ["0", "65536", "-1", "+1", " 1", "", "one", "1.0"] {
            assert_eq!(Depth::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Depth::Levels(3).as_string(), "3");
    }

    #[test]
    fn fields_follow_the_grammar_and_write_back_as_read() {
        for text in [
            "location",
            "a/b;c",
            "ietf-yang-library:modules-state/module(name;revision)",
            "a(b(c;d/e);f);g",
            "ex:a/ex:b",
        ] {
            let fields = Fields::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(fields.as_string(), text);
        }
        let fields = Fields::parse("a/b(c;d);e").expect("parses");
        assert_eq!(fields.0.len(), 2);
        assert_eq!(fields.0[0].steps, ["a", "b"]);
        assert_eq!(fields.0[0].beneath.as_ref().map(|f| f.0.len()), Some(2));
        for bad in [
            "", ";", "a;", "a(", "a()", "a)b", "a//b", "1a", "a:", ":a", "a:b:c", "a(b))",
        ] {
            assert!(Fields::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let deep = format!("{}b{}", "a(".repeat(40), ")".repeat(40));
        assert!(Fields::parse(&deep).is_err());
    }
}
