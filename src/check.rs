//! `oncall check`: the config is valid and every source answers.

use crate::config::{Config, SourceConfig, SourceKind};
use crate::sources::prometheus::Prometheus;
use crate::sources::{Http, SourceError};
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

async fn probe(src: &SourceConfig) -> Result<(), SourceError> {
    if src.kind == SourceKind::Prometheus {
        return Prometheus::new(src)?.probe().await.map(|_| ());
    }
    let path = match src.kind {
        SourceKind::Alertmanager => "/api/v2/status",
        SourceKind::Loki => "/ready",
        SourceKind::Sentry => "/api/0/",
        SourceKind::Prometheus => "/-/ready",
    };
    let http = Http::new(src)?;
    let (status, _, body) = http.send(http.client.get(http.url(path))).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(SourceError::Http {
            status,
            message: crate::sources::short_body(&body),
        })
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
