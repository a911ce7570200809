//! The root layout. Drawing reads the state only; it never does IO.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────┐
//! │ oncall  1 Production Health  2 …           prom ✓  alertmanager ✗  21:03 │ header
//! ├──────────────┬──────────────┬──────────────┬─────────────────────────────┤
//! │ panel        │ panel        │ panel        │ panel                       │ grid rows:
//! ├──────────────┴──────────┬───┴──────────────┴─────────────────────────────┤ 24 columns,
//! │ panel                   │ panel                                          │ flowing left
//! └─────────────────────────┴────────────────────────────────────────────────┘ to right
//!   q quit  ? help  Tab focus  1-3 page  r refresh                  message   footer
//! ```

mod ascii;
mod bigtext;
pub mod cache;
mod errors;
mod gauge;
mod health;
mod help;
mod incident_detail;
pub mod incidents;
mod logs;
pub mod oncall_panel;
mod panel;
pub mod plain;
pub mod slo_panel;
mod stat;
mod timeseries;
mod wall;

use crate::state::{SourceStatus, State};
use crate::theme::Theme;
use crate::ui::plain::Plain;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Draws one frame.
pub fn draw(frame: &mut Frame<'_>, state: &State, theme: &Theme) {
    draw_cached(frame, state, theme, None, false);
}

/// [`draw`], copying the panels that did not change from `cache` (the running dashboard
/// keeps one between frames). Returns the areas whose cells are the last frame's.
///
/// With `in_place` (the screen shows the last frame whole, at this size) a panel kept where the
/// last frame showed it is not even copied: its area is left as it was (reset) and given back,
/// for the screen to take from what it shows. That is only done when nothing is drawn over the
/// panels.
pub fn draw_cached(
    frame: &mut Frame<'_>,
    state: &State,
    theme: &Theme,
    cache: Option<&std::cell::RefCell<cache::PanelCache>>,
    in_place: bool,
) -> Vec<Rect> {
    if let Some(c) = cache {
        // The wall screen draws no kept panels and counts as covering them.
        let covered = state.wall || covers_panels(state);
        c.borrow_mut().begin_frame(in_place, covered);
    }
    if state.wall {
        wall::draw(frame, state, theme);
    } else {
        draw_board(frame, state, theme, cache);
    }
    if state.ascii {
        ascii::apply(frame.buffer_mut());
    }
    cache.map_or_else(Vec::new, |c| c.borrow_mut().end_frame())
}

fn draw_board(
    frame: &mut Frame<'_>,
    state: &State,
    theme: &Theme,
    cache: Option<&std::cell::RefCell<cache::PanelCache>>,
) {
    let area = frame.area();
    let banner_h = u16::from(state.notify.banner.is_some());
    let [header, banner, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_h),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    // The background goes under everything but the panels, which paint their own when they
    // are drawn (a panel kept where it was is not touched at all).
    for a in [header, banner, footer] {
        paint_background(frame.buffer_mut(), a, theme);
    }
    draw_header(frame, header, state, theme);
    if let Some((text, sev, _)) = &state.notify.banner {
        let style = incidents::severity_style(theme, *sev);
        frame.render_widget(
            Plain::new(format!(" ▶ {text}  (Tab to Incidents, a acknowledges)")).style(style),
            banner,
        );
    }
    let shown = draw_body(frame, body, state, theme, cache);
    draw_footer(frame, footer, state, theme, &shown);
    // Whatever is drawn over the panels from here on must count in `covers_panels`: the
    // screen takes the panels kept from the last frame as unchanged unless something covers
    // them, and they are not even drawn when nothing will.
    if state.incidents.detail.is_some() {
        incident_detail::render(frame, body, state, theme);
    }
    logs::render_detail(frame, body, state, theme);
    errors::render_detail(frame, body, state, theme);
    if state.overlay.is_some() {
        draw_overlay(frame, body, state, theme);
    }
    if state.show_help {
        help::render(frame, body, state, theme);
    }
    if let Some(p) = &state.palette {
        let results = crate::palette::filter(&crate::palette::entries(state), &p.query);
        crate::palette::render(frame, body, p, &results, theme);
    }
}

