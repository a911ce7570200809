//! The Sentry client against a server written here that speaks Sentry's wire format: Bearer
//! token, cursor pages with Link headers, 429s with and without Retry-After, Links to another
//! host, one endpoint per project.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oncall::config::{SourceConfig, SourceKind};
use oncall::sources::SourceError;
use oncall::sources::sentry::{Sentry, SentryError, Sort};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An environment variable cargo sets for every test run: its value is the token.
const TOKEN_ENV: &str = "CARGO_PKG_NAME";

#[derive(Clone, Copy, Default, PartialEq)]
enum Mode {
    #[default]
    Pages,
    /// 429, JSON served as text/html, reset in 7 s, no Retry-After.
    RateLimited,
    /// The same with `Retry-After: 42`.
    RetryAfter,
    /// The first page's next link points at another host.
    ForeignNext,
}

#[derive(Clone)]
struct Server {
    base: String,
    mode: Mode,
    /// `path?query` of every request.
    log: Arc<Mutex<Vec<String>>>,
}

fn token() -> String {
    std::env::var(TOKEN_ENV).unwrap()
}

fn issue(id: &str, project: &str, count: u64) -> serde_json::Value {
    json!({"id": id, "shortId": id.to_uppercase(), "title": format!("Error {id}"), "culprit": null,
           "level": "error", "status": "unresolved", "count": count.to_string(), "userCount": 1,
           "firstSeen": "2026-11-26T08:14:03.117000Z", "lastSeen": "2026-11-27T19:02:44Z",
           "permalink": format!("https://sentry.example/issues/{id}/"),
           "project": {"id": "1", "name": project, "slug": project}, "stats": {"24h": []}})
}

fn rate_limited(mode: Mode) -> Response {
    let reset = chrono::Utc::now().timestamp() + 7;
    let mut headers = vec![
        ("content-type", "text/html; charset=utf-8".to_string()),
        ("x-sentry-rate-limit-remaining", "0".into()),
        ("x-sentry-rate-limit-limit", "40".into()),
        ("x-sentry-rate-limit-reset", reset.to_string()),
    ];
    if mode == Mode::RetryAfter {
        headers.push(("retry-after", "42".into()));
    }
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        r#"{"detail":"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"}"#,
    )
        .into_response();
    for (k, v) in headers {
        resp.headers_mut().insert(k, v.parse().unwrap());
    }
    resp
}

/// Three pages of two issues per endpoint; cursor `0:<page>:0`. Each project's first page also
/// holds the issue `shared`.
async fn issues(State(server): State<Server>, headers: HeaderMap, req: Request) -> Response {
    let uri = req.uri().clone();
    server.log.lock().unwrap().push(uri.to_string());
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {}", token())) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "Invalid token"})),
        )
            .into_response();
    }
    if matches!(server.mode, Mode::RateLimited | Mode::RetryAfter) {
        return rate_limited(server.mode);
    }
    let query = uri.query().unwrap_or("");
    let page: u64 = query
        .split('&')
        .find_map(|p| {
            p.strip_prefix("cursor=0%3A")
                .or(p.strip_prefix("cursor=0:"))
        })
        .and_then(|c| c.split(['%', ':']).next()?.parse().ok())
        .unwrap_or(0);
    let project = match uri.path().strip_prefix("/api/0/projects/acme/") {
        Some(rest) => rest.split('/').next().unwrap().to_string(),
        None => "org".to_string(),
    };
    let mut list: Vec<_> = (0..2)
        .map(|i| issue(&format!("{project}-{page}-{i}"), &project, page * 10 + i))
        .collect();
    if page == 0 {
        list.push(issue("shared", &project, 5));
    }
    let without_cursor: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("cursor="))
        .collect();
    let here = format!("{}{}?{}", server.base, uri.path(), without_cursor.join("&"));
    let next_base = if server.mode == Mode::ForeignNext {
        here.replace("127.0.0.1", "sentry.elsewhere.example")
    } else {
        here.clone()
    };
    let (prev, next) = (format!("0:{page}:1"), format!("0:{}:0", page + 1));
    let link = format!(
        "<{here}&cursor={prev}>; rel=\"previous\"; results=\"{}\"; cursor=\"{prev}\", \
         <{next_base}&cursor={next}>; rel=\"next\"; results=\"{}\"; cursor=\"{next}\"",
        page > 0,
        page < 2
    );
    (StatusCode::OK, [("link", link)], axum::Json(list)).into_response()
}

async fn start(mode: Mode) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = Server {
        base,
        mode,
        log: Arc::default(),
    };
    let app = Router::new()
        .route(
            "/api/0/organizations/{org}/issues/",
            axum::routing::get(issues),
        )
        .route(
            "/api/0/projects/{org}/{project}/issues/",
            axum::routing::get(issues),
        )
        .with_state(server.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    server
}

