//! A small line-based markdown renderer for runbooks shown inside the terminal: headings,
//! paragraphs, lists with hanging indents, fenced code kept verbatim, quotes, rules, tables.

use super::inline::{self, hard_wrap, str_width};
use super::table;
use crate::theme::Theme;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// Characters of a runbook kept for display (the file itself is capped at 1 MiB).
pub const MAX_CHARS: usize = 1 << 20;

/// Renders `md` (sanitized first) to styled lines at most `width` columns wide.
pub fn render(md: &str, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let text = crate::sanitize::bounded(md, true, MAX_CHARS);
    let mut r = Renderer {
        theme,
        width: usize::from(width.max(1)),
        out: Vec::new(),
        pending: Pending::None,
        code: None,
        gap: false,
    };
    for line in text.lines() {
        r.line(line);
    }
    r.flush();
    r.out
}

/// A block still collecting lines.
enum Pending {
    None,
    Para(String),
    Quote(String),
    Table(Vec<String>),
    Item {
        indent: usize,
        marker: String,
        text: String,
    },
}

/// An open fenced code block: its fence character, fence length and indentation.
struct Fence {
    ch: char,
    len: usize,
    indent: usize,
}

struct Renderer<'t> {
    theme: &'t Theme,
    width: usize,
    out: Vec<Line<'static>>,
    pending: Pending,
    code: Option<Fence>,
    /// A blank line separates the next block from the previous one.
    gap: bool,
}

impl Renderer<'_> {
    fn line(&mut self, raw: &str) {
        if let Some(f) = &self.code {
            if fence(raw).is_some_and(|(c, n, _, info)| c == f.ch && n >= f.len && info.is_empty())
            {
                self.code = None;
                self.gap = true;
            } else {
                let strip = raw.len() - raw.trim_start_matches(' ').len();
                let indent = f.indent;
                self.code_line(&raw[strip.min(indent)..], indent);
            }
            return;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            self.flush();
            self.gap = true;
        } else if let Some((ch, len, indent, _)) = fence(raw) {
            self.start_block();
            self.code = Some(Fence { ch, len, indent });
        } else if let Some((level, text)) = heading(trimmed) {
            self.start_block();
            self.heading(level, text);
        } else if is_rule(trimmed) {
            self.start_block();
            let rule = "─".repeat(self.width);
            self.out
                .push(Line::from(Span::styled(rule, self.theme.border)));
        } else if trimmed.starts_with('|') {
            if let Pending::Table(rows) = &mut self.pending {
                rows.push(trimmed.to_string());
            } else {
                self.start_block();
                self.pending = Pending::Table(vec![trimmed.to_string()]);
            }
        } else {
            self.text_line(raw, trimmed);
        }
    }

    /// Quotes, list items, and paragraph text (which continues the open block).
    fn text_line(&mut self, raw: &str, trimmed: &str) {
        if let Some(q) = trimmed.strip_prefix('>') {
            let q = q.strip_prefix(' ').unwrap_or(q);
            if let Pending::Quote(t) = &mut self.pending {
                push_words(t, q);
            } else {
                self.start_block();
                self.pending = Pending::Quote(q.to_string());
            }
        } else if let Some((marker, text)) = list_item(trimmed) {
            let indent = raw.len() - raw.trim_start().len();
            self.flush();
            self.open_gap();
            self.pending = Pending::Item {
                indent,
                marker,
                text: text.to_string(),
            };
        } else {
            match &mut self.pending {
                Pending::Para(t) | Pending::Quote(t) | Pending::Item { text: t, .. } => {
                    push_words(t, trimmed);
                }
                Pending::Table(_) => {
                    self.flush();
                    self.pending = Pending::Para(trimmed.to_string());
                }
                Pending::None => {
                    self.open_gap();
                    self.pending = Pending::Para(trimmed.to_string());
                }
            }
        }
    }

    /// Ends what is pending and leaves one blank line before a new block.
    fn start_block(&mut self) {
        self.flush();
        self.gap = true;
        self.open_gap();
    }

    fn open_gap(&mut self) {
        if self.gap && self.out.last().is_some_and(|l| l.width() > 0) {
            self.out.push(Line::default());
        }
        self.gap = false;
    }

    fn flush(&mut self) {
        let (theme, width) = (self.theme, self.width);
        let lines = match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => return,
            Pending::Table(rows) => table::layout(&rows, width)
                .into_iter()
                .map(|r| Line::from(Span::styled(r, theme.text)))
                .collect(),
            Pending::Para(t) => {
                inline::wrap(&inline::parse(&t, theme.text, theme), width, &[], &[])
            }
            Pending::Quote(t) => {
                let bar = [Span::styled("▌ ", theme.muted)];
                let style = theme.text.add_modifier(Modifier::ITALIC);
                inline::wrap(&inline::parse(&t, style, theme), width, &bar, &bar)
            }
            Pending::Item {
                indent,
                marker,
                text,
            } => {
                let pad = " ".repeat(indent.min(width / 2));
                let first = [
                    Span::raw(pad.clone()),
                    Span::styled(format!("{marker} "), theme.key),
                ];
                let hang = " ".repeat(pad.len() + str_width(&marker) + 1);
                let rest = [Span::raw(hang)];
                inline::wrap(
                    &inline::parse(&text, theme.text, theme),
                    width,
                    &first,
                    &rest,
                )
            }
        };
        self.out.extend(lines);
    }

    fn heading(&mut self, level: usize, text: &str) {
        let style = match level {
            1 | 2 => self.theme.title.add_modifier(Modifier::BOLD),
            _ => self.theme.title,
        };
        let segs = inline::parse(text, style, self.theme);
        let lines = inline::wrap(&segs, self.width, &[], &[]);
        let w = lines.iter().map(Line::width).max().unwrap_or(0);
        self.out.extend(lines);
        if level == 1 {
            let rule = "═".repeat(w.clamp(1, self.width));
            self.out
                .push(Line::from(Span::styled(rule, self.theme.title)));
        }
    }

    fn code_line(&mut self, text: &str, indent: usize) {
        let pad = " ".repeat(indent.min(self.width / 2));
        let bar = Span::styled(format!("{pad}│ "), self.theme.muted);
        let avail = self.width.saturating_sub(bar.width());
        for piece in hard_wrap(text, avail) {
            self.out.push(Line::from(vec![
                bar.clone(),
                Span::styled(piece, code_style(self.theme)),
            ]));
        }
    }
}

