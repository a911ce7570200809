//! The model the screen and the snapshot are drawn from. Changed only by `update`.

pub mod feeds;
pub mod incidents;
pub mod panel;

pub use incidents::{AlertSource, Incidents, RuleSlot};
pub use panel::{LoadError, PanelState, SeriesData, Status};

use crate::config::{Config, PanelKind, SeverityConfig, SourceKind};
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// What the prompt in the status bar is for.
#[derive(Debug, Clone, PartialEq)]
pub enum InputPurpose {
    /// A note on an incident.
    Note { incident: String },
    /// A search in a logs panel.
    Search { panel: usize },
}

/// The prompt: what for, what has been typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub purpose: InputPurpose,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    /// Indexes into `State::panels`.
    pub panels: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct SourceState {
    pub id: String,
    pub kind: SourceKind,
    /// Where it is asked (a source keeps its record across a config reload only at the same).
    pub url: String,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub error_since: Option<DateTime<Utc>>,
}

/// `ok`, `stale` (failing, earlier data shown) or `error` (failing, never answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    Ok,
    Stale,
    Error,
    /// Not asked yet.
    Pending,
}

impl SourceState {
    pub fn status(&self) -> SourceStatus {
        match (&self.last_error, self.last_success) {
            (None, Some(_)) => SourceStatus::Ok,
            (None, None) => SourceStatus::Pending,
            (Some(_), Some(_)) => SourceStatus::Stale,
            (Some(_), None) => SourceStatus::Error,
        }
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub pages: Vec<Page>,
    pub panels: Vec<PanelState>,
    pub sources: Vec<SourceState>,
    pub page: usize,
    /// Index into the current page's panels.
    pub focus: usize,
    pub show_help: bool,
    pub should_quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// Poll every page, not only the one on screen (snapshots).
    pub poll_all_pages: bool,
    pub now: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub read_only: bool,
    pub user: String,
    /// A line for the status bar (warnings such as a broken theme).
    pub message: Option<String>,
    /// The clock's zone; `None` is the machine's local time.
    pub timezone: Option<crate::tz::Tz>,
    pub incidents: Incidents,
    pub severity: SeverityConfig,
    /// The note prompt, while it is open.
    pub input: Option<Input>,
    /// Where the journal and post-mortems live.
    pub data_dir: PathBuf,
    pub runbooks: Vec<crate::runbook::RunbookConfig>,
    /// Where relative runbook files are found (the config's folder).
    pub runbook_dir: PathBuf,
    /// A window over the body: runbook, command menu, confirmation, command output.
    pub overlay: Option<Overlay>,
    /// The runbook command running now: incident and argv.
    pub running: Option<(String, Vec<String>)>,
    pub notify: NotifyState,
    /// The on-call rotation (`[oncall]`).
    pub rotation: crate::rotation::RotationConfig,
    /// Wall-screen mode: read-only, large, rotating pages.
    pub wall: bool,
    /// The terminal's size, for mouse clicks.
    pub size: (u16, u16),
    /// The `:` command palette, while it is open.
    pub palette: Option<crate::palette::Palette>,
    /// `--ascii`: no braille, box-drawing or block characters.
    pub ascii: bool,
    /// `--low-bandwidth`: fewer frames, sparklines instead of charts.
    pub low_bandwidth: bool,
    pub wall_rotate: std::time::Duration,
    pub next_rotate: DateTime<Utc>,
    /// Themes `t` cycles through (names), and the one in use.
    pub theme_names: Vec<String>,
    pub theme: usize,
}

/// Notifications: what to send (the policy) and where (known once the desktop was probed).
#[derive(Debug, Clone)]
pub struct NotifyState {
    /// Off for snapshots and tests; the dashboard turns it on.
    pub enabled: bool,
    pub policy: crate::notify::Policy,
    pub channels: Option<crate::notify::Channels>,
    /// A notification shown in the dashboard itself (when only a bell reaches the engineer).
    pub banner: Option<(String, crate::incidents::Severity, DateTime<Utc>)>,
}

/// Windows that take the keys while they are open.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Runbook(crate::runbook::Viewer),
    Commands {
        incident: String,
        commands: Vec<crate::runbook::CommandConfig>,
        selected: usize,
    },
    Confirm {
        incident: String,
        confirm: crate::runbook::Confirm,
    },
    Output {
        incident: String,
        pane: crate::runbook::OutputPane,
    },
}

