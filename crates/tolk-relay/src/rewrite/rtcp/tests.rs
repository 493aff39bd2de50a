use proptest::prelude::*;
use tolk_media::rtcp::raw_packets;

use super::*;

const X: u32 = 0x0000_00aa; // the destination's stream as it sent it
const X_RENAMED: u32 = 0x00aa_aaaa; // ... as the reporter saw it
const REPORTER: u32 = 0x0000_00bb;
const REPORTER_RENAMED: u32 = 0x00bb_bbbb;
const OTHER: u32 = 0x0000_0777;

const MAP: RtcpSsrcMap = RtcpSsrcMap {
    sender: Some(REPORTER_RENAMED),
    source: Some((X_RENAMED, X)),
    sender_info: None,
    own_timeline: false,
};

/// One RTCP packet: V=2, `count`, type, then 32-bit words.
fn packet(count: u8, kind: u8, words: &[u32]) -> Vec<u8> {
    let mut p = vec![0x80 | count, kind];
    p.extend_from_slice(&(words.len() as u16).to_be_bytes());
    for w in words {
        p.extend_from_slice(&w.to_be_bytes());
    }
    p
}

fn words(p: &[u8]) -> Vec<u32> {
    p[4..]
        .chunks_exact(4)
        .map(|w| u32::from_be_bytes(w.try_into().unwrap()))
        .collect()
}

/// A report block about `ssrc`, the other five words filled with `fill`.
fn block(ssrc: u32, fill: u32) -> [u32; 6] {
    [ssrc, fill, fill, fill, fill, fill]
}

fn mapped(mut p: Vec<u8>) -> Vec<u32> {
    apply(&mut p, &MAP);
    words(&p)
}

#[test]
fn sender_report_sender_and_matching_blocks() {
    let mut w = vec![REPORTER, 1, 2, 3, 4, 5];
    w.extend(block(X_RENAMED, X_RENAMED)); // filler equal to the SSRC stays
    w.extend(block(OTHER, 9));
    let mut expect = vec![REPORTER_RENAMED, 1, 2, 3, 4, 5];
    expect.extend(block(X, X_RENAMED));
    expect.extend(block(OTHER, 9));
    assert_eq!(mapped(packet(2, SR, &w)), expect);
}

#[test]
fn the_reporters_sender_info_is_carried_onto_the_stream_sent_in_its_name() {
    // Its media moved 1000 ticks on and rescaled 8 -> 48 kHz; 3 packets
    // (12 octets) put in, 1 (160 octets) taken out.
    let map = RtcpSsrcMap {
        sender_info: Some(SenderInfoMap {
            source: REPORTER,
            timestamps: TimestampMapper::new(8000, 0, 48_000, 1000),
            packets: 2,
            octets: 12u32.wrapping_sub(160),
        }),
        ..MAP
    };
    let sr = |sender| {
        let mut w = vec![sender, 0x1111, 0x2222, 160, 50, 8000];
        w.extend(block(X_RENAMED, 7));
        packet(1, SR, &w)
    };
    let mut p = sr(REPORTER);
    apply(&mut p, &map);
    let mut expect = vec![REPORTER_RENAMED, 0x1111, 0x2222, 1000 + 960, 52, 8000 - 148];
    expect.extend(block(X, 7));
    assert_eq!(words(&p), expect, "NTP time kept, the rest mapped");
    // Another sender's SR keeps its sender info.
    let mut p = sr(OTHER);
    apply(&mut p, &map);
    assert_eq!(
        words(&p)[..6],
        [REPORTER_RENAMED, 0x1111, 0x2222, 160, 50, 8000]
    );
    assert!(!map.is_identity());
}

#[test]
fn an_sr_onto_a_transforms_own_timeline_without_a_mapping_has_no_wallclock() {
    let sr = |sender| {
        let mut w = vec![sender, 0x1111, 0x2222, 160, 50, 8000];
        w.extend(block(X_RENAMED, 7));
        packet(1, SR, &w)
    };
    let mapping = SenderInfoMap {
        source: REPORTER,
        timestamps: TimestampMapper::shift(1000),
        packets: 0,
        octets: 0,
    };
    let own = RtcpSsrcMap {
        own_timeline: true,
        ..MAP
    };
    assert!(!own.is_identity());
    // No mapping yet (its media has not come), or one for another source
    // (a transfer's new source reporting first): NTP time zeroed, the rest
    // as sent, the report block renamed as ever.
    for (sender_info, sender) in [(None, REPORTER), (Some(mapping), OTHER)] {
        let mut p = sr(sender);
        apply(&mut p, &RtcpSsrcMap { sender_info, ..own });
        let mut expect = vec![REPORTER_RENAMED, 0, 0, 160, 50, 8000];
        expect.extend(block(X, 7));
        assert_eq!(words(&p), expect, "{sender_info:?}");
    }
    // The mapped source keeps its NTP time.
    let mut p = sr(REPORTER);
    apply(
        &mut p,
        &RtcpSsrcMap {
            sender_info: Some(mapping),
            ..own
        },
    );
    assert_eq!(
        words(&p)[..6],
        [REPORTER_RENAMED, 0x1111, 0x2222, 1160, 50, 8000]
    );
    // An RR has no sender info to touch.
    let mut p = packet(1, RR, &[REPORTER, X_RENAMED, 1, 2, 3, 4, 5]);
    apply(&mut p, &own);
    assert_eq!(words(&p), [REPORTER_RENAMED, X, 1, 2, 3, 4, 5]);
}

