use super::*;
use crate::config::{SourceConfig, SourceKind};
use reqwest::header::HeaderValue;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).expect("header value"));
    }
    h
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_809_160, 0).expect("time")
}

#[test]
fn link_header_next_and_previous() {
    let info = parse_link_header(
        r#"<https://s.io/api/0/x/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://s.io/api/0/x/?a=1,2&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0""#,
    );
    assert_eq!(info.next_cursor(), Some("0:100:0"));
    let next = info.next.expect("next");
    assert_eq!(next.url, "https://s.io/api/0/x/?a=1,2&cursor=0:100:0");
    assert!(!info.previous.expect("previous").results);
}

#[test]
fn link_header_cursor_from_url_and_odd_input() {
    let info = parse_link_header(r#"<https://s.io/x/?q=1&cursor=1420837533%3A0%3A0>; rel="next""#);
    assert_eq!(info.next_cursor(), Some("1420837533:0:0"));
    for odd in [
        "",
        " , ",
        "<",
        "<>;",
        "garbage; rel=next",
        "<a>; rel=\"next",
        "<ü>; rel=next",
    ] {
        let _ = parse_link_header(odd);
    }
    assert_eq!(parse_link_header(""), LinkInfo::default());
}

#[test]
fn rate_limit_headers() {
    assert_eq!(parse_rate_limit(&HeaderMap::new()), None);
    let h = headers(&[
        ("x-sentry-rate-limit-limit", "40"),
        ("x-sentry-rate-limit-remaining", "0"),
        ("x-sentry-rate-limit-reset", "1795809166"),
    ]);
    let rl = parse_rate_limit(&h).expect("rate limit");
    assert_eq!(rl.limit, Some(40));
    assert_eq!(rl.remaining, Some(0));
    assert_eq!(rl.reset_epoch, Some(1_795_809_166));
}

#[test]
fn wait_after_429() {
    let reset = ("x-sentry-rate-limit-reset", "1795809166");
    assert_eq!(
        retry_after(&headers(&[reset]), now()),
        Duration::from_secs(6)
    );
    let h = headers(&[reset, ("retry-after", "120")]);
    assert_eq!(retry_after(&h, now()), Duration::from_secs(120));
    let date = now() + chrono::TimeDelta::seconds(30);
    let h = headers(&[("retry-after", &date.to_rfc2822().replace("+0000", "GMT"))]);
    assert_eq!(retry_after(&h, now()), Duration::from_secs(30));
    assert_eq!(retry_after(&HeaderMap::new(), now()), DEFAULT_WAIT);
    let past = headers(&[("x-sentry-rate-limit-reset", "1000")]);
    assert_eq!(retry_after(&past, now()), MIN_WAIT);
    let far = headers(&[("retry-after", "999999")]);
    assert_eq!(retry_after(&far, now()), MAX_WAIT);
}

#[test]
fn error_bodies() {
    let http = |status, body: &str| parse_issues(status, Some("text/html"), body.as_bytes());
    let msg = |status, body: &str| match http(status, body) {
        Err(SourceError::Http { status: s, message }) if s == status => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(msg(401, r#"{"detail":"Invalid token"}"#), "Invalid token");
    let object = r#"{"detail":{"code":"x","message":"Bad \u001b[31mthing","extra":{}}}"#;
    assert_eq!(msg(400, object), "Bad thing");
    assert_eq!(msg(400, r#"{"detail":{"code":"only-code"}}"#), "only-code");
    assert_eq!(msg(429, r#""Limit is 3""#), "Limit is 3");
    assert_eq!(
        msg(502, "<html>Bad Gateway</html>"),
        "<html>Bad Gateway</html>"
    );
    assert_eq!(
        msg(500, r#"{"detail":"Internal Error","errorId":"ab"}"#),
        "Internal Error (error id ab)"
    );
    assert_eq!(msg(503, ""), "(empty body)");
}

#[test]
fn issues_and_wrong_shapes() {
    let body = r#"[{"id":7,"title":"t","count":12,"userCount":"3","stats":{"24h":[[1,2],[3.0,"4"],"x"]},"project":{"slug":"p"}}]"#;
    let issues = parse_issues(200, None, body.as_bytes()).expect("issues");
    assert_eq!(issues[0].id, "7");
    assert_eq!(issues[0].short_id, "7");
    assert_eq!((issues[0].count, issues[0].user_count), (12, 3));
    assert_eq!(issues[0].stats_24h, vec![(1, 2), (3, 4)]);
    assert_eq!(issues[0].project.as_deref(), Some("p"));
    assert_eq!(issues[0].level, "unknown");
    for bad in [
        r#"{"detail":"x"}"#,
        "<html>",
        r#"[{"title":"no id"}]"#,
        "[1]",
    ] {
        let e = parse_issues(200, Some("text/html"), bad.as_bytes());
        assert!(matches!(e, Err(SourceError::Decode(_))), "{bad}: {e:?}");
    }
}

#[test]
fn sorting_and_sort_names() {
    let issue = |id: &str, count| {
        let body = format!(r#"[{{"id":"{id}","count":"{count}"}}]"#);
        parse_issues(200, None, body.as_bytes())
            .expect("issue")
            .remove(0)
    };
    let mut v = vec![issue("b", 1), issue("a", 1), issue("c", 9)];
    Sort::Freq.apply(&mut v);
    let ids: Vec<&str> = v.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["c", "a", "b"]);
    assert_eq!(Sort::parse("USER"), Some(Sort::User));
    assert_eq!(Sort::parse("trends"), None);
}

#[test]
fn rate_limited_maps_to_http_429() {
    let e = SentryError::RateLimited {
        wait: Duration::from_secs(6),
        message: "slow down".into(),
    };
    assert_eq!(e.wait(), Some(Duration::from_secs(6)));
    assert!(e.to_string().contains("slow down"), "{e}");
    let status = match SourceError::from(e) {
        SourceError::Http { status, .. } => status,
        other => panic!("{other:?}"),
    };
    assert_eq!(status, 429);
}

#[test]
fn endpoints_per_project_or_organization() {
    let mut cfg = SourceConfig::new(SourceKind::Sentry, "http://127.0.0.1:1/");
    assert!(matches!(Sentry::new(&cfg), Err(SourceError::Setup(_))));
    cfg.org = Some("acme".into());
    let org = Sentry::new(&cfg).expect("sentry");
    assert_eq!(org.endpoints(), ["/api/0/organizations/acme/issues/"]);
    cfg.projects = vec!["a".into(), "b c".into()];
    let projects = Sentry::new(&cfg).expect("sentry");
    let expected = [
        "/api/0/projects/acme/a/issues/",
        "/api/0/projects/acme/b%20c/issues/",
    ];
    assert_eq!(projects.endpoints(), expected);
}
