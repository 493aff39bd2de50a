//! parse(print(x)) == x on generated descriptions, and parsing never
//! panics on arbitrary or damaged input.

mod support;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn print_then_parse_is_identity(description in support::strategies::session()) {
        let text = description.to_bytes();
        let parsed = tolk_sdp::parse(&text);
        prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed, String::from_utf8_lossy(&text));
        prop_assert_eq!(parsed.ok(), Some(description));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = tolk_sdp::parse(&bytes);
        let _ = tolk_sdp::SdpBody::find(&bytes).parse();
    }

    #[test]
    fn damaged_vectors_fail_cleanly_with_a_position(
        cut in 0usize..4000,
        byte in any::<u8>(),
    ) {
        let original = support::vector("webrtc-av-offer.sdp");
        let mut damaged = original.clone();
        let at = cut % damaged.len();
        damaged[at] = byte;
        if let Err(error) = tolk_sdp::parse(&damaged) {
            prop_assert!(error.line >= 1);
            prop_assert!(error.offset <= damaged.len());
        }
    }
}

#[test]
fn printed_vectors_parse_to_the_same_model() {
    for name in [
        "rfc3264-av-offer.sdp",
        "rfc4317-audio-dtmf-lf.sdp",
        "hold-sendonly.sdp",
        "hold-legacy-c0.sdp",
        "ipv6-audio.sdp",
        "room-system-sdes.invite.sip",
        "webrtc-av-offer.sdp",
        "webrtc-simulcast-datachannel.sdp",
    ] {
        let description = support::parse_vector(name);
        let again = tolk_sdp::parse(&description.to_bytes()).expect(name);
        assert_eq!(again, description, "{name}");
    }
}

#[test]
fn real_client_offers_round_trip() {
    for (name, description) in support::real_client_offers() {
        let again = tolk_sdp::parse(&description.to_bytes()).expect("printed offer parses");
        assert_eq!(again, description, "{name}");
    }
}
