//! The error-budget panel drawn on a `TestBackend`: healthy, burning, exhausted and no data,
//! snapshotted; plus the colours that carry the meaning.

#![allow(clippy::unwrap_used)]

use oncall::slo::panel::render;
use oncall::slo::{Budget, SloConfig, compute};
use oncall::snapshot::to_text;
use oncall::state::Status;
use oncall::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn theme() -> Theme {
    Theme::fallback()
}

fn budget(values: &[(&str, f64)]) -> Budget {
    let cfg = SloConfig::new(r#"avg_over_time(up{job="app"}[30d])"#);
    let v: Vec<(String, f64)> = values.iter().map(|(l, v)| (l.to_string(), *v)).collect();
    compute(&cfg, &v).unwrap()
}

fn healthy() -> Budget {
    budget(&[
        ("window", 0.9995),
        ("1h", 0.9996),
        ("6h", 0.9992),
        ("5m", 1.0),
        ("30m", 0.9995),
    ])
}

/// Half the budget left, but the last six hours (and still the last 30 minutes) burn at 7×.
fn burning() -> Budget {
    budget(&[
        ("window", 0.9995),
        ("1h", 0.995),
        ("6h", 0.993),
        ("5m", 0.995),
        ("30m", 0.992),
    ])
}

fn exhausted() -> Budget {
    budget(&[
        ("window", 0.9985),
        ("1h", 0.98),
        ("6h", 0.996),
        ("5m", 0.97),
        ("30m", 0.99),
    ])
}

fn draw(b: Option<&Budget>, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| render(f, f.area(), b, &theme())).unwrap();
    term.backend().buffer().clone()
}

/// Foreground colour of the first cell of `needle` on screen.
#[track_caller]
fn fg_of(buf: &Buffer, needle: &str) -> Option<Color> {
    let first = needle.chars().next().unwrap().to_string();
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line = row.concat();
        if let Some(byte) = line.find(needle) {
            let col = line[..byte].chars().count();
            let x = u16::try_from(col).unwrap();
            assert_eq!(buf[(x, y)].symbol(), first);
            return Some(buf[(x, y)].fg).filter(|c| *c != Color::Reset);
        }
    }
    panic!("`{needle}` is not on screen:\n{}", to_text(buf));
}

#[track_caller]
fn shows(buf: &Buffer, needle: &str) {
    let text = to_text(buf);
    assert!(
        text.contains(needle),
        "`{needle}` is not on screen:\n{text}"
    );
}

#[test]
fn healthy_budget() {
    let b = healthy();
    assert_eq!(b.status, Status::Ok);
    let buf = draw(Some(&b), 50, 5);
    insta::assert_snapshot!("slo_healthy", to_text(&buf));
    shows(&buf, "99.95%  target 99.9% over 30d");
    shows(&buf, "downtime 21 of 43 min");
    shows(&buf, "50% left");
    shows(&buf, "burn 1h 0.4× · 6h 0.8×");
    let t = theme();
    assert_eq!(fg_of(&buf, "99.95%"), t.ok.fg);
    assert_eq!(fg_of(&buf, "█"), t.ok.fg);
    assert_eq!(fg_of(&buf, "0.4×"), t.text.fg);
}

#[test]
fn burning_budget_warns() {
    let b = burning();
    assert_eq!(b.status, Status::Warn);
    let buf = draw(Some(&b), 50, 5);
    insta::assert_snapshot!("slo_burning", to_text(&buf));
    shows(&buf, "burn 1h 5.0× · 6h 7.0×");
    let t = theme();
    assert_eq!(fg_of(&buf, "99.95%"), t.warn.fg);
    assert_eq!(fg_of(&buf, "7.0×"), t.warn.fg);
    assert_eq!(fg_of(&buf, "5.0×"), t.text.fg);
}

#[test]
fn exhausted_budget_is_crit() {
    let b = exhausted();
    assert_eq!(b.status, Status::Crit);
    let buf = draw(Some(&b), 50, 5);
    insta::assert_snapshot!("slo_exhausted", to_text(&buf));
    shows(&buf, "99.85%");
    shows(&buf, "downtime 1 h 4 min of 43 min");
    shows(&buf, "21 min over budget");
    assert!(!to_text(&buf).contains('█'), "nothing left to fill");
    let t = theme();
    assert_eq!(fg_of(&buf, "99.85%"), t.crit.fg);
    assert_eq!(fg_of(&buf, "20.0×"), t.crit.fg);
    assert_eq!(fg_of(&buf, "21 min over"), t.crit.fg);
}

#[test]
fn no_data() {
    let buf = draw(None, 50, 5);
    insta::assert_snapshot!("slo_no_data", to_text(&buf));
    assert_eq!(fg_of(&buf, "no data"), theme().nodata.fg);
}

#[test]
fn short_and_narrow_panels_keep_what_matters() {
    let b = healthy();
    // Three rows: availability, downtime, the bar; the burn rates go first.
    let text = to_text(&draw(Some(&b), 50, 3));
    assert!(
        text.contains("99.95%") && text.contains("50% left"),
        "{text}"
    );
    assert!(
        text.contains("downtime") && !text.contains("burn"),
        "{text}"
    );
    // One row: the availability alone.
    let text = to_text(&draw(Some(&b), 50, 1));
    assert_eq!(text.trim(), "99.95%  target 99.9% over 30d");
    // Narrow: the target gets a row of its own, a line too long is cut with an ellipsis.
    let buf = draw(Some(&b), 20, 6);
    insta::assert_snapshot!("slo_narrow", to_text(&buf));
    shows(&buf, "target 99.9%\n");
    shows(&buf, "21 of 43 min");
    shows(&buf, "1h 0.4× · 6h 0.8×");
}

#[test]
fn without_colour_the_state_still_reads() {
    let plain = theme().without_color();
    let mut term = Terminal::new(TestBackend::new(50, 5)).unwrap();
    let b = exhausted();
    term.draw(|f| render(f, f.area(), Some(&b), &plain))
        .unwrap();
    let text = to_text(term.backend().buffer());
    assert!(text.contains("over budget") && text.contains("░"), "{text}");
}

#[test]
fn bar_fills_what_is_left_and_shows_a_sliver() {
    use oncall::slo::panel::bar_cells;
    assert_eq!(bar_cells(0.5, 40), 20);
    assert_eq!(bar_cells(1.0, 40), 40);
    assert_eq!(bar_cells(1.7, 40), 40);
    assert_eq!(bar_cells(0.001, 40), 1);
    assert_eq!(bar_cells(0.0, 40), 0);
    assert_eq!(bar_cells(-0.3, 40), 0);
    assert_eq!(bar_cells(f64::NAN, 40), 0);
}
