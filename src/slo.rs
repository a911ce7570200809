//! Error budget: the `[slo]` table, the queries it needs, and the budget they add up to.
//!
//! Availability over the SLO window comes from `availability_query`. Burn rates come from the
//! same measure over short windows: by default the availability query with its one range
//! selector rewritten (`[30d]` → `[1h]`), or an explicit error-ratio `burn_query` with a
//! `{{window}}` placeholder. [`compute`] turns the answers into a [`Budget`] with a status by
//! the multi-window, multi-burn-rate rule (see [`budget`]).

pub mod budget;
pub mod text;

/// The panel's renderer, kept with the other panels in `src/ui/`.
pub use crate::ui::slo_panel as panel;

pub use budget::{
    Budget, PAGE_BURN, TICKET_BURN, WARN_REMAINING, burn_level, compute, from_series, status,
};
pub use text::{format_burn, format_minutes, format_percent_left, summary};

use crate::duration::Dur;
use serde::Deserialize;

/// Label of the availability answer over the whole SLO window.
pub const WINDOW: &str = "window";
/// Short windows queried for burn rates, in query order: the two the panel shows (1h, 6h),
/// then the short windows that confirm each of them is still burning (5m, 30m).
pub const SHORT_WINDOWS: [&str; 4] = ["1h", "6h", "5m", "30m"];
/// The placeholder in `burn_query` replaced by each short window.
pub const WINDOW_PLACEHOLDER: &str = "{{window}}";

/// The `[slo]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    /// Availability (0..1) over the window, e.g. `avg_over_time(up{job="app"}[30d])`.
    pub availability_query: String,
    /// Error ratio (0..1) over a short window; `{{window}}` is replaced by `1h`, `6h`, `5m`,
    /// `30m`. Default: the availability query with its range rewritten to each short window,
    /// when it has exactly one range selector; without either there are no burn rates.
    pub burn_query: Option<String>,
    /// Fraction of the window that must be available: 0.999 is 99.9 %.
    #[serde(default = "default_target")]
    pub target: f64,
    /// The SLO window the budget is for.
    #[serde(default = "default_window")]
    pub window: Dur,
    /// A Prometheus source id; default the only (or first) Prometheus source.
    pub source: Option<String>,
    /// Panel title; default [`DEFAULT_TITLE`].
    pub title: Option<String>,
    /// How often the budget is asked; default [`DEFAULT_REFRESH`], or the source's refresh
    /// when that is longer.
    pub refresh: Option<Dur>,
}

/// How often the error budget is asked when `refresh` is not set. Its windows run from 5
/// minutes to the whole SLO window (30 days), so asking every second, as a stat may be, shows
/// nothing new, and a 30-day query is among the dearest a Prometheus answers.
pub const DEFAULT_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// Title of the panel when `title` is not set.
pub const DEFAULT_TITLE: &str = "Error budget";

fn default_target() -> f64 {
    0.999
}

fn default_window() -> Dur {
    Dur::secs(30 * 86_400)
}

impl SloConfig {
    /// A config with the defaults and the given availability query.
    pub fn new(availability_query: &str) -> Self {
        SloConfig {
            availability_query: availability_query.into(),
            burn_query: None,
            target: default_target(),
            window: default_window(),
            source: None,
            title: None,
            refresh: None,
        }
    }

    /// The panel's title.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or(DEFAULT_TITLE)
    }

    /// How often the panel asks, given its source's refresh: `refresh`, else
    /// [`DEFAULT_REFRESH`] or the source's refresh, whichever is longer.
    pub fn refresh(&self, source: std::time::Duration) -> std::time::Duration {
        self.refresh.map_or(source.max(DEFAULT_REFRESH), |d| d.0)
    }
}

