//! Patients in private chats: questions, buttons, media, commands, and `/forget`. Every
//! message, button press and edit counts against the flood limit; a question that meets a
//! failing database is retried until it is answered.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::command::BotCommands;
use tracing::{info, warn};

use super::buttons::{Action, Button};
use super::failure::Failure;
use super::messages;
use super::metrics::METRICS;
use super::send::{self, retry, Effect};
use super::{experts, guard, AppState, Handled, HandlerResult, PrivateCommand, Tg};
use crate::answer::Decision;
use crate::flood::Admit;
use crate::hours::instant;
use crate::store::{Offer, Question, Ticket};

/// Related articles shown under an answer, and closest ones under "not sure".
const RELATED_UNDER_ANSWER: usize = 2;
const CLOSEST_WHEN_UNSURE: usize = 3;

/// How often a question is tried while the database fails, and the waits between tries
/// (doubling from the first, at most the last): about five minutes in all.
const STORE_ATTEMPTS: u32 = 8;
const FIRST_STORE_WAIT: Duration = Duration::from_secs(2);
const LONGEST_STORE_WAIT: Duration = Duration::from_secs(60);

fn first_name(msg: &Message) -> String {
    msg.from
        .as_ref()
        .map(|u| u.first_name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Patient".into())
}

/// When the patient sent a message (Telegram's date), for flood control.
fn sent_at(msg: &Message) -> SystemTime {
    let date = msg.edit_date().copied().unwrap_or(msg.date);
    SystemTime::UNIX_EPOCH + Duration::from_secs(date.timestamp().max(0) as u64)
}

/// Applies flood control to something the patient sent at `sent`; false when it must not be
/// handled.
async fn admitted(bot: &Tg, state: &AppState, chat: ChatId, sent: SystemTime) -> bool {
    let (admit, per_minute) = {
        let mut gate = state.flood.lock().unwrap_or_else(|p| p.into_inner());
        (gate.admit(chat.0, sent), gate.per_minute())
    };
    match admit {
        Admit::Yes => true,
        Admit::SlowDown => {
            info!(chat = chat.0, "flood control: asked to slow down");
            let _ = send::html(bot, chat, &messages::slow_down(per_minute), None, None).await;
            false
        }
        Admit::Drop => false,
    }
}

pub async fn question(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("question", async {
        let text = msg.text().unwrap_or_default();
        // An emergency never meets flood control: a frightened carer writes line by line.
        // Triage is cheap and needs no search.
        let urgent = state.engine.load().triage(text).is_some();
        if !urgent && !admitted(&bot, &state, msg.chat.id, sent_at(&msg)).await {
            return Ok(());
        }
        let asked = Asked::new(
            msg.chat.id,
            first_name(&msg),
            msg.reply_to_message().is_some(),
        );
        answer_until_stored(&bot, &state, &asked, text).await
    })
    .await
}

/// Who asked, for `answer_text`.
struct Asked {
    chat: ChatId,
    name: String,
    /// The message replies to an earlier one (a follow-up to an open ticket).
    replying: bool,
    /// The safety message went out already (a retried emergency does not repeat it).
    safety_sent: AtomicBool,
}

impl Asked {
    fn new(chat: ChatId, name: String, replying: bool) -> Asked {
        Asked {
            chat,
            name,
            replying,
            safety_sent: AtomicBool::new(false),
        }
    }
}

/// Answers a question, trying again while the database fails (locked, disk full): the
/// patient is told once that the answer is coming, and the question is not dropped. If the
/// database stays down for minutes, the patient is asked to send it again.
async fn answer_until_stored(bot: &Tg, state: &AppState, asked: &Asked, text: &str) -> Handled {
    let mut wait = FIRST_STORE_WAIT;
    for attempt in 1..=STORE_ATTEMPTS {
        match answer_text(bot, state, asked, text).await {
            Err(e) if e.is_store() => {
                warn!(attempt, "cannot handle a question yet: {e}");
                if attempt == 1 {
                    send::html(bot, asked.chat, &messages::answer_delayed(), None, None).await?;
                }
            }
            done => return done,
        }
        if attempt < STORE_ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(LONGEST_STORE_WAIT);
        }
    }
    warn!("gave up on a question: the database stayed unavailable");
    send::html(bot, asked.chat, &messages::send_again_later(), None, None).await?;
    Ok(())
}

