//! MESSAGE outside a call (RFC 3428) routed like a call: by the router to
//! a registered user or a peer, sent on in a transaction of our own, and
//! the final response relayed back to the sender.

use std::time::Instant;

use tolk_sip::message::names;
use tolk_sip::transaction::TransactionId;
use tolk_sip::{Method, Request, Response};

use super::Bridge;
use super::setup::peer_destination;
use crate::config::Target as RouteTarget;
use crate::gateway::router::CallRequest;
use crate::gateway::sip_leg::{SipDestination, party};

impl Bridge {
    /// A MESSAGE outside any dialog, transaction `id`.
    pub(crate) async fn message(&mut self, id: TransactionId, request: Request) {
        if request.headers().max_forwards().ok().flatten() == Some(0) {
            return self.answer_message(id, &request, 483, None).await;
        }
        let from = party(request.headers().from().ok().map(|f| f.uri.to_string()));
        let to = party(Some(request.uri_str().to_owned()));
        let decision = self.router.route(&CallRequest {
            from: &from,
            to: &to,
        });
        let destination = match decision.map(|d| (d.target, d.user)) {
            None => return self.answer_message(id, &request, 404, None).await,
            // The echo has no one to read it: accepted and dropped.
            Some((RouteTarget::Echo, _)) => {
                return self.answer_message(id, &request, 200, None).await;
            }
            Some((RouteTarget::Registrar, user)) => {
                match self.registrar.lookup(Instant::now(), &user, &to.host) {
                    Some(destination) => destination,
                    None => return self.answer_message(id, &request, 480, None).await,
                }
            }
            Some((RouteTarget::Peer(name), user)) => {
                match self.config.peers.iter().find(|p| p.name == name) {
                    Some(peer) => peer_destination(peer, &user),
                    None => return self.answer_message(id, &request, 404, None).await,
                }
            }
        };
        match self.send_message(&request, destination).await {
            Ok(out) => {
                self.messages.insert(out, (id, request));
            }
            Err(error) => {
                tracing::warn!(%error, "cannot relay a MESSAGE");
                self.answer_message(id, &request, 503, None).await;
            }
        }
    }

    /// The final response to a MESSAGE we relayed (None: it timed out).
    pub(crate) async fn message_answered(
        &mut self,
        out: TransactionId,
        response: Option<Response>,
    ) {
        if response.as_ref().is_some_and(|r| r.code() < 200) {
            return;
        }
        let Some((id, request)) = self.messages.remove(&out) else {
            return;
        };
        match response {
            Some(response) => {
                let reason = response.reason().to_owned();
                self.answer_message(id, &request, response.code(), Some(reason))
                    .await;
            }
            None => self.answer_message(id, &request, 408, None).await,
        }
    }

    /// The MESSAGE to `destination`: a new transaction from us carrying
    /// the sender's From URI, its content and a Max-Forwards one lower.
    async fn send_message(
        &mut self,
        request: &Request,
        destination: SipDestination,
    ) -> Result<TransactionId, String> {
        let h = request.headers();
        let from = h.from().map_err(|e| e.to_string())?;
        let max_forwards = h.max_forwards().ok().flatten().unwrap_or(70).max(1);
        let content_type = h
            .get(names::CONTENT_TYPE)
            .and_then(|f| f.value_str())
            .unwrap_or("text/plain")
            .to_owned();
        let body = request.body().clone();
        let from_uri = from.uri.to_string();
        let target = destination.target;
        let uri = destination.request_uri;
        self.sip
            .handle()
            .with(move |ua, now| {
                let (tag, call_id) = (ua.token(), ua.token());
                let message = Request::builder(Method::Message, &uri)
                    .header(names::MAX_FORWARDS, max_forwards - 1)
                    .header(names::FROM, format!("<{from_uri}>;tag={tag}"))
                    .header(names::TO, format!("<{uri}>"))
                    .header(names::CALL_ID, call_id)
                    .header(names::CSEQ, "1 MESSAGE")
                    .body(&content_type, body)
                    .build()?;
                ua.send_request(now, message, target)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    pub(super) async fn answer_message(
        &self,
        id: TransactionId,
        request: &Request,
        code: u16,
        reason: Option<String>,
    ) {
        let request = request.clone();
        let _ = self
            .sip
            .handle()
            .with(move |ua, now| {
                let tag = ua.token();
                let mut response = Response::for_request(&request, code).to_tag(&tag);
                if let Some(reason) = &reason {
                    response = response.reason(reason);
                }
                ua.respond_with(now, id, response.build()?)
            })
            .await;
    }
}
