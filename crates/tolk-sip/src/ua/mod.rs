//! The user agent core (RFC 3261 sections 8, 12-15): both halves of a
//! B2BUA leg on top of the [`TransactionLayer`]. The transaction user
//! speaks in dialogs: [`UaEvent::IncomingCall`] in, [`UserAgent::answer`]
//! out; [`UserAgent::invite`] out, [`UaEvent::Answered`] in. The core
//! does the protocol work: 100 Trying, To tags, Contact, Record-Route,
//! 2xx retransmission until the ACK, the ACK for a 2xx, CANCEL and 487,
//! 481/491/500 answers, BYE, and forked 2xx (acknowledged, then ended).
//!
//! A dialog ends as soon as its BYE is passed to the client transaction
//! (RFC 3261 section 15.1.1) or the peer's BYE is answered: the user gets
//! [`UaEvent::Terminated`] at once, and the BYE transaction runs on in
//! the transaction layer (retransmissions until an answer or Timer F)
//! without holding the dialog, so a peer that never answers BYE does not
//! keep the call alive. A re-INVITE of the peer's still unanswered then
//! gets 487 (RFC 3261 section 15.1.2), whichever side sent the BYE. A
//! dialog we ended with BYE is remembered for 64*T1 (RFC 5407): a 2xx
//! to our INVITE or re-INVITE arriving after the BYE is ACKed (only
//! ACKed: a retransmitted 2xx brings no second BYE), and the peer's BYE
//! crossing ours gets 200 rather than 481.
//!
//! A 2xx making a dialog we do not keep is ACKed and ended with one BYE
//! by the core (RFC 3261 sections 9.1, 13.2.2.4 and 15), and remembered
//! the same way, so that its retransmissions get the same ACK again and
//! nothing else. That is a further fork's 2xx (each To tag is a dialog
//! of its own), a 2xx crossing our CANCEL (the call then ends with
//! [`EndReason::LocalBye`], never [`UaEvent::Answered`]), and a 2xx
//! after our INVITE timed out: Timer B, or 64*T1 after a CANCEL the
//! callee never answered (section 9.1). Every retransmitted 2xx to our
//! INVITE or re-INVITE gets its ACK again. Hanging up a late-offer call
//! whose 2xx offered before [`UserAgent::ack`] answered sends the ACK
//! first, with an answer declining every offered stream (port 0, RFC
//! 3264 section 6), then the BYE; a late 2xx to a late-offer INVITE is
//! answered the same way.
//!
//! As callee, hanging up before the ACK of our 2xx came ends the dialog
//! for the user at once too, but the 2xx is resent and the BYE waits for
//! the ACK, or for 64*T1 when none comes (RFC 3261 section 15).
//!
//! Reliable provisional responses (RFC 3262) work on both sides: the
//! INVITE advertises `Supported: 100rel`; a reliable 1xx from the callee
//! is PRACKed (in RSeq order, retransmissions discarded); as callee, a
//! caller that requires 100rel, or supports it when
//! [`UaConfig::reliable_provisionals`] is set or
//! [`UserAgent::answer_reliably`] asks, gets 1xx with RSeq resent until
//! the PRACK ([`UaEvent::Prack`]); a 2xx waiting on that PRACK is queued.
//!
//! Session timers (RFC 4028, `Supported: timer`) too: our INVITE asks for
//! [`UaConfig::session_expires`]; a request below [`UaConfig::min_se`]
//! gets 422 (and a 422 to our INVITE is retried once with the peer's
//! Min-SE); each 2xx to an INVITE, re-INVITE or UPDATE settles interval
//! and refresher ([`UaEvent::SessionRefreshed`]); the refresher sends an
//! UPDATE (a re-INVITE with our last SDP when the peer does not allow
//! UPDATE) at half the interval; without a refresh the other side ends
//! the session with BYE ([`EndReason::SessionExpired`]).
//!
//! # Run loop
//!
//! Feed datagrams with [`UserAgent::handle_input`] (stream messages with
//! [`UserAgent::handle_message`]), call [`UserAgent::handle_timeout`] at
//! [`UserAgent::poll_timeout`], and after every input or command drain
//! [`UserAgent::poll_transmit`] and [`UserAgent::poll_event`]. The
//! [`crate::transport::Driver`] does all of that on tokio sockets. Two
//! user agents joined by hand:
//!
//! ```
//! use std::time::Instant;
//! use bytes::Bytes;
//! use tolk_sip::transport::{Target, Transport};
//! use tolk_sip::ua::{EndReason, Invite, UaConfig, UaEvent, UserAgent};
//!
//! let (a, b) = ("192.0.2.1:5060".parse()?, "192.0.2.2:5060".parse()?);
//! let mut alice = UserAgent::new(UaConfig::default());
//! alice.set_local_addr(Transport::Udp, a);
//! let mut bob = UserAgent::new(UaConfig::default());
//! bob.set_local_addr(Transport::Udp, b);
//! let deliver = |from: &mut UserAgent, source, to: &mut UserAgent, now| {
//!     while let Some(t) = from.poll_transmit() {
//!         to.handle_input(now, t.target.transport, source, t.bytes);
//!     }
//! };
//! let now = Instant::now();
//!
//! let call = alice.invite(now, Invite {
//!     from: "<sip:alice@example.com>".into(),
//!     to: "<sip:bob@example.com>".into(),
//!     request_uri: "sip:bob@192.0.2.2".into(),
//!     target: Target { transport: Transport::Udp, addr: b },
//!     sdp: Bytes::from_static(b"v=0\r\n"),
//!     headers: vec![],
//!     credentials: None,
//! })?;
//! deliver(&mut alice, a, &mut bob, now);
//! let Some(UaEvent::IncomingCall { dialog, sdp, .. }) = bob.poll_event() else { panic!() };
//! assert_eq!(&sdp[..], b"v=0\r\n");
//! bob.answer(now, dialog, 200, Bytes::from_static(b"v=0\r\n"))?;
//! deliver(&mut bob, b, &mut alice, now); // 100 Trying, 200 OK
//! assert!(matches!(alice.poll_event(), Some(UaEvent::Answered { .. })));
//! deliver(&mut alice, a, &mut bob, now); // the ACK, sent by the core
//! assert!(matches!(bob.poll_event(), Some(UaEvent::Confirmed { .. })));
//!
//! alice.bye(now, call)?; // the session is over for Alice at once
//! assert!(matches!(alice.poll_event(), Some(UaEvent::Terminated { reason: EndReason::LocalBye, .. })));
//! deliver(&mut alice, a, &mut bob, now);
//! assert!(matches!(bob.poll_event(), Some(UaEvent::Terminated { reason: EndReason::RemoteBye, .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod commands;
mod decline;
mod ended;
mod event;
mod incoming;
mod option_tags;
mod reliable;
mod responses;
mod session_timer;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::dialog::{Dialog, DialogId, DialogIds};
use crate::message::{Message, Request, Response};
use crate::sharded_map::ShardedMap;
use crate::transaction::{LayerConfig, TransactionId, TransactionLayer};
use crate::transport::{Target, Transmit, Transport};
use crate::uas_checks::Policy;

