//! The team's "incident response time" metric: per severity, how long acknowledging and resolving
//! took, from the journal.
//!
//! An incident (one id) starts at its first `detected` event; its severity is its latest
//! `detected` / `escalated` level; time to acknowledge runs to its first `acknowledged`, time to
//! resolve to its last `resolved` (counted only when no `detected` follows it, i.e. it is resolved
//! now). Incidents with no `detected` event are left out. The target that applies is P0's
//! "acknowledge within" and the others' "resolve within"; an incident meets it when the event
//! falls on or before the deadline (business days for day targets, see
//! [`super::deadline`]). A line is marked ✓ when the mean is within the goal, ✗ otherwise: for day targets
//! the goal is the mean time the incidents were allowed, so weekends do not count against it.

use super::Severity;
use super::deadline::{DeadlineKind, due_at, kind_for};
use super::journal::{Event, EventKind};
use crate::config::{SeverityConfig, Target};
use crate::tz::Tz;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Response numbers of one severity.
#[derive(Debug, Clone, PartialEq)]
pub struct SevStats {
    pub severity: Severity,
    pub incidents: usize,
    pub acked: usize,
    pub resolved: usize,
    pub mean_tta: Option<Duration>,
    pub mean_ttr: Option<Duration>,
    /// (met, measured) against the target that applies: P0 acknowledge, the others resolve.
    /// `None` when the level has no target.
    pub within_target: Option<(usize, usize)>,
    /// The target that applies, as configured (`1d` meaning one business day); `None` when the
    /// level has none.
    pub goal: Option<Duration>,
    /// Whether the mean time is within the goal: the mean of the measured times against the mean
    /// of the time each incident was allowed (the goal itself for targets below a day; longer
    /// over weekends for day targets). `None` with no goal or nothing measured.
    pub mean_within_goal: Option<bool>,
}

/// What the journal says of one incident.
#[derive(Default)]
struct Track {
    detected: Option<DateTime<Utc>>,
    severity: Option<Severity>,
    first_ack: Option<DateTime<Utc>>,
    last_resolve: Option<DateTime<Utc>>,
}

fn track(events: &[Event]) -> BTreeMap<&str, Track> {
    let mut out: BTreeMap<&str, Track> = BTreeMap::new();
    for ev in events {
        let t = out.entry(ev.incident.as_str()).or_default();
        match &ev.kind {
            EventKind::Detected { severity, .. } => {
                t.detected.get_or_insert(ev.ts);
                t.severity = Some(*severity);
                t.last_resolve = None;
            }
            EventKind::Escalated { to, .. } => t.severity = Some(*to),
            EventKind::Acknowledged { .. } => {
                t.first_ack.get_or_insert(ev.ts);
            }
            EventKind::Resolved { .. } => t.last_resolve = Some(ev.ts),
            _ => {}
        }
    }
    out
}

/// The fewest events of one incident that give the same figures as `events` (all of one
/// incident): its first detection at its latest severity (and the source of its latest), its
/// first acknowledgement and its last resolution (when nothing was detected after it). Text and
/// labels are dropped. Incidents no
/// longer on screen keep only this in memory; the journal on disk keeps everything.
pub fn compact(events: &[Event]) -> Vec<Event> {
    let tracks = track(events);
    let mut out = Vec::new();
    for (id, t) in tracks {
        let (Some(detected), Some(severity)) = (t.detected, t.severity) else {
            continue;
        };
        let at = |ts: DateTime<Utc>, kind: EventKind| Event {
            ts,
            incident: id.to_string(),
            kind,
        };
        let source = events
            .iter()
            .rev()
            .filter(|e| e.incident == id)
            .find_map(|e| match &e.kind {
                EventKind::Detected { source, .. } => Some(source.clone()),
                _ => None,
            })
            .unwrap_or_default();
        out.push(at(
            detected,
            EventKind::Detected {
                title: String::new(),
                severity,
                source,
                summary: String::new(),
                labels: BTreeMap::new(),
            },
        ));
        if let Some(ack) = t.first_ack {
            out.push(at(
                ack,
                EventKind::Acknowledged {
                    by: String::new(),
                    note: None,
                    silence_id: None,
                },
            ));
        }
        if let Some(resolved) = t.last_resolve {
            out.push(at(resolved, EventKind::Resolved { by: None }));
        }
    }
    out
}

