//! Error-budget arithmetic, the burn-rate status rule at its boundaries, and how it all reads.

#![allow(clippy::unwrap_used)]

use oncall::config::QueryConfig;
use oncall::slo::text::{downtime, format_availability, format_target, left};
use oncall::slo::{
    Budget, SloConfig, burn_level, compute, format_burn, format_minutes, format_percent_left,
    from_series, status, summary,
};
use oncall::state::{SeriesData, Status};

const Q: &str = r#"avg_over_time(up{job="app"}[30d])"#;

fn cfg() -> SloConfig {
    SloConfig::new(Q)
}

fn vals(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
    pairs.iter().map(|(l, v)| (l.to_string(), *v)).collect()
}

#[track_caller]
fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

/// A healthy budget with the given remaining share and burn rates (1h, 6h, 5m, 30m).
fn budget(remaining: f64, burns: [Option<f64>; 4]) -> Budget {
    Budget {
        availability: 0.9995,
        target: 0.999,
        window_secs: 2_592_000.0,
        allowed_downtime_secs: 2592.0,
        used_downtime_secs: 2592.0 * (1.0 - remaining),
        remaining_ratio: remaining,
        burn_1h: burns[0],
        burn_6h: burns[1],
        burn_5m: burns[2],
        burn_30m: burns[3],
        status: Status::NoData,
    }
}

#[test]
fn playbook_example_half_the_budget_used() {
    // playbook.md: "Uptime último mes: 99.95%; Downtime: 21 minutes (allowed: 43 minutes)".
    let b = compute(&cfg(), &vals(&[("window", 0.9995)])).unwrap();
    close(b.window_secs, 30.0 * 86_400.0);
    close(b.allowed_downtime_secs / 60.0, 43.2);
    close(b.used_downtime_secs / 60.0, 21.6);
    close(b.remaining_ratio, 0.5);
    assert_eq!(b.status, Status::Ok);
    assert_eq!((b.burn_1h, b.burn_6h), (None, None));
    assert_eq!(summary(&b), "21 of 43 min used · 50% left");
    assert_eq!(format_availability(b.availability, b.target), "99.95%");
    assert_eq!(format_target(b.target), "99.9%");
}

#[test]
fn exhausted_budget_is_crit_and_says_by_how_much() {
    let b = compute(&cfg(), &vals(&[("window", 0.998)])).unwrap();
    close(b.used_downtime_secs / 60.0, 86.4);
    close(b.remaining_ratio, -1.0);
    assert_eq!(b.status, Status::Crit);
    assert_eq!(left(&b), "43 min over budget");
    assert_eq!(
        summary(&b),
        "1 h 26 min of 43 min used · 43 min over budget"
    );
    // Exactly at the target the budget is spent, not "0% left".
    let b = compute(&cfg(), &vals(&[("window", 0.999)])).unwrap();
    assert!(b.remaining_ratio <= 0.0 && b.remaining_ratio > -1e-9);
    assert_eq!(b.status, Status::Crit);
    assert_eq!(left(&b), "budget spent");
    assert_eq!(format_percent_left(b.remaining_ratio), "none left");
}

#[test]
fn remaining_budget_boundaries() {
    let none = [None; 4];
    assert_eq!(status(&budget(1.0, none)), Status::Ok);
    assert_eq!(status(&budget(0.25, none)), Status::Ok);
    assert_eq!(status(&budget(0.2499, none)), Status::Warn);
    assert_eq!(status(&budget(1e-6, none)), Status::Warn);
    assert_eq!(status(&budget(0.0, none)), Status::Crit);
    assert_eq!(status(&budget(-0.5, none)), Status::Crit);
}

#[test]
fn page_rule_needs_1h_and_5m_at_14_4() {
    let s = |b1h, b5m| status(&budget(0.9, [b1h, None, b5m, None]));
    assert_eq!(s(Some(14.4), Some(14.4)), Status::Crit);
    assert_eq!(
        s(Some(14.4), Some(14.39)),
        Status::Ok,
        "recovered in the last 5m"
    );
    assert_eq!(s(Some(14.39), Some(100.0)), Status::Ok, "a short spike");
    assert_eq!(
        s(Some(14.4), None),
        Status::Crit,
        "no 5m answer: 1h decides"
    );
    assert_eq!(s(None, Some(100.0)), Status::Ok, "no 1h answer never pages");
}

#[test]
fn warn_rule_needs_6h_and_30m_at_6() {
    let s = |b6h, b30m| status(&budget(0.9, [None, b6h, None, b30m]));
    assert_eq!(s(Some(6.0), Some(6.0)), Status::Warn);
    assert_eq!(s(Some(6.0), Some(5.99)), Status::Ok);
    assert_eq!(s(Some(5.99), Some(50.0)), Status::Ok);
    assert_eq!(
        s(Some(6.0), None),
        Status::Warn,
        "no 30m answer: 6h decides"
    );
    assert_eq!(s(None, Some(50.0)), Status::Ok);
    // Paging wins over warning.
    let both = budget(0.9, [Some(20.0), Some(7.0), Some(20.0), Some(7.0)]);
    assert_eq!(status(&both), Status::Crit);
}

#[test]
fn single_burn_rate_levels() {
    assert_eq!(burn_level(0.4), Status::Ok);
    assert_eq!(burn_level(5.99), Status::Ok);
    assert_eq!(burn_level(6.0), Status::Warn);
    assert_eq!(burn_level(14.39), Status::Warn);
    assert_eq!(burn_level(14.4), Status::Crit);
    assert_eq!(burn_level(f64::NAN), Status::NoData);
}

