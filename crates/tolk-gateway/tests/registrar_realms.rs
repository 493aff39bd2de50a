//! The registrar serving two domains without a configured `realm`
//! challenges each REGISTER in the realm of its own domain, and
//! credentials computed for one realm do not register in the other.

mod harness;

use bytes::Bytes;
use harness::{NodeConfig, Tolk, request};
use tolk_sip::Message;
use tolk_sip::auth::{Challenge, Credentials};

/// SIP and admin ports 41440-41442, media 16700-16749.
const TOLK: u16 = 41440;
const ADMIN: u16 = 41441;
const CLIENT: u16 = 41442;

fn config() -> String {
    NodeConfig::new(TOLK, ADMIN, "16700-16749")
        .registrar(
            r#"domains = ["a.test", "b.test"]
users = [{ user = "alice", password = "wonderland" }]"#,
        )
        .with("[[route]]\ntarget = \"registrar\"\n")
        .to_string()
}

/// A REGISTER of alice in `domain`, sent to the node.
fn register(domain: &str, cseq: u32) -> String {
    format!(
        "REGISTER sip:{domain} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{CLIENT};branch=z9hG4bKrealm{cseq}\r\n\
         From: <sip:alice@{domain}>;tag=realm{cseq}\r\nTo: <sip:alice@{domain}>\r\n\
         Call-ID: realm-{domain}@t\r\nCSeq: {cseq} REGISTER\r\n\
         Contact: <sip:alice@127.0.0.1:{CLIENT}>\r\nExpires: 300\r\nMax-Forwards: 70\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// The first Digest challenge of a 401 and its realm.
fn challenge(response: &str) -> (Challenge, String) {
    assert!(response.starts_with("SIP/2.0 401"), "{response}");
    let Ok(Message::Response(response)) = Message::parse(Bytes::from(response.to_owned())) else {
        panic!("not a response: {response}")
    };
    let challenge = Challenge::from_response(&response).expect("a Digest challenge");
    let realm = challenge.realm.clone();
    (challenge, realm)
}

/// `register` answering `challenge` with alice's password.
fn answered(register: &str, challenge: &Challenge) -> String {
    let credentials = Credentials {
        username: "alice".into(),
        password: "wonderland".into(),
    };
    let uri = register.split_ascii_whitespace().nth(1).expect("URI");
    let value = challenge.authorization(&credentials, "REGISTER", uri, "c0ffee", 1);
    register.replacen(
        "Max-Forwards:",
        &format!("Authorization: {value}\r\nMax-Forwards:"),
        1,
    )
}

#[test]
fn each_domain_is_challenged_in_its_own_realm() {
    let _tolk = Tolk::start("registrar-realms", &config(), ADMIN);
    let (in_b, realm) = challenge(&request(TOLK, CLIENT, &register("b.test", 1)));
    assert_eq!(realm, "b.test");
    let ok = request(TOLK, CLIENT, &answered(&register("b.test", 2), &in_b));
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");

    let (in_a, realm) = challenge(&request(TOLK, CLIENT, &register("a.test", 3)));
    assert_eq!(realm, "a.test");
    // b.test's credentials are no good for a.test.
    let crossed = request(TOLK, CLIENT, &answered(&register("a.test", 4), &in_b));
    assert!(!crossed.starts_with("SIP/2.0 200"), "{crossed}");
    let ok = request(TOLK, CLIENT, &answered(&register("a.test", 5), &in_a));
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
}
