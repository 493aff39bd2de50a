//! RTP parsing never panics, and a parsed packet rebuilt from its fields
//! parses to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tolk_media::demux::classify;
use tolk_media::rtp::{ExtensionElement, RtpBuilder, RtpHeaderMut, RtpPacket};

fuzz_target!(|data: &[u8]| {
    let _ = classify(data);
    let Ok(p) = RtpPacket::parse(data) else { return };
    assert_eq!(p.header_len() + p.payload().len() + p.padding_len(), data.len());
    let csrcs: Vec<u32> = p.csrcs().collect();
    let elements: Option<Vec<ExtensionElement<'_>>> = match p.extension() {
        Some(ext) if ext.form().is_some() => ext.elements().collect::<Result<_, _>>().ok(),
        Some(_) => None,
        None => Some(Vec::new()),
    };
    if let Some(elements) = elements {
        let padding = u8::try_from(p.padding_len()).unwrap_or(0);
        let b = RtpBuilder {
            marker: p.marker(),
            payload_type: p.payload_type(),
            sequence_number: p.sequence_number(),
            timestamp: p.timestamp(),
            ssrc: p.ssrc(),
            csrcs: &csrcs,
            extensions: &elements,
            payload: p.payload(),
            padding,
        };
        if let Ok(len) = b.encoded_len() {
            let mut buf = vec![0; len];
            b.write_to(&mut buf).expect("a sized buffer takes the packet");
            let q = RtpPacket::parse(&buf).expect("a built packet parses");
            assert_eq!(q.payload(), p.payload());
            assert_eq!(q.csrcs().collect::<Vec<_>>(), csrcs);
            assert_eq!((q.marker(), q.payload_type(), q.sequence_number()), (p.marker(), p.payload_type(), p.sequence_number()));
            let again: Vec<_> = q.extension().map(|e| e.elements().filter_map(Result::ok).collect()).unwrap_or_default();
            assert_eq!(again, elements);
        }
    }
    let mut copy = data.to_vec();
    if let Ok(mut h) = RtpHeaderMut::new(&mut copy) {
        h.set_payload_type(p.payload_type() ^ 1);
        h.set_sequence_number(p.sequence_number().wrapping_add(1));
        let q = RtpPacket::parse(&copy).expect("a header rewrite keeps the packet valid");
        assert_eq!(q.payload(), p.payload());
    }
});
