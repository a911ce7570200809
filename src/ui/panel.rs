//! The frame every panel shares: border, title, status marker, data age, error line.

use super::{errors, gauge, health, incidents, logs, stat, timeseries};
use crate::config::PanelKind;
use crate::state::{PanelState, Status};
use crate::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

/// What a panel renderer needs.
pub struct View<'a> {
    pub panel: &'a PanelState,
    pub focused: bool,
    pub now: DateTime<Utc>,
    pub state: &'a crate::state::State,
}

/// The marker shown next to the title; words as well as colour, so it reads without colour.
pub fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Ok => "✓",
        Status::NoData => "∅ no data",
        Status::Warn => "▲ WARN",
        Status::Crit => "✖ CRIT",
        Status::Error => "✗ ERROR",
    }
}

/// The status marker and data age, shortened so the title stays readable in narrow panels.
fn title_right<'a>(
    p: &PanelState,
    status: Status,
    now: DateTime<Utc>,
    width: u16,
    theme: &Theme,
) -> Vec<Span<'a>> {
    let mark = status_mark(status);
    let age = match p.updated_at {
        Some(at) => {
            let age = crate::duration::format_age((now - at).num_seconds());
            if p.is_stale() {
                format!("stale {age} ")
            } else {
                format!("{age} ")
            }
        }
        None if p.in_flight => "loading… ".to_string(),
        None => String::new(),
    };
    let title_w = unicode_width::UnicodeWidthStr::width(p.cfg.title.as_str()) + 2;
    let room = usize::from(width).saturating_sub(title_w + 4);
    let full = mark.chars().count() + 2 + age.chars().count();
    let age_style = if p.is_stale() {
        theme.stale
    } else {
        theme.muted
    };
    if full <= room {
        return vec![
            Span::styled(format!(" {mark} "), theme.status(status)),
            Span::styled(age, age_style),
        ];
    }
    // Narrow: the symbol alone still says the state (its word is in the value's colour).
    let symbol = mark.split(' ').next().unwrap_or(mark);
    vec![Span::styled(format!(" {symbol} "), theme.status(status))]
}

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let status = match p.cfg.kind {
        PanelKind::Incidents => view.state.incidents.status(),
        PanelKind::Oncall => crate::state::Status::Ok,
        _ => p.status(),
    };
    let border = if view.focused {
        theme.border_focus
    } else {
        theme.border
    };
    let right = title_right(p, status, view.now, area.width, theme);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title_top(Line::from(Span::styled(
            format!(" {} ", p.cfg.title),
            theme.title,
        )))
        .title_top(Line::from(right).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if p.cfg.kind == PanelKind::Incidents {
        incidents::render(frame, inner, view, view.state, theme);
        return;
    }
    if p.cfg.kind == PanelKind::Oncall {
        let st = view.state;
        let tz = crate::rotation::zone(&st.rotation, st.timezone.unwrap_or(chrono_tz::UTC));
        let who = st.on_call();
        super::oncall_panel::render(frame, inner, who.as_ref(), &st.user, tz, view.now, theme);
        return;
    }
    if p.updated_at.is_none() {
        // Nothing to show yet: the whole panel explains why.
        let (text, style) = match &p.error {
            Some(e) => (format!("error: {e}"), theme.error),
            None if p.in_flight => ("loading…".to_string(), theme.muted),
            None => ("waiting".to_string(), theme.muted),
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(style)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let content = match &p.error {
        Some(err) => {
            // The last good data stays above; the failure takes the bottom row.
            let row = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
            let text = format!("error: {err}");
            frame.render_widget(
                Paragraph::new(super::truncate(&text, row.width)).style(theme.error),
                row,
            );
            Rect::new(inner.x, inner.y, inner.width, inner.height - 1)
        }
        None => inner,
    };
    if content.height == 0 {
        return;
    }
    match p.cfg.kind {
        PanelKind::Stat => stat::render(frame, content, view, theme),
        PanelKind::Timeseries => timeseries::render(frame, content, view, theme),
        PanelKind::Health => health::render(frame, content, view, theme),
        PanelKind::Gauge => gauge::render(frame, content, view, theme),
        PanelKind::Incidents | PanelKind::Oncall => {}
        PanelKind::Slo => {
            let budget = p
                .cfg
                .slo
                .as_ref()
                .and_then(|s| crate::slo::from_series(s, &p.series));
            super::slo_panel::render(frame, content, budget.as_ref(), theme);
        }
        PanelKind::Logs => logs::render(frame, content, view, theme),
        PanelKind::Errors => errors::render(frame, content, view, theme),
    }
}
