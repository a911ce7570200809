//! The wall screen (`--wall`): no key hints or chrome; a clock and "last updated" always on top;
//! failing sources and open incidents as loud banners; stat values in large digits; an open P0
//! takes the whole screen in the theme's P0 style until it is acknowledged. Nothing flashes.
//!
//! ```text
//! ┌ oncall · Production Health ──────────────────────── updated 4s ago · 21:03:10 ┐
//! │ ✗ prom unreachable for 2m: cannot connect: connection refused                 │ source banner
//! │  P1 2   P2 1                                                                  │ severity banner
//! │ panels of the page (stat values in large digits), pages rotate                │
//! └───────────────────────────────────────────────────────────────────────────────┘
//! ```

use super::bigtext;
use super::incidents::severity_style;
use crate::incidents::{IncidentState, Severity};
use crate::state::{SourceStatus, State};
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.background), area);
    let failing: Vec<Line<'_>> = failing_sources(state, theme);
    let [header, sources, severities, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(failing.len() as u16),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    draw_header(frame, header, state, theme);
    frame.render_widget(Plain::new(failing), sources);
    draw_severities(frame, severities, state, theme);
    match takeover(state) {
        Some(i) => draw_p0(frame, body, state, i, theme),
        None => {
            super::draw_body(frame, body, state, theme, None);
        }
    }
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let page = state.pages.get(state.page).map_or("", |p| p.title.as_str());
    let pages = if state.pages.len() > 1 {
        format!("  ({}/{})", state.page + 1, state.pages.len())
    } else {
        String::new()
    };
    let updated = state.last_updated().map_or_else(
        || "waiting for data".to_string(),
        |t| {
            format!(
                "updated {} ago",
                crate::duration::format_age((state.now - t).num_seconds())
            )
        },
    );
    let right = format!(" {updated} · {} ", super::clock(state));
    let w = u16::try_from(right.chars().count()).unwrap_or(u16::MAX);
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(w)]).areas(area);
    frame.render_widget(Block::default().style(theme.header), area);
    frame.render_widget(
        Plain::new(format!(" oncall · {page}{pages}")).style(theme.header),
        l,
    );
    frame.render_widget(Plain::new(right).style(theme.header), r);
}

/// "✗ prom unreachable for 2m: connection refused", one line per failing source.
fn failing_sources<'a>(state: &State, theme: &Theme) -> Vec<Line<'a>> {
    state
        .sources
        .iter()
        .filter(|s| matches!(s.status(), SourceStatus::Stale | SourceStatus::Error))
        .map(|s| {
            let since = s.error_since.map_or(String::new(), |t| {
                format!(
                    " for {}",
                    crate::duration::format_age((state.now - t).num_seconds())
                )
            });
            let why = s.last_error.clone().unwrap_or_default();
            Line::from(Span::styled(
                format!(" ✗ {} ({}) unreachable{since}: {why}", s.id, s.kind.name()),
                theme.banner,
            ))
        })
        .collect()
}

fn draw_severities(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let counts = state.incidents.counts();
    let mut spans = Vec::new();
    if counts.iter().all(|&c| c == 0) {
        if state.silent_alert_sources().is_empty() {
            spans.push(Span::styled(" ✓ no open incidents ", theme.ok));
        } else {
            spans.push(Span::styled(" ? incidents unknown ", theme.warn));
        }
    }
    for s in Severity::ALL {
        let n = counts[s as usize];
        if n > 0 {
            spans.push(Span::styled(
                format!(" {} {} {n} ", s.name(), s.label()),
                severity_style(theme, s),
            ));
            spans.push(Span::raw("  "));
        }
    }
    frame.render_widget(Plain::new(Line::from(spans)), area);
}

/// The oldest open (not acknowledged) P0, if any.
fn takeover(state: &State) -> Option<usize> {
    state
        .incidents
        .list
        .iter()
        .position(|i| i.severity == Severity::P0 && i.state == IncidentState::Open)
}

fn draw_p0(frame: &mut Frame<'_>, area: Rect, state: &State, i: usize, theme: &Theme) {
    let inc = &state.incidents.list[i];
    let style = theme.p0;
    frame.render_widget(Block::default().style(style), area);
    let (big, _) = bigtext::lines("P0", style);
    let age = crate::duration::format_age((state.now - inc.started_at).num_seconds());
    let mut lines = vec![Line::from("")];
    lines.extend(big);
    lines.push(Line::from(Span::styled(
        "CRITICAL · complete outage",
        style,
    )));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(inc.title.clone(), style)));
    lines.push(Line::from(Span::styled(inc.summary.clone(), style)));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("open for {age} · not acknowledged · from {}", inc.source),
        style,
    )));
    let others = state.incidents.list.len().saturating_sub(1);
    if others > 0 {
        lines.push(Line::from(Span::styled(
            format!("(+{others} more incidents)"),
            style,
        )));
    }
    frame.render_widget(
        Plain::new(lines).style(style).alignment(Alignment::Center),
        area,
    );
}
