//! How the rotation reads: `oncall who`, the handoff time, the countdown, the snapshot field.

use super::OnCall;
use crate::tz::Tz;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// Whether a member is the configured `general.user` (trimmed, case-insensitive).
pub fn is_user(name: &str, user: &str) -> bool {
    let user = user.trim();
    !user.is_empty() && name.trim().eq_ignore_ascii_case(user)
}

fn you(name: &str, user: &str) -> &'static str {
    if is_user(name, user) { " (you)" } else { "" }
}

/// Time left as people say it: `2d 3h`, `5h 12m`, `40m`, `<1m`, `now`.
pub fn countdown(secs: i64) -> String {
    if secs <= 0 {
        return "now".into();
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => "<1m".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A handoff instant in `tz`: `Mon 09:00 CET` within the coming six days, else with the date
/// (`Mon 12 Jan 09:00 CET`) so a two-week rotation is not misread.
pub fn format_when(t: DateTime<Utc>, tz: Tz, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz);
    let ahead = (t - now).num_seconds();
    if (0..6 * 86_400).contains(&ahead) {
        local.format("%a %H:%M %Z").to_string()
    } else {
        local.format("%a %-d %b %H:%M %Z").to_string()
    }
}

/// What `oncall who` prints:
///
/// ```text
/// on call now: alice (you)
/// next: bob, handoff Mon 09:00 CET (in 2d 3h)
/// ```
///
/// An override adds `, override until Sat 26 Dec 01:00 CET` to the first line.
pub fn format_who(o: &OnCall, user: &str, tz: Tz, now: DateTime<Utc>) -> String {
    let until = match o.override_until {
        Some(t) => format!(", override until {}", format_when(t, tz, now)),
        None => String::new(),
    };
    format!(
        "on call now: {}{}{until}\nnext: {}{}, handoff {} (in {})",
        o.now,
        you(&o.now, user),
        o.next,
        you(&o.next, user),
        format_when(o.handoff_at, tz, now),
        countdown((o.handoff_at - now).num_seconds()),
    )
}

/// The snapshot's `oncall` field: `{"now", "next", "handoff_at"}`, or `null` with no rotation.
pub fn to_json(o: Option<&OnCall>) -> Value {
    match o {
        Some(o) => json!({
            "now": o.now,
            "next": o.next,
            "handoff_at": o.handoff_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn madrid() -> crate::tz::Tz {
        "Europe/Madrid".parse().expect("Europe/Madrid")
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid instant")
    }

    fn sample() -> OnCall {
        OnCall {
            now: "alice".into(),
            next: "bob".into(),
            handoff_at: utc(2026, 1, 12, 8, 0),
            override_until: None,
        }
    }

    #[test]
    fn countdown_reads_like_people_talk() {
        assert_eq!(countdown(-5), "now");
        assert_eq!(countdown(0), "now");
        assert_eq!(countdown(30), "<1m");
        assert_eq!(countdown(40 * 60), "40m");
        assert_eq!(countdown(5 * 3600), "5h");
        assert_eq!(countdown(5 * 3600 + 12 * 60 + 59), "5h 12m");
        assert_eq!(countdown(2 * 86_400 + 3 * 3600 + 59 * 60), "2d 3h");
        assert_eq!(countdown(7 * 86_400), "7d");
    }

    #[test]
    fn who_says_you_and_counts_down() {
        let now = utc(2026, 1, 10, 5, 0);
        let text = format_who(&sample(), "alice", madrid(), now);
        assert_eq!(
            text,
            "on call now: alice (you)\nnext: bob, handoff Mon 09:00 CET (in 2d 3h)"
        );
        let text = format_who(&sample(), "Bob", madrid(), now);
        assert_eq!(
            text,
            "on call now: alice\nnext: bob (you), handoff Mon 09:00 CET (in 2d 3h)"
        );
        assert!(!format_who(&sample(), "", madrid(), now).contains("(you)"));
    }

    #[test]
    fn far_handoffs_carry_the_date_and_overrides_say_until_when() {
        let now = utc(2026, 1, 2, 8, 0);
        let mut o = sample();
        o.now = "dave".into();
        o.override_until = Some(utc(2026, 1, 3, 0, 0));
        assert_eq!(
            format_who(&o, "carol", madrid(), now),
            "on call now: dave, override until Sat 01:00 CET\n\
             next: bob, handoff Mon 12 Jan 09:00 CET (in 10d)"
        );
    }

    #[test]
    fn json_has_the_three_stable_fields() {
        assert_eq!(
            to_json(Some(&sample())),
            json!({"now": "alice", "next": "bob", "handoff_at": "2026-01-12T08:00:00Z"})
        );
        assert_eq!(to_json(None), Value::Null);
    }
}
