//! The gateway's counters and their Prometheus text exposition.
//!
//! Counters are atomics so that the signalling and media paths update them
//! without a lock; the per-label families (failures by cause, drops by
//! reason) are small maps touched once per failed call or per relay stats
//! snapshot, never per packet.
//!
//! The relay counters (packets, bytes, drops, SRTP authentication
//! failures) are a call's final ones, added when the relay has deleted
//! its session: a few milliseconds after the call ends, in a task of its
//! own. The admin API's `/calls` shows the live counts meanwhile, and a
//! drain waits for these deletes before the node stops.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Everything `/metrics` reports.
#[derive(Debug, Default)]
pub struct Metrics {
    active_calls: AtomicI64,
    call_setups: AtomicU64,
    call_failures: Mutex<BTreeMap<u16, u64>>,
    call_ends: Mutex<BTreeMap<&'static str, u64>>,
    relay_packets: AtomicU64,
    relay_bytes: AtomicU64,
    relay_drops: Mutex<BTreeMap<String, u64>>,
    srtp_auth_failures: AtomicU64,
    transcoded_streams: AtomicI64,
    keyframes_rtcp: AtomicU64,
    keyframes_info: AtomicU64,
    sip_dialogs: AtomicU64,
    relay_sessions: AtomicU64,
    relay_send_failures: AtomicU64,
}

/// A relay statistics delta, as the relay reports it per interval.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayDelta {
    /// Packets forwarded.
    pub packets: u64,
    /// Bytes forwarded.
    pub bytes: u64,
    /// Packets dropped, by reason.
    pub drops: Vec<(String, u64)>,
    /// SRTP/SRTCP packets that failed authentication.
    pub srtp_auth_failures: u64,
}

impl Metrics {
    /// A call was set up (answered on both legs).
    pub fn call_started(&self) {
        self.call_setups.fetch_add(1, Ordering::Relaxed);
        self.active_calls.fetch_add(1, Ordering::Relaxed);
    }

    /// An answered call ended.
    pub fn call_ended(&self) {
        self.active_calls.fetch_sub(1, Ordering::Relaxed);
    }

    /// A call attempt failed with this final status.
    pub fn call_failed(&self, status: u16) {
        if let Ok(mut failures) = self.call_failures.lock() {
            *failures.entry(status).or_default() += 1;
        }
    }

    /// A call left the call table (answered or not), for `reason`: how
    /// its first leg ended (`bye`, `cancel`, `no_prack`,
    /// `session_expired`, ...) or why the gateway ended it
    /// (`media_timeout`, `ring_timeout`, `admin`, ...).
    pub fn call_finished(&self, reason: &'static str) {
        if let Ok(mut ends) = self.call_ends.lock() {
            *ends.entry(reason).or_default() += 1;
        }
    }

