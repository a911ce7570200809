//! Configuration: the TOML schema, defaults, validation and where the file lives.
//!
//! Every table rejects unknown keys (with a "did you mean" suggestion). Errors name the file, the
//! line and the key. Secrets are never read here: only the names of the environment variables or
//! files that hold them.

mod board;
mod error;
mod incidents;
mod validate;

pub use board::default_pages;
pub use error::{ConfigError, line_col};
pub use incidents::{RuleConfig, SeverityConfig, Target, default_targets};

use crate::duration::Dur;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The example config shipped with the program (`oncall init` writes it).
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub general: General,
    #[serde(default)]
    pub sources: BTreeMap<String, SourceConfig>,
    #[serde(default)]
    pub pages: Vec<PageConfig>,
    #[serde(default)]
    pub severity: SeverityConfig,
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    #[serde(default)]
    pub runbooks: Vec<crate::runbook::RunbookConfig>,
    #[serde(default)]
    pub notify: crate::notify::NotifyConfig,
    #[serde(default)]
    pub oncall: crate::rotation::RotationConfig,
    pub slo: Option<crate::slo::SloConfig>,
    #[serde(default)]
    pub wall: WallConfig,
    /// Where the config was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct General {
    pub refresh: Dur,
    pub theme: String,
    pub user: Option<String>,
    pub read_only: bool,
    pub timezone: String,
    /// Click to focus and select, wheel to scroll (off: nothing needs the mouse).
    pub mouse: bool,
}

impl Default for General {
    fn default() -> Self {
        General {
            refresh: Dur::secs(10),
            theme: "dark".into(),
            user: None,
            read_only: false,
            timezone: "local".into(),
            mouse: false,
        }
    }
}

/// `[wall]`: the wall-screen mode (`--wall`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WallConfig {
    /// Pages rotate this often.
    pub rotate: Dur,
}

impl Default for WallConfig {
    fn default() -> Self {
        WallConfig {
            rotate: Dur::secs(20),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Prometheus,
    Alertmanager,
    Loki,
    Sentry,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Prometheus => "prometheus",
            SourceKind::Alertmanager => "alertmanager",
            SourceKind::Loki => "loki",
            SourceKind::Sentry => "sentry",
        }
    }
}

fn default_timeout() -> Dur {
    Dur::secs(5)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub kind: SourceKind,
    pub url: String,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
    pub refresh: Option<Dur>,
    pub bearer_token_env: Option<String>,
    pub bearer_token_file: Option<PathBuf>,
    pub basic_user: Option<String>,
    pub basic_password_env: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub tls_insecure: bool,
    /// Ask for gzip-compressed answers; default: yes, except from a loopback address.
    pub compress: Option<bool>,
    /// Loki: `X-Scope-OrgID`.
    pub tenant: Option<String>,
    /// Sentry organization slug.
    pub org: Option<String>,
    #[serde(default)]
    pub projects: Vec<String>,
    /// Sentry: the environment variable holding the auth token.
    pub token_env: Option<String>,
    pub query: Option<String>,
}

