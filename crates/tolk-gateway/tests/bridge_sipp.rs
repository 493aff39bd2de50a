//! The B2BUA end to end with real peers: sipp callers -> `tolk run` ->
//! sipp callees (echoing RTP), on loopback. Each scenario counts the
//! node's resources (calls, SIP dialogs, relay sessions) back to zero.

mod harness;

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use harness::*;

#[test]
fn a_registered_callee_gets_the_callers_media_through_the_relay() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = "[[route]]\nuser = \".+\"\ntarget = \"registrar\"\n";
    let tolk = Tolk::run(
        "bridge-reg",
        &NodeConfig::new(27320, 27381, "31000-31099").with(routes),
    );
    let _callee = tolk.callee(&sipp, 27322, 33000);
    let register = Scenario::file("register.xml")
        .calling("bob", 27320)
        .port(27324)
        .key("contact_port", 27322)
        .calls(1);
    let status = tolk.sipp(&sipp, register);
    assert!(status.success(), "REGISTER failed: {status}");

    let caller = tolk.caller(
        &sipp,
        "bob",
        27320,
        27323,
        33100,
        &["-m", "3", "-r", "3", "-d", "3000"],
    );
    // While the calls are up, media flows both ways on both legs.
    tolk.assert_media_flows(caller, |leg| leg["codecs"][0] == "PCMU/8000");
    assert_eq!(tolk.metric("tolk_call_setups_total"), 3);
    assert!(tolk.metric("tolk_relay_packets_total") > 100);
    tolk.assert_idle();
}

#[test]
fn refusals_carry_the_right_status() {
    let routes = r#"
[[peer]]
name = "alaw"
address = "127.0.0.1:27349"
media = { codecs = ["pcma"], transcoding = false }

[[route]]
user = "^alaw$"
target = "peer:alaw"

[[route]]
user = "^bob$"
target = "registrar"
"#;
    let tolk = Tolk::run(
        "bridge-refuse",
        &NodeConfig::new(27340, 27383, "31200-31299").with(routes),
    );
    let no_route = request(27340, 27341, &invite("nobody", 27340, 27341, (0, "PCMU")));
    assert!(no_route.starts_with("SIP/2.0 404"), "{no_route}");
    let unregistered = request(27340, 27342, &invite("bob", 27340, 27342, (0, "PCMU")));
    assert!(unregistered.starts_with("SIP/2.0 480"), "{unregistered}");
    let no_codec = request(27340, 27343, &invite("alaw", 27340, 27343, (0, "PCMU")));
    assert!(no_codec.starts_with("SIP/2.0 488"), "{no_codec}");
    assert!(no_codec.contains("\r\nWarning: 305 "), "{no_codec}");
    let bad_sdp = invite("alaw", 27340, 27344, (0, "PCMU")).replace("v=0", "v=x");
    let bad_sdp = request(27340, 27344, &bad_sdp);
    assert!(bad_sdp.starts_with("SIP/2.0 400"), "{bad_sdp}");
    let metrics = tolk.http("GET", "/metrics");
    for line in [
        "tolk_call_failures_total{status=\"404\"} 1",
        "tolk_call_failures_total{status=\"480\"} 1",
        "tolk_call_failures_total{status=\"488\"} 1",
    ] {
        assert!(metrics.contains(line), "missing {line} in {metrics}");
    }
    tolk.assert_idle();
}

