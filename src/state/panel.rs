//! One panel's data and the status derived from it.

use crate::config::{Direction, PanelConfig, PanelKind, QueryConfig, Thresholds};
use crate::sources::prometheus::{Labels, Series, end_with};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;

/// What a panel (or a series) says, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    NoData,
    Warn,
    Crit,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NoData => "nodata",
            Status::Warn => "warn",
            Status::Crit => "crit",
            Status::Error => "error",
        }
    }
}

/// Status of a value against thresholds (`>=`, mirrored for `direction = "below"`).
pub fn threshold_status(v: f64, t: Option<&Thresholds>) -> Status {
    if v.is_nan() {
        return Status::NoData;
    }
    let Some(t) = t else {
        return Status::Ok;
    };
    let hit = |limit: Option<f64>| {
        limit.is_some_and(|l| match t.direction {
            Direction::Above => v >= l,
            Direction::Below => v <= l,
        })
    };
    if hit(t.crit) {
        Status::Crit
    } else if hit(t.warn) {
        Status::Warn
    } else {
        Status::Ok
    }
}

/// A series ready to draw: sanitized name and labels, its query's thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesData {
    pub name: String,
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
    pub thresholds: Option<Thresholds>,
}

impl SeriesData {
    pub fn last(&self) -> f64 {
        self.points.last().map_or(f64::NAN, |p| p.1)
    }
    pub fn status(&self) -> Status {
        threshold_status(self.last(), self.thresholds.as_ref())
    }
}

/// How a failed load is attributed: to the panel (bad query) or to its source (unreachable).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    pub source_down: bool,
}

#[derive(Debug, Clone)]
pub struct PanelState {
    pub cfg: PanelConfig,
    pub id: String,
    pub source: String,
    pub queries: Vec<QueryConfig>,
    pub series: Vec<SeriesData>,
    pub updated_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub in_flight: bool,
    pub next_due: DateTime<Utc>,
    pub refresh: Duration,
    /// Charts and stat sparklines: the grid window (start, end, step) last asked for, forgotten
    /// when an answer fails and on `r`. Until the grid moves, asking again would bring the same
    /// points.
    pub window: Option<(f64, f64, f64)>,
    /// Changes whenever the data or the error changes (unique in the process): what a panel's
    /// body kept from an earlier frame is checked against.
    pub generation: u64,
    /// Stat panels: whether the answer on its way is the sparkline's range (else the latest
    /// value alone, which [`PanelState::apply_latest`] adds to the points already held).
    pub asked_range: bool,
    /// Logs panels: the lines and the view of them.
    pub logs: Option<Box<super::feeds::LogsView>>,
    /// Errors panels: the issues and the view of them.
    pub errors: Option<Box<super::feeds::ErrorsView>>,
    /// Charts: the chart's width in braille columns last worked out, for this generation and
    /// body area (the update asks it at every tick, and every frame checks it).
    pub chart_dots: std::cell::Cell<Option<(u64, ratatui::layout::Rect, Option<u16>)>>,
}

/// Whether two answers hold the same series with the same values, in order (times aside; NaN
/// is the same as NaN).
fn same_values(a: &[SeriesData], b: &[SeriesData]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.name == y.name
                && x.labels == y.labels
                && x.thresholds == y.thresholds
                && x.points.len() == y.points.len()
                && x.points
                    .iter()
                    .zip(&y.points)
                    .all(|(p, q)| p.1.to_bits() == q.1.to_bits())
        })
}

