use super::*;
use proptest::prelude::*;

/// A JSON message of publisher 0x0a0b0c0d, message 7, laid out by hand from the draft's §3.2
/// figure (our own values): version 1, S clear, MT 1; header 12 octets; message 16 octets.
const HAND_BUILT: [u8; 16] = [
    0x21, 12, 0, 16, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 7, b'{', b'}', b' ', b' ',
];

#[test]
fn a_hand_built_datagram_decodes_field_by_field() {
    let datagram = Datagram::decode(&HAND_BUILT).expect("a well-formed datagram");
    assert_eq!(datagram.header.media_type, MediaType::Json);
    assert_eq!(datagram.header.publisher_id, 0x0a0b_0c0d);
    assert_eq!(datagram.header.message_id, 7);
    assert_eq!(datagram.header.segment, None);
    assert_eq!(datagram.payload, b"{}  ");
    let mut again = Vec::new();
    datagram
        .header
        .encode(datagram.payload, &mut again)
        .expect("encodable");
    assert_eq!(again, HAND_BUILT);
}

#[test]
fn the_segmentation_option_carries_a_15_bit_number_and_the_last_flag() {
    // Segment 300 (0x12c), last: the field is 300 << 1 | 1 = 0x0259.
    let mut bytes = vec![
        0x22, 16, 0, 17, 0, 0, 0, 1, 0, 0, 0, 2, 1, 4, 0x02, 0x59, b'<',
    ];
    let datagram = Datagram::decode(&bytes).expect("a well-formed datagram");
    assert_eq!(datagram.header.media_type, MediaType::Xml);
    assert_eq!(
        datagram.header.segment,
        Some(Segment {
            number: 300,
            last: true
        })
    );
    assert_eq!(datagram.payload, b"<");
    bytes[15] = 0x58;
    let datagram = Datagram::decode(&bytes).expect("a well-formed datagram");
    assert_eq!(
        datagram.header.segment,
        Some(Segment {
            number: 300,
            last: false
        })
    );
}

#[test]
fn the_s_flag_puts_the_media_type_in_the_private_space() {
    let mut bytes = HAND_BUILT;
    bytes[0] = 0x31;
    let datagram = Datagram::decode(&bytes).expect("a well-formed datagram");
    assert_eq!(datagram.header.media_type, MediaType::Private(1));
    assert_eq!(datagram.header.media_type.mime(), None);
    bytes[0] = 0x20;
    assert_eq!(
        Datagram::decode(&bytes)
            .expect("a well-formed datagram")
            .header
            .media_type,
        MediaType::Unassigned(0)
    );
    assert_eq!(MediaType::Cbor.to_string(), "application/yang-data+cbor");
}

#[test]
fn unknown_options_are_kept_in_order() {
    let mut header = Header::new(MediaType::Json, 1, 2);
    header.other_options = vec![(9, vec![1, 2, 3]), (200, vec![])];
    header.segment = Some(Segment {
        number: 0,
        last: true,
    });
    let mut bytes = Vec::new();
    header.encode(b"x", &mut bytes).expect("encodable");
    assert_eq!(bytes[1] as usize, FIXED_HEADER_LEN + 4 + 5 + 2);
    let datagram = Datagram::decode(&bytes).expect("a well-formed datagram");
    assert_eq!(datagram.header, header);
}

