//! Start-up and shut-down: the token checked before anything else, Telegram awaited while it
//! cannot be reached, and Ctrl-C or SIGTERM stopping the bot promptly in any phase.

use std::time::Duration;

use teloxide::dispatching::ShutdownToken;
use teloxide::prelude::*;
use teloxide::types::Me;
use teloxide::{ApiError, RequestError};
use tokio::signal::unix::SignalKind;
use tokio::sync::watch;
use tracing::{info, warn};

use super::failure::telegram_kind;
use super::Tg;
use crate::config::{BotConfig, ConfigError};

/// Waits between start-up attempts: doubling from the first, at most the longest.
const FIRST_WAIT: Duration = Duration::from_secs(1);
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// Whether a stop was asked for (Ctrl-C or SIGTERM), watched by every phase.
pub type Stop = watch::Receiver<bool>;

/// Starts listening for Ctrl-C and SIGTERM at once, so no signal is missed in any phase.
pub fn stop_on_signal() -> Stop {
    let (asked, stop) = watch::channel(false);
    tokio::spawn(async move {
        let term = async {
            match tokio::signal::unix::signal(SignalKind::terminate()) {
                Ok(mut term) => term.recv().await,
                Err(e) => {
                    warn!("cannot listen for SIGTERM: {e}");
                    std::future::pending().await
                }
            }
        };
        tokio::select! {
            _ = term => info!("SIGTERM: finishing handlers in flight"),
            Ok(()) = tokio::signal::ctrl_c() => info!("Ctrl-C: finishing handlers in flight"),
        }
        let _ = asked.send(true);
    });
    stop
}

async fn stopped(mut stop: Stop) {
    let _ = stop.wait_for(|asked| *asked).await;
}

/// Checks the token with `getMe`. A rejected token is a setting error; any other failure
/// (Telegram unreachable or failing) is retried with a growing wait. `None` if a stop was
/// asked for first.
pub async fn check_token(bot: &Tg, stop: Stop) -> Result<Option<Me>, ConfigError> {
    let mut wait = FIRST_WAIT;
    loop {
        let outcome = tokio::select! {
            outcome = bot.get_me().send() => outcome,
            () = stopped(stop.clone()) => return Ok(None),
        };
        match outcome {
            Ok(me) => return Ok(Some(me)),
            Err(RequestError::Api(ApiError::InvalidToken)) => {
                return Err(ConfigError::Invalid {
                    name: "TELOXIDE_TOKEN",
                    message: "Telegram rejected the token (copy it again from @BotFather)".into(),
                })
            }
            Err(e) => warn!(
                wait_secs = wait.as_secs(),
                "cannot reach Telegram ({}); retrying",
                telegram_kind(&e)
            ),
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stopped(stop.clone()) => return Ok(None),
        }
        wait = (wait * 2).min(LONGEST_WAIT);
    }
}

/// How long `faqbot check` waits for Telegram.
const CHECK_WAIT: Duration = Duration::from_secs(15);

/// One `getMe`, for `faqbot check`: the bot's username, or why the token cannot be used.
pub async fn whoami(config: &BotConfig) -> Result<String, String> {
    let bot = Bot::new(config.token.expose()).set_api_url(config.api_url.clone());
    match tokio::time::timeout(CHECK_WAIT, bot.get_me().send()).await {
        Ok(Ok(me)) => Ok(me.username.clone().unwrap_or_else(|| me.first_name.clone())),
        Ok(Err(RequestError::Api(ApiError::InvalidToken))) => {
            Err("Telegram rejected the token (copy it again from @BotFather)".into())
        }
        Ok(Err(e)) => Err(format!("cannot reach Telegram: {}", telegram_kind(&e))),
        Err(_) => Err(format!(
            "Telegram did not answer within {} s",
            CHECK_WAIT.as_secs()
        )),
    }
}

/// Shuts the dispatcher down once a stop is asked for, waiting for it to have started.
pub fn shut_down_on(stop: Stop, dispatcher: ShutdownToken) {
    tokio::spawn(async move {
        stopped(stop).await;
        loop {
            match dispatcher.shutdown() {
                Ok(done) => return done.await,
                Err(_idle) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
}

/// Logs a failed `getUpdates` by kind: teloxide's own handler would log the whole error,
/// which can hold the updates' JSON.
pub async fn log_listener_error(error: RequestError) {
    warn!("cannot get updates: {}", telegram_kind(&error));
}
