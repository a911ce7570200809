//! Every panel kind in every state that matters, drawn on a `TestBackend` through the real
//! reducer, snapshotted with insta; plus the colours that carry the meaning.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall::action::{Action, Effect};
use oncall::config::{
    Config, Direction, PageConfig, PanelConfig, PanelKind, QueryConfig, SourceConfig, SourceKind,
    Thresholds, Unit,
};
use oncall::snapshot::{render, to_json, to_text};
use oncall::sources::prometheus::Series;
use oncall::state::{LoadError, State, Status};
use oncall::theme::Theme;
use oncall::update::update;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

const W: u16 = 60;
const H: u16 = 12;

/// 2026-11-27 03:12:00 UTC: the first tick.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 3, 12, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

fn unix(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64
}

fn above(warn: f64, crit: f64) -> Option<Thresholds> {
    Some(Thresholds {
        warn: Some(warn),
        crit: Some(crit),
        direction: Direction::Above,
    })
}

// ---------------------------------------------------------------------------------------------
// Panels under test

fn stat_panel() -> PanelConfig {
    let mut p = PanelConfig::new("Error rate", PanelKind::Stat);
    p.query = Some("sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))".into());
    p.unit = Unit::PercentUnit;
    p.thresholds = above(0.005, 0.01);
    p
}

fn timeseries_panel() -> PanelConfig {
    let mut p = PanelConfig::new("Response time", PanelKind::Timeseries);
    p.unit = Unit::Seconds;
    let q = |name: &str, t| QueryConfig {
        query: format!("histogram_quantile({name})"),
        legend: Some(name.into()),
        thresholds: t,
    };
    p.queries = vec![
        q("p50", None),
        q("p95", above(0.15, 0.2)),
        q("p99", above(0.4, 0.5)),
    ];
    p
}

fn health_panel() -> PanelConfig {
    let mut p = PanelConfig::new("System Health", PanelKind::Health);
    p.query = Some("up".into());
    p.legend = Some("{{job}} {{instance}}".into());
    p
}

fn gauge_panel() -> PanelConfig {
    let mut p = PanelConfig::new("DB connections", PanelKind::Gauge);
    p.query = Some("sum(pg_stat_database_numbackends)".into());
    p.min = Some(0.0);
    p.max = Some(100.0);
    p.thresholds = above(80.0, 95.0);
    p
}

/// A one-panel board on a prometheus source nobody listens on.
fn config(panel: PanelConfig) -> Config {
    let mut cfg = Config::default();
    cfg.sources.insert(
        "prom".into(),
        SourceConfig::new(SourceKind::Prometheus, "http://127.0.0.1:1"),
    );
    cfg.pages.push(PageConfig {
        title: "Test".into(),
        panels: vec![panel],
    });
    cfg
}

fn new_state(cfg: &Config) -> State {
    let mut s = State::new(cfg, t0());
    s.timezone = Some(oncall::tz::Tz::utc());
    s.user = "alice".into();
    s
}

// ---------------------------------------------------------------------------------------------
// Data

fn series(labels: &[(&str, &str)], points: Vec<(f64, f64)>) -> Series {
    Series {
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        points,
    }
}

/// `n` points a minute apart ending at `end`, wobbling around `level`, the last one `last`.
fn history(end: DateTime<Utc>, n: i64, level: f64, last: f64) -> Vec<(f64, f64)> {
    const WOBBLE: [f64; 7] = [0.0, 0.12, -0.08, 0.2, -0.15, 0.05, -0.03];
    (0..n)
        .map(|i| {
            let t = unix(end) - 60.0 * (n - 1 - i) as f64;
            let v = if i == n - 1 {
                last
            } else {
                level * (1.0 + WOBBLE[(i % 7) as usize])
            };
            (t, v)
        })
        .collect()
}

fn instant(end: DateTime<Utc>, v: f64) -> Vec<(f64, f64)> {
    vec![(unix(end), v)]
}

fn connect_error() -> LoadError {
    LoadError {
        message: "cannot connect: connection refused".into(),
        source_down: true,
    }
}

/// The states each panel is drawn in.
#[derive(Clone, Copy, Debug)]
enum Case {
    Ok,
    Warn,
    Crit,
    /// The query answered no series.
    Empty,
    /// The query answered NaN.
    NaN,
    /// The first load failed.
    Error,
    /// Good (crit) data, then a failed load.
    Stale,
}