#[test]
fn every_broken_rule_is_named() {
    let cases: Vec<(Vec<u8>, DatagramError)> = vec![
        (
            HAND_BUILT[..11].to_vec(),
            DatagramError::Truncated { len: 11 },
        ),
        (
            [&[0x41][..], &HAND_BUILT[1..]].concat(),
            DatagramError::Version { found: 2 },
        ),
        (
            [&[0x21, 8][..], &HAND_BUILT[2..]].concat(),
            DatagramError::HeaderTooShort { header_len: 8 },
        ),
        (
            [&HAND_BUILT[..3], &[15][..], &HAND_BUILT[4..]].concat(),
            DatagramError::MessageLength {
                declared: 15,
                datagram_len: 16,
            },
        ),
        (
            [&[0x21, 20][..], &HAND_BUILT[2..]].concat(),
            DatagramError::HeaderPastMessage {
                header_len: 20,
                message_len: 16,
            },
        ),
        (
            [&[0x21, 13][..], &HAND_BUILT[2..]].concat(),
            DatagramError::OptionTruncated {
                offset: 12,
                header_len: 13,
            },
        ),
        (
            [&[0x21, 14][..], &HAND_BUILT[2..12], &[5, 1, b'x', b'x'][..]].concat(),
            DatagramError::OptionLength { kind: 5, len: 1 },
        ),
        (
            [&[0x21, 14][..], &HAND_BUILT[2..12], &[5, 6, b'x', b'x'][..]].concat(),
            DatagramError::OptionTruncated {
                offset: 12,
                header_len: 14,
            },
        ),
        (
            [&[0x21, 14][..], &HAND_BUILT[2..12], &[0, 2, b'x', b'x'][..]].concat(),
            DatagramError::ReservedOption,
        ),
        (
            [&[0x21, 15][..], &HAND_BUILT[2..12], &[1, 3, 0, b'x'][..]].concat(),
            DatagramError::SegmentationLength { len: 3 },
        ),
        (
            [
                &[0x21, 20, 0, 20][..],
                &HAND_BUILT[4..12],
                &[1, 4, 0, 0, 1, 4, 0, 2][..],
            ]
            .concat(),
            DatagramError::RepeatedSegmentation,
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            Datagram::decode(&bytes),
            Err(expected.clone()),
            "{bytes:?} should fail with {expected}"
        );
    }
}

#[test]
fn a_message_over_the_segment_size_is_segmented_and_put_back_in_any_order() {
    let payload: Vec<u8> = (0..1000u32).map(|n| (n % 251) as u8).collect();
    let header = Header::new(MediaType::Json, 42, 9);
    let datagrams = encode_message(&header, &payload, Some(200)).expect("encodable");
    // 200 - 16 = 184 octets of payload a segment: 6 segments.
    assert_eq!(datagrams.len(), 6);
    for (number, datagram) in datagrams.iter().enumerate() {
        assert!(datagram.len() <= 200);
        let decoded = Datagram::decode(datagram).expect("a well-formed datagram");
        assert_eq!(
            decoded.header.segment,
            Some(Segment {
                number: number as u16,
                last: number == 5
            })
        );
        assert_eq!(decoded.header.message_id, 9);
    }
    let mut reassembler = Reassembler::new(ReassemblyLimits::default());
    let now = Instant::now();
    let mut complete = None;
    for index in [3, 5, 0, 1, 4, 2] {
        let decoded = Datagram::decode(&datagrams[index]).expect("a well-formed datagram");
        let result = reassembler
            .push(&decoded, now)
            .expect("a segment of the message");
        if index != 2 {
            assert_eq!(result, None);
        } else {
            complete = result;
        }
    }
    let message = complete.expect("the last segment to arrive completes the message");
    assert_eq!(message.payload, payload);
    assert_eq!(message.datagrams, 6);
    assert_eq!(reassembler.pending(), 0);
}

#[test]
fn a_message_that_fits_is_one_datagram_without_the_option() {
    let header = Header::new(MediaType::Xml, 1, 1);
    let datagrams = encode_message(&header, b"<a/>", Some(1400)).expect("encodable");
    assert_eq!(datagrams.len(), 1);
    let decoded = Datagram::decode(&datagrams[0]).expect("a well-formed datagram");
    assert_eq!(decoded.header.segment, None);
    let message = Reassembler::new(ReassemblyLimits::default())
        .push(&decoded, Instant::now())
        .expect("a whole message")
        .expect("complete at once");
    assert_eq!(message.payload, b"<a/>");
}

