//! Handoffs stay at the same local wall-clock time across DST changes: the UTC instant moves by
//! an hour and the shift around the change lasts 167 or 169 real hours.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall::rotation::{OnCall, RotationConfig, format_who, who};
use oncall::tz::Tz;

fn new_york() -> oncall::tz::Tz {
    "America/New_York".parse().expect("America/New_York")
}
fn madrid() -> oncall::tz::Tz {
    "Europe/Madrid".parse().expect("Europe/Madrid")
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn rotation(extra: &str) -> RotationConfig {
    let text = format!("members = [\"alice\", \"bob\", \"carol\"]\n{extra}");
    let cfg: RotationConfig = toml::from_str(&text).unwrap();
    oncall::rotation::validate(&cfg).unwrap();
    cfg
}

fn at(cfg: &RotationConfig, tz: Tz, t: DateTime<Utc>) -> OnCall {
    who(cfg, tz, t).unwrap()
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Asks at the Monday handoff before a change; checks that the next one is at `after` and is
/// still 09:00 local. Returns the length of the shift across the change in hours.
fn weekly_across(tz: Tz, before: DateTime<Utc>, after: DateTime<Utc>) -> i64 {
    let cfg = rotation("rotation = \"1w\"\nhandoff = \"mon 09:00\"\nstart = \"2026-01-05\"");
    let first = at(&cfg, tz, before);
    assert_eq!(first.handoff_at, after);
    assert!(
        local(before, tz).starts_with("Mon"),
        "{}",
        local(before, tz)
    );
    assert!(
        local(before, tz).contains(" 09:00 "),
        "{}",
        local(before, tz)
    );
    assert!(local(after, tz).starts_with("Mon"), "{}", local(after, tz));
    assert!(local(after, tz).contains(" 09:00 "), "{}", local(after, tz));
    // One second before the handoff the old person is still on; at it, the new one.
    assert_eq!(at(&cfg, tz, after - Duration::seconds(1)).now, first.now);
    assert_eq!(at(&cfg, tz, after).now, first.next);
    (after - before).num_hours()
}

#[test]
fn madrid_spring_forward() {
    // 2026-03-29 02:00 CET becomes 03:00 CEST.
    let (before, after) = (utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0));
    assert_eq!(weekly_across(madrid(), before, after), 167);
}

#[test]
fn madrid_fall_back() {
    // 2026-10-25 03:00 CEST becomes 02:00 CET.
    let (before, after) = (utc(2026, 10, 19, 7, 0), utc(2026, 10, 26, 8, 0));
    assert_eq!(weekly_across(madrid(), before, after), 169);
}

#[test]
fn new_york_spring_forward() {
    // 2026-03-08 02:00 EST becomes 03:00 EDT.
    let (before, after) = (utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0));
    assert_eq!(weekly_across(new_york(), before, after), 167);
}

#[test]
fn new_york_fall_back() {
    // 2026-11-01 02:00 EDT becomes 01:00 EST.
    let (before, after) = (utc(2026, 10, 26, 13, 0), utc(2026, 11, 2, 14, 0));
    assert_eq!(weekly_across(new_york(), before, after), 169);
}

#[test]
fn daily_handoffs_keep_local_time_through_the_change() {
    let cfg = rotation("rotation = \"1d\"\nhandoff = \"09:00\"\nstart = \"2026-03-01\"");
    let mut t = utc(2026, 3, 6, 20, 0);
    let mut lengths = Vec::new();
    let mut prev: Option<DateTime<Utc>> = None;
    for _ in 0..4 {
        let o = at(&cfg, new_york(), t);
        assert!(local(o.handoff_at, new_york()).contains(" 09:00 "));
        if let Some(p) = prev {
            lengths.push((o.handoff_at - p).num_hours());
        }
        prev = Some(o.handoff_at);
        t = o.handoff_at;
    }
    // Handoffs on Sat 7th, Sun 8th, Mon 9th, Tue 10th: the night of the change is an hour short.
    assert_eq!(lengths, [23, 24, 24]);
}

#[test]
fn a_handoff_inside_the_gap_moves_to_the_end_of_it() {
    let cfg = rotation(concat!(
        "rotation = \"1d\"\nhandoff = \"02:30\"\n",
        "start = \"2026-03-01\"\ntimezone = \"Europe/Madrid\"",
    ));
    let o = at(&cfg, Tz::utc(), utc(2026, 3, 28, 12, 0));
    assert_eq!(o.handoff_at, utc(2026, 3, 29, 1, 0));
    assert_eq!(local(o.handoff_at, madrid()), "Sun 2026-03-29 03:00 CEST");
    // The next one is back at 02:30 local.
    let o = at(&cfg, Tz::utc(), o.handoff_at);
    assert_eq!(local(o.handoff_at, madrid()), "Mon 2026-03-30 02:30 CEST");
}

#[test]
fn a_repeated_handoff_time_takes_the_first_one() {
    let cfg = rotation("rotation = \"1d\"\nhandoff = \"01:30\"\nstart = \"2026-10-01\"");
    let o = at(&cfg, new_york(), utc(2026, 10, 31, 12, 0));
    // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    assert_eq!(o.handoff_at, utc(2026, 11, 1, 5, 30));
    assert_eq!(local(o.handoff_at, new_york()), "Sun 2026-11-01 01:30 EDT");
}

#[test]
fn who_shows_the_zone_abbreviation_after_the_change() {
    let cfg = rotation("rotation = \"1w\"\nhandoff = \"mon 09:00\"\nstart = \"2026-01-05\"");
    let now = utc(2026, 3, 28, 12, 0);
    let o = at(&cfg, madrid(), now);
    let text = format_who(&o, "", madrid(), now);
    assert!(
        text.ends_with("handoff Mon 09:00 CEST (in 1d 19h)"),
        "{text}"
    );
}
