//! Sending to Telegram with retries: 429 waits `retry_after`, 5xx and network errors back
//! off and retry; what cannot succeed (blocked, bad request) is returned at once.

use std::future::Future;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters};
use teloxide::{ApiError, RequestError};
use tracing::warn;

use super::Tg;

const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(300);

/// Whether an error means the patient can no longer be reached.
pub fn is_unreachable(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Api(
            ApiError::BotBlocked
                | ApiError::UserDeactivated
                | ApiError::ChatNotFound
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
                | ApiError::CantInitiateConversation
        )
    )
}

fn is_transient(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Network(_)
            | RequestError::Io(_)
            | RequestError::InvalidJson { .. }
            | RequestError::RetryAfter(_)
            | RequestError::Api(ApiError::Unknown(_))
    )
}

/// Runs `op` until it succeeds, fails for good, or runs out of attempts.
pub async fn retry<T, F, Fut>(what: &'static str, mut op: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let error = match op().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if attempt >= ATTEMPTS || !is_transient(&error) {
            return Err(error);
        }
        let wait = match &error {
            RequestError::RetryAfter(seconds) => seconds.duration(),
            _ => backoff,
        };
        warn!(
            call = what,
            attempt,
            wait_ms = wait.as_millis() as u64,
            "telegram call failed; retrying"
        );
        tokio::time::sleep(wait).await;
        backoff *= 2;
        attempt += 1;
    }
}

/// Sends an HTML message, optionally with buttons and as a reply.
pub async fn html(
    bot: &Tg,
    chat: ChatId,
    text: &str,
    keyboard: Option<InlineKeyboardMarkup>,
    reply_to: Option<MessageId>,
) -> Result<Message, RequestError> {
    retry("sendMessage", || {
        let mut request = bot.send_message(chat, text).parse_mode(ParseMode::Html);
        if let Some(keyboard) = keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        if let Some(id) = reply_to {
            request =
                request.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        request.send()
    })
    .await
}