/// The theme's background under `area` (nothing when it has none).
pub(crate) fn paint_background(buf: &mut ratatui::buffer::Buffer, area: Rect, theme: &Theme) {
    if theme.background != Style::default() {
        buf.set_style(area.intersection(buf.area), theme.background);
    }
}

/// Whether anything is drawn over the board's panels: a detail, an overlay, the help or the
/// palette.
fn covers_panels(state: &State) -> bool {
    state.incidents.detail.is_some()
        || logs::detail_open(state)
        || errors::detail_open(state)
        || state.overlay.is_some()
        || state.show_help
        || state.palette.is_some()
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let mut left = vec![Span::styled(" oncall ", theme.title)];
    for (i, page) in state.pages.iter().enumerate() {
        let style = if i == state.page {
            theme.selection
        } else {
            theme.muted
        };
        left.push(Span::styled(format!(" {} {} ", i + 1, page.title), style));
    }
    let mut right = Vec::new();
    let counts = state.incidents.counts();
    if !state.incidents.alert_sources.is_empty() || !state.incidents.rules.is_empty() {
        if counts.iter().all(|&c| c == 0) {
            if state.silent_alert_sources().is_empty() {
                right.push(Span::styled("✓ no incidents ", theme.ok));
            } else {
                right.push(Span::styled("? incidents unknown ", theme.warn));
            }
        } else {
            for s in crate::incidents::Severity::ALL {
                let n = counts[s as usize];
                if n > 0 {
                    right.push(Span::styled(
                        format!(" {} {n} ", s.name()),
                        incidents::severity_style(theme, s),
                    ));
                    right.push(Span::raw(" "));
                }
            }
        }
        right.push(Span::styled("│ ", theme.muted));
    }
    let width = |spans: &[Span<'_>]| spans.iter().map(Span::width).sum::<usize>();
    let clock = Span::styled(format!(" {} ", clock(state)), theme.title);
    let fixed = width(&right) + clock.width();
    // Narrow: sources that are fine fold into one count, then failing ones drop how long they
    // have been down (only when even the brand alone leaves no room); their names stay.
    let room = usize::from(area.width);
    let least_left = left.first().map_or(0, Span::width);
    let mut sources = source_spans(state, theme, false, true);
    if width(&left) + fixed + width(&sources) > room {
        sources = source_spans(state, theme, true, true);
    }
    if least_left + fixed + width(&sources) > room {
        sources = source_spans(state, theme, true, false);
    }
    right.extend(sources);
    right.push(clock);
    let right_width = width(&right);
    if width(&left) + right_width > room {
        // The other pages' tabs go first.
        let current = left.get(state.page + 1).cloned();
        left.truncate(1);
        left.extend(current);
    }
    let right_width = u16::try_from(right_width)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let left_room = area.width - right_width;
    // A page title cut short keeps one empty column before what follows.
    let cut = width(&left) > usize::from(left_room);
    let l = Rect {
        width: left_room.saturating_sub(u16::from(cut)),
        ..area
    };
    let r = Rect {
        x: area.x + left_room,
        width: right_width,
        ..area
    };
    frame.render_widget(Block::default().style(theme.header), area);
    frame.render_widget(Plain::new(Line::from(left)).style(theme.header), l);
    frame.render_widget(Plain::new(Line::from(right)).style(theme.header), r);
}

/// Each source's state; `compact` folds the healthy ones into "4 ✓"; `ages` says for how long a
/// failing one has been down.
fn source_spans<'a>(state: &State, theme: &Theme, compact: bool, ages: bool) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    let mut ok = 0;
    for s in &state.sources {
        let (mark, style) = match s.status() {
            SourceStatus::Ok => ("✓", theme.ok),
            SourceStatus::Pending => ("…", theme.muted),
            SourceStatus::Stale | SourceStatus::Error => ("✗", theme.error),
        };
        if compact && s.status() == SourceStatus::Ok {
            ok += 1;
            continue;
        }
        out.push(Span::styled(format!("{} {mark} ", s.id), style));
        if let Some(since) = s.error_since.filter(|_| ages) {
            let age = crate::duration::format_age((state.now - since).num_seconds());
            out.push(Span::styled(format!("down {age} "), theme.error));
        }
    }
    if ok > 0 {
        out.insert(0, Span::styled(format!("{ok} ✓ "), theme.ok));
    }
    out
}

