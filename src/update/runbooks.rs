//! Runbooks: `o` opens the incident's runbook (a file in the viewer, a URL in the browser), `x`
//! lists its commands, a command runs only after `y` on the dialog showing its exact argv.

use crate::action::{Action, Effect};
use crate::incidents::journal::{Event, EventKind};
use crate::runbook::{Confirm, Resolved, visible_commands};
use crate::state::{Overlay, State};
use chrono::{DateTime, Utc};

fn resolved(state: &mut State) -> Option<(String, Resolved, String)> {
    let Some(inc) = state.incidents.selected_incident() else {
        state.message = Some("no incident selected (Tab to the incidents panel, j/k)".into());
        return None;
    };
    let id = inc.id.clone();
    let title = inc.title.clone();
    match crate::runbook::resolve(inc, &state.runbooks, &state.runbook_dir) {
        Some(r) => Some((id, r, title)),
        None => {
            state.message = Some(format!("{title} has no runbook"));
            None
        }
    }
}

/// `o` on an incident.
pub fn open(state: &mut State) -> Vec<Effect> {
    let Some((incident, r, title)) = resolved(state) else {
        return Vec::new();
    };
    if let Some(path) = r.file {
        return vec![Effect::ReadRunbook {
            incident,
            title,
            path,
        }];
    }
    if let Some(url) = r.url {
        if crate::open::remote_without_desktop() {
            state.message = Some(format!("runbook: {url} (y copies it)"));
            return Vec::new();
        }
        return vec![Effect::OpenUrl(url)];
    }
    state.message = Some(format!(
        "the runbook of {title} has commands only: x lists them"
    ));
    Vec::new()
}

/// `y` on an incident: copy the runbook link.
pub fn copy(state: &mut State) -> Vec<Effect> {
    let Some((_, r, _)) = resolved(state) else {
        return Vec::new();
    };
    let link = r
        .url
        .or_else(|| r.file.map(|f| f.display().to_string()))
        .unwrap_or_default();
    state.message = Some(format!("copied {link}"));
    vec![Effect::Copy(link)]
}

pub fn loaded(state: &mut State, title: String, result: Result<String, String>) {
    match result {
        Ok(text) => {
            state.overlay = Some(Overlay::Runbook(crate::runbook::Viewer::new(title, text)))
        }
        Err(e) => state.message = Some(e),
    }
}

/// `x`: the commands of the selected incident's runbook. Nothing runs from a read-only
/// dashboard.
pub fn commands(state: &mut State) {
    if state.read_only {
        state.message = Some("read-only: runbook commands are disabled".into());
        return;
    }
    let Some((incident, r, title)) = resolved(state) else {
        return;
    };
    let commands: Vec<_> = visible_commands(&r.commands, false)
        .into_iter()
        .cloned()
        .collect();
    if commands.is_empty() {
        state.message = Some(format!("the runbook of {title} has no commands"));
        return;
    }
    state.overlay = Some(Overlay::Commands {
        incident,
        commands,
        selected: 0,
    });
}

/// Keys while an overlay is open; `None` lets the action through.
pub fn key(state: &mut State, action: &Action) -> Option<Vec<Effect>> {
    let overlay = state.overlay.as_mut()?;
    match (overlay, action) {
        (_, Action::Quit | Action::Suspend | Action::Resize | Action::Tick) => return None,
        (Overlay::Runbook(v), a) => match a {
            Action::Up => v.scroll_by(-1),
            Action::Down => v.scroll_by(1),
            Action::PageUp => v.scroll_by(-10),
            Action::PageDown => v.scroll_by(10),
            Action::Top => v.top(),
            Action::Bottom => v.bottom(),
            Action::RunCommands => {
                state.overlay = None;
                commands(state);
            }
            Action::Back => state.overlay = None,
            _ => return None,
        },
        (
            Overlay::Commands {
                commands,
                selected,
                incident,
            },
            a,
        ) => match a {
            Action::Up => *selected = selected.saturating_sub(1),
            Action::Down => *selected = (*selected + 1).min(commands.len().saturating_sub(1)),
            Action::Enter => {
                let cmd = commands.get(*selected)?.clone();
                let incident = incident.clone();
                let inc = state.incidents.get(&incident)?.clone();
                match Confirm::prepare(&cmd, &inc) {
                    Ok(confirm) => state.overlay = Some(Overlay::Confirm { incident, confirm }),
                    Err(e) => state.message = Some(format!("cannot run {}: {e}", cmd.name)),
                }
            }
            Action::Back => state.overlay = None,
            _ => return Some(Vec::new()),
        },
        (Overlay::Confirm { incident, confirm }, a) => match a {
            // `y` confirms; anything else that means "no" closes.
            Action::CopyLink => {
                let (incident, confirm) = (incident.clone(), confirm.clone());
                if state.read_only {
                    state.overlay = None;
                    return Some(Vec::new());
                }
                state.overlay = Some(Overlay::Output {
                    incident: incident.clone(),
                    pane: crate::runbook::OutputPane::new(&confirm.name, confirm.argv.clone()),
                });
                state.running = Some((incident.clone(), confirm.argv.clone()));
                return Some(vec![Effect::RunCommand {
                    incident,
                    argv: confirm.argv,
                    timeout: confirm.timeout,
                }]);
            }
            Action::Back | Action::StartNote | Action::InputCancel => state.overlay = None,
            _ => return Some(Vec::new()),
        },
        (Overlay::Output { pane, .. }, a) => match a {
            Action::Up => pane.scroll_by(-1),
            Action::Down => pane.scroll_by(1),
            Action::PageUp => pane.scroll_by(-10),
            Action::PageDown => pane.scroll_by(10),
            Action::Bottom => pane.follow(),
            Action::CancelCommand => return Some(vec![Effect::CancelCommand]),
            Action::Back => state.overlay = None,
            _ => return None,
        },
    }
    Some(Vec::new())
}

/// Output from the running command; its end goes into the incident's timeline.
pub fn output(
    state: &mut State,
    incident: String,
    event: crate::runbook::RunEvent,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let ended = match &mut state.overlay {
        Some(Overlay::Output { pane, incident: i }) if *i == incident => {
            pane.push(event.clone()).cloned()
        }
        _ => None,
    };
    let ended = ended.or(match event {
        crate::runbook::RunEvent::Exited {
            code,
            timed_out,
            tail,
        } => Some(crate::runbook::Ended {
            code,
            timed_out,
            tail,
        }),
        crate::runbook::RunEvent::Output { .. } => None,
    });
    let Some(end) = ended else {
        return Vec::new();
    };
    let argv = state.running.take().map(|(_, a)| a).unwrap_or_default();
    state.message = Some(match (end.code, end.timed_out) {
        (_, true) => "the command timed out and was stopped".into(),
        (Some(0), _) => "the command succeeded".into(),
        (Some(c), _) => format!("the command exited with {c}"),
        (None, _) => "the command was stopped".into(),
    });
    vec![Effect::Journal(Event {
        ts: now,
        incident,
        kind: EventKind::RunbookCommand {
            argv,
            exit_code: end.code,
            output_tail: end.tail,
        },
    })]
}
