//! `sources::loki::parse_tail_frame`: one `/loki/api/v1/tail` websocket text frame. The entry
//! budget holds; error text carries no terminal controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sources::loki::{MAX_ENTRIES, level_of, parse_tail_frame};
use oncall_fuzz::assert_clean_error;

fuzz_target!(|data: &[u8]| {
    // Text frames are UTF-8 (the websocket layer checks).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_tail_frame(text) {
        Ok((entries, _dropped)) => {
            assert!(entries.len() <= MAX_ENTRIES);
            for e in &entries {
                let _ = level_of(&e.labels, &e.line);
            }
        }
        Err(e) => assert_clean_error(&e),
    }
});
