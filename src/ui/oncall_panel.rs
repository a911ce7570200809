//! The `oncall` panel: who is on call now, who is next and the handoff countdown.
//!
//! ```text
//!  On call: alice (you)
//!  Next: bob
//!  Handoff: Mon 09:00 CET · in 2d 3h
//! ```
//!
//! Rows go in order of importance, so a short panel keeps the person on call; a tall one centres
//! the block and leaves a blank row under the name (and the override note). Long rows end in an
//! ellipsis.

use crate::rotation::{OnCall, countdown, format_when, is_user};
use crate::theme::Theme;
use crate::tz::Tz;
use crate::ui::plain::Plain;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// What the panel shows in `area` (inside the panel frame): where each part goes and its text.
pub fn parts(
    area: Rect,
    o: Option<&OnCall>,
    user: &str,
    tz: Tz,
    now: DateTime<Utc>,
    theme: &Theme,
) -> Vec<(Rect, Plain<'static>)> {
    if area.width == 0 || area.height == 0 {
        return Vec::new();
    }
    let Some(o) = o else {
        let text = " no rotation configured ([oncall] members)";
        let line = fit(vec![Span::styled(text, theme.muted)], area.width);
        return vec![(area, Plain::new(line))];
    };
    let mut rows = lines(o, user, tz, now, theme, false);
    let width = |l: &Line<'_>| l.spans.iter().map(|s| s.content.width()).sum::<usize>();
    if rows.iter().any(|l| width(l) > usize::from(area.width)) {
        // Narrow: the panel's title already says "On call", and the countdown matters more than
        // the wall-clock time of the handoff.
        rows = lines(o, user, tz, now, theme, true);
    }
    if usize::from(area.height) > rows.len() {
        // Room to breathe: a blank row under the name, like a heading.
        let head = 1 + usize::from(o.override_until.is_some());
        rows.insert(head, Line::default());
    }
    let used = u16::try_from(rows.len())
        .unwrap_or(u16::MAX)
        .min(area.height);
    let top = area.y + (area.height - used) / 2;
    let body = Rect::new(area.x, top, area.width, used);
    let rows: Vec<Line<'static>> = rows.into_iter().map(|l| fit(l.spans, body.width)).collect();
    vec![(body, Plain::new(rows))]
}

/// The rows, most important first.
fn lines(
    o: &OnCall,
    user: &str,
    tz: Tz,
    now: DateTime<Utc>,
    theme: &Theme,
    narrow: bool,
) -> Vec<Line<'static>> {
    let you = |name: &str| -> Option<Span<'static>> {
        is_user(name, user).then(|| Span::styled(" (you)", theme.key))
    };
    let label = if narrow { " " } else { " On call: " };
    let mut head = vec![
        Span::styled(label, theme.text),
        Span::styled(o.now.clone(), theme.title),
    ];
    head.extend(you(&o.now));
    let mut rows = vec![Line::from(head)];
    if let Some(until) = o.override_until {
        rows.push(Line::from(Span::styled(
            format!(" Override until {}", format_when(until, tz, now)),
            theme.warn,
        )));
    }
    let mut next = vec![
        Span::styled(" Next: ", theme.muted),
        Span::styled(o.next.clone(), theme.text),
    ];
    next.extend(you(&o.next));
    rows.push(Line::from(next));
    let left = countdown((o.handoff_at - now).num_seconds());
    let handoff = if narrow {
        format!(" Handoff in {left}")
    } else {
        format!(
            " Handoff: {} · in {left}",
            format_when(o.handoff_at, tz, now)
        )
    };
    rows.push(Line::from(Span::styled(handoff, theme.muted)));
    rows
}

/// Cuts a row to `width` columns, ending it in `…` when anything was cut.
fn fit(spans: Vec<Span<'static>>, width: u16) -> Line<'static> {
    let max = usize::from(width);
    let total: usize = spans.iter().map(|s| s.content.width()).sum();
    if total <= max {
        return Line::from(spans);
    }
    let mut out = Vec::new();
    let mut used = 0;
    let mut last_style = Style::default();
    for span in spans {
        last_style = span.style;
        let mut text = String::new();
        for c in span.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w + 1 > max {
                break;
            }
            used += w;
            text.push(c);
        }
        let cut = text.len() < span.content.len();
        out.push(Span::styled(text, span.style));
        if cut {
            break;
        }
    }
    if max > 0 {
        out.push(Span::styled("…", last_style));
    }
    Line::from(out)
}
