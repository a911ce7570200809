//! The demo Alertmanager API (`/api/v2`): the simulated alerts, silences that suppress them, and
//! errors in the three body shapes Alertmanager uses.
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /api/v2/alerts` | [`alerts::firing`] now; `active`/`silenced` filters; `filter=` is ignored |
//! | `GET /api/v2/silences`, `GET /api/v2/silence/{id}` | the silence store (404, empty body) |
//! | `POST /api/v2/silences` | `{"silenceID": …}`; with `id`, updates or replaces that silence |
//! | `DELETE /api/v2/silence/{id}` | 200; 404 with an empty body when unknown (as 0.26+) |
//! | `GET /api/v2/status`, `GET /api/v2/receivers` | `versionInfo.version = "demo"` |

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::alerts::{self, DemoAlert};
use super::silences::{ExpireError, Posted, rfc3339};
use super::{Demo, now_ms};

pub(super) fn alertmanager_routes() -> Router<Demo> {
    Router::new()
        .route("/api/v2/alerts", get(list_alerts))
        .route("/api/v2/silences", get(list_silences).post(post_silence))
        .route(
            "/api/v2/silence/{id}",
            delete(expire_silence).get(get_silence),
        )
        .route("/api/v2/status", get(status))
        .route("/api/v2/receivers", get(receivers))
}

/// An error answer in one of Alertmanager's shapes.
#[derive(Debug)]
enum AmError {
    /// `{"code": …, "message": …}` (go-swagger validation and parsing).
    Coded(StatusCode, u16, String),
    /// A bare JSON string (handler errors).
    Bare(StatusCode, String),
    /// No body at all.
    Empty(StatusCode),
}

impl IntoResponse for AmError {
    fn into_response(self) -> Response {
        match self {
            AmError::Coded(status, code, message) => {
                (status, Json(json!({"code": code, "message": message}))).into_response()
            }
            AmError::Bare(status, message) => {
                (status, Json(Value::String(message))).into_response()
            }
            AmError::Empty(status) => status.into_response(),
        }
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms()).unwrap_or_default()
}

fn at(secs: f64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis((secs * 1000.0).round() as i64).unwrap_or_default()
}

fn flag(params: &BTreeMap<String, String>, name: &str) -> bool {
    params.get(name).is_none_or(|v| v != "false")
}

/// One alert in the shape of `GET /api/v2/alerts`.
fn alert_json(alert: DemoAlert, silenced_by: Vec<String>, now: DateTime<Utc>) -> Value {
    let state = if silenced_by.is_empty() {
        "active"
    } else {
        "suppressed"
    };
    let receiver = if alert
        .labels
        .get("severity")
        .is_some_and(|s| s == "critical")
    {
        "payments-pager"
    } else {
        "payments-chat"
    };
    json!({
        "annotations": alert.annotations,
        "endsAt": rfc3339(now + TimeDelta::minutes(4)),
        "fingerprint": alert.fingerprint,
        "receivers": [{"name": receiver}],
        "startsAt": rfc3339(at(alert.starts_at)),
        "status": {"inhibitedBy": [], "silencedBy": silenced_by, "state": state},
        "updatedAt": rfc3339(now),
        "generatorURL": alert.generator_url,
        "labels": alert.labels,
    })
}

async fn list_alerts(
    State(demo): State<Demo>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let now = now();
    let (active, silenced) = (flag(&params, "active"), flag(&params, "silenced"));
    let firing = alerts::firing(&demo.sim, now_ms() as f64 / 1000.0, &demo.base);
    let store = demo.silences();
    let list = firing
        .into_iter()
        .filter_map(|alert| {
            let by = store.silencing(&alert.labels, now);
            let keep = if by.is_empty() { active } else { silenced };
            keep.then(|| alert_json(alert, by, now))
        })
        .collect();
    Json(Value::Array(list))
}

async fn list_silences(State(demo): State<Demo>) -> Json<Value> {
    Json(demo.silences().to_json(now()))
}

async fn get_silence(
    State(demo): State<Demo>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AmError> {
    demo.silences()
        .get_json(&id, now())
        .map(Json)
        .ok_or(AmError::Empty(StatusCode::NOT_FOUND))
}

async fn expire_silence(State(demo): State<Demo>, Path(id): Path<String>) -> Result<(), AmError> {
    match demo.silences().expire(&id, now()) {
        Ok(()) => Ok(()),
        Err(ExpireError::NotFound) => Err(AmError::Empty(StatusCode::NOT_FOUND)),
        Err(ExpireError::AlreadyExpired) => Err(AmError::Bare(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("silence {id} already expired"),
        )),
    }
}

async fn post_silence(State(demo): State<Demo>, body: Bytes) -> Result<Json<Value>, AmError> {
    let posted = validate(&body, now())?;
    let id = demo
        .silences()
        .upsert(posted, now())
        .map_err(|()| AmError::Bare(StatusCode::NOT_FOUND, "silence not found".to_owned()))?;
    Ok(Json(json!({"silenceID": id})))
}

/// Checks a posted silence in Alertmanager's order: JSON syntax, required fields, at least one
/// matcher (go-swagger, coded errors), then the handler's time checks (bare strings).
fn validate(body: &[u8], now: DateTime<Utc>) -> Result<Posted, AmError> {
    let parse_error = |e: serde_json::Error| {
        let message = format!("parsing silence body from \"\" failed, because {e}");
        AmError::Coded(StatusCode::BAD_REQUEST, 400, message)
    };
    let value: Value = serde_json::from_slice(body).map_err(parse_error)?;
    for field in ["comment", "createdBy", "endsAt", "matchers", "startsAt"] {
        if value.get(field).is_none_or(Value::is_null) {
            let message = format!("{field} in body is required");
            return Err(AmError::Coded(
                StatusCode::UNPROCESSABLE_ENTITY,
                602,
                message,
            ));
        }
    }
    if value["matchers"].as_array().is_some_and(Vec::is_empty) {
        let message = "matchers in body should have at least 1 items".to_owned();
        return Err(AmError::Coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            612,
            message,
        ));
    }
    let posted: Posted = serde_json::from_value(value).map_err(parse_error)?;
    let bad = |msg: &str| {
        AmError::Bare(
            StatusCode::BAD_REQUEST,
            format!("Failed to create silence: {msg}"),
        )
    };
    if posted.ends_at <= posted.starts_at {
        return Err(bad("start time must be before end time"));
    }
    if posted.ends_at < now {
        return Err(bad("end time can't be in the past"));
    }
    Ok(posted)
}

async fn status(State(demo): State<Demo>) -> Json<Value> {
    Json(json!({
        "cluster": {"peers": [], "status": "disabled"},
        "config": {"original": "route:\n  receiver: payments-chat\n"},
        "uptime": rfc3339(at(demo.sim.epoch())),
        "versionInfo": {"branch": "demo", "buildDate": "", "buildUser": "oncall",
                        "goVersion": "none", "revision": "demo", "version": "demo"},
    }))
}

async fn receivers() -> Json<Value> {
    Json(json!([{"name": "payments-pager"}, {"name": "payments-chat"}]))
}
