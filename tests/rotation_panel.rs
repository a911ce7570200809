//! The `oncall` panel drawn on a `TestBackend` and snapshotted: now, next, countdown, "(you)",
//! an override, no rotation, and panels too small for everything.

#![allow(clippy::unwrap_used)]

// The panel's source is compiled into this test directly, so the test does not depend on where
// the board mounts the module; `rotation`, `theme`, `tz` and `ui` stand in for the crate paths it
// uses.
#[path = "../src/ui/oncall_panel.rs"]
mod oncall_panel;
mod rotation {
    pub use oncall::rotation::*;
}
mod theme {
    pub use oncall::theme::*;
}
mod tz {
    pub use oncall::tz::*;
}
mod ui {
    pub use oncall::ui::*;
}

use chrono::{DateTime, TimeZone, Utc};
use oncall::rotation::{OnCall, RotationConfig, who};
use oncall::snapshot::to_text;
use oncall::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn madrid() -> oncall::tz::Tz {
    "Europe/Madrid".parse().expect("Europe/Madrid")
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn config() -> RotationConfig {
    toml::from_str(
        r#"
        members = ["alice", "bob", "carol"]
        rotation = "1w"
        handoff = "mon 09:00"
        start = "2026-01-05"
        timezone = "Europe/Madrid"
        [[overrides]]
        who = "dave"
        from = "2026-01-16T23:00:00Z"
        to = "2026-01-17T23:00:00Z"
        "#,
    )
    .unwrap()
}

fn draw(o: Option<&OnCall>, user: &str, now: DateTime<Utc>, w: u16, h: u16) -> Buffer {
    let theme = Theme::fallback();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        for (a, text) in oncall_panel::parts(f.area(), o, user, madrid(), now, &theme) {
            f.render_widget(text, a);
        }
    })
    .unwrap();
    term.backend().buffer().clone()
}

fn find(buf: &Buffer, text: &str) -> (u16, u16) {
    let t = to_text(buf);
    for (y, line) in t.lines().enumerate() {
        if let Some(byte) = line.find(text) {
            return (line[..byte].chars().count() as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{t}");
}

#[test]
fn now_next_and_countdown() {
    let now = utc(2026, 1, 10, 5, 0);
    let o = who(&config(), oncall::tz::Tz::utc(), now).unwrap();
    let buf = draw(Some(&o), "alice", now, 44, 7);
    insta::assert_snapshot!("rotation_panel_you", to_text(&buf));
    let theme = Theme::fallback();
    let (x, y) = find(&buf, "(you)");
    assert_eq!(buf[(x + 1, y)].fg, theme.key.fg.unwrap());
    let (x, y) = find(&buf, "alice");
    assert_eq!(buf[(x, y)].fg, theme.title.fg.unwrap());
    let (x, y) = find(&buf, "Handoff");
    assert_eq!(buf[(x, y)].fg, theme.muted.fg.unwrap());
}

#[test]
fn someone_else_on_call_through_an_override() {
    let now = utc(2026, 1, 17, 12, 0);
    let o = who(&config(), oncall::tz::Tz::utc(), now).unwrap();
    assert_eq!(o.now, "dave");
    let buf = draw(Some(&o), "bob", now, 44, 7);
    insta::assert_snapshot!("rotation_panel_override", to_text(&buf));
    let text = to_text(&buf);
    assert!(text.contains("Override until Sun 00:00 CET"), "{text}");
    assert!(text.contains("Next: bob (you)"), "{text}");
}

#[test]
fn no_rotation_configured() {
    let now = utc(2026, 1, 10, 5, 0);
    let buf = draw(None, "alice", now, 44, 3);
    insta::assert_snapshot!("rotation_panel_none", to_text(&buf));
}

#[test]
fn small_panels_keep_the_person_on_call_and_mark_cuts() {
    let now = utc(2026, 1, 10, 5, 0);
    let o = who(&config(), oncall::tz::Tz::utc(), now).unwrap();
    let buf = draw(Some(&o), "alice", now, 24, 2);
    insta::assert_snapshot!("rotation_panel_small", to_text(&buf));
    let text = to_text(&buf);
    // Too narrow for every row: the panel's title already says "On call", so the name leads.
    assert!(text.starts_with(" alice (you)"), "{text}");
    assert!(!text.contains("Handoff"), "{text}");
    let taller = to_text(&draw(Some(&o), "alice", now, 24, 6));
    assert!(taller.contains(" Handoff in 2d 3h"), "{taller}");
    let wide = to_text(&draw(Some(&o), "alice", now, 60, 6));
    assert!(wide.contains(" On call: alice (you)"), "{wide}");
    assert!(
        wide.contains(" Handoff: ") && wide.contains(" · in 2d 3h"),
        "{wide}"
    );
    let narrow = to_text(&draw(Some(&o), "alice", now, 14, 4));
    assert!(narrow.lines().all(|l| l.chars().count() <= 14), "{narrow}");
    assert!(narrow.contains('…'), "{narrow}");
}
