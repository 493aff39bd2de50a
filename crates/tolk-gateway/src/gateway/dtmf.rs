//! DTMF between a leg that sends RFC 4733 telephone-events and one that
//! takes SIP INFO, as a relay transform on the media toward each leg:
//!
//! - toward the INFO leg, telephone-event packets from the other leg are
//!   detected (one report per key press, at its end) and not forwarded;
//!   the gateway sends the INFO;
//! - toward the RFC 4733 leg, key presses the gateway queued (from the
//!   other leg's INFO) are sent as telephone-event packets in the leg's
//!   audio stream, whose sequence numbers move up to make room.
//!
//! Audio passes unchanged apart from its payload type.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::{Digit, DtmfEvent};
use tolk_media::dtmf::{DetectedEvent, EventDetector, EventGenerator};
use tolk_media::rtp::{RtpBuilder, RtpHeaderMut, RtpPacket};
use tolk_relay::DropReason;
use tolk_relay::rewrite::PayloadTypeMap;
use tolk_relay::transform::{MediaTransform, Outbox, PACKET_MAX, TransformFactory};
use tolk_relay::{SessionId, Side};

/// A key press the relay saw in a leg's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfReport {
    /// The call's relay session.
    pub session: SessionId,
    /// The leg that sent it.
    pub from: Side,
    /// The key and its duration.
    pub event: DtmfEvent,
}

/// Key presses waiting to be sent to a leg as telephone-events. The relay
/// looks at it on every audio packet, so an empty queue costs one atomic
/// load there, not a lock.
#[derive(Debug, Clone, Default)]
pub struct DtmfQueue(Arc<Waiting>);

#[derive(Debug, Default)]
struct Waiting {
    count: AtomicUsize,
    events: Mutex<VecDeque<DtmfEvent>>,
}

impl DtmfQueue {
    /// Queues `event`; false if the queue is unusable (a panicked holder).
    pub fn push(&self, event: DtmfEvent) -> bool {
        let Ok(mut events) = self.0.events.lock() else {
            return false;
        };
        events.push_back(event);
        self.0.count.store(events.len(), Ordering::Release);
        true
    }

    /// The oldest waiting key press, if any.
    pub fn pop(&self) -> Option<DtmfEvent> {
        if self.0.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut events = self.0.events.lock().ok()?;
        let event = events.pop_front();
        self.0.count.store(events.len(), Ordering::Release);
        event
    }
}

/// Telephone-events arriving on this payload type are reported, not
/// forwarded.
#[derive(Debug, Clone)]
pub struct Detect {
    /// The telephone-event payload type the source leg sends.
    pub payload_type: u8,
    /// Its clock rate (for durations).
    pub clock_rate: u32,
    /// Where reports go.
    pub reports: UnboundedSender<DtmfReport>,
    /// Which call and leg they are from.
    pub session: SessionId,
    /// The source leg.
    pub from: Side,
}

/// Queued key presses are sent on this payload type.
#[derive(Debug, Clone)]
pub struct Inject {
    /// The telephone-event payload type the destination leg receives.
    pub payload_type: u8,
    /// Its clock rate.
    pub clock_rate: u32,
    /// The key presses to send.
    pub queue: DtmfQueue,
}

/// The recipe for one direction's DTMF conversion.
#[derive(Debug, Clone)]
pub struct DtmfConversion {
    /// The payload-type rewrite of the audio.
    pub payload_types: PayloadTypeMap,
    /// Telephone-events to turn into reports.
    pub detect: Option<Detect>,
    /// Key presses to turn into telephone-events.
    pub inject: Option<Inject>,
}

impl TransformFactory for DtmfConversion {
    fn build(&self) -> tolk_relay::Result<Box<dyn MediaTransform>> {
        Ok(Box::new(DtmfTransform {
            recipe: self.clone(),
            detector: EventDetector::new(),
            seq_offset: 0,
        }))
    }
}

struct DtmfTransform {
    recipe: DtmfConversion,
    detector: EventDetector,
    /// How many packets we added to the stream so far.
    seq_offset: u16,
}

impl MediaTransform for DtmfTransform {
    fn process(&mut self, rtp: &RtpPacket<'_>, out: &mut Outbox) -> Result<(), DropReason> {
        if let Some(detect) = &self.recipe.detect {
            if rtp.payload_type() == detect.payload_type {
                if self
                    .detector
                    .handle_packet(rtp.timestamp(), rtp.payload())
                    .is_ok()
                {
                    while let Some(event) = self.detector.poll_event() {
                        report(detect, event);
                    }
                }
                return Ok(());
            }
        }
        let mut buf = [0u8; PACKET_MAX];
        let bytes = rtp.as_bytes();
        let slot = buf.get_mut(..bytes.len()).ok_or(DropReason::Oversized)?;
        slot.copy_from_slice(bytes);
        let mut header = RtpHeaderMut::new(slot).map_err(|_| DropReason::Malformed)?;
        let payload_type = self.recipe.payload_types.map(rtp.payload_type());
        header.set_payload_type(payload_type);
        let sequence = rtp.sequence_number().wrapping_add(self.seq_offset);
        header.set_sequence_number(sequence);
        out.push(slot)?;
        if let Some(inject) = &self.recipe.inject {
            let pending = inject.queue.pop();
            if let Some(event) = pending {
                self.inject(inject.clone(), event, rtp, sequence, out)?;
            }
        }
        Ok(())
    }
}

