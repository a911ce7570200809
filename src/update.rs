//! The reducer: `(State, Action, now) -> Effects`. Pure: no IO, no await, no clock of its own.

mod feeds;
mod incidents;
mod notify;
mod recover;
pub use recover::SILENCE_ENDED_BY;
mod runbooks;

use crate::action::{Action, Effect, FetchSpec};
use crate::config::PanelKind;
use crate::incidents::journal::Event;
use crate::state::{LoadError, State};
use chrono::{DateTime, Utc};

/// Points asked for per range query (charts are at most ~2 points per terminal cell wide).
const CHART_POINTS: f64 = 240.0;

/// The step of a timeseries chart's range query, in seconds, for `history` seconds of history.
pub fn chart_step(history: f64) -> f64 {
    grid_step(history, CHART_POINTS)
}

/// The step, in whole seconds, of a grid of about `points` points over `history` seconds.
fn grid_step(history: f64, points: f64) -> f64 {
    (history / points).ceil().max(1.0)
}

/// `(start, end, step)`: `history` seconds on the grid of `step`, ending at the grid point `end`.
/// Start and end move together, once a step.
fn window_to(end: f64, history: f64, step: f64) -> (f64, f64, f64) {
    (end - (history / step).ceil() * step, end, step)
}

/// `(start, end, step)` of a timeseries chart at `at` (unix seconds), on a fixed grid: a point
/// once drawn keeps its place and value, and the chart moves only when a step has passed. The
/// end is the first grid point at or after `at` (Prometheus evaluates it with the latest
/// samples), so the newest data is always on screen. The query and the drawing both use this.
///
/// With the chart's width in braille columns (`dots`, two per cell) the grid is the chart's:
/// one point per column, `dots - 1` steps of at least `history / (dots - 1)` from the start to
/// [`chart_right`] (the end rounded up to a whole cell). Every point then falls on a column,
/// and the picture moves on by a whole cell, which the terminal can be told to do in a few
/// bytes per row, instead of by a fraction of a column that changes every cell.
pub fn chart_window(history: f64, at: f64, dots: Option<u16>) -> (f64, f64, f64) {
    let Some(dots) = dots.filter(|&d| d >= 4) else {
        let step = chart_step(history);
        return window_to((at / step).ceil() * step, history, step);
    };
    // In milliseconds, so that the grid is exact and the same at every refresh.
    let gaps = i64::from(dots - 1);
    let step = ceil_div((history * 1000.0).ceil() as i64, gaps).max(1);
    let end = ceil_div((at * 1000.0).floor() as i64, step) * step;
    let right = ceil_div(end, 2 * step) * 2 * step;
    let ms = |v: i64| v as f64 / 1000.0;
    (ms(right - gaps * step), ms(end), ms(step))
}

/// The right edge of a chart drawn on [`chart_window`]'s grid of `dots` columns: its end,
/// rounded up to a whole cell (two columns).
pub fn chart_right(end: f64, step: f64) -> f64 {
    let (end, step) = (
        (end * 1000.0).round() as i64,
        (step * 1000.0).round() as i64,
    );
    let cell = 2 * step.max(1);
    (ceil_div(end, cell) * cell) as f64 / 1000.0
}

/// `a / b` rounded up, for `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b) + i64::from(a.rem_euclid(b) != 0)
}

const SPARK_POINTS: f64 = 60.0;

/// `(start, end, step)` of a stat panel's sparkline at `at`: [`SPARK_POINTS`] steps on a fixed
/// grid ending at the last grid point at or before `at`. Between steps the panel asks only for
/// its latest value, which becomes the sparkline's newest bar.
pub fn spark_window(history: f64, at: f64) -> (f64, f64, f64) {
    let step = grid_step(history, SPARK_POINTS);
    window_to((at / step).floor() * step, history, step)
}

/// Seconds a panel's data stays on time under this schedule: its own interval (a chart is asked
/// once its grid step has passed, at the refresh after it) and one refresh more. Older data is
/// late, and its title says how old it is; data on time shows no number, so nothing in a healthy
/// board's titles changes every second.
pub fn on_time_for(p: &crate::state::PanelState) -> f64 {
    let step = match p.cfg.kind {
        PanelKind::Timeseries => p
            .window
            .map_or_else(|| chart_step(p.cfg.history().as_secs_f64()), |w| w.2),
        _ => 0.0,
    };
    (step + 2.0 * p.refresh.as_secs_f64()).ceil()
}

