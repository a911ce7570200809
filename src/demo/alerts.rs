//! The alerts the simulated checkout service raises, derived from the scripted phase at a given
//! time. Both the demo Alertmanager (`/api/v2/alerts`) and the demo Prometheus (`/api/v1/alerts`)
//! serve them.
//!
//! | alert | severity | when |
//! |---|---|---|
//! | `CheckoutDown` (`priority="P0"`, instance of the downed replica) | critical | Outage |
//! | `HighErrorRate` | critical | HighErrors and the Outage that follows it |
//! | `SlowResponses` | error | SlowResponses |
//! | `DatabaseConnectionsHigh` | warning | DbSaturation |
//! | `CertificateExpiresSoon` (started 3 days before the stack) | info | always |

use std::collections::BTreeMap;

use super::sim::{CHECKOUT_INSTANCES, OUTAGE_INSTANCE, Phase, Sample, Sim};
use crate::duration::format_age;

const DAY: f64 = 86_400.0;
/// The certificate alert started this long before the stack did.
const CERT_ALERT_AGE: f64 = 3.0 * DAY;
/// The certificate expires this long after the stack started.
const CERT_EXPIRES_AFTER: f64 = 11.0 * DAY;

/// One firing alert of the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Unix seconds at which the alert started firing.
    pub starts_at: f64,
    /// Link to the alert expression in the demo Prometheus.
    pub generator_url: String,
    /// Alertmanager's fingerprint of `labels` (16 hex digits).
    pub fingerprint: String,
}

/// What one alert rule needs besides its labels.
struct Rule {
    name: &'static str,
    job: &'static str,
    instance: Option<&'static str>,
    severity: &'static str,
    expr: &'static str,
    summary: String,
    description: String,
}

