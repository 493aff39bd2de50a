//! The ng front end end to end, as Kamailio drives it: bencoded offer and
//! answer over UDP with cookies, then media through the relay (plain RTP
//! from the caller, SDES-SRTP to the callee, checked with an independent
//! SRTP implementation), then query and delete.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use support::{one_worker, rtp};
use tolk_media::rtp::RtpPacket;
use tolk_relay::IoMode;
use tolk_relay::ng::{Limits, NgConfig, NgServer, Value};
use tolk_relay::srtp::sdes::CryptoAttribute;
use tolk_relay::srtp::{SrtpContext, SrtpKey, SrtpProfile, WebrtcSrtp};

const NG_ADDR: &str = "127.0.0.1:30300";

/// The ng server on a plain UDP socket, as `tolk relay --ng` runs it.
struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Self {
        let relay = one_worker((30200, 30299), IoMode::Auto);
        let socket = UdpSocket::bind(NG_ADDR).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut ng = NgServer::new(Arc::new(relay), NgConfig::default());
            let mut buf = vec![0u8; 65_536];
            while !stopped.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(reply) = ng.handle(Instant::now(), SystemTime::now(), &buf[..n]) {
                    socket.send_to(&reply, from).unwrap();
                }
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Client {
    socket: UdpSocket,
}

impl Client {
    fn new() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Self { socket }
    }

    fn send(&self, cookie: &str, command: &Value) -> Vec<u8> {
        let datagram = [cookie.as_bytes(), b" ", &command.encode()].concat();
        self.socket.send_to(&datagram, NG_ADDR).unwrap();
        let mut buf = vec![0u8; 65_536];
        let n = self.socket.recv(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    fn call(&self, cookie: &str, command: &Value) -> Value {
        let reply = self.send(cookie, command);
        let body = reply.strip_prefix(format!("{cookie} ").as_bytes()).unwrap();
        Value::decode(body, Limits::default()).unwrap()
    }
}

fn peer() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s
}

fn sdp(peer: &UdpSocket, proto: &str, crypto: &str) -> String {
    let port = peer.local_addr().unwrap().port();
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} {proto} 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n{crypto}"
    )
}

