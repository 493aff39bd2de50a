//! SRTP and SRTCP (RFC 3711) behind Tolk's own trait.
//!
//! A [`SrtpContext`] transforms packets in place in the relay's packet
//! buffer: `buf[..len]` holds the input, the output is written back into
//! `buf` and its length returned. The buffer is the receive slot itself, so
//! an in-place implementation allocates nothing: [`InPlaceSrtp`] (AES-CM)
//! and [`InPlaceGcm`] (AES-GCM) are the ones the relay uses. [`WebrtcSrtp`],
//! the first implementation, wraps `webrtc-srtp`'s `Context`, which returns
//! a fresh `Bytes` per packet that we copy back (several allocations per
//! packet, measured in BENCHMARKS.md); it stays as the independent check.
//!
//! Keys come from SDES `a=crypto` lines ([`sdes`]) or from a DTLS-SRTP
//! exporter ([`dtls`]).
//!
//! A context is one-way: the relay keeps one per direction and stream
//! (RFC 3711 section 3.2.3 keys state by SSRC within it). Replay protection
//! is always on.

pub mod dtls;
mod gcm;
mod inplace;
mod profile;
mod replay;
pub mod sdes;
mod webrtc;

#[cfg(test)]
mod reference;
#[cfg(test)]
mod vectors;

pub use gcm::InPlaceGcm;
pub use inplace::InPlaceSrtp;
pub use profile::{SrtpKey, SrtpProfile};
pub use webrtc::WebrtcSrtp;

use crate::error::Result;

/// Size of the SRTP replay window (packets); RFC 3711 section 3.3.2 asks for at least 64.
pub const REPLAY_WINDOW: usize = 128;

/// One direction's SRTP/SRTCP transform.
pub trait SrtpContext: Send {
    /// The profile the context was keyed with.
    fn profile(&self) -> SrtpProfile;

    /// Encrypts and authenticates the RTP packet in `buf[..len]`; returns the SRTP length.
    fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize>;

    /// Verifies, replay-checks and decrypts the SRTP packet in `buf[..len]`; returns the RTP length.
    fn unprotect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize>;

    /// Encrypts and authenticates the RTCP compound packet in `buf[..len]`; returns the SRTCP length.
    fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize>;

    /// Verifies, replay-checks and decrypts the SRTCP packet in `buf[..len]`; returns the RTCP length.
    fn unprotect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize>;

    /// The stream `ssrc` this context sent is sent no more (a replaced
    /// transform's output): its state may stop counting against the
    /// context's SSRC budget, as long as it never lets `ssrc` reuse an
    /// index. By default nothing changes.
    fn retire_ssrc(&mut self, ssrc: u32) {
        let _ = ssrc;
    }
}

/// Creates the default implementation for a key (replay protection on):
/// [`InPlaceSrtp`] for the AES-CM profiles, [`InPlaceGcm`] for GCM.
pub fn new_context(key: &SrtpKey) -> Result<Box<dyn SrtpContext>> {
    Ok(match key.profile() {
        SrtpProfile::AeadAes128Gcm => Box::new(InPlaceGcm::new(key)?),
        _ => Box::new(InPlaceSrtp::new(key)?),
    })
}
