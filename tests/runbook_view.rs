//! The runbook viewer, the `x` menu, the confirmation dialog and the output pane, drawn.

#![allow(clippy::unwrap_used)]

use oncall::incidents::Incident;
use oncall::runbook::{
    CommandConfig, Confirm, OutputPane, RunEvent, Viewer, render_commands, render_confirm,
    visible_commands,
};
use oncall::snapshot::to_text;
use oncall::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::path::Path;

fn draw(w: u16, h: u16, f: impl FnOnce(&mut ratatui::Frame<'_>, Rect)) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|frame| {
        let area = frame.area();
        f(frame, area)
    })
    .unwrap();
    term.backend().buffer().clone()
}

mod support_runbook;

fn incident() -> Incident {
    support_runbook::app_down(&[("deployment", "checkout api"), ("namespace", "prod")])
}

fn commands() -> Vec<CommandConfig> {
    vec![
        CommandConfig {
            name: "Show pods".into(),
            argv: ["kubectl", "-n", "{{labels.namespace}}", "get", "pods"]
                .map(String::from)
                .to_vec(),
            dangerous: false,
            timeout: None,
        },
        CommandConfig {
            name: "Roll back the deployment".into(),
            argv: [
                "kubectl",
                "rollout",
                "undo",
                "deployment/{{labels.deployment}}",
            ]
            .map(String::from)
            .to_vec(),
            dangerous: true,
            timeout: None,
        },
    ]
}

#[test]
fn viewer_scrolls_and_stops_at_the_end() {
    let md =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/rollback.md"))
            .unwrap();
    let theme = Theme::fallback();
    let mut v = Viewer::new("rollback.md", md);
    let buf = draw(80, 24, |f, a| v.render(f, a, &theme));
    insta::assert_snapshot!("viewer_top", to_text(&buf));
    v.bottom();
    assert!(v.scroll > 0);
    let end = v.scroll;
    v.scroll_by(10);
    assert_eq!(v.scroll, end, "no scrolling past the end");
    let buf = draw(80, 24, |f, a| v.render(f, a, &theme));
    assert!(to_text(&buf).contains("Migrations in the way"));
    v.top();
    assert_eq!(v.scroll, 0);
}

#[test]
fn menu_hides_dangerous_commands_when_read_only() {
    let theme = Theme::fallback();
    let cmds = commands();
    let all = visible_commands(&cmds, false);
    let buf = draw(60, 10, |f, a| render_commands(f, a, &all, 1, &theme));
    insta::assert_snapshot!("commands_menu", to_text(&buf));
    let ro = visible_commands(&cmds, true);
    let text = to_text(&draw(60, 10, |f, a| render_commands(f, a, &ro, 0, &theme)));
    assert!(
        text.contains("Show pods") && !text.contains("Roll back"),
        "{text}"
    );
}

#[test]
fn confirmation_shows_each_argument_exactly() {
    let theme = Theme::fallback();
    let c = Confirm::prepare(&commands()[1], &incident()).unwrap();
    assert_eq!(c.argv[3], "deployment/checkout api");
    let buf = draw(70, 14, |f, a| render_confirm(f, a, &c, &theme));
    insta::assert_snapshot!("confirm_dialog", to_text(&buf));
}

#[test]
fn output_pane_follows_and_reports_the_exit() {
    let theme = Theme::fallback();
    let mut pane = OutputPane::new(
        "Show pods",
        vec!["kubectl".into(), "get".into(), "pods".into()],
    );
    for i in 0..12 {
        pane.push(RunEvent::Output {
            line: format!("app-{i}   1/1   Running"),
            stderr: false,
        });
    }
    pane.push(RunEvent::Output {
        line: "warning: deprecated".into(),
        stderr: true,
    });
    let ended = pane
        .push(RunEvent::Exited {
            code: Some(0),
            timed_out: false,
            tail: "x".into(),
        })
        .cloned()
        .unwrap();
    assert_eq!(ended.code, Some(0));
    let buf = draw(50, 8, |f, a| pane.render(f, a, &theme));
    insta::assert_snapshot!("output_pane", to_text(&buf));
    pane.scroll_by(-100);
    let text = to_text(&draw(50, 8, |f, a| pane.render(f, a, &theme)));
    assert!(text.contains("app-0 "), "{text}");
}
