//! The embedded demo stack: a real HTTP server on loopback that speaks the Prometheus HTTP API
//! (`/api/v1`) and the Alertmanager API (`/api/v2`), fed by the simulated "checkout" service of
//! [`sim`].
//!
//! The router is assembled from one function per upstream API ([`prometheus`], [`alertmanager`]),
//! all sharing the `Demo` state. Loki (`/loki/api/v1`) and Sentry (`/api/0`) are merged in on the
//! same port; only `/-/ready` and `/-/healthy` would need a prefix.

mod alertmanager;
pub mod alerts;
mod loki;
mod prometheus;
mod queries;
pub mod runbooks;
mod sentry;
mod silences;
pub mod sim;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

use self::silences::Silences;
use self::sim::Sim;

/// A running demo stack. Dropping it shuts the server down gracefully.
pub struct DemoStack {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl DemoStack {
    /// Binds `addr` (usually 127.0.0.1:0), spawns the server on the current tokio runtime and
    /// returns at once. The scripted cycle of [`sim`] starts now.
    pub async fn start(addr: SocketAddr) -> std::io::Result<DemoStack> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let sim = Sim::new(now_ms() as f64 / 1000.0);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            let served = axum::serve(listener, router(sim, format!("http://{addr}")))
                .with_graceful_shutdown(shutdown)
                .await;
            if let Err(err) = served {
                tracing::warn!("demo stack server stopped: {err}");
            }
        });
        Ok(DemoStack {
            addr,
            shutdown: Some(tx),
        })
    }

    /// Base URL of the simulated Prometheus, e.g. `http://127.0.0.1:41234`.
    pub fn prometheus_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Base URL of the simulated Alertmanager: the same server, its API lives under `/api/v2/`.
    pub fn alertmanager_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for DemoStack {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// State shared by every simulated API.
#[derive(Clone)]
struct Demo {
    sim: Sim,
    /// Base URL of the stack, for links such as an alert's `generatorURL`.
    base: String,
    silences: Arc<Mutex<Silences>>,
}

impl Demo {
    /// The silence store. A handler that panicked while holding it cannot leave it half-changed
    /// (every change is a single assignment or push), so a poisoned lock is simply taken over.
    fn silences(&self) -> MutexGuard<'_, Silences> {
        self.silences.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn router(sim: Sim, base: String) -> Router {
    let demo = Demo {
        sim,
        base,
        silences: Arc::default(),
    };
    Router::new()
        .merge(prometheus::prometheus_routes())
        .merge(alertmanager::alertmanager_routes())
        .merge(loki::loki_routes())
        .merge(sentry::sentry_routes())
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "404 page not found\n") })
        .with_state(demo)
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (status, headers, body).into_response()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
