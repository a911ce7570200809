//! Named time zones for chrono, from the system's time zone database (`/usr/share/zoneinfo`, or
//! `TZDIR`), with a compact copy built in for machines without one.
//!
//! A compiled-in table of every zone's transitions (as `chrono-tz` has) is tens of thousands of
//! pointers that the loader relocates at start: about 2 MB of resident memory for a dashboard
//! that shows one or two zones. Here a zone is read once, when the config names it, and kept
//! for the life of the process: [`Tz`] is a `Copy` handle to it.

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{LazyLock, Mutex};

/// A zone as read from the database.
struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

/// A named time zone. Each name is read from the database once and kept for the life of the
/// process (the config names a handful).
#[derive(Clone, Copy)]
pub struct Tz(&'static Zone);

static UTC_ZONE: LazyLock<Zone> = LazyLock::new(|| Zone {
    name: "UTC".into(),
    tz: jiff::tz::TimeZone::UTC,
});

static LOCAL_ZONE: LazyLock<Zone> = LazyLock::new(|| {
    let tz = jiff::tz::TimeZone::system();
    Zone {
        name: tz.iana_name().unwrap_or("local").to_string(),
        tz,
    }
});

static ZONES: LazyLock<Mutex<HashMap<String, &'static Zone>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

impl Tz {
    /// UTC.
    pub fn utc() -> Tz {
        Tz(&UTC_ZONE)
    }

    /// The system's zone: the one `TZ` names, else `/etc/localtime`'s; UTC when neither says.
    pub fn local() -> Tz {
        Tz(&LOCAL_ZONE)
    }

    /// The zone of a `timezone` setting: the system's for `"local"`, else the one named (UTC
    /// for an unknown name, which the config check refuses before it gets here).
    pub fn configured(setting: &str) -> Tz {
        if setting == "local" {
            Tz::local()
        } else {
            setting.parse().unwrap_or(Tz::utc())
        }
    }

    /// The zone called `name` (an IANA name such as `Europe/Madrid`, or `UTC`).
    pub fn named(name: &str) -> Result<Tz, String> {
        if name == "UTC" {
            return Ok(Tz::utc());
        }
        let mut zones = ZONES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(z) = zones.get(name) {
            return Ok(Tz(z));
        }
        let tz = jiff::tz::TimeZone::get(name)
            .map_err(|_| format!("unknown time zone `{name}` (an IANA name like Europe/Madrid)"))?;
        let zone: &'static Zone = Box::leak(Box::new(Zone {
            name: name.to_string(),
            tz,
        }));
        zones.insert(name.to_string(), zone);
        Ok(Tz(zone))
    }

    /// The zone's name as configured.
    pub fn name(&self) -> &'static str {
        &self.0.name
    }

    /// The offset and its abbreviation at the UTC instant `secs` (unix seconds).
    fn at(self, secs: i64) -> TzOffset {
        let Ok(ts) = jiff::Timestamp::from_second(secs) else {
            return TzOffset::new(self, 0, "UTC");
        };
        let info = self.0.tz.to_offset_info(ts);
        TzOffset::new(self, info.offset().seconds(), info.abbreviation())
    }
}

impl FromStr for Tz {
    type Err = String;
    fn from_str(s: &str) -> Result<Tz, String> {
        Tz::named(s)
    }
}

impl PartialEq for Tz {
    fn eq(&self, other: &Tz) -> bool {
        std::ptr::eq(self.0, other.0) || self.0.name == other.0.name
    }
}

impl Eq for Tz {}

impl fmt::Debug for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}

impl fmt::Display for Tz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.name)
    }
}

/// A zone's offset at some instant, with its abbreviation (`CET`, `CEST`, `-03`): what `%Z`
/// prints.
#[derive(Clone, Copy)]
pub struct TzOffset {
    tz: Tz,
    seconds: i32,
    abbr: [u8; 8],
    abbr_len: u8,
}

impl TzOffset {
    fn new(tz: Tz, seconds: i32, abbreviation: &str) -> TzOffset {
        let mut abbr = [0u8; 8];
        // Abbreviations are 3 to 6 ASCII characters; a longer one is cut on a char boundary.
        let mut len = abbreviation.len().min(abbr.len());
        while !abbreviation.is_char_boundary(len) {
            len -= 1;
        }
        abbr[..len].copy_from_slice(&abbreviation.as_bytes()[..len]);
        TzOffset {
            tz,
            seconds,
            abbr,
            abbr_len: len as u8,
        }
    }

    fn abbreviation(&self) -> &str {
        std::str::from_utf8(&self.abbr[..usize::from(self.abbr_len)]).unwrap_or("")
    }
}

impl Offset for TzOffset {
    fn fix(&self) -> FixedOffset {
        FixedOffset::east_opt(self.seconds)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero is a valid offset"))
    }
}

impl fmt::Debug for TzOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.abbreviation(), self.fix())
    }
}