/// A number never handed out before in this process.
pub fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl PanelState {
    pub fn new(cfg: PanelConfig, source: String, refresh: Duration, now: DateTime<Utc>) -> Self {
        PanelState {
            id: cfg.panel_id(),
            queries: cfg.all_queries(),
            source,
            series: Vec::new(),
            updated_at: None,
            error: None,
            in_flight: false,
            next_due: now,
            refresh: match (&cfg.refresh, &cfg.slo) {
                (Some(d), _) => d.0,
                (None, Some(slo)) => slo.refresh(refresh),
                (None, None) => refresh,
            },
            window: None,
            asked_range: false,
            generation: next_generation(),
            logs: (cfg.kind == PanelKind::Logs).then(|| {
                Box::new(super::feeds::LogsView::new(
                    cfg.buffer.unwrap_or(super::feeds::DEFAULT_BUFFER),
                ))
            }),
            errors: (cfg.kind == PanelKind::Errors).then(Box::default),
            chart_dots: std::cell::Cell::new(None),
            cfg,
        }
    }

    /// Takes a successful answer: one result per query, in query order.
    pub fn apply(&mut self, results: Vec<Vec<Series>>, at: DateTime<Utc>) {
        let fresh = self.series_from(results);
        self.take_series(fresh, at);
    }

    fn series_from(&self, results: Vec<Vec<Series>>) -> Vec<SeriesData> {
        let mut out = Vec::new();
        for (q, series) in self.queries.iter().zip(results) {
            for s in series {
                out.push(SeriesData {
                    name: series_name(q, &s.labels),
                    labels: s
                        .labels
                        .iter()
                        .map(|(k, v)| (crate::sanitize::line(k), crate::sanitize::line(v)))
                        .collect(),
                    points: s.points,
                    thresholds: q.thresholds,
                });
            }
        }
        out
    }

    /// New data. A stat, gauge, health or error budget body shows values, not their times:
    /// when only the times moved (a source scraped every 15 s answers the same values for
    /// 15 s), the generation stays and the body kept from the last frame is used again.
    fn take_series(&mut self, fresh: Vec<SeriesData>, at: DateTime<Utc>) {
        let by_value = matches!(
            self.cfg.kind,
            PanelKind::Stat | PanelKind::Gauge | PanelKind::Health | PanelKind::Slo
        );
        let same = by_value && self.error.is_none() && same_values(&self.series, &fresh);
        self.series = fresh;
        self.updated_at = Some(at);
        self.error = None;
        if !same {
            self.generation = next_generation();
        }
    }

    /// The last poll failed with `message` (what was shown stays, marked stale).
    pub fn failed(&mut self, message: String) {
        self.error = Some(message);
        self.generation = next_generation();
    }

    /// Takes an answer of latest values (one instant query per query): each series keeps its
    /// points up to `grid_end` and ends with the latest value; a series without a latest value
    /// is gone.
    pub fn apply_latest(&mut self, results: Vec<Vec<Series>>, grid_end: f64, at: DateTime<Utc>) {
        let mut fresh = self.series_from(results);
        for s in &mut fresh {
            let Some(latest) = s.points.last().copied() else {
                continue;
            };
            if let Some(old) = self
                .series
                .iter()
                .find(|o| o.name == s.name && o.labels == s.labels)
            {
                let mut points: Vec<(f64, f64)> = old
                    .points
                    .iter()
                    .copied()
                    .filter(|p| p.0 <= grid_end)
                    .collect();
                end_with(&mut points, latest);
                s.points = points;
            }
        }
        self.take_series(fresh, at);
    }

    /// The panel's headline number: the health panel's count of up series, else the first
    /// series' latest value.
    pub fn value(&self) -> f64 {
        if let Some(slo) = &self.cfg.slo {
            return crate::slo::from_series(slo, &self.series).map_or(f64::NAN, |b| b.availability);
        }
        if let Some(l) = &self.logs {
            return l.lines.len() as f64;
        }
        if let Some(e) = &self.errors {
            return e.issues.len() as f64;
        }
        match self.cfg.kind {
            PanelKind::Health if self.series.iter().all(|s| s.last().is_nan()) => f64::NAN,
            PanelKind::Health => self.series.iter().filter(|s| s.last() > 0.0).count() as f64,
            // (NaN targets count as neither up nor down.)
            _ => self.series.first().map_or(f64::NAN, SeriesData::last),
        }
    }

    /// Status from the data alone (what the last good data says).
    pub fn data_status(&self) -> Status {
        match (&self.logs, &self.errors) {
            (Some(l), _) if l.lines.is_empty() => return Status::NoData,
            (Some(_), _) => return Status::Ok,
            // An issue first seen since the dashboard started is worth a look.
            (_, Some(e)) if e.issues.iter().any(|g| g.new) => return Status::Warn,
            (_, Some(e)) if e.baseline.is_some() => return Status::Ok,
            (_, Some(_)) => return Status::NoData,
            _ => {}
        }
        if let Some(slo) = &self.cfg.slo {
            return crate::slo::from_series(slo, &self.series).map_or(Status::NoData, |b| b.status);
        }
        if self.series.is_empty() {
            return Status::NoData;
        }
        match self.cfg.kind {
            PanelKind::Health => {
                if self.series.iter().any(|s| s.last() == 0.0) {
                    Status::Crit
                } else if self.series.iter().all(|s| s.last().is_nan()) {
                    Status::NoData
                } else {
                    Status::Ok
                }
            }
            PanelKind::Timeseries => {
                let worst = self.series.iter().map(SeriesData::status).max();
                match worst {
                    Some(Status::NoData) | None => Status::NoData,
                    Some(s) => s,
                }
            }
            PanelKind::Stat
            | PanelKind::Gauge
            | PanelKind::Incidents
            | PanelKind::Oncall
            | PanelKind::Slo
            | PanelKind::Logs
            | PanelKind::Errors => self
                .series
                .first()
                .map_or(Status::NoData, SeriesData::status),
        }
    }

    pub fn status(&self) -> Status {
        if self.error.is_some() {
            Status::Error
        } else {
            self.data_status()
        }
    }

    /// Whether what is shown is older than the last attempt (the last load failed).
    pub fn is_stale(&self) -> bool {
        self.error.is_some() && self.updated_at.is_some()
    }

    /// The text the screen shows for the headline value.
    pub fn display(&self) -> String {
        let v = self.value();
        match self.cfg.kind {
            PanelKind::Health if !v.is_nan() => format!("{}/{} up", v, self.series.len()),
            PanelKind::Logs => format!("{v} lines"),
            PanelKind::Slo => self
                .cfg
                .slo
                .as_ref()
                .and_then(|s| crate::slo::from_series(s, &self.series))
                .map_or_else(|| "no data".into(), |b| crate::slo::text::summary(&b)),
            PanelKind::Errors => {
                let new = self
                    .errors
                    .as_ref()
                    .map_or(0, |e| e.issues.iter().filter(|g| g.new).count());
                format!("{v} issues, {new} new")
            }
            _ => crate::format::value(v, self.cfg.unit, self.cfg.decimals),
        }
    }
}

