//! The command line as a user meets it: first run without config, init, check, snapshot --demo.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn oncall(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oncall"))
        .args(args)
        .env_remove("ONCALL_CONFIG")
        .env_remove("NO_COLOR")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn without_a_config_it_says_how_to_start() {
    let home = tempfile::tempdir().unwrap();
    let out = oncall(home.path(), &["snapshot"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("oncall --demo") && err.contains("oncall init"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.lines().count() <= 2, "one readable paragraph: {err}");
}

#[test]
fn init_writes_the_example_once_and_never_overwrites() {
    let home = tempfile::tempdir().unwrap();
    let out = oncall(home.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = home.path().join("config/oncall/config.toml");
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        std::fs::read_to_string("config.example.toml").unwrap()
    );

    std::fs::write(&path, "# mine\n").unwrap();
    let out = oncall(home.path(), &["init"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not overwriting"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["config.toml"], "no temporary file is left behind");
}

#[test]
fn a_bad_config_is_one_paragraph_with_file_line_key() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "[general]\nrefresh = \"10s\"\nthemes = \"dark\"\n").unwrap();
    let out = oncall(home.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:1: key `general.themes`", cfg.display())),
        "{err}"
    );
    assert!(err.contains("did you mean `theme`?"), "{err}");
}

#[test]
fn check_fails_on_an_unreachable_source_and_passes_on_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("dead.toml");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &cfg,
        format!("[sources.prom]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:{port}\"\ntimeout = \"1s\"\n"),
    )
    .unwrap();
    let out = oncall(home.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains("FAIL  prom") && report.contains("refused"),
        "{report}"
    );

    let out = oncall(home.path(), &["check", "--demo"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("ok    prom"));
}

#[test]
fn demo_snapshot_has_every_board_panel_with_data() {
    let home = tempfile::tempdir().unwrap();
    let out = oncall(home.path(), &["snapshot", "--demo", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let raw = text(&out.stdout);
    assert!(
        !raw.contains('\u{1b}') && !raw.contains("\\u001b"),
        "escape in snapshot"
    );
    let snap: Value = serde_json::from_str(&raw).unwrap();
    let panels = snap["panels"].as_array().unwrap();
    let ids: Vec<&str> = panels.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "system-health",
            "request-rate",
            "error-rate",
            "active-users",
            "incidents",
            "on-call",
            "response-time",
            "traffic",
            "logs",
            "errors",
            "db-connections",
            "transactions",
            "slow-queries",
            "error-budget",
        ]
    );
    for p in panels
        .iter()
        .filter(|p| p["kind"] != "incidents" && p["kind"] != "oncall")
    {
        assert_ne!(p["status"], "error", "{p}");
        assert_ne!(p["status"], "nodata", "{p}");
        assert!(p["value"].is_number(), "{p}");
        assert!(chrono::DateTime::parse_from_rfc3339(p["updated_at"].as_str().unwrap()).is_ok());
    }
    let latency = panels.iter().find(|p| p["id"] == "response-time").unwrap();
    assert_eq!(latency["series"].as_array().unwrap().len(), 3);
    assert!(latency["series"][0]["points"].as_array().unwrap().len() > 100);
    assert!(chrono::DateTime::parse_from_rfc3339(snap["generated_at"].as_str().unwrap()).is_ok());
    // The demo Alertmanager always has its P4 certificate warning.
    let incidents = snap["incidents"].as_array().unwrap();
    let cert = incidents
        .iter()
        .find(|i| i["title"] == "CertificateExpiresSoon")
        .unwrap_or_else(|| panic!("{incidents:#?}"));
    assert_eq!(cert["severity"], "P4");
    assert_eq!(cert["source"], "am");
    let kinds: Vec<&str> = snap["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["alertmanager", "loki", "prometheus", "sentry"]);
    for s in snap["sources"].as_array().unwrap() {
        assert_eq!(s["status"], "ok", "{s}");
    }
    let budget = panels.iter().find(|p| p["id"] == "error-budget").unwrap();
    assert!(
        budget["display"].as_str().unwrap().contains(" of 43 min"),
        "{budget}"
    );
    // The demo's rotation.
    assert!(snap["oncall"]["now"].is_string() && snap["oncall"]["next"].is_string());
    assert!(
        chrono::DateTime::parse_from_rfc3339(snap["oncall"]["handoff_at"].as_str().unwrap())
            .is_ok()
    );
    // Logs and errors from the demo's Loki and Sentry, sanitized.
    let logs = snap["logs"].as_array().unwrap();
    assert!(logs.len() >= 50, "{} log lines", logs.len());
    assert!(
        logs.iter().all(|l| l["ts"].as_str().unwrap().len() == 30),
        "ns precision"
    );
    let errors = snap["errors"].as_array().unwrap();
    assert!(errors.len() >= 5);
    assert!(
        errors
            .iter()
            .all(|e| e["short_id"].as_str().unwrap().starts_with("CHECKOUT-"))
    );
}

#[test]
fn demo_snapshot_text_fits_80x24() {
    let home = tempfile::tempdir().unwrap();
    let out = oncall(
        home.path(),
        &["snapshot", "--demo", "--width", "80", "--height", "24"],
    );
    assert!(out.status.success());
    let frame = text(&out.stdout);
    let lines: Vec<&str> = frame.lines().collect();
    assert_eq!(lines.len(), 24, "{frame}");
    for l in &lines {
        assert!(
            unicode_width::UnicodeWidthStr::width(*l) <= 80,
            "too wide: {l}"
        );
    }
    // The board is taller than 24 lines: the top rows show, the rest scrolls into view with
    // the focus.
    for title in ["System Health", "Error rate", "Incidents", "Response time"] {
        assert!(frame.contains(title), "{title} missing at 80x24:\n{frame}");
    }
}

#[test]
fn completions_are_printed() {
    let home = tempfile::tempdir().unwrap();
    let out = oncall(home.path(), &["completions", "bash"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("snapshot"));
}

#[test]
fn who_prints_the_rotation_and_fails_without_one() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[general]\nuser = \"bob\"\n[oncall]\nmembers = [\"alice\", \"bob\"]\nrotation = \"1d\"\nhandoff = \"09:00\"\ntimezone = \"UTC\"\nstart = \"2026-01-05\"\n",
    )
    .unwrap();
    let out = oncall(home.path(), &["who", "--config", cfg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("on call now: "), "{said}");
    assert!(said.contains("alice") && said.contains("bob"), "{said}");
    assert!(said.contains("(you)"), "bob is either now or next: {said}");

    std::fs::write(&cfg, "[general]\nuser = \"bob\"\n").unwrap();
    let out = oncall(home.path(), &["who", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no rotation configured"));
}

#[test]
fn ascii_and_low_bandwidth_frames() {
    let home = tempfile::tempdir().unwrap();
    let out = oncall(
        home.path(),
        &[
            "snapshot", "--demo", "--ascii", "--width", "120", "--height", "40",
        ],
    );
    assert!(out.status.success());
    let frame = text(&out.stdout);
    let drawing = |c: char| {
        let u = c as u32;
        (0x2500..=0x259F).contains(&u) || (0x2800..=0x28FF).contains(&u) || "✓✗✖▲●∅▶■…".contains(c)
    };
    let bad: Vec<char> = frame.chars().filter(|&c| drawing(c)).collect();
    assert!(
        bad.is_empty(),
        "drawing characters left with --ascii: {bad:?}\n{frame}"
    );
    assert!(frame.contains("+ System Health"), "{frame}");

    let out = oncall(
        home.path(),
        &[
            "snapshot",
            "--demo",
            "--low-bandwidth",
            "--width",
            "120",
            "--height",
            "40",
        ],
    );
    let frame = text(&out.stdout);
    assert!(
        !frame
            .chars()
            .any(|c| (0x2801..=0x28FF).contains(&(c as u32))),
        "charts become sparklines on a slow link:\n{frame}"
    );
    assert!(frame.contains("Response time"));
}

#[test]
fn local_time_is_the_systems_zone() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("c.toml");
    // No zone anywhere: general.timezone is "local", and the rotation takes it.
    std::fs::write(
        &cfg,
        "[oncall]\nmembers = [\"alice\", \"bob\"]\nrotation = \"1d\"\nhandoff = \"09:00\"\nstart = \"2026-01-05\"\n",
    )
    .unwrap();
    let who = |tz: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_oncall"))
            .args(["who", "--config", cfg.to_str().unwrap()])
            .env("HOME", home.path())
            .env("TZ", tz)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let kathmandu = who("Asia/Kathmandu");
    assert!(kathmandu.contains("09:00 +0545"), "{kathmandu}");
    let utc = who("UTC");
    assert!(utc.contains("09:00 UTC"), "{utc}");
}
