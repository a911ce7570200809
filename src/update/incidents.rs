//! Incident actions: alerts and rules arriving, acknowledging, resolving, notes, post-mortems.

use crate::action::{AlertBatch, Effect};
use crate::config::SourceKind;
use crate::incidents::from_alerts::{self, ACK_COMMENT};
use crate::incidents::journal::{Event, EventKind};
use crate::incidents::rules::{RuleEvent, render_summary};
use crate::incidents::{Incident, IncidentState};
use crate::sources::alertmanager::{NewSilence, identifying_matchers};
use crate::state::{LoadError, State};
use chrono::{DateTime, Utc};

/// Silences for acknowledgements last this long and are extended while the alert fires.
pub const ACK_SILENCE: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Extend our silence when less than this is left.
const EXTEND_BEFORE: chrono::TimeDelta = chrono::TimeDelta::minutes(20);

pub(super) fn event(incident: &str, kind: EventKind, now: DateTime<Utc>) -> Effect {
    Effect::Journal(Event {
        ts: now,
        incident: incident.to_string(),
        kind,
    })
}

/// The `detected` event is dated when the incident started (an alert may predate the
/// dashboard), so response times count from the real start.
fn detected(inc: &Incident, now: DateTime<Utc>) -> Effect {
    let at = inc.started_at.min(now);
    event(
        &inc.id,
        EventKind::Detected {
            title: inc.title.clone(),
            severity: inc.severity,
            source: inc.source.clone(),
            summary: inc.summary.clone(),
            labels: inc.labels.clone(),
        },
        at,
    )
}

/// A source answered with its alerts (or failed).
pub fn alerts_loaded(
    state: &mut State,
    source: &str,
    result: Result<AlertBatch, LoadError>,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let mut fx = Vec::new();
    if let Some(s) = state
        .incidents
        .alert_sources
        .iter_mut()
        .find(|s| s.id == source)
    {
        s.in_flight = false;
    }
    let batch = match result {
        Ok(b) => b,
        Err(e) => {
            state.source_failed(source, e.message, now);
            return fx;
        }
    };
    state.source_ok(source, now);
    let (mut fresh, silences) = match &batch {
        AlertBatch::Alertmanager { alerts, silences } => (
            from_alerts::from_alertmanager(source, alerts, silences, &state.severity),
            silences.clone(),
        ),
        AlertBatch::Prometheus(alerts) => (
            from_alerts::from_prometheus(source, alerts, &state.severity),
            Vec::new(),
        ),
    };
    let journal_ready = state.incidents.journal_loaded;
    for inc in &mut fresh {
        // Alerts acknowledged locally (no Alertmanager) keep their journal state.
        apply_local_ack(state, inc);
        if state.incidents.pending.contains(&inc.id) && inc.state == IncidentState::Open {
            inc.state = IncidentState::Acknowledged;
            inc.acked_by = Some(state.user.clone());
        }
        if journal_ready && state.incidents.journaled.insert(inc.id.clone()) {
            fx.push(detected(inc, now));
        }
        if journal_ready {
            fx.extend(super::recover::unjournaled_ack(state, inc, &silences, now));
            fx.extend(super::recover::ack_ended_elsewhere(
                state, inc, &silences, now,
            ));
        }
        state.incidents.resolved.remove(&inc.id);
    }
    let previous = state
        .incidents
        .by_source
        .insert(source.to_string(), fresh.clone())
        .unwrap_or_default();
    for old in previous {
        if fresh.iter().any(|i| i.id == old.id) {
            continue;
        }
        fx.extend(resolve_vanished(state, source, old, now));
    }
    if journal_ready {
        fx.extend(super::recover::ended_while_away(state, source, &fresh, now));
    }
    // Ack-until-resolved: keep our silences alive while their alert fires.
    for inc in &fresh {
        let Some(sid) = &inc.silence_id else { continue };
        let Some(s) = silences.iter().find(|s| &s.id == sid) else {
            continue;
        };
        if from_alerts::is_ours(s, &state.user) && s.ends_at - now < EXTEND_BEFORE {
            fx.push(Effect::CreateSilence {
                source: source.to_string(),
                incident: inc.id.clone(),
                silence: NewSilence {
                    id: Some(s.id.clone()),
                    matchers: s.matchers.clone(),
                    starts_at: s.starts_at,
                    ends_at: now + ACK_SILENCE,
                    created_by: s.created_by.clone(),
                    comment: s.comment.clone(),
                },
            });
        }
    }
    state.incidents.rebuild(now);
    fx
}

