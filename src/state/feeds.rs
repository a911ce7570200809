//! Log lines and error groups in the model: bounded, sanitized at ingest, with the panel's view
//! state (filters, search, follow, selection).

use crate::sanitize;
use crate::sources::loki::{Cursor, Level, LogEntry};
use crate::sources::sentry::SentryIssue;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Default number of log lines a panel keeps.
pub const DEFAULT_BUFFER: usize = 10_000;

/// One log line, sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub ts_ns: i128,
    pub level: Level,
    pub line: String,
    /// Sanitized labels; lines of one stream share them.
    pub labels: Arc<BTreeMap<String, String>>,
}

impl LogLine {
    pub fn from_entry(e: LogEntry) -> LogLine {
        let labels = Arc::new(sanitize_labels(&e.labels));
        LogLine::with_labels(e, labels)
    }

    /// `e` with labels already sanitized (`labels` must be `e.labels` sanitized).
    fn with_labels(e: LogEntry, labels: Arc<BTreeMap<String, String>>) -> LogLine {
        let level = crate::sources::loki::level_of(&e.labels, &e.line);
        LogLine {
            ts_ns: e.ts_ns,
            level,
            line: sanitize::line_owned(e.line),
            labels,
        }
    }

    pub fn time(&self) -> DateTime<Utc> {
        let secs = (self.ts_ns / 1_000_000_000) as i64;
        let nanos = (self.ts_ns.rem_euclid(1_000_000_000)) as u32;
        DateTime::from_timestamp(secs, nanos).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    }
}

type Labels = BTreeMap<String, String>;

fn sanitize_labels(labels: &Labels) -> Labels {
    labels
        .iter()
        .map(|(k, v)| (sanitize::line(k), sanitize::line(v)))
        .collect()
}

/// A text search over log lines: a regex when the text is one, else a plain substring
/// (case-insensitive either way).
#[derive(Debug, Clone)]
pub struct Search {
    pub text: String,
    regex: Option<regex::Regex>,
}

impl Search {
    pub fn new(text: &str) -> Search {
        let regex = regex::RegexBuilder::new(text)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .ok();
        Search {
            text: text.to_string(),
            regex,
        }
    }

    /// Byte ranges of the matches in `line`.
    pub fn find(&self, line: &str) -> Vec<(usize, usize)> {
        if self.text.is_empty() {
            return Vec::new();
        }
        match &self.regex {
            Some(r) => r
                .find_iter(line)
                .filter(|m| m.end() > m.start())
                .map(|m| (m.start(), m.end()))
                .collect(),
            None => {
                let lower = line.to_lowercase();
                let needle = self.text.to_lowercase();
                if lower.len() != line.len() {
                    // Case folding changed byte offsets: fall back to an exact search.
                    return line
                        .match_indices(&self.text)
                        .map(|(i, m)| (i, i + m.len()))
                        .collect();
                }
                lower
                    .match_indices(&needle)
                    .map(|(i, m)| (i, i + m.len()))
                    .collect()
            }
        }
    }

