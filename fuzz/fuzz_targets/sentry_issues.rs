//! `sources::sentry::parse_issues`: an issue-list answer of any status; parsed lists are then
//! sorted every way the panel can sort them. Every issue has an id; error text carries no
//! terminal controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::sources::sentry::{Sort, parse_issues};
use oncall_fuzz::{assert_clean_error, http_answer};

fuzz_target!(|data: &[u8]| {
    let Some((status, content_type, body)) = http_answer(data) else {
        return;
    };
    match parse_issues(status, content_type, body) {
        Ok(mut issues) => {
            assert!((200..300).contains(&status), "only a 2xx answer has issues");
            assert!(
                issues.iter().all(|i| !i.id.is_empty()),
                "every issue has an id"
            );
            for sort in [Sort::Date, Sort::Freq, Sort::New, Sort::User] {
                sort.apply(&mut issues);
            }
        }
        Err(e) => assert_clean_error(&e),
    }
});
