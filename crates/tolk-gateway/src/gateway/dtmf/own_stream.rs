//! The stream the relay opens toward an RFC 4733 leg when a key press
//! must go out before any audio has come for it (an IVR silent until the
//! first key, a caller suppressing silence from the start): there is no
//! stream to ride on, so we become the sender, with an SSRC, a first
//! sequence number and a first timestamp of our own, all random (RFC 3550
//! section 5.1).
//!
//! Audio arriving later joins this stream rather than starting its own:
//! RFC 4733 section 2.1 wants telephone-events to share the audio's
//! sequence numbers and timestamp base, so a separate event stream would
//! leave the receiver two sources for one m-line, and handing over to the
//! audio's SSRC would be a source change a strict receiver may ignore or
//! restart on. The audio's SSRC is replaced with ours, its timestamps
//! moved onto our timeline where it has got to when the audio comes, and
//! its sequence numbers continue ours (the [`Renumber`](super::renumber)
//! of an owned stream), so that the receiver sees one source whose numbers
//! never go back. A later source (a transfer) joins the same way. The
//! joined source's SRs follow its audio (the relay maps them with
//! [`OwnStream::joined`]'s offset): their RTP timestamp moved by the same
//! offset, their counts by the packets we sent. A source's SRs before its
//! audio joined have no offset to be moved by: the relay sends them on
//! with a zero NTP timestamp (no wallclock, RFC 3550 section 6.4.1; see
//! `tolk_relay::rewrite::rtcp`), so the leg ties nothing to them.

/// A stream of our own and the audio source joined into it.
#[derive(Debug, Clone, Copy)]
pub(super) struct OwnStream {
    ssrc: u32,
    /// The audio source joined in, and what its timestamps are moved by.
    joined: Option<(u32, u32)>,
}

impl OwnStream {
    /// A stream sent under `ssrc`.
    pub(super) fn new(ssrc: u32) -> Self {
        OwnStream { ssrc, joined: None }
    }

    /// Our SSRC.
    pub(super) fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The audio source joined in, and what its timestamps are moved by.
    pub(super) fn joined(&self) -> Option<(u32, u32)> {
        self.joined
    }

    /// The timestamp on our timeline for audio of source `source` stamped
    /// `timestamp`; `timeline_now` is where our timeline has got to by the
    /// clock, where a source not joined yet starts.
    pub(super) fn timestamp(&mut self, source: u32, timestamp: u32, timeline_now: u32) -> u32 {
        let offset = match self.joined {
            Some((joined, offset)) if joined == source => offset,
            _ => {
                let offset = timeline_now.wrapping_sub(timestamp);
                self.joined = Some((source, offset));
                offset
            }
        };
        timestamp.wrapping_add(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_starts_where_the_timeline_is_and_keeps_its_own_pace() {
        let mut own = OwnStream::new(9);
        assert_eq!(own.timestamp(1, 50_000, 1000), 1000);
        assert_eq!(own.timestamp(1, 50_160, 99_999), 1160, "its offset kept");
        assert_eq!(own.timestamp(1, 49_840, 0), 840, "late: before it");
        // A new source starts again where the timeline is.
        assert_eq!(own.timestamp(2, 7, 5000), 5000);
        assert_eq!(own.timestamp(2, u32::MAX, 0), 4992, "across the wrap");
        assert_eq!(own.ssrc(), 9);
    }
}