pub use commands::Invite;
pub use event::{EndReason, UaEvent};

/// Settings of a [`UserAgent`].
#[derive(Debug, Clone)]
pub struct UaConfig {
    /// Transaction layer settings (timers, limits, seed).
    pub layer: LayerConfig,
    /// User part of our Contact URIs.
    pub contact_user: String,
    /// What the UAS core serves (methods, extensions, bodies).
    pub policy: Policy,
    /// Value of the User-Agent / Server headers (none when empty).
    pub product: String,
    /// Send every 101-199 answer reliably (RFC 3262) when the caller
    /// supports 100rel; a caller that requires it always gets reliable
    /// ones, and [`UserAgent::answer_reliably`] asks per response.
    pub reliable_provisionals: bool,
    /// Session interval in seconds (RFC 4028) we ask for in our INVITEs
    /// and grant to callers that support timers without asking; 0 asks
    /// for none.
    pub session_expires: u32,
    /// The shortest session interval we accept (Min-SE; a request asking
    /// for less gets 422). RFC 4028 sets 90 as the floor for the header.
    pub min_se: u32,
}

impl Default for UaConfig {
    /// Contact user `tolk`, the UAS checks' default policy (PRACK,
    /// 100rel and session timers included), reliable provisionals only
    /// when the caller requires them, session timers of 1800 s with a
    /// Min-SE of 90 s.
    fn default() -> Self {
        UaConfig {
            layer: LayerConfig::default(),
            contact_user: "tolk".into(),
            policy: Policy::default(),
            product: String::new(),
            reliable_provisionals: false,
            session_expires: 1800,
            min_se: 90,
        }
    }
}

