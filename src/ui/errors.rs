//! Errors panel: Sentry issues with level, short id, title, culprit, events, users, last seen,
//! a sparkline of the last 24 h, and NEW for issues first seen since the dashboard started.

use super::panel::View;
use crate::state::feeds::ErrorGroup;
use crate::theme::Theme;
use crate::ui::plain::Plain;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

fn level_style(theme: &Theme, level: &str) -> Style {
    match level {
        "fatal" => theme.p0,
        "error" => theme.crit,
        "warning" => theme.warn,
        _ => theme.muted,
    }
}

/// 24 h of hourly counts as block characters.
pub fn spark(stats: &[(i64, u64)], width: usize) -> String {
    let tail = &stats[stats.len().saturating_sub(width)..];
    let max = tail.iter().map(|p| p.1).max().unwrap_or(0);
    tail.iter()
        .map(|&(_, n)| {
            let step = n.saturating_mul(7).checked_div(max).unwrap_or(0);
            BARS[usize::try_from(step).unwrap_or(7).min(7)]
        })
        .collect()
}

/// When an issue was last seen, in the list: under a minute reads `<1m ago`. Sentry is asked
/// every 15 s or so, so an age in seconds would only count the clock between answers (and
/// rewrite every row every second); the issue's detail gives it to the second.
fn seen(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t.map(|t| (now - t).num_seconds()) {
        Some(secs) if (0..60).contains(&secs) => "<1m ago".into(),
        _ => ago(t, now),
    }
}

fn ago(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    t.map_or("?".into(), |t| {
        format!(
            "{} ago",
            crate::duration::format_age((now - t).num_seconds())
        )
    })
}

/// What the panel's body shows in `area`: where each part goes and its text.
pub fn parts<'a>(area: Rect, view: &View<'a>, theme: &Theme) -> Vec<(Rect, Plain<'a>)> {
    let Some(errors) = view.panel.errors.as_deref() else {
        return Vec::new();
    };
    let now = view.state.now;
    let rows = usize::from(area.height);
    let sel = errors.selected_index().unwrap_or(0);
    let first = sel.saturating_sub(rows.saturating_sub(1));
    let id_w = errors
        .issues
        .iter()
        .map(|g| g.issue.short_id.chars().count())
        .max()
        .unwrap_or(8)
        .min(14);
    let mut lines: Vec<Line<'_>> = errors
        .issues
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, g)| row(g, id_w, now, theme, view.focused && i == sel, area.width))
        .collect();
    if errors.issues.is_empty() {
        lines.push(Line::from(Span::styled("✓ no unresolved issues", theme.ok)));
    }
    vec![(area, Plain::new(lines))]
}

/// The selected issue over the body (Enter in a focused errors panel).
pub fn render_detail(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &crate::state::State,
    theme: &Theme,
) {
    if let Some(g) = open_detail(state) {
        detail(frame, area, g, state.now, theme);
    }
}

/// Whether [`render_detail`] draws over the body.
pub fn detail_open(state: &crate::state::State) -> bool {
    open_detail(state).is_some()
}

fn open_detail(state: &crate::state::State) -> Option<&ErrorGroup> {
    let errors = state
        .focused_panel()
        .and_then(|i| state.panels[i].errors.as_deref())?;
    errors.selected_issue().filter(|_| errors.detail)
}

