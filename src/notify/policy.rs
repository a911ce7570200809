//! What to send, and when: pure bookkeeping with no IO and no clock (the caller passes `now`).
//!
//! Per incident occurrence: one notification when it is new, one per escalation, one when its
//! response target is missed, and a repeat every `repeat` for `repeat_until_ack` levels until it
//! is acknowledged; never two within `cooldown`. More than `storm` new incidents within
//! `storm_window` fold into one summary. Acknowledged and resolved incidents never notify.

use super::config::NotifyConfig;
use crate::duration::format_age;
use crate::incidents::{Incident, IncidentState, Severity};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};

/// How long an incident that left the list is remembered (so a source that blinks does not
/// announce its incidents again).
const FORGET_AFTER: TimeDelta = TimeDelta::hours(24);
/// Titles named in a storm summary's body.
const STORM_TITLES: usize = 5;

/// The freedesktop urgency levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Low,
    Normal,
    Critical,
}

impl Urgency {
    /// Critical for P0/P1, normal for P2, low for P3/P4.
    pub fn for_severity(s: Severity) -> Self {
        match s {
            Severity::P0 | Severity::P1 => Urgency::Critical,
            Severity::P2 => Urgency::Normal,
            Severity::P3 | Severity::P4 => Urgency::Low,
        }
    }
    /// The `urgency` hint byte: 0, 1 or 2.
    pub fn byte(self) -> u8 {
        match self {
            Urgency::Low => 0,
            Urgency::Normal => 1,
            Urgency::Critical => 2,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::Critical => "critical",
        }
    }
}

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    New,
    Escalated,
    Overdue,
    Repeat,
    Storm,
}

impl NoteKind {
    pub fn name(self) -> &'static str {
        match self {
            NoteKind::New => "new",
            NoteKind::Escalated => "escalated",
            NoteKind::Overdue => "overdue",
            NoteKind::Repeat => "repeat",
            NoteKind::Storm => "storm",
        }
    }
}

/// One notification to deliver on every chosen channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The incident id; empty for a storm summary.
    pub incident: String,
    /// Every incident this notification tells about (the folded ones for a storm), for the
    /// journal.
    pub covers: Vec<String>,
    /// The incident title (`"Alert storm"` for a storm summary).
    pub title: String,
    pub severity: Severity,
    /// Starts with the severity: `"P1 HighErrorRate"`.
    pub summary: String,
    /// The summary annotation, the service and the age, one per line.
    pub body: String,
    pub urgency: Urgency,
    pub kind: NoteKind,
    pub runbook: Option<String>,
}

/// What is remembered about one incident.
#[derive(Debug, Clone)]
struct Track {
    state: IncidentState,
    /// Its level when this occurrence was first seen.
    first_severity: Severity,
    /// The most severe level announced so far; `None` until the first notification.
    announced: Option<Severity>,
    overdue_sent: bool,
    /// Whether this occurrence was counted as an arrival for storm detection.
    counted: bool,
    last_sent: Option<DateTime<Utc>>,
    last_seen: DateTime<Utc>,
}

/// The notification state of one dashboard.
#[derive(Debug, Clone)]
pub struct Policy {
    min: Severity,
    repeat_levels: Vec<Severity>,
    repeat: TimeDelta,
    cooldown: TimeDelta,
    storm: usize,
    window: TimeDelta,
    tracks: HashMap<String, Track>,
    /// New incidents (time, level) within the storm window.
    arrivals: VecDeque<(DateTime<Utc>, Severity)>,
    /// When the last storm summary went out, and its level.
    storm_sent: Option<(DateTime<Utc>, Severity)>,
    snooze_until: Option<DateTime<Utc>>,
}

fn delta(d: crate::duration::Dur) -> TimeDelta {
    TimeDelta::from_std(d.0).unwrap_or(TimeDelta::MAX)
}

impl Policy {
    pub fn new(cfg: &NotifyConfig) -> Self {
        Policy {
            min: cfg.min_severity,
            repeat_levels: cfg.repeat_until_ack.clone(),
            repeat: delta(cfg.repeat),
            cooldown: delta(cfg.cooldown),
            storm: cfg.storm,
            window: delta(cfg.storm_window),
            tracks: HashMap::new(),
            arrivals: VecDeque::new(),
            storm_sent: None,
            snooze_until: None,
        }
    }