/// What a client transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Invite,
    Reinvite,
    /// A BYE (ours, or one ending a forked branch we did not keep): its
    /// dialog ended when it was sent (RFC 3261 section 15.1.1), so its
    /// answer, or its timeout, changes nothing.
    Bye,
    /// A PRACK for a reliable provisional response (RFC 3262).
    Prack,
    /// An UPDATE refreshing the session (RFC 4028).
    Refresh,
    Other,
}

/// Our 2xx awaiting its ACK (RFC 3261 13.3.1.4).
#[derive(Debug, Clone)]
struct Unacked {
    tx: TransactionId,
    response: Response,
    cseq: u32,
    next: Instant,
    interval: Duration,
    give_up: Instant,
}

/// A dialog we ended with BYE, kept for 64*T1 after the BYE (RFC 5407):
/// enough to ACK a late 2xx and to answer a BYE crossing ours.
#[derive(Debug)]
struct Ended {
    /// Tags, Call-ID, route set and remote target.
    dialog: Dialog,
    /// The ACK for the 2xx to our last INVITE, resent on its retransmissions.
    ack: Option<(u32, Request)>,
    /// As callee, our 2xx still awaiting its ACK: resent from here, and
    /// the BYE waits for the ACK or 64*T1 (RFC 3261 section 15).
    unacked: Option<Box<Unacked>>,
    /// When the record is forgotten.
    until: Instant,
}

/// A dialog and the INVITE work in flight in it.
#[derive(Debug, Clone)]
struct Call {
    dialog: Dialog,
    /// An INVITE we received and have not finally answered.
    pending_in: Option<(TransactionId, Request)>,
    /// Our INVITE awaiting its final response, and its CSeq.
    pending_out: Option<(TransactionId, u32)>,
    /// Boxed: held for a moment per INVITE, while every call holds the field.
    unacked: Option<Box<Unacked>>,
    /// The ACK for the 2xx to our last INVITE, resent on 2xx retransmissions.
    ack: Option<(u32, Request)>,
    /// The ACK before `ack` when it carried the answer to a late offer:
    /// that INVITE's 2xx may still be retransmitted after a re-INVITE, and
    /// gets the same ACK again (an ACK without a body is rebuilt at will).
    earlier_ack: Option<Box<(u32, Request)>>,
    /// Every transaction of this dialog the maps refer to, forgotten
    /// with it.
    transactions: Vec<TransactionId>,
    /// Credentials for challenges to our INVITE, and whether the last
    /// INVITE already answered one.
    credentials: Option<crate::auth::Credentials>,
    answered_challenge: bool,
    /// CSeq and SDP offer of a 2xx to our late-offer INVITE awaiting
    /// the user's ACK (a BYE before it sends an ACK declining the offer).
    late_ack: Option<(u32, Bytes)>,
    /// We CANCELled our INVITE: a 2xx crossing the CANCEL is ACKed and
    /// ended with BYE by the core.
    cancelled: bool,
    /// Reliable provisional responses (RFC 3262), both sides.
    rel: reliable::Reliability,
    /// The session timer (RFC 4028), once a 2xx settled one.
    timer: Option<session_timer::SessionTimer>,
    /// Whether our INVITE was already retried after a 422.
    retried_422: bool,
    /// Our last SDP (a re-INVITE refresh offers it again).
    local_sdp: Bytes,
}