impl fmt::Display for TzOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation())
    }
}

/// chrono's local time as jiff's, when jiff can hold it (years -9999 to 9999).
fn civil(local: &NaiveDateTime) -> Option<jiff::civil::DateTime> {
    use chrono::Datelike;
    let nanos = local.nanosecond().min(999_999_999); // a leap second counts as its last instant
    jiff::civil::DateTime::new(
        i16::try_from(local.year()).ok()?,
        local.month() as i8,
        local.day() as i8,
        local.hour() as i8,
        local.minute() as i8,
        local.second() as i8,
        nanos as i32,
    )
    .ok()
}

impl TimeZone for Tz {
    type Offset = TzOffset;

    fn from_offset(offset: &TzOffset) -> Tz {
        offset.tz
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<TzOffset> {
        match local.and_hms_opt(0, 0, 0) {
            Some(midnight) => self.offset_from_local_datetime(&midnight),
            None => LocalResult::None,
        }
    }

    /// One offset; none in a gap (the clock skipped that time); two in a fold (the time came
    /// twice), the earlier instant's first.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<TzOffset> {
        let Some(dt) = civil(local) else {
            return LocalResult::None;
        };
        let local_secs = local.and_utc().timestamp();
        let at = |offset: jiff::tz::Offset| self.at(local_secs - i64::from(offset.seconds()));
        match self.0.tz.to_ambiguous_timestamp(dt).offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { offset } => LocalResult::Single(at(offset)),
            jiff::tz::AmbiguousOffset::Gap { .. } => LocalResult::None,
            jiff::tz::AmbiguousOffset::Fold { before, after } => {
                LocalResult::Ambiguous(at(before), at(after))
            }
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> TzOffset {
        match utc.and_hms_opt(0, 0, 0) {
            Some(midnight) => self.offset_from_utc_datetime(&midnight),
            None => TzOffset::new(*self, 0, "UTC"),
        }
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> TzOffset {
        self.at(utc.and_utc().timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn madrid() -> Tz {
        Tz::named("Europe/Madrid").expect("Europe/Madrid")
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a local time")
    }

    #[test]
    fn names_are_read_once_and_unknown_ones_are_errors() {
        assert!(std::ptr::eq(madrid().0, madrid().0));
        assert_eq!(madrid().name(), "Europe/Madrid");
        assert_eq!("UTC".parse::<Tz>(), Ok(Tz::utc()));
        let e = "Mars/Olympus_Mons".parse::<Tz>().expect_err("not a zone");
        assert!(e.contains("Mars/Olympus_Mons"), "{e}");
    }

    #[test]
    fn offsets_and_abbreviations_follow_daylight_saving() {
        let winter: DateTime<Utc> = "2026-01-15T12:00:00Z".parse().expect("time");
        let summer: DateTime<Utc> = "2026-07-15T12:00:00Z".parse().expect("time");
        let w = winter.with_timezone(&madrid());
        let s = summer.with_timezone(&madrid());
        assert_eq!(w.format("%H:%M %Z %z").to_string(), "13:00 CET +0100");
        assert_eq!(s.format("%H:%M %Z %z").to_string(), "14:00 CEST +0200");
        // Far in the future the zone's rule still applies (not only its listed transitions).
        let later: DateTime<Utc> = "2090-07-15T12:00:00Z".parse().expect("time");
        assert_eq!(
            later.with_timezone(&madrid()).format("%Z").to_string(),
            "CEST"
        );
        let ny = Tz::named("America/New_York").expect("New York");
        assert_eq!(
            summer.with_timezone(&ny).format("%H:%M %Z").to_string(),
            "08:00 EDT"
        );
    }

    #[test]
    fn local_times_in_gaps_and_folds() {
        let tz = madrid();
        // 29 March 2026: 02:00 CET became 03:00 CEST, 02:30 never happened.
        assert!(matches!(
            tz.from_local_datetime(&local("2026-03-29 02:30")),
            LocalResult::None
        ));
        let single = tz
            .from_local_datetime(&local("2026-03-29 03:30"))
            .single()
            .expect("one");
        assert_eq!(single.to_utc().to_rfc3339(), "2026-03-29T01:30:00+00:00");
        // 25 October 2026: 03:00 CEST became 02:00 CET, 02:30 happened twice.
        match tz.from_local_datetime(&local("2026-10-25 02:30")) {
            LocalResult::Ambiguous(a, b) => {
                assert_eq!(a.to_utc().to_rfc3339(), "2026-10-25T00:30:00+00:00");
                assert_eq!(b.to_utc().to_rfc3339(), "2026-10-25T01:30:00+00:00");
                assert_eq!(a.format("%Z").to_string(), "CEST");
                assert_eq!(b.format("%Z").to_string(), "CET");
            }
            other => panic!("expected a fold, got {other:?}"),
        }
    }
}