fn client(server: &Server, projects: &[&str], with_token: bool) -> Sentry {
    let mut cfg = SourceConfig::new(SourceKind::Sentry, &format!("{}/", server.base));
    cfg.org = Some("acme".into());
    cfg.projects = projects.iter().map(|p| p.to_string()).collect();
    if with_token {
        cfg.token_env = Some(TOKEN_ENV.into());
    }
    Sentry::new(&cfg).unwrap()
}

fn requests(server: &Server) -> Vec<String> {
    server.log.lock().unwrap().clone()
}

#[tokio::test]
async fn walks_three_pages_until_results_false() {
    let server = start(Mode::Pages).await;
    let issues = client(&server, &[], true)
        .issues(Sort::Freq, 10)
        .await
        .unwrap();
    let ids: Vec<&str> = issues.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "org-2-1", "org-2-0", "org-1-1", "org-1-0", "shared", "org-0-1", "org-0-0"
        ]
    );
    let log = requests(&server);
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(
        log.iter()
            .all(|r| r.starts_with("/api/0/organizations/acme/issues/?"))
    );
    assert!(
        log[0].contains("query=is%3Aunresolved") && log[0].contains("sort=freq"),
        "{log:?}"
    );
    assert!(
        log[0].contains("statsPeriod=24h") && log[0].contains("limit=100"),
        "{log:?}"
    );
    assert!(!log[0].contains("cursor"));
    assert!(log[1].ends_with("cursor=0%3A1%3A0") && log[2].ends_with("cursor=0%3A2%3A0"));
}

#[tokio::test]
async fn max_pages_caps_the_walk() {
    let server = start(Mode::Pages).await;
    let issues = client(&server, &[], true)
        .issues(Sort::Date, 2)
        .await
        .unwrap();
    assert_eq!(issues.len(), 5);
    assert_eq!(requests(&server).len(), 2);
}

#[tokio::test]
async fn one_endpoint_per_project_merged_and_deduplicated() {
    let server = start(Mode::Pages).await;
    let sentry = client(&server, &["a", "b"], true);
    let issues = sentry.issues(Sort::Freq, 1).await.unwrap();
    let mut ids: Vec<&str> = issues.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["a-0-0", "a-0-1", "b-0-0", "b-0-1", "shared"]);
    let log = requests(&server);
    assert_eq!(log.len(), 2);
    assert!(
        log[0].starts_with("/api/0/projects/acme/a/issues/?"),
        "{log:?}"
    );
    assert!(
        log[1].starts_with("/api/0/projects/acme/b/issues/?"),
        "{log:?}"
    );
    assert_eq!(sentry.issues(Sort::Freq, 3).await.unwrap().len(), 13);
}

#[tokio::test]
async fn a_link_to_another_host_is_not_followed() {
    let server = start(Mode::ForeignNext).await;
    let issues = client(&server, &[], true)
        .issues(Sort::Date, 10)
        .await
        .unwrap();
    assert_eq!(issues.len(), 3);
    assert_eq!(requests(&server).len(), 1);
}

#[tokio::test]
async fn no_token_is_a_401_with_the_detail() {
    let server = start(Mode::Pages).await;
    let e = client(&server, &[], false)
        .issues(Sort::Date, 3)
        .await
        .unwrap_err();
    let want = SourceError::Http {
        status: 401,
        message: "Invalid token".into(),
    };
    assert_eq!(e, SentryError::Source(want.clone()));
    assert_eq!(client(&server, &["a"], false).probe().await, Err(want));
    assert_eq!(client(&server, &["a"], true).probe().await, Ok(()));
}

#[tokio::test]
async fn rate_limited_waits_until_the_reset() {
    let server = start(Mode::RateLimited).await;
    let e = client(&server, &[], true)
        .issues(Sort::Date, 3)
        .await
        .unwrap_err();
    let SentryError::RateLimited { wait, message } = &e else {
        panic!("{e:?}")
    };
    assert!(
        (Duration::from_secs(5)..=Duration::from_secs(8)).contains(wait),
        "{wait:?}"
    );
    assert!(message.starts_with("You are attempting to use this endpoint too frequently"));
    assert_eq!(requests(&server).len(), 1);
    let probe = client(&server, &[], true).probe().await;
    assert!(
        matches!(probe, Err(SourceError::Http { status: 429, .. })),
        "{probe:?}"
    );
}

#[tokio::test]
async fn rate_limited_honours_retry_after() {
    let server = start(Mode::RetryAfter).await;
    let e = client(&server, &["a", "b"], true)
        .issues(Sort::Date, 3)
        .await
        .unwrap_err();
    assert_eq!(e.wait(), Some(Duration::from_secs(42)));
    assert_eq!(
        requests(&server).len(),
        1,
        "the walk stops at the first 429"
    );
}
