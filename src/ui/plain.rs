//! Lines of text, one per row, cut at the area's width: what `Paragraph` draws without wrapping
//! or scrolling, cell for cell (a test compares the two on random text), at a fraction of the
//! cost. `Paragraph` splits every span into grapheme clusters and measures each one; most of a
//! dashboard's text (log lines, incident rows, labels, numbers) is ASCII, where each printable
//! byte is one cell, so such spans are written byte by byte. A span of symbols that are each a
//! grapheme cluster of their own (box drawing, blocks, braille, arrows, `·`, `●`, `✓`) is written
//! character by character; other spans take the same grapheme path as `Paragraph`.

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Text};
use ratatui::widgets::Widget;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, PartialEq)]
pub struct Plain<'a> {
    text: Text<'a>,
    style: Style,
    alignment: Alignment,
}

impl<'a> Plain<'a> {
    pub fn new(text: impl Into<Text<'a>>) -> Plain<'a> {
        Plain {
            text: text.into(),
            style: Style::default(),
            alignment: Alignment::Left,
        }
    }

    /// The style of the whole area (under the text's own styles).
    pub fn style(mut self, style: impl Into<Style>) -> Plain<'a> {
        self.style = style.into();
        self
    }

    /// The same, owning its text.
    pub fn to_static(&self) -> Plain<'static> {
        let lines = self.text.lines.iter().map(|l| Line {
            spans: l
                .spans
                .iter()
                .map(|s| ratatui::text::Span::styled(s.content.to_string(), s.style))
                .collect(),
            style: l.style,
            alignment: l.alignment,
        });
        Plain {
            text: Text {
                lines: lines.collect(),
                style: self.text.style,
                alignment: self.text.alignment,
            },
            style: self.style,
            alignment: self.alignment,
        }
    }

    /// How lines without an alignment of their own are placed.
    pub fn alignment(mut self, alignment: Alignment) -> Plain<'a> {
        self.alignment = alignment;
        self
    }
}

impl Widget for Plain<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        if self.style != Style::default() {
            // (Patching with the default style changes nothing.)
            for y in area.top()..area.bottom() {
                let row = buf.index_of(area.x, y);
                for cell in &mut buf.content[row..row + usize::from(area.width)] {
                    cell.set_style(self.style);
                }
            }
        }
        for (line, y) in self.text.lines.iter().zip(area.top()..area.bottom()) {
            let alignment = line.alignment.unwrap_or(self.alignment);
            draw_line(line, self.text.style, alignment, area, y, buf);
        }
    }
}

/// One piece of a line: a printable ASCII byte, a character that is a grapheme cluster of its
/// own, or a grapheme cluster, with its width.
#[derive(Clone, Copy)]
enum Piece<'a> {
    Byte(u8),
    Char(char, usize),
    Cluster(&'a str, usize),
}

/// A character that is a grapheme cluster of its own whatever stands beside it, and no control
/// character: Latin-1 and spacing modifier letters, punctuation, super- and subscripts,
/// currency, and the symbols from U+2100 to U+2BFF (letterlike symbols, arrows, mathematical
/// operators, box drawing, blocks, geometric shapes, dingbats, braille). None of them joins
/// the characters beside it into one cluster (no combining marks, joiners, prepended or
/// Hangul characters, nor regional indicators) and a lone one is one cluster by the rules of
/// UAX #29; the invisible format characters among them (U+200B–U+200F, U+2028–U+202E,
/// U+2060–U+206F) and the combining marks for symbols (U+20D0–U+20FF) are left out.
fn standalone(c: char) -> bool {
    matches!(
        c,
        '\u{20}'..='\u{7e}'
            | '\u{a0}'..='\u{2ff}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205f}'
            | '\u{2070}'..='\u{20cf}'
            | '\u{2100}'..='\u{2bff}'
    )
}

/// Calls `each` with the line's pieces in order and each one's style, until it returns false.
/// Control characters are left out, as `Paragraph` leaves them out.
fn pieces<'a>(line: &'a Line<'a>, base: Style, mut each: impl FnMut(Piece<'a>, Style) -> bool) {
    let line_style = base.patch(line.style);
    for span in &line.spans {
        let style = line_style.patch(span.style);
        if !span_pieces(span.content.as_ref(), |p| each(p, style)) {
            return;
        }
    }
}

