//! The header checks every parsed message passes: the headers that
//! identify transactions and dialogs, and those that steer routing and
//! content handling, must follow their grammar (RFC 4475 section 3.1.2),
//! and a request's CSeq method must be its method (RFC 3261 section
//! 8.1.1.5). Whether a header is present, or present once, is the UAS
//! core's business (see [`crate::uas_checks`]), so that it can answer
//! with a reason.

use super::Message;
use crate::error::{Error, Fault};
use crate::header::check_field;

/// `head` is the start line and header section the message was parsed
/// from: checked as UTF-8 once, its text serves every field's check.
pub(crate) fn validate(message: &Message, head: &[u8]) -> Result<(), Error> {
    let text = std::str::from_utf8(head).ok();
    for field in message.headers().iter() {
        let value = text.and_then(|t| t.get(field.value_range()));
        let Some(cseq) = check_field(field, value)? else {
            continue;
        };
        if let Message::Request(request) = message {
            if cseq.method != request.method().as_str() {
                return Err(field.error(Fault {
                    at: 0,
                    expected: "CSeq method equal to the request method",
                }));
            }
        }
    }
    Ok(())
}
