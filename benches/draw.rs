//! Drawing the built-in board at 200x50 into a buffer, with a full hour of data in every chart.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use oncall::action::Action;
use oncall::config::Config;
use oncall::sources::prometheus::Series;
use oncall::state::State;
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

fn draw(c: &mut Criterion) {
    let now = Utc::now();
    let state = loaded_board(now);
    let theme = Theme::fallback();
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function("draw default board 200x50", |b| {
        b.iter(|| {
            term.draw(|f| oncall::ui::draw(f, black_box(&state), &theme))
                .unwrap();
        })
    });
    let mut small = Terminal::new(TestBackend::new(80, 24)).unwrap();
    c.bench_function("draw default board 80x24", |b| {
        b.iter(|| {
            small
                .draw(|f| oncall::ui::draw(f, black_box(&state), &theme))
                .unwrap();
        })
    });
}

criterion_group!(benches, draw);
criterion_main!(benches);
