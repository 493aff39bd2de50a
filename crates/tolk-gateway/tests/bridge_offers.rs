//! Offer/answer across the bridge with real peers: a caller whose INVITE
//! has no offer (late offer), and re-offers that cross (glare, 491).

mod harness;

use std::time::Duration;

use harness::*;

#[test]
fn a_late_offer_caller_gets_our_offer_in_the_2xx_and_media_flows() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let tolk = Tolk::run(
        "late-offer",
        &NodeConfig::new(29240, 29304, "52500-52599").with(&peer_route("callee", 29241, "")),
    );
    let _callee = tolk.callee(&sipp, 29241, 52600);
    std::thread::sleep(Duration::from_millis(300));
    let late = Scenario::file("caller_late_offer.xml")
        .calling("bob", 29240)
        .port(29242)
        .media_port(52700)
        .args(&["-d", "3000"])
        .calls(1);
    let caller = tolk.sipp_thread(&sipp, late);
    tolk.assert_media_flows(caller, |_| true);
    assert_eq!(tolk.metric("tolk_call_setups_total"), 1);
    tolk.assert_idle();
}

#[test]
fn a_late_offer_caller_hears_the_echo() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let config =
        NodeConfig::new(29246, 29309, "53200-53299").with("[[route]]\ntarget = \"echo\"\n");
    let tolk = Tolk::run("late-offer-echo", &config);
    let late = Scenario::file("caller_late_offer.xml")
        .calling("echo", 29246)
        .port(29247)
        .media_port(53300)
        .args(&["-d", "3000"])
        .calls(1);
    let caller = tolk.sipp_thread(&sipp, late);
    let echoed = wait_for(Duration::from_secs(10), || {
        let leg = &tolk.calls()[0]["legs"][0];
        leg["packets_in"].as_u64().unwrap_or(0) > 10
            && leg["packets_out"].as_u64().unwrap_or(0) > 10
            && leg["codecs"][0] == "PCMU/8000"
    });
    tolk.assert_sipp_succeeds(caller, "late-offer caller failed");
    assert!(echoed, "no echo: {}", tolk.http("GET", "/calls"));
    tolk.assert_idle();
}

#[test]
fn a_late_offer_caller_without_an_answer_in_its_ack_is_hung_up() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let tolk = Tolk::run(
        "late-offer-noanswer",
        &NodeConfig::new(29243, 29305, "52800-52899").with(&peer_route("callee", 29244, "")),
    );
    let late = include_str!("sipp/caller_late_offer.xml");
    let no_answer = late
        .replace(
            "      Content-Type: application/sdp\n      Content-Length: [len]\n\n      v=0\n      o=caller 1 1 IN IP4 [local_ip]\n      s=-\n      c=IN IP4 [media_ip]\n      t=0 0\n      m=audio [rtpstream_audio_port] RTP/AVP 0\n      a=rtpmap:0 PCMU/8000\n",
            "      Content-Length: 0\n",
        );
    assert_ne!(no_answer, late);
    // After the ACK without SDP, Tolk sends BYE: the caller answers it.
    let start = no_answer.find("  <nop>").expect("media part");
    let no_answer = format!(
        "{}  <recv request=\"BYE\"/>\n  {}\n  <Reference variables=\"offer\"/>\n</scenario>\n",
        &no_answer[..start],
        reply("200 OK")
    );
    tolk.write_scenario("late_no_answer.xml", &no_answer);
    let _callee = tolk.callee(&sipp, 29244, 52900);
    std::thread::sleep(Duration::from_millis(300));
    let caller = Scenario::file("late_no_answer.xml")
        .calling("bob", 29243)
        .port(29245)
        .calls(1);
    let ok = tolk.sipp(&sipp, caller);
    assert!(
        ok.success(),
        "the caller was not hung up: {}",
        tolk.sipp_errors()
    );
    tolk.assert_idle();
}

