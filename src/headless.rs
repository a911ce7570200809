//! The app without a terminal: the same reducer and the same effect execution, driven by hand.
//! `oncall snapshot` uses it, and so do the integration tests.

use crate::action::{Action, Effect};
use crate::config::Config;
use crate::incidents::journal::{Event, Journal};
use crate::poll::Clients;
use crate::state::State;
use crate::update::update;
use chrono::Utc;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct Headless {
    pub state: State,
    clients: Clients,
    tx: mpsc::UnboundedSender<Action>,
    rx: mpsc::UnboundedReceiver<Action>,
    /// Requests started and not answered yet.
    outstanding: usize,
    /// Every journal event the reducer asked for, in order.
    pub journal_events: Vec<Event>,
    /// Where journal events are also appended, when set.
    journal: Option<Journal>,
    /// Files the reducer asked to write (written only with `write_files`).
    pub files: Vec<(PathBuf, String)>,
    pub write_files: bool,
    /// Links the reducer asked to open or copy.
    pub links: Vec<String>,
}

impl Headless {
    pub fn new(cfg: &Config) -> Headless {
        let (tx, rx) = mpsc::unbounded_channel();
        Headless {
            state: State::new(cfg, Utc::now()),
            clients: Clients::new(cfg),
            tx,
            rx,
            outstanding: 0,
            journal_events: Vec::new(),
            journal: None,
            files: Vec::new(),
            write_files: false,
            links: Vec::new(),
        }
    }

    /// Replays the journal at `path` into the state and appends new events to it.
    pub fn with_journal(&mut self, path: &std::path::Path) -> std::io::Result<()> {
        let (journal, events, warnings) = Journal::open(path)?;
        self.journal = Some(journal);
        self.dispatch(Action::JournalLoaded { events, warnings });
        Ok(())
    }

    /// Replays a journal read-only (snapshots never write).
    pub fn read_journal(&mut self, path: &std::path::Path) {
        if let Ok(bytes) = std::fs::read(path) {
            let (events, warnings) = crate::incidents::journal::replay(&bytes);
            self.dispatch(Action::JournalLoaded { events, warnings });
        }
    }

    /// Runs one action through the reducer and starts its effects.
    pub fn dispatch(&mut self, action: Action) {
        let effects = update(&mut self.state, action, Utc::now());
        let asked = effects
            .iter()
            .filter(|e| crate::poll::answers_once(e))
            .count();
        let rest = self.clients.start_all(effects, &self.tx);
        let not_started = rest.iter().filter(|e| crate::poll::answers_once(e)).count();
        self.outstanding += asked - not_started;
        for effect in rest {
            self.run(effect);
        }
    }

    fn run(&mut self, effect: Effect) {
        let once = crate::poll::answers_once(&effect);
        let Some(effect) = self.clients.start(effect, &self.tx) else {
            if once {
                self.outstanding += 1;
            }
            return;
        };
        match effect {
            Effect::Journal(ev) => {
                if let Some(j) = &mut self.journal {
                    if let Err(e) = j.append(&ev) {
                        tracing::error!(error = %e, "journal append failed");
                    }
                }
                self.journal_events.push(ev);
            }
            Effect::WriteFile { path, contents, .. } => {
                if self.write_files {
                    if let Err(e) = crate::fsutil::write_atomic(&path, contents.as_bytes(), None) {
                        tracing::error!(error = %e, "write failed");
                    }
                }
                self.files.push((path, contents));
            }
            Effect::OpenUrl(url) | Effect::Copy(url) => self.links.push(url),
            _ => {}
        }
    }

    /// Handles answers until every request has answered, or `wait` has passed.
    /// Returns false when it gave up waiting.
    pub async fn settle(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        while self.outstanding > 0 {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(action)) => {
                    if !matches!(action, Action::Tail { .. } | Action::Message(_)) {
                        self.outstanding = self.outstanding.saturating_sub(1);
                    }
                    self.dispatch(action);
                }
                _ => return false,
            }
        }
        true
    }

    /// One clock tick and everything it started.
    pub async fn round(&mut self, wait: Duration) -> bool {
        self.dispatch(Action::Tick);
        self.settle(wait).await
    }

    /// Makes everything due now (as `r` does) and runs a round.
    pub async fn refresh(&mut self, wait: Duration) -> bool {
        self.dispatch(Action::RefreshNow);
        self.settle(wait).await
    }
}