impl SourceConfig {
    pub fn new(kind: SourceKind, url: &str) -> Self {
        SourceConfig {
            kind,
            url: url.into(),
            timeout: default_timeout(),
            refresh: None,
            bearer_token_env: None,
            bearer_token_file: None,
            basic_user: None,
            basic_password_env: None,
            headers: BTreeMap::new(),
            ca_file: None,
            tls_insecure: false,
            compress: None,
            tenant: None,
            org: None,
            projects: Vec::new(),
            token_env: None,
            query: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageConfig {
    pub title: String,
    #[serde(default)]
    pub panels: Vec<PanelConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    Stat,
    Timeseries,
    Health,
    Gauge,
    /// Open incidents from every alert source and rule (no query).
    Incidents,
    /// Who is on call now and next, from `[oncall]` (no query).
    Oncall,
    /// The error budget of `[slo]` (its queries come from there).
    Slo,
    /// Log lines from a Loki source (a LogQL log query).
    Logs,
    /// Issues from a Sentry source.
    Errors,
}

impl PanelKind {
    pub fn name(self) -> &'static str {
        match self {
            PanelKind::Stat => "stat",
            PanelKind::Timeseries => "timeseries",
            PanelKind::Health => "health",
            PanelKind::Gauge => "gauge",
            PanelKind::Incidents => "incidents",
            PanelKind::Oncall => "oncall",
            PanelKind::Slo => "slo",
            PanelKind::Logs => "logs",
            PanelKind::Errors => "errors",
        }
    }
    /// Panels that need history ask `query_range`; the others an instant query.
    pub fn wants_range(self) -> bool {
        matches!(self, PanelKind::Stat | PanelKind::Timeseries)
    }
    fn default_height(self) -> u16 {
        match self {
            PanelKind::Timeseries => 10,
            PanelKind::Incidents | PanelKind::Logs | PanelKind::Errors => 8,
            PanelKind::Oncall | PanelKind::Slo => 6,
            _ => 5,
        }
    }
    /// Whether the panel runs its own Prometheus queries.
    pub fn has_query(self) -> bool {
        !matches!(
            self,
            PanelKind::Incidents | PanelKind::Logs | PanelKind::Errors | PanelKind::Oncall
        )
    }
    /// The source kind a panel of this kind reads, if any.
    pub fn source_kind(self) -> Option<SourceKind> {
        match self {
            PanelKind::Incidents | PanelKind::Oncall => None,
            PanelKind::Logs => Some(SourceKind::Loki),
            PanelKind::Errors => Some(SourceKind::Sentry),
            _ => Some(SourceKind::Prometheus),
        }
    }
}

/// Grafana unit ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum Unit {
    #[default]
    #[serde(rename = "short")]
    Short,
    #[serde(rename = "none")]
    None,
    #[serde(rename = "percent")]
    Percent,
    #[serde(rename = "percentunit")]
    PercentUnit,
    #[serde(rename = "s")]
    Seconds,
    #[serde(rename = "ms")]
    Millis,
    #[serde(rename = "reqps")]
    ReqPerSec,
    #[serde(rename = "ops")]
    OpsPerSec,
    #[serde(rename = "bytes")]
    Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher is worse (latency, error rate).
    #[default]
    Above,
    /// Lower is worse (availability, free space).
    Below,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    #[serde(default)]
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryConfig {
    pub query: String,
    pub legend: Option<String>,
    pub thresholds: Option<Thresholds>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelConfig {
    pub id: Option<String>,
    pub title: String,
    pub kind: PanelKind,
    pub source: Option<String>,
    pub query: Option<String>,
    #[serde(default)]
    pub queries: Vec<QueryConfig>,
    /// Series name template, e.g. `"{{job}} {{instance}}"`.
    pub legend: Option<String>,
    #[serde(default)]
    pub unit: Unit,
    pub thresholds: Option<Thresholds>,
    pub width: Option<u16>,
    pub height: Option<u16>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub decimals: Option<u8>,
    /// History shown by charts and sparklines.
    pub range: Option<Dur>,
    pub refresh: Option<Dur>,
    /// Logs: lines kept in memory (default 10 000).
    pub buffer: Option<usize>,
    /// Logs: follow `/loki/api/v1/tail` over a websocket instead of polling.
    #[serde(default)]
    pub live: bool,
    /// Logs: lines asked per poll (default 500).
    pub limit: Option<u32>,
    /// Errors: `date` (last seen, default), `freq`, `new` or `user`.
    pub sort: Option<String>,
    /// Errors: pages of 100 issues followed per project (default 3).
    pub max_pages: Option<usize>,
    /// SLO panels: the `[slo]` table (not a panel key).
    #[serde(skip)]
    pub slo: Option<Box<crate::slo::SloConfig>>,
}

impl PanelConfig {
    pub fn new(title: &str, kind: PanelKind) -> Self {
        PanelConfig {
            id: None,
            title: title.into(),
            kind,
            source: None,
            query: None,
            queries: Vec::new(),
            legend: None,
            unit: Unit::Short,
            thresholds: None,
            width: None,
            height: None,
            min: None,
            max: None,
            decimals: None,
            range: None,
            refresh: None,
            buffer: None,
            live: false,
            limit: None,
            sort: None,
            max_pages: None,
            slo: None,
        }
    }

    /// The panel id: the `id` key when set, else a slug of the title.
    pub fn panel_id(&self) -> String {
        self.id.clone().unwrap_or_else(|| slug(&self.title))
    }
    pub fn grid_width(&self) -> u16 {
        self.width.unwrap_or(8).clamp(1, 24)
    }
    pub fn grid_height(&self) -> u16 {
        self.height.unwrap_or(self.kind.default_height()).max(3)
    }
    pub fn history(&self) -> Dur {
        self.range.unwrap_or(match self.kind {
            PanelKind::Timeseries => Dur::secs(3600),
            _ => Dur::secs(1800),
        })
    }
    /// `query` and `queries` together, in order, each with its thresholds. An SLO panel's
    /// come from `[slo]` (set by the caller in `slo`).
    pub fn all_queries(&self) -> Vec<QueryConfig> {
        if let Some(slo) = &self.slo {
            return crate::slo::query_configs(slo);
        }
        let mut out = Vec::with_capacity(self.queries.len() + 1);
        if let Some(q) = &self.query {
            out.push(QueryConfig {
                query: q.clone(),
                legend: self.legend.clone(),
                thresholds: self.thresholds,
            });
        }
        for q in &self.queries {
            out.push(QueryConfig {
                thresholds: q.thresholds.or(self.thresholds),
                ..q.clone()
            });
        }
        out
    }
}

/// Lower-case words joined by `-`: "Error rate (5m)" → "error-rate-5m".
pub fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Config::parse(&text, path)
    }

    /// Parses and validates config text; `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| error::from_toml(&e, text, path))?;
        cfg.path = Some(path.to_path_buf());
        validate::validate(&cfg, text, path)?;
        Ok(cfg)
    }

