//! Groups other than the experts': faqbot answers no one there. When it is added to a group,
//! the admins are told the group's chat id (what `FAQBOT_EXPERT_GROUP` needs), and a
//! message from such a group is ignored with its chat id logged, so nobody has to dig the id
//! out of Telegram's API.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::ChatMemberUpdated;
use tracing::{info, warn};

use super::failure::telegram_kind;
use super::{guard, messages, send, AppState, HandlerResult, Tg};

/// The bot's own membership changed: when it joined a group, tell the admins its id.
pub async fn membership(bot: Tg, update: ChatMemberUpdated, state: Arc<AppState>) -> HandlerResult {
    guard("membership", async {
        let chat = &update.chat;
        let joined = update.new_chat_member.is_present() && !update.old_chat_member.is_present();
        if chat.is_private() || !joined {
            return Ok(());
        }
        let is_expert_group = chat.id == state.expert_group();
        info!(chat = chat.id.0, is_expert_group, "added to a group");
        let text =
            messages::added_to_group(chat.title().unwrap_or("?"), chat.id.0, is_expert_group);
        for admin in &state.admins {
            if let Err(e) = send::html(&bot, ChatId(*admin as i64), &text, None, None).await {
                // An admin who never wrote to the bot cannot be written to.
                warn!(
                    admin,
                    "cannot tell an admin the group's id: {}",
                    telegram_kind(&e)
                );
            }
        }
        Ok(())
    })
    .await
}

/// A message in a group that is not the expert group: ignored, its chat id logged.
pub async fn ignored(msg: Message) -> HandlerResult {
    info!(
        chat = msg.chat.id.0,
        "message from a group that is not the expert group; ignored"
    );
    Ok(())
}