/// An alert stopped firing: it is resolved, and a silence we made for it is expired.
fn resolve_vanished(
    state: &mut State,
    source: &str,
    mut old: Incident,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let mut fx = Vec::new();
    old.state = IncidentState::Resolved;
    old.resolved_at = Some(now);
    if let (Some(sid), Some(by)) = (&old.silence_id, &old.acked_by) {
        if by == &state.user {
            fx.push(Effect::ExpireSilence {
                source: source.to_string(),
                incident: old.id.clone(),
                silence_id: sid.clone(),
            });
        }
    }
    if state.incidents.journaled.remove(&old.id) {
        fx.push(event(&old.id, EventKind::Resolved { by: None }, now));
    }
    state.incidents.local_acks.remove(&old.id);
    state.incidents.resolved.insert(old.id.clone(), old);
    fx
}

/// Incidents acknowledged here (no Alertmanager behind them) stay acknowledged across polls
/// and restarts (the journal keeps the acknowledgement).
fn apply_local_ack(state: &State, inc: &mut Incident) {
    if inc.state != IncidentState::Open {
        return;
    }
    if let Some((by, at)) = state.incidents.local_acks.get(&inc.id) {
        inc.state = IncidentState::Acknowledged;
        inc.acked_by = Some(by.clone());
        inc.acked_at = Some(*at);
    }
}

/// A rule's query answered: run its state machine.
pub fn rule_loaded(
    state: &mut State,
    rule: usize,
    result: Result<f64, LoadError>,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(slot) = state.incidents.rules.get_mut(rule) else {
        return Vec::new();
    };
    slot.in_flight = false;
    let value = match result {
        Ok(v) => {
            slot.error = None;
            v
        }
        Err(e) => {
            slot.error = Some(e.message);
            return Vec::new();
        }
    };
    let cfg = slot.cfg.clone();
    let id = format!("rule:{}", cfg.name);
    let mut fx = Vec::new();
    match slot.state.observe(&cfg, value, now) {
        Some(RuleEvent::Fired { since, .. }) => {
            let mut labels = cfg.labels.clone();
            labels.insert("alertname".into(), cfg.name.clone());
            let mut inc = Incident {
                summary: render_summary(&cfg, value),
                description: format!("{} ({})", cfg.query, cfg.source),
                runbook: cfg.runbook.clone(),
                labels,
                ..Incident::open(
                    id.clone(),
                    cfg.name.clone(),
                    cfg.severity,
                    id.clone(),
                    since,
                )
            };
            apply_local_ack(state, &mut inc);
            state.incidents.resolved.remove(&id);
            if state.incidents.journaled.insert(id.clone()) {
                fx.push(detected(&inc, now));
            }
            state.incidents.local.insert(id, inc);
        }
        Some(RuleEvent::Resolved { .. }) => {
            state.incidents.local_acks.remove(&id);
            if let Some(mut inc) = state.incidents.local.remove(&id) {
                inc.state = IncidentState::Resolved;
                inc.resolved_at = Some(now);
                state.incidents.resolved.insert(id.clone(), inc);
            }
            if state.incidents.journaled.remove(&id) {
                fx.push(event(&id, EventKind::Resolved { by: None }, now));
            }
        }
        None => {
            if let Some(inc) = state.incidents.local.get_mut(&id) {
                inc.summary = render_summary(&cfg, value);
            }
        }
    }
    state.incidents.rebuild(now);
    fx
}