    /// The config of `oncall --demo`: the embedded stack's sources and the built-in board.
    /// `others` adds the stack's other APIs (source id from the kind: am, logs, sentry).
    pub fn demo(prometheus_url: &str, others: &[(SourceKind, &str)]) -> Config {
        let mut cfg = Config::default();
        cfg.general.refresh = Dur::secs(5);
        cfg.general.user = Some("demo".into());
        cfg.oncall.members = vec!["alice".into(), "demo".into(), "carol".into()];
        cfg.slo = Some(crate::slo::SloConfig::new(
            r#"avg_over_time(up{job="checkout"}[30d])"#,
        ));
        cfg.sources.insert(
            "prom".into(),
            SourceConfig::new(SourceKind::Prometheus, prometheus_url),
        );
        for (kind, url) in others {
            let mut src = SourceConfig::new(*kind, url);
            let id = match kind {
                SourceKind::Prometheus => "prom2",
                SourceKind::Alertmanager => "am",
                SourceKind::Loki => {
                    src.query = Some(r#"{app="checkout"}"#.into());
                    src.refresh = Some(Dur::secs(2));
                    "logs"
                }
                SourceKind::Sentry => {
                    src.org = Some("acme".into());
                    src.projects = vec!["checkout".into()];
                    src.refresh = Some(Dur::secs(15));
                    "sentry"
                }
            };
            cfg.sources.insert(id.into(), src);
        }
        cfg
    }

    /// The pages to show: `[[pages]]`, or the built-in board when there are none.
    pub fn effective_pages(&self) -> Vec<PageConfig> {
        let mut pages = self.board();
        for p in pages.iter_mut().flat_map(|pg| pg.panels.iter_mut()) {
            if p.kind == PanelKind::Slo {
                p.slo = self.slo.clone().map(Box::new);
            }
        }
        pages
    }

    fn board(&self) -> Vec<PageConfig> {
        if !self.pages.is_empty() {
            return self.pages.clone();
        }
        let first = |kind: SourceKind| {
            self.sources
                .iter()
                .find(|(_, s)| s.kind == kind)
                .map(|(id, s)| (id.as_str(), s))
        };
        let mut pages = default_pages(
            first(SourceKind::Prometheus).map(|(id, _)| id),
            first(SourceKind::Loki),
            first(SourceKind::Sentry).map(|(id, _)| id),
        );
        // With an SLO, its error budget joins the last row.
        if let Some(slo) = &self.slo {
            if let Some(page) = pages.first_mut() {
                let mut p = PanelConfig::new(slo.title(), PanelKind::Slo);
                p.source = slo
                    .source
                    .clone()
                    .or_else(|| first(SourceKind::Prometheus).map(|(id, _)| id.to_string()));
                p.width = Some(6);
                p.height = Some(6);
                for x in page.panels.iter_mut().rev().take(3) {
                    x.width = Some(6);
                }
                page.panels.push(p);
            }
        }
        // With a rotation, "On call" sits beside the incidents.
        if !self.oncall.members.is_empty() {
            if let Some(page) = pages.first_mut() {
                if let Some(pos) = page
                    .panels
                    .iter()
                    .position(|p| p.kind == PanelKind::Incidents)
                {
                    page.panels[pos].width = Some(18);
                    let mut who = PanelConfig::new("On call", PanelKind::Oncall);
                    who.width = Some(6);
                    who.height = page.panels[pos].height;
                    page.panels.insert(pos + 1, who);
                }
            }
        }
        pages
    }

    /// The user name recorded on acknowledgements.
    pub fn user(&self) -> String {
        self.general
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "oncall".into())
    }

