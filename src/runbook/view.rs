//! The runbook viewer (a scrolling pane of rendered markdown) and the pane that shows a
//! running command's output. Both are plain state the reducer owns and `ui` draws.

use super::markdown;
use super::run::{MAX_LINES, RunEvent};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use std::cell::Cell;
use std::collections::VecDeque;

/// A runbook file open for reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    /// Shown in the border: the file name or the incident's title.
    pub title: String,
    pub markdown: String,
    /// First line shown.
    pub scroll: usize,
    /// The largest useful `scroll`, as of the last draw (so scrolling stops at the end).
    max_scroll: Cell<usize>,
}

impl Viewer {
    pub fn new(title: impl Into<String>, markdown: impl Into<String>) -> Self {
        Viewer {
            title: title.into(),
            markdown: markdown.into(),
            scroll: 0,
            max_scroll: Cell::new(usize::MAX),
        }
    }

    /// `j`/`k` (±1), PageDown/PageUp (± a page).
    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.max_scroll.get();
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// `g`.
    pub fn top(&mut self) {
        self.scroll = 0;
    }

    /// `G`.
    pub fn bottom(&mut self) {
        self.scroll = self.max_scroll.get();
    }

    /// Draws the viewer over `area`, with the position in the border.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let inner_w = area.width.saturating_sub(4);
        let lines = markdown::render(&self.markdown, theme, inner_w);
        let height = usize::from(area.height.saturating_sub(2));
        let max = lines.len().saturating_sub(height);
        self.max_scroll.set(max);
        let top = self.scroll.min(max);
        let shown: Vec<Line<'static>> = lines.iter().skip(top).take(height).cloned().collect();
        let pos = format!(
            " {}-{}/{} ",
            top + 1,
            (top + height).min(lines.len()),
            lines.len()
        );
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border_focus)
            .title(Span::styled(format!(" {} ", self.title), theme.title))
            .title_bottom(Line::from(Span::styled(pos, theme.muted)).right_aligned())
            .title_bottom(Span::styled(
                " j/k scroll · g/G · x commands · Esc close ",
                theme.muted,
            ))
            .style(theme.background);
        frame.render_widget(Clear, area);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let text_area = Rect {
            x: inner.x.saturating_add(1),
            width: inner.width.saturating_sub(2),
            ..inner
        };
        frame.render_widget(Paragraph::new(shown), text_area);
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub code: Option<i32>,
    pub timed_out: bool,
    pub tail: String,
}

/// The output of one runbook command, as it streams in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutputPane {
    /// The command's name and its argv (shown in the border).
    pub name: String,
    pub argv: Vec<String>,
    /// Lines and whether each came from stderr.
    pub lines: VecDeque<(String, bool)>,
    pub ended: Option<Ended>,
    /// `None` follows the end; `Some(n)` stays at line `n`.
    pub scroll: Option<usize>,
}

impl OutputPane {
    pub fn new(name: impl Into<String>, argv: Vec<String>) -> Self {
        OutputPane {
            name: name.into(),
            argv,
            ..OutputPane::default()
        }
    }

    /// Takes one event from [`super::run::spawn`]'s channel. Returns the ending on `Exited`,
    /// for the journal (`RunbookCommand { argv, exit_code, output_tail }`).
    pub fn push(&mut self, ev: RunEvent) -> Option<&Ended> {
        match ev {
            RunEvent::Output { line, stderr } => {
                if self.lines.len() > MAX_LINES {
                    self.lines.pop_front();
                }
                self.lines.push_back((line, stderr));
                None
            }
            RunEvent::Exited {
                code,
                timed_out,
                tail,
            } => {
                self.ended = Some(Ended {
                    code,
                    timed_out,
                    tail,
                });
                self.ended.as_ref()
            }
        }
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let last = self.lines.len().saturating_sub(1);
        let from = self.scroll.unwrap_or(last);
        self.scroll = Some(from.saturating_add_signed(delta).min(last));
    }

    /// `G` / `f`: back to following the end.
    pub fn follow(&mut self) {
        self.scroll = None;
    }

    fn status(&self, theme: &Theme) -> Span<'static> {
        match &self.ended {
            None => Span::styled(" running… (c cancels) ", theme.warn),
            Some(Ended {
                timed_out: true, ..
            }) => Span::styled(" timed out, killed ", theme.crit),
            Some(Ended { code: Some(0), .. }) => Span::styled(" exited 0 ", theme.ok),
            Some(Ended { code: Some(c), .. }) => Span::styled(format!(" exited {c} "), theme.crit),
            Some(Ended { code: None, .. }) => Span::styled(" killed ", theme.crit),
        }
    }

    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let height = usize::from(area.height.saturating_sub(2));
        let end = match self.scroll {
            None => self.lines.len(),
            Some(n) => (n + 1).max(height).min(self.lines.len()),
        };
        let start = end.saturating_sub(height);
        let shown: Vec<Line<'static>> = self
            .lines
            .iter()
            .skip(start)
            .take(end - start)
            .map(|(l, err)| {
                let style = if *err { theme.warn } else { theme.text };
                Line::from(Span::styled(l.clone(), style))
            })
            .collect();
        let title = format!(
            " {} ",
            crate::sanitize::line(&format!("{}: {}", self.name, self.argv.join(" ")))
        );
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border_focus)
            .title(Span::styled(title, theme.title))
            .title_bottom(Line::from(self.status(theme)).right_aligned())
            .style(theme.background);
        frame.render_widget(Clear, area);
        frame.render_widget(Paragraph::new(shown).block(block), area);
    }
}