impl State {
    pub fn new(cfg: &Config, now: DateTime<Utc>) -> State {
        let mut panels = Vec::new();
        let mut pages = Vec::new();
        let default_source = cfg
            .sources
            .iter()
            .find(|(_, s)| s.kind == SourceKind::Prometheus)
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        for page in cfg.effective_pages() {
            let mut idx = Vec::new();
            for p in page.panels {
                let source = p
                    .source
                    .clone()
                    .unwrap_or_else(|| match p.kind.source_kind() {
                        Some(SourceKind::Prometheus) | None => default_source.clone(),
                        Some(kind) => cfg
                            .sources
                            .iter()
                            .find(|(_, s)| s.kind == kind)
                            .map(|(id, _)| id.clone())
                            .unwrap_or_default(),
                    });
                let refresh = cfg.source_refresh(&source).0;
                idx.push(panels.len());
                panels.push(PanelState::new(p, source, refresh, now));
            }
            pages.push(Page {
                title: page.title,
                panels: idx,
            });
        }
        let sources = cfg
            .sources
            .iter()
            .map(|(id, s)| SourceState {
                id: id.clone(),
                kind: s.kind,
                url: s.url.clone(),
                last_success: None,
                last_error: None,
                error_since: None,
            })
            .collect();
        State {
            pages,
            panels,
            sources,
            page: 0,
            focus: 0,
            show_help: false,
            should_quit: false,
            dirty: true,
            poll_all_pages: false,
            now,
            started_at: now,
            read_only: cfg.general.read_only,
            user: cfg.user(),
            message: None,
            timezone: cfg.general.timezone.parse().ok(),
            incidents: incidents_for(cfg, now),
            severity: cfg.severity.clone(),
            input: None,
            data_dir: crate::config::data_dir(),
            runbooks: cfg.runbooks.clone(),
            runbook_dir: cfg.base_dir(),
            overlay: None,
            running: None,
            notify: NotifyState {
                enabled: false,
                policy: crate::notify::Policy::new(&cfg.notify),
                channels: None,
                banner: None,
            },
            rotation: cfg.oncall.clone(),
            wall: false,
            palette: None,
            size: (0, 0),
            ascii: false,
            low_bandwidth: false,
            wall_rotate: cfg.wall.rotate.0,
            next_rotate: now,
            theme_names: Vec::new(),
            theme: 0,
        }
    }

    /// A source answered.
    pub fn source_ok(&mut self, id: &str, now: DateTime<Utc>) {
        let Some(s) = self.sources.iter_mut().find(|s| s.id == id) else {
            return;
        };
        let recovered = s.error_since.is_some();
        s.last_success = Some(now);
        s.last_error = None;
        s.error_since = None;
        if recovered {
            // The source is back: its panels that still show the failure are asked again at
            // their next turn, not at the end of their own refresh (an error budget's is 30 s).
            for p in self
                .panels
                .iter_mut()
                .filter(|p| p.source == id && p.error.is_some())
            {
                p.next_due = p.next_due.min(now);
            }
        }
    }

    /// A source failed (unreachable, overloaded, refused us).
    pub fn source_failed(&mut self, id: &str, message: String, now: DateTime<Utc>) {
        if let Some(s) = self.sources.iter_mut().find(|s| s.id == id) {
            s.last_error = Some(message);
            s.error_since.get_or_insert(now);
        }
        // Its charts are asked at their next refresh, not only once their grid moves, so that
        // they too show the failure within a refresh.
        for p in self.panels.iter_mut().filter(|p| p.source == id) {
            p.window = None;
        }
    }

