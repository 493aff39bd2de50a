//! What arrives from the network: matching requests to server
//! transactions (RFC 3261 17.2.3) and responses to client transactions
//! (17.1.3), creating server transactions for new requests, and the
//! stateless answers for what cannot enter one.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;

use super::TransactionKey;
use super::event::{TransactionEvent, TransactionId};
use super::layer::{CancelState, Entry, TransactionLayer};
use super::machine::Machine;
use super::{InviteServer, NonInviteServer, RequestAction, RequestParts, ResponseAction};
use crate::Error;
use crate::message::{Message, Method, Request, Response};
use crate::transport::{Target, Transmit, Transport};

impl TransactionLayer {
    /// A datagram (or any whole message) arrived from `source` over
    /// `transport`. Unparseable requests get a stateless 400 or 505 when
    /// they can be answered; anything else unusable is dropped.
    pub fn handle_input(
        &mut self,
        now: Instant,
        transport: Transport,
        source: SocketAddr,
        bytes: Bytes,
    ) {
        let target = Target {
            transport,
            addr: source,
        };
        if bytes
            .iter()
            .all(|b| matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0))
        {
            return; // keep-alive or padding (RFC 3261 7.5, RFC 5626)
        }
        let parsed = Message::parse_datagram(bytes.clone(), &self.config.limits);
        match parsed {
            Ok(message) => self.handle_message(now, target, message),
            Err(error) => self.reject(target, &bytes, &error, None),
        }
    }

    /// A framed message arrived from `source` (stream transports frame
    /// with [`crate::StreamFramer`] and pass each message here).
    pub fn handle_message(&mut self, now: Instant, source: Target, message: Message) {
        match message {
            Message::Request(request) => self.handle_request(now, source, request),
            Message::Response(response) => self.handle_response(now, response),
        }
    }

    fn handle_request(&mut self, now: Instant, source: Target, request: Request) {
        let Some(key) = server_key(&request) else {
            self.reject_stateless(source, &request);
            return;
        };
        if let Some(&id) = self.keys.get(&key) {
            self.retransmission(now, id, source, request);
            return;
        }
        let Ok(request) = super::via::stamp_received(request, source.addr) else {
            return;
        };
        match request.method() {
            Method::Ack => self
                .events
                .push_back(TransactionEvent::Ack { request, source }),
            Method::Cancel => self.new_cancel(now, key, source, request),
            _ => {
                self.new_server(now, key, source, request);
            }
        }
    }

    /// A request matching a live server transaction.
    fn retransmission(&mut self, now: Instant, id: u64, source: Target, request: Request) {
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        let is_ack = *request.method() == Method::Ack;
        let action = match &mut entry.machine {
            Machine::InviteServer(m) if is_ack => m.on_ack(now),
            Machine::InviteServer(m) => m.on_request_retransmission(),
            Machine::NonInviteServer(m) => m.on_request_retransmission(),
            _ => RequestAction::Absorb,
        };
        match action {
            RequestAction::ResendResponse if !entry.wire.is_empty() => {
                self.transmits.push_back(Transmit {
                    target: entry.target,
                    bytes: entry.wire.clone(),
                });
            }
            RequestAction::Deliver => self
                .events
                .push_back(TransactionEvent::Ack { request, source }),
            _ => {}
        }
        self.settle(id);
    }

    fn new_server(
        &mut self,
        now: Instant,
        key: TransactionKey,
        source: Target,
        request: Request,
    ) -> TransactionId {
        let reliable = source.transport.is_reliable();
        let target = response_target(&request, source);
        let invite = *request.method() == Method::Invite;
        let machine = if invite {
            Machine::InviteServer(InviteServer::new(reliable, self.config.timers))
        } else {
            Machine::NonInviteServer(NonInviteServer::new(reliable, self.config.timers))
        };
        let id = self.insert(Entry {
            key,
            machine,
            target,
            request: request.clone(),
            wire: Bytes::new(),
            ack: None,
            cancel: CancelState::None,
        });
        if invite {
            // RFC 3261 17.2.1: a 100 Trying at once, so the client stops
            // retransmitting whatever the TU takes to answer.
            if let Ok(trying) = super::build::trying(&request) {
                let _ = self.send_response(now, id, trying);
            }
        }
        self.events.push_back(TransactionEvent::Request {
            id,
            request,
            source,
        });
        id
    }

    /// RFC 3261 9.2: a CANCEL is answered here; the INVITE's user hears
    /// [`TransactionEvent::Cancelled`].
    fn new_cancel(&mut self, now: Instant, key: TransactionKey, source: Target, request: Request) {
        let invite = key
            .cancelled_invite()
            .and_then(|k| self.keys.get(&k).copied());
        let reliable = source.transport.is_reliable();
        let target = response_target(&request, source);
        let id = self.insert(Entry {
            key,
            machine: Machine::NonInviteServer(NonInviteServer::new(reliable, self.config.timers)),
            target,
            request: request.clone(),
            wire: Bytes::new(),
            ack: None,
            cancel: CancelState::None,
        });
        let code = if invite.is_some() { 200 } else { 481 };
        if let Ok(response) = Response::for_request(&request, code).build() {
            let _ = self.send_response(now, id, response);
        }
        if let Some(invite) = invite {
            self.events.push_back(TransactionEvent::Cancelled {
                id: TransactionId(invite),
            });
        }
    }

    fn handle_response(&mut self, now: Instant, response: Response) {
        let Some(key) = client_key(&response) else {
            return;
        };
        let Some(&id) = self.keys.get(&key) else {
            return; // stray response (RFC 6026 section 7.3: dropped)
        };
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        let code = response.code();
        let action = match &mut entry.machine {
            Machine::InviteClient(m) => m.on_response(now, code),
            Machine::NonInviteClient(m) => m.on_response(now, code),
            _ => ResponseAction::Absorb,
        };
        match action {
            ResponseAction::Deliver => {}
            ResponseAction::DeliverAndAck => {
                if let Ok(ack) = super::build::ack_for_non_2xx(&entry.request, &response) {
                    entry.ack = Some(ack.to_bytes());
                }
                self.resend_ack(id);
            }
            ResponseAction::ResendAck => {
                self.resend_ack(id);
                return self.settle(id);
            }
            ResponseAction::Absorb => return self.settle(id),
        }
        let provisional = code < 200;
        let cancel_waiting = self
            .entries
            .get(&id)
            .is_some_and(|e| e.cancel == CancelState::Pending);
        self.events.push_back(TransactionEvent::Response {
            id: TransactionId(id),
            response,
        });
        if provisional && cancel_waiting {
            let _ = self.send_cancel(now, id);
        }
        self.settle(id);
    }

    fn resend_ack(&mut self, id: u64) {
        if let Some(entry) = self.entries.get(&id) {
            if let Some(ack) = &entry.ack {
                self.transmits.push_back(Transmit {
                    target: entry.target,
                    bytes: ack.clone(),
                });
            }
        }
    }

    /// Builds the CANCEL for INVITE client transaction `id` and sends it
    /// in its own non-INVITE client transaction.
    pub(crate) fn send_cancel(&mut self, now: Instant, id: u64) -> Result<(), Error> {
        let entry = self.entries.get_mut(&id).ok_or(Error::NoSuchTransaction)?;
        entry.cancel = CancelState::Sent;
        if let Machine::InviteClient(m) = &mut entry.machine {
            m.cancel_sent(now);
        }
        let cancel = super::build::cancel_for(&entry.request)?;
        let target = entry.target;
        let branch = entry
            .request
            .headers()
            .top_via()?
            .branch()
            .unwrap_or_default()
            .to_owned();
        let wire = cancel.to_bytes();
        let reliable = target.transport.is_reliable();
        self.transmits.push_back(Transmit {
            target,
            bytes: wire.clone(),
        });
        self.insert(Entry {
            key: TransactionKey::client(&branch, &Method::Cancel),
            machine: Machine::NonInviteClient(super::NonInviteClient::new(
                now,
                reliable,
                self.config.timers,
            )),
            target,
            request: cancel,
            wire,
            ack: None,
            cancel: CancelState::None,
        });
        self.settle(id); // the INVITE's new Timer B
        Ok(())
    }

    /// A request that parsed but cannot enter a transaction (no Via,
    /// Call-ID, CSeq or From): answered statelessly when possible.
    fn reject_stateless(&mut self, source: Target, request: &Request) {
        if *request.method() == Method::Ack {
            return; // an ACK is never answered
        }
        let bytes = request.to_bytes();
        let error = Error::MissingHeader("Via, From, Call-ID or CSeq");
        self.reject(
            source,
            &bytes,
            &error,
            Some(&Message::Request(request.clone())),
        );
    }

    /// RFC 3261 8.2 and 21.4: the stateless 400 (or 505, 513) for a
    /// message the parser refused, via the UAS core's checks.
    fn reject(&mut self, source: Target, bytes: &Bytes, error: &Error, parsed: Option<&Message>) {
        if let Some(response) = super::stateless::rejection(bytes, error, parsed) {
            let target = match response.headers().top_via() {
                Ok(via) => via_target(&via, source),
                Err(_) => source,
            };
            self.transmits.push_back(Transmit {
                target,
                bytes: response.to_bytes(),
            });
        }
    }
}

