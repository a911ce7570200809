//! The logs and errors panels drawn from state driven through the reducer: normal, filtered,
//! searched with context, paused, empty, failed; details; level colours; hostile text.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall::action::{Action, Effect};
use oncall::config::Config;
use oncall::snapshot::{render, to_text};
use oncall::sources::loki::{Level, LogEntry};
use oncall::sources::sentry::SentryIssue;
use oncall::state::{LoadError, State};
use oncall::theme::Theme;
use oncall::update::update;
use ratatui::buffer::Buffer;
use std::path::Path;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn state() -> State {
    let text = r#"
[general]
timezone = "UTC"
[sources.logs]
kind = "loki"
url = "http://127.0.0.1:1"
[sources.sentry]
kind = "sentry"
url = "http://127.0.0.1:1"
org = "acme"
[[pages]]
title = "Feeds"
  [[pages.panels]]
  title = "Logs"
  kind = "logs"
  query = '{app="checkout"}'
  width = 24
  height = 12
  [[pages.panels]]
  title = "Errors"
  kind = "errors"
  width = 24
  height = 8
"#;
    let cfg = Config::parse(text, Path::new("t.toml")).unwrap();
    let mut s = State::new(&cfg, t0());
    s.timezone = Some(oncall::tz::Tz::utc());
    let fx = update(&mut s, Action::Tick, t0());
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::FetchLogs { first: true, .. }))
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchErrors { .. })));
    s
}

fn entry(sec: i64, line: &str) -> LogEntry {
    LogEntry {
        ts_ns: i128::from((t0() + Duration::seconds(sec)).timestamp()) * 1_000_000_000
            + 123_456_789,
        line: line.into(),
        labels: std::sync::Arc::new(
            [("app".to_string(), "checkout".to_string())]
                .into_iter()
                .collect(),
        ),
    }
}

fn lines() -> Vec<LogEntry> {
    vec![
        entry(
            -9,
            "level=info msg=\"request completed\" path=/api/cart status=200",
        ),
        entry(
            -8,
            "level=info msg=\"request completed\" path=/api/pay status=200",
        ),
        entry(
            -7,
            "level=warn msg=\"slow request\" path=/api/pay duration_ms=812",
        ),
        entry(
            -6,
            "level=error msg=\"payment provider timeout\" provider=acmepay",
        ),
        entry(
            -5,
            "level=info msg=\"request completed\" path=/api/cart status=200",
        ),
        entry(
            -4,
            "coupon \u{1b}]0;owned\u{7}SAVE10 \u{1b}]52;c;ZXZpbA==\u{7}applied",
        ),
        entry(
            -3,
            "\u{1b}[31mERROR\u{1b}[0m connection refused to db-1:5432",
        ),
        entry(
            -2,
            "level=info msg=\"request completed\" path=/api/pay status=200",
        ),
        entry(-1, "level=debug msg=\"cache stats\" hits=9746"),
    ]
}

fn issue(id: &str, title: &str, level: &str, count: u64) -> SentryIssue {
    SentryIssue {
        id: id.into(),
        short_id: format!("CHECKOUT-{id}"),
        title: title.into(),
        culprit: Some("checkout.payments.charge".into()),
        level: level.into(),
        status: "unresolved".into(),
        count,
        user_count: count / 3,
        first_seen: Some(t0() - Duration::days(2)),
        last_seen: Some(t0() - Duration::minutes(3)),
        permalink: Some("sentry.example.com/organizations/acme/issues/1/".into()),
        project: Some("checkout".into()),
        stats_24h: (0..24).map(|h| (h, (h as u64 * 7) % 19)).collect(),
    }
}

fn loaded() -> State {
    let mut s = state();
    update(
        &mut s,
        Action::LogsLoaded {
            panel: 0,
            result: Ok(lines()),
        },
        t0(),
    );
    let first = vec![
        issue(
            "1A",
            "PaymentProviderTimeout: upstream timed out after 30s",
            "error",
            1432,
        ),
        issue(
            "1B",
            "OperationalError: connection to server at \"db-1\" failed",
            "fatal",
            88,
        ),
    ];
    update(
        &mut s,
        Action::ErrorsLoaded {
            panel: 1,
            result: Ok(first.clone()),
            retry_after: None,
        },
        t0(),
    );
    let mut second = first;
    second.insert(
        0,
        issue("1C", "KeyError: 'currency' \u{1b}[2J\u{1b}[H", "error", 12),
    );
    update(
        &mut s,
        Action::ErrorsLoaded {
            panel: 1,
            result: Ok(second),
            retry_after: None,
        },
        t0() + Duration::seconds(30),
    );
    s.now = t0() + Duration::seconds(31);
    s
}

fn screen(s: &State) -> (Buffer, String) {
    let buf = render(s, &Theme::fallback(), 100, 22);
    let text = to_text(&buf);
    (buf, text)
}

