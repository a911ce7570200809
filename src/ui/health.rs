//! Health panel: one cell per target, `UP` / `DOWN` / `?` in words and colour; grouped by job
//! when there are more targets than cells, down ones first, `+N more` when even that overflows.

use super::panel::View;
use crate::state::SeriesData;
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::collections::BTreeMap;

/// Width of a cell besides its name: mark, spaces and the state word.
const CELL_EXTRA: usize = 9;

/// One cell: a name and how many of its targets are up, down, or without data.
#[derive(Default)]
struct Cell {
    name: String,
    up: usize,
    down: usize,
    unknown: usize,
}

impl Cell {
    fn add(&mut self, v: f64) {
        if v.is_nan() {
            self.unknown += 1;
        } else if v > 0.0 {
            self.up += 1;
        } else {
            self.down += 1;
        }
    }
    fn total(&self) -> usize {
        self.up + self.down + self.unknown
    }
    fn look(&self, theme: &Theme) -> (&'static str, String, Style) {
        let word = match (self.total(), self.down, self.unknown) {
            (1, 1, _) => "DOWN".to_string(),
            (1, _, 1) => "?".to_string(),
            (1, _, _) => "UP".to_string(),
            (t, _, _) => format!("{}/{t}", self.up),
        };
        if self.down > 0 {
            ("✖", word, theme.crit)
        } else if self.unknown > 0 {
            ("∅", word, theme.nodata)
        } else {
            ("●", word, theme.ok)
        }
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let stale = p.is_stale();
    let summary_style = super::stale_if(theme.status(p.data_status()), stale, theme);
    let all_rows = usize::from(area.height);
    let area_w = usize::from(area.width);
    let mut cells = cells(&p.series, all_rows.saturating_sub(1), area_w);
    let width = cells
        .iter()
        .map(|c| unicode_width::UnicodeWidthStr::width(c.name.as_str()) + CELL_EXTRA)
        .max()
        .unwrap_or(10)
        .min(area_w.max(1));
    let per_row = (area_w / width).max(1);
    // The "4/5 up" line only when the cells leave room for it (the title shows ✓/✖ anyway).
    let mut lines = Vec::new();
    if cells.len().div_ceil(per_row) < all_rows {
        lines.push(Line::from(Span::styled(p.display(), summary_style)));
    }
    let capacity = (all_rows - lines.len()) * per_row;
    let mut more = 0;
    if cells.len() > capacity && capacity > 0 {
        more = cells.len() - (capacity - 1);
        cells.truncate(capacity - 1);
    }
    let name_w = width.saturating_sub(CELL_EXTRA - 1);
    let mut row = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let (mark, word, style) = c.look(theme);
        let style = super::stale_if(style, stale, theme);
        let name = super::truncate(&c.name, u16::try_from(name_w).unwrap_or(u16::MAX));
        row.push(Span::styled(format!("{mark} "), style));
        row.push(Span::styled(format!("{name:<name_w$} "), theme.text));
        row.push(Span::styled(format!("{word:<5} "), style));
        if (i + 1) % per_row == 0 {
            lines.push(Line::from(std::mem::take(&mut row)));
        }
    }
    if more > 0 {
        row.push(Span::styled(format!("+{more} more"), theme.muted));
    }
    if !row.is_empty() {
        lines.push(Line::from(row));
    }
    frame.render_widget(Plain::new(lines), area);
}

/// Per-target cells when they fit, else one cell per `job`; down first, then unknown.
fn cells(series: &[SeriesData], rows: usize, width: usize) -> Vec<Cell> {
    let longest = series
        .iter()
        .map(|s| unicode_width::UnicodeWidthStr::width(s.name.as_str()) + CELL_EXTRA)
        .max()
        .unwrap_or(10);
    let capacity = rows * (width / longest.max(1)).max(1);
    let mut out: Vec<Cell> = if series.len() <= capacity {
        series
            .iter()
            .map(|s| {
                let mut c = Cell {
                    name: s.name.clone(),
                    ..Cell::default()
                };
                c.add(s.last());
                c
            })
            .collect()
    } else {
        let mut jobs: BTreeMap<String, Cell> = BTreeMap::new();
        for s in series {
            let job = s.labels.get("job").unwrap_or(&s.name);
            let c = jobs.entry(job.clone()).or_insert_with(|| Cell {
                name: job.clone(),
                ..Cell::default()
            });
            c.add(s.last());
        }
        jobs.into_values().collect()
    };
    out.sort_by_key(|c| (c.down == 0, c.unknown == 0));
    out
}
