//! Runbooks through the reducer: `o` opens the matching runbook file, `x` lists its commands,
//! nothing runs before `y` on the dialog that shows the exact argv, hostile label values stay one
//! argument, read-only runs nothing, and the command's end lands in the timeline.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use oncall::action::{Action, AlertBatch, Effect};
use oncall::config::Config;
use oncall::incidents::journal::EventKind;
use oncall::runbook::RunEvent;
use oncall::sources::prometheus::PromAlert;
use oncall::state::{Overlay, State};
use oncall::update::update;
use std::path::Path;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn state(read_only: bool) -> State {
    let text = format!(
        r#"
[general]
read_only = {read_only}
[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:1"
[[runbooks]]
match = {{ alertname = "AppDown" }}
file = "runbooks/app-down.md"
  [[runbooks.commands]]
  name = "Roll back the deployment"
  argv = ["kubectl", "rollout", "undo", "deployment/{{{{labels.deployment}}}}", "--namespace", "{{{{labels.namespace}}}}"]
  dangerous = true
[[pages]]
title = "P"
  [[pages.panels]]
  title = "Incidents"
  kind = "incidents"
  width = 24
"#
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("oncall.toml");
    let cfg = Config::parse(&text, &path).unwrap();
    let mut s = State::new(&cfg, now());
    update(
        &mut s,
        Action::JournalLoaded {
            events: Vec::new(),
            warnings: Vec::new(),
        },
        now(),
    );
    let alert = PromAlert {
        labels: [
            ("alertname", "AppDown"),
            ("severity", "critical"),
            ("deployment", "checkout; rm -rf / $(reboot)"),
            ("namespace", "prod"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        annotations: Default::default(),
        state: "firing".into(),
        active_at: Some(now()),
        value: 1.0,
    };
    update(
        &mut s,
        Action::AlertsLoaded {
            source: "prom".into(),
            result: Ok(AlertBatch::Prometheus(vec![alert])),
        },
        now(),
    );
    assert_eq!(s.incidents.list.len(), 1);
    s
}

#[test]
fn o_opens_the_matching_runbook_file_in_the_viewer() {
    let mut s = state(false);
    let fx = update(&mut s, Action::OpenLink, now());
    let [Effect::ReadRunbook { path, incident, .. }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert!(path.ends_with("runbooks/app-down.md"), "{}", path.display());
    assert!(path.exists(), "relative to the config's folder");
    let text = oncall::runbook::load_file(path).unwrap();
    update(
        &mut s,
        Action::RunbookLoaded {
            incident: incident.clone(),
            title: "AppDown".into(),
            result: Ok(text),
        },
        now(),
    );
    assert!(matches!(s.overlay, Some(Overlay::Runbook(_))));
    let buf = oncall::snapshot::render(&s, &oncall::theme::Theme::fallback(), 90, 30);
    let screen = oncall::snapshot::to_text(&buf);
    assert!(screen.contains("First 5 minutes"), "{screen}");
    update(&mut s, Action::Back, now());
    assert!(s.overlay.is_none());
}

#[test]
fn nothing_runs_without_confirmation_and_argv_is_exact() {
    let mut s = state(false);
    assert!(update(&mut s, Action::RunCommands, now()).is_empty());
    assert!(matches!(s.overlay, Some(Overlay::Commands { .. })));
    // Moving and opening the dialog runs nothing.
    for a in [Action::Down, Action::Up, Action::Enter] {
        let fx = update(&mut s, a, now());
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::RunCommand { .. })),
            "{fx:?}"
        );
    }
    let Some(Overlay::Confirm { confirm, .. }) = &s.overlay else {
        panic!("no confirmation dialog: {:?}", s.overlay);
    };
    assert_eq!(
        confirm.argv,
        [
            "kubectl",
            "rollout",
            "undo",
            "deployment/checkout; rm -rf / $(reboot)",
            "--namespace",
            "prod"
        ],
        "a label value stays inside its one argument"
    );
    let screen = oncall::snapshot::to_text(&oncall::snapshot::render(
        &s,
        &oncall::theme::Theme::fallback(),
        100,
        30,
    ));
    assert!(
        screen.contains("rm -rf"),
        "the dialog shows the exact argv:\n{screen}"
    );
    // Keys that are not `y` do not run it either; `n` closes the dialog.
    for a in [Action::Enter, Action::Down, Action::RefreshNow] {
        let fx = update(&mut s, a, now());
        assert!(!fx.iter().any(|e| matches!(e, Effect::RunCommand { .. })));
    }
    update(&mut s, Action::StartNote, now());
    assert!(s.overlay.is_none());

    // Again, and this time `y`.
    update(&mut s, Action::RunCommands, now());
    update(&mut s, Action::Enter, now());
    let fx = update(&mut s, Action::CopyLink, now());
    let [Effect::RunCommand { argv, incident, .. }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(argv[3], "deployment/checkout; rm -rf / $(reboot)");
    let incident = incident.clone();
    assert!(matches!(s.overlay, Some(Overlay::Output { .. })));

    // Output streams into the pane; the end goes into the timeline.
    update(
        &mut s,
        Action::CommandOutput {
            incident: incident.clone(),
            event: RunEvent::Output {
                line: "deployment.apps/checkout rolled back".into(),
                stderr: false,
            },
        },
        now(),
    );
    let fx = update(
        &mut s,
        Action::CommandOutput {
            incident: incident.clone(),
            event: RunEvent::Exited {
                code: Some(0),
                timed_out: false,
                tail: "deployment.apps/checkout rolled back".into(),
            },
        },
        now(),
    );
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Journal(ev) if matches!(&ev.kind, EventKind::RunbookCommand { exit_code: Some(0), argv, .. } if argv[0] == "kubectl")
    )));
    assert!(
        s.incidents.timeline[&incident]
            .iter()
            .any(|e| matches!(e.kind, EventKind::RunbookCommand { .. }))
    );
}

