//! The on-call rotation: who is on call now, who is next, and when the handoff is.
//!
//! Shift `k` covers `[handoff_k, handoff_k+1)` and belongs to `members[k % n]`. The first shift
//! starts at the first handoff on or after `start`. Before it the rotation simply counts
//! backwards (shift -1 is the last member's, -2 the one before), so every instant has someone on
//! call and the schedule is the same whichever `start` of the same cycle is written.
//!
//! Handoffs are local wall-clock times in the rotation's zone; `rotation/schedule.rs` has the DST
//! rules. Overrides replace whoever is on call during `[from, to)`; when several cover the same
//! instant, the one listed last wins. "Next" is the first person different from the one on call
//! now, and the handoff is the instant they take over (the end of an override when it ends
//! first).

mod schedule;
mod text;

pub use schedule::{DEFAULT_START, Handoff, Plan, parse_handoff, resolve};
pub use text::{countdown, format_when, format_who, is_user, to_json};

use crate::duration::Dur;
use crate::tz::Tz;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

/// The `[oncall]` table.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RotationConfig {
    #[serde(default)]
    pub members: Vec<String>,
    /// Shift length in whole days or weeks; default `1w`.
    pub rotation: Option<Dur>,
    /// `"mon 09:00"`, or `"09:00"` for rotations that are not whole weeks. Default: Monday 09:00
    /// for whole weeks, 09:00 otherwise.
    pub handoff: Option<String>,
    /// IANA zone the handoff time is in; default: `general.timezone`.
    pub timezone: Option<String>,
    /// The first shift starts at the first handoff on or after this date; default 1970-01-05.
    pub start: Option<NaiveDate>,
    #[serde(default)]
    pub overrides: Vec<Override>,
}

/// `[[oncall.overrides]]`: `who` is on call during `[from, to)` whatever the rotation says.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub who: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Who is on call at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct OnCall {
    pub now: String,
    pub next: String,
    /// When `next` takes over.
    pub handoff_at: DateTime<Utc>,
    /// The end of the override when `now` is on call through one.
    pub override_until: Option<DateTime<Utc>>,
}

/// Checks the table; each message starts with the key it is about (`handoff: ...`).
pub fn validate(cfg: &RotationConfig) -> Result<(), String> {
    if let Some(i) = cfg.members.iter().position(|m| m.trim().is_empty()) {
        return Err(format!("members[{i}]: a member needs a name"));
    }
    let days = match cfg.rotation {
        Some(d) => schedule::rotation_days(d.0.as_secs(), &d.to_string())
            .map_err(|e| format!("rotation: {e}"))?,
        None => 7,
    };
    if let Some(h) = &cfg.handoff {
        let parsed = parse_handoff(h).map_err(|e| format!("handoff: {e}"))?;
        if let (Some(_), true) = (parsed.weekday, days % 7 != 0) {
            return Err(format!(
                "handoff: `{h}` names a weekday but the rotation is {days}d; \
                 use a time alone (\"09:00\") or a rotation of whole weeks"
            ));
        }
    }
    if let Some(tz) = &cfg.timezone
        && tz.parse::<Tz>().is_err()
    {
        return Err(format!(
            "timezone: unknown time zone `{tz}`; use an IANA name such as \"Europe/Madrid\""
        ));
    }
    for (i, o) in cfg.overrides.iter().enumerate() {
        if o.who.trim().is_empty() {
            return Err(format!("overrides[{i}].who: an override needs a name"));
        }
        if o.to <= o.from {
            return Err(format!(
                "overrides[{i}].to: `{}` is not after `from` ({})",
                o.to.to_rfc3339(),
                o.from.to_rfc3339()
            ));
        }
    }
    Ok(())
}

/// The zone handoffs are in: `timezone` when set and valid, else `default` (`general.timezone`).
pub fn zone(cfg: &RotationConfig, default: Tz) -> Tz {
    cfg.timezone
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(default)
}

/// Who is on call at `at`, who is next and when they take over. `tz` is the default zone
/// (`general.timezone`); the table's own `timezone` wins. `None` when there are no members.
pub fn who(cfg: &RotationConfig, tz: Tz, at: DateTime<Utc>) -> Option<OnCall> {
    if cfg.members.is_empty() {
        return None;
    }
    let r = Resolved {
        cfg,
        plan: Plan::new(cfg, zone(cfg, tz)),
    };
    let (now, active) = r.on_call(at);
    let override_until = active.map(|o| o.to);
    let limit = cfg.members.len() + 2 * cfg.overrides.len() + 2;
    let mut cur = at;
    for _ in 0..limit {
        cur = r.next_boundary(cur);
        let (next, _) = r.on_call(cur);
        if next != now {
            return Some(OnCall {
                now: now.to_string(),
                next: next.to_string(),
                handoff_at: cur,
                override_until,
            });
        }
    }
    // Everyone is the same person: report the next handoff anyway.
    let handoff_at = r.next_boundary(at);
    Some(OnCall {
        now: now.to_string(),
        next: r.on_call(handoff_at).0.to_string(),
        handoff_at,
        override_until,
    })
}

/// The member whose regular shift covers `at`, ignoring overrides. `None` with no members.
pub fn scheduled(cfg: &RotationConfig, tz: Tz, at: DateTime<Utc>) -> Option<&str> {
    let n = i64::try_from(cfg.members.len()).ok().filter(|&n| n > 0)?;
    let k = Plan::new(cfg, zone(cfg, tz)).shift_at(at);
    let i = usize::try_from(k.rem_euclid(n)).ok()?;
    cfg.members.get(i).map(String::as_str)
}

struct Resolved<'a> {
    cfg: &'a RotationConfig,
    plan: Plan,
}

impl<'a> Resolved<'a> {
    fn member(&self, k: i64) -> &'a str {
        let n = i64::try_from(self.cfg.members.len()).unwrap_or(1).max(1);
        let i = usize::try_from(k.rem_euclid(n)).unwrap_or(0);
        self.cfg.members.get(i).map_or("", String::as_str)
    }

    /// The person on call at `t` and the override that put them there, if any.
    fn on_call(&self, t: DateTime<Utc>) -> (&'a str, Option<&'a Override>) {
        let cfg: &'a RotationConfig = self.cfg;
        match cfg.overrides.iter().rev().find(|o| o.from <= t && t < o.to) {
            Some(o) => (o.who.as_str(), Some(o)),
            None => (self.member(self.plan.shift_at(t)), None),
        }
    }

    /// The first instant after `t` at which a shift or an override starts or ends.
    fn next_boundary(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let mut b = self.plan.handoff(self.plan.shift_at(t) + 1);
        for o in &self.cfg.overrides {
            for edge in [o.from, o.to] {
                if edge > t && edge < b {
                    b = edge;
                }
            }
        }
        b
    }
}

#[cfg(test)]
mod tests;
