//! Logs and errors panels: polling without gaps, live tail, filters, search, selection, links.

use crate::action::{Action, Effect};
use crate::config::PanelKind;
use crate::sources::loki::{Level, TailEvent};
use crate::state::{InputPurpose, LoadError, State};
use chrono::{DateTime, Utc};

/// Lines asked per poll unless the panel says otherwise.
pub const DEFAULT_LIMIT: u32 = 500;
/// How far back the first poll of a logs panel looks.
const FIRST_LOOKBACK_NS: i128 = 3600 * 1_000_000_000;

fn ns(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
}

/// The poll (or tail start) of a logs or errors panel that is due.
pub fn schedule(state: &mut State, i: usize, now: DateTime<Utc>) -> Option<Effect> {
    let p = &mut state.panels[i];
    if p.in_flight || now < p.next_due {
        return None;
    }
    let later = chrono::Duration::from_std(p.refresh).unwrap_or(chrono::Duration::seconds(10));
    match p.cfg.kind {
        PanelKind::Logs => {
            let logs = p.logs.as_ref()?;
            let query = p.cfg.query.clone()?;
            p.in_flight = true;
            p.next_due = now + later;
            if p.cfg.live {
                // One tail task for the panel's lifetime; it reconnects by itself.
                p.next_due = DateTime::<Utc>::MAX_UTC;
                return Some(Effect::StartTail {
                    panel: i,
                    source: p.source.clone(),
                    query,
                    start_ns: logs.cursor.next_start(ns(now), FIRST_LOOKBACK_NS),
                });
            }
            Some(Effect::FetchLogs {
                panel: i,
                source: p.source.clone(),
                query,
                start_ns: logs.cursor.next_start(ns(now), FIRST_LOOKBACK_NS),
                end_ns: ns(now) + 1,
                limit: p.cfg.limit.unwrap_or(DEFAULT_LIMIT),
                first: logs.cursor.last_ns().is_none(),
            })
        }
        PanelKind::Errors => {
            p.in_flight = true;
            p.next_due = now + later;
            Some(Effect::FetchErrors {
                panel: i,
                source: p.source.clone(),
                sort: p.cfg.sort.clone().unwrap_or_else(|| "date".into()),
                max_pages: p.cfg.max_pages.unwrap_or(3),
            })
        }
        _ => None,
    }
}

pub fn logs_loaded(
    state: &mut State,
    panel: usize,
    result: Result<Vec<crate::sources::loki::LogEntry>, LoadError>,
    now: DateTime<Utc>,
) {
    let Some(p) = state.panels.get_mut(panel) else {
        return;
    };
    p.in_flight = false;
    let source = p.source.clone();
    match result {
        Ok(batch) => {
            let full = batch.len() >= p.cfg.limit.unwrap_or(DEFAULT_LIMIT) as usize;
            if let Some(logs) = &mut p.logs {
                let fresh = logs.cursor.accept(batch);
                logs.push(fresh);
            }
            p.updated_at = Some(now);
            p.error = None;
            // A full page means more is waiting: ask again at once.
            if full {
                p.next_due = now;
            }
            state.source_ok(&source, now);
        }
        Err(e) => {
            p.error = Some(e.message.clone());
            if e.source_down {
                state.source_failed(&source, e.message, now);
            }
        }
    }
}

pub fn tail_event(state: &mut State, panel: usize, event: TailEvent, now: DateTime<Utc>) {
    let Some(p) = state.panels.get_mut(panel) else {
        return;
    };
    let source = p.source.clone();
    let Some(logs) = &mut p.logs else { return };
    match event {
        TailEvent::Entries(batch) => {
            let fresh = logs.cursor.accept(batch);
            logs.push(fresh);
            p.updated_at = Some(now);
            p.error = None;
            state.source_ok(&source, now);
        }
        TailEvent::Dropped(n) => logs.dropped += n,
        TailEvent::Connected => {
            logs.live_connected = true;
            p.error = None;
        }
        TailEvent::Disconnected(why) => {
            logs.live_connected = false;
            p.error = Some(format!("tail disconnected ({why}); reconnecting"));
            state.source_failed(&source, why, now);
        }
    }
}

