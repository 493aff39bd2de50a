//! Video sent both ways across the relay at once, from sockets the test
//! owns: each side sends while the other receives, so neither waits for
//! the other's packets to time out.

use std::net::SocketAddr;
use std::time::Duration;

use tolk_testkit::media_peer::MediaPeer;

use super::Tolk;

/// One side of a video exchange: its socket, where it sends (the relay's
/// port toward it), and the H.264 payload type and SSRC it sends with.
pub type VideoSide<'a> = (&'a MediaPeer, SocketAddr, u8, u32);

/// What one side received: (payload type, SSRC) a packet.
pub type Received = Vec<(u8, u32)>;

/// `packets` H.264 packets from each side; what `b` and `a` received
/// within 5 s.
pub fn video_both_ways(
    (a, to_a, a_pt, a_ssrc): VideoSide<'_>,
    (b, to_b, b_pt, b_ssrc): VideoSide<'_>,
    packets: u16,
) -> (Received, Received) {
    std::thread::scope(|s| {
        s.spawn(|| a.send_video(to_a, a_pt, a_ssrc, packets));
        s.spawn(|| b.send_video(to_b, b_pt, b_ssrc, packets));
        let at_b = s.spawn(|| b.receive_rtp(packets.into(), Duration::from_secs(5)));
        let at_a = a.receive_rtp(packets.into(), Duration::from_secs(5));
        (at_b.join().expect("receiver"), at_a)
    })
}

impl Tolk {
    /// [`video_both_ways`]; panics unless each side received all of the
    /// other's packets, its SSRC kept and in its own payload type (`what`
    /// names the first direction; the node's logs are shown with it).
    pub fn assert_video_both_ways(
        &self,
        a: VideoSide<'_>,
        b: VideoSide<'_>,
        packets: u16,
        what: &str,
    ) {
        let (at_b, at_a) = video_both_ways(a, b, packets);
        let ((_, _, a_pt, a_ssrc), (_, _, b_pt, b_ssrc)) = (a, b);
        assert_eq!(
            at_b,
            vec![(b_pt, a_ssrc); packets.into()],
            "{what}\n{}",
            self.sipp_errors()
        );
        assert_eq!(at_a, vec![(a_pt, b_ssrc); packets.into()], "and back");
    }
}