fn cell_of(buf: &Buffer, text: &str) -> (u16, u16) {
    let t = to_text(buf);
    for (y, line) in t.lines().enumerate() {
        if let Some(b) = line.find(text) {
            return (line[..b].chars().count() as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{t}");
}

#[test]
fn logs_and_errors_normal() {
    let s = loaded();
    let (buf, text) = screen(&s);
    insta::assert_snapshot!("feeds_normal", text);
    let theme = Theme::fallback();
    assert_eq!(buf[cell_of(&buf, "ERROR")].fg, theme.crit.fg.unwrap());
    assert_eq!(buf[cell_of(&buf, "WARN ")].fg, theme.warn.fg.unwrap());
    assert!(text.contains("coupon SAVE10 applied"), "{text}");
    assert!(
        !text.contains("owned") && !text.contains("ZXZpbA"),
        "{text}"
    );
    assert!(text.contains("following"));
    assert!(
        text.contains("CHECKOUT-1C") && text.contains("NEW"),
        "{text}"
    );
    assert!(text.contains("3m ago"), "{text}");
    let logs = s.panels[0].logs.as_ref().unwrap();
    assert_eq!(logs.lines[3].level, Level::Error);
    assert_eq!(
        logs.lines[6].level,
        Level::Error,
        "level from a coloured leading token"
    );
}

#[test]
fn level_filter_hides_and_search_keeps_context() {
    let mut s = loaded();
    // Focus the logs panel (first), hide INFO, search for "pay".
    update(&mut s, Action::ToggleLevel(Level::Info), t0());
    update(&mut s, Action::StartSearch, t0());
    for c in "pay".chars() {
        update(&mut s, Action::InputChar(c), t0());
    }
    update(&mut s, Action::InputSubmit, t0());
    let (_, text) = screen(&s);
    insta::assert_snapshot!("feeds_filtered_search", text);
    assert!(
        !text.contains("cache stats"),
        "debug goes with INFO:\n{text}"
    );
    assert!(!text.contains("/api/cart"), "INFO hidden:\n{text}");
    assert!(
        text.contains("connection refused"),
        "non-matching lines stay:\n{text}"
    );
    assert!(
        text.contains("/pay 2 matches (n N)") || text.contains("/pay"),
        "{text}"
    );
    assert!(
        text.contains("paused"),
        "a search jump pauses following:\n{text}"
    );
    let logs = s.panels[0].logs.as_ref().unwrap();
    let sel = logs.selected_line().unwrap().line.clone();
    assert!(sel.contains("payment provider timeout"), "{sel}");
    update(&mut s, Action::SearchPrev, t0());
    let logs = s.panels[0].logs.as_ref().unwrap();
    assert!(logs.selected_line().unwrap().line.contains("slow request"));
    update(&mut s, Action::Follow, t0());
    assert!(s.panels[0].logs.as_ref().unwrap().follow);
}

#[test]
fn line_detail_shows_it_whole_with_labels() {
    let mut s = loaded();
    update(&mut s, Action::Up, t0());
    update(&mut s, Action::Up, t0());
    update(&mut s, Action::Enter, t0());
    let (_, text) = screen(&s);
    insta::assert_snapshot!("feeds_log_detail", text);
    assert!(text.contains("app=checkout"), "{text}");
    let fx = update(&mut s, Action::CopyLink, t0());
    assert!(matches!(&fx[..], [Effect::Copy(l)] if l.contains("connection refused")));
    update(&mut s, Action::Back, t0());
    assert!(!s.panels[0].logs.as_ref().unwrap().detail);
}

#[test]
fn empty_and_failed_sources() {
    let mut s = state();
    update(
        &mut s,
        Action::LogsLoaded {
            panel: 0,
            result: Ok(Vec::new()),
        },
        t0(),
    );
    let err = LoadError {
        message: "HTTP 401: Invalid token".into(),
        source_down: true,
    };
    update(
        &mut s,
        Action::ErrorsLoaded {
            panel: 1,
            result: Err(err),
            retry_after: None,
        },
        t0(),
    );
    let (_, text) = screen(&s);
    insta::assert_snapshot!("feeds_empty_and_error", text);
    assert!(text.contains("no log lines yet"), "{text}");
    assert!(text.contains("error: HTTP 401: Invalid token"), "{text}");
    assert!(text.contains("sentry ✗"), "{text}");
}

#[test]
fn stale_lines_stay_when_loki_fails_and_429_waits() {
    let mut s = loaded();
    let err = LoadError {
        message: "HTTP 504: context deadline exceeded".into(),
        source_down: true,
    };
    update(
        &mut s,
        Action::LogsLoaded {
            panel: 0,
            result: Err(err),
        },
        t0() + Duration::seconds(40),
    );
    s.now = t0() + Duration::seconds(45);
    let (_, text) = screen(&s);
    assert!(
        text.contains("payment provider timeout"),
        "last lines kept:\n{text}"
    );
    assert!(text.contains("stale"), "{text}");
    assert!(text.contains("error: HTTP 504"), "{text}");

    let limited = LoadError {
        message: "rate limited for 45s: slow down".into(),
        source_down: true,
    };
    let at = t0() + Duration::seconds(50);
    update(
        &mut s,
        Action::ErrorsLoaded {
            panel: 1,
            result: Err(limited),
            retry_after: Some(std::time::Duration::from_secs(45)),
        },
        at,
    );
    assert_eq!(s.panels[1].next_due, at + Duration::seconds(45));
    let fx = update(&mut s, Action::Tick, at + Duration::seconds(30));
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchErrors { .. })));
}

#[test]
fn errors_detail_and_links() {
    let mut s = loaded();
    update(&mut s, Action::FocusNext, t0());
    update(&mut s, Action::Top, t0());
    update(&mut s, Action::Down, t0());
    update(&mut s, Action::Enter, t0());
    let (_, text) = screen(&s);
    insta::assert_snapshot!("feeds_issue_detail", text);
    assert!(text.contains("PaymentProviderTimeout"), "{text}");
    let fx = update(&mut s, Action::OpenLink, t0());
    assert!(
        matches!(&fx[..], [Effect::OpenUrl(u)] if u == "https://sentry.example.com/organizations/acme/issues/1/"),
        "a scheme-less permalink gets https: {fx:?}"
    );
}