    /// Silences every notification until `until` (`None` ends a snooze). Decisions still
    /// advance meanwhile, so nothing held back is released when the snooze ends.
    pub fn snooze(&mut self, until: Option<DateTime<Utc>>) {
        self.snooze_until = until;
    }

    /// The end of the current snooze; cleared by the first `decide` at or after it.
    pub fn snoozed_until(&self) -> Option<DateTime<Utc>> {
        self.snooze_until
    }

    /// The notifications due for `incidents` at `now`. `overdue` says whether an incident's
    /// response deadline has passed.
    pub fn decide(
        &mut self,
        incidents: &[Incident],
        now: DateTime<Utc>,
        overdue: &dyn Fn(&Incident) -> bool,
    ) -> Vec<Notification> {
        self.prune(now);
        let mut wanted: Vec<(&Incident, NoteKind)> = Vec::new();
        for inc in incidents {
            self.observe(inc, now);
            if let Some(kind) = self.reason(inc, now, overdue) {
                wanted.push((inc, kind));
            }
        }
        let storming = self.storm > 0 && self.arrivals.len() > self.storm;
        let (folded, single): (Vec<_>, Vec<_>) = wanted
            .into_iter()
            .partition(|(_, kind)| storming && *kind == NoteKind::New);
        let mut out = Vec::new();
        if !folded.is_empty() {
            let incs: Vec<&Incident> = folded.iter().map(|(i, _)| *i).collect();
            out.extend(self.storm_note(&incs, now));
            for inc in incs {
                self.mark_sent(inc, NoteKind::New, now, overdue(inc));
            }
        }
        for (inc, kind) in single {
            if self.cooling(&inc.id, now) {
                continue;
            }
            let late = overdue(inc);
            let previous = self.tracks.get(&inc.id).and_then(|t| {
                t.announced
                    .or(Some(t.first_severity).filter(|s| *s != inc.severity))
            });
            self.mark_sent(inc, kind, now, late);
            out.push(note(inc, kind, now, late, previous));
        }
        if self.snooze_until.is_some_and(|until| now < until) {
            return Vec::new();
        }
        self.snooze_until = None;
        out
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        let horizon = now - self.window;
        while self.arrivals.front().is_some_and(|(t, _)| *t <= horizon) {
            self.arrivals.pop_front();
        }
        self.tracks.retain(|_, t| now - t.last_seen < FORGET_AFTER);
    }

    /// Records what the incident looks like now; a resolved incident that opens again starts a
    /// new occurrence.
    fn observe(&mut self, inc: &Incident, now: DateTime<Utc>) {
        let t = self.tracks.entry(inc.id.clone()).or_insert_with(|| Track {
            state: inc.state,
            first_severity: inc.severity,
            announced: None,
            overdue_sent: false,
            counted: false,
            last_sent: None,
            last_seen: now,
        });
        if t.state == IncidentState::Resolved && inc.state != IncidentState::Resolved {
            t.first_severity = inc.severity;
            t.announced = None;
            t.overdue_sent = false;
            t.counted = false;
        }
        t.state = inc.state;
        t.last_seen = now;
    }

    /// Why the incident should notify now (cooldown aside), counting new arrivals for storms.
    fn reason(
        &mut self,
        inc: &Incident,
        now: DateTime<Utc>,
        overdue: &dyn Fn(&Incident) -> bool,
    ) -> Option<NoteKind> {
        if inc.state != IncidentState::Open || inc.severity > self.min {
            return None;
        }
        let t = self.tracks.get_mut(&inc.id)?;
        let Some(announced) = t.announced else {
            if inc.severity < t.first_severity {
                return Some(NoteKind::Escalated);
            }
            if !t.counted {
                t.counted = true;
                self.arrivals.push_back((now, inc.severity));
            }
            return Some(NoteKind::New);
        };
        if inc.severity < announced {
            return Some(NoteKind::Escalated);
        }
        if !t.overdue_sent && overdue(inc) {
            return Some(NoteKind::Overdue);
        }
        let repeats = self.repeat > TimeDelta::zero() && self.repeat_levels.contains(&inc.severity);
        let due = t.last_sent.is_none_or(|last| now - last >= self.repeat);
        (repeats && due).then_some(NoteKind::Repeat)
    }

