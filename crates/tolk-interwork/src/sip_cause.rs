//! SIP final status <-> Q.850 cause, per RFC 3398 sections 7.2.4.1 (cause
//! to status) and 8.2.6.1 (status to cause).
//!
//! The tables are data: each row is one line of the RFC's table, so a
//! reader can check them against the RFC side by side. Where the RFC is
//! silent, the fallbacks below say what Tolk does and why.

use crate::cause::{Cause, CauseClass};

/// RFC 3398 section 7.2.4.1: Q.850 (ISUP) cause -> SIP status.
/// Cause 16 (normal clearing) has no status: it ends a call with BYE/CANCEL.
pub const CAUSE_TO_STATUS: &[(u8, u16)] = &[
    (1, 404),
    (2, 404),
    (3, 404),
    (17, 486),
    (18, 408),
    (19, 480),
    (20, 480),
    (21, 403),
    (22, 410),
    (23, 410),
    (26, 404),
    (27, 502),
    (28, 484),
    (29, 501),
    (31, 480),
    (34, 503),
    (38, 503),
    (41, 503),
    (42, 503),
    (47, 503),
    (55, 403),
    (57, 403),
    (58, 503),
    (65, 488),
    (70, 488),
    (79, 501),
    (87, 403),
    (88, 503),
    (102, 504),
    (111, 500),
    (127, 500),
];

/// RFC 3398 section 8.2.6.1: SIP status -> Q.850 cause. 487 has no cause
/// (the request was cancelled); 488 and 606 depend on the Warning header
/// (see [`cause_for_status`]).
pub const STATUS_TO_CAUSE: &[(u16, u8)] = &[
    (400, 41),
    (401, 21),
    (402, 21),
    (403, 21),
    (404, 1),
    (405, 63),
    (406, 79),
    (407, 21),
    (408, 102),
    (410, 22),
    (413, 127),
    (414, 127),
    (415, 79),
    (416, 127),
    (420, 127),
    (421, 127),
    (423, 127),
    (480, 18),
    (481, 41),
    (482, 25),
    (483, 25),
    (484, 28),
    (485, 1),
    (486, 17),
    (500, 41),
    (501, 79),
    (502, 38),
    (503, 41),
    (504, 102),
    (505, 127),
    (513, 127),
    (600, 17),
    (603, 21),
    (604, 1),
];

/// The SIP final status that reports `cause` to a SIP peer, or `None` for
/// normal clearing (16), which ends an established dialog with BYE. To
/// refuse an unanswered incoming call, use [`rejection_status`], which
/// always has a status.
///
/// Causes missing from RFC 3398's table map by class, the way a SIP
/// element treats an unknown status by its class: resource and service
/// problems are 503 (retry elsewhere), unimplemented services 501, invalid
/// messages and protocol errors 500, and other normal events 480.
pub fn status_for_cause(cause: Cause) -> Option<u16> {
    if cause == Cause::NORMAL_CALL_CLEARING {
        return None;
    }
    let listed = CAUSE_TO_STATUS
        .iter()
        .find(|(value, _)| *value == cause.value())
        .map(|(_, status)| *status);
    Some(listed.unwrap_or(match cause.class() {
        CauseClass::NormalEvent => 480,
        CauseClass::ResourceUnavailable | CauseClass::ServiceNotAvailable => 503,
        CauseClass::ServiceNotImplemented => 501,
        CauseClass::InvalidMessage | CauseClass::ProtocolError | CauseClass::Interworking => 500,
    }))
}

/// The final status that refuses an unanswered incoming SIP call because
/// the other leg ended with `cause`. Normal clearing (16) before an answer
/// means the far side went away without answering (an H.323 endpoint
/// releasing with cause 16, a caller hanging up on the other leg): 480
/// Temporarily Unavailable; every other cause maps as [`status_for_cause`].
pub fn rejection_status(cause: Cause) -> u16 {
    status_for_cause(cause).unwrap_or(480)
}

