//! Every RESTCONF body and header value the client reads from a server, in XML and JSON:
//! the API resource, errors, host-meta, the operations list, YANG Patch and its status,
//! media types, capability URIs and query values. The first byte picks the encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::restconf::{
    api, operations, Depth, Encoding, Errors, Fields, HostMeta, MediaType, PatchStatus,
    RestconfCapability, YangPatch,
};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    let encoding = if control & 1 == 0 {
        Encoding::Xml
    } else {
        Encoding::Json
    };
    let _ = api::parse(body, encoding);
    let _ = api::parse_version(body, encoding);
    let _ = Errors::parse(body, encoding);
    let _ = HostMeta::parse(body, encoding);
    let _ = operations::parse(body, encoding);
    let _ = YangPatch::parse(body, encoding);
    let _ = PatchStatus::parse(body, encoding);
    let _ = MediaType::parse(body);
    let _ = RestconfCapability::parse(body);
    let _ = Fields::parse(body);
    let _ = Depth::parse(body);
});