pub fn update(state: &mut State, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    state.now = now;
    state.dirty = true;
    let replayed = matches!(action, Action::JournalLoaded { .. });
    let incidents_may_change = matches!(
        action,
        Action::Tick
            | Action::AlertsLoaded { .. }
            | Action::RuleLoaded { .. }
            | Action::SilenceCreated { .. }
            | Action::SilenceExpired { .. }
    );
    let mut effects = dispatch(state, action, now);
    if incidents_may_change {
        effects.extend(notify::decide(state, now));
    }
    // Journal events show in the incident's timeline at once.
    let mut journaled = replayed;
    for e in &effects {
        if let Effect::Journal(ev) = e {
            journaled = true;
            state
                .incidents
                .timeline
                .entry(ev.incident.clone())
                .or_default()
                .push(ev.clone());
        }
    }
    if journaled {
        refresh_stats(state);
    }
    effects
}

/// The incidents panel's response-time line, from the whole journal.
fn refresh_stats(state: &mut State) {
    let mut events: Vec<Event> = state
        .incidents
        .timeline
        .values()
        .flatten()
        .cloned()
        .collect();
    events.sort_by_key(|e| e.ts);
    let tz = state.zone();
    let stats = crate::incidents::stats::response_stats(&events, &state.severity, tz);
    state.incidents.stats_line = crate::incidents::stats::footer_line(&stats);
}

