//! Typed access to header values (RFC 3261 section 20 and extensions).
//!
//! Typed values borrow from the message: reading one copies nothing.
//! Single-valued headers come back as `Result<Option<T>>` (absent is
//! `Ok(None)`, a second field is [`Error::DuplicateHeader`]); list
//! headers come back as a [`TypedIter`] over every comma-separated value
//! of every field, so all Via hops are reachable.

mod auth;
mod cseq;
mod list;
mod media;
mod name_addr;
mod reason;
mod scalar;
mod via;

pub use auth::{Auth, AuthParams};
pub use cseq::{CSeq, RAck};
pub use list::TypedIter;
pub use media::MediaType;
pub use name_addr::{Contact, NameAddr};
pub use reason::{Reason, SipDate};
pub use scalar::{RetryAfter, SessionExpires};
pub use via::{BRANCH_MAGIC_COOKIE, Via};

use crate::error::Error;
use crate::message::headers::HeaderMatch;
use crate::message::{Headers, names};
use crate::syntax::Scanner;
use list::{ItemParser, single};

/// The compile-time match for header constant `names::$name`.
macro_rules! known {
    ($name:ident) => {
        const { HeaderMatch::known(names::$name) }
    };
}

fn token<'a>(s: &mut Scanner<'a>) -> Result<&'a str, crate::error::Fault> {
    s.token("token")
}

