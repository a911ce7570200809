//! Notification channels without a desktop: byte-exact terminal sequences (also through tmux
//! and with hostile titles), the argv hook, channel choice and the `[notify]` table.

#![allow(clippy::unwrap_used)]

use oncall::incidents::Severity;
use oncall::notify::command::{hook_env, run_hook};
use oncall::notify::terminal::{bell, osc9, osc99, osc777, sequence, tmux_wrap};
use oncall::notify::{
    Channels, Mode, NoteKind, Notification, NotifyConfig, TerminalMode, Urgency, choose, desktop,
};
use std::time::{Duration, Instant};

fn note(title: &str) -> Notification {
    Notification {
        incident: "am:abc123".into(),
        covers: vec!["am:abc123".into()],
        title: title.into(),
        severity: Severity::P1,
        summary: format!("P1 {title}"),
        body: "Error rate 2.3% is above 1%\nservice: checkout · open 3m".into(),
        urgency: Urgency::Critical,
        kind: NoteKind::New,
        runbook: Some("https://wiki.example.com/runbooks/high-error-rate".into()),
    }
}

const HOSTILE: &str = "Evil\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \u{9c}; \x07done";

#[test]
fn sequences_are_byte_exact() {
    assert_eq!(osc777("P1 A", "b c"), "\x1b]777;notify;P1 A;b c\x07");
    assert_eq!(osc777("P1 a;b", "x;y"), "\x1b]777;notify;P1 a,b;x;y\x07");
    assert_eq!(osc9("P1 HighErrorRate"), "\x1b]9;P1 HighErrorRate\x07");
    assert_eq!(osc99("P1 HighErrorRate"), "\x1b]99;;P1 HighErrorRate\x1b\\");
    assert_eq!(bell(), "\x07");
    assert_eq!(
        tmux_wrap("\x1b]9;hi\x07"),
        "\x1bPtmux;\x1b\x1b]9;hi\x07\x1b\\"
    );
    assert_eq!(
        tmux_wrap("\x1b]99;;hi\x1b\\"),
        "\x1bPtmux;\x1b\x1b]99;;hi\x1b\x1b\\\x1b\\"
    );
}

#[test]
fn osc9_never_starts_with_a_digit_command() {
    assert_eq!(osc9("9;4;1;50"), "\x1b]9; 9;4;1;50\x07");
    assert_eq!(osc9("4;"), "\x1b]9; 4;\x07");
    // Also when the digit only shows up after sanitizing.
    assert_eq!(osc9("\x1b[0m1;x"), "\x1b]9; 1;x\x07");
}

#[test]
fn hostile_titles_cannot_end_or_start_a_sequence() {
    let expect_text = "Evil red , done";
    assert_eq!(
        osc777(HOSTILE, HOSTILE),
        format!("\x1b]777;notify;{expect_text};Evil red ; done\x07")
    );
    assert_eq!(osc9(HOSTILE), "\x1b]9;Evil red ; done\x07");
    assert_eq!(osc99(HOSTILE), "\x1b]99;;Evil red ; done\x1b\\");
    // `]0;` without its ESC is plain text, and stays inert.
    assert_eq!(osc9("]0;title"), "\x1b]9;]0;title\x07");
    for s in [osc777(HOSTILE, HOSTILE), osc9(HOSTILE)] {
        assert_eq!(s.matches('\x1b').count(), 1, "{s:?}");
        assert_eq!(s.matches('\x07').count(), 1, "{s:?}");
        assert!(!s.contains('\u{9c}'));
    }
}

#[test]
fn sequence_per_mode_and_in_tmux() {
    let n = note("HighErrorRate");
    let body = "Error rate 2.3% is above 1% · service: checkout · open 3m";
    let both = format!("P1 HighErrorRate · {body}");
    let osc777_plain = format!("\x1b]777;notify;P1 HighErrorRate;{body}\x07");
    assert_eq!(
        sequence(TerminalMode::Osc777, &n, false).unwrap(),
        osc777_plain
    );
    assert_eq!(
        sequence(TerminalMode::Osc9, &n, false).unwrap(),
        format!("\x1b]9;{both}\x07")
    );
    assert_eq!(
        sequence(TerminalMode::Osc99, &n, false).unwrap(),
        format!("\x1b]99;;{both}\x1b\\")
    );
    assert_eq!(
        sequence(TerminalMode::Osc777, &n, true).unwrap(),
        format!("\x1bPtmux;\x1b\x1b]777;notify;P1 HighErrorRate;{body}\x07\x1b\\")
    );
    assert_eq!(
        sequence(TerminalMode::Osc99, &n, true).unwrap(),
        format!("\x1bPtmux;\x1b\x1b]99;;{both}\x1b\x1b\\\x1b\\")
    );
    for tmux in [false, true] {
        assert_eq!(sequence(TerminalMode::Bell, &n, tmux).unwrap(), "\x07");
        assert_eq!(sequence(TerminalMode::Auto, &n, tmux).unwrap(), "\x07");
        assert_eq!(sequence(TerminalMode::Off, &n, tmux), None);
    }
    let evil = note(HOSTILE);
    let wrapped = sequence(TerminalMode::Osc9, &evil, true).unwrap();
    assert!(wrapped.starts_with("\x1bPtmux;\x1b\x1b]9;P1 Evil red ; done · "));
    assert_eq!(wrapped.matches('\x1b').count(), 4, "{wrapped:?}");
}

