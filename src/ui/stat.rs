//! Stat panel: the headline value in its status colour, a sparkline of its history, thresholds.

use super::panel::View;
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::Sparkline;

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let status = p.data_status();
    let style = super::stale_if(theme.status(status), p.is_stale(), theme);
    let mut value = p.display();
    if p.series.len() > 1 {
        value.push_str(&format!("  (+{} series)", p.series.len() - 1));
    }
    // The wall screen: the value in large digits when the panel has the room.
    if view.state.wall && area.height >= 4 {
        let (big, w) = super::bigtext::lines(
            &p.display(),
            style.add_modifier(ratatui::style::Modifier::BOLD),
        );
        if w <= usize::from(area.width) {
            frame.render_widget(
                Plain::new(big).alignment(Alignment::Center),
                Rect::new(area.x, area.y, area.width, 3),
            );
            if area.height > 4 {
                if let Some(s) = p.series.first() {
                    let rows = area.height - 3;
                    let data = spark_data(&s.points, usize::from(area.width), rows);
                    let r = Rect::new(area.x, area.y + 3, area.width, rows);
                    frame.render_widget(Sparkline::default().data(&data).max(100).style(style), r);
                }
            }
            return;
        }
    }
    let value_row = Rect::new(area.x, area.y, area.width, 1);
    frame.render_widget(
        Plain::new(super::truncate(&value, area.width))
            .style(style)
            .alignment(Alignment::Center),
        value_row,
    );
    let caption = super::threshold_caption(p.cfg.thresholds.as_ref(), p.cfg.unit, area.width);
    let spark_h = area
        .height
        .saturating_sub(1)
        .saturating_sub(u16::from(caption.is_some() && area.height >= 3));
    if spark_h > 0 {
        if let Some(s) = p.series.first() {
            let data = spark_data(&s.points, usize::from(area.width), spark_h);
            let r = Rect::new(area.x, area.y + 1, area.width, spark_h);
            frame.render_widget(Sparkline::default().data(&data).max(100).style(style), r);
        }
    }
    if let Some(c) = caption {
        if area.height >= 3 {
            let r = Rect::new(area.x, area.bottom() - 1, area.width, 1);
            frame.render_widget(
                Plain::new(c)
                    .style(theme.muted)
                    .alignment(Alignment::Center),
                r,
            );
        }
    }
}

/// The last `width` finite points scaled to 100, the lowest still one eighth of a cell high in a
/// sparkline of `rows` rows (so a spike does not blank out the rest).
pub fn spark_data(points: &[(f64, f64)], width: usize, rows: u16) -> Vec<u64> {
    let floor = 100.0 / (8.0 * f64::from(rows.max(1)));
    let tail = &points[points.len().saturating_sub(width)..];
    let finite = tail.iter().map(|p| p.1).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    tail.iter()
        .map(|&(_, v)| {
            if !v.is_finite() {
                0
            } else if hi > lo {
                (floor + (100.0 - floor) * (v - lo) / (hi - lo)).ceil() as u64
            } else {
                50
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_keeps_the_tail() {
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (f64::from(i), f64::from(i))).collect();
        assert_eq!(spark_data(&pts, 3, 1), vec![13, 57, 100]);
        assert_eq!(
            spark_data(&[(0.0, 5.0), (1.0, f64::NAN)], 10, 2),
            vec![50, 0]
        );
    }
}
