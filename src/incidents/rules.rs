//! Local incident rules: an edge-triggered state machine with hysteresis.
//!
//! A rule is breached when its value is `>= above`, or `<= below` (either, when both are set).
//! `Inactive` → `Pending` on the first breaching observation; `Pending` → `Firing` once the breach
//! has held for `for` (with `for = "0s"` the first breaching observation fires at once); `Pending`
//! → `Inactive` when the breach stops first. A firing rule stays firing until its value is past the
//! clear level (see [`clear_level`]): that one observation resolves it. So a value hovering around
//! the threshold neither flaps nor re-notifies; each firing episode yields exactly one
//! [`RuleEvent::Fired`] and one [`RuleEvent::Resolved`].
//!
//! NaN means "no data": it never breaches, and it counts as past the clear level, so a firing rule
//! whose query stops returning data resolves (as Prometheus does when the series disappears).

use crate::config::RuleConfig;
use chrono::{DateTime, Duration, Utc};

/// Where a rule stands. `since` is when the current breach began, in both phases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    Inactive,
    Pending { since: DateTime<Utc> },
    Firing { since: DateTime<Utc> },
}

/// A rule's state between evaluations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleState {
    pub phase: Phase,
    /// The last value observed (NaN before the first).
    pub last_value: f64,
}

/// An edge of a firing episode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleEvent {
    /// The rule started firing at `at`; its breach began at `since`.
    Fired {
        at: DateTime<Utc>,
        since: DateTime<Utc>,
        value: f64,
    },
    /// The value went past the clear level (or there was no data) at `at`.
    Resolved { at: DateTime<Utc>, value: f64 },
}

impl Default for RuleState {
    fn default() -> Self {
        Self::new()
    }
}

impl RuleState {
    pub fn new() -> Self {
        RuleState {
            phase: Phase::Inactive,
            last_value: f64::NAN,
        }
    }

    pub fn is_firing(&self) -> bool {
        matches!(self.phase, Phase::Firing { .. })
    }

    /// Feeds one evaluation of the rule; returns the edge it causes, if any.
    pub fn observe(
        &mut self,
        rule: &RuleConfig,
        value: f64,
        now: DateTime<Utc>,
    ) -> Option<RuleEvent> {
        self.last_value = value;
        match self.phase {
            Phase::Inactive if breached(rule, value) => self.pend_or_fire(rule, value, now, now),
            Phase::Inactive => None,
            Phase::Pending { since } if breached(rule, value) => {
                self.pend_or_fire(rule, value, since, now)
            }
            Phase::Pending { .. } => {
                self.phase = Phase::Inactive;
                None
            }
            Phase::Firing { .. } if cleared(rule, value) => {
                self.phase = Phase::Inactive;
                Some(RuleEvent::Resolved { at: now, value })
            }
            Phase::Firing { .. } => None,
        }
    }

