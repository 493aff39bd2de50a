//! The ports of one call through the node between two sipp peers whose
//! audio goes to sockets the test owns.

use tolk_testkit::media_peer::MediaPeer;

/// The node's SIP and admin ports, the two sipp peers' SIP ports, the
/// relay's port range and each peer's audio port.
pub struct Ports {
    /// The node's SIP port.
    pub tolk: u16,
    /// The node's admin API port.
    pub admin: u16,
    /// The sipp caller's SIP port.
    pub caller: u16,
    /// The sipp callee's SIP port.
    pub callee: u16,
    /// The relay's port range (`"FIRST-LAST"`).
    pub relay: &'static str,
    /// The caller's audio port.
    pub caller_audio: u16,
    /// The callee's audio port.
    pub callee_audio: u16,
}

impl Ports {
    /// The node's SIP port `sip`, then its admin port and the caller's
    /// and the callee's SIP ports on the next three; the callee's audio
    /// 10 above the caller's.
    pub fn at(sip: u16, relay: &'static str, caller_audio: u16) -> Ports {
        Ports {
            tolk: sip,
            admin: sip + 1,
            caller: sip + 2,
            callee: sip + 3,
            relay,
            caller_audio,
            callee_audio: caller_audio + 10,
        }
    }

    /// Sockets on the caller's and the callee's audio ports.
    pub fn audio_peers(&self) -> (MediaPeer, MediaPeer) {
        (
            MediaPeer::bind(self.caller_audio),
            MediaPeer::bind(self.callee_audio),
        )
    }
}
