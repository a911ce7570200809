//! The one enum through which state changes, and the effects `update` asks the driver for.

use crate::sources::prometheus::Series;
use crate::state::LoadError;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Time passed: schedule polls, refresh ages and the clock.
    Tick,
    Quit,
    Suspend,
    ToggleHelp,
    Back,
    FocusNext,
    FocusPrev,
    Left,
    Right,
    Up,
    Down,
    Top,
    Bottom,
    /// Zero-based page number.
    Page(usize),
    RefreshNow,
    Resize,
    /// A panel's queries answered (one result per query) or failed.
    PanelLoaded {
        panel: usize,
        result: Result<Vec<Vec<Series>>, LoadError>,
    },
    /// A line for the status bar.
    Message(String),
}

/// What the driver should do after an update. `update` never does IO itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Fetch(FetchSpec),
    Suspend,
}

/// One panel's poll: its queries against one source, instant or over a range.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSpec {
    pub panel: usize,
    pub source: String,
    pub queries: Vec<String>,
    /// Unix seconds of the instant query, or the range end.
    pub at: f64,
    /// `(start, step)` for range queries.
    pub range: Option<(f64, f64)>,
}

/// The key bindings: each key names an action.
pub fn from_key(key: KeyEvent, help_open: bool) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let action = match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char('z') if ctrl => Action::Suspend,
        KeyCode::Char('l') if ctrl => Action::Resize,
        _ if help_open => match key.code {
            KeyCode::Char('q') => Action::Quit,
            _ => Action::Back,
        },
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Back,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char('h') | KeyCode::Left => Action::Left,
        KeyCode::Char('l') | KeyCode::Right => Action::Right,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Char('r') => Action::RefreshNow,
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
    ("h j k l  arrows", "move the focus left, down, up, right"),
    ("g  G", "first / last panel"),
    ("1 … 9", "switch page"),
    ("r", "refresh now"),
    ("Esc", "back / close"),
    ("Ctrl-Z", "suspend (fg to resume)"),
    ("Ctrl-L", "redraw the screen"),
];
