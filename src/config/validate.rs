//! Checks that need the whole config: references between tables, value ranges, URLs.

use super::error::{Located, key_at, line_col};
use super::{Config, ConfigError, Direction, SourceConfig, SourceKind, Thresholds};
use std::path::Path;

struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Ctx<'_> {
    fn err(&self, offset: usize, key: &str, message: String) -> ConfigError {
        let (line, column) = line_col(self.text, offset);
        let key = if key.is_empty() {
            key_at(self.text, offset)
        } else {
            key.to_string()
        };
        ConfigError::Invalid(Located {
            path: self.path.to_path_buf(),
            line,
            column,
            key,
            message,
        })
    }

    /// Offset of `key = ` inside the table whose header is `header` (the nth such header).
    fn find(&self, header: &str, nth: usize, key: &str) -> usize {
        let mut seen = 0;
        let mut offset = 0;
        let mut in_table = false;
        for line in self.text.split_inclusive('\n') {
            let t = line.trim();
            if t.starts_with('[') {
                in_table = t == header && {
                    seen += 1;
                    seen == nth + 1
                };
                if in_table && key.is_empty() {
                    return offset;
                }
            } else if in_table && t.starts_with(key) && t[key.len()..].trim_start().starts_with('=')
            {
                return offset + (line.len() - line.trim_start().len());
            }
            offset += line.len();
        }
        // Not written as a header table (inline or absent): point at the table header itself.
        if !key.is_empty() {
            return self.find(header, nth, "");
        }
        0
    }
}

pub fn validate(cfg: &Config, text: &str, path: &Path) -> Result<(), ConfigError> {
    let ctx = Ctx { text, path };
    if cfg.general.timezone != "local" && cfg.general.timezone.parse::<crate::tz::Tz>().is_err() {
        let at = ctx.find("[general]", 0, "timezone");
        return Err(ctx.err(
            at,
            "general.timezone",
            format!(
                "unknown time zone `{}`; use \"local\" or an IANA name such as \"Europe/Madrid\"",
                cfg.general.timezone
            ),
        ));
    }
    for (id, src) in &cfg.sources {
        validate_source(&ctx, id, src)?;
    }
    for (nth, rule) in cfg.rules.iter().enumerate() {
        validate_rule(&ctx, cfg, rule, nth)?;
    }
    if let Err(m) = crate::rotation::validate(&cfg.oncall) {
        let key = m.split(':').next().unwrap_or("").trim().to_string();
        let at = ctx.find("[oncall]", 0, key.split(['.', '[']).next().unwrap_or(""));
        return Err(ctx.err(at, &format!("oncall.{key}"), m));
    }
    if let Some(slo) = &cfg.slo {
        if let Err((key, m)) = crate::slo::check(slo) {
            let at = ctx.find("[slo]", 0, key);
            return Err(ctx.err(at, &format!("slo.{key}"), m));
        }
        if let Some(src) = &slo.source {
            if cfg.sources.get(src).map(|s| s.kind) != Some(SourceKind::Prometheus) {
                let at = ctx.find("[slo]", 0, "source");
                return Err(ctx.err(
                    at,
                    "slo.source",
                    format!("`{src}` is not a configured prometheus source"),
                ));
            }
        }
    }
    for (nth, rb) in cfg.runbooks.iter().enumerate() {
        if let Err(m) = crate::runbook::validate(rb) {
            let at = ctx.find("[[runbooks]]", nth, "");
            return Err(ctx.err(at, &format!("runbooks[{nth}]"), m));
        }
    }
    let mut panel_no = 0;
    for page in &cfg.pages {
        for panel in &page.panels {
            validate_panel(&ctx, cfg, panel, panel_no)?;
            panel_no += 1;
        }
    }
    Ok(())
}