/// The relay's address in a rewritten SDP, and its `a=crypto` lines.
fn relay_side(sdp: &str) -> (SocketAddr, Vec<CryptoAttribute>) {
    let m = sdp.lines().find(|l| l.starts_with("m=audio")).unwrap();
    let port: u16 = m.split(' ').nth(1).unwrap().parse().unwrap();
    let crypto = sdp
        .lines()
        .filter_map(|l| l.strip_prefix("a=crypto:"))
        .map(|v| CryptoAttribute::parse(v).unwrap())
        .collect();
    (SocketAddr::from(([127, 0, 0, 1], port)), crypto)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn kamailio_style_offer_answer_then_rtp_to_srtp_and_back() {
    let _server = Server::start();
    let ng = Client::new();
    let (a, b) = (peer(), peer());
    let list = |items: &[&str]| Value::List(items.iter().map(Value::str).collect());

    // INVITE from A (plain RTP); Kamailio asks for SDES toward B.
    let offer = Value::dict([
        ("command", Value::str("offer")),
        ("call-id", Value::str("e2e-1")),
        ("from-tag", Value::str("a-tag")),
        ("sdp", Value::str(sdp(&a, "RTP/AVP", ""))),
        ("replace", list(&["origin", "session-connection"])),
        ("ICE", Value::str("remove")),
        ("transport-protocol", Value::str("RTP/SAVP")),
        ("received-from", list(&["IP4", "127.0.0.1"])),
    ]);
    let first = ng.send("5323_1", &offer);
    assert_eq!(
        ng.send("5323_1", &offer),
        first,
        "a retransmission gets the same reply"
    );
    let body = first.strip_prefix(b"5323_1 ").unwrap();
    let reply = Value::decode(body, Limits::default()).unwrap();
    assert_eq!(text(&reply, "result"), "ok", "{reply:?}");
    let to_b = text(&reply, "sdp");
    let (b_sends_to, offered) = relay_side(&to_b);
    let relay_to_b = offered
        .iter()
        .find(|c| c.key.profile() == SrtpProfile::AesCm128HmacSha1_80)
        .unwrap();

    // 200 OK from B, accepting the AES_CM_128_HMAC_SHA1_80 line with its own key.
    let b_key = SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[0x42; 16], &[0x24; 14]).unwrap();
    let b_crypto = CryptoAttribute {
        tag: relay_to_b.tag,
        key: b_key.clone(),
    };
    let answer = Value::dict([
        ("command", Value::str("answer")),
        ("call-id", Value::str("e2e-1")),
        ("from-tag", Value::str("a-tag")),
        ("to-tag", Value::str("b-tag")),
        (
            "sdp",
            Value::str(sdp(&b, "RTP/SAVP", &format!("a=crypto:{b_crypto}\r\n"))),
        ),
        ("replace", list(&["origin", "session-connection"])),
        ("ICE", Value::str("remove")),
    ]);
    let reply = ng.call("5323_2", &answer);
    let to_a = text(&reply, "sdp");
    assert!(
        to_a.contains("RTP/AVP 0") && !to_a.contains("a=crypto"),
        "{to_a}"
    );
    let (a_sends_to, _) = relay_side(&to_a);

    // A -> relay: RTP; relay -> B: SRTP under the key the relay offered B.
    let mut b_rx = WebrtcSrtp::new(&relay_to_b.key).unwrap();
    for seq in 0..10u16 {
        let payload = [seq as u8; 160];
        let (buf, n) = rtp(seq, 0xA11CE, &payload);
        a.send_to(&buf[..n], a_sends_to).unwrap();
        let mut got = [0u8; 1500];
        let (len, from) = b.recv_from(&mut got).expect("SRTP at B");
        assert_eq!(from, b_sends_to, "symmetric: sent from the port B sends to");
        assert_eq!(len, n + 10);
        let len = b_rx.unprotect_rtp(&mut got, len).unwrap();
        assert_eq!(RtpPacket::parse(&got[..len]).unwrap().payload(), payload);
    }
    // B -> relay: SRTP under B's key; relay -> A: RTP.
    let mut b_tx = WebrtcSrtp::new(&b_key).unwrap();
    for seq in 0..10u16 {
        let (mut buf, n) = rtp(seq, 0xB0B, b"from b");
        let n = b_tx.protect_rtp(&mut buf, n).unwrap();
        b.send_to(&buf[..n], b_sends_to).unwrap();
        let mut got = [0u8; 1500];
        let len = a.recv(&mut got).expect("RTP at A");
        assert_eq!(RtpPacket::parse(&got[..len]).unwrap().payload(), b"from b");
    }

    // BYE: query, then delete; the call is gone afterwards.
    let id = |cmd: &str| {
        Value::dict([
            ("command", Value::str(cmd)),
            ("call-id", Value::str("e2e-1")),
            ("from-tag", Value::str("a-tag")),
        ])
    };
    let q = ng.call("5323_3", &id("query"));
    let packets = |v: &Value| {
        v.get("totals")
            .and_then(|t| t.get("RTP"))
            .and_then(|r| r.get("packets"))
            .and_then(Value::as_int)
    };
    assert_eq!(packets(&q), Some(20), "{q:?}");
    let d = ng.call("5323_4", &id("delete"));
    assert_eq!(text(&d, "result"), "ok");
    assert_eq!(packets(&d), Some(20));
    let q = ng.call("5323_5", &id("query"));
    assert_eq!(text(&q, "error-reason"), "Unknown call-id");
    // Media to the old port goes nowhere now.
    let (buf, n) = rtp(99, 0xA11CE, b"late");
    a.send_to(&buf[..n], a_sends_to).unwrap();
    b.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert!(b.recv(&mut [0u8; 1500]).is_err());
}
