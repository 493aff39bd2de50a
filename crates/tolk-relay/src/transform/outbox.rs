//! Where a transform's output packets wait to be protected and sent. The
//! slots are kept across packets, so a stream in steady state reuses them
//! and allocates nothing here.

use crate::drop::DropReason;

/// Largest RTP packet a transform may emit.
pub const PACKET_MAX: usize = 1500;
/// Most packets one input may produce (re-framing, event end repeats).
pub const OUTBOX_PACKETS: usize = 16;
/// Room after the packet for SRTP's tag (and SRTCP's index).
const PROTECT_ROOM: usize = 64;
const SLOT: usize = PACKET_MAX + PROTECT_ROOM;

/// Up to [`OUTBOX_PACKETS`] packets, each in a slot with room to be protected in place.
#[derive(Default)]
pub struct Outbox {
    slots: Vec<[u8; SLOT]>,
    lens: Vec<usize>,
}

impl Outbox {
    /// Appends a copy of `packet`.
    pub fn push(&mut self, packet: &[u8]) -> Result<(), DropReason> {
        if packet.len() > PACKET_MAX || self.lens.len() >= OUTBOX_PACKETS {
            return Err(DropReason::Oversized);
        }
        let i = self.lens.len();
        if self.slots.len() == i {
            self.slots.push([0; SLOT]);
        }
        self.slots[i][..packet.len()].copy_from_slice(packet);
        self.lens.push(packet.len());
        Ok(())
    }

    /// Appends a packet that `write` puts straight into the next slot (up
    /// to [`PACKET_MAX`] bytes) and whose length it returns: a transform
    /// that rewrites or builds a packet copies it once, here.
    pub fn push_with(
        &mut self,
        write: impl FnOnce(&mut [u8]) -> Result<usize, DropReason>,
    ) -> Result<(), DropReason> {
        if self.lens.len() >= OUTBOX_PACKETS {
            return Err(DropReason::Oversized);
        }
        let i = self.lens.len();
        if self.slots.len() == i {
            self.slots.push([0; SLOT]);
        }
        let len = write(&mut self.slots[i][..PACKET_MAX])?;
        if len > PACKET_MAX {
            return Err(DropReason::Oversized);
        }
        self.lens.push(len);
        Ok(())
    }

    /// Packets queued.
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// Forgets the queued packets (keeps the slots).
    pub fn clear(&mut self) {
        self.lens.clear();
    }

    /// The queued packets, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.slots.iter().zip(&self.lens).map(|(s, &n)| &s[..n])
    }

    /// Each queued packet's whole slot and its length, to transform in place.
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = (&mut [u8], &mut usize)> {
        self.slots
            .iter_mut()
            .zip(self.lens.iter_mut())
            .map(|(s, n)| (&mut s[..], n))
    }
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("lens", &self.lens).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_bounds() {
        let mut out = Outbox::default();
        for i in 0..OUTBOX_PACKETS {
            out.push(&[i as u8; 20]).unwrap();
        }
        assert_eq!(out.push(&[0; 20]), Err(DropReason::Oversized));
        assert!(out.iter().enumerate().all(|(i, p)| p == [i as u8; 20]));
        out.clear();
        assert!(out.is_empty());
        assert_eq!(out.push(&[0; PACKET_MAX + 1]), Err(DropReason::Oversized));
        out.push(&[9; PACKET_MAX]).unwrap();
        assert_eq!(out.iter().next().unwrap().len(), PACKET_MAX);
    }

    #[test]
    fn push_with_writes_in_place_and_keeps_failures_out() {
        let mut out = Outbox::default();
        out.push_with(|slot| {
            slot[..3].copy_from_slice(&[1, 2, 3]);
            Ok(3)
        })
        .unwrap();
        assert_eq!(
            out.push_with(|_| Err(DropReason::Malformed)),
            Err(DropReason::Malformed)
        );
        assert_eq!(
            out.push_with(|slot| Ok(slot.len() + 1)),
            Err(DropReason::Oversized)
        );
        assert_eq!(out.iter().collect::<Vec<_>>(), [&[1, 2, 3][..]]);
    }
}
