//! A fixture Loki for the tests: `GET /loki/api/v1/query_range` over a growing log, speaking
//! Loki's wire format (bodies shaped like `tests/fixtures/loki/`), and a websocket tail server
//! that plays scripted connections.

#![allow(clippy::unwrap_used, clippy::result_large_err, dead_code)]

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::SinkExt;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response as WsResponse};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Above 2^53, like every real Loki timestamp.
pub const BASE_NS: i128 = 1_795_800_000_999_999_000;
pub const TOTAL: usize = 1000;

/// One line of the fixture log.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub seq: usize,
    pub ts_ns: i128,
    pub pod: &'static str,
    pub text: String,
}

/// The whole log: groups of 1 to 12 lines share exactly one nanosecond timestamp.
pub fn full_log() -> Vec<Line> {
    const SIZES: [usize; 9] = [1, 3, 7, 1, 12, 2, 5, 9, 4];
    const STEPS: [i128; 4] = [1, 1_000_000, 7, 250_000_001];
    let mut out = Vec::with_capacity(TOTAL);
    let (mut ts, mut group) = (BASE_NS, 0usize);
    while out.len() < TOTAL {
        for _ in 0..SIZES[group % SIZES.len()] {
            let seq = out.len();
            if seq == TOTAL {
                break;
            }
            let pod = ["a", "b", "c"][seq % 3];
            let text = format!("level=info msg=\"line {seq}\" pod={pod}");
            out.push(Line {
                seq,
                ts_ns: ts,
                pod,
                text,
            });
        }
        ts += STEPS[group % STEPS.len()];
        group += 1;
    }
    out
}

/// The fixture server's state: the log and how much of it has arrived.
#[derive(Default)]
pub struct LogState {
    pub lines: Vec<Line>,
    pub visible: usize,
    pub requests: Vec<HashMap<String, String>>,
}

pub type Shared = Arc<Mutex<LogState>>;

pub async fn start_log_server(lines: Vec<Line>) -> (SocketAddr, Shared) {
    let state: Shared = Arc::new(Mutex::new(LogState {
        lines,
        ..LogState::default()
    }));
    let app = Router::new()
        .route("/loki/api/v1/query_range", get(query_range))
        .route("/ready", get(|| async { "ready\n" }))
        .with_state(state.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, state)
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Start inclusive, end exclusive, sorted in `direction`, cut at `limit`, grouped by stream.
async fn query_range(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if headers.get("X-Scope-OrgID").is_none() {
        // dskit's http.Error appends a newline.
        return text(StatusCode::UNAUTHORIZED, "no org id\n");
    }
    if q.get("query").is_some_and(|q| q.contains("busy")) {
        return text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many outstanding requests",
        );
    }
    let mut st = state.lock().unwrap();
    st.requests.push(q.clone());
    let ns = |k: &str| q.get(k).and_then(|v| v.parse::<i128>().ok());
    let (Some(start), Some(end)) = (ns("start"), ns("end")) else {
        return text(StatusCode::BAD_REQUEST, "invalid start or end");
    };
    let limit: usize = q.get("limit").map_or(100, |l| l.parse().unwrap());
    let forward = q.get("direction").is_some_and(|d| d == "forward");
    let mut picked: Vec<&Line> = st.lines[..st.visible]
        .iter()
        .filter(|l| start <= l.ts_ns && l.ts_ns < end)
        .collect();
    if !forward {
        picked.reverse();
    }
    picked.truncate(limit);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        streams_body(&picked),
    )
        .into_response()
}

/// A `streams` answer in the field order Loki writes, with an opaque `stats` block.
pub fn streams_body(lines: &[&Line]) -> String {
    let mut by_stream: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
    for l in lines {
        let entry = serde_json::json!([l.ts_ns.to_string(), l.text]);
        by_stream.entry(l.pod).or_default().push(entry);
    }
    let result: Vec<String> = by_stream
        .into_iter()
        .map(|(pod, values)| {
            let values = serde_json::Value::from(values);
            format!(r#"{{"stream":{{"app":"fixture","pod":"{pod}"}},"values":{values}}}"#)
        })
        .collect();
    let stats = r#"{"summary":{"bytesProcessedPerSecond":4353871,"execTime":0.021432,"totalEntriesReturned":3},"querier":{"store":{"totalChunksRef":4}}}"#;
    format!(
        r#"{{"status":"success","data":{{"resultType":"streams","result":[{}],"stats":{stats}}}}}"#,
        result.join(",")
    )
}

/// One tail connection as the server saw it, and what it plays back.
pub struct Script {
    pub frames: Vec<String>,
    /// Close with 1011 and this text; `None` drops the TCP connection without a close frame.
    pub close_with: Option<&'static str>,
    /// Keep the connection open after the frames (the last script).
    pub hold: bool,
}

/// The request URI and headers of each tail handshake.
pub type Seen = Arc<Mutex<Vec<(String, Vec<(String, String)>)>>>;

/// Serves one connection per script, in order.
pub async fn start_tail_server(scripts: Vec<Script>) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        for script in scripts {
            let (tcp, _) = listener.accept().await.unwrap();
            let record = record.clone();
            let callback = move |req: &Request, resp: WsResponse| {
                let headers = req
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                record
                    .lock()
                    .unwrap()
                    .push((req.uri().to_string(), headers));
                Ok(resp)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
                .await
                .unwrap();
            for frame in script.frames {
                ws.send(Message::text(frame)).await.unwrap();
            }
            if let Some(reason) = script.close_with {
                let frame = CloseFrame {
                    code: CloseCode::Error,
                    reason: reason.into(),
                };
                let _ = ws.send(Message::Close(Some(frame))).await;
            }
            if script.hold {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
            drop(ws);
        }
    });
    (addr, seen)
}

/// A tail frame in `EncodeTailResult`'s shape (see `tail_frame_*.json`).
pub fn tail_frame(entries: &[(i128, &str)], dropped: &[i128]) -> String {
    let values: Vec<serde_json::Value> = entries
        .iter()
        .map(|(ts, line)| serde_json::json!([ts.to_string(), line]))
        .collect();
    let values = serde_json::Value::from(values);
    let mut frame = format!(r#"{{"streams":[{{"stream":{{"job":"varlogs"}},"values":{values}}}]"#);
    if !dropped.is_empty() {
        let items: Vec<String> = dropped
            .iter()
            .map(|ts| format!(r#"{{"timestamp":"{ts}","labels":{{"job":"varlogs"}}}}"#))
            .collect();
        frame.push_str(&format!(r#","dropped_entries":[{}]"#, items.join(",")));
    }
    frame.push('}');
    frame
}

/// A `wss://` tail server with the certificate `tests/fixtures/tls/{name}.pem` (`localhost` or
/// `wrong-host`, both issued by `ca.pem`): every connection that completes the TLS handshake
/// gets one frame with `line`, then the connection stays open.
pub async fn start_wss_tail_server(name: &str, line: &'static str) -> SocketAddr {
    let acceptor = tokio_rustls::TlsAcceptor::from(crate::support_tls::server_config(name));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                    return;
                };
                let frame = tail_frame(&[(BASE_NS, line)], &[]);
                if ws.send(Message::text(frame)).await.is_ok() {
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                }
            });
        }
    });
    addr
}
