//! The incidents panel and the detail view, drawn from state driven through the reducer:
//! all five severities, overdue, acknowledged, resolved; colours that carry meaning.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall::action::{Action, AlertBatch};
use oncall::config::Config;
use oncall::snapshot::{render, to_text};
use oncall::sources::alertmanager::{AmAlert, Matcher, Silence};
use oncall::state::State;
use oncall::theme::Theme;
use oncall::update::update;
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;
use std::path::Path;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn config() -> Config {
    let text = r#"
[general]
timezone = "UTC"
user = "alice"

[sources.am]
kind = "alertmanager"
url = "http://127.0.0.1:1"

[[pages]]
title = "On call"
  [[pages.panels]]
  title = "Incidents"
  kind = "incidents"
  width = 24
  height = 12
"#;
    Config::parse(text, Path::new("t.toml")).unwrap()
}

fn alert(name: &str, labels: &[(&str, &str)], minutes_ago: i64, summary: &str) -> AmAlert {
    let mut l: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.insert("alertname".into(), name.into());
    AmAlert {
        fingerprint: format!("{:016x}", name.len() * 7919 + minutes_ago as usize),
        labels: l,
        annotations: [("summary".to_string(), summary.to_string())]
            .into_iter()
            .collect(),
        starts_at: now() - Duration::minutes(minutes_ago),
        ends_at: None,
        updated_at: None,
        generator_url: Some("http://prometheus:9090/graph?g0.expr=up".into()),
        state: "active".into(),
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        receivers: vec!["pager".into()],
    }
}

fn alerts() -> Vec<AmAlert> {
    let mut acked = alert(
        "SlowResponses",
        &[("severity", "error")],
        30,
        "p95 260 ms above 200 ms",
    );
    acked.silenced_by = vec!["s-1".into()];
    acked.state = "suppressed".into();
    vec![
        alert(
            "CheckoutDown",
            &[("priority", "P0"), ("service", "checkout")],
            10,
            "checkout-2 is down",
        ),
        alert(
            "HighErrorRate",
            &[("severity", "critical")],
            20,
            "Error ratio 3.1% above 1% \u{1b}]0;pwned\u{7}for 2m",
        ),
        acked,
        alert("DiskFilling", &[("severity", "warning")], 90, "/var at 85%"),
        alert(
            "CertificateExpiresSoon",
            &[("severity", "info")],
            4000,
            "expires in 11 days",
        ),
    ]
}

fn silence() -> Silence {
    Silence {
        id: "s-1".into(),
        matchers: vec![Matcher {
            name: "alertname".into(),
            value: "SlowResponses".into(),
            is_regex: false,
            is_equal: true,
        }],
        starts_at: now() - Duration::minutes(25),
        ends_at: now() + Duration::minutes(35),
        created_by: "bob".into(),
        comment: "on it".into(),
        state: "active".into(),
    }
}

fn load(s: &mut State, alerts: Vec<AmAlert>, at: DateTime<Utc>) {
    let batch = AlertBatch::Alertmanager {
        alerts,
        silences: vec![silence()],
    };
    update(
        s,
        Action::AlertsLoaded {
            source: "am".into(),
            result: Ok(batch),
        },
        at,
    );
}

fn state() -> State {
    let cfg = config();
    let mut s = State::new(&cfg, now());
    s.timezone = Some(oncall::tz::Tz::utc());
    update(
        &mut s,
        Action::JournalLoaded {
            events: Vec::new(),
            warnings: Vec::new(),
        },
        now(),
    );
    load(&mut s, alerts(), now());
    // DiskFilling stops firing: it resolves and stays listed, last.
    let mut fewer = alerts();
    fewer.retain(|a| a.labels["alertname"] != "DiskFilling");
    load(&mut s, fewer, now() + Duration::seconds(20));
    s.now = now() + Duration::seconds(30);
    s
}

