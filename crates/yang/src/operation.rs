//! Operations invoked through RESTCONF's operations resource (RFC 8040 §3.6): an `rpc`'s
//! input or output, as RESTCONF carries it (`input` or `output` of the operation's module),
//! parsed against what the schema defines for the operation and printed as the operation's
//! own node (`<name xmlns="ns">...</name>`, `{"module:name": {...}}`): the form a NETCONF
//! `<rpc>` carries, and the one [`rfc3535_wire::restconf::invoke::reroot`] turns back into
//! RESTCONF's envelope.

use rfc3535_wire::restconf::Encoding;
use yang5::data::{DataFormat, DataParserFlags, DataPrinterFlags, DataTreeOwningRef};

use crate::{Finding, Schema};

/// Which half of an operation a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationPart {
    Input,
    Output,
}

impl Schema {
    /// The operation `module:name`'s input or output, `body` in RESTCONF's envelope
    /// (empty: none), checked against the schema and printed in `to` as the operation's
    /// node. An operation the schema does not define, and content it does not allow, are
    /// findings.
    pub fn operation_part(
        &self,
        module: &str,
        name: &str,
        part: OperationPart,
        body: &str,
        from: Encoding,
        to: Encoding,
    ) -> Result<String, Finding> {
        let path = format!("/{module}:{name}");
        let mut operation =
            DataTreeOwningRef::new_path(&self.context, &path, None, part == OperationPart::Output)
                .map_err(Finding::from)?;
        if !body.trim().is_empty() {
            let parsed = match part {
                OperationPart::Input => {
                    operation.parse_restconf_rpc_op(body, format(from), DataParserFlags::STRICT)
                }
                OperationPart::Output => {
                    operation.parse_restconf_reply_op(body, format(from), DataParserFlags::STRICT)
                }
            };
            parsed.map_err(Finding::from)?;
        }
        crate::print::print(
            &operation.tree,
            format(to),
            DataPrinterFlags::WITH_SIBLINGS | DataPrinterFlags::SHRINK,
        )
    }
}

fn format(encoding: Encoding) -> DataFormat {
    match encoding {
        Encoding::Xml => DataFormat::XML,
        Encoding::Json => DataFormat::JSON,
    }
}