impl DtmfTransform {
    /// Sends `event` right after the audio packet `rtp`: every update and
    /// the three end packets, stamped with the audio's clock.
    fn inject(
        &mut self,
        inject: Inject,
        event: DtmfEvent,
        rtp: &RtpPacket<'_>,
        sequence: u16,
        out: &mut Outbox,
    ) -> Result<(), DropReason> {
        let ticks = u64::from(inject.clock_rate) * event.duration.as_millis() as u64 / 1000;
        let generator = EventGenerator::new(inject.clock_rate, 20);
        let packets = generator.packets(
            event.digit.event_code(),
            10,
            rtp.timestamp(),
            ticks.min(u64::from(u32::MAX)) as u32,
        );
        let mut buf = [0u8; 64];
        for (n, packet) in (1u16..).zip(packets) {
            let payload = packet.event.to_bytes();
            let len = RtpBuilder {
                marker: packet.marker,
                payload_type: inject.payload_type,
                sequence_number: sequence.wrapping_add(n),
                timestamp: packet.timestamp,
                ssrc: rtp.ssrc(),
                payload: &payload,
                ..RtpBuilder::default()
            }
            .write_to(&mut buf)
            .map_err(|_| DropReason::Malformed)?;
            out.push(buf.get(..len).ok_or(DropReason::Oversized)?)?;
            self.seq_offset = self.seq_offset.wrapping_add(1);
        }
        Ok(())
    }
}

fn report(detect: &Detect, event: DetectedEvent) {
    let DetectedEvent::Ended { code, duration, .. } = event else {
        return;
    };
    let Some(digit) = Digit::from_event_code(code) else {
        return;
    };
    let millis = u64::from(duration) * 1000 / u64::from(detect.clock_rate.max(1));
    let _ = detect.reports.send(DtmfReport {
        session: detect.session,
        from: detect.from,
        event: DtmfEvent {
            digit,
            duration: Duration::from_millis(millis),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use tolk_media::dtmf::TelephoneEvent;

    fn packet(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0; 200];
        let len = RtpBuilder {
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc: 7,
            payload,
            ..RtpBuilder::default()
        }
        .write_to(&mut buf)
        .expect("packet");
        buf.truncate(len);
        buf
    }

    #[test]
    fn queued_key_presses_follow_the_audio_as_telephone_events() {
        let queue = DtmfQueue::default();
        let recipe = DtmfConversion {
            payload_types: PayloadTypeMap::from_pairs([(8, 8)]),
            detect: None,
            inject: Some(Inject {
                payload_type: 101,
                clock_rate: 8000,
                queue: queue.clone(),
            }),
        };
        let mut transform = recipe.build().expect("transform");
        let mut out = Outbox::default();
        let audio = packet(8, 100, 1600, &[0xd5; 160]);
        transform
            .process(&RtpPacket::parse(&audio).expect("rtp"), &mut out)
            .expect("audio");
        assert_eq!(out.len(), 1);
        assert!(queue.push(DtmfEvent {
            digit: Digit::from_char('5').expect("digit"),
            duration: Duration::from_millis(100),
        }));
        out.clear();
        let audio = packet(8, 101, 1760, &[0xd5; 160]);
        transform
            .process(&RtpPacket::parse(&audio).expect("rtp"), &mut out)
            .expect("audio and events");
        let packets: Vec<RtpPacket<'_>> = out
            .iter()
            .map(|p| RtpPacket::parse(p).expect("rtp"))
            .collect();
        assert!(packets.len() > 3, "{} packets", packets.len());
        assert_eq!(packets[0].payload_type(), 8);
        let events = &packets[1..];
        assert!(
            events
                .iter()
                .all(|p| p.payload_type() == 101 && p.timestamp() == 1760)
        );
        assert!(events[0].marker());
        let last = TelephoneEvent::parse(events[events.len() - 1].payload()).expect("event");
        assert!(last.end && last.code == 5 && last.duration == 800);
        let sequences: Vec<u16> = packets.iter().map(RtpPacket::sequence_number).collect();
        assert!(
            sequences.windows(2).all(|w| w[1] == w[0] + 1),
            "{sequences:?}"
        );
        // The audio after the events moves up by as many packets.
        out.clear();
        let audio = packet(8, 102, 1920, &[0xd5; 160]);
        transform
            .process(&RtpPacket::parse(&audio).expect("rtp"), &mut out)
            .expect("audio");
        let next = RtpPacket::parse(out.iter().next().expect("audio")).expect("rtp");
        assert_eq!(next.sequence_number(), sequences[sequences.len() - 1] + 1);
    }

    #[test]
    fn telephone_events_become_one_report_and_are_not_forwarded() {
        let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
        let recipe = DtmfConversion {
            payload_types: PayloadTypeMap::identity(),
            detect: Some(Detect {
                payload_type: 101,
                clock_rate: 8000,
                reports,
                session: SessionId(4),
                from: Side::A,
            }),
            inject: None,
        };
        let mut transform = recipe.build().expect("transform");
        let mut out = Outbox::default();
        for (seq, (end, duration)) in [(false, 160u16), (false, 320), (true, 480), (true, 480)]
            .into_iter()
            .enumerate()
        {
            let event = TelephoneEvent {
                code: 11,
                end,
                volume: 10,
                duration,
            }
            .to_bytes();
            let bytes = packet(101, seq as u16, 8000, &event);
            transform
                .process(&RtpPacket::parse(&bytes).expect("rtp"), &mut out)
                .expect("event");
        }
        assert!(out.is_empty());
        let report = received.try_recv().expect("one report");
        assert_eq!(report.event.digit.as_char(), '#');
        assert_eq!(report.event.duration, Duration::from_millis(60));
        assert_eq!((report.session, report.from), (SessionId(4), Side::A));
        assert!(received.try_recv().is_err());
    }
}
