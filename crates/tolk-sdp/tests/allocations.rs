//! Allocation counts (dhat) for parsing and answering the browser-shaped
//! offer, beside plain `sdp-types` parsing; figures go to BENCHMARKS.md.
//! Run with `--nocapture` to see them.

mod support;

use support::TestLocal;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const OFFER: &[u8] = include_bytes!("vectors/webrtc-av-offer.sdp");

/// Allocations (blocks, bytes) made by `f`.
fn count<T>(f: impl FnOnce() -> T) -> (u64, u64) {
    let before = dhat::HeapStats::get();
    let result = f();
    let after = dhat::HeapStats::get();
    drop(result);
    (
        after.total_blocks - before.total_blocks,
        after.total_bytes - before.total_bytes,
    )
}

#[test]
fn allocations_per_offer_answer() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let caps = tolk_sdp::negotiate::profiles::webrtc();
    let baseline = count(|| sdp_types::Session::parse(OFFER));
    let parse = count(|| tolk_sdp::parse(OFFER));
    let offer = tolk_sdp::parse(OFFER).expect("offer");
    let answer = count(|| tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()));
    let both = count(|| {
        let offer = tolk_sdp::parse(OFFER).ok()?;
        tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).ok()
    });
    println!("allocations (blocks, bytes): sdp-types parse {baseline:?}");
    println!("allocations (blocks, bytes): tolk parse {parse:?}");
    println!("allocations (blocks, bytes): answer only {answer:?}");
    println!("allocations (blocks, bytes): parse + answer {both:?}");
    // Regression guards, with headroom over the figures in BENCHMARKS.md.
    assert!(parse.0 < baseline.0, "{parse:?} vs {baseline:?}");
    assert!(both.0 < 2 * baseline.0, "{both:?} vs {baseline:?}");
}