/// The Q.850 cause that reports a SIP final failure status, or `None` for
/// 487 (the caller's own CANCEL) and for non-failure statuses.
///
/// `warning` is the first Warning header code, if any: RFC 3398 maps 488
/// and 606 "by Warning header". Tolk reports 370 (insufficient bandwidth)
/// as 47 and every other media refusal as 65 (bearer capability not
/// implemented), the cause whose reverse mapping is 488. Statuses missing
/// from the table map like the class's base status (x00), as RFC 3261
/// section 8.1.3.2 tells a UAC to treat an unknown status.
pub fn cause_for_status(status: u16, warning: Option<u16>) -> Option<Cause> {
    let value = match status {
        487 => return None,
        488 | 606 => match warning {
            Some(370) => 47,
            _ => 65,
        },
        400..=699 => {
            let lookup = |wanted: u16| {
                STATUS_TO_CAUSE
                    .iter()
                    .find(|(status, _)| *status == wanted)
                    .map(|(_, value)| *value)
            };
            lookup(status).or_else(|| lookup(status / 100 * 100))?
        }
        _ => return None,
    };
    Cause::new(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unanswered_call_is_always_refused_with_a_status() {
        assert_eq!(rejection_status(Cause::NORMAL_CALL_CLEARING), 480);
        assert_eq!(rejection_status(Cause::USER_BUSY), 486);
        for cause in (1..=127).filter_map(Cause::new) {
            let (value, status) = (cause.value(), rejection_status(cause));
            assert!((400..700).contains(&status), "{value} -> {status}");
        }
    }
    use proptest::prelude::*;

    fn cause(value: u8) -> Cause {
        Cause::new(value).expect("valid cause")
    }

    #[test]
    fn tables_have_one_row_per_key_and_only_valid_values() {
        for (i, (value, status)) in CAUSE_TO_STATUS.iter().enumerate() {
            assert!(Cause::new(*value).is_some());
            assert!((300..700).contains(status));
            assert!(CAUSE_TO_STATUS[i + 1..].iter().all(|(v, _)| v != value));
        }
        for (i, (status, value)) in STATUS_TO_CAUSE.iter().enumerate() {
            assert!(Cause::new(*value).is_some());
            assert!(STATUS_TO_CAUSE[i + 1..].iter().all(|(s, _)| s != status));
        }
    }

    #[test]
    fn rfc3398_examples() {
        assert_eq!(status_for_cause(Cause::USER_BUSY), Some(486));
        assert_eq!(status_for_cause(Cause::UNALLOCATED_NUMBER), Some(404));
        assert_eq!(status_for_cause(Cause::NORMAL_CALL_CLEARING), None);
        assert_eq!(status_for_cause(Cause::RECOVERY_ON_TIMER_EXPIRY), Some(504));
        assert_eq!(cause_for_status(486, None), Some(Cause::USER_BUSY));
        assert_eq!(cause_for_status(404, None), Some(Cause::UNALLOCATED_NUMBER));
        assert_eq!(cause_for_status(603, None), Some(Cause::CALL_REJECTED));
        assert_eq!(cause_for_status(487, None), None);
    }

    #[test]
    fn media_refusals_follow_the_warning() {
        assert_eq!(cause_for_status(488, Some(305)), Some(cause(65)));
        assert_eq!(cause_for_status(606, None), Some(cause(65)));
        assert_eq!(cause_for_status(488, Some(370)), Some(cause(47)));
        assert_eq!(status_for_cause(cause(65)), Some(488));
    }

    #[test]
    fn unlisted_values_fall_back_by_class() {
        assert_eq!(cause_for_status(499, None), cause_for_status(400, None));
        assert_eq!(cause_for_status(599, None), Some(cause(41)));
        assert_eq!(cause_for_status(699, None), Some(Cause::USER_BUSY));
        assert_eq!(status_for_cause(cause(44)), Some(503));
        assert_eq!(status_for_cause(cause(66)), Some(501));
        assert_eq!(status_for_cause(cause(95)), Some(500));
        assert_eq!(status_for_cause(cause(24)), Some(480));
    }

    #[test]
    fn successes_and_provisionals_have_no_cause() {
        assert_eq!(cause_for_status(200, None), None);
        assert_eq!(cause_for_status(180, None), None);
        assert_eq!(cause_for_status(302, None), None);
    }

    proptest! {
        #[test]
        fn every_cause_maps_to_a_failure_status_or_to_bye(value in 1u8..=127) {
            let cause = cause(value);
            match status_for_cause(cause) {
                None => prop_assert_eq!(cause, Cause::NORMAL_CALL_CLEARING),
                Some(status) => prop_assert!((400..700).contains(&status)),
            }
        }

        #[test]
        fn every_failure_status_except_487_maps_to_a_cause(status in 400u16..700) {
            prop_assert_eq!(cause_for_status(status, None).is_none(), status == 487);
        }
    }
}
