//! The embedded demo stack: a real HTTP server on loopback that speaks the Prometheus HTTP API,
//! fed by the simulated "checkout" service of [`sim`].
//!
//! The router is assembled from one function per upstream API (`prometheus_routes` for now), all
//! sharing the `Demo` state. Alertmanager (`/api/v2`), Loki (`/loki/api/v1`) and Sentry (`/api/0`)
//! can be merged in on the same port; only `/-/ready` and `/-/healthy` would need a prefix.

pub mod sim;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Form, Json, Router};
use serde::Serialize;
use serde_json::{Number, json};
use tokio::sync::oneshot;

use self::sim::{CHECKOUT_INSTANCES, Sample, Sim};

/// A running demo stack. Dropping it shuts the server down gracefully.
pub struct DemoStack {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl DemoStack {
    /// Binds `addr` (usually 127.0.0.1:0), spawns the server on the current tokio runtime and
    /// returns at once. The scripted cycle of [`sim`] starts now.
    pub async fn start(addr: SocketAddr) -> std::io::Result<DemoStack> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let sim = Sim::new(now_ms() as f64 / 1000.0);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            let served = axum::serve(listener, router(sim))
                .with_graceful_shutdown(shutdown)
                .await;
            if let Err(err) = served {
                tracing::warn!("demo stack server stopped: {err}");
            }
        });
        Ok(DemoStack {
            addr,
            shutdown: Some(tx),
        })
    }

    /// Base URL of the simulated Prometheus, e.g. `http://127.0.0.1:41234`.
    pub fn prometheus_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for DemoStack {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// State shared by every simulated API. Alertmanager silences and the like will live here.
#[derive(Clone)]
struct Demo {
    sim: Sim,
}

fn router(sim: Sim) -> Router {
    Router::new()
        .merge(prometheus_routes())
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "404 page not found\n") })
        .with_state(Demo { sim })
}

fn prometheus_routes() -> Router<Demo> {
    let get_or_post = |m: MethodRouter<Demo>| m.fallback(method_not_allowed);
    Router::new()
        .route("/api/v1/query", get_or_post(get(instant).post(instant)))
        .route("/api/v1/query_range", get_or_post(get(range).post(range)))
        .route("/api/v1/status/buildinfo", get(buildinfo))
        .route("/api/v1/alerts", get(alerts))
        .route(
            "/-/ready",
            get(|| async { "Prometheus Server is Ready.\n" }),
        )
        .route(
            "/-/healthy",
            get(|| async { "Prometheus Server is Healthy.\n" }),
        )
}

async fn method_not_allowed() -> Response {
    plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n")
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (status, headers, body).into_response()
}

async fn buildinfo() -> Json<serde_json::Value> {
    Json(json!({"status": "success", "data": {
        "version": "demo", "revision": "demo", "branch": "demo",
        "buildUser": "oncall", "buildDate": "", "goVersion": "none"}}))
}

async fn alerts() -> Json<serde_json::Value> {
    Json(json!({"status": "success", "data": {"alerts": []}}))
}

/// The labels of one series; sorted, so `__name__` comes first as in Prometheus.
type Labels = BTreeMap<&'static str, &'static str>;
type Eval = fn(&Sample) -> Vec<(Labels, f64)>;

macro_rules! quantile {
    ($q:literal) => {
        concat!(
            "histogram_quantile(",
            $q,
            ",sumby(le)(rate(http_request_duration_seconds_bucket[5m])))"
        )
    };
}