/// A callee answering its first re-INVITE with 491 (glare), then
/// expecting the same hold offer again.
fn callee_refusing_first_reinvite() -> String {
    let held = include_str!("sipp/callee_held.xml");
    let glare = format!(
        "<recv request=\"ACK\" crlf=\"true\"/>\n  <recv request=\"INVITE\"/>\n  {}\n  <recv request=\"ACK\"/>",
        reply("491 Request Pending")
    );
    held.replacen(r#"<recv request="ACK" crlf="true"/>"#, &glare, 1)
}

/// A callee that takes 1.5 s to answer the hold re-INVITE.
fn callee_slow_to_answer_the_hold() -> String {
    let held = include_str!("sipp/callee_held.xml");
    let at = held
        .match_indices(r#"<send retrans="500">"#)
        .nth(1)
        .map(|(at, _)| at)
        .expect("the re-INVITE's 200");
    let trying = format!(
        "{}\n  <pause milliseconds=\"1500\"/>\n  ",
        reply("100 Trying")
    );
    format!("{}{trying}{}", &held[..at], &held[at..])
}

/// The hold caller, holding long enough for a glare retry, and (with
/// `resume_early`) re-INVITEing to resume while the hold is still being
/// relayed to the callee: that one must get 491.
fn caller_holding(resume_early: bool) -> String {
    let hold = include_str!("sipp/caller_hold.xml").replace(
        r#"<pause milliseconds="500"/>"#,
        r#"<pause milliseconds="5000"/>"#,
    );
    if !resume_early {
        return hold;
    }
    let resume = r#"<pause milliseconds="200"/>
  <send retrans="500">
    <![CDATA[
      INVITE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:caller@[local_ip]:[local_port]>;tag=[pid]h[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 INVITE
      Contact: <sip:caller@[local_ip]:[local_port]>
      [routes]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 3 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendrecv

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="491"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3]
      From: <sip:caller@[local_ip]:[local_port]>;tag=[pid]h[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="5000"/>"#;
    hold.replace(r#"<pause milliseconds="5000"/>"#, resume)
        .replace("CSeq: 3 BYE", "CSeq: 4 BYE")
}

/// Caller and callee scenarios through one node; both must succeed.
/// Returns the callee's message trace (None without sipp).
fn renegotiate(name: &str, caller: &str, callee: &str, ports: [u16; 4]) -> Option<String> {
    let sipp = tolk_testkit::peer("sipp")?;
    let [tolk_port, callee_port, caller_port, admin] = ports;
    // No RTP in these scenarios: the media timeout must outlast them.
    let config = NodeConfig::new(tolk_port, admin, "53100-53199")
        .media_timeout(30)
        .with(&peer_route("callee", callee_port, ""));
    let tolk = Tolk::run(name, &config);
    tolk.write_scenario("glare_callee.xml", callee);
    tolk.write_scenario("glare_caller.xml", caller);
    let callee = Scenario::file("glare_callee.xml")
        .port(callee_port)
        .calls(1)
        .args(&["-trace_msg"]);
    let caller = Scenario::file("glare_caller.xml")
        .calling("svc", tolk_port)
        .port(caller_port)
        .calls(1);
    let Outcome { caller, callee, .. } = tolk.sipp_call(&sipp, callee, caller).join();
    let errors = tolk.sipp_errors();
    assert!(caller.success(), "caller: {caller}\n{errors}");
    assert!(callee.success(), "callee: {callee}\n{errors}");
    tolk.assert_idle();
    let trace = std::fs::read_dir(&tolk.dir)
        .expect("test dir")
        .flatten()
        .find(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("glare_callee_") && name.ends_with("_messages.log")
        })
        .and_then(|e| std::fs::read_to_string(e.path()).ok())
        .unwrap_or_default();
    Some(trace)
}

/// The seconds between the callee sending 491 and receiving the next
/// INVITE, from sipp's message trace (blocks headed by a time of day).
fn glare_wait_seen(trace: &str) -> Option<f64> {
    let blocks: Vec<(f64, &str)> = trace
        .split("----------------------------------------------- ")
        .filter_map(|block| {
            let time = block.split_whitespace().nth(1)?;
            let mut parts = time.split(':').map(|p| p.parse::<f64>().ok());
            let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
            Some((h * 3600.0 + m * 60.0 + s, block))
        })
        .collect();
    let refused = blocks
        .iter()
        .position(|(_, b)| b.contains("message sent") && b.contains("SIP/2.0 491"))?;
    let retried = blocks[refused..]
        .iter()
        .find(|(_, b)| b.contains("message received") && b.contains("\nINVITE "))?;
    Some(retried.0 - blocks[refused].0)
}

#[test]
fn a_reinvite_refused_with_491_is_sent_again() {
    let Some(trace) = renegotiate(
        "glare-retry",
        &caller_holding(false),
        &callee_refusing_first_reinvite(),
        [29270, 29271, 29272, 29307],
    ) else {
        return;
    };
    // Tolk placed the callee's leg, so chose its Call-ID: 2.1-4 s.
    let wait = glare_wait_seen(&trace).expect("a 491 and the INVITE after it in the trace");
    assert!((2.05..4.5).contains(&wait), "retried after {wait} s");
}

#[test]
fn a_reoffer_while_the_relayed_one_is_pending_gets_491() {
    let _ = renegotiate(
        "glare-pending",
        &caller_holding(true),
        &callee_slow_to_answer_the_hold(),
        [29275, 29276, 29277, 29308],
    );
}