impl Call {
    /// Records the ACK for our INVITE `seq`, keeping the one it replaces
    /// when that one carried a late offer's answer (`earlier_ack`).
    fn keep_ack(&mut self, seq: u32, ack: Request) {
        if let Some(replaced) = self.ack.replace((seq, ack)) {
            if replaced.0 != seq && !replaced.1.body().is_empty() {
                self.earlier_ack = Some(Box::new(replaced));
            }
        }
    }

    /// The ACK sent for the 2xx to our INVITE `seq`, if kept.
    fn ack_for(&self, seq: u32) -> Option<&Request> {
        [self.ack.as_ref(), self.earlier_ack.as_deref()]
            .into_iter()
            .flatten()
            .find(|(s, _)| *s == seq)
            .map(|(_, ack)| ack)
    }
}

/// The user agent core, sans-IO. Drive it like the transaction layer:
/// inputs, then drain [`UserAgent::poll_transmit`] and
/// [`UserAgent::poll_event`], then sleep until [`UserAgent::poll_timeout`].
#[derive(Debug)]
pub struct UserAgent {
    layer: TransactionLayer,
    config: UaConfig,
    dialog_ids: DialogIds,
    /// Boxed: the map keeps the buckets of its busiest moment, and an
    /// empty bucket then costs a pointer instead of a whole call.
    calls: ShardedMap<DialogId, Box<Call>>,
    /// Dialogs we ended with BYE, for 64*T1 (`ended.rs`).
    ended: ShardedMap<DialogId, Box<Ended>>,
    /// (Call-ID, local tag) to dialog, live or ended.
    by_tags: ShardedMap<(String, String), DialogId>,
    /// Dialogs a 2xx made that we did not keep (another fork's, or any
    /// after we gave up our INVITE), by (Call-ID, local tag, remote
    /// tag): their records in `ended`, under ids the user never sees.
    declined: ShardedMap<(String, String, String), DialogId>,
    client_txs: ShardedMap<TransactionId, (Option<DialogId>, Purpose)>,
    server_invites: ShardedMap<TransactionId, DialogId>,
    events: VecDeque<UaEvent>,
    timers: BinaryHeap<Reverse<(Instant, DialogId)>>,
}

impl UserAgent {
    /// A user agent with no dialogs.
    pub fn new(config: UaConfig) -> Self {
        UserAgent {
            layer: TransactionLayer::new(config.layer.clone()),
            config,
            dialog_ids: DialogIds::default(),
            calls: ShardedMap::new(),
            ended: ShardedMap::new(),
            by_tags: ShardedMap::new(),
            declined: ShardedMap::new(),
            client_txs: ShardedMap::new(),
            server_invites: ShardedMap::new(),
            events: VecDeque::new(),
            timers: BinaryHeap::new(),
        }
    }

    /// Declares the local address of `transport` (Via and Contact).
    pub fn set_local_addr(&mut self, transport: Transport, addr: SocketAddr) {
        self.layer.set_local_addr(transport, addr);
    }

    /// The dialog `id`, while it exists.
    pub fn dialog(&self, id: DialogId) -> Option<&Dialog> {
        self.calls.get(&id).map(|c| &c.dialog)
    }

    /// How many dialogs exist.
    pub fn dialog_count(&self) -> usize {
        self.calls.len()
    }

    /// True when no dialog (live, or ended by our BYE less than 64*T1
    /// ago), and no request of ours, is being tracked.
    pub fn is_idle(&self) -> bool {
        self.calls.is_empty()
            && self.ended.is_empty()
            && self.client_txs.is_empty()
            && self.server_invites.is_empty()
    }

    /// The transaction layer underneath (for inspection).
    pub fn transactions(&self) -> &TransactionLayer {
        &self.layer
    }

    /// A datagram arrived.
    pub fn handle_input(
        &mut self,
        now: Instant,
        transport: Transport,
        source: SocketAddr,
        bytes: Bytes,
    ) {
        self.layer.handle_input(now, transport, source, bytes);
        self.pump(now);
    }

