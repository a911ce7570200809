//! The incident detail view (Enter on an incident): what, how bad, since when, who has it,
//! where the runbook is, what happened so far, and what the dashboard says right now.

use super::incidents::{deadline_text, severity_style, state_text};
use crate::incidents::Incident;
use crate::incidents::journal::{Event, EventKind};
use crate::state::{State, Status};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let Some(inc) = state
        .incidents
        .detail
        .as_deref()
        .and_then(|id| state.incidents.get(id))
    else {
        return;
    };
    let tz = state.zone();
    let mut lines = head(inc, state, tz, theme);
    section(&mut lines, "Summary", theme);
    lines.push(Line::from(Span::styled(inc.summary.clone(), theme.text)));
    if !inc.description.is_empty() {
        for l in inc.description.lines() {
            lines.push(Line::from(Span::styled(l.to_string(), theme.text)));
        }
    }
    section(&mut lines, "Links", theme);
    link(&mut lines, "runbook", inc.runbook.as_deref(), theme);
    link(&mut lines, "source", inc.generator_url.as_deref(), theme);
    section(&mut lines, "Now", theme);
    lines.extend(related(state, theme));
    section(&mut lines, "Timeline", theme);
    let events = state.incidents.timeline.get(&inc.id);
    match events {
        Some(evs) if !evs.is_empty() => {
            for e in evs {
                lines.push(timeline_line(e, tz, theme));
            }
        }
        _ => lines.push(Line::from(Span::styled(
            "nothing recorded yet",
            theme.muted,
        ))),
    }
    section(&mut lines, "Labels", theme);
    for (k, v) in &inc.labels {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}="), theme.muted),
            Span::styled(v.clone(), theme.text),
        ]));
    }
    for (k, v) in inc
        .annotations
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "summary" | "description" | "runbook_url"))
    {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}: "), theme.muted),
            Span::styled(crate::sanitize::line(v), theme.text),
        ]));
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", inc.title), theme.title))
        .title_bottom(Line::from(vec![
            Span::styled(" a", theme.key),
            Span::styled(" ack ", theme.muted),
            Span::styled("u", theme.key),
            Span::styled(" un-ack ", theme.muted),
            Span::styled("n", theme.key),
            Span::styled(" note ", theme.muted),
            Span::styled("p", theme.key),
            Span::styled(" post-mortem ", theme.muted),
            Span::styled("Esc", theme.key),
            Span::styled(" back ", theme.muted),
        ]))
        .style(theme.background);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn head<'a>(inc: &Incident, state: &State, tz: crate::tz::Tz, theme: &Theme) -> Vec<Line<'a>> {
    let (due, overdue) = deadline_text(inc, state, tz);
    let started = inc
        .started_at
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z");
    let age = crate::duration::format_age((state.now - inc.started_at).num_seconds());
    vec![
        Line::from(vec![
            Span::styled(
                format!(" {} {} ", inc.severity.name(), inc.severity.label()),
                severity_style(theme, inc.severity),
            ),
            Span::raw("  "),
            Span::styled(state_text(inc), theme.title),
            Span::raw("  "),
            Span::styled(due, if overdue { theme.crit } else { theme.muted }),
        ]),
        Line::from(Span::styled(
            format!(
                "since {started} ({age} ago) · from {} · id {}",
                inc.source, inc.id
            ),
            theme.muted,
        )),
    ]
}

fn section(lines: &mut Vec<Line<'_>>, title: &str, theme: &Theme) {
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(title.to_string(), theme.title)));
}

fn link(lines: &mut Vec<Line<'_>>, what: &str, url: Option<&str>, theme: &Theme) {
    lines.push(Line::from(vec![
        Span::styled(format!("{what:<8}"), theme.muted),
        match url {
            Some(u) => Span::styled(u.to_string(), theme.key),
            None => Span::styled("none", theme.muted),
        },
    ]));
}

/// The dashboard's panels that are not OK right now, then the rest, one line each.
fn related<'a>(state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let mut panels: Vec<&crate::state::PanelState> = state
        .panels
        .iter()
        .filter(|p| p.cfg.kind.has_query() && p.updated_at.is_some())
        .collect();
    panels.sort_by_key(|p| std::cmp::Reverse(p.status()));
    panels
        .into_iter()
        .take(6)
        .map(|p| {
            let st = p.status();
            let mark = match st {
                Status::Ok => "✓",
                Status::Warn => "▲",
                Status::Crit => "✖",
                Status::NoData => "∅",
                Status::Error => "✗",
            };
            Line::from(vec![
                Span::styled(format!("{mark} "), theme.status(st)),
                Span::styled(format!("{:<18}", p.cfg.title), theme.text),
                Span::styled(p.display(), theme.status(st)),
            ])
        })
        .collect()
}

fn timeline_line<'a>(e: &Event, tz: crate::tz::Tz, theme: &Theme) -> Line<'a> {
    let at = e.ts.with_timezone(&tz).format("%H:%M:%S").to_string();
    let text = match &e.kind {
        EventKind::Detected {
            severity, source, ..
        } => format!("detected ({}) from {source}", severity.name()),
        EventKind::Escalated { from, to } => {
            format!("escalated {} → {}", from.name(), to.name())
        }
        EventKind::Notified { channel } => format!("notified ({channel})"),
        EventKind::Acknowledged { by, .. } => format!("acknowledged by {by}"),
        EventKind::Unacknowledged { by } => format!("acknowledgement taken back by {by}"),
        EventKind::Note { by, text } => format!("note ({by}): {text}"),
        EventKind::Resolved { by } => match by {
            Some(b) => format!("resolved by {b}"),
            None => "resolved".into(),
        },
        EventKind::RunbookCommand {
            argv, exit_code, ..
        } => format!(
            "ran `{}` → exit {}",
            argv.join(" "),
            exit_code.map_or("?".into(), |c| c.to_string())
        ),
    };
    Line::from(vec![
        Span::styled(format!("{at}  "), theme.muted),
        Span::styled(text, theme.text),
    ])
}