/// The time now in [`State::zone`]; a zone named in the config is named on screen too.
pub(crate) fn clock(state: &State) -> String {
    let fmt = if state.timezone.is_some() {
        "%H:%M:%S %Z"
    } else {
        "%H:%M:%S"
    };
    state
        .now
        .with_timezone(&state.zone())
        .format(fmt)
        .to_string()
}

fn draw_overlay(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    use crate::state::Overlay;
    match &state.overlay {
        Some(Overlay::Runbook(v)) => v.render(frame, area, theme),
        Some(Overlay::Commands {
            commands, selected, ..
        }) => {
            let refs: Vec<&crate::runbook::CommandConfig> = commands.iter().collect();
            crate::runbook::render_commands(frame, area, &refs, *selected, theme);
        }
        Some(Overlay::Confirm { confirm, .. }) => {
            crate::runbook::render_confirm(frame, area, confirm, theme);
        }
        Some(Overlay::Output { pane, .. }) => pane.render(frame, area, theme),
        None => {}
    }
}

/// `shown`: the panels the body drew (page position and place).
fn draw_footer(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    theme: &Theme,
    shown: &[(usize, Rect)],
) {
    if let Some(input) = &state.input {
        let (prompt, hint) = match &input.purpose {
            crate::state::InputPurpose::Note { incident } => {
                let title = state
                    .incidents
                    .get(incident)
                    .map_or(incident.as_str(), |i| i.title.as_str());
                (format!(" note for {title}: "), "  Enter save · Esc cancel")
            }
            crate::state::InputPurpose::Search { .. } => (
                " search (text or regex): ".to_string(),
                "  Enter search · Esc clear",
            ),
        };
        let line = Line::from(vec![
            Span::styled(prompt, theme.key),
            Span::styled(format!("{}█", input.text), theme.text),
            Span::styled(hint, theme.muted),
        ]);
        frame.render_widget(Plain::new(line), area);
        return;
    }
    let mut spans = Vec::new();
    if let Some(until) = state.notify.policy.snoozed_until() {
        let tz = state.zone();
        spans.push(Span::styled(
            format!(
                " notifications snoozed until {} ",
                until.with_timezone(&tz).format("%H:%M")
            ),
            theme.warn,
        ));
    }
    // The page keys only when there is another page to go to, naming the ones there are.
    let pages = (state.pages.len() > 1).then(|| format!("1-{}", state.pages.len().min(9)));
    let keys = [
        Some(("q", "quit")),
        Some(("?", "help")),
        Some(("Tab", "focus")),
        pages.as_deref().map(|k| (k, "page")),
        Some(("r", "refresh")),
    ];
    for (k, what) in keys.into_iter().flatten() {
        spans.push(Span::styled(format!(" {k}"), theme.key));
        spans.push(Span::styled(format!(" {what} "), theme.muted));
    }
    if let Some(more) = off_screen(state, shown) {
        spans.extend(more.spans(theme));
    }
    frame.render_widget(Plain::new(Line::from(spans)), area);
    if let Some(m) = &state.message {
        let w = u16::try_from(unicode_width::UnicodeWidthStr::width(m.as_str()) + 2)
            .unwrap_or(u16::MAX)
            .min(area.width);
        let r = Rect::new(area.right().saturating_sub(w), area.y, w, 1);
        frame.render_widget(Plain::new(format!(" {m} ")).style(theme.warn), r);
    }
}

/// The page's panels a short terminal leaves off screen, above and below the rows shown, and
/// the worst status among them: a failing panel below the fold must not go unseen.
#[derive(Debug, PartialEq)]
struct OffScreen {
    above: usize,
    below: usize,
    worst: crate::state::Status,
}

