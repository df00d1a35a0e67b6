//! The server's `<hello>`: capabilities (each URI read as a capability), session-id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::message::Hello;
use rfc3535_wire::Capability;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(hello) = Hello::parse(text) {
        for uri in &hello.capabilities {
            let _ = Capability::parse(uri);
        }
        let _ = hello.to_xml();
    }
    // A capability URI alone, as a hello can carry any text.
    let _ = Capability::parse(text);
});
