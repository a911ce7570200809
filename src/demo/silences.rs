//! The demo Alertmanager's silences: an in-memory store with Alertmanager's update rules.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::sources::alertmanager::{Matcher, matches};

/// A silence as posted (`id` set to update one).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Posted {
    #[serde(default)]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone)]
struct Stored {
    id: String,
    matchers: Vec<Matcher>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    created_by: String,
    comment: String,
}

/// Why `DELETE /silence/{id}` failed.
#[derive(Debug, PartialEq)]
pub(super) enum ExpireError {
    NotFound,
    AlreadyExpired,
}

/// All silences ever created, expired ones included (as Alertmanager keeps them for a while).
#[derive(Debug, Default)]
pub(super) struct Silences {
    list: Vec<Stored>,
}

fn state(s: &Stored, now: DateTime<Utc>) -> &'static str {
    if now < s.starts_at {
        "pending"
    } else if now < s.ends_at {
        "active"
    } else {
        "expired"
    }
}

/// Alertmanager changes a silence in place only when its matchers stay the same, an active one
/// keeps its start and does not end in the past, and a pending one does not start in the past.
fn can_update(old: &Stored, new: &Posted, now: DateTime<Utc>) -> bool {
    if old.matchers != new.matchers {
        return false;
    }
    match state(old, now) {
        "active" => old.starts_at == new.starts_at && new.ends_at >= now,
        "pending" => new.starts_at >= now,
        _ => false,
    }
}

impl Silences {
    /// Creates or updates a silence and returns its id. `Err(())` when `id` names no silence.
    pub fn upsert(&mut self, posted: Posted, now: DateTime<Utc>) -> Result<String, ()> {
        let now = now.trunc_subsecs(3);
        let posted = Posted {
            starts_at: posted.starts_at.trunc_subsecs(3),
            ends_at: posted.ends_at.trunc_subsecs(3),
            ..posted
        };
        // A silence starting in the past starts now, as in Alertmanager.
        let starts_at = posted.starts_at.max(now);
        if let Some(id) = posted.id.as_deref().filter(|id| !id.is_empty()) {
            let old = self.list.iter_mut().find(|s| s.id == id).ok_or(())?;
            if can_update(old, &posted, now) {
                if state(old, now) == "pending" {
                    old.starts_at = starts_at;
                }
                old.ends_at = posted.ends_at;
                old.comment = posted.comment;
                old.created_by = posted.created_by;
                old.updated_at = now;
                return Ok(old.id.clone());
            }
            if state(old, now) != "expired" {
                expire_at(old, now);
            }
        }
        let id = new_id(now);
        self.list.push(Stored {
            id: id.clone(),
            matchers: posted.matchers,
            starts_at,
            ends_at: posted.ends_at,
            updated_at: now,
            created_by: posted.created_by,
            comment: posted.comment,
        });
        Ok(id)
    }

    pub fn expire(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), ExpireError> {
        let now = now.trunc_subsecs(3);
        let s = self
            .list
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or(ExpireError::NotFound)?;
        if state(s, now) == "expired" {
            return Err(ExpireError::AlreadyExpired);
        }
        expire_at(s, now);
        Ok(())
    }

    /// Ids of the active silences whose matchers all match `labels`.
    pub fn silencing(&self, labels: &BTreeMap<String, String>, now: DateTime<Utc>) -> Vec<String> {
        self.list
            .iter()
            .filter(|s| state(s, now) == "active" && matches(&s.matchers, labels))
            .map(|s| s.id.clone())
            .collect()
    }

    /// `GET /api/v2/silences`.
    pub fn to_json(&self, now: DateTime<Utc>) -> Value {
        Value::Array(self.list.iter().map(|s| silence_json(s, now)).collect())
    }

    /// `GET /api/v2/silence/{id}`.
    pub fn get_json(&self, id: &str, now: DateTime<Utc>) -> Option<Value> {
        self.list
            .iter()
            .find(|s| s.id == id)
            .map(|s| silence_json(s, now))
    }
}

fn expire_at(s: &mut Stored, now: DateTime<Utc>) {
    if now < s.starts_at {
        s.starts_at = now;
    }
    s.ends_at = now;
    s.updated_at = now;
}

/// A timestamp as Alertmanager writes it: RFC 3339, milliseconds, `Z`.
pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn silence_json(s: &Stored, now: DateTime<Utc>) -> Value {
    json!({
        "id": s.id,
        "status": {"state": state(s, now)},
        "updatedAt": rfc3339(s.updated_at),
        "comment": s.comment,
        "createdBy": s.created_by,
        "endsAt": rfc3339(s.ends_at),
        "matchers": s.matchers,
        "startsAt": rfc3339(s.starts_at),
    })
}

/// A version-4-shaped UUID from the time and a process-wide counter (unique, not secret).
fn new_id(now: DateTime<Utc>) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = now.timestamp_nanos_opt().unwrap_or_default() as u64;
    let hi = mix(t ^ mix(n));
    let lo = mix(hi ^ n.rotate_left(32) ^ 0x5EED);
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0xC << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn posted(id: Option<&str>, value: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Posted {
        let matchers = vec![Matcher {
            name: "alertname".into(),
            value: value.into(),
            is_regex: false,
            is_equal: true,
        }];
        let (created_by, comment) = ("alice".into(), "ack".into());
        let id = id.map(str::to_owned);
        Posted {
            id,
            matchers,
            starts_at: start,
            ends_at: end,
            created_by,
            comment,
        }
    }

    #[test]
    fn update_in_place_or_replace_like_alertmanager() {
        let now = Utc::now().trunc_subsecs(3);
        let hour = TimeDelta::hours(1);
        let mut store = Silences::default();
        let id = store
            .upsert(posted(None, "A", now, now + hour), now)
            .unwrap_or_default();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        let labels = BTreeMap::from([("alertname".to_owned(), "A".to_owned())]);
        assert_eq!(store.silencing(&labels, now), vec![id.clone()]);
        let same = store.upsert(posted(Some(&id), "A", now, now + hour * 2), now);
        assert_eq!(same.as_deref(), Ok(id.as_str()));
        let other = store
            .upsert(posted(Some(&id), "B", now, now + hour), now)
            .unwrap_or_default();
        assert_ne!(other, id);
        assert_eq!(store.expire(&id, now), Err(ExpireError::AlreadyExpired));
        assert_eq!(store.expire("nope", now), Err(ExpireError::NotFound));
        assert_eq!(
            store.upsert(posted(Some("nope"), "A", now, now + hour), now),
            Err(())
        );
        assert_eq!(store.expire(&other, now), Ok(()));
        assert!(store.silencing(&labels, now).is_empty());
        assert_eq!(store.to_json(now).as_array().map(Vec::len), Some(2));
    }
}
