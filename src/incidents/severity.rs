//! An alert's severity from its labels, per the team's incident matrix.
//!
//! For each label named in `severity.labels`, in order: a value `P0`..`P4` (any case, trimmed) is the
//! level; otherwise `severity.map` of the value (matched case-insensitively) is. The first label that
//! yields a level wins; an unknown value falls through to the next label, and then to
//! `severity.default`.

use super::Severity;
use crate::config::SeverityConfig;
use std::collections::BTreeMap;

/// The level of an alert with these labels.
pub fn from_labels(labels: &BTreeMap<String, String>, cfg: &SeverityConfig) -> Severity {
    cfg.labels
        .iter()
        .filter_map(|name| labels.get(name))
        .find_map(|value| level_of(value, cfg))
        .unwrap_or(cfg.default)
}

/// The level one label value names, directly or through `severity.map`.
fn level_of(value: &str, cfg: &SeverityConfig) -> Option<Severity> {
    let v = value.trim();
    if let Some(s) = Severity::parse(v) {
        return Some(s);
    }
    if let Some(s) = cfg.map.get(v) {
        return Some(*s);
    }
    cfg.map
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(v))
        .map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn direct_level_any_case_trimmed() {
        let cfg = SeverityConfig::default();
        assert_eq!(
            from_labels(&labels(&[("priority", "P0")]), &cfg),
            Severity::P0
        );
        assert_eq!(
            from_labels(&labels(&[("priority", " p2 ")]), &cfg),
            Severity::P2
        );
        assert_eq!(
            from_labels(&labels(&[("severity", "p4")]), &cfg),
            Severity::P4
        );
    }

    #[test]
    fn mapped_values_case_insensitive() {
        let cfg = SeverityConfig::default();
        assert_eq!(
            from_labels(&labels(&[("severity", "critical")]), &cfg),
            Severity::P1
        );
        assert_eq!(
            from_labels(&labels(&[("severity", "ERROR")]), &cfg),
            Severity::P2
        );
        assert_eq!(
            from_labels(&labels(&[("severity", "Warning")]), &cfg),
            Severity::P3
        );
        assert_eq!(
            from_labels(&labels(&[("severity", "info")]), &cfg),
            Severity::P4
        );
    }

    #[test]
    fn label_order_decides() {
        let cfg = SeverityConfig::default();
        let l = labels(&[("priority", "P0"), ("severity", "info")]);
        assert_eq!(from_labels(&l, &cfg), Severity::P0);
        let mut rev = cfg.clone();
        rev.labels = vec!["severity".into(), "priority".into()];
        assert_eq!(from_labels(&l, &rev), Severity::P4);
    }

    #[test]
    fn unknown_values_fall_through() {
        let cfg = SeverityConfig::default();
        let l = labels(&[("priority", "urgent"), ("severity", "critical")]);
        assert_eq!(from_labels(&l, &cfg), Severity::P1);
        let l = labels(&[("priority", "urgent"), ("severity", "meh")]);
        assert_eq!(from_labels(&l, &cfg), Severity::P3);
        assert_eq!(from_labels(&BTreeMap::new(), &cfg), Severity::P3);
    }

    #[test]
    fn labels_not_listed_are_ignored_and_default_is_configurable() {
        let cfg = SeverityConfig {
            default: Severity::P2,
            ..SeverityConfig::default()
        };
        let l = labels(&[("level", "P0"), ("team", "critical")]);
        assert_eq!(from_labels(&l, &cfg), Severity::P2);
    }

    #[test]
    fn custom_map_keys_match_any_case() {
        let mut cfg = SeverityConfig::default();
        cfg.map.insert("Page".into(), Severity::P0);
        assert_eq!(
            from_labels(&labels(&[("severity", "page")]), &cfg),
            Severity::P0
        );
        assert_eq!(
            from_labels(&labels(&[("severity", "PAGE")]), &cfg),
            Severity::P0
        );
    }
}