/// `a`: Alertmanager alerts get a silence (seen by the whole team); others are acknowledged in
/// the journal.
pub fn acknowledge(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(inc) = selected_for_change(state) else {
        return Vec::new();
    };
    if inc.state != IncidentState::Open {
        state.message = Some(format!("{} is already {}", inc.title, inc.state.name()));
        return Vec::new();
    }
    let user = state.user.clone();
    if source_kind(state, &inc.source) == Some(SourceKind::Alertmanager) {
        state.incidents.pending.insert(inc.id.clone());
        state
            .incidents
            .change(&inc.id, now, |i| i.set_acked(&user, now));
        state.message = Some(format!("acknowledging {}…", inc.title));
        return vec![Effect::CreateSilence {
            source: inc.source.clone(),
            incident: inc.id.clone(),
            silence: NewSilence {
                id: None,
                matchers: identifying_matchers(&inc.labels),
                starts_at: now,
                ends_at: now + ACK_SILENCE,
                created_by: user,
                comment: format!("{ACK_COMMENT}: {}", inc.title),
            },
        }];
    }
    state
        .incidents
        .local_acks
        .insert(inc.id.clone(), (user.clone(), now));
    state
        .incidents
        .change(&inc.id, now, |i| i.set_acked(&user, now));
    state.message = Some(format!("acknowledged {}", inc.title));
    vec![event(
        &inc.id,
        EventKind::Acknowledged {
            by: user,
            note: None,
            silence_id: None,
        },
        now,
    )]
}

/// Alertmanager answered our silence request.
pub fn silence_created(
    state: &mut State,
    incident: &str,
    result: Result<String, String>,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let was_pending = state.incidents.pending.remove(incident);
    match result {
        Ok(id) => {
            // The list shown (and acted on: `u` expires this silence) has it at once.
            state
                .incidents
                .change(incident, now, |i| i.silence_id = Some(id.clone()));
            if !was_pending {
                return Vec::new(); // an extension
            }
            state.message = Some("acknowledged (silence created in Alertmanager)".into());
            vec![event(
                incident,
                EventKind::Acknowledged {
                    by: state.user.clone(),
                    note: None,
                    silence_id: Some(id),
                },
                now,
            )]
        }
        Err(e) => {
            if was_pending {
                state.incidents.change(incident, now, Incident::set_open);
            }
            state.message = Some(format!("acknowledge failed: {e}"));
            Vec::new()
        }
    }
}

/// `u`: expire our silence, or take back a local acknowledgement.
pub fn unacknowledge(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(inc) = selected_for_change(state) else {
        return Vec::new();
    };
    if inc.state != IncidentState::Acknowledged {
        state.message = Some(format!("{} is not acknowledged", inc.title));
        return Vec::new();
    }
    if state.incidents.pending.contains(&inc.id) {
        // Its silence is still being created: taking the acknowledgement back now would be
        // undone by Alertmanager's answer.
        state.message = Some(format!(
            "{} is still being acknowledged; press u again once Alertmanager has answered",
            inc.title
        ));
        return Vec::new();
    }
    let user = state.user.clone();
    if let Some(sid) = &inc.silence_id {
        if inc.acked_by.as_deref() != Some(user.as_str()) {
            state.message = Some(format!(
                "acknowledged by {}; only their silence can be expired by them (or in Alertmanager)",
                inc.acked_by.as_deref().unwrap_or("someone else")
            ));
            return Vec::new();
        }
        state.message = Some(format!("expiring the silence of {}…", inc.title));
        return vec![Effect::ExpireSilence {
            source: inc.source.clone(),
            incident: inc.id.clone(),
            silence_id: sid.clone(),
        }];
    }
    state.incidents.local_acks.remove(&inc.id);
    state.incidents.change(&inc.id, now, Incident::set_open);
    vec![event(&inc.id, EventKind::Unacknowledged { by: user }, now)]
}

