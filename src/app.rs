//! The driver: one `select!` over input, fetch results, the clock and signals. It executes the
//! effects `update` returns and draws when something changed, at most [`FRAME`] apart.
//! Network calls run in their own tasks: nothing here awaits a source.

use crate::action::{self, Action, Effect};
use crate::config::Config;
use crate::poll::Clients;
use crate::state::State;
use crate::theme::Theme;
use crate::tui::TerminalGuard;
use crate::update::update;
use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Shortest time between two frames (30 frames per second at most).
const FRAME: Duration = Duration::from_millis(33);

/// Runs the dashboard until the user quits, a signal arrives or the terminal goes away.
pub async fn run(cfg: &Config, theme: Theme, message: Option<String>) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let clients = Clients::new(cfg);
    let mut state = State::new(cfg, Utc::now());
    state.message = message;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut signals = Signals::new()?;
    let mut last_draw: Option<Instant> = None;

    loop {
        let wait = match last_draw {
            Some(at) if state.dirty => FRAME.saturating_sub(at.elapsed()),
            _ if state.dirty => Duration::ZERO,
            _ => Duration::from_secs(3600),
        };
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    action::from_key(k, state.show_help)
                }
                Some(Ok(Event::Resize(..))) => Some(Action::Resize),
                Some(Ok(_)) => None,
                // The terminal is gone (SSH dropped, pane killed): leave at once.
                Some(Err(_)) | None => {
                    crate::tui::abandon();
                    break;
                }
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick() => Some(Action::Tick),
            hangup = signals.recv() => {
                if hangup {
                    crate::tui::abandon();
                }
                break;
            }
            _ = tokio::time::sleep(wait) => None,
        };
        if let Some(a) = action {
            let clear = a == Action::Resize;
            for effect in update(&mut state, a, Utc::now()) {
                match effect {
                    Effect::Fetch(spec) => clients.spawn_fetch(spec, tx.clone()),
                    Effect::Suspend => {
                        guard.suspend()?;
                        state.dirty = true;
                    }
                }
            }
            if clear {
                guard.terminal.clear()?;
            }
        }
        if state.should_quit {
            break;
        }
        let due = last_draw.is_none_or(|at| at.elapsed() >= FRAME);
        if state.dirty && due {
            guard
                .terminal
                .draw(|f| crate::ui::draw(f, &state, &theme))?;
            state.dirty = false;
            last_draw = Some(Instant::now());
        }
    }
    Ok(())
}

/// SIGTERM, SIGINT and SIGHUP all end the dashboard the same way.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for a signal; true when it was a hangup (the terminal is gone).
    async fn recv(&mut self) -> bool {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => false,
            _ = self.int.recv() => false,
            _ = self.hup.recv() => true,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            false
        }
    }
}
