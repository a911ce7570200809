//! Response deadlines from the severity matrix's targets.
//!
//! P0's target is "acknowledge within" (met once acknowledged); every other level's target is
//! "resolve within" (met once resolved). `Target::None` means no deadline.
//!
//! A target of whole days (`1d`, `2d`, `1d12h` for its day part) counts **business days**,
//! Monday to Friday, in the dashboard's time zone, keeping the local time of day: `1d` from
//! Friday 15:00 is Monday 15:00, across a DST change too. An incident that starts on a Saturday or
//! Sunday counts from the next Monday 00:00 local, so `1d` from Saturday 10:00 is Tuesday 00:00
//! (the end of Monday). A remainder below a day, and any target shorter than a day (`5m`, `1h`,
//! `4h`), is wall-clock time added after the business days. `1w` is seven days, so seven business
//! days; write `5d` for one working week. A local time that does not exist (a DST gap) moves
//! forward to the first time that does; an ambiguous one takes the earlier instant.

use super::{Incident, IncidentState, Severity};
use crate::config::{SeverityConfig, Target};
use crate::tz::Tz;
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDateTime, TimeZone, Utc, Weekday};

const DAY_SECS: u64 = 86_400;

/// What has to happen before the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    Acknowledge,
    Resolve,
}

impl DeadlineKind {
    /// The verb a table cell shows: "ack" or "resolve".
    pub fn verb(self) -> &'static str {
        match self {
            DeadlineKind::Acknowledge => "ack",
            DeadlineKind::Resolve => "resolve",
        }
    }
}

/// An incident's pending response deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub at: DateTime<Utc>,
}

/// The kind of target that applies to a level: P0 acknowledge, the others resolve.
pub fn kind_for(sev: Severity) -> DeadlineKind {
    if sev == Severity::P0 {
        DeadlineKind::Acknowledge
    } else {
        DeadlineKind::Resolve
    }
}

/// The pending deadline of an incident; `None` when its target is met (P0 acknowledged, or
/// resolved) or its level has no target.
pub fn deadline(inc: &Incident, cfg: &SeverityConfig, tz: Tz) -> Option<Deadline> {
    let kind = kind_for(inc.severity);
    let met = match kind {
        DeadlineKind::Acknowledge => {
            inc.state != IncidentState::Open || inc.acked_at.is_some() || inc.resolved_at.is_some()
        }
        DeadlineKind::Resolve => inc.state == IncidentState::Resolved || inc.resolved_at.is_some(),
    };
    if met {
        return None;
    }
    let at = due_at(inc.started_at, cfg.target(inc.severity), tz)?;
    Some(Deadline { kind, at })
}

/// When a target starting at `start` falls due; `None` for `Target::None`.
pub fn due_at(start: DateTime<Utc>, target: Target, tz: Tz) -> Option<DateTime<Utc>> {
    let Target::Within(dur) = target else {
        return None;
    };
    let secs = dur.0.as_secs();
    let days = secs / DAY_SECS;
    let rest = Duration::from_std(
        dur.0
            .saturating_sub(std::time::Duration::from_secs(days * DAY_SECS)),
    )
    .ok()?;
    let base = if days == 0 {
        start
    } else {
        add_business_days(start, days, tz)?
    };
    base.checked_add_signed(rest)
}

/// `start` plus `days` business days in `tz`, keeping the local time of day; a weekend start
/// counts from the next Monday 00:00 local.
pub fn add_business_days(start: DateTime<Utc>, days: u64, tz: Tz) -> Option<DateTime<Utc>> {
    let mut local = start.with_timezone(&tz).naive_local();
    while is_weekend(local.weekday()) {
        local = local.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
    }
    // Whole working weeks are seven calendar days each; the rest is walked day by day.
    let weeks = i64::try_from(days / 5).ok()?;
    local = local.checked_add_signed(Duration::try_days(weeks.checked_mul(7)?)?)?;
    let mut left = days % 5;
    while left > 0 {
        local = local.checked_add_signed(Duration::days(1))?;
        if !is_weekend(local.weekday()) {
            left -= 1;
        }
    }
    resolve_local(local, tz)
}

fn is_weekend(d: Weekday) -> bool {
    matches!(d, Weekday::Sat | Weekday::Sun)
}

/// A local wall time as an instant: the earlier one when ambiguous; past a gap when it does not
/// exist.
fn resolve_local(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    let mut probe = local;
    for _ in 0..=(4 * 24) {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, _) => return Some(a.with_timezone(&Utc)),
            LocalResult::None => probe = probe.checked_add_signed(Duration::minutes(15))?,
        }
    }
    None
}

/// Time left before a deadline, or past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Countdown {
    Remaining(Duration),
    Overdue(Duration),
}

