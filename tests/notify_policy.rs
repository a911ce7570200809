//! The notification policy: what is sent for new, escalated, overdue and unacknowledged
//! incidents, with cooldowns, storms and snoozes. Pure: the clock is a parameter.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use oncall::incidents::{Incident, IncidentState, Severity};
use oncall::notify::{NoteKind, Notification, NotifyConfig, Policy, Urgency};
use std::collections::BTreeMap;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

fn inc(id: &str, severity: Severity) -> Incident {
    Incident {
        summary: format!("{id} is failing"),
        labels: BTreeMap::from([("service".to_string(), "checkout".to_string())]),
        ..Incident::open(id, id, severity, "am", t0() - TimeDelta::minutes(3))
    }
}

fn never(_: &Incident) -> bool {
    false
}

fn policy() -> Policy {
    Policy::new(&NotifyConfig::default())
}

fn kinds(notes: &[Notification]) -> Vec<(String, NoteKind)> {
    notes.iter().map(|n| (n.incident.clone(), n.kind)).collect()
}

#[test]
fn one_per_new_incident_at_or_above_min_severity() {
    let mut p = policy();
    let list: Vec<Incident> = Severity::ALL
        .iter()
        .map(|s| inc(&format!("Alert{}", s.name()), *s))
        .collect();
    let notes = p.decide(&list, at(0), &never);
    let sevs: Vec<Severity> = notes.iter().map(|n| n.severity).collect();
    assert_eq!(sevs, [Severity::P0, Severity::P1, Severity::P2]);
    assert!(notes.iter().all(|n| n.kind == NoteKind::New));
    // The same list again, later: nothing more (P0 repeats only after 5 minutes).
    for s in [10, 60, 120, 299] {
        assert!(p.decide(&list, at(s), &never).is_empty(), "at {s}s");
    }
}

#[test]
fn summary_body_urgency_and_runbook() {
    let mut p = policy();
    let mut i = inc("HighErrorRate", Severity::P1);
    i.runbook = Some("https://wiki.example.com/rb".into());
    let n = &p.decide(&[i], at(0), &never)[0];
    assert_eq!(n.summary, "P1 HighErrorRate");
    assert_eq!(n.title, "HighErrorRate");
    assert_eq!(
        n.body,
        "HighErrorRate is failing\nservice: checkout · open 3m"
    );
    assert_eq!(n.urgency, Urgency::Critical);
    assert_eq!(n.runbook.as_deref(), Some("https://wiki.example.com/rb"));
    assert_eq!(n.covers, vec!["HighErrorRate".to_string()]);
    assert_eq!(Urgency::for_severity(Severity::P0).byte(), 2);
    assert_eq!(Urgency::for_severity(Severity::P2).byte(), 1);
    assert_eq!(Urgency::for_severity(Severity::P3).byte(), 0);
    assert_eq!(Urgency::for_severity(Severity::P4), Urgency::Low);
}

#[test]
fn acknowledged_and_resolved_never_notify() {
    let mut p = policy();
    let mut acked = inc("Acked", Severity::P0);
    acked.state = IncidentState::Acknowledged;
    let mut resolved = inc("Resolved", Severity::P0);
    resolved.state = IncidentState::Resolved;
    for s in [0, 400, 800] {
        assert!(
            p.decide(&[acked.clone(), resolved.clone()], at(s), &never)
                .is_empty()
        );
    }
    // A silence that expires leaves an incident nobody was told about: it is new now.
    acked.state = IncidentState::Open;
    assert_eq!(
        kinds(&p.decide(&[acked], at(900), &never)),
        [("Acked".into(), NoteKind::New)]
    );
}

#[test]
fn reopened_after_resolve_is_new_again_but_not_when_it_blinks() {
    let mut p = policy();
    let mut i = inc("Flappy", Severity::P1);
    assert_eq!(p.decide(std::slice::from_ref(&i), at(0), &never).len(), 1);
    // Gone from the list for a while (a source failed): no second announcement.
    assert!(p.decide(&[], at(30), &never).is_empty());
    assert!(
        p.decide(std::slice::from_ref(&i), at(120), &never)
            .is_empty()
    );
    i.state = IncidentState::Resolved;
    assert!(
        p.decide(std::slice::from_ref(&i), at(180), &never)
            .is_empty()
    );
    i.state = IncidentState::Open;
    assert_eq!(
        kinds(&p.decide(&[i], at(600), &never)),
        [("Flappy".into(), NoteKind::New)]
    );
}

