//! `--ascii`: after a frame is drawn, every box-drawing, braille, block and symbol character is
//! replaced by plain ASCII, for fonts and terminals that mangle them. Text from the sources is
//! left as it is; only the dashboard's own drawing characters change.

use ratatui::buffer::Buffer;

/// The ASCII stand-in for one of the dashboard's drawing characters, if it is one.
pub fn replace(c: char) -> Option<char> {
    let code = c as u32;
    Some(match c {
        // Box drawing: lines and corners.
        '─' | '━' | '═' | '╌' | '┄' | '╍' | '┅' => '-',
        '│' | '┃' | '║' | '╎' | '┆' | '╏' | '┇' => '|',
        _ if (0x2500..=0x257F).contains(&code) => '+',
        // Braille dots: by how many are set.
        '\u{2800}' => ' ',
        _ if (0x2801..=0x28FF).contains(&code) => match (code - 0x2800).count_ones() {
            1 | 2 => '.',
            3 | 4 => ':',
            _ => '#',
        },
        // Blocks: bars and sparklines by height, full blocks and shades.
        '▁' => '_',
        '▂' => '.',
        '▃' => ':',
        '▄' | '▅' => '=',
        '▆' | '▇' => '#',
        '█' | '▉' | '▊' | '▋' => '#',
        '▌' | '▍' | '▎' | '▏' => '|',
        '▀' => '"',
        '░' | '▒' | '▓' => '.',
        _ if (0x2580..=0x259F).contains(&code) => '#',
        // The dashboard's marks.
        '✓' => '+',
        '✗' => 'x',
        '✖' => 'X',
        '▲' => '^',
        '●' => '*',
        '∅' => '0',
        '▶' | '›' | '→' => '>',
        '↓' => 'v',
        '↑' => '^',
        '■' => '#',
        '⏎' => '/',
        '…' => '~',
        '·' => '.',
        '≥' => '>',
        '≤' => '<',
        '×' => 'x',
        '␛' => '^',
        _ => return None,
    })
}

/// Rewrites a drawn frame in place.
pub fn apply(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            let mut chars = cell.symbol().chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                if let Some(r) = replace(c) {
                    cell.set_char(r);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_characters_become_ascii() {
        for c in [
            '╭', '─', '│', '┼', '⣿', '⠁', '█', '▁', '✓', '✖', '●', '…', '⏎',
        ] {
            let r = replace(c).unwrap_or_else(|| panic!("{c} has no stand-in"));
            assert!(r.is_ascii(), "{c} -> {r}");
        }
        assert_eq!(replace('a'), None);
        assert_eq!(replace('日'), None, "remote text is left alone");
    }
}