/// The server transaction key of a request, when it has the headers.
fn server_key(request: &Request) -> Option<TransactionKey> {
    let headers = request.headers();
    let via = headers.top_via().ok()?;
    let cseq = headers.cseq().ok()?;
    let call_id = headers.call_id().ok()?;
    let from = headers.from().ok()?;
    let host = via.host.to_string();
    Some(TransactionKey::server(&RequestParts {
        branch: via.branch(),
        host: &host,
        port: via.port,
        method: request.method(),
        request_uri: request.uri_str(),
        from_tag: from.tag(),
        call_id,
        cseq: cseq.seq,
    }))
}

/// The client transaction key a response belongs to.
fn client_key(response: &Response) -> Option<TransactionKey> {
    let headers = response.headers();
    let branch = headers.top_via().ok()?.branch()?;
    let method = Method::from_token(headers.cseq().ok()?.method)?;
    Some(TransactionKey::client(branch, &method))
}

/// RFC 3261 18.2.2 with RFC 3581: where the responses to a request go.
fn response_target(request: &Request, source: Target) -> Target {
    match request.headers().top_via() {
        Ok(via) if !source.transport.is_reliable() => via_target(&via, source),
        _ => source,
    }
}

fn via_target(via: &crate::header::Via<'_>, source: Target) -> Target {
    if source.transport.is_reliable() || via.rport().is_some() {
        return source;
    }
    let ip = via
        .received()
        .and_then(|r| r.parse().ok())
        .or_else(|| via.host.ip())
        .unwrap_or(source.addr.ip());
    let port = via.port.unwrap_or(source.transport.default_port());
    Target {
        transport: source.transport,
        addr: SocketAddr::new(ip, port),
    }
}
