//! The `:` command palette: one fuzzy-searchable list of actions, pages, panels and incidents.
//!
//! [`entries`] lists what the palette can do for a [`State`], [`filter`] ranks them against the
//! query with [`fuzzy`], [`render`] draws the box, and [`apply`] turns the chosen [`Target`] into
//! state changes plus, at most, one [`Action`] for `update` to dispatch.

use crate::action::Action;
use crate::config::PanelKind;
use crate::state::State;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use std::cmp::Reverse;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

macro_rules! commands {
    ($($variant:ident => $name:literal, $key:literal, $action:expr;)*) => {
        /// A command the palette offers; each is one of the dashboard's key actions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Command { $($variant,)* }

        impl Command {
            /// Every command, in the order the palette lists them.
            pub const ALL: &[Command] = &[$(Command::$variant,)*];

            /// What the palette calls it.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name,)* }
            }

            /// The key that does the same outside the palette.
            pub fn key(self) -> &'static str {
                match self { $(Command::$variant => $key,)* }
            }

            /// The action the key would send.
            pub fn action(self) -> Action {
                match self { $(Command::$variant => $action,)* }
            }
        }
    };
}

commands! {
    Refresh => "refresh now", "r", Action::RefreshNow;
    Acknowledge => "acknowledge incident", "a", Action::Acknowledge;
    Unacknowledge => "un-acknowledge incident", "u", Action::Unacknowledge;
    Resolve => "resolve incident", "R", Action::Resolve;
    Note => "add a note to the incident", "n", Action::StartNote;
    Postmortem => "write the post-mortem", "p", Action::Postmortem;
    OpenLink => "open the runbook or link", "o", Action::OpenLink;
    CopyLink => "copy the link", "y", Action::CopyLink;
    RunCommands => "runbook commands", "x", Action::RunCommands;
    Search => "search logs", "/", Action::StartSearch;
    Follow => "follow logs / pause", "f", Action::Follow;
    Snooze => "snooze notifications", "z", Action::Snooze;
    NextTheme => "next theme", "t", Action::NextTheme;
    Help => "help", "?", Action::ToggleHelp;
    Quit => "quit", "q", Action::Quit;
}

/// Commands that change incidents: not offered read-only.
const CHANGES_INCIDENTS: [Command; 4] = [
    Command::Acknowledge,
    Command::Unacknowledge,
    Command::Resolve,
    Command::Note,
];

/// One thing the palette can do.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Action(Command),
    /// Zero-based page number.
    Page(usize),
    /// A panel by its page and its position in that page's panel list.
    Panel {
        page: usize,
        position: usize,
    },
    /// An incident by id.
    Incident(String),
}

/// A row of the palette: what it shows and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub label: String,
    pub target: Target,
}

/// The palette while it is open: what has been typed and which result is selected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Palette {
    pub query: String,
    pub selected: usize,
}

/// Longest query kept, in characters.
const MAX_QUERY: usize = 100;

impl Palette {
    pub fn push(&mut self, c: char) {
        if !c.is_control() && self.query.chars().count() < MAX_QUERY {
            self.query.push(c);
            self.selected = 0;
        }
    }

    pub fn backspace(&mut self) {
        self.query.pop();
        self.selected = 0;
    }

    pub fn up(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    /// Moves down, staying within `len` results.
    pub fn down(&mut self, len: usize) {
        self.selected = (self.selected + 1).min(len.saturating_sub(1));
    }

    /// The selected result's target.
    pub fn chosen<'a>(&self, results: &'a [(Entry, Vec<usize>)]) -> Option<&'a Target> {
        results.get(self.selected).map(|(e, _)| &e.target)
    }
}