/// Where `now` stands against the deadline; at the deadline itself it is overdue by zero.
pub fn countdown(d: &Deadline, now: DateTime<Utc>) -> Countdown {
    if now < d.at {
        Countdown::Remaining(d.at - now)
    } else {
        Countdown::Overdue(now - d.at)
    }
}

/// A short table cell: "ack in 3m12s", "resolve in 47m", "resolve in 2d", "overdue 5m".
pub fn format_countdown(kind: DeadlineKind, c: &Countdown) -> String {
    match c {
        Countdown::Remaining(d) => format!("{} in {}", kind.verb(), short(*d)),
        Countdown::Overdue(d) => format!("overdue {}", short(*d)),
    }
}

/// [`countdown`] and [`format_countdown`] in one call.
pub fn describe(d: &Deadline, now: DateTime<Utc>) -> String {
    format_countdown(d.kind, &countdown(d, now))
}

/// Compact span: seconds kept below ten minutes, minutes below an hour, then hours and minutes,
/// then days and hours.
pub fn short(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (m, h, days) = (s / 60, s / 3600, s / DAY_SECS as i64);
    match s {
        0..=59 => format!("{s}s"),
        60..=599 if s % 60 != 0 => format!("{m}m{:02}s", s % 60),
        60..=3599 => format!("{m}m"),
        3600..=86_399 if m % 60 == 0 => format!("{h}h"),
        3600..=86_399 => format!("{h}h{:02}m", m % 60),
        _ if h % 24 == 0 => format!("{days}d"),
        _ => format!("{days}d{:02}h", h % 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::Dur;

    static MADRID: std::sync::LazyLock<Tz> =
        std::sync::LazyLock::new(|| "Europe/Madrid".parse().expect("Europe/Madrid"));

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid test time")
            .with_timezone(&Utc)
    }

    fn incident(sev: Severity, start: &str) -> Incident {
        Incident::open("am:1", "AppDown", sev, "am", at(start))
    }

    fn days(n: u64) -> Target {
        Target::Within(Dur::secs(n * DAY_SECS))
    }

    #[test]
    fn p0_is_acknowledge_within_five_minutes() {
        let cfg = SeverityConfig::default();
        let inc = incident(Severity::P0, "2026-01-20T12:05:00Z");
        let d = deadline(&inc, &cfg, *MADRID).expect("open P0 has a deadline");
        assert_eq!(d.kind, DeadlineKind::Acknowledge);
        assert_eq!(d.at, at("2026-01-20T12:10:00Z"));
    }

    #[test]
    fn p0_acked_or_resolved_has_none() {
        let cfg = SeverityConfig::default();
        let mut inc = incident(Severity::P0, "2026-01-20T12:05:00Z");
        inc.state = IncidentState::Acknowledged;
        inc.acked_at = Some(at("2026-01-20T12:06:00Z"));
        assert_eq!(deadline(&inc, &cfg, *MADRID), None);
        let mut inc = incident(Severity::P0, "2026-01-20T12:05:00Z");
        inc.state = IncidentState::Resolved;
        assert_eq!(deadline(&inc, &cfg, *MADRID), None);
    }

    #[test]
    fn p1_acked_still_has_resolve_deadline_until_resolved() {
        let cfg = SeverityConfig::default();
        let mut inc = incident(Severity::P1, "2026-01-20T12:00:00Z");
        inc.state = IncidentState::Acknowledged;
        let d = deadline(&inc, &cfg, *MADRID).expect("P1 resolve deadline");
        assert_eq!(d.kind, DeadlineKind::Resolve);
        assert_eq!(d.at, at("2026-01-20T13:00:00Z"));
        inc.state = IncidentState::Resolved;
        assert_eq!(deadline(&inc, &cfg, *MADRID), None);
    }

    #[test]
    fn p4_and_none_targets_have_no_deadline() {
        let mut cfg = SeverityConfig::default();
        assert_eq!(
            deadline(
                &incident(Severity::P4, "2026-01-20T12:00:00Z"),
                &cfg,
                *MADRID
            ),
            None
        );
        cfg.targets.insert(Severity::P2, Target::None);
        assert_eq!(
            deadline(
                &incident(Severity::P2, "2026-01-20T12:00:00Z"),
                &cfg,
                *MADRID
            ),
            None
        );
    }

    #[test]
    fn one_business_day_skips_the_weekend() {
        // Friday 2026-01-23 15:00 CET → Monday 15:00 CET.
        let due = due_at(at("2026-01-23T14:00:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-01-26T14:00:00Z")));
        // Wednesday → Thursday.
        let due = due_at(at("2026-01-21T09:00:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-01-22T09:00:00Z")));
        // Thursday + 3 business days → Tuesday.
        let due = due_at(at("2026-01-22T09:00:00Z"), days(3), *MADRID);
        assert_eq!(due, Some(at("2026-01-27T09:00:00Z")));
    }

    #[test]
    fn weekend_start_counts_from_monday_midnight() {
        // Saturday 2026-01-24 10:00 CET → Tuesday 00:00 CET.
        let due = due_at(at("2026-01-24T09:00:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-01-26T23:00:00Z")));
        // Sunday late evening → the same.
        let due = due_at(at("2026-01-25T22:30:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-01-26T23:00:00Z")));
        // 23:30Z Sunday is already Monday 00:30 local: a weekday start.
        let due = due_at(at("2026-01-25T23:30:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-01-26T23:30:00Z")));
    }

    #[test]
    fn business_days_keep_local_time_across_dst() {
        // Spring forward on Sunday 2026-03-29: Friday 15:00 CET → Monday 15:00 CEST.
        let due = due_at(at("2026-03-27T14:00:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-03-30T13:00:00Z")));
        // Fall back on Sunday 2026-10-25: Friday 15:00 CEST → Monday 15:00 CET.
        let due = due_at(at("2026-10-23T13:00:00Z"), days(1), *MADRID);
        assert_eq!(due, Some(at("2026-10-26T14:00:00Z")));
    }

    #[test]
    fn sub_day_targets_are_wall_clock_across_dst() {
        // Saturday 2026-03-28 23:00 CET + 4h of real time = 04:00 CEST.
        let four_h = Target::Within(Dur::secs(4 * 3600));
        let due = due_at(at("2026-03-28T22:00:00Z"), four_h, *MADRID);
        assert_eq!(due, Some(at("2026-03-29T02:00:00Z")));
        // The P2 target runs over a weekend in wall-clock time.
        let due = due_at(at("2026-01-24T12:00:00Z"), four_h, *MADRID);
        assert_eq!(due, Some(at("2026-01-24T16:00:00Z")));
    }

    #[test]
    fn whole_working_weeks_and_huge_targets() {
        // Wednesday + 5 business days → next Wednesday; + 7 → the Friday after.
        let wed = at("2026-01-21T09:00:00Z");
        assert_eq!(
            due_at(wed, days(5), *MADRID),
            Some(at("2026-01-28T09:00:00Z"))
        );
        assert_eq!(
            due_at(wed, days(7), *MADRID),
            Some(at("2026-01-30T09:00:00Z"))
        );
        assert_eq!(
            due_at(wed, days(10), *MADRID),
            Some(at("2026-02-04T09:00:00Z"))
        );
        assert_eq!(add_business_days(wed, u64::MAX, *MADRID), None);
    }

    #[test]
    fn mixed_target_adds_remainder_after_business_days() {
        let t = Target::Within(Dur::secs(DAY_SECS + 2 * 3600));
        let due = due_at(at("2026-01-23T14:00:00Z"), t, *MADRID);
        assert_eq!(due, Some(at("2026-01-26T16:00:00Z")));
    }

    #[test]
    fn nonexistent_local_time_moves_past_the_gap() {
        let naive = chrono::NaiveDate::from_ymd_opt(2026, 3, 29)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("valid");
        assert_eq!(
            resolve_local(naive, *MADRID),
            Some(at("2026-03-29T01:00:00Z"))
        );
        let naive = chrono::NaiveDate::from_ymd_opt(2026, 10, 25)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("valid");
        assert_eq!(
            resolve_local(naive, *MADRID),
            Some(at("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn countdown_and_format() {
        let d = Deadline {
            kind: DeadlineKind::Acknowledge,
            at: at("2026-01-20T12:10:00Z"),
        };
        let c = countdown(&d, at("2026-01-20T12:06:48Z"));
        assert_eq!(c, Countdown::Remaining(Duration::seconds(192)));
        assert_eq!(format_countdown(d.kind, &c), "ack in 3m12s");
        assert_eq!(describe(&d, at("2026-01-20T12:15:00Z")), "overdue 5m");
        assert_eq!(describe(&d, at("2026-01-20T12:10:00Z")), "overdue 0s");
        let r = Deadline {
            kind: DeadlineKind::Resolve,
            at: at("2026-01-22T12:00:00Z"),
        };
        assert_eq!(describe(&r, at("2026-01-22T11:13:00Z")), "resolve in 47m");
        assert_eq!(describe(&r, at("2026-01-20T12:00:00Z")), "resolve in 2d");
        assert_eq!(describe(&r, at("2026-01-20T08:00:00Z")), "resolve in 2d04h");
        assert_eq!(describe(&r, at("2026-01-22T09:55:00Z")), "resolve in 2h05m");
    }
}
