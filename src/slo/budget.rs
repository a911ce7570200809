//! The budget arithmetic and its status.
//!
//! Burn rate over a short window = (1 − availability over it) / (1 − target): 1× spends the
//! budget exactly over the SLO window, 14.4× spends 2 % of a 30-day budget in an hour.
//!
//! Status, worst first (multi-window, multi-burn-rate, after the Google SRE workbook, ch. 5):
//! - **Crit** when the budget is spent (`remaining_ratio <= 0`), or when it burns at page
//!   speed: 1h burn ≥ [`PAGE_BURN`] (14.4×) *and* 5m burn ≥ 14.4× (still burning now);
//! - **Warn** when it burns at ticket speed: 6h burn ≥ [`TICKET_BURN`] (6×) *and* 30m burn
//!   ≥ 6×; or when less than [`WARN_REMAINING`] (25 %) of the budget is left;
//! - **Ok** otherwise.
//!
//! Every comparison includes its boundary (≥, and ≤ 0 for spent), give or take [`SLACK`] for
//! floating point (1 − 0.999 is not exactly 0.001, so an error ratio of 0.0144 divides to
//! 14.399…). A short window with no answer does not hold its long window back: the long window
//! alone decides. A long window with no answer never raises the status. No availability over the SLO window means no budget at all
//! ([`compute`] returns `None`, shown as "no data").

use super::{SloConfig, WINDOW};
use crate::state::Status;
use crate::state::panel::SeriesData;

/// Burn rate that pages: 2 % of a 30-day budget in one hour.
pub const PAGE_BURN: f64 = 14.4;
/// Burn rate that warns: 5 % of a 30-day budget in six hours.
pub const TICKET_BURN: f64 = 6.0;
/// Less than this share of the budget left is a warning.
pub const WARN_REMAINING: f64 = 0.25;
/// Relative slack of every threshold comparison.
pub const SLACK: f64 = 1e-9;

/// The error budget over the SLO window.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Availability over the window, 0..1.
    pub availability: f64,
    pub target: f64,
    pub window_secs: f64,
    /// (1 − target) × window.
    pub allowed_downtime_secs: f64,
    /// (1 − availability) × window.
    pub used_downtime_secs: f64,
    /// 1 − used / allowed; negative once the budget is overspent.
    pub remaining_ratio: f64,
    pub burn_1h: Option<f64>,
    pub burn_6h: Option<f64>,
    /// Confirms the 1h burn is still going on (page rule).
    pub burn_5m: Option<f64>,
    /// Confirms the 6h burn is still going on (warn rule).
    pub burn_30m: Option<f64>,
    pub status: Status,
}

/// The budget from the answers, by label (`"window"`, `"1h"`, `"6h"`, `"5m"`, `"30m"`). A label
/// may come several times (a query answered per instance): its finite values are averaged.
/// Values outside 0..1 are not ratios and count as missing.
pub fn compute(cfg: &SloConfig, values: &[(String, f64)]) -> Option<Budget> {
    let availability = ratio(values, WINDOW)?;
    let budget_ratio = 1.0 - cfg.target;
    if budget_ratio.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let window_secs = cfg.window.as_secs_f64();
    if window_secs <= 0.0 {
        return None;
    }
    let allowed = budget_ratio * window_secs;
    let used = (1.0 - availability) * window_secs;
    let burn = |label: &str| {
        let v = ratio(values, label)?;
        // A burn query answers the error ratio; a derived one answers availability.
        let error = if cfg.burn_query.is_some() { v } else { 1.0 - v };
        Some(error.max(0.0) / budget_ratio)
    };
    let mut b = Budget {
        availability,
        target: cfg.target,
        window_secs,
        allowed_downtime_secs: allowed,
        used_downtime_secs: used,
        remaining_ratio: 1.0 - used / allowed,
        burn_1h: burn("1h"),
        burn_6h: burn("6h"),
        burn_5m: burn("5m"),
        burn_30m: burn("30m"),
        status: Status::NoData,
    };
    b.status = status(&b);
    Some(b)
}

/// The budget from a panel's series, each named by its query's label (see
/// [`super::query_configs`]): the latest value of each.
pub fn from_series(cfg: &SloConfig, series: &[SeriesData]) -> Option<Budget> {
    let values: Vec<(String, f64)> = series.iter().map(|s| (s.name.clone(), s.last())).collect();
    compute(cfg, &values)
}

/// The status of a budget by the rule in the module docs.
pub fn status(b: &Budget) -> Status {
    let fast = burning(b.burn_1h, b.burn_5m, PAGE_BURN);
    let slow = burning(b.burn_6h, b.burn_30m, TICKET_BURN);
    if b.remaining_ratio <= SLACK || fast {
        Status::Crit
    } else if slow || b.remaining_ratio < WARN_REMAINING * (1.0 - SLACK) {
        Status::Warn
    } else {
        Status::Ok
    }
}

/// The long window at or over the threshold, and the short one too when it answered.
fn burning(long: Option<f64>, short: Option<f64>, threshold: f64) -> bool {
    long.is_some_and(|l| at_least(l, threshold)) && short.is_none_or(|s| at_least(s, threshold))
}

/// `v >= threshold`, give or take [`SLACK`].
fn at_least(v: f64, threshold: f64) -> bool {
    v >= threshold * (1.0 - SLACK)
}

/// How a single burn rate reads on its own: Crit from page speed, Warn from ticket speed.
pub fn burn_level(burn: f64) -> Status {
    if burn.is_nan() {
        Status::NoData
    } else if at_least(burn, PAGE_BURN) {
        Status::Crit
    } else if at_least(burn, TICKET_BURN) {
        Status::Warn
    } else {
        Status::Ok
    }
}

/// The mean of the finite values under `label`, if it is a ratio (0..1).
fn ratio(values: &[(String, f64)], label: &str) -> Option<f64> {
    let (sum, n) = values
        .iter()
        .filter(|(l, v)| l == label && v.is_finite())
        .fold((0.0, 0u32), |(sum, n), (_, v)| (sum + v, n + 1));
    if n == 0 {
        return None;
    }
    let mean = sum / f64::from(n);
    (0.0..=1.0).contains(&mean).then_some(mean)
}
