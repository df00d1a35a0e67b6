//! The YANG library a device serves (RFC 8525 and RFC 7895 forms) read into its summary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::YangLibrary;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = YangLibrary::parse(text);
});
