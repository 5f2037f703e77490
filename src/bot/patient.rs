//! Patients in private chats: questions, buttons, media, commands, and `/forget`.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use tracing::{info, warn};

use super::messages;
use super::send::{self, retry};
use super::{experts, guard, AppState, HandlerResult, PrivateCommand, Tg};
use crate::answer::Decision;
use crate::flood::Admit;
use crate::store::Offer;

/// Related articles shown under an answer, and closest ones under "not sure".
const RELATED_UNDER_ANSWER: usize = 2;
const CLOSEST_WHEN_UNSURE: usize = 3;

fn first_name(msg: &Message) -> String {
    msg.from
        .as_ref()
        .map(|u| u.first_name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Patient".into())
}

/// Applies flood control; false when the message must not be handled.
async fn admitted(bot: &Tg, state: &AppState, chat: ChatId) -> bool {
    let admit = {
        let mut gate = state.flood.lock().unwrap_or_else(|p| p.into_inner());
        gate.admit(chat.0, Instant::now())
    };
    match admit {
        Admit::Yes => true,
        Admit::SlowDown => {
            info!(chat = chat.0, "flood control: asked to slow down");
            let _ = send::html(bot, chat, &messages::slow_down(), None, None).await;
            false
        }
        Admit::Drop => false,
    }
}

pub async fn question(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("question", async {
        if !admitted(&bot, &state, msg.chat.id).await {
            return Ok(());
        }
        let text = msg.text().unwrap_or_default();
        let asked = Asked {
            chat: msg.chat.id,
            name: first_name(&msg),
            replying: msg.reply_to_message().is_some(),
        };
        answer_text(&bot, &state, &asked, text).await
    })
    .await
}

/// Who asked, for `answer_text`.
struct Asked {
    chat: ChatId,
    name: String,
    /// The message replies to an earlier one (a follow-up to an open ticket).
    replying: bool,
}

/// Answers one question, typed or picked from the questions a message held.
async fn answer_text(bot: &Tg, state: &AppState, asked: &Asked, text: &str) -> HandlerResult {
    let engine = state.engine.load();
    let verdict = crate::ask(&engine, &state.policy, text)?.verdict;
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
    let open_ticket = state.store.open_ticket_of(chat.0)?;
    match verdict.decision {
        Decision::Urgent => {
            let level = verdict.urgency.unwrap_or(crate::triage::Level::Emergency);
            send::html(
                bot,
                chat,
                &messages::safety(engine.safety_message(level)),
                None,
                None,
            )
            .await?;
            state.store.count("urgent")?;
            let ticket =
                experts::open_ticket(state, chat.0, name, text, Some(level), &offers).await?;
            send::html(
                bot,
                chat,
                &messages::urgent_ticket_opened(&ticket),
                None,
                None,
            )
            .await?;
        }
        Decision::Smalltalk => {
            send::html(bot, chat, &messages::smalltalk(&verdict), None, None).await?;
        }
        _ if open_ticket.is_some()
            && (verdict.decision == Decision::Escalate || asked.replying) =>
        {
            let ticket = open_ticket.expect("checked above");
            experts::follow_up(bot, state, &ticket, text).await?;
            send::html(bot, chat, &messages::added_to_ticket(&ticket), None, None).await?;
        }
        Decision::Clarify => {
            let html = messages::clarify(&verdict);
            offer_closest(bot, state, asked, text, offers, &html, &[]).await?;
        }
        Decision::Answer => {
            let related: Vec<Offer> = offers.into_iter().take(RELATED_UNDER_ANSWER).collect();
            let answered_with = verdict.article.as_ref().map(|a| a.id.as_str());
            let id = state
                .store
                .save_question(chat.0, name, text, answered_with, &related)?;
            let mut rows = vec![vec![
                InlineKeyboardButton::callback("👍 Helpful", format!("fb:{id}:1")),
                InlineKeyboardButton::callback("👎 Not helpful", format!("fb:{id}:0")),
            ]];
            rows.extend(offer_rows(id, &related));
            rows.extend(other_question_rows(
                state,
                chat,
                name,
                &verdict.other_questions,
            )?);
            send::html(
                bot,
                chat,
                &messages::answer(&verdict),
                Some(InlineKeyboardMarkup::new(rows)),
                None,
            )
            .await?;
            state.store.count("answered")?;
        }
        Decision::Escalate => {
            let html = messages::not_sure(!offers.is_empty());
            let others = &verdict.other_questions;
            offer_closest(bot, state, asked, text, offers, &html, others).await?;
        }
    }
    Ok(())
}

/// Sends `html` with the closest articles, an *Ask a kidney expert* button and the further
/// questions of the message as buttons (a question faqbot is unsure of, or a vague one).
async fn offer_closest(
    bot: &Tg,
    state: &AppState,
    asked: &Asked,
    text: &str,
    offers: Vec<Offer>,
    html: &str,
    others: &[String],
) -> HandlerResult {
    let closest: Vec<Offer> = offers.into_iter().take(CLOSEST_WHEN_UNSURE).collect();
    let id = state
        .store
        .save_question(asked.chat.0, &asked.name, text, None, &closest)?;
    let mut rows = offer_rows(id, &closest);
    rows.push(vec![InlineKeyboardButton::callback(
        "🩺 Ask a kidney expert",
        format!("ask:{id}"),
    )]);
    rows.extend(other_question_rows(state, asked.chat, &asked.name, others)?);
    let keyboard = Some(InlineKeyboardMarkup::new(rows));
    send::html(bot, asked.chat, html, keyboard, None).await?;
    Ok(())
}

/// One button per further question of the message. Each is kept like a question awaiting a
/// button press, so pressing it answers that question on its own.
fn other_question_rows(
    state: &AppState,
    chat: ChatId,
    name: &str,
    questions: &[String],
) -> anyhow::Result<Vec<Vec<InlineKeyboardButton>>> {
    questions
        .iter()
        .map(|q| {
            let id = state.store.save_question(chat.0, name, q, None, &[])?;
            let label = messages::shorten(&format!("❓ {q}"), 60);
            Ok(vec![InlineKeyboardButton::callback(
                label,
                format!("more:{id}"),
            )])
        })
        .collect()
}

fn offer_rows(question_id: i64, offers: &[Offer]) -> Vec<Vec<InlineKeyboardButton>> {
    offers
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let label = messages::shorten(&format!("📖 {}", o.title), 60);
            vec![InlineKeyboardButton::callback(
                label,
                format!("rel:{question_id}:{i}"),
            )]
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
        match command {
            PrivateCommand::Start | PrivateCommand::Help => {
                send::html(&bot, chat, &messages::welcome(), None, None).await?;
            }
            PrivateCommand::Privacy => {
                send::html(&bot, chat, &messages::privacy(), None, None).await?;
            }
            PrivateCommand::Forget => {
                let keyboard = InlineKeyboardMarkup::new(vec![vec![
                    InlineKeyboardButton::callback("Yes, erase everything", "forget:yes"),
                    InlineKeyboardButton::callback("Cancel", "forget:no"),
                ]]);
                send::html(
                    &bot,
                    chat,
                    &messages::forget_confirm(),
                    Some(keyboard),
                    None,
                )
                .await?;
            }
            PrivateCommand::Reindex | PrivateCommand::Stats
                if !state.is_admin(msg.from.as_ref()) =>
            {
                info!(chat = chat.0, "maintainer command refused");
                send::html(&bot, chat, &messages::admins_only(), None, None).await?;
            }
            PrivateCommand::Reindex => experts::reindex(&bot, &state, chat).await?,
            PrivateCommand::Stats => {
                let stats = state.store.stats()?;
                send::html(&bot, chat, &messages::stats(&stats), None, None).await?;
            }
        }
        Ok(())
    })
    .await
}

