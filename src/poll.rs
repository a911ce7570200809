//! Performs the fetches `update` asks for: each one a tokio task that only sends an Action back.

use crate::action::{Action, AlertBatch, FetchSpec};
use crate::config::{Config, SourceKind};
use crate::sources::SourceError;
use crate::sources::alertmanager::{Alertmanager, NewSilence};
use crate::sources::prometheus::{Prometheus, Series};
use crate::state::LoadError;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// One shared HTTP client per source (connection reuse, one TLS session).
#[derive(Clone, Default)]
pub struct Clients {
    prometheus: HashMap<String, Prometheus>,
    alertmanager: HashMap<String, Alertmanager>,
    /// Sources whose client could not be built (missing secret, bad CA file…).
    broken: HashMap<String, String>,
}

impl Clients {
    pub fn new(cfg: &Config) -> Clients {
        let mut c = Clients::default();
        for (id, src) in &cfg.sources {
            let built = match src.kind {
                SourceKind::Prometheus => Prometheus::new(src).map(|p| {
                    c.prometheus.insert(id.clone(), p);
                }),
                SourceKind::Alertmanager => Alertmanager::new(src).map(|a| {
                    c.alertmanager.insert(id.clone(), a);
                }),
                _ => Ok(()),
            };
            if let Err(e) = built {
                c.broken.insert(id.clone(), e.to_string());
            }
        }
        c
    }

    fn alertmanager(&self, id: &str) -> Result<&Alertmanager, LoadError> {
        self.alertmanager.get(id).ok_or_else(|| LoadError {
            message: self
                .broken
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("no alertmanager source `{id}`")),
            source_down: true,
        })
    }

    /// Fetches a source's alerts (and, from Alertmanager, its silences).
    pub fn spawn_alerts(&self, source: String, kind: SourceKind, tx: UnboundedSender<Action>) {
        let am = self.alertmanager(&source).cloned();
        let prom = self.prometheus(&source).cloned();
        tokio::spawn(async move {
            let result = match kind {
                SourceKind::Alertmanager => match am {
                    Ok(am) => {
                        let (alerts, silences) = tokio::join!(am.alerts(), am.silences());
                        match (alerts, silences) {
                            (Ok(alerts), Ok(silences)) => {
                                Ok(AlertBatch::Alertmanager { alerts, silences })
                            }
                            (Err(e), _) | (_, Err(e)) => Err(load_error(&e)),
                        }
                    }
                    Err(e) => Err(e),
                },
                _ => match prom {
                    Ok(p) => p
                        .alerts()
                        .await
                        .map(AlertBatch::Prometheus)
                        .map_err(|e| load_error(&e)),
                    Err(e) => Err(e),
                },
            };
            let _ = tx.send(Action::AlertsLoaded { source, result });
        });
    }

    /// Evaluates a rule's query: the first series' value, NaN for an empty result.
    pub fn spawn_rule(
        &self,
        rule: usize,
        source: &str,
        query: String,
        at: f64,
        tx: UnboundedSender<Action>,
    ) {
        let prom = self.prometheus(source).cloned();
        tokio::spawn(async move {
            let result = match prom {
                Ok(p) => p
                    .query(&query, at)
                    .await
                    .map(|r| {
                        r.series
                            .first()
                            .and_then(|s| s.points.last())
                            .map_or(f64::NAN, |p| p.1)
                    })
                    .map_err(|e| load_error(&e)),
                Err(e) => Err(e),
            };
            let _ = tx.send(Action::RuleLoaded { rule, result });
        });
    }

    /// Creates (or, with an id, extends) a silence.
    pub fn spawn_create_silence(
        &self,
        source: &str,
        incident: String,
        silence: NewSilence,
        tx: UnboundedSender<Action>,
    ) {
        let am = self.alertmanager(source).cloned();
        tokio::spawn(async move {
            let result = match am {
                Ok(am) => am.create_silence(&silence).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.message),
            };
            let _ = tx.send(Action::SilenceCreated { incident, result });
        });
    }

    pub fn spawn_expire_silence(
        &self,
        source: &str,
        incident: String,
        silence_id: String,
        tx: UnboundedSender<Action>,
    ) {
        let am = self.alertmanager(source).cloned();
        tokio::spawn(async move {
            let result = match am {
                Ok(am) => am
                    .expire_silence(&silence_id)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.message),
            };
            let _ = tx.send(Action::SilenceExpired { incident, result });
        });
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
