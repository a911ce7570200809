//! The built-in "Production Health" board, used when the config has no `[[pages]]`.
//!
//! It is the team's Grafana board from the support playbook: System Health, Response Time,
//! Active Users, Database. Thresholds: error rate warn 0.5 % / crit 1 %; p95 warn 150 ms /
//! crit 200 ms; p99 warn 400 ms / crit 500 ms.

use super::{
    Direction, PageConfig, PanelConfig, PanelKind, QueryConfig, SourceConfig, Thresholds, Unit,
};

/// Queries of the built-in board (the demo stack simulates exactly these).
pub mod queries {
    pub const UP: &str = "up";
    pub const REQUEST_RATE: &str = "sum(rate(http_requests_total[5m]))";
    pub const ERROR_RATE_ABS: &str = "sum(rate(http_errors_total[5m]))";
    pub const ERROR_RATIO: &str =
        "sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))";
    pub const ACTIVE_USERS: &str = "sum(active_sessions)";
    pub const P50: &str =
        "histogram_quantile(0.50, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
    pub const P95: &str =
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
    pub const P99: &str =
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
    pub const DB_CONNECTIONS: &str = "sum(pg_stat_database_numbackends)";
    pub const DB_TPS: &str = "sum(rate(pg_stat_database_xact_commit[5m]))";
    pub const DB_SLOW: &str = "sum(pg_slow_queries)";
}

fn above(warn: f64, crit: f64) -> Option<Thresholds> {
    Some(Thresholds {
        warn: Some(warn),
        crit: Some(crit),
        direction: Direction::Above,
    })
}

fn panel(title: &str, kind: PanelKind, source: &str, width: u16) -> PanelConfig {
    let mut p = PanelConfig::new(title, kind);
    p.source = Some(source.into());
    p.width = Some(width);
    p
}

fn q(query: &str, legend: &str, thresholds: Option<Thresholds>) -> QueryConfig {
    QueryConfig {
        query: query.into(),
        legend: Some(legend.into()),
        thresholds,
    }
}

/// Logs and errors panels for the Loki and Sentry sources there are.
fn feeds(loki: Option<(&str, &SourceConfig)>, sentry: Option<&str>) -> Vec<PanelConfig> {
    let mut out = Vec::new();
    let both = loki.is_some() && sentry.is_some();
    if let Some((id, src)) = loki {
        let mut logs = PanelConfig::new("Logs", PanelKind::Logs);
        logs.source = Some(id.into());
        logs.query = Some(src.query.clone().unwrap_or_else(|| r#"{job=~".+"}"#.into()));
        logs.width = Some(if both { 14 } else { 24 });
        logs.height = Some(10);
        out.push(logs);
    }
    if let Some(id) = sentry {
        let mut errors = PanelConfig::new("Errors", PanelKind::Errors);
        errors.source = Some(id.into());
        errors.width = Some(if both { 10 } else { 24 });
        errors.height = Some(10);
        out.push(errors);
    }
    out
}

/// The board for a Prometheus source id (with logs and errors panels when there are Loki and
/// Sentry sources); only the incidents, logs and errors panels without Prometheus.
pub fn default_pages(
    prom: Option<&str>,
    loki: Option<(&str, &SourceConfig)>,
    sentry: Option<&str>,
) -> Vec<PageConfig> {
    let Some(src) = prom else {
        let mut incidents = PanelConfig::new("Incidents", PanelKind::Incidents);
        incidents.width = Some(24);
        incidents.height = Some(20);
        let mut panels = vec![incidents];
        panels.extend(feeds(loki, sentry));
        return vec![PageConfig {
            title: "Incidents".into(),
            panels,
        }];
    };
    let mut health = panel("System Health", PanelKind::Health, src, 6);
    health.query = Some(queries::UP.into());
    health.legend = Some("{{job}} {{instance}}".into());

    let mut reqs = panel("Request rate", PanelKind::Stat, src, 6);
    reqs.query = Some(queries::REQUEST_RATE.into());
    reqs.unit = Unit::ReqPerSec;

    let mut errors = panel("Error rate", PanelKind::Stat, src, 6);
    errors.query = Some(queries::ERROR_RATIO.into());
    errors.unit = Unit::PercentUnit;
    errors.thresholds = above(0.005, 0.01);

    let mut users = panel("Active users", PanelKind::Stat, src, 6);
    users.query = Some(queries::ACTIVE_USERS.into());

    let mut latency = panel("Response time", PanelKind::Timeseries, src, 14);
    latency.unit = Unit::Seconds;
    latency.queries = vec![
        q(queries::P50, "p50", None),
        q(queries::P95, "p95", above(0.15, 0.2)),
        q(queries::P99, "p99", above(0.4, 0.5)),
    ];

    let mut traffic = panel("Traffic", PanelKind::Timeseries, src, 10);
    traffic.unit = Unit::ReqPerSec;
    traffic.queries = vec![
        q(queries::REQUEST_RATE, "requests", None),
        q(queries::ERROR_RATE_ABS, "errors", None),
    ];

    let mut conns = panel("DB connections", PanelKind::Gauge, src, 8);
    conns.query = Some(queries::DB_CONNECTIONS.into());
    conns.min = Some(0.0);
    conns.max = Some(100.0);
    conns.thresholds = above(80.0, 95.0);

    let mut tps = panel("Transactions", PanelKind::Stat, src, 8);
    tps.query = Some(queries::DB_TPS.into());
    tps.unit = Unit::OpsPerSec;

    let mut slow = panel("Slow queries", PanelKind::Stat, src, 8);
    slow.query = Some(queries::DB_SLOW.into());
    slow.thresholds = above(5.0, 20.0);

    let mut incidents = PanelConfig::new("Incidents", PanelKind::Incidents);
    incidents.width = Some(24);
    incidents.height = Some(6);

    let mut panels = vec![health, reqs, errors, users, incidents, latency, traffic];
    panels.extend(feeds(loki, sentry));
    panels.extend([conns, tps, slow]);
    vec![PageConfig {
        title: "Production Health".into(),
        panels,
    }]
}