    fn pend_or_fire(
        &mut self,
        rule: &RuleConfig,
        value: f64,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<RuleEvent> {
        let hold = Duration::from_std(rule.for_.0).unwrap_or(Duration::MAX);
        if now.signed_duration_since(since) >= hold {
            self.phase = Phase::Firing { since };
            Some(RuleEvent::Fired {
                at: now,
                since,
                value,
            })
        } else {
            self.phase = Phase::Pending { since };
            None
        }
    }
}

/// True when the value breaches the rule: `>= above` or `<= below`. NaN never does.
pub fn breached(rule: &RuleConfig, value: f64) -> bool {
    if value.is_nan() {
        return false;
    }
    rule.above.is_some_and(|a| value >= a) || rule.below.is_some_and(|b| value <= b)
}

/// Default clear level for one side: 10 % of `|threshold|` back from it. A threshold of 0 has no
/// band, so it clears on crossing 0 (an `above = 0` rule clears below 0).
fn default_clear(threshold: f64, above: bool) -> f64 {
    let band = threshold.abs() * 0.1;
    if above {
        threshold - band
    } else {
        threshold + band
    }
}

/// Where a firing rule clears: `clear` when set, else 10 % of `|threshold|` back from the
/// threshold (above: `t - 0.1|t|`, below: `t + 0.1|t|`). A threshold of 0 clears at exactly 0:
/// `above = 0` clears once the value is below 0. `None` for a rule with no threshold.
///
/// With both `above` and `below`, each side clears at its own default band and `clear` is not
/// used (a single level cannot sit inside both bands); this returns the above side's level.
pub fn clear_level(rule: &RuleConfig) -> Option<f64> {
    match (rule.above, rule.below) {
        (Some(a), Some(_)) => Some(default_clear(a, true)),
        (Some(a), None) => Some(rule.clear.unwrap_or_else(|| default_clear(a, true))),
        (None, Some(b)) => Some(rule.clear.unwrap_or_else(|| default_clear(b, false))),
        (None, None) => rule.clear,
    }
}

/// True when a firing rule's value is past its clear level on every side it watches. NaN is.
fn cleared(rule: &RuleConfig, value: f64) -> bool {
    if value.is_nan() {
        return true;
    }
    let both = rule.above.is_some() && rule.below.is_some();
    let explicit = if both { None } else { rule.clear };
    let above_ok = rule
        .above
        .is_none_or(|a| value < explicit.unwrap_or_else(|| default_clear(a, true)));
    let below_ok = rule
        .below
        .is_none_or(|b| value > explicit.unwrap_or_else(|| default_clear(b, false)));
    above_ok && below_ok
}

/// The incident summary for a rule at a value: its `summary` with `{{value}}` (also `{{ value }}`,
/// `{{$value}}`) replaced by the value in the rule's unit; by default
/// `"<name>: <value> is above <threshold>"` (or "below"). One line.
pub fn render_summary(rule: &RuleConfig, value: f64) -> String {
    let shown = crate::format::value(value, rule.unit, None);
    let text = match &rule.summary {
        Some(tpl) => ["{{value}}", "{{ value }}", "{{$value}}", "{{ $value }}"]
            .iter()
            .fold(tpl.clone(), |s, pat| s.replace(pat, &shown)),
        None => default_summary(rule, value, &shown),
    };
    crate::sanitize::line(&text)
}

fn default_summary(rule: &RuleConfig, value: f64, shown: &str) -> String {
    let fmt = |t: f64| crate::format::value(t, rule.unit, None);
    let below_side = rule.below.filter(|b| rule.above.is_none() || value <= *b);
    match (below_side, rule.above) {
        (Some(b), _) => format!("{}: {shown} is below {}", rule.name, fmt(b)),
        (None, Some(a)) => format!("{}: {shown} is above {}", rule.name, fmt(a)),
        (None, None) => format!("{}: {shown}", rule.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Unit;
    use crate::duration::Dur;
    use crate::incidents::Severity;
    use std::collections::BTreeMap;

    fn rule(above: Option<f64>, below: Option<f64>, for_secs: u64) -> RuleConfig {
        RuleConfig {
            name: "HighErrorRate".into(),
            source: "prom".into(),
            query: "q".into(),
            above,
            below,
            for_: Dur::secs(for_secs),
            clear: None,
            severity: Severity::P1,
            summary: None,
            runbook: None,
            unit: Unit::PercentUnit,
            labels: BTreeMap::new(),
            refresh: None,
        }
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + secs, 0).expect("valid")
    }

    #[test]
    fn pending_then_firing_then_resolved() {
        let r = rule(Some(0.01), None, 120);
        let mut s = RuleState::new();
        assert_eq!(s.observe(&r, 0.005, t(0)), None);
        assert_eq!(s.phase, Phase::Inactive);
        assert_eq!(s.observe(&r, 0.02, t(10)), None);
        assert_eq!(s.phase, Phase::Pending { since: t(10) });
        assert_eq!(s.observe(&r, 0.03, t(70)), None);
        let fired = s.observe(&r, 0.03, t(130));
        assert_eq!(
            fired,
            Some(RuleEvent::Fired {
                at: t(130),
                since: t(10),
                value: 0.03
            })
        );
        assert_eq!(s.phase, Phase::Firing { since: t(10) });
        assert_eq!(s.observe(&r, 0.04, t(140)), None);
        let resolved = s.observe(&r, 0.001, t(150));
        assert_eq!(
            resolved,
            Some(RuleEvent::Resolved {
                at: t(150),
                value: 0.001
            })
        );
        assert_eq!(s.phase, Phase::Inactive);
        assert_eq!(s.last_value, 0.001);
    }

    #[test]
    fn pending_drops_when_breach_stops_early() {
        let r = rule(Some(0.01), None, 120);
        let mut s = RuleState::new();
        assert_eq!(s.observe(&r, 0.02, t(0)), None);
        assert_eq!(s.observe(&r, 0.0099, t(60)), None);
        assert_eq!(s.phase, Phase::Inactive);
        // A new breach restarts the clock.
        assert_eq!(s.observe(&r, 0.02, t(100)), None);
        assert_eq!(s.observe(&r, 0.02, t(200)), None);
        assert!(matches!(
            s.observe(&r, 0.02, t(220)),
            Some(RuleEvent::Fired { .. })
        ));
    }

    #[test]
    fn hovering_at_threshold_does_not_flap_once_firing() {
        let r = rule(Some(0.01), None, 0);
        let mut s = RuleState::new();
        let mut events = Vec::new();
        for (i, v) in [0.0101, 0.0099, 0.0102, 0.0098, 0.0091, 0.0100]
            .into_iter()
            .enumerate()
        {
            events.extend(s.observe(&r, v, t(i as i64 * 10)));
        }
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(s.is_firing());
        // 0.009 is the default clear level: strictly below it resolves.
        let level = clear_level(&r).expect("level");
        assert!((level - 0.009).abs() < 1e-12, "{level}");
        assert_eq!(s.observe(&r, level, t(100)), None);
        assert!(matches!(
            s.observe(&r, 0.0089, t(110)),
            Some(RuleEvent::Resolved { .. })
        ));
        assert_eq!(s.observe(&r, 0.0089, t(120)), None);
    }

    #[test]
    fn for_zero_fires_on_first_breach() {
        let r = rule(Some(0.01), None, 0);
        let mut s = RuleState::new();
        assert_eq!(
            s.observe(&r, 0.01, t(0)),
            Some(RuleEvent::Fired {
                at: t(0),
                since: t(0),
                value: 0.01
            })
        );
        assert_eq!(s.observe(&r, 0.5, t(10)), None);
    }

    #[test]
    fn below_rules_mirror() {
        let mut r = rule(None, Some(0.99), 0);
        assert!((clear_level(&r).expect("level") - 1.089).abs() < 1e-12);
        r.clear = Some(0.995);
        assert_eq!(clear_level(&r), Some(0.995));
        let mut s = RuleState::new();
        assert_eq!(s.observe(&r, 0.999, t(0)), None);
        assert!(matches!(
            s.observe(&r, 0.99, t(10)),
            Some(RuleEvent::Fired { .. })
        ));
        assert_eq!(s.observe(&r, 0.993, t(20)), None);
        assert_eq!(s.observe(&r, 0.995, t(30)), None);
        assert!(matches!(
            s.observe(&r, 0.996, t(40)),
            Some(RuleEvent::Resolved { .. })
        ));
    }

    #[test]
    fn both_thresholds_fire_on_either_side() {
        let r = rule(Some(100.0), Some(10.0), 0);
        let mut s = RuleState::new();
        assert!(s.observe(&r, 5.0, t(0)).is_some());
        assert_eq!(s.observe(&r, 10.5, t(10)), None);
        assert!(matches!(
            s.observe(&r, 50.0, t(20)),
            Some(RuleEvent::Resolved { .. })
        ));
        assert!(s.observe(&r, 100.0, t(30)).is_some());
        assert_eq!(s.observe(&r, 95.0, t(40)), None);
        assert!(s.observe(&r, 89.0, t(50)).is_some());
    }

    #[test]
    fn nan_is_no_breach_and_resolves() {
        let r = rule(Some(0.01), None, 60);
        let mut s = RuleState::new();
        assert_eq!(s.observe(&r, f64::NAN, t(0)), None);
        assert_eq!(s.phase, Phase::Inactive);
        s.observe(&r, 0.02, t(10));
        assert_eq!(s.observe(&r, f64::NAN, t(20)), None);
        assert_eq!(s.phase, Phase::Inactive);
        s.observe(&r, 0.02, t(30));
        assert!(s.observe(&r, 0.02, t(90)).is_some());
        let ev = s.observe(&r, f64::NAN, t(100));
        assert!(matches!(ev, Some(RuleEvent::Resolved { value, .. }) if value.is_nan()));
        assert!(s.last_value.is_nan());
    }

    #[test]
    fn zero_threshold_clears_on_crossing_zero() {
        let r = rule(Some(0.0), None, 0);
        assert_eq!(clear_level(&r), Some(0.0));
        let mut s = RuleState::new();
        assert!(s.observe(&r, 0.0, t(0)).is_some());
        assert_eq!(s.observe(&r, 0.0, t(10)), None);
        assert!(s.observe(&r, -0.1, t(20)).is_some());
        let neg = rule(Some(-5.0), None, 0);
        assert_eq!(clear_level(&neg), Some(-5.5));
    }

    #[test]
    fn infinity_is_a_value() {
        let r = rule(Some(1.0), None, 0);
        let mut s = RuleState::new();
        assert!(s.observe(&r, f64::INFINITY, t(0)).is_some());
    }

    #[test]
    fn summaries() {
        let mut r = rule(Some(0.01), None, 0);
        assert_eq!(
            render_summary(&r, 0.0235),
            "HighErrorRate: 2.35% is above 1%"
        );
        r.summary = Some("Error rate {{value}} is above 1%".into());
        assert_eq!(render_summary(&r, 0.0235), "Error rate 2.35% is above 1%");
        r.summary = Some("now {{ $value }}\nsecond line".into());
        assert_eq!(render_summary(&r, 0.5), "now 50%⏎second line");
        let mut b = rule(None, Some(0.99), 0);
        b.name = "LowAvailability".into();
        assert_eq!(
            render_summary(&b, 0.95),
            "LowAvailability: 95% is below 99%"
        );
        assert_eq!(
            render_summary(&b, f64::NAN),
            "LowAvailability: no data is below 99%"
        );
    }
}
