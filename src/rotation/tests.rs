use super::*;
use crate::tz::Tz;
use chrono::TimeZone;

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("valid instant")
}

fn parse(text: &str) -> RotationConfig {
    toml::from_str(text).expect("rotation table parses")
}

fn team() -> RotationConfig {
    parse(
        r#"
        members = ["alice", "bob", "carol"]
        rotation = "1w"
        handoff = "mon 09:00"
        start = "2026-01-05"
        "#,
    )
}

#[test]
fn the_spec_example_parses() {
    let cfg = parse(
        r#"
        members = ["alice", "bob", "carol"]
        rotation = "1w"
        handoff = "mon 09:00"
        start = "2026-01-05"
        [[overrides]]
        who = "dave"
        from = "2026-12-24T00:00:00Z"
        to = "2026-12-26T00:00:00Z"
        "#,
    );
    assert_eq!(cfg.members.len(), 3);
    assert_eq!(cfg.overrides[0].who, "dave");
    assert_eq!(validate(&cfg), Ok(()));
    assert_eq!(validate(&RotationConfig::default()), Ok(()));
}

#[test]
fn unknown_keys_are_rejected() {
    let err = toml::from_str::<RotationConfig>("memebrs = [\"a\"]").expect_err("typo");
    assert!(err.to_string().contains("memebrs"), "{err}");
}

fn err(text: &str) -> String {
    validate(&parse(text)).expect_err(text)
}

#[test]
fn validate_names_the_key() {
    assert_eq!(
        err("handoff = \"funday 9\""),
        "handoff: `funday 9` is not a weekday and time like \"mon 09:00\""
    );
    assert!(err("rotation = \"12h\"").starts_with("rotation: `12h` is not a whole number of days"));
    assert!(err("rotation = \"1d\"\nhandoff = \"mon 09:00\"").starts_with("handoff:"));
    assert!(err("timezone = \"Mars/Olympus\"").starts_with("timezone: unknown time zone"));
    assert!(err("members = [\"alice\", \" \"]").starts_with("members[1]:"));
    let backwards = r#"
        [[overrides]]
        who = "dave"
        from = "2026-12-26T00:00:00Z"
        to = "2026-12-24T00:00:00Z"
    "#;
    assert!(err(backwards).starts_with("overrides[0].to:"));
    let nobody = r#"
        [[overrides]]
        who = ""
        from = "2026-12-24T00:00:00Z"
        to = "2026-12-26T00:00:00Z"
    "#;
    assert!(err(nobody).starts_with("overrides[0].who:"));
    assert_eq!(
        validate(&parse("rotation = \"2w\"\nhandoff = \"fri 17:30\"")),
        Ok(())
    );
    assert_eq!(
        validate(&parse("rotation = \"1d\"\nhandoff = \"08:00\"")),
        Ok(())
    );
}

#[test]
fn no_members_means_no_rotation() {
    assert_eq!(
        who(&RotationConfig::default(), Tz::utc(), utc(2026, 1, 5, 9)),
        None
    );
    assert_eq!(
        scheduled(&RotationConfig::default(), Tz::utc(), utc(2026, 1, 5, 9)),
        None
    );
}

#[test]
fn shifts_go_round_the_members() {
    let cfg = team();
    let o = who(&cfg, Tz::utc(), utc(2026, 1, 7, 12)).expect("on call");
    assert_eq!((o.now.as_str(), o.next.as_str()), ("alice", "bob"));
    assert_eq!(o.handoff_at, utc(2026, 1, 12, 9));
    assert_eq!(o.override_until, None);
    assert_eq!(
        scheduled(&cfg, Tz::utc(), utc(2026, 1, 26, 9)),
        Some("alice")
    );
}

#[test]
fn before_the_first_handoff_the_rotation_counts_backwards() {
    let cfg = team();
    let o = who(&cfg, Tz::utc(), utc(2026, 1, 5, 8)).expect("on call");
    assert_eq!((o.now.as_str(), o.next.as_str()), ("carol", "alice"));
    assert_eq!(o.handoff_at, utc(2026, 1, 5, 9));
    assert_eq!(
        scheduled(&cfg, Tz::utc(), utc(2025, 12, 27, 0)),
        Some("bob")
    );
}

#[test]
fn one_member_is_always_next_too() {
    let cfg = parse("members = [\"solo\"]\nrotation = \"1d\"\nhandoff = \"09:00\"");
    let o = who(&cfg, Tz::utc(), utc(2026, 3, 3, 12)).expect("on call");
    assert_eq!((o.now.as_str(), o.next.as_str()), ("solo", "solo"));
    assert_eq!(o.handoff_at, utc(2026, 3, 4, 9));
}

#[test]
fn the_table_zone_wins_over_the_default() {
    let mut cfg = team();
    cfg.timezone = Some("Asia/Tokyo".into());
    assert_eq!(
        zone(&cfg, Tz::utc()),
        crate::tz::Tz::named("Asia/Tokyo").expect("Asia/Tokyo")
    );
    let o = who(&cfg, Tz::utc(), utc(2026, 1, 7, 12)).expect("on call");
    assert_eq!(o.handoff_at, utc(2026, 1, 12, 0));
}
