//! A command that could not be carried out, answered on the wire as
//! `{"result": "error", "error-reason": ...}`.

use std::fmt;

use super::bencode::Value;

/// The `error-reason` of a failed command. Reasons are short, stable
/// texts (rtpengine's where one exists) that Kamailio logs verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The `error-reason` text.
    pub reason: String,
}

impl Failure {
    /// A failure with a fixed reason.
    pub fn new(reason: &str) -> Self {
        Self {
            reason: reason.to_owned(),
        }
    }

    /// The reply dictionary.
    pub fn to_value(&self) -> Value {
        Value::dict([
            ("result", Value::str("error")),
            ("error-reason", Value::str(&self.reason)),
        ])
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        Self {
            reason: e.to_string(),
        }
    }
}
