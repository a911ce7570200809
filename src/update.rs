//! The reducer: `(State, Action, now) -> Effects`. Pure: no IO, no await, no clock of its own.

use crate::action::{Action, Effect, FetchSpec};
use crate::state::{LoadError, State};
use chrono::{DateTime, Utc};

/// Points asked for per range query (charts are at most ~2 points per terminal cell wide).
const CHART_POINTS: f64 = 240.0;
const SPARK_POINTS: f64 = 60.0;

pub fn update(state: &mut State, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    match action {
        Action::Tick => {
            state.dirty = true;
            return schedule(state, now);
        }
        Action::Quit => state.should_quit = true,
        Action::Suspend => return vec![Effect::Suspend],
        Action::ToggleHelp => state.show_help = !state.show_help,
        Action::Back => state.show_help = false,
        Action::FocusNext => cycle_focus(state, 1),
        Action::FocusPrev => cycle_focus(state, -1),
        Action::Left => cycle_focus(state, -1),
        Action::Right => cycle_focus(state, 1),
        Action::Up => move_row(state, -1),
        Action::Down => move_row(state, 1),
        Action::Top => state.focus = 0,
        Action::Bottom => state.focus = state.page_panels().len().saturating_sub(1),
        Action::Page(n) => {
            if n < state.pages.len() && n != state.page {
                state.page = n;
                state.focus = 0;
                state.dirty = true;
                return schedule(state, now);
            }
        }
        Action::RefreshNow => {
            for p in &mut state.panels {
                p.next_due = now;
            }
            state.dirty = true;
            return schedule(state, now);
        }
        Action::Resize => {}
        Action::PanelLoaded { panel, result } => loaded(state, panel, result, now),
        Action::Message(m) => state.message = Some(m),
    }
    state.dirty = true;
    Vec::new()
}

fn loaded(
    state: &mut State,
    panel: usize,
    result: Result<Vec<Vec<crate::sources::prometheus::Series>>, LoadError>,
    now: DateTime<Utc>,
) {
    let Some(p) = state.panels.get_mut(panel) else {
        return;
    };
    p.in_flight = false;
    let source_id = p.source.clone();
    let source_failure = match result {
        Ok(results) => {
            p.apply(results, now);
            None
        }
        Err(e) => {
            p.error = Some(e.message.clone());
            e.source_down.then_some(e.message)
        }
    };
    if let Some(s) = state.sources.iter_mut().find(|s| s.id == source_id) {
        match source_failure {
            None => {
                s.last_success = Some(now);
                s.last_error = None;
                s.error_since = None;
            }
            Some(msg) => {
                s.last_error = Some(msg);
                s.error_since.get_or_insert(now);
            }
        }
    }
}

/// Starts the polls that are due: at most one request in flight per panel.
pub fn schedule(state: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let visible: Vec<usize> = if state.poll_all_pages {
        (0..state.panels.len()).collect()
    } else {
        state.page_panels().to_vec()
    };
    let at = now.timestamp_millis() as f64 / 1000.0;
    let mut effects = Vec::new();
    for i in visible {
        let p = &mut state.panels[i];
        if p.in_flight || now < p.next_due {
            continue;
        }
        p.in_flight = true;
        p.next_due = now
            + chrono::Duration::from_std(p.refresh)
                .unwrap_or_else(|_| chrono::Duration::seconds(10));
        let range = p.cfg.kind.wants_range().then(|| {
            let history = p.cfg.history().as_secs_f64();
            let points = if p.cfg.kind == crate::config::PanelKind::Timeseries {
                CHART_POINTS
            } else {
                SPARK_POINTS
            };
            let step = (history / points).ceil().max(1.0);
            (at - history, step)
        });
        effects.push(Effect::Fetch(FetchSpec {
            panel: i,
            source: p.source.clone(),
            queries: p.queries.iter().map(|q| q.query.clone()).collect(),
            at,
            range,
        }));
    }
    effects
}

fn cycle_focus(state: &mut State, delta: isize) {
    let n = state.page_panels().len();
    if n == 0 {
        return;
    }
    let cur = state.focus.min(n - 1) as isize;
    state.focus = (cur + delta).rem_euclid(n as isize) as usize;
}

