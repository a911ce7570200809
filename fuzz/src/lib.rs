//! Helpers shared by the fuzz targets: how an input becomes an HTTP answer, and the checks on
//! text that must have passed through the sanitizer.

/// Statuses a source parser is given, picked by the input's first byte.
const STATUSES: [u16; 16] = [
    200, 204, 299, 199, 300, 400, 401, 403, 404, 405, 422, 429, 499, 500, 503, 504,
];

/// Content types, picked by the input's second byte (`None`: no header).
const CONTENT_TYPES: [Option<&str>; 5] = [
    None,
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("text/plain; charset=utf-8"),
    Some("text/html"),
];

/// An HTTP answer for a source parser: `[status index, content-type index, body...]`.
pub fn http_answer(data: &[u8]) -> Option<(u16, Option<&'static str>, &[u8])> {
    let (&s, rest) = data.split_first()?;
    let (&c, body) = rest.split_first()?;
    let status = STATUSES[usize::from(s) % STATUSES.len()];
    let content_type = CONTENT_TYPES[usize::from(c) % CONTENT_TYPES.len()];
    Some((status, content_type, body))
}

/// Bidi embeddings/overrides/isolates and other invisible format characters the sanitizer drops.
/// Written out here on purpose rather than taken from `oncall::sanitize`: the targets check the
/// code against this list, so a character dropped from the code's list is caught.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{061C}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{00AD}')
}

/// Panics when `text` holds ESC, another C0 control (`\n` only when `newlines`), DEL, a C1
/// control or an invisible/bidi format character: what sanitized text never holds.
pub fn assert_clean(text: &str, newlines: bool, what: &str) {
    for c in text.chars() {
        let bad = (c.is_control() && !(newlines && c == '\n')) || is_invisible_format(c);
        assert!(!bad, "{what}: {c:?} in {text:?}");
    }
}

/// Panics when the text of a source error could carry terminal controls: every part of it that
/// comes from the server has been through the sanitizer (or Rust's `{:?}` escaping).
pub fn assert_clean_error(e: &oncall::sources::SourceError) {
    assert_clean(&e.to_string(), false, "error");
}