    /// A framed stream message arrived.
    pub fn handle_message(&mut self, now: Instant, source: Target, message: Message) {
        self.layer.handle_message(now, source, message);
        self.pump(now);
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        while let Some(Reverse((at, dialog))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.retransmit_2xx(now, dialog);
            self.retransmit_provisional(now, dialog);
            self.session_timer_due(now, dialog);
            self.ended_due(now, dialog);
        }
        self.pump(now);
    }

    /// Sending to `target` failed.
    pub fn handle_transport_error(&mut self, now: Instant, target: Target) {
        self.layer.handle_transport_error(target);
        self.pump(now);
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.layer.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<UaEvent> {
        self.events.pop_front()
    }

    /// When [`UserAgent::handle_timeout`] should next run.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let ours = self.timers.peek().map(|Reverse((at, _))| *at);
        [self.layer.poll_timeout(), ours]
            .into_iter()
            .flatten()
            .min()
    }

    fn new_dialog_id(&mut self) -> DialogId {
        self.dialog_ids.next()
    }

    /// The allocator of this user agent's dialog ids, for
    /// [`UserAgent::place`] from another task.
    pub fn dialog_ids(&self) -> DialogIds {
        self.dialog_ids.clone()
    }

    /// Our Contact for `transport`: `<sip:user@addr;transport=...>`.
    fn contact(&self, transport: Transport) -> Option<String> {
        let addr = self.layer.local_addr(transport)?;
        let param = match transport {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
            Transport::Tls => ";transport=tls",
        };
        Some(format!("<sip:{}@{addr}{param}>", self.config.contact_user))
    }

    fn insert_call(&mut self, id: DialogId, dialog: Dialog) {
        let key = (dialog.call_id.clone(), dialog.local_tag.clone());
        self.by_tags.insert(key, id);
        self.calls.insert(
            id,
            Box::new(Call {
                dialog,
                pending_in: None,
                pending_out: None,
                unacked: None,
                ack: None,
                earlier_ack: None,
                transactions: Vec::new(),
                credentials: None,
                answered_challenge: false,
                late_ack: None,
                cancelled: false,
                rel: reliable::Reliability::default(),
                timer: None,
                retried_422: false,
                local_sdp: Bytes::new(),
            }),
        );
    }

    /// Forgets dialog `id` and tells the user why it ended.
    fn end(&mut self, id: DialogId, reason: EndReason) {
        if let Some(call) = self.calls.remove(&id) {
            if !self.ended.contains_key(&id) {
                self.by_tags
                    .remove(&(call.dialog.call_id, call.dialog.local_tag));
            }
            self.events
                .push_back(UaEvent::Terminated { dialog: id, reason });
        }
    }

    /// The dialog a request or ACK belongs to (live or ended): Call-ID
    /// and To tag.
    fn find(&self, request: &Request) -> Option<DialogId> {
        let h = request.headers();
        let call_id = h.call_id().ok()?;
        let to_tag = h.to().ok()?.tag()?;
        self.by_tags
            .get(&(call_id.to_owned(), to_tag.to_owned()))
            .copied()
    }
}

#[cfg(feature = "tokio")]
impl crate::transport::SansIo for UserAgent {
    type Event = UaEvent;
    fn set_local_addr(&mut self, transport: Transport, addr: SocketAddr) {
        UserAgent::set_local_addr(self, transport, addr);
    }
    fn handle_input(
        &mut self,
        now: Instant,
        transport: Transport,
        source: SocketAddr,
        bytes: Bytes,
    ) {
        UserAgent::handle_input(self, now, transport, source, bytes);
    }
    fn handle_message(&mut self, now: Instant, source: Target, message: Message) {
        UserAgent::handle_message(self, now, source, message);
    }
    fn handle_timeout(&mut self, now: Instant) {
        UserAgent::handle_timeout(self, now);
    }
    fn handle_transport_error(&mut self, now: Instant, target: Target) {
        UserAgent::handle_transport_error(self, now, target);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        UserAgent::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<UaEvent> {
        UserAgent::poll_event(self)
    }
    fn poll_timeout(&mut self) -> Option<Instant> {
        UserAgent::poll_timeout(self)
    }
}
