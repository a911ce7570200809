//! What the benches share: a realistic config (the built-in board with every source kind, and a
//! "Logs & errors" page), answers of realistic size in each source's wire format, and a state
//! loaded with them, as the dashboard holds it after its first polls.
//!
//! Each bench uses part of it.

#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use oncall::action::{Action, AlertBatch};
use oncall::config::{Config, PanelConfig, PanelKind, SourceKind};
use oncall::sources::alertmanager::{AmAlert, parse_alerts};
use oncall::sources::loki::{Labels, LogEntry};
use oncall::sources::prometheus::Series;
use oncall::sources::sentry::{SentryIssue, parse_issues};
use oncall::state::State;
use oncall::update::update;
use serde_json::json;
use std::fmt::Write;
use std::sync::Arc;

/// A fixed clock: every run draws and computes the same thing.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn ns(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp_nanos_opt().unwrap())
}

/// Title of the second page and of its panels.
pub const LOGS_PAGE: &str = "Logs & errors";
pub const LOGS_PANEL: &str = "Checkout logs";
pub const ERRORS_PANEL: &str = "Sentry";

/// The demo's sources (Prometheus, Alertmanager, Loki, Sentry), its rotation and SLO; page 1 is
/// the built-in board they give, page 2 a full-height logs panel (10 000 lines kept) beside a
/// Sentry panel, as in `config.example.toml`.
pub fn config() -> Config {
    let url = "http://127.0.0.1:1";
    let mut cfg = Config::demo(
        url,
        &[
            (SourceKind::Alertmanager, url),
            (SourceKind::Loki, url),
            (SourceKind::Sentry, url),
        ],
    );
    cfg.general.timezone = "UTC".into();
    let mut pages = cfg.effective_pages();
    let mut logs = PanelConfig::new(LOGS_PANEL, PanelKind::Logs);
    logs.source = Some("logs".into());
    logs.query = Some(r#"{app="checkout"}"#.into());
    logs.width = Some(14);
    logs.height = Some(46);
    logs.buffer = Some(10_000);
    logs.limit = Some(500);
    let mut errors = PanelConfig::new(ERRORS_PANEL, PanelKind::Errors);
    errors.source = Some("sentry".into());
    errors.width = Some(10);
    errors.height = Some(46);
    errors.max_pages = Some(3);
    pages.push(oncall::config::PageConfig {
        title: LOGS_PAGE.into(),
        panels: vec![logs, errors],
    });
    cfg.pages = pages;
    cfg
}

const ALERTS: [&str; 8] = [
    "CheckoutLatencyHigh",
    "CheckoutErrorRate",
    "PodCrashLooping",
    "DiskWillFillIn4h",
    "CertificateExpiresSoon",
    "KafkaConsumerLag",
    "PostgresReplicationLag",
    "TargetDown",
];
const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

/// A `GET /api/v2/alerts` answer of `n` active alerts as Alertmanager writes it (field order
/// and `\u0026` escapes as in `tests/fixtures/alertmanager/alerts.json`), started over the last
/// hour. `salt` changes every fingerprint (another set of alerts).
pub fn alerts_body(n: usize, salt: u64) -> String {
    let t = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut s = String::from("[");
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let name = ALERTS[i % ALERTS.len()];
        let sev = SEVERITIES[(i / ALERTS.len()) % SEVERITIES.len()];
        let started = now() - Duration::seconds((i as i64 * 37) % 3600 + 60);
        write!(
            s,
            r#"{{"annotations":{{"description":"{name} on checkout-{i}: the value has been past the threshold for 5 minutes.\nSee the dashboard for the trend.","runbook_url":"https://wiki.example.com/runbooks/{name}","summary":"checkout-{i} in payments: {name}"}},"endsAt":"{ends}","fingerprint":"{fp:016x}","receivers":[{{"name":"team-payments"}}],"startsAt":"{start}","status":{{"inhibitedBy":[],"silencedBy":[],"state":"active"}},"updatedAt":"{upd}","generatorURL":"http://prometheus:9090/graph?g0.expr=job%3D%22checkout%22\u0026g0.tab=1","labels":{{"alertname":"{name}","cluster":"prod-eu-1","instance":"10.0.{a}.{b}:8080","job":"checkout","namespace":"payments","pod":"checkout-{i}","severity":"{sev}"}}}}"#,
            ends = t(now() + Duration::minutes(4)),
            fp = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt,
            start = t(started),
            upd = t(now() - Duration::seconds(20)),
            a = i / 256,
            b = i % 256,
        )
        .unwrap();
    }
    s.push(']');
    s
}