impl Headers {
    fn one<'h, T>(
        &'h self,
        name: HeaderMatch<'static>,
        item: ItemParser<'h, T>,
    ) -> Result<Option<T>, Error> {
        self.get_one_matching(name)?
            .map(|f| single(f, item))
            .transpose()
    }

    fn list<'h, T>(
        &'h self,
        name: HeaderMatch<'static>,
        item: ItemParser<'h, T>,
        allow_empty: bool,
    ) -> TypedIter<'h, T> {
        TypedIter::new(self.iter(), name, item, allow_empty)
    }

    /// Every Via value, top first.
    pub fn vias(&self) -> TypedIter<'_, Via<'_>> {
        self.list(known!(VIA), via::via, false)
    }

    /// The top Via value.
    pub fn top_via(&self) -> Result<Via<'_>, Error> {
        self.vias()
            .next()
            .unwrap_or(Err(Error::MissingHeader(names::VIA)))
    }

    /// From.
    pub fn from(&self) -> Result<NameAddr<'_>, Error> {
        self.one(known!(FROM), name_addr::name_addr)?
            .ok_or(Error::MissingHeader(names::FROM))
    }

    /// To.
    pub fn to(&self) -> Result<NameAddr<'_>, Error> {
        self.one(known!(TO), name_addr::name_addr)?
            .ok_or(Error::MissingHeader(names::TO))
    }

    /// Call-ID.
    pub fn call_id(&self) -> Result<&str, Error> {
        self.one(known!(CALL_ID), cseq::call_id)?
            .ok_or(Error::MissingHeader(names::CALL_ID))
    }

    /// CSeq.
    pub fn cseq(&self) -> Result<CSeq<'_>, Error> {
        self.one(known!(CSEQ), cseq::cseq)?
            .ok_or(Error::MissingHeader(names::CSEQ))
    }

    /// Max-Forwards.
    pub fn max_forwards(&self) -> Result<Option<u8>, Error> {
        self.one(known!(MAX_FORWARDS), scalar::max_forwards)
    }

    /// Every Contact value (`*` is [`Contact::Wildcard`]).
    pub fn contacts(&self) -> TypedIter<'_, Contact<'_>> {
        self.list(known!(CONTACT), name_addr::contact, false)
    }

    /// Every Route value, in order.
    pub fn routes(&self) -> TypedIter<'_, NameAddr<'_>> {
        self.list(known!(ROUTE), name_addr::route, false)
    }

    /// Every Record-Route value, in order.
    pub fn record_routes(&self) -> TypedIter<'_, NameAddr<'_>> {
        self.list(known!(RECORD_ROUTE), name_addr::route, false)
    }

    /// Content-Type.
    pub fn content_type(&self) -> Result<Option<MediaType<'_>>, Error> {
        self.one(known!(CONTENT_TYPE), media::media_type)
    }

    /// Content-Length.
    pub fn content_length(&self) -> Result<Option<u32>, Error> {
        self.one(known!(CONTENT_LENGTH), scalar::content_length)
    }

    /// Content-Encoding codings.
    pub fn content_encoding(&self) -> TypedIter<'_, &str> {
        self.list(known!(CONTENT_ENCODING), token, true)
    }

    /// Every Accept media range (an empty Accept header yields none).
    pub fn accept(&self) -> TypedIter<'_, MediaType<'_>> {
        self.list(known!(ACCEPT), media::media_type, true)
    }

    /// Allow: method names.
    pub fn allow(&self) -> TypedIter<'_, &str> {
        self.list(known!(ALLOW), token, true)
    }

    /// Require: option tags.
    pub fn require(&self) -> TypedIter<'_, &str> {
        self.list(known!(REQUIRE), token, true)
    }

    /// Proxy-Require: option tags.
    pub fn proxy_require(&self) -> TypedIter<'_, &str> {
        self.list(known!(PROXY_REQUIRE), token, true)
    }

    /// Supported: option tags.
    pub fn supported(&self) -> TypedIter<'_, &str> {
        self.list(known!(SUPPORTED), token, true)
    }

    /// Unsupported: option tags.
    pub fn unsupported(&self) -> TypedIter<'_, &str> {
        self.list(known!(UNSUPPORTED), token, true)
    }

    /// Expires (seconds).
    pub fn expires(&self) -> Result<Option<u32>, Error> {
        self.one(known!(EXPIRES), scalar::delta_seconds)
    }

    /// Min-Expires (seconds).
    pub fn min_expires(&self) -> Result<Option<u32>, Error> {
        self.one(known!(MIN_EXPIRES), scalar::delta_seconds)
    }

    /// Session-Expires (RFC 4028).
    pub fn session_expires(&self) -> Result<Option<SessionExpires<'_>>, Error> {
        self.one(known!(SESSION_EXPIRES), scalar::session_expires)
    }

    /// Min-SE (RFC 4028), in seconds; parameters are ignored.
    pub fn min_se(&self) -> Result<Option<u32>, Error> {
        self.one(known!(MIN_SE), |s| {
            scalar::session_expires(s).map(|se| se.delta)
        })
    }

    /// RSeq (RFC 3262).
    pub fn rseq(&self) -> Result<Option<u32>, Error> {
        self.one(known!(RSEQ), scalar::delta_seconds)
    }

    /// RAck (RFC 3262).
    pub fn rack(&self) -> Result<Option<RAck<'_>>, Error> {
        self.one(known!(RACK), cseq::rack)
    }

    /// Every Reason value (RFC 3326).
    pub fn reasons(&self) -> TypedIter<'_, Reason<'_>> {
        self.list(known!(REASON), reason::reason, false)
    }

    /// Retry-After.
    pub fn retry_after(&self) -> Result<Option<RetryAfter<'_>>, Error> {
        self.one(known!(RETRY_AFTER), scalar::retry_after)
    }

    /// Date.
    pub fn date(&self) -> Result<Option<SipDate>, Error> {
        self.one(known!(DATE), reason::date)
    }

    /// Authorization credentials, one per field.
    pub fn authorization(&self) -> impl Iterator<Item = Result<Auth<'_>, Error>> {
        self.auth_fields(names::AUTHORIZATION)
    }

    /// Proxy-Authorization credentials, one per field.
    pub fn proxy_authorization(&self) -> impl Iterator<Item = Result<Auth<'_>, Error>> {
        self.auth_fields(names::PROXY_AUTHORIZATION)
    }

    /// WWW-Authenticate challenges, one per field.
    pub fn www_authenticate(&self) -> impl Iterator<Item = Result<Auth<'_>, Error>> {
        self.auth_fields(names::WWW_AUTHENTICATE)
    }

    /// Proxy-Authenticate challenges, one per field.
    pub fn proxy_authenticate(&self) -> impl Iterator<Item = Result<Auth<'_>, Error>> {
        self.auth_fields(names::PROXY_AUTHENTICATE)
    }

    fn auth_fields(&self, name: &'static str) -> impl Iterator<Item = Result<Auth<'_>, Error>> {
        self.get_all(name).map(|f| single(f, auth::auth))
    }
}

