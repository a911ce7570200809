//! The one sanitizer every remote string passes through before a widget or the snapshot sees it.
//!
//! Escape sequences (CSI, OSC, DCS, SOS, PM, APC and two-byte ESC forms, 7-bit and 8-bit) are
//! removed whole, never reduced to their printable tail. Other C0 and C1 controls, DEL, bidi
//! overrides and invisible format characters are dropped. Tabs become spaces. In one-line text a
//! newline (and U+2028/U+2029) shows as `⏎`; multi-line text keeps `\n`.

use std::sync::RwLock;

/// Secrets read from the environment or token files. Any text shown or written anywhere passes
/// through this module, so a server that echoes a token back (in an error body, say) cannot
/// make it appear on screen, in a snapshot or in a post-mortem.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers a secret so that it is redacted from all text from now on.
pub fn register_secret(secret: &str) {
    let secret = secret.trim();
    if secret.len() < 4 {
        return;
    }
    if let Ok(mut list) = SECRETS.write() {
        if !list.iter().any(|s| s == secret) {
            list.push(secret.to_string());
        }
    }
}

/// Replaces every registered secret in `text` with `[redacted]`.
pub fn redact(text: String) -> String {
    let Ok(list) = SECRETS.read() else {
        return text;
    };
    if list.is_empty() {
        return text;
    }
    let mut out = text;
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "[redacted]");
        }
    }
    out
}

/// Longest text kept for display; longer input is cut with `…`.
pub const MAX_CHARS: usize = 4096;

/// Sanitizes text shown on one row (log lines, titles, label values).
pub fn line(s: &str) -> String {
    if is_plain(s) {
        return redact(s.trim_end().to_string());
    }
    clean(s, false, MAX_CHARS)
}

/// [`line`] for text the caller owns: plain text is kept in place rather than copied.
pub fn line_owned(mut s: String) -> String {
    if is_plain(&s) {
        let trimmed = s.trim_end().len();
        s.truncate(trimmed);
        return redact(s);
    }
    clean(&s, false, MAX_CHARS)
}

/// Printable ASCII within the length budget: nothing for [`clean`] to change but trailing
/// spaces.
fn is_plain(s: &str) -> bool {
    s.len() <= MAX_CHARS && s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Sanitizes text that may keep line breaks (annotations, stack traces).
pub fn multiline(s: &str) -> String {
    clean(s, true, MAX_CHARS * 4)
}

/// Sanitizes with an explicit character budget.
pub fn bounded(s: &str, keep_newlines: bool, max_chars: usize) -> String {
    clean(s, keep_newlines, max_chars)
}

/// Invisible or direction-changing format characters: zero-width characters, bidi marks,
/// embeddings, overrides and isolates, the BOM, interlinear annotations, the soft hyphen.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{061C}'              // Arabic letter mark
        | '\u{FEFF}'              // BOM / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        | '\u{00AD}' // soft hyphen
    )
}

/// What an ESC (or 8-bit introducer) starts.
#[derive(Clone, Copy, PartialEq)]
enum Seq {
    /// CSI: parameters then one final byte 0x40..=0x7E.
    Csi,
    /// OSC / DCS / SOS / PM / APC: runs to BEL, ESC \ or ST (0x9C).
    String,
}

fn clean(s: &str, keep_newlines: bool, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars + 8));
    let mut chars = s.chars().peekable();
    let mut count = 0usize;
    while let Some(c) = chars.next() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        let seq = match c {
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    Some(Seq::Csi)
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    Some(Seq::String)
                }
                Some(n) if ('\u{20}'..='\u{7e}').contains(&n) => {
                    // Two-byte (or intermediate + final) escape: drop ESC and what it introduces.
                    chars.next();
                    if ('\u{20}'..='\u{2f}').contains(&n) {
                        chars.next();
                    }
                    continue;
                }
                _ => continue,
            },
            '\u{9b}' => Some(Seq::Csi),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => Some(Seq::String),
            _ => None,
        };
        match seq {
            Some(Seq::Csi) => skip_csi(&mut chars),
            Some(Seq::String) => skip_string(&mut chars),
            None => {
                count += push_visible(&mut out, c, keep_newlines);
            }
        }
    }
    if !keep_newlines {
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
    }
    redact(out)
}

