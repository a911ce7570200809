//! The `[notify]` table of the config file.

use crate::duration::Dur;
use crate::incidents::Severity;
use serde::Deserialize;

/// Whether desktop notifications are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// On when a notification service answers on the session bus.
    #[default]
    Auto,
    /// Always tried; a missing service shows one warning and falls back to the terminal.
    On,
    Off,
}

/// How the terminal itself is told (these are bytes on the tty, so they work over SSH).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TerminalMode {
    /// Used only when desktop notifications are not: a BEL, since the terminal on the far end
    /// of an SSH session cannot be detected.
    #[default]
    Auto,
    /// `ESC ] 777 ; notify ; title ; body BEL` (urxvt, foot, WezTerm, kitty, Ghostty).
    Osc777,
    /// `ESC ] 9 ; message BEL` (iTerm2, WezTerm, kitty, Ghostty).
    Osc9,
    /// `ESC ] 99 ; ; message ESC \` (kitty, foot).
    Osc99,
    /// BEL: works everywhere, carries no text.
    Bell,
    Off,
}

/// `[notify]`: which channels are used and how often an incident may notify.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    pub desktop: Mode,
    pub terminal: TerminalMode,
    /// Incidents below this level never notify.
    pub min_severity: Severity,
    /// Levels that re-notify every `repeat` until acknowledged.
    pub repeat_until_ack: Vec<Severity>,
    /// `0` turns repeating off.
    pub repeat: Dur,
    /// The shortest time between two notifications about one incident.
    pub cooldown: Dur,
    /// More than this many new incidents within `storm_window` become one summary; `0` turns
    /// storm folding off.
    pub storm: usize,
    pub storm_window: Dur,
    /// An argv run per notification (never through a shell), incident fields in env vars.
    pub command: Vec<String>,
    pub command_timeout: Dur,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            desktop: Mode::Auto,
            terminal: TerminalMode::Auto,
            min_severity: Severity::P2,
            repeat_until_ack: vec![Severity::P0],
            repeat: Dur::secs(300),
            cooldown: Dur::secs(60),
            storm: 5,
            storm_window: Dur::secs(60),
            command: Vec::new(),
            command_timeout: Dur::secs(10),
        }
    }
}
