//! Error-budget panel: availability against the target, downtime used of allowed, the budget
//! left as a bar and in words, and the 1h / 6h burn rates.
//!
//! ```text
//!            99.95%  target 99.9% over 30d
//!              downtime 21 of 43 min
//!   ████████████████████░░░░░░░░░░░░░░░░░░░░ 50% left
//!             burn 1h 0.4× · 6h 0.8×
//! ```
//! Rows drop by importance when the panel is short: availability, the bar, downtime, burn
//! rates, then the target. Every state reads without colour too (numbers, words, the bar).

use crate::slo::Budget;
use crate::slo::budget::burn_level;
use crate::slo::text;
use crate::state::Status;
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Draws the budget in `area` (inside the panel frame); "no data" when there is none.
pub fn render(frame: &mut Frame<'_>, area: Rect, b: Option<&Budget>, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let Some(b) = b else {
        let row = Rect::new(
            area.x,
            area.y + area.height.saturating_sub(1) / 2,
            area.width,
            1,
        );
        frame.render_widget(
            Plain::new("no data")
                .style(theme.nodata)
                .alignment(Alignment::Center),
            row,
        );
        return;
    };
    let rows = rows(b, area.width, theme);
    // The most important rows that fit, kept in display order.
    let mut keep: Vec<&Row<'_>> = rows
        .iter()
        .filter(|r| usize::from(r.priority) < usize::from(area.height))
        .collect();
    keep.sort_by_key(|r| r.order);
    let used = u16::try_from(keep.len()).unwrap_or(area.height);
    let top = area.y + area.height.saturating_sub(used) / 2;
    for (i, row) in (0u16..).zip(keep) {
        let r = Rect::new(area.x, top + i, area.width, 1);
        frame.render_widget(
            Plain::new(row.fit(area.width)).alignment(Alignment::Center),
            r,
        );
    }
}

/// One line of the panel: where it goes, how soon it is dropped (0 never), and its wordings
/// from the fullest to the shortest.
struct Row<'a> {
    order: u8,
    priority: u8,
    lines: Vec<Line<'a>>,
    /// The style of the row when even its shortest wording has to be cut.
    main: Style,
}

impl<'a> Row<'a> {
    fn new(order: u8, priority: u8, main: Style, lines: Vec<Line<'a>>) -> Self {
        Row {
            order,
            priority,
            lines,
            main,
        }
    }

    /// The fullest wording that fits, else the shortest cut with an ellipsis.
    fn fit(&self, width: u16) -> Line<'a> {
        if let Some(l) = self.lines.iter().find(|l| l.width() <= usize::from(width)) {
            return l.clone();
        }
        let plain: String = self
            .lines
            .last()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .unwrap_or_default();
        Line::from(Span::styled(
            crate::ui::truncate(plain.trim(), width),
            self.main,
        ))
    }
}

fn rows<'a>(b: &Budget, width: u16, theme: &Theme) -> Vec<Row<'a>> {
    let style = theme.status(b.status);
    let avail = text::format_availability(b.availability, b.target);
    let target = text::format_target(b.target);
    let over = format!(
        "target {target} over {}",
        text::format_window(b.window_secs)
    );
    let both = avail.width() + 2 + over.width() <= usize::from(width);
    let mut first = vec![Span::styled(avail, style.add_modifier(Modifier::BOLD))];
    if both {
        first.push(Span::styled(format!("  {over}"), theme.muted));
    }
    let used = text::downtime(b);
    let worst_burn = b.burn_1h.into_iter().chain(b.burn_6h).reduce(f64::max);
    let mut out = vec![
        Row::new(0, 0, style, vec![Line::from(first)]),
        Row::new(
            2,
            2,
            theme.text,
            vec![
                Line::from(vec![
                    Span::styled("downtime ", theme.muted),
                    Span::styled(used.clone(), theme.text),
                ]),
                Line::from(Span::styled(used, theme.text)),
            ],
        ),
        Row::new(3, 1, style, vec![bar_line(b, width, style, theme)]),
        Row::new(
            4,
            3,
            burn_style(worst_burn, theme),
            vec![burn_line(b, "burn 1h ", theme), burn_line(b, "1h ", theme)],
        ),
    ];
    if !both {
        let lines = vec![
            Line::from(Span::styled(over, theme.muted)),
            Line::from(Span::styled(format!("target {target}"), theme.muted)),
        ];
        out.push(Row::new(1, 4, theme.muted, lines));
    }
    out
}

/// Remaining budget as filled blocks in the status colour over a muted track, then in words.
fn bar_line<'a>(b: &Budget, width: u16, style: Style, theme: &Theme) -> Line<'a> {
    let words = text::left(b);
    let room = usize::from(width).saturating_sub(words.width() + 1);
    if room < 4 {
        return Line::from(Span::styled(words, style));
    }
    let cells = bar_cells(b.remaining_ratio, room);
    Line::from(vec![
        Span::styled("█".repeat(cells), style),
        Span::styled("░".repeat(room - cells), theme.muted),
        Span::styled(format!(" {words}"), style),
    ])
}

/// Whole cells of `width` filled for the share left (cut, so a sliver left still shows one).
pub fn bar_cells(remaining_ratio: f64, width: usize) -> usize {
    if remaining_ratio.is_nan() || remaining_ratio <= crate::slo::budget::SLACK {
        return 0;
    }
    let cells = (remaining_ratio.min(1.0) * width as f64 + 1e-9).floor() as usize;
    cells.clamp(1, width)
}

/// `burn 1h 0.4× · 6h 0.8×`, each rate in the colour of its own level.
fn burn_line<'a>(b: &Budget, lead: &'static str, theme: &Theme) -> Line<'a> {
    let rate = |v: Option<f64>| Span::styled(text::format_burn(v), burn_style(v, theme));
    Line::from(vec![
        Span::styled(lead, theme.muted),
        rate(b.burn_1h),
        Span::styled(" · 6h ", theme.muted),
        rate(b.burn_6h),
    ])
}

/// A burn rate's colour: plain text below ticket speed, warn or crit above, muted with no answer.
fn burn_style(v: Option<f64>, theme: &Theme) -> Style {
    match v.map_or(Status::NoData, burn_level) {
        Status::Ok => theme.text,
        Status::NoData => theme.muted,
        other => theme.status(other),
    }
}