/// A caller's media policy comes from the peer it really sends from,
/// not from the Via sent-by it writes (anyone can claim to be a peer).
#[test]
fn a_peer_is_recognised_by_its_source_address_not_its_via() {
    let routes = r#"
[[peer]]
name = "picky"
address = "127.0.0.1:27372"
media = { codecs = ["pcma"], transcoding = false }

[[route]]
user = "^echo$"
target = "echo"
"#;
    let tolk = Tolk::run(
        "bridge-source",
        &NodeConfig::new(27375, 27376, "34900-34999").with(routes),
    );
    // From 27373, claiming the picky peer's 27372 in Via (rport brings
    // the responses back here): the default policy takes PCMU.
    let spoofed = invite("echo", 27375, 27372, (0, "PCMU")).replace(
        "Via: SIP/2.0/UDP 127.0.0.1:27372;branch=z9hG4bKecho27372",
        "Via: SIP/2.0/UDP 127.0.0.1:27372;rport;branch=z9hG4bKspoof",
    );
    let ok = request(27375, 27373, &spoofed);
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    let socket = UdpSocket::bind("127.0.0.1:27373").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let uri = "sip:echo@127.0.0.1:27375";
    let via = "127.0.0.1:27372;rport";
    for request in [("ACK", 1), ("BYE", 2)] {
        let message = in_dialog(&ok, uri, via, request, "", "");
        socket
            .send_to(message.as_bytes(), "127.0.0.1:27375")
            .expect("send");
    }
    let bye_ok = final_response(&socket, "BYE");
    assert!(bye_ok.starts_with("SIP/2.0 200"), "{bye_ok}");
    drop(socket);

    // The picky peer itself gets its own policy: no PCMU.
    let refused = request(27375, 27372, &invite("echo", 27375, 27372, (0, "PCMU")));
    assert!(refused.starts_with("SIP/2.0 488"), "{refused}");
    tolk.assert_idle();
}

/// RFC 3261 section 14.2: a re-INVITE without an offer (a common session
/// refresh) gets our current SDP unchanged as the offer, and the ACK
/// carries the answer; the call stays up.
#[test]
fn an_offerless_reinvite_gets_the_current_sdp() {
    let routes = r#"
[[route]]
user = "^echo$"
target = "echo"
"#;
    let tolk = Tolk::run(
        "bridge-offerless",
        &NodeConfig::new(27308, 27309, "31400-31499").with(routes),
    );
    let socket = UdpSocket::bind("127.0.0.1:27312").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let answered = |message: &str, method: &str| {
        socket
            .send_to(message.as_bytes(), "127.0.0.1:27308")
            .expect("send");
        final_response(&socket, method)
    };
    let ok = answered(&invite("echo", 27308, 27312, (0, "PCMU")), "INVITE");
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    let (_, first_sdp) = ok.split_once("\r\n\r\n").expect("SDP");
    let in_dialog = |method: &str, seq: u32, body: &str| {
        let mut headers = "Contact: <sip:t@127.0.0.1:27312>\r\n".to_owned();
        if !body.is_empty() {
            headers.push_str("Content-Type: application/sdp\r\n");
        }
        let uri = "sip:echo@127.0.0.1:27308";
        in_dialog(&ok, uri, "127.0.0.1:27312", (method, seq), &headers, body)
    };
    let sender = UdpSocket::bind("127.0.0.1:27313").expect("bind");
    let send = |message: String| {
        sender
            .send_to(message.as_bytes(), "127.0.0.1:27308")
            .expect("send");
    };
    send(in_dialog("ACK", 1, ""));

    let refreshed = answered(&in_dialog("INVITE", 2, ""), "INVITE");
    assert!(refreshed.starts_with("SIP/2.0 200"), "{refreshed}");
    let (_, offer) = refreshed.split_once("\r\n\r\n").expect("SDP offer");
    assert_eq!(offer, first_sdp, "the current SDP, same o= version");
    let answer = "v=0\r\no=t 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                  m=audio 33990 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    send(in_dialog("ACK", 2, answer));

    let bye_ok = answered(&in_dialog("BYE", 3, ""), "BYE");
    assert!(bye_ok.starts_with("SIP/2.0 200"), "{bye_ok}");
    tolk.assert_idle();
}

/// SIP to SIP, the callee's refusal reaches the caller with its own
/// status (480), not rewritten through a Q.850 cause (408).
#[test]
fn a_sip_callees_refusal_keeps_its_status() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("refusing", 27318, "");
    let tolk = Tolk::run(
        "bridge-status",
        &NodeConfig::new(27315, 27319, "31500-31599").with(routes),
    );
    let rejecting = Scenario::once("callee_rejects.xml", 27318, 34740);
    let callee = tolk.sipp_thread(&sipp, rejecting);
    std::thread::sleep(Duration::from_millis(300));
    let refused = request(27315, 27321, &invite("svc", 27315, 27321, (0, "PCMU")));
    assert!(refused.starts_with("SIP/2.0 480"), "{refused}");
    let callee = callee.join().expect("callee thread");
    assert!(callee.success(), "callee: {callee}");
}

