//! Gauge panel: the value and a bar from `min` to `max` in the status colour.

use super::panel::View;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::{Gauge, Paragraph};

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let style = super::stale_if(theme.status(p.data_status()), p.is_stale(), theme);
    let v = p.value();
    let (min, max) = (p.cfg.min.unwrap_or(0.0), p.cfg.max.unwrap_or(100.0));
    let ratio = if v.is_finite() && max > min {
        ((v - min) / (max - min)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let max_text = crate::format::value(max, p.cfg.unit, p.cfg.decimals);
    let text = format!("{} of {max_text}", p.display());
    frame.render_widget(
        Paragraph::new(super::truncate(&text, area.width))
            .style(style)
            .alignment(Alignment::Center),
        Rect::new(area.x, area.y, area.width, 1),
    );
    if area.height >= 2 {
        let bar = Gauge::default()
            .gauge_style(style)
            .use_unicode(true)
            .label("")
            .ratio(ratio);
        frame.render_widget(bar, Rect::new(area.x, area.y + 1, area.width, 1));
    }
    if area.height >= 3 {
        if let Some(c) = super::threshold_caption(p.cfg.thresholds.as_ref(), p.cfg.unit) {
            frame.render_widget(
                Paragraph::new(super::truncate(&c, area.width))
                    .style(theme.muted)
                    .alignment(Alignment::Center),
                Rect::new(area.x, area.bottom() - 1, area.width, 1),
            );
        }
    }
}
