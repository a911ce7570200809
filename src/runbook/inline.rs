//! Inline markdown (`code`, **bold**, *italic*, links) and word wrapping into styled lines.

use crate::theme::Theme;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// A run of text in one style.
pub type Seg = (String, Style);

/// Parses inline markdown in `text`, with `base` as the style of plain text.
pub fn parse(text: &str, base: Style, theme: &Theme) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest = &chars[i..];
        let special = match c {
            '\\' if rest.get(1).is_some_and(char::is_ascii_punctuation) => {
                plain.push(rest[1]);
                i += 2;
                continue;
            }
            '`' => code_span(rest, theme),
            '*' | '_' if rest.get(1) == Some(&c) => strong(rest, c, base, theme),
            '*' => emphasis(rest, base, theme),
            '[' | '!' => link(rest, base, theme),
            '<' => autolink(rest, theme),
            _ => None,
        };
        match special {
            Some((segs, used)) => {
                flush(&mut out, &mut plain, base);
                out.extend(segs);
                i += used;
            }
            None => {
                plain.push(c);
                i += 1;
            }
        }
    }
    flush(&mut out, &mut plain, base);
    out
}

type Found = Option<(Vec<Seg>, usize)>;

fn flush(out: &mut Vec<Seg>, plain: &mut String, base: Style) {
    if !plain.is_empty() {
        out.push((std::mem::take(plain), base));
    }
}

/// Index of `pat` in `s` at or after `from`.
fn find(s: &[char], pat: &[char], from: usize) -> Option<usize> {
    (from..s.len().saturating_sub(pat.len() - 1)).find(|&i| s[i..].starts_with(pat))
}

fn code_span(s: &[char], theme: &Theme) -> Found {
    let ticks = s.iter().take_while(|&&c| c == '`').count();
    let fence = vec!['`'; ticks];
    let end = find(s, &fence, ticks)?;
    let inner: String = s[ticks..end].iter().collect();
    let inner = if ticks > 1 {
        inner.trim().to_string()
    } else {
        inner
    };
    Some((vec![(inner, theme.key)], end + ticks))
}

fn strong(s: &[char], c: char, base: Style, theme: &Theme) -> Found {
    let end = find(s, &[c, c], 2)?;
    if end == 2 || s[2].is_whitespace() {
        return None;
    }
    let inner: String = s[2..end].iter().collect();
    let bold = base.add_modifier(Modifier::BOLD);
    Some((parse(&inner, bold, theme), end + 2))
}

fn emphasis(s: &[char], base: Style, theme: &Theme) -> Found {
    let end = find(s, &['*'], 1)?;
    if end == 1 || s[1].is_whitespace() || s[end - 1].is_whitespace() {
        return None;
    }
    let inner: String = s[1..end].iter().collect();
    let italic = base.add_modifier(Modifier::ITALIC);
    Some((parse(&inner, italic, theme), end + 1))
}

/// `[text](url)` (and `![alt](url)`) shown as `text (url)`.
fn link(s: &[char], base: Style, theme: &Theme) -> Found {
    let start = usize::from(s[0] == '!');
    if s.get(start) != Some(&'[') {
        return None;
    }
    let close = find(s, &[']', '('], start + 1)?;
    let end = find(s, &[')'], close + 2)?;
    let text: String = s[start + 1..close].iter().collect();
    let url: String = s[close + 2..end].iter().collect();
    let mut segs = parse(&text, base.add_modifier(Modifier::UNDERLINED), theme);
    if text != url {
        segs.push((format!(" ({url})"), theme.muted));
    }
    Some((segs, end + 1))
}

fn autolink(s: &[char], theme: &Theme) -> Found {
    let end = find(s, &['>'], 1)?;
    let url: String = s[1..end].iter().collect();
    let web = url.starts_with("http://") || url.starts_with("https://");
    (web && !url.contains(' ')).then(|| (vec![(url, theme.muted)], end + 1))
}

fn width_of(segs: &[Seg]) -> usize {
    segs.iter().map(|(t, _)| str_width(t)).sum()
}