#[test]
fn silent_media_ends_the_call_and_sigterm_drains() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("callee", 27352, "");
    let tolk = Tolk::run(
        "bridge-timeout",
        &NodeConfig::new(27350, 27384, "31300-31399").with(routes),
    );
    let _callee = tolk.callee(&sipp, 27352, 33200);
    // No media from the caller: the relay's timeout (3 s) ends the call
    // with a BYE to both legs, which the caller scenario expects.
    let silent = Scenario::once("callee_hangs_up_on_bye.xml", 27353, 33300).calling("svc", 27350);
    let status = tolk.sipp(&sipp, silent);
    assert!(
        status.success(),
        "the silent call was not torn down: {status}"
    );
    tolk.assert_idle();

    // SIGTERM during a call: new calls get 503 with Retry-After, the call
    // up continues to its end, then the node exits.
    let caller = tolk.caller(
        &sipp,
        "svc",
        27350,
        27355,
        33400,
        &["-m", "1", "-d", "4000"],
    );
    assert!(wait_for(Duration::from_secs(5), || tolk
        .metric("tolk_active_calls")
        == 1));
    let pid = tolk.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    let refused = request(27350, 27354, &invite("svc", 27350, 27354, (0, "PCMU")));
    assert!(
        refused.starts_with("SIP/2.0 503") && refused.contains("\r\nRetry-After: "),
        "{refused}"
    );
    tolk.assert_sipp_succeeds(caller, "the call up did not survive the drain");
    let mut tolk = tolk;
    let exited = wait_for(Duration::from_secs(10), || {
        matches!(tolk.child.try_wait(), Ok(Some(_)))
    });
    assert!(exited, "tolk did not exit after draining");
}

#[test]
fn a_thousand_calls_at_a_hundred_per_second_to_a_peer() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("callee", 27332, "");
    let tolk = Tolk::run(
        "bridge-load",
        &NodeConfig::new(27330, 27382, "32000-32999").with(routes),
    );
    let _callee = tolk.callee(&sipp, 27332, 33500);
    let started = Instant::now();
    let caller = tolk.caller(
        &sipp,
        "svc",
        27330,
        27333,
        // sipp's RTP streams take ports upward from here, two per call up.
        34500,
        &["-m", "1000", "-r", "100", "-l", "150", "-d", "500"],
    );
    let status = caller.join().expect("caller thread");
    let elapsed = started.elapsed();
    assert!(
        status.success(),
        "sipp reported failed calls: {status}\n{}\n{}",
        tolk.http("GET", "/metrics"),
        tolk.sipp_errors()
    );
    assert_eq!(tolk.metric("tolk_call_setups_total"), 1000);
    let metrics = tolk.http("GET", "/metrics");
    assert!(
        !metrics.contains("tolk_call_failures_total{"),
        "failures: {metrics}"
    );
    // Media crossed the relay both ways: 0.5 s of 20 ms packets from the
    // caller and their echo, less what is in flight at either end.
    assert!(
        tolk.metric("tolk_relay_packets_total") > 1000 * 30,
        "{metrics}"
    );
    tolk.assert_idle();
    eprintln!("1000 bridged calls with media in {elapsed:?}");
}

#[test]
fn a_callee_without_the_callers_codec_is_transcoded() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route(
        "alaw",
        27362,
        r#"media = { codecs = ["pcma"], transcoding = true }"#,
    );
    let tolk = Tolk::run(
        "bridge-transcode",
        &NodeConfig::new(27360, 27385, "31100-31199").with(routes),
    );
    let _callee = tolk.callee_with(&sipp, &["-sf", "callee_pcma.xml"], 27362, 33700);
    let caller = tolk.caller(
        &sipp,
        "alaw",
        27360,
        27363,
        33800,
        &["-m", "1", "-d", "3000"],
    );
    // PCMU from the caller reaches the A-law callee and its echo comes back.
    let transcoded = wait_for(Duration::from_secs(8), || {
        let legs = tolk.calls()[0]["legs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        legs.len() == 2
            && legs[0]["codecs"][0] == "PCMU/8000"
            && legs[1]["codecs"][0] == "PCMA/8000"
            && legs.iter().all(|leg| {
                leg["packets_in"].as_u64().unwrap_or(0) > 10
                    && leg["packets_out"].as_u64().unwrap_or(0) > 10
            })
    });
    assert!(
        transcoded,
        "no transcoded media: {}",
        tolk.http("GET", "/calls")
    );
    assert_eq!(tolk.metric("tolk_transcoded_streams"), 2);
    tolk.assert_sipp_succeeds(caller, "sipp caller reported failed calls");
    assert_eq!(tolk.metric("tolk_transcoded_streams"), 0);
    tolk.assert_idle();
}

