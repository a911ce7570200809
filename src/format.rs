//! Numbers as the screen shows them, per Grafana unit id.

use crate::config::Unit;

/// Formats a value in its unit; NaN is "no data", ±Inf is shown as such.
pub fn value(v: f64, unit: Unit, decimals: Option<u8>) -> String {
    if v.is_nan() {
        return "no data".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    match unit {
        Unit::PercentUnit => percent(v * 100.0, decimals),
        Unit::Percent => percent(v, decimals),
        Unit::Seconds => seconds(v, decimals),
        Unit::Millis => seconds(v / 1000.0, decimals),
        Unit::ReqPerSec => format!("{} req/s", short(v, decimals)),
        Unit::OpsPerSec => format!("{} ops/s", short(v, decimals)),
        Unit::Bytes => bytes(v, decimals),
        Unit::Short => short(v, decimals),
        Unit::None => fixed(v, decimals.unwrap_or(2)),
    }
}

/// Compact axis label (no unit words for rates).
pub fn axis(v: f64, unit: Unit) -> String {
    match unit {
        Unit::ReqPerSec | Unit::OpsPerSec => short(v, None),
        _ => value(v, unit, None),
    }
}

fn fixed(v: f64, decimals: u8) -> String {
    let s = format!("{v:.*}", usize::from(decimals));
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Three significant digits, at least as many decimals as needed.
fn sig3(v: f64) -> String {
    let a = v.abs();
    let d = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    };
    fixed(v, d)
}

fn percent(p: f64, decimals: Option<u8>) -> String {
    match decimals {
        Some(d) => format!("{}%", fixed(p, d)),
        None => format!("{}%", sig3(p)),
    }
}

fn seconds(s: f64, decimals: Option<u8>) -> String {
    let a = s.abs();
    let (scaled, unit) = if a == 0.0 {
        (0.0, "ms")
    } else if a < 0.001 {
        (s * 1e6, "µs")
    } else if a < 1.0 {
        (s * 1000.0, "ms")
    } else if a < 60.0 {
        (s, "s")
    } else if a < 3600.0 {
        (s / 60.0, "min")
    } else {
        (s / 3600.0, "h")
    };
    let n = decimals.map_or_else(|| sig3(scaled), |d| fixed(scaled, d));
    format!("{n} {unit}")
}

/// 1234 → 1.23k, 2_500_000 → 2.5M.
pub fn short(v: f64, decimals: Option<u8>) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e12 {
        (v / 1e12, "T")
    } else if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let n = match decimals {
        Some(d) => fixed(scaled, d),
        None if suffix.is_empty() && a >= 1000.0 => fixed(scaled, 0),
        None => sig3(scaled),
    };
    format!("{n}{suffix}")
}

fn bytes(v: f64, decimals: Option<u8>) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut scaled = v;
    let mut i = 0;
    while scaled.abs() >= 1024.0 && i + 1 < UNITS.len() {
        scaled /= 1024.0;
        i += 1;
    }
    let n = decimals.map_or_else(|| sig3(scaled), |d| fixed(scaled, d));
    format!("{n} {}", UNITS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(value(0.0235, Unit::PercentUnit, None), "2.35%");
        assert_eq!(value(0.002, Unit::PercentUnit, None), "0.2%");
        assert_eq!(value(99.95, Unit::Percent, Some(2)), "99.95%");
        assert_eq!(value(0.183, Unit::Seconds, None), "183 ms");
        assert_eq!(value(0.0452, Unit::Seconds, None), "45.2 ms");
        assert_eq!(value(1.5, Unit::Seconds, None), "1.5 s");
        assert_eq!(value(0.00012, Unit::Seconds, None), "120 µs");
        assert_eq!(value(250.0, Unit::Millis, None), "250 ms");
        assert_eq!(value(851.37, Unit::ReqPerSec, None), "851 req/s");
        assert_eq!(value(1234.0, Unit::Short, None), "1234");
        assert_eq!(value(12_345.0, Unit::Short, None), "12.3k");
        assert_eq!(value(2.5e6, Unit::Short, None), "2.5M");
        assert_eq!(value(1536.0, Unit::Bytes, None), "1.5 KiB");
        assert_eq!(value(f64::NAN, Unit::Short, None), "no data");
        assert_eq!(value(f64::INFINITY, Unit::Seconds, None), "+Inf");
        assert_eq!(value(f64::NEG_INFINITY, Unit::Short, None), "-Inf");
        assert_eq!(value(0.0, Unit::Short, None), "0");
    }
}