pub fn silence_expired(
    state: &mut State,
    incident: &str,
    result: Result<(), String>,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    match result {
        Ok(()) => {
            let user = state.user.clone();
            let reopened = state.incidents.change(incident, now, |i| {
                i.silence_id = None;
                let acked = i.state == IncidentState::Acknowledged;
                if acked {
                    i.set_open();
                }
                acked
            });
            if reopened == Some(true) {
                vec![event(incident, EventKind::Unacknowledged { by: user }, now)]
            } else {
                Vec::new()
            }
        }
        Err(e) => {
            state.message = Some(format!("expiring the silence failed: {e}"));
            Vec::new()
        }
    }
}

/// `R`: only local incidents (rules, Prometheus alerts acknowledged here) resolve by hand.
pub fn resolve(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(inc) = selected_for_change(state) else {
        return Vec::new();
    };
    if inc.state == IncidentState::Resolved {
        return Vec::new();
    }
    if !inc.id.starts_with("rule:") {
        state.message = Some(format!(
            "{} resolves by itself when the alert stops firing",
            inc.title
        ));
        return Vec::new();
    }
    let mut done = inc.clone();
    done.state = IncidentState::Resolved;
    done.resolved_at = Some(now);
    state.incidents.local.remove(&inc.id);
    state.incidents.local_acks.remove(&inc.id);
    state.incidents.resolved.insert(inc.id.clone(), done);
    state.incidents.journaled.remove(&inc.id);
    state.incidents.rebuild(now);
    let by = Some(state.user.clone());
    vec![event(&inc.id, EventKind::Resolved { by }, now)]
}

/// The selected incident, when changing incidents is allowed here.
fn selected_for_change(state: &mut State) -> Option<Incident> {
    if state.read_only {
        state.message = Some("read-only: acknowledging and notes are disabled".into());
        return None;
    }
    let inc = state.incidents.selected_incident().cloned();
    if inc.is_none() {
        state.message = Some("no incident selected (Tab to the incidents panel, j/k)".into());
    }
    inc
}

fn source_kind(state: &State, id: &str) -> Option<SourceKind> {
    state.sources.iter().find(|s| s.id == id).map(|s| s.kind)
}

/// `n`: opens the note prompt.
pub fn start_note(state: &mut State) {
    if let Some(inc) = selected_for_change(state) {
        state.input = Some(crate::state::Input {
            purpose: crate::state::InputPurpose::Note { incident: inc.id },
            text: String::new(),
        });
    }
}

/// Enter in the note prompt: the note goes into the journal.
pub fn submit_note(
    state: &mut State,
    incident: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let text = crate::sanitize::line(text.trim());
    if text.is_empty() {
        return Vec::new();
    }
    state.message = Some("note added".into());
    let by = state.user.clone();
    vec![event(incident, EventKind::Note { by, text }, now)]
}

/// `p`: writes the post-mortem of the selected incident next to the journal.
pub fn postmortem(state: &mut State) -> Vec<Effect> {
    let Some(inc) = state.incidents.selected_incident().cloned() else {
        state.message = Some("no incident selected".into());
        return Vec::new();
    };
    let events = state
        .incidents
        .timeline
        .get(&inc.id)
        .cloned()
        .unwrap_or_default();
    let tz = state.zone();
    let contents = crate::incidents::postmortem::render(&inc, &events, tz, &state.severity);
    let safe: String = inc
        .id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let path = state
        .data_dir
        .join("postmortems")
        .join(format!("{}-{safe}.md", inc.started_at.format("%Y-%m-%d")));
    vec![Effect::WriteFile {
        what: "post-mortem".into(),
        path,
        contents,
    }]
}