/// Calls `each` with the pieces of one span's `content` in order, until it returns false;
/// says whether it went to the end.
fn span_pieces<'a>(content: &'a str, mut each: impl FnMut(Piece<'a>) -> bool) -> bool {
    if content.is_ascii() {
        for &b in content.as_bytes() {
            if !b.is_ascii_control() && !each(Piece::Byte(b)) {
                return false;
            }
        }
    } else if content.chars().all(standalone) {
        for c in content.chars() {
            // A single character's width is its table width (as `CellWidth` counts it,
            // apart from two halfwidth marks outside these ranges).
            let w = c.width().unwrap_or(0);
            if !each(Piece::Char(c, w)) {
                return false;
            }
        }
    } else {
        for g in content.graphemes(true) {
            if g.contains(char::is_control) {
                continue;
            }
            if !each(Piece::Cluster(g, usize::from(g.cell_width()))) {
                return false;
            }
        }
    }
    true
}

fn width(p: Piece<'_>) -> usize {
    match p {
        Piece::Byte(_) => 1,
        Piece::Char(_, w) | Piece::Cluster(_, w) => w,
    }
}

/// What a piece of `w` columns does on a row of `max` columns with `used` taken.
enum Fit {
    Take,
    /// Wider than the whole row: left out, and the line goes on.
    Skip,
    /// Would cross the row's end: the line stops here.
    Stop,
}

fn fit(w: usize, used: usize, max: usize) -> Fit {
    if w > max {
        Fit::Skip
    } else if used + w > max {
        Fit::Stop
    } else {
        Fit::Take
    }
}

