//! Parts of the board kept between frames. A frame is drawn every second (the clock, the data
//! ages in the titles), but most of what it shows is what the last one showed:
//!
//! * a chart's, stat's, gauge's, health's or error budget's body only changes when its data or
//!   its time grid does;
//! * a panel's border and titles only change with its status, its age, its focus;
//! * a row of text (incidents, logs, errors, on call) only changes when its line does.
//!
//! A part whose inputs are the same as when it was kept is copied from here instead of drawn
//! again, and when the last frame showed it in the same place the screen need not compare its
//! cells either.

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::collections::HashMap;

#[derive(Default)]
pub struct BodyCache {
    kept: HashMap<Slot, Kept>,
    /// Parts copied instead of drawn, since the start.
    pub hits: u64,
    /// Frames drawn with this cache.
    frame: u64,
    /// The theme of the last frame: what lies under every part (a theme's background).
    theme: Option<usize>,
    /// This frame's parts copied where the last frame had them too.
    same_place: Vec<Rect>,
    /// Whether the last frame had something drawn over the parts.
    covered: bool,
}

/// Everything a kept body is drawn from besides its size: when one of these changes, the body
/// is drawn again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyKey {
    /// The panel's data generation (new data or a new error).
    pub generation: u64,
    pub focused: bool,
    /// A chart's grid: the end of its window.
    pub grid_end: Option<f64>,
    pub theme: usize,
    pub wall: bool,
    pub low_bandwidth: bool,
}

/// What a panel's border and titles are drawn from: its place, the border's style and the two
/// titles.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameKey {
    pub area: Rect,
    pub style: Style,
    pub left: Line<'static>,
    pub right: Line<'static>,
}

/// What one row of text is drawn from: the style of the whole area, the text's own style, the
/// alignment of lines without one, and the line (an empty one for a row without text).
#[derive(Debug, Clone, PartialEq)]
pub struct RowKey {
    pub style: Style,
    pub base: Style,
    pub alignment: Alignment,
    pub line: Line<'static>,
}

impl RowKey {
    /// Whether the row would be drawn from these.
    pub fn is(&self, style: Style, base: Style, alignment: Alignment, line: &Line<'_>) -> bool {
        self.style == style
            && self.base == base
            && self.alignment == alignment
            && self.line.style == line.style
            && self.line.alignment == line.alignment
            && self.line.spans.len() == line.spans.len()
            && self
                .line
                .spans
                .iter()
                .zip(&line.spans)
                .all(|(a, b)| a.style == b.style && a.content == b.content)
    }

    pub fn new(style: Style, base: Style, alignment: Alignment, line: &Line<'_>) -> RowKey {
        RowKey {
            style,
            base,
            alignment,
            line: Line {
                style: line.style,
                alignment: line.alignment,
                spans: line
                    .spans
                    .iter()
                    .map(|s| Span::styled(s.content.to_string(), s.style))
                    .collect(),
            },
        }
    }
}

/// Which part: a panel's body, a panel's border, or the row at `y` of a panel's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Body(usize),
    Frame(usize),
    Row(usize, u16),
}

#[derive(Debug)]
enum Key {
    Body(BodyKey),
    Frame(FrameKey),
    Row(RowKey),
}

struct Kept {
    key: Key,
    /// Where its cells go, in order.
    rects: Vec<Rect>,
    cells: Vec<Cell>,
    /// The frame that last showed it.
    shown: u64,
}

/// A part not shown for this many frames is forgotten (the board was resized, a row scrolled
/// away), so what is kept stays within what a few screens hold.
const FORGET_AFTER: u64 = 64;

impl BodyCache {
    /// Forgets every part (the config or the themes were read again).
    pub fn clear(&mut self) {
        self.kept.clear();
    }

    /// A frame starts, drawn with theme `theme`.
    pub fn begin_frame(&mut self, theme: usize) {
        self.frame += 1;
        self.same_place.clear();
        if self.theme != Some(theme) {
            self.kept.clear();
            self.theme = Some(theme);
        }
        if self.frame % FORGET_AFTER == 0 {
            let frame = self.frame;
            self.kept.retain(|_, k| k.shown + FORGET_AFTER >= frame);
        }
    }

