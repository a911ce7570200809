//! Health panel: one cell per target, `UP` or `DOWN` in words and colour; grouped by job when
//! there are more targets than cells.

use super::panel::View;
use crate::state::SeriesData;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::BTreeMap;

/// One cell: a name and how many of its targets are up.
struct Cell {
    name: String,
    up: usize,
    total: usize,
}

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let stale = p.is_stale();
    let summary_style = super::stale_if(theme.status(p.data_status()), stale, theme);
    let all_rows = usize::from(area.height);
    let cells = cells(&p.series, all_rows.saturating_sub(1), usize::from(area.width));
    let width = cells
        .iter()
        .map(|c| unicode_width::UnicodeWidthStr::width(c.name.as_str()) + 9)
        .max()
        .unwrap_or(10)
        .min(usize::from(area.width).max(1));
    let per_row = (usize::from(area.width) / width).max(1);
    // The "4/5 up" line only when the cells leave room for it (the title shows ✓/✖ anyway).
    let needed = cells.len().div_ceil(per_row);
    let mut lines = Vec::new();
    if needed < all_rows {
        lines.push(Line::from(Span::styled(p.display(), summary_style)));
    }
    let rows = all_rows - lines.len();
    for chunk in cells.chunks(per_row).take(rows) {
        let mut spans = Vec::new();
        for c in chunk {
            let down = c.up < c.total;
            let style = super::stale_if(if down { theme.crit } else { theme.ok }, stale, theme);
            let mark = if down { "✖" } else { "●" };
            let state = match (c.total, down) {
                (1, true) => "DOWN".to_string(),
                (1, false) => "UP".to_string(),
                _ => format!("{}/{}", c.up, c.total),
            };
            let name_w = width.saturating_sub(state.len() + 4);
            let name = super::truncate(&c.name, u16::try_from(name_w).unwrap_or(u16::MAX));
            spans.push(Span::styled(format!("{mark} "), style));
            spans.push(Span::styled(format!("{name:<name_w$} "), theme.text));
            spans.push(Span::styled(format!("{state:<5}"), style));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Per-target cells when they fit, else one cell per `job`, down ones first.
fn cells(series: &[SeriesData], rows: usize, width: usize) -> Vec<Cell> {
    let per_target: Vec<Cell> = series
        .iter()
        .map(|s| Cell {
            name: s.name.clone(),
            up: usize::from(s.last() > 0.0),
            total: 1,
        })
        .collect();
    let longest = per_target
        .iter()
        .map(|c| c.name.len() + 9)
        .max()
        .unwrap_or(10);
    let capacity = rows * (width / longest.max(1)).max(1);
    let mut out = if per_target.len() <= capacity {
        per_target
    } else {
        let mut jobs: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for s in series {
            let job = s
                .labels
                .get("job")
                .cloned()
                .unwrap_or_else(|| s.name.clone());
            let e = jobs.entry(job).or_default();
            e.0 += usize::from(s.last() > 0.0);
            e.1 += 1;
        }
        jobs.into_iter()
            .map(|(name, (up, total))| Cell { name, up, total })
            .collect()
    };
    out.sort_by_key(|c| c.up == c.total);
    out
}