/// Photos, documents, voice, stickers: attached to an open ticket when they can help it.
pub async fn media(bot: Tg, msg: Message, state: Arc<AppState>) -> HandlerResult {
    guard("media", async {
        if !admitted(&bot, &state, msg.chat.id).await {
            return Ok(());
        }
        let attachable = msg.photo().is_some() || msg.document().is_some();
        let ticket = state.store.open_ticket_of(msg.chat.id.0)?;
        match ticket {
            Some(ticket) if attachable => {
                experts::attach(&bot, &state, &ticket, &msg).await?;
                send::html(
                    &bot,
                    msg.chat.id,
                    &messages::added_to_ticket(&ticket),
                    None,
                    None,
                )
                .await?;
            }
            _ => {
                send::html(&bot, msg.chat.id, &messages::text_only(), None, None).await?;
            }
        }
        Ok(())
    })
    .await
}

pub async fn edited(bot: Tg, msg: Message) -> HandlerResult {
    guard("edited", async {
        send::html(&bot, msg.chat.id, &messages::edited(), None, None).await?;
        Ok(())
    })
    .await
}

/// Button presses: feedback, related articles, "ask an expert", `/forget` confirmation.
pub async fn callback(bot: Tg, query: CallbackQuery, state: Arc<AppState>) -> HandlerResult {
    guard("callback", async {
        let data = query.data.clone().unwrap_or_default();
        let chat = ChatId(query.from.id.0 as i64);
        let mut parts = data.split(':');
        let (kind, id, arg) = (parts.next(), parts.next(), parts.next());
        let question_id: Option<i64> = id.and_then(|s| s.parse().ok());
        let mut notice: Option<&str> = None;
        match (kind, question_id) {
            (Some("forget"), _) => {
                if id == Some("yes") {
                    state.store.forget(chat.0)?;
                    info!("a patient erased their data");
                    send::html(&bot, chat, &messages::forgotten(), None, None).await?;
                } else {
                    send::html(&bot, chat, &messages::forget_cancelled(), None, None).await?;
                }
            }
            (Some(kind), Some(qid)) => {
                let Some(question) = state.store.question(qid)?.filter(|q| q.chat_id == chat.0)
                else {
                    send::html(&bot, chat, &messages::expired(), None, None).await?;
                    return answer_callback(&bot, &query, None).await;
                };
                match kind {
                    "fb" => {
                        let helpful = arg == Some("1");
                        state.store.feedback(qid, chat.0, helpful)?;
                        notice = Some(messages::thanks_for_feedback());
                        if !helpful {
                            let keyboard = InlineKeyboardMarkup::new(vec![vec![
                                InlineKeyboardButton::callback(
                                    "🩺 Ask a kidney expert",
                                    format!("ask:{qid}"),
                                ),
                            ]]);
                            send::html(&bot, chat, &messages::not_helpful(), Some(keyboard), None)
                                .await?;
                        }
                    }
                    "more" => {
                        let asked = Asked {
                            chat,
                            name: question.first_name.clone(),
                            replying: false,
                        };
                        answer_callback(&bot, &query, None).await?;
                        return answer_text(&bot, &state, &asked, &question.text).await;
                    }
                    "rel" => {
                        let offer = arg
                            .and_then(|i| i.parse::<usize>().ok())
                            .and_then(|i| question.offers.get(i));
                        match offer {
                            Some(offer) => {
                                send::html(&bot, chat, &messages::offer(offer), None, None).await?
                            }
                            None => {
                                send::html(&bot, chat, &messages::expired(), None, None).await?
                            }
                        };
                    }
                    "ask" => {
                        let ticket = match state.store.open_ticket_of(chat.0)? {
                            Some(t) if t.question == question.text => t,
                            _ => {
                                experts::open_ticket(
                                    &state,
                                    chat.0,
                                    &question.first_name,
                                    &question.text,
                                    None,
                                    &question.offers,
                                )
                                .await?
                            }
                        };
                        send::html(
                            &bot,
                            chat,
                            &messages::ticket_opened(&ticket, 24),
                            None,
                            None,
                        )
                        .await?;
                    }
                    _ => warn!("unknown button"),
                }
            }
            _ => warn!("malformed button data"),
        }
        answer_callback(&bot, &query, notice).await
    })
    .await
}

async fn answer_callback(bot: &Tg, query: &CallbackQuery, text: Option<&str>) -> HandlerResult {
    retry("answerCallbackQuery", || {
        let mut request = bot.answer_callback_query(query.id.clone());
        if let Some(text) = text {
            request = request.text(text);
        }
        request.send()
    })
    .await?;
    Ok(())
}