fn validate_source(ctx: &Ctx<'_>, id: &str, src: &SourceConfig) -> Result<(), ConfigError> {
    let header = format!("[sources.{id}]");
    let here = |key: &str| ctx.find(&header, 0, key);
    let key = |k: &str| format!("sources.{id}.{k}");
    match reqwest::Url::parse(&src.url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
        Ok(u) => {
            return Err(ctx.err(
                here("url"),
                &key("url"),
                format!(
                    "`{}` is not http or https (scheme `{}`)",
                    src.url,
                    u.scheme()
                ),
            ));
        }
        Err(e) => {
            return Err(ctx.err(
                here("url"),
                &key("url"),
                format!(
                    "`{}` is not a URL ({e}); write it like \"http://127.0.0.1:9090\"",
                    src.url
                ),
            ));
        }
    }
    if src.bearer_token_env.is_some() && src.bearer_token_file.is_some() {
        return Err(ctx.err(
            here("bearer_token_file"),
            &key("bearer_token_file"),
            "set bearer_token_env or bearer_token_file, not both".into(),
        ));
    }
    if src.basic_user.is_some() != src.basic_password_env.is_some() {
        return Err(ctx.err(
            here("basic_user"),
            &key("basic_user"),
            "basic auth needs both basic_user and basic_password_env".into(),
        ));
    }
    if src.kind == SourceKind::Sentry && src.org.is_none() {
        return Err(ctx.err(
            here(""),
            &key("org"),
            "a sentry source needs `org` (the organization slug)".into(),
        ));
    }
    Ok(())
}

