//! A decoded ng command: the command name, the call it is about, and the
//! flags Kamailio's rtpengine module sends, read into typed fields.
//!
//! Kamailio sends most options as their own dictionary keys
//! (`"replace": ["origin"]`, `"ICE": "remove"`, `"rtcp-mux": ["demux"]`);
//! newer clients put the same options in the `flags` list
//! (`replace-origin`, `ICE=remove`, `rtcp-mux-demux`). Both are read.
//! Options the relay does not act on are ignored, as rtpengine does.

use std::net::IpAddr;

use tolk_sdp::model::TransportProtocol;

use super::bencode::Value;
use super::failure::Failure;

/// The commands the relay answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Liveness check.
    Ping,
    /// An SDP offer to rewrite; creates or updates the call.
    Offer,
    /// The SDP answer to rewrite; completes the call.
    Answer,
    /// Ends the call and returns its counters.
    Delete,
    /// A call's counters.
    Query,
    /// The call-ids alive.
    List,
    /// Relay-wide counters.
    Statistics,
}

impl Command {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "ping" => Command::Ping,
            "offer" => Command::Offer,
            "answer" => Command::Answer,
            "delete" => Command::Delete,
            "query" => Command::Query,
            "list" => Command::List,
            "statistics" => Command::Statistics,
            _ => return None,
        })
    }

    /// The command's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Command::Ping => "ping",
            Command::Offer => "offer",
            Command::Answer => "answer",
            Command::Delete => "delete",
            Command::Query => "query",
            Command::List => "list",
            Command::Statistics => "statistics",
        }
    }
}

/// What to do with rtcp-mux (`rtcp-mux` list: offer, demux, accept, reject, require).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtcpMuxFlags {
    /// Offer rtcp-mux to the answerer even if the offerer did not.
    pub offer: bool,
    /// Do not offer rtcp-mux to the answerer even if the offerer did.
    pub demux: bool,
    /// Refuse the offerer's rtcp-mux (answer it with separate RTCP).
    pub reject: bool,
}

/// SDES options (`SDES` list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdesFlags {
    /// `off`/`no`: no SDES keys toward the answerer.
    pub off: bool,
    /// `no-<suite>`: suites not to offer.
    pub exclude: Vec<String>,
    /// `only-<suite>`: when any, the only suites to offer.
    pub only: Vec<String>,
}

impl SdesFlags {
    /// Whether a suite may be offered.
    pub fn allows(&self, suite: &str) -> bool {
        let listed = |l: &[String]| l.iter().any(|s| s.eq_ignore_ascii_case(suite));
        !self.off && !listed(&self.exclude) && (self.only.is_empty() || listed(&self.only))
    }
}

/// The options of an offer or answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `transport-protocol`: the m-line protocol toward the answerer.
    pub transport_protocol: Option<TransportProtocol>,
    /// `replace: origin`: put the relay's address in `o=`.
    pub replace_origin: bool,
    /// rtcp-mux handling.
    pub rtcp_mux: RtcpMuxFlags,
    /// SDES handling.
    pub sdes: SdesFlags,
    /// `SIP-source-address`: media comes from `received-from`, not the SDP's address.
    pub sip_source_address: bool,
    /// `received-from`: the SIP message's source address.
    pub received_from: Option<IpAddr>,
    /// `media-address`: the peer's media address, overriding the SDP's.
    pub media_address: Option<IpAddr>,
    /// `strict-source`: accept media only from the signalled address.
    pub strict_source: bool,
    /// `no-rtcp-attribute`: write no `a=rtcp`.
    pub no_rtcp_attribute: bool,
}

/// One decoded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The command.
    pub command: Command,
    /// `call-id`.
    pub call_id: Option<String>,
    /// `from-tag`: the offerer's tag.
    pub from_tag: Option<String>,
    /// `to-tag`: the answerer's tag.
    pub to_tag: Option<String>,
    /// `sdp`.
    pub sdp: Option<Vec<u8>>,
    /// `limit` (list).
    pub limit: Option<usize>,
    /// Offer/answer options.
    pub flags: Flags,
}

impl Request {
    /// Reads a decoded dictionary.
    pub fn from_value(v: &Value) -> Result<Request, Failure> {
        if !matches!(v, Value::Dict(_)) {
            return Err(Failure::new("Message is not a dictionary"));
        }
        let name = v
            .get("command")
            .ok_or(Failure::new("No command in message"))?;
        let command = name
            .as_str()
            .and_then(Command::from_name)
            .ok_or(Failure::new("Unrecognized command"))?;
        let text = |key: &'static str| -> Result<Option<String>, Failure> {
            match v.get(key) {
                None => Ok(None),
                Some(value) => value
                    .as_str()
                    .map(|s| Some(s.to_owned()))
                    .ok_or(Failure::new(match key {
                        "call-id" => "Invalid call-id",
                        "from-tag" => "Invalid from-tag",
                        _ => "Invalid to-tag",
                    })),
            }
        };
        let sdp = match v.get("sdp") {
            None => None,
            Some(Value::Bytes(b)) => Some(b.clone()),
            Some(_) => return Err(Failure::new("Invalid SDP body")),
        };
        Ok(Request {
            command,
            call_id: text("call-id")?,
            from_tag: text("from-tag")?,
            to_tag: text("to-tag")?,
            sdp,
            limit: v
                .get("limit")
                .and_then(Value::as_int)
                .and_then(|n| usize::try_from(n).ok()),
            flags: Flags::from_value(v),
        })
    }

    /// The call-id, which every call command needs.
    pub fn require_call_id(&self) -> Result<&str, Failure> {
        self.call_id
            .as_deref()
            .ok_or(Failure::new("No call-id in message"))
    }

    /// The from-tag, which offer and answer need.
    pub fn require_from_tag(&self) -> Result<&str, Failure> {
        self.from_tag
            .as_deref()
            .ok_or(Failure::new("No from-tag in message"))
    }
}