#[test]
fn burn_rates_from_derived_availability_queries() {
    let v = vals(&[
        ("window", 0.9995),
        ("1h", 0.9996),
        ("6h", 0.9992),
        ("5m", 0.98),
        ("30m", 1.0),
    ]);
    let b = compute(&cfg(), &v).unwrap();
    close(b.burn_1h.unwrap(), 0.4);
    close(b.burn_6h.unwrap(), 0.8);
    close(b.burn_5m.unwrap(), 20.0);
    close(b.burn_30m.unwrap(), 0.0);
    assert_eq!(b.status, Status::Ok, "5m alone does not page");
    assert_eq!(format_burn(b.burn_1h), "0.4×");
}

#[test]
fn burn_rates_from_an_error_ratio_burn_query() {
    let mut c = cfg();
    c.burn_query = Some("sum(rate(errors[{{window}}])) / sum(rate(requests[{{window}}]))".into());
    let v = vals(&[("window", 0.9995), ("1h", 0.02), ("5m", 0.0144)]);
    let b = compute(&c, &v).unwrap();
    close(b.burn_1h.unwrap(), 20.0);
    close(b.burn_5m.unwrap(), 14.4);
    assert_eq!(b.burn_6h, None);
    assert_eq!(b.status, Status::Crit);
}

#[test]
fn per_instance_answers_are_averaged_and_bad_values_are_missing() {
    // The demo answers one series per checkout instance.
    let v = vals(&[
        ("window", 0.9991),
        ("window", 0.9993),
        ("window", 0.9995),
        ("window", f64::NAN),
        ("1h", f64::NAN),
        ("6h", 1.5),
    ]);
    let b = compute(&cfg(), &v).unwrap();
    close(b.availability, 0.9993);
    assert_eq!((b.burn_1h, b.burn_6h), (None, None));
    assert_eq!(compute(&cfg(), &vals(&[("window", f64::NAN)])), None);
    assert_eq!(compute(&cfg(), &vals(&[("1h", 0.9)])), None);
    assert_eq!(compute(&cfg(), &[]), None);
    // A percentage is not a ratio: no data rather than a wrong budget.
    assert_eq!(compute(&cfg(), &vals(&[("window", 99.95)])), None);
}

#[test]
fn other_targets_and_windows() {
    let mut c = cfg();
    c.target = 0.9999;
    c.window = oncall::duration::Dur::secs(7 * 86_400);
    let b = compute(&c, &vals(&[("window", 0.99995)])).unwrap();
    close(b.allowed_downtime_secs, 60.48);
    assert_eq!(downtime(&b), "30 s of 1 min");
    assert_eq!(format_target(0.9999), "99.99%");
    assert_eq!(format_availability(0.99995, 0.9999), "99.995%");
    assert_eq!(
        format_availability(0.99899, 0.999),
        "99.89%",
        "cut, never rounded up"
    );
    assert_eq!(format_availability(1.0, 0.999), "100%");
}

#[test]
fn from_panel_series_named_by_label() {
    let cfg = cfg();
    let configs: Vec<QueryConfig> = oncall::slo::query_configs(&cfg);
    let series: Vec<SeriesData> = [("window", 0.9995), ("1h", 0.9996)]
        .iter()
        .map(|(name, v)| SeriesData {
            name: name.to_string(),
            labels: Default::default(),
            points: vec![(0.0, 0.5), (60.0, *v)],
            thresholds: None,
        })
        .collect();
    assert_eq!(configs[0].legend.as_deref(), Some("window"));
    let b = from_series(&cfg, &series).unwrap();
    close(b.remaining_ratio, 0.5);
    close(b.burn_1h.unwrap(), 0.4);
}

#[test]
fn minutes_read_like_people_say_them() {
    let cases = [
        (0.0, "0 min"),
        (-5.0, "0 min"),
        (36.4, "36 s"),
        (60.0, "1 min"),
        (259.2, "4.3 min"),
        (1296.0, "21 min"),
        (2592.0, "43 min"),
        (3600.0, "1 h"),
        (4320.0, "1 h 12 min"),
        (45_000.0, "12.5 h"),
        (315_360.0, "3.6 d"),
        (f64::NAN, "–"),
    ];
    for (secs, want) in cases {
        assert_eq!(format_minutes(secs), want, "{secs}");
    }
}

#[test]
fn burn_rates_and_percentages_are_cut() {
    assert_eq!(format_burn(None), "–");
    assert_eq!(format_burn(Some(0.0)), "0×");
    assert_eq!(format_burn(Some(0.046)), "0.04×");
    assert_eq!(format_burn(Some(14.39)), "14.3×");
    assert_eq!(format_burn(Some(14.4)), "14.4×");
    assert_eq!(format_burn(Some(6.0)), "6.0×");
    assert_eq!(format_burn(Some(250.7)), "250×");
    assert_eq!(format_percent_left(0.249), "24% left");
    assert_eq!(format_percent_left(1.0), "100% left");
}

#[test]
fn boundaries_survive_floating_point() {
    // 1 − 0.999 is 0.0010000000000000009: exact ratios must still land on their boundary.
    let mut c = cfg();
    c.burn_query = Some("e[{{window}}]".into());
    let b = compute(
        &c,
        &vals(&[("window", 0.99925), ("6h", 0.006), ("30m", 0.006)]),
    )
    .unwrap();
    assert_eq!(format_burn(b.burn_6h), "6.0×");
    assert_eq!(b.status, Status::Warn);
    assert_eq!(format_percent_left(b.remaining_ratio), "25% left");
    let b = compute(&c, &vals(&[("window", 0.99925), ("1h", 0.0144)])).unwrap();
    assert_eq!(format_burn(b.burn_1h), "14.4×");
    assert_eq!(b.status, Status::Crit);
    let b = compute(&c, &vals(&[("window", 0.99925)])).unwrap();
    assert_eq!(b.status, Status::Ok, "exactly 25% left is not a warning");
}
