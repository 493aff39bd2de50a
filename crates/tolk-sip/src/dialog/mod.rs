//! RFC 3261 section 12: dialogs. A [`Dialog`] holds the state two user
//! agents share (Call-ID, tags, CSeq numbers, remote target and route
//! set) and builds the requests sent inside it.

mod route;

pub use route::{RouteEntry, Routing, routing, uri_target};

use bytes::Bytes;

use crate::Error;
use crate::header::NameAddr;
use crate::message::{Method, Request, Response, names};
use crate::transport::{Target, Transport};

/// Identifies a dialog (or a call being set up) in a [`crate::ua::UserAgent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogId(pub(crate) u64);

/// Hands out fresh [`DialogId`]s; shared by a [`crate::ua::UserAgent`]
/// and whoever places calls through it from another task, so that a
/// call's id is known before the user agent has run the command that
/// places it (see [`crate::ua::UserAgent::place`]).
#[derive(Debug, Clone, Default)]
pub struct DialogIds(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl DialogIds {
    /// An id no dialog of this user agent had or will have.
    pub fn next(&self) -> DialogId {
        // Starts at 1: ids read as dialog-1, dialog-2...
        DialogId(1 + self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl std::fmt::Display for DialogId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dialog-{}", self.0)
    }
}

/// Which side created the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We sent the INVITE.
    Uac,
    /// We received the INVITE.
    Uas,
}

/// RFC 3261 12: the dialog's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// An INVITE is on its way; no response with a To tag yet.
    Initial,
    /// A provisional response with a To tag was sent or received.
    Early,
    /// A 2xx was sent or received.
    Confirmed,
    /// Ended (BYE, rejection, CANCEL, timeout).
    Terminated,
}

/// The shared state of one dialog.
#[derive(Debug, Clone)]
pub struct Dialog {
    pub(crate) role: Role,
    pub(crate) state: DialogState,
    pub(crate) call_id: String,
    pub(crate) local_tag: String,
    pub(crate) remote_tag: Option<String>,
    /// Our name-addr, without tag.
    pub(crate) local_party: String,
    /// The peer's name-addr, without tag.
    pub(crate) remote_party: String,
    pub(crate) local_seq: u32,
    pub(crate) remote_seq: Option<u32>,
    pub(crate) remote_target: String,
    pub(crate) route_set: Vec<RouteEntry>,
    /// Where the peer was last reached (used when the next hop's host is
    /// not an IP address, and for NATed peers).
    pub(crate) peer: Target,
}

impl Dialog {
    /// The Call-ID.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// Our tag.
    pub fn local_tag(&self) -> &str {
        &self.local_tag
    }

    /// The peer's tag, once known.
    pub fn remote_tag(&self) -> Option<&str> {
        self.remote_tag.as_deref()
    }

    /// The state.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// Which side we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where the peer was last reached; for a dialog the peer started,
    /// the transport source of its INVITE (unlike Via, not the peer's
    /// own claim).
    pub fn peer(&self) -> Target {
        self.peer
    }

    /// The peer's Contact URI.
    pub fn remote_target(&self) -> &str {
        &self.remote_target
    }

    /// The route set, first hop first.
    pub fn route_set(&self) -> &[RouteEntry] {
        &self.route_set
    }

    /// The peer's name-addr (From of its INVITE, or our INVITE's To).
    pub fn remote_party(&self) -> &str {
        &self.remote_party
    }

    /// A UAS dialog from an INVITE (RFC 3261 12.1.1): route set from
    /// Record-Route in order, remote target from Contact.
    pub(crate) fn for_uas(
        request: &Request,
        local_tag: String,
        peer: Target,
    ) -> Result<Dialog, Error> {
        let h = request.headers();
        let remote_target = contact_uri(
            h.contacts()
                .next()
                .transpose()?
                .as_ref()
                .and_then(|c| c.address()),
        );
        let route_set = h
            .record_routes()
            .map(|r| r.map(|r| RouteEntry::from_name_addr(&r)))
            .collect::<Result<Vec<_>, _>>()?;
        let from = h.from()?;
        Ok(Dialog {
            role: Role::Uas,
            state: DialogState::Initial,
            call_id: h.call_id()?.to_owned(),
            local_tag,
            remote_tag: from.tag().map(str::to_owned),
            local_party: without_tag(&h.to()?),
            remote_party: without_tag(&from),
            local_seq: 0,
            remote_seq: Some(h.cseq()?.seq),
            remote_target: remote_target.unwrap_or_else(|| request.uri_str().to_owned()),
            route_set,
            peer,
        })
    }

