//! Drawing into a 200x50 (and 80x24) buffer: the built-in board alone with a full hour of data in
//! every chart, then each screen of a realistic config (see `support`): the full built-in board
//! with 40 open incidents, the logs & errors page (10 000 lines kept, 100 Sentry issues), the
//! same with a search highlighted, the wall screen, the incident detail and the help overlay.
//!
//! Each screen is drawn once before it is timed and checked for what it must show
//! (`SHOW_SCREENS=1 cargo test --bench draw` prints them).

#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use oncall::action::Action;
use oncall::config::Config;
use oncall::snapshot::to_text;
use oncall::sources::prometheus::Series;
use oncall::state::State;
use oncall::state::feeds::Search;
use oncall::theme::Theme;
use oncall::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

fn loaded_board(now: DateTime<Utc>) -> State {
    let mut cfg = Config::demo("http://127.0.0.1:1", &[]);
    // The board itself, without the demo's rotation and SLO.
    cfg.oncall.members.clear();
    cfg.slo = None;
    let mut state = State::new(&cfg, now);
    update(&mut state, Action::Tick, now);
    let t0 = now.timestamp() as f64 - 3600.0;
    for panel in 0..state.panels.len() {
        let queries = state.panels[panel].queries.len();
        let results = (0..queries)
            .map(|q| {
                vec![Series {
                    labels: Default::default(),
                    points: (0..240)
                        .map(|i| {
                            (
                                t0 + f64::from(i) * 15.0,
                                0.1 + 0.05 * (f64::from(i + q as u32) * 0.3).sin(),
                            )
                        })
                        .collect(),
                }]
            })
            .collect();
        update(
            &mut state,
            Action::PanelLoaded {
                panel,
                result: Ok(results),
            },
            now,
        );
    }
    state
}

/// Draws `state` once into a `w`x`h` terminal and checks that the screen shows each of `expect`.
fn check(
    name: &str,
    term: &mut Terminal<TestBackend>,
    state: &State,
    theme: &Theme,
    expect: &[&str],
) {
    term.draw(|f| oncall::ui::draw(f, state, theme)).unwrap();
    let text = to_text(term.backend().buffer());
    for e in expect {
        assert!(
            text.contains(e),
            "{name}: {e:?} is not on the screen:\n{text}"
        );
    }
    if std::env::var_os("SHOW_SCREENS").is_some() {
        eprintln!("{name}:\n{text}");
    }
}

fn bench_screen(c: &mut Criterion, name: &str, state: &State, size: (u16, u16), expect: &[&str]) {
    let theme = Theme::fallback();
    let mut term = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    check(name, &mut term, state, &theme, expect);
    c.bench_function(name, |b| {
        b.iter(|| {
            term.draw(|f| oncall::ui::draw(f, black_box(state), &theme))
                .unwrap();
        })
    });
}

fn draw(c: &mut Criterion) {
    let now = Utc::now();
    let state = loaded_board(now);
    let board = [
        "System Health",
        "Request rate",
        "Error rate",
        "Active users",
        "Incidents",
        "Response time",
        "Traffic",
        "DB connections",
        "Transactions",
        "Slow queries",
    ];
    bench_screen(c, "draw default board 200x50", &state, (200, 50), &board);
    bench_screen(
        c,
        "draw default board 80x24",
        &state,
        (80, 24),
        &["Request rate", "Response time"],
    );
}

fn pages(c: &mut Criterion) {
    let now = support::now();
    let state = support::loaded_state(now, 40);
    let first = state.incidents.list[0].clone();
    let logs = support::panel(&state, support::LOGS_PANEL);
    let newest = state.panels[logs]
        .logs
        .as_ref()
        .unwrap()
        .lines
        .back()
        .unwrap()
        .line
        .clone();
    let newest = &newest[..40];

    bench_screen(
        c,
        "draw page 1 built-in board, all sources 200x50",
        &state,
        (200, 50),
        &[
            "Production Health",
            "Response time",
            "Traffic",
            "On call",
            "Logs",
            "Errors",
            "Slow queries",
            &first.title,
        ],
    );

    let mut page2 = state.clone();
    update(&mut page2, Action::Page(1), now);
    bench_screen(
        c,
        "draw page 2 logs & errors 200x50",
        &page2,
        (200, 50),
        &[
            support::LOGS_PANEL,
            support::ERRORS_PANEL,
            newest,
            "CHECKOUT-1000",
        ],
    );

    let mut search = page2.clone();
    let view = search.panels[logs].logs.as_mut().unwrap();
    view.set_search(Some(Search::new("timeout|slow")));
    assert_eq!(view.visible().len(), 10_000);
    bench_screen(
        c,
        "draw page 2 logs & errors, search 200x50",
        &search,
        (200, 50),
        &[
            support::LOGS_PANEL,
            "upstream timeout",
            "/timeout|slow 3000 matches",
        ],
    );

    let mut wall = state.clone();
    wall.set_wall();
    bench_screen(
        c,
        "draw wall page 1 200x50",
        &wall,
        (200, 50),
        &["oncall · Production Health", "Response time", "P1"],
    );

    let mut detail = state.clone();
    detail.incidents.detail = Some(first.id.clone());
    bench_screen(
        c,
        "draw incident detail 200x50",
        &detail,
        (200, 50),
        &[
            "Timeline",
            &first.summary,
            "detected (P1) from am",
            "namespace=payments",
        ],
    );

    let mut help = state.clone();
    update(&mut help, Action::ToggleHelp, now);
    bench_screen(
        c,
        "draw help 200x50",
        &help,
        (200, 50),
        &["show or hide this help", "command palette"],
    );
}

/// Finding the cells that changed between two frames of the built-in board a second apart
/// (the clock, deadlines and ages moved on), as every frame does before it writes.
fn diff(c: &mut Criterion) {
    let now = support::now();
    let state = support::loaded_state(now, 40);
    let mut later = state.clone();
    update(&mut later, Action::Tick, now + chrono::Duration::seconds(1));
    let theme = Theme::fallback();
    let frame = |s: &State| {
        let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
        term.draw(|f| oncall::ui::draw(f, s, &theme)).unwrap();
        term.backend().buffer().clone()
    };
    let (before, after) = (frame(&state), frame(&later));
    let changed = oncall::tui::screen::changes(&before, &after).len();
    assert!(changed > 0 && changed < 1000, "{changed} cells changed");
    c.bench_function("diff built-in board frames a second apart 200x50", |b| {
        b.iter(|| oncall::tui::screen::changes(black_box(&before), black_box(&after)).len())
    });
}

criterion_group!(benches, draw, pages, diff);
criterion_main!(benches);