#[test]
fn an_srtp_caller_reaches_a_plain_rtp_callee() {
    use tolk_relay::srtp::sdes::{CryptoAttribute, format_inline};
    use tolk_relay::srtp::{SrtpKey, SrtpProfile, new_context};

    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("plain", 27392, r#"media = { srtp = "off" }"#);
    let tolk = Tolk::run(
        "bridge-srtp",
        &NodeConfig::new(27390, 27387, "31600-31699").with(routes),
    );
    let _callee = tolk.callee(&sipp, 27392, 33900);

    // The caller: SDES-SRTP only (RTP/SAVP), its key in a=crypto.
    let media = UdpSocket::bind("127.0.0.1:33950").expect("media socket");
    media
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let our_key =
        SrtpKey::new(SrtpProfile::AesCm128HmacSha1_80, &[0x31; 16], &[0x42; 14]).expect("key");
    let sdp = format!(
        "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 33950 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80 {}\r\n",
        format_inline(&our_key)
    );
    let invite = invite("svc", 27390, 27391, (0, "PCMU"));
    let (head, _) = invite.split_once("\r\n\r\n").expect("head");
    let head = head.replace(
        &header(head, "Content-Length").to_owned(),
        &format!("Content-Length: {}", sdp.len()),
    );
    let signalling = UdpSocket::bind("127.0.0.1:27391").expect("bind");
    signalling
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    signalling
        .send_to(format!("{head}\r\n\r\n{sdp}").as_bytes(), "127.0.0.1:27390")
        .expect("send INVITE");
    let ok = final_response(&signalling, "INVITE");
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    let (_, answer) = ok.split_once("\r\n\r\n").expect("SDP answer");
    let answer = tolk_sdp::parse(answer.as_bytes()).expect("answer parses");
    let line = &answer.media[0];
    assert_eq!(line.protocol.as_str(), "RTP/SAVP", "{answer}");
    let tolk_key = CryptoAttribute::parse(&line.crypto[0].to_string())
        .expect("Tolk's key")
        .key;
    let relay = std::net::SocketAddr::new([127, 0, 0, 1].into(), line.port);
    let (uri, via) = ("sip:svc@127.0.0.1:27390", "127.0.0.1:27391");
    let dialog = |method: &str, seq: u32| in_dialog(&ok, uri, via, (method, seq), "", "");
    signalling
        .send_to(dialog("ACK", 1).as_bytes(), "127.0.0.1:27390")
        .expect("send ACK");

    // SRTP to the relay; the plain callee echoes; SRTP under Tolk's key
    // back. The sequence numbers wrap, so the rollover counter is 1.
    let (mut protect, mut unprotect) = (
        new_context(&our_key).expect("context"),
        new_context(&tolk_key).expect("context"),
    );
    let mut echoed = 0;
    let mut exchange = |round: u16, unprotect: &mut Box<dyn tolk_relay::srtp::SrtpContext>| {
        for i in round * 50..(round + 1) * 50 {
            let seq = 65_500u16.wrapping_add(i);
            let mut packet = vec![0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5e, 0xc5];
            packet[2..4].copy_from_slice(&seq.to_be_bytes());
            packet[4..8].copy_from_slice(&(u32::from(i) * 160).to_be_bytes());
            packet.extend(std::iter::repeat_n(i as u8, 160));
            let plain = packet.clone();
            packet.resize(1500, 0);
            let len = protect.protect_rtp(&mut packet, 172).expect("protect");
            media.send_to(&packet[..len], relay).expect("send SRTP");
            let mut buf = [0u8; 1500];
            if let Ok(n) = media.recv(&mut buf) {
                let len = unprotect
                    .unprotect_rtp(&mut buf, n)
                    .expect("Tolk's SRTP authenticates");
                assert_eq!(buf[12..len], plain[12..], "echoed payload");
                echoed += 1;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    exchange(0, &mut unprotect);

    // A session refresh re-INVITE with the same offer: the relay keeps
    // its SRTP context for our unchanged key (a fresh one would restart
    // at rollover counter 0 and fail every packet from here on).
    let refresh = sdp.replace("o=t 1 1", "o=t 1 2");
    let offering = "Contact: <sip:t@127.0.0.1:27391>\r\nContent-Type: application/sdp\r\n";
    let reinvite = in_dialog(&ok, uri, via, ("INVITE", 2), offering, &refresh);
    signalling
        .send_to(reinvite.as_bytes(), "127.0.0.1:27390")
        .expect("send re-INVITE");
    let refreshed = final_response(&signalling, "INVITE");
    assert!(refreshed.starts_with("SIP/2.0 200"), "{refreshed}");
    signalling
        .send_to(dialog("ACK", 2).as_bytes(), "127.0.0.1:27390")
        .expect("send ACK");
    let (_, answer) = refreshed.split_once("\r\n\r\n").expect("SDP answer");
    let answer = tolk_sdp::parse(answer.as_bytes()).expect("answer parses");
    let refreshed_key = CryptoAttribute::parse(&answer.media[0].crypto[0].to_string())
        .expect("Tolk's key")
        .key;
    if refreshed_key != tolk_key {
        unprotect = new_context(&refreshed_key).expect("context");
    }
    exchange(1, &mut unprotect);
    assert!(echoed > 80, "only {echoed} of 100 packets came back");
    let calls = tolk.http("GET", "/calls");
    assert!(
        calls.contains("SDES AES_CM_128_HMAC_SHA1_80") && calls.contains("RTP/AVP"),
        "{calls}"
    );

    signalling
        .send_to(dialog("BYE", 3).as_bytes(), "127.0.0.1:27390")
        .expect("send BYE");
    let bye_ok = final_response(&signalling, "BYE");
    assert!(bye_ok.starts_with("SIP/2.0 200"), "{bye_ok}");
    tolk.assert_idle();
}

#[test]
fn rfc4733_key_presses_reach_an_info_peer_as_sip_info() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route(
        "info",
        27302,
        r#"media = { codecs = ["pcma"], dtmf = "info" }"#,
    );
    let tolk = Tolk::run(
        "bridge-dtmf",
        &NodeConfig::new(27300, 27388, "31700-31799").with(routes),
    );
    let callee = Scenario::once("callee_info.xml", 27302, 34000);
    let caller = Scenario::once("caller_dtmf.xml", 27303, 34100)
        .calling("svc", 27300)
        .args(&["-d", "1500"]);
    let Outcome { caller, callee, .. } = tolk.sipp_call(&sipp, callee, caller).join();
    assert!(caller.success(), "the caller failed: {caller}");
    assert!(
        callee.success(),
        "the INFO callee did not get Signal=1: {callee}"
    );
    tolk.assert_idle();
}

#[test]
fn a_hold_from_the_caller_is_renegotiated_on_both_legs() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("held", 27306, "");
    let tolk = Tolk::run(
        "bridge-hold",
        &NodeConfig::new(27304, 27389, "31800-31899").with(routes),
    );
    let callee = Scenario::once("callee_held.xml", 27306, 34200);
    let caller = Scenario::once("caller_hold.xml", 27307, 34300).calling("svc", 27304);
    let Outcome { caller, callee, .. } = tolk.sipp_call(&sipp, callee, caller).join();
    let errors = tolk.sipp_errors();
    assert!(
        caller.success(),
        "the caller's hold failed: {caller}\n{errors}"
    );
    assert!(
        callee.success(),
        "the callee was not re-offered sendonly: {callee}\n{errors}"
    );
    tolk.assert_idle();
}

#[test]
fn the_admin_api_hangs_up_a_bridged_call() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("callee", 27316, "");
    let config = NodeConfig::new(27314, 27379, "31900-31999")
        .media_timeout(60)
        .with(routes);
    let tolk = Tolk::run("bridge-admin", &config);
    let _callee = tolk.callee(&sipp, 27316, 34250);
    // The caller waits for a BYE: only the hang-up can send it in time.
    let waiting = Scenario::once("callee_hangs_up_on_bye.xml", 27317, 34350).calling("svc", 27314);
    let caller = tolk.sipp_thread(&sipp, waiting);
    assert!(wait_for(Duration::from_secs(5), || tolk
        .metric("tolk_active_calls")
        == 1));
    let id = tolk.calls()[0]["id"].as_str().expect("call id").to_owned();
    let hung_up = Instant::now();
    let deleted = tolk.http("DELETE", &format!("/calls/{id}"));
    assert!(deleted.starts_with("HTTP/1.1 204"), "{deleted}");
    tolk.assert_sipp_succeeds(caller, "the caller got no BYE");
    assert!(hung_up.elapsed() < Duration::from_secs(20));
    // Once both legs have ended the call is gone.
    tolk.assert_idle();
    let again = tolk.http("DELETE", &format!("/calls/{id}"));
    assert!(again.starts_with("HTTP/1.1 404"), "{again}");
}

#[test]
fn early_media_and_cancel_cross_the_bridge() {
    call_through(
        ("caller_cancels.xml", "callee_rings.xml"),
        [27325, 27326, 27327, 27378],
        [34450, 34460],
        "33600-33699",
        // The caller's CANCEL is one 487, counted once.
        &[
            ("tolk_call_failures_total{status=\"487\"}", 1),
            ("tolk_call_ends_total{reason=\"cancel\"}", 1),
        ],
    );
}

/// RFC 3261 section 9.1: a 2xx that crosses the CANCEL is ACKed and the
/// callee hung up, as the caller is gone.
#[test]
fn a_callee_answering_after_the_cancel_is_hung_up() {
    call_through(
        ("caller_cancels.xml", "callee_answers_after_cancel.xml"),
        [27364, 27365, 27366, 27367],
        [34700, 34710],
        "34600-34699",
        &[
            ("tolk_call_failures_total{status=\"487\"}", 1),
            ("tolk_call_setups_total", 0),
            ("tolk_active_calls", 0),
        ],
    );
}

/// The callee's 2xx crossing the CANCEL, retransmitted: the user agent
/// ACKs each copy and sends one BYE (RFC 3261 13.2.2.4).
#[test]
fn a_callee_answering_twice_after_the_cancel_gets_one_bye() {
    call_through(
        (
            "caller_cancels.xml",
            "callee_answers_twice_after_cancel.xml",
        ),
        [42750, 42751, 42752, 42753],
        [26800, 26810],
        "26820-26899",
        &[
            ("tolk_call_failures_total{status=\"487\"}", 1),
            ("tolk_call_setups_total", 0),
            ("tolk_active_calls", 0),
        ],
    );
}

/// A 2xx without an SDP answer fails the call (488 to the caller) and
/// the callee's dialog, up since the UA's ACK, ends with BYE.
#[test]
fn a_callee_answering_without_sdp_is_hung_up() {
    call_through(
        ("caller_refused.xml", "callee_answers_without_sdp.xml"),
        [27368, 27369, 27370, 27371],
        [34720, 34730],
        "34800-34899",
        &[
            ("tolk_call_failures_total{status=\"488\"}", 1),
            ("tolk_call_ends_total{reason=\"answer_without_sdp\"}", 1),
        ],
    );
}

/// One call from a sipp caller to a sipp callee through Tolk, each with
/// its scenario; ports: Tolk, callee, caller and admin; the callee's and
/// caller's media; the metrics expected once the call is over.
fn call_through(
    (caller_scenario, scenario): (&str, &str),
    ports: [u16; 4],
    media: [u16; 2],
    relay_ports: &str,
    metrics: &[(&str, u64)],
) {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let [tolk_port, callee_port, caller_port, admin] = ports;
    let config = NodeConfig::new(tolk_port, admin, relay_ports).with(&peer_route(
        "ringing",
        callee_port,
        "",
    ));
    let tolk = Tolk::run(&format!("bridge-cancel-{tolk_port}"), &config);
    let [callee_media, caller_media] = media;
    let callee = Scenario::once(scenario, callee_port, callee_media);
    let caller =
        Scenario::once(caller_scenario, caller_port, caller_media).calling("svc", tolk_port);
    let Outcome { caller, callee, .. } = tolk.sipp_call(&sipp, callee, caller).join();
    let errors = tolk.sipp_errors();
    assert!(
        caller.success(),
        "the caller did not get what it expected: {caller}\n{errors}"
    );
    assert!(
        callee.success(),
        "the callee did not get what it expected: {callee}\n{errors}"
    );
    tolk.assert_idle();
    for (name, value) in metrics {
        assert_eq!(
            tolk.metric(name),
            *value,
            "{name}\n{}",
            tolk.http("GET", "/metrics")
        );
    }
}

/// A storm of calls to a peer that never answers (a blackhole: not even
/// 100 Trying): each outgoing INVITE times out (Timer B), every caller
/// gets 504, each failure is counted once, and calls, SIP dialogs and
/// relay sessions all return to zero.
#[test]
fn a_storm_of_calls_to_a_blackhole_fails_with_504_and_frees_everything() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    // Bound and never read: the INVITEs go nowhere.
    let blackhole = UdpSocket::bind("127.0.0.1:0").expect("bind the blackhole");
    let hole = blackhole.local_addr().expect("blackhole address");
    let routes = peer_route("blackhole", hole.port(), "");
    let tolk = Tolk::run(
        "bridge-blackhole",
        &NodeConfig::new(29400, 29500, "54000-54999").with(&routes),
    );
    let storm = Scenario::file("caller_times_out.xml")
        .calling("svc", 29400)
        .port(29402)
        .media_port(55000)
        .calls(200)
        .args(&["-r", "100"]);
    let caller = tolk.sipp_thread(&sipp, storm);
    tolk.assert_sipp_succeeds(caller, "not every caller got 504");
    tolk.assert_idle();
    let metrics = tolk.http("GET", "/metrics");
    assert_eq!(
        tolk.metric("tolk_call_failures_total{status=\"504\"}"),
        200,
        "{metrics}"
    );
    assert_eq!(tolk.metric("tolk_call_setups_total"), 0, "{metrics}");
    assert_eq!(
        tolk.metric("tolk_call_ends_total{reason=\"timeout\"}"),
        200,
        "{metrics}"
    );
}

