//! Choosing a runbook command (`x`) and confirming it: the dialog shows the exact argv after
//! substitution, one argument per row, before anything runs.

use super::config::CommandConfig;
use super::template::{TemplateError, render_argv};
use crate::duration::format_duration;
use crate::incidents::Incident;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use std::time::Duration;

/// A command with its argv filled in, waiting for `y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub name: String,
    pub argv: Vec<String>,
    pub dangerous: bool,
    pub timeout: Duration,
}

impl Confirm {
    /// Fills `cmd`'s argv from `inc`; an error (a missing label, a value refused) is shown
    /// instead of the dialog.
    pub fn prepare(cmd: &CommandConfig, inc: &Incident) -> Result<Confirm, TemplateError> {
        Ok(Confirm {
            name: cmd.name.clone(),
            argv: render_argv(&cmd.argv, inc)?,
            dangerous: cmd.dangerous,
            timeout: cmd.timeout(),
        })
    }
}

/// A rectangle of `w`×`h` centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn popup(frame: &mut Frame<'_>, area: Rect, title: &str, lines: Vec<Line<'static>>, theme: &Theme) {
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let w = u16::try_from(widest.max(title.len()) + 4).unwrap_or(u16::MAX);
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let r = centered(area, w, h);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.background);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

/// The confirmation dialog. Arguments are numbered, one per row, so spaces inside one
/// argument can be told from separate arguments.
pub fn render_confirm(frame: &mut Frame<'_>, area: Rect, confirm: &Confirm, theme: &Theme) {
    let mut lines = vec![Line::from(vec![
        Span::styled(" Run ", theme.text),
        Span::styled(crate::sanitize::line(&confirm.name), theme.title),
        Span::styled("?", theme.text),
    ])];
    if confirm.dangerous {
        lines.push(Line::from(Span::styled(
            " DANGEROUS: this changes production ",
            theme.crit,
        )));
    }
    lines.push(Line::default());
    let digits = confirm.argv.len().saturating_sub(1).to_string().len();
    for (i, arg) in confirm.argv.iter().enumerate() {
        lines.push(Line::from(vec![
            Span::styled(format!(" {i:>digits$}  "), theme.muted),
            Span::styled(shown_arg(arg), theme.key),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            " No shell; killed after {}. ",
            format_duration(confirm.timeout)
        ),
        theme.muted,
    )));
    lines.push(Line::from(vec![
        Span::styled(" y", theme.key),
        Span::styled(" run   ", theme.text),
        Span::styled("n/Esc", theme.key),
        Span::styled(" cancel ", theme.text),
    ]));
    popup(frame, area, "Confirm command", lines, theme);
}

/// An argument as the dialog shows it: as is when that is unambiguous, else quoted with
/// escapes (empty, surrounding spaces, characters the screen would not show).
pub fn shown_arg(arg: &str) -> String {
    let clean = crate::sanitize::line(arg);
    if !arg.is_empty() && clean == arg && arg.trim() == arg {
        clean
    } else {
        crate::sanitize::line(&format!("{arg:?}"))
    }
}

/// The `x` menu: the runbook's commands (already filtered with
/// [`super::config::visible_commands`]), `selected` highlighted.
pub fn render_commands(
    frame: &mut Frame<'_>,
    area: Rect,
    commands: &[&CommandConfig],
    selected: usize,
    theme: &Theme,
) {
    let mut lines: Vec<Line<'static>> = commands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mark = if c.dangerous { " ⚠" } else { "" };
            let text = format!(" {}  {}{mark} ", i + 1, crate::sanitize::line(&c.name));
            let style = if i == selected {
                theme.selection
            } else {
                theme.text
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            " This runbook has no commands ",
            theme.muted,
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        " j/k choose · Enter review · Esc close ",
        theme.muted,
    )));
    popup(frame, area, "Runbook commands", lines, theme);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_arguments_are_quoted() {
        assert_eq!(shown_arg("deployment/app"), "deployment/app");
        assert_eq!(shown_arg("two words"), "two words");
        assert_eq!(shown_arg(""), "\"\"");
        assert_eq!(shown_arg("app "), "\"app \"");
        assert_eq!(shown_arg("a\nb"), "\"a\\nb\"");
        assert_eq!(shown_arg("x\u{202E}y"), "\"x\\u{202e}y\"");
    }

    #[test]
    fn centered_stays_inside() {
        let r = centered(Rect::new(2, 3, 10, 5), 40, 2);
        assert_eq!(r, Rect::new(2, 4, 10, 2));
    }
}
