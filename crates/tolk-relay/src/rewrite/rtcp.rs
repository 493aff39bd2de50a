//! SSRC renames inside RTCP, so that both legs see one consistent set of
//! streams when the relay rewrites SSRCs.
//!
//! If the relay renames leg X's stream `x` to `x'` on its way to leg Y, Y
//! reports on (and asks keyframes of) `x'`. On the way back to X those
//! references must read `x` again, while Y's own reports get the sender
//! SSRC its media got on the way to X. The places an SSRC names a stream
//! (RFC 3550 section 6.4, RFC 4585 section 6.1, RFC 5104 section 4.2-4.3):
//!
//! | packet            | sender word | source words                     |
//! |-------------------|-------------|----------------------------------|
//! | SR, RR            | yes         | each report block's first word   |
//! | SDES, BYE         | first chunk / first source | -                 |
//! | RTPFB, PSFB       | yes         | media source; FIR, TMMBR, TMMBN entries; REMB's SSRC list |
//!
//! XR and APP are left alone: their block layouts are per type.
//!
//! When the relay sends a stream in a reporter's name (a transform's
//! output), that reporter's SRs also get their sender info carried onto
//! the stream ([`SenderInfoMap`]): the RTP timestamp mapped like the
//! media's, so that the NTP/RTP pair still lines the stream up with the
//! reporter's other streams (RFC 3550 section 6.4.1, lip sync), and the
//! packet and octet counts moved by what the relay put in or took out.
//!
//! An SR renamed onto such a stream from a source the transform has no
//! mapping for (its media has not reached the transform yet: the SR came
//! first, or a new source after a transfer) gets a zero NTP timestamp.
//! Its RTP timestamp is on the source's timeline, which the stream does
//! not follow yet, so the pair would tie the reporter's wallclock to the
//! wrong instant of the stream; RFC 3550 section 6.4.1 lets a sender
//! with no wallclock to relate send zero, and receivers then take no
//! synchronization from it. Guessing the offset its media will get would
//! be no better: the stream's timeline is fixed when the media comes
//! (for our own DTMF stream, where it has got to by then), so a guess
//! would make the receiver's lip sync jump at that moment. Until then the
//! leg hears no media of that source on the stream (only key presses of
//! ours, RFC 4733 events with no synchronization to keep), and the
//! source's first SR after its media came carries the real pair. The
//! report blocks, which describe the leg's own stream, go on as ever.

use tolk_media::clock::TimestampMapper;
use tolk_media::rtcp::{BYE, FMT_AFB, FMT_FIR, PSFB, RR, RTPFB, SDES, SR, raw_packets};

/// Report block length (RFC 3550 section 6.4.1).
const REPORT_BLOCK: usize = 24;
/// Sender info length in an SR.
const SENDER_INFO: usize = 20;
/// FIR / TMMBR / TMMBN entry length (RFC 5104 section 4.2, 4.3).
const FCI_ENTRY: usize = 8;
const FMT_TMMBR: u8 = 3;
const FMT_TMMBN: u8 = 4;

/// How SSRCs in RTCP headed to one leg are renamed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtcpSsrcMap {
    /// The reporter's new SSRC: the rename its media gets toward this leg.
    pub sender: Option<u32>,
    /// `(as the reporter saw it, as this leg sent it)`: references to the
    /// destination's own stream, renamed back.
    pub source: Option<(u32, u32)>,
    /// The reporter's SRs carried onto the stream sent in its name.
    pub sender_info: Option<SenderInfoMap>,
    /// The stream sent in the reporter's name has a timeline of its own
    /// (a transform's output): an SR that `sender_info` does not map gets
    /// a zero NTP timestamp (see the module docs).
    pub own_timeline: bool,
}

impl RtcpSsrcMap {
    /// True when nothing is renamed or mapped.
    pub fn is_identity(&self) -> bool {
        self.sender.is_none()
            && self.source.is_none_or(|(from, to)| from == to)
            && self.sender_info.is_none()
            && !self.own_timeline
    }
}

