//! Telegram's sending limits kept together by every instance on one shared database: one
//! message a second to a patient, bursts of up to 20 then one every 3 s to a group, 30 a
//! second in all. Each instance's `Throttle` keeps them for itself; with PostgreSQL the
//! next free moment of each chat is reserved in the database (a generic cell rate: the
//! reservation moves on by one interval per message, and a burst may run ahead of it).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use teloxide::types::ChatId;
use tracing::warn;

use crate::store::{now_ms, send_key, Store};

/// At most one message per `interval_ms`, after a burst of `burst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub interval_ms: i64,
    pub burst: i64,
}

/// Telegram's limit for a chat: private chats have positive ids.
pub fn limit_for(chat: ChatId) -> Limit {
    if chat.0 > 0 {
        Limit {
            interval_ms: 1000,
            burst: 1,
        }
    } else {
        Limit {
            interval_ms: 3000,
            burst: 20,
        }
    }
}

/// All chats together.
const OVERALL: Limit = Limit {
    interval_ms: 34,
    burst: 30,
};

/// How long to wait, at `now`, to send in the slot reserved at `slot` (both in ms).
pub fn wait(slot: i64, now: i64, limit: Limit) -> Duration {
    let ahead = (limit.burst - 1).max(0) * limit.interval_ms;
    Duration::from_millis((slot - ahead - now).max(0) as u64)
}

static SHARED: OnceLock<Arc<Store>> = OnceLock::new();

/// Paces every send through `store` from now on (when it is shared with other instances).
pub fn share(store: Arc<Store>) {
    let _ = SHARED.set(store);
}

/// Waits for this instance's turn to send to `chat`, when instances share the limits. A
/// database failure does not hold the message back: `Throttle` still paces this instance.
pub async fn turn(chat: ChatId) {
    let Some(store) = SHARED.get().cloned() else {
        return;
    };
    let reserved = tokio::task::spawn_blocking(move || {
        let now = now_ms();
        let mut longest = Duration::ZERO;
        for (key, limit) in [(send_key(chat.0), limit_for(chat)), ("all".into(), OVERALL)] {
            let slot = store.next_send_slot(&key, now, limit.interval_ms)?;
            longest = longest.max(wait(slot, now, limit));
        }
        Ok::<_, crate::store::StoreError>(longest)
    })
    .await;
    match reserved {
        Ok(Ok(wait)) => tokio::time::sleep(wait).await,
        Ok(Err(e)) => warn!("cannot reserve a send slot: {e}"),
        Err(_) => warn!("cannot reserve a send slot: the task failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_and_then_one_per_interval() {
        let group = limit_for(ChatId(-100));
        let now = 1_000_000;
        // The 1st..20th reservations in one moment go at once, the 21st waits 3 s.
        for n in 0..20 {
            assert_eq!(wait(now + n * 3000, now, group), Duration::ZERO, "{n}");
        }
        assert_eq!(wait(now + 20 * 3000, now, group), Duration::from_secs(3));
        let patient = limit_for(ChatId(42));
        assert_eq!(wait(now, now, patient), Duration::ZERO);
        assert_eq!(wait(now + 1000, now, patient), Duration::from_secs(1));
    }
}