fn dispatch(state: &mut State, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let in_incidents = state.focused_kind() == Some(PanelKind::Incidents);
    if let Some(fx) = runbooks::key(state, &action) {
        return fx;
    }
    if state.incidents.detail.is_none() {
        if let Some(fx) = feeds::key(state, &action) {
            return fx;
        }
    }
    match action {
        Action::Tick => {
            if state.wall && now >= state.next_rotate && state.pages.len() > 1 {
                state.page = (state.page + 1) % state.pages.len();
                state.focus = 0;
                state.next_rotate = now
                    + chrono::Duration::from_std(state.wall_rotate)
                        .unwrap_or(chrono::Duration::seconds(20));
            }
            return schedule(state, now);
        }
        Action::Quit => state.should_quit = true,
        Action::Suspend => return vec![Effect::Suspend],
        Action::ToggleHelp => state.show_help = !state.show_help,
        Action::Back => {
            if state.incidents.detail.take().is_none() {
                state.show_help = false;
            }
        }
        Action::Enter if in_incidents => {
            state.incidents.detail = state.incidents.selected.clone();
        }
        Action::Enter => {}
        Action::FocusNext => cycle_focus(state, 1),
        Action::FocusPrev => cycle_focus(state, -1),
        Action::Left => cycle_focus(state, -1),
        Action::Right => cycle_focus(state, 1),
        Action::Up if in_incidents && !at_edge(state, -1) => state.incidents.select_by(-1),
        Action::Down if in_incidents && !at_edge(state, 1) => state.incidents.select_by(1),
        Action::Top if in_incidents => state.incidents.select_first(),
        Action::Bottom if in_incidents => state.incidents.select_last(),
        Action::Up => move_row(state, -1),
        Action::Down => move_row(state, 1),
        Action::Top => state.focus = 0,
        Action::Bottom => state.focus = state.page_panels().len().saturating_sub(1),
        Action::Page(n) => {
            if n >= state.pages.len() {
                state.message = Some(match state.pages.len() {
                    1 => format!("no page {}: this board has one page", n + 1),
                    len => format!("no page {}: this board has pages 1 to {len}", n + 1),
                });
            } else if n != state.page {
                state.page = n;
                state.focus = 0;
                state.incidents.detail = None;
                return schedule(state, now);
            }
        }
        Action::RefreshNow => {
            for p in &mut state.panels {
                p.next_due = now;
                p.window = None;
            }
            for s in &mut state.incidents.alert_sources {
                s.next_due = now;
            }
            for r in &mut state.incidents.rules {
                r.next_due = now;
            }
            return schedule(state, now);
        }
        Action::Resize => {}
        Action::Size(w, h) => state.size = (w, h),
        // Handled by the driver (it reads the file); here only a redraw.
        Action::ConfigChanged(_) => {}
        Action::Click(x, y) => click(state, x, y),
        Action::Acknowledge => return incidents::acknowledge(state, now),
        Action::Unacknowledge => return incidents::unacknowledge(state, now),
        Action::Resolve => return incidents::resolve(state, now),
        Action::StartNote => incidents::start_note(state),
        Action::Postmortem => return incidents::postmortem(state),
        Action::InputChar(c) => {
            if let Some(i) = &mut state.input {
                if i.text.chars().count() < 500 {
                    i.text.push(c);
                }
            }
        }
        Action::InputBackspace => {
            if let Some(i) = &mut state.input {
                i.text.pop();
            }
        }
        Action::InputSubmit => {
            let Some(input) = state.input.take() else {
                return Vec::new();
            };
            match input.purpose {
                crate::state::InputPurpose::Note { incident } => {
                    return incidents::submit_note(state, &incident, &input.text, now);
                }
                crate::state::InputPurpose::Search { panel } => {
                    feeds::submit_search(state, panel, &input.text);
                }
            }
        }
        Action::LogsLoaded { panel, result } => feeds::logs_loaded(state, panel, result, now),
        Action::Tail { panel, event } => feeds::tail_event(state, panel, event, now),
        Action::ErrorsLoaded {
            panel,
            result,
            retry_after,
        } => feeds::errors_loaded(state, panel, result, retry_after, now),
        Action::OpenLink if in_incidents || state.incidents.detail.is_some() => {
            return runbooks::open(state);
        }
        Action::CopyLink if in_incidents || state.incidents.detail.is_some() => {
            return runbooks::copy(state);
        }
        Action::RunCommands if in_incidents || state.incidents.detail.is_some() => {
            runbooks::commands(state);
        }
        Action::RunCommands => {
            state.message = Some("x works on an incident (Tab to the incidents panel)".into());
        }
        Action::CancelCommand | Action::PageUp | Action::PageDown => {}
        Action::RunbookLoaded { title, result, .. } => runbooks::loaded(state, title, result),
        Action::CommandOutput { incident, event } => {
            return runbooks::output(state, incident, event, now);
        }
        Action::ToggleLevel(_)
        | Action::Follow
        | Action::StartSearch
        | Action::SearchNext
        | Action::SearchPrev
        | Action::OpenLink
        | Action::CopyLink => {
            state.message =
                Some("that key works in a logs, errors or incidents panel (Tab to it)".into());
        }
        Action::InputCancel => state.input = None,
        Action::PanelLoaded { panel, result } => loaded(state, panel, result, now),
        Action::AlertsLoaded { source, result } => {
            return incidents::alerts_loaded(state, &source, result, now);
        }
        Action::RuleLoaded { rule, result } => {
            return incidents::rule_loaded(state, rule, result, now);
        }
        Action::JournalLoaded { events, warnings } => journal_loaded(state, events, warnings, now),
        Action::SilenceCreated { incident, result } => {
            return incidents::silence_created(state, &incident, result, now);
        }
        Action::SilenceExpired { incident, result } => {
            return incidents::silence_expired(state, &incident, result, now);
        }
        Action::FileWritten { what, result } => {
            state.message = Some(match result {
                Ok(path) => format!("{what} written to {}", path.display()),
                Err(e) => format!("{what} not written: {e}"),
            });
        }
        Action::Message(m) => state.message = Some(m),
        Action::NotifyReady(channels) => {
            if let Some(w) = &channels.banner_warning {
                state.message = Some(w.clone());
            }
            state.notify.channels = Some(channels);
        }
        Action::Desktop(event) => return notify::desktop(state, event, now),
        Action::Snooze => notify::snooze(state, now),
        Action::PaletteOpen => state.palette = Some(crate::palette::Palette::default()),
        Action::PaletteClose => state.palette = None,
        Action::PaletteChar(c) => {
            if let Some(p) = &mut state.palette {
                p.push(c);
            }
        }
        Action::PaletteBackspace => {
            if let Some(p) = &mut state.palette {
                p.backspace();
            }
        }
        Action::PaletteUp => {
            if let Some(p) = &mut state.palette {
                p.up();
            }
        }
        Action::PaletteDown => {
            let n = state.palette.as_ref().map_or(0, |p| {
                crate::palette::filter(&crate::palette::entries(state), &p.query).len()
            });
            if let Some(p) = &mut state.palette {
                p.down(n);
            }
        }
        Action::PaletteSubmit => {
            let Some(p) = state.palette.take() else {
                return Vec::new();
            };
            let results = crate::palette::filter(&crate::palette::entries(state), &p.query);
            let target = p.chosen(&results).cloned();
            if let Some(action) = target.and_then(|t| crate::palette::apply(state, &t)) {
                return dispatch(state, action, now);
            }
        }
        Action::NextTheme => {
            if !state.theme_names.is_empty() {
                state.theme = (state.theme + 1) % state.theme_names.len();
                state.message = Some(format!("theme: {}", state.theme_names[state.theme]));
            }
        }
    }
    Vec::new()
}