fn push_visible(out: &mut String, c: char, keep_newlines: bool) -> usize {
    match c {
        '\t' => {
            out.push_str("    ");
            4
        }
        '\n' | '\u{2028}' | '\u{2029}' if keep_newlines => {
            out.push('\n');
            1
        }
        '\n' | '\u{2028}' | '\u{2029}' => {
            out.push('⏎');
            1
        }
        '\r' => 0,
        c if c.is_control() || is_invisible_format(c) => 0,
        c => {
            out.push(c);
            1
        }
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Malformed: anything that is not a parameter or intermediate ends it.
            return;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// Text safe inside an OSC payload: no ESC, BEL, ST or other controls, one line.
pub fn osc_payload(s: &str) -> String {
    line(s)
        .chars()
        .filter(|c| !matches!(c, '\u{1b}' | '\u{07}' | '\u{9c}'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_shortcut_agrees_with_the_full_pass() {
        let long = "x".repeat(MAX_CHARS + 3);
        for s in [
            "",
            "plain",
            "trailing   ",
            "tab\there",
            "a\x1b[31mb",
            "é and ✓",
            "line\nbreak",
            "del\x7f",
            long.as_str(),
        ] {
            assert_eq!(line_owned(s.to_string()), line(s), "{s:?}");
            assert_eq!(line(s), clean(s, false, MAX_CHARS), "{s:?}");
        }
    }

    #[test]
    fn removes_sequences_whole() {
        assert_eq!(line("a\x1b]0;pwned\x07b"), "ab");
        assert_eq!(line("a\x1b]52;c;ZXZpbA==\x1b\\b"), "ab");
        assert_eq!(line("\x1b[31mred\x1b[0m"), "red");
        assert_eq!(line("x\x1b[2J\x1b[H"), "x");
        assert_eq!(line("a\x1bPtmux;junk\x1b\\b"), "ab");
        assert_eq!(line("a\u{9b}31mb"), "ab");
        assert_eq!(line("a\u{9d}0;t\u{9c}b"), "ab");
        assert_eq!(line("a\x1b7b\x1b(Bc"), "abc");
    }

    #[test]
    fn drops_controls_and_invisibles() {
        assert_eq!(line("a\x07b\x00c\x7fd\u{85}e"), "abcde");
        assert_eq!(line("evil\u{202E}txt.exe\u{200B}"), "eviltxt.exe");
        assert_eq!(line("tab\there"), "tab    here");
    }

    #[test]
    fn newlines_per_context() {
        assert_eq!(line("one\ntwo\r\n"), "one⏎two⏎");
        assert_eq!(multiline("one\r\ntwo"), "one\ntwo");
        assert_eq!(line("a\u{2028}b"), "a⏎b");
    }

    #[test]
    fn unterminated_sequence_swallows_rest_not_screen() {
        assert_eq!(line("ok\x1b]0;never ends"), "ok");
        assert_eq!(line("ok\x1b"), "ok");
    }

    #[test]
    fn long_lines_are_cut() {
        let long = "x".repeat(200_000);
        let out = line(&long);
        assert_eq!(out.chars().count(), MAX_CHARS + 1);
        assert!(out.ends_with('…'));
    }

    #[test]
    fn registered_secrets_are_redacted() {
        register_secret("s3cr3t-token-value");
        assert_eq!(
            line("Bearer s3cr3t-token-value rejected"),
            "Bearer [redacted] rejected"
        );
        register_secret("ab");
        assert_eq!(line("ab"), "ab", "too short to be a secret");
    }

    #[test]
    fn osc_payload_has_no_terminators() {
        let p = osc_payload("P1 \x1b]9;x\x07 \u{9c}done");
        assert!(!p.contains(['\u{1b}', '\u{07}', '\u{9c}']));
    }
}
