//! Our SDP labels every video line toward a leg that gets two or more
//! (RFC 4574 `a=label`), so that an RFC 5168 request names each stream
//! even when neither peer labels its lines.

use tolk_relay::Side;

use super::{AUDIO, audio_and_video_call, call, caller_reoffers, h264, relay, sdp, settled};
use crate::config::MediaPolicy;
use crate::gateway::media::CallMedia;

fn labels(description: &tolk_sdp::SessionDescription) -> Vec<Option<String>> {
    (description.media.iter())
        .map(|line| {
            let label = line.other.iter().find(|a| a.name == "label")?;
            label.value.as_ref().map(|v| v.to_string())
        })
        .collect()
}

fn ours() -> Vec<Option<String>> {
    vec![None, Some("video0".into()), Some("video1".into())]
}

/// Audio, a main video and slides, none labelled.
fn unlabelled(port: u16, pt: u8) -> tolk_sdp::SessionDescription {
    sdp(&format!(
        "{AUDIO}{}a=content:main\r\n{}a=content:slides\r\n",
        h264(port + 10, pt),
        h264(port + 20, pt)
    ))
}

#[tokio::test]
async fn unlabelled_video_lines_are_named_by_our_labels_on_both_legs() {
    let relay = relay(26900);
    let policy = MediaPolicy::default();
    let mut media: CallMedia = call(&relay, &policy, &policy, unlabelled(40000, 109)).await;
    let b_offer = media.b_offer().expect("offer").clone();
    assert_eq!(labels(&b_offer), ours(), "our offer to the callee");
    let pt = b_offer.media[1].formats[0].pt.0;
    let a_answer = media
        .b_answered(&relay, &unlabelled(41000, pt))
        .await
        .expect("answered");
    media.b_confirmed();
    assert_eq!(labels(&a_answer), ours(), "our answer to the caller");
    // A request for the slides is named by our label on either leg, and
    // a request naming it finds the slides.
    for side in [Side::A, Side::B] {
        assert_eq!(media.video_label(1, side), Some("video1"), "{side:?}");
        assert_eq!(media.video_labelled(side, "video1"), Some(1), "{side:?}");
        assert_eq!(media.video_labelled(side, "video0"), Some(0), "{side:?}");
    }
    // The caller offers the same again: the same labels in our answer.
    let (answer, _) = caller_reoffers(&mut media, &relay, &unlabelled(40000, 109)).await;
    assert_eq!(labels(&answer), ours(), "the re-offer's answer");
    media.release(&relay).await;

    // One video line needs no label: a bare request means it.
    let mut media = audio_and_video_call(&relay).await;
    let b_offer = media.b_offer().expect("offer").clone();
    assert_eq!(labels(&b_offer), [None, None]);
    let pt = b_offer.media[1].formats[0].pt.0;
    settled(
        &mut media,
        &relay,
        &sdp(&format!("{AUDIO}{}", h264(41010, pt))),
    )
    .await;
    assert_eq!(media.video_label(0, Side::A), None);
    media.release(&relay).await;
    assert_eq!(relay.session_count(), 0);
}
