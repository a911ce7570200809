//! `sources::sentry::parse_link_header` on any header text; the same text as `Retry-After` and
//! `X-Sentry-Rate-Limit-*` values for `parse_rate_limit` and `retry_after`.
#![no_main]

use chrono::DateTime;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use oncall::sources::sentry::{
    MAX_WAIT, MIN_WAIT, parse_link_header, parse_rate_limit, retry_after,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let info = parse_link_header(text);
    for link in [&info.next, &info.previous].into_iter().flatten() {
        assert!(!link.url.contains('>'), "a URL ends at the first `>`");
        assert_eq!(link.url, link.url.trim());
    }
    if info.next_cursor().is_some() {
        assert!(info.next.as_ref().is_some_and(|l| l.results));
    }

    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for name in [
        "x-sentry-rate-limit-limit",
        "x-sentry-rate-limit-remaining",
        "x-sentry-rate-limit-reset",
    ] {
        headers.insert(name, value.clone());
    }
    let _ = parse_rate_limit(&headers);
    let now = DateTime::from_timestamp(1_795_800_000, 0).expect("valid time");
    let wait = retry_after(&headers, now);
    assert!((MIN_WAIT..=MAX_WAIT).contains(&wait), "{wait:?}");
    headers.insert("retry-after", value);
    let wait = retry_after(&headers, now);
    assert!((MIN_WAIT..=MAX_WAIT).contains(&wait), "{wait:?}");
});
