//! Webhook mode: Telegram posts each update to faqbot's public URL (through the clinic's
//! reverse proxy) instead of faqbot polling for it. An update is kept in the database
//! before Telegram gets its 200, so a crash between the 200 and the start of its handling
//! loses nothing: on the next start it is handled. Once its handling has started it is
//! marked handled, as in polling mode, so a crash in the middle of it is not repeated. A
//! delivery Telegram repeats is kept once and handled once. The secret
//! Telegram sends with each update is compared in constant time; a request without it is
//! refused and nothing of it is logged.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use subtle::ConstantTimeEq;
use teloxide::prelude::*;
use teloxide::stop::{mk_stop_token, StopFlag, StopToken};
use teloxide::update_listeners::{StatefulListener, UpdateListener};
use tokio::sync::{mpsc, Notify};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tracing::{info, warn};

use super::failure::telegram_kind;
use super::{AppState, Tg};
use crate::config::Webhook;

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// How often kept updates are looked at besides when one arrives (after a restart, or
/// when the database was busy).
const ROUND: Duration = Duration::from_secs(2);

type Delivery = Result<Update, Infallible>;

/// What the webhook's request handler shares.
#[derive(Clone)]
struct Inbox {
    state: Arc<AppState>,
    secret: Arc<str>,
    arrived: Arc<Notify>,
}

/// Registers the webhook with Telegram, starts listening, and returns the listener the
/// dispatcher reads updates from.
pub async fn listen(
    bot: &Tg,
    state: Arc<AppState>,
    hook: &Webhook,
) -> anyhow::Result<impl UpdateListener<Err = Infallible>> {
    let socket = tokio::net::TcpListener::bind(hook.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} for the webhook: {e}", hook.addr))?;
    bot.set_webhook(hook.url.clone())
        .secret_token(hook.secret.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot set the webhook: {}", telegram_kind(&e)))?;
    info!(addr = %socket.local_addr()?, url = %hook.url, "webhook listening");

    let inbox = Inbox {
        state: state.clone(),
        secret: hook.secret.as_str().into(),
        arrived: Arc::new(Notify::new()),
    };
    let (stop_token, stop_flag) = mk_stop_token();
    let app = Router::new()
        .route(hook.url.path(), post(deliver))
        .with_state(inbox.clone());
    let serving = stop_flag.clone();
    tokio::spawn(async move {
        let server = axum::serve(socket, app).with_graceful_shutdown(serving);
        if let Err(e) = server.await {
            warn!("the webhook server stopped: {e}");
        }
    });
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(feed(inbox, tx, stop_flag));
    Ok(StatefulListener::new(
        (UnboundedReceiverStream::new(rx), stop_token),
        stream_of,
        |(_, token): &mut (_, StopToken)| token.clone(),
    ))
}

/// The listener's stream, borrowed from its state.
fn stream_of(
    state: &mut (UnboundedReceiverStream<Delivery>, StopToken),
) -> &mut UnboundedReceiverStream<Delivery> {
    &mut state.0
}

/// One delivery from Telegram: kept, then acknowledged. A database failure answers 500, so
/// Telegram delivers it again later.
async fn deliver(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !bool::from(given.ct_eq(inbox.secret.as_bytes())) {
        warn!("webhook request without the right secret; refused");
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let update_id = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["update_id"].as_i64());
    let Some(update_id) = update_id else {
        warn!("webhook request that is not an update; refused");
        return StatusCode::BAD_REQUEST;
    };
    match inbox.state.store.keep_update(update_id, text) {
        Ok(_) => {
            inbox.arrived.notify_one();
            StatusCode::OK
        }
        Err(e) => {
            warn!(
                update = update_id,
                "cannot keep an update; Telegram will retry: {e}"
            );
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Hands kept updates to the dispatcher, oldest first, each once per run, while it is this
/// instance's turn to handle updates; those handled are erased by the store. Ends (closing the listener's stream) when the listener is stopped.
async fn feed(inbox: Inbox, tx: mpsc::UnboundedSender<Delivery>, stop: StopFlag) {
    let mut fed = HashSet::new();
    while !stop.is_stopped() {
        // With instances sharing a database, one handles updates at a time (see `Turn`).
        let kept = if inbox.state.turn.is_mine() {
            inbox.state.store.unhandled_updates()
        } else {
            Ok(Vec::new())
        };
        match kept {
            Ok(kept) => {
                fed.retain(|id| kept.iter().any(|(k, _)| k == id));
                for (id, body) in kept {
                    if !fed.insert(id) {
                        continue;
                    }
                    match serde_json::from_str::<Update>(&body) {
                        Ok(update) => {
                            if tx.send(Ok(update)).is_err() {
                                return;
                            }
                        }
                        Err(_) => {
                            // Marked handled, so it is erased rather than tried forever.
                            warn!(update = id, "a kept update cannot be read; dropped");
                            let _ = inbox.state.store.first_delivery(id as u32);
                        }
                    }
                }
            }
            Err(e) => warn!("cannot read kept updates: {e}"),
        }
        tokio::select! {
            () = inbox.arrived.notified() => {}
            () = tokio::time::sleep(ROUND) => {}
            () = stop.clone() => {}
        }
    }
}
