//! A markdown post-mortem from an incident and its journal, following the team's Post-Incident
//! Review template (playbook.md): what is known is filled in, the rest is left `_to fill in_`.
//!
//! Remote text is sanitized (no escape sequences or control characters) and cannot change the
//! document's structure: multi-line text is indented under its item, and a line starting with a
//! markdown block marker (`#`, `>`, `-`, `=`, a fence, `1.` …) or an HTML tag has it escaped.
//! The timeline covers the incident's current episode: its events since the last `detected` that
//! followed a `resolved`.

use super::Incident;
use super::deadline::{DeadlineKind, due_at, kind_for};
use super::journal::{Event, EventKind};
use crate::config::{SeverityConfig, Target};
use crate::sanitize;
use crate::tz::Tz;
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write;

const TO_FILL: &str = "_to fill in_";

/// `writeln!` into a `String`, which cannot fail.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// The post-mortem of `inc`; `events` may hold other incidents' events too.
pub fn render(inc: &Incident, events: &[Event], tz: Tz, cfg: &SeverityConfig) -> String {
    let evs = episode(inc, events);
    let facts = Facts::new(inc, &evs, tz, cfg);
    let mut out = String::new();
    let date = inc.started_at.with_timezone(&tz).format("%Y-%m-%d");
    let (sev, title) = (inc.severity.name(), inline(&inc.title));
    put!(out, "# Post-Incident Review: {sev} {title} ({date})\n");
    summary(&mut out, inc, &facts, tz);
    timeline(&mut out, &evs, inc, tz);
    numbers(&mut out, &facts);
    put!(out, "## Root Cause\n{TO_FILL}\n");
    went_well_wrong(&mut out, &facts, &evs);
    out.push_str("## Action Items\n- [ ] _action_ (@owner, P?)\n- [ ] _action_ (@owner, P?)\n\n");
    put!(
        out,
        "## Prevention\nTo prevent this in the future:\n1. {TO_FILL}\n"
    );
    appendix(&mut out, inc);
    out
}

/// The incident's events of its current episode, in order.
fn episode<'a>(inc: &Incident, events: &'a [Event]) -> Vec<&'a Event> {
    let mine: Vec<&Event> = events.iter().filter(|e| e.incident == inc.id).collect();
    let mut start = 0;
    let mut resolved = false;
    for (i, e) in mine.iter().enumerate() {
        match e.kind {
            EventKind::Resolved { .. } => resolved = true,
            EventKind::Detected { .. } if resolved => {
                start = i;
                resolved = false;
            }
            _ => {}
        }
    }
    mine[start..].to_vec()
}

/// What the numbers sections need.
struct Facts {
    started: DateTime<Utc>,
    acked: Option<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
    kind: DeadlineKind,
    target: Option<(String, DateTime<Utc>)>,
}

impl Facts {
    fn new(inc: &Incident, evs: &[&Event], tz: Tz, cfg: &SeverityConfig) -> Facts {
        let first_ack = evs.iter().find_map(|e| match e.kind {
            EventKind::Acknowledged { .. } => Some(e.ts),
            _ => None,
        });
        let acked = [first_ack, inc.acked_at].into_iter().flatten().min();
        let last_resolve = evs.iter().rev().find_map(|e| match e.kind {
            EventKind::Resolved { .. } => Some(e.ts),
            _ => None,
        });
        let resolved = match inc.state {
            super::IncidentState::Resolved => inc.resolved_at.or(last_resolve),
            _ => None,
        };
        let t = cfg.target(inc.severity);
        let target = due_at(inc.started_at, t, tz).map(|due| (target_text(t), due));
        Facts {
            started: inc.started_at,
            acked,
            resolved,
            kind: kind_for(inc.severity),
            target,
        }
    }

    /// How long after the start `at` was, or `none`.
    fn since(&self, at: Option<DateTime<Utc>>, none: &str) -> String {
        at.map_or_else(|| none.to_string(), |a| human(a - self.started))
    }

