//! Printing data trees. yang5's in-memory printers (`print_string`, `print_bytes`) read a
//! null pointer when libyang prints nothing at all, which it does for data that is only
//! implicit defaults or an empty non-presence container: a crash, not an error. So every print
//! here goes through libyang's file printer into a scratch file kept per thread, where
//! printing nothing is an empty file. The scratch file lives in memory (`memfd_create`):
//! libyang writes each token with a system call of its own, and on a disk-backed file those
//! writes and the truncation before each print were a tenth of a 20-device run's CPU
//! (benches/README.md, `scale`). Where the kernel has no memfd, an unlinked temporary file
//! does the same more slowly.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::AsFd;

use yang5::data::{Data, DataFormat, DataPrinterFlags};

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

/// Prints `data` (a tree, or one node) as libyang does; `""` when libyang prints nothing.
pub(crate) fn print<'a>(
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