    /// The gateway sent a leg a keyframe request: as relay-made RTCP
    /// (`in_rtcp`) or as a SIP INFO picture_fast_update.
    pub fn keyframe_requested(&self, in_rtcp: bool) {
        let counter = match in_rtcp {
            true => &self.keyframes_rtcp,
            false => &self.keyframes_info,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A transcoding stream started (`+1`) or stopped (`-1`).
    pub fn transcoded_streams_changed(&self, delta: i64) {
        self.transcoded_streams.fetch_add(delta, Ordering::Relaxed);
    }

    /// Adds a relay statistics delta.
    pub fn add_relay(&self, delta: &RelayDelta) {
        self.relay_packets
            .fetch_add(delta.packets, Ordering::Relaxed);
        self.relay_bytes.fetch_add(delta.bytes, Ordering::Relaxed);
        self.srtp_auth_failures
            .fetch_add(delta.srtp_auth_failures, Ordering::Relaxed);
        if let Ok(mut drops) = self.relay_drops.lock() {
            for (reason, count) in &delta.drops {
                *drops.entry(reason.clone()).or_default() += count;
            }
        }
    }

    /// The SIP dialogs held now.
    pub fn set_sip_dialogs(&self, sip_dialogs: u64) {
        self.sip_dialogs.store(sip_dialogs, Ordering::Relaxed);
    }

    /// The relay sessions held now.
    pub fn set_relay_sessions(&self, relay_sessions: u64) {
        self.relay_sessions.store(relay_sessions, Ordering::Relaxed);
    }

    /// The relay's count of forwards the kernel refused to send (its own
    /// running total, sampled with the resources).
    pub fn set_relay_send_failures(&self, total: u64) {
        self.relay_send_failures.store(total, Ordering::Relaxed);
    }

    /// Calls currently up.
    pub fn active_calls(&self) -> i64 {
        self.active_calls.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(String, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let plain = |value: String| vec![(String::new(), value)];
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed).to_string();

        family(
            "tolk_active_calls",
            "gauge",
            "Calls currently up.",
            &plain(self.active_calls().to_string()),
        );
        family(
            "tolk_call_setups_total",
            "counter",
            "Calls answered on both legs.",
            &plain(load(&self.call_setups)),
        );
        let failures: Vec<_> = self
            .call_failures
            .lock()
            .map(|map| {
                map.iter()
                    .map(|(status, n)| (format!("{{status=\"{status}\"}}"), n.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        family(
            "tolk_call_failures_total",
            "counter",
            "Call attempts that failed, by final SIP status.",
            &failures,
        );
        let ends: Vec<_> = self
            .call_ends
            .lock()
            .map(|map| {
                map.iter()
                    .map(|(reason, n)| (format!("{{reason=\"{reason}\"}}"), n.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        family(
            "tolk_call_ends_total",
            "counter",
            "Calls ended (answered or not), by how the first leg ended or why the gateway ended it.",
            &ends,
        );
        family(
            "tolk_relay_packets_total",
            "counter",
            "Media packets forwarded by the relay (a call's counters are added when its relay session is deleted, just after the call ends).",
            &plain(load(&self.relay_packets)),
        );
        family(
            "tolk_relay_bytes_total",
            "counter",
            "Media bytes forwarded by the relay (added when a call's relay session is deleted).",
            &plain(load(&self.relay_bytes)),
        );
        let drops: Vec<_> = self
            .relay_drops
            .lock()
            .map(|map| {
                map.iter()
                    .map(|(reason, n)| {
                        (format!("{{reason=\"{}\"}}", escape(reason)), n.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        family(
            "tolk_relay_drops_total",
            "counter",
            "Media packets dropped by the relay, by reason (added when a call's relay session is deleted).",
            &drops,
        );
        family(
            "tolk_srtp_auth_failures_total",
            "counter",
            "SRTP/SRTCP packets that failed authentication.",
            &plain(load(&self.srtp_auth_failures)),
        );
        family(
            "tolk_transcoded_streams",
            "gauge",
            "Media streams currently transcoded.",
            &plain(self.transcoded_streams.load(Ordering::Relaxed).to_string()),
        );
        family(
            "tolk_keyframe_requests_total",
            "counter",
            "Keyframe requests the gateway sent a leg (PLI/FIR the relay forwards untouched not counted), by form.",
            &[
                ("{via=\"rtcp\"}".to_owned(), load(&self.keyframes_rtcp)),
                ("{via=\"info\"}".to_owned(), load(&self.keyframes_info)),
            ],
        );
        family(
            "tolk_sip_dialogs",
            "gauge",
            "SIP dialogs held (sampled each second).",
            &plain(load(&self.sip_dialogs)),
        );
        family(
            "tolk_relay_sessions",
            "gauge",
            "Media relay sessions held (sampled each second).",
            &plain(load(&self.relay_sessions)),
        );
        family(
            "tolk_relay_send_failures_total",
            "counter",
            "Forwarded media packets the kernel refused to send (socket buffer full, no route), sampled each second.",
            &plain(load(&self.relay_send_failures)),
        );
        out
    }
}

/// What one call adds to the transcoded-streams gauge, kept with the call
/// so that every change (answer, a re-offer starting or stopping
/// transcoding, the end) moves the gauge by the difference only.
#[derive(Debug, Default)]
pub struct TranscodedShare(i64);

impl TranscodedShare {
    /// The call now transcodes `streams` directions.
    pub fn set(&mut self, metrics: &Metrics, streams: i64) {
        metrics.transcoded_streams_changed(streams - self.0);
        self.0 = streams;
    }
}

/// Escapes a label value per the exposition format.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_help_and_type() {
        let metrics = Metrics::default();
        metrics.call_started();
        metrics.call_started();
        metrics.call_ended();
        metrics.call_failed(488);
        metrics.call_failed(488);
        metrics.call_failed(404);
        metrics.call_finished("bye");
        metrics.call_finished("bye");
        metrics.call_finished("no_prack");
        metrics.keyframe_requested(false);
        metrics.set_relay_send_failures(3);
        metrics.add_relay(&RelayDelta {
            packets: 10,
            bytes: 1720,
            drops: vec![("replayed".into(), 2), ("auth \"failed\"".into(), 1)],
            srtp_auth_failures: 1,
        });
        let text = metrics.render();
        for line in [
            "tolk_active_calls 1",
            "tolk_call_setups_total 2",
            "tolk_call_failures_total{status=\"404\"} 1",
            "tolk_call_failures_total{status=\"488\"} 2",
            "tolk_relay_packets_total 10",
            "tolk_relay_bytes_total 1720",
            "tolk_relay_drops_total{reason=\"replayed\"} 2",
            "tolk_relay_drops_total{reason=\"auth \\\"failed\\\"\"} 1",
            "tolk_srtp_auth_failures_total 1",
            "tolk_relay_send_failures_total 3",
            "tolk_transcoded_streams 0",
            "tolk_keyframe_requests_total{via=\"info\"} 1",
            "tolk_keyframe_requests_total{via=\"rtcp\"} 0",
            "tolk_call_ends_total{reason=\"bye\"} 2",
            "tolk_call_ends_total{reason=\"no_prack\"} 1",
            "# TYPE tolk_active_calls gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        let helps = text.lines().filter(|l| l.starts_with("# HELP")).count();
        let types = text.lines().filter(|l| l.starts_with("# TYPE")).count();
        assert_eq!((helps, types), (13, 13));
    }

    fn transcoded(metrics: &Metrics) -> i64 {
        metrics.transcoded_streams.load(Ordering::Relaxed)
    }

    #[test]
    fn a_calls_transcoded_share_moves_the_gauge_by_differences_only() {
        let metrics = Metrics::default();
        let (mut first, mut second) = (TranscodedShare::default(), TranscodedShare::default());
        first.set(&metrics, 2); // answered, transcoding both ways
        second.set(&metrics, 2);
        assert_eq!(transcoded(&metrics), 4);
        first.set(&metrics, 2); // a re-offer that changes nothing
        assert_eq!(transcoded(&metrics), 4);
        first.set(&metrics, 0); // a re-offer that found a common codec
        assert_eq!(transcoded(&metrics), 2);
        first.set(&metrics, 2); // and one that lost it again
        assert_eq!(transcoded(&metrics), 4);
        first.set(&metrics, 0); // the ends
        second.set(&metrics, 0);
        second.set(&metrics, 0);
        assert_eq!(transcoded(&metrics), 0);
    }

    #[test]
    fn active_calls_count_answered_calls_until_they_end() {
        let metrics = Metrics::default();
        metrics.call_started();
        metrics.call_started();
        metrics.call_ended();
        metrics.call_failed(487);
        assert_eq!(metrics.active_calls(), 1);
        metrics.call_ended();
        assert_eq!(metrics.active_calls(), 0);
        assert!(
            metrics
                .render()
                .contains("tolk_call_failures_total{status=\"487\"} 1\n")
        );
    }
}
