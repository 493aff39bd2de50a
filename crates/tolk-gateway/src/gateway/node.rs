//! The node's shared state as the admin API sees it: the call table with
//! live relay counters, the drain flag and the metrics; hang-ups and the
//! drain go to the gateway's event loop as control messages.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tolk_relay::{Relay, SessionId, Side};

use crate::admin::{AdminBackend, CallSummary, LegSummary, StreamSummary};
use crate::metrics::Metrics;

/// What the outside asks of the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    /// Hang up the call with this id.
    HangUp(String),
    /// Stop taking calls; stop when the last one ends or at the timeout.
    Drain,
}

/// One leg in the call table.
#[derive(Debug, Clone)]
pub(crate) struct LegRecord {
    /// Which relay endpoint carries its media.
    pub side: Side,
    /// `sip`.
    pub protocol: &'static str,
    /// The peer's address or URI.
    pub peer: String,
    /// Negotiated codecs.
    pub codecs: Vec<String>,
    /// Media protection.
    pub crypto: String,
    /// Each accepted stream's kind and codecs.
    pub streams: Vec<(String, Vec<String>)>,
}

/// One call in the table.
#[derive(Debug, Clone)]
pub(crate) struct CallRecord {
    /// Legs, caller first.
    pub legs: Vec<LegRecord>,
    /// The call's relay session.
    pub session: SessionId,
    /// When both legs were answered.
    pub answered: Option<Instant>,
}

/// The gateway node: metrics, call table and drain state.
pub struct Node {
    metrics: Metrics,
    draining: AtomicBool,
    calls: Mutex<BTreeMap<String, CallRecord>>,
    relay: Arc<Relay>,
    control: UnboundedSender<Control>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("draining", &self.draining)
            .finish_non_exhaustive()
    }
}

impl Node {
    pub(crate) fn new(relay: Arc<Relay>, control: UnboundedSender<Control>) -> Self {
        Node {
            metrics: Metrics::default(),
            draining: AtomicBool::new(false),
            calls: Mutex::new(BTreeMap::new()),
            relay,
            control,
        }
    }

    /// Stops taking new calls (they get 503 with Retry-After); the
    /// gateway stops once the calls up have ended or the drain timeout
    /// has passed.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
        let _ = self.control.send(Control::Drain);
    }

    /// How many calls the table holds.
    pub fn call_count(&self) -> usize {
        self.calls.lock().map(|calls| calls.len()).unwrap_or(0)
    }

    pub(crate) fn set_call(&self, id: String, record: CallRecord) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.insert(id, record);
        }
    }

    pub(crate) fn update_call(&self, id: &str, change: impl FnOnce(&mut CallRecord)) {
        if let Ok(mut calls) = self.calls.lock() {
            if let Some(record) = calls.get_mut(id) {
                change(record);
            }
        }
    }

    pub(crate) fn remove_call(&self, id: &str) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(id);
        }
    }
}

impl AdminBackend for Node {
    fn calls(&self) -> Vec<CallSummary> {
        let records: Vec<(String, CallRecord)> = match self.calls.lock() {
            Ok(calls) => calls.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Err(_) => return Vec::new(),
        };
        records
            .into_iter()
            .map(|(id, record)| {
                let stats = self.relay.stats(record.session).ok();
                let legs = record
                    .legs
                    .iter()
                    .map(|leg| {
                        let (packets_in, packets_out) = match (stats, leg.side) {
                            (Some(s), Side::A) => (s.a.packets_in, s.b.forwarded),
                            (Some(s), Side::B) => (s.b.packets_in, s.a.forwarded),
                            (None, _) => (0, 0),
                        };
                        LegSummary {
                            protocol: leg.protocol.to_owned(),
                            peer: leg.peer.clone(),
                            codecs: leg.codecs.clone(),
                            crypto: leg.crypto.clone(),
                            streams: leg
                                .streams
                                .iter()
                                .map(|(kind, codecs)| StreamSummary {
                                    kind: kind.clone(),
                                    codecs: codecs.clone(),
                                })
                                .collect(),
                            packets_in,
                            packets_out,
                        }
                    })
                    .collect();
                CallSummary {
                    id,
                    duration_secs: record.answered.map_or(0, |t| t.elapsed().as_secs()),
                    legs,
                }
            })
            .collect()
    }

    fn hang_up(&self, id: &str) -> bool {
        let known = self
            .calls
            .lock()
            .map(|calls| calls.contains_key(id))
            .unwrap_or(false);
        known && self.control.send(Control::HangUp(id.to_owned())).is_ok()
    }

    fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}
