//! The demo Loki API: `GET /loki/api/v1/query_range` and `/ready`, serving the log lines of the
//! simulated checkout service. Lines are a pure function of the unix second (same second, same
//! lines), with nanosecond timestamps spread over the second.
//!
//! Streams are `{app="checkout", env="prod", component=..., level=...}`. Per second:
//!
//! | when | component | lines |
//! |---|---|---|
//! | always | api | 2–4 logfmt request logs (`level=info ... status=200 duration_ms=43 trace_id=...`); a 502 at the error ratio |
//! | even seconds | payments | one JSON `charge captured` (info) |
//! | second ≡ 3 (mod 10) | api | `level=debug msg="cache stats"` |
//! | SlowResponses | api | up to 3 `level=warn msg="slow request"` |
//! | HighErrors | payments + api | up to 3 JSON `payment provider timeout` errors, each with an api `status=504` line at the same nanosecond |
//! | Outage | api | a multi-line Go panic at its first second; up to 2 provider timeouts, 3 `connection refused to db-1:5432`, 3 `upstream connect error` |
//! | DbSaturation | db | up to 3 `WARN  [pool] ... connections in use`, a slow request, now and then `ERROR [pool] ... timeout acquiring connection` |
//! | second 17 of each minute | worker | an INFO line with ANSI colour codes |
//! | second 43 of each minute | api | a hostile coupon code with an OSC 0 title change and an OSC 52 clipboard write |
//!
//! Counts ramp with the degradation's intensity: 2–6 lines a second normally, at most 20.
//! `start` is inclusive, `end` exclusive, `limit` (default 100, at most 5000) cuts in the
//! `direction` order (default backward), as Loki does. A metric query gets an empty matrix.

mod lines;
mod logql;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use self::lines::{DemoLog, second};
use self::logql::{LogQuery, Parsed};
use super::sim::Sim;
use super::{Demo, DemoStack, now_ms};

const NS: i128 = 1_000_000_000;
/// Loki's default `max_entries_limit_per_query`.
const MAX_LIMIT: u32 = 5000;
/// Loki's default `max_query_length` (721 h).
const MAX_RANGE_NS: i128 = 721 * 3600 * NS;
/// Seconds of simulated logs scanned for one answer at most.
const MAX_SCAN_SECS: i64 = 6 * 3600;

impl DemoStack {
    /// Base URL of the simulated Loki: the same server, its API lives under `/loki/api/v1/`.
    pub fn loki_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

pub(super) fn loki_routes() -> Router<Demo> {
    Router::new()
        .route("/loki/api/v1/query_range", get(query_range))
        .route("/ready", get(|| async { "ready\n" }))
}

/// A plain-text error as Loki writes it: `text/plain`, no trailing newline.
fn bad_request(message: String) -> Response {
    let headers = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    (StatusCode::BAD_REQUEST, headers, message).into_response()
}

struct Params {
    start_ns: i128,
    end_ns: i128,
    limit: u32,
    forward: bool,
}

/// Loki's timestamp forms: float seconds, integer seconds (up to 10 digits), integer
/// nanoseconds, or RFC 3339.
fn parse_ts(value: &str) -> Option<i128> {
    if value.contains('.') {
        if let Ok(secs) = value.parse::<f64>() {
            return Some((secs * 1000.0).round() as i128 * 1_000_000);
        }
    }
    match value.parse::<i64>() {
        Ok(n) if value.len() <= 10 => Some(i128::from(n) * NS),
        Ok(n) => Some(i128::from(n)),
        Err(_) => chrono::DateTime::parse_from_rfc3339(value)
            .ok()
            .and_then(|t| t.timestamp_nanos_opt())
            .map(i128::from),
    }
}

fn params(q: &HashMap<String, String>, now_ns: i128) -> Result<Params, String> {
    let ts = |key: &str, default: i128| match q.get(key).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => parse_ts(v).ok_or_else(|| format!("invalid {key} timestamp")),
    };
    let end_ns = ts("end", now_ns)?;
    let start_ns = ts("start", end_ns - 3600 * NS)?;
    if end_ns <= start_ns {
        return Err("end timestamp must not be before or equal to start time".into());
    }
    if end_ns - start_ns > MAX_RANGE_NS {
        let hours = (end_ns - start_ns) / (3600 * NS);
        return Err(format!(
            "the query time range exceeds the limit (query length: {hours}h0m0s, limit: 721h0m0s)"
        ));
    }
    let limit = match q.get("limit") {
        None => 100,
        Some(v) => v.parse::<u32>().map_err(|_| "invalid limit".to_string())?,
    };
    if limit > MAX_LIMIT {
        return Err(format!(
            "max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {MAX_LIMIT})"
        ));
    }
    let forward = match q.get("direction").map(String::as_str) {
        None | Some("backward" | "BACKWARD") => false,
        Some("forward" | "FORWARD") => true,
        Some(_) => return Err("invalid direction".into()),
    };
    Ok(Params {
        start_ns,
        end_ns,
        limit,
        forward,
    })
}

