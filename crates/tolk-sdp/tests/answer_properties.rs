//! Properties every answer keeps, on generated offers and every profile:
//! subsets of the offer, same m-line count and order, offered payload
//! types, port 0 for rejected lines, RFC 3264 directions, keyed SRTP.

mod support;

use proptest::prelude::*;
use tolk_sdp::codec;
use tolk_sdp::model::*;
use tolk_sdp::negotiate::{Keying, MediaState, profiles};

fn check(offer: &SessionDescription, profile: &str) -> Result<(), TestCaseError> {
    let caps = profiles::profile(profile).expect("profile");
    let outcome = tolk_sdp::answer(offer, &caps, &mut support::TestLocal::v4());
    let answer = match outcome {
        Err(error) => {
            prop_assert_eq!(error.rejections.len(), offer.media.len());
            prop_assert!(
                [301, 302, 304, 305].contains(&error.warning().code())
                    || offer.media.iter().all(|m| m.port == 0)
            );
            return Ok(());
        }
        Ok(answer) => answer,
    };
    let description = &answer.description;
    prop_assert_eq!(description.media.len(), offer.media.len());
    prop_assert_eq!(answer.negotiation.media.len(), offer.media.len());
    for (index, (offered, answered)) in offer.media.iter().zip(&description.media).enumerate() {
        prop_assert_eq!(&answered.kind, &offered.kind);
        prop_assert_eq!(&answered.protocol, &offered.protocol);
        prop_assert_eq!(&answered.mid, &offered.mid);
        match &answer.negotiation.media[index].state {
            MediaState::Rejected(_) => prop_assert_eq!(answered.port, 0),
            MediaState::Accepted(accepted) => {
                prop_assert_ne!(answered.port, 0);
                prop_assert_ne!(offered.port, 0);
                prop_assert!(!answered.formats.is_empty());
                // A subset of the offer, under the offerer's payload types, in its order.
                let mut last = 0;
                for format in &answered.formats {
                    let position = offered.formats.iter().position(|f| f.pt == format.pt);
                    prop_assert!(position.is_some(), "PT {} not offered", format.pt);
                    let position = position.unwrap_or_default();
                    prop_assert!(position >= last);
                    last = position;
                    let ours = format.encoding();
                    let theirs = offered.formats.get(position).and_then(Format::encoding);
                    prop_assert!(ours.as_ref().zip(theirs.as_ref()).is_some_and(|(a, b)| a.is(&b.encoding) && a.clock_rate == b.clock_rate));
                    let ours = ours.unwrap_or_else(|| RtpMap::new("?", 0));
                    match codec::special(&ours) {
                        codec::Special::Rtx => {
                            let apt = codec::rtx_apt(format);
                            prop_assert!(apt.is_some_and(|apt| answered.format(apt).is_some()));
                        }
                        codec::Special::TelephoneEvent => {
                            prop_assert!(
                                accepted
                                    .codecs
                                    .iter()
                                    .any(|c| c.encoding.clock_rate == ours.clock_rate)
                            );
                        }
                        codec::Special::Media => {
                            let ours_fmtp = format.fmtp.as_ref();
                            let shared = caps.codecs_of(&offered.kind).any(|cap| {
                                codec::same_codec(
                                    &ours,
                                    ours_fmtp,
                                    &cap.encoding,
                                    cap.fmtp.as_ref(),
                                )
                            });
                            prop_assert!(shared);
                        }
                    }
                }
                // RFC 3264 §6.1: we only send what they receive and vice versa.
                let direction = answered.direction.unwrap_or(Direction::SendRecv);
                let offered_direction = offered.direction.unwrap_or(Direction::SendRecv);
                let held = offer
                    .connection_for(index)
                    .is_some_and(Address::is_unspecified);
                if direction.sends() {
                    prop_assert!(offered_direction.receives() && !held);
                }
                if direction.receives() {
                    prop_assert!(offered_direction.sends());
                }
                // SRTP profiles are keyed; plain ones are not.
                let keyed = !answered.crypto.is_empty() || !answered.fingerprints.is_empty();
                prop_assert_eq!(keyed, offered.protocol.is_secure());
                prop_assert_eq!(
                    matches!(accepted.keying, Keying::Plain),
                    !offered.protocol.is_secure()
                );
                prop_assert!(!answered.rtcp_mux || offered.rtcp_mux);
            }
        }
    }
    let again = tolk_sdp::parse(&description.to_bytes());
    prop_assert_eq!(again.as_ref(), Ok(description));
    // The offerer reads our answer back into the same agreement.
    let ours = tolk_sdp::process_answer(offer, description);
    prop_assert!(ours.is_ok(), "{:?}", ours);
    if let Ok(ours) = ours {
        for ((_, mine), (_, theirs)) in ours.accepted().zip(answer.negotiation.accepted()) {
            prop_assert_eq!(mine.codecs.len(), theirs.codecs.len());
            prop_assert_eq!(mine.direction, theirs.direction.reversed());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn answers_keep_the_offer_shape(offer in support::offers::offer()) {
        for profile in profiles::PROFILE_NAMES {
            check(&offer, profile)?;
        }
    }

    #[test]
    fn any_parsable_description_is_answered_without_panic(description in support::strategies::session()) {
        for profile in profiles::PROFILE_NAMES {
            let _ = support::answer_with(&description, profile);
        }
    }
}
