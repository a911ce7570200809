//! The demo stack's Alertmanager API, driven by the real `Alertmanager` client; and the phase →
//! alerts function of the simulation at chosen times.

#![allow(clippy::unwrap_used)]

use chrono::{TimeDelta, Utc};
use oncall::config::{SourceConfig, SourceKind};
use oncall::demo::DemoStack;
use oncall::demo::alerts::{DemoAlert, firing};
use oncall::demo::sim::{CYCLE_SECS, Sim};
use oncall::sources::SourceError;
use oncall::sources::alertmanager::{Alertmanager, AmAlert, NewSilence, identifying_matchers};
use oncall::sources::prometheus::Prometheus;

const EPOCH: f64 = 1_795_808_000.0;
const BASE: &str = "http://127.0.0.1:9";

async fn start() -> (DemoStack, Alertmanager) {
    let stack = DemoStack::start(([127, 0, 0, 1], 0).into()).await.unwrap();
    let cfg = SourceConfig::new(SourceKind::Alertmanager, &stack.alertmanager_url());
    let am = Alertmanager::new(&cfg).unwrap();
    (stack, am)
}

fn names(alerts: &[DemoAlert]) -> Vec<&str> {
    let mut v: Vec<&str> = alerts
        .iter()
        .map(|a| a.labels["alertname"].as_str())
        .collect();
    v.sort_unstable();
    v
}

fn named<'a>(alerts: &'a [DemoAlert], name: &str) -> &'a DemoAlert {
    alerts
        .iter()
        .find(|a| a.labels["alertname"] == name)
        .unwrap()
}

#[test]
fn alerts_follow_the_phases() {
    let sim = Sim::new(EPOCH);
    let at = |offset: f64| firing(&sim, EPOCH + offset, BASE);
    let cases: [(f64, &[&str]); 6] = [
        (10.0, &["CertificateExpiresSoon"]),
        (75.0, &["CertificateExpiresSoon", "SlowResponses"]),
        (130.0, &["CertificateExpiresSoon"]),
        (180.0, &["CertificateExpiresSoon", "HighErrorRate"]),
        (
            230.0,
            &["CertificateExpiresSoon", "CheckoutDown", "HighErrorRate"],
        ),
        (
            310.0,
            &["CertificateExpiresSoon", "DatabaseConnectionsHigh"],
        ),
    ];
    for (offset, expected) in cases {
        assert_eq!(names(&at(offset)), expected, "offset {offset}");
        // The cycle repeats, before the epoch too.
        assert_eq!(
            names(&at(offset - 2.0 * CYCLE_SECS)),
            expected,
            "offset {offset}"
        );
    }

    let slow = at(75.0);
    let a = named(&slow, "SlowResponses");
    assert_eq!(a.starts_at, EPOCH + 40.0);
    assert_eq!(a.labels["severity"], "error");
    assert!(
        a.annotations["summary"].starts_with("p95 latency "),
        "{a:?}"
    );

    let outage = at(230.0);
    let down = named(&outage, "CheckoutDown");
    assert_eq!(
        (
            down.labels["severity"].as_str(),
            down.labels["priority"].as_str()
        ),
        ("critical", "P0")
    );
    assert_eq!(down.labels["instance"], "checkout-2:8080");
    assert_eq!(down.starts_at, EPOCH + 210.0);
    // The error rate alert started with HighErrors and carries on through the outage.
    let errors = named(&outage, "HighErrorRate");
    assert_eq!(errors.starts_at, EPOCH + 150.0);
    assert_eq!(
        errors.fingerprint,
        named(&at(180.0), "HighErrorRate").fingerprint
    );
    assert!(
        errors.annotations["summary"].contains("% above 1% for 1m"),
        "{errors:?}"
    );

    let db = at(310.0);
    let db = named(&db, "DatabaseConnectionsHigh");
    assert_eq!(
        (db.labels["severity"].as_str(), db.labels["job"].as_str()),
        ("warning", "postgres")
    );

    let cert = at(10.0);
    let cert = named(&cert, "CertificateExpiresSoon");
    assert_eq!(cert.labels["severity"], "info");
    assert_eq!(cert.starts_at, EPOCH - 3.0 * 86_400.0);
}

#[test]
fn every_alert_has_the_common_labels_and_annotations() {
    let sim = Sim::new(EPOCH);
    for offset in [75.0, 180.0, 230.0, 310.0] {
        for a in firing(&sim, EPOCH + offset, BASE) {
            let name = &a.labels["alertname"];
            assert_eq!(a.labels["service"], "checkout");
            assert_eq!(a.labels["team"], "payments");
            assert!(a.labels.contains_key("job") && a.labels.contains_key("severity"));
            assert_eq!(
                a.annotations["runbook_url"],
                format!("https://runbooks.example.com/checkout/{name}")
            );
            assert!(a.annotations["description"].contains('\n'), "{a:?}");
            assert!(
                a.generator_url
                    .starts_with("http://127.0.0.1:9/graph?g0.expr=")
            );
            assert_eq!(a.fingerprint.len(), 16);
            assert!(a.fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
        }
    }
}

fn find<'a>(alerts: &'a [AmAlert], name: &str) -> &'a AmAlert {
    alerts
        .iter()
        .find(|a| a.labels["alertname"] == name)
        .unwrap()
}

