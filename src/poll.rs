//! Performs the fetches `update` asks for: each one a tokio task that only sends an Action back.

use crate::action::{Action, FetchSpec};
use crate::config::{Config, SourceKind};
use crate::sources::SourceError;
use crate::sources::prometheus::{Prometheus, Series};
use crate::state::LoadError;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// One shared HTTP client per source (connection reuse, one TLS session).
#[derive(Clone, Default)]
pub struct Clients {
    prometheus: HashMap<String, Prometheus>,
    /// Sources whose client could not be built (missing secret, bad CA file…).
    broken: HashMap<String, String>,
}

impl Clients {
    pub fn new(cfg: &Config) -> Clients {
        let mut c = Clients::default();
        for (id, src) in &cfg.sources {
            if src.kind != SourceKind::Prometheus {
                continue;
            }
            match Prometheus::new(src) {
                Ok(p) => {
                    c.prometheus.insert(id.clone(), p);
                }
                Err(e) => {
                    c.broken.insert(id.clone(), e.to_string());
                }
            }
        }
        c
    }

    pub fn prometheus(&self, id: &str) -> Result<&Prometheus, LoadError> {
        self.prometheus.get(id).ok_or_else(|| LoadError {
            message: self
                .broken
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("no prometheus source `{id}`")),
            source_down: true,
        })
    }

    /// Starts one panel's fetch; the answer arrives as [`Action::PanelLoaded`].
    pub fn spawn_fetch(&self, spec: FetchSpec, tx: UnboundedSender<Action>) {
        let client = self.prometheus(&spec.source).cloned();
        tokio::spawn(async move {
            let result = match client {
                Ok(prom) => fetch(&prom, &spec).await,
                Err(e) => Err(e),
            };
            // The receiver is gone only when the app is shutting down.
            let _ = tx.send(Action::PanelLoaded {
                panel: spec.panel,
                result,
            });
        });
    }
}

/// Runs a panel's queries concurrently; the first failure fails the panel.
pub async fn fetch(prom: &Prometheus, spec: &FetchSpec) -> Result<Vec<Vec<Series>>, LoadError> {
    let calls = spec.queries.iter().map(|q| async move {
        match spec.range {
            Some((start, step)) => prom.query_range(q, start, spec.at, step).await,
            None => prom.query(q, spec.at).await,
        }
    });
    let results = futures::future::join_all(calls).await;
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(qr) => out.push(qr.series),
            Err(e) => return Err(load_error(&e)),
        }
    }
    Ok(out)
}

/// Whether an error is the source's (unreachable, overloaded) or the panel's (its query).
pub fn load_error(e: &SourceError) -> LoadError {
    let source_down = match e {
        SourceError::Api { error_type, .. } => {
            matches!(
                error_type.as_str(),
                "timeout" | "canceled" | "unavailable" | "internal"
            )
        }
        SourceError::Http { status, .. } => *status >= 500 || *status == 401 || *status == 403,
        _ => true,
    };
    LoadError {
        message: e.to_string(),
        source_down,
    }
}
