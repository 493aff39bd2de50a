//! Calls from a Tolk UA to a sipp UAS: placed a window at a time, each
//! hung up with BYE once answered, counted by how they ended.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tolk_sip::transport::DriverHandle;
use tolk_sip::ua::{EndReason, Invite, UaEvent, UserAgent};

/// How a run of calls ended.
#[derive(Debug)]
pub struct Ended {
    /// Calls ended by our BYE.
    pub by_bye: u32,
    /// Calls ended any other way.
    pub otherwise: u32,
    /// False when the time limit cut the run short.
    pub in_time: bool,
}

/// Places `calls` INVITEs made by `invite`, `window` of them up at once,
/// and hangs each up once answered, for at most `limit`. `seen` gets
/// every event on the way.
pub async fn call_and_hang_up(
    ua: &DriverHandle<UserAgent>,
    events: &mut UnboundedReceiver<UaEvent>,
    invite: impl Fn() -> Invite,
    (calls, window): (u32, u32),
    limit: Duration,
    mut seen: impl FnMut(&UaEvent),
) -> Ended {
    let place = || {
        let invite = invite();
        async move {
            ua.with(move |ua, now| ua.invite(now, invite))
                .await
                .unwrap()
                .unwrap();
        }
    };
    let mut placed = 0;
    while placed < window.min(calls) {
        place().await;
        placed += 1;
    }
    let (mut by_bye, mut otherwise) = (0, 0);
    let run = tokio::time::timeout(limit, async {
        while by_bye + otherwise < calls {
            let event = events.recv().await.unwrap();
            seen(&event);
            match event {
                UaEvent::Answered { dialog, .. } => {
                    ua.with(move |ua, now| ua.bye(now, dialog))
                        .await
                        .unwrap()
                        .unwrap();
                }
                UaEvent::Terminated { reason, .. } => {
                    if reason == EndReason::LocalBye {
                        by_bye += 1;
                    } else {
                        otherwise += 1;
                    }
                    if placed < calls {
                        place().await;
                        placed += 1;
                    }
                }
                _ => {}
            }
        }
    })
    .await;
    Ended {
        by_bye,
        otherwise,
        in_time: run.is_ok(),
    }
}