#[tokio::test]
async fn alerts_over_http_at_start() {
    let (stack, am) = start().await;
    assert_eq!(am.probe().await.unwrap(), "demo");
    let alerts = am.alerts().await.unwrap();
    // The stack starts in the Normal phase.
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let cert = find(&alerts, "CertificateExpiresSoon");
    assert_eq!(cert.state, "active");
    assert!(cert.silenced_by.is_empty());
    assert!(cert.starts_at < Utc::now() - TimeDelta::days(2));
    assert!(cert.ends_at.is_some_and(|t| t > Utc::now()));
    let url = cert.generator_url.as_deref().unwrap();
    assert!(url.starts_with(&format!("{}/graph?g0.expr=", stack.prometheus_url())));
    assert_eq!(cert.receivers, ["payments-chat"]);

    let cfg = SourceConfig::new(SourceKind::Prometheus, &stack.prometheus_url());
    let prom = Prometheus::new(&cfg).unwrap().alerts().await.unwrap();
    assert_eq!(prom.len(), 1);
    assert_eq!((prom[0].state.as_str(), prom[0].value), ("firing", 1.0));
    assert_eq!(prom[0].labels, cert.labels);
    assert_eq!(prom[0].active_at, Some(cert.starts_at));
}

fn ack(alert: &AmAlert, minutes: i64) -> NewSilence {
    let now = Utc::now();
    NewSilence {
        id: None,
        matchers: identifying_matchers(&alert.labels),
        starts_at: now,
        ends_at: now + TimeDelta::minutes(minutes),
        created_by: "alice".into(),
        comment: "looking into it".into(),
    }
}

#[tokio::test]
async fn acknowledge_extend_and_expire() {
    let (_stack, am) = start().await;
    let alerts = am.alerts().await.unwrap();
    let cert = find(&alerts, "CertificateExpiresSoon");

    let id = am.create_silence(&ack(cert, 30)).await.unwrap();
    let alerts = am.alerts().await.unwrap();
    let acked = find(&alerts, "CertificateExpiresSoon");
    assert_eq!(acked.state, "suppressed");
    assert_eq!(acked.silenced_by, std::slice::from_ref(&id));

    let silences = am.silences().await.unwrap();
    let silence = silences.iter().find(|s| s.id == id).unwrap();
    assert_eq!(
        (silence.state.as_str(), silence.created_by.as_str()),
        ("active", "alice")
    );

    // Extending keeps the id when matchers and start stay the same.
    let mut extend = ack(cert, 120);
    extend.id = Some(id.clone());
    extend.starts_at = silence.starts_at;
    assert_eq!(am.create_silence(&extend).await.unwrap(), id);
    let silences = am.silences().await.unwrap();
    let extended = silences.iter().find(|s| s.id == id).unwrap();
    assert!(extended.ends_at > silence.ends_at + TimeDelta::minutes(60));

    am.expire_silence(&id).await.unwrap();
    let alerts = am.alerts().await.unwrap();
    let again = find(&alerts, "CertificateExpiresSoon");
    assert_eq!(
        (again.state.as_str(), again.silenced_by.len()),
        ("active", 0)
    );
    let silences = am.silences().await.unwrap();
    assert_eq!(
        silences.iter().find(|s| s.id == id).unwrap().state,
        "expired"
    );

    // Gone already: an expired silence and an unknown id both count as done.
    am.expire_silence(&id).await.unwrap();
    am.expire_silence("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap();
}

#[tokio::test]
async fn invalid_silences_are_refused_like_alertmanager() {
    let (_stack, am) = start().await;
    let alerts = am.alerts().await.unwrap();
    let cert = find(&alerts, "CertificateExpiresSoon");

    let mut none = ack(cert, 30);
    none.matchers.clear();
    let err = am.create_silence(&none).await.unwrap_err();
    assert_eq!(
        err,
        SourceError::Http {
            status: 422,
            message: "matchers in body should have at least 1 items".into()
        }
    );

    let mut backwards = ack(cert, 30);
    backwards.ends_at = backwards.starts_at - TimeDelta::minutes(1);
    let err = am.create_silence(&backwards).await.unwrap_err();
    assert_eq!(
        err,
        SourceError::Http {
            status: 400,
            message: "Failed to create silence: start time must be before end time".into()
        }
    );

    let mut unknown = ack(cert, 30);
    unknown.id = Some("00000000-0000-0000-0000-000000000000".into());
    let err = am.create_silence(&unknown).await.unwrap_err();
    assert_eq!(err.to_string(), "HTTP 404: silence not found");
    assert!(am.silences().await.unwrap().is_empty());
}
