//! Logs panel: time, level (in its theme colour) and line; level filters, search matches
//! highlighted with their context kept, follow or paused; Enter shows a line whole.

use super::panel::View;
use crate::sources::loki::Level;
use crate::state::feeds::{LogLine, LogsView};
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

pub fn level_style(theme: &Theme, l: Level) -> Style {
    match l {
        Level::Error => theme.crit,
        Level::Warn => theme.warn,
        Level::Info => theme.ok,
        Level::Debug | Level::Unknown => theme.muted,
    }
}

fn level_tag(l: Level) -> &'static str {
    match l {
        Level::Error => "ERROR",
        Level::Warn => "WARN ",
        Level::Info => "INFO ",
        Level::Debug => "DEBUG",
        Level::Unknown => "     ",
    }
}

/// What the panel's body shows in `area`: where each part goes and its text.
pub fn parts<'a>(area: Rect, view: &View<'a>, theme: &Theme) -> Vec<(Rect, Plain<'a>)> {
    let Some(logs) = view.panel.logs.as_deref() else {
        return Vec::new();
    };
    let tz = view.state.zone();
    let status = status_line(logs, theme);
    let rows = usize::from(area.height.saturating_sub(1));
    // Following: the newest lines. Paused: the window that holds the selection.
    let window = logs.window(rows);
    let mut lines: Vec<Line<'_>> = window
        .iter()
        .map(|&i| {
            let selected = view.focused && logs.selected == Some(i);
            row(&logs.lines[i], logs, tz, theme, selected, area.width)
        })
        .collect();
    if window.is_empty() && !logs.lines.iter().any(|l| logs.shows(l)) {
        let text = if logs.lines.is_empty() {
            "no log lines yet"
        } else {
            "every line is hidden by the level filters (e w i)"
        };
        lines.push(Line::from(Span::styled(text, theme.muted)));
    }
    // The filter and follow state sits on the bottom row.
    while lines.len() < rows {
        lines.push(Line::from(""));
    }
    lines.push(status);
    vec![(area, Plain::new(lines))]
}

/// The selected line, whole, over the body (Enter in a focused logs panel).
pub fn render_detail(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &crate::state::State,
    theme: &Theme,
) {
    if let Some(l) = open_detail(state) {
        detail(frame, area, l, state.zone(), theme);
    }
}

/// Whether [`render_detail`] draws over the body.
pub fn detail_open(state: &crate::state::State) -> bool {
    open_detail(state).is_some()
}

fn open_detail(state: &crate::state::State) -> Option<&crate::state::feeds::LogLine> {
    let logs = state
        .focused_panel()
        .and_then(|i| state.panels[i].logs.as_deref())?;
    logs.selected_line().filter(|_| logs.detail)
}

fn status_line<'a>(logs: &LogsView, theme: &Theme) -> Line<'a> {
    let on = |b: bool, s: Style| {
        if b {
            s
        } else {
            theme.muted.add_modifier(Modifier::CROSSED_OUT)
        }
    };
    let mut spans = vec![
        Span::styled("ERROR", on(logs.show_error, theme.crit)),
        Span::raw(" "),
        Span::styled("WARN", on(logs.show_warn, theme.warn)),
        Span::raw(" "),
        Span::styled("INFO", on(logs.show_info, theme.ok)),
        Span::styled("  │ ", theme.muted),
        if logs.follow {
            Span::styled("following", theme.ok)
        } else {
            Span::styled("paused (f follows)", theme.warn)
        },
        Span::styled(format!("  │ {} lines", logs.lines.len()), theme.muted),
    ];
    if let Some(s) = logs.search() {
        let hits = logs.search_hits();
        spans.push(Span::styled(
            format!("  │ /{} {hits} matches (n N)", s.text),
            theme.key,
        ));
    }
    if logs.dropped > 0 {
        spans.push(Span::styled(
            format!("  │ {} dropped by the server", logs.dropped),
            theme.warn,
        ));
    }
    Line::from(spans)
}

