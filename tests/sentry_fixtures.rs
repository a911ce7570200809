//! Every Sentry fixture in `tests/fixtures/sentry/` goes through the parsers: issue lists parse
//! with exact values, error bodies become `Http` errors with their detail, and every case of
//! `link-headers.txt` (Link and rate-limit headers) gives its expected result.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use oncall::sources::SourceError;
use oncall::sources::sentry::{
    SentryIssue, parse_issues, parse_link_header, parse_rate_limit, retry_after,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sentry");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(DIR).join(name)).unwrap()
}

fn issues(name: &str) -> Vec<SentryIssue> {
    parse_issues(200, Some("application/json"), &read(name)).unwrap()
}

fn by_id<'a>(list: &'a [SentryIssue], id: &str) -> &'a SentryIssue {
    list.iter().find(|i| i.id == id).unwrap()
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

#[test]
fn every_file_has_the_right_outcome() {
    let mut seen = 0;
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".json") {
            continue;
        }
        seen += 1;
        let body = std::fs::read(&path).unwrap();
        let json: Value = serde_json::from_slice(&body).unwrap();
        if let Some(status) = name.strip_prefix("error_") {
            let status: u16 = status[..3].parse().unwrap();
            let ctype = if status == 429 {
                "text/html; charset=utf-8"
            } else {
                "application/json"
            };
            let detail = json["detail"].as_str().unwrap();
            match parse_issues(status, Some(ctype), &body) {
                Err(SourceError::Http { status: s, message }) => {
                    assert_eq!(s, status, "{name}");
                    assert!(message.starts_with(detail), "{name}: {message}");
                }
                other => panic!("{name}: {other:?}"),
            }
        } else if name.starts_with('_') {
            let e = parse_issues(200, Some("application/json"), &body);
            assert!(matches!(e, Err(SourceError::Decode(_))), "{name}: {e:?}");
        } else {
            let list = issues(&name);
            assert_eq!(list.len(), json.as_array().unwrap().len(), "{name}");
        }
    }
    assert_eq!(seen, 16);
}

#[test]
fn edge_cases_keep_exact_values() {
    let list = issues("org_issues_page1_edge_cases.json");
    assert_eq!(list.len(), 6);
    let first = by_id(&list, "4512345678");
    assert_eq!(first.short_id, "BACKEND-API-1A");
    assert_eq!(
        first.culprit.as_deref(),
        Some("app.views.orders in parse_quantity")
    );
    assert_eq!(
        (first.level.as_str(), first.status.as_str()),
        ("error", "unresolved")
    );
    assert_eq!((first.count, first.user_count), (1, 0));
    assert_eq!(first.first_seen, time("2026-11-26T08:14:03.117Z"));
    assert_eq!(first.last_seen, time("2026-11-27T19:02:44Z"));
    assert_eq!(first.project.as_deref(), Some("backend-api"));
    assert_eq!(
        first.permalink.as_deref(),
        Some("https://acme.sentry.io/issues/4512345678/")
    );

    let segv = by_id(&list, "4512345679");
    assert_eq!(segv.count, 2_147_483_648);
    assert_eq!(segv.user_count, 120_345);
    assert_eq!(segv.culprit, None);
    assert_eq!(segv.level, "fatal");
    assert_eq!(
        segv.title,
        "SIGSEGV: \u{1b}[31mSegmentation fault\u{1b}[0m in libfoo.so"
    );
    assert_eq!(segv.stats_24h.len(), 24);
    assert_eq!(segv.stats_24h[0], (1_795_723_200, 0));
    assert_eq!(segv.stats_24h[6], (1_795_723_200 + 6 * 3600, 9000));
    assert_eq!(segv.stats_24h[23], (1_795_806_000, 1));

    let long = by_id(&list, "4512345680");
    assert_eq!(long.title.chars().count(), 2075);
    assert!(long.title.contains("ünïcödé 🔥"));
    assert_eq!(
        (long.status.as_str(), long.level.as_str()),
        ("ignored", "warning")
    );
    assert_eq!(long.project.as_deref(), Some("web-frontend"));

    let info = by_id(&list, "4512345681");
    assert_eq!(
        (info.level.as_str(), info.status.as_str()),
        ("info", "resolved")
    );
    assert_eq!(info.culprit, None, "an empty culprit is none");

    assert_eq!(by_id(&list, "4512345682").count, 99_999_999_999);

    let html = by_id(&list, "4512345683");
    assert_eq!(
        html.title,
        "<script>alert('xss')</script>\r\nline-2\ttab\0nul"
    );
    assert_eq!(
        (html.first_seen, html.last_seen, html.culprit.clone()),
        (None, None, None)
    );
    assert_eq!(html.count, 0);
    assert!(html.stats_24h.is_empty());
}

#[test]
fn self_hosted_sample_keeps_schemeless_permalinks_and_duplicate_short_ids() {
    let list = issues("gitlab_spec_issues_sample_response.json");
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0].permalink.as_deref(),
        Some("35.228.54.90/sentry/internal/issues/11/")
    );
    assert_eq!(list[0].short_id, list[1].short_id);
    assert_ne!(list[0].id, list[1].id);
    assert_eq!((list[0].count, list[1].count), (21, 17_283_712));
    assert_eq!(list[1].stats_24h, vec![(1_546_437_600, 0)]);
    assert_eq!(list[0].project.as_deref(), Some("internal"));
}

