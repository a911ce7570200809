//! Incidents in the model: alerts from each source, local rules, and what the journal says.

use crate::config::{RuleConfig, SourceKind};
use crate::incidents::journal::Event;
use crate::incidents::rules::RuleState;
use crate::incidents::{Incident, IncidentState, Severity, sort_key};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long a resolved incident stays in the list.
pub const KEEP_RESOLVED: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// At most this many resolved incidents are kept.
pub const MAX_RESOLVED: usize = 50;

/// A source polled for alerts: an Alertmanager, or Prometheus when no Alertmanager is configured.
#[derive(Debug, Clone)]
pub struct AlertSource {
    pub id: String,
    pub kind: SourceKind,
    pub next_due: DateTime<Utc>,
    pub in_flight: bool,
    pub refresh: Duration,
}

/// A local rule with its evaluation state.
#[derive(Debug, Clone)]
pub struct RuleSlot {
    pub cfg: RuleConfig,
    pub state: RuleState,
    pub next_due: DateTime<Utc>,
    pub in_flight: bool,
    pub refresh: Duration,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Incidents {
    /// Everything shown, in display order (see [`sort_key`]).
    pub list: Vec<Incident>,
    /// The selected incident's id (selection follows the incident, not the row).
    pub selected: Option<String>,
    /// The incident whose detail view is open.
    pub detail: Option<String>,
    pub alert_sources: Vec<AlertSource>,
    pub rules: Vec<RuleSlot>,
    /// Alert incidents per source, from its last good answer.
    pub by_source: BTreeMap<String, Vec<Incident>>,
    /// Incidents of local rules that are firing or were acknowledged/resolved locally.
    pub local: BTreeMap<String, Incident>,
    /// Alerts that stopped firing, kept for a while.
    pub resolved: BTreeMap<String, Incident>,
    /// Journal events per incident, oldest first.
    pub timeline: BTreeMap<String, Vec<Event>>,
    /// Incidents whose current episode has a `detected` event in the journal.
    pub journaled: BTreeSet<String>,
    /// Acknowledgements made here for incidents without an Alertmanager: who and when.
    pub local_acks: BTreeMap<String, (String, DateTime<Utc>)>,
    /// Acknowledgements sent to Alertmanager and not answered yet.
    pub pending: BTreeSet<String>,
    /// The team's response-time figures (time to acknowledge / resolve per severity).
    pub stats_line: String,
    /// Whether the journal has been read (nothing is journaled before).
    pub journal_loaded: bool,
}

impl Incidents {
    /// Timelines of incidents that the journal has resolved and that are no longer listed (open
    /// or recently resolved) shrink to what the response-time figures and the journal recovery
    /// need, so memory does not grow with every incident ever seen. The journal on disk keeps
    /// every event (`oncall postmortem` reads it).
    fn compact_archived(&mut self) {
        let shown: BTreeSet<&String> = self
            .by_source
            .values()
            .flatten()
            .chain(self.local.values())
            .chain(self.resolved.values())
            .map(|i| &i.id)
            .chain(self.pending.iter())
            .collect();
        let archived: Vec<String> = self
            .timeline
            .iter()
            .filter(|(id, events)| !shown.contains(id) && !is_compact(events))
            .map(|(id, _)| id.clone())
            .collect();
        for id in archived {
            if let Some(events) = self.timeline.get_mut(&id)
                && closed(events)
            {
                *events = crate::incidents::stats::compact(events);
            }
        }
    }

    /// Rebuilds the display list from its parts and keeps the selection on its incident.
    pub fn rebuild(&mut self, now: DateTime<Utc>) {
        let old_pos = self
            .selected
            .as_ref()
            .and_then(|id| self.list.iter().position(|i| &i.id == id));
        self.resolved
            .retain(|_, i| i.resolved_at.is_none_or(|t| now - t < KEEP_RESOLVED));
        if self.resolved.len() > MAX_RESOLVED {
            let mut by_age: Vec<(DateTime<Utc>, String)> = self
                .resolved
                .values()
                .map(|i| (i.resolved_at.unwrap_or(i.started_at), i.id.clone()))
                .collect();
            by_age.sort();
            for (_, id) in by_age.iter().take(self.resolved.len() - MAX_RESOLVED) {
                self.resolved.remove(id);
            }
        }
        self.compact_archived();
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for inc in self
            .by_source
            .values()
            .flatten()
            .chain(self.local.values())
            .chain(self.resolved.values())
        {
            if seen.insert(inc.id.clone()) {
                list.push(inc.clone());
            }
        }
        list.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        self.list = list;
        let still_there = self
            .selected
            .as_ref()
            .is_some_and(|id| self.list.iter().any(|i| &i.id == id));
        if !still_there {
            self.selected = match old_pos {
                Some(p) if !self.list.is_empty() => {
                    Some(self.list[p.min(self.list.len() - 1)].id.clone())
                }
                _ => self.list.first().map(|i| i.id.clone()),
            };
        }
    }

    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.list.iter().find(|i| i.id == id)
    }

