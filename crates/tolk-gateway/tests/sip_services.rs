//! The gateway's SIP services with real peers: the registrar (Digest
//! authentication, malformed requests, binding caps) and INVITE
//! challenges. The Digest REGISTER scenarios are written into each test's
//! temp dir, one per user and password.

mod harness;

use bytes::Bytes;
use harness::*;
use tolk_sip::Message;
use tolk_sip::auth::{Challenge, Credentials};

/// A REGISTER for `user` that answers the 401 with `password`.
fn register_with_digest(user: &str, password: &str, final_status: u16) -> String {
    let register = |cseq: u32, authorization: &str| {
        format!(
            r#"
  <send retrans="500">
    <![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{user}@[remote_ip]>;tag=[pid]r[call_number]
      To: <sip:{user}@[remote_ip]>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:{user}@[local_ip]:[local_port]>{authorization}
      Expires: 300
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>"#
        )
    };
    let authorization = format!("\n      [authentication username={user} password={password}]");
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register with digest">{first}
  <recv response="401" auth="true"/>{second}
  <recv response="{final_status}"/>
</scenario>
"#,
        first = register(1, ""),
        second = register(2, &authorization),
    )
}

/// REGISTER number `cseq` of user `user` (a transaction of its own).
fn register_raw(to: u16, from: u16, user: &str, cseq: u32, extra: &str) -> String {
    format!(
        "REGISTER sip:127.0.0.1:{to} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{from};branch=z9hG4bKreg{from}x{cseq}\r\n\
         From: <sip:{user}@127.0.0.1>;tag=r{from}\r\nTo: <sip:{user}@127.0.0.1>\r\n\
         Call-ID: reg-{from}@t\r\nCSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
}

#[test]
fn sipp_registers_with_md5_and_a_wrong_password_gets_403() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    // sipp answers only the first challenge and knows MD5 alone.
    let extra = r#"users = [{ user = "alice", password = "wonderland" }]
digest_algorithms = ["MD5"]

[[route]]
user = ".+"
target = "registrar"
"#;
    let tolk = Tolk::run(
        "sip-auth-sipp",
        &NodeConfig::new(29200, 29300, "52000-52099").with(extra),
    );
    let cases = [
        ("auth_ok.xml", "alice", "wonderland", 200, 29201),
        ("auth_wrong.xml", "alice", "guess", 403, 29202),
        ("auth_unknown.xml", "mallory", "x", 403, 29203),
    ];
    for (name, user, password, status, port) in cases {
        tolk.write_scenario(name, &register_with_digest(user, password, status));
        let register = Scenario::file(name).to(29200).port(port).calls(1);
        assert!(
            tolk.sipp(&sipp, register).success(),
            "{user}/{password} should get {status}: {}",
            tolk.sipp_errors()
        );
    }
}

/// `register` with the Authorization answering `challenge` (a 401).
fn answer_challenge(register: &str, challenge: &str, user: &str, password: &str) -> String {
    let Ok(Message::Response(response)) = Message::parse(Bytes::from(challenge.to_owned())) else {
        panic!("not a response: {challenge}")
    };
    let challenge = Challenge::from_response(&response).expect("a Digest challenge");
    let credentials = Credentials {
        username: user.into(),
        password: password.into(),
    };
    let uri = register
        .split_ascii_whitespace()
        .nth(1)
        .expect("request-URI");
    let value = challenge.authorization(&credentials, "REGISTER", uri, "c0ffee", 1);
    register.replacen(
        "Max-Forwards:",
        &format!("Authorization: {value}\r\nMax-Forwards:"),
        1,
    )
}

#[test]
fn registrar_digest_sha256_stale_nonce_and_malformed_requests() {
    let extra = r#"users = [{ user = "alice", password = "wonderland" }, { user = "bob", password = "builder" }]
nonce_lifetime_secs = 1
max_contacts_per_aor = 1
min_expires_secs = 60

[[route]]
user = ".+"
target = "registrar"
"#;
    let _tolk = Tolk::run(
        "sip-auth-raw",
        &NodeConfig::new(29210, 29301, "52100-52199").with(extra),
    );
    let register = |cseq: u32, contact_port: u16, expires: &str| {
        let extra =
            format!("Contact: <sip:alice@127.0.0.1:{contact_port}>\r\nExpires: {expires}\r\n");
        register_raw(29210, 29211, "alice", cseq, &extra)
    };
    let challenge = request(29210, 29211, &register(1, 29211, "300"));
    assert!(challenge.starts_with("SIP/2.0 401"), "{challenge}");
    let offered: Vec<&str> = challenge
        .lines()
        .filter(|l| l.starts_with("WWW-Authenticate:"))
        .collect();
    assert_eq!(offered.len(), 2, "{challenge}");
    assert!(offered[0].contains("algorithm=SHA-256"), "{challenge}");
    assert!(offered[1].contains("algorithm=MD5"), "{challenge}");
    let alice = |register: &str| answer_challenge(register, &challenge, "alice", "wonderland");

    let answered = alice(&register(2, 29211, "300"));
    assert!(answered.contains("algorithm=SHA-256"), "{answered}");
    let ok = request(29210, 29211, &answered);
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");

    // Bob's password does not register Alice.
    let as_bob = answer_challenge(&register(3, 29211, "300"), &challenge, "bob", "builder");
    let forbidden = request(29210, 29211, &as_bob);
    assert!(forbidden.starts_with("SIP/2.0 403"), "{forbidden}");

    // One contact per address of record: a second one is refused.
    let capped = request(29210, 29211, &alice(&register(4, 29212, "300")));
    assert!(capped.starts_with("SIP/2.0 403"), "{capped}");
    assert!(capped.contains("contacts"), "{capped}");

    // Too brief an expiry: 423 with Min-Expires.
    let brief = request(29210, 29211, &alice(&register(5, 29211, "5")));
    assert!(brief.starts_with("SIP/2.0 423"), "{brief}");
    assert!(brief.contains("\r\nMin-Expires: 60\r\n"), "{brief}");

    // A malformed Expires: 400 naming it.
    let malformed = request(29210, 29211, &alice(&register(6, 29211, "never")));
    assert!(
        malformed.starts_with("SIP/2.0 400 Bad Request: Expires"),
        "{malformed}"
    );

    // Once the nonce is older than its lifetime, the right answer to it
    // gets a fresh challenge marked stale.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let stale = request(29210, 29211, &alice(&register(7, 29211, "300")));
    assert!(stale.starts_with("SIP/2.0 401"), "{stale}");
    assert!(stale.contains("stale=true"), "{stale}");
}

