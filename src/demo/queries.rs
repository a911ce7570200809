//! The PromQL queries the demo Prometheus understands and how each is evaluated on a [`Sample`].

use std::collections::BTreeMap;

use super::sim::{CHECKOUT_INSTANCES, Sample};

/// The labels of one series; sorted, so `__name__` comes first as in Prometheus.
pub(super) type Labels = BTreeMap<&'static str, &'static str>;
pub(super) type Eval = fn(&Sample) -> Vec<(Labels, f64)>;

macro_rules! quantile {
    ($q:literal) => {
        concat!(
            "histogram_quantile(",
            $q,
            ",sumby(le)(rate(http_request_duration_seconds_bucket[5m])))"
        )
    };
}

/// The queries the demo understands, compared after removing all whitespace:
///
/// | query | result |
/// |---|---|
/// | `up` | `up` of checkout-1..3 (`job="checkout"`), db-1 (`postgres`), localhost:9090 (`prometheus`) |
/// | `sum(rate(http_requests_total[5m]))` | requests/s |
/// | `sum(rate(http_errors_total[5m]))` | errors/s |
/// | `sum(rate(http_errors_total[5m]))/sum(rate(http_requests_total[5m]))` | error ratio |
/// | `sum(active_sessions)` | sessions |
/// | `histogram_quantile(0.50\|0.5\|0.95\|0.99,sum by (le) (rate(http_request_duration_seconds_bucket[5m])))` | seconds |
/// | `sum(pg_stat_database_numbackends)` | db connections |
/// | `sum(rate(pg_stat_database_xact_commit[5m]))` | transactions/s |
/// | `sum(pg_slow_queries)` | slow queries |
/// | `avg_over_time(up{job="checkout"}[30d])` | availability per checkout instance (~0.9993) |
/// | the same over `[1h]`, `[6h]`, `[5m]`, `[30m]` | recent availability (an SLO panel's burn rates): ~1, lower for a replica that is down now |
/// | `pg_settings_max_connections`, `pg_stat_database_numbackends` | raw gauges with their labels |
const QUERIES: &[(&str, Eval)] = &[
    ("up", up),
    (
        "sum(rate(http_requests_total[5m]))",
        |s| one(s.request_rate),
    ),
    ("sum(rate(http_errors_total[5m]))", |s| one(s.error_rate)),
    (
        "sum(rate(http_errors_total[5m]))/sum(rate(http_requests_total[5m]))",
        |s| one(s.error_ratio),
    ),
    ("sum(active_sessions)", |s| one(s.active_sessions)),
    (quantile!("0.50"), |s| one(s.latency_p50)),
    (quantile!("0.5"), |s| one(s.latency_p50)),
    (quantile!("0.95"), |s| one(s.latency_p95)),
    (quantile!("0.99"), |s| one(s.latency_p99)),
    ("sum(pg_stat_database_numbackends)", |s| {
        one(s.db_connections)
    }),
    ("sum(rate(pg_stat_database_xact_commit[5m]))", |s| {
        one(s.db_xact_rate)
    }),
    ("sum(pg_slow_queries)", |s| one(s.db_slow_queries)),
    ("avg_over_time(up{job=\"checkout\"}[30d])", availability),
    ("avg_over_time(up{job=\"checkout\"}[5m])", |s| {
        recent(s, 0.6)
    }),
    ("avg_over_time(up{job=\"checkout\"}[30m])", |s| {
        recent(s, 0.9)
    }),
    ("avg_over_time(up{job=\"checkout\"}[1h])", |s| {
        recent(s, 0.95)
    }),
    ("avg_over_time(up{job=\"checkout\"}[6h])", |s| {
        recent(s, 0.99)
    }),
    ("pg_settings_max_connections", |s| {
        db_gauge("pg_settings_max_connections", s.db_max_connections)
    }),
    ("pg_stat_database_numbackends", |s| {
        db_gauge("pg_stat_database_numbackends", s.db_connections)
    }),
];
/// Finds the evaluator of `query` in [`QUERIES`].
pub(super) fn lookup(query: &str) -> Option<Eval> {
    let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    QUERIES
        .iter()
        .find(|(q, _)| *q == compact)
        .map(|(_, eval)| *eval)
}

fn one(value: f64) -> Vec<(Labels, f64)> {
    vec![(Labels::new(), value)]
}

fn target(job: &'static str, instance: &'static str) -> Labels {
    Labels::from([("job", job), ("instance", instance)])
}

fn flag(up: bool) -> f64 {
    if up { 1.0 } else { 0.0 }
}

fn up(s: &Sample) -> Vec<(Labels, f64)> {
    let mut out: Vec<(Labels, f64)> = CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_up)
        .map(|(instance, up)| (target("checkout", instance), flag(up)))
        .collect();
    out.push((target("postgres", "db-1:9187"), flag(s.db_up)));
    out.push((
        target("prometheus", "localhost:9090"),
        flag(s.prometheus_up),
    ));
    for (labels, _) in &mut out {
        labels.insert("__name__", "up");
    }
    out
}

fn availability(s: &Sample) -> Vec<(Labels, f64)> {
    CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_availability_30d)
        .map(|(instance, value)| (target("checkout", instance), value))
        .collect()
}

/// Availability over a short window: `when_down` for a replica that is down now, else ~1.
fn recent(s: &Sample, when_down: f64) -> Vec<(Labels, f64)> {
    CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_up)
        .map(|(instance, up)| {
            (
                target("checkout", instance),
                if up { 0.9999 } else { when_down },
            )
        })
        .collect()
}

fn db_gauge(name: &'static str, value: f64) -> Vec<(Labels, f64)> {
    let mut labels = target("postgres", "db-1:9187");
    labels.insert("__name__", name);
    if name == "pg_stat_database_numbackends" {
        labels.insert("datname", "checkout");
    }
    vec![(labels, value)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_whitespace() {
        assert!(lookup(" sum by(le) ").is_none());
        assert!(lookup("sum( active_sessions )").is_some());
        let q =
            "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
        assert!(lookup(q).is_some());
        assert!(lookup("avg_over_time(up{job=\"checkout\"}[30d])").is_some());
    }
}
