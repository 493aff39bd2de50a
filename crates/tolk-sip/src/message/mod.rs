//! SIP messages (RFC 3261 section 7): requests and responses, parsed
//! zero-copy from [`Bytes`] and printed back byte for byte.

mod builder;
mod framing;
mod head;
pub(crate) mod headers;
mod method;
pub mod names;
mod validate;

pub use builder::{RequestBuilder, ResponseBuilder, default_reason};
pub(crate) use builder::{copied_to_response, response_fields};
pub use framing::{Frame, StreamFramer};
pub use head::Limits;
pub use headers::{HeaderField, Headers};
pub use method::Method;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::Error;
use crate::uri::Uri;
use head::{Head, StartLine};

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: Method,
    uri: Bytes,
    headers: Headers,
    body: Bytes,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    code: u16,
    reason: Bytes,
    headers: Headers,
    body: Bytes,
}

/// A SIP request or response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// Parses one UDP datagram with the default [`Limits`] (RFC 3261
    /// section 18.3: octets after Content-Length are ignored; without
    /// Content-Length the body is the rest of the datagram).
    pub fn parse(datagram: Bytes) -> Result<Message, Error> {
        Self::parse_datagram(datagram, &Limits::default())
    }

    /// Parses one datagram with the given limits.
    pub fn parse_datagram(datagram: Bytes, limits: &Limits) -> Result<Message, Error> {
        framing::datagram(datagram, limits)
    }

    /// Builds a message from a parsed head and its body, then checks the
    /// headers the transaction layer relies on.
    fn from_parts(head: Head, body: Bytes) -> Result<Message, Error> {
        let raw = head.raw;
        let message = match head.start {
            StartLine::Request { method, uri } => Message::Request(Request {
                method,
                uri,
                headers: head.headers,
                body,
            }),
            StartLine::Response { code, reason } => Message::Response(Response {
                code,
                reason,
                headers: head.headers,
                body,
            }),
        };
        validate::validate(&message, &raw)?;
        Ok(message)
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The header fields, for changing.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body (empty when there is none).
    pub fn body(&self) -> &Bytes {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    /// The request, when this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Message::Request(r) => Some(r),
            Message::Response(_) => None,
        }
    }

    /// The response, when this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Message::Response(r) => Some(r),
            Message::Request(_) => None,
        }
    }

    /// The message on the wire: unchanged fields exactly as received.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

impl Request {
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The Request-URI.
    pub fn uri(&self) -> Uri<'_> {
        let text = self.uri_str();
        // Checked when the request was parsed or built.
        crate::uri::parse(text).unwrap_or(Uri::Other {
            scheme: "",
            raw: text,
        })
    }

    /// The Request-URI as written.
    pub fn uri_str(&self) -> &str {
        std::str::from_utf8(&self.uri).unwrap_or_default()
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, for changing (a proxy's new Via, a received
    /// parameter). The caller keeps them well-formed.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The request on the wire.
    pub fn to_bytes(&self) -> Bytes {
        let method = self.method.as_str();
        let len =
            method.len() + self.uri.len() + 11 + self.headers.wire_len() + 2 + self.body.len();
        let mut out = BytesMut::with_capacity(len);
        out.put_slice(method.as_bytes());
        out.put_u8(b' ');
        out.put_slice(&self.uri);
        out.put_slice(b" SIP/2.0\r\n");
        self.headers.write(&mut out);
        out.put_slice(b"\r\n");
        out.put_slice(&self.body);
        out.freeze()
    }
}

impl Response {
    /// The status code (100-699).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The reason phrase.
    pub fn reason(&self) -> &str {
        std::str::from_utf8(&self.reason).unwrap_or_default()
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, for changing.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// A response from fields that need not be well-formed: a stateless
    /// answer to an unparsable request copies its fields as received.
    /// Fails when the code is not 100-699 or the reason holds CR or LF.
    pub fn unchecked(code: u16, reason: &str, headers: Headers) -> Result<Response, Error> {
        if !(100..700).contains(&code) || reason.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(Error::Build(
                "status code 100-699 and a one-line reason phrase",
            ));
        }
        Ok(Response {
            code,
            reason: Bytes::copy_from_slice(reason.as_bytes()),
            headers,
            body: Bytes::new(),
        })
    }

    /// The response on the wire.
    pub fn to_bytes(&self) -> Bytes {
        let len = 13 + self.reason.len() + 2 + self.headers.wire_len() + 2 + self.body.len();
        let mut out = BytesMut::with_capacity(len);
        out.put_slice(b"SIP/2.0 ");
        out.put_slice(self.code.to_string().as_bytes());
        out.put_u8(b' ');
        out.put_slice(&self.reason);
        out.put_slice(b"\r\n");
        self.headers.write(&mut out);
        out.put_slice(b"\r\n");
        out.put_slice(&self.body);
        out.freeze()
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}
