//! Notifications: telling the engineer about incidents wherever they are.
//!
//! [`policy::Policy`] decides what to send (pure: new incidents, escalations, missed
//! deadlines, repeats until acknowledged, cooldowns, storms, snooze). The channels deliver:
//! [`desktop`] over D-Bus with "Open runbook" and "Acknowledge" buttons, [`terminal`] as
//! OSC 777/9/99 or BEL bytes on the tty (which reach an SSH session), and [`command`] as an
//! argv hook. [`choose`] picks the channels from `[notify]` and whether a desktop
//! notification service answers.

pub mod command;
pub mod config;
pub mod desktop;
pub mod policy;
pub mod terminal;

pub use config::{Mode, NotifyConfig, TerminalMode};
pub use desktop::DesktopEvent;
pub use policy::{NoteKind, Notification, Policy, Urgency};

/// The status-bar warning when `desktop = "on"` finds no notification service.
pub const UNAVAILABLE_WARNING: &str =
    "desktop notifications unavailable (no notification service): using the terminal";
/// The same warning when the terminal is off too.
pub const UNAVAILABLE_NO_FALLBACK: &str =
    "desktop notifications unavailable (no notification service); terminal notifications are off";

/// Where notifications go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channels {
    pub desktop: bool,
    /// The terminal form to write, if any (never `Auto`).
    pub terminal: Option<TerminalMode>,
    /// Shown once in the status bar.
    pub banner_warning: Option<String>,
}

impl Channels {
    /// Whether the only channel carries no text (BEL alone), so the dashboard should show the
    /// notification itself in a banner.
    pub fn needs_banner(&self) -> bool {
        !self.desktop && matches!(self.terminal, None | Some(TerminalMode::Bell))
    }
}

/// Picks the channels: desktop `auto` is on when a service answers; `on` without one warns
/// once and falls back to the terminal (unless `terminal = "off"`); terminal `auto` is BEL and
/// used only when the desktop is not; an explicit terminal mode is always used.
pub fn choose(cfg: &NotifyConfig, desktop_available: bool) -> Channels {
    let desktop = cfg.desktop != Mode::Off && desktop_available;
    let terminal = match cfg.terminal {
        TerminalMode::Off => None,
        TerminalMode::Auto => (!desktop).then_some(TerminalMode::Bell),
        mode => Some(mode),
    };
    let banner_warning = (cfg.desktop == Mode::On && !desktop_available).then(|| {
        if terminal.is_some() {
            UNAVAILABLE_WARNING.to_string()
        } else {
            UNAVAILABLE_NO_FALLBACK.to_string()
        }
    });
    Channels {
        desktop,
        terminal,
        banner_warning,
    }
}
