//! The one enum through which state changes, and the effects `update` asks the driver for.

use crate::config::SourceKind;
use crate::incidents::journal::Event;
use crate::sources::alertmanager::{AmAlert, NewSilence, Silence};
use crate::sources::loki::{Level, LogEntry, TailEvent};
use crate::sources::prometheus::{PromAlert, Series};
use crate::sources::sentry::SentryIssue;
use crate::state::LoadError;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Action {
    /// Time passed: schedule polls, refresh ages and the clock.
    Tick,
    Quit,
    Suspend,
    ToggleHelp,
    Back,
    Enter,
    FocusNext,
    FocusPrev,
    Left,
    Right,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Zero-based page number.
    Page(usize),
    RefreshNow,
    Resize,
    /// The terminal's size (columns, rows), at start and on every resize.
    Size(u16, u16),
    /// A left click at (column, row).
    Click(u16, u16),
    Acknowledge,
    Unacknowledge,
    Resolve,
    /// Opens the note prompt for the selected incident.
    StartNote,
    Postmortem,
    /// Logs: show or hide a level.
    ToggleLevel(Level),
    /// Logs: follow new lines, or stop.
    Follow,
    /// Logs: open the search prompt.
    StartSearch,
    SearchNext,
    SearchPrev,
    /// Open the selected item's link (runbook, Sentry permalink) in a browser.
    OpenLink,
    /// Copy the selected item's link (OSC 52: works over SSH).
    CopyLink,
    /// `x`: the runbook's commands for the selected incident.
    RunCommands,
    /// Stop the running runbook command.
    CancelCommand,
    RunbookLoaded {
        incident: String,
        title: String,
        result: Result<String, String>,
    },
    CommandOutput {
        incident: String,
        event: crate::runbook::RunEvent,
    },
    /// Typing into the prompt.
    InputChar(char),
    InputBackspace,
    InputSubmit,
    InputCancel,
    /// A panel's queries answered (one result per query) or failed.
    PanelLoaded {
        panel: usize,
        result: Result<Vec<Vec<Series>>, LoadError>,
    },
    LogsLoaded {
        panel: usize,
        result: Result<Vec<LogEntry>, LoadError>,
    },
    Tail {
        panel: usize,
        event: TailEvent,
    },
    ErrorsLoaded {
        panel: usize,
        result: Result<Vec<SentryIssue>, LoadError>,
        /// After a 429: when to ask again.
        retry_after: Option<std::time::Duration>,
    },
    AlertsLoaded {
        source: String,
        result: Result<AlertBatch, LoadError>,
    },
    RuleLoaded {
        rule: usize,
        result: Result<f64, LoadError>,
    },
    JournalLoaded {
        events: Vec<Event>,
        warnings: Vec<String>,
    },
    SilenceCreated {
        incident: String,
        result: Result<String, String>,
    },
    SilenceExpired {
        incident: String,
        result: Result<(), String>,
    },
    FileWritten {
        what: String,
        result: Result<PathBuf, String>,
    },
    /// A line for the status bar.
    Message(String),
    /// Where notifications go, once the desktop was probed.
    NotifyReady(crate::notify::Channels),
    /// Something happened to a desktop notification (a button was pressed).
    Desktop(crate::notify::DesktopEvent),
    /// `z`: snooze notifications (15 min, 1 h, 4 h, off).
    Snooze,
    /// `t`: the next theme.
    NextTheme,
    /// The config file or the themes changed on disk: the config as read again (parsed off the
    /// input loop), or why it cannot be used.
    ConfigChanged(Result<Box<crate::config::Config>, String>),
    /// `:` and the keys of the command palette.
    PaletteOpen,
    PaletteChar(char),
    PaletteBackspace,
    PaletteUp,
    PaletteDown,
    PaletteSubmit,
    PaletteClose,
}

/// Alerts as one source answered them.
#[derive(Debug, Clone)]
pub enum AlertBatch {
    Alertmanager {
        alerts: Vec<AmAlert>,
        silences: Vec<Silence>,
    },
    Prometheus(Vec<PromAlert>),
}

/// What the driver should do after an update. `update` never does IO itself.
#[derive(Debug, Clone)]
pub enum Effect {
    Fetch(FetchSpec),
    FetchAlerts {
        source: String,
        kind: SourceKind,
    },
    /// An instant query for a local rule.
    FetchRule {
        rule: usize,
        source: String,
        query: String,
        at: f64,
    },
    CreateSilence {
        source: String,
        incident: String,
        silence: NewSilence,
    },
    ExpireSilence {
        source: String,
        incident: String,
        silence_id: String,
    },
    FetchLogs {
        panel: usize,
        source: String,
        query: String,
        start_ns: i128,
        end_ns: i128,
        limit: u32,
        /// No line seen yet: read the newest lines (backward).
        first: bool,
    },
    /// Live mode: follow the source's tail websocket for this panel.
    StartTail {
        panel: usize,
        source: String,
        query: String,
        start_ns: i128,
    },
    FetchErrors {
        panel: usize,
        source: String,
        sort: String,
        max_pages: usize,
    },
    /// Read a runbook file for the viewer.
    ReadRunbook {
        incident: String,
        title: String,
        path: PathBuf,
    },
    /// Run a confirmed runbook command (no shell), streaming its output back.
    RunCommand {
        incident: String,
        argv: Vec<String>,
        timeout: std::time::Duration,
    },
    CancelCommand,
    /// Deliver a notification on the chosen channels.
    Notify(crate::notify::Notification),
    /// Open a URL in the desktop's browser.
    OpenUrl(String),
    /// Put text on the clipboard with OSC 52.
    Copy(String),
    /// Append to the journal (fsynced).
    Journal(Event),
    WriteFile {
        what: String,
        path: PathBuf,
        contents: String,
    },
    Suspend,
}

