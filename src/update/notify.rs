//! Notifications: after anything that changes incidents (and on every tick, for deadlines and
//! repeats), the policy decides what to send; each one is recorded in its incidents' timelines.

use crate::action::Effect;
use crate::incidents::journal::{Event, EventKind};
use crate::notify::DesktopEvent;
use crate::state::State;
use chrono::{DateTime, Utc};

/// How long a notification banner stays on screen.
const BANNER: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

pub fn decide(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    if !state.notify.enabled {
        return Vec::new();
    }
    if let Some((_, _, at)) = &state.notify.banner {
        if now - *at > BANNER {
            state.notify.banner = None;
        }
    }
    let tz = state.zone();
    let severity = state.severity.clone();
    let overdue = |i: &crate::incidents::Incident| {
        crate::incidents::deadline::deadline(i, &severity, tz).is_some_and(|d| d.at <= now)
    };
    let notes = state
        .notify
        .policy
        .decide(&state.incidents.list, now, &overdue);
    let channel = match &state.notify.channels {
        Some(c) if c.desktop => "desktop".to_string(),
        Some(c) => c.terminal.map_or("dashboard".into(), |t| {
            format!("terminal {t:?}").to_lowercase()
        }),
        None => "pending".into(),
    };
    let banner = state
        .notify
        .channels
        .as_ref()
        .is_none_or(crate::notify::Channels::needs_banner);
    let mut fx = Vec::new();
    for n in notes {
        if banner {
            state.notify.banner = Some((n.summary.clone(), n.severity, now));
        }
        for id in &n.covers {
            fx.push(Effect::Journal(Event {
                ts: now,
                incident: id.clone(),
                kind: EventKind::Notified {
                    channel: format!("{channel}: {}", n.kind.name()),
                },
            }));
        }
        fx.push(Effect::Notify(n));
    }
    fx
}

/// `z`: 15 minutes, then 1 hour, then 4 hours, then off again.
pub fn snooze(state: &mut State, now: DateTime<Utc>) {
    let next = match state.notify.policy.snoozed_until() {
        None => Some(chrono::TimeDelta::minutes(15)),
        Some(u) if u - now <= chrono::TimeDelta::minutes(15) => Some(chrono::TimeDelta::hours(1)),
        Some(u) if u - now <= chrono::TimeDelta::hours(1) => Some(chrono::TimeDelta::hours(4)),
        Some(_) => None,
    };
    let until = next.map(|d| now + d);
    state.notify.policy.snooze(until);
    let tz = state.zone();
    state.message = Some(match until {
        Some(u) => format!(
            "notifications snoozed until {} (z: longer / off)",
            u.with_timezone(&tz).format("%H:%M")
        ),
        None => "notifications on".into(),
    });
}

/// A button on a desktop notification: the same paths as the keys.
pub fn desktop(state: &mut State, event: DesktopEvent, now: DateTime<Utc>) -> Vec<Effect> {
    match event {
        DesktopEvent::Shown { .. } => Vec::new(),
        DesktopEvent::Failed { error, .. } => {
            state.message = Some(format!("desktop notification failed: {error}"));
            Vec::new()
        }
        DesktopEvent::Action { incident, action } => {
            if state.incidents.get(&incident).is_none() {
                return Vec::new();
            }
            state.incidents.selected = Some(incident);
            if let Some(pos) = state
                .page_panels()
                .iter()
                .position(|&i| state.panels[i].cfg.kind == crate::config::PanelKind::Incidents)
            {
                state.focus = pos;
            }
            match action.as_str() {
                "ack" => super::incidents::acknowledge(state, now),
                "runbook" => super::runbooks::open(state),
                _ => {
                    state.incidents.detail = state.incidents.selected.clone();
                    Vec::new()
                }
            }
        }
    }
}
