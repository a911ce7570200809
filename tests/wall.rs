//! The wall screen: no key hints, a clock and "last updated" on top, failing sources and open
//! incidents as banners, large digits, and an open P0 taking over the screen until acknowledged.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use oncall::action::{Action, AlertBatch};
use oncall::config::Config;
use oncall::snapshot::{render, to_text};
use oncall::sources::prometheus::{PromAlert, Series};
use oncall::state::{LoadError, State};
use oncall::theme::Theme;
use oncall::update::update;
use std::path::Path;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn state() -> State {
    let text = r#"
[general]
timezone = "UTC"
[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:1"
[wall]
rotate = "20s"
[[pages]]
title = "Overview"
  [[pages.panels]]
  title = "Error rate"
  kind = "stat"
  query = "x"
  unit = "percentunit"
  thresholds = { warn = 0.005, crit = 0.01 }
  width = 12
  [[pages.panels]]
  title = "Incidents"
  kind = "incidents"
  width = 12
[[pages]]
title = "Second"
  [[pages.panels]]
  title = "Sessions"
  kind = "stat"
  query = "y"
"#;
    let cfg = Config::parse(text, Path::new("w.toml")).unwrap();
    let mut s = State::new(&cfg, now());
    s.timezone = Some(oncall::tz::Tz::utc());
    s.set_wall();
    update(&mut s, Action::Tick, now());
    let series = vec![Series {
        labels: Default::default(),
        points: vec![(now().timestamp() as f64, 0.0235)],
    }];
    update(
        &mut s,
        Action::PanelLoaded {
            panel: 0,
            result: Ok(vec![series]),
        },
        now(),
    );
    s
}

fn alert(name: &str, priority: &str) -> PromAlert {
    PromAlert {
        labels: [("alertname", name), ("priority", priority)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: [("summary".to_string(), "checkout-2 is down".to_string())]
            .into_iter()
            .collect(),
        state: "firing".into(),
        active_at: Some(now() - chrono::Duration::minutes(3)),
        value: 1.0,
    }
}

#[test]
fn wall_screen_is_large_and_quiet() {
    let s = state();
    assert!(s.read_only, "a wall screen changes nothing");
    let text = to_text(&render(&s, &Theme::fallback(), 100, 30));
    insta::assert_snapshot!("wall_overview", text);
    assert!(
        text.contains("updated 0s ago") && text.contains("10:00:00"),
        "{text}"
    );
    assert!(
        !text.contains("q quit") && !text.contains("? help"),
        "no key hints:\n{text}"
    );
    assert!(text.contains("✓ no open incidents"), "{text}");
    assert!(text.contains("█"), "large digits:\n{text}");
}

#[test]
fn an_open_p0_takes_over_until_acknowledged() {
    let mut s = state();
    let batch = AlertBatch::Prometheus(vec![alert("CheckoutDown", "P0"), alert("Slow", "P2")]);
    update(
        &mut s,
        Action::AlertsLoaded {
            source: "prom".into(),
            result: Ok(batch),
        },
        now(),
    );
    let theme = Theme::fallback();
    let buf = render(&s, &theme, 100, 30);
    let text = to_text(&buf);
    insta::assert_snapshot!("wall_p0_takeover", text);
    assert!(
        text.contains("CheckoutDown") && text.contains("open for 3m"),
        "{text}"
    );
    assert!(text.contains("P0 Critical 1"), "{text}");
    // The takeover is drawn in the theme's P0 style.
    let y = text
        .lines()
        .position(|l| l.contains("CheckoutDown"))
        .unwrap() as u16;
    assert_eq!(buf[(0, y)].bg, theme.p0.bg.unwrap());
    // Acknowledged elsewhere: the board comes back.
    let id = s.incidents.list[0].id.clone();
    s.incidents.local_acks.insert(id, ("bob".into(), now()));
    let batch = AlertBatch::Prometheus(vec![alert("CheckoutDown", "P0"), alert("Slow", "P2")]);
    update(
        &mut s,
        Action::AlertsLoaded {
            source: "prom".into(),
            result: Ok(batch),
        },
        now(),
    );
    let text = to_text(&render(&s, &theme, 100, 30));
    assert!(!text.contains("open for 3m"), "{text}");
    assert!(text.contains("Error rate"), "{text}");
}

#[test]
fn a_failing_source_is_as_loud_as_an_alert_and_pages_rotate() {
    let mut s = state();
    let err = LoadError {
        message: "cannot connect: connection refused".into(),
        source_down: true,
    };
    update(
        &mut s,
        Action::PanelLoaded {
            panel: 0,
            result: Err(err),
        },
        now() + chrono::Duration::seconds(120),
    );
    s.now = now() + chrono::Duration::seconds(240);
    let text = to_text(&render(&s, &Theme::fallback(), 100, 30));
    assert!(
        text.contains("✗ prom (prometheus) unreachable for 2m: cannot connect: connection refused"),
        "{text}"
    );
    assert_eq!(s.page, 0);
    update(&mut s, Action::Tick, now() + chrono::Duration::seconds(21));
    assert_eq!(s.page, 1, "pages rotate every 20 s");
    update(&mut s, Action::Tick, now() + chrono::Duration::seconds(42));
    assert_eq!(s.page, 0);
}
