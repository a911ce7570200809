//! Config errors a tired person can act on: file, line, key, and what to write instead.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no config file at {}. Try the dashboard on a simulated stack with `oncall --demo`, or write a starting config there with `oncall init` and edit it.",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("{0}")]
    Invalid(Located),
}

/// An error at a place in the file.
#[derive(Debug)]
pub struct Located {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.path.display(), self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The dotted key at an offset: the table header above it plus the key on its line,
/// e.g. `pages.panels.unit`.
pub fn key_at(text: &str, offset: usize) -> String {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim();
    let mut table = String::new();
    for l in text[..line_start].lines().rev() {
        let l = l.trim();
        if l.starts_with('[') {
            table = l.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            break;
        }
    }
    if line.starts_with('[') {
        return line
            .trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_string();
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

pub fn from_toml(err: &toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let offset = err.span().map_or(0, |s| s.start);
    let (line, column) = line_col(text, offset);
    let mut message = err.message().trim().to_string();
    if let Some(hint) = suggestion(&message) {
        message.push_str(&format!("; did you mean `{hint}`?"));
    }
    ConfigError::Invalid(Located {
        path: path.to_path_buf(),
        line,
        column,
        key: key_at(text, offset),
        message,
    })
}

/// For "unknown field `refersh`, expected one of `refresh`, `theme`": the closest expected name.
fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (wrong, expected) = rest.split_once('`')?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|cand| (strsim::jaro_winkler(wrong, cand), cand))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_and_key() {
        let text = "[general]\nrefresh = \"10s\"\n\n[[pages.panels]]\nunit = \"x\"\n";
        let off = text.find("\"x\"").unwrap_or(0);
        assert_eq!(line_col(text, off), (5, 8));
        assert_eq!(key_at(text, off), "pages.panels.unit");
        assert_eq!(key_at(text, 1), "general");
    }

    #[test]
    fn suggests_the_closest_name() {
        let m = "unknown field `refersh`, expected one of `refresh`, `theme`, `user`";
        assert_eq!(suggestion(m).as_deref(), Some("refresh"));
        assert_eq!(suggestion("unknown field `zzzz`, expected `refresh`"), None);
    }
}