    pub fn matches(&self, line: &str) -> bool {
        !self.find(line).is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct LogsView {
    pub lines: VecDeque<LogLine>,
    pub capacity: usize,
    pub cursor: Cursor,
    /// New lines scroll into view.
    pub follow: bool,
    /// Levels shown (ERROR, WARN, INFO; debug and unknown follow INFO).
    pub show_error: bool,
    pub show_warn: bool,
    pub show_info: bool,
    /// Set with [`LogsView::set_search`], which counts its matches.
    search: Option<Search>,
    /// Lines in the buffer that match `search`, kept up to date as lines come and go.
    search_hits: usize,
    /// The selected line (its timestamp and text), when not following.
    pub selected: Option<usize>,
    pub detail: bool,
    /// Lines the server said it dropped (live mode).
    pub dropped: u64,
    pub live_connected: bool,
}

impl LogsView {
    pub fn new(capacity: usize) -> LogsView {
        LogsView {
            lines: VecDeque::new(),
            capacity: capacity.max(10),
            cursor: Cursor::default(),
            follow: true,
            show_error: true,
            show_warn: true,
            show_info: true,
            search: None,
            search_hits: 0,
            selected: None,
            detail: false,
            dropped: 0,
            live_connected: false,
        }
    }

    /// Adds new lines (already deduplicated, oldest first), dropping the oldest past capacity.
    pub fn push(&mut self, new: Vec<LogEntry>) {
        let added = new.len();
        // Lines that would be evicted at once are not worth sanitizing.
        let skip = added.saturating_sub(self.capacity);
        // Entries of one stream share their labels: sanitize each label set once. Holding the
        // raw `Arc` keeps its address from being reused while the cache lives.
        let mut cache: Vec<(Arc<Labels>, Arc<Labels>)> = Vec::new();
        for e in new.into_iter().skip(skip) {
            let clean = match cache.iter().find(|(raw, _)| Arc::ptr_eq(raw, &e.labels)) {
                Some((_, clean)) => Arc::clone(clean),
                None => {
                    let clean = Arc::new(sanitize_labels(&e.labels));
                    if cache.len() >= 64 {
                        cache.remove(0);
                    }
                    cache.push((Arc::clone(&e.labels), Arc::clone(&clean)));
                    clean
                }
            };
            self.lines.push_back(LogLine::with_labels(e, clean));
        }
        let over = self.lines.len().saturating_sub(self.capacity);
        if let Some(search) = &self.search {
            let len = self.lines.len();
            let kept_new = added - skip;
            // Lines pushed now count in; lines about to leave count out.
            let gained = self
                .lines
                .range(len - kept_new..)
                .filter(|l| search.matches(&l.line));
            let gained = gained.count();
            let lost = self.lines.range(..over).filter(|l| search.matches(&l.line));
            let lost = lost.count();
            self.search_hits = (self.search_hits + gained).saturating_sub(lost);
        }
        self.lines.drain(..over);
        if let Some(sel) = &mut self.selected {
            *sel = sel.saturating_sub(over);
        }
        if self.follow && added > 0 {
            self.selected = None;
        }
    }

    pub fn search(&self) -> Option<&Search> {
        self.search.as_ref()
    }

    /// Lines in the buffer that match the search.
    pub fn search_hits(&self) -> usize {
        self.search_hits
    }

    /// Sets (or clears) the search and counts its matches.
    pub fn set_search(&mut self, search: Option<Search>) {
        self.search_hits = search.as_ref().map_or(0, |s| {
            self.lines.iter().filter(|l| s.matches(&l.line)).count()
        });
        self.search = search;
    }

    pub fn shows(&self, l: &LogLine) -> bool {
        match l.level {
            Level::Error => self.show_error,
            Level::Warn => self.show_warn,
            _ => self.show_info,
        }
    }

    /// Indexes of the lines the filters let through.
    pub fn visible(&self) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.shows(&self.lines[i]))
            .collect()
    }

    /// The visible lines a panel of `rows` rows shows, oldest first: following (or with
    /// nothing selected), the newest; paused, a window that holds the selection, about a half
    /// of it after the selection. Only the lines near the window are looked at, not the whole
    /// buffer.
    pub fn window(&self, rows: usize) -> Vec<usize> {
        let shown = |i: &usize| self.shows(&self.lines[*i]);
        let sel = match (self.follow, self.selected) {
            (false, Some(sel)) => sel.min(self.lines.len()),
            _ => {
                let mut w: Vec<usize> = (0..self.lines.len())
                    .rev()
                    .filter(shown)
                    .take(rows)
                    .collect();
                w.reverse();
                return w;
            }
        };
        // From the selection on, and before it (nearest first).
        let after: Vec<usize> = (sel..self.lines.len()).filter(shown).take(rows).collect();
        let before: Vec<usize> = (0..sel).rev().filter(shown).take(rows).collect();
        let mut take_after = after.len().min(rows / 2 + 1);
        let take_before = before.len().min(rows - take_after.min(rows));
        if take_after + take_before < rows {
            take_after = after.len().min(rows - take_before);
        }
        let mut w: Vec<usize> = before[..take_before].iter().rev().copied().collect();
        w.extend_from_slice(&after[..take_after]);
        w
    }

    /// Moves the selection among visible lines; leaving the bottom resumes following.
    pub fn move_by(&mut self, delta: isize) {
        let vis = self.visible();
        if vis.is_empty() {
            return;
        }
        let cur = self
            .selected
            .and_then(|s| vis.iter().position(|&v| v >= s))
            .unwrap_or(vis.len() - 1) as isize;
        let next = (cur + delta).clamp(0, vis.len() as isize - 1) as usize;
        self.follow = false;
        self.selected = Some(vis[next]);
    }