impl OffScreen {
    fn spans(&self, theme: &Theme) -> Vec<Span<'static>> {
        use crate::state::Status;
        let mut text = String::from("  ");
        if self.above > 0 {
            text.push_str(&format!("↑{} ", self.above));
        }
        if self.below > 0 {
            text.push_str(&format!("↓{} ", self.below));
        }
        text.push_str("more panels (Tab)");
        let mut spans = vec![Span::styled(text, theme.muted)];
        if matches!(self.worst, Status::Warn | Status::Crit | Status::Error) {
            spans.push(Span::styled(
                format!(" {} ", panel::status_mark(self.worst)),
                theme.status(self.worst),
            ));
        }
        spans
    }
}

fn off_screen(state: &State, shown: &[(usize, Rect)]) -> Option<OffScreen> {
    let page = state.page_panels();
    if shown.is_empty() {
        return None;
    }
    let first = shown.iter().map(|(pos, _)| *pos).min();
    let mut out = OffScreen {
        above: 0,
        below: 0,
        worst: crate::state::Status::Ok,
    };
    for (pos, &i) in page.iter().enumerate() {
        if shown.iter().any(|(p, _)| *p == pos) {
            continue;
        }
        if first.is_some_and(|f| pos < f) {
            out.above += 1;
        } else {
            out.below += 1;
        }
        out.worst = out.worst.max(panel::shown_status(state, &state.panels[i]));
    }
    (out.above + out.below > 0).then_some(out)
}

pub(crate) fn draw_body(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    theme: &Theme,
    cache: Option<&std::cell::RefCell<cache::PanelCache>>,
) -> Vec<(usize, Rect)> {
    if state.grid_rows().is_empty() {
        paint_background(frame.buffer_mut(), area, theme);
        let text = "No panels to show. Add a prometheus source (and [[pages]]) to the config, or run `oncall --demo`.";
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.muted)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return Vec::new();
    }
    let page = state.page_panels();
    let shown = panel_rects(state, area);
    if theme.background != Style::default() {
        // Between and beside the panels, row by row.
        for y in area.top()..area.bottom() {
            let mut taken: Vec<(u16, u16)> = shown
                .iter()
                .filter(|(_, r)| (r.top()..r.bottom()).contains(&y))
                .map(|(_, r)| (r.left(), r.right()))
                .collect();
            taken.sort_unstable();
            let mut x = area.left();
            for (l, r) in taken.into_iter().chain([(area.right(), area.right())]) {
                if l > x {
                    paint_background(frame.buffer_mut(), Rect::new(x, y, l - x, 1), theme);
                }
                x = x.max(r);
            }
        }
    }
    for &(p, cell) in &shown {
        let view = panel::View {
            panel: &state.panels[page[p]],
            index: page[p],
            focused: p == state.focus,
            now: state.now,
            state,
            cache,
        };
        panel::render(frame, cell, &view, theme);
    }
    shown
}

/// The width in braille columns of panel `index`'s chart as the board on screen draws it
/// (`None` when it is not on screen, the size is not known yet, or it draws no chart): its
/// query asks one point per column.
pub fn chart_dots(state: &State, index: usize) -> Option<u16> {
    let (w, h) = state.size;
    if w == 0 || h == 0 || state.wall || state.low_bandwidth {
        return None;
    }
    let page = state.page_panels();
    let body = body_area(state, Rect::new(0, 0, w, h));
    let (_, rect) = panel_rects(state, body)
        .into_iter()
        .find(|&(p, _)| page.get(p) == Some(&index))?;
    // Inside the border: the body the panel is drawn in.
    let inner = rect.inner(ratatui::layout::Margin::new(1, 1));
    timeseries::chart_dots(state.panels.get(index)?, inner)
}

