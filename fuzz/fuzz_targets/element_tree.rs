//! The element tree every judgement of a reply's data uses: parsed, written out and parsed
//! again to the same tree (from the first writing on); the namespace prefixes in force at an
//! element.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc3535_wire::tree::{fragment_xml, prefix_bindings_at, Element};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(first) = Element::parse_fragment(text) {
        // The reader is lenient where devices are (an attribute prefix nothing binds keeps
        // the prefix as its namespace), so a tree read from malformed input may be written
        // as something read otherwise once; from then on, writing and reading again must
        // change nothing.
        let written = fragment_xml(&first);
        let second = Element::parse_fragment(&written).expect("what the tree writes parses");
        let rewritten = fragment_xml(&second);
        let third = Element::parse_fragment(&rewritten).expect("what the tree writes parses");
        assert_eq!(
            second, third,
            "the tree changed through writing: {rewritten}"
        );
        if let Some(root) = first.first() {
            let _ = prefix_bindings_at(text, &root.name.local);
        }
    }
    let _ = Element::parse(text);
});
