//! Panels kept between frames. A frame is drawn every second (the clock, the logs, the data
//! ages), but a stat or a chart only changes when its data, its time grid or its title does,
//! and a text panel (incidents, on call, logs, errors) when its text does. A panel whose inputs
//! are the same as last frame's is left undrawn where the screen shows it (a hole the screen
//! keeps as it is), or else copied from here, border and all; a text panel's cells are not
//! kept, only its text: it is drawn again when it cannot be left where it is.

use crate::ui::plain::Plain;
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
    /// This frame's panels left undrawn where the last frame showed them.
    holes: Vec<Rect>,
    /// Whether the last frame had something drawn over the panels.
    covered: bool,
    /// This frame leaves the panels kept in place undrawn (see [`PanelCache::begin_frame`]).
    untouched: bool,
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
    /// Drawn in ASCII only (applied to the whole frame after the panels).
    pub ascii: bool,
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

/// A text panel's text: where each part goes, and its lines.
pub type TextParts<'a> = [(Rect, Plain<'a>)];

struct Kept {
    key: PanelKey,
    chrome: KeptChrome,
    area: Rect,
    /// A text panel's text. Its cells are not kept: it is left where it is or drawn again.
    parts: Option<Vec<(Rect, Plain<'static>)>>,
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

    /// A frame starts. `in_place`: the screen shows the last frame whole at this size;
    /// `covered`: something (a popup, the help) will be drawn over the panels. When the screen
    /// shows the last frame and neither it nor this one has anything over the panels, a panel
    /// kept where the last frame showed it is not drawn at all: its area is given back at
    /// [`PanelCache::end_frame`], and the screen keeps what it shows there.
    pub fn begin_frame(&mut self, in_place: bool, covered: bool) {
        self.frame += 1;
        self.holes.clear();
        self.untouched = in_place && !covered && !self.covered;
        self.covered = covered;
    }

    /// The frame is drawn. Returns the areas left undrawn: panels kept where the last frame
    /// showed them, every cell plain (one column, no diff option, not skipped). The screen takes
    /// them from what it shows.
    pub fn end_frame(&mut self) -> Vec<Rect> {
        std::mem::take(&mut self.holes)
    }

    /// Copies panel `panel` into `buf` when it was drawn with the same `key`, `chrome` and
    /// text (`parts`, for a text panel) in the same `area`; in a frame that leaves such panels
    /// untouched, leaves it be when the last frame showed it there. A text panel is only ever
    /// left be: false when it must be drawn.
    pub fn blit(
        &mut self,
        panel: usize,
        key: PanelKey,
        chrome: &Chrome<'_>,
        parts: Option<&TextParts<'_>>,
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
            || b.parts.as_deref() != parts
        {
            return false;
        }
        if self.untouched && b.shown + 1 == self.frame && b.plain {
            self.holes.push(area);
            b.shown = self.frame;
            self.hits += 1;
            return true;
        }
        if b.parts.is_some() {
            return false;
        }
        b.shown = self.frame;
        let w = usize::from(area.width);
        for (row, y) in (area.top()..area.bottom()).enumerate() {
            let start = buf.index_of(area.x, y);
            buf.content[start..start + w].clone_from_slice(&b.cells[row * w..(row + 1) * w]);
        }
        self.hits += 1;
        true
    }

    /// Keeps panel `panel` as drawn in `area` of `buf` (from `parts`, for a text panel).
    pub fn store(
        &mut self,
        panel: usize,
        key: PanelKey,
        chrome: &Chrome<'_>,
        parts: Option<Vec<(Rect, Plain<'static>)>>,
        area: Rect,
        buf: &Buffer,
    ) {
        if buf.area.intersection(area) != area {
            self.panels.remove(&panel);
            return;
        }
        // The last cells' room is used again.
        let mut cells = self
            .panels
            .remove(&panel)
            .map(|k| k.cells)
            .unwrap_or_default();
        cells.clear();
        let rows = (area.top()..area.bottom()).map(|y| {
            let start = buf.index_of(area.x, y);
            &buf.content[start..start + usize::from(area.width)]
        });
        // A text panel's cells are not kept (it is drawn again when it cannot stay in place).
        let plain = if parts.is_some() {
            rows.flatten().all(crate::tui::screen::plain)
        } else {
            rows.for_each(|row| cells.extend_from_slice(row));
            cells.iter().all(crate::tui::screen::plain)
        };
        let kept = Kept {
            key,
            chrome: KeptChrome::of(chrome),
            area,
            parts,
            cells,
            plain,
            shown: self.frame,
        };
        self.panels.insert(panel, kept);
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
            if let Some(a) = text_answer(e, now, round) {
                update(s, a, now);
                continue;
            }
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

    /// The answer to a fetch for a text panel (logs, errors, incidents): a log line every
    /// third round, issues last seen at fixed times (their ages move), an alert that comes and
    /// goes.
    fn text_answer(e: &Effect, now: DateTime<Utc>, round: u64) -> Option<Action> {
        use crate::action::AlertBatch;
        use crate::sources::alertmanager::AmAlert;
        use crate::sources::loki::LogEntry;
        use crate::sources::sentry::SentryIssue;
        match e {
            Effect::FetchLogs { panel, .. } => {
                let result = Ok((round % 3 == 0)
                    .then(|| LogEntry {
                        ts_ns: i128::from(now.timestamp_millis()) * 1_000_000,
                        line: format!("level=info msg=\"round {round}\""),
                        labels: Default::default(),
                    })
                    .into_iter()
                    .collect());
                Some(Action::LogsLoaded {
                    panel: *panel,
                    result,
                })
            }
            Effect::FetchErrors { panel, .. } => {
                let issue = |id: u64| SentryIssue {
                    id: id.to_string(),
                    short_id: format!("CHECKOUT-{id}"),
                    title: format!("Boom {id}"),
                    culprit: None,
                    level: "error".into(),
                    status: "unresolved".into(),
                    count: 10 + round / 10,
                    user_count: 1,
                    first_seen: Some(at(9_000.0)),
                    last_seen: Some(at(9_500.0 + 200.0 * id as f64)),
                    permalink: None,
                    project: None,
                    stats_24h: Vec::new(),
                };
                Some(Action::ErrorsLoaded {
                    panel: *panel,
                    result: Ok(vec![issue(1), issue(2)]),
                    retry_after: None,
                })
            }
            Effect::FetchAlerts { source, .. } => {
                let alerts = (30..70)
                    .contains(&round)
                    .then(|| AmAlert {
                        fingerprint: "fp-disk".into(),
                        labels: [
                            ("alertname".to_string(), "DiskFull".to_string()),
                            ("severity".to_string(), "critical".to_string()),
                        ]
                        .into(),
                        annotations: Default::default(),
                        starts_at: at(9_900.0),
                        ends_at: None,
                        updated_at: None,
                        generator_url: None,
                        state: "active".into(),
                        silenced_by: Vec::new(),
                        inhibited_by: Vec::new(),
                        receivers: Vec::new(),
                    })
                    .into_iter()
                    .collect();
                let silences = Vec::new();
                Some(Action::AlertsLoaded {
                    source: source.clone(),
                    result: Ok(AlertBatch::Alertmanager { alerts, silences }),
                })
            }
            _ => None,
        }
    }

    /// Over a run of rounds (data for some panels, time crossing chart steps, errors, focus,
    /// theme and size changes), every frame drawn with kept panels is the frame drawn afresh.
    #[test]
    fn kept_panels_draw_the_same_frames_as_drawing_afresh() {
        use crate::config::SourceKind;
        let nowhere = "http://127.0.0.1:1";
        let others = [
            (SourceKind::Alertmanager, nowhere),
            (SourceKind::Loki, nowhere),
            (SourceKind::Sentry, nowhere),
        ];
        let cfg = Config::demo(nowhere, &others);
        // One theme paints a background: under the panels drawn, never under those kept.
        let mut painted = crate::theme::Theme::fallback();
        painted.background = Style::default().bg(ratatui::style::Color::Indexed(17));
        let themes = [
            crate::theme::Theme::fallback(),
            painted,
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
                        crate::ui::draw_cached(f, s, theme, Some(&cache), false);
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
                    .draw(shown, |f, in_place| {
                        let same =
                            crate::ui::draw_cached(f, s, theme, Some(&shown_cache), in_place);
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
        // Every kind of panel was on the board, text panels with text.
        for kind in [
            "logs",
            "errors",
            "incidents",
            "oncall",
            "timeseries",
            "stat",
        ] {
            assert!(
                s.panels
                    .iter()
                    .any(|p| format!("{:?}", p.cfg.kind).to_lowercase() == kind),
                "no {kind} panel"
            );
        }
        let logs = s
            .panels
            .iter()
            .find_map(|p| p.logs.as_deref())
            .expect("logs");
        assert!(logs.lines.len() > 10, "{} log lines", logs.lines.len());
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