/// Counts an anonymous event; a failure is logged, never repeated with the reply.
fn count(state: &AppState, name: &str) {
    if let Err(e) = state.store.count(name) {
        warn!(counter = name, "cannot count: {e}");
    }
}

/// Answers one question, typed or picked from the questions a message held.
async fn answer_text(bot: &Tg, state: &AppState, asked: &Asked, text: &str) -> Handled {
    let engine = state.engine.load();
    let started = std::time::Instant::now();
    let verdict = crate::ask(&engine, &state.policy, text)
        .map_err(Failure::Search)?
        .verdict;
    METRICS.question(verdict.decision, started.elapsed());
    info!(decision = ?verdict.decision, confidence = verdict.confidence, "question decided");
    let offers: Vec<Offer> = verdict
        .alternatives
        .iter()
        .map(|a| Offer {
            id: a.id.clone(),
            title: a.title.clone(),
            url: a.url.clone(),
            passage: a.passage.clone(),
            confidence: a.confidence,
        })
        .collect();
    let chat = asked.chat;
    let name = &asked.name;
    // Not read for an emergency: its safety message must not wait on the database.
    let open_ticket = match verdict.decision {
        Decision::Urgent | Decision::Smalltalk => None,
        _ => state.store.open_ticket_of(chat.0)?,
    };
    match verdict.decision {
        Decision::Urgent => {
            let level = verdict.urgency.unwrap_or(crate::triage::Level::Emergency);
            if !asked.safety_sent.load(Ordering::Relaxed) {
                let safety = messages::safety(engine.safety_message(level));
                send::html(bot, chat, &safety, None, None).await?;
                asked.safety_sent.store(true, Ordering::Relaxed);
                count(state, "urgent");
            }
            // A same-day problem with a confident answer: the answer follows the safety
            // message (an emergency's verdict carries none).
            if verdict.article.is_some() {
                send::html(bot, chat, &messages::answer(&verdict), None, None).await?;
            }
            let ticket =
                experts::open_ticket(state, chat.0, name, text, Some(level), &offers).await?;
            let expect = state.schedule.expect(instant(ticket.created_at));
            let text = messages::urgent_ticket_opened(&ticket, &expect, &state.schedule);
            send::html(bot, chat, &text, None, None).await?;
        }
        Decision::Smalltalk => {
            send::html(bot, chat, &messages::smalltalk(&verdict), None, None).await?;
        }
        _ if open_ticket.is_some()
            && (verdict.decision == Decision::Escalate || asked.replying) =>
        {
            let ticket = open_ticket.expect("checked above");
            let posted = experts::follow_up(bot, state, &ticket, text).await;
            tell_if_passed_on(bot, chat, &ticket, posted).await?;
        }
        Decision::Clarify => {
            let html = messages::clarify(&verdict);
            let id = offer_closest(bot, state, asked, text, offers, &html, &[]).await?;
            note_for_review(state, id, "clarify");
        }
        Decision::Answer => {
            let related: Vec<Offer> = offers.into_iter().take(RELATED_UNDER_ANSWER).collect();
            let answered_with = verdict.article.as_ref().map(|a| a.id.as_str());
            let id = state
                .store
                .save_question(chat.0, name, text, answered_with, &related)?;
            let rating = |helpful| Button::about(id, Action::Rate { helpful }).encode();
            let mut rows = vec![vec![
                InlineKeyboardButton::callback("👍 Helpful", rating(true)),
                InlineKeyboardButton::callback("👎 Not helpful", rating(false)),
            ]];
            rows.extend(offer_rows(id, &related));
            rows.extend(other_question_rows(
                state,
                chat,
                name,
                &verdict.other_questions,
            )?);
            // Counted before sending, so `/stats` agrees with what the patient has seen.
            count(state, "answered");
            send::html(
                bot,
                chat,
                &messages::answer(&verdict),
                Some(InlineKeyboardMarkup::new(rows)),
                None,
            )
            .await?;
        }
        Decision::Escalate => {
            let html = messages::not_sure(!offers.is_empty());
            let others = &verdict.other_questions;
            let id = offer_closest(bot, state, asked, text, offers, &html, others).await?;
            note_for_review(state, id, "escalate");
        }
    }
    Ok(())
}

