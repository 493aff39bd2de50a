//! The transaction layer: owns every transaction, matches what arrives,
//! and queues what must be sent and what the transaction user must hear.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::event::{LayerConfig, TransactionEvent, TransactionId};
use super::machine::{Machine, TransactionState};
use super::{Effect, TransactionKey};
use super::{InviteClient, NonInviteClient};
use crate::Error;
use crate::message::{Method, Request, Response};
use crate::sharded_map::ShardedMap;
use crate::transport::{Target, Transmit, Transport};

/// A client transaction's INVITE may have a CANCEL waiting for the
/// first provisional response (RFC 3261 section 9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelState {
    None,
    Pending,
    Sent,
}

/// One transaction and the messages it needs.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: TransactionKey,
    pub(crate) machine: Machine,
    /// Client: where requests go. Server: where responses go.
    pub(crate) target: Target,
    /// Client: the request sent. Server: the request received.
    pub(crate) request: Request,
    /// Client: the request's bytes. Server: the last response's bytes.
    pub(crate) wire: Bytes,
    /// Client INVITE: the ACK for a 300-699 response.
    pub(crate) ack: Option<Bytes>,
    pub(crate) cancel: CancelState,
}

/// The RFC 3261 transaction layer, sans-IO.
///
/// Inputs: [`TransactionLayer::handle_input`] (a datagram),
/// [`TransactionLayer::handle_message`] (a framed stream message),
/// [`TransactionLayer::handle_timeout`] and the commands
/// [`send_request`](TransactionLayer::send_request),
/// [`send_response`](TransactionLayer::send_response),
/// [`send_ack`](TransactionLayer::send_ack) and
/// [`cancel`](TransactionLayer::cancel). Outputs: drain
/// [`poll_transmit`](TransactionLayer::poll_transmit) and
/// [`poll_event`](TransactionLayer::poll_event), then sleep until
/// [`poll_timeout`](TransactionLayer::poll_timeout).
#[derive(Debug)]
pub struct TransactionLayer {
    pub(crate) config: LayerConfig,
    rng: StdRng,
    next_id: u64,
    /// Boxed: a map sized for a burst of calls keeps its buckets, and an
    /// empty bucket then costs a pointer instead of a whole entry.
    pub(crate) entries: ShardedMap<u64, Box<Entry>>,
    pub(crate) keys: ShardedMap<TransactionKey, u64>,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<TransactionEvent>,
    locals: Vec<(Transport, SocketAddr)>,
}

impl TransactionLayer {
    /// A layer with no transactions.
    pub fn new(config: LayerConfig) -> Self {
        TransactionLayer {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            next_id: 1,
            entries: ShardedMap::new(),
            keys: ShardedMap::new(),
            timers: BinaryHeap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            locals: Vec::new(),
        }
    }

    /// Declares the local address of `transport`: the sent-by of the
    /// Via headers this layer writes.
    pub fn set_local_addr(&mut self, transport: Transport, addr: SocketAddr) {
        self.locals.retain(|(t, _)| *t != transport);
        self.locals.push((transport, addr));
    }

    /// The local address declared for `transport`.
    pub fn local_addr(&self, transport: Transport) -> Option<SocketAddr> {
        self.locals
            .iter()
            .find(|(t, _)| *t == transport)
            .map(|(_, a)| *a)
    }

    /// A random token of 16 hex digits (tags, Call-IDs, branches).
    pub fn token(&mut self) -> String {
        format!("{:016x}", self.rng.random::<u64>())
    }

    /// Sends `request` (not ACK) to `target` in a new client
    /// transaction: adds the top Via with a fresh branch.
    pub fn send_request(
        &mut self,
        now: Instant,
        mut request: Request,
        target: Target,
    ) -> Result<TransactionId, Error> {
        let method = request.method().clone();
        if method == Method::Ack {
            return Err(Error::InvalidState(
                "an ACK is sent with send_ack, not in a transaction",
            ));
        }
        let branch = self.push_via(&mut request, target.transport)?;
        let reliable = target.transport.is_reliable();
        let machine = if method == Method::Invite {
            Machine::InviteClient(InviteClient::new(now, reliable, self.config.timers))
        } else {
            Machine::NonInviteClient(NonInviteClient::new(now, reliable, self.config.timers))
        };
        let wire = request.to_bytes();
        self.transmits.push_back(Transmit {
            target,
            bytes: wire.clone(),
        });
        let key = TransactionKey::client(&branch, &method);
        Ok(self.insert(Entry {
            key,
            machine,
            target,
            request,
            wire,
            ack: None,
            cancel: CancelState::None,
        }))
    }

    /// Sends an ACK for a 2xx (RFC 3261 13.2.2.4): outside any
    /// transaction, with its own branch.
    pub fn send_ack(&mut self, mut ack: Request, target: Target) -> Result<(), Error> {
        if *ack.method() != Method::Ack {
            return Err(Error::InvalidState("send_ack sends ACK requests only"));
        }
        self.push_via(&mut ack, target.transport)?;
        self.transmits.push_back(Transmit {
            target,
            bytes: ack.to_bytes(),
        });
        Ok(())
    }

