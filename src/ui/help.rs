//! The `?` overlay: every key and what it does.

use crate::action::KEY_HELP;
use crate::state::State;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

pub fn render(frame: &mut Frame<'_>, area: Rect, _state: &State, theme: &Theme) {
    let key_w = KEY_HELP
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(8);
    let mut lines: Vec<Line<'_>> = KEY_HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_w$}  "), theme.key),
                Span::styled(*what, theme.text),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Esc or ? closes this help",
        theme.muted,
    )));
    let what_w = KEY_HELP
        .iter()
        .map(|(_, w)| w.chars().count())
        .max()
        .unwrap_or(20);
    let width = u16::try_from(key_w + what_w + 6)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Span::styled(" Esc or ? closes ", theme.muted))
        .style(theme.background);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