#[test]
fn long_bodies_are_cut() {
    let mut n = note("X");
    n.body = "y".repeat(5000);
    let s = sequence(TerminalMode::Osc9, &n, false).unwrap();
    assert!(s.chars().count() < 260, "{}", s.len());
    assert!(s.ends_with("…\x07"));
}

#[test]
fn desktop_notification_fields_and_actions() {
    let n = note("HighErrorRate");
    let d = desktop::build(&n, true, false);
    assert_eq!(d.appname, "oncall");
    assert_eq!(d.summary, "P1 HighErrorRate");
    assert_eq!(
        d.actions,
        [
            "default",
            "Open",
            "runbook",
            "Open runbook",
            "ack",
            "Acknowledge"
        ]
    );
    assert!(desktop::build(&n, false, false).actions.is_empty());
    let mut storm = note("Alert storm");
    storm.kind = NoteKind::Storm;
    storm.incident.clear();
    storm.runbook = None;
    assert_eq!(desktop::actions(&storm), [("default", "Open")]);
    let mut tags = note("X");
    tags.body = "a < b & <b>c</b>".into();
    assert_eq!(
        desktop::build(&tags, false, true).body,
        "a &lt; b &amp; &lt;b&gt;c&lt;/b&gt;"
    );
    assert_eq!(desktop::build(&tags, false, false).body, "a < b & <b>c</b>");
}

fn cfg(desktop: Mode, terminal: TerminalMode) -> NotifyConfig {
    NotifyConfig {
        desktop,
        terminal,
        ..NotifyConfig::default()
    }
}

#[test]
fn channel_choice() {
    use TerminalMode::*;
    let ch = |d, t, avail| choose(&cfg(d, t), avail);
    let plain = |desktop, terminal| Channels {
        desktop,
        terminal,
        banner_warning: None,
    };
    assert_eq!(ch(Mode::Auto, Auto, true), plain(true, None));
    assert_eq!(ch(Mode::Auto, Auto, false), plain(false, Some(Bell)));
    assert!(ch(Mode::Auto, Auto, false).needs_banner());
    assert_eq!(ch(Mode::Auto, Osc777, true), plain(true, Some(Osc777)));
    assert_eq!(ch(Mode::Off, Auto, true), plain(false, Some(Bell)));
    assert_eq!(ch(Mode::Off, Osc9, true), plain(false, Some(Osc9)));
    assert_eq!(ch(Mode::On, Auto, true), plain(true, None));
    assert_eq!(ch(Mode::Auto, Off, false), plain(false, None));
    let warned = ch(Mode::On, Auto, false);
    assert!(!warned.desktop);
    assert_eq!(warned.terminal, Some(Bell));
    assert_eq!(
        warned.banner_warning.as_deref(),
        Some("desktop notifications unavailable (no notification service): using the terminal")
    );
    assert_eq!(ch(Mode::On, Osc99, false).terminal, Some(Osc99));
    let silent = ch(Mode::On, Off, false);
    assert_eq!(silent.terminal, None);
    assert!(
        silent
            .banner_warning
            .unwrap()
            .contains("terminal notifications are off")
    );
}

