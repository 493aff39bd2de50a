//! Keyframe requests in their signalling forms. A receiver that lost video
//! asks the sender for a new intra picture; each protocol asks differently:
//!
//! - RTCP PLI or FIR (RFC 4585 / RFC 5104), in the media path,
//! - SIP INFO with an `application/media_control+xml` body (RFC 5168),
//!   naming the stream by its `a=label` in an optional `stream_id`,
//! - H.245 `miscellaneousCommand` `videoFastUpdatePicture`.
//!
//! The call model carries one event, [`KeyframeRequest`]; each leg adapter
//! turns it into the form its peer understands.

mod stream_id;

pub use stream_id::{MAX_STREAM_ID_LEN, StreamId};

/// The content type of an RFC 5168 media control body.
pub const MEDIA_CONTROL_CONTENT_TYPE: &str = "application/media_control+xml";

/// A request for a new intra-coded picture on a video stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyframeRequest {
    /// The video stream it concerns, as the m-line index in the SDP of
    /// the leg that carries the event or command; `None` for the leg's
    /// (first) video stream.
    pub stream: Option<usize>,
    /// The stream as an RFC 5168 INFO names it: the `a=label` of its
    /// m-line (read from an INFO; written into one when set).
    pub stream_id: Option<StreamId>,
}

/// An RFC 5168 section 3 body asking for a picture fast update, with
/// `$stream` (a literal, empty or a `stream_id` element line) after
/// `to_encoder`, the schema's order.
macro_rules! media_control_body {
    ($stream:literal) => {
        concat!(
            "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n",
            "<media_control>\r\n",
            "  <vc_primitive>\r\n",
            "    <to_encoder>\r\n",
            "      <picture_fast_update/>\r\n",
            "    </to_encoder>\r\n",
            $stream,
            "  </vc_primitive>\r\n",
            "</media_control>\r\n",
        )
    };
}

/// The RFC 5168 section 3 body asking the peer's encoder for a picture
/// fast update, naming no stream.
pub const PICTURE_FAST_UPDATE_BODY: &str = media_control_body!("");

impl KeyframeRequest {
    /// Recognises an RFC 5168 INFO body: a `media_control` document whose
    /// `to_encoder` primitive holds `picture_fast_update`, with the
    /// primitive's first `stream_id` when it is a usable label.
    /// Whitespace, attributes (`xmlns`), the stream id before or after
    /// `to_encoder` and either empty-element form are tolerated because
    /// room systems format it in many ways; anything else is not a
    /// request.
    pub fn from_info_body(content_type: &str, body: &[u8]) -> Option<Self> {
        let content_type = content_type.split(';').next().unwrap_or("").trim();
        if !content_type.eq_ignore_ascii_case(MEDIA_CONTROL_CONTENT_TYPE) {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        let (mut in_control, mut in_encoder, mut asks) = (false, false, false);
        let mut stream_id: Option<Option<StreamId>> = None;
        let request = |asks: bool, stream_id: Option<Option<StreamId>>| {
            asks.then(|| KeyframeRequest {
                stream: None,
                stream_id: stream_id.flatten(),
            })
        };
        for tag in tags(text) {
            match (tag.name, tag.closing) {
                ("media_control", closing) => in_control = !closing,
                ("vc_primitive", false) => (asks, stream_id) = (false, None),
                ("vc_primitive", true) if asks => return request(asks, stream_id),
                ("to_encoder", closing) => in_encoder = in_control && !closing,
                ("picture_fast_update", false) if in_encoder => asks = true,
                // The schema allows several; the first names the stream.
                ("stream_id", false) if in_control && stream_id.is_none() => {
                    stream_id = Some(StreamId::from_xml_text(tag.text));
                }
                _ => {}
            }
        }
        request(asks, stream_id)
    }

    /// The INFO body for this request: with a `stream_id` after
    /// `to_encoder` (the schema's order) when it names one.
    pub fn info_body(&self) -> String {
        let Some(id) = &self.stream_id else {
            return PICTURE_FAST_UPDATE_BODY.to_owned();
        };
        format!(
            media_control_body!("    <stream_id>{}</stream_id>\r\n"),
            id.to_xml_text()
        )
    }
}

/// One XML tag: its name, whether it is an end tag, and the text that
/// follows it up to the next tag (none after an empty element).
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    text: &'a str,
}

/// The element tags of `text` in order, skipping declarations (`<?`),
/// comments and the like (`<!`); attributes are not read.
fn tags(text: &str) -> impl Iterator<Item = Tag<'_>> {
    text.split('<').skip(1).filter_map(|chunk| {
        let (inside, text) = chunk.split_once('>').unwrap_or((chunk, ""));
        let text = if inside.ends_with('/') { "" } else { text };
        let (closing, inside) = match inside.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inside),
        };
        let name = inside
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let is_element = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        is_element.then_some(Tag {
            name,
            closing,
            text,
        })
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
            Some(KeyframeRequest {
                stream: None,
                stream_id: StreamId::new("1"),
            })
        );
    }

    #[test]
    fn reads_the_stream_id_in_either_place_and_ignores_an_unusable_one() {
        let stream_id = |body: &str| {
            KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, body.as_bytes())
                .map(|request| request.stream_id.map(|id| id.to_string()))
        };
        let after = "<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder>\n  <stream_id> slides </stream_id><stream_id>2</stream_id></vc_primitive></media_control>";
        assert_eq!(stream_id(after), Some(Some("slides".to_owned())));
        let empty = "<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder><stream_id/></vc_primitive></media_control>";
        assert_eq!(stream_id(empty), Some(None), "still a request");
        let spaced = "<media_control><vc_primitive><stream_id>a b</stream_id><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>";
        assert_eq!(stream_id(spaced), Some(None), "no label: still a request");
        // The primitive asking for the picture names the stream.
        let two = "<media_control><vc_primitive><stream_id>x</stream_id></vc_primitive><vc_primitive><to_encoder><picture_fast_update/></to_encoder><stream_id>y</stream_id></vc_primitive></media_control>";
        assert_eq!(stream_id(two), Some(Some("y".to_owned())));
    }

    #[test]
    fn names_the_stream_after_to_encoder() {
        let request = KeyframeRequest {
            stream: Some(2),
            stream_id: StreamId::new("s&1"),
        };
        let body = request.info_body();
        assert!(
            body.contains(
                "</to_encoder>\r\n    <stream_id>s&amp;1</stream_id>\r\n  </vc_primitive>"
            ),
            "{body}"
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
        fn a_stream_id_round_trips(label in "[!#-'*+.0-9A-Z^-~-]{1,128}") {
            let request = KeyframeRequest { stream: None, stream_id: StreamId::new(&label) };
            prop_assert!(request.stream_id.is_some());
            let body = request.info_body();
            prop_assert_eq!(
                KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, body.as_bytes()),
                Some(request)
            );
        }

        #[test]
        fn arbitrary_bodies_never_panic(body in ".{0,300}") {
            let _ = KeyframeRequest::from_info_body(MEDIA_CONTROL_CONTENT_TYPE, body.as_bytes());
        }
    }
}