/// The answer of the panel's queries in a case (one result per query).
fn answer(kind: PanelKind, case: Case, end: DateTime<Utc>) -> Vec<Vec<Series>> {
    let v = |ok: f64, warn: f64, crit: f64| match case {
        Case::Ok => ok,
        Case::Warn => warn,
        Case::NaN => f64::NAN,
        _ => crit,
    };
    if matches!(case, Case::Empty) {
        let queries = if kind == PanelKind::Timeseries { 3 } else { 1 };
        return vec![Vec::new(); queries];
    }
    match kind {
        PanelKind::Incidents
        | PanelKind::Logs
        | PanelKind::Errors
        | PanelKind::Oncall
        | PanelKind::Slo => Vec::new(),
        PanelKind::Stat => {
            let last = v(0.0023, 0.0072, 0.0235);
            vec![vec![series(&[], history(end, 30, 0.003, last))]]
        }
        PanelKind::Gauge => vec![vec![series(&[], instant(end, v(42.0, 85.0, 97.0)))]],
        PanelKind::Timeseries => {
            let p95 = v(0.118, 0.172, 0.183);
            let p99 = v(0.31, 0.35, 0.62);
            vec![
                vec![series(
                    &[],
                    history(end, 60, 0.045, v(0.0452, 0.047, 0.049)),
                )],
                vec![series(&[], history(end, 60, 0.12, p95))],
                vec![series(&[], history(end, 60, 0.3, p99))],
            ]
        }
        PanelKind::Health => {
            let node = v(1.0, 1.0, 0.0);
            let up = if matches!(case, Case::NaN) {
                f64::NAN
            } else {
                1.0
            };
            vec![vec![
                series(
                    &[("job", "api"), ("instance", "10.0.0.1:8080")],
                    instant(end, up),
                ),
                series(
                    &[("job", "api"), ("instance", "10.0.0.2:8080")],
                    instant(end, up),
                ),
                series(
                    &[("job", "node"), ("instance", "10.0.0.9:9100")],
                    instant(end, node),
                ),
                series(
                    &[("job", "postgres"), ("instance", "db-1:9187")],
                    instant(end, up),
                ),
            ]]
        }
    }
}

/// Drives a one-panel board through the reducer into `case` and returns the state to draw.
fn drive(panel: PanelConfig, case: Case) -> State {
    let kind = panel.kind;
    let cfg = config(panel);
    let mut s = new_state(&cfg);
    let fx = update(&mut s, Action::Tick, t0());
    let fetches = fx.iter().filter(|e| matches!(e, Effect::Fetch(_))).count();
    assert_eq!(fetches, 1, "the first tick polls the panel: {fx:?}");
    let loaded = at(2);
    let result = match case {
        Case::Error => Err(connect_error()),
        Case::Stale => Ok(answer(kind, Case::Crit, loaded)),
        _ => Ok(answer(kind, case, loaded)),
    };
    update(&mut s, Action::PanelLoaded { panel: 0, result }, loaded);
    if matches!(case, Case::Stale) {
        update(&mut s, Action::Tick, at(10));
        update(
            &mut s,
            Action::PanelLoaded {
                panel: 0,
                result: Err(connect_error()),
            },
            at(12),
        );
    }
    // The frame is drawn a little later: ages read "28s".
    s.now = at(30);
    s
}

// ---------------------------------------------------------------------------------------------
// Looking at a buffer

/// Where `needle` is drawn: the first cell of its first occurrence, row by row.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let mut row = String::new();
        let mut starts = Vec::new();
        for x in 0..buf.area.width {
            starts.push((row.len(), x));
            row.push_str(buf[(x, y)].symbol());
        }
        if let Some(i) = row.find(needle) {
            let x = starts
                .iter()
                .rev()
                .find(|(b, _)| *b <= i)
                .map_or(0, |(_, x)| *x);
            return Some((x, y));
        }
    }
    None
}

#[track_caller]
fn find_or_fail(buf: &Buffer, needle: &str) -> (u16, u16) {
    find(buf, needle).unwrap_or_else(|| panic!("`{needle}` is not on screen:\n{}", to_text(buf)))
}