fn row<'a>(
    l: &'a LogLine,
    logs: &LogsView,
    tz: crate::tz::Tz,
    theme: &Theme,
    selected: bool,
    width: u16,
) -> Line<'a> {
    let t = l
        .time()
        .with_timezone(&tz)
        .format("%H:%M:%S%.3f")
        .to_string();
    let mut spans = vec![
        Span::styled(format!("{t} "), theme.muted),
        Span::styled(
            format!("{} ", level_tag(l.level)),
            level_style(theme, l.level),
        ),
    ];
    let room = usize::from(width).saturating_sub(19);
    let text = clip(&l.line, room);
    let cut = text.len() < l.line.len();
    let text = if cut {
        clip(&l.line, room.saturating_sub(1))
    } else {
        text
    };
    let matches = logs.search().map(|s| s.find(text)).unwrap_or_default();
    let base = if l.level == Level::Error {
        theme.text.add_modifier(Modifier::BOLD)
    } else {
        theme.text
    };
    let mut at = 0;
    for (a, b) in matches {
        if a > at {
            spans.push(Span::styled(&text[at..a], base));
        }
        spans.push(Span::styled(
            &text[a..b],
            theme.selection.add_modifier(Modifier::REVERSED),
        ));
        at = b;
    }
    if at < text.len() {
        spans.push(Span::styled(&text[at..], base));
    }
    if cut {
        spans.push(Span::styled("…", theme.muted));
    }
    let line = Line::from(spans);
    if selected {
        line.style(theme.selection)
    } else {
        line
    }
}

/// The longest prefix of `s` that fits in `width` cells (long lines cost nothing to cut).
fn clip(s: &str, width: usize) -> &str {
    // Shorter in bytes than the width: it fits (no character is wider than its bytes).
    if s.len() <= width {
        return s;
    }
    // Printable ASCII up to the cut and just after it (not a zero-width mark that would stay):
    // a column per byte.
    if s.bytes().take(width + 1).all(|b| (0x20..0x7f).contains(&b)) {
        return &s[..width];
    }
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            return &s[..i];
        }
        used += w;
    }
    s
}

fn detail(frame: &mut Frame<'_>, area: Rect, l: &LogLine, tz: crate::tz::Tz, theme: &Theme) {
    let t = l
        .time()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S%.9f %Z")
        .to_string();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", level_tag(l.level)),
                level_style(theme, l.level),
            ),
            Span::styled(t, theme.muted),
        ]),
        Line::from(""),
        Line::from(Span::styled(l.line.clone(), theme.text)),
        Line::from(""),
    ];
    for (k, v) in l.labels.iter() {
        lines.push(Line::from(vec![
            Span::styled(format!("{k}="), theme.muted),
            Span::styled(v.clone(), theme.text),
        ]));
    }
    super::modal(
        frame,
        area,
        " log line (Esc closes · y copies) ",
        lines,
        theme,
    );
}

#[cfg(test)]
mod tests {
    /// Random text of ASCII, accents, wide characters, emoji and controls, cut as a character
    /// by character walk over the widths cuts it.
    #[test]
    fn clip_is_the_walk_over_widths() {
        use unicode_width::UnicodeWidthChar;
        let walk = |s: &str, width: usize| -> String {
            let mut used = 0;
            let mut out = String::new();
            for c in s.chars() {
                let w = c.width().unwrap_or(0);
                if used + w > width {
                    break;
                }
                used += w;
                out.push(c);
            }
            out
        };
        let pieces = ["a", "Z", " ", "~", "é", "日", "🔥", "\t", "\u{301}", "·"];
        let mut rng = crate::test_rng::Rng(0xc11b);
        for _ in 0..5000 {
            let s: String = (0..rng.below(20))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            let width = rng.below(24);
            assert_eq!(super::clip(&s, width), walk(&s, width), "{s:?} in {width}");
        }
    }

    #[test]
    fn clip_respects_wide_characters() {
        assert_eq!(super::clip("héllo", 3), "hél");
        assert_eq!(super::clip("日本語", 5), "日本");
        assert_eq!(super::clip("abc", 10), "abc");
    }
}
