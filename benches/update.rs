//! The reducer `update(&mut State, Action, now)` under bursts, on the realistic config of
//! `support` after its first polls (charts full, 10 000 log lines per logs panel, 100 Sentry
//! issues, 40 open incidents, journal read, notifications on):
//!
//! * 1 000 keys (focus and selection moves, page switches, level filters, follow, a log search,
//!   incident details, the palette) interleaved with 100 answers, in turn 500 new log lines, a
//!   chart, 100 Sentry issues and the same 40 alerts; one action every 5 ms;
//! * 1 000 incidents arriving in one Alertmanager answer, the same answer again (nothing new),
//!   and all 1 000 gone in the next (resolved at once).
//!
//! Each burst is timed whole, from a fresh copy of the state; the copy is not timed. Each is
//! run once first and its result checked.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Duration, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use oncall::action::{Action, AlertBatch, Effect};
use oncall::incidents::IncidentState;
use oncall::incidents::journal::EventKind;
use oncall::sources::alertmanager::AmAlert;
use oncall::sources::loki::Level;
use oncall::state::State;
use oncall::update::update;

/// The keys of a short session, repeated: most of them land on the panel they are meant for.
fn keys() -> Vec<Action> {
    use Action::*;
    let mut k = vec![
        // Board: around the grid, into the incidents and one's detail.
        Down, Down, Right, Left, Up, FocusNext, FocusNext, FocusPrev, Bottom, Top,
    ];
    k.extend([Down, Down, Down, Up, Enter, Down, Back, Top]);
    // The logs & errors page: filters, pause, a search, the errors list.
    k.extend([
        Page(1),
        ToggleLevel(Level::Info),
        ToggleLevel(Level::Warn),
        Up,
        Up,
        Up,
    ]);
    k.extend([
        ToggleLevel(Level::Info),
        ToggleLevel(Level::Warn),
        Follow,
        Follow,
        StartSearch,
    ]);
    k.extend("timeout".chars().map(InputChar));
    k.extend([InputSubmit, SearchPrev, SearchPrev, SearchNext, Back]);
    k.extend([
        FocusNext, Down, Down, Down, Enter, Back, Bottom, Top, FocusPrev,
    ]);
    // The palette, then back to the board.
    k.extend([
        PaletteOpen,
        PaletteChar('l'),
        PaletteChar('o'),
        PaletteDown,
        PaletteClose,
    ]);
    k.extend([Page(0), FocusNext, ToggleHelp, Back]);
    k
}

/// 1 000 keys and 100 answers, an answer after every tenth key, one action every 5 ms from `now`.
fn key_burst(state: &State, now: DateTime<Utc>) -> Vec<(Action, DateTime<Utc>)> {
    let logs = support::panel(state, support::LOGS_PANEL);
    let errors = support::panel(state, support::ERRORS_PANEL);
    let latency = support::panel(state, "Response time");
    let keys = keys();
    let mut out = Vec::with_capacity(1_100);
    let mut answers = 0;
    for i in 0..1_000 {
        let at = now + Duration::milliseconds(5 * out.len() as i64);
        out.push((keys[i % keys.len()].clone(), at));
        if i % 10 == 9 {
            let at = now + Duration::milliseconds(5 * out.len() as i64);
            let action = match answers % 4 {
                0 => Action::LogsLoaded {
                    panel: logs,
                    result: Ok(support::log_entries(500, at, 400)),
                },
                1 => Action::PanelLoaded {
                    panel: latency,
                    result: Ok(support::panel_answer(state, latency, at)),
                },
                2 => Action::ErrorsLoaded {
                    panel: errors,
                    result: Ok(support::issues(0, 100)),
                    retry_after: None,
                },
                _ => Action::AlertsLoaded {
                    source: "am".into(),
                    result: Ok(AlertBatch::Alertmanager {
                        alerts: support::alerts(40, 0),
                        silences: Vec::new(),
                    }),
                },
            };
            out.push((action, at));
            answers += 1;
        }
    }
    assert_eq!(out.len(), 1_100);
    out
}

fn run(state: &mut State, burst: Vec<(Action, DateTime<Utc>)>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for (action, at) in burst {
        effects.extend(update(state, action, at));
    }
    effects
}

fn alerts_answer(alerts: &[AmAlert]) -> Action {
    Action::AlertsLoaded {
        source: "am".into(),
        result: Ok(AlertBatch::Alertmanager {
            alerts: alerts.to_vec(),
            silences: Vec::new(),
        }),
    }
}

