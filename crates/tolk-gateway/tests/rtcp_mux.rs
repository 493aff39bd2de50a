//! rtcp-mux (RFC 5761) across the bridge with real peers: sipp carries
//! the signalling, sockets the test owns carry the media, so that the
//! test sees where RTP and RTCP arrive and from which relay port.
//! Ports: SIP and admin 41100-41199 and 42130-42133, media 11550-12999
//! and 22600-22699.

mod harness;

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use harness::{LoggedCall, NodeConfig, Ports, Scenario, Tolk, relay_addr, reply, wait_for};
use tolk_relay::srtp::new_context;
use tolk_relay::srtp::sdes::CryptoAttribute;
use tolk_testkit::media_peer::{MediaPeer, rr_and_pli, rtp};

const A_SSRC: u32 = 0xa0a0_0001;
const B_SSRC: u32 = 0xb0b0_0002;

fn config(ports: &Ports, callee_policy: &str) -> String {
    NodeConfig::new(ports.tolk, ports.admin, ports.relay)
        .media_timeout(30)
        .callee("callee", ports.callee, callee_policy)
        .route("echo", "echo")
        .to_string()
}

/// `a=rtcp-mux` when `mux`, else nothing (each SDP line ends the way
/// sipp's scenario text needs).
fn mux_line(mux: bool) -> &'static str {
    if mux { "a=rtcp-mux\n      " } else { "" }
}

/// The caller's SDES key (RFC 4568 inline: 16-byte key, 14-byte salt).
const CALLER_CRYPTO: &str =
    "1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";

/// A caller offering PCMU on `-key audio_port` (a socket the test owns),
/// with rtcp-mux when `mux`, as SRTP with `crypto` (an `a=crypto` value)
/// when given; after `hold_ms` it re-offers, with rtcp-mux or without as
/// `reoffer` says, then hangs up after `hold_ms` more.
fn caller_scenario(mux: bool, crypto: Option<&str>, reoffer: Option<bool>, hold_ms: u32) -> String {
    let (profile, crypto) = match crypto {
        Some(crypto) => ("RTP/SAVP", format!("a=crypto:{crypto}\n      ")),
        None => ("RTP/AVP", String::new()),
    };
    let invite = |cseq: u32, mux: bool, version: u32| {
        format!(
            r#"
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:caller@[local_ip]:[local_port]>;tag=[pid]c[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>{to_tag}
      Call-ID: [call_id]
      CSeq: {cseq} INVITE
      Contact: <sip:caller@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 {version} IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio [audio_port] {profile} 0
      a=rtpmap:0 PCMU/8000
      {crypto}{mux}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:caller@[local_ip]:[local_port]>;tag=[pid]c[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} ACK
      [routes]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="{hold_ms}"/>
"#,
            to_tag = if cseq > 1 { "[peer_tag_param]" } else { "" },
            mux = mux_line(mux),
        )
    };
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rtcp-mux caller">"#,
    );
    xml.push_str(&invite(1, mux, 1));
    let mut cseq = 2;
    if let Some(mux) = reoffer {
        xml.push_str(&invite(2, mux, 2));
        cseq = 3;
    }
    xml.push_str(&format!(
        r#"
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:caller@[local_ip]:[local_port]>;tag=[pid]c[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} BYE
      [routes]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"#
    ));
    xml
}

/// A callee answering PCMU on `-key audio_port`, with rtcp-mux when
/// `mux` and `extra` SDP lines (each ending in a newline), and answering
/// a re-INVITE the same way; waits for the BYE.
fn callee_scenario(mux: bool, extra: &str) -> String {
    let answer = |version: u32| {
        format!(
            r#"
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]m[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:callee@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=callee 1 {version} IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio [audio_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      {extra}{mux}
    ]]>
  </send>
"#,
            mux = mux_line(mux),
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rtcp-mux callee">
  <recv request="INVITE" crlf="true"/>
  {first}
  <recv request="ACK" crlf="true"/>
  <recv request="INVITE" optional="true" next="reoffer"/>
  {bye}
  <nop next="end"/>
  <label id="reoffer"/>
  {again}
  <recv request="ACK" crlf="true"/>
  {bye}
  <label id="end"/>
</scenario>
"#,
        first = answer(1),
        again = answer(2),
        bye = format!("<recv request=\"BYE\"/>\n  {}", reply("200 OK")),
    )
}

