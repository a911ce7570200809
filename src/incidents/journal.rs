//! The incident journal: append-only JSON lines, fsynced per event, replayed on start.
//!
//! One event per line. A line that cannot be read (torn by a crash, garbage, an event kind from a
//! newer version) is skipped with a warning naming its line number; replay never fails and never
//! panics, whatever the bytes. Text fields are sanitized by the callers before they are written.

use super::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// One journal line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Event {
    pub ts: DateTime<Utc>,
    pub incident: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    Detected {
        title: String,
        severity: Severity,
        source: String,
        summary: String,
        #[serde(default)]
        labels: BTreeMap<String, String>,
    },
    Escalated {
        from: Severity,
        to: Severity,
    },
    Notified {
        channel: String,
    },
    Acknowledged {
        by: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        silence_id: Option<String>,
    },
    Unacknowledged {
        by: String,
    },
    Note {
        by: String,
        text: String,
    },
    Resolved {
        #[serde(default)]
        by: Option<String>,
    },
    RunbookCommand {
        argv: Vec<String>,
        exit_code: Option<i32>,
        output_tail: String,
    },
}

/// An open journal file, positioned for appending.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens (creating dirs and file, mode 0600 on unix) and replays. A torn or unreadable line is
    /// skipped with a warning naming its line number; a torn LAST line (crash mid-write) is also
    /// truncated away so the next append starts on a clean line. A complete last event that only
    /// lacks its newline is kept and the newline is added.
    ///
    /// A journal created here has its directory fsynced, so the new file survives a power cut
    /// with the events appended to it.
    pub fn open(path: &Path) -> std::io::Result<(Journal, Vec<Event>, Vec<String>)> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            crate::fsutil::create_dirs(dir)?;
        }
        let existed = path.try_exists().unwrap_or(true);
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path)?;
        if !existed {
            crate::fsutil::sync_dir(dir.unwrap_or(Path::new(".")))?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (events, mut warnings) = replay(&bytes);
        if let Some(tail) = unterminated_tail(&bytes) {
            let line_no = bytes.iter().filter(|b| **b == b'\n').count() + 1;
            if parse_line(&bytes[tail..]).is_ok() {
                file.write_all(b"\n")?;
            } else {
                file.set_len(tail as u64)?;
                warnings.push(format!(
                    "journal {}: line {line_no} was cut off by an interrupted write; removed it",
                    path.display()
                ));
            }
            file.sync_data()?;
        }
        let journal = Journal {
            file,
            path: path.to_path_buf(),
        };
        Ok((journal, events, warnings))
    }

    /// Appends one event as one line, then syncs it to disk.
    pub fn append(&mut self, ev: &Event) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(ev).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Start of a last line that has no newline, when the bytes end with one that is not blank.
fn unterminated_tail(bytes: &[u8]) -> Option<usize> {
    if bytes.last().is_none_or(|b| *b == b'\n') {
        return None;
    }
    let start = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    Some(start)
}

fn parse_line(line: &[u8]) -> Result<Event, serde_json::Error> {
    serde_json::from_slice(line)
}

/// Reads journal bytes: the events of every readable line, in order, and a warning per line
/// skipped. Blank lines are ignored. Pure; never panics.
pub fn replay(bytes: &[u8]) -> (Vec<Event>, Vec<String>) {
    let mut events = Vec::new();
    let mut warnings = Vec::new();
    let ends_clean = bytes.last().is_none_or(|b| *b == b'\n');
    let mut lines = bytes.split(|b| *b == b'\n').enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let is_last = lines.peek().is_none();
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line) {
            Ok(ev) => events.push(ev),
            Err(_) if is_last && !ends_clean => {
                warnings.push(format!(
                    "journal line {}: incomplete last line, skipped",
                    i + 1
                ));
            }
            Err(e) => {
                let why = crate::sanitize::bounded(&e.to_string(), false, 160);
                warnings.push(format!(
                    "journal line {}: unreadable, skipped ({why})",
                    i + 1
                ));
            }
        }
    }
    (events, warnings)
}

/// What the journal says of one incident's current episode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folded {
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub silence_id: Option<String>,
    pub detected_at: Option<DateTime<Utc>>,
}

