//! `[severity]` and `[[rules]]`.

use super::Unit;
use crate::duration::Dur;
use crate::incidents::Severity;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// A response target: a duration, or `"none"` (no deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Within(Dur),
    None,
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(Target::None);
        }
        crate::duration::parse_duration(&s)
            .map(|d| Target::Within(Dur(d)))
            .map_err(|e| serde::de::Error::custom(format!("{e}, or \"none\"")))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityConfig {
    /// Labels whose value may be `P0`..`P4` (any case), first found wins.
    pub labels: Vec<String>,
    /// Other values of those labels mapped to a level (`critical = "P1"`).
    pub map: BTreeMap<String, Severity>,
    pub default: Severity,
    /// Response targets: P0 acknowledge within; P1-P3 resolve within (days count business days).
    pub targets: BTreeMap<Severity, Target>,
}

impl Default for SeverityConfig {
    fn default() -> Self {
        let map = [
            ("critical", Severity::P1),
            ("error", Severity::P2),
            ("warning", Severity::P3),
            ("info", Severity::P4),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        SeverityConfig {
            labels: vec!["priority".into(), "severity".into()],
            map,
            default: Severity::P3,
            targets: default_targets(),
        }
    }
}

pub fn default_targets() -> BTreeMap<Severity, Target> {
    [
        (Severity::P0, Target::Within(Dur::secs(300))),
        (Severity::P1, Target::Within(Dur::secs(3600))),
        (Severity::P2, Target::Within(Dur::secs(4 * 3600))),
        (Severity::P3, Target::Within(Dur::secs(86_400))),
        (Severity::P4, Target::None),
    ]
    .into_iter()
    .collect()
}

impl SeverityConfig {
    /// The target of a level (the default matrix for levels the config leaves out).
    pub fn target(&self, s: Severity) -> Target {
        self.targets
            .get(&s)
            .copied()
            .or_else(|| default_targets().get(&s).copied())
            .unwrap_or(Target::None)
    }
}

/// A local incident rule on a Prometheus query, edge-triggered with hysteresis.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    pub source: String,
    pub query: String,
    /// Fires when the value is >= `above` …
    pub above: Option<f64>,
    /// … or <= `below`.
    pub below: Option<f64>,
    /// How long the condition must hold before the rule fires (`"0s"` fires at once).
    #[serde(rename = "for", default)]
    pub for_: Dur,
    /// Where a firing rule clears; default 10 % of the threshold back from it.
    pub clear: Option<f64>,
    pub severity: Severity,
    /// `{{value}}` is replaced by the value, formatted in `unit`.
    pub summary: Option<String>,
    pub runbook: Option<String>,
    #[serde(default)]
    pub unit: Unit,
    /// Extra labels on the incident (for runbook matching, notifications).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Poll interval of this rule; default: its source's.
    pub refresh: Option<Dur>,
}
