//! Leaving the terminal: a browser for links, the clipboard through the terminal (OSC 52).

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether this looks like a remote session without a desktop to open a browser on.
pub fn remote_without_desktop() -> bool {
    let ssh = std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
    let display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    ssh && !display
}

/// Opens a URL with the desktop's opener (`xdg-open`, or `open` on macOS), never through a
/// shell. Over SSH without a desktop it says so instead.
pub fn open_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("not a web link: {url}"));
    }
    if remote_without_desktop() {
        return Err(format!("no browser over SSH: {url}"));
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let status = Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {opener}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{opener} failed ({status})"))
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal (also over SSH),
/// wrapped for tmux passthrough when inside tmux.
pub fn osc52(text: &str, in_tmux: bool) -> String {
    let clean = crate::sanitize::osc_payload(text);
    let seq = format!("\x1b]52;c;{}\x07", base64(clean.as_bytes()));
    if in_tmux {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// Writes the OSC 52 sequence to the terminal.
pub fn copy_osc52(text: &str) {
    let seq = osc52(text, std::env::var_os("TMUX").is_some());
    let mut out = std::io::stdout();
    let _ = out.write_all(seq.as_bytes());
    let _ = out.flush();
}

fn base64(input: &[u8]) -> String {
    crate::sources::base64(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_exact_and_clean() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("hi", true), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\");
        // Hostile text cannot end the sequence early.
        let s = osc52("a\x07b\x1b]0;x\x07", false);
        assert_eq!(s.matches('\x07').count(), 1);
    }

    #[test]
    fn only_web_links_open() {
        assert!(open_url("file:///etc/passwd").is_err());
        assert!(open_url("javascript:alert(1)").is_err());
    }
}
