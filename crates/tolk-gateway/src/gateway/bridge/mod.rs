//! The bridge (B2BUA): joins an incoming leg to an outgoing one through
//! call-model events and commands. Routing, per-leg negotiation and the
//! relay session happen here; SIP lives in the leg adapter.
//!
//! - `call`: one call's state.
//! - `setup`: an incoming call routed, negotiated and dialled out.
//! - `events`: the legs' call-model events relayed across the call.
//! - `keyframe`: keyframe requests carried in RTCP or SIP INFO, as each
//!   leg takes them.
//! - `teardown`: hang-ups, endings and what they free and count.
//! - `message`: MESSAGE outside calls routed and relayed.
//! - `dialog_message`: MESSAGE inside a call relayed to the other leg.
//! - `glare`: a re-offer refused with 491 rebuilt and sent again.
//! - `video`: a video stream added or removed mid-call.

mod call;
mod dialog_message;
mod events;
mod glare;
mod keyframe;
mod message;
mod setup;
mod teardown;
mod video;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tolk_interwork::LegId;
use tolk_relay::{Relay, SessionId};
use tolk_sip::Request;
use tolk_sip::transaction::TransactionId;

use super::dtmf::DtmfReport;
use super::node::Node;
use super::registrar::RegistrarAdapter;
use super::relay_deletes::RelayDeletes;
use super::relay_watch::RelayWatch;
use super::router::Router;
use super::sip_leg::SipLegs;
use crate::admin::AdminBackend;
use crate::config::Config;
use crate::metrics::Metrics;
use call::Call;

/// The calls of a gateway and everything they use.
pub(crate) struct Bridge {
    config: Arc<Config>,
    router: Arc<dyn Router>,
    pub(crate) sip: SipLegs,
    relay: Arc<Relay>,
    node: Arc<Node>,
    pub(crate) registrar: RegistrarAdapter,
    calls: HashMap<String, Call>,
    by_leg: HashMap<LegId, String>,
    by_session: HashMap<SessionId, String>,
    /// MESSAGEs relayed, in or outside calls: our transaction -> the
    /// sender's and its request.
    messages: HashMap<TransactionId, (TransactionId, Request)>,
    /// Video sessions (never a media timeout: video may rest while audio flows).
    by_video: HashMap<SessionId, String>,
    next_call: u64,
    dtmf_reports: UnboundedSender<DtmfReport>,
    relay_watch: RelayWatch,
    /// Relay sessions of finished calls, being deleted.
    deletes: RelayDeletes,
}

impl Bridge {
    pub(crate) fn new(
        config: Arc<Config>,
        router: Arc<dyn Router>,
        sip: SipLegs,
        relay: Arc<Relay>,
        node: Arc<Node>,
        dtmf_reports: UnboundedSender<DtmfReport>,
        relay_watch: RelayWatch,
    ) -> Self {
        let registrar = RegistrarAdapter::new(config.registrar.as_ref());
        Bridge {
            config,
            router,
            sip,
            relay,
            node,
            registrar,
            calls: HashMap::new(),
            by_leg: HashMap::new(),
            by_session: HashMap::new(),
            messages: HashMap::new(),
            by_video: HashMap::new(),
            next_call: 1,
            dtmf_reports,
            relay_watch,
            deletes: RelayDeletes::default(),
        }
    }

    /// How many calls exist (set up, up or ending).
    pub(crate) fn call_count(&self) -> usize {
        self.calls.len()
    }

    fn media_ip(&self) -> IpAddr {
        self.config.media.address
    }

    fn metrics(&self) -> &Metrics {
        AdminBackend::metrics(self.node.as_ref())
    }

    fn insert(&mut self, call: Call) {
        self.by_leg.insert(call.a, call.id.clone());
        if let Some(b) = call.b {
            self.by_leg.insert(b, call.id.clone());
        }
        self.by_session
            .insert(call.media.session(), call.id.clone());
        for video in call.media.video_sessions() {
            self.by_video.insert(video, call.id.clone());
        }
        self.calls.insert(call.id.clone(), call);
    }
}