    /// `n` / `N`: the next / previous visible line matching the search.
    pub fn jump(&mut self, forward: bool) -> bool {
        let Some(search) = &self.search else {
            return false;
        };
        let vis = self.visible();
        let cur = self
            .selected
            .unwrap_or(if forward { 0 } else { usize::MAX });
        let hit = if forward {
            vis.iter()
                .copied()
                .find(|&i| i > cur && search.matches(&self.lines[i].line))
        } else {
            vis.iter()
                .rev()
                .copied()
                .find(|&i| i < cur && search.matches(&self.lines[i].line))
        };
        if let Some(i) = hit {
            self.follow = false;
            self.selected = Some(i);
        }
        hit.is_some()
    }

    pub fn selected_line(&self) -> Option<&LogLine> {
        self.selected.and_then(|i| self.lines.get(i))
    }
}

/// One Sentry issue, sanitized.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorGroup {
    pub issue: SentryIssue,
    /// Not in the first answer after the dashboard started.
    pub new: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ErrorsView {
    pub issues: Vec<ErrorGroup>,
    /// Ids in the first good answer: anything else is new.
    pub baseline: Option<BTreeSet<String>>,
    pub selected: Option<String>,
    pub detail: bool,
}

impl ErrorsView {
    pub fn replace(&mut self, issues: Vec<SentryIssue>) {
        let baseline = self
            .baseline
            .get_or_insert_with(|| issues.iter().map(|i| i.id.clone()).collect())
            .clone();
        self.issues = issues
            .into_iter()
            .map(|i| ErrorGroup {
                new: !baseline.contains(&i.id),
                issue: sanitize_issue(i),
            })
            .collect();
        let keep = self
            .selected
            .as_ref()
            .is_some_and(|id| self.issues.iter().any(|g| &g.issue.id == id));
        if !keep {
            self.selected = self.issues.first().map(|g| g.issue.id.clone());
        }
    }

    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_ref()?;
        self.issues.iter().position(|g| &g.issue.id == id)
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.issues.is_empty() {
            return;
        }
        let cur = self.selected_index().unwrap_or(0) as isize;
        let next = (cur + delta).clamp(0, self.issues.len() as isize - 1) as usize;
        self.selected = Some(self.issues[next].issue.id.clone());
    }

    pub fn selected_issue(&self) -> Option<&ErrorGroup> {
        self.selected_index().map(|i| &self.issues[i])
    }
}