fn validate_panel(
    ctx: &Ctx<'_>,
    cfg: &Config,
    panel: &super::PanelConfig,
    nth: usize,
) -> Result<(), ConfigError> {
    const HEADER: &str = "[[pages.panels]]";
    let here = |key: &str| ctx.find(HEADER, nth, key);
    let key = |k: &str| format!("pages.panels.{k} (panel \"{}\")", panel.title);
    if matches!(
        panel.kind,
        super::PanelKind::Logs | super::PanelKind::Errors
    ) {
        return validate_feed_panel(ctx, cfg, panel, nth);
    }
    if panel.kind == super::PanelKind::Slo && cfg.slo.is_none() {
        return Err(ctx.err(
            here(""),
            &key("kind"),
            "an slo panel shows the [slo] table: add [slo] availability_query = '...'".into(),
        ));
    }
    if panel.kind == super::PanelKind::Slo {
        return Ok(());
    }
    if !panel.kind.has_query() {
        return Ok(());
    }
    match &panel.source {
        Some(s) => match cfg.sources.get(s) {
            None => {
                let known: Vec<&str> = cfg.sources.keys().map(String::as_str).collect();
                return Err(ctx.err(
                    here("source"),
                    &key("source"),
                    format!(
                        "no source `{s}` is configured; known sources: {}",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
            Some(src) if src.kind != SourceKind::Prometheus => {
                return Err(ctx.err(
                    here("source"),
                    &key("source"),
                    format!(
                        "a {} panel reads a prometheus source, and `{s}` is {}",
                        panel.kind.name(),
                        src.kind.name()
                    ),
                ));
            }
            Some(_) => {}
        },
        None => {
            let proms = cfg
                .sources
                .values()
                .filter(|s| s.kind == SourceKind::Prometheus)
                .count();
            if proms != 1 {
                return Err(ctx.err(
                    here(""),
                    &key("source"),
                    "this panel needs `source = \"<id>\"` (it can be left out only when exactly one prometheus source is configured)".into(),
                ));
            }
        }
    }
    if panel.query.is_none() && panel.queries.is_empty() {
        return Err(ctx.err(
            here(""),
            &key("query"),
            "this panel needs `query = '...'` (or `queries = [{ query = '...', legend = \"p95\" }]`)".into(),
        ));
    }
    if let Some(w) = panel.width {
        if !(1..=24).contains(&w) {
            return Err(ctx.err(
                here("width"),
                &key("width"),
                format!("width {w} is outside 1..=24 (grid columns, as Grafana's gridPos)"),
            ));
        }
    }
    for t in panel
        .thresholds
        .iter()
        .chain(panel.queries.iter().filter_map(|q| q.thresholds.as_ref()))
    {
        check_thresholds(t).map_err(|m| ctx.err(here("thresholds"), &key("thresholds"), m))?;
    }
    Ok(())
}

/// Logs and errors panels: a source of the right kind (the only one of that kind may be implied).
fn validate_feed_panel(
    ctx: &Ctx<'_>,
    cfg: &Config,
    panel: &super::PanelConfig,
    nth: usize,
) -> Result<(), ConfigError> {
    let here = |key: &str| ctx.find("[[pages.panels]]", nth, key);
    let key = |k: &str| format!("pages.panels.{k} (panel \"{}\")", panel.title);
    let Some(want) = panel.kind.source_kind() else {
        return Ok(());
    };
    let ok = match &panel.source {
        Some(s) => cfg.sources.get(s).is_some_and(|src| src.kind == want),
        None => cfg.sources.values().filter(|s| s.kind == want).count() == 1,
    };
    if !ok {
        return Err(ctx.err(
            here("source"),
            &key("source"),
            format!(
                "a {} panel reads a {} source: set `source` to the id of one",
                panel.kind.name(),
                want.name()
            ),
        ));
    }
    if panel.kind == super::PanelKind::Logs && panel.query.is_none() {
        return Err(ctx.err(
            here(""),
            &key("query"),
            "a logs panel needs a LogQL `query`, e.g. '{app=\"checkout\"}'".into(),
        ));
    }
    if let Some(sort) = &panel.sort {
        if !matches!(sort.as_str(), "date" | "freq" | "new" | "user") {
            return Err(ctx.err(
                here("sort"),
                &key("sort"),
                format!("sort `{sort}` is not one of date, freq, new, user"),
            ));
        }
    }
    Ok(())
}

fn validate_rule(
    ctx: &Ctx<'_>,
    cfg: &Config,
    rule: &super::RuleConfig,
    nth: usize,
) -> Result<(), ConfigError> {
    let here = |key: &str| ctx.find("[[rules]]", nth, key);
    let key = |k: &str| format!("rules.{k} (rule \"{}\")", rule.name);
    match cfg.sources.get(&rule.source) {
        Some(s) if s.kind == SourceKind::Prometheus => {}
        Some(s) => {
            return Err(ctx.err(
                here("source"),
                &key("source"),
                format!(
                    "rules query a prometheus source, and `{}` is {}",
                    rule.source,
                    s.kind.name()
                ),
            ));
        }
        None => {
            return Err(ctx.err(
                here("source"),
                &key("source"),
                format!("no source `{}` is configured", rule.source),
            ));
        }
    }
    if rule.above.is_none() && rule.below.is_none() {
        return Err(ctx.err(
            here(""),
            &key("above"),
            "a rule needs `above = <value>` or `below = <value>`".into(),
        ));
    }
    if cfg.rules.iter().filter(|r| r.name == rule.name).count() > 1 {
        return Err(ctx.err(
            here("name"),
            &key("name"),
            format!(
                "two rules are named `{}`; names identify incidents",
                rule.name
            ),
        ));
    }
    Ok(())
}

fn check_thresholds(t: &Thresholds) -> Result<(), String> {
    if let (Some(w), Some(c)) = (t.warn, t.crit) {
        match t.direction {
            Direction::Above if w > c => {
                return Err(format!(
                    "warn ({w}) is above crit ({c}); with higher-is-worse warn must be <= crit (add direction = \"below\" for lower-is-worse)"
                ));
            }
            Direction::Below if w < c => {
                return Err(format!(
                    "warn ({w}) is below crit ({c}); with direction = \"below\" warn must be >= crit"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