    pub fn selected_incident(&self) -> Option<&Incident> {
        self.selected.as_deref().and_then(|id| self.get(id))
    }

    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_deref()?;
        self.list.iter().position(|i| i.id == id)
    }

    /// Moves the selection by `delta` rows (clamped).
    pub fn select_by(&mut self, delta: isize) {
        if self.list.is_empty() {
            return;
        }
        let cur = self.selected_index().unwrap_or(0) as isize;
        let next = (cur + delta).clamp(0, self.list.len() as isize - 1) as usize;
        self.selected = Some(self.list[next].id.clone());
    }

    pub fn select_first(&mut self) {
        self.selected = self.list.first().map(|i| i.id.clone());
    }

    pub fn select_last(&mut self) {
        self.selected = self.list.last().map(|i| i.id.clone());
    }

    /// Open incidents per severity, for the header banner and the panel's first line.
    pub fn counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for i in &self.list {
            if i.state != IncidentState::Resolved {
                c[i.severity as usize] += 1;
            }
        }
        c
    }

    /// The most severe level among incidents not yet acknowledged.
    pub fn worst_open(&self) -> Option<Severity> {
        self.list
            .iter()
            .filter(|i| i.state == IncidentState::Open)
            .map(|i| i.severity)
            .min()
    }

    /// The incidents panel's status: CRIT for an open P0/P1, WARN for an open P2, else OK.
    pub fn status(&self) -> super::Status {
        match self.worst_open() {
            Some(Severity::P0 | Severity::P1) => super::Status::Crit,
            Some(Severity::P2) => super::Status::Warn,
            _ => super::Status::Ok,
        }
    }

    /// Changes incident `id` wherever it is kept (alerts, rules, resolved) with `f`, then
    /// rebuilds the list shown, so that what is shown and acted on next has the change at
    /// once. `None` when there is no such incident (the list is rebuilt all the same).
    pub fn change<R>(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Incident) -> R,
    ) -> Option<R> {
        let r = self.find_mut(id).map(f);
        self.rebuild(now);
        r
    }

    /// Finds an incident anywhere (alerts, rules, resolved) for changing it.
    fn find_mut(&mut self, id: &str) -> Option<&mut Incident> {
        if let Some(i) = self.local.get_mut(id) {
            return Some(i);
        }
        if let Some(i) = self.resolved.get_mut(id) {
            return Some(i);
        }
        self.by_source.values_mut().flatten().find(|i| i.id == id)
    }
}

/// Whether a timeline ends resolved (nothing detected after its last resolution): only those
/// are compacted, and this is checked before compacting, not after, so an unlisted timeline that
/// is still open costs a scan per rebuild rather than a copy.
fn closed(events: &[crate::incidents::journal::Event]) -> bool {
    use crate::incidents::journal::EventKind;
    events
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::Detected { .. } | EventKind::Resolved { .. }
            )
        })
        .is_some_and(|e| matches!(e.kind, EventKind::Resolved { .. }))
}

/// Whether a timeline is already reduced by [`crate::incidents::stats::compact`].
fn is_compact(events: &[crate::incidents::journal::Event]) -> bool {
    use crate::incidents::journal::EventKind;
    events.len() <= 3
        && events.iter().all(|e| match &e.kind {
            EventKind::Detected { title, labels, .. } => title.is_empty() && labels.is_empty(),
            EventKind::Acknowledged { by, .. } => by.is_empty(),
            EventKind::Resolved { by } => by.is_none(),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::Severity;
    use crate::incidents::journal::{Event, EventKind};

    fn ev(min: i64, id: &str, kind: EventKind) -> Event {
        Event {
            ts: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(min),
            incident: id.into(),
            kind,
        }
    }

    fn history(id: &str, resolved: bool) -> Vec<Event> {
        let mut v = vec![
            ev(
                0,
                id,
                EventKind::Detected {
                    title: "Down".into(),
                    severity: Severity::P1,
                    source: "am".into(),
                    summary: "it is down".into(),
                    labels: [("job".to_string(), "api".to_string())].into(),
                },
            ),
            ev(
                1,
                id,
                EventKind::Notified {
                    channel: "desktop".into(),
                },
            ),
            ev(
                2,
                id,
                EventKind::Note {
                    by: "alice".into(),
                    text: "looking".into(),
                },
            ),
        ];
        if resolved {
            v.push(ev(9, id, EventKind::Resolved { by: None }));
        }
        v
    }

    #[test]
    fn only_resolved_unlisted_timelines_shrink() {
        let mut inc = Incidents::default();
        inc.timeline.insert("old".into(), history("old", true));
        inc.timeline.insert("open".into(), history("open", false));
        let now = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(30);
        inc.rebuild(now);
        assert_eq!(inc.timeline["old"].len(), 2, "{:?}", inc.timeline["old"]);
        assert!(is_compact(&inc.timeline["old"]));
        assert!(matches!(
            &inc.timeline["old"][0].kind,
            EventKind::Detected { source, .. } if source == "am"
        ));
        // Open in the journal (its alert may not have been answered for yet): kept whole.
        assert_eq!(inc.timeline["open"], history("open", false));
    }
}
