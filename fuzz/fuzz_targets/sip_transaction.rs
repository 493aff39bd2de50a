//! The user agent and its transaction layer driven by arbitrary event
//! sequences: datagrams (raw, or requests and responses shaped to match
//! live transactions and dialogs), time steps, and user commands. Nothing
//! may panic, and every transmit must be a message that parses.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use tolk_sip::dialog::DialogId;
use tolk_sip::transport::{Target, Transport};
use tolk_sip::ua::{Invite, UaConfig, UaEvent, UserAgent};
use tolk_sip::{Bytes, Message, Method, Request, Response};

const PEER: &str = "192.0.2.9:5060";

/// A cursor over the fuzz input.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

fn request(method: &str, branch: u8, from_tag: u8, to_tag: Option<u8>, cseq: u8, body: &[u8]) -> Bytes {
    let to_tag = to_tag.map(|t| format!(";tag=t{t}")).unwrap_or_default();
    let mut text = format!(
        "{method} sip:tolk@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK{branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=f{from_tag}\r\nTo: <sip:tolk@y>{to_tag}\r\n\
         Call-ID: c{from_tag}\r\nCSeq: {cseq} {method}\r\nContact: <sip:a@192.0.2.9>\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    text.extend_from_slice(body);
    Bytes::from(text)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let mut ua = UserAgent::new(UaConfig::default());
    let local: SocketAddr = "192.0.2.1:5060".parse().unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
    let peer: SocketAddr = PEER.parse().unwrap_or(local);
    ua.set_local_addr(Transport::Udp, local);
    let mut dialogs: Vec<DialogId> = Vec::new();
    let mut servers = Vec::new();
    let mut sent: Vec<Request> = Vec::new();
    let methods = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "UPDATE", "MESSAGE", "REGISTER", "PRACK"];
    while let Some(op) = input.byte() {
        let arg = input.byte().unwrap_or(0);
        match op % 10 {
            0 => {
                let len = usize::from(arg) * 4;
                let raw = Bytes::copy_from_slice(input.bytes(len));
                ua.handle_input(now, Transport::Udp, peer, raw);
            }
            1 | 2 => {
                let method = methods[usize::from(arg) % methods.len()];
                let b = input.byte().unwrap_or(0);
                let to_tag = (b & 0x80 != 0).then_some(b % 4);
                let body: &[u8] = if b & 0x40 != 0 { b"v=0\r\n" } else { b"" };
                let bytes = request(method, b % 3, (b >> 2) % 3, to_tag, 1 + (b >> 4) % 3, body);
                ua.handle_input(now, Transport::Udp, peer, bytes);
            }
            3 => {
                // A response to something we sent.
                if let Some(req) = sent.get(usize::from(arg) % sent.len().max(1)) {
                    let code = [100, 180, 183, 200, 401, 486, 491, 603][usize::from(input.byte().unwrap_or(0)) % 8];
                    let tag = format!("r{}", input.byte().unwrap_or(0) % 3);
                    if let Ok(resp) = Response::for_request(req, code).to_tag(&tag).header("Contact", "<sip:b@192.0.2.9>").build() {
                        ua.handle_input(now, Transport::Udp, peer, resp.to_bytes());
                    }
                }
            }
            4 => {
                now += Duration::from_millis(u64::from(arg) * 250);
                ua.handle_timeout(now);
            }
            5 => {
                let invite = Invite {
                    from: "<sip:tolk@192.0.2.1>".into(),
                    to: "<sip:b@192.0.2.9>".into(),
                    request_uri: "sip:b@192.0.2.9".into(),
                    target: Target { transport: Transport::Udp, addr: peer },
                    sdp: Bytes::from_static(b"v=0\r\n"),
                    headers: vec![],
                credentials: None,
                };
                if let Ok(d) = ua.invite(now, invite) {
                    dialogs.push(d);
                }
            }
            6 => {
                if let Some(&d) = dialogs.get(usize::from(arg) % dialogs.len().max(1)) {
                    let code = [180, 183, 200, 486, 603][usize::from(input.byte().unwrap_or(0)) % 5];
                    let _ = ua.answer(now, d, code, Bytes::from_static(b"v=0\r\n"));
                }
            }
            7 => {
                if let Some(&d) = dialogs.get(usize::from(arg) % dialogs.len().max(1)) {
                    let _ = match input.byte().unwrap_or(0) % 4 {
                        0 => ua.bye(now, d),
                        1 => ua.cancel(now, d),
                        2 => ua.reinvite(now, d, Bytes::from_static(b"v=0\r\n")),
                        _ => ua.hangup(now, d),
                    };
                }
            }
            8 => {
                if let Some(&d) = dialogs.get(usize::from(arg) % dialogs.len().max(1)) {
                    let _ = ua.request(now, d, Method::Info, None);
                }
            }
            _ => {
                if let Some(&id) = servers.get(usize::from(arg) % servers.len().max(1)) {
                    let _ = ua.respond(now, id, 200, None);
                }
            }
        }
        while let Some(t) = ua.poll_transmit() {
            let parsed = Message::parse(t.bytes.clone());
            assert!(parsed.is_ok(), "we sent something unparsable: {:?}", String::from_utf8_lossy(&t.bytes));
            if let Ok(Message::Request(r)) = parsed {
                sent.push(r);
                if sent.len() > 16 {
                    sent.remove(0);
                }
            }
        }
        while let Some(event) = ua.poll_event() {
            match event {
                UaEvent::IncomingCall { dialog, .. } => dialogs.push(dialog),
                UaEvent::Request { id, .. } => servers.push(id),
                _ => {}
            }
        }
        if let Some(at) = ua.poll_timeout() {
            assert!(at + Duration::from_secs(600) > now, "timers stay near the present");
        }
    }
});
