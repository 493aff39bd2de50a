//! Building requests and responses. A built message is printed and parsed
//! back, so it is exactly as well-formed as one received from the wire.
//! [`ResponseBuilder::for_request`] follows RFC 3261 section 8.2.6.2.

use bytes::{BufMut, Bytes, BytesMut};

use super::{HeaderField, Headers, Message, Method, Request, Response, names};
use crate::error::Error;

/// Builds a [`Request`].
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    method: Method,
    uri: String,
    headers: Headers,
    body: Bytes,
    error: Option<Error>,
}

/// Builds a [`Response`].
#[derive(Debug, Clone)]
pub struct ResponseBuilder {
    code: u16,
    reason: String,
    headers: Headers,
    body: Bytes,
    error: Option<Error>,
}

/// The header and body methods of both builders (each has `headers`,
/// `body` and the first `error`).
macro_rules! header_and_body_methods {
    () => {
        /// Appends a header field.
        pub fn header(mut self, name: &str, value: impl std::fmt::Display) -> Self {
            add(&mut self.headers, &mut self.error, name, &value.to_string());
            self
        }

        /// Appends a field as it is (copied from another message).
        pub fn field(mut self, field: HeaderField) -> Self {
            self.headers.push(field);
            self
        }

        /// Sets the body and its Content-Type.
        pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
            self.body = body.into();
            set_body(&mut self.headers, &mut self.error, content_type, &self.body);
            self
        }
    };
}

/// True for the fields a response copies from its request: Via, From,
/// To, Call-ID and CSeq (RFC 3261 section 8.2.6.2).
pub(crate) fn copied_to_response(field: &HeaderField) -> bool {
    [
        names::VIA,
        names::FROM,
        names::TO,
        names::CALL_ID,
        names::CSEQ,
    ]
    .iter()
    .any(|n| field.is(n))
}

/// The fields a response to `request` copies, in order, as written.
pub(crate) fn response_fields(request: &Request) -> Headers {
    let mut headers = Headers::new();
    for field in request.headers().iter().filter(|f| copied_to_response(f)) {
        headers.push(field.clone());
    }
    headers
}

fn add(headers: &mut Headers, error: &mut Option<Error>, name: &str, value: &str) {
    if let Err(e) = headers.append(name, value) {
        error.get_or_insert(e);
    }
}

fn set_body(headers: &mut Headers, error: &mut Option<Error>, content_type: &str, body: &Bytes) {
    headers.remove_all(names::CONTENT_TYPE);
    if !body.is_empty() {
        add(headers, error, names::CONTENT_TYPE, content_type);
    }
}

/// Prints start line, headers with a fresh Content-Length, and body.
fn print(start: &[u8], headers: &Headers, body: &Bytes) -> Bytes {
    let length = body.len().to_string();
    let mut out = BytesMut::with_capacity(start.len() + headers.wire_len() + 24 + body.len());
    out.put_slice(start);
    for field in headers.iter().filter(|f| !f.is(names::CONTENT_LENGTH)) {
        out.put_slice(field.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"Content-Length: ");
    out.put_slice(length.as_bytes());
    out.put_slice(b"\r\n\r\n");
    out.put_slice(body);
    out.freeze()
}

impl RequestBuilder {
    /// A request `method` to `uri`.
    pub fn new(method: Method, uri: &str) -> Self {
        RequestBuilder {
            method,
            uri: uri.to_owned(),
            headers: Headers::new(),
            body: Bytes::new(),
            error: None,
        }
    }

    header_and_body_methods!();

    /// The request, with Content-Length set from the body.
    pub fn build(self) -> Result<Request, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let start = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        match Message::parse(print(start.as_bytes(), &self.headers, &self.body))? {
            Message::Request(r) => Ok(r),
            Message::Response(_) => Err(Error::Build("request line reads as a status line")),
        }
    }
}

impl ResponseBuilder {
    /// A response with `code` and its usual reason phrase.
    pub fn new(code: u16) -> Self {
        ResponseBuilder {
            code,
            reason: default_reason(code).to_owned(),
            headers: Headers::new(),
            body: Bytes::new(),
            error: None,
        }
    }