/// Everything the palette offers for this state: commands, pages, panels, incidents.
pub fn entries(state: &State) -> Vec<Entry> {
    let mut out: Vec<Entry> = Command::ALL
        .iter()
        .filter(|c| !(state.read_only && CHANGES_INCIDENTS.contains(c)))
        .map(|&c| Entry {
            label: format!("action · {}", c.name()),
            target: Target::Action(c),
        })
        .collect();
    for (n, page) in state.pages.iter().enumerate() {
        out.push(Entry {
            label: format!("page {} · {}", n + 1, one_line(&page.title)),
            target: Target::Page(n),
        });
    }
    for (n, page) in state.pages.iter().enumerate() {
        for (position, &i) in page.panels.iter().enumerate() {
            let Some(p) = state.panels.get(i) else {
                continue;
            };
            let title = Some(&p.cfg.title).filter(|t| !t.trim().is_empty());
            out.push(Entry {
                label: format!("panel · {}", one_line(title.unwrap_or(&p.id))),
                target: Target::Panel { page: n, position },
            });
        }
    }
    for inc in &state.incidents.list {
        let mut label = format!(
            "incident · {} {}",
            inc.severity.name(),
            one_line(&inc.title)
        );
        if inc.state != crate::incidents::IncidentState::Open {
            label.push_str(&format!(" ({})", inc.state.name()));
        }
        out.push(Entry {
            label,
            target: Target::Incident(inc.id.clone()),
        });
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace('\n', "⏎")
}

const MATCH: i32 = 16;
const CONSECUTIVE: i32 = 16;
const BOUNDARY: i32 = 10;
const CAMEL: i32 = 8;
const START: i32 = 8;
const GAP_START: i32 = 3;
const GAP_EXTEND: i32 = 1;
const LEADING_MAX: i32 = 15;

/// What matching text at `c` (after `prev`) is worth beyond the match itself.
fn bonus(prev: Option<char>, c: char) -> i32 {
    match prev {
        None => BOUNDARY + START,
        Some(p) if !p.is_alphanumeric() && c.is_alphanumeric() => BOUNDARY,
        Some(p) if p.is_lowercase() && c.is_uppercase() => CAMEL,
        Some(p) if !p.is_numeric() && c.is_numeric() => CAMEL,
        _ => 0,
    }
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// fzf-style matching: every query character (whitespace ignored) in order, case-insensitive.
/// Returns the best alignment's score and its character (not byte) positions in `text`.
///
/// Each matched character scores 16, plus 16 when it directly follows the previous match, plus
/// 10 at a word start (after a non-alphanumeric character), 8 at a camelCase or digit boundary,
/// and 8 more at the very start of the text; the first query character's bonus counts double.
/// A gap between matches costs 3, plus 1 per further skipped character; characters skipped
/// before the first match cost 1 each, at most 15.
pub fn fuzzy(query: &str, text: &str) -> Option<(i32, Vec<usize>)> {
    let q: Vec<char> = query
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold)
        .collect();
    if q.is_empty() {
        return Some((0, Vec::new()));
    }
    let t: Vec<char> = text.chars().collect();
    let lower: Vec<char> = t.iter().map(|&c| fold(c)).collect();
    let bonuses: Vec<i32> = (0..t.len())
        .map(|j| bonus(j.checked_sub(1).map(|k| t[k]), t[j]))
        .collect();
    align(&q, &lower, &bonuses)
}

/// The best alignment by dynamic programming over (query char, text position), O(n·m).
fn align(q: &[char], t: &[char], bonuses: &[i32]) -> Option<(i32, Vec<usize>)> {
    let (n, m) = (q.len(), t.len());
    let mut score: Vec<Option<i32>> = vec![None; n * m];
    let mut from = vec![0usize; n * m];
    for j in 0..m {
        if t[j] == q[0] {
            score[j] = Some(MATCH + 2 * bonuses[j] - (j as i32).min(LEADING_MAX));
        }
    }
    for i in 1..n {
        let prev = &score[(i - 1) * m..i * m];
        let mut best_gap: Option<(i32, usize)> = None;
        let mut row = vec![None; m];
        for j in i..m {
            if let Some(s) = j.checked_sub(2).and_then(|k| prev[k].map(|s| (s, k))) {
                let v = s.0 + s.1 as i32 * GAP_EXTEND;
                if best_gap.is_none_or(|(b, _)| v >= b) {
                    best_gap = Some((v, s.1));
                }
            }
            if t[j] != q[i] {
                continue;
            }
            let mut cand = prev[j - 1].map(|s| (s + CONSECUTIVE, j - 1));
            if let Some((v, k)) = best_gap {
                let g = v - GAP_START - (j as i32 - 2) * GAP_EXTEND;
                if cand.is_none_or(|(c, _)| g > c) {
                    cand = Some((g, k));
                }
            }
            if let Some((c, k)) = cand {
                row[j] = Some(c + MATCH + bonuses[j]);
                from[i * m + j] = k;
            }
        }
        score[i * m..(i + 1) * m].copy_from_slice(&row);
    }
    let last = &score[(n - 1) * m..];
    let (mut j, best) = (0..m)
        .filter_map(|j| last[j].map(|s| (j, s)))
        .max_by_key(|&(j, s)| (s, Reverse(j)))?;
    let mut positions = vec![0; n];
    positions[n - 1] = j;
    for i in (1..n).rev() {
        j = from[i * m + j];
        positions[i - 1] = j;
    }
    Some((best, positions))
}

/// Entries matching the query with their matched positions, best first; equal scores keep the
/// entries' order. An empty query keeps every entry.
pub fn filter(entries: &[Entry], query: &str) -> Vec<(Entry, Vec<usize>)> {
    let mut hits: Vec<(i32, usize, Vec<usize>)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| fuzzy(query, &e.label).map(|(s, pos)| (s, i, pos)))
        .collect();
    hits.sort_by_key(|&(s, i, _)| (Reverse(s), i));
    hits.into_iter()
        .map(|(_, i, pos)| (entries[i].clone(), pos))
        .collect()
}