/// Asserts that every cell of `needle` (spaces excepted) is drawn in `fg`.
#[track_caller]
fn assert_fg(buf: &Buffer, needle: &str, fg: Option<Color>, role: &str) {
    let fg = fg.unwrap_or_else(|| panic!("theme role `{role}` has no fg colour"));
    let (x0, y) = find_or_fail(buf, needle);
    for (i, c) in needle.chars().enumerate() {
        if c == ' ' {
            continue;
        }
        let x = x0 + u16::try_from(i).unwrap();
        assert_eq!(
            buf[(x, y)].fg,
            fg,
            "`{needle}` at ({x0},{y}): cell {i} ({c:?}) should be {role} ({fg:?})\n{}",
            to_text(buf)
        );
    }
}

#[track_caller]
fn assert_shows(text: &str, needle: &str) {
    assert!(
        text.contains(needle),
        "`{needle}` is not on screen:\n{text}"
    );
}

#[track_caller]
fn assert_hides(text: &str, needle: &str) {
    assert!(
        !text.contains(needle),
        "`{needle}` should not be on screen:\n{text}"
    );
}

fn theme() -> Theme {
    Theme::fallback()
}

/// Draws a case and snapshots it; returns the buffer for colour checks.
#[track_caller]
fn shot(name: &str, panel: PanelConfig, case: Case) -> (State, Buffer) {
    let state = drive(panel, case);
    let buf = render(&state, &theme(), W, H);
    insta::assert_snapshot!(name, to_text(&buf));
    (state, buf)
}