/// Series name: the legend template with `{{label}}` filled in, else the labels, else the query.
pub fn series_name(q: &QueryConfig, labels: &Labels) -> String {
    let name = match &q.legend {
        Some(t) => fill_template(t, labels),
        None if labels.is_empty() => q.query.clone(),
        None => {
            let inner: Vec<String> = labels
                .iter()
                .filter(|(k, _)| k.as_str() != "__name__")
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            let metric = labels.get("__name__").map_or("", String::as_str);
            format!("{metric}{{{}}}", inner.join(","))
        }
    };
    crate::sanitize::line(&name)
}

fn fill_template(t: &str, labels: &Labels) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start + 2..].find("}}") {
            Some(end) => {
                let key = rest[start + 2..start + 2 + end].trim();
                out.push_str(labels.get(key).map_or("", String::as_str));
                rest = &rest[start + 2 + end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn th(warn: f64, crit: f64, direction: Direction) -> Thresholds {
        Thresholds {
            warn: Some(warn),
            crit: Some(crit),
            direction,
        }
    }

    #[test]
    fn a_body_is_drawn_again_only_when_its_values_change() {
        let now = Utc::now();
        let panel = |kind| {
            let mut cfg = PanelConfig::new("p", kind);
            cfg.query = Some("q".into());
            PanelState::new(cfg, "prom".into(), Duration::from_secs(1), now)
        };
        let answer = |t: f64, v: f64| {
            vec![vec![Series {
                labels: Labels::new(),
                points: vec![(t, v)],
            }]]
        };
        for kind in [
            PanelKind::Stat,
            PanelKind::Gauge,
            PanelKind::Health,
            PanelKind::Slo,
        ] {
            let mut p = panel(kind);
            p.apply(answer(10.0, 1.0), now);
            let g = p.generation;
            // The same value a second later: the same body.
            p.apply(answer(11.0, 1.0), now);
            assert_eq!(p.generation, g, "{kind:?}");
            assert_eq!(
                p.series[0].points,
                vec![(11.0, 1.0)],
                "the data is the new one"
            );
            p.apply(answer(12.0, 2.0), now);
            assert_ne!(p.generation, g, "{kind:?}: a new value");
            let g = p.generation;
            p.failed("down".into());
            assert_ne!(p.generation, g);
            let g = p.generation;
            p.apply(answer(13.0, 2.0), now);
            assert_ne!(p.generation, g, "{kind:?}: back from an error");
            let g = p.generation;
            p.apply(answer(14.0, f64::NAN), now);
            p.apply(answer(15.0, f64::NAN), now);
            assert_ne!(p.generation, g);
            let g = p.generation;
            p.apply(answer(16.0, f64::NAN), now);
            assert_eq!(p.generation, g, "NaN twice is the same");
        }
        // A stat's value now, added to its sparkline: the same value keeps the body.
        let mut s = panel(PanelKind::Stat);
        s.apply(
            vec![vec![Series {
                labels: Labels::new(),
                points: vec![(0.0, 5.0), (30.0, 6.0)],
            }]],
            now,
        );
        s.apply_latest(answer(40.0, 7.0), 30.0, now);
        let g = s.generation;
        s.apply_latest(answer(41.0, 7.0), 30.0, now);
        assert_eq!(s.generation, g);
        assert_eq!(
            s.series[0].points,
            vec![(0.0, 5.0), (30.0, 6.0), (41.0, 7.0)]
        );
        s.apply_latest(answer(42.0, 8.0), 30.0, now);
        assert_ne!(s.generation, g);
        // A chart's points are placed by their times: every answer is drawn.
        let mut c = panel(PanelKind::Timeseries);
        c.apply(answer(10.0, 1.0), now);
        let g = c.generation;
        c.apply(answer(11.0, 1.0), now);
        assert_ne!(c.generation, g);
    }

    #[test]
    fn thresholds_use_greater_or_equal() {
        let t = th(0.005, 0.01, Direction::Above);
        assert_eq!(threshold_status(0.004, Some(&t)), Status::Ok);
        assert_eq!(threshold_status(0.005, Some(&t)), Status::Warn);
        assert_eq!(threshold_status(0.01, Some(&t)), Status::Crit);
        assert_eq!(threshold_status(f64::INFINITY, Some(&t)), Status::Crit);
        assert_eq!(threshold_status(f64::NAN, Some(&t)), Status::NoData);
        let b = th(0.999, 0.99, Direction::Below);
        assert_eq!(threshold_status(0.9995, Some(&b)), Status::Ok);
        assert_eq!(threshold_status(0.999, Some(&b)), Status::Warn);
        assert_eq!(threshold_status(0.98, Some(&b)), Status::Crit);
    }

    #[test]
    fn legend_templates() {
        let mut l = Labels::new();
        l.insert("job".into(), "api".into());
        l.insert("instance".into(), "a:1".into());
        let q = QueryConfig {
            query: "up".into(),
            legend: Some("{{job}} {{ instance }} {{missing}}".into()),
            thresholds: None,
        };
        assert_eq!(series_name(&q, &l), "api a:1");
        let q = QueryConfig { legend: None, ..q };
        assert_eq!(series_name(&q, &l), "{instance=\"a:1\",job=\"api\"}");
        assert_eq!(series_name(&q, &Labels::new()), "up");
    }
}