impl Flags {
    fn from_value(v: &Value) -> Flags {
        let mut f = Flags::default();
        let texts = |key| v.get(key).map(Value::texts).unwrap_or_default();
        for item in texts("flags") {
            f.apply_flag(item);
        }
        for item in texts("replace") {
            f.apply_flag(&format!("replace-{item}"));
        }
        for item in texts("rtcp-mux") {
            f.apply_flag(&format!("rtcp-mux-{item}"));
        }
        for item in texts("SDES") {
            f.apply_flag(&format!("SDES-{item}"));
        }
        if let Some(p) = v.get("transport-protocol").and_then(Value::as_str) {
            f.transport_protocol = Some(TransportProtocol::from_token(p));
        }
        if let Some(a) = v.get("media-address").and_then(Value::as_str) {
            f.media_address = a.parse().ok();
        }
        // `received-from`: [address family, address].
        if let Some(Value::List(items)) = v.get("received-from") {
            f.received_from = items
                .get(1)
                .and_then(Value::as_str)
                .and_then(|a| a.parse().ok());
        }
        f
    }

    fn apply_flag(&mut self, flag: &str) {
        let lower = flag.to_ascii_lowercase();
        if let Some(suite) = flag.strip_prefix("SDES-no-") {
            self.sdes.exclude.push(suite.to_owned());
        } else if let Some(suite) = flag.strip_prefix("SDES-only-") {
            self.sdes.only.push(suite.to_owned());
        } else if let Some(p) = lower.strip_prefix("transport-protocol=") {
            self.transport_protocol = Some(TransportProtocol::from_token(p));
        } else {
            match lower.as_str() {
                "replace-origin" => self.replace_origin = true,
                "rtcp-mux-offer" | "rtcp-mux-require" => self.rtcp_mux.offer = true,
                "rtcp-mux-demux" => self.rtcp_mux.demux = true,
                "rtcp-mux-reject" => self.rtcp_mux.reject = true,
                "sdes-off" | "sdes-no" | "sdes-disable" => self.sdes.off = true,
                "sip-source-address" => self.sip_source_address = true,
                "strict-source" => self.strict_source = true,
                "no-rtcp-attribute" => self.no_rtcp_attribute = true,
                // trust-address is the default; everything else is not acted on.
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(Value::str).collect())
    }

    #[test]
    fn reads_kamailio_style_options() {
        let v = Value::dict([
            ("command", Value::str("offer")),
            ("call-id", Value::str("c1")),
            ("from-tag", Value::str("f1")),
            ("sdp", Value::str("v=0")),
            ("replace", list(&["origin", "session-connection"])),
            ("rtcp-mux", list(&["demux"])),
            ("SDES", list(&["no-AES_CM_128_HMAC_SHA1_32"])),
            ("transport-protocol", Value::str("RTP/SAVP")),
            ("received-from", list(&["IP4", "192.0.2.7"])),
            (
                "flags",
                list(&["SIP-source-address", "strict-source", "unknown-thing"]),
            ),
            ("ICE", Value::str("remove")),
        ]);
        let r = Request::from_value(&v).unwrap();
        assert_eq!(r.command, Command::Offer);
        assert_eq!(r.require_call_id().unwrap(), "c1");
        assert!(r.flags.replace_origin && r.flags.rtcp_mux.demux);
        assert!(r.flags.sip_source_address && r.flags.strict_source);
        assert_eq!(r.flags.transport_protocol, Some(TransportProtocol::RtpSavp));
        assert_eq!(r.flags.received_from, Some([192, 0, 2, 7].into()));
        assert!(!r.flags.sdes.allows("AES_CM_128_HMAC_SHA1_32"));
        assert!(r.flags.sdes.allows("AES_CM_128_HMAC_SHA1_80"));
    }

    #[test]
    fn flags_list_spelling_is_read_too() {
        let v = Value::dict([
            ("command", Value::str("offer")),
            (
                "flags",
                list(&[
                    "replace-origin",
                    "rtcp-mux-offer",
                    "SDES-only-AEAD_AES_128_GCM",
                ]),
            ),
        ]);
        let f = Request::from_value(&v).unwrap().flags;
        assert!(f.replace_origin && f.rtcp_mux.offer);
        assert!(f.sdes.allows("AEAD_AES_128_GCM") && !f.sdes.allows("AES_CM_128_HMAC_SHA1_80"));
    }

    #[test]
    fn bad_commands_are_failures() {
        let reason = |v: &Value| Request::from_value(v).unwrap_err().reason;
        assert_eq!(reason(&Value::Int(1)), "Message is not a dictionary");
        assert_eq!(reason(&Value::dict([])), "No command in message");
        assert_eq!(
            reason(&Value::dict([("command", Value::str("nosuch"))])),
            "Unrecognized command"
        );
        let bad_id = Value::dict([("command", Value::str("query")), ("call-id", Value::Int(3))]);
        assert_eq!(reason(&bad_id), "Invalid call-id");
        let r = Request::from_value(&Value::dict([("command", Value::str("query"))])).unwrap();
        assert_eq!(
            r.require_call_id().unwrap_err().reason,
            "No call-id in message"
        );
    }
}