/// Where each panel of the page on screen is drawn in the body `area`: (position in the page,
/// rectangle). Drawing and mouse clicks both use it.
pub fn panel_rects(state: &State, area: Rect) -> Vec<(usize, Rect)> {
    let rows = state.grid_rows();
    let page = state.page_panels();
    let kind_in = |r: &Vec<usize>, f: &dyn Fn(crate::config::PanelKind) -> bool| {
        r.iter().any(|&p| f(state.panels[page[p]].cfg.kind))
    };
    let heights: Vec<u16> = rows
        .iter()
        .map(|r| {
            let h = r
                .iter()
                .map(|&p| state.panels[page[p]].cfg.grid_height())
                .max()
                .unwrap_or(3);
            // The wall screen gives stat rows room for large digits.
            let stat = kind_in(r, &|k| k == crate::config::PanelKind::Stat);
            if state.wall && stat { h.max(6) } else { h }
        })
        .collect();
    let growable: Vec<bool> = rows
        .iter()
        .map(|r| {
            kind_in(r, &|k| {
                matches!(
                    k,
                    crate::config::PanelKind::Timeseries | crate::config::PanelKind::Incidents
                )
            })
        })
        .collect();
    let heights = fill_height(&heights, &growable, area.height);
    let focus_row = rows
        .iter()
        .position(|r| r.contains(&state.focus))
        .unwrap_or(0);
    let first = first_visible_row(&heights, focus_row, area.height);
    let mut out = Vec::new();
    let mut y = area.y;
    for (r, row) in rows.iter().enumerate().skip(first) {
        let h = heights[r].min(area.bottom().saturating_sub(y));
        if h < 3 {
            break;
        }
        let row_area = Rect::new(area.x, y, area.width, h);
        let cols = Layout::horizontal(
            row.iter()
                .map(|&p| Constraint::Fill(state.panels[page[p]].cfg.grid_width())),
        )
        .split(row_area);
        out.extend(row.iter().copied().zip(cols.iter().copied()));
        y += h;
    }
    out
}

/// The body's area in a frame of `size` (under the header and banner, above the footer).
pub fn body_area(state: &State, size: Rect) -> Rect {
    let banner = u16::from(state.notify.banner.is_some());
    Rect::new(
        size.x,
        size.y + 1 + banner,
        size.width,
        size.height.saturating_sub(2 + banner),
    )
}

/// Gives spare lines to the rows that can use them (charts), so a tall terminal is not left
/// half empty; without charts every row grows a little.
fn fill_height(heights: &[u16], growable: &[bool], avail: u16) -> Vec<u16> {
    let total: u16 = heights.iter().sum();
    let mut out = heights.to_vec();
    if total > avail {
        // Short terminal: charts and lists give lines back first, down to 6 each.
        let mut over = total - avail;
        while over > 0 {
            let Some(i) = (0..out.len())
                .filter(|&i| growable[i] && out[i] > 6)
                .max_by_key(|&i| out[i])
            else {
                break;
            };
            out[i] -= 1;
            over -= 1;
        }
        return out;
    }
    if total == avail || heights.is_empty() {
        return out;
    }
    let spare = avail - total;
    let takers: Vec<usize> = if growable.iter().any(|&g| g) {
        (0..heights.len()).filter(|&i| growable[i]).collect()
    } else {
        (0..heights.len()).collect()
    };
    let share = spare / takers.len() as u16;
    let mut rest = spare - share * takers.len() as u16;
    for &i in &takers {
        out[i] += share;
        if rest > 0 {
            out[i] += 1;
            rest -= 1;
        }
    }
    out
}

/// The first grid row to draw so that the focused row is on screen.
fn first_visible_row(heights: &[u16], focus_row: usize, avail: u16) -> usize {
    let mut first = 0;
    while first < focus_row {
        let used: u16 = heights[first..=focus_row].iter().sum();
        if used <= avail {
            break;
        }
        first += 1;
    }
    first
}

/// A style for text that is shown dimmed because it is old.
pub(crate) fn stale_if(style: Style, stale: bool, theme: &Theme) -> Style {
    if stale {
        style.patch(theme.stale)
    } else {
        style
    }
}

/// A bordered window over `area` (details, dialogs), its text wrapped.
pub(crate) fn modal(
    frame: &mut Frame<'_>,
    area: Rect,
    title: &str,
    lines: Vec<Line<'_>>,
    theme: &Theme,
) {
    let block = Block::bordered()
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(title.to_string(), theme.title))
        .style(theme.background);
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