    /// Sends `response` in server transaction `id`.
    pub fn send_response(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Response,
    ) -> Result<(), Error> {
        let entry = self
            .entries
            .get_mut(&id.0)
            .ok_or(Error::NoSuchTransaction)?;
        let code = response.code();
        match &mut entry.machine {
            Machine::InviteServer(m) => m.on_send(now, code)?,
            Machine::NonInviteServer(m) => m.on_send(now, code)?,
            _ => {
                return Err(Error::InvalidState(
                    "responses are sent in server transactions",
                ));
            }
        }
        entry.wire = response.to_bytes();
        self.transmits.push_back(Transmit {
            target: entry.target,
            bytes: entry.wire.clone(),
        });
        self.settle(id.0);
        Ok(())
    }

    /// Cancels INVITE client transaction `id` (RFC 3261 section 9.1): the
    /// CANCEL goes out now if a provisional response has arrived, else
    /// when the first one does. Does nothing once a final response came.
    pub fn cancel(&mut self, now: Instant, id: TransactionId) -> Result<(), Error> {
        use super::InviteClientState as S;
        let entry = self
            .entries
            .get_mut(&id.0)
            .ok_or(Error::NoSuchTransaction)?;
        let Machine::InviteClient(m) = &entry.machine else {
            return Err(Error::InvalidState(
                "only INVITE client transactions are cancelled",
            ));
        };
        match (m.state(), entry.cancel) {
            (S::Calling, CancelState::None) => entry.cancel = CancelState::Pending,
            (S::Proceeding, CancelState::None) => self.send_cancel(now, id.0)?,
            _ => {}
        }
        Ok(())
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(entry) = self.entries.get_mut(&id) else {
                continue;
            };
            if entry.machine.next_timeout() != Some(at) {
                continue; // stale: the transaction moved on
            }
            while let Some(effect) = entry.machine.on_timeout(now) {
                let tx = TransactionId(id);
                match effect {
                    Effect::Retransmit => {
                        let bytes = entry.wire.clone();
                        if !bytes.is_empty() {
                            self.transmits.push_back(Transmit {
                                target: entry.target,
                                bytes,
                            });
                        }
                    }
                    Effect::TimedOut => {
                        self.events.push_back(TransactionEvent::TimedOut { id: tx })
                    }
                    Effect::Closed => self.events.push_back(TransactionEvent::Closed { id: tx }),
                    Effect::Terminated | Effect::Nothing => {}
                }
            }
            self.settle(id);
        }
    }

    /// The transport could not deliver to `target`: every transaction
    /// sending there ends with [`TransactionEvent::TransportError`].
    pub fn handle_transport_error(&mut self, target: Target) {
        let mut failed: Vec<u64> = self
            .entries
            .iter()
            .filter(|(_, e)| e.target == target)
            .map(|(id, _)| *id)
            .collect();
        failed.sort_unstable(); // reported in the order they began, not the map's
        for id in failed {
            if let Some(entry) = self.entries.get_mut(&id) {
                entry.machine.on_transport_error();
                self.events.push_back(TransactionEvent::TransportError {
                    id: TransactionId(id),
                });
            }
            self.settle(id);
        }
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the transaction user.
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.events.pop_front()
    }

    /// When [`TransactionLayer::handle_timeout`] should next run.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        // Drop entries of finished transactions so the answer is tight.
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            match self.entries.get(&id) {
                Some(e) if e.machine.next_timeout().is_some_and(|next| next <= at) => {
                    return Some(at);
                }
                _ => {
                    self.timers.pop();
                }
            }
        }
        None
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The state of transaction `id`, while it is alive.
    pub fn state(&self, id: TransactionId) -> Option<TransactionState> {
        self.entries.get(&id.0).map(|e| e.machine.state())
    }

    /// Where transaction `id` sends (client: requests; server: responses).
    pub fn target(&self, id: TransactionId) -> Option<Target> {
        self.entries.get(&id.0).map(|e| e.target)
    }

    /// The request of transaction `id` (sent or received).
    pub fn request(&self, id: TransactionId) -> Option<&Request> {
        self.entries.get(&id.0).map(|e| &e.request)
    }

    pub(crate) fn insert(&mut self, entry: Entry) -> TransactionId {
        let id = self.next_id;
        self.next_id += 1;
        self.keys.insert(entry.key.clone(), id);
        self.entries.insert(id, Box::new(entry));
        self.settle(id);
        TransactionId(id)
    }

    /// After any input: drop a terminated transaction, or re-arm its timer.
    pub(crate) fn settle(&mut self, id: u64) {
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        if entry.machine.is_terminated() {
            if let Some(entry) = self.entries.remove(&id) {
                if self.keys.get(&entry.key) == Some(&id) {
                    self.keys.remove(&entry.key);
                }
            }
            return;
        }
        if let Some(at) = entry.machine.next_timeout() {
            self.timers.push(Reverse((at, id)));
        }
    }

    /// Adds our top Via (`;branch=z9hG4bK...;rport`) and returns the branch.
    fn push_via(&mut self, request: &mut Request, transport: Transport) -> Result<String, Error> {
        let sent_by = self
            .local_addr(transport)
            .ok_or(Error::InvalidState("no local address for this transport"))?;
        let branch = format!("{}{}", super::MAGIC_COOKIE, self.token());
        let via = format!("SIP/2.0/{transport} {sent_by};branch={branch};rport");
        request
            .headers_mut()
            .prepend(crate::message::names::VIA, &via)?;
        Ok(branch)
    }
}