/// A click focuses the panel under it; in the incidents panel it also selects the row.
fn click(state: &mut State, x: u16, y: u16) {
    let (w, h) = state.size;
    let full = ratatui::layout::Rect::new(0, 0, w, h);
    let body = crate::ui::body_area(state, full);
    let hit = crate::ui::panel_rects(state, body)
        .into_iter()
        .find(|(_, r)| r.contains(ratatui::layout::Position::new(x, y)));
    let Some((pos, rect)) = hit else {
        return;
    };
    state.focus = pos;
    if state.focused_kind() == Some(PanelKind::Incidents) {
        // Inside the border, the first line holds the counts; incidents follow.
        let row = usize::from(y.saturating_sub(rect.y + 2));
        if y > rect.y + 1 && row < state.incidents.list.len() {
            state.incidents.selected = Some(state.incidents.list[row].id.clone());
        }
    }
}

/// Whether moving the incident selection by `delta` would leave the list (then the focus moves
/// to the neighbouring panel instead).
fn at_edge(state: &State, delta: isize) -> bool {
    let n = state.incidents.list.len();
    match state.incidents.selected_index() {
        None => true,
        Some(i) => (delta < 0 && i == 0) || (delta > 0 && i + 1 >= n),
    }
}

/// The journal was read at start: timelines, local acknowledgements, open episodes.
fn journal_loaded(
    state: &mut State,
    events: Vec<Event>,
    warnings: Vec<String>,
    now: DateTime<Utc>,
) {
    let folded = crate::incidents::journal::fold(&events);
    for (id, f) in &folded {
        let open = f
            .resolved_at
            .is_none_or(|r| f.detected_at.is_some_and(|d| d > r));
        if open && f.detected_at.is_some() {
            state.incidents.journaled.insert(id.clone());
        }
        if let (Some(by), Some(at), true) = (&f.acked_by, f.acked_at, f.silence_id.is_none()) {
            if open {
                state
                    .incidents
                    .local_acks
                    .insert(id.clone(), (by.clone(), at));
            }
        }
    }
    for ev in events {
        state
            .incidents
            .timeline
            .entry(ev.incident.clone())
            .or_default()
            .push(ev);
    }
    state.incidents.journal_loaded = true;
    if let Some(w) = warnings.first() {
        state.message = Some(format!("journal: {w}"));
    }
    state.incidents.rebuild(now);
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
    match result {
        Ok(results) => {
            match p.window {
                Some((_, grid_end, _)) if p.cfg.kind == PanelKind::Stat && !p.asked_range => {
                    p.apply_latest(results, grid_end, now)
                }
                _ => p.apply(results, now),
            }
            state.source_ok(&source_id, now);
        }
        Err(e) => {
            p.failed(e.message.clone());
            p.window = None;
            if e.source_down {
                state.source_failed(&source_id, e.message, now);
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
        if matches!(
            state.panels[i].cfg.kind,
            PanelKind::Logs | PanelKind::Errors
        ) {
            effects.extend(feeds::schedule(state, i, now));
            continue;
        }
        let p = &state.panels[i];
        if p.in_flight || now < p.next_due || !p.cfg.kind.has_query() {
            continue;
        }
        let dots = if p.cfg.kind == PanelKind::Timeseries {
            crate::ui::chart_dots(state, i)
        } else {
            None
        };
        let p = &mut state.panels[i];
        p.next_due = now
            + chrono::Duration::from_std(p.refresh)
                .unwrap_or_else(|_| chrono::Duration::seconds(10));
        let history = p.cfg.history().as_secs_f64();
        let range = match p.cfg.kind {
            PanelKind::Timeseries => {
                // A chart is asked again once its grid has moved a step (`r` and a failed
                // answer forget the window, so they ask at once).
                let w = chart_window(history, at, dots);
                if p.window == Some(w) {
                    continue;
                }
                p.window = Some(w);
                Some(w)
            }
            PanelKind::Stat => {
                // The sparkline's range once its grid has moved a step, else the latest value.
                let w = spark_window(history, at);
                p.asked_range = p.window != Some(w) || p.series.is_empty();
                p.window = Some(w);
                p.asked_range.then_some(w)
            }
            _ => None,
        };
        p.in_flight = true;
        effects.push(Effect::Fetch(FetchSpec {
            panel: i,
            source: p.source.clone(),
            queries: p.queries.iter().map(|q| q.query.clone()).collect(),
            at,
            range,
            latest: p.cfg.kind == PanelKind::Stat,
            alone: p.cfg.kind == PanelKind::Slo,
        }));
    }
    effects.extend(schedule_incidents(state, now, at));
    effects
}

/// Alert sources and rules poll whatever page is on screen: incidents matter everywhere.
fn schedule_incidents(state: &mut State, now: DateTime<Utc>, at: f64) -> Vec<Effect> {
    let mut effects = Vec::new();
    let later = |d: std::time::Duration| {
        now + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::seconds(10))
    };
    for s in &mut state.incidents.alert_sources {
        if s.in_flight || now < s.next_due {
            continue;
        }
        s.in_flight = true;
        s.next_due = later(s.refresh);
        effects.push(Effect::FetchAlerts {
            source: s.id.clone(),
            kind: s.kind,
        });
    }
    for (i, r) in state.incidents.rules.iter_mut().enumerate() {
        if r.in_flight || now < r.next_due {
            continue;
        }
        r.in_flight = true;
        r.next_due = later(r.refresh);
        effects.push(Effect::FetchRule {
            rule: i,
            source: r.cfg.source.clone(),
            query: r.cfg.query.clone(),
            at,
        });
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

    /// The built-in board (without the demo's rotation and SLO, so panel positions are the
    /// board's own).
    fn demo_state() -> State {
        let mut cfg = Config::demo("http://127.0.0.1:1", &[]);
        cfg.oncall.members.clear();
        cfg.slo = None;
        State::new(&cfg, DateTime::<Utc>::UNIX_EPOCH)
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(secs)
    }

    /// On a chart's own grid every point falls on a braille column, the window covers the
    /// history, and it moves on by whole cells (two columns) only.
    #[test]
    fn a_charts_grid_is_one_point_per_column_and_moves_by_cells() {
        for dots in [8u16, 68, 216, 400] {
            for history in [300.0, 3600.0, 86_400.0] {
                let mut last_right: Option<f64> = None;
                let mut at = 1_796_000_000.123;
                while at < 1_796_000_000.0 + 3.0 * history {
                    let (start, end, step) = chart_window(history, at, Some(dots));
                    let right = chart_right(end, step);
                    let gaps = f64::from(dots - 1);
                    assert!((right - start - gaps * step).abs() < 1e-6);
                    assert!(gaps * step >= history && gaps * step < history + gaps * 0.001 + 1e-6);
                    assert!(end >= at && end - at < step + 1e-6, "{end} for {at}");
                    assert!(right >= end && right - end < 2.0 * step);
                    // Points of the grid land on columns: (t - start) / step is whole.
                    let k = (end - start) / step;
                    assert!((k - k.round()).abs() < 1e-6, "{dots} {history}: {k}");
                    if let Some(r) = last_right {
                        let cells = (right - r) / (2.0 * step);
                        assert!((cells - cells.round()).abs() < 1e-6, "moved {cells} cells");
                    }
                    last_right = Some(right);
                    at += step * 0.7;
                }
            }
        }
        // Without a width (not on screen yet): the history's own grid.
        let (start, end, step) = chart_window(3600.0, 1000.5, None);
        assert_eq!((step, end - start), (chart_step(3600.0), 3600.0));
    }

    #[test]
    fn a_page_key_past_the_last_page_says_which_pages_there_are() {
        let mut s = demo_state();
        assert_eq!(s.pages.len(), 1);
        let fx = update(&mut s, Action::Page(1), t(1));
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(s.page, 0);
        assert_eq!(
            s.message.as_deref(),
            Some("no page 2: this board has one page")
        );
        s.pages.push(s.pages[0].clone());
        update(&mut s, Action::Page(4), t(2));
        assert_eq!(
            s.message.as_deref(),
            Some("no page 5: this board has pages 1 to 2")
        );
        update(&mut s, Action::Page(1), t(3));
        assert_eq!(s.page, 1);
    }

    #[test]
    fn first_tick_polls_every_visible_panel_once() {
        let mut s = demo_state();
        let fx = update(&mut s, Action::Tick, t(100));
        let fetches = fx.iter().filter(|e| matches!(e, Effect::Fetch(_))).count();
        let with_queries = s
            .page_panels()
            .iter()
            .filter(|&&i| s.panels[i].cfg.kind.has_query())
            .count();
        assert_eq!(fetches, with_queries);
        // Without an Alertmanager, Prometheus's own alerts feed the incidents.
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::FetchAlerts { source, .. } if source == "prom"))
        );
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
        let (start, end, step) = spec.range.unwrap_or((0.0, 0.0, 0.0));
        assert_eq!(step, 15.0);
        // An hour on the 15 s grid, so that points keep their timestamps; the end is the grid
        // point at or just after now.
        assert_eq!(start % 15.0, 0.0, "{start}");
        assert_eq!(end % 15.0, 0.0, "{end}");
        assert_eq!(end - start, 3600.0);
        assert!((0.0..15.0).contains(&(end - spec.at)), "{end}");
    }

    /// Answers every fetch in `fx` with one series of one point.
    fn answer(s: &mut State, fx: &[Effect], now: DateTime<Utc>) {
        for e in fx {
            if let Effect::Fetch(f) = e {
                let series = Series {
                    labels: Default::default(),
                    points: vec![(f.at, 1.0)],
                };
                let result = Ok(vec![vec![series]; f.queries.len()]);
                update(
                    s,
                    Action::PanelLoaded {
                        panel: f.panel,
                        result,
                    },
                    now,
                );
            }
        }
    }

    /// The first panel `pick` chooses.
    fn panel_where(s: &State, pick: impl Fn(&crate::state::PanelState) -> bool) -> usize {
        s.panels.iter().position(pick).unwrap_or(usize::MAX)
    }

    fn fetched(fx: &[Effect], panel: usize) -> bool {
        fx.iter()
            .any(|e| matches!(e, Effect::Fetch(f) if f.panel == panel))
    }

    #[test]
    fn a_chart_is_asked_again_only_when_its_grid_has_moved() {
        let mut s = demo_state();
        let chart = panel_where(&s, |p| {
            p.cfg.kind == PanelKind::Timeseries && p.cfg.history().as_secs_f64() == 3600.0
        });
        let stat = panel_where(&s, |p| p.cfg.kind == PanelKind::Stat);
        // 1 h of history: a 15 s grid. 10 005 s is a third of the way into a step.
        let fx = update(&mut s, Action::Tick, t(10_005));
        assert!(fetched(&fx, chart) && fetched(&fx, stat));
        answer(&mut s, &fx, t(10_005));
        let refresh = s.panels[chart].refresh.as_secs() as i64;
        let mut asked = Vec::new();
        for secs in (10_005 + refresh..10_050).step_by(refresh as usize) {
            let fx = update(&mut s, Action::Tick, t(secs));
            if fetched(&fx, chart) {
                asked.push(secs);
            }
            answer(&mut s, &fx, t(secs));
        }
        // Once per step: on the first refresh after each of 10 005 s, 10 020 s and 10 035 s
        // (refreshes every 5 s from 10 010 s to 10 045 s; 10 005 s was the first answer).
        assert_eq!(asked, [10_010, 10_025, 10_040]);
        // A stat panel is asked on every refresh.
        let fx = update(&mut s, Action::Tick, t(10_100));
        assert!(fetched(&fx, stat));
        // `r` asks the chart at once, grid or not.
        answer(&mut s, &fx, t(10_100));
        let fx = update(&mut s, Action::RefreshNow, t(10_101));
        assert!(fetched(&fx, chart));
        answer(&mut s, &fx, t(10_101));
        // A failed answer is asked again at the next refresh, in the same step.
        let err = Err(LoadError {
            message: "down".into(),
            source_down: true,
        });
        update(
            &mut s,
            Action::PanelLoaded {
                panel: chart,
                result: err,
            },
            t(10_101),
        );
        let fx = update(&mut s, Action::Tick, t(10_101 + refresh));
        assert!(fetched(&fx, chart));
        // When another panel finds the source down, the chart is asked at its next refresh too.
        // (10 126 s asks for the grid ending at 10 140 s; 10 131 s and 10 136 s are in it.)
        answer(&mut s, &fx, t(10_101 + refresh));
        let fx = update(&mut s, Action::Tick, t(10_126));
        answer(&mut s, &fx, t(10_126));
        let at = 10_126 + refresh;
        let fx = update(&mut s, Action::Tick, t(at));
        assert!(fetched(&fx, stat) && !fetched(&fx, chart), "{fx:?}");
        let down = Err(LoadError {
            message: "down".into(),
            source_down: true,
        });
        update(
            &mut s,
            Action::PanelLoaded {
                panel: stat,
                result: down,
            },
            t(at),
        );
        let fx = update(&mut s, Action::Tick, t(at + refresh));
        assert!(fetched(&fx, chart));
    }

    #[test]
    fn a_source_that_comes_back_has_its_failed_slow_panels_asked_at_once() {
        let mut s = demo_state();
        let stat = panel_where(&s, |p| p.cfg.kind == PanelKind::Stat);
        let slow = panel_where(&s, |p| {
            p.cfg.kind == PanelKind::Gauge && p.source == s.panels[stat].source
        });
        // Asked every 30 s, like an error budget.
        s.panels[slow].refresh = std::time::Duration::from_secs(30);
        let refresh = s.panels[stat].refresh.as_secs() as i64;
        let down = |s: &mut State, panel: usize, now: i64| {
            let result = Err(LoadError {
                message: "connection refused".into(),
                source_down: true,
            });
            update(s, Action::PanelLoaded { panel, result }, t(now));
        };
        let fx = update(&mut s, Action::Tick, t(10_000));
        assert!(fetched(&fx, stat) && fetched(&fx, slow));
        down(&mut s, stat, 10_000);
        down(&mut s, slow, 10_000);
        assert!(s.panels[slow].error.is_some());
        // While the source is down, the slow panel waits for its own refresh.
        let now = 10_000 + refresh;
        let fx = update(&mut s, Action::Tick, t(now));
        assert!(fetched(&fx, stat) && !fetched(&fx, slow), "{fx:?}");
        down(&mut s, stat, now);
        let now = now + refresh;
        let fx = update(&mut s, Action::Tick, t(now));
        assert!(!fetched(&fx, slow));
        // The stat's answer says the source is back: the slow panel is asked at the next tick.
        answer(&mut s, &fx, t(now));
        assert!(s.panels[slow].error.is_some());
        let fx = update(&mut s, Action::Tick, t(now + 1));
        assert!(fetched(&fx, slow), "{fx:?}");
        answer(&mut s, &fx, t(now + 1));
        assert!(s.panels[slow].error.is_none());
        // Once it has its data, it goes back to its own refresh.
        let fx = update(&mut s, Action::Tick, t(now + 1 + refresh));
        assert!(!fetched(&fx, slow));
    }

    #[test]
    fn a_stat_asks_its_sparkline_once_a_step_and_its_latest_value_between() {
        let mut s = demo_state();
        let stat = panel_where(&s, |p| p.cfg.kind == PanelKind::Stat);
        let refresh = s.panels[stat].refresh.as_secs() as i64;
        // 30 min of history: a 30 s grid.
        let spec = |fx: &[Effect]| {
            fx.iter().find_map(|e| match e {
                Effect::Fetch(f) if f.panel == stat => Some(f.clone()),
                _ => None,
            })
        };
        let fx = update(&mut s, Action::Tick, t(10_005));
        let first = spec(&fx).unwrap_or_else(|| panic!("no fetch in {fx:?}"));
        assert_eq!(first.range, Some((8_190.0, 9_990.0, 30.0)));
        assert!(first.latest, "the headline number is the value now");
        // The answer: the grid's points and the latest value.
        let mut points: Vec<(f64, f64)> =
            (0..=60).map(|i| (8_190.0 + 30.0 * i as f64, 1.0)).collect();
        points.push((10_005.0, 2.0));
        let series = |points: Vec<(f64, f64)>| {
            Ok(vec![vec![Series {
                labels: Default::default(),
                points,
            }]])
        };
        update(
            &mut s,
            Action::PanelLoaded {
                panel: stat,
                result: series(points),
            },
            t(10_005),
        );
        // Within the step: only the latest value, which replaces the newest point.
        let at = 10_005 + refresh;
        let fx = update(&mut s, Action::Tick, t(at));
        let next = spec(&fx).unwrap_or_else(|| panic!("no fetch in {fx:?}"));
        assert_eq!(next.range, None);
        update(
            &mut s,
            Action::PanelLoaded {
                panel: stat,
                result: series(vec![(at as f64, 3.0)]),
            },
            t(at),
        );
        let p = &s.panels[stat];
        assert_eq!(p.series[0].points.len(), 62);
        assert_eq!(p.series[0].points[60], (9_990.0, 1.0));
        assert_eq!(p.series[0].points[61], (at as f64, 3.0));
        assert_eq!(p.value(), 3.0);
        // Once the grid has moved: the range again.
        let fx = update(&mut s, Action::Tick, t(10_021 + refresh));
        let moved = spec(&fx).unwrap_or_else(|| panic!("no fetch in {fx:?}"));
        assert_eq!(moved.range.map(|r| r.1), Some(10_020.0));
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
        assert_eq!(s.focus, 4, "from the first stat down to the incidents");
        update(&mut s, Action::Down, t(0));
        assert_eq!(
            s.focus, 5,
            "no incidents to select: on to the latency chart"
        );
        update(&mut s, Action::Right, t(0));
        assert_eq!(s.focus, 6);
        update(&mut s, Action::Down, t(0));
        assert_eq!(
            s.focus, 9,
            "traffic (col 14) is nearest slow queries (col 16)"
        );
        update(&mut s, Action::FocusPrev, t(0));
        assert_eq!(s.focus, 8);
        update(&mut s, Action::Bottom, t(0));
        assert_eq!(s.focus, 9);
        update(&mut s, Action::FocusNext, t(0));
        assert_eq!(s.focus, 0);
    }

    #[test]
    fn a_click_focuses_the_panel_under_it() {
        let mut s = demo_state();
        update(&mut s, Action::Size(80, 24), t(0));
        // 80 columns, four stat panels of 20 in the first row (below the header).
        update(&mut s, Action::Click(45, 3), t(0));
        assert_eq!(s.focus, 2, "the third panel: Error rate");
        update(&mut s, Action::Click(5, 8), t(0));
        assert_eq!(s.panels[s.focused_panel().unwrap_or(0)].id, "incidents");
        update(&mut s, Action::Click(79, 0), t(0));
        assert_eq!(
            s.panels[s.focused_panel().unwrap_or(0)].id,
            "incidents",
            "header: nothing"
        );
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