/// Parsed alerts (see [`alerts_body`]).
pub fn alerts(n: usize, salt: u64) -> Vec<AmAlert> {
    let body = alerts_body(n, salt);
    parse_alerts(200, Some("application/json"), body.as_bytes()).unwrap()
}

/// One page of a Sentry issue list (`limit=100`), every field of the OpenAPI example
/// (`tests/fixtures/sentry/org_issues_openapi_example.json`) present, with 24 h of stats.
pub fn issues_body(page: usize, n: usize) -> String {
    let t = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Secs, true);
    let issues: Vec<serde_json::Value> = (0..n)
        .map(|k| {
            let i = page * n + k;
            let id = 4_200_000 + i;
            let hour0 = (now() - Duration::hours(24)).timestamp() / 3600 * 3600;
            let stats: Vec<serde_json::Value> = (0..24)
                .map(|h| json!([hour0 + h * 3600, (i as i64 * 7 + h * 13) % 200]))
                .collect();
            let first = t(now() - Duration::hours(1 + (i as i64 % 700)));
            let last = t(now() - Duration::seconds(30 * i as i64));
            let level = ["error", "error", "warning", "fatal"][i % 4];
            json!({
                "annotations": [],
                "assignedTo": null,
                "count": format!("{}", 150 + i * 31),
                "culprit": format!("checkout.api.payments in charge_card_{i}"),
                "firstSeen": first,
                "filtered": null,
                "hasSeen": i % 3 == 0,
                "id": id.to_string(),
                "isBookmarked": false,
                "isPublic": false,
                "isSubscribed": true,
                "lastSeen": last,
                "level": level,
                "logger": null,
                "metadata": {"type": "TimeoutError", "value": "upstream request timed out"},
                "numComments": 0,
                "permalink": format!("https://sentry.example.com/organizations/acme/issues/{id}/"),
                "project": {"id": "2", "name": "Checkout", "slug": "checkout", "platform": "python"},
                "shareId": null,
                "shortId": format!("CHECKOUT-{}", 1000 + i),
                "stats": {"24h": stats},
                "priority": "high",
                "platform": "python",
                "lifetime": {"count": format!("{}", 150 + i * 31), "userCount": i % 50,
                             "firstSeen": first, "lastSeen": last},
                "status": "unresolved",
                "substatus": "ongoing",
                "statusDetails": {},
                "subscriptionDetails": null,
                "title": format!("TimeoutError: upstream payments-{} request timed out after 30s", i % 40),
                "type": "error",
                "userCount": i % 50,
                "isUnhandled": true,
                "issueCategory": "error",
                "issueType": "error",
            })
        })
        .collect();
    serde_json::to_string(&issues).unwrap()
}

/// Parsed issues (see [`issues_body`]).
pub fn issues(page: usize, n: usize) -> Vec<SentryIssue> {
    let body = issues_body(page, n);
    parse_issues(200, Some("application/json"), body.as_bytes()).unwrap()
}