    /// The frame is drawn; `covered` says whether anything (a popup, the help) was drawn over
    /// the parts after them. Returns the areas whose cells are the last frame's, cell for
    /// cell: parts copied where the last frame showed the same part, when neither frame had
    /// anything over them. The screen need not compare those cells (it must still have shown
    /// the last frame whole).
    pub fn end_frame(&mut self, covered: bool) -> Vec<Rect> {
        let unchanged = if covered || self.covered {
            Vec::new()
        } else {
            std::mem::take(&mut self.same_place)
        };
        self.covered = covered;
        unchanged
    }

    /// Copies panel `panel`'s body into `buf` when it was drawn with the same `key` in the
    /// same `area`.
    pub fn blit(&mut self, panel: usize, key: BodyKey, area: Rect, buf: &mut Buffer) -> bool {
        self.blit_part(
            Slot::Body(panel),
            |k| matches!(k, Key::Body(b) if *b == key),
            &[area],
            buf,
        )
    }

    /// Keeps panel `panel`'s body as drawn in `buf`.
    pub fn store(&mut self, panel: usize, key: BodyKey, area: Rect, buf: &Buffer) {
        self.store_part(Slot::Body(panel), Key::Body(key), &[area], buf);
    }

    /// Copies panel `panel`'s border (the cells `rects`) into `buf` when it was drawn from the
    /// same `key` over the same cells.
    pub fn blit_frame(
        &mut self,
        panel: usize,
        key: &FrameKey,
        rects: &[Rect],
        buf: &mut Buffer,
    ) -> bool {
        self.blit_part(
            Slot::Frame(panel),
            |k| matches!(k, Key::Frame(f) if f == key),
            rects,
            buf,
        )
    }

    /// Keeps panel `panel`'s border, the cells `rects` as drawn in `buf`.
    pub fn store_frame(&mut self, panel: usize, key: FrameKey, rects: &[Rect], buf: &Buffer) {
        self.store_part(Slot::Frame(panel), Key::Frame(key), rects, buf);
    }

    /// Copies the row `row` (one row high) of panel `panel`'s text into `buf` when it was
    /// drawn from what `same` accepts in the same place.
    pub fn blit_row(
        &mut self,
        panel: usize,
        row: Rect,
        same: impl FnOnce(&RowKey) -> bool,
        buf: &mut Buffer,
    ) -> bool {
        self.blit_part(
            Slot::Row(panel, row.y),
            |k| matches!(k, Key::Row(r) if same(r)),
            &[row],
            buf,
        )
    }

    /// Keeps the row `row` of panel `panel`'s text as drawn in `buf` from `key`.
    pub fn store_row(&mut self, panel: usize, row: Rect, key: RowKey, buf: &Buffer) {
        self.store_part(Slot::Row(panel, row.y), Key::Row(key), &[row], buf);
    }

    fn blit_part(
        &mut self,
        slot: Slot,
        same: impl FnOnce(&Key) -> bool,
        rects: &[Rect],
        buf: &mut Buffer,
    ) -> bool {
        let Some(b) = self.kept.get_mut(&slot) else {
            return false;
        };
        if b.rects != rects || rects.iter().any(|&r| !inside(buf, r)) || !same(&b.key) {
            return false;
        }
        let mut from = 0;
        for r in rects {
            let w = usize::from(r.width);
            for y in r.top()..r.bottom() {
                let start = buf.index_of(r.x, y);
                buf.content[start..start + w].clone_from_slice(&b.cells[from..from + w]);
                from += w;
            }
        }
        if b.shown + 1 == self.frame {
            self.same_place.extend_from_slice(rects);
        }
        b.shown = self.frame;
        self.hits += 1;
        true
    }

