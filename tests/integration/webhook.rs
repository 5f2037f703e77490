//! Webhook mode end to end: the secret is checked, an update is kept before Telegram gets
//! its 200 (so a crash in between loses nothing), and a repeated delivery is handled once.

use std::time::Duration;

use serde_json::json;

use crate::bot::{BotEnv, Settings, PATIENT, WAIT, WEBHOOK_SECRET, WEBHOOK_URL};
use crate::http::{logged_addr, request};

pub(crate) const PATH: &str = "/telegram/hook";

/// An update as Telegram posts it: the patient writes `text`.
fn update(update_id: i64, message_id: i64, text: &str) -> String {
    update_from(PATIENT, update_id, message_id, text)
}

/// An update as Telegram posts it: the patient of chat `patient` writes `text`.
pub(crate) fn update_from(patient: i64, update_id: i64, message_id: i64, text: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let anna = json!({ "id": patient, "is_bot": false, "first_name": "Anna" });
    json!({ "update_id": update_id, "message": {
        "message_id": message_id, "date": now,
        "chat": { "id": patient, "type": "private", "first_name": "Anna" },
        "from": anna, "text": text } })
    .to_string()
}

async fn start() -> (BotEnv, String) {
    let bot = BotEnv::start_with(Settings {
        webhook: true,
        ..Settings::default()
    })
    .await;
    let addr = logged_addr(&bot, "webhook listening").await;
    (bot, addr)
}

pub(crate) async fn post(addr: &str, secret: Option<&str>, body: &str) -> u16 {
    let headers: Vec<(&str, &str)> = secret
        .map(|s| vec![("X-Telegram-Bot-Api-Secret-Token", s)])
        .unwrap_or_default();
    request(addr, "POST", PATH, &headers, body).await.0
}

#[tokio::test]
async fn the_webhook_is_registered_with_its_secret_and_refuses_requests_without_it() {
    let (bot, addr) = start().await;
    let set = bot.tg.calls_to("setWebhook");
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].params["url"], WEBHOOK_URL);
    assert_eq!(set[0].params["secret_token"], WEBHOOK_SECRET);

    let question = update(501, 1, "What can I do to prevent kidney stones?");
    assert_eq!(post(&addr, None, &question).await, 401);
    assert_eq!(
        post(&addr, Some("test_webhook-secret-43"), &question).await,
        401
    );
    assert_eq!(post(&addr, Some(WEBHOOK_SECRET), "not json").await, 400);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(bot.sent(PATIENT).is_empty(), "a refused update was handled");
    assert!(
        !bot.log().contains(WEBHOOK_SECRET),
        "the secret is never logged"
    );
    assert!(!bot.log().contains("kidney stones"));

    assert_eq!(post(&addr, Some(WEBHOOK_SECRET), &question).await, 200);
    let answer = bot.nth(PATIENT, 1).await;
    assert!(
        answer.plain_text.starts_with("Kidney stones"),
        "{}",
        answer.plain_text
    );
}

#[tokio::test]
async fn an_update_delivered_twice_is_answered_once() {
    let (bot, addr) = start().await;
    let question = update(601, 1, "What can I do to prevent kidney stones?");
    assert_eq!(post(&addr, Some(WEBHOOK_SECRET), &question).await, 200);
    bot.nth(PATIENT, 1).await;
    // Telegram did not see the 200 in time and delivers it again, and again later.
    assert_eq!(post(&addr, Some(WEBHOOK_SECRET), &question).await, 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(post(&addr, Some(WEBHOOK_SECRET), &question).await, 200);
    assert_eq!(
        post(&addr, Some(WEBHOOK_SECRET), &update(602, 2, "hello")).await,
        200
    );
    bot.nth(PATIENT, 2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let texts: Vec<String> = bot
        .sent(PATIENT)
        .into_iter()
        .map(|m| m.plain_text)
        .collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[1].starts_with("Hello!"), "{texts:#?}");
}

#[tokio::test]
async fn an_update_kept_but_not_handled_before_a_crash_is_handled_after_the_restart() {
    let (mut bot, _) = start().await;
    // The state `kill -9` leaves between keeping an update and handling it: kept in the
    // inbox, not handled.
    bot.kill();
    let question = update(701, 1, "What can I do to prevent kidney stones?");
    assert!(bot.store().keep_update(701, &question).unwrap());
    bot.spawn();
    let answer = bot.nth(PATIENT, 1).await;
    assert!(
        answer.plain_text.starts_with("Kidney stones"),
        "{}",
        answer.plain_text
    );
    tokio::time::sleep(WAIT / 10).await;
    assert_eq!(bot.sent(PATIENT).len(), 1);
}
