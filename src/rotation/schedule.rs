//! Handoff maths: when shift `k` starts, and which shift an instant falls in.
//!
//! Handoffs are wall-clock times in the rotation's zone, so a weekly rotation hands off at 09:00
//! local on both sides of a DST change (that shift lasts 167 or 169 real hours). A handoff time
//! that does not exist (a spring-forward gap) moves to the first valid minute after it; one that
//! exists twice (the autumn fold) takes the earlier instant.

use super::RotationConfig;
use crate::tz::Tz;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};

const DAY_SECS: u64 = 86_400;

/// The anchor used when `start` is not set: a Monday, so weekly rotations count from a fixed week.
pub const DEFAULT_START: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 5) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A parsed `handoff` value: an optional weekday and a wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    pub weekday: Option<Weekday>,
    pub time: NaiveTime,
}

/// Parses `"mon 09:00"`, `"Monday 9:00"` or `"09:00"`.
pub fn parse_handoff(text: &str) -> Result<Handoff, String> {
    let bad = || format!("`{text}` is not a weekday and time like \"mon 09:00\"");
    let words: Vec<&str> = text.split_whitespace().collect();
    let (day, time) = match words.as_slice() {
        [time] => (None, *time),
        [day, time] => (Some(*day), *time),
        _ => return Err(bad()),
    };
    let weekday = match day {
        Some(d) => Some(d.parse::<Weekday>().map_err(|_| bad())?),
        None => None,
    };
    let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| bad())?;
    Ok(Handoff { weekday, time })
}

/// Rotation length in whole days, or an error naming the value.
pub fn rotation_days(secs: u64, shown: &str) -> Result<i64, String> {
    if secs == 0 || secs % DAY_SECS != 0 {
        return Err(format!(
            "`{shown}` is not a whole number of days; write it like \"1d\", \"1w\" or \"2w\""
        ));
    }
    i64::try_from(secs / DAY_SECS).map_err(|_| format!("`{shown}` is too long"))
}

/// The resolved schedule: shift `k` starts at [`Plan::handoff`]`(k)`.
#[derive(Debug, Clone)]
pub struct Plan {
    days: i64,
    first: NaiveDate,
    time: NaiveTime,
    tz: Tz,
}

impl Plan {
    /// The schedule of a config. Invalid values (which [`super::validate`] reports) fall back to
    /// the defaults: one week, Monday 09:00.
    pub fn new(cfg: &RotationConfig, tz: Tz) -> Plan {
        let secs = cfg.rotation.map_or(7 * DAY_SECS, |d| d.0.as_secs());
        let days = rotation_days(secs, "").unwrap_or(7);
        let handoff = cfg
            .handoff
            .as_deref()
            .and_then(|h| parse_handoff(h).ok())
            .unwrap_or_else(|| default_handoff(days));
        let start = cfg.start.unwrap_or(DEFAULT_START);
        let first = match handoff.weekday {
            Some(wd) => {
                let ahead = i64::from(wd.num_days_from_monday())
                    - i64::from(start.weekday().num_days_from_monday());
                add_days(start, ahead.rem_euclid(7)).unwrap_or(start)
            }
            None => start,
        };
        Plan {
            days,
            first,
            time: handoff.time,
            tz,
        }
    }

    /// The instant shift `k` starts (`k` may be negative: shifts before the first handoff).
    pub fn handoff(&self, k: i64) -> DateTime<Utc> {
        let date = k
            .checked_mul(self.days)
            .and_then(|d| add_days(self.first, d));
        match date {
            Some(date) => resolve(self.tz, date, self.time),
            None if k < 0 => DateTime::<Utc>::MIN_UTC,
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// The shift that `t` falls in: `handoff(k) <= t < handoff(k + 1)`.
    pub fn shift_at(&self, t: DateTime<Utc>) -> i64 {
        let local = t.with_timezone(&self.tz).date_naive();
        let mut k = (local - self.first).num_days().div_euclid(self.days);
        // The estimate from the local date is off by at most one shift; the bound only matters
        // at the very ends of the calendar, where handoffs saturate.
        for _ in 0..4 {
            if self.handoff(k) > t {
                k -= 1;
            } else if self.handoff(k + 1) <= t {
                k += 1;
            } else {
                break;
            }
        }
        k
    }
}

/// `"mon 09:00"` for rotations of whole weeks, `"09:00"` otherwise.
fn default_handoff(days: i64) -> Handoff {
    Handoff {
        weekday: (days % 7 == 0).then_some(Weekday::Mon),
        time: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
    }
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::try_days(days)?)
}

/// The instant a local wall-clock time happens: the earlier one when it happens twice, the
/// first valid minute after it when the clocks skip it.
pub fn resolve(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    for minutes in 0..=24 * 60 {
        let Some(candidate) = local.checked_add_signed(TimeDelta::minutes(minutes)) else {
            break;
        };
        if let Some(t) = tz.from_local_datetime(&candidate).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    // No zone has a gap longer than a day; treat the wall time as UTC if one ever did.
    local.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn madrid() -> crate::tz::Tz {
        "Europe/Madrid".parse().expect("Europe/Madrid")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    #[test]
    fn parses_handoffs() {
        let mon9 = Handoff {
            weekday: Some(Weekday::Mon),
            time: hm(9, 0),
        };
        assert_eq!(parse_handoff("mon 09:00"), Ok(mon9));
        assert_eq!(parse_handoff("  Monday   9:00 "), Ok(mon9));
        assert_eq!(
            parse_handoff("18:30"),
            Ok(Handoff {
                weekday: None,
                time: hm(18, 30)
            })
        );
        for bad in ["", "funday 9", "mon", "mon 25:00", "mon 09:00 cet", "9am"] {
            let err = parse_handoff(bad).expect_err(bad);
            assert!(err.contains("\"mon 09:00\""), "{bad}: {err}");
        }
    }

    #[test]
    fn rotation_must_be_whole_days() {
        assert_eq!(rotation_days(86_400, "1d"), Ok(1));
        assert_eq!(rotation_days(14 * 86_400, "2w"), Ok(14));
        assert!(rotation_days(43_200, "12h").is_err());
        assert!(rotation_days(0, "0").is_err());
    }

    #[test]
    fn a_skipped_time_moves_to_the_end_of_the_gap() {
        // madrid() springs forward at 02:00 on 2026-03-29: 02:30 does not exist.
        let t = resolve(madrid(), date(2026, 3, 29), hm(2, 30));
        assert_eq!(t.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        assert_eq!(
            t.with_timezone(&madrid()).format("%H:%M").to_string(),
            "03:00"
        );
    }

    #[test]
    fn a_repeated_time_takes_the_earlier_instant() {
        // madrid() falls back at 03:00 on 2026-10-25: 02:30 happens in CEST, then in CET.
        let t = resolve(madrid(), date(2026, 10, 25), hm(2, 30));
        assert_eq!(t.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn first_handoff_is_on_or_after_start() {
        let cfg = RotationConfig {
            start: Some(date(2026, 1, 7)),
            handoff: Some("mon 09:00".into()),
            ..RotationConfig::default()
        };
        let plan = Plan::new(&cfg, crate::tz::Tz::utc());
        assert_eq!(plan.handoff(0).to_rfc3339(), "2026-01-12T09:00:00+00:00");
        assert_eq!(plan.handoff(-1).to_rfc3339(), "2026-01-05T09:00:00+00:00");
        let at = plan.handoff(3);
        assert_eq!(plan.shift_at(at), 3);
        assert_eq!(plan.shift_at(at - TimeDelta::seconds(1)), 2);
    }
}
