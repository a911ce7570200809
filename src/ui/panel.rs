//! The frame every panel shares: border, title, status marker, data age, error line.

use super::{errors, gauge, health, incidents, logs, stat, timeseries};
use crate::config::PanelKind;
use crate::state::{PanelState, Status};
use crate::theme::Theme;
use crate::ui::plain::Plain;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// What a panel renderer needs.
pub struct View<'a> {
    pub panel: &'a PanelState,
    /// The panel's index in the state's panels.
    pub index: usize,
    pub focused: bool,
    pub now: DateTime<Utc>,
    pub state: &'a crate::state::State,
    /// Panels kept from earlier frames.
    pub cache: Option<&'a std::cell::RefCell<super::cache::PanelCache>>,
}

/// The marker shown next to the title; words as well as colour, so it reads without colour.
pub fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Ok => "✓",
        Status::NoData => "∅ no data",
        Status::Warn => "▲ WARN",
        Status::Crit => "✖ CRIT",
        Status::Error => "✗ ERROR",
    }
}

/// The status marker, and the data age when it is late or stale, shortened so the title stays
/// readable in narrow panels.
fn title_right<'a>(
    p: &PanelState,
    status: Status,
    now: DateTime<Utc>,
    width: u16,
    theme: &Theme,
) -> Vec<Span<'a>> {
    let mark = status_mark(status);
    let age = match p.updated_at.map(|at| (now - at).num_seconds()) {
        Some(secs) if p.is_stale() => format!("stale {} ", crate::duration::format_age(secs)),
        Some(secs) if secs as f64 > crate::update::on_time_for(p) => {
            format!("{} ", crate::duration::format_age(secs))
        }
        Some(_) => String::new(),
        None if p.in_flight => "loading… ".to_string(),
        None => String::new(),
    };
    let title_w = unicode_width::UnicodeWidthStr::width(p.cfg.title.as_str()) + 2;
    let room = usize::from(width).saturating_sub(title_w + 4);
    let full = mark.chars().count() + 2 + age.chars().count();
    let age_style = if p.is_stale() {
        theme.stale
    } else {
        theme.muted
    };
    if full <= room {
        return vec![
            Span::styled(format!(" {mark} "), theme.status(status)),
            Span::styled(age, age_style),
        ];
    }
    // Narrow: the symbol alone still says the state (its word is in the value's colour).
    let symbol = mark.split(' ').next().unwrap_or(mark);
    vec![Span::styled(format!(" {symbol} "), theme.status(status))]
}

/// The panel's rounded border with a title on the left and one on the right of its top row;
/// returns the area inside. The same cells as a bordered, rounded `Block` with these two titles
/// and no style of its own, without the `Block`'s pass that applies its (empty) style to every
/// cell inside, which took a tenth of each frame.
pub fn frame_panel(
    buf: &mut Buffer,
    area: Rect,
    style: Style,
    left: &Line<'_>,
    right: &Line<'_>,
) -> Rect {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return Rect::new(area.x, area.y, 0, 0);
    }
    let inner = inside(area);
    let set = symbols::border::ROUNDED;
    let (l, t) = (area.left(), area.top());
    let (r, b) = (area.right() - 1, area.bottom() - 1);
    // Row by row through the buffer's cells (the same cells, in the same order, as setting each
    // by its position, without working out each one's index).
    let w = usize::from(area.width);
    for y in t..=b {
        let row = buf.index_of(l, y);
        buf.content[row]
            .set_symbol(set.vertical_left)
            .set_style(style);
        buf.content[row + w - 1]
            .set_symbol(set.vertical_right)
            .set_style(style);
    }
    for (y, symbol) in [(t, set.horizontal_top), (b, set.horizontal_bottom)] {
        let row = buf.index_of(l, y);
        for cell in &mut buf.content[row..row + w] {
            cell.set_symbol(symbol).set_style(style);
        }
    }
    for (x, y, symbol) in [
        (r, b, set.bottom_right),
        (r, t, set.top_right),
        (l, b, set.bottom_left),
        (l, t, set.top_left),
    ] {
        buf[(x, y)].set_symbol(symbol).set_style(style);
    }
    let titles = Rect::new(l + 1, t, area.width.saturating_sub(2), 1);
    if !titles.is_empty() {
        let w = |line: &Line<'_>| u16::try_from(line.width()).unwrap_or(u16::MAX);
        let (lw, rw) = (w(left), w(right));
        left.render(
            Rect {
                width: lw.min(titles.width),
                ..titles
            },
            buf,
        );
        let x = titles.right().saturating_sub(rw).max(titles.left());
        right.render(
            Rect {
                x,
                width: rw.min(titles.width),
                ..titles
            },
            buf,
        );
    }
    inner
}

