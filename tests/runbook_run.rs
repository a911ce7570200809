//! Runbook commands: argv substitution that no label value can escape, and running the
//! result without a shell (ordered output, exit codes, timeouts, cancel, bounded output).

#![allow(clippy::unwrap_used)]

use oncall::runbook::run::{MAX_LINES, TAIL_LINES};
use oncall::runbook::{RunEvent, TemplateError, render_argv, spawn};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

mod support_runbook;
use support_runbook::app_down as incident;

fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Runs to the end; returns (lines with their stderr flag, exit code, timed out, tail).
async fn run(
    argv: Vec<String>,
    timeout: Duration,
) -> (Vec<(String, bool)>, Option<i32>, bool, String) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    spawn(argv, timeout, tx).unwrap();
    let mut lines = Vec::new();
    while let Some(ev) = rx.recv().await {
        match ev {
            RunEvent::Output { line, stderr } => lines.push((line, stderr)),
            RunEvent::Exited {
                code,
                timed_out,
                tail,
            } => {
                assert!(rx.recv().await.is_none(), "nothing after Exited");
                return (lines, code, timed_out, tail);
            }
        }
    }
    panic!("no Exited event");
}

const HOSTILE: &[&str] = &[
    "two words",
    "it's \"quoted\"",
    "a; rm -rf ~",
    "$(touch /tmp/x)",
    "`id`",
    "a | tee /tmp/y",
    "ok && reboot",
    "ünïcödé ✓ 日本",
    "*",
    "~",
    "$HOME",
];

#[tokio::test]
async fn hostile_label_values_stay_one_literal_argument() {
    for value in HOSTILE {
        let inc = incident(&[("v", value)]);
        let args = render_argv(
            &argv(&["printf", "[%s]\\n", "{{labels.v}}", "x={{labels.v}}"]),
            &inc,
        )
        .unwrap();
        assert_eq!(args.len(), 4, "{value:?} changed the argument count");
        let (lines, code, ..) = run(args, Duration::from_secs(10)).await;
        assert_eq!(code, Some(0));
        let got: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            got,
            [format!("[{value}]"), format!("[x={value}]")],
            "{value:?}"
        );
    }
}

#[tokio::test]
async fn command_substitution_in_a_label_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("pwned");
    for value in [
        format!("$(touch {})", target.display()),
        format!("`touch {}`", target.display()),
        format!("; touch {}", target.display()),
    ] {
        let inc = incident(&[("deployment", &value)]);
        let args = render_argv(&argv(&["echo", "deployment/{{labels.deployment}}"]), &inc).unwrap();
        let (lines, code, ..) = run(args, Duration::from_secs(10)).await;
        assert_eq!(code, Some(0));
        assert_eq!(lines, [(format!("deployment/{value}"), false)]);
        assert!(!target.exists(), "{value:?} ran a command");
    }
}

#[test]
fn a_label_can_never_become_an_option() {
    for value in ["--force", "-rf", "-", "--all-namespaces=true"] {
        let inc = incident(&[("d", value)]);
        let err = render_argv(&argv(&["kubectl", "delete", "{{labels.d}}"]), &inc).unwrap_err();
        assert!(
            matches!(err, TemplateError::LeadingDash { arg: 2, .. }),
            "{value}: {err}"
        );
        let ok = render_argv(
            &argv(&["kubectl", "rollout", "undo", "deployment/{{labels.d}}"]),
            &inc,
        )
        .unwrap();
        assert_eq!(ok[3], format!("deployment/{value}"));
    }
}

#[test]
fn newlines_and_missing_labels_are_refused() {
    for value in ["app\n--force", "app\r", "a\u{1b}[2Jb", "a\u{0}b"] {
        let inc = incident(&[("d", value)]);
        let err = render_argv(&argv(&["echo", "{{labels.d}}"]), &inc).unwrap_err();
        assert!(
            matches!(err, TemplateError::ControlCharacter { .. }),
            "{value:?}"
        );
    }
    let err = render_argv(&argv(&["echo", "{{labels.deployment}}"]), &incident(&[])).unwrap_err();
    assert_eq!(err.to_string(), "the incident has no label `deployment`");
    let err = render_argv(&argv(&["echo", "{{nope}}"]), &incident(&[])).unwrap_err();
    assert!(
        err.to_string().contains("unknown placeholder `{{nope}}`"),
        "{err}"
    );
    let err = render_argv(&argv(&["echo", "{{labels.x"]), &incident(&[])).unwrap_err();
    assert!(matches!(err, TemplateError::Unclosed { arg: 1 }));
}

#[tokio::test]
async fn output_streams_in_order_with_streams_marked() {
    let (lines, code, timed_out, tail) = run(
        argv(&["printf", "one\\ntwo\\nthree\\n"]),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!((code, timed_out), (Some(0), false));
    let got: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(got, ["one", "two", "three"]);
    assert_eq!(tail, "one\ntwo\nthree");

    let (lines, ..) = run(
        argv(&["sh", "-c", "echo to-err >&2"]),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(lines, [("to-err".to_string(), true)]);
}

#[tokio::test]
async fn exit_codes_and_closed_stdin() {
    assert_eq!(
        run(argv(&["false"]), Duration::from_secs(10)).await.1,
        Some(1)
    );
    assert_eq!(
        run(argv(&["sh", "-c", "exit 7"]), Duration::from_secs(10))
            .await
            .1,
        Some(7)
    );
    let (lines, code, ..) = run(argv(&["cat"]), Duration::from_secs(10)).await;
    assert_eq!(
        (lines.len(), code),
        (0, Some(0)),
        "stdin is closed, cat ends at once"
    );
}

#[tokio::test]
async fn killed_at_the_timeout() {
    let start = Instant::now();
    let (lines, code, timed_out, tail) = run(
        argv(&["sh", "-c", "echo started; sleep 30; echo never"]),
        Duration::from_millis(300),
    )
    .await;
    assert!(timed_out);
    assert_eq!(code, None);
    assert_eq!(lines, [("started".to_string(), false)]);
    assert_eq!(tail, "started");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn cancel_stops_the_command() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let start = Instant::now();
    let handle = spawn(argv(&["sleep", "30"]), Duration::from_secs(60), tx).unwrap();
    assert!(handle.pid().is_some());
    handle.cancel();
    let ev = rx.recv().await.unwrap();
    assert!(
        matches!(
            ev,
            RunEvent::Exited {
                code: None,
                timed_out: false,
                ..
            }
        ),
        "{ev:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn output_is_bounded() {
    let (lines, code, _, tail) = run(
        argv(&["seq", "1", &(MAX_LINES + 50).to_string()]),
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), MAX_LINES + 1);
    assert_eq!(lines[MAX_LINES - 1].0, MAX_LINES.to_string());
    assert!(lines[MAX_LINES].0.contains("cut"), "{:?}", lines[MAX_LINES]);
    assert_eq!(tail.lines().count(), TAIL_LINES);
    assert_eq!(
        tail.lines().last(),
        Some((MAX_LINES + 50).to_string().as_str())
    );
}