/// Checks value ranges. The error names the key inside `[slo]` (`"target"`) and says what to
/// write; [`validate`] joins the two.
pub fn check(cfg: &SloConfig) -> Result<(), (&'static str, String)> {
    if cfg.availability_query.trim().is_empty() {
        return Err((
            "availability_query",
            "is empty; write a query for availability between 0 and 1, e.g. \
             'avg_over_time(up{job=\"app\"}[30d])'"
                .into(),
        ));
    }
    let t = cfg.target;
    if !(t > 0.0 && t < 1.0) {
        let hint = if t > 1.0 && t < 100.0 {
            format!("; for {t}% write {}", t / 100.0)
        } else {
            String::new()
        };
        return Err((
            "target",
            format!("must be between 0 and 1, e.g. 0.999 for 99.9% (got {t}){hint}"),
        ));
    }
    if cfg.window.0.is_zero() {
        return Err((
            "window",
            "must be more than 0s; write it like \"30d\" or \"4w\"".into(),
        ));
    }
    if cfg.refresh.is_some_and(|d| d.0.is_zero()) {
        return Err((
            "refresh",
            "must be more than 0s; write it like \"30s\" or \"1m\"".into(),
        ));
    }
    if let Some(q) = &cfg.burn_query {
        if !q.contains(WINDOW_PLACEHOLDER) {
            return Err((
                "burn_query",
                format!(
                    "needs `{WINDOW_PLACEHOLDER}` where the range goes, e.g. \
                     'sum(rate(http_errors_total[{WINDOW_PLACEHOLDER}])) / \
                     sum(rate(http_requests_total[{WINDOW_PLACEHOLDER}]))'"
                ),
            ));
        }
    }
    if cfg.source.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(("source", "is empty; name a Prometheus source".into()));
    }
    Ok(())
}

/// Target in (0, 1), window > 0, a `{{window}}` in `burn_query`; messages start with the key
/// (`slo.target: must be between 0 and 1 …`).
pub fn validate(cfg: &SloConfig) -> Result<(), String> {
    check(cfg).map_err(|(key, message)| format!("slo.{key}: {message}"))
}

/// The instant queries the panel needs, labelled `"window"`, `"1h"`, `"6h"`, `"5m"`, `"30m"`.
/// The short windows are left out when there is no `burn_query` and none can be derived.
pub fn queries(cfg: &SloConfig) -> Vec<(String, String)> {
    let mut out = vec![(WINDOW.to_string(), cfg.availability_query.clone())];
    for w in SHORT_WINDOWS {
        let q = match &cfg.burn_query {
            Some(t) => Some(t.replace(WINDOW_PLACEHOLDER, w)),
            None => derive(&cfg.availability_query, w),
        };
        if let Some(q) = q {
            out.push((w.to_string(), q));
        }
    }
    out
}

/// [`queries`] as panel queries: the legend is the label, so each series is named by it.
pub fn query_configs(cfg: &SloConfig) -> Vec<crate::config::QueryConfig> {
    queries(cfg)
        .into_iter()
        .map(|(label, query)| crate::config::QueryConfig {
            query,
            legend: Some(label),
            thresholds: None,
        })
        .collect()
}

/// The query with its only range selector's range replaced by `range`:
/// `avg_over_time(up{job="app"}[30d])` → `avg_over_time(up{job="app"}[1h])`. A subquery keeps
/// its resolution (`[30d:5m]` → `[1h:5m]`). `None` unless there is exactly one range selector.
pub fn derive(query: &str, range: &str) -> Option<String> {
    let ranges = range_selectors(query);
    let [(start, end)] = ranges.as_slice() else {
        return None;
    };
    let inner = &query[*start..*end];
    let rest = inner.find(':').map_or("", |i| &inner[i..]);
    Some(format!(
        "{}{range}{rest}{}",
        &query[..*start],
        &query[*end..]
    ))
}

/// Byte ranges of the insides of `[...]` range selectors whose range is a duration, outside
/// string literals (a regex matcher such as `path=~"/a/[0-9]+"` is not one).
fn range_selectors(query: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut open: Option<usize> = None;
    for (i, c) in query.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '[' => open = Some(i + 1),
            ']' => {
                if let Some(s) = open.take() {
                    let inner = &query[s..i];
                    let range = inner.split(':').next().unwrap_or(inner);
                    if is_range(range.trim()) {
                        out.push((s, i));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A PromQL duration such as `30d`, `1h30m`, `4w` or `1y`, not zero.
fn is_range(text: &str) -> bool {
    let mut rest = text;
    let mut nonzero = false;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        nonzero |= rest[..digits].bytes().any(|b| b != b'0');
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h", "d", "w", "y"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        let Some(unit) = unit else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    nonzero
}
