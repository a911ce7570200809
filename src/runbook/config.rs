//! The `[[runbooks]]` entries of the config file.

use crate::duration::Dur;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long a runbook command may run when its entry sets no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// One `[[runbooks]]` entry: which incidents it is for, where its text lives, what it can run.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunbookConfig {
    /// Label = value; every pair must match. A value starting with `~` is a regular
    /// expression matched against the whole label value. Empty: matches every incident.
    #[serde(rename = "match", default)]
    pub matchers: BTreeMap<String, String>,
    /// A web page opened with `o`.
    pub url: Option<String>,
    /// A markdown file rendered inside the dashboard; relative to the config file's directory.
    pub file: Option<PathBuf>,
    #[serde(default)]
    pub commands: Vec<CommandConfig>,
}

/// One `[[runbooks.commands]]` entry: an argv run without a shell after confirmation.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    pub name: String,
    /// Program and arguments; `{{labels.NAME}}`, `{{annotations.NAME}}`, `{{severity}}`,
    /// `{{id}}` and `{{title}}` are substituted inside each argument on its own.
    pub argv: Vec<String>,
    /// Hidden in read-only and wall mode.
    #[serde(default)]
    pub dangerous: bool,
    /// Killed after this long; default [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Dur>,
}

impl CommandConfig {
    /// The timeout to apply: the configured one, else [`DEFAULT_TIMEOUT`].
    pub fn timeout(&self) -> Duration {
        self.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0)
    }
}

/// The commands offered for an incident: `dangerous` ones are left out in read-only and
/// wall mode.
pub fn visible_commands(commands: &[CommandConfig], read_only: bool) -> Vec<&CommandConfig> {
    commands
        .iter()
        .filter(|c| !(read_only && c.dangerous))
        .collect()
}

/// Checks an entry once, when the config is loaded: matcher regexes compile, command argv
/// templates are well formed, timeouts are positive. Errors name the offending key.
pub fn validate(rb: &RunbookConfig) -> Result<(), String> {
    for (label, value) in &rb.matchers {
        if let Some(re) = value.strip_prefix('~') {
            super::resolve::anchored(re)
                .map_err(|e| format!("match.{label}: invalid regular expression: {e}"))?;
        }
    }
    if rb.url.as_deref().is_some_and(|u| !is_web_url(u)) {
        return Err("url: must start with http:// or https://".into());
    }
    for (i, c) in rb.commands.iter().enumerate() {
        let at = format!("commands[{i}] ({:?})", c.name);
        if c.name.trim().is_empty() {
            return Err(format!("commands[{i}]: `name` is empty"));
        }
        super::template::check_argv(&c.argv).map_err(|e| format!("{at}: argv: {e}"))?;
        if c.timeout.is_some_and(|t| t.0.is_zero()) {
            return Err(format!("{at}: timeout must be more than 0s"));
        }
    }
    Ok(())
}

/// `http://` or `https://`.
pub fn is_web_url(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Wrap {
        runbooks: Vec<RunbookConfig>,
    }

    fn parse(text: &str) -> Result<Vec<RunbookConfig>, String> {
        toml::from_str::<Wrap>(text)
            .map(|w| w.runbooks)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_the_spec_example() {
        let rbs = parse(
            r#"
[[runbooks]]
match = { alertname = "AppDown" }
url = "https://wiki.example.com/runbooks/app-down"
file = "runbooks/incident-response.md"
  [[runbooks.commands]]
  name = "Roll back the deployment"
  argv = ["kubectl", "rollout", "undo", "deployment/{{labels.deployment}}"]
  dangerous = true
  timeout = "2m"
"#,
        )
        .expect("parses");
        assert_eq!(rbs.len(), 1);
        let rb = &rbs[0];
        assert_eq!(
            rb.matchers.get("alertname").map(String::as_str),
            Some("AppDown")
        );
        assert_eq!(
            rb.file,
            Some(PathBuf::from("runbooks/incident-response.md"))
        );
        assert!(rb.commands[0].dangerous);
        assert_eq!(rb.commands[0].timeout(), Duration::from_secs(120));
        assert_eq!(validate(rb), Ok(()));
    }

    #[test]
    fn defaults_and_unknown_keys() {
        let rbs = parse("[[runbooks]]\n[[runbooks.commands]]\nname = \"n\"\nargv = [\"true\"]\n")
            .expect("parses");
        assert!(rbs[0].matchers.is_empty());
        assert!(!rbs[0].commands[0].dangerous);
        assert_eq!(rbs[0].commands[0].timeout(), DEFAULT_TIMEOUT);
        let err = parse("[[runbooks]]\nmatches = { a = \"b\" }\n").expect_err("unknown key");
        assert!(err.contains("matches"), "{err}");
    }

    #[test]
    fn validation_names_the_problem() {
        let mut rb = parse("[[runbooks]]\nmatch = { job = \"~(api\" }\n").expect("parses");
        assert!(
            validate(&rb[0])
                .expect_err("bad regex")
                .starts_with("match.job")
        );
        rb = parse("[[runbooks]]\nurl = \"javascript:alert(1)\"\n").expect("parses");
        assert!(validate(&rb[0]).is_err());
        rb = parse("[[runbooks]]\n[[runbooks.commands]]\nname = \"x\"\nargv = [\"echo\", \"{{labels.a\"]\n")
            .expect("parses");
        let err = validate(&rb[0]).expect_err("unclosed");
        assert!(err.contains("commands[0]"), "{err}");
    }

    #[test]
    fn dangerous_commands_hidden_when_read_only() {
        let cmd = |name: &str, dangerous| CommandConfig {
            name: name.into(),
            argv: vec!["true".into()],
            dangerous,
            timeout: None,
        };
        let cmds = [cmd("look", false), cmd("undo", true)];
        assert_eq!(visible_commands(&cmds, false).len(), 2);
        let ro = visible_commands(&cmds, true);
        assert_eq!(ro.len(), 1);
        assert_eq!(ro[0].name, "look");
    }
}
