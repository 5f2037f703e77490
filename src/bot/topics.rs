//! Forum mode: when the expert group is a forum supergroup, each patient has one topic there
//! (titled with a ticket number and a first name only), and everything about their tickets is
//! posted in it. A closed topic is reopened and a deleted one recreated before a post goes
//! out, so no ticket is lost. Whether the group is a forum is asked at start-up and followed
//! from the group's messages.

use std::future::Future;

use teloxide::prelude::*;
use teloxide::types::{
    Chat, ChatFullInfoKind, ChatFullInfoPublicKind, ChatKind, MessageId, MessageKind,
    PublicChatKind, ThreadId,
};
use teloxide::RequestError;
use tracing::{info, warn};

use super::failure::{telegram_kind, Failure};
use super::messages;
use super::send::{retry, topic_trouble, Effect, TopicTrouble};
use super::{AppState, Handled, Tg};
use crate::store::Ticket;

/// Whether Telegram says the expert group is a forum; `false` when it cannot be asked (the
/// group's next message tells).
pub async fn detect(bot: &Tg, group: ChatId) -> bool {
    match retry("getChat", Effect::Repeatable, || bot.get_chat(group).send()).await {
        Ok(chat) => match chat.kind {
            ChatFullInfoKind::Public(public) => match public.kind {
                ChatFullInfoPublicKind::Supergroup(supergroup) => supergroup.is_forum,
                _ => false,
            },
            ChatFullInfoKind::Private(_) => false,
        },
        Err(e) => {
            warn!(
                "cannot ask whether the expert group is a forum: {}",
                telegram_kind(&e)
            );
            false
        }
    }
}

/// Whether a chat, as a message shows it, is a forum (has topics).
pub fn is_forum(chat: &Chat) -> bool {
    match &chat.kind {
        ChatKind::Public(public) => match &public.kind {
            PublicChatKind::Supergroup(supergroup) => supergroup.is_forum,
            _ => false,
        },
        ChatKind::Private(_) => false,
    }
}

/// The topic a message was written in; `None` in the General topic or a plain group (where
/// a reply may carry a thread id without being in a topic).
pub fn thread_of(msg: &Message) -> Option<ThreadId> {
    msg.thread_id.filter(|_| msg.is_topic_message)
}

/// Whether a message in a topic is one an expert wrote: a person's, or an admin's posted as
/// the group (an anonymous admin: Telegram sends it from GroupAnonymousBot with the group
/// as `sender_chat`); not a service message, not another bot's or a linked channel's.
pub fn written_by_expert(msg: &Message) -> bool {
    let human = msg.from.as_ref().is_some_and(|u| !u.is_bot);
    let anonymous_admin = msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id);
    (human || anonymous_admin) && matches!(msg.kind, MessageKind::Common(_))
}

fn thread(id: i32) -> ThreadId {
    ThreadId(MessageId(id))
}

/// Sends something about `ticket` to the expert group: in forum mode into the patient's
/// topic (`send` gets its thread), created or reopened first; a topic found deleted or closed
/// when sending is recreated or reopened and the send made once more (Telegram refused it,
/// so it surely did not happen). In a plain group `send` gets `None`.
pub async fn post<T, F, Fut>(
    bot: &Tg,
    state: &AppState,
    ticket: &Ticket,
    mut send: F,
) -> Result<T, Failure>
where
    F: FnMut(Option<ThreadId>) -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    if !state.is_forum() {
        return Ok(send(None).await?);
    }
    let topic = topic_for(bot, state, ticket).await?;
    let error = match send(Some(topic)).await {
        Ok(sent) => return Ok(sent),
        Err(error) => error,
    };
    match topic_trouble(&error) {
        Some(TopicTrouble::Gone) => {
            warn!(
                ticket = ticket.id,
                "the patient's topic was deleted; recreating it"
            );
            state.store.drop_topic(ticket.chat_id, topic.0 .0)?;
        }
        Some(TopicTrouble::Closed) => {
            warn!(
                ticket = ticket.id,
                "the patient's topic was closed; reopening it"
            );
            state.store.set_topic_open(ticket.chat_id, false)?;
        }
        _ => return Err(error.into()),
    }
    let topic = topic_for(bot, state, ticket).await?;
    Ok(send(Some(topic)).await?)
}

