//! A late-offer caller's video lines: the callee is offered one video
//! line, or under a policy of two a main video line and a slides line;
//! the caller every line the callee took, each on its own stream, and a
//! line the caller's answer refuses is freed and taken back from the
//! callee.

use tolk_relay::Side;

use super::{AUDIO, IP, h264, ports, relay, sdp};
use crate::config::MediaPolicy;
use crate::gateway::media::CallMedia;
use crate::gateway::relay_watch::RelayWatch;

fn content(description: &tolk_sdp::SessionDescription, index: usize) -> Option<String> {
    let line = description.media.get(index)?;
    let content = line.other.iter().find(|a| a.name == "content")?;
    content.value.as_ref().map(|v| v.to_string())
}

/// A late-offer call whose callee's policy asks for two video lines.
async fn two_line_call(relay: &tolk_relay::Relay) -> CallMedia {
    let caller = MediaPolicy::default();
    let callee = MediaPolicy {
        late_offer_video_lines: 2,
        ..MediaPolicy::default()
    };
    CallMedia::new(relay, IP, &caller, &callee, None, &RelayWatch::new().0)
        .await
        .expect("media")
}

#[tokio::test]
async fn by_default_the_callee_of_a_late_offer_is_offered_one_video_line() {
    let relay = relay(51880);
    let policy = MediaPolicy::default();
    let mut media = CallMedia::new(&relay, IP, &policy, &policy, None, &RelayWatch::new().0)
        .await
        .expect("media");
    let b_offer = media.b_offer().expect("offer").clone();
    let b_lines = ports(&b_offer);
    assert_eq!(b_lines.len(), 2, "audio and one video line: {b_lines:?}");
    assert_eq!(content(&b_offer, 1), None, "one line needs no a=content");
    assert_eq!(relay.session_count(), 2, "audio and video sessions only");

    let pt = b_offer.media[1].formats[0].pt.0;
    let answer = sdp(&format!("{AUDIO}{}", h264(41010, pt)));
    let offer = media.b_answered(&relay, &answer).await.expect("answered");
    media.b_confirmed();
    let a_lines = ports(&offer);
    assert_eq!(a_lines.len(), 2, "{a_lines:?}");
    assert!(a_lines.iter().all(|(_, port)| *port != 0), "{a_lines:?}");
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn a_late_offer_caller_is_offered_every_video_line_the_callee_took() {
    let relay = relay(51820);
    let mut media = two_line_call(&relay).await;
    let b_offer = media.b_offer().expect("offer").clone();
    let b_lines = ports(&b_offer);
    assert_eq!(b_lines.len(), 3, "audio, main video, slides: {b_lines:?}");
    assert_eq!(content(&b_offer, 1).as_deref(), Some("main"));
    assert_eq!(content(&b_offer, 2).as_deref(), Some("slides"));
    assert_eq!(relay.session_count(), 3);

    // The callee takes both, labelling its slides.
    let pt = b_offer.media[1].formats[0].pt.0;
    let answer = sdp(&format!(
        "{AUDIO}{}{}a=label:s\r\n",
        h264(41010, pt),
        h264(41020, pt)
    ));
    let offer = media.b_answered(&relay, &answer).await.expect("answered");
    media.b_confirmed();
    let a_lines = ports(&offer);
    assert_eq!(a_lines.len(), 3, "{a_lines:?}");
    assert!(a_lines.iter().all(|(_, port)| *port != 0), "{a_lines:?}");
    assert_ne!(a_lines[1].1, a_lines[2].1, "each line on its own stream");
    assert_eq!(content(&offer, 1).as_deref(), Some("main"), "ours");
    assert_eq!(content(&offer, 2).as_deref(), Some("slides"));
    assert!(
        (offer.media[2].other.iter()).any(|a| a.name == "label"),
        "the callee's label carried"
    );
    assert!(media.awaits_caller_answer());

    // The caller's ACK takes the main video and refuses the slides.
    let caller_pt = offer.media[1].formats[0].pt.0;
    let ack = sdp(&format!(
        "{AUDIO}{}m=video 0 RTP/AVP {caller_pt}\r\n",
        h264(40010, caller_pt)
    ));
    let reoffer = media
        .reoffer_answered(&relay, Side::A, &ack)
        .await
        .expect("a usable answer")
        .expect("the callee is re-offered without the slides");
    assert_eq!(ports(&reoffer)[2].1, 0, "the slides at port 0");
    assert_ne!(ports(&reoffer)[1].1, 0, "the main video kept");
    assert_eq!(media.video_index(0, Side::A), Some(1), "main video bridged");
    let freed = media.release_unused_video();
    assert_eq!(freed.len(), 1, "the slides' session");
    for session in freed {
        relay.delete_async(session).await.expect("freed");
    }
    assert_eq!(relay.session_count(), 2);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}

#[tokio::test]
async fn a_callee_taking_only_the_slides_keeps_the_main_line_refused_in_place() {
    let relay = relay(51860);
    let mut media = two_line_call(&relay).await;
    let pt = media.b_offer().expect("offer").media[1].formats[0].pt.0;
    let answer = sdp(&format!(
        "{AUDIO}m=video 0 RTP/AVP {pt}\r\n{}",
        h264(41020, pt)
    ));
    let offer = media.b_answered(&relay, &answer).await.expect("answered");
    media.b_confirmed();
    let lines = ports(&offer);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1].1, 0, "the main line refused, in its place");
    assert_ne!(lines[2].1, 0, "the slides offered");
    let freed = media.release_unused_video();
    assert_eq!(freed.len(), 1, "the main video's session");
    for session in freed {
        relay.delete_async(session).await.expect("freed");
    }
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}