/// The status a panel's title shows.
pub fn shown_status(state: &crate::state::State, p: &PanelState) -> Status {
    match p.cfg.kind {
        PanelKind::Incidents => state.incidents_status(),
        PanelKind::Oncall => Status::Ok,
        _ => p.status(),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    let status = shown_status(view.state, p);
    let border = if view.focused {
        theme.border_focus
    } else {
        theme.border
    };
    let right = title_right(p, status, view.now, area.width, theme);
    // Panels drawn from their data alone (and, for a chart, its time grid) are kept whole; text
    // panels are kept while their text is the same.
    let text = is_text(p);
    let kept = text
        || p.updated_at.is_some()
            && matches!(
                p.cfg.kind,
                PanelKind::Stat
                    | PanelKind::Timeseries
                    | PanelKind::Health
                    | PanelKind::Gauge
                    | PanelKind::Slo
            );
    let Some(cache) = view.cache.filter(|_| kept) else {
        draw(frame, area, view, theme, border, &right, None);
        return;
    };
    let area = area.intersection(frame.buffer_mut().area);
    let parts = text.then(|| text_parts(view, inside(area), theme));
    let grid_end = (p.cfg.kind == PanelKind::Timeseries).then(|| {
        let now = view.now.timestamp_millis() as f64 / 1000.0;
        let dots = timeseries::chart_dots(p, body_area(inside(area), p));
        crate::update::chart_window(p.cfg.history().as_secs_f64(), now, dots).1
    });
    let key = super::cache::PanelKey {
        // A text panel's text is compared instead.
        generation: if text { 0 } else { p.generation },
        focused: view.focused,
        grid_end,
        theme: view.state.theme,
        wall: view.state.wall,
        low_bandwidth: view.state.low_bandwidth,
        ascii: view.state.ascii,
    };
    let chrome = super::cache::Chrome {
        right: &right,
        border,
        error: p.error.as_deref(),
    };
    if cache.borrow_mut().blit(
        view.index,
        key,
        &chrome,
        parts.as_deref(),
        area,
        frame.buffer_mut(),
    ) {
        return;
    }
    let kept_parts = parts
        .as_ref()
        .map(|ps| ps.iter().map(|(r, t)| (*r, t.to_static())).collect());
    draw(frame, area, view, theme, border, &right, parts);
    cache.borrow_mut().store(
        view.index,
        key,
        &chrome,
        kept_parts,
        area,
        frame.buffer_mut(),
    );
}

/// Whether the panel's body is lines of text ([`text_parts`]).
fn is_text(p: &PanelState) -> bool {
    match p.cfg.kind {
        PanelKind::Incidents | PanelKind::Oncall => true,
        PanelKind::Logs | PanelKind::Errors => p.updated_at.is_some(),
        _ => false,
    }
}

/// The area inside the border [`frame_panel`] draws around `area` (within the screen).
fn inside(area: Rect) -> Rect {
    Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}

/// What a text panel shows inside its border (`inner`): where each part goes and its text.
fn text_parts<'a>(view: &View<'a>, inner: Rect, theme: &Theme) -> Vec<(Rect, Plain<'a>)> {
    let p = view.panel;
    if inner.height == 0 || inner.width == 0 {
        return Vec::new();
    }
    let st = view.state;
    match p.cfg.kind {
        PanelKind::Incidents => incidents::parts(inner, view, st, theme),
        PanelKind::Oncall => super::oncall_panel::parts(
            inner,
            st.on_call().as_ref(),
            &st.user,
            st.rotation_zone(),
            view.now,
            theme,
        ),
        PanelKind::Logs | PanelKind::Errors => {
            let mut out: Vec<_> = error_row(p, inner, theme).into_iter().collect();
            let content = body_area(inner, p);
            if content.height > 0 {
                out.extend(if p.cfg.kind == PanelKind::Logs {
                    logs::parts(content, view, theme)
                } else {
                    errors::parts(content, view, theme)
                });
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The failure of a panel that has data, on the bottom row inside its border (`inner`): the
/// last good data stays above it.
fn error_row(p: &PanelState, inner: Rect, theme: &Theme) -> Option<(Rect, Plain<'static>)> {
    let err = p.error.as_ref()?;
    let row = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
    let text = super::truncate(&format!("error: {err}"), row.width);
    Some((row, Plain::new(text).style(theme.error)))
}

/// Where a panel's body goes inside its border (`inner`): above the error row when there is
/// one under data.
fn body_area(inner: Rect, p: &PanelState) -> Rect {
    if p.error.is_some() && p.updated_at.is_some() {
        Rect {
            height: inner.height.saturating_sub(1),
            ..inner
        }
    } else {
        inner
    }
}

/// The panel: its border and titles, then what it shows (`parts`, a text panel's text when
/// already worked out for this area).
fn draw(
    frame: &mut Frame<'_>,
    area: Rect,
    view: &View<'_>,
    theme: &Theme,
    border: Style,
    right: &[Span<'_>],
    parts: Option<Vec<(Rect, Plain<'_>)>>,
) {
    let p = view.panel;
    super::paint_background(frame.buffer_mut(), area, theme);
    let left = Line::from(Span::styled(format!(" {} ", p.cfg.title), theme.title));
    let right = Line::from(right.to_vec()).right_aligned();
    let inner = frame_panel(frame.buffer_mut(), area, border, &left, &right);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if let Some(parts) = parts.or_else(|| is_text(p).then(|| text_parts(view, inner, theme))) {
        for (a, text) in parts {
            frame.render_widget(text, a);
        }
        return;
    }
    if p.updated_at.is_none() {
        // Nothing to show yet: the whole panel explains why.
        let (text, style) = match &p.error {
            Some(e) => (format!("error: {e}"), theme.error),
            None if p.in_flight => ("loading…".to_string(), theme.muted),
            None => ("waiting".to_string(), theme.muted),
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(style)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    if let Some((row, text)) = error_row(p, inner, theme) {
        frame.render_widget(text, row);
    }
    let content = body_area(inner, p);
    if content.height == 0 {
        return;
    }
    draw_kind(frame, content, view, theme);
}

/// The body of a panel of one of the kinds below its border.
fn draw_kind(frame: &mut Frame<'_>, content: Rect, view: &View<'_>, theme: &Theme) {
    let p = view.panel;
    match p.cfg.kind {
        PanelKind::Stat => stat::render(frame, content, view, theme),
        PanelKind::Timeseries => timeseries::render(frame, content, view, theme),
        PanelKind::Health => health::render(frame, content, view, theme),
        PanelKind::Gauge => gauge::render(frame, content, view, theme),
        PanelKind::Incidents | PanelKind::Oncall => {}
        PanelKind::Slo => {
            let budget = p
                .cfg
                .slo
                .as_ref()
                .and_then(|s| crate::slo::from_series(s, &p.series));
            super::slo_panel::render(frame, content, budget.as_ref(), theme);
        }
        // Text panels: see `text_parts`.
        PanelKind::Logs | PanelKind::Errors => {}
    }
}

#[cfg(test)]
mod frame_tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::widgets::{Block, BorderType};

    /// `frame_panel` leaves every cell (symbol and style) as the `Block` it replaces would, at
    /// every size from nothing to wider than its titles, and on top of earlier content.
    #[test]
    fn same_cells_as_a_rounded_block() {
        let style = Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD);
        let left = Line::from(Span::styled(
            " Request rate ",
            Style::default().fg(Color::White),
        ));
        let right = Line::from(vec![
            Span::styled(" ✓ ", Style::default().fg(Color::Green)),
            Span::styled("12s ", Style::default().fg(Color::DarkGray)),
        ])
        .right_aligned();
        let screen = Rect::new(0, 0, 40, 8);
        let mut checked = 0;
        for w in 0..=40u16 {
            for h in 0..=8u16 {
                for x in [0u16, 3] {
                    let area = Rect::new(x, 1, w, h);
                    let under = |buf: &mut Buffer| {
                        buf.set_string(0, 2, "x".repeat(40), Style::default().bg(Color::Blue));
                    };
                    let mut want = Buffer::empty(screen);
                    under(&mut want);
                    let block = Block::bordered()
                        .border_type(BorderType::Rounded)
                        .border_style(style)
                        .title_top(left.clone())
                        .title_top(right.clone());
                    let want_inner = block.inner(area.intersection(screen));
                    block.render(area, &mut want);
                    let mut got = Buffer::empty(screen);
                    under(&mut got);
                    let inner = frame_panel(&mut got, area, style, &left, &right);
                    assert_eq!(got, want, "{area:?}");
                    if !area.intersection(screen).is_empty() {
                        assert_eq!(inner, want_inner, "{area:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 41 * 9 * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PanelConfig;
    use std::time::Duration;

    fn panel(kind: &str, refresh: u64) -> PanelState {
        let cfg: PanelConfig =
            toml::from_str(&format!("title = \"t\"\nkind = \"{kind}\"\nquery = \"up\""))
                .expect("a panel");
        PanelState::new(cfg, "prom".into(), Duration::from_secs(refresh), Utc::now())
    }

    /// The title's right part, as text, `age` seconds after the last answer (the status is the
    /// data's own, not under test here).
    fn right(p: &mut PanelState, age: i64) -> String {
        let now = Utc::now();
        p.updated_at = Some(now - chrono::Duration::seconds(age));
        let spans = title_right(p, Status::Ok, now, 80, &Theme::fallback());
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_age_shows_once_the_data_is_late() {
        // Asked every refresh: on time up to two refreshes.
        let mut stat = panel("stat", 1);
        assert_eq!(right(&mut stat, 0), " ✓ ");
        assert_eq!(right(&mut stat, 2), " ✓ ");
        assert_eq!(right(&mut stat, 3), " ✓ 3s ");
        let mut slow = panel("gauge", 30);
        assert_eq!(right(&mut slow, 60), " ✓ ");
        assert_eq!(right(&mut slow, 61), " ✓ 1m ");
        // A one-hour chart is asked once its 15 s grid step has passed.
        let mut chart = panel("timeseries", 10);
        assert_eq!(right(&mut chart, 35), " ✓ ");
        assert_eq!(right(&mut chart, 36), " ✓ 36s ");
        // Stale data always says how old it is, late or not.
        stat.failed("connection refused".into());
        assert_eq!(right(&mut stat, 1), " ✓ stale 1s ");
    }
}