/// How an SR's sender info (RFC 3550 section 6.4.1) is carried onto the
/// stream the relay sends in the reporter's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfoMap {
    /// The reporter's SSRC as it sent its media; other SRs are left alone.
    pub source: u32,
    /// Its RTP timestamps onto the stream's, as its media's are.
    pub timestamps: TimestampMapper,
    /// Added to its packet count (wrapping: fewer when more were taken
    /// out than put in).
    pub packets: u32,
    /// Added to its payload octet count, likewise.
    pub octets: u32,
}

/// Applies `map` to every packet of a validated compound in `buf`; a
/// packet that does not parse ends the walk (validation happens before).
pub fn apply(buf: &mut [u8], map: &RtcpSsrcMap) {
    let mut at = 0;
    while at < buf.len() {
        let Some(Ok(p)) = buf.get(at..).and_then(|rest| raw_packets(rest).next()) else {
            return;
        };
        let (kind, count, total, body_end) =
            (p.packet_type, p.count, p.bytes.len(), 4 + p.body.len());
        let remb = kind == PSFB && count == FMT_AFB && p.body.get(8..12) == Some(b"REMB");
        let remb_ssrcs = p.body.get(12).copied().map_or(0, usize::from);
        let Some(packet) = buf.get_mut(at..at + body_end) else {
            return;
        };
        let names_a_sender = match kind {
            SR | RR | RTPFB | PSFB => true,
            SDES | BYE => count > 0,
            _ => false,
        };
        // Before the rename: it is known by its own SSRC.
        if kind == SR {
            let mapped = map
                .sender_info
                .is_some_and(|info| map_sender_info(packet, &info));
            if !mapped && map.own_timeline {
                set(packet, 8, 0);
                set(packet, 12, 0);
            }
        }
        if let (true, Some(ssrc)) = (names_a_sender, map.sender) {
            set(packet, 4, ssrc);
        }
        if let Some(pair) = map.source {
            let blocks = usize::from(count);
            match kind {
                SR => rename_each(packet, 8 + SENDER_INFO, REPORT_BLOCK, blocks, pair),
                RR => rename_each(packet, 8, REPORT_BLOCK, blocks, pair),
                RTPFB | PSFB => {
                    rename(packet, 8, pair);
                    // For feedback the count field is the FMT.
                    let entries = (kind == PSFB && count == FMT_FIR)
                        || (kind == RTPFB && matches!(count, FMT_TMMBR | FMT_TMMBN));
                    if entries {
                        rename_each(packet, 12, FCI_ENTRY, usize::MAX, pair);
                    } else if remb {
                        rename_each(packet, 20, 4, remb_ssrcs, pair);
                    }
                }
                _ => {}
            }
        }
        at += total;
    }
}

/// Renames the word at `first`, `first + stride`, ... (at most `n`, within the packet).
fn rename_each(packet: &mut [u8], first: usize, stride: usize, n: usize, pair: (u32, u32)) {
    let mut at = first;
    for _ in 0..n {
        if at + 4 > packet.len() {
            return;
        }
        rename(packet, at, pair);
        at += stride;
    }
}

fn rename(packet: &mut [u8], at: usize, (from, to): (u32, u32)) {
    if let Some(word) = packet.get_mut(at..at + 4) {
        if *word == from.to_be_bytes() {
            word.copy_from_slice(&to.to_be_bytes());
        }
    }
}

/// The SR's sender info (after the sender SSRC: NTP time, RTP timestamp,
/// packet count, octet count) carried onto the stream, if it is `info`'s
/// source's; whether it was.
fn map_sender_info(packet: &mut [u8], info: &SenderInfoMap) -> bool {
    if word(packet, 4) != Some(info.source) {
        return false;
    }
    if let Some(timestamp) = word(packet, 16) {
        set(packet, 16, info.timestamps.map(timestamp));
    }
    if let Some(packets) = word(packet, 20) {
        set(packet, 20, packets.wrapping_add(info.packets));
    }
    if let Some(octets) = word(packet, 24) {
        set(packet, 24, octets.wrapping_add(info.octets));
    }
    true
}

fn word(packet: &[u8], at: usize) -> Option<u32> {
    let bytes = packet.get(at..at + 4)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

fn set(packet: &mut [u8], at: usize, value: u32) {
    if let Some(word) = packet.get_mut(at..at + 4) {
        word.copy_from_slice(&value.to_be_bytes());
    }
}

#[cfg(test)]
mod tests;