    /// Takes a new config while running (hot reload): pages, panels, sources, rules and settings
    /// come from it; what the dashboard learned stays — incidents and their timelines,
    /// notification history, the theme, the mode. Panels start empty and are polled at once.
    pub fn reconfigure(&mut self, cfg: &Config) {
        let mut fresh = State::new(cfg, self.now);
        let mut incidents = std::mem::take(&mut self.incidents);
        let sources: Vec<String> = fresh
            .incidents
            .alert_sources
            .iter()
            .map(|s| s.id.clone())
            .collect();
        incidents.by_source.retain(|id, _| sources.contains(id));
        incidents.alert_sources = std::mem::take(&mut fresh.incidents.alert_sources);
        incidents.rules = std::mem::take(&mut fresh.incidents.rules);
        incidents.detail = None;
        incidents.rebuild(self.now);
        fresh.incidents = incidents;
        // A source asked where it was keeps its record: how long it has been down stays true.
        for src in &mut fresh.sources {
            if let Some(old) = self
                .sources
                .iter()
                .find(|o| o.id == src.id && o.kind == src.kind && o.url == src.url)
            {
                src.clone_from(old);
            }
        }
        fresh.notify.policy = self.notify.policy.clone();
        fresh.notify.channels = self.notify.channels.take();
        fresh.notify.enabled = self.notify.enabled;
        fresh.theme_names = std::mem::take(&mut self.theme_names);
        fresh.theme = self.theme;
        fresh.size = self.size;
        fresh.ascii = self.ascii;
        fresh.low_bandwidth = self.low_bandwidth;
        fresh.data_dir = self.data_dir.clone();
        fresh.page = self.page.min(fresh.pages.len().saturating_sub(1));
        // A dashboard started read-only stays read-only.
        fresh.read_only |= self.read_only;
        if self.wall {
            fresh.set_wall();
        }
        fresh.message = Some("config reloaded".into());
        *self = fresh;
    }

    /// Turns wall-screen mode on: read-only, pages rotate.
    pub fn set_wall(&mut self) {
        self.wall = true;
        self.read_only = true;
        self.next_rotate = self.now
            + chrono::Duration::from_std(self.wall_rotate).unwrap_or(chrono::Duration::seconds(20));
    }

    /// When any panel or source last had fresh data.
    pub fn last_updated(&self) -> Option<DateTime<Utc>> {
        self.panels
            .iter()
            .filter_map(|p| p.updated_at)
            .chain(self.sources.iter().filter_map(|s| s.last_success))
            .max()
    }

    /// The zone times are shown and business hours counted in: `general.timezone`, the
    /// system's zone for `"local"`.
    pub fn zone(&self) -> crate::tz::Tz {
        self.timezone.unwrap_or_else(crate::tz::Tz::local)
    }

    /// The rotation's zone: its own `timezone`, else [`State::zone`].
    pub fn rotation_zone(&self) -> crate::tz::Tz {
        crate::rotation::zone(&self.rotation, self.zone())
    }

    /// Who is on call now and next (`None` without a rotation).
    pub fn on_call(&self) -> Option<crate::rotation::OnCall> {
        crate::rotation::who(&self.rotation, self.rotation_zone(), self.now)
    }

    /// The incidents panel's state: its worst open incident's; but while an alert source is not
    /// answering and nothing worse is known, an error: "no incidents" would not be true.
    pub fn incidents_status(&self) -> Status {
        match self.incidents.status() {
            Status::Ok if !self.silent_alert_sources().is_empty() => Status::Error,
            s => s,
        }
    }

    /// Alert sources that are not answering: while there are any, "no incidents" is not known.
    pub fn silent_alert_sources(&self) -> Vec<&str> {
        self.incidents
            .alert_sources
            .iter()
            .filter(|a| {
                self.source(&a.id).is_some_and(|s| {
                    matches!(s.status(), SourceStatus::Error | SourceStatus::Stale)
                })
            })
            .map(|a| a.id.as_str())
            .collect()
    }

