//! Retention: a background task that erases what has been kept long enough (questions and
//! update ids after a week, tickets, ratings and flags after the retention period), at
//! start-up and then every hour. A failed round is logged and tried again next hour.

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use super::AppState;
use crate::store::now;

const EVERY: Duration = Duration::from_secs(3600);

pub async fn prune_loop(state: Arc<AppState>) {
    let mut rounds = tokio::time::interval(EVERY);
    loop {
        rounds.tick().await;
        match state.store.prune(state.keep_days, now()) {
            Ok(()) => info!(keep_days = state.keep_days, "expired data erased"),
            Err(e) => warn!("cannot erase expired data: {e}"),
        }
    }
}
