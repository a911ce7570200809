//! Notifications as bytes on the tty: OSC 777, OSC 9, OSC 99 or BEL. They reach the engineer
//! over SSH too. Inside tmux the OSC forms are wrapped for passthrough (which needs
//! `set -g allow-passthrough on`); BEL passes through tmux as is.

use super::config::TerminalMode;
use super::policy::Notification;
use crate::sanitize::osc_payload;

/// Longest message placed in one sequence, in characters.
const MAX_TEXT: usize = 240;

/// `ESC ] 777 ; notify ; title ; body BEL`. The title cannot hold `;` (it would end the
/// field): each becomes `,`.
pub fn osc777(title: &str, body: &str) -> String {
    let title = osc_payload(title).replace(';', ",");
    format!("\x1b]777;notify;{title};{}\x07", osc_payload(body))
}

/// `ESC ] 9 ; msg BEL`. A message starting with a digit gets a leading space, since
/// `<digit>;` would be read as a ConEmu command (progress bars and the like).
pub fn osc9(msg: &str) -> String {
    let msg = osc_payload(msg);
    let lead = if msg.starts_with(|c: char| c.is_ascii_digit()) {
        " "
    } else {
        ""
    };
    format!("\x1b]9;{lead}{msg}\x07")
}

/// `ESC ] 99 ; ; msg ESC \` (kitty's protocol with empty metadata: the message is the title).
pub fn osc99(msg: &str) -> String {
    format!("\x1b]99;;{}\x1b\\", osc_payload(msg))
}

/// BEL: the terminal's own alert, everywhere, with no text.
pub fn bell() -> String {
    "\x07".into()
}

/// Wraps a sequence for tmux passthrough: `ESC P tmux; <seq, every ESC doubled> ESC \`.
pub fn tmux_wrap(seq: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
}

/// Whether this process runs inside tmux.
pub fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// The body on one line (`a · b`), cut to a length a terminal shows.
fn one_line(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    if joined.chars().count() > MAX_TEXT {
        let mut cut: String = joined.chars().take(MAX_TEXT - 1).collect();
        cut.push('…');
        cut
    } else {
        joined
    }
}

/// The bytes to write for a notification in `mode`; `None` when the mode is `off`. `auto`
/// means BEL: the terminal over SSH cannot be detected.
pub fn sequence(mode: TerminalMode, n: &Notification, in_tmux: bool) -> Option<String> {
    let body = one_line(&n.body);
    let summary = one_line(&n.summary);
    let both = if body.is_empty() {
        summary.clone()
    } else {
        one_line(&format!("{summary}\n{body}"))
    };
    let seq = match mode {
        TerminalMode::Off => return None,
        TerminalMode::Auto | TerminalMode::Bell => return Some(bell()),
        TerminalMode::Osc777 => osc777(&summary, &body),
        TerminalMode::Osc9 => osc9(&both),
        TerminalMode::Osc99 => osc99(&both),
    };
    Some(if in_tmux { tmux_wrap(&seq) } else { seq })
}