/// The queries the demo understands, compared after removing all whitespace:
///
/// | query | result |
/// |---|---|
/// | `up` | `up` of checkout-1..3 (`job="checkout"`), db-1 (`postgres`), localhost:9090 (`prometheus`) |
/// | `sum(rate(http_requests_total[5m]))` | requests/s |
/// | `sum(rate(http_errors_total[5m]))` | errors/s |
/// | `sum(rate(http_errors_total[5m]))/sum(rate(http_requests_total[5m]))` | error ratio |
/// | `sum(active_sessions)` | sessions |
/// | `histogram_quantile(0.50\|0.5\|0.95\|0.99,sum by (le) (rate(http_request_duration_seconds_bucket[5m])))` | seconds |
/// | `sum(pg_stat_database_numbackends)` | db connections |
/// | `sum(rate(pg_stat_database_xact_commit[5m]))` | transactions/s |
/// | `sum(pg_slow_queries)` | slow queries |
/// | `avg_over_time(up{job="checkout"}[30d])` | availability per checkout instance (~0.9993) |
/// | `pg_settings_max_connections`, `pg_stat_database_numbackends` | raw gauges with their labels |
const QUERIES: &[(&str, Eval)] = &[
    ("up", up),
    (
        "sum(rate(http_requests_total[5m]))",
        |s| one(s.request_rate),
    ),
    ("sum(rate(http_errors_total[5m]))", |s| one(s.error_rate)),
    (
        "sum(rate(http_errors_total[5m]))/sum(rate(http_requests_total[5m]))",
        |s| one(s.error_ratio),
    ),
    ("sum(active_sessions)", |s| one(s.active_sessions)),
    (quantile!("0.50"), |s| one(s.latency_p50)),
    (quantile!("0.5"), |s| one(s.latency_p50)),
    (quantile!("0.95"), |s| one(s.latency_p95)),
    (quantile!("0.99"), |s| one(s.latency_p99)),
    ("sum(pg_stat_database_numbackends)", |s| {
        one(s.db_connections)
    }),
    ("sum(rate(pg_stat_database_xact_commit[5m]))", |s| {
        one(s.db_xact_rate)
    }),
    ("sum(pg_slow_queries)", |s| one(s.db_slow_queries)),
    ("avg_over_time(up{job=\"checkout\"}[30d])", availability),
    ("pg_settings_max_connections", |s| {
        db_gauge("pg_settings_max_connections", s.db_max_connections)
    }),
    ("pg_stat_database_numbackends", |s| {
        db_gauge("pg_stat_database_numbackends", s.db_connections)
    }),
];
/// Finds the evaluator of `query` in [`QUERIES`].
fn lookup(query: &str) -> Option<Eval> {
    let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    QUERIES
        .iter()
        .find(|(q, _)| *q == compact)
        .map(|(_, eval)| *eval)
}

fn one(value: f64) -> Vec<(Labels, f64)> {
    vec![(Labels::new(), value)]
}

fn target(job: &'static str, instance: &'static str) -> Labels {
    Labels::from([("job", job), ("instance", instance)])
}

fn flag(up: bool) -> f64 {
    if up { 1.0 } else { 0.0 }
}

fn up(s: &Sample) -> Vec<(Labels, f64)> {
    let mut out: Vec<(Labels, f64)> = CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_up)
        .map(|(instance, up)| (target("checkout", instance), flag(up)))
        .collect();
    out.push((target("postgres", "db-1:9187"), flag(s.db_up)));
    out.push((
        target("prometheus", "localhost:9090"),
        flag(s.prometheus_up),
    ));
    for (labels, _) in &mut out {
        labels.insert("__name__", "up");
    }
    out
}

fn availability(s: &Sample) -> Vec<(Labels, f64)> {
    CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_availability_30d)
        .map(|(instance, value)| (target("checkout", instance), value))
        .collect()
}

fn db_gauge(name: &'static str, value: f64) -> Vec<(Labels, f64)> {
    let mut labels = target("postgres", "db-1:9187");
    labels.insert("__name__", name);
    if name == "pg_stat_database_numbackends" {
        labels.insert("datname", "checkout");
    }
    vec![(labels, value)]
}

/// A Prometheus `bad_data` error (HTTP 400).
#[derive(Debug)]
struct BadData(String);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    status: &'static str,
    error_type: &'static str,
    error: String,
}

impl IntoResponse for BadData {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            status: "error",
            error_type: "bad_data",
            error: self.0,
        };
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

fn invalid_param(name: &str, msg: impl std::fmt::Display) -> BadData {
    BadData(format!("invalid parameter \"{name}\": {msg}"))
}

