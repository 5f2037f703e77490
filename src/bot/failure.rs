//! What can go wrong while handling an update, told to the log by kind: never the text of a
//! message, a name, or what Telegram echoed back of either.

use teloxide::{ApiError, RequestError};

use crate::store::StoreError;

/// A handler's failure.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("Telegram: {}", telegram_kind(.0))]
    Telegram(#[from] RequestError),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The search engine failed; its message may quote the question, so it is not shown.
    #[error("the question could not be searched")]
    Search(anyhow::Error),
    #[error("a background task failed")]
    Task(#[from] tokio::task::JoinError),
}

impl Failure {
    /// The database could not be read or written (locked, disk full): worth trying again.
    pub fn is_store(&self) -> bool {
        matches!(self, Failure::Store(_))
    }
}

/// A Telegram error without what it may quote: a request's text (entity errors, unknown
/// errors) or a whole response (unparsable JSON).
pub fn telegram_kind(error: &RequestError) -> String {
    match error {
        RequestError::Api(ApiError::CantParseEntities(_)) => "can't parse entities".into(),
        RequestError::Api(ApiError::Unknown(_)) => "an API error teloxide does not know".into(),
        RequestError::InvalidJson { .. } => "an answer that is not the expected JSON".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_errors_are_described_without_what_they_quote() {
        let quoting = [
            RequestError::Api(ApiError::CantParseEntities("secret <b".into())),
            RequestError::Api(ApiError::Unknown("Bad Request: secret".into())),
            RequestError::InvalidJson {
                source: std::sync::Arc::new(serde_json::from_str::<u8>("x").unwrap_err()),
                raw: "{\"text\":\"secret\"}".into(),
            },
        ];
        for error in quoting {
            let described = Failure::from(error).to_string();
            assert!(!described.contains("secret"), "{described}");
            assert!(described.starts_with("Telegram: "), "{described}");
        }
        let blocked = Failure::from(RequestError::Api(ApiError::BotBlocked)).to_string();
        assert!(blocked.contains("blocked"), "{blocked}");
    }
}
