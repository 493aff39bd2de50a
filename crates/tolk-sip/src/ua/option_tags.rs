//! Reading option tags (Supported, Require) and Allow lists the same way
//! for every extension the UA core implements.

use crate::Error;
use crate::message::Headers;

/// True when `tags` (Supported or Require values) name `tag`; option tags
/// compare case-insensitively, and unreadable values name nothing.
pub(super) fn names<'a>(tags: impl Iterator<Item = Result<&'a str, Error>>, tag: &str) -> bool {
    tags.filter_map(Result::ok)
        .any(|t| t.eq_ignore_ascii_case(tag))
}

/// True when the message's Allow lists UPDATE (RFC 3311).
pub(super) fn allows_update(headers: &Headers) -> bool {
    headers
        .allow()
        .filter_map(Result::ok)
        .any(|m| m.eq_ignore_ascii_case("UPDATE"))
}