#[test]
fn what_cannot_be_encoded_says_why() {
    let header = Header::new(MediaType::Json, 1, 1);
    // With no maximum set, a message over what one datagram can describe is still segmented.
    let datagrams = encode_message(&header, &[0; 70_000], None).expect("encodable");
    assert_eq!(
        datagrams.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![65_535, 4_497]
    );
    assert_eq!(
        header.encode(&[0; 70_000], &mut Vec::new()),
        Err(EncodeError::DatagramTooLong { len: 70_012 })
    );
    assert_eq!(
        encode_message(&header, &[0; 100], Some(16)),
        Err(EncodeError::SegmentSizeTooSmall { max: 16 })
    );
    assert_eq!(
        encode_message(&header, &[0; 40_000], Some(17)),
        Err(EncodeError::TooManySegments { needed: 40_000 })
    );
    let mut reserved = header.clone();
    reserved.other_options.push((1, vec![0, 0]));
    assert!(matches!(
        reserved.encode(b"", &mut Vec::new()),
        Err(EncodeError::BadOption { kind: 1, .. })
    ));
}

fn segment(message_id: u32, number: u16, last: bool, media_type: MediaType) -> Vec<u8> {
    let mut header = Header::new(media_type, 5, message_id);
    header.segment = Some(Segment { number, last });
    let mut bytes = Vec::new();
    header
        .encode(&[number as u8; 10], &mut bytes)
        .expect("encodable");
    bytes
}

fn push(reassembler: &mut Reassembler, bytes: &[u8]) -> Result<Option<Message>, ReassemblyError> {
    reassembler.push(
        &Datagram::decode(bytes).expect("a well-formed datagram"),
        Instant::now(),
    )
}

#[test]
fn segments_that_cannot_belong_drop_their_message() {
    let json = MediaType::Json;
    let mut reassembler = Reassembler::new(ReassemblyLimits::default());
    push(&mut reassembler, &segment(1, 0, false, json)).expect("a segment of the message");
    assert_eq!(
        push(&mut reassembler, &segment(1, 0, false, json)),
        Err(ReassemblyError::RepeatedSegment {
            publisher_id: 5,
            message_id: 1,
            number: 0
        })
    );
    assert_eq!(reassembler.pending(), 0);

    push(&mut reassembler, &segment(2, 1, true, json)).expect("a segment of the message");
    assert_eq!(
        push(&mut reassembler, &segment(2, 2, false, json)),
        Err(ReassemblyError::AfterLast {
            publisher_id: 5,
            message_id: 2,
            number: 2,
            last: 1
        })
    );

    push(&mut reassembler, &segment(3, 4, false, json)).expect("a segment of the message");
    assert_eq!(
        push(&mut reassembler, &segment(3, 2, true, json)),
        Err(ReassemblyError::AfterLast {
            publisher_id: 5,
            message_id: 3,
            number: 4,
            last: 2
        })
    );

    push(&mut reassembler, &segment(4, 3, true, json)).expect("a segment of the message");
    assert_eq!(
        push(&mut reassembler, &segment(4, 1, true, json)),
        Err(ReassemblyError::TwoLast {
            publisher_id: 5,
            message_id: 4,
            first: 3,
            then: 1
        })
    );

    push(&mut reassembler, &segment(5, 0, false, json)).expect("a segment of the message");
    assert_eq!(
        push(&mut reassembler, &segment(5, 1, true, MediaType::Xml)),
        Err(ReassemblyError::MediaTypeChanged {
            publisher_id: 5,
            message_id: 5,
            first: json,
            then: MediaType::Xml
        })
    );
    assert_eq!(reassembler.pending(), 0);
}

#[test]
fn a_message_over_the_length_limit_is_refused() {
    let mut reassembler = Reassembler::new(ReassemblyLimits {
        max_message_len: 15,
        ..ReassemblyLimits::default()
    });
    push(&mut reassembler, &segment(1, 0, false, MediaType::Json))
        .expect("a segment of the message");
    assert_eq!(
        push(&mut reassembler, &segment(1, 1, false, MediaType::Json)),
        Err(ReassemblyError::TooLong {
            publisher_id: 5,
            message_id: 1,
            limit: 15
        })
    );
}

