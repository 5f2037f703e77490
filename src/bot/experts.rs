//! The expert group: tickets posted as copies (the most urgent first), replies relayed to
//! patients (or held back, with a word to the expert, when the question is closed or its
//! patient erased it), follow-ups and commands. In a forum group everything about a patient
//! goes into their topic (`topics`) and whatever experts write there is relayed. Reminders
//! are in `reminders`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{MessageId, ReplyParameters, ThreadId};
use teloxide::RequestError;
use tokio::sync::{oneshot, Notify};
use tracing::{error, info, warn};

use super::failure::{telegram_kind, Failure};
use super::messages;
use super::metrics::METRICS;
use super::send::{self, is_unreachable, retry, Effect};
use super::topics;
use super::{guard, AppState, ExpertCommand, Handled, HandlerResult, Tg, EXPERT_GROUP_SETTING};
use crate::store::{now, Offer, Ticket};
use crate::triage::Level;

/// How long a patient's handler waits for its ticket to reach the expert group, so that a
/// follow-up never lands before the question it follows. Telegram allows a group about 20
/// messages a minute; past this wait the ticket is still posted, just later.
const POST_WAIT: Duration = Duration::from_secs(90);

/// Tickets waiting for the expert group. One task posts them, the most urgent first, so an
/// emergency never waits behind routine questions in Telegram's per-group rate limit.
#[derive(Default)]
pub struct Outbox {
    wake: Notify,
    waiting: Mutex<HashMap<i64, Waiting>>,
}

/// What the poster needs besides the stored ticket: the bot's guesses for the experts, and
/// the handler to tell once the ticket is posted (dropping it tells too).
struct Waiting {
    guesses: Vec<Offer>,
    _posted: oneshot::Sender<()>,
}