#[test]
fn official_examples_and_empty_and_last_pages() {
    let org = issues("org_issues_openapi_example.json");
    assert_eq!(
        (org[0].id.as_str(), org[0].count, org[0].status.as_str()),
        ("1", 150, "ignored")
    );
    assert_eq!(org[0].stats_24h.len(), 24);
    assert_eq!(org[0].stats_24h[1], (1_541_458_800, 914));
    let project = issues("project_issues_openapi_example.json");
    assert_eq!(project[0].short_id, "PUMP-STATION-1");
    assert_eq!(project[0].project.as_deref(), Some("pump-station"));
    assert!(issues("org_issues_empty.json").is_empty());
    assert_eq!(
        issues("org_issues_page_last.json")[0].short_id,
        "BACKEND-API-1"
    );
}

#[test]
fn error_body_shapes() {
    let http = |status, body: &str| parse_issues(status, Some("text/html"), body.as_bytes());
    let object =
        r#"{"detail":{"code":"invalid-query","message":"Error parsing search query","extra":{}}}"#;
    assert_eq!(
        http(400, object),
        Err(SourceError::Http {
            status: 400,
            message: "Error parsing search query".into()
        })
    );
    let e = http(
        500,
        std::str::from_utf8(&read("error_500_internal.json")).unwrap(),
    );
    let Err(SourceError::Http { message, .. }) = e else {
        panic!("{e:?}")
    };
    assert!(
        message.contains("c9f1b7d2a0e84f5e9b3e7a1d2c4f6b8a"),
        "{message}"
    );
    let e = http(
        502,
        "<html><body>\u{1b}]0;x\u{7}Bad\r\nGateway\0</body></html>",
    );
    assert!(
        matches!(e, Err(SourceError::Http { status: 502, .. })),
        "{e:?}"
    );
}

/// One case of `link-headers.txt`.
#[derive(Debug, Default)]
struct Case {
    name: String,
    value: Option<String>,
    expect: Vec<(String, String)>,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

fn cases() -> Vec<Case> {
    let text = String::from_utf8(read("link-headers.txt")).unwrap();
    let mut lines = text.lines();
    let mut out: Vec<Case> = Vec::new();
    let mut in_headers = false;
    while let Some(line) = lines.next() {
        if line.starts_with('#') {
            continue;
        }
        let case = out.last_mut();
        match (line.split_once(':'), case) {
            (Some(("name", n)), _) => {
                in_headers = false;
                out.push(Case {
                    name: n.trim().into(),
                    ..Case::default()
                });
            }
            (Some(("value", "")), Some(c)) => c.value = Some(lines.next().unwrap().into()),
            (Some(("body", "")), Some(c)) => c.body = Some(lines.next().unwrap().into()),
            (Some(("headers", "")), _) => in_headers = true,
            (Some(("status", s)), Some(c)) => c.status = Some(s.trim().parse().unwrap()),
            (Some(("expect", e)), Some(c)) => {
                let pairs = e.split_whitespace().filter_map(|t| t.split_once('='));
                c.expect = pairs.map(|(k, v)| (k.into(), v.into())).collect();
            }
            (Some((k, v)), Some(c)) if in_headers => c.headers.push((k.into(), v.trim().into())),
            _ => in_headers = false,
        }
    }
    out
}

#[test]
fn every_link_header_case() {
    let cases = cases();
    let links: Vec<&Case> = cases.iter().filter(|c| c.value.is_some()).collect();
    assert_eq!(links.len(), 11, "{cases:#?}");
    for case in links {
        let info = parse_link_header(case.value.as_deref().unwrap());
        assert!(!case.expect.is_empty(), "{}", case.name);
        for (key, want) in &case.expect {
            let got = match key.as_str() {
                "next_cursor" => info.next_cursor().unwrap_or("none").to_string(),
                "has_next" => info.next_cursor().is_some().to_string(),
                "prev_has_results" => info.previous.as_ref().unwrap().results.to_string(),
                other => panic!("{}: unknown expectation {other}", case.name),
            };
            assert_eq!(&got, want, "{}: {key}", case.name);
        }
    }
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        let name = HeaderName::from_bytes(k.as_bytes()).unwrap();
        map.append(name, HeaderValue::from_str(v).unwrap());
    }
    map
}

#[test]
fn every_rate_limit_and_error_case() {
    let now = DateTime::from_timestamp(1_795_809_160, 0).unwrap();
    let cases = cases();
    let others: Vec<&Case> = cases.iter().filter(|c| c.value.is_none()).collect();
    assert_eq!(others.len(), 6, "{others:#?}");
    for case in others {
        let headers = header_map(&case.headers);
        let rl = parse_rate_limit(&headers);
        if case
            .headers
            .iter()
            .any(|(k, _)| k.starts_with("X-Sentry-Rate-Limit"))
        {
            let rl = rl.unwrap();
            assert_eq!(
                (rl.limit, rl.reset_epoch),
                (Some(40), Some(1_795_809_166)),
                "{}",
                case.name
            );
            assert!(rl.remaining.is_some());
        } else {
            assert_eq!(rl, None, "{}", case.name);
        }
        let Some(status) = case.status else { continue };
        let ctype = headers.get("content-type").map(|v| v.to_str().unwrap());
        let body = case.body.as_deref().unwrap();
        let detail = match serde_json::from_str::<Value>(body).unwrap() {
            Value::String(s) => s,
            v => v["detail"].as_str().unwrap().to_string(),
        };
        assert_eq!(
            parse_issues(status, ctype, body.as_bytes()),
            Err(SourceError::Http {
                status,
                message: detail
            }),
            "{}",
            case.name
        );
        let wait = retry_after(&headers, now);
        let want = if rl.is_some() { 6 } else { 60 };
        assert_eq!(wait, Duration::from_secs(want), "{}", case.name);
    }
}