/// The patient's open topic: the stored one, reopened if closed, or a new one.
async fn topic_for(bot: &Tg, state: &AppState, ticket: &Ticket) -> Result<ThreadId, Failure> {
    let _one_at_a_time = state.topic_lock.lock().await;
    let group = state.expert_group();
    if let Some(topic) = state.store.topic_of(ticket.chat_id, group.0)? {
        if topic.open || reopen_topic(bot, state, ticket.chat_id, topic.thread_id).await? {
            return Ok(thread(topic.thread_id));
        }
    }
    let name = messages::topic_name(ticket.id, &ticket.first_name);
    let created = retry("createForumTopic", Effect::Delivers, || {
        bot.create_forum_topic(group, name.clone()).send()
    })
    .await?;
    let id = created.thread_id.0 .0;
    state.store.set_topic(ticket.chat_id, group.0, id)?;
    info!(ticket = ticket.id, topic = id, "topic created");
    Ok(created.thread_id)
}

/// Reopens a patient's closed topic; false (and the topic forgotten) when it is gone.
async fn reopen_topic(bot: &Tg, state: &AppState, patient: i64, id: i32) -> Result<bool, Failure> {
    let group = state.expert_group();
    let reopened = retry("reopenForumTopic", Effect::Repeatable, || {
        bot.reopen_forum_topic(group, thread(id)).send()
    })
    .await;
    match reopened.map_err(|e| (topic_trouble(&e), e)) {
        Ok(_) | Err((Some(TopicTrouble::Unchanged), _)) => {
            state.store.set_topic_open(patient, true)?;
            info!(topic = id, "topic reopened");
            Ok(true)
        }
        Err((Some(TopicTrouble::Gone), _)) => {
            state.store.drop_topic(patient, id)?;
            Ok(false)
        }
        Err((_, e)) => Err(e.into()),
    }
}

/// After `/reopen`: the patient's topic is reopened too, so experts can write in it. A
/// deleted one is forgotten; the next post recreates it.
pub async fn reopen(bot: &Tg, state: &AppState, patient: i64) -> Handled {
    if !state.is_forum() {
        return Ok(());
    }
    let _one_at_a_time = state.topic_lock.lock().await;
    match state.store.topic_of(patient, state.expert_group().0)? {
        Some(topic) if !topic.open => {
            reopen_topic(bot, state, patient, topic.thread_id).await?;
        }
        _ => {}
    }
    Ok(())
}

/// After `/close`: the patient's topic is closed once none of their questions is open.
pub async fn close(bot: &Tg, state: &AppState, patient: i64) -> Handled {
    if !state.is_forum() || state.store.open_ticket_of(patient)?.is_some() {
        return Ok(());
    }
    let _one_at_a_time = state.topic_lock.lock().await;
    let group = state.expert_group();
    let Some(topic) = state.store.topic_of(patient, group.0)?.filter(|t| t.open) else {
        return Ok(());
    };
    let closed = retry("closeForumTopic", Effect::Repeatable, || {
        bot.close_forum_topic(group, thread(topic.thread_id)).send()
    })
    .await;
    match closed.map_err(|e| (topic_trouble(&e), e)) {
        Ok(_) | Err((Some(TopicTrouble::Unchanged), _)) => {
            state.store.set_topic_open(patient, false)?;
            info!(topic = topic.thread_id, "topic closed");
        }
        Err((Some(TopicTrouble::Gone), _)) => state.store.drop_topic(patient, topic.thread_id)?,
        Err((_, e)) => return Err(e.into()),
    }
    Ok(())
}