    fn cooling(&self, id: &str, now: DateTime<Utc>) -> bool {
        self.tracks
            .get(id)
            .and_then(|t| t.last_sent)
            .is_some_and(|last| now - last < self.cooldown)
    }

    fn mark_sent(&mut self, inc: &Incident, kind: NoteKind, now: DateTime<Utc>, late: bool) {
        let Some(t) = self.tracks.get_mut(&inc.id) else {
            return;
        };
        t.last_sent = Some(now);
        match kind {
            NoteKind::New | NoteKind::Escalated => {
                t.announced = Some(t.announced.map_or(inc.severity, |a| a.min(inc.severity)));
                t.overdue_sent |= late;
            }
            NoteKind::Overdue => t.overdue_sent = true,
            NoteKind::Repeat | NoteKind::Storm => {}
        }
    }

    /// One summary for the incidents folded into a storm: the first of a storm, then again
    /// after `storm_window` or when a more severe incident joins it.
    fn storm_note(&mut self, folded: &[&Incident], now: DateTime<Utc>) -> Option<Notification> {
        let top = folded.iter().map(|i| i.severity).min()?;
        let again = match self.storm_sent {
            None => true,
            Some((at, level)) => now - at >= self.window || top < level,
        };
        if !again {
            return None;
        }
        self.storm_sent = Some((now, top));
        let counts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|s| {
                let n = self.arrivals.iter().filter(|(_, l)| l == s).count();
                (n > 0).then(|| format!("{} {n}", s.name()))
            })
            .collect();
        let mut names: Vec<String> = folded
            .iter()
            .take(STORM_TITLES)
            .map(|i| format!("{} {}", i.severity.name(), i.title))
            .collect();
        if folded.len() > STORM_TITLES {
            names.push(format!("and {} more", folded.len() - STORM_TITLES));
        }
        let window = crate::duration::format_duration(self.window.to_std().unwrap_or_default());
        Some(Notification {
            incident: String::new(),
            covers: folded.iter().map(|i| i.id.clone()).collect(),
            title: "Alert storm".into(),
            severity: top,
            summary: format!(
                "{} Alert storm: {} new incidents ({})",
                top.name(),
                self.arrivals.len(),
                counts.join(", ")
            ),
            body: format!("{}\nwithin {window}", names.join(", ")),
            urgency: Urgency::for_severity(top),
            kind: NoteKind::Storm,
            runbook: None,
        })
    }
}

/// The service an incident belongs to, from the usual labels.
fn service(inc: &Incident) -> Option<&str> {
    ["service", "job", "app"]
        .iter()
        .find_map(|k| inc.labels.get(*k))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

fn note(
    inc: &Incident,
    kind: NoteKind,
    now: DateTime<Utc>,
    late: bool,
    previous: Option<Severity>,
) -> Notification {
    let age = format_age((now - inc.started_at).num_seconds());
    let mut lines = Vec::new();
    match (kind, previous) {
        (NoteKind::Escalated, Some(was)) => lines.push(format!(
            "Escalated to {} (was {})",
            inc.severity.name(),
            was.name()
        )),
        (NoteKind::Escalated, None) => lines.push(format!("Escalated to {}", inc.severity.name())),
        (NoteKind::Repeat, _) => lines.push(format!("Still not acknowledged after {age}")),
        _ => {}
    }
    if kind == NoteKind::Overdue || (late && kind != NoteKind::Repeat) {
        lines.push("Response target missed".into());
    }
    if !inc.summary.trim().is_empty() {
        lines.push(inc.summary.clone());
    }
    lines.push(match service(inc) {
        Some(svc) => format!("service: {svc} · open {age}"),
        None => format!("source: {} · open {age}", inc.source),
    });
    Notification {
        incident: inc.id.clone(),
        covers: vec![inc.id.clone()],
        title: inc.title.clone(),
        severity: inc.severity,
        summary: format!("{} {}", inc.severity.name(), inc.title),
        body: lines.join("\n"),
        urgency: Urgency::for_severity(inc.severity),
        kind,
        runbook: inc.runbook.clone(),
    }
}