pub fn str_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Splits styled text into words (styled pieces between spaces).
fn words(segs: &[Seg]) -> Vec<Vec<Seg>> {
    let mut out = Vec::new();
    let mut word: Vec<Seg> = Vec::new();
    for (text, style) in segs {
        let mut cur = String::new();
        for c in text.chars() {
            if c == ' ' {
                if !cur.is_empty() {
                    word.push((std::mem::take(&mut cur), *style));
                }
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            } else {
                cur.push(c);
            }
        }
        if !cur.is_empty() {
            word.push((cur, *style));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Breaks one word that is wider than `avail` into pieces that fit.
fn break_word(word: Vec<Seg>, avail: usize) -> Vec<Vec<Seg>> {
    let mut out = Vec::new();
    let mut piece: Vec<Seg> = Vec::new();
    let mut w = 0;
    for (text, style) in word {
        let mut cur = String::new();
        for c in text.chars() {
            let cw = c.width().unwrap_or(0);
            if w + cw > avail && w > 0 {
                if !cur.is_empty() {
                    piece.push((std::mem::take(&mut cur), style));
                }
                out.push(std::mem::take(&mut piece));
                w = 0;
            }
            cur.push(c);
            w += cw;
        }
        if !cur.is_empty() {
            piece.push((cur, style));
        }
    }
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// Word-wraps `segs` to `width` columns. Every line starts with `first` (the first line) or
/// `rest` (the others): a bullet and its hanging indent, a quote bar.
pub fn wrap(
    segs: &[Seg],
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    let prefix_w = |p: &[Span<'static>]| p.iter().map(|s| s.width()).sum::<usize>();
    let avail = |p: &[Span<'static>]| width.saturating_sub(prefix_w(p)).max(1);
    let mut lines = Vec::new();
    let mut cur: Vec<Span<'static>> = first.to_vec();
    let mut used = 0;
    let mut room = avail(first);
    let mut pieces: Vec<Vec<Seg>> = Vec::new();
    for word in words(segs) {
        if width_of(&word) > avail(rest) {
            pieces.extend(break_word(word, avail(rest)));
        } else {
            pieces.push(word);
        }
    }
    for word in pieces {
        let ww = width_of(&word);
        if used > 0 && used + 1 + ww > room {
            lines.push(Line::from(std::mem::replace(&mut cur, rest.to_vec())));
            used = 0;
            room = avail(rest);
        }
        if used > 0 {
            cur.push(Span::raw(" "));
            used += 1;
        }
        used += ww;
        cur.extend(word.into_iter().map(|(t, s)| Span::styled(t, s)));
    }
    lines.push(Line::from(cur));
    lines
}

/// Cuts verbatim text (code, tables) into pieces of at most `avail` columns, keeping spaces.
pub fn hard_wrap(text: &str, avail: usize) -> Vec<String> {
    let avail = avail.max(1);
    let mut out = vec![String::new()];
    let mut w = 0;
    for c in text.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > avail && w > 0 {
            out.push(String::new());
            w = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        w += cw;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(segs: &[Seg]) -> Vec<&str> {
        segs.iter().map(|(t, _)| t.as_str()).collect()
    }

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn inline_styles() {
        let t = Theme::fallback();
        let segs = parse(
            "run `kubectl get pods` **now**, see [docs](https://d) or *this*",
            t.text,
            &t,
        );
        assert_eq!(
            texts(&segs),
            [
                "run ",
                "kubectl get pods",
                " ",
                "now",
                ", see ",
                "docs",
                " (https://d)",
                " or ",
                "this"
            ]
        );
        assert_eq!(segs[1].1, t.key);
        assert!(segs[3].1.add_modifier.contains(Modifier::BOLD));
        assert!(segs[8].1.add_modifier.contains(Modifier::ITALIC));
    }

    #[test]
    fn unmatched_markers_stay_literal() {
        let t = Theme::fallback();
        let segs = parse("a * b ** c ` d [e] pg_stat_statements \\*x\\*", t.text, &t);
        assert_eq!(
            texts(&segs).concat(),
            "a * b ** c ` d [e] pg_stat_statements *x*"
        );
    }

    #[test]
    fn wraps_with_hanging_indent_and_breaks_long_words() {
        let t = Theme::fallback();
        let segs = parse("one two three four five six", t.text, &t);
        let first = [Span::raw("• ")];
        let rest = [Span::raw("  ")];
        let lines = wrap(&segs, 11, &first, &rest);
        assert_eq!(
            plain(&lines),
            ["• one two", "  three", "  four five", "  six"]
        );
        let long = parse("abcdefghijkl", t.text, &t);
        assert_eq!(plain(&wrap(&long, 5, &[], &[])), ["abcde", "fghij", "kl"]);
        let wide = parse("日本語のテキスト", t.text, &t);
        for l in wrap(&wide, 5, &[], &[]) {
            assert!(l.width() <= 5, "{l}");
        }
    }

    #[test]
    fn hard_wrap_keeps_spaces() {
        assert_eq!(hard_wrap("  ab  cd", 4), ["  ab", "  cd"]);
        assert_eq!(hard_wrap("", 4), [""]);
    }
}