type Point = (Number, String);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Success {
    status: &'static str,
    data: QueryData,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryData {
    result_type: &'static str,
    result: Vec<Item>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Item {
    Vector { metric: Labels, value: Point },
    Matrix { metric: Labels, values: Vec<Point> },
}

fn success(result_type: &'static str, result: Vec<Item>) -> Json<Success> {
    let data = QueryData {
        result_type,
        result,
    };
    Json(Success {
        status: "success",
        data,
    })
}

/// Request parameters as Go's `FormValue` sees them: a form body first, then the URL query.
async fn params(req: Request) -> BTreeMap<String, String> {
    let url = Query::<Vec<(String, String)>>::try_from_uri(req.uri())
        .map_or_else(|_| Vec::new(), |q| q.0);
    let body = if req.method() == Method::POST {
        Form::<Vec<(String, String)>>::from_request(req, &())
            .await
            .map_or_else(|_| Vec::new(), |f| f.0)
    } else {
        Vec::new()
    };
    let mut out = BTreeMap::new();
    for (key, value) in body.into_iter().chain(url) {
        out.entry(key).or_insert(value);
    }
    out
}

fn parse_query(params: &BTreeMap<String, String>) -> Result<Eval, BadData> {
    let query = params.get("query").map_or("", String::as_str);
    if query.trim().is_empty() {
        return Err(invalid_param(
            "query",
            "1:1: parse error: no expression found in input",
        ));
    }
    let eval = lookup(query)
        .ok_or_else(|| BadData(format!("demo stack does not simulate this query: {query}")))?;
    Ok(eval)
}

async fn instant(State(demo): State<Demo>, req: Request) -> Result<Json<Success>, BadData> {
    let params = params(req).await;
    let time_ms = match params.get("time").filter(|t| !t.is_empty()) {
        Some(t) => parse_time_ms(t)
            .map_err(|e| invalid_param("time", format!("Invalid time value for 'time': {e}")))?,
        None => now_ms(),
    };
    let eval = parse_query(&params)?;
    let result = eval(&demo.sim.at(time_ms as f64 / 1000.0))
        .into_iter()
        .map(|(metric, v)| Item::Vector {
            metric,
            value: (timestamp(time_ms), format_value(v)),
        })
        .collect();
    Ok(success("vector", result))
}

async fn range(State(demo): State<Demo>, req: Request) -> Result<Json<Success>, BadData> {
    let params = params(req).await;
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    let start = parse_time_ms(param("start")).map_err(|e| invalid_param("start", e))?;
    let end = parse_time_ms(param("end")).map_err(|e| invalid_param("end", e))?;
    if end < start {
        return Err(invalid_param(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    let step = parse_duration_ms(param("step")).map_err(|e| invalid_param("step", e))?;
    if step <= 0.0 {
        let msg = "zero or negative query resolution step widths are not accepted. Try a positive integer";
        return Err(invalid_param("step", msg));
    }
    if ((end - start) as f64 / step).floor() > 11_000.0 {
        return Err(BadData(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
                .to_owned(),
        ));
    }
    let eval = parse_query(&params)?;
    let step = (step as i64).max(1);
    let mut series: BTreeMap<Labels, Vec<Point>> = BTreeMap::new();
    for t in (start..=end).step_by(usize::try_from(step).unwrap_or(usize::MAX)) {
        for (labels, v) in eval(&demo.sim.at(t as f64 / 1000.0)) {
            series
                .entry(labels)
                .or_default()
                .push((timestamp(t), format_value(v)));
        }
    }
    let result = series
        .into_iter()
        .map(|(metric, values)| Item::Matrix { metric, values })
        .collect();
    Ok(success("matrix", result))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A timestamp as Prometheus writes it: seconds, at most 3 decimals, no `.0` on whole seconds.
fn timestamp(ms: i64) -> Number {
    if ms % 1000 == 0 {
        Number::from(ms / 1000)
    } else {
        Number::from_f64(ms as f64 / 1000.0).unwrap_or_else(|| Number::from(ms / 1000))
    }
}

/// A sample value as Prometheus writes it.
fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

/// Unix seconds (float) or RFC 3339, to milliseconds.
fn parse_time_ms(s: &str) -> Result<i64, String> {
    if let Some(secs) = s.parse::<f64>().ok().filter(|secs| secs.is_finite()) {
        return Ok((secs * 1000.0).round() as i64);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("cannot parse {s:?} to a valid timestamp"))
}

/// Float seconds or a Prometheus duration (`15s`, `1m30s`, `500ms`, `1h`, `2d`, `1w`, `1y`), to ms.
fn parse_duration_ms(s: &str) -> Result<f64, String> {
    let invalid = || format!("cannot parse {s:?} to a valid duration");
    if let Ok(secs) = s.parse::<f64>() {
        return if secs.is_finite() {
            Ok(secs * 1000.0)
        } else {
            Err(invalid())
        };
    }
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ms = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            "d" => 86_400e3,
            "w" => 604_800e3,
            "y" => 31_536_000e3,
            _ => return Err(invalid()),
        };
        total += n * unit_ms;
        rest = &rest[unit_len..];
    }
    if s.is_empty() {
        Err(invalid())
    } else {
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// One HTTP/1.1 exchange; returns (status, head, body).
    async fn http(
        addr: SocketAddr,
        method: &str,
        target: &str,
        form: Option<&str>,
    ) -> (u16, String, String) {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let body = form.unwrap_or("");
        let form_type = if form.is_some() {
            "Content-Type: application/x-www-form-urlencoded\r\n"
        } else {
            ""
        };
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n{form_type}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.expect("read");
        let (head, body) = raw.split_once("\r\n\r\n").expect("headers");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        (status, head.to_ascii_lowercase(), body.to_owned())
    }

    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    fn json(body: &str) -> serde_json::Value {
        serde_json::from_str(body).expect("json body")
    }

    async fn start() -> DemoStack {
        DemoStack::start(([127, 0, 0, 1], 0).into())
            .await
            .expect("start")
    }

    #[tokio::test]
    async fn instant_queries_over_get_and_post() {
        let stack = start().await;
        let addr = stack.local_addr();
        assert_eq!(stack.prometheus_url(), format!("http://{addr}"));

        let (status, head, body) = http(addr, "GET", "/api/v1/query?query=up", None).await;
        assert_eq!(status, 200);
        assert!(head.contains("content-type: application/json"), "{head}");
        let v = json(&body);
        assert_eq!(
            (v["status"].as_str(), v["data"]["resultType"].as_str()),
            (Some("success"), Some("vector"))
        );
        let result = v["data"]["result"].as_array().expect("result");
        assert_eq!(result.len(), 5);
        assert_eq!(
            result
                .iter()
                .filter(|r| r["metric"]["job"] == "checkout")
                .count(),
            3
        );
        for item in result {
            assert_eq!(item["metric"]["__name__"], "up");
            assert!(item["value"][0].is_number());
            assert!(
                matches!(item["value"][1].as_str(), Some("0" | "1")),
                "{item}"
            );
        }

        let form = format!(
            "query={}&time=2026-11-27T12:00:00.5Z",
            enc(" sum( rate(http_requests_total[5m]) ) ")
        );
        let (status, _, body) = http(addr, "POST", "/api/v1/query", Some(&form)).await;
        assert_eq!(status, 200, "{body}");
        let v = json(&body);
        let item = &v["data"]["result"][0];
        assert_eq!(item["metric"], json!({}));
        assert_eq!(item["value"][0].as_f64(), Some(1_795_780_800.5));
        let rate: f64 = item["value"][1]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("value");
        assert!((400.0..1200.0).contains(&rate), "{rate}");
    }

    #[tokio::test]
    async fn range_query_agrees_with_instant_queries() {
        let stack = start().await;
        let addr = stack.local_addr();
        let query = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
        let form = format!(
            "query={}&start=1795808982&end=1795809042&step=15s",
            enc(query)
        );
        let (status, _, body) = http(addr, "POST", "/api/v1/query_range", Some(&form)).await;
        assert_eq!(status, 200, "{body}");
        let v = json(&body);
        assert_eq!(v["data"]["resultType"], "matrix");
        let values = v["data"]["result"][0]["values"].as_array().expect("values");
        let times: Vec<_> = values.iter().filter_map(|p| p[0].as_i64()).collect();
        assert_eq!(
            times,
            [
                1_795_808_982,
                1_795_808_997,
                1_795_809_012,
                1_795_809_027,
                1_795_809_042
            ]
        );

        let target = format!("/api/v1/query?query={}&time=1795809012", enc(query));
        let (status, _, body) = http(addr, "GET", &target, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(json(&body)["data"]["result"][0]["value"], values[2]);
    }

    #[tokio::test]
    async fn errors_use_the_prometheus_envelope() {
        let stack = start().await;
        let addr = stack.local_addr();
        let bad = |msg: &str| json!({"status": "error", "errorType": "bad_data", "error": msg});
        let cases = [
            (
                "/api/v1/query?query=foo",
                bad("demo stack does not simulate this query: foo"),
            ),
            (
                "/api/v1/query",
                bad("invalid parameter \"query\": 1:1: parse error: no expression found in input"),
            ),
            (
                "/api/v1/query?query=up&time=yesterday",
                bad(
                    "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"yesterday\" to a valid timestamp",
                ),
            ),
            (
                "/api/v1/query_range?query=up&start=1795808992&end=1795808982&step=1",
                bad("invalid parameter \"end\": end timestamp must not be before start time"),
            ),
            (
                "/api/v1/query_range?query=up&start=1795808982&end=1795808992&step=0",
                bad(
                    "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
                ),
            ),
            (
                "/api/v1/query_range?query=up&start=1795722592&end=1795808992&step=1",
                bad(
                    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
                ),
            ),
        ];
        for (target, expected) in cases {
            let (status, head, body) = http(addr, "GET", target, None).await;
            assert_eq!(status, 400, "{target}");
            assert!(head.contains("content-type: application/json"), "{head}");
            assert_eq!(json(&body), expected, "{target}");
        }
        let (_, _, body) = http(addr, "GET", "/api/v1/query?query=foo", None).await;
        assert!(
            body.starts_with(r#"{"status":"error","errorType":"bad_data","error":"#),
            "{body}"
        );
    }

    #[tokio::test]
    async fn other_endpoints_and_shutdown() {
        let stack = start().await;
        let addr = stack.local_addr();
        let (status, head, body) = http(addr, "GET", "/api/v1/does-not-exist", None).await;
        assert_eq!((status, body.as_str()), (404, "404 page not found\n"));
        assert!(head.contains("content-type: text/plain"), "{head}");
        assert_eq!(
            http(addr, "DELETE", "/api/v1/query?query=up", None).await.0,
            405
        );
        let ready = http(addr, "GET", "/-/ready", None).await;
        assert_eq!(
            (ready.0, ready.2.as_str()),
            (200, "Prometheus Server is Ready.\n")
        );
        assert_eq!(http(addr, "GET", "/-/healthy", None).await.0, 200);
        let (_, _, body) = http(addr, "GET", "/api/v1/status/buildinfo", None).await;
        assert_eq!(json(&body)["data"]["version"], "demo");
        let (_, _, body) = http(addr, "GET", "/api/v1/alerts", None).await;
        assert_eq!(
            json(&body),
            json!({"status": "success", "data": {"alerts": []}})
        );

        drop(stack);
        let mut refused = false;
        for _ in 0..100 {
            if TcpStream::connect(addr).await.is_err() {
                refused = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(refused, "server still accepting after drop");
    }

    #[test]
    fn parses_prometheus_times_and_durations() {
        assert_eq!(parse_time_ms("1795808995.08"), Ok(1_795_808_995_080));
        assert_eq!(parse_time_ms("2026-11-27T12:00:00Z"), Ok(1_795_780_800_000));
        assert!(parse_time_ms("yesterday").is_err());
        assert_eq!(parse_duration_ms("15s"), Ok(15_000.0));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000.0));
        assert_eq!(parse_duration_ms("500ms"), Ok(500.0));
        assert_eq!(parse_duration_ms("2.5"), Ok(2_500.0));
        for bad in ["", "abc", "5x", "m", "1.5m"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_prometheus() {
        let ts = |ms| serde_json::to_string(&timestamp(ms)).expect("number");
        assert_eq!(ts(1_795_808_995_080), "1795808995.08");
        assert_eq!(ts(1_795_808_995_074), "1795808995.074");
        assert_eq!(ts(1_795_808_982_000), "1795808982");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(0.0123), "0.0123");
        assert_eq!(format_value(1.0), "1");
    }

    #[test]
    fn lookup_ignores_whitespace() {
        assert!(lookup(" sum by(le) ").is_none());
        assert!(lookup("sum( active_sessions )").is_some());
        let q =
            "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
        assert!(lookup(q).is_some());
        assert!(lookup("avg_over_time(up{job=\"checkout\"}[30d])").is_some());
    }
}
