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

pub(crate) fn validate(message: &Message) -> Result<(), Error> {
    for field in message.headers().iter() {
        let Some(cseq) = check_field(field)? else {
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
