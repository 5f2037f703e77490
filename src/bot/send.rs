//! Sending to Telegram with retries. Telegram answered with an error (429, 5xx, an API
//! error) or was never reached: the call did not happen and is tried again, within a time
//! budget so that one failing call never holds a patient's chat for long. The answer was
//! lost (a timeout, a broken connection) or unreadable: the call may have happened, and a
//! send is not repeated, since a patient would get the same message twice.

use std::future::Future;
use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters, ThreadId};
use teloxide::{ApiError, RequestError};
use tracing::warn;

use super::metrics::METRICS;
use super::Tg;

const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(300);
/// No new attempt after this long, unless Telegram asked for a wait it will honour.
const BUDGET: Duration = Duration::from_secs(15);
/// The longest "retry after" waited for: Telegram promises the call will work then.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What repeating a call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing new: reading, answering a button press, setting the command list.
    Repeatable,
    /// Another message in a chat: repeated only when the first surely did not happen.
    Delivers,
}

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

/// What Telegram said about a forum topic a call named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopicTrouble {
    /// The topic is gone (an admin deleted it): `message thread not found`, `TOPIC_DELETED`,
    /// `TOPIC_ID_INVALID`.
    Gone,
    /// The topic is closed: `TOPIC_CLOSED`.
    Closed,
    /// It already was as asked (closing a closed topic): `TOPIC_NOT_MODIFIED`.
    Unchanged,
}

/// The trouble with a topic an error reports; teloxide knows none of these descriptions, so
/// they come as `ApiError::Unknown` with Telegram's description.
pub fn topic_trouble(error: &RequestError) -> Option<TopicTrouble> {
    let RequestError::Api(ApiError::Unknown(description)) = error else {
        return None;
    };
    let description = description.to_ascii_lowercase();
    let says = |what: &str| description.contains(what);
    if says("message thread not found") || says("topic_deleted") || says("topic_id_invalid") {
        Some(TopicTrouble::Gone)
    } else if says("topic_closed") {
        Some(TopicTrouble::Closed)
    } else if says("topic_not_modified") {
        Some(TopicTrouble::Unchanged)
    } else {
        None
    }
}

/// Whether trying again may succeed (a topic's trouble needs something done first).
fn is_transient(error: &RequestError) -> bool {
    let transient = matches!(
        error,
        RequestError::Network(_)
            | RequestError::Io(_)
            | RequestError::InvalidJson { .. }
            | RequestError::RetryAfter(_)
            | RequestError::Api(ApiError::Unknown(_))
    );
    transient && topic_trouble(error).is_none()
}

/// Whether Telegram may have carried out a call that failed: the request went out but its
/// answer was lost or could not be read.
pub fn may_have_happened(error: &RequestError) -> bool {
    match error {
        RequestError::Network(e) => !e.is_connect(),
        RequestError::Io(_) | RequestError::InvalidJson { .. } => true,
        _ => false,
    }
}

/// The wait before attempt `attempt + 1`, or `None` when the call is not tried again.
fn next_wait(
    error: &RequestError,
    effect: Effect,
    attempt: u32,
    backoff: Duration,
    elapsed: Duration,
) -> Option<Duration> {
    if attempt >= ATTEMPTS || !is_transient(error) {
        return None;
    }
    if effect == Effect::Delivers && may_have_happened(error) {
        return None;
    }
    match error {
        RequestError::RetryAfter(seconds) => {
            Some(seconds.duration()).filter(|wait| elapsed + *wait <= LONGEST_RETRY_AFTER)
        }
        _ => Some(backoff).filter(|wait| elapsed + *wait <= BUDGET),
    }
}

/// Runs `op` until it succeeds, fails for good, may have happened (for a send), or runs out
/// of attempts or time.
pub async fn retry<T, F, Fut>(
    what: &'static str,
    effect: Effect,
    mut op: F,
) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let error = match op().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let Some(wait) = next_wait(&error, effect, attempt, backoff, started.elapsed()) else {
            METRICS.telegram_failure(what);
            if effect == Effect::Delivers && may_have_happened(&error) {
                warn!(
                    call = what,
                    attempt, "telegram call may have gone through; not repeated"
                );
            }
            return Err(error);
        };
        warn!(
            call = what,
            attempt,
            wait_ms = wait.as_millis() as u64,
            "telegram call failed; retrying"
        );
        METRICS.telegram_retry(what);
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
    html_in(bot, chat, None, text, keyboard, reply_to).await
}