fn journaled(effects: &[Effect], what: fn(&EventKind) -> bool) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Journal(ev) if what(&ev.kind)))
        .count()
}

fn bench_burst(c: &mut Criterion, name: &str, base: &State, burst: &[(Action, DateTime<Utc>)]) {
    c.bench_function(name, |b| {
        b.iter_batched(
            || (base.clone(), burst.to_vec()),
            |(mut state, burst)| {
                let effects = run(&mut state, burst);
                (state, effects)
            },
            BatchSize::LargeInput,
        )
    });
}

fn keys_and_answers(c: &mut Criterion) {
    let now = support::now();
    let mut base = support::loaded_state(now, 40);
    base.notify.enabled = true;
    let burst = key_burst(&base, now);
    let last_line = burst
        .iter()
        .rev()
        .find_map(|(a, _)| match a {
            Action::LogsLoaded { result: Ok(b), .. } => b.last().map(|l| l.ts_ns),
            _ => None,
        })
        .unwrap();

    let mut state = base.clone();
    let effects = run(&mut state, burst.clone());
    let logs = state.panels[support::panel(&state, support::LOGS_PANEL)]
        .logs
        .as_ref()
        .unwrap();
    assert_eq!(logs.lines.len(), 10_000, "the buffer stays full");
    assert_eq!(logs.lines.back().map(|l| l.ts_ns), Some(last_line));
    assert!(logs.show_info && logs.show_warn && logs.show_error);
    let errors = state.panels[support::panel(&state, support::ERRORS_PANEL)]
        .errors
        .as_ref()
        .unwrap();
    assert_eq!(errors.issues.len(), 100);
    assert_eq!(state.incidents.list.len(), 40);
    assert!(state.palette.is_none() && state.input.is_none() && !state.show_help);
    assert!(state.panels.iter().all(|p| p.error.is_none()));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchLogs { .. })),
        "switching to the logs page polls it"
    );

    bench_burst(c, "update burst 1000 keys + 100 answers", &base, &burst);
}

fn alert_storm(c: &mut Criterion) {
    let now = support::now();
    let mut quiet = support::loaded_state(now, 0);
    quiet.notify.enabled = true;
    let storm = support::alerts(1_000, 1);
    let at = now + Duration::seconds(10);

    let mut firing = quiet.clone();
    let fx = update(&mut firing, alerts_answer(&storm), at);
    assert_eq!(firing.incidents.list.len(), 1_000);
    assert!(
        firing
            .incidents
            .list
            .iter()
            .all(|i| i.state == IncidentState::Open)
    );
    assert_eq!(
        journaled(&fx, |k| matches!(k, EventKind::Detected { .. })),
        1_000
    );
    let notes = fx.iter().filter(|e| matches!(e, Effect::Notify(_))).count();
    assert!(
        (1..=5).contains(&notes),
        "a storm is summed up, not 1 000 notifications: {notes}"
    );
    bench_burst(
        c,
        "update 1000 new incidents in one alerts answer",
        &quiet,
        &[(alerts_answer(&storm), at)],
    );

    let again = at + Duration::seconds(10);
    let mut same = firing.clone();
    let fx = update(&mut same, alerts_answer(&storm), again);
    assert_eq!(same.incidents.list.len(), 1_000);
    assert_eq!(journaled(&fx, |_| true), 0, "nothing new to record");
    bench_burst(
        c,
        "update same 1000 incidents again",
        &firing,
        &[(alerts_answer(&storm), again)],
    );

    let mut gone = firing.clone();
    let fx = update(&mut gone, alerts_answer(&[]), again);
    assert_eq!(
        journaled(&fx, |k| matches!(k, EventKind::Resolved { .. })),
        1_000
    );
    assert_eq!(
        gone.incidents.list.len(),
        oncall::state::incidents::MAX_RESOLVED,
        "resolved incidents kept"
    );
    assert!(
        gone.incidents
            .list
            .iter()
            .all(|i| i.state == IncidentState::Resolved)
    );
    bench_burst(
        c,
        "update 1000 incidents resolved in one alerts answer",
        &firing,
        &[(alerts_answer(&[]), again)],
    );
}

criterion_group!(benches, keys_and_answers, alert_storm);
criterion_main!(benches);
