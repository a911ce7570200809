//! Loki client: `query_range` answers, `/tail` websocket frames, gap-free polling with [`Cursor`]
//! and a reconnecting tail task ([`spawn_tail`]). Log lines stay raw here; the app sanitizes them
//! at ingest.

mod tail;
mod wire;

pub use tail::{TailEvent, spawn_tail};

use super::{Http, SourceError, short_body};
use crate::config::SourceConfig;
use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use wire::{Envelope, TailFrame, decode, parse_streams};

pub type Labels = BTreeMap<String, String>;

/// Most entries accepted in one answer when the caller did not say how many it asked for.
pub const MAX_ENTRIES: usize = 20_000;
/// Most label bytes one answer may carry, counting a stream's labels once per entry.
const MAX_LABEL_BYTES: usize = 64 * 1024 * 1024;

/// One log line as Loki sent it (raw text: the app sanitizes it at ingest).
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub ts_ns: i128,
    pub line: String,
    /// Stream labels plus structured metadata (and parsed labels) of 3-element entries. Entries
    /// of one stream without metadata share one allocation.
    pub labels: Arc<Labels>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
    Unknown,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Unknown => "unknown",
        }
    }

    fn from_word(word: &str) -> Option<Level> {
        let level = match word.to_ascii_lowercase().as_str() {
            "error" | "err" | "erro" | "eror" | "fatal" | "critical" | "crit" | "panic"
            | "alert" | "emerg" | "emergency" | "severe" => Level::Error,
            "warn" | "warning" | "wrn" => Level::Warn,
            "info" | "information" | "informational" | "notice" => Level::Info,
            "debug" | "debu" | "dbug" | "dbg" | "trace" | "trc" => Level::Debug,
            _ => return None,
        };
        Some(level)
    }
}

/// Level from the `level` / `detected_level` label, else the line: logfmt `level=`, JSON
/// `"level":`, or a leading ERROR/WARN/WARNING/INFO/DEBUG/FATAL/CRITICAL token (any case, after
/// colour codes and up to two timestamp-like words).
pub fn level_of(labels: &Labels, line: &str) -> Level {
    ["level", "detected_level"]
        .iter()
        .filter_map(|k| labels.get(*k))
        .find_map(|v| Level::from_word(v))
        .or_else(|| keyed_level(line))
        .or_else(|| leading_level(line))
        .unwrap_or(Level::Unknown)
}

/// `level=warn`, `level="warn"` (logfmt) or `"level": "warn"` (JSON); also `lvl` and `severity`.
fn keyed_level(line: &str) -> Option<Level> {
    for key in ["level", "lvl", "severity"] {
        for (i, _) in line.match_indices(key) {
            let before = line[..i].chars().next_back();
            let rest = &line[i + key.len()..];
            let value = match before {
                None | Some(' ' | '\t') => rest.strip_prefix('='),
                Some('"') => rest
                    .strip_prefix('"')
                    .map(str::trim_start)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(str::trim_start),
                _ => None,
            };
            let Some(value) = value else { continue };
            let value = value.strip_prefix('"').unwrap_or(value);
            let end = value
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(value.len());
            if let Some(level) = Level::from_word(&value[..end]) {
                return Some(level);
            }
        }
    }
    None
}

fn leading_level(line: &str) -> Option<Level> {
    let head = crate::sanitize::bounded(line, false, 120);
    let words = head
        .split(|c: char| c.is_whitespace() || "[]|".contains(c))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty());
    for word in words.take(3) {
        if !word.starts_with(|c: char| c.is_ascii_digit()) {
            return Level::from_word(word);
        }
    }
    None
}

/// Parses a `/loki/api/v1/query_range` (or `/query`) answer, whatever its status. Only log
/// (`streams`) answers are accepted; entries come stream by stream, in the order sent.
pub fn parse_query_range(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<LogEntry>, SourceError> {
    parse_answer(status, content_type, body, MAX_ENTRIES)
}

fn parse_answer(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    max_entries: usize,
) -> Result<Vec<LogEntry>, SourceError> {
    if !(200..300).contains(&status) {
        return Err(SourceError::Http {
            status,
            message: short_body(body),
        });
    }
    let text = String::from_utf8_lossy(body);
    let env: Envelope<'_> = serde_json::from_str(&text).map_err(|e| {
        let ctype = crate::sanitize::bounded(content_type.unwrap_or("no content type"), false, 60);
        SourceError::Decode(format!(
            "not a Loki answer ({ctype}): {e}: {}",
            short_body(body)
        ))
    })?;
    if let Some(s) = env.status.as_deref().filter(|s| *s != "success") {
        let shown = crate::sanitize::bounded(s, false, 60);
        return Err(SourceError::Decode(format!("status `{shown}`")));
    }
    let data = env
        .data
        .ok_or_else(|| SourceError::Decode("answer without data".into()))?;
    match data.result_type.as_str() {
        "streams" => match data.result {
            Some(raw) => parse_streams(raw.get(), max_entries),
            None => Ok(Vec::new()),
        },
        rt @ ("matrix" | "vector" | "scalar") => Err(SourceError::Decode(format!(
            "a {rt} answer: this is a metric query; a logs panel needs a log query"
        ))),
        other => Err(SourceError::Decode(format!(
            "unknown resultType `{}`",
            crate::sanitize::bounded(other, false, 60)
        ))),
    }
}

