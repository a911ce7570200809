//! The shipped config and themes parse; bad configs say file, line, key and what to write.

#![allow(clippy::unwrap_used)]

use oncall::config::{Config, ConfigError};
use oncall::theme::Theme;
use std::path::Path;

#[test]
fn example_config_parses_with_every_documented_key() {
    let text = std::fs::read_to_string("config.example.toml").unwrap();
    let cfg = Config::parse(&text, Path::new("config.example.toml")).unwrap();
    assert_eq!(cfg.general.refresh.0.as_secs(), 10);
    assert_eq!(cfg.sources["prom"].url, "http://127.0.0.1:9090");
    assert_eq!(cfg.pages.len(), 3);
    assert!(cfg.pages[0].panels.iter().any(|p| p.queries.len() == 3));
    let kinds: Vec<&str> = cfg
        .pages
        .iter()
        .flat_map(|p| p.panels.iter().map(|x| x.kind.name()))
        .collect();
    for k in [
        "stat",
        "health",
        "gauge",
        "incidents",
        "timeseries",
        "logs",
        "errors",
    ] {
        assert!(kinds.contains(&k), "the example shows no {k} panel");
    }
    let src: Vec<&str> = cfg.sources.values().map(|s| s.kind.name()).collect();
    for k in ["prometheus", "alertmanager", "loki", "sentry"] {
        assert!(src.contains(&k), "the example has no {k} source");
    }
    assert_eq!(cfg.rules.len(), 1);
    assert_eq!(cfg.severity.default, oncall::incidents::Severity::P3);
    // Every commented-out key is a real key too: uncommented, the file still parses.
    let uncommented: String = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            let key_like = t.starts_with("# ")
                && t[2..].split_once(" = ").is_some_and(|(k, _)| {
                    !k.contains(' ') && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
            if key_like {
                t[2..].to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        // Exclusive pairs: keep one of each.
        .replace("bearer_token_file = ", "# bearer_token_file = ");
    let cfg = Config::parse(&uncommented, Path::new("uncommented.toml"))
        .unwrap_or_else(|e| panic!("a documented key is not accepted: {e}"));
    assert_eq!(
        cfg.sources["prom"].bearer_token_env.as_deref(),
        Some("PROM_TOKEN")
    );
    assert_eq!(cfg.general.user.as_deref(), Some("alice"));
}

#[test]
fn every_theme_file_parses_and_defines_every_role() {
    let mut seen = 0;
    for entry in std::fs::read_dir("themes").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        Theme::parse(&name, &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            oncall::theme::BUILTIN.iter().any(|(n, _)| *n == name),
            "{name} is in themes/ but not embedded as a built-in"
        );
        seen += 1;
    }
    assert!(seen >= 2);
}

const GOOD: &str = r#"
[general]
refresh = "10s"

[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:9090"

[[pages]]
title = "P"

  [[pages.panels]]
  title = "Error rate"
  kind = "stat"
  source = "prom"
  query = 'up'
  width = 8
"#;

/// (what to change in GOOD, expected line, expected key, words the message must hold)
const BAD: &[(&str, &str, usize, &str, &[&str])] = &[
    (
        "refresh = \"10s\"",
        "refersh = \"10s\"",
        3,
        "general.refersh",
        &["unknown field `refersh`", "did you mean `refresh`?"],
    ),
    (
        "refresh = \"10s\"",
        "refresh = \"10 seconds\"",
        3,
        "general.refresh",
        &["not a duration", "\"10s\""],
    ),
    (
        "refresh = \"10s\"",
        "refresh = \"101111111111111111111111111111111111111s\"",
        3,
        "general.refresh",
        &["too long a duration"],
    ),
    (
        "refresh = \"10s\"",
        "refresh = \"10000000000000000000s\"",
        3,
        "general.refresh",
        &["too long a duration", "at most 3650d"],
    ),
    (
        "kind = \"stat\"",
        "kind = \"stats\"",
        14,
        "pages.panels.kind",
        &["unknown variant `stats`", "did you mean `stat`?"],
    ),
    (
        "source = \"prom\"",
        "source = \"prometheus\"",
        15,
        "pages.panels.source",
        &["no source `prometheus`", "known sources: prom"],
    ),
    (
        "width = 8",
        "width = 30",
        17,
        "pages.panels.width",
        &["outside 1..=24"],
    ),
    (
        "width = 8",
        "thresholds = { warn = 0.02, crit = 0.01 }",
        17,
        "pages.panels.thresholds",
        &["warn (0.02) is above crit (0.01)", "direction = \"below\""],
    ),
    (
        "url = \"http://127.0.0.1:9090\"",
        "url = \"127.0.0.1:9090\"",
        7,
        "sources.prom.url",
        &["not a URL", "http://127.0.0.1:9090"],
    ),
    (
        "kind = \"prometheus\"",
        "kind = \"sentry\"",
        5,
        "sources.prom.org",
        &["needs `org`"],
    ),
    (
        "query = 'up'",
        "query = 'up",
        16,
        "pages.panels.query",
        &["invalid"],
    ),
    (
        "refresh = \"10s\"",
        "refresh = \"10s\"\ntimezone = \"Mars/Olympus\"",
        4,
        "general.timezone",
        &["unknown time zone", "Europe/Madrid"],
    ),
    (
        "  query = 'up'\n",
        "",
        12,
        "pages.panels.query",
        &["needs `query"],
    ),
];

#[test]
fn bad_configs_name_file_line_and_key() {
    for (from, to, line, key, words) in BAD {
        assert!(GOOD.contains(from), "test table: {from:?} not in GOOD");
        let text = GOOD.replacen(from, to, 1);
        let err = Config::parse(&text, Path::new("/etc/oncall/team.toml"))
            .expect_err(&format!("{to:?} must be rejected"));
        let msg = err.to_string();
        let ConfigError::Invalid(loc) = &err else {
            panic!("{to:?}: not a located error: {msg}");
        };
        assert!(
            msg.starts_with(&format!("/etc/oncall/team.toml:{line}:")),
            "{to:?}: wrong place: {msg}"
        );
        assert!(loc.key.starts_with(key), "{to:?}: key {} in {msg}", loc.key);
        for w in *words {
            assert!(msg.contains(w), "{to:?}: {w:?} missing from: {msg}");
        }
    }
}

#[test]
fn a_missing_file_says_how_to_start() {
    let err = Config::load(Path::new("/nonexistent/oncall.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("oncall --demo") && msg.contains("oncall init"),
        "{msg}"
    );
}
