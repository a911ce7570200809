//! What the journal missed while oncall was not running: it may have been stopped, or killed
//! between doing something and writing it down. Alertmanager's answer is the truth for its
//! alerts; the journal is brought in line with it, so that the timeline, post-mortems and the
//! response-time figures say what happened.

use super::incidents::event;
use crate::action::Effect;
use crate::incidents::Incident;
use crate::incidents::IncidentState;
use crate::incidents::from_alerts::is_ours;
use crate::incidents::journal::{EventKind, Folded, fold};
use crate::sources::alertmanager::Silence;
use crate::state::State;
use chrono::{DateTime, Utc};

/// The journal's view of an incident's current episode.
fn episode(state: &State, id: &str) -> Folded {
    state
        .incidents
        .timeline
        .get(id)
        .map(|events| fold(events).remove(id).unwrap_or_default())
        .unwrap_or_default()
}

/// An alert silenced by a silence of ours (made by `a`) whose acknowledgement is not in the
/// journal: oncall ended after Alertmanager created the silence and before the journal line was
/// written. The acknowledgement is journaled now, dated when the silence started (or the alert,
/// when an older silence of ours covered it from its start).
pub fn unjournaled_ack(
    state: &State,
    inc: &Incident,
    silences: &[Silence],
    now: DateTime<Utc>,
) -> Option<Effect> {
    if inc.state != IncidentState::Acknowledged || state.incidents.pending.contains(&inc.id) {
        return None;
    }
    let sid = inc.silence_id.as_ref()?;
    let silence = silences.iter().find(|s| &s.id == sid)?;
    if !is_ours(silence, &state.user) {
        return None;
    }
    let f = episode(state, &inc.id);
    if f.acked_by.is_some() && f.resolved_at.is_none() {
        return None;
    }
    Some(event(
        &inc.id,
        EventKind::Acknowledged {
            by: state.user.clone(),
            note: None,
            silence_id: Some(sid.clone()),
        },
        silence.starts_at.max(inc.started_at).min(now),
    ))
}

/// Who the journal names when an acknowledgement ended in Alertmanager without oncall taking
/// it back: the silence ran out while oncall was not running, someone expired it there, or
/// oncall ended between expiring it (`u`) and writing that down.
pub const SILENCE_ENDED_BY: &str = "alertmanager (silence ended)";

/// An alert that fires unsilenced although the journal holds it acknowledged by its silence:
/// that silence ended without the journal hearing of it. The acknowledgement is taken back in
/// the journal, so that the timeline and the post-mortem say the alert stood open again, dated
/// when the silence ended: its end when the list of active silences still holds it with an
/// end that has passed, else now (the list holds active silences only, and is read again when
/// an alert stops naming one). A silence the list holds as active until later is left alone:
/// Alertmanager has yet to apply it to the alert.
pub fn ack_ended_elsewhere(
    state: &State,
    inc: &Incident,
    silences: &[Silence],
    now: DateTime<Utc>,
) -> Option<Effect> {
    if inc.state != IncidentState::Open || state.incidents.pending.contains(&inc.id) {
        return None;
    }
    let f = episode(state, &inc.id);
    let acked_at = f
        .acked_at
        .filter(|_| f.acked_by.is_some() && f.resolved_at.is_none())?;
    let sid = f.silence_id.as_ref()?;
    let listed = silences.iter().find(|s| &s.id == sid);
    if listed.is_some_and(|s| s.ends_at > now) {
        return None;
    }
    let ended = listed.map_or(now, |s| s.ends_at);
    Some(event(
        &inc.id,
        EventKind::Unacknowledged {
            by: SILENCE_ENDED_BY.into(),
        },
        ended.max(acked_at),
    ))
}

/// Incidents of `source` the journal holds open although the source no longer reports them:
/// the alert ended while oncall was not running. They are resolved now (the moment they ended
/// is not known; now is the first time it was seen).
pub fn ended_while_away(
    state: &mut State,
    source: &str,
    fresh: &[Incident],
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let gone: Vec<String> = state
        .incidents
        .journaled
        .iter()
        .filter(|id| !fresh.iter().any(|i| &i.id == *id))
        .filter(|id| detected_from(state, id).as_deref() == Some(source))
        .cloned()
        .collect();
    let mut fx = Vec::new();
    for id in gone {
        state.incidents.journaled.remove(&id);
        state.incidents.local_acks.remove(&id);
        fx.push(event(&id, EventKind::Resolved { by: None }, now));
    }
    fx
}