/// One entry per severity, P0 to P4.
pub fn response_stats(events: &[Event], cfg: &SeverityConfig, tz: Tz) -> Vec<SevStats> {
    let tracks = track(events);
    Severity::ALL
        .into_iter()
        .map(|sev| {
            let mine: Vec<(DateTime<Utc>, &Track)> = tracks
                .values()
                .filter(|t| t.severity == Some(sev))
                .filter_map(|t| t.detected.map(|d| (d, t)))
                .collect();
            level_stats(sev, &mine, cfg.target(sev), tz)
        })
        .collect()
}

fn level_stats(
    sev: Severity,
    mine: &[(DateTime<Utc>, &Track)],
    target: Target,
    tz: Tz,
) -> SevStats {
    let span = |end: Option<DateTime<Utc>>, start: DateTime<Utc>| {
        end.map(|e| (e - start).max(Duration::zero()))
    };
    let ttas: Vec<Duration> = mine
        .iter()
        .filter_map(|(d, t)| span(t.first_ack, *d))
        .collect();
    let ttrs: Vec<Duration> = mine
        .iter()
        .filter_map(|(d, t)| span(t.last_resolve, *d))
        .collect();
    let kind = kind_for(sev);
    // (measured time, time allowed) of every incident whose target event happened.
    let measured: Vec<(Duration, Option<Duration>)> = mine
        .iter()
        .filter_map(|(d, t)| {
            let at = match kind {
                DeadlineKind::Acknowledge => t.first_ack,
                DeadlineKind::Resolve => t.last_resolve,
            }?;
            let allowed = due_at(*d, target, tz).map(|due| due - *d);
            Some(((at - *d).max(Duration::zero()), allowed))
        })
        .collect();
    let has_target = matches!(target, Target::Within(_));
    let within_target = has_target.then(|| {
        let met = measured
            .iter()
            .filter(|(took, allowed)| allowed.is_some_and(|a| *took <= a));
        (met.count(), measured.len())
    });
    let took: Vec<Duration> = measured.iter().map(|m| m.0).collect();
    let allowed: Vec<Duration> = measured.iter().filter_map(|m| m.1).collect();
    let mean_within_goal = match (mean(&took), mean(&allowed)) {
        (Some(t), Some(a)) if has_target => Some(t <= a),
        _ => None,
    };
    SevStats {
        severity: sev,
        incidents: mine.len(),
        acked: ttas.len(),
        resolved: ttrs.len(),
        mean_tta: mean(&ttas),
        mean_ttr: mean(&ttrs),
        within_target,
        mean_within_goal,
        goal: match target {
            Target::Within(d) => Duration::from_std(d.0).ok(),
            Target::None => None,
        },
    }
}

fn mean(ds: &[Duration]) -> Option<Duration> {
    let n = i64::try_from(ds.len()).ok().filter(|n| *n > 0)?;
    let total: i64 = ds.iter().map(Duration::num_seconds).sum();
    Some(Duration::seconds(total / n))
}

/// The mean that the level's target is about, and its verb.
fn headline(s: &SevStats) -> (Option<Duration>, &'static str) {
    match kind_for(s.severity) {
        DeadlineKind::Acknowledge => (s.mean_tta, "acknowledge"),
        DeadlineKind::Resolve => (s.mean_ttr, "resolve"),
    }
}

fn mark(s: &SevStats) -> &'static str {
    match s.mean_within_goal {
        Some(true) => " ✓",
        Some(false) => " ✗",
        None => "",
    }
}

fn short(d: Duration) -> String {
    super::deadline::short(d)
}