    /// A UAC dialog for an INVITE we are about to send.
    pub(crate) fn for_uac(
        call_id: String,
        local_tag: String,
        local_party: String,
        remote_party: String,
        remote_target: String,
        peer: Target,
    ) -> Dialog {
        Dialog {
            role: Role::Uac,
            state: DialogState::Initial,
            call_id,
            local_tag,
            remote_tag: None,
            local_party,
            remote_party,
            local_seq: 1,
            remote_seq: None,
            remote_target,
            route_set: Vec::new(),
            peer,
        }
    }

    /// RFC 3261 12.1.2: a response with a To tag fixes the remote tag,
    /// the route set (Record-Route reversed) and the remote target.
    pub(crate) fn learn_from_response(&mut self, response: &Response) -> Result<(), Error> {
        let h = response.headers();
        if let Some(tag) = h.to()?.tag() {
            self.remote_tag = Some(tag.to_owned());
        }
        if let Some(target) = contact_uri(
            h.contacts()
                .next()
                .transpose()?
                .as_ref()
                .and_then(|c| c.address()),
        ) {
            self.remote_target = target;
        }
        if self.state != DialogState::Confirmed {
            let mut set = h
                .record_routes()
                .map(|r| r.map(|r| RouteEntry::from_name_addr(&r)))
                .collect::<Result<Vec<_>, _>>()?;
            set.reverse();
            self.route_set = set;
        }
        Ok(())
    }

    /// A target refresh (re-INVITE, UPDATE) moves the remote target.
    pub(crate) fn refresh_target(&mut self, request: &Request) {
        let contact = request.headers().contacts().next().and_then(Result::ok);
        if let Some(target) = contact_uri(contact.as_ref().and_then(|c| c.address())) {
            self.remote_target = target;
        }
    }

    /// Where in-dialog requests go: the next hop when it names an IP
    /// address, else where the peer was last reached. Without a route
    /// set, a TCP or TLS peer is reached over its connection (a client
    /// behind NAT cannot accept a new one; RFC 5923 reuse).
    pub(crate) fn next_target(&self) -> Target {
        if self.route_set.is_empty() && self.peer.transport.is_reliable() {
            return self.peer;
        }
        let next = routing(&self.route_set, &self.remote_target).next_hop;
        uri_target(&next, self.peer.transport).unwrap_or(self.peer)
    }

    /// RFC 3261 12.2.1.1: a request inside the dialog with CSeq `seq`.
    pub(crate) fn request(
        &self,
        method: Method,
        seq: u32,
        contact: Option<&str>,
        body: Option<(&str, Bytes)>,
    ) -> Result<Request, Error> {
        let routing = routing(&self.route_set, &self.remote_target);
        let mut b =
            Request::builder(method.clone(), &routing.request_uri).header(names::MAX_FORWARDS, 70);
        for route in &routing.routes {
            b = b.header(names::ROUTE, route);
        }
        b = b
            .header(
                names::FROM,
                format!("{};tag={}", self.local_party, self.local_tag),
            )
            .header(names::TO, self.remote_to())
            .header(names::CALL_ID, &self.call_id)
            .header(names::CSEQ, format!("{seq} {method}"));
        if let Some(contact) = contact {
            b = b.header(names::CONTACT, contact);
        }
        if let Some((content_type, body)) = body {
            b = b.body(content_type, body);
        }
        b.build()
    }

    fn remote_to(&self) -> String {
        match &self.remote_tag {
            Some(tag) => format!("{};tag={tag}", self.remote_party),
            None => self.remote_party.clone(),
        }
    }

    /// The next local CSeq number.
    pub(crate) fn next_seq(&mut self) -> u32 {
        self.local_seq = self.local_seq.saturating_add(1);
        self.local_seq
    }

    /// The transport of the dialog.
    pub(crate) fn transport(&self) -> Transport {
        self.peer.transport
    }
}

fn contact_uri(addr: Option<&NameAddr<'_>>) -> Option<String> {
    addr.map(|a| a.uri.as_str().to_owned())
}

/// A name-addr as text without its `tag` parameter, always bracketed.
pub(crate) fn without_tag(addr: &NameAddr<'_>) -> String {
    let mut out = String::new();
    if let Some(name) = addr.display_name {
        out.push_str(name);
        out.push(' ');
    }
    out.push('<');
    out.push_str(addr.uri.as_str());
    out.push('>');
    for (name, value) in addr
        .params
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("tag"))
    {
        out.push(';');
        out.push_str(name);
        if let Some(value) = value {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

#[cfg(test)]
mod tests;
