//! Routing: where an incoming call goes. The gateway asks a [`Router`];
//! the default is the configuration's [`DialPlan`], and a vendor
//! embedding the gateway can supply its own.

use tolk_interwork::Party;

use crate::config::{DialPlan, RouteDecision};

/// An incoming call as the router sees it.
#[derive(Debug, Clone, Copy)]
pub struct CallRequest<'a> {
    /// The calling party.
    pub from: &'a Party,
    /// The called party (user and host of the request-URI).
    pub to: &'a Party,
}

/// Decides where calls go. `None` refuses the call with 404.
pub trait Router: Send + Sync + 'static {
    /// The route for `call`.
    fn route(&self, call: &CallRequest<'_>) -> Option<RouteDecision>;
}

impl Router for DialPlan {
    fn route(&self, call: &CallRequest<'_>) -> Option<RouteDecision> {
        DialPlan::route(self, &call.to.user, &call.to.host)
    }
}
