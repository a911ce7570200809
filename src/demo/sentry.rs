//! The demo Sentry API (`/api/0`): the issues of project `checkout` in organization `acme`.
//!
//! Every number is a pure function of the time and the simulation: an issue's count is the integral
//! of its event rate since its first event, and that rate surges while a matching phase plays
//! (payment timeouts during HighErrors and Outage, database errors during DbSaturation and
//! Outage, …). `CircuitBreakerOpen` first happens five seconds into the first Outage after the
//! stack started: a new issue the dashboard should notice.
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /api/0/organizations/acme/issues/` | the issues; `query` (loosely), `sort`, `limit`, `cursor` |
//! | `GET /api/0/projects/acme/checkout/issues/` | the same |
//! | another organization or project | 404 `{"detail": "The requested resource does not exist"}` |
//!
//! Pages carry Sentry's `Link` header (`rel="previous"` and `rel="next"` with `results` and
//! `cursor="0:<offset>:<is_prev>"`) and `X-Hits`. No token is needed; any is accepted.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat};
use serde_json::{Value, json};

use self::issues::{DemoIssue, KINDS, Kind, PROJECT, issues_at};
use super::{Demo, DemoStack, now_ms};

mod issues;
#[cfg(test)]
mod tests;

const ORG: &str = "acme";
const PERMALINK: &str = "https://sentry.example.com/organizations/acme/issues/";

/// A loose reading of Sentry's search: `is:unresolved` (and other unknown keys) keep everything,
/// `is:resolved`/`is:ignored`/`is:archived` nothing, `level:X` filters, free text searches the
/// title and culprit.
fn matches(kind: &Kind, query: &str) -> bool {
    query
        .split_whitespace()
        .all(|token| match token.split_once(':') {
            Some(("is", v)) => !matches!(v, "resolved" | "ignored" | "archived" | "muted"),
            Some(("level", v)) => kind.level.eq_ignore_ascii_case(v),
            Some(_) => true,
            None => {
                let t = token.to_lowercase();
                kind.title.to_lowercase().contains(&t) || kind.culprit.to_lowercase().contains(&t)
            }
        })
}

fn sort(issues: &mut [DemoIssue], by: &str) {
    issues.sort_by(|a, b| {
        let key = match by {
            "freq" => b.count.cmp(&a.count),
            "user" => b.users.cmp(&a.users),
            "new" => b.first_seen.total_cmp(&a.first_seen),
            _ => b.last_seen.total_cmp(&a.last_seen),
        };
        key.then_with(|| a.index.cmp(&b.index))
    });
}

fn rfc3339(secs: f64) -> String {
    DateTime::from_timestamp_millis((secs * 1000.0).round() as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn issue_json(issue: &DemoIssue) -> Value {
    let k = &KINDS[issue.index];
    let (error_type, value) = k.title.split_once(": ").unwrap_or((k.title, ""));
    let (module, function) = k.culprit.split_once(" in ").unwrap_or((k.culprit, "?"));
    let substatus = if k.age_days.is_none() {
        "new"
    } else {
        "ongoing"
    };
    json!({
        "id": k.id, "shareId": null, "shortId": k.short_id, "title": k.title,
        "culprit": k.culprit, "permalink": format!("{PERMALINK}{}/", k.id), "logger": null,
        "level": k.level, "status": "unresolved", "statusDetails": {}, "substatus": substatus,
        "isPublic": false, "platform": "python",
        "project": {"id": "4504242", "name": PROJECT, "slug": PROJECT, "platform": "python"},
        "type": "error", "issueType": "error", "issueCategory": "error",
        "metadata": {"type": error_type, "value": value, "filename": module, "function": function},
        "numComments": 0, "assignedTo": null, "isBookmarked": false, "isSubscribed": false,
        "subscriptionDetails": null, "hasSeen": false, "annotations": [],
        "isUnhandled": k.level == "fatal", "count": issue.count.to_string(),
        "userCount": issue.users, "firstSeen": rfc3339(issue.first_seen),
        "lastSeen": rfc3339(issue.last_seen), "stats": {"24h": issue.stats},
    })
}

fn not_found() -> Response {
    let body = json!({"detail": "The requested resource does not exist"});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn bad_request(detail: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"detail": detail}))).into_response()
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                char::from(b).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sentry's Link header: the request's URL without its cursor, then `&cursor=`.
fn link_header(url: &str, start: usize, limit: usize, total: usize) -> String {
    let prev = format!("0:{}:1", start.saturating_sub(limit));
    let next = format!("0:{}:0", start + limit);
    let (has_prev, has_next) = (start > 0, start + limit < total);
    format!(
        "<{url}&cursor={prev}>; rel=\"previous\"; results=\"{has_prev}\"; cursor=\"{prev}\", \
         <{url}&cursor={next}>; rel=\"next\"; results=\"{has_next}\"; cursor=\"{next}\""
    )
}

/// One page of the issue list at `t`, for the request `path?params`.
fn answer(demo: &Demo, path: &str, params: &[(String, String)], t: f64) -> Response {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match param("limit").map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return bad_request("Invalid limit: expected 1 to 100"),
    };
    let start = match param("cursor").map(|c| c.split(':').nth(1).map(str::parse::<usize>)) {
        None => 0,
        Some(Some(Ok(offset))) => offset,
        Some(_) => return bad_request("Invalid cursor parameter."),
    };
    let query = param("query").unwrap_or("is:unresolved");
    let mut issues: Vec<DemoIssue> = issues_at(&demo.sim, t)
        .into_iter()
        .filter(|i| matches(&KINDS[i.index], query))
        .collect();
    sort(&mut issues, param("sort").unwrap_or("date"));
    let total = issues.len();
    let page: Vec<Value> = issues
        .iter()
        .skip(start)
        .take(limit)
        .map(issue_json)
        .collect();
    let kept: Vec<String> = params
        .iter()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect();
    let url = format!("{}{path}?{}", demo.base, kept.join("&"));
    let headers = [
        (header::LINK, link_header(&url, start, limit, total)),
        (HeaderName::from_static("x-hits"), total.to_string()),
    ];
    (StatusCode::OK, headers, Json(Value::Array(page))).into_response()
}

type Params = Query<Vec<(String, String)>>;

async fn org_issues(State(demo): State<Demo>, Path(org): Path<String>, params: Params) -> Response {
    if org != ORG {
        return not_found();
    }
    let path = format!("/api/0/organizations/{ORG}/issues/");
    answer(&demo, &path, &params.0, now_ms() as f64 / 1000.0)
}

async fn project_issues(
    State(demo): State<Demo>,
    Path((org, project)): Path<(String, String)>,
    params: Params,
) -> Response {
    if org != ORG || project != PROJECT {
        return not_found();
    }
    let path = format!("/api/0/projects/{ORG}/{PROJECT}/issues/");
    answer(&demo, &path, &params.0, now_ms() as f64 / 1000.0)
}

pub(super) fn sentry_routes() -> Router<Demo> {
    Router::new()
        .route("/api/0/organizations/{org}/issues/", get(org_issues))
        .route(
            "/api/0/projects/{org}/{project}/issues/",
            get(project_issues),
        )
}

impl DemoStack {
    /// Base URL of the simulated Sentry: the same server, its API lives under `/api/0/`.
    pub fn sentry_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