    /// The kind of the focused panel.
    pub fn focused_kind(&self) -> Option<PanelKind> {
        self.focused_panel().map(|i| self.panels[i].cfg.kind)
    }

    /// Panel indexes of the page on screen.
    pub fn page_panels(&self) -> &[usize] {
        self.pages
            .get(self.page)
            .map_or(&[], |p| p.panels.as_slice())
    }

    /// The focused panel's index into `panels`.
    pub fn focused_panel(&self) -> Option<usize> {
        self.page_panels().get(self.focus).copied()
    }

    pub fn source(&self, id: &str) -> Option<&SourceState> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Rows of the current page's grid: positions (into the page's panel list) per row,
    /// filled left to right up to 24 columns, as Grafana's gridPos flows.
    pub fn grid_rows(&self) -> Vec<Vec<usize>> {
        let widths: Vec<u16> = self
            .page_panels()
            .iter()
            .map(|&i| self.panels[i].cfg.grid_width())
            .collect();
        grid_rows(&widths)
    }
}

/// Alert sources (every Alertmanager; Prometheus when there is none) and local rules.
fn incidents_for(cfg: &Config, now: DateTime<Utc>) -> Incidents {
    let has_am = cfg
        .sources
        .values()
        .any(|s| s.kind == SourceKind::Alertmanager);
    let wanted = if has_am {
        SourceKind::Alertmanager
    } else {
        SourceKind::Prometheus
    };
    let alert_sources = cfg
        .sources
        .iter()
        .filter(|(_, s)| s.kind == wanted)
        .map(|(id, _)| AlertSource {
            id: id.clone(),
            kind: wanted,
            next_due: now,
            in_flight: false,
            refresh: cfg.source_refresh(id).0,
        })
        .collect();
    let rules = cfg
        .rules
        .iter()
        .map(|r| RuleSlot {
            refresh: r.refresh.unwrap_or_else(|| cfg.source_refresh(&r.source)).0,
            cfg: r.clone(),
            state: crate::incidents::rules::RuleState::new(),
            next_due: now,
            in_flight: false,
            error: None,
        })
        .collect();
    Incidents {
        alert_sources,
        rules,
        ..Incidents::default()
    }
}

/// Splits panel widths (of 24 columns) into rows.
pub fn grid_rows(widths: &[u16]) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = 24u16;
    for (i, &w) in widths.iter().enumerate() {
        if used + w > 24 {
            rows.push(Vec::new());
            used = 0;
        }
        used += w;
        if let Some(row) = rows.last_mut() {
            row.push(i);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_flows_left_to_right() {
        assert_eq!(
            grid_rows(&[6, 6, 6, 6, 14, 10, 8, 8, 8]),
            vec![vec![0, 1, 2, 3], vec![4, 5], vec![6, 7, 8]]
        );
        assert_eq!(grid_rows(&[24, 13, 12]), vec![vec![0], vec![1], vec![2]]);
        assert!(grid_rows(&[]).is_empty());
    }

    #[test]
    fn a_reload_keeps_the_record_of_sources_asked_where_they_were() {
        let t = |secs: i64| DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(secs);
        let cfg = Config::demo("http://127.0.0.1:1", &[]);
        let id = cfg
            .sources
            .keys()
            .next()
            .expect("the demo has sources")
            .clone();
        let mut state = State::new(&cfg, t(100));
        state.source_failed(&id, "connection refused".into(), t(100));
        state.now = t(400);
        state.reconfigure(&cfg);
        let record = |state: &State| {
            let found = state.sources.iter().find(|s| s.id == id).cloned();
            found.expect("still configured")
        };
        let src = record(&state);
        assert_eq!(
            src.error_since,
            Some(t(100)),
            "down since before the reload"
        );
        assert_eq!(src.last_error.as_deref(), Some("connection refused"));
        // Pointed somewhere else, it starts afresh.
        let moved = Config::demo("http://127.0.0.1:2", &[]);
        state.reconfigure(&moved);
        let src = record(&state);
        assert_eq!(
            (src.error_since, src.status()),
            (None, SourceStatus::Pending)
        );
    }
}
