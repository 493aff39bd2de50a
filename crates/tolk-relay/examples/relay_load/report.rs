//! What one forwarder did under the load, and how it prints.

use std::time::Duration;

use crate::traffic::Tally;

/// One forwarder's run.
pub struct Report {
    /// Name in the output.
    pub name: &'static str,
    /// Packets sent and received, latencies.
    pub tally: Tally,
    /// Sending time.
    pub wall: Duration,
    /// CPU time of the forwarding thread(s).
    pub cpu_ns: u64,
}

impl Report {
    /// Forwarded packets per second of wall time.
    pub fn pps(&self) -> f64 {
        self.tally.received as f64 / self.wall.as_secs_f64()
    }

    /// Forwarding CPU per forwarded packet.
    pub fn cpu_per_packet_ns(&self) -> f64 {
        self.cpu_ns as f64 / self.tally.received.max(1) as f64
    }

    /// Forwarded packets per second one core would sustain at that cost.
    pub fn pps_per_core(&self) -> f64 {
        1e9 / self.cpu_per_packet_ns().max(1.0)
    }

    /// Share of one core the forwarder used.
    pub fn utilisation(&self) -> f64 {
        self.cpu_ns as f64 / self.wall.as_nanos().max(1) as f64
    }

    /// Lost packets as a share of those sent.
    pub fn loss(&self) -> f64 {
        self.tally.sent.saturating_sub(self.tally.received) as f64 / self.tally.sent.max(1) as f64
    }

    /// The `p` quantile of one-way latency, in microseconds (sorts once).
    pub fn percentile(&mut self, p: f64) -> u32 {
        let v = &mut self.tally.latencies_us;
        if !v.is_sorted() {
            v.sort_unstable();
        }
        let i = ((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1));
        v.get(i).copied().unwrap_or(0)
    }

    /// One line of results.
    pub fn print(&mut self, paced: bool) {
        let calls_per_core = if paced {
            // A call is two 50 pkt/s streams: one core's rate at this cost, in calls.
            format!(" | {:>6.0} calls/core", self.pps_per_core() / 100.0)
        } else {
            String::new()
        };
        let (p50, p99, p999) = (
            self.percentile(0.5),
            self.percentile(0.99),
            self.percentile(0.999),
        );
        println!(
            "{:<5} sent {:>9} recv {:>9} loss {:>6.3}% | {:>8.0} pkt/s | cpu {:>5.1}% {:>6.0} ns/pkt = {:>8.0} pkt/s/core{calls_per_core} | latency us p50 {:>6} p99 {:>6} p99.9 {:>6}",
            self.name,
            self.tally.sent,
            self.tally.received,
            100.0 * self.loss(),
            self.pps(),
            100.0 * self.utilisation(),
            self.cpu_per_packet_ns(),
            self.pps_per_core(),
            p50,
            p99,
            p999,
        );
    }
}
