//! Which runbook belongs to an incident: the first matching `[[runbooks]]` entry, else the
//! alert's `runbook_url` annotation, else the local rule's `runbook`.

use super::config::{CommandConfig, RunbookConfig, is_web_url};
use crate::incidents::Incident;
use regex::Regex;
use std::path::{Path, PathBuf};

/// Where a resolved runbook came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The `[[runbooks]]` entry at this index.
    Config(usize),
    /// The alert's `runbook_url` annotation.
    Annotation,
    /// The local rule's `runbook`.
    Rule,
}

/// The runbook of one incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub url: Option<String>,
    /// Absolute, or relative to the working directory when `base_dir` was relative.
    pub file: Option<PathBuf>,
    pub commands: Vec<CommandConfig>,
    pub from: Origin,
}

/// A regex that must match the whole value.
pub fn anchored(re: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{re})$"))
}

/// Whether every matcher of the entry matches the incident's labels. A label the incident
/// lacks never matches; an invalid regex never matches (config validation reports it).
pub fn matches(rb: &RunbookConfig, inc: &Incident) -> bool {
    rb.matchers.iter().all(|(label, want)| {
        let Some(have) = inc.labels.get(label) else {
            return false;
        };
        match want.strip_prefix('~') {
            Some(re) => anchored(re).is_ok_and(|r| r.is_match(have)),
            None => have == want,
        }
    })
}

/// The runbook for `inc`. `base_dir` is the config file's directory: relative `file` paths
/// (and relative paths in annotations or rules) are taken from there.
///
/// An entry that matches but names neither `url` nor `file` still wins (its commands are
/// offered), and the link falls through to the annotation or the rule.
pub fn resolve(inc: &Incident, runbooks: &[RunbookConfig], base_dir: &Path) -> Option<Resolved> {
    let fallback = || link_from_incident(inc, base_dir);
    if let Some((i, rb)) = runbooks.iter().enumerate().find(|(_, rb)| matches(rb, inc)) {
        let mut out = Resolved {
            url: rb.url.clone(),
            file: rb.file.as_deref().map(|f| under(base_dir, f)),
            commands: rb.commands.clone(),
            from: Origin::Config(i),
        };
        if out.url.is_none() && out.file.is_none() {
            if let Some(link) = fallback() {
                out.url = link.url;
                out.file = link.file;
            }
        }
        return Some(out);
    }
    fallback()
}

fn link_from_incident(inc: &Incident, base_dir: &Path) -> Option<Resolved> {
    let annotation = inc.annotations.get("runbook_url").map(String::as_str);
    if let Some(r) = annotation.and_then(|a| link(a, base_dir, Origin::Annotation)) {
        return Some(r);
    }
    if inc.source.starts_with("rule:") {
        return inc
            .runbook
            .as_deref()
            .and_then(|r| link(r, base_dir, Origin::Rule));
    }
    None
}

/// A web URL becomes `url`; another scheme (`file://`, `javascript:`) is ignored; anything
/// else is a path.
fn link(text: &str, base_dir: &Path, from: Origin) -> Option<Resolved> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let (url, file) = if is_web_url(t) {
        (Some(t.to_string()), None)
    } else if has_scheme(t) {
        return None;
    } else {
        (None, Some(under(base_dir, Path::new(t))))
    };
    Some(Resolved {
        url,
        file,
        commands: Vec::new(),
        from,
    })
}