#[test]
fn receiver_report_blocks_only_up_to_the_count() {
    let mut w = vec![REPORTER];
    w.extend(block(X_RENAMED, 0));
    w.extend(block(X_RENAMED, 0)); // beyond RC = 1: profile extension, untouched
    let mut expect = vec![REPORTER_RENAMED];
    expect.extend(block(X, 0));
    expect.extend(block(X_RENAMED, 0));
    assert_eq!(mapped(packet(1, RR, &w)), expect);
}

#[test]
fn feedback_media_source_and_entries() {
    // PLI (PSFB FMT 1).
    assert_eq!(
        mapped(packet(1, PSFB, &[REPORTER, X_RENAMED])),
        [REPORTER_RENAMED, X]
    );
    // Generic NACK (RTPFB FMT 1): media source; the FCI is a sequence number.
    assert_eq!(
        mapped(packet(1, RTPFB, &[REPORTER, X_RENAMED, X_RENAMED])),
        [REPORTER_RENAMED, X, X_RENAMED]
    );
    // FIR (PSFB FMT 4): media source 0, entries of SSRC + sequence number.
    let fir = packet(4, PSFB, &[REPORTER, 0, X_RENAMED, 7 << 24, OTHER, 8 << 24]);
    assert_eq!(
        mapped(fir),
        [REPORTER_RENAMED, 0, X, 7 << 24, OTHER, 8 << 24]
    );
    // TMMBR (RTPFB FMT 3).
    let tmmbr = packet(3, RTPFB, &[REPORTER, 0, X_RENAMED, 0x0400_0000]);
    assert_eq!(mapped(tmmbr), [REPORTER_RENAMED, 0, X, 0x0400_0000]);
    // REMB (PSFB FMT 15): 'REMB', num SSRC = 2, then the SSRC list.
    let remb_id = u32::from_be_bytes(*b"REMB");
    let remb = packet(
        15,
        PSFB,
        &[REPORTER, 0, remb_id, 0x0200_1000, OTHER, X_RENAMED],
    );
    assert_eq!(
        mapped(remb),
        [REPORTER_RENAMED, 0, remb_id, 0x0200_1000, OTHER, X]
    );
}

#[test]
fn sdes_and_bye_name_the_sender_xr_is_untouched() {
    assert_eq!(
        mapped(packet(1, SDES, &[REPORTER, 0])),
        [REPORTER_RENAMED, 0]
    );
    assert_eq!(mapped(packet(1, BYE, &[REPORTER])), [REPORTER_RENAMED]);
    assert_eq!(mapped(packet(0, BYE, &[])), Vec::<u32>::new());
    let xr = packet(0, 207, &[REPORTER, X_RENAMED]);
    assert_eq!(mapped(xr), [REPORTER, X_RENAMED]);
}

#[test]
fn a_compound_is_walked_to_the_end() {
    let mut compound = packet(1, RR, &[REPORTER, X_RENAMED, 0, 0, 0, 0, 0]);
    compound.extend(packet(1, SDES, &[REPORTER, 0]));
    compound.extend(packet(1, PSFB, &[REPORTER, X_RENAMED]));
    apply(&mut compound, &MAP);
    let packets: Vec<Vec<u32>> = raw_packets(&compound)
        .map(|p| words(p.unwrap().bytes))
        .collect();
    assert_eq!(packets[0][..2], [REPORTER_RENAMED, X]);
    assert_eq!(packets[1], [REPORTER_RENAMED, 0]);
    assert_eq!(packets[2], [REPORTER_RENAMED, X]);
}

proptest! {
    /// Renaming a leg's stream and renaming it back restores every packet,
    /// whatever the compound holds, and never panics on arbitrary bytes.
    #[test]
    fn source_rename_round_trips(
        ssrcs in prop::collection::vec(prop_oneof![Just(X), any::<u32>()], 1..6),
        junk in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assume!(!ssrcs.contains(&X_RENAMED));
        let mut w = vec![REPORTER];
        for &s in &ssrcs {
            w.extend(block(s, s));
        }
        let original = packet(ssrcs.len() as u8, RR, &w);
        let mut p = original.clone();
        let there = RtcpSsrcMap { source: Some((X, X_RENAMED)), ..RtcpSsrcMap::default() };
        let back = RtcpSsrcMap { source: Some((X_RENAMED, X)), ..RtcpSsrcMap::default() };
        apply(&mut p, &there);
        prop_assert_eq!(p.len(), original.len());
        apply(&mut p, &back);
        prop_assert_eq!(&p, &original);

        let mut junk = junk;
        apply(&mut junk, &MAP);
    }
}
