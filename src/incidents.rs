//! Incidents: severity, lifecycle, local rules, the journal, post-mortems and response stats.

pub mod deadline;
pub mod from_alerts;
pub mod journal;
pub mod postmortem;
pub mod rules;
pub mod severity;
pub mod stats;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The team's severity matrix: P0 (critical, complete outage) … P4 (trivial, cosmetic).
/// Orders most severe first: `P0 < P1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    P0,
    P1,
    P2,
    P3,
    P4,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::P0,
        Severity::P1,
        Severity::P2,
        Severity::P3,
        Severity::P4,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::P0 => "P0",
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
            Severity::P4 => "P4",
        }
    }

    /// "Critical", "High", "Medium", "Low", "Trivial".
    pub fn label(self) -> &'static str {
        match self {
            Severity::P0 => "Critical",
            Severity::P1 => "High",
            Severity::P2 => "Medium",
            Severity::P3 => "Low",
            Severity::P4 => "Trivial",
        }
    }

    /// `P0`..`P4` in any case.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentState {
    Open,
    Acknowledged,
    Resolved,
}

impl IncidentState {
    pub fn name(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::Acknowledged => "acknowledged",
            IncidentState::Resolved => "resolved",
        }
    }
}

/// One incident as the screen and the snapshot show it. Remote text in it is sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Stable id: `<source id>:<alert fingerprint>`, `rule:<name>`, or `sentry:<issue id>`.
    pub id: String,
    /// The alertname for alerts, the rule name for rules, the issue title for Sentry.
    pub title: String,
    pub severity: Severity,
    pub state: IncidentState,
    /// The config's source id (`"am"`), or `"rule:NAME"`.
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The `summary` annotation (or the rule's rendered summary); one line.
    pub summary: String,
    /// The `description` annotation; may hold newlines.
    pub description: String,
    pub runbook: Option<String>,
    pub generator_url: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The Alertmanager silence acknowledging it, when there is one.
    pub silence_id: Option<String>,
}

impl Incident {
    /// Acknowledged by `by` at `at`.
    pub fn set_acked(&mut self, by: &str, at: DateTime<Utc>) {
        self.state = IncidentState::Acknowledged;
        self.acked_by = Some(by.to_string());
        self.acked_at = Some(at);
    }

    /// Open again: no one's acknowledgement stands.
    pub fn set_open(&mut self) {
        self.state = IncidentState::Open;
        self.acked_by = None;
        self.acked_at = None;
    }

    /// A new open incident: not acknowledged, no text, labels or links yet (set what applies).
    pub fn open(
        id: impl Into<String>,
        title: impl Into<String>,
        severity: Severity,
        source: impl Into<String>,
        started_at: DateTime<Utc>,
    ) -> Incident {
        Incident {
            id: id.into(),
            title: title.into(),
            severity,
            state: IncidentState::Open,
            source: source.into(),
            started_at,
            acked_by: None,
            acked_at: None,
            resolved_at: None,
            summary: String::new(),
            description: String::new(),
            runbook: None,
            generator_url: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            silence_id: None,
        }
    }
}

/// Sort key: open before acknowledged before resolved; then P0 first; then oldest first.
pub fn sort_key(i: &Incident) -> (IncidentState, Severity, DateTime<Utc>, &str) {
    (i.state, i.severity, i.started_at, i.id.as_str())
}

/// Rebuilds an incident from its journal events alone (for `oncall postmortem` with no source
/// at hand): the last `detected` gives what it was; acknowledgements and resolution follow.
pub fn from_journal(id: &str, events: &[journal::Event]) -> Option<Incident> {
    use journal::EventKind;
    let mut inc: Option<Incident> = None;
    for e in events.iter().filter(|e| e.incident == id) {
        match &e.kind {
            EventKind::Detected {
                title,
                severity,
                source,
                summary,
                labels,
            } => {
                let fresh = inc.is_none()
                    || inc
                        .as_ref()
                        .is_some_and(|i| i.state == IncidentState::Resolved);
                if fresh {
                    inc = Some(Incident {
                        summary: summary.clone(),
                        labels: labels.clone(),
                        ..Incident::open(id, title.clone(), *severity, source.clone(), e.ts)
                    });
                }
            }
            EventKind::Escalated { to, .. } => {
                if let Some(i) = &mut inc {
                    i.severity = *to;
                }
            }
            EventKind::Acknowledged { by, silence_id, .. } => {
                if let Some(i) = &mut inc {
                    i.state = IncidentState::Acknowledged;
                    i.acked_by = Some(by.clone());
                    i.acked_at.get_or_insert(e.ts);
                    i.silence_id.clone_from(silence_id);
                }
            }
            EventKind::Unacknowledged { .. } => {
                if let Some(i) = &mut inc {
                    i.state = IncidentState::Open;
                    i.acked_by = None;
                }
            }
            EventKind::Resolved { .. } => {
                if let Some(i) = &mut inc {
                    i.state = IncidentState::Resolved;
                    i.resolved_at = Some(e.ts);
                }
            }
            _ => {}
        }
    }
    inc
}

/// The incident ids in a journal that start with `prefix` (an id can be given shortened).
pub fn matching_ids(prefix: &str, events: &[journal::Event]) -> Vec<String> {
    let mut ids: Vec<String> = events
        .iter()
        .filter(|e| e.incident.starts_with(prefix))
        .map(|e| e.incident.clone())
        .collect();
    ids.sort();
    ids.dedup();
    if ids.iter().any(|i| i == prefix) {
        return vec![prefix.to_string()];
    }
    ids
}
