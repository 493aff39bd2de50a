//! Heap allocations per parse of a typical INVITE with SDP, counted with
//! dhat beside rsip's for the same bytes (the target is at most 5).

use bytes::Bytes;
use tolk_sip::Message;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const INVITE: &[u8] = include_bytes!("vectors/invite-sdp.sip");

/// Allocations made by `f`, and the bytes they asked for.
fn count<T>(f: impl FnOnce() -> T) -> (u64, u64, T) {
    let before = dhat::HeapStats::get();
    let out = f();
    let after = dhat::HeapStats::get();
    (
        after.total_blocks - before.total_blocks,
        after.total_bytes - before.total_bytes,
        out,
    )
}

#[test]
fn allocations_per_parse() {
    let _profiler = dhat::Profiler::builder().testing().build();
    // The datagram as a transport driver holds it: one owned buffer.
    let datagram = Bytes::from(INVITE.to_vec());

    let (tolk_blocks, tolk_bytes, parsed) = count(|| Message::parse(datagram.clone()));
    let message = parsed.expect("INVITE parses");
    let (key_blocks, _, branch) = count(|| {
        let h = message.headers();
        let via = h.top_via().expect("via");
        (
            via.branch().map(str::len),
            h.call_id().map(str::len),
            h.cseq().map(|c| c.seq),
            h.from().map(|f| f.tag().map(str::len)),
        )
    });
    assert!(branch.0.is_some());
    drop(message);

    let (rsip_blocks, rsip_bytes, rsip_parsed) = count(|| rsip::SipMessage::try_from(INVITE));
    assert!(rsip_parsed.is_ok());

    println!(
        "allocations per parse of a {}-byte INVITE with SDP:",
        INVITE.len()
    );
    println!(
        "  tolk-sip: {tolk_blocks} blocks, {tolk_bytes} bytes (reading Via branch, Call-ID, CSeq, From tag after: {key_blocks} blocks)"
    );
    println!("  rsip 0.4: {rsip_blocks} blocks, {rsip_bytes} bytes");
    assert!(tolk_blocks <= 5, "tolk-sip made {tolk_blocks} allocations");
    assert_eq!(key_blocks, 0, "typed reads borrow from the message");
}