/// Checks shared by every kind: the error states, the focus border, the header clock.
#[track_caller]
fn assert_frame(state: &State, buf: &Buffer, case: Case) {
    let t = theme();
    let text = to_text(buf);
    assert_shows(&text, "03:12:30 UTC");
    // The only panel is focused: its corners are in the focus colour.
    assert_eq!(buf[(0, 1)].symbol(), "╭", "{text}");
    assert_eq!(
        Some(buf[(0, 1)].fg),
        t.border_focus.fg,
        "focused border\n{text}"
    );
    assert_eq!(
        Some(buf[(W - 1, H - 2)].fg),
        t.border_focus.fg,
        "focused border\n{text}"
    );
    let p = &state.panels[0];
    match case {
        Case::Error => {
            assert_eq!(p.status(), Status::Error);
            assert_shows(&text, "✗ ERROR");
            assert_fg(buf, "error: cannot connect", t.error.fg, "error");
            assert_fg(buf, "✗ ERROR", t.error.fg, "error");
            assert_hides(&text, "stale");
            assert_hides(&text, "no data");
        }
        Case::Stale => {
            assert!(p.is_stale());
            assert_shows(&text, "stale 28s");
            assert_fg(buf, "stale 28s", t.stale.fg, "stale");
            assert_fg(buf, "error: cannot connect", t.error.fg, "error");
            assert_shows(&text, "prom ✗ down 18s");
        }
        Case::Empty | Case::NaN => {
            assert_eq!(p.status(), Status::NoData, "{case:?}");
            assert_shows(&text, "∅ no data");
            assert_fg(buf, "∅ no data", t.nodata.fg, "nodata");
            assert_hides(&text, "error");
        }
        Case::Ok | Case::Warn | Case::Crit => {
            assert_hides(&text, "error");
            assert_hides(&text, "stale");
            // The age shows once the data is late: more than two refreshes (10 s each) old for
            // a panel asked every refresh; a chart is asked once its 15 s grid step has passed,
            // so at 28 s its data is still on time.
            if p.cfg.kind == PanelKind::Timeseries {
                assert_hides(&text, "28s");
            } else {
                assert_shows(&text, " 28s ");
            }
            assert_shows(&text, "prom ✓");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// stat

#[test]
fn stat_ok() {
    let (s, buf) = shot("stat_ok", stat_panel(), Case::Ok);
    assert_frame(&s, &buf, Case::Ok);
    assert_eq!(s.panels[0].status(), Status::Ok);
    assert_fg(&buf, "0.23%", theme().ok.fg, "ok");
    assert_fg(&buf, " ✓ ", theme().ok.fg, "ok");
    assert_shows(&to_text(&buf), "warn ≥ 0.5% · crit ≥ 1%");
}

#[test]
fn stat_warn() {
    let (s, buf) = shot("stat_warn", stat_panel(), Case::Warn);
    assert_frame(&s, &buf, Case::Warn);
    assert_eq!(s.panels[0].status(), Status::Warn);
    assert_fg(&buf, "0.72%", theme().warn.fg, "warn");
    assert_fg(&buf, "▲ WARN", theme().warn.fg, "warn");
}

#[test]
fn stat_crit() {
    let (s, buf) = shot("stat_crit", stat_panel(), Case::Crit);
    assert_frame(&s, &buf, Case::Crit);
    assert_eq!(s.panels[0].status(), Status::Crit);
    assert_fg(&buf, "2.35%", theme().crit.fg, "crit");
    assert_fg(&buf, "✖ CRIT", theme().crit.fg, "crit");
    // The sparkline under the value is in the status colour too.
    let (_, y) = find_or_fail(&buf, "2.35%");
    let spark_row = y + 1;
    let drawn: Vec<Color> = (1..W - 1)
        .map(|x| &buf[(x, spark_row)])
        .filter(|c| c.symbol() != " ")
        .map(|c| c.fg)
        .collect();
    assert!(!drawn.is_empty(), "no sparkline\n{}", to_text(&buf));
    assert!(
        drawn.iter().all(|c| Some(*c) == theme().crit.fg),
        "{drawn:?}"
    );
}

#[test]
fn stat_no_data_empty() {
    let (s, buf) = shot("stat_no_data_empty", stat_panel(), Case::Empty);
    assert_frame(&s, &buf, Case::Empty);
    assert_fg(&buf, "no data", theme().nodata.fg, "nodata");
}

#[test]
fn stat_no_data_nan() {
    let (s, buf) = shot("stat_no_data_nan", stat_panel(), Case::NaN);
    assert_frame(&s, &buf, Case::NaN);
    assert_eq!(s.panels[0].display(), "no data");
    assert!(s.panels[0].value().is_nan());
}

#[test]
fn stat_error() {
    let (s, buf) = shot("stat_error", stat_panel(), Case::Error);
    assert_frame(&s, &buf, Case::Error);
    assert_hides(&to_text(&buf), "%");
}

#[test]
fn stat_stale() {
    let (s, buf) = shot("stat_stale", stat_panel(), Case::Stale);
    assert_frame(&s, &buf, Case::Stale);
    // The last good value is still there, dimmed as stale.
    assert_fg(&buf, "2.35%", theme().stale.fg, "stale");
    assert_eq!(s.panels[0].display(), "2.35%");
}

// ---------------------------------------------------------------------------------------------
// timeseries

#[test]
fn timeseries_ok() {
    let (s, buf) = shot("timeseries_ok", timeseries_panel(), Case::Ok);
    assert_frame(&s, &buf, Case::Ok);
    let text = to_text(&buf);
    assert_shows(&text, "■ p50 45.2 ms");
    assert_fg(&buf, "118 ms", theme().text.fg, "text");
    assert_fg(&buf, "310 ms", theme().text.fg, "text");
    assert_shows(&text, "-1h");
    assert_shows(&text, "now");
}

#[test]
fn timeseries_warn() {
    let (s, buf) = shot("timeseries_warn", timeseries_panel(), Case::Warn);
    assert_frame(&s, &buf, Case::Warn);
    assert_eq!(s.panels[0].status(), Status::Warn);
    assert_fg(&buf, "172 ms ▲", theme().warn.fg, "warn");
    assert_fg(&buf, "▲ WARN", theme().warn.fg, "warn");
}

#[test]
fn timeseries_crit() {
    let (s, buf) = shot("timeseries_crit", timeseries_panel(), Case::Crit);
    assert_frame(&s, &buf, Case::Crit);
    assert_eq!(s.panels[0].status(), Status::Crit);
    assert_fg(&buf, "620 ms ✖", theme().crit.fg, "crit");
    assert_fg(&buf, "183 ms ▲", theme().warn.fg, "warn");
    assert_fg(&buf, "✖ CRIT", theme().crit.fg, "crit");
    // The series are drawn in their theme colours.
    let t = theme();
    assert_eq!(buf[find_or_fail(&buf, "■ p50")].fg, t.series_color(0));
    assert_eq!(buf[find_or_fail(&buf, "■ p99")].fg, t.series_color(2));
}

#[test]
fn timeseries_no_data_empty() {
    let (s, buf) = shot("timeseries_no_data_empty", timeseries_panel(), Case::Empty);
    assert_frame(&s, &buf, Case::Empty);
    assert_fg(&buf, "no data", theme().nodata.fg, "nodata");
}

#[test]
fn timeseries_no_data_nan() {
    let (s, buf) = shot("timeseries_no_data_nan", timeseries_panel(), Case::NaN);
    assert_frame(&s, &buf, Case::NaN);
    assert_shows(&to_text(&buf), "■ p99 no data");
}

#[test]
fn timeseries_error() {
    let (s, buf) = shot("timeseries_error", timeseries_panel(), Case::Error);
    assert_frame(&s, &buf, Case::Error);
    assert_hides(&to_text(&buf), "p95");
}

#[test]
fn timeseries_stale() {
    let (s, buf) = shot("timeseries_stale", timeseries_panel(), Case::Stale);
    assert_frame(&s, &buf, Case::Stale);
    assert_fg(&buf, "620 ms", theme().stale.fg, "stale");
}

// ---------------------------------------------------------------------------------------------
// health (no warn state: a target is up or down)

#[test]
fn health_ok() {
    let (s, buf) = shot("health_ok", health_panel(), Case::Ok);
    assert_frame(&s, &buf, Case::Ok);
    assert_eq!(s.panels[0].status(), Status::Ok);
    assert_fg(&buf, "4/4 up", theme().ok.fg, "ok");
    assert_fg(&buf, "UP", theme().ok.fg, "ok");
    assert_hides(&to_text(&buf), "DOWN");
}

#[test]
fn health_crit() {
    let (s, buf) = shot("health_crit", health_panel(), Case::Crit);
    assert_frame(&s, &buf, Case::Crit);
    assert_eq!(s.panels[0].status(), Status::Crit);
    assert_fg(&buf, "3/4 up", theme().crit.fg, "crit");
    assert_fg(&buf, "DOWN", theme().crit.fg, "crit");
    assert_fg(&buf, "✖ CRIT", theme().crit.fg, "crit");
    // The down target comes first, its name in plain text.
    let text = to_text(&buf);
    let down = find_or_fail(&buf, "node 10.0.0.9:9100");
    let up = find_or_fail(&buf, "api 10.0.0.1:8080");
    assert!(down.1 < up.1 || (down.1 == up.1 && down.0 < up.0), "{text}");
    assert_fg(&buf, "node 10.0.0.9:9100", theme().text.fg, "text");
}

#[test]
fn health_no_data_empty() {
    let (s, buf) = shot("health_no_data_empty", health_panel(), Case::Empty);
    assert_frame(&s, &buf, Case::Empty);
    assert_fg(&buf, "no data", theme().nodata.fg, "nodata");
}

#[test]
fn health_no_data_nan() {
    let (s, buf) = shot("health_no_data_nan", health_panel(), Case::NaN);
    assert_frame(&s, &buf, Case::NaN);
}

#[test]
fn health_error() {
    let (s, buf) = shot("health_error", health_panel(), Case::Error);
    assert_frame(&s, &buf, Case::Error);
    assert_hides(&to_text(&buf), "UP");
}

#[test]
fn health_stale() {
    let (s, buf) = shot("health_stale", health_panel(), Case::Stale);
    assert_frame(&s, &buf, Case::Stale);
    assert_fg(&buf, "3/4 up", theme().stale.fg, "stale");
    assert_shows(&to_text(&buf), "DOWN");
}

// ---------------------------------------------------------------------------------------------
// gauge

#[test]
fn gauge_ok() {
    let (s, buf) = shot("gauge_ok", gauge_panel(), Case::Ok);
    assert_frame(&s, &buf, Case::Ok);
    assert_fg(&buf, "42 of 100", theme().ok.fg, "ok");
    // The bar is filled to 42 % in the status colour.
    let (_, y) = find_or_fail(&buf, "42 of 100");
    let bar: Vec<&str> = (1..W - 1).map(|x| buf[(x, y + 1)].symbol()).collect();
    let full = bar.iter().filter(|c| **c == "█").count();
    assert!(
        (23..=25).contains(&full),
        "{full} of {} cells full: {bar:?}",
        bar.len()
    );
    assert_eq!(buf[(1, y + 1)].fg, theme().ok.fg.unwrap());
}

#[test]
fn gauge_warn() {
    let (s, buf) = shot("gauge_warn", gauge_panel(), Case::Warn);
    assert_frame(&s, &buf, Case::Warn);
    assert_fg(&buf, "85 of 100", theme().warn.fg, "warn");
    assert_fg(&buf, "▲ WARN", theme().warn.fg, "warn");
}

#[test]
fn gauge_crit() {
    let (s, buf) = shot("gauge_crit", gauge_panel(), Case::Crit);
    assert_frame(&s, &buf, Case::Crit);
    assert_fg(&buf, "97 of 100", theme().crit.fg, "crit");
    assert_fg(&buf, "✖ CRIT", theme().crit.fg, "crit");
    assert_shows(&to_text(&buf), "warn ≥ 80 · crit ≥ 95");
}

#[test]
fn gauge_no_data_empty() {
    let (s, buf) = shot("gauge_no_data_empty", gauge_panel(), Case::Empty);
    assert_frame(&s, &buf, Case::Empty);
    assert_fg(&buf, "no data of 100", theme().nodata.fg, "nodata");
}

#[test]
fn gauge_no_data_nan() {
    let (s, buf) = shot("gauge_no_data_nan", gauge_panel(), Case::NaN);
    assert_frame(&s, &buf, Case::NaN);
}

#[test]
fn gauge_error() {
    let (s, buf) = shot("gauge_error", gauge_panel(), Case::Error);
    assert_frame(&s, &buf, Case::Error);
    assert_hides(&to_text(&buf), "of 100");
}

#[test]
fn gauge_stale() {
    let (s, buf) = shot("gauge_stale", gauge_panel(), Case::Stale);
    assert_frame(&s, &buf, Case::Stale);
    assert_fg(&buf, "97 of 100", theme().stale.fg, "stale");
}

// ---------------------------------------------------------------------------------------------
// The built-in board

/// Plausible answers for every panel of the built-in board, by panel id.
fn board_answer(id: &str, end: DateTime<Utc>) -> Vec<Vec<Series>> {
    let one = |level: f64, last: f64| vec![vec![series(&[], history(end, 30, level, last))]];
    let hist = |level: f64, last: f64| vec![series(&[], history(end, 60, level, last))];
    match id {
        "system-health" => {
            let t = |job: &str, inst: &str, v: f64| {
                series(&[("job", job), ("instance", inst)], instant(end, v))
            };
            vec![vec![
                t("api", "10.0.0.1:8080", 1.0),
                t("api", "10.0.0.2:8080", 1.0),
                t("worker", "10.0.0.5:9000", 1.0),
                t("node", "10.0.0.9:9100", 0.0),
                t("postgres", "db-1:9187", 1.0),
            ]]
        }
        "request-rate" => one(850.0, 851.37),
        "error-rate" => one(0.004, 0.0072),
        "active-users" => one(1200.0, 1234.0),
        "response-time" => vec![hist(0.045, 0.0452), hist(0.14, 0.183), hist(0.35, 0.62)],
        "traffic" => vec![hist(850.0, 851.37), hist(6.0, 6.1)],
        "db-connections" => vec![vec![series(&[], instant(end, 42.0))]],
        "transactions" => one(310.0, 312.5),
        "slow-queries" => one(2.0, 3.0),
        other => panic!("the built-in board has a new panel `{other}`: give it data here"),
    }
}

/// The built-in board with every panel loaded.
fn board_state() -> State {
    let mut cfg = Config::demo("http://127.0.0.1:1", &[]);
    // The board itself, without the demo's rotation and SLO.
    cfg.oncall.members.clear();
    cfg.slo = None;
    let mut s = new_state(&cfg);
    let fx = update(&mut s, Action::Tick, t0());
    let fetches = fx.iter().filter(|e| matches!(e, Effect::Fetch(_))).count();
    assert_eq!(
        fetches,
        s.panels.len() - 1,
        "every panel but incidents queries"
    );
    let loaded = at(2);
    for i in 0..s.panels.len() {
        if s.panels[i].id == "incidents" {
            continue;
        }
        let result = Ok(board_answer(&s.panels[i].id, loaded));
        update(&mut s, Action::PanelLoaded { panel: i, result }, loaded);
    }
    let alert =
        |name: &str, sev: &str, mins: i64, summary: &str| oncall::sources::prometheus::PromAlert {
            labels: [
                ("alertname", name),
                ("severity", sev),
                ("service", "checkout"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            annotations: [("summary".to_string(), summary.to_string())]
                .into_iter()
                .collect(),
            state: "firing".into(),
            active_at: Some(loaded - chrono::Duration::minutes(mins)),
            value: 1.0,
        };
    let alerts = vec![
        alert(
            "HighErrorRate",
            "critical",
            12,
            "Error ratio 3.1% above 1% for 2m",
        ),
        alert("SlowResponses", "error", 3, "p95 260 ms above 200 ms"),
    ];
    update(
        &mut s,
        Action::AlertsLoaded {
            source: "prom".into(),
            result: Ok(oncall::action::AlertBatch::Prometheus(alerts)),
        },
        loaded,
    );
    s.now = at(30);
    s
}

fn corner_of(buf: &Buffer, title: &str) -> (u16, u16) {
    let (x, y) = find_or_fail(buf, &format!(" {title} "));
    // The title starts right after the top-left corner.
    let x = x - 1;
    assert_eq!(
        buf[(x, y)].symbol(),
        "╭",
        "no corner before {title}\n{}",
        to_text(buf)
    );
    (x, y)
}

#[test]
fn board_80x24() {
    let s = board_state();
    let t = theme();
    let buf = render(&s, &t, 80, 24);
    insta::assert_snapshot!("board_80x24", to_text(&buf));
    let text = to_text(&buf);
    assert_shows(&text, "1 Production Health");
    assert_shows(&text, "DOWN");
    assert_fg(&buf, "DOWN", t.crit.fg, "crit");
    assert_fg(&buf, "0.72%", t.warn.fg, "warn");
    // System Health has the focus; Error rate does not.
    assert_eq!(
        Some(buf[corner_of(&buf, "System Health")].fg),
        t.border_focus.fg
    );
    assert_eq!(Some(buf[corner_of(&buf, "Error rate")].fg), t.border.fg);
}

#[test]
fn board_200x50() {
    let s = board_state();
    let t = theme();
    let buf = render(&s, &t, 200, 50);
    insta::assert_snapshot!("board_200x50", to_text(&buf));
    let text = to_text(&buf);
    for title in [
        "System Health",
        "Request rate",
        "Error rate",
        "Active users",
        "Response time",
        "Traffic",
        "DB connections",
        "Transactions",
        "Slow queries",
    ] {
        assert_shows(&text, &format!(" {title} "));
    }
    assert_fg(&buf, "DOWN", t.crit.fg, "crit");
    assert_fg(&buf, "0.72%", t.warn.fg, "warn");
    assert_fg(&buf, "▲ WARN", t.warn.fg, "warn");
    assert_fg(&buf, "620 ms ✖", t.crit.fg, "crit");
    assert_fg(&buf, "851 req/s", t.ok.fg, "ok");
    assert_shows(&text, "42 of 100");
    assert_eq!(
        Some(buf[corner_of(&buf, "System Health")].fg),
        t.border_focus.fg
    );
    assert_eq!(Some(buf[corner_of(&buf, "Traffic")].fg), t.border.fg);
}

#[test]
fn board_focus_moves_the_focus_border() {
    let mut s = board_state();
    let t = theme();
    update(&mut s, Action::FocusNext, at(30));
    update(&mut s, Action::FocusNext, at(30));
    let buf = render(&s, &t, 200, 50);
    assert_eq!(
        Some(buf[corner_of(&buf, "Error rate")].fg),
        t.border_focus.fg
    );
    assert_eq!(Some(buf[corner_of(&buf, "System Health")].fg), t.border.fg);
}

#[test]
fn board_json_matches_the_screen() {
    let s = board_state();
    let json = to_json(&s);
    let err = json["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "error-rate")
        .unwrap();
    assert_eq!(err["status"], "warn");
    assert_eq!(err["display"], "0.72%");
    let buf = render(&s, &theme(), 200, 50);
    assert_shows(&to_text(&buf), err["display"].as_str().unwrap());
}

#[test]
fn help_overlay() {
    let mut s = board_state();
    update(&mut s, Action::ToggleHelp, at(30));
    assert!(s.show_help);
    let t = theme();
    let buf = render(&s, &t, 80, 24);
    insta::assert_snapshot!("help_80x24", to_text(&buf));
    let text = to_text(&buf);
    assert_shows(&text, " Keys ");
    for (keys, what) in oncall::action::KEY_HELP {
        assert_shows(&text, keys);
        assert_shows(&text, what);
    }
    assert_shows(&text, "Esc or ? closes");
    assert_fg(&buf, "Tab  Shift-Tab", t.key.fg, "key");
    update(&mut s, Action::Back, at(31));
    assert_hides(&to_text(&render(&s, &t, 80, 24)), " Keys ");
}

// ---------------------------------------------------------------------------------------------
// Without colour

#[test]
fn without_color_states_read_in_words() {
    let plain = Theme::fallback().without_color();
    for (panel, case, word) in [
        (stat_panel(), Case::Crit, "✖ CRIT"),
        (stat_panel(), Case::Warn, "▲ WARN"),
        (gauge_panel(), Case::Crit, "✖ CRIT"),
        (gauge_panel(), Case::Warn, "▲ WARN"),
        (timeseries_panel(), Case::Crit, "✖ CRIT"),
        (health_panel(), Case::Crit, "DOWN"),
        (stat_panel(), Case::Error, "error: cannot connect"),
        (stat_panel(), Case::Stale, "stale 28s"),
        (stat_panel(), Case::Empty, "no data"),
    ] {
        let title = panel.title.clone();
        let s = drive(panel, case);
        let buf = render(&s, &plain, W, H);
        let text = to_text(&buf);
        assert!(
            text.contains(word),
            "{title} {case:?} without colour must say `{word}`:\n{text}"
        );
        assert_no_colour(&buf, &format!("{title} {case:?}"));
    }
    let board = render(&board_state(), &plain, 200, 50);
    assert_no_colour(&board, "board");
    assert_shows(&to_text(&board), "▲ WARN");
}

#[track_caller]
fn assert_no_colour(buf: &Buffer, what: &str) {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert_eq!(
                c.fg,
                Color::Reset,
                "{what}: cell ({x},{y}) {:?} has colour {:?}\n{}",
                c.symbol(),
                c.fg,
                to_text(buf)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Known rendering bugs: these state what the screen should show. Run with `--ignored`.

#[test]
fn gauge_bar_is_one_unbroken_block() {
    let (_, buf) = shot_quiet(gauge_panel(), Case::Crit);
    let (_, y) = find_or_fail(&buf, "97 of 100");
    let bar: String = (1..W - 1).map(|x| buf[(x, y + 1)].symbol()).collect();
    let filled = bar.trim_end();
    assert!(!filled.contains(' '), "the 97% bar has a hole: {bar:?}");
}

#[test]
fn health_nan_targets_are_no_data_not_down() {
    let (s, buf) = shot_quiet(health_panel(), Case::NaN);
    let text = to_text(&buf);
    assert_eq!(s.panels[0].display(), "no data");
    assert!(s.panels[0].value().is_nan());
    assert!(to_json(&s)["panels"][0]["value"].is_null());
    assert_hides(&text, "DOWN");
    assert_hides(&text, "0/4 up");
}

#[test]
fn health_cells_line_up() {
    let (_, buf) = shot_quiet(health_panel(), Case::Crit);
    let down = find_or_fail(&buf, "DOWN");
    let up = find_or_fail(&buf, "UP");
    // Row 1 is "✖ node … DOWN ● api … UP", row 2 starts with an UP cell: same columns.
    let (_, y2) = find_or_fail(&buf, "● api 10.0.0.2:8080");
    let up_below = (1..W)
        .find(|&x| buf[(x, y2)].symbol() == "U")
        .unwrap_or_else(|| panic!("no UP on row {y2}\n{}", to_text(&buf)));
    assert_eq!(
        down.0,
        up_below,
        "state words do not line up\n{}",
        to_text(&buf)
    );
    assert!(up.0 > down.0);
}

/// Draws a case without snapshotting it.
fn shot_quiet(panel: PanelConfig, case: Case) -> (State, Buffer) {
    let state = drive(panel, case);
    let buf = render(&state, &theme(), W, H);
    (state, buf)
}
