//! The expert group: tickets posted as copies (the most urgent first), replies relayed to
//! patients (or held back, with a word to the expert, when the question is closed or its
//! patient erased it), follow-ups and commands. Reminders are in `reminders`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{MessageId, ReplyParameters};
use tokio::sync::{oneshot, Notify};
use tracing::{error, info, warn};

use super::failure::{telegram_kind, Failure};
use super::messages;
use super::metrics::METRICS;
use super::send::{self, is_unreachable, retry, Effect};
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
        if let Err(e) = post_waiting(&bot, &state).await {
            warn!("cannot read the tickets to post: {e}");
        }
        let _ = tokio::time::timeout(round(&state), state.outbox.wake.notified()).await;
    }
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
        let waiting = state.outbox.waiting().remove(&ticket.id);
        let guesses = waiting.as_ref().map_or(&[][..], |w| w.guesses.as_slice());
        if !post_ticket(bot, state, &ticket, guesses).await {
            failed.insert(ticket.id);
        }
    }
}

async fn post_ticket(bot: &Tg, state: &AppState, ticket: &Ticket, guesses: &[Offer]) -> bool {
    let text = messages::ticket(ticket, guesses);
    match send::html(bot, state.expert_group(), &text, None, None).await {
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
            warn!(
                ticket = ticket.id,
                "cannot post the ticket yet: {}",
                telegram_kind(&e)
            );
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

pub(super) fn reply_target(ticket: &Ticket) -> Option<MessageId> {
    ticket.group_message_id.map(MessageId)
}

/// Posts a patient's follow-up under their ticket.
pub async fn follow_up(bot: &Tg, state: &AppState, ticket: &Ticket, text: &str) -> Handled {
    let posted = send::html(
        bot,
        state.expert_group(),
        &messages::follow_up(ticket, text),
        None,
        reply_target(ticket),
    )
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
    let copied = retry("copyMessage", Effect::Delivers, || {
        let mut request = bot
            .copy_message(state.expert_group(), msg.chat.id, msg.id)
            .caption(caption.clone());
        if let Some(id) = reply_target(ticket) {
            request =
                request.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        request.send()
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
                let note = messages::patient_erased(id);
                send::html(&bot, group, &note, None, Some(msg.id)).await?;
            }
            return Ok(());
        };
        if !ticket.open {
            info!(ticket = ticket.id, "reply to a closed question held back");
            let note = messages::reply_to_closed(ticket.id);
            let sent = send::html(&bot, group, &note, None, Some(msg.id)).await?;
            state.store.link_message(ticket.id, group.0, sent.id.0)?;
            return Ok(());
        }
        relay(&bot, &state, &msg, &ticket).await
    })
    .await
}

/// Sends an expert's reply to the ticket's patient, and tells the group how it went.
async fn relay(bot: &Tg, state: &AppState, msg: &Message, ticket: &Ticket) -> Handled {
    let group = msg.chat.id;
    let Some(text) = msg.text().or(msg.caption()) else {
        send::html(
            bot,
            group,
            "Please answer in text, so I can relay it.",
            None,
            Some(msg.id),
        )
        .await?;
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
    let confirmation = send::html(bot, group, &note, None, Some(msg.id)).await?;
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
        let group = msg.chat.id;
        let text = match command {
            ExpertCommand::Open => messages::open_tickets(&state.store.open_tickets()?, now()),
            ExpertCommand::Close(arg) => match ticket_number(&state, &msg, &arg)? {
                Some(id) if state.store.close_ticket(id)? => {
                    info!(ticket = id, "ticket closed");
                    messages::closed(id)
                }
                Some(id) => messages::not_open(id),
                None => messages::close_usage(),
            },
            ExpertCommand::Reopen(arg) => match ticket_number(&state, &msg, &arg)? {
                Some(id) if state.store.reopen_ticket(id)? => {
                    info!(ticket = id, "ticket reopened");
                    messages::reopened(id)
                }
                Some(id) => messages::not_closed(id),
                None => messages::reopen_usage(),
            },
        };
        send::html(&bot, group, &text, None, Some(msg.id)).await?;
        Ok(())
    })
    .await
}

/// The ticket a command names: `NUMBER` (or `#NUMBER`), else the one it replies to.
fn ticket_number(state: &AppState, msg: &Message, arg: &str) -> Result<Option<i64>, Failure> {
    let replied = match msg.reply_to_message() {
        Some(m) => state
            .store
            .ticket_for_message(msg.chat.id.0, m.id.0)?
            .map(|t| t.id),
        None => None,
    };
    let number = arg.trim().trim_start_matches('#').parse::<i64>().ok();
    Ok(number.or(replied))
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