#[test]
fn escalation_notifies_once_per_raise() {
    let mut p = policy();
    let mut i = inc("Slow", Severity::P3);
    assert!(
        p.decide(std::slice::from_ref(&i), at(0), &never).is_empty(),
        "below P2"
    );
    i.severity = Severity::P2;
    let notes = p.decide(std::slice::from_ref(&i), at(10), &never);
    assert_eq!(kinds(&notes), [("Slow".into(), NoteKind::Escalated)]);
    assert!(notes[0].body.starts_with("Escalated to P2 (was P3)"));
    assert!(
        p.decide(std::slice::from_ref(&i), at(20), &never)
            .is_empty()
    );
    i.severity = Severity::P1;
    let notes = p.decide(std::slice::from_ref(&i), at(100), &never);
    assert_eq!(notes[0].summary, "P1 Slow");
    assert!(notes[0].body.starts_with("Escalated to P1 (was P2)"));
    // Down and up again to a level already announced: quiet.
    i.severity = Severity::P2;
    assert!(
        p.decide(std::slice::from_ref(&i), at(200), &never)
            .is_empty()
    );
    i.severity = Severity::P1;
    assert!(p.decide(&[i], at(300), &never).is_empty());
}

#[test]
fn a_missed_deadline_notifies_once() {
    let mut p = policy();
    let i = inc("Payments", Severity::P1);
    assert_eq!(p.decide(std::slice::from_ref(&i), at(0), &never).len(), 1);
    let late = |_: &Incident| true;
    let notes = p.decide(std::slice::from_ref(&i), at(3600), &late);
    assert_eq!(kinds(&notes), [("Payments".into(), NoteKind::Overdue)]);
    assert!(notes[0].body.starts_with("Response target missed"));
    for s in [3700, 7200, 20000] {
        assert!(p.decide(std::slice::from_ref(&i), at(s), &late).is_empty());
    }
}

#[test]
fn already_late_when_first_seen_is_said_in_the_first_notification() {
    let mut p = policy();
    let late = |_: &Incident| true;
    let notes = p.decide(&[inc("Old", Severity::P2)], at(0), &late);
    assert_eq!(kinds(&notes), [("Old".into(), NoteKind::New)]);
    assert!(notes[0].body.contains("Response target missed"));
    assert!(
        p.decide(&[inc("Old", Severity::P2)], at(120), &late)
            .is_empty()
    );
}

#[test]
fn p0_repeats_every_five_minutes_until_acknowledged() {
    let mut p = policy();
    let mut i = inc("AppDown", Severity::P0);
    let mut sent = Vec::new();
    for s in (0..=1200).step_by(10) {
        for n in p.decide(std::slice::from_ref(&i), at(s), &never) {
            sent.push((s, n.kind));
        }
    }
    assert_eq!(
        sent,
        [
            (0, NoteKind::New),
            (300, NoteKind::Repeat),
            (600, NoteKind::Repeat),
            (900, NoteKind::Repeat),
            (1200, NoteKind::Repeat)
        ]
    );
    i.state = IncidentState::Acknowledged;
    for s in (1210..=3000).step_by(10) {
        assert!(p.decide(std::slice::from_ref(&i), at(s), &never).is_empty());
    }
    // P1 is not in repeat_until_ack.
    let mut q = policy();
    let j = inc("P1Thing", Severity::P1);
    assert_eq!(q.decide(std::slice::from_ref(&j), at(0), &never).len(), 1);
    assert!(q.decide(&[j], at(1800), &never).is_empty());
}

#[test]
fn cooldown_spaces_notifications_about_one_incident() {
    let mut p = policy();
    let mut i = inc("Db", Severity::P2);
    assert_eq!(p.decide(std::slice::from_ref(&i), at(0), &never).len(), 1);
    i.severity = Severity::P1;
    assert!(
        p.decide(std::slice::from_ref(&i), at(20), &never)
            .is_empty(),
        "cooling"
    );
    assert!(
        p.decide(std::slice::from_ref(&i), at(40), &never)
            .is_empty(),
        "cooling"
    );
    // Not lost: sent when the cooldown ends, once.
    assert_eq!(
        kinds(&p.decide(std::slice::from_ref(&i), at(60), &never)),
        [("Db".into(), NoteKind::Escalated)]
    );
    i.severity = Severity::P0;
    let late = |_: &Incident| true;
    assert!(p.decide(std::slice::from_ref(&i), at(90), &late).is_empty());
    // Escalated and late at once: one notification saying both.
    let notes = p.decide(std::slice::from_ref(&i), at(120), &late);
    assert_eq!(kinds(&notes), [("Db".into(), NoteKind::Escalated)]);
    assert!(notes[0].body.contains("Response target missed"));
    assert!(
        p.decide(std::slice::from_ref(&i), at(180), &late)
            .is_empty()
    );
}