/// Plain text like the playbook's, one line per severity with incidents:
/// `P0: avg 4m to acknowledge ✓ (goal < 5m)  3 incidents`; "no incidents recorded" otherwise.
pub fn format_table(stats: &[SevStats]) -> String {
    let lines: Vec<String> = stats
        .iter()
        .filter(|s| s.incidents > 0)
        .map(|s| {
            let (mean, verb) = headline(s);
            let goal = s
                .goal
                .map_or_else(String::new, |g| format!(" (goal < {})", short(g)));
            let count = match s.incidents {
                1 => "1 incident".to_string(),
                n => format!("{n} incidents"),
            };
            let name = s.severity.name();
            match mean {
                Some(m) => format!(
                    "{name}: avg {} to {verb}{}{goal}  {count}",
                    short(m),
                    mark(s)
                ),
                None => format!("{name}: none {verb}d yet{goal}  {count}"),
            }
        })
        .collect();
    if lines.is_empty() {
        "no incidents recorded".to_string()
    } else {
        lines.join("\n")
    }
}

/// A one-liner for a panel footer: `TTA P0 4m ✓ · TTR P1 32m ✓ · P2 3h ✓`; empty when nothing
/// has been acknowledged or resolved yet.
pub fn footer_line(stats: &[SevStats]) -> String {
    let mut parts = Vec::new();
    let mut last_prefix = "";
    for s in stats.iter().filter(|s| s.incidents > 0) {
        let (Some(m), verb) = headline(s) else {
            continue;
        };
        let prefix = if verb == "acknowledge" { "TTA" } else { "TTR" };
        let lead = if prefix == last_prefix {
            String::new()
        } else {
            format!("{prefix} ")
        };
        last_prefix = prefix;
        parts.push(format!(
            "{lead}{} {}{}",
            s.severity.name(),
            short(m),
            mark(s)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    static MADRID: std::sync::LazyLock<Tz> =
        std::sync::LazyLock::new(|| "Europe/Madrid".parse().expect("Europe/Madrid"));

    /// Minutes after Tuesday 2026-01-20 09:00 UTC.
    fn t(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_768_899_600 + min * 60, 0).expect("valid")
    }

    fn ev(min: i64, id: &str, kind: EventKind) -> Event {
        Event {
            ts: t(min),
            incident: id.into(),
            kind,
        }
    }

    fn det(min: i64, id: &str, severity: Severity) -> Event {
        let kind = EventKind::Detected {
            title: id.into(),
            severity,
            source: "am".into(),
            summary: String::new(),
            labels: BTreeMap::new(),
        };
        ev(min, id, kind)
    }

    fn ack(min: i64, id: &str) -> Event {
        ev(
            min,
            id,
            EventKind::Acknowledged {
                by: "alice".into(),
                note: None,
                silence_id: None,
            },
        )
    }

    fn res(min: i64, id: &str) -> Event {
        ev(min, id, EventKind::Resolved { by: None })
    }

    fn sample() -> Vec<Event> {
        vec![
            // P0s: acked after 3, 4 and 8 minutes (the last over target).
            det(0, "a", Severity::P0),
            ack(3, "a"),
            ack(10, "a"),
            res(20, "a"),
            det(100, "b", Severity::P0),
            ack(104, "b"),
            res(150, "b"),
            det(200, "c", Severity::P0),
            ack(208, "c"),
            // P1s: resolved after 30 and 34 minutes; one escalated from P2.
            det(300, "d", Severity::P1),
            res(310, "d"),
            res(330, "d"),
            det(400, "e", Severity::P2),
            ev(
                401,
                "e",
                EventKind::Escalated {
                    from: Severity::P2,
                    to: Severity::P1,
                },
            ),
            ack(402, "e"),
            res(434, "e"),
            // P2 open; P4 resolved; an event for an incident never detected.
            det(500, "f", Severity::P2),
            det(600, "g", Severity::P4),
            res(900, "g"),
            res(700, "ghost"),
        ]
    }

    #[test]
    fn per_severity_numbers() {
        let stats = response_stats(&sample(), &SeverityConfig::default(), *MADRID);
        assert_eq!(stats.len(), 5);
        let p0 = &stats[0];
        assert_eq!((p0.incidents, p0.acked, p0.resolved), (3, 3, 2));
        assert_eq!(p0.mean_tta, Some(Duration::seconds(300)));
        assert_eq!(p0.mean_ttr, Some(Duration::minutes(35)));
        assert_eq!(p0.within_target, Some((2, 3)));
        let p1 = &stats[1];
        assert_eq!((p1.incidents, p1.acked, p1.resolved), (2, 1, 2));
        assert_eq!(p1.mean_ttr, Some(Duration::minutes(32)));
        assert_eq!(p1.within_target, Some((2, 2)));
        let p2 = &stats[2];
        assert_eq!((p2.incidents, p2.resolved, p2.mean_ttr), (1, 0, None));
        assert_eq!(p2.within_target, Some((0, 0)));
        assert_eq!(stats[3].incidents, 0);
        assert_eq!(stats[4].within_target, None);
        assert_eq!(stats[4].mean_ttr, Some(Duration::minutes(300)));
    }

    #[test]
    fn compacted_timelines_give_the_same_figures() {
        let mut all = sample();
        all.extend([
            det(0, "x", Severity::P2),
            res(300, "x"),
            det(400, "x", Severity::P2),
        ]);
        let mut compacted: Vec<Event> = Vec::new();
        let ids: std::collections::BTreeSet<String> =
            all.iter().map(|e| e.incident.clone()).collect();
        for id in ids {
            let mine: Vec<Event> = all.iter().filter(|e| e.incident == id).cloned().collect();
            let small = compact(&mine);
            assert!(
                small.len() <= 3 && small.len() <= mine.len(),
                "{id}: {small:?}"
            );
            compacted.extend(small);
        }
        compacted.sort_by_key(|e| e.ts);
        let cfg = SeverityConfig::default();
        assert_eq!(
            response_stats(&compacted, &cfg, *MADRID),
            response_stats(&all, &cfg, *MADRID)
        );
        // Compacting twice changes nothing.
        assert_eq!(compact(&compact(&all)), compact(&all));
    }

    #[test]
    fn table_and_footer() {
        let stats = response_stats(&sample(), &SeverityConfig::default(), *MADRID);
        assert_eq!(
            format_table(&stats),
            "P0: avg 5m to acknowledge ✓ (goal < 5m)  3 incidents\n\
             P1: avg 32m to resolve ✓ (goal < 1h)  2 incidents\n\
             P2: none resolved yet (goal < 4h)  1 incident\n\
             P4: avg 5h to resolve  1 incident"
        );
        assert_eq!(footer_line(&stats), "TTA P0 5m ✓ · TTR P1 32m ✓ · P4 5h");
        assert_eq!(
            format_table(&response_stats(&[], &SeverityConfig::default(), *MADRID)),
            "no incidents recorded"
        );
        assert_eq!(footer_line(&[]), "");
    }

    #[test]
    fn slow_means_are_marked_and_redetection_reopens() {
        let events = vec![
            det(0, "x", Severity::P2),
            res(300, "x"),
            det(400, "x", Severity::P2),
            det(0, "y", Severity::P0),
            ack(12, "y"),
        ];
        let stats = response_stats(&events, &SeverityConfig::default(), *MADRID);
        assert_eq!(stats[2].resolved, 0, "detected again after its resolve");
        assert_eq!(
            format_table(&stats[..1]),
            "P0: avg 12m to acknowledge ✗ (goal < 5m)  1 incident"
        );
        assert_eq!(footer_line(&stats), "TTA P0 12m ✗");
    }

    #[test]
    fn business_day_targets_skip_weekends() {
        // Friday 2026-01-23 15:00 CET, resolved Monday 14:00 CET: within one business day.
        let fri = 3 * 24 * 60 + 5 * 60;
        let events = vec![det(fri, "p3", Severity::P3), res(fri + 71 * 60, "p3")];
        let stats = response_stats(&events, &SeverityConfig::default(), *MADRID);
        assert_eq!(stats[3].within_target, Some((1, 1)));
        assert_eq!(footer_line(&stats), "TTR P3 2d23h ✓");
    }
}