fn row<'a>(
    g: &ErrorGroup,
    id_w: usize,
    now: DateTime<Utc>,
    theme: &Theme,
    selected: bool,
    width: u16,
) -> Line<'a> {
    let i = &g.issue;
    let level = match i.level.as_str() {
        "warning" => "warn",
        other => other,
    };
    let mut spans = vec![
        Span::styled(format!("{level:<5.5} "), level_style(theme, &i.level)),
        Span::styled(format!("{:<id_w$.id_w$} ", i.short_id), theme.key),
    ];
    let new = if g.new { " NEW" } else { "" };
    // The title matters most: the sparkline, then the user count, give way to it.
    let events = crate::format::short(i.count as f64, None);
    let users = crate::format::short(i.user_count as f64, None);
    let seen = seen(i.last_seen, now);
    // The widest that leaves the title 24 columns, made only as far as needed.
    let fixed = 6 + id_w + 1 + new.len() + 1;
    let fits = |r: &String| usize::from(width).saturating_sub(fixed + r.chars().count()) >= 24;
    let right = Some(format!(
        "{events:>7} ev {users:>5} users {seen:>8}  {}",
        spark(&i.stats_24h, 12)
    ))
    .filter(fits)
    .or_else(|| Some(format!("{events:>7} ev {users:>5} users {seen:>8}")).filter(fits))
    // Narrowest: the age alone ("<1m", "3h"), which a cut " ago" only hid.
    .unwrap_or_else(|| format!("{events:>6} {:>3}", seen.trim_end_matches(" ago")));
    let used = fixed + right.chars().count();
    let room = usize::from(width).saturating_sub(used);
    let title = match &i.culprit {
        Some(c) if !c.is_empty() => format!("{} · {c}", i.title),
        _ => i.title.clone(),
    };
    let title = super::truncate(&title, u16::try_from(room).unwrap_or(u16::MAX));
    spans.push(Span::styled(format!("{title:<room$} "), theme.text));
    spans.push(Span::styled(right, theme.muted));
    if g.new {
        spans.push(Span::styled(new, theme.warn));
    }
    let line = Line::from(spans);
    if selected {
        line.style(theme.selection)
    } else {
        line
    }
}

fn detail(frame: &mut Frame<'_>, area: Rect, g: &ErrorGroup, now: DateTime<Utc>, theme: &Theme) {
    let i = &g.issue;
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<11}"), theme.muted),
            Span::styled(v, theme.text),
        ])
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", i.level), level_style(theme, &i.level)),
            Span::styled(format!("{} ", i.short_id), theme.key),
            Span::styled(
                if g.new {
                    "NEW since the dashboard started"
                } else {
                    ""
                },
                theme.warn,
            ),
        ]),
        Line::from(Span::styled(i.title.clone(), theme.title)),
        Line::from(""),
        field("culprit", i.culprit.clone().unwrap_or_default()),
        field("project", i.project.clone().unwrap_or_default()),
        field("status", i.status.clone()),
        field("events", i.count.to_string()),
        field("users", i.user_count.to_string()),
        field("first seen", ago(i.first_seen, now)),
        field("last seen", ago(i.last_seen, now)),
        field("24 h", spark(&i.stats_24h, 24)),
        field("link", i.permalink.clone().unwrap_or_default()),
    ];
    super::modal(
        frame,
        area,
        " issue (o opens · y copies · Esc closes) ",
        lines,
        theme,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn sparkline_scales_to_the_max() {
        assert_eq!(super::spark(&[(0, 0), (1, 7), (2, 14)], 10), "▁▄█");
        assert_eq!(super::spark(&[(0, 0), (1, 0)], 10), "▁▁");
        assert_eq!(super::spark(&[], 10), "");
    }

    #[test]
    fn last_seen_under_a_minute_does_not_count_seconds() {
        let now = chrono::Utc::now();
        let before = |s: i64| Some(now - chrono::Duration::seconds(s));
        assert_eq!(super::seen(before(0), now), "<1m ago");
        assert_eq!(super::seen(before(59), now), "<1m ago");
        assert_eq!(super::seen(before(60), now), "1m ago");
        assert_eq!(super::seen(before(7200), now), "2h ago");
        assert_eq!(super::seen(None, now), "?");
        // The detail keeps the seconds.
        assert_eq!(super::ago(before(16), now), "16s ago");
    }

    /// In a narrow panel the row ends in the age alone, and the title keeps some room.
    #[test]
    fn a_narrow_row_ends_in_the_age() {
        let now = chrono::Utc::now();
        let issue = crate::sources::sentry::SentryIssue {
            id: "1".into(),
            short_id: "CHECKOUT-1C".into(),
            title: "TypeError: Cannot read properties".into(),
            culprit: None,
            level: "error".into(),
            status: "unresolved".into(),
            count: 40_200,
            user_count: 3,
            first_seen: None,
            last_seen: Some(now - chrono::Duration::seconds(5)),
            permalink: None,
            project: None,
            stats_24h: Vec::new(),
        };
        let g = crate::state::feeds::ErrorGroup { issue, new: false };
        let theme = crate::theme::Theme::fallback();
        let line = super::row(&g, 11, now, &theme, false, 31);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(text.trim_end().ends_with("40.2k <1m"), "{text:?}");
        assert!(text.contains("CHECKOUT-1C T"), "{text:?}");
        assert!(
            unicode_width::UnicodeWidthStr::width(text.as_str()) <= 31,
            "{text:?}"
        );
    }
}