    /// A response to `request` (RFC 3261 section 8.2.6.2): Via, From, To,
    /// Call-ID and CSeq copied in order, as written.
    pub fn for_request(request: &Request, code: u16) -> Self {
        let mut builder = ResponseBuilder::new(code);
        builder.headers = response_fields(request);
        builder
    }

    /// Replaces the reason phrase.
    pub fn reason(mut self, reason: &str) -> Self {
        if reason.bytes().any(|b| b == b'\r' || b == b'\n') {
            self.error
                .get_or_insert(Error::Build("reason phrase must not contain CR or LF"));
        }
        self.reason = reason.to_owned();
        self
    }

    /// Adds `tag` to the To header unless it has one (RFC 3261 8.2.6.2).
    pub fn to_tag(mut self, tag: &str) -> Self {
        let Some(index) = self.headers.iter().position(|f| f.is(names::TO)) else {
            self.error.get_or_insert(Error::MissingHeader(names::TO));
            return self;
        };
        let has_tag = self
            .headers
            .to()
            .map(|to| to.tag().is_some())
            .unwrap_or(false);
        if has_tag {
            return self;
        }
        let value = self
            .headers
            .iter()
            .nth(index)
            .and_then(|f| f.value_str())
            .map(|v| format!("{v};tag={tag}"));
        let replaced = value
            .ok_or(Error::Build("To header is not UTF-8"))
            .and_then(|v| HeaderField::new(names::TO, &v))
            .and_then(|f| self.headers.replace(index, f));
        if let Err(e) = replaced {
            self.error.get_or_insert(e);
        }
        self
    }

    header_and_body_methods!();

    /// The response, with Content-Length set from the body.
    pub fn build(self) -> Result<Response, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !(100..700).contains(&self.code) {
            return Err(Error::Build("status code must be 100-699"));
        }
        let start = format!("SIP/2.0 {} {}\r\n", self.code, self.reason);
        match Message::parse(print(start.as_bytes(), &self.headers, &self.body))? {
            Message::Response(r) => Ok(r),
            Message::Request(_) => Err(Error::Build("status line reads as a request line")),
        }
    }
}

/// The reason phrase RFC 3261 section 21 (and extensions) give a code.
pub fn default_reason(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        422 => "Session Interval Too Small",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => match code / 100 {
            1 => "Progress",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            5 => "Server Error",
            _ => "Global Failure",
        },
    }
}

impl Request {
    /// Starts building a request.
    pub fn builder(method: Method, uri: &str) -> RequestBuilder {
        RequestBuilder::new(method, uri)
    }
}

impl Response {
    /// Starts building a response to this request (RFC 3261 8.2.6.2).
    pub fn for_request(request: &Request, code: u16) -> ResponseBuilder {
        ResponseBuilder::for_request(request, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_copies_request_headers() {
        let request = Request::builder(Method::Invite, "sip:bob@example.com")
            .header(names::VIA, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1")
            .header(names::VIA, "SIP/2.0/UDP b.example.com;branch=z9hG4bK2")
            .header(names::FROM, "<sip:alice@example.com>;tag=1")
            .header(names::TO, "<sip:bob@example.com>")
            .header(names::CALL_ID, "c1@a")
            .header(names::CSEQ, "1 INVITE")
            .header(names::MAX_FORWARDS, 70)
            .body("application/sdp", "v=0\r\n")
            .build()
            .unwrap();
        assert_eq!(request.headers().content_length().unwrap(), Some(5));
        let response = Response::for_request(&request, 180)
            .to_tag("b0b")
            .build()
            .unwrap();
        assert_eq!(response.reason(), "Ringing");
        assert_eq!(response.headers().vias().count(), 2);
        assert_eq!(response.headers().to().unwrap().tag(), Some("b0b"));
        assert_eq!(response.headers().cseq().unwrap().seq, 1);
        assert!(!response.headers().contains(names::MAX_FORWARDS));
    }

    #[test]
    fn builder_refuses_bad_input() {
        assert!(
            RequestBuilder::new(Method::Invite, "not a uri")
                .build()
                .is_err()
        );
        assert!(ResponseBuilder::new(700).build().is_err());
        assert!(ResponseBuilder::new(200).reason("a\r\nb").build().is_err());
        assert!(
            ResponseBuilder::new(200)
                .header("X", "a\nb")
                .build()
                .is_err()
        );
    }
}