fn draw_line(
    line: &Line<'_>,
    base: Style,
    alignment: Alignment,
    area: Rect,
    y: u16,
    buf: &mut Buffer,
) {
    let max = usize::from(area.width);
    let mut used = 0;
    if alignment != Alignment::Left {
        pieces(line, base, |p, _| match fit(width(p), used, max) {
            Fit::Take => {
                used += width(p);
                true
            }
            Fit::Skip => true,
            Fit::Stop => false,
        });
    }
    let offset = match alignment {
        Alignment::Left => 0,
        Alignment::Center => (max / 2).saturating_sub(used / 2),
        Alignment::Right => max.saturating_sub(used),
    };
    let row = buf.index_of(area.left(), y);
    let cells = &mut buf.content[row..row + max];
    let mut taken = 0;
    let line_style = base.patch(line.style);
    for span in &line.spans {
        let style = line_style.patch(span.style);
        let content: &str = span.content.as_ref();
        if content.is_ascii() {
            // Most text: a cell per printable byte, written in a loop of its own.
            for &b in content.as_bytes() {
                if b.is_ascii_control() {
                    continue;
                }
                if taken + 1 > max {
                    return;
                }
                cells[offset + taken]
                    .set_char(char::from(b))
                    .set_style(style);
                taken += 1;
            }
            continue;
        }
        let went_on = span_pieces(content, |p| {
            let w = width(p);
            match fit(w, taken, max) {
                Fit::Take => {}
                Fit::Skip => return true,
                Fit::Stop => return false,
            }
            if w == 0 {
                return true;
            }
            let cell = &mut cells[offset + taken];
            taken += w;
            match p {
                Piece::Byte(b) => cell.set_char(char::from(b)),
                Piece::Char(c, _) => cell.set_char(c),
                Piece::Cluster(g, _) => cell.set_symbol(g),
            };
            cell.set_style(style);
            true
        });
        if !went_on {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;
    use ratatui::widgets::Paragraph;

    const PIECES: &[&str] = &[
        "a",
        "Z",
        " ",
        "9",
        ":",
        "\t",
        "\u{7f}",
        "\r\n",
        "é",
        "e\u{301}",
        "\u{301}",
        "─",
        "█",
        "宽",
        "🔥",
        "❤\u{fe0f}",
        "\u{200b}",
        "ﾞ",
        "\u{1b}[31m",
        "·",
        "●",
        "✓",
        "✖",
        "▲",
        "⣿",
        "→",
        "\u{ad}",
        "\u{2d0}",
        "€",
        "\u{20e3}",
        "\u{200d}",
        "\u{2060}",
    ];

    /// Pieces that are each a cluster of their own, and the ASCII ones among them.
    const STANDALONE: &[&str] = &[
        "a", "Z", " ", ":", "é", "─", "█", "·", "●", "✓", "✖", "▲", "⣿", "→", "\u{ad}", "€",
    ];

    /// Each character `standalone` takes is one grapheme cluster, alone and beside any of them
    /// (a sample of neighbours), and no control character.
    #[test]
    fn standalone_characters_are_clusters_of_their_own() {
        let neighbours: Vec<char> = STANDALONE
            .iter()
            .flat_map(|s| s.chars())
            .chain([
                '\u{2ff}', '\u{2010}', '\u{205f}', '\u{2070}', '\u{20cf}', '\u{2bff}',
            ])
            .collect();
        let mut taken = 0;
        for c in (' '..='\u{2fff}').filter(|&c| standalone(c)) {
            taken += 1;
            assert!(!c.is_control(), "{c:?}");
            for &d in &neighbours {
                for pair in [format!("{c}{d}"), format!("{d}{c}")] {
                    assert_eq!(pair.graphemes(true).count(), 2, "{pair:?}");
                }
            }
        }
        assert!(taken > 3600, "{taken}");
        for c in [
            '\u{300}', '\u{200d}', '\u{200b}', '\u{2028}', '\u{2060}', '\u{20e3}', '\u{fe0f}',
        ] {
            assert!(!standalone(c), "{c:?}");
        }
    }

    fn style(rng: &mut Rng) -> Style {
        match rng.below(5) {
            0 => Style::default().fg(Color::Red),
            1 => Style::default()
                .bg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            2 => Style::default().remove_modifier(Modifier::BOLD),
            3 => Style::default().fg(Color::Indexed(100)).bg(Color::Reset),
            _ => Style::default(),
        }
    }

    fn random_text(rng: &mut Rng) -> Text<'static> {
        let lines: Vec<Line> = (0..rng.below(7))
            .map(|_| {
                let spans: Vec<Span> = (0..rng.below(4))
                    .map(|_| {
                        let kind = rng.below(3);
                        let s: String = (0..rng.below(14))
                            .map(|_| match kind {
                                0 => PIECES[rng.below(7)],
                                1 => STANDALONE[rng.below(STANDALONE.len())],
                                _ => PIECES[rng.below(PIECES.len())],
                            })
                            .collect();
                        Span::styled(s, style(rng))
                    })
                    .collect();
                let mut line = Line::from(spans).style(style(rng));
                line.alignment = match rng.below(4) {
                    0 => Some(Alignment::Center),
                    1 => Some(Alignment::Right),
                    2 => Some(Alignment::Left),
                    _ => None,
                };
                line
            })
            .collect();
        Text::from(lines).style(style(rng))
    }

    #[test]
    fn draws_the_cells_paragraph_draws() {
        let mut rng = Rng(0xfeed);
        for round in 0..4000 {
            let text = random_text(&mut rng);
            let screen = Rect::new(0, 0, 20, 6);
            let area = Rect::new(
                rng.below(4) as u16,
                rng.below(3) as u16,
                rng.below(18) as u16,
                rng.below(6) as u16,
            )
            .intersection(screen);
            let alignment = [Alignment::Left, Alignment::Center, Alignment::Right][rng.below(3)];
            let para_style = style(&mut rng);
            let mut under = Buffer::empty(screen);
            under.set_string(0, 1, "x".repeat(20), Style::default().bg(Color::Green));
            let mut theirs = under.clone();
            Paragraph::new(text.clone())
                .style(para_style)
                .alignment(alignment)
                .render(area, &mut theirs);
            let mut ours = under;
            Plain::new(text.clone())
                .style(para_style)
                .alignment(alignment)
                .render(area, &mut ours);
            assert_eq!(ours, theirs, "round {round}: {text:?} in {area:?}");
        }
    }
}