/// One panel's poll: its queries against one source, instant or over a range.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSpec {
    pub panel: usize,
    pub source: String,
    pub queries: Vec<String>,
    /// Unix seconds of the instant query (and of the fetch).
    pub at: f64,
    /// `(start, end, step)` for range queries.
    pub range: Option<(f64, f64, f64)>,
    /// With `range`: each query's value at `at` too, as its series' newest point.
    pub latest: bool,
    /// Asked in a request of its own, never with other panels' queries: an error budget's
    /// queries reach back 30 days, and whatever was asked with them would wait for them.
    pub alone: bool,
}

/// What keys mean right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Normal,
    Help,
    /// Typing a note: keys are text.
    Input,
    /// The command palette: keys are its query.
    Palette,
}

/// The key bindings: each key names an action.
pub fn from_key(key: KeyEvent, mode: KeyMode) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let action = match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char('z') if ctrl => Action::Suspend,
        KeyCode::Char('l') if ctrl => Action::Resize,
        _ if mode == KeyMode::Input => match key.code {
            KeyCode::Enter => Action::InputSubmit,
            KeyCode::Esc => Action::InputCancel,
            KeyCode::Backspace => Action::InputBackspace,
            KeyCode::Char(c) if !ctrl => Action::InputChar(c),
            _ => return None,
        },
        _ if mode == KeyMode::Palette => match key.code {
            KeyCode::Esc => Action::PaletteClose,
            KeyCode::Enter => Action::PaletteSubmit,
            KeyCode::Backspace => Action::PaletteBackspace,
            KeyCode::Up => Action::PaletteUp,
            KeyCode::Down => Action::PaletteDown,
            KeyCode::Char('p') if ctrl => Action::PaletteUp,
            KeyCode::Char('n') if ctrl => Action::PaletteDown,
            KeyCode::Char(c) if !ctrl => Action::PaletteChar(c),
            _ => return None,
        },
        _ if mode == KeyMode::Help => match key.code {
            KeyCode::Char('q') => Action::Quit,
            _ => Action::Back,
        },
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Back,
        KeyCode::Enter => Action::Enter,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char('h') | KeyCode::Left => Action::Left,
        KeyCode::Char('l') | KeyCode::Right => Action::Right,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Char('r') => Action::RefreshNow,
        KeyCode::Char('a') => Action::Acknowledge,
        KeyCode::Char('u') => Action::Unacknowledge,
        KeyCode::Char('R') => Action::Resolve,
        KeyCode::Char('n') => Action::StartNote,
        KeyCode::Char('p') => Action::Postmortem,
        KeyCode::Char('e') => Action::ToggleLevel(Level::Error),
        KeyCode::Char('w') => Action::ToggleLevel(Level::Warn),
        KeyCode::Char('i') => Action::ToggleLevel(Level::Info),
        KeyCode::Char('f') => Action::Follow,
        KeyCode::Char('/') => Action::StartSearch,
        KeyCode::Char('N') => Action::SearchPrev,
        KeyCode::Char('o') => Action::OpenLink,
        KeyCode::Char('y') => Action::CopyLink,
        KeyCode::Char('x') => Action::RunCommands,
        KeyCode::Char('z') => Action::Snooze,
        KeyCode::Char('t') => Action::NextTheme,
        KeyCode::Char(':') => Action::PaletteOpen,
        KeyCode::Char('c') => Action::CancelCommand,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Char(c @ '1'..='9') => Action::Page(usize::from(c as u8 - b'1')),
        _ => return None,
    };
    Some(action)
}

/// The help screen's rows: keys and what they do.
pub const KEY_HELP: &[(&str, &str)] = &[
    ("q  Ctrl-C", "quit"),
    ("?", "show or hide this help"),
    ("Tab  Shift-Tab", "focus the next / previous panel"),
    ("h j k l  arrows", "move the focus; in incidents, select"),
    ("g  G", "first / last (panel or incident)"),
    ("Enter  Esc", "incident details / back"),
    ("1 … 9", "switch page"),
    ("r", "refresh now"),
    ("a  u", "acknowledge / un-acknowledge the incident"),
    ("R", "resolve a local incident"),
    ("n", "add a note to the incident"),
    ("p", "write the incident's post-mortem"),
    (
        "e  w  i  f",
        "logs: show / hide ERROR, WARN, INFO; follow / pause",
    ),
    (
        "/  n  N",
        "logs: search (text or regex), next / previous match",
    ),
    ("o  y", "open the runbook or link / copy the link"),
    ("x", "runbook commands (confirm with y; c stops)"),
    (
        "z  t",
        "snooze notifications (15 min, 1 h, 4 h, off) / next theme",
    ),
    (":", "command palette: actions, pages, panels, incidents"),
    ("Ctrl-Z  Ctrl-L", "suspend (fg resumes) / redraw the screen"),
];