/// `n` log lines of five checkout pods, logfmt, three in ten a warning or an error, spaced
/// `gap_us` microseconds apart and ending at `end` (inclusive).
pub fn log_entries(n: usize, end: DateTime<Utc>, gap_us: i128) -> Vec<LogEntry> {
    let streams: Vec<Arc<Labels>> = (0..5)
        .map(|p| {
            let labels: Labels = [
                ("app", "checkout".to_string()),
                ("env", "prod".to_string()),
                ("pod", format!("checkout-{p}")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            Arc::new(labels)
        })
        .collect();
    let end = ns(end);
    (0..n)
        .map(|i| {
            let ts = end - (n - 1 - i) as i128 * gap_us * 1_000;
            let line = match i % 10 {
                3 | 8 => format!(
                    "level=warn msg=\"slow upstream\" path=/api/checkout duration_ms={} trace_id={:016x}",
                    400 + i % 600,
                    i * 2_654_435_761
                ),
                6 => format!(
                    "level=error msg=\"payment failed: upstream timeout\" path=/api/checkout status=504 duration_ms=30000 trace_id={:016x}",
                    i * 2_654_435_761
                ),
                _ => format!(
                    "level=info msg=\"request completed\" method=POST path=/api/checkout status=200 duration_ms={} trace_id={:016x}",
                    i % 400,
                    i * 2_654_435_761
                ),
            };
            LogEntry {
                ts_ns: ts,
                line,
                labels: Arc::clone(&streams[i % streams.len()]),
            }
        })
        .collect()
}

/// One Prometheus answer per query of a panel: an hour of points for charts and sparklines,
/// twelve targets for a health panel, an instant value otherwise.
pub fn panel_answer(state: &State, panel: usize, now: DateTime<Utc>) -> Vec<Vec<Series>> {
    let p = &state.panels[panel];
    let t = now.timestamp() as f64;
    (0..p.queries.len())
        .map(|q| match p.cfg.kind {
            PanelKind::Health => (0..12)
                .map(|i| Series {
                    labels: [
                        ("job".to_string(), "checkout".to_string()),
                        ("instance".to_string(), format!("10.0.0.{i}:8080")),
                    ]
                    .into_iter()
                    .collect(),
                    points: vec![(t, if i == 7 { 0.0 } else { 1.0 })],
                })
                .collect(),
            PanelKind::Stat | PanelKind::Timeseries => vec![Series {
                labels: Default::default(),
                points: (0..240)
                    .map(|i| {
                        (
                            t - 3600.0 + f64::from(i) * 15.0,
                            0.1 + 0.05 * (f64::from(i + q as u32) * 0.3).sin(),
                        )
                    })
                    .collect(),
            }],
            PanelKind::Slo => vec![Series {
                labels: Default::default(),
                points: vec![(t, 0.9995)],
            }],
            _ => vec![Series {
                labels: Default::default(),
                points: vec![(t, 42.0)],
            }],
        })
        .collect()
}

/// Index of the first panel with this title.
pub fn panel(state: &State, title: &str) -> usize {
    state
        .panels
        .iter()
        .position(|p| p.cfg.title == title)
        .unwrap_or_else(|| panic!("no panel {title:?}"))
}

/// [`config`] after its first polls answered: every chart with an hour of data, every logs
/// panel with 10 000 lines, every errors panel with 100 issues, and `open_alerts` incidents
/// from Alertmanager (the journal read first, so they have a timeline).
pub fn loaded_state(now: DateTime<Utc>, open_alerts: usize) -> State {
    let mut state = State::new(&config(), now);
    update(
        &mut state,
        Action::JournalLoaded {
            events: Vec::new(),
            warnings: Vec::new(),
        },
        now,
    );
    update(&mut state, Action::Tick, now);
    for panel in 0..state.panels.len() {
        let action = match state.panels[panel].cfg.kind {
            PanelKind::Logs => Action::LogsLoaded {
                panel,
                result: Ok(log_entries(10_000, now, 360_000)),
            },
            PanelKind::Errors => Action::ErrorsLoaded {
                panel,
                result: Ok(issues(0, 100)),
                retry_after: None,
            },
            kind if kind.has_query() => Action::PanelLoaded {
                panel,
                result: Ok(panel_answer(&state, panel, now)),
            },
            _ => continue,
        };
        update(&mut state, action, now);
    }
    if open_alerts > 0 {
        update(
            &mut state,
            Action::AlertsLoaded {
                source: "am".into(),
                result: Ok(AlertBatch::Alertmanager {
                    alerts: alerts(open_alerts, 0),
                    silences: Vec::new(),
                }),
            },
            now,
        );
    }
    state
}
