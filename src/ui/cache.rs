//! Panels kept between frames. A frame is drawn every second (the clock, the logs, the data
//! ages), but a stat or a chart only changes when its data, its time grid or its title does: a
//! panel whose inputs are the same as last frame's is copied from here, border and all, instead
//! of drawn again, and the screen does not compare it when it is where the last frame had it.

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use std::collections::HashMap;

#[derive(Default)]
pub struct PanelCache {
    panels: HashMap<usize, Kept>,
    /// Panels copied instead of drawn, since the start.
    pub hits: u64,
    /// Frames drawn with this cache.
    frame: u64,
    /// This frame's panels copied where the last frame had them too.
    same_place: Vec<Rect>,
    /// Whether the last frame had something drawn over the panels.
    covered: bool,
}

/// Everything a kept panel is drawn from besides its area: when one of these changes, the
/// panel is drawn again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanelKey {
    /// The panel's data generation (new data or a new error).
    pub generation: u64,
    pub focused: bool,
    /// A chart's grid: the end of its window.
    pub grid_end: Option<f64>,
    pub theme: usize,
    pub wall: bool,
    pub low_bandwidth: bool,
}

/// What a panel's border shows besides its body and its title (which is the config's, and a
/// new config empties the cache): when it changes, the panel is drawn again.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    /// The status and data age on the right of the top row.
    pub right: &'a [Span<'a>],
    pub border: Style,
    /// The error row's text.
    pub error: Option<&'a str>,
}

/// A [`Chrome`] as kept.
struct KeptChrome {
    right: Vec<Span<'static>>,
    border: Style,
    error: Option<String>,
}

impl KeptChrome {
    fn of(c: &Chrome<'_>) -> KeptChrome {
        KeptChrome {
            right: c
                .right
                .iter()
                .map(|s| Span::styled(s.content.to_string(), s.style))
                .collect(),
            border: c.border,
            error: c.error.map(str::to_string),
        }
    }

    fn is(&self, c: &Chrome<'_>) -> bool {
        self.right.as_slice() == c.right
            && self.border == c.border
            && self.error.as_deref() == c.error
    }
}

struct Kept {
    key: PanelKey,
    chrome: KeptChrome,
    area: Rect,
    cells: Vec<Cell>,
    /// Whether every cell is one column, with no diff option and not skipped: only such
    /// panels are handed to the screen as unchanged (it steps over them without a look).
    plain: bool,
    /// The frame that last showed it.
    shown: u64,
}

impl PanelCache {
    /// Forgets every panel (the config or the themes were read again).
    pub fn clear(&mut self) {
        self.panels.clear();
    }

    /// A frame starts.
    pub fn begin_frame(&mut self) {
        self.frame += 1;
        self.same_place.clear();
    }

    /// The frame is drawn; `covered` says whether anything (a popup, the help) was drawn over
    /// the panels after them. Returns the areas whose cells are the last frame's, cell for
    /// cell, and plain (one column, no diff option, not skipped): panels copied where the last
    /// frame showed the same panel, when neither frame had anything over them. The screen need
    /// not compare those cells (it must still have shown the last frame whole).
    pub fn end_frame(&mut self, covered: bool) -> Vec<Rect> {
        let unchanged = if covered || self.covered {
            Vec::new()
        } else {
            std::mem::take(&mut self.same_place)
        };
        self.covered = covered;
        unchanged
    }

    /// Copies panel `panel` into `buf` when it was drawn with the same `key` and `chrome` in
    /// the same `area`.
    pub fn blit(
        &mut self,
        panel: usize,
        key: PanelKey,
        chrome: &Chrome<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) -> bool {
        let Some(b) = self.panels.get_mut(&panel) else {
            return false;
        };
        if b.key != key
            || b.area != area
            || buf.area.intersection(area) != area
            || !b.chrome.is(chrome)
        {
            return false;
        }
        let w = usize::from(area.width);
        for (row, y) in (area.top()..area.bottom()).enumerate() {
            let start = buf.index_of(area.x, y);
            buf.content[start..start + w].clone_from_slice(&b.cells[row * w..(row + 1) * w]);
        }
        if b.shown + 1 == self.frame && b.plain {
            self.same_place.push(area);
        }
        b.shown = self.frame;
        self.hits += 1;
        true
    }

