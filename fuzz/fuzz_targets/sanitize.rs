//! `sanitize::{line, multiline, bounded, osc_payload, redact}` on any text (the first bytes pick
//! the function, `keep_newlines` and the budget).
//!
//! Checked: no ESC, other C0 (but `\n` where newlines are kept), DEL, C1, bidi or invisible
//! format character survives; the output stays within the budget (+3 when a tab, which counts
//! as 4, straddles it, +1 for the `…`); a registered secret never shows; sanitizing sanitized
//! text that was not cut changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sanitize::{MAX_CHARS, bounded, line, multiline, osc_payload, redact, register_secret};
use oncall_fuzz::assert_clean;
use std::sync::Once;

/// At least as long as `[redacted]`, so redaction never lengthens text.
const SECRET: &str = "fuzz-secret-0123";

fn check(out: &str, newlines: bool, max_chars: usize, what: &str) {
    assert_clean(out, newlines, what);
    let n = out.chars().count();
    assert!(
        n <= max_chars + 4,
        "{what}: {n} chars for a budget of {max_chars}"
    );
    assert!(!out.contains(SECRET), "{what}: secret shown in {out:?}");
    if !newlines {
        assert!(!out.contains('\n'), "{what}: a line break in {out:?}");
        assert_eq!(out, out.trim_end(), "{what}: trailing space");
    }
}

fuzz_target!(|data: &[u8]| {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| register_secret(SECRET));
    if data.len() < 3 {
        return;
    }
    let (head, rest) = data.split_at(3);
    let text = String::from_utf8_lossy(rest);
    match head[0] % 5 {
        0 => {
            let out = line(&text);
            check(&out, false, MAX_CHARS, "line");
            if out.chars().count() <= MAX_CHARS {
                assert_eq!(line(&out), out, "line is idempotent");
            }
        }
        1 => {
            let out = multiline(&text);
            check(&out, true, MAX_CHARS * 4, "multiline");
            if out.chars().count() <= MAX_CHARS * 4 {
                assert_eq!(multiline(&out), out, "multiline is idempotent");
            }
        }
        2 => {
            let keep = head[1] & 1 == 1;
            let max = usize::from(u16::from_le_bytes([head[1] >> 1, head[2]]));
            let out = bounded(&text, keep, max);
            check(&out, keep, max, "bounded");
        }
        3 => {
            let out = osc_payload(&text);
            check(&out, false, MAX_CHARS, "osc_payload");
        }
        _ => {
            let out = redact(text.clone().into_owned());
            assert!(!out.contains(SECRET), "secret left in {out:?}");
            if !text.contains(SECRET) {
                assert_eq!(out, text, "text without the secret is left alone");
            }
        }
    }
});
