//! `oncall check`: the config is valid and every source answers.

use crate::config::{Config, SourceConfig, SourceKind};
use crate::sources::SourceError;
use crate::sources::alertmanager::Alertmanager;
use crate::sources::loki::Loki;
use crate::sources::prometheus::Prometheus;
use crate::sources::sentry::Sentry;
use std::time::Instant;

/// One source's probe outcome.
pub struct Probe {
    pub id: String,
    pub kind: SourceKind,
    pub url: String,
    pub result: Result<std::time::Duration, SourceError>,
}

/// Probes every source concurrently.
pub async fn probe_all(cfg: &Config) -> Vec<Probe> {
    let probes = cfg.sources.iter().map(|(id, src)| async move {
        let started = Instant::now();
        let result = probe(src).await.map(|()| started.elapsed());
        Probe {
            id: id.clone(),
            kind: src.kind,
            url: src.url.clone(),
            result,
        }
    });
    futures::future::join_all(probes).await
}

/// Each source kind's own cheapest real request: Prometheus and Alertmanager build info, Loki
/// readiness, one Sentry issue (which also proves the token, organization and project).
async fn probe(src: &SourceConfig) -> Result<(), SourceError> {
    match src.kind {
        SourceKind::Prometheus => Prometheus::new(src)?.probe().await.map(|_| ()),
        SourceKind::Alertmanager => Alertmanager::new(src)?.probe().await.map(|_| ()),
        SourceKind::Loki => Loki::new(src)?.probe().await,
        SourceKind::Sentry => Sentry::new(src)?.probe().await,
    }
}

/// The report `oncall check` prints, and whether everything passed.
pub fn report(path: &std::path::Path, probes: &[Probe]) -> (String, bool) {
    let mut out = format!("config {}: valid\n", path.display());
    let mut ok = true;
    if probes.is_empty() {
        out.push_str("no sources configured\n");
    }
    for p in probes {
        match &p.result {
            Ok(d) => out.push_str(&format!(
                "ok    {} ({} {}) answered in {} ms\n",
                p.id,
                p.kind.name(),
                p.url,
                d.as_millis()
            )),
            Err(e) => {
                ok = false;
                out.push_str(&format!(
                    "FAIL  {} ({} {}): {e}\n",
                    p.id,
                    p.kind.name(),
                    p.url
                ));
            }
        }
    }
    (out, ok)
}
