//! Maintainers' commands in a private chat with the bot: `/reindex` rebuilds the index from
//! the corpus and swaps it in, `/stats` reads the counters, `/review` lists what faqbot
//! could not answer lately (as `faqbot review` does, shortened to one message). Only the
//! configured admins may use them; anyone else is told so. None is listed to patients.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::utils::command::BotCommands;
use tracing::{info, warn};

use super::{guard, messages, send, AppState, HandlerResult, Tg};
use crate::search::{self, Engine};

/// Commands for the maintainers.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
pub enum AdminCommand {
    #[command(description = "rebuild the index from the corpus")]
    Reindex,
    #[command(description = "counts of answers, tickets and ratings")]
    Stats,
    #[command(description = "what faqbot could not answer in the last 30 days")]
    Review,
}

pub async fn command(
    bot: Tg,
    msg: Message,
    command: AdminCommand,
    state: Arc<AppState>,
) -> HandlerResult {
    guard("admin command", async {
        let chat = msg.chat.id;
        if !state.is_admin(msg.from.as_ref()) {
            info!(chat = chat.0, "maintainer command refused");
            send::html(&bot, chat, &messages::admins_only(), None, None).await?;
            return Ok(());
        }
        let text = match command {
            AdminCommand::Reindex => reindex(&state).await?,
            AdminCommand::Stats => messages::stats(&state.store.stats()?),
            AdminCommand::Review => {
                // A search per question: off the async workers, like a re-index.
                let state = state.clone();
                tokio::task::spawn_blocking(move || review(&state)).await??
            }
        };
        send::html(&bot, chat, &text, None, None).await?;
        Ok(())
    })
    .await
}

/// Groups `/review` shows; `faqbot review` shows them all.
const REVIEW_GROUPS: usize = 8;

/// The review of the last 30 days, as one message.
fn review(state: &AppState) -> Result<String, super::Failure> {
    let since = crate::store::now() - crate::review::DEFAULT_DAYS * 24 * 3600;
    let items = state.store.review_items(since)?;
    let engine = state.engine.load();
    let review = crate::review::build(&engine, &items).map_err(super::Failure::Search)?;
    let text = crate::review::render(
        &review,
        &format!("{} days ago", crate::review::DEFAULT_DAYS),
        REVIEW_GROUPS,
    );
    Ok(messages::review(&text))
}

/// Rebuilds from the corpus and swaps the new index in; a broken corpus keeps the old one
/// serving. Returns what to tell the maintainer.
async fn reindex(state: &AppState) -> Result<String, super::Failure> {
    let started = Instant::now();
    let locations = state.locations.clone();
    let built =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Engine, search::BuildReport)> {
            let report = search::build(&locations, &|_, _| {})?;
            Ok((Engine::open(&locations.index)?, report))
        })
        .await?;
    Ok(match built {
        Ok((engine, report)) => {
            state.engine.store(Arc::new(engine));
            info!(articles = report.articles, "re-indexed on request");
            messages::reindexed(
                report.articles,
                report.passages,
                started.elapsed().as_secs_f64(),
            )
        }
        Err(e) => {
            warn!("re-index failed; keeping the previous index");
            messages::reindex_failed(&format!("{e:#}"))
        }
    })
}