/// Carries out a target. Pages go through `update` (the returned action); panels and incidents
/// move the focus here, returning `Action::Tick` when the page changed so that the new page is
/// polled; commands return their action.
pub fn apply(state: &mut State, target: &Target) -> Option<Action> {
    match target {
        Target::Action(c) => Some(c.action()),
        Target::Page(n) => Some(Action::Page(*n)),
        Target::Panel { page, position } => focus(state, *page, *position),
        Target::Incident(id) => {
            if state.incidents.get(id).is_none() {
                state.message = Some("that incident is gone".into());
                return None;
            }
            state.incidents.selected = Some(id.clone());
            let here = incidents_position(state, state.page).map(|p| (state.page, p));
            let spot = here.or_else(|| {
                (0..state.pages.len()).find_map(|n| incidents_position(state, n).map(|p| (n, p)))
            });
            let action = spot.and_then(|(n, p)| focus(state, n, p));
            state.incidents.detail = Some(id.clone());
            action
        }
    }
}

fn incidents_position(state: &State, page: usize) -> Option<usize> {
    state.pages.get(page)?.panels.iter().position(|&i| {
        state
            .panels
            .get(i)
            .is_some_and(|p| p.cfg.kind == PanelKind::Incidents)
    })
}

fn focus(state: &mut State, page: usize, position: usize) -> Option<Action> {
    let len = state.pages.get(page)?.panels.len();
    if position >= len {
        return None;
    }
    let changed = page != state.page;
    state.page = page;
    state.focus = position;
    state.incidents.detail = None;
    changed.then_some(Action::Tick)
}

/// Result rows shown at most.
pub const MAX_ROWS: usize = 10;

/// The palette box, centred in `area`: the query line, then the results with matched characters
/// in the theme's `key` style and the selected row in `selection`.
pub fn render(
    frame: &mut Frame<'_>,
    area: Rect,
    palette: &Palette,
    results: &[(Entry, Vec<usize>)],
    theme: &Theme,
) {
    let width = area.width.saturating_sub(4).min(72);
    let height = area.height.saturating_sub(2).min(MAX_ROWS as u16 + 3);
    if width < 12 || height < 4 {
        return;
    }
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(" : command ", theme.title))
        .title_bottom(Span::styled(
            " Up/Down select · Enter go · Esc close ",
            theme.muted,
        ))
        .style(theme.background);
    let inner = block.inner(rect);
    let cols = usize::from(inner.width);
    let rows = usize::from(inner.height).saturating_sub(1);
    let mut lines = vec![query_line(&palette.query, cols, theme)];
    if results.is_empty() {
        lines.push(Line::from(Span::styled("no match", theme.muted)));
    }
    let skip = palette.selected.saturating_sub(rows.saturating_sub(1));
    for (n, (entry, pos)) in results.iter().enumerate().skip(skip).take(rows) {
        lines.push(result_line(entry, pos, n == palette.selected, cols, theme));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn query_line(query: &str, cols: usize, theme: &Theme) -> Line<'static> {
    let (room, mut used) = (cols.saturating_sub(3), 0);
    let start = (query.char_indices().rev())
        .find(|&(_, c)| {
            used += c.width().unwrap_or(0);
            used > room
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let shown = query[start..].to_string();
    Line::from(vec![
        Span::styled("› ", theme.key),
        Span::styled(shown, theme.text),
        Span::styled("█", theme.text),
    ])
}

/// The hint on the right of a row: the command's key, or the panel's page.
fn hint(target: &Target) -> String {
    match target {
        Target::Action(c) => format!("{} ", c.key()),
        Target::Panel { page, .. } => format!("page {} ", page + 1),
        Target::Page(_) | Target::Incident(_) => String::new(),
    }
}

fn result_line(
    entry: &Entry,
    pos: &[usize],
    selected: bool,
    cols: usize,
    theme: &Theme,
) -> Line<'static> {
    let base = match selected {
        true => theme.text.patch(theme.selection),
        false => theme.text,
    };
    let hint = hint(&entry.target);
    let hint_w = hint.width();
    let room = cols.saturating_sub(if hint_w > 0 { hint_w + 3 } else { 2 });
    let fits = entry.label.width() <= room;
    let mut spans = vec![Span::styled(if selected { "› " } else { "  " }, base)];
    let mut used = 0;
    for (i, c) in entry.label.chars().enumerate() {
        let w = c.width().unwrap_or(0);
        if !fits && used + w + 1 > room {
            spans.push(Span::styled("…", base));
            used += 1;
            break;
        }
        let style = if pos.contains(&i) {
            base.patch(theme.key)
        } else {
            base
        };
        spans.push(Span::styled(c.to_string(), style));
        used += w;
    }
    let pad = cols.saturating_sub(2 + used + hint_w);
    spans.push(Span::styled(" ".repeat(pad), base));
    spans.push(Span::styled(hint, base.patch(theme.muted)));
    let line = Line::from(spans);
    if selected { line.style(base) } else { line }
}