/// Folds events, in order, into each incident's state. A `detected` after a `resolved` starts a
/// new episode (the alert fired again): acknowledgement and resolution are cleared. An
/// `acknowledged` keeps the time of the first acknowledgement still standing; `unacknowledged`
/// clears it.
pub fn fold(events: &[Event]) -> BTreeMap<String, Folded> {
    let mut out: BTreeMap<String, Folded> = BTreeMap::new();
    for ev in events {
        let f = out.entry(ev.incident.clone()).or_default();
        match &ev.kind {
            EventKind::Detected { .. } => {
                if f.resolved_at.is_some() {
                    *f = Folded::default();
                }
                f.detected_at.get_or_insert(ev.ts);
            }
            EventKind::Acknowledged { by, silence_id, .. } => {
                f.acked_by = Some(by.clone());
                f.acked_at.get_or_insert(ev.ts);
                if silence_id.is_some() {
                    f.silence_id.clone_from(silence_id);
                }
            }
            EventKind::Unacknowledged { .. } => {
                f.acked_by = None;
                f.acked_at = None;
                f.silence_id = None;
            }
            EventKind::Resolved { by } => {
                f.resolved_at = Some(ev.ts);
                f.resolved_by.clone_from(by);
            }
            EventKind::Escalated { .. }
            | EventKind::Notified { .. }
            | EventKind::Note { .. }
            | EventKind::RunbookCommand { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn wire_format_is_flat_snake_case() {
        let json = serde_json::to_string(&sample()[2]).expect("serializes");
        assert!(json.contains(r#""event":"acknowledged""#), "{json}");
        assert!(json.contains(r#""incident":"am:abc""#), "{json}");
        let min = r#"{"ts":"2026-01-20T12:00:00Z","incident":"x","event":"resolved"}"#;
        let (evs, warns) = replay(min.as_bytes());
        assert!(warns.is_empty(), "{warns:?}");
        assert_eq!(evs[0].kind, EventKind::Resolved { by: None });
    }

    #[test]
    fn garbage_middle_line_is_skipped_with_its_number() {
        let mut bytes = lines(&sample()[..2]);
        bytes.extend_from_slice(b"{not json at all\n\n");
        bytes.extend_from_slice(
            b"{\"ts\":\"2026-01-20T12:00:00Z\",\"incident\":\"x\",\"event\":\"teleported\"}\n",
        );
        bytes.extend(lines(&sample()[2..]));
        let (evs, warns) = replay(&bytes);
        assert_eq!(evs, sample());
        assert_eq!(warns.len(), 2, "{warns:?}");
        assert!(warns[0].starts_with("journal line 3:"), "{warns:?}");
        assert!(warns[1].starts_with("journal line 5:"), "{warns:?}");
    }

    #[test]
    fn replay_survives_any_bytes() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let base = lines(&sample());
        for round in 0..300 {
            let mut bytes = base.clone();
            for _ in 0..(round % 20 + 1) {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            let _ = replay(&bytes);
        }
        let _ = replay(&[0xff, 0xfe, 0x00, b'\n', 0xc3, b'\n', b'{', 0x00]);
        let huge = vec![b'['; 1_000_000];
        let (evs, warns) = replay(&huge);
        assert!(evs.is_empty() && warns.len() == 1);
        let _ = replay(b"\0\0\0\n{\"ts\":\0}\n");
    }

    #[test]
    fn truncation_at_every_offset_yields_a_prefix() {
        let all = sample();
        let bytes = lines(&all);
        for cut in 0..=bytes.len() {
            let (evs, _) = replay(&bytes[..cut]);
            assert!(evs.len() <= all.len());
            assert_eq!(evs, all[..evs.len()].to_vec(), "cut at {cut}");
        }
    }

    #[test]
    fn fold_tracks_each_incident() {
        let mut evs = sample();
        evs.push(ev(
            30,
            "rule:R",
            EventKind::Notified {
                channel: "bell".into(),
            },
        ));
        let f = fold(&evs);
        let abc = &f["am:abc"];
        assert_eq!(abc.detected_at, Some(t(0)));
        assert_eq!(abc.acked_by, None, "unacknowledged by bob");
        assert_eq!(abc.silence_id, None);
        assert_eq!(abc.resolved_at, Some(t(900)));
        assert_eq!(abc.resolved_by.as_deref(), Some("alice"));
        assert_eq!(f["rule:R"], Folded::default());
        let acked = fold(&sample()[..4]);
        assert_eq!(acked["am:abc"].acked_by.as_deref(), Some("alice"));
        assert_eq!(acked["am:abc"].acked_at, Some(t(60)));
        assert_eq!(acked["am:abc"].silence_id.as_deref(), Some("s-1"));
    }

    #[test]
    fn detected_after_resolved_starts_a_new_episode() {
        let mut evs = sample();
        evs.push(ev(
            2000,
            "am:abc",
            EventKind::Detected {
                title: "AppDown".into(),
                severity: Severity::P0,
                source: "am".into(),
                summary: String::new(),
                labels: BTreeMap::new(),
            },
        ));
        let f = &fold(&evs)["am:abc"];
        assert_eq!(f.detected_at, Some(t(2000)));
        assert_eq!(f.resolved_at, None);
    }
}