/// Sends an HTML message into a forum topic (`thread`), or the chat itself for `None`.
pub async fn html_in(
    bot: &Tg,
    chat: ChatId,
    thread: Option<ThreadId>,
    text: &str,
    keyboard: Option<InlineKeyboardMarkup>,
    reply_to: Option<MessageId>,
) -> Result<Message, RequestError> {
    super::pace::turn(chat).await;
    retry("sendMessage", Effect::Delivers, || {
        let mut request = bot.send_message(chat, text).parse_mode(ParseMode::Html);
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use teloxide::types::Seconds;

    fn unreadable() -> RequestError {
        RequestError::InvalidJson {
            source: Arc::new(serde_json::from_str::<u8>("<html>").unwrap_err()),
            raw: "<html>".into(),
        }
    }

    fn server_error() -> RequestError {
        RequestError::Api(ApiError::Unknown("Internal Server Error".into()))
    }

    const NOW: Duration = Duration::ZERO;

    #[test]
    fn a_send_whose_answer_was_unreadable_is_not_repeated() {
        assert_eq!(
            next_wait(&unreadable(), Effect::Delivers, 1, FIRST_BACKOFF, NOW),
            None
        );
        assert_eq!(
            next_wait(&unreadable(), Effect::Repeatable, 1, FIRST_BACKOFF, NOW),
            Some(FIRST_BACKOFF)
        );
    }

    #[test]
    fn a_refused_send_is_repeated_within_the_budget() {
        let error = server_error();
        assert_eq!(
            next_wait(&error, Effect::Delivers, 1, FIRST_BACKOFF, NOW),
            Some(FIRST_BACKOFF)
        );
        // teloxide waits 10 s before reading a 5xx answer: the second failure is the last.
        let after_two = Duration::from_secs(20);
        assert_eq!(
            next_wait(&error, Effect::Delivers, 2, FIRST_BACKOFF, after_two),
            None
        );
        assert_eq!(
            next_wait(&error, Effect::Delivers, ATTEMPTS, FIRST_BACKOFF, NOW),
            None
        );
    }

    #[test]
    fn telegram_asking_to_wait_is_honoured_up_to_a_minute() {
        let wait = |s| RequestError::RetryAfter(Seconds::from_seconds(s));
        let later = Duration::from_secs(20);
        assert_eq!(
            next_wait(&wait(30), Effect::Delivers, 2, FIRST_BACKOFF, later),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            next_wait(&wait(50), Effect::Delivers, 2, FIRST_BACKOFF, later),
            None
        );
    }

    #[test]
    fn a_topic_in_trouble_is_not_tried_again_as_it_is() {
        let said = |what: &str| RequestError::Api(ApiError::Unknown(what.into()));
        for (description, trouble) in [
            ("Bad Request: message thread not found", TopicTrouble::Gone),
            ("Bad Request: TOPIC_DELETED", TopicTrouble::Gone),
            ("Bad Request: TOPIC_CLOSED", TopicTrouble::Closed),
            ("Bad Request: TOPIC_NOT_MODIFIED", TopicTrouble::Unchanged),
        ] {
            let error = said(description);
            assert_eq!(topic_trouble(&error), Some(trouble), "{description}");
            assert_eq!(
                next_wait(&error, Effect::Delivers, 1, FIRST_BACKOFF, NOW),
                None
            );
        }
        assert_eq!(topic_trouble(&server_error()), None);
    }

    #[test]
    fn what_cannot_succeed_is_not_tried_again() {
        let blocked = RequestError::Api(ApiError::BotBlocked);
        assert_eq!(
            next_wait(&blocked, Effect::Repeatable, 1, FIRST_BACKOFF, NOW),
            None
        );
        assert!(is_unreachable(&blocked));
        assert!(!may_have_happened(&blocked));
        assert!(may_have_happened(&unreadable()));
    }
}
