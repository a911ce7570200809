//! How the budget reads: downtime in minutes, percentages, burn rates, the one-line summary.
//!
//! Numbers are cut, not rounded, so the screen never shows a budget as met or a burn rate as
//! under a threshold when it is not (21.6 min used reads "21 min", 14.39× reads "14.3×").

use super::Budget;
use super::budget::SLACK;
use std::time::Duration;

/// Slack so that values computed as 20.999999… still read as 21.
const EPS: f64 = 1e-6;

/// `x` cut to `decimals` places.
fn cut(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale * (1.0 + SLACK) + EPS).floor() / scale
}

/// Downtime as people say it: `"36 s"`, `"4.3 min"`, `"43 min"`, `"1 h 12 min"`, `"12.5 h"`,
/// `"3.6 d"`. Negative is 0; not a number is `"–"`.
pub fn format_minutes(secs: f64) -> String {
    if secs.is_nan() {
        return "–".into();
    }
    let s = secs.max(0.0);
    let min = s / 60.0;
    if s == 0.0 {
        "0 min".into()
    } else if s < 60.0 {
        format!("{} s", cut(s, 0))
    } else if min < 10.0 {
        format!("{} min", cut(min, 1))
    } else if min < 60.0 {
        format!("{} min", cut(min, 0))
    } else if min < 600.0 {
        let whole = cut(min, 0);
        let (h, m) = ((whole / 60.0).floor(), whole % 60.0);
        if m == 0.0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else if min < 48.0 * 60.0 {
        format!("{} h", cut(min / 60.0, 1))
    } else {
        format!("{} d", cut(min / 1440.0, 1))
    }
}

/// `"50% left"` (cut to a whole percent), `"none left"` once the budget is spent.
pub fn format_percent_left(remaining_ratio: f64) -> String {
    if remaining_ratio.is_nan() {
        "–".into()
    } else if remaining_ratio <= SLACK {
        "none left".into()
    } else {
        format!("{}% left", cut(remaining_ratio * 100.0, 0))
    }
}

/// `"0.4×"`, `"14.4×"`, `"120×"`; `"–"` when there is no answer.
pub fn format_burn(burn: Option<f64>) -> String {
    match burn {
        None => "–".into(),
        Some(b) if b.is_nan() => "–".into(),
        Some(b) if b.is_infinite() => "∞×".into(),
        Some(b) if b <= 0.0 => "0×".into(),
        Some(b) if b < 0.1 => format!("{:.2}×", cut(b, 2)),
        Some(b) if b < 100.0 => format!("{:.1}×", cut(b, 1)),
        Some(b) => format!("{:.0}×", cut(b, 0)),
    }
}

/// Places after the point that `target` needs as a percentage: 0.999 → 1, 0.9995 → 2.
fn target_decimals(target: f64) -> usize {
    let p = target * 100.0;
    (0..4usize)
        .find(|&d| {
            let scaled = p * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(4)
}

/// The target as a percentage: `"99.9%"`.
pub fn format_target(target: f64) -> String {
    format!("{:.*}%", target_decimals(target), target * 100.0)
}

/// Availability with one place more than the target has, cut: `"99.95%"` for a 99.9 % target.
pub fn format_availability(availability: f64, target: f64) -> String {
    if availability.is_nan() {
        return "no data".into();
    }
    if availability >= 1.0 {
        return "100%".into();
    }
    let d = target_decimals(target) + 1;
    format!("{:.*}%", d, cut(availability * 100.0, d as i32))
}

/// The window as config writes it: `"30d"`, `"1w"` reads `"7d"`.
pub fn format_window(secs: f64) -> String {
    crate::duration::format_duration(Duration::from_secs_f64(secs.max(0.0)))
}

/// `"21 of 43 min used · 50% left"`; `"47 of 43 min used · 4 min over budget"` once overspent.
pub fn summary(b: &Budget) -> String {
    format!("{} used · {}", downtime(b), left(b))
}

/// `"21 of 43 min"`: the unit once when both amounts share it.
pub fn downtime(b: &Budget) -> String {
    let used = format_minutes(b.used_downtime_secs);
    let allowed = format_minutes(b.allowed_downtime_secs);
    let unit = |s: &str| match s.split_once(' ') {
        Some((n, u)) if !u.contains(' ') => Some((n.to_string(), u.to_string())),
        _ => None,
    };
    match (unit(&used), unit(&allowed)) {
        (Some((n, u1)), Some((_, u2))) if u1 == u2 => format!("{n} of {allowed}"),
        _ => format!("{used} of {allowed}"),
    }
}

/// What is left of the budget: `"50% left"`, `"budget spent"`, `"4 min over budget"`.
pub fn left(b: &Budget) -> String {
    let over = b.used_downtime_secs - b.allowed_downtime_secs;
    if b.remaining_ratio > SLACK {
        format_percent_left(b.remaining_ratio)
    } else if over >= 1.0 {
        format!("{} over budget", format_minutes(over))
    } else {
        "budget spent".into()
    }
}
