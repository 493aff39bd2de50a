//! `tolk relay --ng`: the binary answers ng commands over UDP (bencode with
//! cookies), rewrites an offer and an answer with its own media ports,
//! forwards RTP between the two parties, deletes the call, and refuses a
//! bad command with an `error-reason`.
#![allow(clippy::unwrap_used)]

mod harness;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use harness::ng_relay;

const NG: &str = "127.0.0.1:30950";

/// Sends `<cookie> <body>` and returns the reply body; retries while the relay starts.
fn ng(socket: &UdpSocket, cookie: &str, body: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 65_536];
    loop {
        socket
            .send_to(format!("{cookie} {body}").as_bytes(), NG)
            .unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
            return reply
                .strip_prefix(&format!("{cookie} "))
                .unwrap()
                .to_owned();
        }
        assert!(Instant::now() < deadline, "no ng reply from tolk relay");
    }
}

/// A bencoded string.
fn b(s: &str) -> String {
    format!("{}:{s}", s.len())
}

fn sdp(port: u16) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    )
}

/// The m=audio port in the `sdp` value of a reply.
fn relay_port(reply: &str) -> u16 {
    let m = reply.split("m=audio ").nth(1).unwrap();
    m.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn ng_offer_answer_media_delete() {
    let _relay = ng_relay(NG, "30600-30699");
    let control = UdpSocket::bind("127.0.0.1:0").unwrap();
    control
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert_eq!(ng(&control, "c0", "d7:command4:pinge"), "d6:result4:ponge");

    let (a, bb) = (
        UdpSocket::bind("127.0.0.1:0").unwrap(),
        UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    for s in [&a, &bb] {
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    }
    let (a_port, b_port) = (
        a.local_addr().unwrap().port(),
        bb.local_addr().unwrap().port(),
    );
    let offer = format!(
        "d7:call-id{}7:command5:offer8:from-tag{}3:sdp{}e",
        b("cli-1"),
        b("ft"),
        b(&sdp(a_port))
    );
    let to_b = ng(&control, "c1", &offer);
    assert!(to_b.starts_with("d6:result2:ok3:sdp"), "{to_b}");
    let b_sends_to = relay_port(&to_b);
    assert!((30600..30700).contains(&b_sends_to));
    let answer = format!(
        "d7:call-id{}7:command6:answer8:from-tag{}3:sdp{}6:to-tag{}e",
        b("cli-1"),
        b("ft"),
        b(&sdp(b_port)),
        b("tt")
    );
    let to_a = ng(&control, "c2", &answer);
    let a_sends_to = relay_port(&to_a);

    // A's RTP reaches B, and B's reaches A, through the relay's ports.
    let rtp = [0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 0xab, 0xcd];
    a.send_to(&rtp, ("127.0.0.1", a_sends_to)).unwrap();
    let mut buf = [0u8; 1500];
    let (n, from) = bb.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from.port()), (&rtp[..], b_sends_to));
    bb.send_to(&rtp, ("127.0.0.1", b_sends_to)).unwrap();
    assert_eq!(a.recv(&mut buf).unwrap(), rtp.len());

    let delete = format!("d7:call-id{}7:command6:deletee", b("cli-1"));
    assert!(ng(&control, "c3", &delete).contains("6:totals"));
    let query = format!("d7:call-id{}7:command5:querye", b("cli-1"));
    assert_eq!(
        ng(&control, "c4", &query),
        "d12:error-reason15:Unknown call-id6:result5:errore"
    );
    assert_eq!(
        ng(&control, "c5", "d7:command6:nosuche"),
        "d12:error-reason20:Unrecognized command6:result5:errore"
    );
}
