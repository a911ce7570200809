//! Loki's JSON wire format: the answer envelope, tail frames and stream entries, decoded with an
//! entry budget so a hostile answer cannot grow without bound.

use super::{LogEntry, MAX_LABEL_BYTES};
use crate::sources::SourceError;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

#[derive(Deserialize)]
pub(super) struct Envelope<'a> {
    pub(super) status: Option<String>,
    #[serde(borrow)]
    pub(super) data: Option<Data<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Data<'a> {
    #[serde(rename = "resultType")]
    pub(super) result_type: String,
    #[serde(borrow)]
    pub(super) result: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(super) struct TailFrame<'a> {
    #[serde(borrow)]
    pub(super) streams: Option<&'a RawValue>,
    pub(super) dropped_entries: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct RawStream<'a> {
    #[serde(default)]
    stream: super::Labels,
    #[serde(borrow)]
    values: Option<&'a RawValue>,
}

/// `["<ns>", "<line>"]` or `["<ns>", "<line>", {"structuredMetadata": {..}, "parsed": {..}}]`.
struct RawEntry {
    ts_ns: i128,
    line: String,
    meta: Vec<(String, String)>,
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = RawEntry;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [timestamp, line] entry")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawEntry, A::Error> {
        let ts: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let ts_ns = ts.parse::<i128>().map_err(|_| {
            let shown = crate::sanitize::bounded(&ts, false, 40);
            de::Error::custom(format_args!("`{shown}` is not a nanosecond timestamp"))
        })?;
        let line: String = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let meta = seq.next_element::<Option<serde_json::Value>>()?.flatten();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        let mut pairs = Vec::new();
        if let Some(meta) = meta {
            for key in ["structuredMetadata", "parsed"] {
                collect_pairs(meta.get(key), &mut pairs);
            }
        }
        Ok(RawEntry {
            ts_ns,
            line,
            meta: pairs,
        })
    }
}

/// Metadata as an object (`{"k":"v"}`) or a list of `{"name","value"}` pairs.
fn collect_pairs(value: Option<&serde_json::Value>, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if let Some(v) = v.as_str() {
                    out.push((k.clone(), v.to_string()));
                }
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                if let (Some(k), Some(v)) = (item["name"].as_str(), item["value"].as_str()) {
                    out.push((k.to_string(), v.to_string()));
                }
            }
        }
        _ => {}
    }
}

/// The `values` of one stream, counted against the whole answer's entry budget.
struct Entries<'b> {
    left: &'b Cell<usize>,
    max: usize,
}

impl<'de> DeserializeSeed<'de> for Entries<'_> {
    type Value = Vec<RawEntry>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = Vec<RawEntry>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = seq.next_element::<RawEntry>()? {
            let left = self.left.get();
            if left == 0 {
                let max = self.max;
                return Err(de::Error::custom(format_args!(
                    "more than {max} entries in one answer"
                )));
            }
            self.left.set(left - 1);
            out.push(entry);
        }
        Ok(out)
    }
}

pub(super) fn decode(e: serde_json::Error) -> SourceError {
    SourceError::Decode(e.to_string())
}

/// Entries of a `streams` result, stream by stream, at most `max_entries` of them.
pub(super) fn parse_streams(raw: &str, max_entries: usize) -> Result<Vec<LogEntry>, SourceError> {
    let streams: Vec<RawStream<'_>> = serde_json::from_str(raw).map_err(decode)?;
    let left = Cell::new(max_entries);
    let mut label_bytes = 0usize;
    let mut out = Vec::new();
    for s in streams {
        let Some(values) = s.values else { continue };
        let seed = Entries {
            left: &left,
            max: max_entries,
        };
        let mut de = serde_json::Deserializer::from_str(values.get());
        let entries = seed.deserialize(&mut de).map_err(decode)?;
        let size: usize = s.stream.iter().map(|(k, v)| k.len() + v.len() + 64).sum();
        label_bytes = label_bytes.saturating_add(size.saturating_mul(entries.len()));
        if label_bytes > MAX_LABEL_BYTES {
            return Err(SourceError::Decode("stream labels too large".into()));
        }
        let shared = Arc::new(s.stream);
        out.reserve(entries.len());
        for e in entries {
            let labels = if e.meta.is_empty() {
                Arc::clone(&shared)
            } else {
                let mut own = (*shared).clone();
                own.extend(e.meta);
                Arc::new(own)
            };
            out.push(LogEntry {
                ts_ns: e.ts_ns,
                line: e.line,
                labels,
            });
        }
    }
    Ok(out)
}