#[test]
fn a_storm_becomes_one_summary() {
    let mut p = policy();
    let mut list: Vec<Incident> = (0..12)
        .map(|k| {
            let s = if k < 4 { Severity::P1 } else { Severity::P2 };
            inc(&format!("Alert{k:02}"), s)
        })
        .collect();
    list.push(inc("Minor", Severity::P3));
    let notes = p.decide(&list, at(0), &never);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    let n = &notes[0];
    assert_eq!(n.kind, NoteKind::Storm);
    assert_eq!(n.summary, "P1 Alert storm: 12 new incidents (P1 4, P2 8)");
    assert_eq!(n.urgency, Urgency::Critical);
    assert_eq!(n.covers.len(), 12);
    assert!(n.incident.is_empty());
    assert!(n.runbook.is_none());
    assert!(n.body.starts_with("P1 Alert00, P1 Alert01"), "{}", n.body);
    assert!(n.body.contains("and 7 more\nwithin 1m"), "{}", n.body);
    // Nothing more for those, and late arrivals in the storm stay folded.
    list.push(inc("Late", Severity::P2));
    assert!(p.decide(&list, at(20), &never).is_empty());
    // A more severe newcomer updates the summary.
    list.push(inc("Down", Severity::P0));
    let notes = p.decide(&list, at(30), &never);
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].summary,
        "P0 Alert storm: 14 new incidents (P0 1, P1 4, P2 9)"
    );
    assert_eq!(notes[0].covers, vec!["Down".to_string()]);
    // A folded P0 still repeats until acknowledged; the rest stay quiet.
    assert!(p.decide(&list, at(200), &never).is_empty());
    assert_eq!(
        kinds(&p.decide(&list, at(330), &never)),
        [("Down".into(), NoteKind::Repeat)]
    );
    // Once the window has passed, new incidents are announced one by one again.
    list.push(inc("AfterStorm", Severity::P2));
    assert_eq!(
        kinds(&p.decide(&list, at(400), &never)),
        [("AfterStorm".into(), NoteKind::New)]
    );
}

#[test]
fn up_to_the_storm_size_each_incident_is_announced() {
    let mut p = policy();
    let list: Vec<Incident> = (0..5)
        .map(|k| inc(&format!("A{k}"), Severity::P2))
        .collect();
    assert_eq!(p.decide(&list, at(0), &never).len(), 5);
    // After the window, five more are not a storm either.
    let more: Vec<Incident> = (5..10)
        .map(|k| inc(&format!("A{k}"), Severity::P2))
        .collect();
    assert_eq!(p.decide(&more, at(61), &never).len(), 5);
    // storm = 0 turns folding off.
    let cfg = NotifyConfig {
        storm: 0,
        ..NotifyConfig::default()
    };
    let mut q = Policy::new(&cfg);
    let many: Vec<Incident> = (0..30)
        .map(|k| inc(&format!("B{k}"), Severity::P1))
        .collect();
    assert_eq!(q.decide(&many, at(0), &never).len(), 30);
}

#[test]
fn snooze_holds_everything_and_releases_no_flood() {
    let mut p = policy();
    p.snooze(Some(at(600)));
    assert_eq!(p.snoozed_until(), Some(at(600)));
    let i = inc("AppDown", Severity::P0);
    let j = inc("Other", Severity::P2);
    assert!(p.decide(&[i.clone(), j.clone()], at(0), &never).is_empty());
    let k = inc("Third", Severity::P1);
    for s in (10..600).step_by(10) {
        assert!(
            p.decide(&[i.clone(), j.clone(), k.clone()], at(s), &never)
                .is_empty()
        );
    }
    assert_eq!(p.snoozed_until(), Some(at(600)));
    // At the end: no backlog, only the P0's repeat on its own five-minute schedule.
    let all = [i.clone(), j.clone(), k.clone()];
    assert_eq!(
        kinds(&p.decide(&all, at(600), &never)),
        [("AppDown".into(), NoteKind::Repeat)]
    );
    assert_eq!(p.snoozed_until(), None);
    assert!(p.decide(&all, at(610), &never).is_empty());
    // A new incident after the snooze is told at once; unsnooze ends it early.
    p.snooze(Some(at(5000)));
    p.snooze(None);
    let fresh = inc("Fresh", Severity::P1);
    assert_eq!(p.decide(&[fresh], at(620), &never).len(), 1);
}
