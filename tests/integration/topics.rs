//! End-to-end: a forum expert group, where each patient has one topic, experts simply write
//! in it, closing a question closes it, and a deleted topic is recreated.

use crate::bot::{BotEnv, Settings, EXPERT, GROUP, PATIENT, WAIT};
use crate::fake_telegram::{SentMessage, TopicInfo};

const PARKING: &str = "Where can I park my car at the hospital?";
const CAT: &str = "Can my cat sleep on my PD machine?";

async fn forum_bot() -> BotEnv {
    BotEnv::start_with(Settings {
        forum: true,
        ..Settings::default()
    })
    .await
}

/// The group's topics that were not deleted.
fn live_topics(bot: &BotEnv) -> Vec<TopicInfo> {
    let topics = bot.tg.topics(GROUP).into_iter();
    topics.filter(|t| !t.deleted).collect()
}

/// The group's only live topic.
fn the_topic(bot: &BotEnv) -> TopicInfo {
    let topics = live_topics(bot);
    assert_eq!(topics.len(), 1, "{topics:?}");
    topics[0].clone()
}

/// Waits for the bot's message in topic `thread` that contains `text`.
async fn in_topic(bot: &BotEnv, thread: i32, text: &str) -> SentMessage {
    let found = bot.tg.wait_for_message(GROUP, text, WAIT, |m| {
        m.thread_id == Some(thread) && m.plain_text.contains(text)
    });
    found
        .await
        .unwrap_or_else(|e| panic!("{e}\nbot log:\n{}", bot.log()))
}

/// An expert writes `text` in topic `thread` (no reply); returns what the patient gets next.
async fn expert_writes(bot: &BotEnv, thread: i32, text: &str) -> SentMessage {
    let before = bot.sent(PATIENT).len();
    bot.tg.push_topic_text(GROUP, thread, EXPERT, text);
    bot.nth(PATIENT, before + 1).await
}

#[tokio::test]
async fn a_new_patient_gets_a_topic_where_experts_simply_write_and_later_questions_land() {
    let bot = forum_bot().await;
    let ticket = bot.open_ticket(PARKING).await;
    let topic = the_topic(&bot);
    assert_eq!(topic.name, "#1 Anna");
    assert_eq!(
        ticket.thread_id,
        Some(topic.thread_id),
        "posted in the topic"
    );
    assert!(ticket.plain_text.contains("Question #1"));
    assert!(ticket.plain_text.contains("Write in this topic"));

    let relayed = expert_writes(&bot, topic.thread_id, "Use car park B, it is free.").await;
    assert!(relayed
        .plain_text
        .contains("Answer from the kidney team (question #1)"));
    assert!(relayed.plain_text.contains("Use car park B, it is free."));
    in_topic(&bot, topic.thread_id, "Delivered").await;

    // A message in the General topic is the team's own: not relayed.
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "Coffee, anyone?", None);
    let relayed = expert_writes(&bot, topic.thread_id, "Door 2 has a drop-off zone.").await;
    assert!(
        relayed.plain_text.contains("Door 2"),
        "{}",
        relayed.plain_text
    );

    // The patient's next question goes into the same topic.
    let added = bot.patient_says(CAT).await;
    assert!(
        added
            .plain_text
            .contains("added this to your open question #1"),
        "{}",
        added.plain_text
    );
    in_topic(&bot, topic.thread_id, CAT).await;
    assert_eq!(the_topic(&bot), topic);
    assert_eq!(bot.tg.calls_to("createForumTopic").len(), 1);
}

#[tokio::test]
async fn a_topic_an_admin_deleted_is_recreated_and_nothing_is_lost() {
    let bot = forum_bot().await;
    bot.open_ticket(PARKING).await;
    let first = the_topic(&bot);
    bot.tg.delete_topic(GROUP, first.thread_id);

    // A follow-up: Telegram answers "message thread not found"; a new topic takes it.
    let added = bot.patient_says(CAT).await;
    assert!(
        added
            .plain_text
            .contains("added this to your open question #1"),
        "{}",
        added.plain_text
    );
    let refused = bot.tg.calls_to("sendMessage").into_iter().any(|c| {
        c.param_i64("message_thread_id") == Some(i64::from(first.thread_id))
            && c.response["description"] == "Bad Request: message thread not found"
    });
    assert!(refused, "the follow-up met the deleted topic first");
    let second = the_topic(&bot);
    assert_ne!(second.thread_id, first.thread_id);
    assert_eq!(second.name, "#1 Anna");
    in_topic(&bot, second.thread_id, CAT).await;
    let relayed = expert_writes(&bot, second.thread_id, "Please keep pets away.").await;
    assert!(relayed.plain_text.contains("Please keep pets away."));

    // Closed, then deleted: the next question opens a new topic for its ticket.
    bot.tg
        .push_topic_text(GROUP, second.thread_id, EXPERT, "/close");
    in_topic(&bot, second.thread_id, "Question #1 is closed").await;
    bot.tg
        .wait_for_calls("closeForumTopic", 1, WAIT)
        .await
        .unwrap();
    bot.tg.delete_topic(GROUP, second.thread_id);
    let ticket = bot
        .open_ticket("Is there a cash machine near the dialysis unit?")
        .await;
    let third = the_topic(&bot);
    assert_eq!(third.name, "#2 Anna");
    assert_eq!(ticket.thread_id, Some(third.thread_id));
    assert!(ticket.plain_text.contains("Question #2"));
}

