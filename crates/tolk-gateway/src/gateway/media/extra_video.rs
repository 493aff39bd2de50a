//! A call bridges one video stream, on a relay session of its own. An
//! offer with more video m-lines (a room system's main video and its
//! `a=content:slides` presentation, RFC 4796) has the first one it can
//! take bridged and every further one answered with port 0, so that no
//! two lines share the video session's port and the call goes on.

use tolk_sdp::model::MediaKind;
use tolk_sdp::negotiate::{Answer, MediaState, Reason, rejected_line};
use tolk_sdp::{Capabilities, LocalMedia, NegotiationError, SessionDescription};

/// [`tolk_sdp::answer`] with every accepted video m-line after the first
/// one rejected.
pub(super) fn answer(
    offer: &SessionDescription,
    caps: &Capabilities,
    local: &mut dyn LocalMedia,
) -> Result<Answer, NegotiationError> {
    let mut answer = tolk_sdp::answer(offer, caps, local)?;
    let mut bridged = false;
    for media in &mut answer.negotiation.media {
        let accepted = matches!(media.state, MediaState::Accepted(_));
        if media.kind != MediaKind::Video || !accepted {
            continue;
        }
        if !bridged {
            bridged = true;
            continue;
        }
        media.state = MediaState::Rejected(Reason::MediaTypeNotAvailable);
        if let (Some(line), Some(offered)) = (
            answer.description.media.get_mut(media.index),
            offer.media.get(media.index),
        ) {
            *line = rejected_line(offered);
        }
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use tolk_sdp::SessionDescription;
    use tolk_sdp::model::MediaKind;

    use super::answer;
    use crate::config::MediaPolicy;
    use crate::gateway::policy::{RelayPorts, capabilities};

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    fn offer() -> SessionDescription {
        let video = |port: u16, content: &str| {
            format!(
                "m=video {port} RTP/AVP 109\r\na=rtpmap:109 H264/90000\r\n\
                 a=fmtp:109 packetization-mode=1;profile-level-id=42e01f\r\na=content:{content}\r\n"
            )
        };
        let text = format!(
            "v=0\r\no=room 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n{}{}",
            video(40010, "main"),
            video(40020, "slides")
        );
        tolk_sdp::parse(text.as_bytes()).expect("SDP")
    }

    #[test]
    fn only_the_first_video_line_is_taken() {
        let caps = capabilities(&MediaPolicy::default());
        let mut ports = RelayPorts::new(IP, 20000).with_video(Some(20010));
        let answer = answer(&offer(), &caps, &mut ports).expect("answer");
        let lines: Vec<_> = answer
            .description
            .media
            .iter()
            .map(|m| (m.kind.clone(), m.port))
            .collect();
        assert_eq!(
            lines,
            [
                (MediaKind::Audio, 20000),
                (MediaKind::Video, 20010),
                (MediaKind::Video, 0)
            ]
        );
        let accepted: Vec<usize> = answer.negotiation.accepted().map(|(i, _)| i).collect();
        assert_eq!(accepted, [0, 1]);
        // The rejected line still names the offered format (RFC 3264).
        assert_eq!(answer.description.media[2].formats[0].pt.0, 109);
    }
}
