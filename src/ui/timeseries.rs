//! Time series panel: a legend row with each series' latest value, then a braille chart with
//! dashed threshold lines.

use super::panel::View;
use crate::state::{SeriesData, Status};
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

/// Most series drawn in one chart; the rest are counted in the legend.
const MAX_SERIES: usize = 8;

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let stale = p.is_stale();
    let legend = legend(
        &p.series,
        p.cfg.unit,
        p.cfg.decimals,
        theme,
        stale,
        area.width,
    );
    frame.render_widget(Plain::new(legend), Rect::new(area.x, area.y, area.width, 1));
    if area.height < 3 {
        return;
    }
    if view.state.low_bandwidth {
        sparklines(frame, area, p, theme);
        return;
    }
    let chart_area = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let geometry = Geometry::of(p, chart_area);
    // The window the query asked for: between two steps only its newest point moves, and on
    // the chart's own grid the picture moves by whole cells.
    let history = p.cfg.history().as_secs_f64();
    let now = view.now.timestamp_millis() as f64 / 1000.0;
    let (start, end, step) = crate::update::chart_window(history, now, Some(geometry.dots));
    let end = crate::update::chart_right(end, step).max(end);
    let points = finite_points(p, start);
    let (lo, hi) = (geometry.lo, geometry.hi);
    let threshold_lines: Vec<[(f64, f64); 2]> = p
        .series
        .iter()
        .filter_map(|s| s.thresholds.and_then(|t| t.crit.or(t.warn)))
        .filter(|v| *v <= hi)
        .map(|v| [(start, v), (end, v)])
        .collect();
    let mut datasets: Vec<Dataset<'_>> = threshold_lines
        .iter()
        .map(|line| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.threshold)
                .data(line)
        })
        .collect();
    for (i, pts) in points.iter().enumerate() {
        let style = super::stale_if(Style::default().fg(theme.series_color(i)), stale, theme);
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(style)
                .data(pts),
        );
    }
    let history = crate::duration::format_duration(p.cfg.history().0);
    // Short charts keep their rows for data: the time axis shows only from 6 rows up.
    let x_axis = Axis::default().bounds([start, end]).style(theme.muted);
    let x_axis = if chart_area.height >= 6 {
        x_axis.labels([Span::raw(format!("-{history}")), Span::raw("now")])
    } else {
        x_axis
    };
    let [low, high] = geometry.labels;
    let chart = Chart::new(datasets).x_axis(x_axis).y_axis(
        Axis::default()
            .bounds([lo, hi])
            .style(theme.muted)
            .labels([Span::raw(low), Span::raw(high)]),
    );
    frame.render_widget(chart, chart_area);
}

/// The finite points from `start` on of the series a chart draws.
fn finite_points(p: &crate::state::PanelState, start: f64) -> Vec<Vec<(f64, f64)>> {
    p.series
        .iter()
        .take(MAX_SERIES)
        .map(|s| {
            let mut kept = Vec::with_capacity(s.points.len());
            kept.extend(
                s.points
                    .iter()
                    .copied()
                    .filter(|(t, v)| v.is_finite() && *t >= start),
            );
            kept
        })
        .collect()
}

/// What decides where a chart's points go: its y range and labels, and its width in braille
/// columns as ratatui's `Chart` lays it out (the area less the y labels and the axis).
struct Geometry {
    lo: f64,
    hi: f64,
    labels: [String; 2],
    dots: u16,
}

impl Geometry {
    /// For the chart `area` (below the legend). The y range covers every point held: the query
    /// asked for the window drawn, and the width cannot depend on the window.
    fn of(p: &crate::state::PanelState, area: Rect) -> Geometry {
        let values = p
            .series
            .iter()
            .take(MAX_SERIES)
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite());
        let thresholds: Vec<f64> = p
            .series
            .iter()
            .filter_map(|s| s.thresholds)
            .flat_map(|t| [t.warn, t.crit])
            .flatten()
            .collect();
        let (lo, hi) = bounds(values, &thresholds);
        let labels = [
            crate::format::axis(lo, p.cfg.unit),
            crate::format::axis(hi, p.cfg.unit),
        ];
        // As `Chart::layout`: the widest y label or the first x label less the axis column
        // (left aligned), at most a third of the width, then the axis itself.
        let widest = labels
            .iter()
            .map(|l| unicode_width::UnicodeWidthStr::width(l.as_str()))
            .max()
            .unwrap_or(0) as u16;
        let first_x = if area.height >= 6 {
            let history = crate::duration::format_duration(p.cfg.history().0);
            // "-1h" under the axis: all but its last column is left of it.
            unicode_width::UnicodeWidthStr::width(history.as_str()) as u16
        } else {
            0
        };
        let mut left = widest.max(first_x).min(area.width / 3);
        if area.x + left + 1 < area.right() {
            left += 1;
        }
        Geometry {
            lo,
            hi,
            labels,
            dots: area.width.saturating_sub(left).saturating_mul(2),
        }
    }
}

/// The width in braille columns of the chart a timeseries panel draws in its body `area`
/// (worked out once per data generation and area).
pub fn chart_dots(p: &crate::state::PanelState, area: Rect) -> Option<u16> {
    if let Some((generation, at, dots)) = p.chart_dots.get()
        && generation == p.generation
        && at == area
    {
        return dots;
    }
    let dots = (area.height >= 3).then(|| {
        Geometry::of(
            p,
            Rect::new(area.x, area.y + 1, area.width, area.height - 1),
        )
        .dots
    });
    p.chart_dots.set(Some((p.generation, area, dots)));
    dots
}