    /// When the target's event happened, if it did.
    fn measured(&self) -> Option<DateTime<Utc>> {
        match self.kind {
            DeadlineKind::Acknowledge => self.acked,
            DeadlineKind::Resolve => self.resolved,
        }
    }

    /// "✅ within the 5 min target" / "❌ over the 5 min target", when there is a measurement.
    fn verdict(&self) -> Option<(bool, &str)> {
        let (label, due) = self.target.as_ref()?;
        let at = self.measured()?;
        Some((at <= *due, label.as_str()))
    }
}

fn summary(out: &mut String, inc: &Incident, f: &Facts, tz: Tz) {
    out.push_str("## Summary\n");
    let text = Some(block(&inc.summary, "")).filter(|t| !t.trim().is_empty());
    put!(out, "{}\n", text.as_deref().unwrap_or(TO_FILL));
    let (sev, name) = (inc.severity.name(), inc.severity.label());
    put!(out, "- **Severity**: {sev} ({name})");
    put!(out, "- **Source**: {}", inline(&inc.source));
    put!(out, "- **Started**: {}", stamp(f.started, tz));
    let resolved = f.resolved.map_or("ongoing".into(), |r| stamp(r, tz));
    put!(out, "- **Resolved**: {resolved}");
    put!(out, "- **Duration**: {}", total(f));
    if !inc.description.trim().is_empty() {
        put!(out, "- **Description**:\n{}", block(&inc.description, "  "));
    }
    out.push('\n');
}

fn timeline(out: &mut String, evs: &[&Event], inc: &Incident, tz: Tz) {
    out.push_str("## Timeline\n");
    if evs.is_empty() {
        let (at, src) = (
            hhmm(inc.started_at, inc.started_at, tz),
            inline(&inc.source),
        );
        put!(out, "- {at}: Alert triggered ({src})");
    }
    for e in evs {
        let (at, what) = (hhmm(e.ts, inc.started_at, tz), describe(&e.kind));
        put!(out, "- {at}: {what}");
    }
    out.push('\n');
}

/// One timeline entry's text (and any indented detail lines).
fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::Detected { source, .. } => format!("Alert triggered ({})", inline(source)),
        EventKind::Escalated { from, to } => {
            format!("Severity changed from {} to {}", from.name(), to.name())
        }
        EventKind::Notified { channel } => format!("Notified ({})", inline(channel)),
        EventKind::Acknowledged { by, note, .. } => {
            let mut s = format!("Acknowledged by {}", inline(by));
            if let Some(n) = note.as_deref().filter(|n| !n.trim().is_empty()) {
                let _ = write!(s, ":\n{}", block(n, "  "));
            }
            s
        }
        EventKind::Unacknowledged { by } => format!("Acknowledgement withdrawn by {}", inline(by)),
        EventKind::Note { by, text } => format!("Note ({}):\n{}", inline(by), block(text, "  ")),
        EventKind::Resolved { by: Some(by) } => format!("Resolved by {}", inline(by)),
        EventKind::Resolved { by: None } => "Resolved".to_string(),
        EventKind::RunbookCommand {
            argv,
            exit_code,
            output_tail,
        } => command(argv, *exit_code, output_tail),
    }
}

fn command(argv: &[String], exit_code: Option<i32>, output_tail: &str) -> String {
    let shown = code_span(&argv.join(" "));
    let mut s = match exit_code {
        Some(c) => format!("Runbook command {shown} exited {c}"),
        None => format!("Runbook command {shown} ended without an exit code"),
    };
    let tail = sanitize::multiline(output_tail);
    let lines: Vec<&str> = tail.lines().collect();
    if !lines.is_empty() {
        let keep = &lines[lines.len().saturating_sub(20)..];
        let fence = "`".repeat(longest_run(&tail, '`').max(2) + 1);
        let _ = write!(s, "\n  {fence}text");
        for l in keep {
            let _ = write!(s, "\n  {}", l.trim_end());
        }
        let _ = write!(s, "\n  {fence}");
    }
    s
}