/// The labels of a generated line's stream.
fn stream_labels(l: &DemoLog) -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("app", "checkout"),
        ("component", l.component),
        ("env", "prod"),
        ("level", l.level),
    ])
}

/// The lines a query selects, in `direction` order, at most `limit`.
fn select(sim: &Sim, query: &LogQuery, p: &Params) -> Vec<DemoLog> {
    let first = p.start_ns.div_euclid(NS) as i64;
    let last = (p.end_ns - 1).div_euclid(NS) as i64;
    let secs = (last - first + 1).min(MAX_SCAN_SECS);
    let mut out = Vec::new();
    for k in 0..secs {
        let sec = if p.forward { first + k } else { last - k };
        let mut lines = second(sim, sec);
        if !p.forward {
            lines.reverse();
        }
        for l in lines {
            if out.len() >= p.limit as usize {
                return out;
            }
            let in_range = (p.start_ns..p.end_ns).contains(&l.ts_ns);
            if in_range && query.matches(&stream_labels(&l), &l.line) {
                out.push(l);
            }
        }
    }
    out
}

/// Groups lines into streams, keeping their order within each stream.
fn streams_json(lines: Vec<DemoLog>) -> serde_json::Value {
    let mut streams: BTreeMap<BTreeMap<&str, &str>, Vec<serde_json::Value>> = BTreeMap::new();
    for l in lines {
        let value = json!([l.ts_ns.to_string(), l.line]);
        streams.entry(stream_labels(&l)).or_default().push(value);
    }
    let result: Vec<serde_json::Value> = streams
        .into_iter()
        .map(|(labels, values)| json!({"stream": labels, "values": values}))
        .collect();
    json!(result)
}

fn answer(result_type: &str, result: serde_json::Value, returned: usize) -> Response {
    let stats = json!({"summary": {"bytesProcessedPerSecond": 0, "execTime": 0.0012,
        "queueTime": 0.0001, "totalEntriesReturned": returned}});
    let body = json!({"status": "success",
        "data": {"resultType": result_type, "result": result, "stats": stats}});
    let headers = [(header::CONTENT_TYPE, "application/json; charset=UTF-8")];
    (StatusCode::OK, headers, body.to_string()).into_response()
}

async fn query_range(
    State(demo): State<Demo>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now_ns = i128::from(now_ms()) * 1_000_000;
    let p = match params(&q, now_ns) {
        Ok(p) => p,
        Err(e) => return bad_request(e),
    };
    let query = q.get("query").map_or("", String::as_str);
    match logql::parse(query) {
        Err(e) => bad_request(e),
        Ok(Parsed::Metric) => answer("matrix", json!([]), 0),
        Ok(Parsed::Logs(lq)) => {
            let lines = select(&demo.sim, &lq, &p);
            let n = lines.len();
            answer("streams", streams_json(lines), n)
        }
    }
}
