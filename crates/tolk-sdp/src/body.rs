//! Finding the SDP in a file that may be a whole SIP message.

/// The SDP part of `input` and where it starts: `input` itself when it
/// begins with `v=`, otherwise the body after the first empty line of a
/// SIP message (CRLF or bare LF line ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdpBody<'a> {
    /// The SDP text.
    pub text: &'a [u8],
    /// Lines before it in `input` (add to a [`crate::ParseError`] line).
    pub line_offset: usize,
    /// Bytes before it in `input`.
    pub byte_offset: usize,
}

impl<'a> SdpBody<'a> {
    /// Locates the SDP in `input`.
    pub fn find(input: &'a [u8]) -> Self {
        let whole = SdpBody {
            text: input,
            line_offset: 0,
            byte_offset: 0,
        };
        if input.starts_with(b"v=") {
            return whole;
        }
        let mut offset = 0;
        for (index, line) in input.split(|&b| b == b'\n').enumerate() {
            let next = offset + line.len() + 1;
            if line.is_empty() || line == b"\r" {
                let start = next.min(input.len());
                return SdpBody {
                    text: input.get(start..).unwrap_or_default(),
                    line_offset: index + 1,
                    byte_offset: start,
                };
            }
            offset = next;
        }
        whole
    }

    /// Reads the SDP, with error positions counted in the whole input.
    pub fn parse(&self) -> Result<crate::SessionDescription, crate::ParseError> {
        crate::parse(self.text).map_err(|error| error.shifted(self.line_offset, self.byte_offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sdp_is_the_body() {
        let body = SdpBody::find(b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n");
        assert_eq!(body.line_offset, 0);
        assert_eq!(body.byte_offset, 0);
    }

    #[test]
    fn sip_message_body_after_blank_line_crlf_and_lf() {
        let crlf = b"INVITE sip:a@b SIP/2.0\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n";
        let body = SdpBody::find(crlf);
        assert_eq!(body.text, b"v=0\r\n");
        assert_eq!(body.line_offset, 3);
        assert_eq!(&crlf[body.byte_offset..], b"v=0\r\n");

        let lf = b"INVITE sip:a@b SIP/2.0\nX: y\n\nv=0\n";
        let body = SdpBody::find(lf);
        assert_eq!(body.text, b"v=0\n");
        assert_eq!(body.line_offset, 3);
    }

    #[test]
    fn error_lines_count_from_the_message_start() {
        let message = b"INVITE sip:a@b SIP/2.0\r\n\r\nv=0\r\nm=audio x RTP/AVP 0\r\n";
        let error = SdpBody::find(message).parse().expect_err("bad port");
        assert_eq!(error.line, 4);
        assert_eq!(&message[error.offset..][..2], b"m=");
    }
}