fn numbers(out: &mut String, f: &Facts) {
    put!(out, "**Total duration**: {}\n", total(f));
    let (tta, ttr) = (f.since(f.acked, "not acknowledged"), total(f));
    let (tta_v, ttr_v) = match (f.kind, f.verdict()) {
        (DeadlineKind::Acknowledge, Some(v)) => (verdict_text(v), String::new()),
        (DeadlineKind::Resolve, Some(v)) => (String::new(), verdict_text(v)),
        _ => (String::new(), String::new()),
    };
    put!(out, "**Time to acknowledge**: {tta}{tta_v}\n");
    put!(out, "**Time to resolve**: {ttr}{ttr_v}\n");
    put!(out, "**Users Affected**: {TO_FILL}\n");
    put!(out, "**Data Loss**: {TO_FILL}\n");
}

fn verdict_text((met, label): (bool, &str)) -> String {
    if met {
        format!(" ✅ within the {label} target")
    } else {
        format!(" ❌ over the {label} target")
    }
}

fn went_well_wrong(out: &mut String, f: &Facts, evs: &[&Event]) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    if let (Some(at), Some((met, label))) = (f.measured(), f.verdict()) {
        let took = human(at - f.started);
        let verb = match f.kind {
            DeadlineKind::Acknowledge => "Acknowledged",
            DeadlineKind::Resolve => "Resolved",
        };
        if met {
            good.push(format!("✅ {verb} in {took}"));
        } else {
            bad.push(format!("❌ {verb} after {took} (target {label})"));
        }
    }
    for e in evs {
        if let EventKind::RunbookCommand {
            argv, exit_code, ..
        } = &e.kind
        {
            let shown = code_span(&argv.join(" "));
            match exit_code {
                Some(0) => good.push(format!("✅ Runbook command {shown} succeeded")),
                Some(c) => bad.push(format!("❌ Runbook command {shown} exited {c}")),
                None => bad.push(format!("❌ Runbook command {shown} did not finish")),
            }
        }
    }
    for (head, items) in [("What Went Well", good), ("What Went Wrong", bad)] {
        put!(out, "## {head}");
        for i in items {
            put!(out, "{i}  ");
        }
        put!(out, "{TO_FILL}\n");
    }
}

fn appendix(out: &mut String, inc: &Incident) {
    out.push_str("## Appendix: Labels and Annotations\n");
    put!(out, "- **Incident**: {}", code_span(&inc.id));
    for (name, v) in [("Runbook", &inc.runbook), ("Link", &inc.generator_url)] {
        if let Some(v) = v {
            put!(out, "- **{name}**: {}", inline(v));
        }
    }
    for (head, map) in [("Labels", &inc.labels), ("Annotations", &inc.annotations)] {
        put!(out, "\n### {head}");
        if map.is_empty() {
            out.push_str("_none_\n");
        }
        for (k, v) in map {
            let key = code_span(k);
            if v.contains('\n') {
                put!(out, "- {key}:\n{}", block(v, "  "));
            } else {
                put!(out, "- {key}: {}", inline(v));
            }
        }
    }
}

fn total(f: &Facts) -> String {
    f.since(f.resolved, "ongoing")
}

