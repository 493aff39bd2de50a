//! Hang-ups and endings: legs told, resources freed, outcomes counted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tolk_interwork::{Cause, LegCommand, LegId, MediaWarning, status_for_cause};
use tolk_relay::{SessionId, Side};
use tolk_sip::message::names;

use super::super::media::MediaError;
use super::super::sip_leg::LegEnding;
use super::super::sip_leg::warning_value;
use super::Bridge;
use crate::admin::AdminBackend;
use crate::metrics::RelayDelta;

/// How long a call whose other leg is still ending may linger before it
/// is dropped from the table regardless: a safety net, since a leg ends
/// as soon as its BYE is sent or received, but a CANCEL the callee never
/// answers waits for its INVITE transaction's timeout (Timer B, run
/// again from the CANCEL: 32 s).
const ENDING_GRACE: Duration = Duration::from_secs(40);

/// How long the end of a drain waits for relay deletes still running.
const STOP_GRACE: Duration = Duration::from_secs(2);

impl Bridge {
    /// Media could not be agreed after the callee answered: both legs go.
    pub(super) async fn fail_media(&mut self, id: &str, error: MediaError) {
        let warning = match error {
            MediaError::NotAcceptable(warning) => Some(warning),
            MediaError::Resources(_) => None,
        };
        tracing::info!(call = %id, ?warning, "media failed");
        let cause = Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED;
        self.hang_up(id, "media_failed", cause, warning).await;
    }

