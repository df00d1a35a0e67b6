//! Printing data trees. yang5's in-memory printer (`print_string`) reads a null pointer when
//! libyang prints nothing at all, which it does for XML of data that is only implicit
//! defaults or an empty non-presence container: a crash, not an error. So a print goes to
//! memory only when libyang is sure to print something: always for JSON (libyang opens an
//! object whatever it holds), and for XML when the data holds a leaf or leaf-list whose value
//! is not its default, which libyang prints in every with-defaults mode, with every ancestor
//! on the way. Anything else goes through libyang's file printer into a scratch file kept
//! per thread, where printing nothing is an empty file. The file printer writes each token
//! with a system call of its own: through it, printing took a seventh of a 60-device run's
//! CPU (benches/README.md, `scale`). The scratch file lives in memory (`memfd_create`);
//! where the kernel has no memfd, an unlinked temporary file does the same more slowly.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::AsFd;

use yang5::data::{Data, DataFormat, DataNodeRef, DataPrinterFlags, DataTree};
use yang5::schema::SchemaNodeKind;

use crate::Finding;

thread_local! {
    static SCRATCH: RefCell<Option<File>> = const { RefCell::new(None) };
}

fn io_finding(error: std::io::Error) -> Finding {
    Finding {
        message: format!("printing data through a scratch file: {error}"),
        path: None,
        app_tag: None,
    }
}

fn scratch_file() -> std::io::Result<File> {
    match rustix::fs::memfd_create("rfc3535-print", rustix::fs::MemfdFlags::CLOEXEC) {
        Ok(fd) => Ok(File::from(fd)),
        Err(_) => tempfile::tempfile(),
    }
}

/// Data that libyang prints: a tree (from its first top-level node) or one node.
pub(crate) trait Printable<'a>: Data<'a> {
    /// The nodes libyang starts printing from: the first, or it and every sibling after it.
    fn printed_roots(&self, with_siblings: bool) -> Vec<DataNodeRef<'_>>;
}

impl<'a> Printable<'a> for DataTree<'a> {
    fn printed_roots(&self, with_siblings: bool) -> Vec<DataNodeRef<'_>> {
        let Some(first) = self.reference() else {
            return Vec::new();
        };
        if with_siblings {
            first.inclusive_siblings().collect()
        } else {
            vec![first]
        }
    }
}

impl<'a> Printable<'a> for DataNodeRef<'a> {
    fn printed_roots(&self, with_siblings: bool) -> Vec<DataNodeRef<'_>> {
        if with_siblings {
            self.inclusive_siblings().collect()
        } else {
            vec![self.clone()]
        }
    }
}

/// Whether libyang prints something for `data` whatever the with-defaults mode: a leaf or
/// leaf-list whose value is not its default is never left out (libyang's
/// `lyd_node_should_print`: only nodes flagged as implicit defaults, or in trim mode terms
/// equal to their default and containers with nothing printed, are), and neither is any
/// ancestor of a node that is printed.
pub(crate) fn surely_prints<'a>(
    data: &impl Printable<'a>,
    format: DataFormat,
    flags: &DataPrinterFlags,
) -> bool {
    match format {
        DataFormat::JSON => true,
        DataFormat::XML => data
            .printed_roots(flags.contains(DataPrinterFlags::WITH_SIBLINGS))
            .iter()
            .any(|root| {
                root.traverse().any(|node| {
                    matches!(
                        node.schema().kind(),
                        SchemaNodeKind::Leaf | SchemaNodeKind::LeafList
                    ) && !node.is_default()
                })
            }),
        _ => false,
    }
}

/// Prints `data` (a tree, or one node) as libyang does; `""` when libyang prints nothing.
pub(crate) fn print<'a>(
    data: &impl Printable<'a>,
    format: DataFormat,
    flags: DataPrinterFlags,
) -> Result<String, Finding> {
    if surely_prints(data, format, &flags) {
        return data.print_string(format, flags).map_err(Finding::from);
    }
    print_through_file(data, format, flags)
}

/// [`print`] through the thread's scratch file.
pub(crate) fn print_through_file<'a>(
    data: &impl Data<'a>,
    format: DataFormat,
    flags: DataPrinterFlags,
) -> Result<String, Finding> {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.is_none() {
            *scratch = Some(scratch_file().map_err(io_finding)?);
        }
        let Some(file) = scratch.as_mut() else {
            return Ok(String::new());
        };
        file.set_len(0).map_err(io_finding)?;
        file.seek(SeekFrom::Start(0)).map_err(io_finding)?;
        data.print_file(file.as_fd(), format, flags)
            .map_err(Finding::from)?;
        file.seek(SeekFrom::Start(0)).map_err(io_finding)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io_finding)?;
        Ok(text)
    })
}