fn stamp(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// "HH:MM", with the date in front when it is not the start's day.
fn hhmm(t: DateTime<Utc>, start: DateTime<Utc>, tz: Tz) -> String {
    let (l, s) = (t.with_timezone(&tz), start.with_timezone(&tz));
    if l.date_naive() == s.date_naive() {
        l.format("%H:%M").to_string()
    } else {
        l.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// "45 s", "3 min 12 s" (below ten minutes), "47 min", "2 h 5 min", "1 d 4 h".
pub fn human(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (m, h, days) = (s / 60, s / 3600, s / 86_400);
    let join = |a: String, b: i64, unit: &str| if b == 0 { a } else { format!("{a} {b} {unit}") };
    match s {
        0..=59 => format!("{s} s"),
        60..=599 => join(format!("{m} min"), s % 60, "s"),
        600..=3599 => format!("{m} min"),
        3600..=86_399 => join(format!("{h} h"), m % 60, "min"),
        _ => join(format!("{days} d"), h % 24, "h"),
    }
}

/// "5 min", "1 h", "1 business day".
fn target_text(t: Target) -> String {
    let Target::Within(d) = t else {
        return "no".to_string();
    };
    let secs = d.0.as_secs();
    let days = secs / 86_400;
    let rest = Duration::seconds((secs % 86_400) as i64);
    match (days, rest.is_zero()) {
        (0, _) => human(rest),
        (1, true) => "1 business day".to_string(),
        (n, true) => format!("{n} business days"),
        (n, false) => format!("{n} business days {}", human(rest)),
    }
}

/// One-line remote text, safe inline.
fn inline(s: &str) -> String {
    escape_html(&sanitize::line(s))
}

/// Multi-line remote text, each line indented and unable to start a markdown block.
fn block(s: &str, indent: &str) -> String {
    let clean = sanitize::multiline(s);
    let lines: Vec<String> = clean
        .lines()
        .map(|l| {
            let l = escape_html(l.trim_end());
            if l.is_empty() {
                String::new()
            } else {
                format!("{indent}{}", escape_start(&l))
            }
        })
        .collect();
    lines.join("\n")
}

/// Backslash-escapes a block marker at the start of a line (after its indentation).
fn escape_start(line: &str) -> String {
    let body = line.trim_start();
    let lead = &line[..line.len() - body.len()];
    let first = body.chars().next().unwrap_or(' ');
    if "#>-+*=_`~|<".contains(first) {
        return format!("{lead}\\{body}");
    }
    let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && matches!(body[digits..].chars().next(), Some('.' | ')')) {
        return format!("{lead}{}\\{}", &body[..digits], &body[digits..]);
    }
    line.to_string()
}

/// Escapes `<` where it could open an HTML tag or comment.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(*n))
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn longest_run(s: &str, c: char) -> usize {
    s.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// A code span that holds any text: its fence is longer than any backtick run inside.
fn code_span(s: &str) -> String {
    let text = sanitize::line(s);
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_markers_are_escaped_at_line_start() {
        assert_eq!(escape_start("# Fake"), "\\# Fake");
        assert_eq!(escape_start("  ## x"), "  \\## x");
        assert_eq!(escape_start("---"), "\\---");
        assert_eq!(escape_start("12. item"), "12\\. item");
        assert_eq!(escape_start("```"), "\\```");
        assert_eq!(escape_start("plain # text"), "plain # text");
        assert_eq!(escape_html("a <script> b < 3"), "a \\<script> b < 3");
        let b = block("one\n# two\n\n> three\x1b[2J", "  ");
        assert_eq!(b, "  one\n  \\# two\n\n  \\> three");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("ls -l"), "`ls -l`");
        assert_eq!(code_span("echo `x`"), "`` echo `x` ``");
    }

    #[test]
    fn human_durations_and_targets() {
        assert_eq!(human(Duration::seconds(45)), "45 s");
        assert_eq!(human(Duration::seconds(60)), "1 min");
        assert_eq!(human(Duration::seconds(192)), "3 min 12 s");
        assert_eq!(human(Duration::seconds(47 * 60 + 5)), "47 min");
        assert_eq!(human(Duration::seconds(7500)), "2 h 5 min");
        assert_eq!(human(Duration::seconds(100_800)), "1 d 4 h");
        let t = |s| Target::Within(crate::duration::Dur::secs(s));
        assert_eq!(target_text(t(300)), "5 min");
        assert_eq!(target_text(t(3600)), "1 h");
        assert_eq!(target_text(t(86_400)), "1 business day");
    }
}