/// Sends `html` with the closest articles, an *Ask a kidney expert* button and the further
/// questions of the message as buttons (a question faqbot is unsure of, or a vague one).
/// Returns the saved question's id.
async fn offer_closest(
    bot: &Tg,
    state: &AppState,
    asked: &Asked,
    text: &str,
    offers: Vec<Offer>,
    html: &str,
    others: &[String],
) -> Result<i64, Failure> {
    let closest: Vec<Offer> = offers.into_iter().take(CLOSEST_WHEN_UNSURE).collect();
    let id = state
        .store
        .save_question(asked.chat.0, &asked.name, text, None, &closest)?;
    let mut rows = offer_rows(id, &closest);
    rows.push(vec![ask_expert_button(id)]);
    rows.extend(other_question_rows(state, asked.chat, &asked.name, others)?);
    let keyboard = Some(InlineKeyboardMarkup::new(rows));
    send::html(bot, asked.chat, html, keyboard, None).await?;
    Ok(id)
}

/// Notes what was decided about a saved question, for `faqbot review`; the patient's
/// conversation goes on if this fails.
fn note_for_review(state: &AppState, question: i64, decision: &str) {
    if let Err(e) = state.store.note_decision(question, decision) {
        warn!("cannot note the decision for review: {e}");
    }
}

/// One button per further question of the message. Each is kept like a question awaiting a
/// button press, so pressing it answers that question on its own.
fn other_question_rows(
    state: &AppState,
    chat: ChatId,
    name: &str,
    questions: &[String],
) -> Result<Vec<Vec<InlineKeyboardButton>>, Failure> {
    questions
        .iter()
        .map(|q| {
            let id = state.store.save_question(chat.0, name, q, None, &[])?;
            let label = messages::shorten(&format!("❓ {q}"), 60);
            Ok(vec![InlineKeyboardButton::callback(
                label,
                Button::about(id, Action::More).encode(),
            )])
        })
        .collect()
}

fn ask_expert_button(question: i64) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(
        "🩺 Ask a kidney expert",
        Button::about(question, Action::AskExpert).encode(),
    )
}

fn offer_rows(question_id: i64, offers: &[Offer]) -> Vec<Vec<InlineKeyboardButton>> {
    offers
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let label = messages::shorten(&format!("📖 {}", o.title), 60);
            let button = Button::about(question_id, Action::Related { index: i });
            vec![InlineKeyboardButton::callback(label, button.encode())]
        })
        .collect()
}

pub async fn command(
    bot: Tg,
    msg: Message,
    command: PrivateCommand,
    state: Arc<AppState>,
) -> HandlerResult {
    guard("command", async {
        let chat = msg.chat.id;
        let done = run_command(&bot, &msg, command, &state).await;
        apologise_if_stored_nothing(&bot, chat, done).await
    })
    .await
}

