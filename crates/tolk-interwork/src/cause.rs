//! ITU-T Q.850 cause values: the protocol-neutral reason a call leg ended.
//!
//! H.323 carries them natively (Q.931 Cause information element), SIP in
//! the `Reason: Q.850;cause=N` header (RFC 3326) or implied by the final
//! response status (RFC 3398). The call model uses them for every ending.

use std::fmt;

/// A Q.850 cause value (1-127). Unknown values are kept, not rejected:
/// equipment sends national and vendor-specific causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cause(u8);

/// The class of a cause: its upper three bits (Q.850 section 2.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CauseClass {
    /// 1-31 (two classes in Q.850: 000 and 001).
    NormalEvent,
    /// 32-47.
    ResourceUnavailable,
    /// 48-63.
    ServiceNotAvailable,
    /// 64-79.
    ServiceNotImplemented,
    /// 80-95.
    InvalidMessage,
    /// 96-111.
    ProtocolError,
    /// 112-127.
    Interworking,
}

macro_rules! causes {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        impl Cause {
            $(
                #[doc = $text]
                pub const $name: Cause = Cause($value);
            )*

            /// The Q.850 description of a known cause, `None` otherwise.
            pub fn description(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

causes! {
    UNALLOCATED_NUMBER = 1, "Unallocated (unassigned) number";
    NO_ROUTE_TO_NETWORK = 2, "No route to specified transit network";
    NO_ROUTE_TO_DESTINATION = 3, "No route to destination";
    NORMAL_CALL_CLEARING = 16, "Normal call clearing";
    USER_BUSY = 17, "User busy";
    NO_USER_RESPONDING = 18, "No user responding";
    NO_ANSWER = 19, "No answer from user (user alerted)";
    SUBSCRIBER_ABSENT = 20, "Subscriber absent";
    CALL_REJECTED = 21, "Call rejected";
    NUMBER_CHANGED = 22, "Number changed";
    REDIRECTION = 23, "Redirection to new destination";
    EXCHANGE_ROUTING_ERROR = 25, "Exchange routing error";
    NON_SELECTED_USER_CLEARING = 26, "Non-selected user clearing";
    DESTINATION_OUT_OF_ORDER = 27, "Destination out of order";
    INVALID_NUMBER_FORMAT = 28, "Invalid number format (address incomplete)";
    FACILITY_REJECTED = 29, "Facility rejected";
    NORMAL_UNSPECIFIED = 31, "Normal, unspecified";
    NO_CIRCUIT_AVAILABLE = 34, "No circuit/channel available";
    NETWORK_OUT_OF_ORDER = 38, "Network out of order";
    TEMPORARY_FAILURE = 41, "Temporary failure";
    SWITCHING_EQUIPMENT_CONGESTION = 42, "Switching equipment congestion";
    RESOURCE_UNAVAILABLE = 47, "Resource unavailable, unspecified";
    INCOMING_CALLS_BARRED_IN_CUG = 55, "Incoming calls barred within CUG";
    BEARER_CAPABILITY_NOT_AUTHORIZED = 57, "Bearer capability not authorized";
    BEARER_CAPABILITY_NOT_AVAILABLE = 58, "Bearer capability not presently available";
    SERVICE_NOT_AVAILABLE = 63, "Service or option not available, unspecified";
    BEARER_CAPABILITY_NOT_IMPLEMENTED = 65, "Bearer capability not implemented";
    ONLY_RESTRICTED_DIGITAL = 70, "Only restricted digital information bearer capability is available";
    SERVICE_NOT_IMPLEMENTED = 79, "Service or option not implemented, unspecified";
    USER_NOT_MEMBER_OF_CUG = 87, "User not member of CUG";
    INCOMPATIBLE_DESTINATION = 88, "Incompatible destination";
    RECOVERY_ON_TIMER_EXPIRY = 102, "Recovery on timer expiry";
    PROTOCOL_ERROR = 111, "Protocol error, unspecified";
    INTERWORKING = 127, "Interworking, unspecified";
}

impl Cause {
    /// A cause from its value; `None` outside 1-127 (the 7-bit field).
    pub fn new(value: u8) -> Option<Self> {
        (1..=127).contains(&value).then_some(Cause(value))
    }

    /// The numeric value.
    pub fn value(self) -> u8 {
        self.0
    }

    /// The class (upper bits) of this cause.
    pub fn class(self) -> CauseClass {
        match self.0 {
            0..=31 => CauseClass::NormalEvent,
            32..=47 => CauseClass::ResourceUnavailable,
            48..=63 => CauseClass::ServiceNotAvailable,
            64..=79 => CauseClass::ServiceNotImplemented,
            80..=95 => CauseClass::InvalidMessage,
            96..=111 => CauseClass::ProtocolError,
            _ => CauseClass::Interworking,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(text) => write!(f, "{} ({text})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_the_seven_bit_field() {
        assert_eq!(Cause::new(0), None);
        assert_eq!(Cause::new(128), None);
        assert_eq!(Cause::new(127), Some(Cause::INTERWORKING));
    }

    #[test]
    fn classes_follow_the_upper_bits() {
        assert_eq!(Cause::USER_BUSY.class(), CauseClass::NormalEvent);
        assert_eq!(
            Cause::TEMPORARY_FAILURE.class(),
            CauseClass::ResourceUnavailable
        );
        assert_eq!(
            Cause::BEARER_CAPABILITY_NOT_IMPLEMENTED.class(),
            CauseClass::ServiceNotImplemented
        );
        assert_eq!(
            Cause::RECOVERY_ON_TIMER_EXPIRY.class(),
            CauseClass::ProtocolError
        );
    }

    #[test]
    fn display_names_known_causes_and_keeps_unknown_ones() {
        assert_eq!(Cause::USER_BUSY.to_string(), "17 (User busy)");
        assert_eq!(
            Cause::new(100).map(|c| c.to_string()).as_deref(),
            Some("100")
        );
    }
}