fn sanitize_issue(mut i: SentryIssue) -> SentryIssue {
    i.id = sanitize::line(&i.id);
    i.short_id = sanitize::line(&i.short_id);
    i.title = sanitize::line(&i.title);
    i.culprit = i.culprit.as_deref().map(sanitize::line);
    i.level = sanitize::line(&i.level);
    i.status = sanitize::line(&i.status);
    i.permalink = i.permalink.as_deref().map(sanitize::line);
    i.project = i.project.as_deref().map(sanitize::line);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ts: i128, line: &str) -> LogEntry {
        LogEntry {
            ts_ns: ts,
            line: line.into(),
            labels: Arc::new(Labels::new()),
        }
    }

    #[test]
    fn the_buffer_is_bounded_and_sanitized() {
        let mut v = LogsView::new(10);
        v.push(
            (0..25)
                .map(|i| entry(i, &format!("line {i}\x1b]0;x\x07")))
                .collect(),
        );
        assert_eq!(v.lines.len(), 10);
        assert_eq!(v.lines[0].line, "line 15");
        assert_eq!(v.lines[9].line, "line 24");
    }

    /// The window of lines a panel shows is the one worked out from every visible line: the
    /// newest when following, and around the selection when paused.
    #[test]
    fn the_window_is_the_one_from_all_visible_lines() {
        let mut rng = crate::test_rng::Rng(0x10c5);
        for round in 0..2000 {
            let mut v = LogsView::new(100);
            let levels = ["level=error x", "level=warn y", "level=info z"];
            let n = rng.below(40);
            v.push(
                (0..n)
                    .map(|i| entry(i as i128, levels[rng.below(3)]))
                    .collect(),
            );
            v.show_error = rng.below(4) != 0;
            v.show_warn = rng.below(4) != 0;
            v.show_info = rng.below(4) != 0;
            v.follow = rng.below(3) == 0;
            v.selected = (rng.below(5) != 0).then(|| rng.below(n + 2));
            let rows = rng.below(12);
            // As the panel worked it out before: from every visible line.
            let visible = v.visible();
            let end = match (v.follow, v.selected) {
                (false, Some(sel)) => {
                    let pos = visible
                        .iter()
                        .position(|&i| i >= sel)
                        .unwrap_or(visible.len());
                    (pos + rows / 2 + 1).clamp(rows.min(visible.len()), visible.len())
                }
                _ => visible.len(),
            };
            let want = &visible[end.saturating_sub(rows)..end];
            assert_eq!(
                v.window(rows),
                want,
                "round {round}: {rows} rows, {visible:?}"
            );
        }
    }

    #[test]
    fn level_filters_hide_lines_and_selection_skips_them() {
        let mut v = LogsView::new(100);
        v.push(vec![
            entry(1, "level=error boom"),
            entry(2, "level=info ok"),
            entry(3, "WARN slow"),
        ]);
        assert_eq!(v.visible(), vec![0, 1, 2]);
        v.show_info = false;
        assert_eq!(v.visible(), vec![0, 2]);
        v.move_by(-1);
        assert_eq!(v.selected, Some(0));
        assert!(!v.follow, "moving pauses following");
    }

    #[test]
    fn search_is_regex_or_text_and_keeps_context() {
        let mut v = LogsView::new(100);
        v.push(vec![
            entry(1, "GET /a 200"),
            entry(2, "POST /pay 500"),
            entry(3, "GET /b 200"),
            entry(4, "POST /pay 502"),
        ]);
        v.set_search(Some(Search::new(r"/pay 5\d\d")));
        assert_eq!(
            v.visible().len(),
            4,
            "a search highlights, it does not hide"
        );
        v.selected = Some(0);
        assert!(v.jump(true));
        assert_eq!(v.selected, Some(1));
        assert!(v.jump(true));
        assert_eq!(v.selected, Some(3));
        assert!(!v.jump(true));
        assert!(v.jump(false));
        assert_eq!(v.selected, Some(1));
        // Not a valid regex: searched as text.
        let s = Search::new("[pay");
        assert!(s.matches("x [PAY y"));
        assert_eq!(s.find("x [pay y"), vec![(2, 6)]);
    }

    #[test]
    fn issues_new_since_start_are_marked() {
        let issue = |id: &str| SentryIssue {
            id: id.into(),
            short_id: format!("CHECKOUT-{id}"),
            title: format!("Boom \x1b[31m{id}"),
            culprit: None,
            level: "error".into(),
            status: "unresolved".into(),
            count: 1,
            user_count: 1,
            first_seen: None,
            last_seen: None,
            permalink: None,
            project: None,
            stats_24h: Vec::new(),
        };
        let mut v = ErrorsView::default();
        v.replace(vec![issue("1"), issue("2")]);
        assert!(v.issues.iter().all(|g| !g.new));
        assert_eq!(v.issues[0].issue.title, "Boom 1");
        v.replace(vec![issue("3"), issue("1")]);
        assert!(v.issues[0].new);
        assert!(!v.issues[1].new);
        assert_eq!(
            v.selected.as_deref(),
            Some("1"),
            "selection follows its issue"
        );
    }

    #[test]
    fn search_hits_follow_lines_in_and_out() {
        let mut v = LogsView::new(10);
        v.push(
            (0..6)
                .map(|i| {
                    entry(
                        i,
                        &format!("line {i} {}", if i % 2 == 0 { "slow" } else { "ok" }),
                    )
                })
                .collect(),
        );
        v.set_search(Some(Search::new("slow")));
        assert_eq!(v.search_hits(), 3);
        for round in 0..5 {
            let batch: Vec<LogEntry> = (0..7)
                .map(|i| {
                    let ts = 100 + round * 10 + i;
                    entry(
                        ts,
                        &format!("x {ts} {}", if ts % 3 == 0 { "SLOW" } else { "ok" }),
                    )
                })
                .collect();
            v.push(batch);
            let recount = v
                .lines
                .iter()
                .filter(|l| l.line.to_lowercase().contains("slow"))
                .count();
            assert_eq!(v.search_hits(), recount, "round {round}");
        }
        // More than the buffer holds at once.
        v.push((1000..1025).map(|ts| entry(ts, "slow")).collect());
        assert_eq!(v.search_hits(), 10);
        v.set_search(None);
        assert_eq!(v.search_hits(), 0);
    }
}