/// Cuts text to a display width, ending with `…` when cut.
pub(crate) fn truncate(text: &str, width: u16) -> String {
    use unicode_width::UnicodeWidthChar;
    let max = usize::from(width);
    if text
        .bytes()
        .take(max + 1)
        .all(|b| (0x20..0x7f).contains(&b))
    {
        // Printable ASCII as far as the width and one more (most titles and log lines): a
        // column per byte, and wider than the width when there is more.
        if text.len() <= max {
            return text.to_string();
        }
        let mut out = text[..max.saturating_sub(1)].to_string();
        out.push('…');
        return out;
    }
    if unicode_width::UnicodeWidthStr::width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// "warn ≥ 0.5% · crit ≥ 1%" for a panel's thresholds, in `width` columns: narrower, the
/// status marks stand for the words ("▲ ≥0.5% · ✖ ≥1%", then "▲0.5% ✖1%"), and only then is the
/// text cut.
pub(crate) fn threshold_caption(
    t: Option<&crate::config::Thresholds>,
    unit: crate::config::Unit,
    width: u16,
) -> Option<String> {
    let t = t?;
    let op = match t.direction {
        crate::config::Direction::Above => "≥",
        crate::config::Direction::Below => "≤",
    };
    let levels: Vec<(&str, &str, String)> = [("warn", "▲", t.warn), ("crit", "✖", t.crit)]
        .into_iter()
        .filter_map(|(word, mark, v)| v.map(|v| (word, mark, crate::format::value(v, unit, None))))
        .collect();
    if levels.is_empty() {
        return None;
    }
    let join = |f: &dyn Fn(&(&str, &str, String)) -> String, sep: &str| {
        levels.iter().map(f).collect::<Vec<_>>().join(sep)
    };
    let forms = [
        join(&|(w, _, v)| format!("{w} {op} {v}"), " · "),
        join(&|(_, m, v)| format!("{m} {op}{v}"), " · "),
        join(&|(_, m, v)| format!("{m}{v}"), " "),
    ];
    let fits = |s: &String| unicode_width::UnicodeWidthStr::width(s.as_str()) <= usize::from(width);
    let chosen = forms.iter().find(|s| fits(s)).unwrap_or(&forms[2]);
    Some(truncate(chosen, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random text of ASCII, accents, wide characters, emoji and controls is cut as a character
    /// by character walk over the widths cuts it, with an ellipsis when anything was cut.
    #[test]
    fn truncate_is_the_walk_over_widths() {
        use unicode_width::UnicodeWidthChar;
        let walk = |s: &str, width: usize| -> String {
            if unicode_width::UnicodeWidthStr::width(s) <= width {
                return s.to_string();
            }
            let mut used = 0;
            let mut out = String::new();
            for c in s.chars() {
                let w = c.width().unwrap_or(0);
                if used + w + 1 > width {
                    break;
                }
                used += w;
                out.push(c);
            }
            out.push('…');
            out
        };
        let pieces = ["a", "Z", " ", "~", "é", "日", "🔥", "\t", "\u{301}", "·"];
        let mut rng = crate::test_rng::Rng(0x7c47);
        for _ in 0..5000 {
            let n = rng.below(20);
            let ascii = rng.below(2) == 0;
            // Often an ASCII start (as wide as the width, or about), then anything.
            let width = rng.below(24);
            let lead = (width + rng.below(3)).saturating_sub(1) * rng.below(2);
            let mut s = String::new();
            for _ in 0..lead {
                s.push_str(pieces[rng.below(4)]);
            }
            for _ in 0..n {
                s.push_str(pieces[rng.below(if ascii { 4 } else { pieces.len() })]);
            }
            assert_eq!(
                truncate(&s, width as u16),
                walk(&s, width),
                "{s:?} in {width}"
            );
        }
    }

    #[test]
    fn threshold_captions_shrink_before_they_are_cut() {
        let t = crate::config::Thresholds {
            warn: Some(0.5),
            crit: Some(1.0),
            direction: crate::config::Direction::default(),
        };
        let unit = crate::config::Unit::Percent;
        let at = |w| threshold_caption(Some(&t), unit, w).unwrap_or_default();
        assert_eq!(at(40), "warn ≥ 0.5% · crit ≥ 1%");
        assert_eq!(at(18), "▲ ≥0.5% · ✖ ≥1%");
        assert_eq!(at(11), "▲0.5% ✖1%");
        assert_eq!(at(6), "▲0.5%…");
        assert_eq!(threshold_caption(None, unit, 40), None);
    }

    /// The header line of the example config's board (four sources, two pages) with every
    /// source down, `width` columns wide.
    fn header_with_sources_down(width: u16) -> String {
        let path = std::path::Path::new("config.example.toml");
        let text = std::fs::read_to_string(path).expect("the example config");
        let cfg = crate::config::Config::parse(&text, path).expect("a valid config");
        let t0 = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let mut s = State::new(&cfg, t0);
        let ids: Vec<String> = s.sources.iter().map(|x| x.id.clone()).collect();
        for id in &ids {
            s.source_failed(id, "connection refused".into(), t0);
        }
        s.now = t0 + chrono::Duration::seconds(42);
        let theme = Theme::fallback();
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, 3)).expect("terminal");
        term.draw(|f| draw_header(f, Rect::new(0, 0, width, 1), &s, &theme))
            .expect("draw");
        let text = crate::snapshot::to_text(term.backend().buffer());
        text.lines().next().unwrap_or_default().to_string()
    }

    #[test]
    fn a_narrow_header_keeps_the_brand_and_every_failing_source() {
        // Wide: every page, and for how long each source has been down.
        let wide = header_with_sources_down(200);
        assert!(wide.contains(" 2 Logs & errors "), "{wide}");
        assert!(wide.contains("prom ✗ down 42s"), "{wide}");
        // 80 columns: the other pages and the ages go, the names stay, nothing runs together.
        let narrow = header_with_sources_down(80);
        assert!(narrow.starts_with(" oncall  1 "), "{narrow}");
        for id in ["am ✗", "logs ✗", "prom ✗", "sentry ✗"] {
            assert!(narrow.contains(id), "{id} in {narrow}");
        }
        assert!(!narrow.contains("Logs & errors"), "{narrow}");
        assert!(narrow.contains(" ? incidents unknown"), "{narrow}");
    }

    /// A short terminal cannot show every panel: the footer says how many are off screen, on
    /// which side, and how bad the worst of them is.
    #[test]
    fn a_short_terminal_says_what_is_off_screen_and_how_bad() {
        use crate::config::SourceKind;
        let url = "http://127.0.0.1:1";
        let cfg = crate::config::Config::demo(
            url,
            &[
                (SourceKind::Alertmanager, url),
                (SourceKind::Loki, url),
                (SourceKind::Sentry, url),
            ],
        );
        let t0 = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let theme = Theme::fallback();
        let footer = |s: &State, w: u16, h: u16| {
            let mut term =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("terminal");
            term.draw(|f| draw(f, s, &theme)).expect("draw");
            let text = crate::snapshot::to_text(term.backend().buffer());
            text.lines().last().unwrap_or_default().to_string()
        };
        let mut s = State::new(&cfg, t0);
        assert!(!footer(&s, 200, 50).contains("more panels"));
        let small = off_screen(&s, &panel_rects(&s, body_area(&s, Rect::new(0, 0, 80, 24))))
            .expect("panels below the fold");
        assert_eq!(small.above, 0);
        assert!(small.below > 0);
        let line = footer(&s, 80, 24);
        assert!(
            line.contains(&format!("↓{} more panels (Tab)", small.below)),
            "{line}"
        );
        assert!(!line.contains("ERROR"), "{line}");
        // A failing panel off screen shows in the footer.
        let page = s.page_panels().to_vec();
        let last = *page.last().expect("panels");
        s.panels[last].error = Some("connection refused".into());
        let line = footer(&s, 80, 24);
        assert!(line.contains("more panels (Tab) ✗ ERROR"), "{line}");
        // Focused on the last panel, the page scrolls: the first rows are now above.
        s.focus = page.len() - 1;
        let scrolled = off_screen(&s, &panel_rects(&s, body_area(&s, Rect::new(0, 0, 80, 24))))
            .expect("panels above");
        assert!(scrolled.above > 0, "{scrolled:?}");
        assert_eq!(scrolled.worst, crate::state::Status::NoData);
        assert!(footer(&s, 80, 24).contains(&format!("↑{} ", scrolled.above)));
    }

    #[test]
    fn the_footer_names_the_page_keys_only_when_there_are_pages_to_go_to() {
        let cfg = crate::config::Config::demo("http://127.0.0.1:1", &[]);
        let mut s = State::new(&cfg, chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
        let theme = Theme::fallback();
        let footer = |s: &State| {
            let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30))
                .expect("terminal");
            term.draw(|f| draw(f, s, &theme)).expect("draw");
            let text = crate::snapshot::to_text(term.backend().buffer());
            text.lines().last().unwrap_or_default().to_string()
        };
        assert!(
            footer(&s).contains("Tab focus  r refresh"),
            "{}",
            footer(&s)
        );
        s.pages.push(s.pages[0].clone());
        s.pages.push(s.pages[0].clone());
        assert!(
            footer(&s).contains("Tab focus  1-3 page  r refresh"),
            "{}",
            footer(&s)
        );
        while s.pages.len() < 12 {
            s.pages.push(s.pages[0].clone());
        }
        assert!(footer(&s).contains(" 1-9 page "), "{}", footer(&s));
    }

    #[test]
    fn spare_lines_go_to_charts() {
        assert_eq!(
            fill_height(&[5, 10, 5], &[false, true, false], 48),
            vec![5, 38, 5]
        );
        assert_eq!(fill_height(&[5, 5], &[false, false], 13), vec![7, 6]);
        assert_eq!(
            fill_height(&[5, 10, 5], &[false, true, false], 12),
            vec![5, 6, 5]
        );
        assert_eq!(
            fill_height(&[5, 6, 10, 5], &[false, true, true, false], 22),
            vec![5, 6, 6, 5]
        );
    }

    #[test]
    fn scrolls_only_as_far_as_needed() {
        assert_eq!(first_visible_row(&[5, 10, 5], 2, 22), 0);
        assert_eq!(first_visible_row(&[5, 10, 5], 2, 16), 1);
        assert_eq!(first_visible_row(&[5, 10, 5], 0, 3), 0);
    }

    /// The chart width the queries are asked for is the one ratatui draws: for every chart of
    /// the built-in board, at several sizes and with labels of several widths, twice the
    /// columns right of the drawn y axis. A point of the window's grid then falls on a column.
    #[test]
    fn charts_are_asked_for_the_width_they_are_drawn() {
        let cfg = crate::config::Config::demo("http://127.0.0.1:1", &[]);
        let t0 = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20000);
        let theme = Theme::fallback();
        let mut checked = 0;
        for (w, h) in [(200, 50), (80, 24), (120, 40), (61, 30)] {
            for top in [1.0, 737.0, 12_345.6, 0.004] {
                let mut s = State::new(&cfg, t0);
                s.size = (w, h);
                s.now = t0;
                let charts: Vec<usize> = s
                    .page_panels()
                    .iter()
                    .copied()
                    .filter(|&i| s.panels[i].cfg.kind == crate::config::PanelKind::Timeseries)
                    .collect();
                assert!(!charts.is_empty());
                for &i in &charts {
                    let p = &mut s.panels[i];
                    p.updated_at = Some(t0);
                    p.series = vec![crate::state::SeriesData {
                        name: "a".into(),
                        labels: Default::default(),
                        points: (0..50).map(|k| (k as f64, top * k as f64 / 49.0)).collect(),
                        thresholds: None,
                    }];
                }
                let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h))
                    .expect("terminal");
                term.draw(|f| draw(f, &s, &theme)).expect("draw");
                let buf = term.backend().buffer();
                let page = s.page_panels();
                let body = body_area(&s, Rect::new(0, 0, w, h));
                for (pos, rect) in panel_rects(&s, body) {
                    if !charts.contains(&page[pos]) {
                        continue;
                    }
                    let dots = chart_dots(&s, page[pos]).expect("a chart on screen");
                    // The y axis on the chart's top row (below the legend).
                    let y = rect.y + 2;
                    let Some(axis) =
                        (rect.x + 1..rect.right() - 1).find(|&x| buf[(x, y)].symbol() == "│")
                    else {
                        panic!("{w}x{h}: no axis in {rect:?}");
                    };
                    let columns = rect.right() - 1 - (axis + 1);
                    assert_eq!(dots, 2 * columns, "{w}x{h}, top {top}, {rect:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 16, "{checked} charts checked");
    }
}