pub fn errors_loaded(
    state: &mut State,
    panel: usize,
    result: Result<Vec<crate::sources::sentry::SentryIssue>, LoadError>,
    retry_after: Option<std::time::Duration>,
    now: DateTime<Utc>,
) {
    let Some(p) = state.panels.get_mut(panel) else {
        return;
    };
    p.in_flight = false;
    let source = p.source.clone();
    if let Some(wait) = retry_after {
        p.next_due = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::minutes(1));
    }
    match result {
        Ok(issues) => {
            if let Some(view) = &mut p.errors {
                view.replace(issues);
            }
            p.updated_at = Some(now);
            p.error = None;
            state.source_ok(&source, now);
        }
        Err(e) => {
            p.error = Some(e.message.clone());
            if e.source_down {
                state.source_failed(&source, e.message, now);
            }
        }
    }
}

/// Keys that mean something in a focused logs or errors panel; `None` when not handled here.
pub fn key(state: &mut State, action: &Action) -> Option<Vec<Effect>> {
    let i = state.focused_panel()?;
    let kind = state.panels[i].cfg.kind;
    match kind {
        PanelKind::Logs => logs_key(state, i, action),
        PanelKind::Errors => errors_key(state, i, action),
        _ => None,
    }
}

fn logs_key(state: &mut State, i: usize, action: &Action) -> Option<Vec<Effect>> {
    let logs = state.panels[i].logs.as_mut()?;
    match action {
        Action::Up => logs.move_by(-1),
        Action::Down => logs.move_by(1),
        Action::Top => logs.move_by(-(logs.lines.len() as isize)),
        Action::Bottom | Action::Follow if !logs.follow => {
            logs.follow = true;
            logs.selected = None;
        }
        Action::Follow => {
            logs.follow = false;
            logs.selected = logs.visible().last().copied();
        }
        Action::Bottom => {}
        Action::ToggleLevel(level) => {
            let flag = match level {
                Level::Error => &mut logs.show_error,
                Level::Warn => &mut logs.show_warn,
                _ => &mut logs.show_info,
            };
            *flag = !*flag;
        }
        Action::Enter => logs.detail = logs.selected.is_some() && !logs.detail,
        Action::Back if logs.detail => logs.detail = false,
        Action::Back if logs.search().is_some() => logs.set_search(None),
        Action::StartSearch => {
            state.input = Some(crate::state::Input {
                purpose: InputPurpose::Search { panel: i },
                text: logs.search().map(|s| s.text.clone()).unwrap_or_default(),
            });
        }
        Action::StartNote | Action::SearchNext => {
            if !logs.jump(true) {
                state.message = Some("no further match".into());
            }
        }
        Action::SearchPrev => {
            if !logs.jump(false) {
                state.message = Some("no earlier match".into());
            }
        }
        Action::CopyLink => {
            let line = logs.selected_line()?.line.clone();
            state.message = Some("line copied (OSC 52)".into());
            return Some(vec![Effect::Copy(line)]);
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Enter in the search prompt: highlight matches and jump to the latest one.
pub fn submit_search(state: &mut State, panel: usize, text: &str) {
    let Some(logs) = state.panels.get_mut(panel).and_then(|p| p.logs.as_mut()) else {
        return;
    };
    if text.trim().is_empty() {
        logs.set_search(None);
        return;
    }
    logs.set_search(Some(crate::state::feeds::Search::new(text)));
    logs.selected = Some(logs.lines.len());
    if !logs.jump(false) {
        logs.selected = None;
        state.message = Some(format!("no line matches `{text}`"));
    }
}

fn errors_key(state: &mut State, i: usize, action: &Action) -> Option<Vec<Effect>> {
    let view = state.panels[i].errors.as_mut()?;
    match action {
        Action::Up => view.move_by(-1),
        Action::Down => view.move_by(1),
        Action::Top => view.move_by(-(view.issues.len() as isize)),
        Action::Bottom => view.move_by(view.issues.len() as isize),
        Action::Enter => view.detail = view.selected.is_some() && !view.detail,
        Action::Back if view.detail => view.detail = false,
        Action::OpenLink | Action::CopyLink => {
            let link = view.selected_issue()?.issue.permalink.clone();
            let Some(url) = link.map(|l| with_scheme(&l)) else {
                state.message = Some("this issue has no permalink".into());
                return Some(Vec::new());
            };
            if matches!(action, Action::CopyLink) {
                state.message = Some(format!("copied {url}"));
                return Some(vec![Effect::Copy(url)]);
            }
            return Some(vec![Effect::OpenUrl(url)]);
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Self-hosted Sentry may send permalinks without a scheme.
pub fn with_scheme(link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        link.to_string()
    } else {
        format!("https://{}", link.trim_start_matches('/'))
    }
}
