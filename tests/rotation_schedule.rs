//! Rotation maths without DST: weekly and daily shifts, the exact handoff instant, the time before
//! the first shift, and overrides inside a shift, across a handoff and back to back.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use oncall::rotation::{OnCall, RotationConfig, format_who, who};
use oncall::tz::Tz;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn cfg(text: &str) -> RotationConfig {
    let cfg: RotationConfig = toml::from_str(text).unwrap();
    oncall::rotation::validate(&cfg).unwrap();
    cfg
}

fn weekly() -> RotationConfig {
    cfg(r#"
        members = ["alice", "bob", "carol"]
        rotation = "1w"
        handoff = "mon 09:00"
        start = "2026-01-05"
    "#)
}

fn at(c: &RotationConfig, t: DateTime<Utc>) -> OnCall {
    who(c, Tz::utc(), t).unwrap()
}

fn names(o: &OnCall) -> (&str, &str) {
    (o.now.as_str(), o.next.as_str())
}

#[test]
fn weekly_rotation_cycles_through_three_members() {
    let c = weekly();
    let expected = [
        ("alice", "bob"),
        ("bob", "carol"),
        ("carol", "alice"),
        ("alice", "bob"),
        ("bob", "carol"),
        ("carol", "alice"),
        ("alice", "bob"),
    ];
    for (week, want) in expected.iter().enumerate() {
        let monday = utc(2026, 1, 5, 9, 0) + Duration::weeks(week as i64);
        for offset in [Duration::zero(), Duration::days(3), Duration::hours(167)] {
            let o = at(&c, monday + offset);
            assert_eq!(names(&o), *want, "week {week} + {offset}");
            assert_eq!(o.handoff_at, monday + Duration::weeks(1));
        }
    }
}

#[test]
fn a_longer_rotation_and_a_later_weekday() {
    let c = cfg(r#"
        members = ["alice", "bob"]
        rotation = "2w"
        handoff = "fri 17:30"
        start = "2026-01-05"
    "#);
    // The first Friday on or after Monday 5 January is the 9th.
    let o = at(&c, utc(2026, 1, 12, 0, 0));
    assert_eq!(names(&o), ("alice", "bob"));
    assert_eq!(o.handoff_at, utc(2026, 1, 23, 17, 30));
    assert_eq!(names(&at(&c, utc(2026, 1, 23, 17, 30))), ("bob", "alice"));
}

#[test]
fn daily_rotation() {
    let c = cfg(r#"
        members = ["alice", "bob", "carol"]
        rotation = "1d"
        handoff = "08:00"
        start = "2026-02-01"
    "#);
    let days = ["alice", "bob", "carol", "alice", "bob"];
    for (i, name) in days.iter().enumerate() {
        let t = utc(2026, 2, 1, 20, 0) + Duration::days(i as i64);
        let o = at(&c, t);
        assert_eq!(o.now, *name, "day {i}");
        assert_eq!(
            o.handoff_at,
            utc(2026, 2, 2, 8, 0) + Duration::days(i as i64)
        );
    }
}

#[test]
fn at_the_handoff_instant_the_new_person_is_on_call() {
    let c = weekly();
    let handoff = utc(2026, 1, 12, 9, 0);
    let before = at(&c, handoff - Duration::seconds(1));
    assert_eq!(names(&before), ("alice", "bob"));
    assert_eq!(before.handoff_at, handoff);
    let exactly = at(&c, handoff);
    assert_eq!(names(&exactly), ("bob", "carol"));
    assert_eq!(exactly.handoff_at, utc(2026, 1, 19, 9, 0));
}

#[test]
fn before_start_the_rotation_counts_backwards() {
    let c = weekly();
    let o = at(&c, utc(2026, 1, 5, 8, 59));
    assert_eq!(names(&o), ("carol", "alice"));
    assert_eq!(o.handoff_at, utc(2026, 1, 5, 9, 0));
    assert_eq!(at(&c, utc(2025, 12, 30, 0, 0)).now, "carol");
    assert_eq!(at(&c, utc(2025, 12, 25, 0, 0)).now, "bob");
    assert_eq!(at(&c, utc(2025, 12, 16, 0, 0)).now, "alice");
}

#[test]
fn a_start_in_midweek_waits_for_the_handoff_day() {
    let c = cfg(r#"
        members = ["alice", "bob"]
        handoff = "mon 09:00"
        start = "2026-01-07"
    "#);
    let o = at(&c, utc(2026, 1, 8, 0, 0));
    assert_eq!(names(&o), ("bob", "alice"));
    assert_eq!(o.handoff_at, utc(2026, 1, 12, 9, 0));
}

fn with_overrides(extra: &str) -> RotationConfig {
    cfg(&format!(
        r#"
        members = ["alice", "bob", "carol"]
        rotation = "1w"
        handoff = "mon 09:00"
        start = "2026-01-05"
        {extra}
        "#
    ))
}

#[test]
fn an_override_inside_a_shift() {
    let c = with_overrides(
        r#"
        [[overrides]]
        who = "dave"
        from = "2026-01-07T00:00:00Z"
        to = "2026-01-08T00:00:00Z"
        "#,
    );
    let before = at(&c, utc(2026, 1, 6, 12, 0));
    assert_eq!(names(&before), ("alice", "dave"));
    assert_eq!(before.handoff_at, utc(2026, 1, 7, 0, 0));
    let during = at(&c, utc(2026, 1, 7, 0, 0));
    assert_eq!(names(&during), ("dave", "alice"));
    assert_eq!(during.handoff_at, utc(2026, 1, 8, 0, 0));
    assert_eq!(during.override_until, Some(utc(2026, 1, 8, 0, 0)));
    let after = at(&c, utc(2026, 1, 8, 0, 0));
    assert_eq!(names(&after), ("alice", "bob"));
    assert_eq!(after.handoff_at, utc(2026, 1, 12, 9, 0));
    assert_eq!(after.override_until, None);
}

#[test]
fn an_override_spanning_a_handoff() {
    let c = with_overrides(
        r#"
        [[overrides]]
        who = "dave"
        from = "2026-01-11T00:00:00Z"
        to = "2026-01-13T00:00:00Z"
        "#,
    );
    // The regular handoff on Monday 12th happens inside the override: dave hands to bob.
    let sunday = at(&c, utc(2026, 1, 11, 6, 0));
    assert_eq!(names(&sunday), ("dave", "bob"));
    assert_eq!(sunday.handoff_at, utc(2026, 1, 13, 0, 0));
    let monday = at(&c, utc(2026, 1, 12, 10, 0));
    assert_eq!(names(&monday), ("dave", "bob"));
    let tuesday = at(&c, utc(2026, 1, 13, 0, 0));
    assert_eq!(names(&tuesday), ("bob", "carol"));
    assert_eq!(tuesday.handoff_at, utc(2026, 1, 19, 9, 0));
}

#[test]
fn back_to_back_overrides() {
    let c = with_overrides(
        r#"
        [[overrides]]
        who = "dave"
        from = "2026-01-07T00:00:00Z"
        to = "2026-01-08T00:00:00Z"
        [[overrides]]
        who = "erin"
        from = "2026-01-08T00:00:00Z"
        to = "2026-01-09T00:00:00Z"
        [[overrides]]
        who = "erin"
        from = "2026-01-09T00:00:00Z"
        to = "2026-01-10T00:00:00Z"
        "#,
    );
    let dave = at(&c, utc(2026, 1, 7, 12, 0));
    assert_eq!(names(&dave), ("dave", "erin"));
    assert_eq!(dave.handoff_at, utc(2026, 1, 8, 0, 0));
    // Two overrides for the same person in a row are one stretch: the handoff is at its end.
    let erin = at(&c, utc(2026, 1, 8, 0, 0));
    assert_eq!(names(&erin), ("erin", "alice"));
    assert_eq!(erin.handoff_at, utc(2026, 1, 10, 0, 0));
    assert_eq!(erin.override_until, Some(utc(2026, 1, 9, 0, 0)));
}

#[test]
fn overlapping_overrides_the_last_listed_wins() {
    let c = with_overrides(
        r#"
        [[overrides]]
        who = "dave"
        from = "2026-01-06T00:00:00Z"
        to = "2026-01-09T00:00:00Z"
        [[overrides]]
        who = "erin"
        from = "2026-01-07T00:00:00Z"
        to = "2026-01-08T00:00:00Z"
        "#,
    );
    assert_eq!(names(&at(&c, utc(2026, 1, 6, 12, 0))), ("dave", "erin"));
    assert_eq!(names(&at(&c, utc(2026, 1, 7, 12, 0))), ("erin", "dave"));
    assert_eq!(names(&at(&c, utc(2026, 1, 8, 12, 0))), ("dave", "alice"));
}

#[test]
fn who_prints_now_next_and_the_countdown() {
    let c = weekly();
    let now = utc(2026, 1, 10, 5, 0);
    let o = at(&c, now);
    assert_eq!(
        format_who(&o, "alice", Tz::utc(), now),
        "on call now: alice (you)\nnext: bob, handoff Mon 09:00 UTC (in 2d 4h)"
    );
    let madrid = oncall::tz::Tz::named("Europe/Madrid").expect("Europe/Madrid");
    assert_eq!(
        format_who(&o, "bob", madrid, now),
        "on call now: alice\nnext: bob (you), handoff Mon 10:00 CET (in 2d 4h)"
    );
}
