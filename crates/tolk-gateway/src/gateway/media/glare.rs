//! Our re-offer refused with 491 (glare) is due again after RFC 3261
//! section 14.1's wait. The peer may have re-offered in between, and
//! we answered it: the offer sent again is built from the state agreed
//! at that time, with the next o= version (RFC 3264 section 8), and
//! when that state already has what the first offer asked for, nothing
//! is sent.

use tolk_relay::Side;
use tolk_sdp::SessionDescription;
use tolk_sdp::model::{Direction, MediaDescription, MediaKind};

use super::lines::video_line;
use super::reoffer::Directions;
use super::{CallMedia, first_active};

impl CallMedia {
    /// Our re-offer to `side` that glare held back, rebuilt to be sent
    /// again; None when there is none or the call no longer needs it.
    pub fn offer_again(&mut self, side: Side) -> Option<SessionDescription> {
        let wanted = wanted_directions(self.leg(side).pending_offer.as_ref()?);
        if wanted == self.directions(side) {
            self.leg_mut(side).pending_offer = None;
            return None;
        }
        Some(self.reoffer(side, wanted))
    }
}

/// What `offer` asks of each stream: the direction of its first active
/// audio m-line and of each active video line, None where it has none.
fn wanted_directions(offer: &SessionDescription) -> Directions {
    let direction = |m: &MediaDescription| {
        m.direction
            .or(offer.direction)
            .unwrap_or(Direction::SendRecv)
    };
    let mut wanted: Directions = Default::default();
    wanted[0] = first_active(offer, &MediaKind::Audio).map(direction);
    for (k, slot) in wanted[1..].iter_mut().enumerate() {
        *slot = video_line(offer, k)
            .filter(|(_, m)| m.port != 0)
            .map(|(_, m)| direction(m));
    }
    wanted
}

#[cfg(test)]
mod tests {
    use crate::gateway::relay_watch::RelayWatch;
    use std::net::{IpAddr, Ipv4Addr};

    use tolk_relay::{Relay, RelayConfig, Side};
    use tolk_sdp::SessionDescription;
    use tolk_sdp::model::Direction;

    use crate::config::MediaPolicy;
    use crate::gateway::media::CallMedia;

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const AUDIO: &str = "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    fn sdp(version: u64, lines: &str) -> SessionDescription {
        let text = format!(
            "v=0\r\no=peer 1 {version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n{lines}"
        );
        tolk_sdp::parse(text.as_bytes()).expect("SDP")
    }

    /// An answered audio call whose caller then holds it: the callee's
    /// re-offer (sendonly) is returned, as if glare made it wait.
    async fn held_call(relay: &Relay) -> (CallMedia, SessionDescription) {
        let policy = MediaPolicy::default();
        let mut media = CallMedia::new(
            relay,
            IP,
            &policy,
            &policy,
            Some(sdp(1, AUDIO)),
            &RelayWatch::new().0,
        )
        .await
        .expect("media");
        media
            .b_answered(relay, &sdp(1, AUDIO))
            .await
            .expect("answered");
        media.b_confirmed();
        let hold = sdp(2, &format!("{AUDIO}a=sendonly\r\n"));
        let (_, reoffer) = media.reoffered(relay, Side::A, &hold).await.expect("hold");
        (media, reoffer.expect("the callee is re-offered the hold"))
    }

    fn relay(first_port: u16) -> Relay {
        Relay::start(RelayConfig {
            ports: (first_port, first_port + 19),
            workers: 1,
            ..RelayConfig::default()
        })
        .expect("relay")
    }

    fn audio_direction(description: &SessionDescription) -> Option<Direction> {
        description.media[0].direction
    }

    #[tokio::test]
    async fn sent_again_unchanged_but_versioned_when_nothing_happened_meanwhile() {
        let relay = relay(16100);
        let (mut media, first) = held_call(&relay).await;
        let again = media.offer_again(Side::B).expect("still wanted");
        assert_eq!(audio_direction(&again), Some(Direction::SendOnly));
        assert_eq!(again.media[0].port, first.media[0].port);
        assert_eq!(
            again.origin.session_version,
            first.origin.session_version + 1
        );
        media.release(&relay).await;
    }

    #[tokio::test]
    async fn rebuilt_on_the_peers_re_offer_made_in_between() {
        let relay = relay(16120);
        let (mut media, first) = held_call(&relay).await;
        // Glare: the callee's own re-offer (a new address) won, and we
        // answered it before our retry is due.
        let moved = AUDIO.replace("40000", "40100");
        let (answer, _) = media
            .reoffered(&relay, Side::B, &sdp(2, &moved))
            .await
            .expect("the callee's re-offer answered");
        assert_eq!(
            answer.origin.session_version,
            first.origin.session_version + 1
        );
        let again = media.offer_again(Side::B).expect("the hold still wanted");
        assert_eq!(audio_direction(&again), Some(Direction::SendOnly));
        assert_eq!(
            again.origin.session_version,
            answer.origin.session_version + 1,
            "the version follows the answer sent meanwhile"
        );
        media.release(&relay).await;
    }

    #[tokio::test]
    async fn dropped_when_the_peer_already_reached_the_wanted_state() {
        let relay = relay(16140);
        let (mut media, _) = held_call(&relay).await;
        // The callee re-offered recvonly: we already only send to it.
        let receiving = sdp(2, &format!("{AUDIO}a=recvonly\r\n"));
        let (answer, _) = media
            .reoffered(&relay, Side::B, &receiving)
            .await
            .expect("answered");
        assert_eq!(audio_direction(&answer), Some(Direction::SendOnly));
        assert_eq!(media.offer_again(Side::B), None);
        assert_eq!(media.offer_again(Side::B), None, "and forgotten");
        media.release(&relay).await;
    }
}