#[test]
fn read_only_runs_nothing() {
    let mut s = state(true);
    update(&mut s, Action::RunCommands, now());
    assert!(s.overlay.is_none());
    assert!(s.message.as_deref().unwrap().contains("read-only"));
}

#[test]
fn the_wall_screen_runs_nothing_whatever_is_pressed() {
    // The same dashboard off the wall opens the command list.
    let mut control = state(false);
    update(&mut control, Action::RunCommands, now());
    assert!(matches!(control.overlay, Some(Overlay::Commands { .. })));

    let mut s = state(false);
    s.set_wall();
    let mut effects = Vec::new();
    for a in [
        Action::RunCommands,
        Action::Enter,
        Action::InputChar('y'),
        Action::InputSubmit,
        Action::Enter,
        Action::RunCommands,
        Action::Page(1),
        Action::Enter,
    ] {
        effects.extend(update(&mut s, a, now()));
        assert!(!matches!(s.overlay, Some(Overlay::Commands { .. })));
    }
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, oncall::action::Effect::RunCommand { .. })),
        "{effects:?}"
    );
    assert!(!matches!(s.overlay, Some(Overlay::Commands { .. })));
}

#[test]
fn a_leading_dash_value_is_refused_before_the_dialog() {
    let mut s = state(false);
    let id = s.incidents.list[0].id.clone();
    for list in s.incidents.by_source.values_mut() {
        for i in list.iter_mut().filter(|i| i.id == id) {
            i.labels
                .insert("namespace".into(), "--all-namespaces".into());
        }
    }
    s.incidents.rebuild(now());
    update(&mut s, Action::RunCommands, now());
    update(&mut s, Action::Enter, now());
    assert!(
        matches!(s.overlay, Some(Overlay::Commands { .. })),
        "{:?}",
        s.overlay
    );
    assert!(
        s.message.as_deref().unwrap().contains("cannot run"),
        "{:?}",
        s.message
    );
}
