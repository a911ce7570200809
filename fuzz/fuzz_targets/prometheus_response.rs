//! `sources::prometheus::parse_response`: a `/api/v1/query(_range)` answer of any status. A
//! scalar or string is one series of one point; error text carries no terminal controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sources::prometheus::{ResultType, parse_response};
use oncall_fuzz::{assert_clean, assert_clean_error, http_answer};

fuzz_target!(|data: &[u8]| {
    let Some((status, content_type, body)) = http_answer(data) else {
        return;
    };
    match parse_response(status, content_type, body) {
        Ok(r) => {
            if matches!(r.result_type, ResultType::Scalar | ResultType::String) {
                assert_eq!(r.series.len(), 1, "a scalar or string is one series");
                assert_eq!(r.series[0].points.len(), 1, "of one point");
            }
            if r.result_type == ResultType::String {
                assert_clean(&r.series[0].labels["value"], false, "string result");
            }
        }
        Err(e) => assert_clean_error(&e),
    }
});