/// Parses one `/loki/api/v1/tail` text frame: its entries and how many entries Loki dropped.
pub fn parse_tail_frame(text: &str) -> Result<(Vec<LogEntry>, u64), SourceError> {
    let frame: TailFrame<'_> = serde_json::from_str(text).map_err(decode)?;
    let entries = match frame.streams {
        Some(raw) => parse_streams(raw.get(), MAX_ENTRIES)?,
        None => Vec::new(),
    };
    let dropped = frame.dropped_entries.map_or(0, |d| d.len() as u64);
    Ok((entries, dropped))
}

/// Entries one answer may hold when `limit` were asked for (Loki never sends more).
fn entry_cap(limit: u32) -> usize {
    let limit = limit as usize;
    limit + limit / 10 + 64
}

/// A Loki server (or a gateway in front of one).
#[derive(Clone, Debug)]
pub struct Loki {
    http: Http,
}

impl Loki {
    /// `tenant` in the config becomes `X-Scope-OrgID`.
    pub fn new(cfg: &SourceConfig) -> Result<Loki, SourceError> {
        Ok(Loki {
            http: Http::new(cfg)?,
        })
    }

    /// `GET /loki/api/v1/query_range`: entries with `start_ns <= ts < end_ns`, at most `limit`,
    /// merged across streams, oldest first when `forward`, newest first otherwise.
    pub async fn query_range(
        &self,
        query: &str,
        start_ns: i128,
        end_ns: i128,
        limit: u32,
        forward: bool,
    ) -> Result<Vec<LogEntry>, SourceError> {
        let direction = if forward { "forward" } else { "backward" };
        let params = [
            ("query", query.to_string()),
            ("start", start_ns.to_string()),
            ("end", end_ns.to_string()),
            ("limit", limit.to_string()),
            ("direction", direction.to_string()),
        ];
        let url = self.http.url("/loki/api/v1/query_range");
        let req = self.http.client.get(url).query(&params);
        let (status, ctype, body) = self.http.send(req).await?;
        let cap = entry_cap(limit);
        let mut entries = Http::decode(body, move |b| {
            parse_answer(status, ctype.as_deref(), b, cap)
        })
        .await?;
        if forward {
            entries.sort_by_key(|e| e.ts_ns);
        } else {
            entries.sort_by_key(|e| std::cmp::Reverse(e.ts_ns));
        }
        Ok(entries)
    }

    /// `GET /ready`: Loki answers 200 `ready` once it can serve queries.
    pub async fn probe(&self) -> Result<(), SourceError> {
        let req = self.http.client.get(self.http.url("/ready"));
        let (status, _, body) = self.http.send(req).await?;
        if status != 200 {
            return Err(SourceError::Http {
                status,
                message: short_body(&body),
            });
        }
        if String::from_utf8_lossy(&body).trim() != "ready" {
            let body = short_body(&body);
            return Err(SourceError::Decode(format!(
                "not a Loki /ready answer: {body}"
            )));
        }
        Ok(())
    }
}

/// Gap- and duplicate-free polling: remembers the newest timestamp seen and the entries seen at
/// exactly that timestamp. Query from [`Cursor::next_start`] (inclusive) in the forward
/// direction and page on while an answer is full; more than `limit` entries sharing one
/// nanosecond need a larger `limit`.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    last_ns: Option<i128>,
    at_last: HashSet<u64>,
}

impl Cursor {
    /// The `start` of the next query: the last seen timestamp (inclusive), or
    /// `now_ns - lookback_ns` the first time.
    pub fn next_start(&self, now_ns: i128, lookback_ns: i128) -> i128 {
        self.last_ns.unwrap_or(now_ns - lookback_ns)
    }

    /// The newest timestamp accepted so far.
    pub fn last_ns(&self) -> Option<i128> {
        self.last_ns
    }

    /// Takes a batch (any order), returns only entries not seen before, oldest first, and
    /// advances. Entries older than the newest one already accepted are dropped.
    pub fn accept(&mut self, mut batch: Vec<LogEntry>) -> Vec<LogEntry> {
        batch.sort_by_key(|e| e.ts_ns);
        let mut out: Vec<LogEntry> = Vec::with_capacity(batch.len());
        // The key of the newest accepted entry is only worked out when another entry shares its
        // timestamp or the batch ends: most timestamps are unique, and hashing labels is not free.
        let mut unhashed = false;
        for entry in batch {
            match self.last_ns {
                Some(last) if entry.ts_ns < last => continue,
                Some(last) if entry.ts_ns == last => {
                    if unhashed {
                        if let Some(first) = out.last() {
                            self.at_last.insert(entry_key(first));
                        }
                        unhashed = false;
                    }
                    if !self.at_last.insert(entry_key(&entry)) {
                        continue;
                    }
                }
                _ => {
                    self.last_ns = Some(entry.ts_ns);
                    self.at_last.clear();
                    unhashed = true;
                }
            }
            out.push(entry);
        }
        if unhashed {
            if let Some(last) = out.last() {
                self.at_last.insert(entry_key(last));
            }
        }
        out
    }
}

fn entry_key(e: &LogEntry) -> u64 {
    let mut h = DefaultHasher::new();
    e.line.hash(&mut h);
    e.labels.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests;
