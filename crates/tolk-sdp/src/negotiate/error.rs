//! Why an m-line or a whole offer is not acceptable, and how that maps to
//! SIP: `488 Not Acceptable Here` with a Warning code (RFC 3261 §20.43).

use crate::model::MediaKind;

/// SIP Warning codes for SDP failures (RFC 3261 §20.43).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningCode {
    /// 300 Incompatible network protocol.
    IncompatibleNetworkProtocol = 300,
    /// 301 Incompatible network address formats.
    IncompatibleAddressFormat = 301,
    /// 302 Incompatible transport protocol.
    IncompatibleTransport = 302,
    /// 304 Media type not available.
    MediaTypeNotAvailable = 304,
    /// 305 Incompatible media format.
    IncompatibleMediaFormat = 305,
    /// 399 Miscellaneous warning.
    Miscellaneous = 399,
}

impl WarningCode {
    /// The three-digit code.
    pub fn code(self) -> u16 {
        self as u16
    }
}

/// Why one m-line was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The offerer itself disabled the line (port 0).
    DisabledByOfferer,
    /// The peer rejected the line in its answer (port 0).
    RejectedByPeer,
    /// We do not handle this media type.
    MediaTypeNotAvailable,
    /// No codec in common; both lists for the message.
    NoCommonCodec {
        /// The offered codecs, described.
        offered: Vec<String>,
        /// Our codecs for this media type, described.
        local: Vec<String>,
    },
    /// The transport profile or its keying is not acceptable.
    Transport(String),
    /// The address type is not one we can send to.
    AddressFormat(String),
    /// The answer does not fit the offer (wrong m-line count, unknown
    /// payload types, bad setup role).
    BadAnswer(String),
}

impl Reason {
    /// The Warning code for this reason.
    pub fn warning(&self) -> WarningCode {
        match self {
            Reason::DisabledByOfferer | Reason::RejectedByPeer => WarningCode::Miscellaneous,
            Reason::MediaTypeNotAvailable => WarningCode::MediaTypeNotAvailable,
            Reason::NoCommonCodec { .. } => WarningCode::IncompatibleMediaFormat,
            Reason::Transport(_) => WarningCode::IncompatibleTransport,
            Reason::AddressFormat(_) => WarningCode::IncompatibleAddressFormat,
            Reason::BadAnswer(_) => WarningCode::Miscellaneous,
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::DisabledByOfferer => f.write_str("disabled by the offerer"),
            Reason::RejectedByPeer => f.write_str("rejected by the peer"),
            Reason::MediaTypeNotAvailable => f.write_str("media type not available"),
            Reason::NoCommonCodec { offered, local } => write!(
                f,
                "no common codec: offered {}; local {}",
                list(offered),
                list(local)
            ),
            Reason::Transport(why) => write!(f, "incompatible transport: {why}"),
            Reason::AddressFormat(why) => write!(f, "incompatible address: {why}"),
            Reason::BadAnswer(why) => write!(f, "bad answer: {why}"),
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// One rejected m-line: which, what kind, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The m-line index (0-based).
    pub index: usize,
    /// Its media type.
    pub kind: MediaKind,
    /// Why.
    pub reason: Reason,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "m={} {}: {}", self.index, self.kind, self.reason)
    }
}

/// No m-line could be accepted: the offer (or answer) fails as a whole.
/// Answer a SIP offer with [`NegotiationError::SIP_STATUS`] and a Warning
/// header carrying [`NegotiationError::warning`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NegotiationError {
    /// Every m-line's rejection, in m-line order (empty when the offer
    /// had no m-lines).
    pub rejections: Vec<Rejection>,
}

impl NegotiationError {
    /// `488 Not Acceptable Here`.
    pub const SIP_STATUS: u16 = 488;

    /// The error for a negotiation that accepted no m-line.
    pub(crate) fn nothing_accepted(negotiation: super::Negotiation) -> Self {
        let rejections = negotiation
            .media
            .into_iter()
            .filter_map(|media| match media.state {
                super::MediaState::Rejected(reason) => Some(Rejection {
                    index: media.index,
                    kind: media.kind,
                    reason,
                }),
                super::MediaState::Accepted(_) => None,
            })
            .collect();
        NegotiationError { rejections }
    }

    /// The Warning code: that of the first rejection that says more than
    /// "disabled".
    pub fn warning(&self) -> WarningCode {
        self.rejections
            .iter()
            .map(|rejection| rejection.reason.warning())
            .find(|code| *code != WarningCode::Miscellaneous)
            .unwrap_or(WarningCode::MediaTypeNotAvailable)
    }
}

impl std::fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rejections.is_empty() {
            return f.write_str("no media lines to negotiate");
        }
        for (i, rejection) in self.rejections.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{rejection}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_and_warning_name_the_line_and_codecs() {
        let error = NegotiationError {
            rejections: vec![Rejection {
                index: 1,
                kind: MediaKind::Video,
                reason: Reason::NoCommonCodec {
                    offered: vec!["H264/42e01f pm0".into(), "VP8".into()],
                    local: vec!["H264/42e01f pm1".into()],
                },
            }],
        };
        assert_eq!(
            error.to_string(),
            "m=1 video: no common codec: offered H264/42e01f pm0, VP8; local H264/42e01f pm1"
        );
        assert_eq!(error.warning().code(), 305);
    }
}
