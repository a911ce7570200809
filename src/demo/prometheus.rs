//! The demo Prometheus HTTP API (`/api/v1`): instant and range queries over the query table of
//! [`super::queries`], errors in Prometheus's envelope, build info, and the simulated alerts.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Form, Json, Router};
use serde::Serialize;
use serde_json::{Number, json};

use super::queries::{OwnedLabels, Plan};
use super::{Demo, alerts, now_ms, plain};

pub(super) fn prometheus_routes() -> Router<Demo> {
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

async fn buildinfo() -> Json<serde_json::Value> {
    Json(json!({"status": "success", "data": {
        "version": "demo", "revision": "demo", "branch": "demo",
        "buildUser": "oncall", "buildDate": "", "goVersion": "none"}}))
}

/// `GET /api/v1/alerts`: the simulated alerts, all firing, in Prometheus's shape.
async fn alerts(State(demo): State<Demo>) -> Json<serde_json::Value> {
    let now = now_ms() as f64 / 1000.0;
    let list: Vec<serde_json::Value> = alerts::firing(&demo.sim, now, &demo.base)
        .into_iter()
        .map(|a| {
            let active_at =
                chrono::DateTime::from_timestamp_millis((a.starts_at * 1000.0).round() as i64)
                    .unwrap_or_default()
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
            json!({"labels": a.labels, "annotations": a.annotations, "state": "firing",
                   "activeAt": active_at, "value": "1e+00"})
        })
        .collect();
    Json(json!({"status": "success", "data": {"alerts": list}}))
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
    Vector {
        metric: OwnedLabels,
        value: Point,
    },
    Matrix {
        metric: OwnedLabels,
        values: Vec<Point>,
    },
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

fn parse_query(params: &BTreeMap<String, String>) -> Result<Plan, BadData> {
    let query = params.get("query").map_or("", String::as_str);
    if query.trim().is_empty() {
        return Err(invalid_param(
            "query",
            "1:1: parse error: no expression found in input",
        ));
    }
    Plan::parse(query)
        .ok_or_else(|| BadData(format!("demo stack does not simulate this query: {query}")))
}

async fn instant(State(demo): State<Demo>, req: Request) -> Result<Json<Success>, BadData> {
    let params = params(req).await;
    let time_ms = match params.get("time").filter(|t| !t.is_empty()) {
        Some(t) => parse_time_ms(t)
            .map_err(|e| invalid_param("time", format!("Invalid time value for 'time': {e}")))?,
        None => now_ms(),
    };
    let plan = parse_query(&params)?;
    let result = plan
        .eval(&demo.sim.at(time_ms as f64 / 1000.0))
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
    let plan = parse_query(&params)?;
    let step = (step as i64).max(1);
    let mut series: BTreeMap<OwnedLabels, Vec<Point>> = BTreeMap::new();
    for t in (start..=end).step_by(usize::try_from(step).unwrap_or(usize::MAX)) {
        for (labels, v) in plan.eval(&demo.sim.at(t as f64 / 1000.0)) {
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
}
