//! Runs one operation on the browser-shaped offer N times, for counting
//! instructions under callgrind, which the machine's load does not skew
//! the way it skews wall-clock time. Instructions per operation =
//! (count at N - count at 0) / N.
//!
//! ```text
//! cargo build --release -p tolk-sdp --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/instructions parse_answer 2000
//! ```
//!
//! Operations: `copy` (the bytes), `sdp_types` (its parse), `parse`,
//! `parse_answer`, `parse_answer_print`.

#[allow(dead_code)]
#[path = "../tests/support/local.rs"]
mod local;

use std::hint::black_box;

use local::TestLocal;

const OFFER: &[u8] = include_bytes!("../tests/vectors/webrtc-av-offer.sdp");

fn main() {
    let mut args = std::env::args().skip(1);
    let operation = args.next().unwrap_or_default();
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let caps = tolk_sdp::negotiate::profiles::webrtc();
    let run: Box<dyn Fn()> = match operation.as_str() {
        "copy" => Box::new(|| drop(black_box(black_box(OFFER).to_vec()))),
        "sdp_types" => Box::new(|| drop(black_box(sdp_types::Session::parse(black_box(OFFER))))),
        "parse" => Box::new(|| drop(black_box(tolk_sdp::parse(black_box(OFFER))))),
        "parse_answer" => Box::new(|| {
            let offer = tolk_sdp::parse(black_box(OFFER)).expect("offer");
            drop(black_box(tolk_sdp::answer(
                &offer,
                &caps,
                &mut TestLocal::v4(),
            )));
        }),
        "parse_answer_print" => Box::new(|| {
            let offer = tolk_sdp::parse(black_box(OFFER)).expect("offer");
            let answer = tolk_sdp::answer(&offer, &caps, &mut TestLocal::v4()).expect("answer");
            drop(black_box(answer.description.to_bytes()));
        }),
        other => {
            eprintln!("unknown operation {other:?}");
            std::process::exit(2);
        }
    };
    for _ in 0..times {
        run();
    }
}
