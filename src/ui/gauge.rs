//! Gauge panel: the value and a bar from `min` to `max` in the status colour.

use super::panel::View;
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};

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
        Plain::new(super::truncate(&text, area.width))
            .style(style)
            .alignment(Alignment::Center),
        Rect::new(area.x, area.y, area.width, 1),
    );
    if area.height >= 2 {
        let bar = Line::from(vec![
            Span::styled(bar(ratio, area.width), style),
            Span::styled("", theme.muted),
        ]);
        frame.render_widget(
            Plain::new(bar),
            Rect::new(area.x, area.y + 1, area.width, 1),
        );
    }
    if area.height >= 3 {
        if let Some(c) = super::threshold_caption(p.cfg.thresholds.as_ref(), p.cfg.unit, area.width)
        {
            frame.render_widget(
                Plain::new(c)
                    .style(theme.muted)
                    .alignment(Alignment::Center),
                Rect::new(area.x, area.bottom() - 1, area.width, 1),
            );
        }
    }
}

/// A solid bar of `ratio` of `width` cells, with an eighth-block for the last partial cell.
fn bar(ratio: f64, width: u16) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let cells = f64::from(width) * ratio.clamp(0.0, 1.0);
    let full = cells.floor() as usize;
    let part = ((cells - cells.floor()) * 8.0).round() as usize;
    let mut s = "█".repeat(full);
    match part {
        8 => s.push('█'),
        p if full < usize::from(width) => s.push_str(EIGHTHS[p]),
        _ => {}
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn bar_is_unbroken() {
        assert_eq!(super::bar(0.5, 10), "█████");
        assert_eq!(super::bar(0.85, 10), "████████▌");
        assert_eq!(super::bar(1.0, 4), "████");
        assert_eq!(super::bar(0.0, 4), "");
    }
}
