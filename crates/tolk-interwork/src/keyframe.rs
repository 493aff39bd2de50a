//! Keyframe requests in their signalling forms. A receiver that lost video
//! asks the sender for a new intra picture; each protocol asks differently:
//!
//! - RTCP PLI or FIR (RFC 4585 / RFC 5104), in the media path,
//! - SIP INFO with an `application/media_control+xml` body (RFC 5168),
//! - H.245 `miscellaneousCommand` `videoFastUpdatePicture`.
//!
//! The call model carries one event, [`KeyframeRequest`]; each leg adapter
//! turns it into the form its peer understands.

/// The content type of an RFC 5168 media control body.
pub const MEDIA_CONTROL_CONTENT_TYPE: &str = "application/media_control+xml";

/// A request for a new intra-coded picture on a video stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyframeRequest {
    /// The video stream it concerns, as the m-line index in the SDP of
    /// the leg that carries the event or command; `None` for the leg's
    /// (first) video stream, as an RFC 5168 INFO names no m-line.
    pub stream: Option<usize>,
}

/// The RFC 5168 section 3 body asking the peer's encoder for a picture
/// fast update.
pub const PICTURE_FAST_UPDATE_BODY: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n",
    "<media_control>\r\n",
    "  <vc_primitive>\r\n",
    "    <to_encoder>\r\n",
    "      <picture_fast_update/>\r\n",
    "    </to_encoder>\r\n",
    "  </vc_primitive>\r\n",
    "</media_control>\r\n",
);

impl KeyframeRequest {
    /// Recognises an RFC 5168 INFO body: a `media_control` document whose
    /// `to_encoder` primitive holds `picture_fast_update`. Whitespace,
    /// attributes (`xmlns`), an optional stream id and either empty-element
    /// form are tolerated because room systems format it in many ways;
    /// anything else is not a request.
    pub fn from_info_body(content_type: &str, body: &[u8]) -> Option<Self> {
        let content_type = content_type.split(';').next().unwrap_or("").trim();
        if !content_type.eq_ignore_ascii_case(MEDIA_CONTROL_CONTENT_TYPE) {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        let (mut in_control, mut in_encoder) = (false, false);
        for tag in tags(text) {
            match (tag.name, tag.closing) {
                ("media_control", closing) => in_control = !closing,
                ("to_encoder", closing) => in_encoder = in_control && !closing,
                ("picture_fast_update", false) if in_encoder => {
                    return Some(KeyframeRequest::default());
                }
                _ => {}
            }
        }
        None
    }

    /// The INFO body for this request.
    pub fn info_body(self) -> &'static str {
        PICTURE_FAST_UPDATE_BODY
    }
}

/// One XML tag: its name, and whether it is an end tag.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
}

/// The element tags of `text` in order, skipping declarations (`<?`),
/// comments and the like (`<!`); attributes are not read.
fn tags(text: &str) -> impl Iterator<Item = Tag<'_>> {
    text.split('<').skip(1).filter_map(|chunk| {
        let inside = chunk.split('>').next().unwrap_or("");
        let (closing, inside) = match inside.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inside),
        };
        let name = inside
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let is_element = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        is_element.then_some(Tag { name, closing })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recognises_its_own_body() {
        assert_eq!(
            KeyframeRequest::from_info_body(
                MEDIA_CONTROL_CONTENT_TYPE,
                KeyframeRequest::default().info_body().as_bytes()
            ),
            Some(KeyframeRequest::default())
        );
    }

    #[test]
    fn recognises_compact_and_stream_tagged_forms() {
        let compact = b"<?xml version=\"1.0\"?><media_control><vc_primitive><stream_id>1</stream_id><to_encoder><picture_fast_update></picture_fast_update></to_encoder></vc_primitive></media_control>";
        assert_eq!(
            KeyframeRequest::from_info_body(
                "Application/Media_Control+XML; charset=utf-8",
                compact
            ),
            Some(KeyframeRequest::default())
        );
    }

    #[test]
    fn tolerates_attributes_and_spaced_empty_elements() {
        let namespaced = b"<media_control xmlns=\"urn:example\">\n <vc_primitive>\n  <to_encoder >\n   <picture_fast_update />\n  </to_encoder>\n </vc_primitive>\n</media_control>";
        assert_eq!(
            KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, namespaced),
            Some(KeyframeRequest::default())
        );
    }

    #[test]
    fn ignores_other_bodies() {
        let other = b"<media_control><general_error>x</general_error></media_control>";
        assert_eq!(
            KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, other),
            None
        );
        assert_eq!(
            KeyframeRequest::from_info_body(
                "application/dtmf-relay",
                PICTURE_FAST_UPDATE_BODY.as_bytes()
            ),
            None
        );
        let outside =
            b"<picture_fast_update/><media_control><to_encoder></to_encoder></media_control>";
        assert_eq!(
            KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, outside),
            None
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(body in ".{0,300}") {
            let _ = KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, body.as_bytes());
        }
    }
}
