//! Large digits for the wall screen: a 3-row block font for numbers, readable from across a
//! room. Characters without a glyph (units) are drawn at normal size on the middle row.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Rows of one glyph, each 3 cells wide (narrow glyphs are 1 cell).
fn glyph(c: char) -> Option<[&'static str; 3]> {
    Some(match c {
        '0' => ["█▀█", "█ █", "▀▀▀"],
        '1' => ["▀█ ", " █ ", "▀▀▀"],
        '2' => ["▀▀█", "█▀▀", "▀▀▀"],
        '3' => ["▀▀█", " ▀█", "▀▀▀"],
        '4' => ["█ █", "▀▀█", "  ▀"],
        '5' => ["█▀▀", "▀▀█", "▀▀▀"],
        '6' => ["█▀▀", "█▀█", "▀▀▀"],
        '7' => ["▀▀█", "  █", "  ▀"],
        '8' => ["█▀█", "█▀█", "▀▀▀"],
        '9' => ["█▀█", "▀▀█", "▀▀▀"],
        'P' => ["█▀█", "█▀▀", "▀  "],
        '.' => [" ", " ", "▀"],
        ',' => [" ", " ", "▄"],
        ':' => ["▀", "▀", " "],
        '%' => ["▀ █", " █ ", "█ ▄"],
        '-' => ["   ", "▀▀▀", "   "],
        '+' => [" ▄ ", "▀█▀", "   "],
        '/' => ["  █", " █ ", "█  "],
        ' ' => [" ", " ", " "],
        _ => return None,
    })
}

/// The three rows of `text` in large digits (with one space between glyphs), and its width.
/// Anything after the first character without a glyph is kept at normal size on the middle row.
pub fn lines(text: &str, style: Style) -> (Vec<Line<'static>>, usize) {
    let mut rows = [String::new(), String::new(), String::new()];
    let mut rest = String::new();
    for (i, c) in text.char_indices() {
        match glyph(c) {
            Some(g) if rest.is_empty() => {
                for (r, part) in rows.iter_mut().zip(g) {
                    r.push_str(part);
                    r.push(' ');
                }
            }
            _ => {
                rest = text[i..].to_string();
                break;
            }
        }
    }
    let width = rows[1].chars().count() + rest.chars().count();
    let lines = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut spans = vec![Span::styled(r, style)];
            if i == 1 && !rest.is_empty() {
                spans.push(Span::styled(rest.clone(), style));
            }
            Line::from(spans)
        })
        .collect();
    (lines, width)
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_then_the_unit() {
        let (l, w) = super::lines("2.35%", ratatui::style::Style::default());
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].to_string(), "▀▀█   ▀▀█ █▀▀ ▀ █ ");
        assert_eq!(w, 18);
        let (l, _) = super::lines("183 ms", ratatui::style::Style::default());
        assert_eq!(l[1].to_string(), " █  █▀█  ▀█   ms");
    }
}
