//! Incidents panel: counts per severity, then one row per incident (severity, state, title,
//! deadline, age, source, summary), the team's response-time figures on the last row.

use super::panel::View;
use crate::incidents::deadline::{Countdown, countdown, deadline, format_countdown};
use crate::incidents::{Incident, IncidentState, Severity};
use crate::state::State;
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

pub fn severity_style(theme: &Theme, s: Severity) -> Style {
    match s {
        Severity::P0 => theme.p0,
        Severity::P1 => theme.p1,
        Severity::P2 => theme.p2,
        Severity::P3 => theme.p3,
        Severity::P4 => theme.p4,
    }
}

/// "P0 1  P1 2  P2 0 …" with zero counts muted.
pub fn counts_line<'a>(counts: [usize; 5], theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for s in Severity::ALL {
        let n = counts[s as usize];
        let style = if n > 0 {
            severity_style(theme, s)
        } else {
            theme.muted
        };
        spans.push(Span::styled(format!("{} {n}", s.name()), style));
        spans.push(Span::raw("  "));
    }
    spans
}

/// What the panel's body shows in `area`: where each part goes and its text.
pub fn parts<'a>(
    area: Rect,
    view: &View<'_>,
    state: &'a State,
    theme: &Theme,
) -> Vec<(Rect, Plain<'a>)> {
    let inc = &state.incidents;
    let mut lines = vec![Line::from(counts_line(inc.counts(), theme))];
    if inc.alert_sources.is_empty() && inc.rules.is_empty() {
        lines.push(Line::from(Span::styled(
            "No alert source: add an alertmanager source (or [[rules]]) to the config.",
            theme.muted,
        )));
    } else if inc.list.is_empty() {
        let silent = state.silent_alert_sources();
        if silent.is_empty() {
            lines.push(Line::from(Span::styled("✓ no incidents", theme.ok)));
        } else {
            lines.push(Line::from(Span::styled(
                format!("? unknown: {} not answering", silent.join(", ")),
                theme.warn,
            )));
        }
    }
    let footer = (!inc.stats_line.is_empty() && area.height >= 4).then_some(&inc.stats_line);
    let rows = usize::from(area.height)
        .saturating_sub(lines.len())
        .saturating_sub(usize::from(footer.is_some()));
    let selected = inc.selected_index().unwrap_or(0);
    // Keep the selected row on screen.
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let tz = state.zone();
    // The wall screen: larger rows (a blank line between, the row in bold), for reading from afar.
    let (step, rows) = if state.wall { (2, rows / 2) } else { (1, rows) };
    for (i, incident) in inc.list.iter().enumerate().skip(first).take(rows) {
        let is_sel = view.focused && i == selected;
        let line = row(incident, state, tz, theme, is_sel, area.width);
        if step == 2 {
            lines.push(line.patch_style(ratatui::style::Modifier::BOLD));
            lines.push(Line::from(""));
        } else {
            lines.push(line);
        }
    }
    if let Some(f) = footer {
        while lines.len() < usize::from(area.height) - 1 {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(
            super::truncate(f, area.width),
            theme.muted,
        )));
    }
    vec![(area, Plain::new(lines))]
}

/// The state column: `OPEN`, `ACK alice`, `RESOLVED`.
pub fn state_text(i: &Incident) -> String {
    match i.state {
        IncidentState::Open => "OPEN".into(),
        IncidentState::Acknowledged => {
            format!("ACK {}", i.acked_by.as_deref().unwrap_or("?"))
        }
        IncidentState::Resolved => "RESOLVED".into(),
    }
}

/// "ack in 3m", "overdue 5m", "" when no deadline applies.
pub fn deadline_text(i: &Incident, state: &State, tz: crate::tz::Tz) -> (String, bool) {
    match deadline(i, &state.severity, tz) {
        Some(d) => {
            let c = countdown(&d, state.now);
            let overdue = matches!(c, Countdown::Overdue(_));
            (format_countdown(d.kind, &c), overdue)
        }
        None => (String::new(), false),
    }
}

fn row<'a>(
    i: &Incident,
    state: &State,
    tz: crate::tz::Tz,
    theme: &Theme,
    selected: bool,
    width: u16,
) -> Line<'a> {
    let resolved = i.state == IncidentState::Resolved;
    let base = if resolved { theme.muted } else { theme.text };
    let sev_style = if resolved {
        theme.muted
    } else {
        severity_style(theme, i.severity)
    };
    let state_style = match i.state {
        IncidentState::Open => theme.crit,
        IncidentState::Acknowledged => theme.warn,
        IncidentState::Resolved => theme.ok,
    };
    let (due, overdue) = deadline_text(i, state, tz);
    let due_style = if overdue { theme.crit } else { theme.muted };
    let age = crate::duration::format_age((state.now - i.started_at).num_seconds());
    let mark = if selected { "▶" } else { " " };
    let mut spans = vec![
        Span::styled(mark, theme.key),
        Span::styled(format!(" {} ", i.severity.name()), sev_style),
        Span::styled(format!(" {:<12.12}", state_text(i)), state_style),
        Span::styled(
            format!("{:<24} ", super::truncate(&i.title, 24)),
            base.add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("{due:<17.17}"), due_style),
        Span::styled(format!("{age:>4} "), theme.muted),
    ];
    let used: usize = spans.iter().map(Span::width).sum();
    let rest = usize::from(width).saturating_sub(used);
    if rest > 4 {
        let source = format!("{} · ", i.source);
        let text = format!("{source}{}", i.summary);
        spans.push(Span::styled(
            super::truncate(&text, u16::try_from(rest).unwrap_or(u16::MAX)),
            base,
        ));
    }
    let line = Line::from(spans);
    if selected {
        line.style(theme.selection)
    } else {
        line
    }
}