fn find(buf: &Buffer, text: &str) -> (u16, u16) {
    let t = to_text(buf);
    for (y, line) in t.lines().enumerate() {
        if let Some(byte) = line.find(text) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{t}");
}

#[test]
fn all_severities_sorted_with_deadlines_and_states() {
    let s = state();
    let theme = Theme::fallback();
    let buf = render(&s, &theme, 110, 14);
    let text = to_text(&buf);
    insta::assert_snapshot!("incidents_panel", text);

    let order: Vec<&str> = s.incidents.list.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        order,
        [
            "CheckoutDown",
            "HighErrorRate",
            "CertificateExpiresSoon",
            "SlowResponses",
            "DiskFilling"
        ],
        "open (P0 first, then oldest), then acknowledged, then resolved"
    );
    assert!(text.contains("P0 1  P1 1  P2 1  P3 0  P4 1"), "{text}");
    assert!(
        text.contains("overdue 5m30s"),
        "P0 not acked within 5m:\n{text}"
    );
    assert!(text.contains("resolve in 39m"), "{text}");
    assert!(
        text.contains("TTR P3 1h30m"),
        "time to resolve counts from the alert's start:\n{text}"
    );
    assert!(text.contains("ACK bob"), "{text}");
    assert!(text.contains("RESOLVED"), "{text}");
    assert!(
        !text.contains("pwned"),
        "escape sequence payload leaked:\n{text}"
    );

    // Colours that carry meaning: the P0 badge, the overdue deadline, a resolved row.
    let p0_cell = find(&buf, "P0  OPEN");
    assert_eq!(p0_cell.1, find(&buf, "CheckoutDown").1);
    assert_eq!(buf[p0_cell].fg, theme.p0.fg.unwrap());
    assert_eq!(buf[p0_cell].bg, theme.p0.bg.unwrap());
    assert_eq!(buf[find(&buf, "overdue")].fg, theme.crit.fg.unwrap());
    assert_eq!(buf[find(&buf, "DiskFilling")].fg, theme.muted.fg.unwrap());
    assert_eq!(buf[find(&buf, "ACK bob")].fg, theme.warn.fg.unwrap());
}

#[test]
fn selection_stays_on_its_incident_when_rows_move() {
    let mut s = state();
    s.incidents.selected = Some(
        s.incidents
            .list
            .iter()
            .find(|i| i.title == "HighErrorRate")
            .unwrap()
            .id
            .clone(),
    );
    let mut more = alerts();
    more.retain(|a| a.labels["alertname"] != "DiskFilling");
    more.push(alert(
        "DatabaseDown",
        &[("priority", "p0")],
        1,
        "db-1 unreachable",
    ));
    load(&mut s, more, now() + Duration::seconds(40));
    assert_eq!(s.incidents.list[0].title, "CheckoutDown");
    assert_eq!(
        s.incidents.list[1].title, "DatabaseDown",
        "a new P0 sorts above"
    );
    assert_eq!(
        s.incidents.selected_incident().unwrap().title,
        "HighErrorRate",
        "the row moved; the selection went with it"
    );
}

#[test]
fn detail_view_shows_the_whole_incident() {
    let mut s = state();
    // Tab to the incidents panel (the only one), select HighErrorRate, Enter.
    update(&mut s, Action::Top, now());
    update(&mut s, Action::Down, now());
    assert_eq!(
        s.incidents.selected_incident().unwrap().title,
        "HighErrorRate"
    );
    update(&mut s, Action::Enter, now());
    s.now = now() + Duration::seconds(30);
    let theme = Theme::fallback();
    let buf = render(&s, &theme, 100, 40);
    let text = to_text(&buf);
    insta::assert_snapshot!("incident_detail", text);
    for want in [
        "P1 High",
        "OPEN",
        "resolve in 39m",
        "Error ratio 3.1% above 1% for 2m",
        "http://prometheus:9090/graph?g0.expr=up",
        "severity=critical",
        "detected (P1) from am",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    update(&mut s, Action::Back, now());
    assert!(s.incidents.detail.is_none());
}

#[test]
fn read_only_refuses_to_acknowledge() {
    let mut s = state();
    s.read_only = true;
    update(&mut s, Action::Top, now());
    let fx = update(&mut s, Action::Acknowledge, now());
    assert!(fx.is_empty());
    assert!(s.message.as_deref().unwrap().contains("read-only"));
    assert_eq!(
        s.incidents.list[0].state,
        oncall::incidents::IncidentState::Open
    );
}

/// With no incident open and the alert source failing, the panel does not say ✓: "no incidents"
/// is not known. Once the source answers again (with nothing firing), it does.
#[test]
fn a_silent_alert_source_is_not_a_clear_board() {
    use oncall::state::{LoadError, Status};
    let cfg = config();
    let mut s = State::new(&cfg, now());
    let fail = |s: &mut State, at| {
        let err = LoadError {
            message: "cannot connect: connection refused".into(),
            source_down: true,
        };
        update(
            s,
            Action::AlertsLoaded {
                source: "am".into(),
                result: Err(err),
            },
            at,
        );
    };
    fail(&mut s, now());
    assert_eq!(s.incidents_status(), Status::Error);
    let buf = render(&s, &Theme::fallback(), 80, 14);
    let text = to_text(&buf);
    assert!(text.contains("am not answering"), "{text}");
    let title = text
        .lines()
        .find(|l| l.contains(" Incidents "))
        .unwrap_or("");
    assert!(title.contains('✗') && !title.contains('✓'), "{text}");
    load(&mut s, Vec::new(), now() + Duration::seconds(10));
    assert_eq!(s.incidents_status(), Status::Ok);
}