/// A sipp peer running `scenario` on `port` with its audio on `audio` (a
/// socket the test owns).
fn mux_peer(scenario: &str, port: u16, audio: u16) -> Scenario {
    Scenario::file(scenario)
        .port(port)
        // sipp's own media port, unused (the scenarios name ours), clear
        // of every other test's ports.
        .media_port(audio + 50)
        .key("audio_port", audio)
}

/// Starts `calls` calls from `caller_xml` to `callee_xml`.
fn place_calls(
    tolk: &Tolk,
    sipp: &Path,
    ports: &Ports,
    (caller_xml, callee_xml): (String, String),
    calls: u32,
) -> LoggedCall {
    tolk.write_scenario("mux_caller.xml", &caller_xml);
    tolk.write_scenario("mux_callee.xml", &callee_xml);
    let callee = mux_peer("mux_callee.xml", ports.callee, ports.callee_audio).calls(calls);
    let caller = mux_peer("mux_caller.xml", ports.caller, ports.caller_audio)
        .calls(calls)
        .calling("callee", ports.tolk);
    tolk.logged_call(sipp, callee, caller)
}

/// A node `name` with `ports` and one call through it from the
/// scenarios' caller to their callee; the relay's audio addresses toward
/// each once both have them. `None` without sipp.
fn one_call(
    name: &str,
    ports: &Ports,
    scenarios: (String, String),
) -> Option<(Tolk, LoggedCall, (SocketAddr, SocketAddr))> {
    let sipp = tolk_testkit::peer("sipp")?;
    let tolk = Tolk::start(name, &config(ports, ""), ports.admin);
    let call = place_calls(&tolk, &sipp, ports, scenarios, 1);
    let relay = call.relay_addrs("audio", (ports.caller_audio, ports.callee_audio));
    Some((tolk, call, relay))
}

fn next_port(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip(), addr.port() + 1)
}

/// The first RTCP datagram (RFC 5761 payload-type rule) `socket` gets
/// within 3 s, with its source; RTP on a muxed socket is skipped.
fn receive_rtcp(socket: &UdpSocket) -> Option<(Vec<u8>, SocketAddr)> {
    let start = Instant::now();
    let mut buf = [0u8; 2048];
    while start.elapsed() < Duration::from_secs(3) {
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            if n >= 8 && (192..=223).contains(&buf[1]) {
                return Some((buf[..n].to_vec(), from));
            }
        }
    }
    None
}

/// RTP from `from` reaches `to` (20 packets, all arriving).
fn rtp_crosses(from: &MediaPeer, relay: SocketAddr, to: &MediaPeer, ssrc: u32) {
    for n in 0..20u16 {
        let packet = rtp(0, ssrc, n, u32::from(n) * 160, &[0xff; 160]);
        from.rtp.send_to(&packet, relay).expect("send RTP");
    }
    let got = to.receive_rtp(20, Duration::from_secs(3));
    assert_eq!(got, vec![(0, ssrc); 20], "RTP crosses the bridge");
}

/// Where a peer's RTCP goes: the socket it sends and receives it on, and
/// the relay's address it sends it to (and hears it from).
type RtcpEnd<'a> = (&'a UdpSocket, SocketAddr);

/// An RR from `sender` with a PLI asking `media` for a keyframe, sent
/// from one end, arrives unchanged at the other, from the relay's
/// address there.
fn rtcp_crosses(
    (from, relay): RtcpEnd<'_>,
    (to, source): RtcpEnd<'_>,
    (sender, media): (u32, u32),
    what: &str,
) {
    let compound = rr_and_pli(sender, media);
    from.send_to(&compound, relay).expect("send RTCP");
    assert_eq!(receive_rtcp(to), Some((compound, source)), "{what}");
}

