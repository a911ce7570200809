//! Incidents from Alertmanager and Prometheus alerts. Remote text is sanitized here.

use super::{Incident, IncidentState, severity};
use crate::config::SeverityConfig;
use crate::sanitize;
use crate::sources::alertmanager::{AmAlert, Silence};
use crate::sources::prometheus::PromAlert;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The comment on silences oncall creates; a silence with it and our user is "ours".
pub const ACK_COMMENT: &str = "acknowledged in oncall";

fn clean(map: &BTreeMap<String, String>, multiline: bool) -> BTreeMap<String, String> {
    map.iter()
        .map(|(k, v)| {
            let v = if multiline {
                sanitize::multiline(v)
            } else {
                sanitize::line(v)
            };
            (sanitize::line(k), v)
        })
        .collect()
}

fn base(
    id: String,
    source: &str,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    started_at: DateTime<Utc>,
    cfg: &SeverityConfig,
) -> Incident {
    let labels = clean(labels, false);
    let annotations = clean(annotations, true);
    let title = labels
        .get("alertname")
        .cloned()
        .unwrap_or_else(|| "unnamed alert".into());
    let summary = annotations
        .get("summary")
        .or_else(|| annotations.get("message"))
        .map(|s| sanitize::line(s))
        .unwrap_or_default();
    Incident {
        id,
        title,
        severity: severity::from_labels(&labels, cfg),
        state: IncidentState::Open,
        source: source.to_string(),
        started_at,
        acked_by: None,
        acked_at: None,
        resolved_at: None,
        summary,
        description: annotations.get("description").cloned().unwrap_or_default(),
        runbook: annotations.get("runbook_url").cloned(),
        generator_url: None,
        labels,
        annotations,
        silence_id: None,
    }
}

/// One incident per active alert (inhibited alerts are left out: another alert covers them).
/// An alert silenced by an active silence is acknowledged by the silence's creator.
pub fn from_alertmanager(
    source: &str,
    alerts: &[AmAlert],
    silences: &[Silence],
    cfg: &SeverityConfig,
) -> Vec<Incident> {
    let active: BTreeMap<&str, &Silence> = silences
        .iter()
        .filter(|s| s.state == "active")
        .map(|s| (s.id.as_str(), s))
        .collect();
    alerts
        .iter()
        .filter(|a| a.inhibited_by.is_empty() || !a.silenced_by.is_empty())
        .map(|a| {
            let id = sanitize::line(&a.fingerprint);
            let mut inc = base(id, source, &a.labels, &a.annotations, a.starts_at, cfg);
            inc.generator_url = a.generator_url.as_deref().map(sanitize::line);
            if let Some(s) = a.silenced_by.iter().find_map(|id| active.get(id.as_str())) {
                inc.state = IncidentState::Acknowledged;
                inc.acked_by = Some(sanitize::line(&s.created_by));
                inc.acked_at = Some(s.starts_at);
                inc.silence_id = Some(sanitize::line(&s.id));
            }
            inc
        })
        .collect()
}

/// Firing Prometheus alerts (used when no Alertmanager is configured); pending ones are not
/// incidents yet. Their id is a fingerprint of their labels.
pub fn from_prometheus(source: &str, alerts: &[PromAlert], cfg: &SeverityConfig) -> Vec<Incident> {
    alerts
        .iter()
        .filter(|a| a.state == "firing")
        .map(|a| {
            let id = fingerprint(&a.labels);
            let started = a.active_at.unwrap_or_else(Utc::now);
            base(id, source, &a.labels, &a.annotations, started, cfg)
        })
        .collect()
}

/// 16 hex digits of FNV-1a over the sorted labels.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xfe]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Whether a silence is one oncall created for `user`.
pub fn is_ours(s: &Silence, user: &str) -> bool {
    s.created_by == user && s.comment.starts_with(ACK_COMMENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let mut a = BTreeMap::new();
        a.insert("alertname".to_string(), "X".to_string());
        let f1 = fingerprint(&a);
        assert_eq!(f1.len(), 16);
        assert_eq!(f1, fingerprint(&a));
        a.insert("job".into(), "y".into());
        assert_ne!(f1, fingerprint(&a));
    }
}
