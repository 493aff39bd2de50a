//! The ng front end against a real relay on loopback ports 30000-30199
//! and 30400-30439:
//! the eight Kamailio-style cases rtpengine was probed with, errors, the
//! reply cache and the bookkeeping commands.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::*;
use crate::RelayConfig;

const A_SDP: &str = "v=0\r\no=alice 100 1 IN IP4 127.0.0.5\r\ns=call\r\nc=IN IP4 127.0.0.5\r\nt=0 0\r\n\
m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

const B_SDP: &str = "v=0\r\no=bob 200 1 IN IP4 127.0.0.6\r\ns=call\r\nc=IN IP4 127.0.0.6\r\nt=0 0\r\n\
m=audio 7000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

const A_KEY: &str =
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
const B_KEY: &str = "inline:MTIzNDU2Nzg5MEFCQ0RFRjEyMzQ1Njc4OTBBQkNE";

struct Harness {
    ng: NgServer,
    cookie: u32,
    t0: Instant,
}

impl Harness {
    fn new(lo: u16) -> Self {
        let relay = Relay::start(RelayConfig {
            ports: (lo, lo + 19),
            workers: 1,
            ..Default::default()
        })
        .unwrap();
        let config = NgConfig {
            seed: Some(7),
            ..Default::default()
        };
        Self {
            ng: NgServer::new(Arc::new(relay), config),
            cookie: 0,
            t0: Instant::now(),
        }
    }

    fn raw(&mut self, body: &[u8]) -> Value {
        self.cookie += 1;
        let cookie = format!("k{}", self.cookie);
        let datagram = [cookie.as_bytes(), b" ", body].concat();
        let reply = self
            .ng
            .handle(self.t0, SystemTime::now(), &datagram)
            .unwrap();
        let rest = reply.strip_prefix(format!("{cookie} ").as_bytes()).unwrap();
        Value::decode(rest, Limits::default()).unwrap()
    }

    fn cmd<'k>(&mut self, entries: impl IntoIterator<Item = (&'k str, Value)>) -> Value {
        self.raw(&Value::dict(entries).encode())
    }

    fn offer<'k>(
        &mut self,
        call: &str,
        sdp: &str,
        flags: impl IntoIterator<Item = (&'k str, Value)>,
    ) -> String {
        let mut d = vec![
            ("command", Value::str("offer")),
            ("call-id", Value::str(call)),
            ("from-tag", Value::str("ft")),
            ("sdp", Value::str(sdp)),
        ];
        d.extend(flags);
        sdp_of(&self.cmd(d))
    }

    fn answer<'k>(
        &mut self,
        call: &str,
        sdp: &str,
        flags: impl IntoIterator<Item = (&'k str, Value)>,
    ) -> String {
        let mut d = vec![
            ("command", Value::str("answer")),
            ("call-id", Value::str(call)),
            ("from-tag", Value::str("ft")),
            ("to-tag", Value::str("tt")),
            ("sdp", Value::str(sdp)),
        ];
        d.extend(flags);
        sdp_of(&self.cmd(d))
    }
}

fn sdp_of(reply: &Value) -> String {
    assert_eq!(
        reply.get("result").and_then(Value::as_str),
        Some("ok"),
        "{reply:?}"
    );
    reply
        .get("sdp")
        .and_then(Value::as_str)
        .unwrap()
        .replace("\r\n", "\n")
}

fn reason(reply: &Value) -> &str {
    assert_eq!(reply.get("result").and_then(Value::as_str), Some("error"));
    reply.get("error-reason").and_then(Value::as_str).unwrap()
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(Value::str).collect())
}

fn kamailio() -> Vec<(&'static str, Value)> {
    vec![
        ("replace", list(&["origin", "session-connection"])),
        ("ICE", Value::str("remove")),
    ]
}