#[test]
fn incomplete_messages_expire_or_are_evicted_and_say_what_is_missing() {
    let json = MediaType::Json;
    let mut reassembler = Reassembler::new(ReassemblyLimits {
        max_pending: 2,
        max_wait: Duration::from_secs(1),
        ..ReassemblyLimits::default()
    });
    let start = Instant::now();
    for (message_id, number, last) in [(1, 2, true), (1, 0, false), (2, 1, false), (3, 0, false)] {
        let bytes = segment(message_id, number, last, json);
        reassembler
            .push(
                &Datagram::decode(&bytes).expect("a well-formed datagram"),
                start,
            )
            .expect("a segment of the message");
    }
    // The third message evicted the oldest, message 1, which lacked segment 1 of 3.
    let evicted = reassembler.drain_abandoned();
    assert_eq!(
        evicted,
        vec![Abandoned {
            publisher_id: 5,
            message_id: 1,
            reason: AbandonReason::Evicted,
            received: 2,
            last: Some(2),
            missing: vec![1],
        }]
    );
    assert!(evicted[0]
        .to_string()
        .contains("2 segment(s) received of 3"));
    assert_eq!(
        reassembler.oldest_wait(start + Duration::from_millis(10)),
        Some(Duration::from_millis(10))
    );
    reassembler.expire(start + Duration::from_millis(900));
    assert!(reassembler.drain_abandoned().is_empty());
    reassembler.expire(start + Duration::from_secs(2));
    let mut expired = reassembler.drain_abandoned();
    expired.sort_by_key(|abandoned| abandoned.message_id);
    assert_eq!(expired.len(), 2);
    assert_eq!(expired[0].missing, vec![0]);
    assert_eq!(expired[0].last, None);
    assert!(expired[0].to_string().contains("the last never came"));
    assert_eq!(expired[1].missing, Vec::<u16>::new());
    assert_eq!(reassembler.pending(), 0);

    let bytes = segment(9, 0, false, json);
    push(&mut reassembler, &bytes).expect("a segment of the message");
    reassembler.finish();
    assert_eq!(reassembler.drain_abandoned().len(), 1);
}

fn media_type() -> impl Strategy<Value = MediaType> {
    prop_oneof![
        Just(MediaType::Json),
        Just(MediaType::Xml),
        Just(MediaType::Cbor),
        (4u8..16).prop_map(MediaType::Unassigned),
        (0u8..16).prop_map(MediaType::Private),
    ]
}

proptest! {
    #[test]
    fn headers_round_trip(
        media_type in media_type(),
        publisher_id: u32,
        message_id: u32,
        segment in proptest::option::of((0u16..=MAX_SEGMENT_NUMBER, any::<bool>())),
        other_options in proptest::collection::vec((2u8.., proptest::collection::vec(any::<u8>(), 0..20)), 0..4),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let header = Header {
            media_type,
            publisher_id,
            message_id,
            segment: segment.map(|(number, last)| Segment { number, last }),
            other_options,
        };
        let mut bytes = Vec::new();
        header.encode(&payload, &mut bytes).expect("encodable");
        let datagram = Datagram::decode(&bytes).expect("a well-formed datagram");
        prop_assert_eq!(&datagram.header, &header);
        prop_assert_eq!(datagram.payload, &payload[..]);
    }

    #[test]
    fn any_segmentation_reassembles_in_any_order(
        payload in proptest::collection::vec(any::<u8>(), 1..3000),
        max in 17usize..600,
        seed: u64,
    ) {
        let header = Header::new(MediaType::Xml, 3, 4);
        let mut datagrams = encode_message(&header, &payload, Some(max)).expect("encodable");
        prop_assert!(datagrams.iter().all(|datagram| datagram.len() <= max));
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for index in (1..datagrams.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            datagrams.swap(index, (state % (index as u64 + 1)) as usize);
        }
        let mut reassembler = Reassembler::new(ReassemblyLimits::default());
        let mut done = Vec::new();
        for datagram in &datagrams {
            if let Some(message) = reassembler.push(&Datagram::decode(datagram).expect("a well-formed datagram"), Instant::now()).expect("a segment of the message") {
                done.push(message);
            }
        }
        prop_assert_eq!(done.len(), 1);
        prop_assert_eq!(&done[0].payload, &payload);
        prop_assert_eq!(done[0].datagrams, datagrams.len());
    }

    #[test]
    fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = Datagram::decode(&bytes);
    }
}
