//! The health endpoint, when `health_addr` is set: `/healthz` (the process answers),
//! `/readyz` (index loaded, database writable, Telegram polled lately) and `/metrics`
//! (Prometheus). Plain HTTP meant for localhost or a private network: it shows counts and
//! states, never a message or a person.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use tracing::{info, warn};

use super::metrics::METRICS;
use super::AppState;
use crate::store::now;

/// A poll that failed this recently (seconds), with no update since, makes the bot not
/// ready. Every long poll ends within about half a minute, successful or failed, and
/// failures are reported: a quiet minute means polls succeed.
const POLL_QUIET: i64 = 60;

/// What readiness needs to know about polling Telegram.
#[derive(Default)]
pub struct Polling {
    last_update: AtomicI64,
    last_error: AtomicI64,
}

impl Polling {
    pub fn update_arrived(&self) {
        self.last_update.store(now(), Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.last_error.store(now(), Ordering::Relaxed);
    }

    fn state(&self, at: i64) -> PollState {
        let last_update = self.last_update.load(Ordering::Relaxed);
        let last_error = self.last_error.load(Ordering::Relaxed);
        PollState {
            ok: last_error == 0 || at - last_error > POLL_QUIET || last_update >= last_error,
            last_update_unix: (last_update > 0).then_some(last_update),
            last_error_unix: (last_error > 0).then_some(last_error),
        }
    }
}

#[derive(Serialize)]
struct PollState {
    ok: bool,
    last_update_unix: Option<i64>,
    last_error_unix: Option<i64>,
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    index: Part,
    database: Part,
    polling: PollState,
    /// Whether this instance handles updates now; instances sharing a database take turns,
    /// and one standing by is ready all the same (it keeps what Telegram delivers).
    handles_updates: bool,
}

#[derive(Serialize)]
struct Part {
    ok: bool,
    detail: String,
}

/// Binds `addr` (an error if it cannot), then serves in the background.
pub async fn start(addr: SocketAddr, state: Arc<AppState>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for health checks: {e}"))?;
    info!(addr = %listener.local_addr()?, "health and metrics endpoint listening");
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            warn!("the health endpoint stopped: {e}");
        }
    });
    Ok(())
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let articles = state.engine.load().manifest().articles;
    let index = Part {
        ok: articles > 0,
        detail: format!("{articles} articles"),
    };
    let database = match state.store.set_setting("ready_probe", &now().to_string()) {
        Ok(()) => Part {
            ok: true,
            detail: "writable".into(),
        },
        Err(e) => Part {
            ok: false,
            detail: e.to_string(),
        },
    };
    let polling = state.polling.state(now());
    let ready = index.ok && database.ok && polling.ok;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        ready,
        index,
        database,
        polling,
        handles_updates: state.turn.is_mine(),
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], json).into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let open = state.store.stats().map(|s| s.open_tickets).unwrap_or(-1);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        METRICS.render(open),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_is_ready_unless_it_failed_lately_with_nothing_since() {
        let polling = Polling::default();
        assert!(polling.state(1_000).ok, "nothing failed yet");
        polling.last_error.store(1_000, Ordering::Relaxed);
        assert!(!polling.state(1_010).ok);
        assert!(polling.state(1_000 + POLL_QUIET + 1).ok, "quiet since");
        polling.last_update.store(1_005, Ordering::Relaxed);
        assert!(polling.state(1_010).ok, "an update came after the failure");
    }
}