async fn run_command(
    bot: &Tg,
    msg: &Message,
    command: PrivateCommand,
    state: &AppState,
) -> Handled {
    let chat = msg.chat.id;
    match command {
        PrivateCommand::Start | PrivateCommand::Help => {
            send::html(bot, chat, &messages::welcome(&state.schedule), None, None).await?;
        }
        PrivateCommand::Privacy => {
            let text = messages::privacy(state.keep_days);
            send::html(bot, chat, &text, None, None).await?;
        }
        PrivateCommand::Forget => {
            let answer = |confirmed| Button::Forget { confirmed }.encode();
            let keyboard = InlineKeyboardMarkup::new(vec![vec![
                InlineKeyboardButton::callback("Yes, erase everything", answer(true)),
                InlineKeyboardButton::callback("Cancel", answer(false)),
            ]]);
            send::html(bot, chat, &messages::forget_confirm(), Some(keyboard), None).await?;
        }
    }
    Ok(())
}

/// A message that looks like a command this bot does not have ("/foo"): the list of
/// commands, rather than an answer to "foo".
pub async fn unknown_command(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("unknown command", async {
        if !admitted(&bot, &state, msg.chat.id, sent_at(&msg)).await {
            return Ok(());
        }
        let commands = PrivateCommand::descriptions().to_string();
        let text = messages::unknown_command(&commands);
        send::html(&bot, msg.chat.id, &text, None, None).await?;
        Ok(())
    })
    .await
}

