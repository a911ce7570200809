//! Performs the fetches `update` asks for: each one a tokio task that only sends an Action back.

use crate::action::{Action, AlertBatch, Effect, FetchSpec};
use crate::config::{Config, SourceKind};
use crate::sources::SourceError;
use crate::sources::alertmanager::{Alertmanager, NewSilence};
use crate::sources::loki::Loki;
use crate::sources::prometheus::{Prometheus, Series, end_with};
use crate::sources::sentry::{Sentry, Sort};
use crate::state::LoadError;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// One shared HTTP client per source (connection reuse, one TLS session).
#[derive(Clone, Default)]
pub struct Clients {
    prometheus: HashMap<String, Prometheus>,
    alertmanager: HashMap<String, Alertmanager>,
    loki: HashMap<String, Loki>,
    sentry: HashMap<String, Sentry>,
    /// Source settings, for clients made per use (the tail websocket).
    configs: HashMap<String, crate::config::SourceConfig>,
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
                SourceKind::Loki => Loki::new(src).map(|l| {
                    c.loki.insert(id.clone(), l);
                }),
                SourceKind::Sentry => Sentry::new(src).map(|s| {
                    c.sentry.insert(id.clone(), s);
                }),
            };
            c.configs.insert(id.clone(), src.clone());
            if let Err(e) = built {
                c.broken.insert(id.clone(), e.to_string());
            }
        }
        c
    }

    fn missing(&self, id: &str, kind: &str) -> LoadError {
        LoadError {
            message: self
                .broken
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("no {kind} source `{id}`")),
            source_down: true,
        }
    }

    fn alertmanager(&self, id: &str) -> Result<&Alertmanager, LoadError> {
        self.alertmanager
            .get(id)
            .ok_or_else(|| self.missing(id, "alertmanager"))
    }

    /// One poll of a logs panel: `limit` lines from `start_ns` (inclusive); the first poll
    /// (no line seen yet) asks for the newest lines.
    pub fn spawn_logs(&self, panel: usize, spec: LogsSpec, tx: UnboundedSender<Action>) {
        let loki = self
            .loki
            .get(&spec.source)
            .cloned()
            .ok_or_else(|| self.missing(&spec.source, "loki"));
        answer(
            loki,
            tx,
            move |l| async move {
                let forward = !spec.first;
                let (start, end) = (spec.start_ns, spec.end_ns);
                l.query_range(&spec.query, start, end, spec.limit, forward)
                    .await
                    .map_err(|e| load_error(&e))
            },
            move |result| Action::LogsLoaded { panel, result },
        );
    }

    /// Live mode: the tail task runs until the app ends, forwarding its events as actions.
    pub fn spawn_tail(
        &self,
        panel: usize,
        source: &str,
        query: String,
        start_ns: i128,
        tx: UnboundedSender<Action>,
    ) {
        let Some(cfg) = self.configs.get(source) else {
            let _ = tx.send(Action::LogsLoaded {
                panel,
                result: Err(self.missing(source, "loki")),
            });
            return;
        };
        let (etx, mut erx) = tokio::sync::mpsc::unbounded_channel();
        match crate::sources::loki::spawn_tail(cfg, query, start_ns, etx) {
            Ok(_task) => {
                tokio::spawn(async move {
                    while let Some(event) = erx.recv().await {
                        if tx.send(Action::Tail { panel, event }).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(e) => {
                let _ = tx.send(Action::LogsLoaded {
                    panel,
                    result: Err(load_error(&e)),
                });
            }
        }
    }

    /// One poll of an errors panel (all its pages).
    pub fn spawn_errors(
        &self,
        panel: usize,
        source: &str,
        sort: &str,
        max_pages: usize,
        tx: UnboundedSender<Action>,
    ) {
        let sentry = self
            .sentry
            .get(source)
            .cloned()
            .ok_or_else(|| self.missing(source, "sentry"));
        let sort = Sort::parse(sort).unwrap_or_default();
        tokio::spawn(async move {
            let (result, retry_after) = match sentry {
                Ok(s) => match s.issues(sort, max_pages).await {
                    Ok(issues) => (Ok(issues), None),
                    Err(e) => {
                        let wait = e.wait();
                        let err = LoadError {
                            message: e.to_string(),
                            source_down: true,
                        };
                        (Err(err), wait)
                    }
                },
                Err(e) => (Err(e), None),
            };
            let _ = tx.send(Action::ErrorsLoaded {
                panel,
                result,
                retry_after,
            });
        });
    }

    /// Fetches a source's alerts (and, from Alertmanager, its silences).
    pub fn spawn_alerts(&self, source: String, kind: SourceKind, tx: UnboundedSender<Action>) {
        let am = self.alertmanager(&source).cloned();
        let prom = self.prometheus(&source).cloned();
        tokio::spawn(async move {
            let result = match kind {
                SourceKind::Alertmanager => match am {
                    Ok(am) => am
                        .alerts_and_silences(std::time::Instant::now())
                        .await
                        .map(|(alerts, silences)| AlertBatch::Alertmanager { alerts, silences })
                        .map_err(|e| load_error(&e)),
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
        let first_value = |r: crate::sources::prometheus::QueryResult| {
            r.series
                .first()
                .and_then(|s| s.points.last())
                .map_or(f64::NAN, |p| p.1)
        };
        answer(
            self.prometheus(source).cloned(),
            tx,
            move |p| async move {
                p.query(&query, at)
                    .await
                    .map(first_value)
                    .map_err(|e| load_error(&e))
            },
            move |result| Action::RuleLoaded { rule, result },
        );
    }

    /// Creates (or, with an id, extends) a silence.
    pub fn spawn_create_silence(
        &self,
        source: &str,
        incident: String,
        silence: NewSilence,
        tx: UnboundedSender<Action>,
    ) {
        answer(
            self.alertmanager(source).cloned().map_err(|e| e.message),
            tx,
            move |am| async move { am.create_silence(&silence).await.map_err(|e| e.to_string()) },
            move |result| Action::SilenceCreated { incident, result },
        );
    }

    pub fn spawn_expire_silence(
        &self,
        source: &str,
        incident: String,
        silence_id: String,
        tx: UnboundedSender<Action>,
    ) {
        answer(
            self.alertmanager(source).cloned().map_err(|e| e.message),
            tx,
            move |am| async move {
                am.expire_silence(&silence_id)
                    .await
                    .map_err(|e| e.to_string())
            },
            move |result| Action::SilenceExpired { incident, result },
        );
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
        let panel = spec.panel;
        answer(
            self.prometheus(&spec.source).cloned(),
            tx,
            move |prom| async move { fetch(&prom, &spec).await },
            move |result| Action::PanelLoaded { panel, result },
        );
    }
}

impl Clients {
    /// Starts `effects` as [`Clients::start`] does one, except that the instant queries of
    /// panels asked of one Prometheus at the same moment (stats, gauges, health: every
    /// refresh) go in one request ([`Prometheus::query_all`]); each panel's answer still
    /// arrives as its own [`Action::PanelLoaded`]. Gives back the effects it did not start.
    pub fn start_all(&self, effects: Vec<Effect>, tx: &UnboundedSender<Action>) -> Vec<Effect> {
        let mut rest = Vec::new();
        let mut groups: Vec<Vec<FetchSpec>> = Vec::new();
        for effect in effects {
            match effect {
                Effect::Fetch(spec)
                    if spec.range.is_none()
                        && !spec.alone
                        && self.prometheus.contains_key(&spec.source) =>
                {
                    let together = |g: &&mut Vec<FetchSpec>| {
                        g[0].source == spec.source && g[0].at.to_bits() == spec.at.to_bits()
                    };
                    match groups.iter_mut().find(together) {
                        Some(g) => g.push(spec),
                        None => groups.push(vec![spec]),
                    }
                }
                other => rest.extend(self.start(other, tx)),
            }
        }
        for mut group in groups {
            if group.len() == 1 {
                self.spawn_fetch(group.remove(0), tx.clone());
            } else {
                self.spawn_instant_batch(group, tx.clone());
            }
        }
        rest
    }

    /// The instant queries of several panels of one source, asked together; each panel gets
    /// the answers to its own queries, or the first error among them.
    fn spawn_instant_batch(&self, specs: Vec<FetchSpec>, tx: UnboundedSender<Action>) {
        let Ok(prom) = self.prometheus(&specs[0].source).cloned() else {
            return specs
                .into_iter()
                .for_each(|s| self.spawn_fetch(s, tx.clone()));
        };
        tokio::spawn(async move {
            // Each distinct query once, however many panels ask it.
            let mut queries: Vec<&str> = Vec::new();
            let mut uses: Vec<usize> = Vec::new();
            let index: Vec<Vec<usize>> = specs
                .iter()
                .map(|spec| {
                    spec.queries
                        .iter()
                        .map(|q| match queries.iter().position(|k| k == q) {
                            Some(i) => {
                                uses[i] += 1;
                                i
                            }
                            None => {
                                queries.push(q);
                                uses.push(1);
                                queries.len() - 1
                            }
                        })
                        .collect()
                })
                .collect();
            let mut answers: Vec<Option<Result<Vec<Series>, SourceError>>> = prom
                .query_all(&queries, specs[0].at)
                .await
                .into_iter()
                .map(Some)
                .collect();
            let mut take = |i: usize| {
                uses[i] -= 1;
                let answer = if uses[i] == 0 {
                    answers[i].take()
                } else {
                    answers[i].clone()
                };
                answer.unwrap_or_else(|| Err(SourceError::Setup("not asked".into())))
            };
            for (spec, index) in specs.iter().zip(index) {
                let result: Result<Vec<Vec<Series>>, SourceError> =
                    index.into_iter().map(&mut take).collect();
                let result = result.map_err(|e| load_error(&e));
                if tx
                    .send(Action::PanelLoaded {
                        panel: spec.panel,
                        result,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
    }

    /// Starts the effects that are requests to a source; gives back the others (journal,
    /// files, clipboard, browser, suspend) for the caller to perform. Returns `None` when the
    /// effect was started: its answer will arrive on `tx` as one action.
    pub fn start(&self, effect: Effect, tx: &UnboundedSender<Action>) -> Option<Effect> {
        let tx = tx.clone();
        match effect {
            Effect::Fetch(spec) => self.spawn_fetch(spec, tx),
            Effect::FetchAlerts { source, kind } => self.spawn_alerts(source, kind, tx),
            Effect::FetchRule {
                rule,
                source,
                query,
                at,
            } => self.spawn_rule(rule, &source, query, at, tx),
            Effect::CreateSilence {
                source,
                incident,
                silence,
            } => self.spawn_create_silence(&source, incident, silence, tx),
            Effect::ExpireSilence {
                source,
                incident,
                silence_id,
            } => self.spawn_expire_silence(&source, incident, silence_id, tx),
            Effect::FetchLogs {
                panel,
                source,
                query,
                start_ns,
                end_ns,
                limit,
                first,
            } => {
                let spec = LogsSpec {
                    source,
                    query,
                    start_ns,
                    end_ns,
                    limit,
                    first,
                };
                self.spawn_logs(panel, spec, tx);
            }
            Effect::StartTail {
                panel,
                source,
                query,
                start_ns,
            } => self.spawn_tail(panel, &source, query, start_ns, tx),
            Effect::FetchErrors {
                panel,
                source,
                sort,
                max_pages,
            } => self.spawn_errors(panel, &source, &sort, max_pages, tx),
            other => return Some(other),
        }
        None
    }
}

/// Runs `call` on a source's client in a task of its own and sends back `done(result)`; a
/// missing client is answered at once with its error. The receiver is gone only when the app
/// is shutting down, so a failed send is ignored.
fn answer<C, T, E, Fut>(
    client: Result<C, E>,
    tx: UnboundedSender<Action>,
    call: impl FnOnce(C) -> Fut + Send + 'static,
    done: impl FnOnce(Result<T, E>) -> Action + Send + 'static,
) where
    C: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    Fut: std::future::Future<Output = Result<T, E>> + Send + 'static,
{
    tokio::spawn(async move {
        let result = match client {
            Ok(c) => call(c).await,
            Err(e) => Err(e),
        };
        let _ = tx.send(done(result));
    });
}

/// Whether an effect is answered by exactly one action (a request), as opposed to the tail,
/// which answers many times.
pub fn answers_once(effect: &Effect) -> bool {
    !matches!(
        effect,
        Effect::StartTail { .. }
            | Effect::ReadRunbook { .. }
            | Effect::Notify(_)
            | Effect::RunCommand { .. }
            | Effect::CancelCommand
            | Effect::Journal(_)
            | Effect::WriteFile { .. }
            | Effect::OpenUrl(_)
            | Effect::Copy(_)
            | Effect::Suspend
    )
}

/// What one logs poll asks.
#[derive(Debug, Clone)]
pub struct LogsSpec {
    pub source: String,
    pub query: String,
    pub start_ns: i128,
    pub end_ns: i128,
    pub limit: u32,
    /// The first poll reads backward from now (the newest lines); later ones forward.
    pub first: bool,
}

/// Runs a panel's queries concurrently; the first failure fails the panel.
pub async fn fetch(prom: &Prometheus, spec: &FetchSpec) -> Result<Vec<Vec<Series>>, LoadError> {
    let calls = spec.queries.iter().map(|q| async move {
        match spec.range {
            Some((start, end, step)) if spec.latest => {
                let (range, latest) = tokio::join!(
                    prom.query_range(q, start, end, step),
                    prom.query(q, spec.at)
                );
                Ok(with_latest(range?.series, latest?.series))
            }
            Some((start, end, step)) => prom
                .query_range(q, start, end, step)
                .await
                .map(|r| r.series),
            None => prom.query(q, spec.at).await.map(|r| r.series),
        }
    });
    let results = futures::future::join_all(calls).await;
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(series) => out.push(series),
            Err(e) => return Err(load_error(&e)),
        }
    }
    Ok(out)
}

/// A range's series, each ending with its latest value (when that is newer than its last
/// point); a series with no latest value is gone, a new one starts with its latest value.
pub fn with_latest(range: Vec<Series>, latest: Vec<Series>) -> Vec<Series> {
    let mut range = range;
    latest
        .into_iter()
        .map(|now| {
            let Some(i) = range.iter().position(|r| r.labels == now.labels) else {
                return now;
            };
            let mut s = range.swap_remove(i);
            if let Some(&p) = now.points.last() {
                end_with(&mut s.points, p);
            }
            s
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn series(job: &str, points: &[(f64, f64)]) -> Series {
        Series {
            labels: [("job".to_string(), job.to_string())].into_iter().collect(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn the_latest_values_end_their_series() {
        let range = vec![
            series("a", &[(0.0, 1.0), (30.0, 2.0)]),
            series("gone", &[(0.0, 1.0)]),
            series("b", &[(0.0, 5.0), (30.0, 6.0)]),
        ];
        let latest = vec![
            series("b", &[(42.0, 7.0)]),
            series("a", &[(30.0, 9.0)]),
            series("new", &[(42.0, 1.0)]),
        ];
        let merged = with_latest(range, latest);
        assert_eq!(
            merged,
            vec![
                series("b", &[(0.0, 5.0), (30.0, 6.0), (42.0, 7.0)]),
                // Not newer than the range's own last point: the range's stays.
                series("a", &[(0.0, 1.0), (30.0, 2.0)]),
                series("new", &[(42.0, 1.0)]),
            ]
        );
    }
}
