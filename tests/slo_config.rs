//! The `[slo]` table: parsing, defaults, validation messages, and the queries it asks.

#![allow(clippy::unwrap_used)]

use oncall::slo::{SloConfig, derive, queries, validate};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    slo: SloConfig,
}

fn parse(text: &str) -> Result<SloConfig, String> {
    toml::from_str::<File>(text)
        .map(|f| f.slo)
        .map_err(|e| e.to_string())
}

const SPEC: &str = r#"
[slo]
availability_query = 'avg_over_time(up{job="app"}[30d])'
target = 0.999
window = "30d"
"#;

#[test]
fn spec_example_parses_and_defaults_match_it() {
    let cfg = parse(SPEC).unwrap();
    assert_eq!(cfg.target, 0.999);
    assert_eq!(cfg.window.as_secs_f64(), 30.0 * 86_400.0);
    assert_eq!(cfg.title(), "Error budget");
    let minimal = parse("[slo]\navailability_query = 'avg_over_time(up{job=\"app\"}[30d])'\n");
    assert_eq!(minimal.unwrap(), cfg);
    assert!(validate(&cfg).is_ok());
}

#[test]
fn unknown_keys_and_bad_windows_are_rejected() {
    let err = parse("[slo]\navailability_query = 'up'\ntargett = 0.99\n").unwrap_err();
    assert!(err.contains("targett"), "{err}");
    let err = parse("[slo]\navailability_query = 'up'\nwindow = \"30 days\"\n").unwrap_err();
    assert!(err.contains("\"30d\"") || err.contains("\"10s\""), "{err}");
    assert!(
        parse("[slo]\ntarget = 0.99\n").is_err(),
        "availability_query is required"
    );
}

#[track_caller]
fn invalid(edit: impl FnOnce(&mut SloConfig), key: &str, hint: &str) {
    let mut cfg = parse(SPEC).unwrap();
    edit(&mut cfg);
    let err = validate(&cfg).unwrap_err();
    assert!(err.starts_with(&format!("slo.{key}: ")), "{err}");
    assert!(err.contains(hint), "`{hint}` not in: {err}");
}

#[test]
fn validation_names_the_key_and_what_to_write() {
    invalid(|c| c.target = 99.9, "target", "write 0.999");
    invalid(|c| c.target = 1.0, "target", "between 0 and 1");
    invalid(|c| c.target = 0.0, "target", "e.g. 0.999");
    invalid(|c| c.target = f64::NAN, "target", "between 0 and 1");
    invalid(
        |c| c.window = oncall::duration::Dur::secs(0),
        "window",
        "\"30d\"",
    );
    invalid(
        |c| c.availability_query = "  ".into(),
        "availability_query",
        "is empty",
    );
    invalid(
        |c| c.burn_query = Some("sum(rate(errors[5m]))".into()),
        "burn_query",
        "{{window}}",
    );
    invalid(|c| c.source = Some(String::new()), "source", "Prometheus");
    invalid(
        |c| c.refresh = Some(oncall::duration::Dur::secs(0)),
        "refresh",
        "\"30s\"",
    );
}

/// The budget is asked every 30 s on a board that refreshes every second, at the source's pace
/// when that is slower, and at `refresh` when it is set; a page's own `refresh` wins.
#[test]
fn the_budget_is_asked_at_its_own_pace() {
    use oncall::config::{Config, PanelKind};
    use std::path::Path;
    use std::time::Duration;
    let state = |text: &str| {
        let cfg = Config::parse(text, Path::new("oncall.toml")).unwrap();
        let state = oncall::state::State::new(&cfg, chrono::Utc::now());
        let refresh = |kind: PanelKind| {
            state
                .panels
                .iter()
                .find(|p| p.cfg.kind == kind)
                .map(|p| p.refresh)
                .unwrap()
        };
        (refresh(PanelKind::Slo), refresh(PanelKind::Stat))
    };
    let board = |general: &str, slo: &str| {
        format!(
            "[general]\nrefresh = \"{general}\"\n\n[sources.prom]\nkind = \"prometheus\"\n\
             url = \"http://127.0.0.1:9\"\n\n{SPEC}{slo}"
        )
    };
    let secs = Duration::from_secs;
    assert_eq!(state(&board("1s", "")), (secs(30), secs(1)));
    assert_eq!(state(&board("2m", "")), (secs(120), secs(120)));
    assert_eq!(
        state(&board("1s", "refresh = \"5s\"\n")),
        (secs(5), secs(1))
    );
    let page = "[[pages]]\ntitle = \"SLO\"\n  [[pages.panels]]\n  title = \"Budget\"\n  \
                kind = \"slo\"\n  refresh = \"10s\"\n  [[pages.panels]]\n  title = \"Up\"\n  \
                kind = \"stat\"\n  query = \"up\"\n";
    assert_eq!(state(&board("1s", page)), (secs(10), secs(1)));
}

#[test]
fn short_window_queries_are_derived_from_the_only_range() {
    let cfg = parse(SPEC).unwrap();
    let got = queries(&cfg);
    let labels: Vec<&str> = got.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["window", "1h", "6h", "5m", "30m"]);
    assert_eq!(got[0].1, r#"avg_over_time(up{job="app"}[30d])"#);
    assert_eq!(got[1].1, r#"avg_over_time(up{job="app"}[1h])"#);
    assert_eq!(got[2].1, r#"avg_over_time(up{job="app"}[6h])"#);
    assert_eq!(got[3].1, r#"avg_over_time(up{job="app"}[5m])"#);
    assert_eq!(got[4].1, r#"avg_over_time(up{job="app"}[30m])"#);
}

#[test]
fn derivation_edge_cases() {
    // A subquery keeps its resolution.
    assert_eq!(
        derive("avg_over_time((sum(up) / count(up))[30d:5m])", "1h").as_deref(),
        Some("avg_over_time((sum(up) / count(up))[1h:5m])")
    );
    // Brackets inside a regex matcher are not range selectors.
    assert_eq!(
        derive(r#"avg_over_time(up{path=~"/a/[0-9]+"}[4w])"#, "6h").as_deref(),
        Some(r#"avg_over_time(up{path=~"/a/[0-9]+"}[6h])"#)
    );
    assert_eq!(
        derive("avg_over_time(probe_success[1h30m])", "5m").as_deref(),
        Some("avg_over_time(probe_success[5m])")
    );
    assert_eq!(
        derive("avg_over_time(up[1y])", "1h").as_deref(),
        Some("avg_over_time(up[1h])")
    );
    // None or several ranges: nothing to derive.
    assert_eq!(derive("up", "1h"), None);
    assert_eq!(derive("sum(rate(e[30d])) / sum(rate(r[30d]))", "1h"), None);
}

#[test]
fn without_a_derivable_range_only_the_window_is_asked() {
    let mut cfg = parse(SPEC).unwrap();
    cfg.availability_query = "1 - sum(rate(e[30d])) / sum(rate(r[30d]))".into();
    assert_eq!(queries(&cfg).len(), 1);
    cfg.burn_query = Some("sum(rate(e[{{window}}])) / sum(rate(r[{{window}}]))".into());
    let got = queries(&cfg);
    assert_eq!(got.len(), 5);
    assert_eq!(
        got[1],
        ("1h".into(), "sum(rate(e[1h])) / sum(rate(r[1h]))".into())
    );
    assert_eq!(got[3].1, "sum(rate(e[5m])) / sum(rate(r[5m]))");
}