    /// Files that hold or lead to secrets (the config, token files) and that other users can
    /// read or write, each with the command that fixes it.
    pub fn permission_warnings(&self) -> Vec<String> {
        let mut files: Vec<&Path> = self.path.iter().map(PathBuf::as_path).collect();
        files.extend(
            self.sources
                .values()
                .filter_map(|s| s.bearer_token_file.as_deref()),
        );
        files
            .into_iter()
            .filter(|p| open_to_others(p))
            .map(|p| {
                format!(
                    "{} can be read by other users; fix it with: chmod 600 {}",
                    p.display(),
                    p.display()
                )
            })
            .collect()
    }

    /// Where relative paths in the config (runbook files) are resolved: the config's folder.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The refresh interval of one source.
    pub fn source_refresh(&self, source: &str) -> Dur {
        self.sources
            .get(source)
            .and_then(|s| s.refresh)
            .unwrap_or(self.general.refresh)
    }
}

#[cfg(unix)]
fn open_to_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn open_to_others(_path: &Path) -> bool {
    false
}

/// `$ONCALL_CONFIG`, else `~/.config/oncall/config.toml` (the platform's config dir).
pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ONCALL_CONFIG") {
        return PathBuf::from(p);
    }
    config_dir().join("config.toml")
}

/// The user's config dir for oncall.
pub fn config_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "oncall")
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".oncall"))
}

/// Where logs and the journal go.
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("ONCALL_DATA_DIR") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "oncall")
        .map(|d| d.data_local_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".oncall"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Error rate"), "error-rate");
        assert_eq!(slug("  p95 / p99 (5m) "), "p95-p99-5m");
        assert_eq!(slug("Ünïcode Panel"), "ünïcode-panel");
    }

    #[test]
    fn example_config_parses_and_validates() {
        let cfg = Config::parse(EXAMPLE, Path::new("config.example.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!cfg.sources.is_empty());
        assert!(!cfg.effective_pages().is_empty());
    }
}
