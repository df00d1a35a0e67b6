//! Operations invoked through RESTCONF (RFC 8040 §3.6): an `rpc`'s input or output, or an
//! `action`'s, as RESTCONF carries it (`input` or `output` of the operation's module), parsed
//! against what the schema defines for the operation. Input prints as the NETCONF request
//! carries it: an rpc's own node (`<name xmlns="ns">...</name>`), or an action's node inside
//! its ancestors (the content of NETCONF's `<action>`, RFC 7950 §7.15.2). Output prints as
//! the operation's own node, which [`rfc3535_wire::restconf::invoke::reroot`] turns back into
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
    /// The input or output of the operation whose node `path` names (`/module:name` for an
    /// rpc; an action's data path, keys included), `body` in RESTCONF's envelope (empty:
    /// none), checked against the schema and printed in `to`. An operation the schema does
    /// not define, and content it does not allow, are findings.
    pub fn operation_part(
        &self,
        path: &str,
        part: OperationPart,
        body: &str,
        from: Encoding,
        to: Encoding,
    ) -> Result<String, Finding> {
        let mut operation =
            DataTreeOwningRef::new_path(&self.context, path, None, part == OperationPart::Output)
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
        match part {
            OperationPart::Input => crate::print::print(
                &operation.tree,
                format(to),
                DataPrinterFlags::WITH_SIBLINGS | DataPrinterFlags::SHRINK,
            ),
            OperationPart::Output => {
                // The output node itself, not the tree it was made in.
                let output = yang5::data::DataNodeRef::from(&operation);
                crate::print::print(&output, format(to), DataPrinterFlags::SHRINK)
            }
        }
    }
}

fn format(encoding: Encoding) -> DataFormat {
    match encoding {
        Encoding::Xml => DataFormat::XML,
        Encoding::Json => DataFormat::JSON,
    }
}