#[tokio::test]
async fn closing_a_question_closes_its_topic_and_a_new_question_reopens_it() {
    let bot = forum_bot().await;
    bot.open_ticket(PARKING).await;
    let topic = the_topic(&bot);
    bot.tg
        .push_topic_text(GROUP, topic.thread_id, EXPERT, "/close");
    in_topic(&bot, topic.thread_id, "Question #1 is closed").await;
    bot.tg
        .wait_for_calls("closeForumTopic", 1, WAIT)
        .await
        .unwrap();
    assert!(the_topic(&bot).closed);
    assert_eq!(bot.store().stats().unwrap().open_tickets, 0);

    let ticket = bot.open_ticket(CAT).await;
    assert!(ticket.plain_text.contains("Question #2"));
    assert_eq!(ticket.thread_id, Some(topic.thread_id), "the same topic");
    let reopened = the_topic(&bot);
    assert!(!reopened.closed);
    assert_eq!(bot.tg.calls_to("reopenForumTopic").len(), 1);
    assert_eq!(bot.tg.calls_to("createForumTopic").len(), 1);
    let relayed = expert_writes(&bot, topic.thread_id, "Better not, for hygiene.").await;
    assert!(relayed
        .plain_text
        .contains("Answer from the kidney team (question #2)"));
}

#[tokio::test]
async fn a_photo_sent_while_a_question_is_open_goes_into_the_topic() {
    let bot = forum_bot().await;
    bot.open_ticket(PARKING).await;
    let topic = the_topic(&bot);
    let before = bot.sent(PATIENT).len();
    bot.tg.push_photo(PATIENT, Some("the sign at the entrance"));
    let told = bot.nth(PATIENT, before + 1).await;
    assert!(
        told.plain_text
            .contains("added this to your open question #1"),
        "{}",
        told.plain_text
    );
    let copy = in_topic(&bot, topic.thread_id, "Attachment for question #1").await;
    assert_eq!(copy.method, "copyMessage", "a copy, not a forward");
    assert_eq!(
        bot.tg.calls_to("copyMessage")[0].param_i64("message_thread_id"),
        Some(i64::from(topic.thread_id))
    );
}

#[tokio::test]
async fn after_forget_the_topic_stays_and_what_experts_write_there_is_not_delivered() {
    let bot = forum_bot().await;
    bot.open_ticket(PARKING).await;
    let topic = the_topic(&bot);
    assert!(bot.forget().await.plain_text.contains("erased"));
    assert_eq!(bot.store().rows_about(PATIENT).unwrap(), 0);

    let patient_before = bot.sent(PATIENT).len();
    bot.tg
        .push_topic_text(GROUP, topic.thread_id, EXPERT, "Use car park B.");
    in_topic(&bot, topic.thread_id, "Not delivered").await;
    assert_eq!(bot.sent(PATIENT).len(), patient_before);
    // The team's record stays: the topic is neither deleted nor replaced.
    assert_eq!(the_topic(&bot), topic);
    assert!(bot.tg.calls_to("deleteForumTopic").is_empty());
}

#[tokio::test]
async fn a_reply_in_a_topic_goes_to_the_ticket_it_replies_to() {
    let bot = forum_bot().await;
    let routine = bot.open_ticket(PARKING).await;
    let thread = the_topic(&bot).thread_id;
    // The same patient's emergency opens a second, urgent ticket in the same topic.
    bot.tg
        .push_private_text(PATIENT, "Anna", "my husband collapsed and is not breathing");
    in_topic(&bot, thread, "Question #2").await;
    let before = bot.sent(PATIENT).len();
    bot.tg.push_topic_reply(
        GROUP,
        thread,
        EXPERT,
        "Car park B is free.",
        routine.message_id,
    );
    let delivered = bot
        .tg
        .wait_for_message(PATIENT, "Car park B", WAIT, |m| {
            m.plain_text.contains("Car park B")
        })
        .await
        .unwrap();
    assert!(
        delivered.plain_text.contains("#1"),
        "the answer names the routine question: {}",
        delivered.plain_text
    );
    assert!(bot.sent(PATIENT).len() > before);
    // The group's confirmation comes once the answer is stored.
    in_topic(&bot, thread, "Delivered to the patient (question #1)").await;
    let store = bot.store();
    assert!(store.ticket(1).unwrap().unwrap().answered);
    assert!(
        !store.ticket(2).unwrap().unwrap().answered,
        "the urgent question is still waiting"
    );
}

#[tokio::test]
async fn what_an_anonymous_admin_writes_in_a_topic_reaches_the_patient() {
    let bot = forum_bot().await;
    bot.open_ticket(PARKING).await;
    let topic = the_topic(&bot);
    let before = bot.sent(PATIENT).len();
    // An admin with "remain anonymous" on posts as the group.
    bot.tg
        .push_anonymous_topic_text(GROUP, topic.thread_id, "Car park B is free for patients.");
    let relayed = bot.nth(PATIENT, before + 1).await;
    assert!(
        relayed.plain_text.contains("Car park B is free"),
        "{}",
        relayed.plain_text
    );
}