    /// Hangs up every leg of call `id` still up; `reason` labels the end
    /// in the metrics (`admin`, `drain`, `media_timeout`, ...).
    pub(crate) async fn hang_up(
        &mut self,
        id: &str,
        reason: &'static str,
        cause: Cause,
        warning: Option<MediaWarning>,
    ) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        call.ends_by(reason);
        call.ending_since.get_or_insert_with(Instant::now);
        if !call.answered && call.failure.is_none() {
            call.failure = Some(status_for_cause(cause).unwrap_or(480));
        }
        let legs: Vec<LegId> = [call.leg(Side::A), call.leg(Side::B)]
            .into_iter()
            .flatten()
            .collect();
        for leg in legs {
            let command = LegCommand::Hangup {
                cause,
                warning: warning.clone(),
            };
            self.sip.command(leg, command).await;
        }
    }

    /// Hangs up the answered call using relay session `session` (media
    /// timeout). A call still ringing has no media yet: the ring timer
    /// bounds it, and answering restarts the relay's silence timer.
    pub(crate) async fn media_timeout(&mut self, session: SessionId) {
        let Some(id) = self.by_session.get(&session).cloned() else {
            return;
        };
        if self.calls.get(&id).is_some_and(|call| call.answered) {
            tracing::info!(call = %id, "media timeout");
            self.hang_up(&id, "media_timeout", Cause::RECOVERY_ON_TIMER_EXPIRY, None)
                .await;
        }
    }

    /// The relay could not set up session `session` as asked (see
    /// [`super::super::relay_watch`]): its call has no media, so it ends,
    /// answered or not, with cause 41 (a caller still waiting gets 503).
    pub(crate) async fn relay_failed(&mut self, session: SessionId) {
        let call = self
            .by_session
            .get(&session)
            .or(self.by_video.get(&session));
        let Some(id) = call.cloned() else {
            return;
        };
        tracing::warn!(call = %id, "media relay failure");
        self.hang_up(&id, "relay_failure", Cause::TEMPORARY_FAILURE, None)
            .await;
    }

    /// Cancels the outgoing legs that have rung unanswered for the ring
    /// timeout; their callers get 480 (cause 19, RFC 3398).
    pub(crate) async fn ring_timeouts(&mut self, now: Instant) {
        let limit = Duration::from_secs(self.config.node.ring_timeout_secs);
        let expired: Vec<String> = self
            .calls
            .values()
            .filter(|c| {
                !c.answered && c.ending_since.is_none() && now.duration_since(c.dialled) >= limit
            })
            .map(|c| c.id.clone())
            .collect();
        for id in expired {
            tracing::info!(call = %id, "no answer within the ring timeout");
            self.hang_up(&id, "ring_timeout", Cause::NO_ANSWER, None)
                .await;
        }
    }

    /// Hangs up every call (end of a drain).
    pub(crate) async fn hang_up_all(&mut self) {
        let ids: Vec<String> = self.calls.keys().cloned().collect();
        for id in ids {
            self.hang_up(&id, "drain", Cause::NORMAL_CALL_CLEARING, None)
                .await;
        }
    }

    pub(super) async fn leg_ended(
        &mut self,
        id: &str,
        side: Side,
        cause: Cause,
        warning: Option<MediaWarning>,
        ending: Option<LegEnding>,
    ) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        call.ends_by(ending.map_or("other", |e| e.reason));
        let status = ending.and_then(|e| e.status);
        match side {
            Side::A => call.a_alive = false,
            Side::B => call.b_alive = false,
        }
        if let Some(leg) = match side {
            Side::A => Some(call.a),
            Side::B => call.b,
        } {
            self.by_leg.remove(&leg);
        }
        if !call.answered && call.failure.is_none() {
            call.failure = Some(match side {
                // The caller gave up (CANCEL, 487) or the UA refused it.
                Side::A => status.unwrap_or(487),
                // SIP to SIP: the callee's own status, not a Q.850 round trip.
                Side::B => status.unwrap_or_else(|| status_for_cause(cause).unwrap_or(480)),
            });
        }
        call.ending_since.get_or_insert_with(Instant::now);
        let refusal = call
            .failure
            .filter(|_| side == Side::B && !call.answered && status.is_some());
        match (call.leg(side.other()), refusal) {
            (Some(other), Some(code)) => {
                let headers = warning
                    .map(|w| vec![(names::WARNING, warning_value(&w))])
                    .unwrap_or_default();
                self.sip.reject(other, code, headers).await;
            }
            (Some(other), None) => {
                self.sip
                    .command(other, LegCommand::Hangup { cause, warning })
                    .await;
            }
            (None, _) => self.finish(id).await,
        }
    }

    /// Frees what call `id` holds and counts it.
    async fn finish(&mut self, id: &str) {
        let Some(mut call) = self.calls.remove(id) else {
            return;
        };
        for leg in [Some(call.a), call.b].into_iter().flatten() {
            self.by_leg.remove(&leg);
        }
        let session = call.media.session();
        self.by_session.remove(&session);
        let videos = call.media.video_sessions();
        for video in &videos {
            self.by_video.remove(video);
        }
        self.delete_sessions(std::iter::once(session).chain(videos).collect());
        self.node.remove_call(id);
        let metrics = self.node.metrics();
        call.transcoded.set(metrics, 0);
        metrics.call_finished(call.ended_by.unwrap_or("other"));
        match (call.answered, call.failure) {
            (true, _) => metrics.call_ended(),
            (false, Some(status)) => metrics.call_failed(status),
            (false, None) => metrics.call_failed(487),
        }
        tracing::info!(call = %id, answered = call.answered, failure = ?call.failure, "ended");
    }

    /// Deletes relay `sessions` in a task of its own (the loop goes on
    /// with other calls while the relay worker closes the sockets); their
    /// final counters go to the metrics when it is done.
    pub(super) fn delete_sessions(&mut self, sessions: Vec<SessionId>) {
        if sessions.is_empty() {
            return;
        }
        let (relay, node) = (Arc::clone(&self.relay), Arc::clone(&self.node));
        self.deletes.spawn(async move {
            for session in sessions {
                if let Ok(stats) = relay.delete_async(session).await {
                    node.metrics().add_relay(&relay_delta(&stats));
                }
            }
        });
    }

    /// The end of a drain: the calls still there (their legs never
    /// finished ending) are finished and counted, and the relay deletes
    /// still running get up to [`STOP_GRACE`] to close their sessions
    /// and count them, so that the metrics are final when the node stops.
    pub(crate) async fn stop(&mut self) {
        let ids: Vec<String> = self.calls.keys().cloned().collect();
        for id in ids {
            self.finish(&id).await;
        }
        let left = self.deletes.settle(STOP_GRACE).await;
        if left > 0 {
            tracing::warn!(left, "relay deletes unfinished when the node stopped");
        }
        self.update_resources().await;
    }

    /// Publishes what the node holds (SIP dialogs, relay sessions) so
    /// that operators and tests see resources return to zero.
    pub(crate) async fn update_resources(&self) {
        self.sample_resources();
        // The SIP task runs commands in order: once this one has run, the
        // dialog count is in the metrics.
        let _ = self.sip.handle().with(|_, _| ()).await;
    }

    /// Samples the resources held into the metrics without waiting: the
    /// SIP dialogs are counted on the SIP task, when it gets there.
    pub(crate) fn sample_resources(&self) {
        let metrics = self.metrics();
        metrics.set_relay_sessions(self.relay.session_count() as u64);
        metrics.set_relay_send_failures(self.relay.io_stats().send_failures);
        let node = Arc::clone(&self.node);
        self.sip.run(move |ua, _| {
            AdminBackend::metrics(node.as_ref()).set_sip_dialogs(ua.dialog_count() as u64);
        });
    }

    /// Drops calls whose legs never finished ending (their peers vanished).
    pub(crate) async fn reap(&mut self, now: Instant) {
        let stale: Vec<String> = self
            .calls
            .values()
            .filter(|c| {
                c.ending_since
                    .is_some_and(|t| now.duration_since(t) > ENDING_GRACE)
            })
            .map(|c| c.id.clone())
            .collect();
        for id in stale {
            self.finish(&id).await;
        }
    }
}

/// A relay session's final counters as a metrics delta.
pub(super) fn relay_delta(stats: &tolk_relay::SessionStats) -> RelayDelta {
    let drops = [stats.a.drops, stats.b.drops]
        .iter()
        .flat_map(|d| d.iter().map(|(reason, n)| (reason.label().to_owned(), n)))
        .filter(|(_, n)| *n > 0)
        .collect();
    RelayDelta {
        packets: stats.a.forwarded + stats.b.forwarded,
        bytes: stats.a.bytes_forwarded + stats.b.bytes_forwarded,
        drops,
        srtp_auth_failures: stats.a.drops.get(tolk_relay::DropReason::AuthFailed)
            + stats.b.drops.get(tolk_relay::DropReason::AuthFailed),
    }
}
