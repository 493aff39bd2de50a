//! The admin HTTP API (axum): `/health`, `/metrics`, `/calls`.
//!
//! | method and path | answer |
//! | --- | --- |
//! | `GET /health` | `200 ok`, or `503 draining` after SIGTERM |
//! | `GET /metrics` | Prometheus text exposition |
//! | `GET /calls` | JSON array of [`CallSummary`] |
//! | `DELETE /calls/{id}` | `204` after hanging the call up, `404` if unknown |
//!
//! The router reads the gateway through [`AdminBackend`], so it can be
//! served by the gateway itself or by a vendor's embedding.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::metrics::Metrics;

/// One leg of a call as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegSummary {
    /// `sip`, `h323` or `webrtc`.
    pub protocol: String,
    /// The peer's signalling address or URI.
    pub peer: String,
    /// Negotiated codecs, e.g. `["PCMU/8000", "telephone-event/8000"]`.
    pub codecs: Vec<String>,
    /// Media protection, e.g. `RTP/AVP`, `SDES AES_CM_128_HMAC_SHA1_80`, `DTLS`.
    pub crypto: String,
    /// Each accepted media stream (m-line) with its codecs.
    pub streams: Vec<StreamSummary>,
    /// Media packets received from this leg.
    pub packets_in: u64,
    /// Media packets sent to this leg.
    pub packets_out: u64,
}

/// One accepted media stream of a leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamSummary {
    /// `audio` or `video`.
    pub kind: String,
    /// Its negotiated codecs, e.g. `["H264/90000"]`.
    pub codecs: Vec<String>,
}

/// A call as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSummary {
    /// The call's id (used by `DELETE /calls/{id}`).
    pub id: String,
    /// Seconds since the call was answered (0 while it is being set up).
    pub duration_secs: u64,
    /// Its legs, caller first.
    pub legs: Vec<LegSummary>,
}

/// What the admin API needs from the gateway.
pub trait AdminBackend: Send + Sync + 'static {
    /// The calls currently known.
    fn calls(&self) -> Vec<CallSummary>;
    /// Ends a call with normal clearing; `false` if there is no such call.
    fn hang_up(&self, id: &str) -> bool;
    /// Whether the node is draining (no new calls).
    fn draining(&self) -> bool;
    /// The node's counters.
    fn metrics(&self) -> &Metrics;
}

/// The admin API's routes over a backend.
pub fn router(backend: Arc<dyn AdminBackend>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/calls", get(calls))
        .route("/calls/{id}", axum::routing::delete(hang_up))
        .with_state(backend)
}

type Backend = State<Arc<dyn AdminBackend>>;

async fn health(State(backend): Backend) -> Response {
    if backend.draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response()
    } else {
        (StatusCode::OK, "ok\n").into_response()
    }
}

async fn metrics(State(backend): Backend) -> Response {
    let content_type = [(header::CONTENT_TYPE, "text/plain; version=0.0.4")];
    (content_type, backend.metrics().render()).into_response()
}

async fn calls(State(backend): Backend) -> Response {
    axum::Json(backend.calls()).into_response()
}

async fn hang_up(State(backend): Backend, Path(id): Path<String>) -> StatusCode {
    if backend.hang_up(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[derive(Default)]
    struct Table {
        calls: Mutex<Vec<CallSummary>>,
        draining: AtomicBool,
        metrics: Metrics,
    }

    impl AdminBackend for Table {
        fn calls(&self) -> Vec<CallSummary> {
            self.calls.lock().expect("lock").clone()
        }
        fn hang_up(&self, id: &str) -> bool {
            let mut calls = self.calls.lock().expect("lock");
            let before = calls.len();
            calls.retain(|call| call.id != id);
            calls.len() != before
        }
        fn draining(&self) -> bool {
            self.draining.load(Ordering::Relaxed)
        }
        fn metrics(&self) -> &Metrics {
            &self.metrics
        }
    }

    async fn request(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        let status = response
            .get(9..12)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    #[tokio::test]
    async fn serves_health_metrics_calls_and_hangup_over_http() {
        let table = Arc::new(Table::default());
        table.calls.lock().expect("lock").push(CallSummary {
            id: "c1".into(),
            duration_secs: 3,
            legs: vec![LegSummary {
                protocol: "sip".into(),
                peer: "udp:127.0.0.1:5070".into(),
                codecs: vec!["PCMU/8000".into()],
                crypto: "RTP/AVP".into(),
                streams: vec![StreamSummary {
                    kind: "video".into(),
                    codecs: vec!["H264/90000".into()],
                }],
                packets_in: 150,
                packets_out: 149,
            }],
        });
        table.metrics.call_started();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = router(table.clone());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        assert_eq!(request(addr, "GET", "/health").await, (200, "ok\n".into()));
        let (status, text) = request(addr, "GET", "/metrics").await;
        assert_eq!(status, 200);
        assert!(text.contains("tolk_active_calls 1"), "{text}");
        let (status, json) = request(addr, "GET", "/calls").await;
        assert_eq!(status, 200);
        let calls: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(calls[0]["id"], "c1");
        assert_eq!(calls[0]["legs"][0]["codecs"][0], "PCMU/8000");
        assert_eq!(calls[0]["legs"][0]["streams"][0]["codecs"][0], "H264/90000");
        assert_eq!(request(addr, "DELETE", "/calls/c1").await.0, 204);
        assert_eq!(request(addr, "DELETE", "/calls/c1").await.0, 404);
        table.draining.store(true, Ordering::Relaxed);
        assert_eq!(request(addr, "GET", "/health").await.0, 503);
        server.abort();
    }
}
