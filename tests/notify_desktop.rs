//! Desktop notifications against a real notification service on a private session bus
//! (`tests/tools/notify-capture`). The tests re-run this test binary as the notifying
//! program: the `child_*` tests are ignored and do nothing unless `ONCALL_NOTIFY_CHILD` is set.
//! Missing `dbus`, `python3-dbus` or `python3-gi` fails the tests with the command that installs
//! them; they never skip.

#![allow(clippy::unwrap_used)]

use oncall::incidents::Severity;
use oncall::notify::desktop::{self, DesktopEvent};
use oncall::notify::{NoteKind, Notification, Urgency};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const CHILD: &str = "ONCALL_NOTIFY_CHILD";
const INSTALL: &str = "apt-get install -y dbus python3-dbus python3-gi";

fn note(id: &str, severity: Severity, title: &str, runbook: Option<&str>) -> Notification {
    Notification {
        incident: id.into(),
        covers: vec![id.into()],
        title: title.into(),
        severity,
        summary: format!("{} {title}", severity.name()),
        body: format!("{title} needs a look\nservice: checkout · open 3m"),
        urgency: Urgency::for_severity(severity),
        kind: NoteKind::New,
        runbook: runbook.map(String::from),
    }
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Receives events until the senders are gone (every notification's wait ended) or `limit`.
async fn collect(mut rx: mpsc::UnboundedReceiver<DesktopEvent>, limit: Duration) {
    let started = Instant::now();
    loop {
        match tokio::time::timeout_at((started + limit).into(), rx.recv()).await {
            Ok(Some(event)) => println!("EVENT {event:?}"),
            Ok(None) => break,
            Err(_) => {
                println!("TIMEOUT");
                return;
            }
        }
    }
    println!("DONE after {}ms", started.elapsed().as_millis());
}

#[tokio::test]
#[ignore = "run by the notify-capture tests below"]
async fn child_sends_notifications() {
    if !is_child() {
        return;
    }
    println!("AVAILABLE {}", desktop::available().await);
    let rb = Some("https://wiki.example.com/runbooks/high-error-rate");
    // One after the other: notify-rust's listener can miss its own signal when another
    // notification's signal reaches the same moment.
    for n in [
        note("am:p1", Severity::P1, "HighErrorRate", rb),
        note("am:p3", Severity::P3, "UiGlitch", None),
    ] {
        let (tx, rx) = mpsc::unbounded_channel();
        desktop::spawn_show(n, tx);
        collect(rx, Duration::from_secs(6)).await;
    }
}

#[tokio::test]
#[ignore = "run by the tests below"]
async fn child_without_service() {
    if !is_child() {
        return;
    }
    let started = Instant::now();
    println!("AVAILABLE {}", desktop::available().await);
    println!("PROBED after {}ms", started.elapsed().as_millis());
    let (tx, rx) = mpsc::unbounded_channel();
    desktop::spawn_show(note("am:p1", Severity::P1, "HighErrorRate", None), tx);
    collect(rx, Duration::from_secs(10)).await;
}

fn capture_tool() -> PathBuf {
    let tool = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools/notify-capture");
    assert!(
        tool.exists(),
        "{} is missing from the checkout",
        tool.display()
    );
    tool
}

fn require_dbus_tools() {
    let found = |b: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(b).exists()))
    };
    assert!(
        found("dbus-run-session") && found("dbus-send"),
        "dbus-run-session is not installed: install it with `{INSTALL}`"
    );
    let python = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import dbus, dbus.service; from gi.repository import GLib",
        ])
        .output();
    assert!(
        python.is_ok_and(|o| o.status.success()),
        "/usr/bin/python3 with the dbus and gi modules is needed: install them with `{INSTALL}`"
    );
}

fn child(name: &str) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    [exe.to_str().unwrap(), "--exact", name, "--nocapture"]
        .iter()
        .chain(&["--include-ignored", "--test-threads=1"])
        .map(|s| s.to_string())
        .collect()
}

