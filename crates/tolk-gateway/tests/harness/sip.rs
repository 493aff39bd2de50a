//! Raw SIP over UDP, for what sipp scenarios cannot say: requests built
//! by hand, final responses read back, the SDP ports sipp logged (and the
//! relay's among them).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::Duration;

/// Sends one SIP request over UDP from `from` to `to` and returns the
/// final response to it.
pub fn request(to: u16, from: u16, message: &str) -> String {
    let socket = UdpSocket::bind(("127.0.0.1", from)).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    socket
        .send_to(message.as_bytes(), ("127.0.0.1", to))
        .expect("send");
    let method = message.split(' ').next().unwrap_or_default();
    final_response(&socket, method)
}

/// The next final response to a `method` request that `socket` receives
/// (provisional responses and anything else are skipped).
pub fn final_response(socket: &UdpSocket, method: &str) -> String {
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.recv(&mut buf).expect("a response");
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        let answers = header(&text, "CSeq").ends_with(&format!(" {method}"));
        if text.starts_with("SIP/2.0 ") && !text.starts_with("SIP/2.0 1") && answers {
            return text;
        }
    }
}

/// An INVITE for `user` from 127.0.0.1:`from` to 127.0.0.1:`to`, offering
/// audio in one codec (payload type, name).
pub fn invite(user: &str, to: u16, from: u16, codec: (u8, &str)) -> String {
    let sdp = format!(
        "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 33990 RTP/AVP {pt}\r\na=rtpmap:{pt} {name}/8000\r\n",
        pt = codec.0,
        name = codec.1
    );
    format!(
        "INVITE sip:{user}@127.0.0.1:{to} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{from};branch=z9hG4bK{user}{from}\r\n\
         From: <sip:t@127.0.0.1>;tag=t{from}\r\nTo: <sip:{user}@127.0.0.1>\r\n\
         Call-ID: {user}-{from}@t\r\nCSeq: 1 INVITE\r\nContact: <sip:t@127.0.0.1:{from}>\r\n\
         Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// Request `seq` of the dialog that the 2xx `ok` set up: to `uri`, with
/// `via` as the Via's sent-by (and parameters), then the `headers` lines
/// and the `body`.
pub fn in_dialog(
    ok: &str,
    uri: &str,
    via: &str,
    (method, seq): (&str, u32),
    headers: &str,
    body: &str,
) -> String {
    format!(
        "{method} {uri} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {via};branch=z9hG4bK{method}{seq}\r\n\
         {}\r\n{}\r\n{}\r\nCSeq: {seq} {method}\r\nMax-Forwards: 70\r\n\
         {headers}Content-Length: {}\r\n\r\n{body}",
        header(ok, "From"),
        header(ok, "To"),
        header(ok, "Call-ID"),
        body.len()
    )
}

/// The header field `name` of a SIP message (its first line), or "".
pub fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find(|line| {
            line.split_once(':')
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        })
        .unwrap_or("")
}

/// The ports of every `m=<kind>` line in a sipp message log
/// (`-trace_msg -message_file`), in the order the messages were logged.
pub fn sdp_ports(message_log: &Path, kind: &str) -> Vec<u16> {
    let Ok(file) = std::fs::File::open(message_log) else {
        return Vec::new();
    };
    let prefix = format!("m={kind} ");
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let rest = line.trim().strip_prefix(&prefix)?;
            rest.split(' ').next()?.parse().ok()
        })
        .collect()
}

/// The relay's address in a peer's sipp message log: the first
/// `m=<kind>` port that is neither one of the peer's own (`own`) nor 0.
pub fn relay_addr(message_log: &Path, kind: &str, own: &[u16]) -> Option<SocketAddr> {
    let port = sdp_ports(message_log, kind)
        .into_iter()
        .find(|port| !own.contains(port) && *port != 0)?;
    Some(SocketAddr::from(([127, 0, 0, 1], port)))
}

/// The relay's `count` first `kind` addresses in a peer's sipp message
/// log (each `m=<kind>` port that is neither the peer's own nor 0, in m-line
/// order), once the log names that many (waits up to 10 s).
pub fn await_relay_lines(
    message_log: &Path,
    kind: &str,
    own: &[u16],
    count: usize,
) -> Vec<SocketAddr> {
    let mut found = Vec::new();
    super::wait_for(Duration::from_secs(10), || {
        found = (sdp_ports(message_log, kind).into_iter())
            .filter(|port| !own.contains(port) && *port != 0)
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
            .take(count)
            .collect();
        found.len() == count
    });
    assert_eq!(
        found.len(),
        count,
        "the relay's {kind} ports in {}",
        message_log.display()
    );
    found
}

/// The relay's address in a peer's sipp message log (see [`relay_addr`])
/// once the log names it (waits up to 10 s).
pub fn await_relay_addr(message_log: &Path, kind: &str, own: &[u16]) -> SocketAddr {
    let mut found = None;
    super::wait_for(Duration::from_secs(10), || {
        found = relay_addr(message_log, kind, own);
        found.is_some()
    });
    found.unwrap_or_else(|| panic!("the relay's {kind} port in {}", message_log.display()))
}

/// The relay's addresses toward a caller and a callee whose own `kind`
/// ports are `caller_own` and `callee_own`, once both logs name them
/// (waits up to 10 s for each).
pub fn relay_addrs(
    (caller_log, callee_log): (&Path, &Path),
    kind: &str,
    (caller_own, callee_own): (u16, u16),
) -> (SocketAddr, SocketAddr) {
    (
        await_relay_addr(caller_log, kind, &[caller_own]),
        await_relay_addr(callee_log, kind, &[callee_own]),
    )
}
