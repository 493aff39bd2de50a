//! Request methods (RFC 3261 section 7.1 and its extensions). Methods are
//! case-sensitive tokens; unknown ones are kept as written.

/// A SIP request method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `INVITE`.
    Invite,
    /// `ACK`.
    Ack,
    /// `CANCEL`.
    Cancel,
    /// `BYE`.
    Bye,
    /// `OPTIONS`.
    Options,
    /// `REGISTER`.
    Register,
    /// `PRACK` (RFC 3262).
    Prack,
    /// `UPDATE` (RFC 3311).
    Update,
    /// `INFO` (RFC 6086).
    Info,
    /// `MESSAGE` (RFC 3428).
    Message,
    /// `SUBSCRIBE` (RFC 6665).
    Subscribe,
    /// `NOTIFY` (RFC 6665).
    Notify,
    /// `REFER` (RFC 3515).
    Refer,
    /// `PUBLISH` (RFC 3903).
    Publish,
    /// Any other token.
    Extension(Box<str>),
}

impl Method {
    /// Reads a method token; `None` unless `text` is a token.
    pub fn from_token(text: &str) -> Option<Method> {
        if !crate::syntax::all_token(text.as_bytes()) {
            return None;
        }
        Some(match text {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "CANCEL" => Method::Cancel,
            "BYE" => Method::Bye,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "PRACK" => Method::Prack,
            "UPDATE" => Method::Update,
            "INFO" => Method::Info,
            "MESSAGE" => Method::Message,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "PUBLISH" => Method::Publish,
            other => Method::Extension(other.into()),
        })
    }

    /// The method as it goes on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Cancel => "CANCEL",
            Method::Bye => "BYE",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Prack => "PRACK",
            Method::Update => "UPDATE",
            Method::Info => "INFO",
            Method::Message => "MESSAGE",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Publish => "PUBLISH",
            Method::Extension(other) => other,
        }
    }

    /// True for methods defined by an RFC (not [`Method::Extension`]).
    pub fn is_standard(&self) -> bool {
        !matches!(self, Method::Extension(_))
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Method {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::from_token(s).ok_or(crate::Error::Build("method must be a token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_case_sensitive() {
        assert_eq!(Method::from_token("INVITE"), Some(Method::Invite));
        assert_eq!(Method::from_token("invite").unwrap().as_str(), "invite");
        assert!(!Method::from_token("RE%47IST%45R").unwrap().is_standard());
        assert_eq!(Method::from_token("BAD METHOD"), None);
    }
}
