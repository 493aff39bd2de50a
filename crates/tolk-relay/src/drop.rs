//! Why a packet was not forwarded, and per-reason counters.

use crate::error::Error;

/// The reason a packet was dropped. Every drop is counted under exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Shorter than its header, tag or index require.
    Truncated,
    /// Not RTP/RTCP: STUN, DTLS, ZRTP or TURN framing on a media port.
    NotRtp,
    /// First two bits are not version 2.
    WrongVersion,
    /// An SSRC the stream does not accept (beyond the SRTP per-context bound).
    UnknownSsrc,
    /// SRTP/SRTCP replay.
    Replayed,
    /// SRTP/SRTCP authentication failure.
    AuthFailed,
    /// SRTCP without the encryption flag.
    Unencrypted,
    /// Larger than the packet buffer (after the egress transform).
    Oversized,
    /// From an address other than the latched (or signalled) one.
    SourceNotLatched,
    /// The other leg has no address yet (no answer, nothing latched).
    NoDestination,
    /// Malformed in another way (padding, CSRC or extension lengths).
    Malformed,
    /// The key's index space is exhausted: the leg must be re-keyed.
    KeyExhausted,
    /// The transcoding hook rejected the packet (unexpected payload type, undecodable).
    Transcode,
    /// A late packet from before packets the relay inserted into the stream
    /// (key presses sent through silence): its sequence number is theirs.
    LateBeforeInserted,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 14] = [
        DropReason::Truncated,
        DropReason::NotRtp,
        DropReason::WrongVersion,
        DropReason::UnknownSsrc,
        DropReason::Replayed,
        DropReason::AuthFailed,
        DropReason::Unencrypted,
        DropReason::Oversized,
        DropReason::SourceNotLatched,
        DropReason::NoDestination,
        DropReason::Malformed,
        DropReason::KeyExhausted,
        DropReason::Transcode,
        DropReason::LateBeforeInserted,
    ];

    /// A stable label for statistics output.
    pub const fn label(self) -> &'static str {
        match self {
            DropReason::Truncated => "truncated",
            DropReason::NotRtp => "not-rtp",
            DropReason::WrongVersion => "wrong-version",
            DropReason::UnknownSsrc => "unknown-ssrc",
            DropReason::Replayed => "replayed",
            DropReason::AuthFailed => "auth-failed",
            DropReason::Unencrypted => "unencrypted-srtcp",
            DropReason::Oversized => "oversized",
            DropReason::SourceNotLatched => "source-not-latched",
            DropReason::NoDestination => "no-destination",
            DropReason::Malformed => "malformed",
            DropReason::KeyExhausted => "key-exhausted",
            DropReason::Transcode => "transcode",
            DropReason::LateBeforeInserted => "late-before-inserted",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl From<&Error> for DropReason {
    fn from(e: &Error) -> Self {
        match e {
            Error::Truncated { .. } => DropReason::Truncated,
            Error::Oversized { .. } => DropReason::Oversized,
            Error::NotRtp => DropReason::Malformed,
            Error::AuthFailed => DropReason::AuthFailed,
            Error::Replayed { .. } => DropReason::Replayed,
            Error::SrtcpUnencrypted => DropReason::Unencrypted,
            Error::TooManySsrcs(_) => DropReason::UnknownSsrc,
            Error::KeyExhausted => DropReason::KeyExhausted,
            _ => DropReason::Malformed,
        }
    }
}

impl From<&tolk_media::Error> for DropReason {
    fn from(e: &tolk_media::Error) -> Self {
        match e {
            tolk_media::Error::Truncated { .. } => DropReason::Truncated,
            tolk_media::Error::Version(_) => DropReason::WrongVersion,
            _ => DropReason::Malformed,
        }
    }
}

/// One counter per [`DropReason`]; a fixed array, so counting never allocates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DropCounts([u64; DropReason::ALL.len()]);

impl DropCounts {
    /// Counts one drop.
    pub fn add(&mut self, reason: DropReason) {
        if let Some(c) = self.0.get_mut(reason.index()) {
            *c += 1;
        }
    }

    /// Drops counted for `reason`.
    pub fn get(&self, reason: DropReason) -> u64 {
        self.0.get(reason.index()).copied().unwrap_or(0)
    }

    /// All drops.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Non-zero counters with their labels.
    pub fn iter(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        DropReason::ALL
            .into_iter()
            .map(|r| (r, self.get(r)))
            .filter(|&(_, n)| n > 0)
    }

    /// Adds another set of counters into this one.
    pub fn merge(&mut self, other: &DropCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_per_reason() {
        let mut c = DropCounts::default();
        for (i, r) in DropReason::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
            for _ in 0..=i {
                c.add(r);
            }
        }
        for (i, r) in DropReason::ALL.into_iter().enumerate() {
            assert_eq!(c.get(r), i as u64 + 1, "{}", r.label());
        }
        let n = DropReason::ALL.len();
        assert_eq!(c.total(), (1..=n as u64).sum::<u64>());
        assert_eq!(c.iter().count(), n);
    }
}