fn m_port(sdp: &str) -> u16 {
    let m = sdp.lines().find(|l| l.starts_with("m=")).unwrap();
    m.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn ping_errors_and_unanswerable_datagrams() {
    let mut h = Harness::new(30000);
    assert_eq!(
        h.cmd([("command", Value::str("ping"))])
            .get("result")
            .and_then(Value::as_str),
        Some("pong")
    );
    assert_eq!(
        reason(&h.cmd([("command", Value::str("nosuchcommand"))])),
        "Unrecognized command"
    );
    assert!(reason(&h.raw(b"d7:command4:ping")).starts_with("Failed to decode bencode"));
    assert_eq!(reason(&h.raw(b"i3e")), "Message is not a dictionary");
    let unknown = h.cmd([
        ("command", Value::str("answer")),
        ("call-id", Value::str("nonexistent")),
        ("from-tag", Value::str("x")),
        ("to-tag", Value::str("y")),
        ("sdp", Value::str(B_SDP)),
    ]);
    assert_eq!(reason(&unknown), "Unknown call-id");
    let bad = h.cmd([
        ("command", Value::str("offer")),
        ("call-id", Value::str("bad-sdp")),
        ("from-tag", Value::str("x")),
        ("sdp", Value::str("not sdp")),
    ]);
    assert_eq!(reason(&bad), "Failed to parse SDP");
    let no_sdp = h.cmd([
        ("command", Value::str("offer")),
        ("call-id", Value::str("c")),
        ("from-tag", Value::str("x")),
    ]);
    assert_eq!(reason(&no_sdp), "No SDP body in message");
    let gone = h.cmd([
        ("command", Value::str("delete")),
        ("call-id", Value::str("nonexistent")),
    ]);
    assert_eq!(gone.get("result").and_then(Value::as_str), Some("ok"));
    assert!(gone.get("warning").is_some());
    assert_eq!(h.ng.handle(h.t0, SystemTime::now(), b"no-cookie"), None);
    let long = [vec![b'k'; MAX_COOKIE + 1], b" d7:command4:pinge".to_vec()].concat();
    assert_eq!(h.ng.handle(h.t0, SystemTime::now(), &long), None);
    assert_eq!(h.ng.call_count(), 0, "failed offers leave no call behind");
}

#[test]
fn retransmitted_offer_gets_the_cached_reply() {
    let mut h = Harness::new(30020);
    let offer = Value::dict([
        ("command", Value::str("offer")),
        ("call-id", Value::str("c1")),
        ("from-tag", Value::str("ft")),
        ("sdp", Value::str(A_SDP)),
    ])
    .encode();
    let datagram = [&b"same-cookie "[..], &offer].concat();
    let first = h.ng.handle(h.t0, SystemTime::now(), &datagram).unwrap();
    let again =
        h.ng.handle(h.t0 + Duration::from_secs(1), SystemTime::now(), &datagram)
            .unwrap();
    assert_eq!(first, again);
    assert_eq!(
        h.ng.relay.session_count(),
        1,
        "the retransmission allocated nothing"
    );
    // Another client's command under the same cookie is run, not answered
    // with this call's reply (which holds its SDP and keys).
    let colliding = b"same-cookie d7:command4:pinge";
    let other =
        h.ng.handle(h.t0 + Duration::from_secs(2), SystemTime::now(), colliding)
            .unwrap();
    assert_eq!(other, b"same-cookie d6:result4:ponge");
    // After the cache's lifetime the cookie names a new command.
    let ping = b"same-cookie d7:command4:pinge";
    let later =
        h.ng.handle(h.t0 + Duration::from_secs(31), SystemTime::now(), ping)
            .unwrap();
    assert_eq!(later, b"same-cookie d6:result4:ponge");
}

#[test]
fn kamailio_typical_rewrites_addresses_and_removes_ice() {
    let mut h = Harness::new(30040);
    let with_ice = format!(
        "{A_SDP}a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n\
         a=candidate:1 1 UDP 2130706431 127.0.0.5 6000 typ host\r\n"
    );
    let mut flags = kamailio();
    flags.push(("flags", list(&["trust-address"])));
    let to_b = h.offer("c2", &with_ice, flags);
    assert!(to_b.contains("o=alice 100 1 IN IP4 127.0.0.1\n"), "{to_b}");
    assert!(to_b.contains("c=IN IP4 127.0.0.1\n"));
    assert!(!to_b.contains("ice-") && !to_b.contains("candidate"));
    let port = m_port(&to_b);
    assert!((30040..30060).contains(&port));
    assert!(to_b.contains(&format!("m=audio {port} RTP/AVP 0 8 101\n")));
    assert!(to_b.contains(&format!("a=rtcp:{}\n", port + 1)));
    assert!(
        to_b.contains("a=fmtp:101 0-16\n")
            && to_b.contains("a=ptime:20\n")
            && to_b.contains("a=sendrecv\n")
    );

    let to_a = h.answer("c2", B_SDP, kamailio());
    assert!(to_a.contains("o=bob 200 1 IN IP4 127.0.0.1\n"), "{to_a}");
    let a_port = m_port(&to_a);
    assert_ne!(a_port, port);
    assert!(to_a.contains(&format!("a=rtcp:{}\n", a_port + 1)));

    // Without replace-origin, o= is left alone (probe case 1).
    let to_a = h.answer("c2", B_SDP, []);
    assert!(to_a.contains("o=bob 200 1 IN IP4 127.0.0.6\n"));
    assert_eq!(m_port(&to_a), a_port, "a re-answer keeps the ports");
}

#[test]
fn plain_to_sdes_offers_relay_keys_and_reads_the_answer() {
    let mut h = Harness::new(30060);
    let mut flags = kamailio();
    flags.push(("transport-protocol", Value::str("RTP/SAVP")));
    let to_b = h.offer("c3", A_SDP, flags);
    assert!(to_b.contains("RTP/SAVP 0 8 101"), "{to_b}");
    let cryptos: Vec<&str> = to_b
        .lines()
        .filter(|l| l.starts_with("a=crypto:"))
        .collect();
    assert_eq!(cryptos.len(), 3);
    assert!(cryptos[0].starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(cryptos[1].starts_with("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
    assert!(cryptos[2].starts_with("a=crypto:3 AEAD_AES_128_GCM inline:"));

    let b = B_SDP.replace("RTP/AVP", "RTP/SAVP")
        + &format!("a=crypto:2 AES_CM_128_HMAC_SHA1_32 {B_KEY}\r\n");
    let to_a = h.answer("c3", &b, []);
    assert!(
        to_a.contains("RTP/AVP 0 8 101") && !to_a.contains("a=crypto"),
        "{to_a}"
    );

    // An answer naming a tag we never offered is refused.
    let b = B_SDP.replace("RTP/AVP", "RTP/SAVP")
        + &format!("a=crypto:9 AES_CM_128_HMAC_SHA1_80 {B_KEY}\r\n");
    let reply = h.cmd([
        ("command", Value::str("answer")),
        ("call-id", Value::str("c3")),
        ("from-tag", Value::str("ft")),
        ("to-tag", Value::str("tt")),
        ("sdp", Value::str(&b)),
    ]);
    assert_eq!(reason(&reply), "SDES answer tag was not offered");
}

#[test]
fn sdes_flags_restrict_the_offered_suites() {
    let mut h = Harness::new(30080);
    let mut flags = kamailio();
    flags.push(("transport-protocol", Value::str("RTP/SAVP")));
    flags.push(("DTLS", Value::str("off")));
    flags.push((
        "SDES",
        list(&[
            "no-AES_CM_128_HMAC_SHA1_32",
            "no-AEAD_AES_128_GCM",
            "no-AEAD_AES_256_GCM",
        ]),
    ));
    let to_b = h.offer("c4", A_SDP, flags);
    let cryptos: Vec<&str> = to_b
        .lines()
        .filter(|l| l.starts_with("a=crypto:"))
        .collect();
    assert_eq!(cryptos.len(), 1, "{to_b}");
    assert!(cryptos[0].starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
}

#[test]
fn sdes_to_plain_answers_the_offerer_with_a_relay_key() {
    let mut h = Harness::new(30100);
    let a = A_SDP.replace("RTP/AVP", "RTP/SAVP") + A_KEY;
    let mut flags = kamailio();
    flags.push(("transport-protocol", Value::str("RTP/AVP")));
    let to_b = h.offer("c5", &a, flags);
    assert!(
        to_b.contains("RTP/AVP 0 8 101") && !to_b.contains("a=crypto"),
        "{to_b}"
    );
    let to_a = h.answer("c5", B_SDP, []);
    assert!(to_a.contains("RTP/SAVP 0 8 101"), "{to_a}");
    let crypto = to_a.lines().find(|l| l.starts_with("a=crypto:")).unwrap();
    assert!(crypto.starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(
        !crypto.contains("WVNfX19zZW1jdGwg"),
        "the relay's own key, not A's"
    );
}

#[test]
fn sdes_both_sides_is_rekeyed_with_the_offerers_suite_first() {
    let mut h = Harness::new(30120);
    let a = A_SDP.replace("RTP/AVP", "RTP/SAVP") + A_KEY;
    let to_b = h.offer("c6", &a, kamailio());
    let cryptos: Vec<&str> = to_b
        .lines()
        .filter(|l| l.starts_with("a=crypto:"))
        .collect();
    assert!(cryptos[0].starts_with("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(
        !to_b.contains("WVNfX19zZW1jdGwg"),
        "A's key is never forwarded"
    );
    let b = B_SDP.replace("RTP/AVP", "RTP/SAVP")
        + &format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {B_KEY}\r\n");
    let to_a = h.answer("c6", &b, []);
    assert!(to_a.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
    assert!(!to_a.contains("MTIzNDU2Nzg5"), "B's key is never forwarded");
}

#[test]
fn rtcp_mux_is_accepted_from_the_offerer_and_demuxed_toward_the_answerer() {
    let mut h = Harness::new(30140);
    let a = format!(
        "{A_SDP}a=rtcp-mux\r\nm=video 6002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
         a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=sendrecv\r\na=rtcp-mux\r\n"
    );
    let mut flags = kamailio();
    flags.push(("rtcp-mux", list(&["demux"])));
    let to_b = h.offer("c7", &a, flags);
    assert!(!to_b.contains("rtcp-mux"), "{to_b}");
    assert_eq!(to_b.matches("a=rtcp:").count(), 2);
    let b =
        B_SDP.to_owned() + "m=video 7002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=sendrecv\r\n";
    let to_a = h.answer("c7", &b, []);
    assert_eq!(to_a.matches("a=rtcp-mux").count(), 2, "{to_a}");
    let port = m_port(&to_a);
    assert!(
        to_a.contains(&format!("a=rtcp:{port}\n")),
        "muxed: RTCP on the RTP port"
    );
    assert_eq!(
        h.ng.relay.session_count(),
        2,
        "one relay session per media section"
    );

    // Without demux, mux is offered on toward B, with a fallback RTCP port.
    let to_b = h.offer("c8", &a, kamailio());
    let port = m_port(&to_b);
    assert!(to_b.contains("a=rtcp-mux") && to_b.contains(&format!("a=rtcp:{}\n", port + 1)));
}

#[test]
fn dtls_only_offers_are_refused() {
    let mut h = Harness::new(30160);
    let a = A_SDP.replace("RTP/AVP", "UDP/TLS/RTP/SAVPF")
        + "a=setup:actpass\r\na=fingerprint:sha-256 AB:AB:AB:AB\r\n";
    let mut flags = kamailio();
    flags.push(("transport-protocol", Value::str("RTP/AVP")));
    let reply = h.cmd([
        ("command", Value::str("offer")),
        ("call-id", Value::str("c9")),
        ("from-tag", Value::str("ft")),
        ("sdp", Value::str(&a)),
        ("transport-protocol", Value::str("RTP/AVP")),
    ]);
    assert!(reason(&reply).starts_with("DTLS-SRTP is not supported"));
    assert_eq!(
        h.ng.relay.session_count(),
        0,
        "nothing leaks from a refused offer"
    );
}

#[test]
fn sip_source_address_and_query_list_statistics_delete() {
    let mut h = Harness::new(30180);
    let mut flags = vec![
        ("flags", list(&["SIP-source-address"])),
        ("received-from", list(&["IP4", "127.0.0.9"])),
    ];
    flags.extend(kamailio());
    h.offer("c10", A_SDP, flags);
    h.answer("c10", B_SDP, []);
    let q = h.cmd([
        ("command", Value::str("query")),
        ("call-id", Value::str("c10")),
    ]);
    assert_eq!(q.get("result").and_then(Value::as_str), Some("ok"));
    for key in ["created", "created_us", "last signal", "tags", "totals"] {
        assert!(q.get(key).is_some(), "{key} in {q:?}");
    }
    let tag = q.get("tags").and_then(|t| t.get("ft")).unwrap();
    let media = match tag.get("medias") {
        Some(Value::List(m)) => &m[0],
        other => panic!("{other:?}"),
    };
    let stream = match media.get("streams") {
        Some(Value::List(s)) => &s[0],
        other => panic!("{other:?}"),
    };
    let endpoint = stream.get("endpoint").unwrap();
    assert_eq!(
        endpoint.get("address").and_then(Value::as_str),
        Some("127.0.0.9")
    );
    assert_eq!(endpoint.get("port").and_then(Value::as_int), Some(6000));

    let l = h.cmd([("command", Value::str("list"))]);
    assert_eq!(l.get("calls"), Some(&list(&["c10"])));
    let s = h.cmd([("command", Value::str("statistics"))]);
    let current = s
        .get("statistics")
        .and_then(|s| s.get("currentstatistics"))
        .unwrap();
    assert_eq!(current.get("sessionsown").and_then(Value::as_int), Some(1));
    let total = s
        .get("statistics")
        .and_then(|s| s.get("totalstatistics"))
        .unwrap();
    assert_eq!(
        total.get("relaysendfailures").and_then(Value::as_int),
        Some(0)
    );

    let wrong_tag = h.cmd([
        ("command", Value::str("delete")),
        ("call-id", Value::str("c10")),
        ("from-tag", Value::str("other")),
    ]);
    assert!(wrong_tag.get("warning").is_some());
    let d = h.cmd([
        ("command", Value::str("delete")),
        ("call-id", Value::str("c10")),
        ("from-tag", Value::str("ft")),
    ]);
    assert!(
        d.get("totals").is_some() && d.get("warning").is_none(),
        "{d:?}"
    );
    assert_eq!(h.ng.relay.session_count(), 0);
    let q = h.cmd([
        ("command", Value::str("query")),
        ("call-id", Value::str("c10")),
    ]);
    assert_eq!(reason(&q), "Unknown call-id");
}

#[test]
fn an_offer_with_too_many_media_sections_is_refused_before_taking_ports() {
    let mut h = Harness::new(30400);
    let section = "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    let head = A_SDP.split("m=audio").next().unwrap();
    let many = format!("{head}{}", section.repeat(DEFAULT_MAX_MEDIA + 1));
    let reply = h.cmd([
        ("command", Value::str("offer")),
        ("call-id", Value::str("c11")),
        ("from-tag", Value::str("ft")),
        ("sdp", Value::str(&many)),
    ]);
    assert_eq!(reason(&reply), "Too many media sections");
    assert_eq!(h.ng.relay.session_count(), 0);
    assert_eq!(h.ng.call_count(), 0);
}

#[test]
fn a_call_without_relayed_media_expires_after_its_last_command() {
    let mut h = Harness::new(30420);
    // Only a data channel: the relay disables it, so no session exists
    // whose silence would ever end the call.
    let head = A_SDP.split("m=audio").next().unwrap();
    let data = format!("{head}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
    let rewritten = h.offer("c12", &data, []);
    assert_eq!(m_port(&rewritten), 0);
    assert_eq!(h.ng.call_count(), 1);

    let timeout = NgConfig::default().idle_call_timeout;
    let now = SystemTime::now();
    h.ng.expire_idle(now + timeout - Duration::from_secs(5));
    assert_eq!(h.ng.call_count(), 1, "kept within the timeout");
    h.ng.expire_idle(now + timeout + Duration::from_secs(1));
    assert_eq!(h.ng.call_count(), 0, "expired after it");

    // A call whose media the relay carries is left to its silence timeout.
    h.offer("c13", A_SDP, []);
    h.ng.expire_idle(now + timeout * 10);
    assert_eq!(h.ng.call_count(), 1);
    let s = h.cmd([("command", Value::str("statistics"))]);
    let total = s
        .get("statistics")
        .and_then(|s| s.get("totalstatistics"))
        .unwrap();
    assert_eq!(
        total.get("timeoutsessions").and_then(Value::as_int),
        Some(1)
    );
}