/// A callee that rings (180) and never answers is cancelled after the
/// ring timeout and its caller gets 480 (cause 19, RFC 3398); the media
/// timeout, shorter, does not apply to a call that is still ringing.
#[test]
fn a_callee_ringing_forever_is_cancelled_at_the_ring_timeout() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = &peer_route("ringing", 29411, "");
    // Media timeout 3 s, ring timeout 5 s.
    let config = NodeConfig::new(29410, 29501, "55100-55199")
        .ring_timeout(5)
        .with(routes);
    let tolk = Tolk::run("bridge-ring", &config);
    let callee = Scenario::once("callee_only_rings.xml", 29411, 55300);
    let caller = Scenario::once("caller_not_answered.xml", 29412, 55310).calling("svc", 29410);
    let Outcome {
        caller,
        callee,
        caller_ran: rang,
    } = tolk.sipp_call(&sipp, callee, caller).join();
    let errors = tolk.sipp_errors();
    assert!(
        caller.success(),
        "the caller did not get 480: {caller}\n{errors}"
    );
    assert!(
        callee.success(),
        "the callee was not cancelled: {callee}\n{errors}"
    );
    assert!(rang >= Duration::from_secs(5), "cancelled after {rang:?}");
    tolk.assert_idle();
    assert_eq!(tolk.metric("tolk_call_failures_total{status=\"480\"}"), 1);
    assert_eq!(
        tolk.metric("tolk_call_ends_total{reason=\"ring_timeout\"}"),
        1
    );
}
