//! `sources::loki::parse_query_range`: a `/loki/api/v1/query_range` answer of any status. The
//! entry budget holds whatever the body, every entry gets a level, error text carries no
//! terminal controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sources::loki::{MAX_ENTRIES, level_of, parse_query_range};
use oncall_fuzz::{assert_clean_error, http_answer};

fuzz_target!(|data: &[u8]| {
    let Some((status, content_type, body)) = http_answer(data) else {
        return;
    };
    match parse_query_range(status, content_type, body) {
        Ok(entries) => {
            assert!(
                (200..300).contains(&status),
                "only a 2xx answer has entries"
            );
            assert!(entries.len() <= MAX_ENTRIES);
            for e in &entries {
                let _ = level_of(&e.labels, &e.line);
            }
        }
        Err(e) => assert_clean_error(&e),
    }
});
