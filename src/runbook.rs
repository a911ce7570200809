//! Runbooks: which one belongs to an incident, how it reads inside the terminal, and how its
//! commands run safely.
//!
//! - [`resolve::resolve`] picks the runbook: the first `[[runbooks]]` entry whose `match`
//!   labels all match, else the alert's `runbook_url` annotation, else the rule's `runbook`.
//! - [`markdown::render`] turns a runbook file into styled lines for a scrolling pane.
//! - [`template::render_argv`] fills a command's argv from the incident, one argument at a
//!   time; a value can never add an argument or become an option.
//! - [`run::spawn`] runs the confirmed argv without a shell, with a timeout, streaming its
//!   output as [`run::RunEvent`]s.
//! - [`view::Viewer`], [`view::OutputPane`] and [`dialog`] draw the reader, the output pane,
//!   the `x` menu and the confirmation that shows the exact argv.

pub mod config;
pub mod dialog;
mod inline;
pub mod markdown;
pub mod resolve;
pub mod run;
mod table;
pub mod template;
pub mod view;

pub use config::{CommandConfig, RunbookConfig, validate, visible_commands};
pub use dialog::{Confirm, render_commands, render_confirm};
pub use resolve::{Origin, Resolved, resolve};
pub use run::{RunEvent, RunHandle, spawn};
pub use template::{TemplateError, render_argv};
pub use view::{Ended, OutputPane, Viewer};

use std::io::Read;
use std::path::Path;

/// Largest runbook file read.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads a runbook file: a regular file of at most [`MAX_FILE_BYTES`], as UTF-8 (invalid
/// bytes replaced). Errors name the path.
pub fn load_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("runbook {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("runbook {shown}: not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "runbook {shown}: {} bytes is more than the {} KiB limit",
            meta.len(),
            MAX_FILE_BYTES / 1024
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("runbook {shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("runbook {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "runbook {shown}: grew past the {} KiB limit",
            MAX_FILE_BYTES / 1024
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_file_caps_and_names_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = dir.path().join("ok.md");
        std::fs::write(&ok, "# Hi\n").expect("write");
        assert_eq!(load_file(&ok).as_deref(), Ok("# Hi\n"));
        let big = dir.path().join("big.md");
        std::fs::write(&big, vec![b'x'; (MAX_FILE_BYTES + 1) as usize]).expect("write");
        let err = load_file(&big).expect_err("too big");
        assert!(err.contains("big.md") && err.contains("limit"), "{err}");
        let missing = dir.path().join("missing.md");
        assert!(
            load_file(&missing)
                .expect_err("missing")
                .contains("missing.md")
        );
        assert!(
            load_file(dir.path())
                .expect_err("dir")
                .contains("not a regular file")
        );
    }
}
