//! Against a real Prometheus fed by a real Pushgateway: the snapshot shows what Prometheus
//! answers, with the right status; a dead Prometheus turns panels error/stale without killing
//! anything, and they recover when it comes back.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Prometheus, Pushgateway};
use oncall::action::{Action, Effect};
use oncall::config::Config;
use oncall::poll::Clients;
use oncall::state::{SourceStatus, State, Status};
use oncall::update::update;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const METRICS: &str = "\
# TYPE test_error_ratio gauge
test_error_ratio 0.0235
# TYPE test_latency_seconds gauge
test_latency_seconds{quantile=\"0.5\"} 0.045
test_latency_seconds{quantile=\"0.95\"} 0.183
test_latency_seconds{quantile=\"0.99\"} 0.61
# TYPE test_sessions gauge
test_sessions 1200
# TYPE test_nan gauge
test_nan NaN
# TYPE test_inf gauge
test_inf +Inf
# TYPE test_connections gauge
test_connections 85
";

fn config(prom_url: &str) -> String {
    format!(
        r#"
[general]
refresh = "1s"
timezone = "UTC"

[sources.prom]
kind = "prometheus"
url = "{prom_url}"
timeout = "2s"

[[pages]]
title = "Live"

  [[pages.panels]]
  title = "Error rate"
  kind = "stat"
  query = 'sum(test_error_ratio)'
  unit = "percentunit"
  thresholds = {{ warn = 0.005, crit = 0.01 }}

  [[pages.panels]]
  title = "Sessions"
  kind = "stat"
  query = 'sum(test_sessions)'
  thresholds = {{ warn = 5000, crit = 10000 }}

  [[pages.panels]]
  title = "Connections"
  kind = "gauge"
  query = 'sum(test_connections)'
  max = 100
  thresholds = {{ warn = 80, crit = 95 }}

  [[pages.panels]]
  title = "Targets"
  kind = "health"
  query = 'up'
  legend = "{{{{job}}}}"

  [[pages.panels]]
  title = "Latency"
  kind = "timeseries"
  unit = "s"
  range = "2m"
  queries = [
    {{ query = 'test_latency_seconds{{quantile="0.5"}}', legend = "p50" }},
    {{ query = 'test_latency_seconds{{quantile="0.95"}}', legend = "p95", thresholds = {{ warn = 0.15, crit = 0.2 }} }},
  ]

  [[pages.panels]]
  title = "Nothing"
  kind = "stat"
  query = 'sum(test_nan)'

  [[pages.panels]]
  title = "Empty"
  kind = "stat"
  query = 'sum(metric_that_does_not_exist)'

  [[pages.panels]]
  title = "Infinite"
  kind = "stat"
  query = 'sum(test_inf)'
  thresholds = {{ crit = 1 }}

  [[pages.panels]]
  title = "Broken query"
  kind = "stat"
  query = 'sum(rate(test_sessions[5m]'
"#
    )
}

fn snapshot(cfg: &Path, format: &str) -> (String, std::process::ExitStatus) {
    let out = Command::new(env!("CARGO_BIN_EXE_oncall"))
        .args(["snapshot", "--config"])
        .arg(cfg)
        .args([
            "--format", format, "--wait", "10s", "--width", "120", "--height", "30",
        ])
        .env("ONCALL_DATA_DIR", cfg.parent().unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "snapshot wrote to stderr: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), out.status)
}

fn panel<'a>(snap: &'a Value, id: &str) -> &'a Value {
    snap["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no panel {id} in {snap:#}"))
}

fn start_stack(dir: &Path) -> (Pushgateway, Prometheus) {
    let pgw = Pushgateway::start(dir);
    pgw.push("app", METRICS);
    let prom = Prometheus::start(dir, pgw.port, None);
    prom.wait_for_series("test_connections");
    prom.wait_for_series("up");
    (pgw, prom)
}

#[test]
fn snapshot_json_matches_what_prometheus_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (_pgw, prom) = start_stack(dir.path());
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(&cfg_path, config(&prom.url())).unwrap();

    let (out, status) = snapshot(&cfg_path, "json");
    assert!(status.success());
    let snap: Value = serde_json::from_str(&out).unwrap();

    let src = &snap["sources"][0];
    assert_eq!(src["id"], "prom");
    assert_eq!(src["status"], "ok", "{src}");
    assert!(src["last_success"].is_string());

    // Values equal Prometheus's own answer, status from the thresholds.
    let direct = prom.query("sum(test_error_ratio)");
    let expected: f64 = direct["data"]["result"][0]["value"][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let err = panel(&snap, "error-rate");
    assert_eq!(err["value"].as_f64(), Some(expected));
    assert_eq!(err["display"], "2.35%");
    assert_eq!(err["status"], "crit");
    assert_eq!(err["kind"], "stat");
    assert_eq!(err["source"], "prom");
    assert!(!err["series"][0]["points"].as_array().unwrap().is_empty());

    let sessions = panel(&snap, "sessions");
    assert_eq!(sessions["value"].as_f64(), Some(1200.0));
    assert_eq!(sessions["status"], "ok");

    let conns = panel(&snap, "connections");
    assert_eq!(conns["value"].as_f64(), Some(85.0));
    assert_eq!(conns["status"], "warn");

    let targets = panel(&snap, "targets");
    assert_eq!(targets["status"], "ok", "{targets}");
    assert_eq!(targets["series"][0]["name"], "pushgateway");

    let latency = panel(&snap, "latency");
    let names: Vec<&str> = latency["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["p50", "p95"]);
    assert_eq!(latency["status"], "warn", "p95 0.183 is past warn 0.15");

    let nothing = panel(&snap, "nothing");
    assert_eq!(nothing["status"], "nodata");
    assert!(nothing["value"].is_null());
    assert_eq!(nothing["display"], "no data");
    let empty = panel(&snap, "empty");
    assert_eq!(empty["status"], "nodata");
    assert!(empty["value"].is_null());

    let inf = panel(&snap, "infinite");
    assert_eq!(inf["value"], "+Inf");
    assert_eq!(inf["status"], "crit");

    // A bad query fails its own panel, not the source.
    let broken = panel(&snap, "broken-query");
    assert_eq!(broken["status"], "error");
    assert!(
        broken["error"].as_str().unwrap().contains("bad_data"),
        "{broken}"
    );
    assert_eq!(snap["sources"][0]["status"], "ok");
}

#[test]
fn snapshot_text_shows_values_and_a_dead_source() {
    let dir = tempfile::tempdir().unwrap();
    let (_pgw, mut prom) = start_stack(dir.path());
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(&cfg_path, config(&prom.url())).unwrap();

    let (text, status) = snapshot(&cfg_path, "text");
    assert!(status.success());
    for want in ["2.35%", "✖ CRIT", "1200", "85 of 100", "no data", "✗ ERROR"] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }

    prom.stop();
    let (text, status) = snapshot(&cfg_path, "text");
    assert!(status.success(), "a dead source must not fail the snapshot");
    assert!(text.contains("prom ✗"), "{text}");
    assert!(
        text.contains("error: cannot connect") && text.contains("refused"),
        "{text}"
    );
    let (json, _) = snapshot(&cfg_path, "json");
    let snap: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(snap["sources"][0]["status"], "error");
    let why = snap["sources"][0]["error"].as_str().unwrap();
    assert!(why.contains("connection refused"), "{why}");
    assert!(
        snap["panels"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "error")
    );
}

/// Drives the same reducer and pollers as the TUI, without a terminal.
struct Loop {
    state: State,
    clients: Clients,
    tx: tokio::sync::mpsc::UnboundedSender<Action>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Action>,
}

impl Loop {
    fn new(cfg: &Config) -> Loop {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Loop {
            state: State::new(cfg, chrono::Utc::now()),
            clients: Clients::new(cfg),
            tx,
            rx,
        }
    }

    /// One tick, then every answer it started (each bounded by the source timeout).
    async fn round(&mut self) {
        let fetches: Vec<Effect> = update(&mut self.state, Action::Tick, chrono::Utc::now())
            .into_iter()
            .filter(|e| matches!(e, Effect::Fetch(_)))
            .collect();
        let rest = self.clients.start_all(fetches, &self.tx);
        assert!(rest.is_empty(), "every fetch is started");
        while self.state.panels.iter().any(|p| p.in_flight) {
            let a = tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
                .await
                .expect("a fetch outlived its source timeout")
                .unwrap();
            update(&mut self.state, a, chrono::Utc::now());
        }
    }

    async fn round_after_refresh(&mut self) {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        self.round().await;
    }

    fn panel(&self, id: &str) -> &oncall::state::PanelState {
        self.state.panels.iter().find(|p| p.id == id).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_prometheus_goes_stale_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (pgw, mut prom) = tokio::task::block_in_place(|| start_stack(dir.path()));
    let cfg = Config::parse(&config(&prom.url()), Path::new("live.toml")).unwrap();
    let mut l = Loop::new(&cfg);

    l.round().await;
    assert_eq!(l.panel("error-rate").status(), Status::Crit);
    assert_eq!(l.state.sources[0].status(), SourceStatus::Ok);

    tokio::task::block_in_place(|| prom.stop());
    l.round_after_refresh().await;
    let p = l.panel("error-rate");
    assert_eq!(p.status(), Status::Error);
    assert!(p.is_stale(), "the last good value stays, marked stale");
    assert_eq!(p.display(), "2.35%");
    assert!(
        p.error.as_deref().unwrap().contains("connection refused"),
        "{:?}",
        p.error
    );
    assert_eq!(l.state.sources[0].status(), SourceStatus::Stale);
    assert!(l.state.sources[0].error_since.is_some());

    // New values while it was down; it comes back on the same port.
    tokio::task::block_in_place(|| {
        pgw.push(
            "app",
            &METRICS.replace("test_error_ratio 0.0235", "test_error_ratio 0.001"),
        );
        prom.restart();
        common::wait_until("new value scraped", Duration::from_secs(30), || {
            prom.query("sum(test_error_ratio)")["data"]["result"][0]["value"][1] == "0.001"
        });
    });
    l.round_after_refresh().await;
    let p = l.panel("error-rate");
    assert_eq!(p.status(), Status::Ok, "{:?}", p.error);
    assert!(!p.is_stale());
    assert_eq!(p.display(), "0.1%");
    assert_eq!(l.state.sources[0].status(), SourceStatus::Ok);
    assert!(l.state.sources[0].error_since.is_none());
    // The stats now ask only their latest value, together; the bad query still fails alone.
    l.round_after_refresh().await;
    assert_eq!(l.panel("error-rate").display(), "0.1%");
    assert_eq!(l.panel("sessions").display(), "1200");
    let broken = l.panel("broken-query");
    assert_eq!(broken.status(), Status::Error);
    assert!(
        broken.error.as_deref().unwrap().contains("bad_data"),
        "{:?}",
        broken.error
    );
    assert_eq!(l.state.sources[0].status(), SourceStatus::Ok);
}

/// Requests Prometheus has answered on `/api/v1/query`, by its own count.
fn instant_requests(prom: &Prometheus) -> u64 {
    let (_, text) = common::http_get(&format!("{}/metrics", prom.url())).unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_asked_together_are_answered_as_if_asked_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (_pgw, prom) = tokio::task::block_in_place(|| start_stack(dir.path()));
    let cfg = Config::parse(&config(&prom.url()), Path::new("live.toml")).unwrap();
    let client = oncall::sources::prometheus::Prometheus::new(&cfg.sources["prom"]).unwrap();
    let queries = [
        "sum(test_error_ratio)",
        "test_latency_seconds",
        // A scalar cannot be labelled: it is asked alone.
        "scalar(sum(test_sessions))",
        "sum(metric_that_does_not_exist)",
        // Wrong: its error stays its own.
        "sum(rate(test_sessions[5m]",
        "test_connections # the comment ends at the end of the query",
        "test_latency_seconds",
        "up",
    ];
    let time = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let count = |prom: &Prometheus| tokio::task::block_in_place(|| instant_requests(prom));
    let alone = async |q: &str| client.query(q, time).await.map(|r| r.series);

    // First: one batch, refused for the scalar and the wrong query; then each alone.
    let before = count(&prom);
    let first = client.query_all(&queries, time).await;
    assert_eq!(count(&prom) - before, 1 + queries.len() as u64);
    // Then: the six that can go together in one request, the other two alone.
    let before = count(&prom);
    let second = client.query_all(&queries, time).await;
    assert_eq!(count(&prom) - before, 3);

    for (i, q) in queries.iter().enumerate() {
        let expected = alone(q).await;
        assert_eq!(first[i], expected, "{q}");
        assert_eq!(second[i], expected, "{q}");
    }
    let series = |i: usize| second[i].as_ref().unwrap();
    assert_eq!(series(0)[0].points[0].1, 0.0235);
    assert_eq!(
        series(1).len(),
        3,
        "every quantile, each with its own labels"
    );
    assert!(
        series(1)
            .iter()
            .all(|s| !s.labels.contains_key("oncall_query"))
    );
    assert_eq!(series(2)[0].points[0].1, 1200.0);
    assert!(series(3).is_empty());
    assert!(matches!(&second[4], Err(e) if e.to_string().contains("bad_data")));
    assert_eq!(series(5)[0].labels["__name__"], "test_connections");
    assert!(!series(7).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panels_asked_at_one_moment_share_a_request_but_an_error_budget_goes_alone() {
    use oncall::action::FetchSpec;
    let dir = tempfile::tempdir().unwrap();
    let (_pgw, prom) = tokio::task::block_in_place(|| start_stack(dir.path()));
    let cfg = Config::parse(&config(&prom.url()), Path::new("live.toml")).unwrap();
    let clients = Clients::new(&cfg);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let at = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let spec = |panel: usize, query: &str, alone: bool| {
        Effect::Fetch(FetchSpec {
            panel,
            source: "prom".into(),
            queries: vec![query.into()],
            at,
            range: None,
            latest: false,
            alone,
        })
    };
    let effects = vec![
        spec(0, "sum(test_error_ratio)", false),
        spec(1, "sum(test_sessions)", true),
        spec(2, "sum(test_connections)", false),
    ];
    let before = tokio::task::block_in_place(|| instant_requests(&prom));
    assert!(clients.start_all(effects, &tx).is_empty());
    let mut values = [f64::NAN; 3];
    for _ in 0..3 {
        let action = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("every panel is answered within the source timeout")
            .unwrap();
        let Action::PanelLoaded { panel, result } = action else {
            panic!("not an answer: {action:?}");
        };
        values[panel] = result.unwrap()[0][0].points[0].1;
    }
    assert_eq!(values, [0.0235, 1200.0, 85.0]);
    // The two plain panels in one request, the error budget's query in its own.
    let after = tokio::task::block_in_place(|| instant_requests(&prom));
    assert_eq!(after - before, 2);
}