/// The value of a Content-Length field.
pub(crate) fn content_length_of(field: &crate::message::HeaderField) -> Result<u32, Error> {
    single(field, scalar::content_length)
}

/// Checks one field of a header every message must get right: the
/// lists Via, Contact, Route, Record-Route, Require, Proxy-Require and
/// Supported, and the single values From, To, Call-ID, CSeq,
/// Max-Forwards, Content-Type and Date. Returns the CSeq when the field
/// is one. `text` is the field's value when the caller already holds it
/// as UTF-8 (it then needs no validation of its own).
pub(crate) fn check_field<'h>(
    field: &'h crate::message::HeaderField,
    text: Option<&'h str>,
) -> Result<Option<CSeq<'h>>, Error> {
    const VIA: u8 = names::index(names::VIA);
    const CONTACT: u8 = names::index(names::CONTACT);
    const ROUTE: u8 = names::index(names::ROUTE);
    const RECORD_ROUTE: u8 = names::index(names::RECORD_ROUTE);
    const REQUIRE: u8 = names::index(names::REQUIRE);
    const PROXY_REQUIRE: u8 = names::index(names::PROXY_REQUIRE);
    const SUPPORTED: u8 = names::index(names::SUPPORTED);
    const FROM: u8 = names::index(names::FROM);
    const TO: u8 = names::index(names::TO);
    const CALL_ID: u8 = names::index(names::CALL_ID);
    const CSEQ: u8 = names::index(names::CSEQ);
    const MAX_FORWARDS: u8 = names::index(names::MAX_FORWARDS);
    const CONTENT_TYPE: u8 = names::index(names::CONTENT_TYPE);
    const DATE: u8 = names::index(names::DATE);
    fn each<'h, T>(
        field: &'h crate::message::HeaderField,
        text: Option<&'h str>,
        item: ItemParser<'h, T>,
        allow_empty: bool,
    ) -> Result<(), Error> {
        if field.value().is_empty() && !allow_empty {
            return Err(field.error(crate::error::Fault {
                at: 0,
                expected: "a header value",
            }));
        }
        TypedIter::over(field, list::scanner(field, text), item).try_for_each(|r| r.map(drop))
    }
    fn single<'h, T>(
        field: &'h crate::message::HeaderField,
        text: Option<&'h str>,
        item: ItemParser<'h, T>,
    ) -> Result<T, Error> {
        list::single_in(field, list::scanner(field, text), item)
    }
    match field.known() {
        0 => {}
        VIA => each(field, text, via::via, false)?,
        CONTACT => each(field, text, name_addr::contact, false)?,
        ROUTE => each(field, text, name_addr::route, false)?,
        RECORD_ROUTE => each(field, text, name_addr::route, false)?,
        REQUIRE => each(field, text, token, true)?,
        PROXY_REQUIRE => each(field, text, token, true)?,
        SUPPORTED => each(field, text, token, true)?,
        FROM | TO => {
            single(field, text, name_addr::name_addr)?;
        }
        CALL_ID => {
            single(field, text, cseq::call_id)?;
        }
        CSEQ => return single(field, text, cseq::cseq).map(Some),
        MAX_FORWARDS => {
            single(field, text, scalar::max_forwards)?;
        }
        CONTENT_TYPE => {
            single(field, text, media::media_type)?;
        }
        DATE => {
            single(field, text, reason::date)?;
        }
        _ => {}
    }
    Ok(None)
}
