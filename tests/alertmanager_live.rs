//! With a real Prometheus evaluating alerting rules and a real Alertmanager: alerts become
//! incidents with the mapped severity; `a` creates a silence the whole team sees; a teammate's
//! silence shows as their acknowledgement; a resolved alert resolves the incident and expires our
//! silence. Local rules fire with `for = "0s"` in a single snapshot.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Alertmanager, Prometheus, Pushgateway};
use oncall::action::Action;
use oncall::config::Config;
use oncall::headless::Headless;
use oncall::incidents::journal::EventKind;
use oncall::incidents::{IncidentState, Severity};
use std::path::Path;
use std::time::Duration;

const RULES: &str = r#"
groups:
  - name: checkout
    interval: 1s
    rules:
      - alert: HighErrorRate
        expr: sum(test_error_ratio) > 0.01
        labels:
          severity: critical
          service: checkout
        annotations:
          summary: "Error ratio above 1%"
          runbook_url: "https://runbooks.example.com/high-error-rate"
      - alert: DiskAlmostFull
        expr: sum(test_disk_used) > 0.9
        labels:
          priority: p2
        annotations:
          summary: "Disk above 90%"
"#;

fn metrics(error_ratio: f64) -> String {
    format!("test_error_ratio {error_ratio}\ntest_disk_used 0.95\ntest_sessions 10\n")
}

fn config(prom: &str, am: &str) -> Config {
    let text = format!(
        r#"
[general]
refresh = "1s"
user = "alice"

[sources.prom]
kind = "prometheus"
url = "{prom}"

[sources.am]
kind = "alertmanager"
url = "{am}"

[[rules]]
name = "SessionsLow"
source = "prom"
query = "sum(test_sessions)"
below = 100
for = "0s"
severity = "P4"
summary = "only {{{{value}}}} sessions"
"#
    );
    Config::parse(&text, Path::new("live.toml")).unwrap()
}

struct Stack {
    _dir: tempfile::TempDir,
    pgw: Pushgateway,
    _prom: Prometheus,
    am: Alertmanager,
    cfg: Config,
}

fn stack() -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let am = Alertmanager::start(dir.path());
    let pgw = Pushgateway::start(dir.path());
    pgw.push("app", &metrics(0.02));
    let prom = Prometheus::start_with(dir.path(), pgw.port, Some(RULES), Some(am.port));
    common::wait_until(
        "both alerts in Alertmanager",
        Duration::from_secs(40),
        || {
            am.get("/api/v2/alerts")
                .as_array()
                .is_some_and(|a| a.len() >= 2)
        },
    );
    let cfg = config(&prom.url(), &am.url());
    Stack {
        _dir: dir,
        pgw,
        _prom: prom,
        am,
        cfg,
    }
}

async fn headless(cfg: &Config) -> Headless {
    let mut h = Headless::new(cfg);
    h.state.poll_all_pages = true;
    // Journal in a temporary place: detected/acknowledged/resolved are recorded.
    h.dispatch(Action::JournalLoaded {
        events: Vec::new(),
        warnings: Vec::new(),
    });
    assert!(h.round(Duration::from_secs(10)).await);
    h
}

fn select(h: &mut Headless, title: &str) {
    let id = h
        .state
        .incidents
        .list
        .iter()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("no {title} in {:#?}", h.state.incidents.list))
        .id
        .clone();
    h.state.incidents.selected = Some(id);
}