/// The source named by the incident's latest `detected` event.
fn detected_from(state: &State, id: &str) -> Option<String> {
    state
        .incidents
        .timeline
        .get(id)?
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Detected { source, .. } => Some(source.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use crate::action::{Action, AlertBatch, Effect};
    use crate::config::Config;
    use crate::incidents::Severity;
    use crate::incidents::from_alerts::ACK_COMMENT;
    use crate::incidents::journal::{Event, EventKind};
    use crate::sources::alertmanager::{AmAlert, Matcher, Silence};
    use crate::state::State;
    use crate::update::update;
    use chrono::{DateTime, Utc};
    use std::collections::BTreeMap;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + secs, 0).expect("valid")
    }

    fn state() -> State {
        let text = r#"
[general]
user = "alice"
[sources.am]
kind = "alertmanager"
url = "http://127.0.0.1:1"
[sources.am2]
kind = "alertmanager"
url = "http://127.0.0.1:2"
"#;
        let cfg = Config::parse(text, std::path::Path::new("t.toml")).expect("config");
        State::new(&cfg, t(0))
    }

    fn alert(name: &str, silenced_by: Option<&str>) -> AmAlert {
        AmAlert {
            fingerprint: format!("fp-{name}"),
            labels: [("alertname".to_string(), name.to_string())].into(),
            annotations: BTreeMap::new(),
            starts_at: t(-600),
            ends_at: None,
            updated_at: None,
            generator_url: None,
            state: "active".into(),
            silenced_by: silenced_by.map(String::from).into_iter().collect(),
            inhibited_by: Vec::new(),
            receivers: Vec::new(),
        }
    }

    fn silence(id: &str, name: &str, by: &str, comment: &str) -> Silence {
        Silence {
            id: id.into(),
            matchers: vec![Matcher {
                name: "alertname".into(),
                value: name.into(),
                is_regex: false,
                is_equal: true,
            }],
            starts_at: t(-60),
            ends_at: t(3000),
            created_by: by.into(),
            comment: comment.into(),
            state: "active".into(),
        }
    }

    fn detected(id: &str, source: &str, at: i64) -> Event {
        Event {
            ts: t(at),
            incident: id.into(),
            kind: EventKind::Detected {
                title: id.into(),
                severity: Severity::P2,
                source: source.into(),
                summary: String::new(),
                labels: BTreeMap::new(),
            },
        }
    }

    fn replayed(events: Vec<Event>) -> State {
        let mut s = state();
        let warnings = Vec::new();
        update(&mut s, Action::JournalLoaded { events, warnings }, t(0));
        s
    }

    fn answer(
        s: &mut State,
        source: &str,
        alerts: Vec<AmAlert>,
        silences: Vec<Silence>,
        at: i64,
    ) -> Vec<Event> {
        let result = Ok(AlertBatch::Alertmanager { alerts, silences });
        let source = source.to_string();
        update(s, Action::AlertsLoaded { source, result }, t(at))
            .into_iter()
            .filter_map(|e| match e {
                Effect::Journal(ev) => Some(ev),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn our_silence_without_a_journaled_ack_is_journaled_once() {
        let mut s = replayed(vec![detected("fp-Disk", "am", -600)]);
        let ours = silence("s-1", "Disk", "alice", &format!("{ACK_COMMENT}: Disk"));
        let evs = answer(
            &mut s,
            "am",
            vec![alert("Disk", Some("s-1"))],
            vec![ours.clone()],
            10,
        );
        assert_eq!(evs.len(), 1, "{evs:?}");
        assert_eq!(evs[0].ts, t(-60), "dated when the silence started");
        assert_eq!(
            evs[0].kind,
            EventKind::Acknowledged {
                by: "alice".into(),
                note: None,
                silence_id: Some("s-1".into())
            }
        );
        let again = answer(
            &mut s,
            "am",
            vec![alert("Disk", Some("s-1"))],
            vec![ours],
            20,
        );
        assert!(again.is_empty(), "{again:?}");
    }

    fn acked_with(silence: &str, at: i64) -> Event {
        Event {
            ts: t(at),
            incident: "fp-Disk".into(),
            kind: EventKind::Acknowledged {
                by: "alice".into(),
                note: None,
                silence_id: Some(silence.into()),
            },
        }
    }

    /// A silence of the list last read whose end has passed since.
    fn ran_out(mut s: Silence, at: i64) -> Silence {
        s.ends_at = t(at);
        s
    }

    #[test]
    fn a_silence_that_ended_unseen_takes_the_ack_back_once() {
        let ours = silence("s-1", "Disk", "alice", &format!("{ACK_COMMENT}: Disk"));
        let mut s = replayed(vec![
            detected("fp-Disk", "am", -600),
            acked_with("s-1", -500),
        ]);
        let unsilenced = || vec![alert("Disk", None)];
        // Alertmanager still lists the silence as active: it has yet to apply it to the alert.
        let evs = answer(&mut s, "am", unsilenced(), vec![ours.clone()], 5);
        assert!(evs.is_empty(), "{evs:?}");
        // It ran out at -100 (the list was read before).
        let evs = answer(
            &mut s,
            "am",
            unsilenced(),
            vec![ran_out(ours.clone(), -100)],
            10,
        );
        assert_eq!(evs.len(), 1, "{evs:?}");
        assert_eq!(evs[0].ts, t(-100), "dated when the silence ended");
        assert_eq!(
            evs[0].kind,
            EventKind::Unacknowledged {
                by: super::SILENCE_ENDED_BY.into()
            }
        );
        let f = super::episode(&s, "fp-Disk");
        assert_eq!((f.acked_by, f.resolved_at), (None, None));
        let again = answer(&mut s, "am", unsilenced(), vec![ran_out(ours, -100)], 20);
        assert!(again.is_empty(), "{again:?}");

        // A silence no longer among the active ones ended at some time unknown: now.
        let mut s = replayed(vec![
            detected("fp-Disk", "am", -600),
            acked_with("s-1", -500),
        ]);
        let evs = answer(&mut s, "am", unsilenced(), Vec::new(), 30);
        assert_eq!(evs.len(), 1, "{evs:?}");
        assert_eq!(evs[0].ts, t(30));
    }

    #[test]
    fn an_ack_taken_back_with_u_is_journaled_by_its_answer_only() {
        let ours = silence("s-1", "Disk", "alice", &format!("{ACK_COMMENT}: Disk"));
        let mut s = replayed(vec![
            detected("fp-Disk", "am", -600),
            acked_with("s-1", -500),
        ]);
        answer(
            &mut s,
            "am",
            vec![alert("Disk", Some("s-1"))],
            vec![ours.clone()],
            1,
        );
        s.incidents.selected = Some("fp-Disk".into());
        let fx = update(&mut s, Action::Unacknowledge, t(2));
        assert!(
            matches!(fx.as_slice(), [Effect::ExpireSilence { .. }]),
            "{fx:?}"
        );
        let fx = update(
            &mut s,
            Action::SilenceExpired {
                incident: "fp-Disk".into(),
                result: Ok(()),
            },
            t(3),
        );
        let unacks = |fx: &[Effect]| {
            fx.iter()
                .filter_map(|e| match e {
                    Effect::Journal(ev) => match &ev.kind {
                        EventKind::Unacknowledged { by } => Some(by.clone()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(unacks(&fx), ["alice"]);
        let evs = answer(&mut s, "am", vec![alert("Disk", None)], Vec::new(), 4);
        assert!(evs.is_empty(), "{evs:?}");
    }

    /// Disk firing unsilenced, `a` pressed on it at 2 s: its silence is being created.
    fn acking_disk() -> State {
        let mut s = replayed(Vec::new());
        answer(&mut s, "am", vec![alert("Disk", None)], Vec::new(), 1);
        s.incidents.selected = Some("fp-Disk".into());
        update(&mut s, Action::Acknowledge, t(2));
        s
    }

    #[test]
    fn u_while_the_silence_is_being_created_changes_nothing() {
        let mut s = acking_disk();
        let fx = update(&mut s, Action::Unacknowledge, t(3));
        assert!(fx.is_empty(), "{fx:?}");
        assert!(
            s.message
                .as_deref()
                .is_some_and(|m| m.contains("still being acknowledged")),
            "{:?}",
            s.message
        );
        let disk = s.incidents.get("fp-Disk").cloned().expect("listed");
        assert_eq!(disk.state, crate::incidents::IncidentState::Acknowledged);
        // Once Alertmanager has answered, u expires the silence.
        update(
            &mut s,
            Action::SilenceCreated {
                incident: "fp-Disk".into(),
                result: Ok("s-1".into()),
            },
            t(4),
        );
        let fx = update(&mut s, Action::Unacknowledge, t(5));
        assert!(
            matches!(fx.as_slice(), [Effect::ExpireSilence { silence_id, .. }] if silence_id == "s-1"),
            "{fx:?}"
        );
    }

    #[test]
    fn a_teammates_silence_is_not_journaled_as_ours() {
        let mut s = replayed(vec![detected("fp-Disk", "am", -600)]);
        let theirs = silence("s-2", "Disk", "bob", "on it");
        let evs = answer(
            &mut s,
            "am",
            vec![alert("Disk", Some("s-2"))],
            vec![theirs],
            10,
        );
        assert!(evs.is_empty(), "{evs:?}");
    }

    #[test]
    fn an_ack_in_flight_is_journaled_by_its_answer_only() {
        let mut s = acking_disk();
        // A poll answers before the silence request does: the silence already shows.
        let ours = silence("s-1", "Disk", "alice", &format!("{ACK_COMMENT}: Disk"));
        let evs = answer(
            &mut s,
            "am",
            vec![alert("Disk", Some("s-1"))],
            vec![ours],
            3,
        );
        assert!(evs.is_empty(), "{evs:?}");
        let fx = update(
            &mut s,
            Action::SilenceCreated {
                incident: "fp-Disk".into(),
                result: Ok("s-1".into()),
            },
            t(4),
        );
        let acks = fx
            .iter()
            .filter(|e| matches!(e, Effect::Journal(ev) if matches!(ev.kind, EventKind::Acknowledged { .. })))
            .count();
        assert_eq!(acks, 1);
    }

    #[test]
    fn a_new_episode_under_an_old_silence_gets_its_own_ack() {
        let ack = Event {
            ts: t(-500),
            incident: "fp-Disk".into(),
            kind: EventKind::Acknowledged {
                by: "alice".into(),
                note: None,
                silence_id: Some("s-1".into()),
            },
        };
        let resolved = Event {
            ts: t(-400),
            incident: "fp-Disk".into(),
            kind: EventKind::Resolved { by: None },
        };
        let mut s = replayed(vec![detected("fp-Disk", "am", -600), ack, resolved]);
        let ours = silence("s-1", "Disk", "alice", &format!("{ACK_COMMENT}: Disk"));
        let mut firing = alert("Disk", Some("s-1"));
        firing.starts_at = t(-30);
        let evs = answer(&mut s, "am", vec![firing], vec![ours], 10);
        let kinds: Vec<&str> = evs
            .iter()
            .map(|e| match e.kind {
                EventKind::Detected { .. } => "detected",
                EventKind::Acknowledged { .. } => "acknowledged",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["detected", "acknowledged"]);
        assert_eq!(evs[1].ts, t(-30), "not before the episode started");
    }

    #[test]
    fn episodes_that_ended_while_away_are_resolved_for_their_source_only() {
        let mut s = replayed(vec![
            detected("fp-Gone", "am", -900),
            detected("fp-Still", "am", -900),
            detected("fp-Other", "am2", -900),
            detected("rule:R", "rule:R", -900),
        ]);
        let evs = answer(&mut s, "am", vec![alert("Still", None)], Vec::new(), 10);
        assert_eq!(evs.len(), 1, "{evs:?}");
        assert_eq!(evs[0].incident, "fp-Gone");
        assert_eq!(evs[0].kind, EventKind::Resolved { by: None });
        assert_eq!(evs[0].ts, t(10));
        let again = answer(&mut s, "am", vec![alert("Still", None)], Vec::new(), 20);
        assert!(again.is_empty(), "{again:?}");
        // A failed answer resolves nothing.
        let result = Err(crate::state::LoadError {
            message: "down".into(),
            source_down: true,
        });
        let fx = update(
            &mut s,
            Action::AlertsLoaded {
                source: "am2".into(),
                result,
            },
            t(30),
        );
        assert!(!fx.iter().any(|e| matches!(e, Effect::Journal(_))));
    }
}