    fn store_part(&mut self, slot: Slot, key: Key, rects: &[Rect], buf: &Buffer) {
        if rects.iter().any(|&r| !inside(buf, r)) {
            self.kept.remove(&slot);
            return;
        }
        // The old part's room is used again.
        let (mut cells, mut kept_rects) = self
            .kept
            .remove(&slot)
            .map_or_else(Default::default, |k| (k.cells, k.rects));
        cells.clear();
        kept_rects.clear();
        kept_rects.extend_from_slice(rects);
        for r in rects {
            for y in r.top()..r.bottom() {
                let start = buf.index_of(r.x, y);
                cells.extend_from_slice(&buf.content[start..start + usize::from(r.width)]);
            }
        }
        self.kept.insert(
            slot,
            Kept {
                key,
                rects: kept_rects,
                cells,
                shown: self.frame,
            },
        );
    }
}

/// Whether `r` lies wholly in `buf` (and holds cells).
fn inside(buf: &Buffer, r: Rect) -> bool {
    !r.is_empty() && buf.area.intersection(r) == r
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
    use ratatui::buffer::Buffer;
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
    /// theme and size changes), every frame drawn with kept bodies is the frame drawn afresh.
    #[test]
    fn kept_bodies_draw_the_same_frames_as_drawing_afresh() {
        let mut cfg = Config::demo("http://127.0.0.1:1", &[]);
        cfg.oncall.members.clear();
        let themes = [
            crate::theme::Theme::fallback(),
            crate::theme::Theme::fallback().without_color(),
        ];
        let mut s = State::new(&cfg, at(0.0));
        let cache = RefCell::new(BodyCache::default());
        let mut t = 10_000.0;
        let (mut w, mut h) = (200u16, 50u16);
        let mut kept = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut fresh = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        // As the dashboard draws: through the screen, which skips the bodies kept in place.
        let mut shown = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut screen = crate::tui::screen::Screen::new();
        let shown_cache = RefCell::new(BodyCache::default());
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
            let pick = |p: usize| (p + round as usize) % 3 != 0;
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
        // Bodies were kept and copied, not drawn every time, and the screen took many as they
        // were.
        assert!(cache.borrow().hits > 100, "{} hits", cache.borrow().hits);
        assert!(
            skipped.get() > 100,
            "{} areas taken as they were",
            skipped.get()
        );
    }

    /// Bytes written to a terminal, kept where the test can read them.
    #[derive(Clone, Default)]
    struct Tape(std::rc::Rc<RefCell<Vec<u8>>>);

    impl std::io::Write for Tape {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Two emulated terminals (`vt100`) side by side: one shows what the dashboard writes (its
    /// screen and backend, with the parts it kept), the other what ratatui's own terminal and
    /// backend write for the frame drawn afresh. How a terminal clears what a wide symbol
    /// leaves behind differs from one terminal to another, so the two are compared with each
    /// other rather than with the frame.
    struct Emulated {
        ours: Terminal<crate::tui::output::Output<Vec<u8>>>,
        screen: crate::tui::screen::Screen,
        theirs: Terminal<ratatui::backend::CrosstermBackend<Tape>>,
        tape: Tape,
        vt: [vt100::Parser; 2],
        seen: usize,
    }

    impl Emulated {
        fn new(w: u16, h: u16) -> Emulated {
            let size = |n: u16| std::num::NonZeroU16::new(n).expect("size");
            let tape = Tape::default();
            let theirs = Terminal::with_options(
                ratatui::backend::CrosstermBackend::new(tape.clone()),
                ratatui::TerminalOptions {
                    viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
                },
            )
            .expect("in-memory terminal");
            Emulated {
                ours: Terminal::new(crate::tui::output::Output::with_size(Vec::new(), w, h))
                    .expect("in-memory terminal"),
                screen: crate::tui::screen::Screen::new(),
                theirs,
                tape,
                vt: [0, 1].map(|_| vt100::Parser::new(size(h), size(w), 0)),
                seen: 0,
            }
        }

        /// Draws a frame through the dashboard's screen with `ui`, and `fresh` through
        /// ratatui's terminal; returns how many areas the screen took as they were.
        fn draw(
            &mut self,
            fresh: &Buffer,
            ui: impl FnOnce(&mut ratatui::Frame) -> Vec<Rect>,
        ) -> usize {
            let mut taken = 0;
            self.screen
                .draw(&mut self.ours, |f| {
                    let same = ui(f);
                    taken = same.len();
                    same
                })
                .expect("in-memory terminal");
            let bytes = self.ours.backend().writer();
            self.vt[0].process(&bytes[self.seen..]);
            self.seen = bytes.len();
            self.theirs
                .draw(|f| f.buffer_mut().clone_from(fresh))
                .expect("in-memory terminal");
            self.vt[1].process(&std::mem::take(&mut *self.tape.0.borrow_mut()));
            taken
        }

        /// Panics unless both terminals show the same: every symbol, colour and attribute.
        fn assert_same(&self, round: u64) {
            let [ours, theirs] = [0, 1].map(|i| self.vt[i].screen());
            let (rows, cols) = ours.size();
            let (rows, cols) = (rows.get(), cols.get());
            let shown = |c: &vt100::Cell| {
                (
                    // A blank written or a cell never written.
                    if c.contents().is_empty() {
                        " "
                    } else {
                        c.contents()
                    }
                    .to_string(),
                    c.fgcolor(),
                    c.bgcolor(),
                    [c.bold(), c.dim(), c.italic(), c.underline(), c.inverse()],
                )
            };
            for y in 0..rows {
                for x in 0..cols {
                    let [a, b] = [ours, theirs].map(|s| shown(s.cell(y, x).expect("in range")));
                    if a != b {
                        let row = |s: &vt100::Screen| s.rows(0, cols).nth(usize::from(y));
                        panic!(
                            "round {round}: ({x},{y}) ours {a:?}, ratatui's {b:?}\n{:?}\n{:?}",
                            row(ours),
                            row(theirs)
                        );
                    }
                }
            }
        }
    }

    /// The same with every kind of panel the built-in board has (incidents, on call, logs,
    /// errors, error budget) and their text changing: alerts that come and go and age, log
    /// lines that arrive and scroll, issues seen again, the selection, the level filters,
    /// pausing, focus, theme and size. Every frame drawn with kept rows and borders is the frame
    /// drawn afresh, and so is what the screen shows.
    #[test]
    fn kept_rows_and_borders_draw_the_same_frames_as_drawing_afresh() {
        use crate::config::SourceKind;
        use crate::sources::alertmanager::AmAlert;
        use crate::sources::loki::{Level, LogEntry};
        use crate::sources::sentry::SentryIssue;
        let url = "http://127.0.0.1:1";
        let cfg = Config::demo(
            url,
            &[
                (SourceKind::Alertmanager, url),
                (SourceKind::Loki, url),
                (SourceKind::Sentry, url),
            ],
        );
        let themes = [
            crate::theme::Theme::fallback(),
            crate::theme::Theme::fallback().without_color(),
        ];
        let start = 10_000.0;
        let mut s = State::new(&cfg, at(start));
        let cache = RefCell::new(BodyCache::default());
        let shown_cache = RefCell::new(BodyCache::default());
        let (mut w, mut h) = (200u16, 50u16);
        let mut kept = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut fresh = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut shown = Emulated::new(w, h);
        let mut skipped = 0usize;
        let alert = |name: &str, since: f64| AmAlert {
            fingerprint: format!("fp-{name}"),
            labels: [
                ("alertname".to_string(), name.to_string()),
                ("severity".to_string(), "critical".to_string()),
            ]
            .into(),
            annotations: [("summary".to_string(), format!("{name} is failing"))].into(),
            starts_at: at(since),
            ends_at: None,
            updated_at: None,
            generator_url: None,
            state: "active".into(),
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
            receivers: Vec::new(),
        };
        let issue = |id: usize, seen: f64| SentryIssue {
            id: id.to_string(),
            short_id: format!("CHECKOUT-{id}"),
            title: format!("Error number {id}: 宽 wide and plain"),
            culprit: Some("checkout.payments".into()),
            level: if id % 2 == 0 { "error" } else { "warning" }.into(),
            status: "unresolved".into(),
            count: 10 * id as u64,
            user_count: id as u64,
            first_seen: Some(at(start - 3600.0)),
            last_seen: Some(at(seen)),
            permalink: None,
            project: Some("checkout".into()),
            stats_24h: (0..24)
                .map(|h| (h, (h as u64 * 7 + id as u64) % 19))
                .collect(),
        };
        let mut lines = 0i128;
        let mut t = start;
        for round in 0..150u64 {
            t += if round % 13 == 12 { 61.0 } else { 1.0 };
            let now = at(t);
            s.now = now;
            let fx = update(&mut s, Action::Tick, now);
            answer(&mut s, &fx, now, round, |_| true);
            for e in &fx {
                let action = match e {
                    Effect::FetchAlerts { source, .. } => {
                        // Alerts that fire for a while and stop.
                        let mut alerts = vec![alert("CertificateExpiresSoon", start - 86_400.0)];
                        if round % 40 < 25 {
                            alerts.push(alert("HighErrorRate", start + 5.0));
                        }
                        if round % 17 > 9 {
                            alerts.push(alert("DiskFull", t - 3.0));
                        }
                        Action::AlertsLoaded {
                            source: source.clone(),
                            result: Ok(crate::action::AlertBatch::Alertmanager {
                                alerts,
                                silences: Vec::new(),
                            }),
                        }
                    }
                    Effect::FetchLogs { panel, .. } => {
                        // Now and then a burst of lines, sometimes none.
                        let n = [0, 1, 3, 0, 12][round as usize % 5];
                        let entries = (0..n)
                            .map(|_| {
                                lines += 1;
                                let level = ["info", "warn", "error"][lines as usize % 3];
                                LogEntry {
                                    ts_ns: (t * 1e9) as i128 + lines,
                                    line: format!("level={level} msg=\"line {lines}\" 宽={lines}"),
                                    labels: Default::default(),
                                }
                            })
                            .collect();
                        Action::LogsLoaded {
                            panel: *panel,
                            result: Ok(entries),
                        }
                    }
                    Effect::FetchErrors { panel, .. } => Action::ErrorsLoaded {
                        panel: *panel,
                        result: Ok((1..=9)
                            .map(|id| issue(id, if id % 3 == 0 { t - 2.0 } else { start - 90.0 }))
                            .collect()),
                        retry_after: None,
                    },
                    _ => continue,
                };
                update(&mut s, action, now);
            }
            match round % 29 {
                3 | 4 | 11 | 14 | 18 | 19 | 25 => {
                    update(&mut s, Action::FocusNext, now);
                }
                5..=7 => {
                    update(&mut s, Action::Down, now);
                }
                8 => {
                    update(&mut s, Action::Up, now);
                }
                9 => {
                    update(&mut s, Action::ToggleLevel(Level::Info), now);
                }
                10 => {
                    update(&mut s, Action::Follow, now);
                }
                13 => s.theme += 1,
                17 => {
                    // Small enough that the board scrolls to the focused panel: panels leave
                    // the screen and come back.
                    (w, h) = if w == 200 { (100, 24) } else { (200, 50) };
                    kept.backend_mut().resize(w, h);
                    fresh.backend_mut().resize(w, h);
                    // A new terminal of the new size, as after a resize, which clears it.
                    shown = Emulated::new(w, h);
                    update(&mut s, Action::Size(w, h), now);
                }
                21 | 23 => s.show_help = true,
                22 | 24 => s.show_help = false,
                _ => {}
            }
            let theme = &themes[s.theme % themes.len()];
            let a = kept
                .draw(|f| {
                    crate::ui::draw_cached(f, &s, theme, Some(&cache));
                })
                .expect("draw")
                .buffer
                .clone();
            let b = fresh
                .draw(|f| crate::ui::draw(f, &s, theme))
                .expect("draw")
                .buffer
                .clone();
            assert_eq!(a, b, "round {round}");
            skipped += shown.draw(&b, |f| {
                crate::ui::draw_cached(f, &s, theme, Some(&shown_cache))
            });
            shown.assert_same(round);
        }
        // The board had incidents, log lines and issues, and most rows and borders were
        // copied and taken as they were.
        assert!(
            s.incidents.list.len() >= 2,
            "{} incidents",
            s.incidents.list.len()
        );
        assert!(lines > 100, "{lines} log lines");
        assert!(cache.borrow().hits > 2000, "{} hits", cache.borrow().hits);
        assert!(skipped > 2000, "{skipped} areas taken as they were");
    }
}