    /// Keeps panel `panel` as drawn in `area` of `buf`.
    pub fn store(
        &mut self,
        panel: usize,
        key: PanelKey,
        chrome: &Chrome<'_>,
        area: Rect,
        buf: &Buffer,
    ) {
        if buf.area.intersection(area) != area {
            self.panels.remove(&panel);
            return;
        }
        let kept = self.panels.entry(panel).or_insert_with(|| Kept {
            key,
            chrome: KeptChrome::of(chrome),
            area,
            cells: Vec::new(),
            plain: false,
            shown: 0,
        });
        kept.key = key;
        kept.chrome = KeptChrome::of(chrome);
        kept.area = area;
        kept.shown = self.frame;
        kept.cells.clear();
        for y in area.top()..area.bottom() {
            let start = buf.index_of(area.x, y);
            kept.cells
                .extend_from_slice(&buf.content[start..start + usize::from(area.width)]);
        }
        kept.plain = kept.cells.iter().all(crate::tui::screen::plain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{Action, Effect};
    use crate::config::Config;
    use crate::sources::prometheus::Series;
    use crate::state::{LoadError, State};
    use crate::update::update;
    use chrono::{DateTime, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::cell::RefCell;

    fn at(secs: f64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::milliseconds((secs * 1000.0) as i64)
    }

    /// Answers the fetches in `fx` whose panel `pick` chooses: a wave that depends on `round`,
    /// or (every seventh round) an error.
    fn answer(
        s: &mut State,
        fx: &[Effect],
        now: DateTime<Utc>,
        round: u64,
        pick: impl Fn(usize) -> bool,
    ) {
        for e in fx {
            let Effect::Fetch(f) = e else { continue };
            if !pick(f.panel) {
                continue;
            }
            let result = if round % 7 == 6 {
                Err(LoadError {
                    message: "connection refused".into(),
                    source_down: false,
                })
            } else {
                let points = |q: usize| -> Vec<(f64, f64)> {
                    match f.range {
                        Some((start, end, step)) => {
                            let n = ((end - start) / step) as usize;
                            (0..=n)
                                .map(|i| {
                                    let t = start + step * i as f64;
                                    (t, 1.0 + ((t / 60.0) + q as f64 + round as f64).sin().abs())
                                })
                                .collect()
                        }
                        None => vec![(f.at, round as f64 + q as f64)],
                    }
                };
                Ok((0..f.queries.len())
                    .map(|q| {
                        vec![Series {
                            labels: Default::default(),
                            points: points(q),
                        }]
                    })
                    .collect())
            };
            update(
                s,
                Action::PanelLoaded {
                    panel: f.panel,
                    result,
                },
                now,
            );
        }
    }

    /// Over a run of rounds (data for some panels, time crossing chart steps, errors, focus,
    /// theme and size changes), every frame drawn with kept panels is the frame drawn afresh.
    #[test]
    fn kept_panels_draw_the_same_frames_as_drawing_afresh() {
        let mut cfg = Config::demo("http://127.0.0.1:1", &[]);
        cfg.oncall.members.clear();
        let themes = [
            crate::theme::Theme::fallback(),
            crate::theme::Theme::fallback().without_color(),
        ];
        let mut s = State::new(&cfg, at(0.0));
        let cache = RefCell::new(PanelCache::default());
        let mut t = 10_000.0;
        let (mut w, mut h) = (200u16, 50u16);
        let mut kept = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut fresh = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        // As the dashboard draws: through the screen, which skips the panels kept in place.
        let mut shown = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut screen = crate::tui::screen::Screen::new();
        let shown_cache = RefCell::new(PanelCache::default());
        let skipped = std::cell::Cell::new(0usize);
        type Term = Terminal<TestBackend>;
        let mut check =
            |kept: &mut Term, fresh: &mut Term, shown: &mut Term, s: &State, round: u64| {
                let theme = &themes[s.theme % themes.len()];
                let a = kept
                    .draw(|f| {
                        crate::ui::draw_cached(f, s, theme, Some(&cache));
                    })
                    .expect("draw")
                    .buffer
                    .clone();
                let b = fresh
                    .draw(|f| crate::ui::draw(f, s, theme))
                    .expect("draw")
                    .buffer
                    .clone();
                assert_eq!(a, b, "round {round}");
                screen
                    .draw(shown, |f| {
                        let same = crate::ui::draw_cached(f, s, theme, Some(&shown_cache));
                        skipped.set(skipped.get() + same.len());
                        same
                    })
                    .expect("draw");
                assert_eq!(shown.backend().buffer(), &b, "round {round}: on screen");
            };
        for round in 0..120u64 {
            // Mostly a second at a time; now and then a jump past a chart's 15 s step.
            t += if round % 11 == 10 { 16.3 } else { 1.0 };
            let now = at(t);
            s.now = now;
            let fx = update(&mut s, Action::Tick, now);
            // Now and then no answers for a few rounds: only the ages in the titles move.
            let pick = |p: usize| (p + round as usize) % 3 != 0 && !(40..46).contains(&round);
            answer(&mut s, &fx, now, round, pick);
            if round % 5 == 2 {
                // Two different answers in the same millisecond, drawn after each.
                for value in [1.0, 2.0] {
                    check(&mut kept, &mut fresh, &mut shown, &s, round);
                    for panel in 0..s.panels.len() {
                        if s.panels[panel].cfg.kind.has_query() {
                            let n = s.panels[panel].queries.len();
                            let series = Series {
                                labels: Default::default(),
                                points: vec![(t - 1.0, value), (t, value * 3.0)],
                            };
                            let result = Ok(vec![vec![series]; n]);
                            update(&mut s, Action::PanelLoaded { panel, result }, now);
                        }
                    }
                }
            }
            match round % 23 {
                5 => {
                    update(&mut s, Action::FocusNext, now);
                }
                9 => s.theme += 1,
                14 => {
                    (w, h) = if w == 200 { (120, 40) } else { (200, 50) };
                    kept.backend_mut().resize(w, h);
                    fresh.backend_mut().resize(w, h);
                    shown.backend_mut().resize(w, h);
                }
                // The help over the panels, one frame and then two.
                17 | 19 | 20 => s.show_help = true,
                18 | 21 => s.show_help = false,
                _ => {}
            }
            check(&mut kept, &mut fresh, &mut shown, &s, round);
        }
        // Panels were kept and copied, not drawn every time, and the screen took many as they
        // were.
        assert!(cache.borrow().hits > 100, "{} hits", cache.borrow().hits);
        assert!(
            skipped.get() > 100,
            "{} areas taken as they were",
            skipped.get()
        );
    }
}