fn has_scheme(t: &str) -> bool {
    t.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `path` taken from `base_dir` unless absolute; `~/` is the home directory.
fn under(base_dir: &Path, path: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::Severity;
    use chrono::DateTime;
    use std::collections::BTreeMap;

    fn inc(source: &str, labels: &[(&str, &str)], runbook_url: Option<&str>) -> Incident {
        let mut annotations = BTreeMap::new();
        if let Some(u) = runbook_url {
            annotations.insert("runbook_url".to_string(), u.to_string());
        }
        Incident {
            runbook: runbook_url.map(str::to_string),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations,
            ..Incident::open(
                format!("{source}:x"),
                "AppDown",
                Severity::P1,
                source,
                DateTime::from_timestamp(1_790_000_000, 0).expect("valid"),
            )
        }
    }

    fn rb(matchers: &[(&str, &str)], url: Option<&str>, file: Option<&str>) -> RunbookConfig {
        RunbookConfig {
            matchers: matchers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            url: url.map(str::to_string),
            file: file.map(PathBuf::from),
            commands: Vec::new(),
        }
    }

    #[test]
    fn first_matching_entry_wins_and_files_are_relative_to_the_config() {
        let rbs = [
            rb(
                &[("alertname", "AppDown"), ("env", "staging")],
                Some("https://a"),
                None,
            ),
            rb(
                &[("alertname", "AppDown")],
                None,
                Some("runbooks/app-down.md"),
            ),
            rb(&[], Some("https://catch-all"), None),
        ];
        let i = inc("am", &[("alertname", "AppDown"), ("env", "prod")], None);
        let r = resolve(&i, &rbs, Path::new("/etc/oncall")).expect("resolved");
        assert_eq!(r.from, Origin::Config(1));
        assert_eq!(
            r.file,
            Some(PathBuf::from("/etc/oncall/runbooks/app-down.md"))
        );
        assert_eq!(r.url, None);
        let other = inc("am", &[("alertname", "Other")], None);
        let r = resolve(&other, &rbs, Path::new("/etc/oncall")).expect("catch-all");
        assert_eq!(r.from, Origin::Config(2));
    }

    #[test]
    fn regex_matchers_are_anchored() {
        let rbs = [rb(&[("job", "~api|web")], Some("https://x"), None)];
        let base = Path::new("/");
        assert!(resolve(&inc("am", &[("job", "api")], None), &rbs, base).is_some());
        assert!(resolve(&inc("am", &[("job", "web")], None), &rbs, base).is_some());
        assert!(resolve(&inc("am", &[("job", "api-gw")], None), &rbs, base).is_none());
        assert!(resolve(&inc("am", &[], None), &rbs, base).is_none());
        let broken = [rb(&[("job", "~(")], Some("https://x"), None)];
        assert!(resolve(&inc("am", &[("job", "(")], None), &broken, base).is_none());
    }

    #[test]
    fn annotation_then_rule() {
        let base = Path::new("/cfg");
        let web = inc("am", &[], Some("https://wiki/app-down"));
        let r = resolve(&web, &[], base).expect("annotation");
        assert_eq!(
            (r.url.as_deref(), r.from),
            (Some("https://wiki/app-down"), Origin::Annotation)
        );
        let path = inc("am", &[], Some("runbooks/x.md"));
        let r = resolve(&path, &[], base).expect("annotation path");
        assert_eq!(r.file, Some(PathBuf::from("/cfg/runbooks/x.md")));
        let odd = inc("am", &[], Some("file:///etc/passwd"));
        assert_eq!(resolve(&odd, &[], base), None);
        let mut rule = inc("rule:HighErrorRate", &[], None);
        rule.runbook = Some("runbooks/high-error-rate.md".into());
        let r = resolve(&rule, &[], base).expect("rule");
        assert_eq!(r.from, Origin::Rule);
        assert_eq!(
            r.file,
            Some(PathBuf::from("/cfg/runbooks/high-error-rate.md"))
        );
        let mut not_rule = inc("sentry", &[], None);
        not_rule.runbook = Some("https://x".into());
        assert_eq!(resolve(&not_rule, &[], base), None);
    }

    #[test]
    fn entry_without_a_link_keeps_the_alerts_link() {
        let mut entry = rb(&[("alertname", "AppDown")], None, None);
        entry.commands.push(CommandConfig {
            name: "pods".into(),
            argv: vec!["kubectl".into(), "get".into(), "pods".into()],
            dangerous: false,
            timeout: None,
        });
        let i = inc("am", &[("alertname", "AppDown")], Some("https://wiki/x"));
        let r = resolve(&i, &[entry], Path::new("/")).expect("resolved");
        assert_eq!(r.from, Origin::Config(0));
        assert_eq!(r.url.as_deref(), Some("https://wiki/x"));
        assert_eq!(r.commands.len(), 1);
    }
}