/// The incident titled `title` in the list the dashboard shows.
fn incident<'a>(h: &'a Headless, title: &str) -> &'a oncall::incidents::Incident {
    h.state
        .incidents
        .list
        .iter()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("no {title} in {:#?}", h.state.incidents.list))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_acknowledgement_and_resolution_round_trip() {
    let s = tokio::task::block_in_place(stack);
    let mut h = headless(&s.cfg).await;

    // Alerts became incidents with the mapped severity; the rule fired at once.
    let list = &h.state.incidents.list;
    let high = list.iter().find(|i| i.title == "HighErrorRate").unwrap();
    assert_eq!(high.severity, Severity::P1, "severity=critical maps to P1");
    assert_eq!(high.state, IncidentState::Open);
    assert_eq!(high.source, "am");
    assert_eq!(high.summary, "Error ratio above 1%");
    assert_eq!(
        high.runbook.as_deref(),
        Some("https://runbooks.example.com/high-error-rate")
    );
    let disk = list.iter().find(|i| i.title == "DiskAlmostFull").unwrap();
    assert_eq!(disk.severity, Severity::P2, "priority=p2 wins in any case");
    let rule = list.iter().find(|i| i.id == "rule:SessionsLow").unwrap();
    assert_eq!(rule.severity, Severity::P4);
    assert_eq!(rule.summary, "only 10 sessions");
    assert_eq!(list[0].title, "HighErrorRate", "P1 sorts first");

    // `a` on HighErrorRate: a silence in Alertmanager, created by us.
    select(&mut h, "HighErrorRate");
    h.dispatch(Action::Acknowledge);
    assert!(h.settle(Duration::from_secs(10)).await);
    let silences = tokio::task::block_in_place(|| s.am.get("/api/v2/silences"));
    let ours = silences
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["createdBy"] == "alice")
        .unwrap_or_else(|| panic!("no silence by alice: {silences:#}"));
    assert_eq!(ours["status"]["state"], "active");
    assert!(
        ours["comment"]
            .as_str()
            .unwrap()
            .starts_with("acknowledged in oncall")
    );
    let matchers = ours["matchers"].as_array().unwrap();
    assert!(
        matchers
            .iter()
            .any(|m| m["name"] == "alertname" && m["value"] == "HighErrorRate")
    );

    // A teammate silences DiskAlmostFull directly in Alertmanager.
    let bobs =
        tokio::task::block_in_place(|| s.am.silence(&[("alertname", "DiskAlmostFull")], "bob"));
    assert!(h.refresh(Duration::from_secs(10)).await);
    let high = incident(&h, "HighErrorRate");
    assert_eq!(high.state, IncidentState::Acknowledged);
    assert_eq!(high.acked_by.as_deref(), Some("alice"));
    assert!(high.silence_id.is_some());
    let disk = incident(&h, "DiskAlmostFull");
    assert_eq!(disk.state, IncidentState::Acknowledged);
    assert_eq!(disk.acked_by.as_deref(), Some("bob"));

    // The error ratio drops: the alert resolves, the incident resolves, our silence expires.
    tokio::task::block_in_place(|| {
        s.pgw.push("app", &metrics(0.001));
        common::wait_until(
            "HighErrorRate gone from Alertmanager",
            Duration::from_secs(40),
            || {
                !s.am
                    .get("/api/v2/alerts")
                    .to_string()
                    .contains("HighErrorRate")
            },
        );
    });
    assert!(h.refresh(Duration::from_secs(10)).await);
    assert!(h.settle(Duration::from_secs(10)).await);
    let high = incident(&h, "HighErrorRate");
    assert_eq!(high.state, IncidentState::Resolved);
    let silences = tokio::task::block_in_place(|| s.am.get("/api/v2/silences"));
    let ours = silences
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["createdBy"] == "alice")
        .unwrap();
    assert_eq!(ours["status"]["state"], "expired", "ack-until-resolved");

    // The journal saw it all.
    let kinds: Vec<String> = h
        .journal_events
        .iter()
        .filter(|e| e.incident == high.id)
        .map(|e| {
            format!("{:?}", e.kind)
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        ["Detected", "Acknowledged", "Resolved"],
        "{:#?}",
        h.journal_events
    );
    assert!(h.journal_events.iter().any(|e| matches!(
        &e.kind,
        EventKind::Acknowledged { by, silence_id: Some(_), .. } if by == "alice"
    )));

    // Bob lifts his silence; alice acknowledges DiskAlmostFull, and a teammate expires her
    // silence in Alertmanager: the incident stands open again, and the journal says when.
    tokio::task::block_in_place(|| s.am.expire(&bobs));
    let disk_is = async |h: &mut Headless, want: IncidentState| {
        for _ in 0..20 {
            assert!(h.refresh(Duration::from_secs(10)).await);
            let disk = incident(h, "DiskAlmostFull");
            if disk.state == want {
                return disk.clone();
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!(
            "DiskAlmostFull never {want:?}: {:#?}",
            h.state.incidents.list
        );
    };
    disk_is(&mut h, IncidentState::Open).await;
    select(&mut h, "DiskAlmostFull");
    h.dispatch(Action::Acknowledge);
    assert!(h.settle(Duration::from_secs(10)).await);
    let disk = disk_is(&mut h, IncidentState::Acknowledged).await;
    assert_eq!(disk.acked_by.as_deref(), Some("alice"));
    let acked_at = chrono::Utc::now();
    tokio::task::block_in_place(|| s.am.expire(disk.silence_id.as_deref().unwrap()));
    disk_is(&mut h, IncidentState::Open).await;
    assert!(h.refresh(Duration::from_secs(10)).await);
    let taken_back: Vec<_> = h
        .journal_events
        .iter()
        .filter(|e| e.incident == disk.id)
        .filter_map(|e| match &e.kind {
            EventKind::Unacknowledged { by } => Some((by.as_str(), e.ts)),
            _ => None,
        })
        .collect();
    assert_eq!(taken_back.len(), 1, "once: {:#?}", h.journal_events);
    assert_eq!(taken_back[0].0, oncall::update::SILENCE_ENDED_BY);
    let slack = chrono::Duration::seconds(2);
    assert!(
        taken_back[0].1 > acked_at - slack && taken_back[0].1 <= chrono::Utc::now(),
        "dated when the silence ended: {:?}",
        taken_back[0].1
    );
}

#[test]
fn snapshot_lists_incidents_with_mapped_severity() {
    let s = stack();
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("c.toml");
    let prom_url = s.cfg.sources["prom"].url.clone();
    let am_url = s.cfg.sources["am"].url.clone();
    std::fs::write(
        &cfg_path,
        format!(
            "[sources.prom]\nkind = \"prometheus\"\nurl = \"{prom_url}\"\n\n[sources.am]\nkind = \"alertmanager\"\nurl = \"{am_url}\"\n\n[[rules]]\nname = \"SessionsLow\"\nsource = \"prom\"\nquery = \"sum(test_sessions)\"\nbelow = 100\nfor = \"0s\"\nseverity = \"P4\"\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oncall"))
        .args(["snapshot", "--format", "json", "--config"])
        .arg(&cfg_path)
        .env("ONCALL_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let snap: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let incidents = snap["incidents"].as_array().unwrap();
    let by_title = |t: &str| incidents.iter().find(|i| i["title"] == t).unwrap();
    assert_eq!(by_title("HighErrorRate")["severity"], "P1");
    assert_eq!(by_title("HighErrorRate")["source"], "am");
    assert_eq!(by_title("HighErrorRate")["state"], "open");
    assert!(
        by_title("HighErrorRate")["deadline"].is_string(),
        "P1: resolve within 1h"
    );
    assert_eq!(by_title("DiskAlmostFull")["severity"], "P2");
    assert_eq!(by_title("SessionsLow")["source"], "rule:SessionsLow");
    assert!(
        by_title("SessionsLow")["deadline"].is_null(),
        "P4 has no deadline"
    );
    assert!(
        !dir.path().join("journal.jsonl").exists(),
        "a snapshot never writes the journal"
    );
}
