//! The tokio drivers on loopback: UDP, TCP and TLS, IPv4 and IPv6,
//! connection reuse and CRLF keep-alive.

#![allow(clippy::unwrap_used)] // test helpers fail loudly

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedReceiver;
use tolk_sip::transaction::{LayerConfig, TransactionEvent, TransactionLayer};
use tolk_sip::transport::tls::{Identity, client_config};
use tolk_sip::transport::{Driver, DriverConfig, DriverHandle, Target, Transport};
use tolk_sip::{Method, Request, Response, names};

type Handle = DriverHandle<TransactionLayer>;

async fn start(config: DriverConfig, seed: u64) -> (Handle, UnboundedReceiver<TransactionEvent>) {
    let layer = TransactionLayer::new(LayerConfig {
        seed,
        ..LayerConfig::default()
    });
    Driver::spawn(layer, config).await.unwrap()
}

fn options(uri: &str, call: &str) -> Request {
    Request::builder(Method::Options, uri)
        .header(names::MAX_FORWARDS, 70)
        .header(names::FROM, "<sip:alice@example.com>;tag=a1")
        .header(names::TO, "<sip:bob@example.com>")
        .header(names::CALL_ID, call)
        .header(names::CSEQ, "1 OPTIONS")
        .build()
        .unwrap()
}

/// The server's user answers every request with 200.
fn answer_all(server: Handle, mut events: UnboundedReceiver<TransactionEvent>) {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let TransactionEvent::Request { id, request, .. } = event {
                let ok = Response::for_request(&request, 200)
                    .to_tag("b1")
                    .build()
                    .unwrap();
                server
                    .with(move |l, now| l.send_response(now, id, ok))
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
    });
}

async fn final_code(events: &mut UnboundedReceiver<TransactionEvent>) -> u16 {
    let wait = async {
        loop {
            match events.recv().await.unwrap() {
                TransactionEvent::Response { response, .. } if response.code() >= 200 => {
                    return response.code();
                }
                TransactionEvent::TimedOut { .. } => return 408,
                TransactionEvent::TransportError { .. } => return 503,
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap()
}

async fn round_trip(
    transport: Transport,
    any: &str,
    server_cfg: DriverConfig,
    client_cfg: DriverConfig,
) {
    let (server, server_events) = start(server_cfg, 1).await;
    let (client, mut client_events) = start(client_cfg, 2).await;
    let server_addr = server.local_addr(transport).unwrap();
    answer_all(server, server_events);
    for n in 0..3 {
        let target = Target {
            transport,
            addr: server_addr,
        };
        let request = options(&format!("sip:bob@{server_addr}"), &format!("{any}-{n}"));
        client
            .with(move |l, now| l.send_request(now, request, target))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            final_code(&mut client_events).await,
            200,
            "{transport} {any} #{n}"
        );
    }
}

fn bind(addr: &str) -> Option<SocketAddr> {
    Some(addr.parse().unwrap())
}

#[tokio::test]
async fn udp_ipv4_and_ipv6() {
    let v4 = DriverConfig {
        udp: bind("127.0.0.1:0"),
        ..DriverConfig::default()
    };
    round_trip(Transport::Udp, "v4", v4.clone(), v4).await;
    let v6 = DriverConfig {
        udp: bind("[::1]:0"),
        ..DriverConfig::default()
    };
    round_trip(Transport::Udp, "v6", v6.clone(), v6).await;
}

#[tokio::test]
async fn tcp_ipv4_and_ipv6() {
    for host in ["127.0.0.1:0", "[::1]:0"] {
        let cfg = DriverConfig {
            tcp: bind(host),
            ..DriverConfig::default()
        };
        round_trip(Transport::Tcp, host, cfg.clone(), cfg).await;
    }
}

#[tokio::test]
async fn tls_with_a_self_signed_certificate() {
    let id = Identity::self_signed(&["127.0.0.1"]).unwrap();
    let server = DriverConfig {
        tls: bind("127.0.0.1:0"),
        tls_server: Some(id.server_config().unwrap()),
        ..DriverConfig::default()
    };
    let client = DriverConfig {
        tls: bind("127.0.0.1:0"),
        tls_server: Some(id.server_config().unwrap()),
        tls_client: Some(client_config(std::slice::from_ref(&id.cert)).unwrap()),
        ..DriverConfig::default()
    };
    round_trip(Transport::Tls, "tls", server, client).await;
}

#[tokio::test]
async fn tls_to_an_untrusted_server_is_a_transport_error() {
    let id = Identity::self_signed(&["127.0.0.1"]).unwrap();
    let other = Identity::self_signed(&["127.0.0.1"]).unwrap();
    let server = DriverConfig {
        tls: bind("127.0.0.1:0"),
        tls_server: Some(id.server_config().unwrap()),
        ..DriverConfig::default()
    };
    let client = DriverConfig {
        tls: bind("127.0.0.1:0"),
        tls_server: Some(other.server_config().unwrap()),
        tls_client: Some(client_config(std::slice::from_ref(&other.cert)).unwrap()),
        ..DriverConfig::default()
    };
    let (server, _server_events) = start(server, 1).await;
    let (client, mut events) = start(client, 2).await;
    let target = Target {
        transport: Transport::Tls,
        addr: server.local_addr(Transport::Tls).unwrap(),
    };
    let request = options("sip:bob@127.0.0.1", "untrusted");
    client
        .with(move |l, now| l.send_request(now, request, target))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(final_code(&mut events).await, 503);
}

#[tokio::test]
async fn tcp_connections_are_reused_and_crlf_pings_get_pongs() {
    // A raw peer: accept once, read two requests on that one connection.
    let peer = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer_addr = peer.local_addr().unwrap();
    let (client, _events) = start(
        DriverConfig {
            tcp: bind("127.0.0.1:0"),
            ..DriverConfig::default()
        },
        3,
    )
    .await;
    for n in 0..2 {
        let target = Target {
            transport: Transport::Tcp,
            addr: peer_addr,
        };
        let request = options("sip:bob@127.0.0.1", &format!("reuse-{n}"));
        client
            .with(move |l, now| l.send_request(now, request, target))
            .await
            .unwrap()
            .unwrap();
    }
    let (mut socket, _) = peer.accept().await.unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while seen.matches("OPTIONS sip:").count() < 2 {
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "connection closed early");
        seen.push_str(std::str::from_utf8(&buf[..n]).unwrap());
    }
    assert!(seen.contains("Call-ID: reuse-0") && seen.contains("Call-ID: reuse-1"));

    // RFC 5626 4.4.1: a CRLFCRLF ping is answered with a CRLF pong.
    let mut listener_side =
        tokio::net::TcpStream::connect(client.local_addr(Transport::Tcp).unwrap())
            .await
            .unwrap();
    listener_side.write_all(b"\r\n\r\n").await.unwrap();
    let mut pong = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(5), listener_side.read_exact(&mut pong))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&pong, b"\r\n");
}