/// On a slow link: one sparkline per series instead of a braille chart (far fewer bytes).
fn sparklines(frame: &mut Frame<'_>, area: Rect, p: &crate::state::PanelState, theme: &Theme) {
    let rows = usize::from(area.height - 1);
    let n = p.series.len().min(rows).max(1);
    let each = u16::try_from(rows / n).unwrap_or(1).max(1);
    for (i, s) in p.series.iter().take(n).enumerate() {
        let y = area.y + 1 + each * i as u16;
        let r = Rect::new(area.x, y, area.width, each);
        let data = super::stat::spark_data(&s.points, usize::from(area.width), each);
        let style = Style::default().fg(theme.series_color(i));
        frame.render_widget(
            ratatui::widgets::Sparkline::default()
                .data(&data)
                .max(100)
                .style(style),
            r,
        );
    }
}

/// `■ p50 45 ms  ■ p95 180 ms ▲  ■ p99 420 ms` with each name in its series colour; entries that
/// do not fit are counted as `+N`.
fn legend<'a>(
    series: &'a [SeriesData],
    unit: crate::config::Unit,
    decimals: Option<u8>,
    theme: &Theme,
    stale: bool,
    width: u16,
) -> Line<'a> {
    let mut spans = Vec::new();
    let mut used = 0usize;
    let room = usize::from(width);
    for (i, s) in series.iter().enumerate() {
        let status = s.status();
        let value = crate::format::value(s.last(), unit, decimals);
        let mark = match status {
            Status::Warn => " ▲",
            Status::Crit => " ✖",
            _ => "",
        };
        let entry = format!("■ {} {value}{mark}  ", s.name);
        let w = unicode_width::UnicodeWidthStr::width(entry.as_str());
        let left = series.len() - i;
        let reserve = if left > 1 { 4 } else { 0 };
        if i >= MAX_SERIES || used + w > room.saturating_sub(reserve) {
            spans.push(Span::styled(format!("+{left}"), theme.muted));
            break;
        }
        used += w;
        spans.push(Span::styled(
            format!("■ {} ", s.name),
            Style::default().fg(theme.series_color(i)),
        ));
        let vstyle = match status {
            Status::Warn | Status::Crit => theme.status(status),
            _ => theme.text,
        };
        spans.push(Span::styled(value, super::stale_if(vstyle, stale, theme)));
        spans.push(Span::styled(format!("{mark}  "), theme.status(status)));
    }
    if series.is_empty() {
        spans.push(Span::styled("no data", theme.nodata));
    }
    Line::from(spans)
}

/// Y range covering the data and the thresholds near it, starting at 0 for non-negative data.
#[cfg(test)]
fn y_bounds(series: &[Vec<(f64, f64)>], thresholds: &[f64]) -> (f64, f64) {
    bounds(series.iter().flatten().map(|p| p.1), thresholds)
}

/// [`y_bounds`] of the finite `values` of the points.
fn bounds(values: impl Iterator<Item = f64>, thresholds: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    // Show a threshold when it is within reach (up to twice the data's maximum).
    for &t in thresholds {
        if t.is_finite() && t <= hi.max(0.0) * 2.0 {
            hi = hi.max(t);
        }
    }
    if lo >= 0.0 {
        lo = 0.0;
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    (lo, hi + (hi - lo) * 0.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_include_near_thresholds_only() {
        let s = vec![vec![(0.0, 0.1), (1.0, 0.15)]];
        let (lo, hi) = y_bounds(&s, &[0.2]);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.2);
        let (_, hi) = y_bounds(&s, &[5.0]);
        assert!(hi < 1.0);
        assert_eq!(y_bounds(&[], &[]), (0.0, 1.0));
    }

    /// The width kept with the panel is the one worked out afresh, after new data and in
    /// another area.
    #[test]
    fn the_kept_chart_width_follows_the_data_and_the_area() {
        use crate::sources::prometheus::Series;
        let cfg: crate::config::PanelConfig =
            toml::from_str("title = \"t\"\nkind = \"timeseries\"\nquery = \"up\"")
                .expect("a panel");
        let now = chrono::Utc::now();
        let mut p = crate::state::PanelState::new(
            cfg,
            "prom".into(),
            std::time::Duration::from_secs(5),
            now,
        );
        let afresh = |p: &crate::state::PanelState, a: Rect| {
            Geometry::of(p, Rect::new(a.x, a.y + 1, a.width, a.height - 1)).dots
        };
        let (wide, narrow) = (Rect::new(0, 0, 60, 10), Rect::new(0, 0, 30, 10));
        for top in [1.0, 123_456_789.0, 2.0] {
            let points = vec![(0.0, 0.0), (60.0, top)];
            let labels = Default::default();
            p.apply(vec![vec![Series { labels, points }]], now);
            for area in [wide, narrow, wide] {
                assert_eq!(
                    chart_dots(&p, area),
                    Some(afresh(&p, area)),
                    "{top} in {area:?}"
                );
            }
        }
        // The labels' width shows in the chart's: the values moved it.
        p.apply(
            vec![vec![Series {
                labels: Default::default(),
                points: vec![(0.0, 1.0)],
            }]],
            now,
        );
        let small = chart_dots(&p, wide);
        let big = vec![(0.0, 123_456_789.0)];
        p.apply(
            vec![vec![Series {
                labels: Default::default(),
                points: big,
            }]],
            now,
        );
        assert_ne!(chart_dots(&p, wide), small);
    }
}
