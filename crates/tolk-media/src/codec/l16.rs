//! L16 (RFC 3551 section 4.5.11): 16-bit linear PCM in network byte order.

use super::traits::{AudioDecoder, AudioEncoder};
use crate::Error;

/// An L16 decoder or encoder at one sample rate (mono).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L16 {
    /// Sample rate (and RTP clock rate) in Hz.
    pub rate: u32,
}

impl AudioDecoder for L16 {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        if payload.len() % 2 != 0 {
            return Err(Error::malformed("L16 payload", "whole 16-bit samples"));
        }
        out.extend(
            payload
                .chunks_exact(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]])),
        );
        Ok(())
    }
}

impl AudioEncoder for L16 {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend(pcm.iter().flat_map(|s| s.to_be_bytes()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trips(pcm in prop::collection::vec(any::<i16>(), 0..400)) {
            let mut codec = L16 { rate: 16000 };
            let mut bytes = Vec::new();
            codec.encode(&pcm, &mut bytes).unwrap();
            let mut back = Vec::new();
            codec.decode(&bytes, &mut back).unwrap();
            prop_assert_eq!(back, pcm);
        }
    }

    #[test]
    fn odd_payload_is_an_error() {
        assert!(
            L16 { rate: 8000 }
                .decode(&[1, 2, 3], &mut Vec::new())
                .is_err()
        );
    }
}
