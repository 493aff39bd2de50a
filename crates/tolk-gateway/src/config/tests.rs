use super::*;

const MINIMAL: &str = r#"
[[listen]]
transport = "udp"
address = "127.0.0.1:5060"

[media]
address = "127.0.0.1"
ports = "20000-20099"

[[route]]
target = "echo"
"#;

fn error_of(text: &str) -> String {
    Config::parse(text)
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn embedded_default_is_what_the_readme_promises() {
    let config = Config::embedded_default().expect("default parses");
    let sockets: Vec<_> = config
        .listeners
        .iter()
        .map(|l| (l.transport, l.address.to_string()))
        .collect();
    assert_eq!(
        sockets,
        [
            (Transport::Udp, "127.0.0.1:5060".to_owned()),
            (Transport::Tcp, "127.0.0.1:5060".to_owned()),
            (Transport::Tls, "127.0.0.1:5061".to_owned()),
        ]
    );
    assert_eq!(
        config.admin.map(|a| a.address.to_string()).as_deref(),
        Some("127.0.0.1:8080")
    );
    assert_eq!(config.default_policy.srtp, SrtpPolicy::Optional);
    assert!(config.default_policy.transcoding);
    assert!(config.registrar.is_some());
    let echo = config
        .dial_plan
        .route("echo", "127.0.0.1")
        .expect("echo routed");
    assert_eq!(echo.target, Target::Echo);
    let user = config
        .dial_plan
        .route("alice", "127.0.0.1")
        .expect("user routed");
    assert_eq!(user.target, Target::Registrar);
}

#[test]
fn minimal_file_gets_defaults() {
    let config = Config::parse(MINIMAL).expect("valid");
    assert_eq!(config.node.name, "tolk");
    assert_eq!(config.media.port_range(), Some(20000..=20099));
    assert_eq!(config.media.timeout_secs, 60);
    assert_eq!(config.node.ring_timeout_secs, 120);
    assert!(config.admin.is_none());
    assert!(config.summary().contains("1 listener(s)"));
}

#[test]
fn syntax_errors_carry_the_line() {
    let message = error_of("[[listen]]\ntransport = \"udp\"\naddress = 5060\n");
    assert!(message.contains("line 3"), "{message}");
    let typo = error_of(&MINIMAL.replace("[media]", "[media]\nport = 1"));
    assert!(typo.contains("unknown field `port`"), "{typo}");
}

#[test]
fn semantic_errors_name_the_field() {
    for (text, field) in [
        (MINIMAL.replace("20000-20099", "20099-20000"), "media.ports"),
        (MINIMAL.replace("\"udp\"", "\"sctp\""), "transport"),
        (
            MINIMAL.replace("target = \"echo\"", "target = \"peer:x\""),
            "route[0].target",
        ),
        (
            MINIMAL.replace(
                "[media]",
                "[[listen]]\ntransport = \"udp\"\naddress = \"127.0.0.1:5060\"\n[media]",
            ),
            "listen[1].address",
        ),
        (
            format!("{MINIMAL}\n[default_policy]\ncodecs = [\"opus\", \"amr\"]\n"),
            "default_policy.codecs",
        ),
        (
            format!(
                "{MINIMAL}\n[[peer]]\nname = \"a\"\naddress = \"127.0.0.1:5070\"\n[[peer]]\nname = \"a\"\naddress = \"127.0.0.1:5071\"\n"
            ),
            "peer[1].name",
        ),
        (
            MINIMAL.replace("\"udp\"", "\"tls\"\ncertificate = \"cert.pem\""),
            "listen[0].certificate",
        ),
        (MINIMAL.replace("[[route]]\ntarget = \"echo\"", ""), "route"),
    ] {
        let message = error_of(&text);
        assert!(message.contains(field), "expected `{field}` in: {message}");
    }
}

#[test]
fn tcp_and_udp_may_share_an_address() {
    let text = MINIMAL.replace(
        "[media]",
        "[[listen]]\ntransport = \"tcp\"\naddress = \"127.0.0.1:5060\"\n[media]",
    );
    assert_eq!(Config::parse(&text).expect("valid").listeners.len(), 2);
}

#[test]
fn peers_and_their_policies() {
    let text = format!(
        "{MINIMAL}\n[[peer]]\nname = \"room\"\naddress = \"[::1]:5080\"\ntransport = \"tcp\"\n[peer.media]\nsrtp = \"off\"\ncodecs = [\"PCMA\", \"h264\"]\ntranscoding = false\ndtmf = \"info\"\n"
    );
    let config = Config::parse(&text).expect("valid");
    let peer = config.peers.first().expect("one peer");
    assert_eq!(peer.address.to_string(), "[::1]:5080");
    assert_eq!(peer.transport, Transport::Tcp);
    assert_eq!(peer.media.srtp, SrtpPolicy::Off);
    assert_eq!(peer.media.dtmf, DtmfMode::Info);
    assert_eq!(peer.media.keyframe, KeyframeMode::Rtcp, "the default");
    assert!(!peer.media.transcoding);
    assert_eq!(peer.media.late_offer_video_lines, 1, "the default");
}

#[test]
fn late_offer_video_lines_are_one_or_two() {
    let with = |lines: &str| {
        format!(
            "{MINIMAL}\n[[peer]]\nname = \"room\"\naddress = \"127.0.0.1:5080\"\n\
             [peer.media]\nlate_offer_video_lines = {lines}\n"
        )
    };
    let two = Config::parse(&with("2")).expect("valid");
    assert_eq!(two.peers[0].media.late_offer_video_lines, 2);
    for wrong in ["0", "3"] {
        let error = error_of(&with(wrong));
        assert!(
            error.starts_with("peer[0].media.late_offer_video_lines: must be 1"),
            "{error}"
        );
    }
    let default_policy = MINIMAL.to_owned() + "\n[default_policy]\nlate_offer_video_lines = 4\n";
    assert!(error_of(&default_policy).starts_with("default_policy.late_offer_video_lines:"));
}

#[test]
fn registrar_authentication_settings_are_checked() {
    let with = |registrar: &str| {
        MINIMAL.to_owned() + "\n[registrar]\ndomains = [\"127.0.0.1\"]\n" + registrar
    };
    let open = Config::parse(&with("")).expect("valid");
    let registrar = open.registrar.expect("registrar");
    assert!(registrar.users.is_empty());
    assert_eq!(registrar.realm(), "127.0.0.1");
    assert_eq!(registrar.digest_algorithms, ["SHA-256", "MD5"]);
    assert!(
        error_of(&with("challenge_invites = true\n")).starts_with("registrar.challenge_invites:")
    );
    assert!(
        error_of(&with(
            "users = [{ user = \"a\", password = \"x\" }, { user = \"a\", password = \"y\" }]\n"
        ))
        .starts_with("registrar.users[1].user:")
    );
    assert!(
        error_of(&with("digest_algorithms = [\"SHA-512\"]\n"))
            .starts_with("registrar.digest_algorithms:")
    );
    let users =
        Config::parse(&with("users = [{ user = \"a\", password = \"secret\" }]\n")).expect("valid");
    let debug = format!("{:?}", users.registrar);
    assert!(
        !debug.contains("secret"),
        "passwords stay out of logs: {debug}"
    );
}

#[test]
fn keyframe_policy_is_rtcp_or_info() {
    let with = |value: &str| {
        format!(
            "{MINIMAL}\n[[peer]]\nname = \"room\"\naddress = \"127.0.0.1:5080\"\n[peer.media]\nkeyframe = \"{value}\"\n"
        )
    };
    let config = Config::parse(&with("info")).expect("valid");
    assert_eq!(config.peers[0].media.keyframe, KeyframeMode::Info);
    let error = error_of(&with("pli"));
    assert!(
        error.contains("keyframe") || error.contains("rtcp"),
        "{error}"
    );
}

#[test]
fn rtcp_mux_is_on_unless_a_policy_switches_it_off() {
    let default = Config::embedded_default().expect("default parses");
    assert!(default.default_policy.rtcp_mux);
    let with = |value: &str| {
        format!(
            "{MINIMAL}\n[[peer]]\nname = \"room\"\naddress = \"127.0.0.1:5080\"\n[peer.media]\n{value}\n"
        )
    };
    let unset = Config::parse(&with("")).expect("valid");
    assert!(unset.peers[0].media.rtcp_mux, "the default");
    let off = Config::parse(&with("rtcp_mux = false")).expect("valid");
    assert!(!off.peers[0].media.rtcp_mux);
    let error = error_of(&with("rtcp_mux = \"maybe\""));
    assert!(error.contains("rtcp_mux"), "{error}");
}
