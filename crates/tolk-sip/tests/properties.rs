//! Property tests: generated messages print and parse back to the same
//! octets and typed values; white space and folding do not change typed
//! values; arbitrary input never panics; stream framing does not depend
//! on how the bytes are chunked.

use bytes::Bytes;
use proptest::prelude::*;
use tolk_sip::{Frame, Limits, Message, StreamFramer};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.!%*_+`'~-]{1,12}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}[a-z0-9](\\.[a-z][a-z0-9]{0,6}){0,2}",
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        any::<[u16; 8]>().prop_map(|g| format!("[{}]", std::net::Ipv6Addr::from(g))),
    ]
}

fn sip_uri() -> impl Strategy<Value = String> {
    (
        proptest::option::of("[a-z0-9+._-]{1,10}"),
        host(),
        proptest::option::of(any::<u16>()),
        proptest::collection::vec(("[a-z]{1,6}", proptest::option::of("[a-z0-9]{1,6}")), 0..3),
    )
        .prop_map(|(user, host, port, params)| {
            let mut uri = "sip:".to_owned();
            if let Some(user) = user {
                uri.push_str(&user);
                uri.push('@');
            }
            uri.push_str(&host);
            if let Some(port) = port {
                uri.push_str(&format!(":{port}"));
            }
            for (name, value) in params {
                uri.push(';');
                uri.push_str(&name);
                if let Some(value) = value {
                    uri.push('=');
                    uri.push_str(&value);
                }
            }
            uri
        })
}

/// Optional white space, sometimes folded onto a new line.
fn lws() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(""),
        Just(" "),
        Just("  \t"),
        Just("\r\n "),
        Just(" \r\n\t ")
    ]
}

#[derive(Debug, Clone)]
struct Generated {
    method: String,
    uri: String,
    branches: Vec<String>,
    hosts: Vec<String>,
    from_tag: String,
    call_id: String,
    cseq: u32,
    extra: Vec<(String, String)>,
    body: Vec<u8>,
    compact: bool,
    joined_vias: bool,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        prop_oneof![
            Just("INVITE".to_owned()),
            Just("OPTIONS".to_owned()),
            "[A-Z]{3,10}"
        ],
        sip_uri(),
        proptest::collection::vec((token(), host()), 1..4),
        token(),
        "[a-zA-Z0-9.-]{1,16}(@[a-z0-9.]{1,10})?",
        any::<u32>(),
        proptest::collection::vec(("X-[A-Za-z]{1,8}", "[ -~]{0,20}"), 0..4),
        proptest::collection::vec(any::<u8>(), 0..64),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(method, uri, vias, from_tag, call_id, cseq, extra, body, compact, joined_vias)| {
                Generated {
                    method,
                    uri,
                    branches: vias.iter().map(|(b, _)| format!("z9hG4bK{b}")).collect(),
                    hosts: vias.into_iter().map(|(_, h)| h).collect(),
                    from_tag,
                    call_id,
                    cseq,
                    extra: extra
                        .into_iter()
                        .enumerate()
                        .map(|(i, (n, v))| (format!("{n}-{i}"), v.trim().to_owned()))
                        .collect(),
                    body,
                    compact,
                    joined_vias,
                }
            },
        )
}

impl Generated {
    fn print(&self) -> Vec<u8> {
        let name =
            |long: &'static str, short: &'static str| if self.compact { short } else { long };
        let mut text = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        let vias: Vec<String> = self
            .hosts
            .iter()
            .zip(&self.branches)
            .map(|(h, b)| format!("SIP/2.0/UDP {h};branch={b}"))
            .collect();
        if self.joined_vias {
            text.push_str(&format!("{}: {}\r\n", name("Via", "v"), vias.join(", ")));
        } else {
            for via in &vias {
                text.push_str(&format!("{}: {via}\r\n", name("Via", "v")));
            }
        }
        text.push_str(&format!(
            "{}: <sip:a@example.com>;tag={}\r\n",
            name("From", "f"),
            self.from_tag
        ));
        text.push_str(&format!("{}: <{}>\r\n", name("To", "t"), self.uri));
        text.push_str(&format!("{}: {}\r\n", name("Call-ID", "i"), self.call_id));
        text.push_str(&format!("CSeq: {} {}\r\n", self.cseq, self.method));
        for (n, v) in &self.extra {
            text.push_str(&format!("{n}: {v}\r\n"));
        }
        text.push_str(&format!(
            "{}: {}\r\n\r\n",
            name("Content-Length", "l"),
            self.body.len()
        ));
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn print_parse_round_trip(g in generated()) {
        let bytes = Bytes::from(g.print());
        let message = Message::parse(bytes.clone()).map_err(|e| TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&bytes))))?;
        prop_assert_eq!(message.to_bytes(), bytes.clone());
        let h = message.headers();
        let branches: Vec<String> = h.vias().map(|v| v.map(|v| v.branch().unwrap_or_default().to_owned())).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(branches, g.branches.clone());
        prop_assert_eq!(h.from().unwrap().tag(), Some(g.from_tag.as_str()));
        prop_assert_eq!(h.call_id().unwrap(), g.call_id.as_str());
        prop_assert_eq!(h.cseq().unwrap().seq, g.cseq);
        prop_assert_eq!(h.cseq().unwrap().method, g.method.as_str());
        prop_assert_eq!(&message.body()[..], &g.body[..]);
        let Message::Request(r) = &message else { return Err(TestCaseError::fail("not a request")) };
        prop_assert_eq!(r.uri_str(), g.uri.as_str());
        prop_assert_eq!(h.to().unwrap().uri.as_str(), g.uri.as_str());
        for (name, value) in &g.extra {
            prop_assert_eq!(h.get(name).unwrap().value(), value.as_bytes());
        }
    }

    #[test]
    fn white_space_and_folding_do_not_change_values(
        host in host(), port in proptest::option::of(any::<u16>()), branch in token(),
        tag in token(), seq in any::<u32>(), ws in proptest::collection::vec(lws(), 12),
    ) {
        let port_text = port.map(|p| format!("{}:{}{p}", ws[0], ws[1])).unwrap_or_default();
        let via = format!("SIP{}/{}2.0{}/{}UDP {}{host}{port_text}{};{}branch{}={}z9hG4bK{branch}",
            ws[2], ws[3], ws[4], ws[5], ws[6], ws[7], ws[8], ws[9], ws[10]);
        let text = format!(
            "OPTIONS sip:x@example.com SIP/2.0\r\nVia:{}{via}\r\nFrom: <sip:a@b.example>{};tag={}{tag}\r\n\
             To: <sip:x@example.com>\r\nCall-ID: c\r\nCSeq:{}{seq}\r\n OPTIONS\r\nl: 0\r\n\r\n",
            ws[11], ws[0], ws[1], ws[2]
        );
        let message = Message::parse(Bytes::from(text.clone()))
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let v = message.headers().top_via().unwrap();
        prop_assert_eq!(v.host.to_string(), host);
        prop_assert_eq!(v.port, port);
        prop_assert_eq!(v.branch().map(str::to_owned), Some(format!("z9hG4bK{branch}")));
        prop_assert_eq!(message.headers().from().unwrap().tag(), Some(tag.as_str()));
        prop_assert_eq!(message.headers().cseq().unwrap().seq, seq);
        // A typed value printed on its own reads back the same.
        let printed = v.to_string();
        let again = format!("OPTIONS sip:x@example.com SIP/2.0\r\nVia: {printed}\r\n\r\n");
        let reparsed = Message::parse(Bytes::from(again)).unwrap();
        prop_assert_eq!(reparsed.headers().top_via().unwrap(), v);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let len = bytes.len();
        if let Err(e) = Message::parse(Bytes::from(bytes)) {
            prop_assert!(e.line() >= 1);
            prop_assert!(e.offset() <= len.max(Limits::default().max_message_bytes));
        }
    }

    #[test]
    fn mutated_messages_never_panic(g in generated(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = g.print();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let raw = Bytes::from(bytes);
        let parsed = Message::parse(raw.clone());
        let _ = tolk_sip::uas_checks::answer(&parsed, &raw, &Default::default(), &tolk_sip::uas_checks::NoDialogs, "t");
    }

    #[test]
    fn framing_ignores_chunking(gs in proptest::collection::vec(generated(), 1..4), cuts in proptest::collection::vec(1usize..40, 1..20)) {
        let stream: Vec<u8> = gs.iter().flat_map(Generated::print).collect();
        let mut framer = StreamFramer::new(Limits::default());
        let mut got = Vec::new();
        let mut rest = &stream[..];
        let mut cuts = cuts.iter().cycle();
        while !rest.is_empty() {
            let n = (*cuts.next().unwrap()).min(rest.len());
            framer.push(&rest[..n]);
            rest = &rest[n..];
            while let Some(frame) = framer.next_frame().unwrap() {
                let Frame::Message(m) = frame else { return Err(TestCaseError::fail("keep-alive")) };
                got.push(m.to_bytes());
            }
        }
        let want: Vec<Bytes> = gs.iter().map(|g| Bytes::from(g.print())).collect();
        prop_assert_eq!(got, want);
        prop_assert!(framer.end_of_stream().is_none());
    }
}
