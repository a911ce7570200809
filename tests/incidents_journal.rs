//! The journal on disk: round trips, torn writes, appends after a crash.

use chrono::{DateTime, Utc};
use oncall::incidents::Severity;
use oncall::incidents::journal::{Event, EventKind, Journal};

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000 + secs, 0).expect("valid")
}

fn ev(secs: i64, incident: &str, kind: EventKind) -> Event {
    Event {
        ts: t(secs),
        incident: incident.into(),
        kind,
    }
}

fn sample() -> Vec<Event> {
    let labels = [("alertname".to_string(), "AppDown".to_string())].into();
    vec![
        ev(
            0,
            "am:abc",
            EventKind::Detected {
                title: "AppDown".into(),
                severity: Severity::P0,
                source: "am".into(),
                summary: "app is down".into(),
                labels,
            },
        ),
        ev(
            1,
            "am:abc",
            EventKind::Notified {
                channel: "desktop".into(),
            },
        ),
        ev(
            60,
            "am:abc",
            EventKind::Acknowledged {
                by: "alice".into(),
                note: None,
                silence_id: Some("s-1".into()),
            },
        ),
        ev(
            120,
            "am:abc",
            EventKind::Note {
                by: "alice".into(),
                text: "OOM on pods\nrestarting — ünïcode".into(),
            },
        ),
        ev(
            180,
            "am:abc",
            EventKind::RunbookCommand {
                argv: vec!["kubectl".into(), "rollout".into(), "undo".into()],
                exit_code: Some(0),
                output_tail: "rolled back".into(),
            },
        ),
        ev(
            200,
            "am:abc",
            EventKind::Escalated {
                from: Severity::P1,
                to: Severity::P0,
            },
        ),
        ev(
            240,
            "am:abc",
            EventKind::Unacknowledged { by: "bob".into() },
        ),
        ev(
            900,
            "am:abc",
            EventKind::Resolved {
                by: Some("alice".into()),
            },
        ),
    ]
}

fn lines(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend(serde_json::to_vec(e).expect("serializes"));
        out.push(b'\n');
    }
    out
}

#[test]
fn round_trip_through_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state/nested/journal.jsonl");
    let (mut j, evs, warns) = Journal::open(&path).expect("opens");
    assert!(evs.is_empty() && warns.is_empty());
    for e in sample() {
        j.append(&e).expect("appends");
    }
    assert_eq!(j.path(), path);
    drop(j);
    let (_, evs, warns) = Journal::open(&path).expect("reopens");
    assert_eq!(evs, sample());
    assert!(warns.is_empty(), "{warns:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn torn_last_line_is_skipped_truncated_and_next_append_is_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.jsonl");
    let mut bytes = lines(&sample()[..3]);
    let full = lines(&sample()[3..4]);
    bytes.extend_from_slice(&full[..full.len() / 2]);
    std::fs::write(&path, &bytes).expect("writes");
    let (mut j, evs, warns) = Journal::open(&path).expect("opens");
    assert_eq!(evs, sample()[..3].to_vec());
    assert!(warns.iter().any(|w| w.contains("line 4")), "{warns:?}");
    j.append(&sample()[4]).expect("appends");
    drop(j);
    let (_, evs, warns) = Journal::open(&path).expect("reopens");
    let mut want = sample()[..3].to_vec();
    want.push(sample()[4].clone());
    assert_eq!(evs, want);
    assert!(warns.is_empty(), "{warns:?}");
}

#[test]
fn complete_last_line_without_newline_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.jsonl");
    let mut bytes = lines(&sample()[..2]);
    bytes.pop();
    std::fs::write(&path, &bytes).expect("writes");
    let (mut j, evs, warns) = Journal::open(&path).expect("opens");
    assert_eq!(evs, sample()[..2].to_vec());
    assert!(warns.is_empty(), "{warns:?}");
    j.append(&sample()[2]).expect("appends");
    drop(j);
    let (_, evs, _) = Journal::open(&path).expect("reopens");
    assert_eq!(evs, sample()[..3].to_vec());
}

#[test]
fn reopening_after_truncation_at_any_offset_appends_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.jsonl");
    let all = sample();
    let bytes = lines(&all);
    let extra = ev(5000, "rule:X", EventKind::Resolved { by: None });
    for cut in (0..=bytes.len()).step_by(7) {
        std::fs::write(&path, &bytes[..cut]).expect("writes");
        let (mut j, before, _) = Journal::open(&path).expect("opens");
        j.append(&extra).expect("appends");
        drop(j);
        let (_, after, warns) = Journal::open(&path).expect("reopens");
        assert!(warns.is_empty(), "cut {cut}: {warns:?}");
        let mut want = before.clone();
        want.push(extra.clone());
        assert_eq!(after, want, "cut {cut}");
    }
}