#[test]
fn notify_table_parses_with_defaults() {
    let d: NotifyConfig = toml::from_str("").unwrap();
    assert_eq!(d, NotifyConfig::default());
    assert_eq!((d.desktop, d.terminal), (Mode::Auto, TerminalMode::Auto));
    assert_eq!(d.min_severity, Severity::P2);
    assert_eq!(d.repeat_until_ack, [Severity::P0]);
    assert_eq!(d.repeat.0, Duration::from_secs(300));
    assert_eq!(d.cooldown.0, Duration::from_secs(60));
    assert_eq!((d.storm, d.storm_window.0), (5, Duration::from_secs(60)));
    assert_eq!(d.command_timeout.0, Duration::from_secs(10));
    let c: NotifyConfig = toml::from_str(
        r#"
        desktop = "on"
        terminal = "osc777"
        min_severity = "P1"
        repeat_until_ack = ["P0", "P1"]
        repeat = "10m"
        cooldown = "30s"
        storm = 8
        storm_window = "2m"
        command = ["notify-team", "--page"]
        command_timeout = "5s"
        "#,
    )
    .unwrap();
    assert_eq!(c.terminal, TerminalMode::Osc777);
    assert_eq!(c.repeat_until_ack, [Severity::P0, Severity::P1]);
    assert_eq!(c.command, ["notify-team", "--page"]);
    for t in ["osc9", "osc99", "bell", "off", "auto"] {
        toml::from_str::<NotifyConfig>(&format!("terminal = \"{t}\"")).unwrap();
    }
    let err = toml::from_str::<NotifyConfig>("desktp = \"on\"").unwrap_err();
    assert!(err.to_string().contains("desktp"), "{err}");
    assert!(toml::from_str::<NotifyConfig>("terminal = \"osc8\"").is_err());
}

fn env_map(path: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let raw = std::fs::read(path).unwrap();
    raw.split(|b| *b == 0)
        .filter_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            let (k, v) = kv.split_once('=')?;
            k.starts_with("ONCALL_")
                .then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn dump_env_hook(file: &std::path::Path) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        "env -0 > \"$1\"".into(),
        "sh".into(),
        file.display().to_string(),
    ]
}

#[tokio::test]
async fn hook_gets_the_fields_in_env_vars() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("env");
    let n = note("HighErrorRate");
    run_hook(&dump_env_hook(&file), &n, Duration::from_secs(10))
        .await
        .unwrap();
    let env = env_map(&file);
    let expected: std::collections::BTreeMap<String, String> = [
        ("ONCALL_SEVERITY", "P1"),
        ("ONCALL_TITLE", "HighErrorRate"),
        ("ONCALL_SUMMARY", "P1 HighErrorRate"),
        ("ONCALL_BODY", n.body.as_str()),
        ("ONCALL_INCIDENT_ID", "am:abc123"),
        ("ONCALL_URGENCY", "critical"),
        (
            "ONCALL_RUNBOOK",
            "https://wiki.example.com/runbooks/high-error-rate",
        ),
        ("ONCALL_KIND", "new"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(env, expected);
    assert_eq!(hook_env(&n).len(), 8);
}

#[tokio::test]
async fn hostile_titles_arrive_verbatim_and_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("env");
    let marker = dir.path().join("pwned");
    let title = format!(
        "$(touch {m}); touch {m} `touch {m}` && rm -rf / ; -x \"q\" 'q'",
        m = marker.display()
    );
    let mut n = note(&title);
    n.runbook = None;
    run_hook(&dump_env_hook(&file), &n, Duration::from_secs(10))
        .await
        .unwrap();
    let env = env_map(&file);
    assert_eq!(env["ONCALL_TITLE"], title);
    assert_eq!(env["ONCALL_SUMMARY"], format!("P1 {title}"));
    assert_eq!(env["ONCALL_RUNBOOK"], "");
    assert!(!marker.exists(), "the title was executed");
}

#[tokio::test]
async fn a_hanging_hook_is_killed_at_the_timeout() {
    let started = Instant::now();
    let argv = vec!["sleep".to_string(), "30".to_string()];
    let err = run_hook(&argv, &note("X"), Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.contains("stopped after 300ms"), "{err}");
}

#[tokio::test]
async fn failures_name_the_exit_code_and_last_stderr_line() {
    let argv: Vec<String> = ["sh", "-c", "echo first >&2; echo 'disk full' >&2; exit 3"]
        .map(String::from)
        .to_vec();
    let err = run_hook(&argv, &note("X"), Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(err, "sh exited with 3: disk full");
    assert!(
        run_hook(&[], &note("X"), Duration::from_secs(1))
            .await
            .is_err()
    );
    let missing = vec!["/nonexistent/oncall-hook".to_string()];
    let err = run_hook(&missing, &note("X"), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        err.starts_with("cannot run /nonexistent/oncall-hook"),
        "{err}"
    );
}
