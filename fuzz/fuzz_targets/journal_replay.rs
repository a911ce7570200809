//! `incidents::journal::replay` on any bytes: one event or one warning per non-blank line, and
//! every event read back survives being written again (as `Journal::append` writes it). The
//! events are then folded and each incident rebuilt from them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall::incidents::from_journal;
use oncall::incidents::journal::{fold, replay};

fuzz_target!(|data: &[u8]| {
    let (events, warnings) = replay(data);
    let lines = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(
        events.len() + warnings.len(),
        lines,
        "one event or one warning per non-blank line"
    );

    let mut written = Vec::new();
    for ev in &events {
        written.extend(serde_json::to_vec(ev).expect("an event serializes"));
        written.push(b'\n');
    }
    let (again, warnings) = replay(&written);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(again, events, "written events read back the same");

    for id in fold(&events).keys() {
        let inc = from_journal(id, &events);
        assert!(inc.is_none_or(|i| &i.id == id));
    }
});