#[test]
fn invites_are_challenged_with_407_when_configured() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let extra = r#"users = [{ user = "alice", password = "wonderland" }]
digest_algorithms = ["MD5"]
challenge_invites = true

[[route]]
user = "^echo$"
target = "echo"
"#;
    let tolk = Tolk::run(
        "sip-auth-invite",
        &NodeConfig::new(29220, 29302, "52200-52299").with(extra),
    );
    let unauthenticated = request(29220, 29221, &invite("echo", 29220, 29221, (0, "PCMU")));
    assert!(
        unauthenticated.starts_with("SIP/2.0 407"),
        "{unauthenticated}"
    );
    assert!(
        unauthenticated.contains("\r\nProxy-Authenticate: Digest realm=\"127.0.0.1\""),
        "{unauthenticated}"
    );
    assert!(
        tolk.sipp(
            &sipp,
            Scenario::file("caller_answers_407.xml")
                .to(29220)
                .port(29222)
                .media_port(52800)
                .calls(1)
        )
        .success(),
        "the authenticated call goes through: {}",
        tolk.sipp_errors()
    );
    assert_eq!(tolk.metric("tolk_call_setups_total"), 1);
    let metrics = tolk.http("GET", "/metrics");
    assert!(
        !metrics.contains("status=\"407\""),
        "a challenge is not a failed call: {metrics}"
    );
    tolk.assert_idle();
}

#[test]
fn a_message_reaches_a_registered_user_and_its_answer_comes_back() {
    let Some(sipp) = tolk_testkit::peer("sipp") else {
        return;
    };
    let routes = "[[route]]\nuser = \"^(carol|dave)$\"\ntarget = \"registrar\"\n";
    let tolk = Tolk::run(
        "sip-message",
        &NodeConfig::new(29260, 29306, "53000-53099").with(routes),
    );
    let receiving = Scenario::file("message_receiver.xml").port(29261).calls(1);
    let receiver = tolk.sipp_thread(&sipp, receiving);
    let register = Scenario::file("register.xml")
        .calling("carol", 29260)
        .port(29262)
        .key("contact_port", 29261)
        .calls(1);
    assert!(tolk.sipp(&sipp, register).success(), "REGISTER failed");
    let sending = Scenario::file("message_sender.xml")
        .calling("carol", 29260)
        .port(29263)
        .calls(1);
    let sent = tolk.sipp(&sipp, sending);
    let received = receiver.join().expect("receiver thread");
    assert!(
        received.success(),
        "the MESSAGE did not arrive: {}",
        tolk.sipp_errors()
    );
    assert!(
        sent.success(),
        "the 202 did not come back: {}",
        tolk.sipp_errors()
    );

    let message = |user: &str, from: u16| {
        format!(
            "MESSAGE sip:{user}@127.0.0.1:29260 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:{from};branch=z9hG4bKmsg{from}\r\n\
             From: <sip:alice@127.0.0.1>;tag=m{from}\r\nTo: <sip:{user}@127.0.0.1>\r\n\
             Call-ID: msg-{from}@t\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n\
             Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
        )
    };
    let no_route = request(29260, 29264, &message("nobody", 29264));
    assert!(no_route.starts_with("SIP/2.0 404"), "{no_route}");
    let unregistered = request(29260, 29265, &message("dave", 29265));
    assert!(unregistered.starts_with("SIP/2.0 480"), "{unregistered}");
    let looped = message("carol", 29266).replace("Max-Forwards: 70", "Max-Forwards: 0");
    let looped = request(29260, 29266, &looped);
    assert!(looped.starts_with("SIP/2.0 483"), "{looped}");
}