/// The messages a sipp peer received, from its message log, in order.
fn received(log: &Path) -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    let mut inside = false;
    let text = std::fs::read_to_string(log).unwrap_or_default();
    for line in text.lines() {
        if line.contains("message received") {
            messages.push(String::new());
            inside = true;
        } else if line.starts_with("-----") {
            inside = false;
        } else if let (true, Some(message)) = (inside, messages.last_mut()) {
            message.push_str(line.trim());
            message.push('\n');
        }
    }
    messages
}

/// The SDP lines of the messages a peer received that start with `start`.
fn received_with(log: &Path, start: &str) -> Vec<Vec<String>> {
    received(log)
        .into_iter()
        .map(|m| m.trim_start().to_owned())
        .filter(|m| m.starts_with(start))
        .map(|m| m.lines().map(str::to_owned).collect())
        .collect()
}

fn has(message: &[String], line: &str) -> bool {
    message.iter().any(|l| l == line)
}

/// The UDP sockets of process `pid` (the relay's, the SIP listener's):
/// its socket descriptors whose inodes the kernel lists as UDP, so that
/// a TCP connection to the admin API is not counted.
fn udp_sockets_of(pid: u32) -> usize {
    let mut udp = std::collections::HashSet::new();
    for table in ["udp", "udp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        // Columns: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
        udp.extend(
            text.lines()
                .skip(1)
                .filter_map(|line| line.split_whitespace().nth(9).map(str::to_owned)),
        );
    }
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .filter_map(|target| {
                    let target = target.to_string_lossy().into_owned();
                    Some(
                        target
                            .strip_prefix("socket:[")?
                            .strip_suffix(']')?
                            .to_owned(),
                    )
                })
                .filter(|inode| udp.contains(inode))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_muxed_caller_and_a_callee_declining_mux_exchange_rtcp_both_ways() {
    let ports = Ports::at(41100, "11600-11699", 12000);
    let (a, b) = ports.audio_peers();
    let scenarios = (
        caller_scenario(true, None, None, 6000),
        callee_scenario(false, ""),
    );
    let Some((tolk, call, (to_a, to_b))) = one_call("rtcp-mux-declined", &ports, scenarios) else {
        return;
    };
    let offers = received_with(&call.callee_log, "INVITE");
    assert!(
        offers.first().is_some_and(|o| has(o, "a=rtcp-mux")),
        "the callee is offered rtcp-mux: {offers:?}"
    );
    let answers = received_with(&call.caller_log, "SIP/2.0 200");
    assert!(
        answers.first().is_some_and(|a| has(a, "a=rtcp-mux")),
        "the caller's rtcp-mux is accepted: {answers:?}"
    );

    rtp_crosses(&a, to_a, &b, A_SSRC);
    rtp_crosses(&b, to_b, &a, B_SSRC);
    // The callee declined mux: its RTCP goes to the relay's RTCP port
    // (reserved with the offer, bound with the answer) and reaches the
    // caller on its muxed RTP port, from the relay's muxed port.
    let (a_end, b_end) = ((&a.rtp, to_a), (&b.rtcp, next_port(to_b)));
    rtcp_crosses(b_end, a_end, (B_SSRC, A_SSRC), "B's RTCP at A");
    // The caller's muxed RTCP reaches the callee's RTCP port from the
    // relay's RTCP port.
    rtcp_crosses(a_end, b_end, (A_SSRC, B_SSRC), "A's RTCP at B");
    call.finish(&tolk);
}

#[test]
fn srtcp_from_a_muxed_srtp_caller_reaches_a_plain_callee_and_back() {
    let ports = Ports::at(41150, "11550-11599", 12600);
    let (a, b) = ports.audio_peers();
    let scenarios = (
        caller_scenario(true, Some(CALLER_CRYPTO), None, 6000),
        callee_scenario(false, ""),
    );
    let Some((tolk, call, (to_a, to_b))) = one_call("rtcp-mux-srtp", &ports, scenarios) else {
        return;
    };
    let answers = received_with(&call.caller_log, "SIP/2.0 200");
    let answer = answers.first().expect("the caller's answer");
    assert!(has(answer, "a=rtcp-mux"), "muxed SRTP leg: {answer:?}");
    let ours = answer
        .iter()
        .find_map(|line| line.strip_prefix("a=crypto:"))
        .expect("the gateway's SDES key");
    let context = |crypto: &str| {
        let key = CryptoAttribute::parse(crypto).expect("SDES key").key;
        new_context(&key).expect("SRTP context")
    };
    let (mut caller_tx, mut caller_rx) = (context(CALLER_CRYPTO), context(ours));

    // SRTCP on the caller's one port reaches the callee's RTCP port as
    // plain RTCP, from the relay's RTCP port (the callee declined mux).
    let rr = rr_and_pli(A_SSRC, B_SSRC);
    let mut buf = [0u8; 1500];
    buf[..rr.len()].copy_from_slice(&rr);
    let n = caller_tx.protect_rtcp(&mut buf, rr.len()).expect("SRTCP");
    a.rtp.send_to(&buf[..n], to_a).expect("send SRTCP");
    assert_eq!(
        receive_rtcp(&b.rtcp),
        Some((rr, next_port(to_b))),
        "the caller's SRTCP at the callee, decrypted"
    );
    // The callee's RTCP reaches the caller's one port as SRTCP.
    let pli = rr_and_pli(B_SSRC, A_SSRC);
    b.rtcp.send_to(&pli, next_port(to_b)).expect("send PLI");
    let (mut got, from) = receive_rtcp(&a.rtp).expect("SRTCP at the caller");
    assert_eq!(from, to_a);
    let len = got.len();
    got.resize(1500, 0);
    let n = caller_rx
        .unprotect_rtcp(&mut got, len)
        .expect("authenticates");
    assert_eq!(
        got[..n],
        pli[..],
        "the callee's RTCP, encrypted for the caller"
    );
    call.finish(&tolk);
}

#[test]
fn a_callee_declining_mux_gets_rtcp_at_the_port_its_rtcp_attribute_names() {
    let ports = Ports::at(41170, "12870-12899", 12900);
    let a = MediaPeer::bind(ports.caller_audio);
    let b_rtcp = UdpSocket::bind(("127.0.0.1", ports.callee_audio + 5)).expect("bind");
    b_rtcp
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let rtcp_line = format!("a=rtcp:{}\n      ", ports.callee_audio + 5);
    let scenarios = (
        caller_scenario(true, None, None, 5000),
        callee_scenario(false, &rtcp_line),
    );
    let Some((tolk, call, (to_a, to_b))) = one_call("rtcp-attribute", &ports, scenarios) else {
        return;
    };
    // RFC 3605: the callee's RTCP port is not its RTP port + 1.
    let (a_end, b_end) = ((&a.rtp, to_a), (&b_rtcp, next_port(to_b)));
    let what = "A's RTCP at the callee's a=rtcp port";
    rtcp_crosses(a_end, b_end, (A_SSRC, B_SSRC), what);
    call.finish(&tolk);
}

#[test]
fn a_caller_without_mux_and_a_muxing_callee_exchange_rtcp_both_ways() {
    let ports = Ports::at(41110, "11700-11799", 12100);
    let (a, b) = ports.audio_peers();
    let scenarios = (
        caller_scenario(false, None, None, 6000),
        callee_scenario(true, ""),
    );
    let Some((tolk, call, (to_a, to_b))) = one_call("rtcp-mux-callee", &ports, scenarios) else {
        return;
    };
    let answers = received_with(&call.caller_log, "SIP/2.0 200");
    assert!(
        answers.first().is_some_and(|a| !has(a, "a=rtcp-mux")),
        "no rtcp-mux in the answer to a caller that did not offer it: {answers:?}"
    );

    rtp_crosses(&a, to_a, &b, A_SSRC);
    rtp_crosses(&b, to_b, &a, B_SSRC);
    let (a_end, b_end) = ((&a.rtcp, next_port(to_a)), (&b.rtp, to_b));
    let what = "B's muxed RTCP at A's RTCP port";
    rtcp_crosses(b_end, a_end, (B_SSRC, A_SSRC), what);
    rtcp_crosses(a_end, b_end, (A_SSRC, B_SSRC), "A's RTCP at B's muxed port");
    call.finish(&tolk);
}

#[test]
fn a_muxed_caller_re_offering_without_mux_is_told_its_rtcp_port() {
    let ports = Ports::at(41120, "11800-11899", 12200);
    let (a, b) = ports.audio_peers();
    let scenarios = (
        caller_scenario(true, None, Some(false), 4000),
        callee_scenario(true, ""),
    );
    let Some((tolk, call, (to_a, to_b))) = one_call("rtcp-mux-reoffer", &ports, scenarios) else {
        return;
    };
    // The re-offer's answer: no rtcp-mux (RFC 8035), our RTCP port named
    // as our one RTP port.
    let rtcp_line = format!("a=rtcp:{}", to_a.port());
    let mut answers = Vec::new();
    wait_for(Duration::from_secs(10), || {
        answers = received_with(&call.caller_log, "SIP/2.0 200");
        answers.len() >= 2
    });
    assert!(
        answers.first().is_some_and(|a| has(a, "a=rtcp-mux")),
        "muxed at first: {answers:?}"
    );
    assert!(
        answers
            .get(1)
            .is_some_and(|a| !has(a, "a=rtcp-mux") && has(a, &rtcp_line)),
        "the answer to the re-offer names our one port for RTCP: {answers:?}"
    );

    rtp_crosses(&a, to_a, &b, A_SSRC);
    let (a_end, b_end) = ((&a.rtcp, to_a), (&b.rtp, to_b));
    rtcp_crosses(a_end, b_end, (A_SSRC, B_SSRC), "A's RTCP at B");
    let what = "B's RTCP at A's RTCP port, from the relay's one port";
    rtcp_crosses(b_end, a_end, (B_SSRC, A_SSRC), what);
    call.finish(&tolk);
}

#[test]
fn a_caller_re_offering_with_mux_gets_it_and_its_rtcp_port_is_closed() {
    let ports = Ports::at(42130, "22600-22649", 22660);
    let (a, b) = ports.audio_peers();
    let scenarios = (
        caller_scenario(false, None, Some(true), 3000),
        callee_scenario(false, ""),
    );
    let Some((tolk, call, (to_a, to_b))) = one_call("rtcp-mux-upgrade", &ports, scenarios) else {
        return;
    };
    let mut answers = Vec::new();
    wait_for(Duration::from_secs(10), || {
        answers = received_with(&call.caller_log, "SIP/2.0 200");
        !answers.is_empty()
    });
    assert!(
        answers.first().is_some_and(|a| !has(a, "a=rtcp-mux")),
        "no mux at first: {answers:?}"
    );
    let relay_rtcp = next_port(to_a);
    assert!(
        UdpSocket::bind(relay_rtcp).is_err(),
        "the relay's RTCP socket for the caller is open"
    );
    wait_for(Duration::from_secs(10), || {
        answers = received_with(&call.caller_log, "SIP/2.0 200");
        answers.len() >= 2
    });
    // RFC 5761 section 5.1.3: the answer to the re-offer muxes.
    assert!(
        answers.get(1).is_some_and(|a| has(a, "a=rtcp-mux")),
        "the answer to the re-offer takes rtcp-mux: {answers:?}"
    );
    rtp_crosses(&a, to_a, &b, A_SSRC);
    let (a_end, b_end) = ((&a.rtp, to_a), (&b.rtcp, next_port(to_b)));
    rtcp_crosses(
        a_end,
        b_end,
        (A_SSRC, B_SSRC),
        "A's RTCP on its RTP port at B",
    );
    let what = "B's RTCP at A's RTP port, from the relay's one port";
    rtcp_crosses(b_end, a_end, (B_SSRC, A_SSRC), what);
    assert!(
        UdpSocket::bind(relay_rtcp).is_ok(),
        "the relay's RTCP socket for the caller is closed"
    );
    call.finish(&tolk);
}

/// Brings up `calls` bridged calls, counts the gateway's sockets with
/// them up and after they end: (per call, left after).
fn sockets_per_call(name: &str, ports: &Ports, mux: bool, calls: u32) -> Option<(usize, usize)> {
    let sipp = tolk_testkit::peer("sipp")?;
    let policy = if mux { "" } else { "rtcp_mux = false" };
    let tolk = Tolk::start(name, &config(ports, policy), ports.admin);
    let pid = tolk.child.id();
    let idle = udp_sockets_of(pid);
    let scenarios = (
        caller_scenario(mux, None, None, 5000),
        callee_scenario(mux, ""),
    );
    let call = place_calls(&tolk, &sipp, ports, scenarios, calls);
    wait_for(Duration::from_secs(10), || {
        tolk.metric("tolk_active_calls") == u64::from(calls)
    });
    // Let the answers settle the offered mux (or bind its RTCP port).
    std::thread::sleep(Duration::from_millis(500));
    let busy = udp_sockets_of(pid);
    call.finish(&tolk);
    // The relay keeps ended calls' sockets idle for new calls, and
    // closes them after its idle timeout (10 s by default).
    let mut after = usize::MAX;
    wait_for(Duration::from_secs(15), || {
        after = udp_sockets_of(pid);
        after == idle
    });
    Some(((busy - idle) / calls as usize, after.saturating_sub(idle)))
}

#[test]
fn a_call_muxed_on_both_legs_holds_two_relay_sockets_and_four_without() {
    let muxed = Ports::at(41130, "11900-11999", 12300);
    let Some(with_mux) = sockets_per_call("rtcp-mux-fds", &muxed, true, 5) else {
        return;
    };
    assert_eq!(with_mux, (2, 0), "sockets per muxed call, and left after");
    let separate = Ports::at(41140, "12400-12499", 12500);
    let without = sockets_per_call("rtcp-mux-off-fds", &separate, false, 5);
    assert_eq!(without, Some((4, 0)), "sockets per call without mux");
}

#[test]
fn a_muxed_caller_to_the_echo_gets_its_rtcp_back_on_its_one_port() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let ports = Ports::at(41160, "12700-12799", 12800);
    let tolk = Tolk::start("rtcp-mux-echo", &config(&ports, ""), ports.admin);
    let pid = tolk.child.id();
    let idle = udp_sockets_of(pid);
    let a = MediaPeer::bind(ports.caller_audio);
    tolk.write_scenario("mux_caller.xml", &caller_scenario(true, None, None, 4000));
    let log = tolk.dir.join("caller.msg");
    let caller = mux_peer("mux_caller.xml", ports.caller, ports.caller_audio)
        .message_log(&log)
        .calls(1)
        .calling("echo", ports.tolk);
    let caller = tolk.sipp_thread(&sipp, caller);
    let mut answers = Vec::new();
    wait_for(Duration::from_secs(10), || {
        answers = received_with(&log, "SIP/2.0 200");
        !answers.is_empty()
    });
    let answer = answers.first().expect("the echo's answer");
    assert!(has(answer, "a=rtcp-mux"), "muxed echo: {answer:?}");
    // The caller's leg and the looped leg: one socket each.
    assert_eq!(
        udp_sockets_of(pid) - idle,
        2,
        "relay sockets of an echo call"
    );
    let relay = relay_addr(&log, "audio", &[ports.caller_audio]).expect("the echo's port");
    let a_end = (&a.rtp, relay);
    rtcp_crosses(a_end, a_end, (A_SSRC, B_SSRC), "RTCP echoed");
    tolk.assert_sipp_succeeds(caller, "the caller");
    tolk.assert_idle();
}