fn code_style(theme: &Theme) -> Style {
    theme.key
}

fn push_words(t: &mut String, more: &str) {
    if !t.is_empty() {
        t.push(' ');
    }
    t.push_str(more.trim());
}

/// A fence line: its character, length, indentation and info string.
fn fence(raw: &str) -> Option<(char, usize, usize, &str)> {
    let indent = raw.len() - raw.trim_start_matches(' ').len();
    let t = &raw[indent..];
    let ch = t.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = t.chars().take_while(|&c| c == ch).count();
    let info = t[len..].trim();
    (len >= 3 && !(ch == '`' && info.contains('`'))).then_some((ch, len, indent, info))
}

fn heading(t: &str) -> Option<(usize, &str)> {
    let level = t.chars().take_while(|&c| c == '#').count();
    let rest = &t[level..];
    let ok = (1..=6).contains(&level) && (rest.is_empty() || rest.starts_with(' '));
    ok.then(|| (level, rest.trim().trim_end_matches('#').trim_end()))
}

fn is_rule(t: &str) -> bool {
    let compact: String = t.chars().filter(|c| *c != ' ').collect();
    let Some(first) = compact.chars().next() else {
        return false;
    };
    matches!(first, '-' | '*' | '_') && compact.len() >= 3 && compact.chars().all(|c| c == first)
}

/// `- x`, `* x`, `+ x`, `1. x`, `1) x`: the marker shown and the item's text.
fn list_item(t: &str) -> Option<(String, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(bullet) {
            return Some(("•".to_string(), rest.trim_start()));
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let after = &t[digits..];
    let rest = after
        .strip_prefix(". ")
        .or_else(|| after.strip_prefix(") "))?;
    Some((format!("{}.", &t[..digits]), rest.trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(md: &str, width: u16) -> Vec<String> {
        render(md, &Theme::fallback(), width)
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn headings_paragraphs_and_rules() {
        let out = text(
            "# Title\n\nSome *text* that\nwraps nicely here.\n\n---\n## Next",
            20,
        );
        assert_eq!(
            out,
            [
                "Title",
                "═════",
                "",
                "Some text that wraps",
                "nicely here.",
                "",
                &"─".repeat(20),
                "",
                "Next"
            ]
        );
    }

    #[test]
    fn lists_hang_and_nest() {
        let out = text(
            "- first item that is long\n  continues\n  - nested\n1. one\n10) ten",
            16,
        );
        assert_eq!(
            out,
            [
                "• first item",
                "  that is long",
                "  continues",
                "  • nested",
                "1. one",
                "10. ten"
            ]
        );
    }

    #[test]
    fn code_blocks_stay_verbatim() {
        let md = "Run:\n\n```bash\nkubectl  get pods   # *not* emphasis\n# not a heading\n- not a list\n```\nafter";
        let out = text(md, 40);
        assert_eq!(
            out,
            [
                "Run:",
                "",
                "│ kubectl  get pods   # *not* emphasis",
                "│ # not a heading",
                "│ - not a list",
                "",
                "after"
            ]
        );
        let lines = render(md, &Theme::fallback(), 40);
        assert_eq!(lines[2].spans[1].style, Theme::fallback().key);
    }

    #[test]
    fn long_code_lines_wrap_without_losing_text() {
        let out = text("```\nabcdefghij\n```", 7);
        assert_eq!(out, ["│ abcde", "│ fghij"]);
    }

    #[test]
    fn quotes_tables_and_unclosed_fence() {
        let out = text("> careful\n> now\n\n| a | b |\n|---|---|\n\n```\nopen", 30);
        assert_eq!(
            out,
            ["▌ careful now", "", "| a | b |", "|---|---|", "", "│ open"]
        );
    }

    #[test]
    fn hostile_text_is_sanitized_and_tiny_widths_do_not_panic() {
        let out = text("# a\x1b]0;pwn\x07b\n\nx\u{202E}y", 80);
        assert_eq!(out, ["ab", "══", "", "xy"]);
        for w in 0..6 {
            let _ = render(
                "# Heading\n- item text\n```\ncode\n```\n> q\n| t |",
                &Theme::fallback(),
                w,
            );
        }
    }
}
