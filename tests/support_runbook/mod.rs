//! The incident the runbook tests fill their templates from: P0 `AppDown` from Alertmanager.

use chrono::DateTime;
use oncall::incidents::{Incident, Severity};

pub fn app_down(labels: &[(&str, &str)]) -> Incident {
    Incident {
        summary: "app is down".into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Incident::open(
            "am:0f3a",
            "AppDown",
            Severity::P0,
            "am",
            DateTime::from_timestamp(1_790_000_000, 0).expect("a valid time"),
        )
    }
}
