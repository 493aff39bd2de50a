//! A call bridges each of its video m-lines on a relay session of its
//! own (a room system's main video and its `a=content:slides`
//! presentation, RFC 4796), the k-th video line of one leg with the
//! k-th of the other. An answer keeps a video line only while its stream
//! can carry it (one per line, up to [`MAX_VIDEO_LINES`]); every other
//! video line is answered with port 0, so that no two lines share a port
//! and the call goes on.

use tolk_sdp::model::{Attribute, MediaDescription, MediaKind, SessionDescription};
use tolk_sdp::negotiate::{AcceptedMedia, Answer, MediaState, Reason, rejected_line};
use tolk_sdp::{Capabilities, LocalMedia, NegotiationError};

use crate::config::MediaPolicy;

use super::super::video::MAX_VIDEO_LINES;

/// The attributes naming what a video line carries: RFC 4796
/// `a=content` (main, slides, ...) and RFC 4574 `a=label`.
const NAMING: [&str; 2] = ["content", "label"];

/// [`tolk_sdp::answer`] with every accepted video m-line rejected that
/// `keep` refuses, given the line's ordinal among the offer's video
/// lines (rejected ones counted) and what was accepted on it, and every
/// one past [`MAX_VIDEO_LINES`].
pub(super) fn answer(
    offer: &SessionDescription,
    caps: &Capabilities,
    local: &mut dyn LocalMedia,
    keep: impl Fn(usize, &AcceptedMedia) -> bool,
) -> Result<Answer, NegotiationError> {
    let mut answer = tolk_sdp::answer(offer, caps, local)?;
    let video = (answer.negotiation.media.iter_mut()).filter(|m| m.kind == MediaKind::Video);
    for (ordinal, media) in video.enumerate() {
        let MediaState::Accepted(accepted) = &media.state else {
            continue;
        };
        if ordinal < MAX_VIDEO_LINES && keep(ordinal, accepted) {
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

/// Copies the `a=content` and the `a=label` of each video line onto the
/// same video line of `to`, each from the first description in `from`
/// that has it on that line, so that the far leg learns which stream is
/// the presentation.
pub(super) fn carry_naming(from: &[&SessionDescription], to: &mut SessionDescription) {
    let lines = to.media.iter_mut().filter(|m| m.kind == MediaKind::Video);
    for (ordinal, line) in lines.enumerate() {
        if line.port == 0 {
            continue;
        }
        for name in NAMING {
            let named = from.iter().find_map(|description| {
                let source = (description.media.iter())
                    .filter(|m| m.kind == MediaKind::Video)
                    .nth(ordinal)?;
                let found: Vec<Attribute> = (source.other.iter())
                    .filter(|a| a.name == name)
                    .cloned()
                    .collect();
                (!found.is_empty()).then_some(found)
            });
            if let Some(named) = named {
                line.other.retain(|a| a.name != name);
                line.other.extend(named);
            }
        }
    }
}

/// Gives each active video line of `description` (ours, toward a leg)
/// that carries no RFC 4574 `a=label` one of ours, when there are two or
/// more: an RFC 5168 keyframe request names its stream by a label, and a
/// peer can only name a stream we send it by a label it has seen, as we
/// can only name one of its streams by its label or ours. One video line
/// needs none (a bare request means it). Ours are `video<k>` for the
/// k-th video line, made unique within the description, so that they stay
/// the same from one offer to the next.
pub(super) fn label_video_lines(description: &mut SessionDescription) {
    let active = |m: &MediaDescription| m.kind == MediaKind::Video && m.port != 0;
    if description.media.iter().filter(|m| active(m)).count() < 2 {
        return;
    }
    let mut taken: Vec<String> = (description.media.iter())
        .filter_map(|m| label_of_line(m).map(str::to_owned))
        .collect();
    let video = (description.media.iter_mut()).filter(|m| m.kind == MediaKind::Video);
    for (ordinal, line) in video.enumerate() {
        if !active(line) || label_of_line(line).is_some() {
            continue;
        }
        let label = (0u32..)
            .map(|n| match n {
                0 => format!("video{ordinal}"),
                n => format!("video{ordinal}.{n}"),
            })
            .find(|label| !taken.contains(label))
            .unwrap_or_default();
        line.other.push(Attribute::new("label", label.as_str()));
        taken.push(label);
    }
}

/// The video lines a late-offer caller's callee may be offered, whose
/// lines are unknown: a room system's main video and its slides.
const LATE_OFFER_CONTENT: [&str; 2] = ["main", "slides"];

/// How many video lines the callee of a late-offer caller is offered
/// under its `policy`: its `late_offer_video_lines`, within what
/// [`LATE_OFFER_CONTENT`] can name.
pub(super) fn late_offer_lines(policy: &MediaPolicy) -> usize {
    usize::from(policy.late_offer_video_lines).clamp(1, LATE_OFFER_CONTENT.len())
}

/// Names the active video lines of our offer to a late-offer caller's
/// callee with the RFC 4796 `a=content` of [`LATE_OFFER_CONTENT`].
pub(super) fn name_late_offer_lines(offer: &mut SessionDescription) {
    let lines = (offer.media.iter_mut()).filter(|m| m.kind == MediaKind::Video && m.port != 0);
    for (line, content) in lines.zip(LATE_OFFER_CONTENT) {
        line.other.retain(|a| a.name.as_str() != "content");
        line.other.push(Attribute::new("content", content));
    }
}

/// The index of `description`'s video m-line labelled `label` (RFC
/// 4574 `a=label`, the name an RFC 5168 `stream_id` gives a stream).
pub(super) fn labelled(description: &SessionDescription, label: &str) -> Option<usize> {
    (description.media.iter())
        .position(|m| m.kind == MediaKind::Video && label_of_line(m) == Some(label))
}

/// The `a=label` of `description`'s m-line `index`.
pub(super) fn label_of(description: &SessionDescription, index: usize) -> Option<&str> {
    label_of_line(description.media.get(index)?)
}

fn label_of_line(line: &MediaDescription) -> Option<&str> {
    (line.other.iter())
        .find(|a| a.name == "label")
        .and_then(|a| a.value.as_deref())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use tolk_sdp::SessionDescription;
    use tolk_sdp::model::MediaKind;

    use super::{answer, carry_naming, label_of, label_video_lines, labelled};
    use crate::config::MediaPolicy;
    use crate::gateway::policy::{RelayPorts, capabilities};

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    /// Audio and a video line per entry of `contents`.
    fn offer(contents: &[&str]) -> SessionDescription {
        let video: String = (contents.iter().enumerate())
            .map(|(k, content)| {
                format!(
                    "m=video {} RTP/AVP 109\r\na=rtpmap:109 H264/90000\r\n\
                     a=fmtp:109 packetization-mode=1;profile-level-id=42e01f\r\n\
                     a=content:{content}\r\na=label:{k}\r\n",
                    40010 + 10 * k
                )
            })
            .collect();
        let text = format!(
            "v=0\r\no=room 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n{video}"
        );
        tolk_sdp::parse(text.as_bytes()).expect("SDP")
    }

    fn ports_of(description: &SessionDescription) -> Vec<u16> {
        description.media.iter().map(|m| m.port).collect()
    }

    #[test]
    fn each_video_line_kept_gets_its_own_port_and_the_rest_port_0() {
        let caps = capabilities(&MediaPolicy::default());
        let mut ports = RelayPorts::new(IP, 20000)
            .with_video(1, 20010)
            .with_video(2, 20020)
            .with_video(3, 20030);
        let offer = offer(&["main", "slides", "alt"]);
        // The third line has no stream: refused.
        let answer = answer(&offer, &caps, &mut ports, |k, _| k < 2).expect("answer");
        assert_eq!(ports_of(&answer.description), [20000, 20010, 20020, 0]);
        let accepted: Vec<usize> = answer.negotiation.accepted().map(|(i, _)| i).collect();
        assert_eq!(accepted, [0, 1, 2]);
        // The rejected line still names the offered format (RFC 3264).
        assert_eq!(answer.description.media[3].formats[0].pt.0, 109);
    }

    #[test]
    fn video_lines_past_the_bound_are_refused() {
        let caps = capabilities(&MediaPolicy::default());
        let contents = ["main", "slides", "a", "b", "c", "d"];
        let mut ports = RelayPorts::new(IP, 20000);
        for k in 0..contents.len() {
            ports = ports.with_video(1 + k, 20010 + 10 * k as u16);
        }
        let answer = answer(&offer(&contents), &caps, &mut ports, |_, _| true).expect("answer");
        let taken = (answer.description.media.iter())
            .filter(|m| m.kind == MediaKind::Video && m.port != 0)
            .count();
        assert_eq!(taken, super::MAX_VIDEO_LINES);
        assert_eq!(answer.description.media[6].port, 0);
    }

    #[test]
    fn content_and_label_follow_each_video_line() {
        let from = offer(&["main", "slides"]);
        let mut to = offer(&["alt", "alt"]);
        to.media[1].other.clear();
        carry_naming(&[&from], &mut to);
        let naming = |line: &tolk_sdp::model::MediaDescription| -> Vec<String> {
            (line.other.iter())
                .map(|a| format!("{}:{}", a.name, a.value.as_deref().unwrap_or("")))
                .collect()
        };
        assert_eq!(naming(&to.media[1]), ["content:main", "label:0"]);
        assert_eq!(naming(&to.media[2]), ["content:slides", "label:1"]);
    }

    #[test]
    fn two_or_more_active_video_lines_each_get_a_label_of_ours_where_they_have_none() {
        let mut description = offer(&["main", "slides", "alt", "x"]);
        let labels = |d: &SessionDescription| -> Vec<Option<String>> {
            (0..d.media.len())
                .map(|i| label_of(d, i).map(str::to_owned))
                .collect()
        };
        for line in &mut description.media {
            line.other.retain(|a| a.name != "label");
        }
        // One line keeps a label of its own that is also our first choice
        // for another; one is rejected.
        description.media[3]
            .other
            .push(tolk_sdp::model::Attribute::new("label", "video0"));
        description.media[4].port = 0;
        label_video_lines(&mut description);
        let video = |s: &str| Some(s.to_owned());
        assert_eq!(
            labels(&description),
            [
                None,
                video("video0.1"),
                video("video1"),
                video("video0"),
                None
            ],
            "the audio and the rejected line none, the rest unique"
        );
        // Again (a re-offer): the same labels.
        let again = description.clone();
        label_video_lines(&mut description);
        assert_eq!(description, again);
        // A single active video line needs none.
        let mut single = offer(&["main"]);
        single.media[1].other.retain(|a| a.name != "label");
        label_video_lines(&mut single);
        assert_eq!(label_of(&single, 1), None);
    }

    #[test]
    fn a_label_names_its_video_line() {
        let offer = offer(&["main", "slides"]);
        assert_eq!(labelled(&offer, "1"), Some(2));
        assert_eq!(labelled(&offer, "0"), Some(1));
        assert_eq!(labelled(&offer, "7"), None);
        assert_eq!(label_of(&offer, 2), Some("1"));
        assert_eq!(label_of(&offer, 0), None, "the audio line has none");
        assert_eq!(label_of(&offer, 9), None);
    }
}