/// Moves the focus to the row above or below, to the panel nearest the same column.
fn move_row(state: &mut State, delta: isize) {
    let rows = state.grid_rows();
    let widths: Vec<u16> = state
        .page_panels()
        .iter()
        .map(|&i| state.panels[i].cfg.grid_width())
        .collect();
    let Some(row) = rows.iter().position(|r| r.contains(&state.focus)) else {
        return;
    };
    let target = row as isize + delta;
    if target < 0 || target as usize >= rows.len() {
        return;
    }
    let col_of = |row: &[usize], pos: usize| -> u16 {
        row.iter()
            .take_while(|&&p| p != pos)
            .map(|&p| widths[p])
            .sum()
    };
    let here = col_of(&rows[row], state.focus);
    let dest = &rows[target as usize];
    if let Some(&best) = dest
        .iter()
        .min_by_key(|&&p| (i32::from(col_of(dest, p)) - i32::from(here)).abs())
    {
        state.focus = best;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sources::prometheus::Series;

    fn demo_state() -> State {
        let cfg = Config::demo("http://127.0.0.1:1");
        State::new(&cfg, DateTime::<Utc>::UNIX_EPOCH)
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(secs)
    }

    #[test]
    fn first_tick_polls_every_visible_panel_once() {
        let mut s = demo_state();
        let fx = update(&mut s, Action::Tick, t(100));
        assert_eq!(fx.len(), s.page_panels().len());
        // In flight: a second tick asks for nothing more.
        assert!(update(&mut s, Action::Tick, t(101)).is_empty());
    }

    #[test]
    fn range_panels_ask_for_history() {
        let mut s = demo_state();
        let fx = update(&mut s, Action::Tick, t(10_000));
        let Some(Effect::Fetch(spec)) = fx
            .iter()
            .find(|e| matches!(e, Effect::Fetch(f) if f.queries.len() == 3))
        else {
            panic!("no latency fetch in {fx:?}");
        };
        let (start, step) = spec.range.unwrap_or((0.0, 0.0));
        assert_eq!(spec.at - start, 3600.0);
        assert_eq!(step, 15.0);
    }

    #[test]
    fn load_result_clears_in_flight_and_schedules_next() {
        let mut s = demo_state();
        update(&mut s, Action::Tick, t(100));
        let series = vec![Series {
            labels: Default::default(),
            points: vec![(100.0, 0.02)],
        }];
        let err_panel = s
            .panels
            .iter()
            .position(|p| p.id == "error-rate")
            .unwrap_or(0);
        update(
            &mut s,
            Action::PanelLoaded {
                panel: err_panel,
                result: Ok(vec![series]),
            },
            t(101),
        );
        let p = &s.panels[err_panel];
        assert!(!p.in_flight);
        assert_eq!(p.status(), crate::state::Status::Crit);
        assert_eq!(p.display(), "2%");
        // Due again after the refresh interval (5 s in the demo), not before.
        assert!(update(&mut s, Action::Tick, t(103)).is_empty());
        let fx = update(&mut s, Action::Tick, t(106));
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::Fetch(f) if f.panel == err_panel))
        );
    }

    #[test]
    fn failure_keeps_last_data_and_marks_source() {
        let mut s = demo_state();
        update(&mut s, Action::Tick, t(100));
        let ok = vec![vec![Series {
            labels: Default::default(),
            points: vec![(100.0, 850.0)],
        }]];
        update(
            &mut s,
            Action::PanelLoaded {
                panel: 1,
                result: Ok(ok),
            },
            t(101),
        );
        let err = LoadError {
            message: "cannot connect: connection refused".into(),
            source_down: true,
        };
        update(
            &mut s,
            Action::PanelLoaded {
                panel: 1,
                result: Err(err),
            },
            t(110),
        );
        let p = &s.panels[1];
        assert_eq!(p.status(), crate::state::Status::Error);
        assert!(p.is_stale());
        assert_eq!(p.value(), 850.0);
        let src = s.source("prom").map(|s| s.status());
        assert_eq!(src, Some(crate::state::SourceStatus::Stale));
    }

    #[test]
    fn focus_moves_by_grid() {
        let mut s = demo_state();
        update(&mut s, Action::Down, t(0));
        assert_eq!(s.focus, 4, "from the first stat down to the latency chart");
        update(&mut s, Action::Right, t(0));
        assert_eq!(s.focus, 5);
        update(&mut s, Action::Down, t(0));
        assert_eq!(
            s.focus, 8,
            "traffic (col 14) is nearest slow queries (col 16)"
        );
        update(&mut s, Action::FocusPrev, t(0));
        assert_eq!(s.focus, 7);
        update(&mut s, Action::Bottom, t(0));
        assert_eq!(s.focus, 8);
        update(&mut s, Action::FocusNext, t(0));
        assert_eq!(s.focus, 0);
    }

    #[test]
    fn keys_quit_and_help() {
        let mut s = demo_state();
        update(&mut s, Action::ToggleHelp, t(0));
        assert!(s.show_help);
        update(&mut s, Action::Back, t(0));
        assert!(!s.show_help);
        update(&mut s, Action::Quit, t(0));
        assert!(s.should_quit);
    }
}
