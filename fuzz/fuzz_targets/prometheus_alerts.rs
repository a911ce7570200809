//! `sources::prometheus::parse_alerts`: a `/api/v1/alerts` answer of any status; error text
//! carries no terminal controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sources::prometheus::parse_alerts;
use oncall_fuzz::{assert_clean_error, http_answer};

fuzz_target!(|data: &[u8]| {
    let Some((status, content_type, body)) = http_answer(data) else {
        return;
    };
    if let Err(e) = parse_alerts(status, content_type, body) {
        assert_clean_error(&e);
    }
});
