//! Transaction matching (RFC 3261 sections 17.1.3 and 17.2.3).
//!
//! A client transaction is found by the branch of the top Via it put in
//! its request and the CSeq method (CANCEL shares the INVITE's branch).
//! A server transaction is found by the top Via's branch and sent-by and
//! the method, where an ACK matches its INVITE. Requests whose branch
//! lacks the RFC 3261 magic cookie fall back to RFC 2543 matching on
//! Request-URI, From tag, Call-ID, CSeq number and top Via.

use crate::message::Method;

/// The RFC 3261 branch prefix (section 8.1.1.7).
pub use crate::header::BRANCH_MAGIC_COOKIE as MAGIC_COOKIE;

/// Identifies one transaction in a [`crate::transaction`] layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransactionKey {
    /// A client transaction: the branch we generated and the method.
    Client {
        /// Branch of our top Via.
        branch: Box<str>,
        /// The request's method.
        method: Method,
    },
    /// A server transaction keyed per RFC 3261 17.2.3.
    Server {
        /// Branch of the top Via (magic cookie included).
        branch: Box<str>,
        /// `host:port` of the top Via's sent-by, host lower-cased.
        sent_by: Box<str>,
        /// The method; INVITE for an ACK.
        method: Method,
    },
    /// A server transaction for an RFC 2543 peer (no magic cookie).
    Legacy {
        /// Request-URI as written.
        request_uri: Box<str>,
        /// From tag (empty when absent).
        from_tag: Box<str>,
        /// Call-ID.
        call_id: Box<str>,
        /// CSeq sequence number.
        cseq: u32,
        /// `host:port` of the top Via's sent-by.
        sent_by: Box<str>,
        /// The method; INVITE for an ACK.
        method: Method,
    },
}

/// The parts of a request that locate its server transaction.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// Top Via branch, when present.
    pub branch: Option<&'a str>,
    /// Top Via sent-by host, as written.
    pub host: &'a str,
    /// Top Via sent-by port, when given.
    pub port: Option<u16>,
    /// The request method.
    pub method: &'a Method,
    /// Request-URI as written.
    pub request_uri: &'a str,
    /// From tag.
    pub from_tag: Option<&'a str>,
    /// Call-ID.
    pub call_id: &'a str,
    /// CSeq number.
    pub cseq: u32,
}

impl TransactionKey {
    /// The key of a client transaction.
    pub fn client(branch: &str, method: &Method) -> Self {
        TransactionKey::Client {
            branch: branch.into(),
            method: transaction_method(method),
        }
    }

    /// The key of the server transaction a request belongs to.
    pub fn server(parts: &RequestParts<'_>) -> Self {
        let sent_by = sent_by(parts.host, parts.port);
        let method = transaction_method(parts.method);
        match parts.branch.filter(|b| b.starts_with(MAGIC_COOKIE)) {
            Some(branch) => TransactionKey::Server {
                branch: branch.into(),
                sent_by,
                method,
            },
            None => TransactionKey::Legacy {
                request_uri: parts.request_uri.into(),
                from_tag: parts.from_tag.unwrap_or_default().into(),
                call_id: parts.call_id.into(),
                cseq: parts.cseq,
                sent_by,
                method,
            },
        }
    }

    /// The key of the INVITE server transaction a CANCEL targets (RFC
    /// 3261 9.2: same matching as the CANCEL, method INVITE).
    pub fn cancelled_invite(&self) -> Option<Self> {
        let mut key = self.clone();
        match &mut key {
            TransactionKey::Server { method, .. } | TransactionKey::Legacy { method, .. }
                if *method == Method::Cancel =>
            {
                *method = Method::Invite;
                Some(key)
            }
            _ => None,
        }
    }

    /// The method of the transaction.
    pub fn method(&self) -> &Method {
        match self {
            TransactionKey::Client { method, .. }
            | TransactionKey::Server { method, .. }
            | TransactionKey::Legacy { method, .. } => method,
        }
    }
}

/// An ACK belongs to the INVITE transaction; every other method to its own.
fn transaction_method(method: &Method) -> Method {
    match method {
        Method::Ack => Method::Invite,
        other => other.clone(),
    }
}

fn sent_by(host: &str, port: Option<u16>) -> Box<str> {
    let host = host.to_ascii_lowercase();
    match port {
        Some(port) => format!("{host}:{port}").into(),
        None => host.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(branch: Option<&'a str>, method: &'a Method) -> RequestParts<'a> {
        RequestParts {
            branch,
            host: "Client.Example.com",
            port: Some(5060),
            method,
            request_uri: "sip:bob@example.com",
            from_tag: Some("a1"),
            call_id: "c1",
            cseq: 7,
        }
    }

    #[test]
    fn ack_matches_its_invite_and_cancel_does_not() {
        let b = Some("z9hG4bK-1");
        let invite = TransactionKey::server(&parts(b, &Method::Invite));
        let ack = TransactionKey::server(&parts(b, &Method::Ack));
        let cancel = TransactionKey::server(&parts(b, &Method::Cancel));
        assert_eq!(invite, ack);
        assert_ne!(invite, cancel);
        assert_eq!(cancel.cancelled_invite(), Some(invite.clone()));
        assert_eq!(invite.cancelled_invite(), None);
    }

    #[test]
    fn sent_by_host_is_case_insensitive_and_port_counts() {
        let a = TransactionKey::server(&parts(Some("z9hG4bK-1"), &Method::Bye));
        let mut p = parts(Some("z9hG4bK-1"), &Method::Bye);
        p.host = "client.example.COM";
        assert_eq!(a, TransactionKey::server(&p));
        p.port = Some(5070);
        assert_ne!(a, TransactionKey::server(&p));
    }

    #[test]
    fn rfc_2543_branches_fall_back_to_dialog_fields() {
        let old = TransactionKey::server(&parts(Some("1234"), &Method::Invite));
        assert!(matches!(old, TransactionKey::Legacy { cseq: 7, .. }));
        let ack = TransactionKey::server(&parts(None, &Method::Ack));
        assert_eq!(TransactionKey::server(&parts(None, &Method::Invite)), ack);
    }

    #[test]
    fn client_key_pairs_branch_and_method() {
        let inv = TransactionKey::client("z9hG4bK-x", &Method::Invite);
        assert_ne!(inv, TransactionKey::client("z9hG4bK-x", &Method::Cancel));
        assert_eq!(inv.method(), &Method::Invite);
    }
}