/// Whether a text starts like a command: a slash and a letter.
pub fn looks_like_command(text: Option<&str>) -> bool {
    let mut chars = text.unwrap_or_default().chars();
    chars.next() == Some('/') && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Tells the patient to try again when the database failed; passes other outcomes on.
async fn apologise_if_stored_nothing(bot: &Tg, chat: ChatId, done: Handled) -> Handled {
    match done {
        Err(e) if e.is_store() => {
            send::html(bot, chat, &messages::try_again_later(), None, None).await?;
            Err(e)
        }
        other => other,
    }
}

/// Photos, documents, voice, stickers: attached to an open ticket when they can help it.
pub async fn media(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("media", async {
        if !admitted(&bot, &state, msg.chat.id, sent_at(&msg)).await {
            return Ok(());
        }
        let done = attach_media(&bot, &msg, &state).await;
        apologise_if_stored_nothing(&bot, msg.chat.id, done).await
    })
    .await
}

async fn attach_media(bot: &Tg, msg: &Message, state: &AppState) -> Handled {
    let attachable = msg.photo().is_some() || msg.document().is_some();
    let ticket = state.store.open_ticket_of(msg.chat.id.0)?;
    match ticket {
        Some(ticket) if attachable => {
            let copied = experts::attach(bot, state, &ticket, msg).await;
            tell_if_passed_on(bot, msg.chat.id, &ticket, copied).await?;
        }
        _ => {
            send::html(bot, msg.chat.id, &messages::text_only(), None, None).await?;
        }
    }
    Ok(())
}

/// Tells the patient whether a follow-up or attachment reached the expert group: when
/// Telegram failed there, the patient hears it at once rather than never.
async fn tell_if_passed_on(bot: &Tg, chat: ChatId, ticket: &Ticket, posted: Handled) -> Handled {
    let text = match posted {
        Ok(()) => messages::added_to_ticket(ticket),
        Err(Failure::Telegram(e)) => {
            warn!(
                ticket = ticket.id,
                "cannot pass a message on to the experts: {}",
                super::failure::telegram_kind(&e)
            );
            messages::not_passed_on(ticket)
        }
        Err(other) => return Err(other),
    };
    send::html(bot, chat, &text, None, None).await?;
    Ok(())
}

pub async fn edited(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("edited", async {
        if !admitted(&bot, &state, msg.chat.id, sent_at(&msg)).await {
            return Ok(());
        }
        send::html(&bot, msg.chat.id, &messages::edited(), None, None).await?;
        Ok(())
    })
    .await
}

/// Button presses: feedback, related articles, "ask an expert", further questions, and
/// `/forget` confirmation. A press is answered even when flood control drops it.
pub async fn callback(bot: Tg, query: CallbackQuery, state: Arc<AppState>) -> HandlerResult {
    guard("callback", async {
        let chat = ChatId(query.from.id.0 as i64);
        if !admitted(&bot, &state, chat, SystemTime::now()).await {
            return answer_callback(&bot, &query, None).await;
        }
        let Some(button) = query.data.as_deref().and_then(Button::parse) else {
            warn!("malformed button data");
            return answer_callback(&bot, &query, None).await;
        };
        let done = press(&bot, &state, &query, chat, button).await;
        apologise_if_stored_nothing(&bot, chat, done).await
    })
    .await
}

async fn press(
    bot: &Tg,
    state: &AppState,
    query: &CallbackQuery,
    chat: ChatId,
    button: Button,
) -> Handled {
    match button {
        Button::Forget { confirmed: true } => {
            state.store.forget(chat.0)?;
            info!("a patient erased their data");
            send::html(bot, chat, &messages::forgotten(), None, None).await?;
            answer_callback(bot, query, None).await
        }
        Button::Forget { confirmed: false } => {
            send::html(bot, chat, &messages::forget_cancelled(), None, None).await?;
            answer_callback(bot, query, None).await
        }
        Button::About { question, action } => {
            match state
                .store
                .question(question)?
                .filter(|q| q.chat_id == chat.0)
            {
                Some(question) => act(bot, state, query, &question, action).await,
                None => {
                    send::html(bot, chat, &messages::expired(), None, None).await?;
                    answer_callback(bot, query, None).await
                }
            }
        }
    }
}

/// Carries out a button press about one of the patient's questions.
async fn act(
    bot: &Tg,
    state: &AppState,
    query: &CallbackQuery,
    question: &Question,
    action: Action,
) -> Handled {
    let chat = ChatId(question.chat_id);
    let mut notice = None;
    match action {
        Action::Rate { helpful } => {
            state.store.feedback(question.id, chat.0, helpful)?;
            notice = Some(messages::thanks_for_feedback());
            if !helpful {
                let keyboard =
                    InlineKeyboardMarkup::new(vec![vec![ask_expert_button(question.id)]]);
                send::html(bot, chat, &messages::not_helpful(), Some(keyboard), None).await?;
            }
        }
        Action::More => {
            let asked = Asked::new(chat, question.first_name.clone(), false);
            answer_callback(bot, query, None).await?;
            return answer_until_stored(bot, state, &asked, &question.text).await;
        }
        Action::Related { index } => {
            let text = match question.offers.get(index) {
                Some(offer) => messages::offer(offer),
                None => messages::expired(),
            };
            send::html(bot, chat, &text, None, None).await?;
        }
        Action::AskExpert => ask_expert(bot, state, chat, question).await?,
    }
    answer_callback(bot, query, notice).await
}

/// Hands a question to the experts (once: pressing again shows the same ticket).
async fn ask_expert(bot: &Tg, state: &AppState, chat: ChatId, question: &Question) -> Handled {
    let ticket = match state.store.open_ticket_of(chat.0)? {
        Some(t) if t.question == question.text => t,
        _ => {
            experts::open_ticket(
                state,
                chat.0,
                &question.first_name,
                &question.text,
                None,
                &question.offers,
            )
            .await?
        }
    };
    // Told from when the ticket was opened, so pressing again promises the same time.
    let expect = state.schedule.expect(instant(ticket.created_at));
    let text = messages::ticket_opened(&ticket, &expect, &state.schedule);
    send::html(bot, chat, &text, None, None).await?;
    Ok(())
}

async fn answer_callback(bot: &Tg, query: &CallbackQuery, text: Option<&str>) -> Handled {
    retry("answerCallbackQuery", Effect::Repeatable, || {
        let mut request = bot.answer_callback_query(query.id.clone());
        if let Some(text) = text {
            request = request.text(text);
        }
        request.send()
    })
    .await?;
    Ok(())
}
