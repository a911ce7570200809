//! Live mode: follows `/loki/api/v1/tail` over a websocket, reconnecting with backoff and
//! resuming from the last timestamp seen.

use super::{Cursor, LogEntry, parse_tail_frame};
use crate::config::SourceConfig;
use crate::sources::{MAX_BODY, SourceError, short_body};
use futures::StreamExt;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::USER_AGENT;
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Entries Loki may send back from `start` when a tail (re)connects.
const TAIL_LIMIT: u32 = 1000;
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Loki pings every second; this long without any frame means the connection is dead.
const IDLE: Duration = Duration::from_secs(30);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the tail task reports.
#[derive(Debug, Clone, PartialEq)]
pub enum TailEvent {
    /// New entries, oldest first, never seen before on this tail.
    Entries(Vec<LogEntry>),
    /// Loki dropped this many entries (the client was too slow).
    Dropped(u64),
    /// The connection failed or ended; the task retries after a backoff.
    Disconnected(String),
    Connected,
}

struct Target {
    url: String,
    query: String,
    headers: HeaderMap,
    timeout: Duration,
    /// TLS for `wss://`: the public roots and the source's `ca_file`, or `tls_insecure`.
    tls: Option<tokio_tungstenite::Connector>,
}

/// Spawns a task that follows `/loki/api/v1/tail` (ws:// or wss:// from the source URL, with the
/// source's headers, tenant and credentials) from `start_ns`, sends each frame's new entries to
/// `tx`, reconnects with exponential backoff (1 s to 30 s, reset after a good frame) resuming
/// from the last timestamp seen, and ends when `tx` is closed.
pub fn spawn_tail(
    cfg: &SourceConfig,
    query: String,
    start_ns: i128,
    tx: UnboundedSender<TailEvent>,
) -> Result<JoinHandle<()>, SourceError> {
    let url = tail_url(&cfg.url)?;
    let tls = if url.starts_with("wss://") {
        Some(crate::sources::tls::ws_connector(cfg)?)
    } else {
        None
    };
    let target = Target {
        url,
        query,
        headers: ws_headers(cfg)?,
        timeout: cfg.timeout.0,
        tls,
    };
    Ok(tokio::spawn(follow(target, start_ns, tx)))
}

fn tail_url(base: &str) -> Result<String, SourceError> {
    let base = base.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if base.starts_with("ws://") || base.starts_with("wss://") {
        base.to_string()
    } else {
        return Err(SourceError::Setup(format!(
            "cannot tail `{}`: the URL must start with http:// or https://",
            crate::sanitize::line(base)
        )));
    };
    Ok(format!("{ws}/loki/api/v1/tail"))
}

async fn follow(target: Target, start_ns: i128, tx: UnboundedSender<TailEvent>) {
    let mut cursor = Cursor::default();
    let mut backoff = BACKOFF_MIN;
    loop {
        let start = cursor.next_start(start_ns, 0);
        let reason = tokio::select! {
            reason = session(&target, start, &mut cursor, &tx, &mut backoff) => reason,
            () = tx.closed() => return,
        };
        let Some(reason) = reason else { return };
        if tx.send(TailEvent::Disconnected(reason)).is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = tx.closed() => return,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection, until it ends: returns why, or `None` once nobody listens any more.
async fn session(
    target: &Target,
    start: i128,
    cursor: &mut Cursor,
    tx: &UnboundedSender<TailEvent>,
    backoff: &mut Duration,
) -> Option<String> {
    let mut ws = match connect(target, start).await {
        Ok(ws) => ws,
        Err(reason) => return Some(reason),
    };
    tx.send(TailEvent::Connected).ok()?;
    loop {
        let msg = match tokio::time::timeout(IDLE, ws.next()).await {
            Err(_) => return Some(format!("nothing received for {} s", IDLE.as_secs())),
            Ok(None) => return Some("connection closed".into()),
            Ok(Some(Err(e))) => return Some(describe(&e)),
            Ok(Some(Ok(msg))) => msg,
        };
        match msg {
            Message::Text(text) => {
                let (entries, dropped) = match parse_tail_frame(text.as_str()) {
                    Ok(frame) => frame,
                    Err(e) => return Some(format!("bad frame: {e}")),
                };
                *backoff = BACKOFF_MIN;
                let fresh = cursor.accept(entries);
                if !fresh.is_empty() {
                    tx.send(TailEvent::Entries(fresh)).ok()?;
                }
                if dropped > 0 {
                    tx.send(TailEvent::Dropped(dropped)).ok()?;
                }
            }
            Message::Close(frame) => {
                let Some(frame) = frame else {
                    return Some("closed by the server".into());
                };
                let code = u16::from(frame.code);
                let reason = short_body(frame.reason.as_bytes());
                return Some(format!("closed by the server ({code}): {reason}"));
            }
            _ => {}
        }
    }
}

async fn connect(target: &Target, start: i128) -> Result<Ws, String> {
    let mut url = reqwest::Url::parse(&target.url).map_err(|e| format!("bad URL: {e}"))?;
    url.query_pairs_mut()
        .append_pair("query", &target.query)
        .append_pair("start", &start.to_string())
        .append_pair("limit", &TAIL_LIMIT.to_string());
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| describe(&e))?;
    request.headers_mut().extend(target.headers.clone());
    let config = WebSocketConfig::default().max_message_size(Some(MAX_BODY));
    let handshake = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        true,
        target.tls.clone(),
    );
    match tokio::time::timeout(target.timeout, handshake).await {
        Err(_) => Err(format!(
            "timed out after {}",
            crate::duration::format_duration(target.timeout)
        )),
        Ok(Err(e)) => Err(describe(&e)),
        Ok(Ok((ws, _))) => Ok(ws),
    }
}

fn describe(e: &WsError) -> String {
    if let Some(t) = crate::sources::tls::find(e) {
        return format!("TLS: {}", crate::sources::tls::describe(t));
    }
    match e {
        WsError::Http(resp) => {
            let body = resp.body().as_deref().unwrap_or_default();
            format!("HTTP {}: {}", resp.status().as_u16(), short_body(body))
        }
        other => crate::sanitize::line(&other.to_string()),
    }
}

/// The same headers the HTTP client sends, plus the user agent.
fn ws_headers(cfg: &SourceConfig) -> Result<HeaderMap, SourceError> {
    let mut headers = crate::sources::default_headers(cfg)?;
    let agent = HeaderValue::from_static(concat!("oncall/", env!("CARGO_PKG_VERSION")));
    headers.insert(USER_AGENT, agent);
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_credentials() {
        assert_eq!(
            tail_url("https://logs.example.com/").ok().as_deref(),
            Some("wss://logs.example.com/loki/api/v1/tail")
        );
        assert_eq!(
            tail_url("http://127.0.0.1:3100").ok().as_deref(),
            Some("ws://127.0.0.1:3100/loki/api/v1/tail")
        );
        assert!(tail_url("ftp://x").is_err());
    }
}