/// The alerts firing at `t` (unix seconds), sorted by fingerprint as Alertmanager lists them.
/// `prometheus_url` is the base of the `generatorURL` links.
pub fn firing(sim: &Sim, t: f64, prometheus_url: &str) -> Vec<DemoAlert> {
    let s = sim.at(t);
    let span = sim.span(t);
    let mut out = vec![certificate(sim, t, prometheus_url)];
    let mut add = |rule: Rule, start: f64| out.push(build(rule, start, prometheus_url));
    match span.phase {
        Phase::Normal => {}
        Phase::SlowResponses => add(slow_responses(&s, t - span.start), span.start),
        Phase::HighErrors => add(high_error_rate(&s, t - span.start), span.start),
        Phase::Outage => {
            let before = sim.span(span.start - 1.0);
            let errors_since = if before.phase == Phase::HighErrors {
                before.start
            } else {
                span.start
            };
            add(high_error_rate(&s, t - errors_since), errors_since);
            add(checkout_down(&s, t - span.start), span.start);
        }
        Phase::DbSaturation => add(db_connections(&s, t - span.start), span.start),
    }
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

fn age(secs: f64) -> String {
    format_age(secs.max(0.0) as i64)
}

fn certificate(sim: &Sim, t: f64, base: &str) -> DemoAlert {
    let days_left = ((sim.epoch() + CERT_EXPIRES_AFTER - t) / DAY)
        .ceil()
        .max(0.0);
    let rule = Rule {
        name: "CertificateExpiresSoon",
        job: "blackbox",
        instance: Some("https://checkout.example.com"),
        severity: "info",
        expr: "probe_ssl_earliest_cert_expiry{job=\"blackbox\"} - time() < 14 * 86400",
        summary: format!("TLS certificate of checkout.example.com expires in {days_left} days"),
        description:
            "The certificate served by https://checkout.example.com expires within 14 days.\n\
                      Renewal is automated; check the cert-manager logs if this does not clear.\n\
                      Expired certificates take the whole checkout down."
                .into(),
    };
    build(rule, sim.epoch() - CERT_ALERT_AGE, base)
}

fn slow_responses(s: &Sample, for_secs: f64) -> Rule {
    let p95 = s.latency_p95 * 1000.0;
    let p99 = s.latency_p99 * 1000.0;
    Rule {
        name: "SlowResponses",
        job: "checkout",
        instance: None,
        severity: "error",
        expr: "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.2",
        summary: format!("p95 latency {p95:.0} ms above 200 ms for {}", age(for_secs)),
        description: format!(
            "Checkout responds slowly: p95 {p95:.0} ms, p99 {p99:.0} ms.\n\
             Slow queries in Postgres: {:.0}.\n\
             Look at the database panel before scaling the service.",
            s.db_slow_queries
        ),
    }
}

fn high_error_rate(s: &Sample, for_secs: f64) -> Rule {
    let ratio = s.error_ratio * 100.0;
    Rule {
        name: "HighErrorRate",
        job: "checkout",
        instance: None,
        severity: "critical",
        expr: "sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m])) > 0.01",
        summary: format!("Error ratio {ratio:.1}% above 1% for {}", age(for_secs)),
        description: format!(
            "Checkout fails {:.1} of {:.0} requests per second ({ratio:.1}%).\n\
             Customers cannot pay; check the latest deploy and the error tracker.",
            s.error_rate, s.request_rate
        ),
    }
}

fn checkout_down(s: &Sample, for_secs: f64) -> Rule {
    let instance = CHECKOUT_INSTANCES[OUTAGE_INSTANCE];
    let up = s.checkout_up.iter().filter(|up| **up).count();
    Rule {
        name: "CheckoutDown",
        job: "checkout",
        instance: Some(instance),
        severity: "critical",
        expr: "up{job=\"checkout\"} == 0",
        summary: format!(
            "{instance} of job checkout is down for {} ({up} of {} replicas up)",
            age(for_secs),
            CHECKOUT_INSTANCES.len()
        ),
        description: format!(
            "Prometheus cannot scrape {instance}.\n\
             The remaining replicas serve {:.0} requests per second.\n\
             Restart the pod and check its last logs.",
            s.request_rate
        ),
    }
}

fn db_connections(s: &Sample, for_secs: f64) -> Rule {
    let pct = s.db_connections / s.db_max_connections * 100.0;
    Rule {
        name: "DatabaseConnectionsHigh",
        job: "postgres",
        instance: Some("db-1:9187"),
        severity: "warning",
        expr: "sum(pg_stat_database_numbackends) / sum(pg_settings_max_connections) > 0.8",
        summary: format!(
            "{:.0} of {:.0} Postgres connections in use ({pct:.0}%) for {}",
            s.db_connections,
            s.db_max_connections,
            age(for_secs)
        ),
        description: format!(
            "The checkout database is close to max_connections.\n\
             Slow queries: {:.0}. New connections will be refused at 100%.\n\
             Check for long transactions and the connection pool size.",
            s.db_slow_queries
        ),
    }
}

fn build(rule: Rule, starts_at: f64, base: &str) -> DemoAlert {
    let mut labels = BTreeMap::new();
    let mut put = |k: &str, v: &str| labels.insert(k.to_owned(), v.to_owned());
    put("alertname", rule.name);
    put("job", rule.job);
    put("service", "checkout");
    put("team", "payments");
    put("severity", rule.severity);
    if let Some(instance) = rule.instance {
        put("instance", instance);
    }
    if rule.name == "CheckoutDown" {
        put("priority", "P0");
    }
    let annotations = BTreeMap::from([
        ("summary".to_owned(), rule.summary),
        ("description".to_owned(), rule.description),
        (
            "runbook_url".to_owned(),
            format!("https://runbooks.example.com/checkout/{}", rule.name),
        ),
    ]);
    DemoAlert {
        fingerprint: fingerprint(&labels),
        labels,
        annotations,
        starts_at,
        generator_url: format!("{base}/graph?g0.expr={}&g0.tab=1", query_escape(rule.expr)),
    }
}

/// Alertmanager's alert fingerprint: FNV-1a 64 over the sorted label names and values, each
/// followed by a 0xFF separator, written as 16 hex digits.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    let mut h = OFFSET;
    let mut add = |bytes: &[u8]| {
        for b in bytes.iter().chain(&[0xFF]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (name, value) in labels {
        add(name.as_bytes());
        add(value.as_bytes());
    }
    format!("{h:016x}")
}

/// URL query escaping as Go's `url.QueryEscape` does it (space becomes `+`).
fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_matches_alertmanager() {
        // From tests/fixtures/alertmanager/alerts.json (Alertmanager 0.25).
        let labels: BTreeMap<String, String> = [
            ("alertname", "ManualUnicode"),
            ("service", "支払い-api"),
            ("severity", "critical"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(fingerprint(&labels), "1ee637234ea5ae68");
    }

    #[test]
    fn generator_url_is_escaped() {
        assert_eq!(query_escape("up == 0"), "up+%3D%3D+0");
    }
}
