//! Human durations in config files: `500ms`, `10s`, `2m`, `1h30m`, `1d`, `1w`.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::time::Duration;

/// A duration written as text in the config (`"10s"`), kept as a [`Duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dur(pub Duration);

impl Dur {
    pub const fn secs(s: u64) -> Self {
        Dur(Duration::from_secs(s))
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s)
            .map(Dur)
            .map_err(serde::de::Error::custom)
    }
}

/// Parses `1h30m`, `250ms`, `10s`, `2m`, `1d`, `1w`. A bare `0` is zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err("empty duration; write it like \"10s\", \"2m\" or \"1h\"".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad(text));
        }
        let number: f64 = rest[..digits].parse().map_err(|_| bad(text))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            _ => return Err(bad(text)),
        };
        let too_long = || format!("`{text}` is too long a duration");
        let part = Duration::try_from_secs_f64(number * secs).map_err(|_| too_long())?;
        total = total.checked_add(part).ok_or_else(too_long)?;
    }
    if total > MAX {
        return Err(format!(
            "`{text}` is too long a duration (at most {}d)",
            MAX.as_secs() / 86_400
        ));
    }
    Ok(total)
}

/// The longest duration a config may hold: ten years is beyond any refresh, range, window or
/// rotation, and keeps every clock and timer arithmetic far from overflowing.
pub const MAX: Duration = Duration::from_secs(3650 * 86_400);

fn bad(text: &str) -> String {
    format!(
        "`{text}` is not a duration; write it like \"500ms\", \"10s\", \"2m\", \"1h30m\" or \"1d\""
    )
}

/// Short human form: `45s`, `3m`, `2h05m`, `3d`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 && d.subsec_millis() > 0 {
        return format!("{}ms", d.subsec_millis());
    }
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => {
            if s % 60 == 0 {
                format!("{}m", s / 60)
            } else {
                format!("{}m{:02}s", s / 60, s % 60)
            }
        }
        3600..=86_399 => {
            if s % 3600 == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
            }
        }
        _ => format!("{}d", s / 86_400),
    }
}

/// Age as on-call people say it: `12s`, `3m`, `2h`, `4d`.
pub fn format_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn rejects_garbage_with_an_example() {
        for bad in ["", "10", "s", "10x", "ten seconds", "-1s"] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.contains("\"10s\""), "{bad}: {err}");
        }
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        // Found by the config fuzz target (`refresh = "1011…1s"`): the conversion panicked.
        let huge = format!("{}s", "9".repeat(400));
        for text in [
            "101111111111111111111111111111111111111s",
            "10000000000000000000s10000000000000000000s",
            &huge,
        ] {
            let err = parse_duration(text).expect_err(text);
            assert!(err.contains("too long"), "{text}: {err}");
        }
    }

    #[test]
    fn durations_past_ten_years_are_refused() {
        assert_eq!(
            parse_duration("3650d").expect("ten years is allowed"),
            Duration::from_secs(3650 * 86_400)
        );
        for text in ["3651d", "10000000000000000000s", "521w4d", "87601h"] {
            let err = parse_duration(text).expect_err(text);
            assert!(
                err.contains("too long") && err.contains("3650d"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn formats_short() {
        assert_eq!(format_duration(Duration::from_secs(45)), "45s");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
        assert_eq!(format_duration(Duration::from_secs(7500)), "2h05m");
        assert_eq!(format_age(200), "3m");
        assert_eq!(format_age(-5), "0s");
    }
}