impl Outbox {
    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Waiting>> {
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Creates a ticket and has it posted in the expert group, in order of urgency. If posting
/// fails the ticket is kept and posted on a later round.
pub async fn open_ticket(
    state: &AppState,
    chat_id: i64,
    first_name: &str,
    question: &str,
    urgency: Option<Level>,
    guesses: &[Offer],
) -> Result<Ticket, Failure> {
    let ticket = state
        .store
        .create_ticket(chat_id, first_name, question, urgency)?;
    if let Err(e) = state.store.count("escalated") {
        warn!(ticket = ticket.id, "cannot count the escalation: {e}");
    }
    info!(ticket = ticket.id, urgency = ?urgency, "ticket opened");
    let (posted, wait) = oneshot::channel();
    state.outbox.waiting().insert(
        ticket.id,
        Waiting {
            guesses: guesses.to_vec(),
            _posted: posted,
        },
    );
    state.outbox.wake.notify_one();
    let _ = tokio::time::timeout(POST_WAIT, wait).await;
    Ok(ticket)
}

/// Posts waiting tickets as they come, and retries those that failed every round.
pub async fn post_loop(bot: Tg, state: Arc<AppState>) {
    loop {
        if let Err(e) = release_posted(&state) {
            warn!("cannot read the tickets waiting to be posted: {e}");
        }
        // Instances sharing a database: the one whose turn it is posts (see `Turn`).
        if !state.turn.is_mine() {
            tokio::time::sleep(round(&state)).await;
            continue;
        }
        if let Err(e) = post_waiting(&bot, &state).await {
            warn!("cannot read the tickets to post: {e}");
        }
        let _ = tokio::time::timeout(round(&state), state.outbox.wake.notified()).await;
    }
}

/// Lets a handler waiting for its ticket to be posted go on when another instance on the
/// same database has posted it (this instance's poster may never see it unposted).
fn release_posted(state: &AppState) -> Handled {
    let waiting: Vec<i64> = state.outbox.waiting().keys().copied().collect();
    for id in waiting {
        if state
            .store
            .ticket(id)?
            .is_none_or(|t| t.group_message_id.is_some())
        {
            state.outbox.waiting().remove(&id);
        }
    }
    Ok(())
}

/// Posts every unposted ticket, choosing the most urgent one afresh after each post so a
/// new emergency goes next. A ticket that fails waits for the next round.
async fn post_waiting(bot: &Tg, state: &AppState) -> Handled {
    let mut failed = HashSet::new();
    loop {
        let unposted = state.store.unposted_tickets()?;
        let Some(ticket) = unposted.into_iter().find(|t| !failed.contains(&t.id)) else {
            return Ok(());
        };
        // Another instance on the same database may be posting it right now.
        if !state.store.claim_ticket(ticket.id)? {
            failed.insert(ticket.id);
            let posted = state.store.ticket(ticket.id)?;
            if posted.is_none_or(|t| t.group_message_id.is_some()) {
                state.outbox.waiting().remove(&ticket.id);
            }
            continue;
        }
        let waiting = state.outbox.waiting().remove(&ticket.id);
        let guesses = waiting.as_ref().map_or(&[][..], |w| w.guesses.as_slice());
        if !post_ticket(bot, state, &ticket, guesses).await {
            failed.insert(ticket.id);
            if let Err(e) = state.store.release_ticket(ticket.id) {
                warn!(
                    ticket = ticket.id,
                    "cannot give the ticket back for later: {e}"
                );
            }
        }
    }
}

async fn post_ticket(bot: &Tg, state: &AppState, ticket: &Ticket, guesses: &[Offer]) -> bool {
    let text = messages::ticket(ticket, guesses, state.is_forum());
    let text = text.as_str();
    let posted = topics::post(bot, state, ticket, |thread| {
        send::html_in(bot, state.expert_group(), thread, text, None, None)
    })
    .await;
    match posted {
        Ok(posted) => {
            if let Err(e) = state
                .store
                .link_message(ticket.id, posted.chat.id.0, posted.id.0)
            {
                error!(ticket = ticket.id, "cannot link the ticket message: {e}");
            }
            true
        }
        Err(e) => {
            warn!(ticket = ticket.id, "cannot post the ticket yet: {e}");
            false
        }
    }
}

/// How often the background tasks run a round: a quarter of the reminder period or of the
/// urgent re-raise interval, whichever is shorter, within 200 ms and 5 s.
pub(super) fn round(state: &AppState) -> Duration {
    let shortest = state.reminder_after.min(state.urgent_every);
    (shortest / 4).clamp(Duration::from_millis(200), Duration::from_secs(5))
}

/// What a message about a ticket replies to: its first message in a plain group; nothing in
/// the patient's topic (`thread`), where messages simply follow each other.
pub(super) fn reply_target(ticket: &Ticket, thread: Option<ThreadId>) -> Option<MessageId> {
    ticket
        .group_message_id
        .map(MessageId)
        .filter(|_| thread.is_none())
}

/// Answers an expert's message in the group, in the topic it was written in.
async fn answer_expert(bot: &Tg, msg: &Message, text: &str) -> Result<Message, RequestError> {
    let thread = topics::thread_of(msg);
    send::html_in(bot, msg.chat.id, thread, text, None, Some(msg.id)).await
}

/// Posts a patient's follow-up under their ticket (in their topic in a forum group).
pub async fn follow_up(bot: &Tg, state: &AppState, ticket: &Ticket, text: &str) -> Handled {
    let text = messages::follow_up(ticket, text);
    let text = text.as_str();
    let posted = topics::post(bot, state, ticket, |thread| {
        let reply = reply_target(ticket, thread);
        send::html_in(bot, state.expert_group(), thread, text, None, reply)
    })
    .await?;
    // Posted already: a failure to link it must not post it again.
    if let Err(e) = state
        .store
        .link_message(ticket.id, posted.chat.id.0, posted.id.0)
    {
        error!(ticket = ticket.id, "cannot link the follow-up: {e}");
    }
    info!(ticket = ticket.id, "follow-up added");
    Ok(())
}

/// Copies a patient's photo or document into the ticket thread (a copy hides the sender).
pub async fn attach(bot: &Tg, state: &AppState, ticket: &Ticket, msg: &Message) -> Handled {
    let caption = format!("📎 Attachment for question #{}", ticket.id);
    let caption = caption.as_str();
    let copied = topics::post(bot, state, ticket, |thread| async move {
        super::pace::turn(state.expert_group()).await;
        retry("copyMessage", Effect::Delivers, move || {
            let mut request = bot
                .copy_message(state.expert_group(), msg.chat.id, msg.id)
                .caption(caption);
            if let Some(thread) = thread {
                request = request.message_thread_id(thread);
            }
            if let Some(id) = reply_target(ticket, thread) {
                request = request
                    .reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
            }
            request.send()
        })
        .await
    })
    .await?;
    if let Err(e) = state
        .store
        .link_message(ticket.id, state.expert_group().0, copied.0)
    {
        error!(ticket = ticket.id, "cannot link the attachment: {e}");
    }
    info!(ticket = ticket.id, "attachment added");
    Ok(())
}

/// An expert's reply to any message of a ticket: relay it to the patient. A reply to a
/// closed question is held back (the expert is told to `/reopen` it first), and a reply to
/// a question whose patient erased their data is answered with a note that nobody got it.
pub async fn reply(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("expert reply", async {
        let Some(replied) = msg.reply_to_message() else {
            return Ok(());
        };
        let group = msg.chat.id;
        let Some(ticket) = state.store.ticket_for_message(group.0, replied.id.0)? else {
            if let Some(id) = state
                .store
                .erased_ticket_for_message(group.0, replied.id.0)?
            {
                info!(ticket = id, "reply to an erased question");
                answer_expert(&bot, &msg, &messages::patient_erased(id)).await?;
            }
            return Ok(());
        };
        relay_if_open(&bot, &state, &msg, &ticket).await
    })
    .await
}

/// Whatever an expert writes in a patient's topic (forum mode): relayed to the patient's
/// newest question like a reply, held back if it is closed, answered with a note if the
/// patient erased their data. Topics that are not a patient's are left alone.
pub async fn in_topic(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("expert in topic", async {
        let Some(thread) = topics::thread_of(&msg).filter(|_| topics::written_by_expert(&msg))
        else {
            return Ok(());
        };
        let group = msg.chat.id.0;
        let Some(topic) = state.store.topic_at(group, thread.0 .0)? else {
            if let Some(id) = state.store.erased_ticket_for_message(group, thread.0 .0)? {
                info!(ticket = id, "message in the topic of an erased question");
                answer_expert(&bot, &msg, &messages::patient_erased(id)).await?;
            }
            return Ok(());
        };
        // A reply names its ticket (a patient may have a routine and an urgent one open);
        // otherwise the patient's open ticket, else their last.
        let replied = match msg.reply_to_message() {
            Some(to) => state
                .store
                .ticket_for_message(group, to.id.0)?
                .filter(|t| t.chat_id == topic.chat_id),
            None => None,
        };
        let ticket = match replied {
            Some(named) => Some(named),
            None => match state.store.open_ticket_of(topic.chat_id)? {
                Some(open) => Some(open),
                None => state.store.last_ticket_of(topic.chat_id)?,
            },
        };
        match ticket {
            Some(ticket) => relay_if_open(&bot, &state, &msg, &ticket).await,
            None => Ok(()),
        }
    })
    .await
}

/// Relays an expert's message about `ticket`, or holds it back if the ticket is closed.
async fn relay_if_open(bot: &Tg, state: &AppState, msg: &Message, ticket: &Ticket) -> Handled {
    if !ticket.open {
        info!(ticket = ticket.id, "reply to a closed question held back");
        let note = messages::reply_to_closed(ticket.id);
        let sent = answer_expert(bot, msg, &note).await?;
        state
            .store
            .link_message(ticket.id, msg.chat.id.0, sent.id.0)?;
        return Ok(());
    }
    relay(bot, state, msg, ticket).await
}

/// Sends an expert's reply to the ticket's patient, and tells the group how it went.
async fn relay(bot: &Tg, state: &AppState, msg: &Message, ticket: &Ticket) -> Handled {
    let group = msg.chat.id;
    let Some(text) = msg.text().or(msg.caption()) else {
        answer_expert(bot, msg, "Please answer in text, so I can relay it.").await?;
        return Ok(());
    };
    let patient = ChatId(ticket.chat_id);
    let mut outcome = Ok(());
    for piece in messages::expert_answer(ticket.id, text) {
        if let Err(e) = send::html(bot, patient, &piece, None, None).await {
            outcome = Err(e);
            break;
        }
    }
    let note = match outcome {
        Ok(()) => {
            if !ticket.answered {
                let waited = (now() - ticket.created_at).max(0) as u64;
                METRICS.first_expert_reply(Duration::from_secs(waited));
            }
            state.store.mark_answered(ticket.id)?;
            state.store.keep_expert_answer(ticket.id, text)?;
            state.store.link_message(ticket.id, group.0, msg.id.0)?;
            info!(ticket = ticket.id, "expert answer delivered");
            messages::delivered(ticket.id)
        }
        Err(e) if is_unreachable(&e) => {
            state.store.set_unreachable(ticket.chat_id, true)?;
            warn!(ticket = ticket.id, "patient unreachable");
            messages::undeliverable(ticket.id)
        }
        Err(e) => {
            warn!(ticket = ticket.id, "delivery failed: {}", telegram_kind(&e));
            messages::delivery_failed(ticket.id)
        }
    };
    let confirmation = answer_expert(bot, msg, &note).await?;
    state
        .store
        .link_message(ticket.id, group.0, confirmation.id.0)?;
    Ok(())
}

pub async fn command(
    bot: Tg,
    msg: Message,
    command: ExpertCommand,
    state: Arc<AppState>,
) -> HandlerResult {
    guard("expert command", async {
        // Whose topic to close after answering, or to reopen before.
        let mut close_topic_of = None;
        let text = match command {
            ExpertCommand::Open => messages::open_tickets(&state.store.open_tickets()?, now()),
            ExpertCommand::Close(arg) => match ticket_number(&state, &msg, &arg)? {
                Some(id) if state.store.close_ticket(id)? => {
                    info!(ticket = id, "ticket closed");
                    close_topic_of = state.store.ticket(id)?.map(|t| t.chat_id);
                    messages::closed(id)
                }
                Some(id) => messages::not_open(id),
                None => messages::close_usage(),
            },
            ExpertCommand::Reopen(arg) => match ticket_number(&state, &msg, &arg)? {
                Some(id) if state.store.reopen_ticket(id)? => {
                    info!(ticket = id, "ticket reopened");
                    if let Some(ticket) = state.store.ticket(id)? {
                        if let Err(e) = topics::reopen(&bot, &state, ticket.chat_id).await {
                            warn!(ticket = id, "cannot reopen the topic: {e}");
                        }
                    }
                    messages::reopened(id, state.is_forum())
                }
                Some(id) => messages::not_closed(id),
                None => messages::reopen_usage(),
            },
        };
        answer_expert(&bot, &msg, &text).await?;
        if let Some(patient) = close_topic_of {
            topics::close(&bot, &state, patient).await?;
        }
        Ok(())
    })
    .await
}

/// The ticket a command names: `NUMBER` (or `#NUMBER`), else the one it replies to, else
/// (in a patient's topic) the patient's newest one.
fn ticket_number(state: &AppState, msg: &Message, arg: &str) -> Result<Option<i64>, Failure> {
    let number = arg.trim().trim_start_matches('#').parse::<i64>().ok();
    if number.is_some() {
        return Ok(number);
    }
    let group = msg.chat.id.0;
    if let Some(m) = msg.reply_to_message() {
        if let Some(ticket) = state.store.ticket_for_message(group, m.id.0)? {
            return Ok(Some(ticket.id));
        }
    }
    let Some(thread) = topics::thread_of(msg).filter(|_| state.is_forum()) else {
        return Ok(None);
    };
    Ok(match state.store.topic_at(group, thread.0 .0)? {
        Some(topic) => state.store.last_ticket_of(topic.chat_id)?.map(|t| t.id),
        None => None,
    })
}

/// The group became a supergroup: follow it to its new chat id.
pub async fn migrated(msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("migration", async {
        if let Some(new) = msg.migrate_to_chat_id() {
            let configured = state.store.setting("expert_group_configured")?;
            let key = configured.unwrap_or_else(|| msg.chat.id.0.to_string());
            state
                .store
                .set_setting(&format!("{EXPERT_GROUP_SETTING}:{key}"), &new.0.to_string())?;
            state.expert_group.store(new.0, Ordering::Relaxed);
            info!(
                old = msg.chat.id.0,
                new = new.0,
                "expert group migrated to a supergroup"
            );
        }
        Ok(())
    })
    .await
}