/// One notify-capture session at a time: each starts a bus daemon and a Python service.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs a child test under notify-capture; returns its output and the recorded notifications.
///
/// The service clicks or closes 200/400 ms after each notification, and notify-rust starts
/// listening only once the service has answered; on a machine starved of CPU that can be too
/// late, which the child reports as `TIMEOUT`. That run is retried (up to three in all).
fn under_capture(name: &str, extra: &[&str], env: &[(&str, &str)]) -> (Output, Vec<Value>) {
    require_dbus_tools();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for attempt in 1.. {
        let (out, notes) = capture_once(name, extra, env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if attempt == 3 || !stdout.contains("TIMEOUT") {
            return (out, notes);
        }
        eprintln!("attempt {attempt} missed the service's answer, retrying:\n{stdout}");
    }
    unreachable!()
}

fn capture_once(name: &str, extra: &[&str], env: &[(&str, &str)]) -> (Output, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("notifications.jsonl");
    let mut cmd = Command::new(capture_tool());
    cmd.args(extra)
        .args(["-t", "30", "--"])
        .args(child(name))
        .env(CHILD, "1")
        .env("NOTIFY_LOG", &log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let notes = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out, notes)
}

fn find<'a>(notes: &'a [Value], summary: &str) -> &'a Value {
    notes
        .iter()
        .find(|n| n["summary"] == summary)
        .unwrap_or_else(|| panic!("no notification {summary:?} in {notes:#?}"))
}

#[test]
fn notifications_reach_the_service_and_acknowledge_comes_back() {
    let (out, notes) = under_capture("child_sends_notifications", &["-a", "ack"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("AVAILABLE true"), "{stdout}");
    assert_eq!(notes.len(), 2, "{notes:#?}");

    let p1 = find(&notes, "P1 HighErrorRate");
    assert_eq!(p1["app_name"], "oncall");
    let body = p1["body"].as_str().unwrap();
    assert!(body.contains("HighErrorRate needs a look"), "{body}");
    assert!(body.contains("service: checkout · open 3m"), "{body}");
    assert_eq!(p1["hints"]["urgency"], 2);
    assert_eq!(p1["hints"]["category"], "alert");
    let actions: Vec<&str> = p1["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        actions.windows(2).any(|w| w == ["ack", "Acknowledge"]),
        "{actions:?}"
    );
    assert!(
        actions.windows(2).any(|w| w == ["runbook", "Open runbook"]),
        "{actions:?}"
    );
    assert_eq!(actions.len() % 2, 0);

    let p3 = find(&notes, "P3 UiGlitch");
    assert_eq!(p3["hints"]["urgency"], 0);
    assert_eq!(p3["hints"]["category"], "alert");
    assert!(
        !p3["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "runbook")
    );

    for id in ["am:p1", "am:p3"] {
        assert!(
            stdout.contains(&format!("EVENT Shown {{ incident: \"{id}\" }}")),
            "{stdout}"
        );
    }
    let ack = "EVENT Action { incident: \"am:p1\", action: \"ack\" }";
    assert!(stdout.contains(ack), "{stdout}");
    let ack3 = "EVENT Action { incident: \"am:p3\", action: \"ack\" }";
    assert!(stdout.contains(ack3), "{stdout}");
    assert_eq!(
        stdout.matches("DONE after").count(),
        2,
        "the waits did not end: {stdout}"
    );
}

#[test]
fn a_closed_notification_ends_the_wait_without_an_action() {
    let (out, notes) = under_capture(
        "child_sends_notifications",
        &[],
        &[("NOTIFY_CLOSE_REASON", "2")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(stdout.contains("EVENT Shown"), "{stdout}");
    assert!(!stdout.contains("EVENT Action"), "{stdout}");
    assert_eq!(
        stdout.matches("DONE after").count(),
        2,
        "the waits did not end: {stdout}"
    );
}

#[test]
fn without_a_service_available_is_false_and_showing_fails() {
    let started = Instant::now();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(&child("child_without_service")[1..])
        .env(CHILD, "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("AVAILABLE false"), "{stdout}");
    assert!(
        stdout.contains("EVENT Failed { incident: \"am:p1\""),
        "{stdout}"
    );
    assert!(stdout.contains("DONE after"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
