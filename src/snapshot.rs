//! `oncall snapshot`: poll every source once, then print one frame or the state as JSON.

use crate::action::Action;
use crate::config::Config;
use crate::state::{LoadError, PanelState, State};
use crate::theme::Theme;
use crate::update::update;
use chrono::{DateTime, SecondsFormat, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use serde_json::{Value, json};
use std::time::Duration;

/// Polls every panel of every page once, waiting at most `wait` for the answers.
pub async fn collect(cfg: &Config, wait: Duration) -> State {
    let mut h = crate::headless::Headless::new(cfg);
    h.state.poll_all_pages = true;
    // The journal is read (acknowledgements, timelines), never written, by a snapshot.
    let journal = h.state.data_dir.join("journal.jsonl");
    h.read_journal(&journal);
    h.round(wait).await;
    let mut state = h.state;
    let late = format!(
        "no answer within --wait {}",
        crate::duration::format_duration(wait)
    );
    let now = Utc::now();
    for i in 0..state.panels.len() {
        if state.panels[i].in_flight {
            let err = LoadError {
                message: late.clone(),
                source_down: true,
            };
            update(
                &mut state,
                Action::PanelLoaded {
                    panel: i,
                    result: Err(err),
                },
                now,
            );
        }
    }
    let late_sources: Vec<String> = state
        .incidents
        .alert_sources
        .iter()
        .filter(|s| s.in_flight)
        .map(|s| s.id.clone())
        .collect();
    for source in late_sources {
        let err = LoadError {
            message: late.clone(),
            source_down: true,
        };
        update(
            &mut state,
            Action::AlertsLoaded {
                source,
                result: Err(err),
            },
            now,
        );
    }
    state.now = Utc::now();
    state
}

/// Draws one frame into a buffer of the given size.
pub fn render(state: &State, theme: &Theme, width: u16, height: u16) -> Buffer {
    let backend = TestBackend::new(width.max(20), height.max(5));
    match Terminal::new(backend) {
        Ok(mut term) => {
            let _ = term.draw(|f| crate::ui::draw(f, state, theme));
            term.backend().buffer().clone()
        }
        Err(_) => Buffer::empty(ratatui::layout::Rect::new(0, 0, width, height)),
    }
}

/// The frame as plain text, one line per row, trailing spaces trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The frame with SGR colour codes, for `less -R` or a terminal.
pub fn to_ansi(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut last: Option<(Color, Color, Modifier)> = None;
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            let style = (c.fg, c.bg, c.modifier);
            if last != Some(style) {
                out.push_str(&sgr(c.fg, c.bg, c.modifier));
                last = Some(style);
            }
            out.push_str(c.symbol());
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

fn sgr(fg: Color, bg: Color, m: Modifier) -> String {
    let mut codes = vec!["0".to_string()];
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
    ] {
        if m.contains(flag) {
            codes.push(code.into());
        }
    }
    if let Some(c) = color_code(fg, false) {
        codes.push(c);
    }
    if let Some(c) = color_code(bg, true) {
        codes.push(c);
    }
    format!("\x1b[{}m", codes.join(";"))
}

fn color_code(c: Color, bg: bool) -> Option<String> {
    let base = if bg { 40 } else { 30 };
    let idx = |i: u8| -> String {
        if i < 8 {
            format!("{}", base + u16::from(i))
        } else {
            format!("{}", base + 60 + u16::from(i - 8))
        }
    };
    Some(match c {
        Color::Reset => return None,
        Color::Black => idx(0),
        Color::Red => idx(1),
        Color::Green => idx(2),
        Color::Yellow => idx(3),
        Color::Blue => idx(4),
        Color::Magenta => idx(5),
        Color::Cyan => idx(6),
        Color::Gray => idx(7),
        Color::DarkGray => idx(8),
        Color::LightRed => idx(9),
        Color::LightGreen => idx(10),
        Color::LightYellow => idx(11),
        Color::LightBlue => idx(12),
        Color::LightMagenta => idx(13),
        Color::LightCyan => idx(14),
        Color::White => idx(15),
        Color::Indexed(i) => format!("{};5;{i}", base + 8),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", base + 8),
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A number as JSON: NaN is null, ±Inf are the strings Prometheus uses.
fn num(v: f64) -> Value {
    if v.is_nan() {
        Value::Null
    } else if v.is_infinite() {
        Value::String(if v > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        json!(v)
    }
}

fn panel_json(p: &PanelState) -> Value {
    let series: Vec<Value> = p
        .series
        .iter()
        .map(|s| {
            let points: Vec<Value> = s.points.iter().map(|&(t, v)| json!([t, num(v)])).collect();
            json!({"name": s.name, "labels": s.labels, "points": points})
        })
        .collect();
    json!({
        "id": p.id,
        "title": p.cfg.title,
        "kind": p.cfg.kind.name(),
        "source": p.source,
        "status": p.status().name(),
        "value": num(p.value()),
        "display": p.display(),
        "stale": p.is_stale(),
        "error": p.error,
        "updated_at": p.updated_at.map(rfc3339),
        "series": series,
    })
}

/// Log lines in a snapshot: the newest this many, from every logs panel, oldest first.
pub const SNAPSHOT_LOG_LINES: usize = 500;

fn logs_json(state: &State) -> Vec<Value> {
    let mut lines: Vec<&crate::state::feeds::LogLine> = state
        .panels
        .iter()
        .filter_map(|p| p.logs.as_deref())
        .flat_map(|l| l.lines.iter())
        .collect();
    lines.sort_by_key(|l| l.ts_ns);
    lines.dedup_by(|a, b| a.ts_ns == b.ts_ns && a.line == b.line);
    let skip = lines.len().saturating_sub(SNAPSHOT_LOG_LINES);
    lines
        .into_iter()
        .skip(skip)
        .map(|l| {
            json!({
                "ts": l.time().to_rfc3339_opts(SecondsFormat::Nanos, true),
                "level": l.level.name(),
                "line": l.line,
                "labels": l.labels,
            })
        })
        .collect()
}

fn errors_json(state: &State) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    state
        .panels
        .iter()
        .filter_map(|p| p.errors.as_deref())
        .flat_map(|e| e.issues.iter())
        .filter(|g| seen.insert(g.issue.id.clone()))
        .map(|g| {
            let i = &g.issue;
            json!({
                "id": i.id,
                "short_id": i.short_id,
                "title": i.title,
                "culprit": i.culprit,
                "level": i.level,
                "count": i.count,
                "users": i.user_count,
                "first_seen": i.first_seen.map(rfc3339),
                "last_seen": i.last_seen.map(rfc3339),
                "permalink": i.permalink,
                "project": i.project,
                "new": g.new,
            })
        })
        .collect()
}

/// The state as the stable snapshot JSON (see SPEC.md).
pub fn to_json(state: &State) -> Value {
    let sources: Vec<Value> = state
        .sources
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "kind": s.kind.name(),
                "status": s.status(),
                "error": s.last_error,
                "last_success": s.last_success.map(rfc3339),
            })
        })
        .collect();
    let panels: Vec<Value> = state
        .panels
        .iter()
        .map(|p| {
            let mut v = panel_json(p);
            if p.cfg.kind == crate::config::PanelKind::Incidents {
                v["status"] = json!(state.incidents_status().name());
                v["value"] = json!(state.incidents.counts().iter().sum::<usize>());
                v["display"] = json!(format!(
                    "{} open",
                    state.incidents.counts().iter().sum::<usize>()
                ));
            }
            v
        })
        .collect();
    let tz = state.zone();
    let incidents: Vec<Value> = state
        .incidents
        .list
        .iter()
        .map(|i| {
            let deadline = crate::incidents::deadline::deadline(i, &state.severity, tz);
            json!({
                "id": i.id,
                "title": i.title,
                "severity": i.severity.name(),
                "state": i.state.name(),
                "source": i.source,
                "started_at": rfc3339(i.started_at),
                "acked_by": i.acked_by,
                "acked_at": i.acked_at.map(rfc3339),
                "resolved_at": i.resolved_at.map(rfc3339),
                "summary": i.summary,
                "runbook": i.runbook,
                "labels": i.labels,
                "deadline": deadline.as_ref().map(|d| rfc3339(d.at)),
                "overdue": deadline.as_ref().is_some_and(|d| d.at < state.now),
                "silence_id": i.silence_id,
            })
        })
        .collect();
    json!({
        "generated_at": rfc3339(state.now),
        "sources": sources,
        "panels": panels,
        "incidents": incidents,
        "logs": logs_json(state),
        "errors": errors_json(state),
        "oncall": crate::rotation::to_json(state.on_call().as_ref()),
    })
}
