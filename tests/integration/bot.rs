//! End-to-end: the real `faqbot serve` binary against a fake Telegram Bot API on 127.0.0.1.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use faqbot::store::Store;

use crate::env::TestEnv;
use crate::fake_telegram::{FakeTelegram, Fault, SentMessage};

pub(crate) const TOKEN: &str = "123456:TESTTOKEN-secret_value";
pub(crate) const GROUP: i64 = -1_001_234;
pub(crate) const PATIENT: i64 = 42;
pub(crate) const EXPERT: i64 = 7;
const ADMIN: i64 = 999;
pub(crate) const WAIT: Duration = Duration::from_secs(30);
/// The public URL a webhook-mode bot registers (Telegram never calls it in tests).
pub(crate) const WEBHOOK_URL: &str = "https://bot.clinic.example/telegram/hook";
pub(crate) const WEBHOOK_SECRET: &str = "test_webhook-secret-42";

/// A fake Telegram, a corpus, and a running `faqbot serve` wired to them.
pub(crate) struct BotEnv {
    pub(crate) tg: FakeTelegram,
    pub(crate) env: TestEnv,
    pub(crate) bot: Option<Child>,
    /// More instances sharing the first one's database (PostgreSQL), each logging to
    /// `bot-N.log`.
    others: Vec<Child>,
    settings: Settings,
}

/// The bot's settings that tests vary.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) reminder_hours: f64,
    pub(crate) flood_per_minute: u32,
    pub(crate) retention_days: Option<u32>,
    /// Serve `/healthz`, `/readyz` and `/metrics` on a free local port.
    pub(crate) health: bool,
    /// Take updates by webhook (on a free local port, secret [`WEBHOOK_SECRET`]), not polling.
    pub(crate) webhook: bool,
    /// The kidney team's clock: around the clock unless a test says otherwise, so that the
    /// other tests do not depend on when they run.
    pub(crate) time_zone: &'static str,
    pub(crate) working_days: &'static str,
    pub(crate) working_hours: &'static str,
    /// Working hours within which patients are told to expect an answer.
    pub(crate) answer_hours: f64,
    /// Minutes between re-raises of an unanswered urgent ticket.
    pub(crate) urgent_minutes: f64,
    /// The expert group is a forum supergroup (topics on) before the bot starts.
    pub(crate) forum: bool,
    /// A PostgreSQL connection string (`FAQBOT_DATABASE_URL`); SQLite in the data folder
    /// when `None`.
    pub(crate) database_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            reminder_hours: 20.0,
            flood_per_minute: 20,
            retention_days: None,
            health: false,
            webhook: false,
            time_zone: "UTC",
            working_days: "mon-sun",
            working_hours: "00:00-24:00",
            answer_hours: 8.0,
            urgent_minutes: 15.0,
            forum: false,
            database_url: None,
        }
    }
}

impl BotEnv {
    pub(crate) async fn start() -> BotEnv {
        BotEnv::start_with(Settings::default()).await
    }

    pub(crate) async fn start_with(settings: Settings) -> BotEnv {
        let tg = FakeTelegram::start().await;
        if settings.forum {
            tg.make_forum(GROUP);
        }
        let mut env = BotEnv {
            tg,
            env: TestEnv::with_fixture_corpus(),
            bot: None,
            others: Vec::new(),
            settings,
        };
        env.spawn();
        env
    }

    pub(crate) fn log_path(&self) -> PathBuf {
        self.env.path().join("bot.log")
    }

    pub(crate) fn spawn(&mut self) {
        self.bot = Some(self.start_instance(&self.log_path()));
    }

    /// Starts another `faqbot serve` on the same settings and database; returns its log.
    pub(crate) fn spawn_another(&mut self) -> PathBuf {
        let log = self
            .env
            .path()
            .join(format!("bot-{}.log", self.others.len() + 2));
        let child = self.start_instance(&log);
        self.others.push(child);
        log
    }

    fn start_instance(&self, log: &std::path::Path) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_faqbot"));
        if let Some(days) = self.settings.retention_days {
            command.env("FAQBOT_RETENTION_DAYS", days.to_string());
        }
        if self.settings.health {
            command.env("FAQBOT_HEALTH_ADDR", "127.0.0.1:0");
        }
        if self.settings.webhook {
            command
                .env("FAQBOT_WEBHOOK_URL", WEBHOOK_URL)
                .env("FAQBOT_WEBHOOK_ADDR", "127.0.0.1:0")
                .env("FAQBOT_WEBHOOK_SECRET", WEBHOOK_SECRET);
        }
        match &self.settings.database_url {
            Some(url) => command.env("FAQBOT_DATABASE_URL", url),
            None => command.env_remove("FAQBOT_DATABASE_URL"),
        };
        command
            .env("FAQBOT_TIME_ZONE", self.settings.time_zone)
            .env("FAQBOT_WORKING_DAYS", self.settings.working_days)
            .env("FAQBOT_WORKING_HOURS", self.settings.working_hours)
            .env(
                "FAQBOT_ANSWER_HOURS",
                self.settings.answer_hours.to_string(),
            )
            .env(
                "FAQBOT_URGENT_MINUTES",
                self.settings.urgent_minutes.to_string(),
            );
        command
            .arg("serve")
            .current_dir(self.env.path())
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", self.tg.api_url())
            .env("FAQBOT_EXPERT_GROUP", GROUP.to_string())
            .env("FAQBOT_ADMINS", ADMIN.to_string())
            .env(
                "FAQBOT_REMINDER_HOURS",
                self.settings.reminder_hours.to_string(),
            )
            .env(
                "FAQBOT_FLOOD_PER_MINUTE",
                self.settings.flood_per_minute.to_string(),
            )
            .env_remove("FAQBOT_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start faqbot serve")
    }

    /// `kill -9`: no chance to clean up.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.bot.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn kill_all(&mut self) {
        self.kill();
        for mut child in self.others.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Messages the bot got accepted in `chat` so far.
    pub(crate) fn sent(&self, chat: i64) -> Vec<SentMessage> {
        self.tg.sent_to(chat)
    }

    /// Waits until `chat` has received `count` messages in all; returns the last one.
    pub(crate) async fn nth(&self, chat: i64, count: usize) -> SentMessage {
        let sent = self.tg.wait_for_sent(chat, count, WAIT).await;
        let sent = sent.unwrap_or_else(|e| panic!("{e}\nbot log:\n{}", self.log()));
        sent[count - 1].clone()
    }

    /// The patient writes `text`; returns the bot's next message to them.
    pub(crate) async fn patient_says(&self, text: &str) -> SentMessage {
        let before = self.sent(PATIENT).len();
        self.tg.push_private_text(PATIENT, "Anna", text);
        self.nth(PATIENT, before + 1).await
    }

    /// The patient presses a button whose callback data starts with `prefix` on `message`.
    pub(crate) async fn press(&self, message: &SentMessage, prefix: &str) {
        let data = buttons(message)
            .into_iter()
            .find(|(_, data)| data.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` button on {:?}", message.reply_markup))
            .1;
        self.tg.push_callback(PATIENT, message.message_id, &data);
    }

    /// The patient asks something the corpus cannot answer and presses "Ask a kidney expert";
    /// returns the ticket as posted in the group.
    pub(crate) async fn open_ticket(&self, question: &str) -> SentMessage {
        let unsure = self.patient_says(question).await;
        assert!(
            unsure.plain_text.contains("not sure"),
            "{}",
            unsure.plain_text
        );
        let group_before = self.sent(GROUP).len();
        let patient_before = self.sent(PATIENT).len();
        self.press(&unsure, "ask:").await;
        let ticket = self.nth(GROUP, group_before + 1).await;
        let told = self.nth(PATIENT, patient_before + 1).await;
        assert!(told
            .plain_text
            .contains("passed your question to the kidney team"));
        ticket
    }

    /// The patient sends `/forget` and confirms; returns the bot's answer to the confirmation.
    pub(crate) async fn forget(&self) -> SentMessage {
        let confirm = self.patient_says("/forget").await;
        let before = self.sent(PATIENT).len();
        self.press(&confirm, "forget:yes").await;
        self.nth(PATIENT, before + 1).await
    }

    pub(crate) async fn expert_replies(&self, to: &SentMessage, text: &str) {
        self.tg
            .push_group_text(GROUP, EXPERT, "Dr Who", text, Some(to.message_id));
    }

    pub(crate) fn store(&self) -> Store {
        Store::open(&self.env.path().join("data")).expect("open the bot's database")
    }
}

impl Drop for BotEnv {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// (label, callback data) of every inline button of a message.
pub(crate) fn buttons(message: &SentMessage) -> Vec<(String, String)> {
    let Some(markup) = &message.reply_markup else {
        return Vec::new();
    };
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["text"].as_str().unwrap_or_default().to_string(),
                b["callback_data"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_patient_gets_a_passage_with_its_link_and_feedback_buttons() {
    let bot = BotEnv::start().await;
    let welcome = bot.patient_says("/start").await;
    assert!(welcome.plain_text.contains("not a doctor"));

    let answer = bot
        .patient_says("What can I do to prevent kidney stones?")
        .await;
    assert_eq!(answer.parse_mode.as_deref(), Some("HTML"));
    assert!(
        answer.plain_text.starts_with("Kidney stones"),
        "{}",
        answer.plain_text
    );
    assert!(answer.plain_text.contains("Drinking enough water"));
    assert!(answer
        .text
        .contains("href=\"https://clinic.example/faq/kidney-stones\""));
    let labels: Vec<String> = buttons(&answer).into_iter().map(|(l, _)| l).collect();
    assert!(labels.contains(&"👍 Helpful".to_string()), "{labels:?}");
    assert!(labels.contains(&"👎 Not helpful".to_string()));

    // "Not helpful" offers an expert; a changed rating replaces the earlier one.
    let data = |label: &str| {
        let found = buttons(&answer)
            .into_iter()
            .find(|(l, _)| l.contains(label));
        found.expect("feedback button").1
    };
    let before = bot.sent(PATIENT).len();
    bot.tg
        .push_callback(PATIENT, answer.message_id, &data("Not helpful"));
    let offer = bot.nth(PATIENT, before + 1).await;
    assert!(
        offer.plain_text.contains("ask a kidney expert"),
        "{}",
        offer.plain_text
    );
    assert!(buttons(&offer).iter().any(|(_, d)| d.starts_with("ask:")));
    bot.tg
        .push_callback(PATIENT, answer.message_id, &data("Helpful"));
    bot.tg
        .wait_for_calls("answerCallbackQuery", 2, WAIT)
        .await
        .unwrap();
    let stats = bot.store().stats().unwrap();
    assert_eq!(
        (stats.answered, stats.helpful, stats.not_helpful),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn a_low_confidence_question_becomes_a_ticket_and_the_expert_reply_is_relayed() {
    let bot = BotEnv::start().await;
    let ticket = bot
        .open_ticket("Where can I park my car at the hospital?")
        .await;
    assert!(
        ticket.plain_text.contains("Question #1"),
        "{}",
        ticket.plain_text
    );
    assert!(ticket.plain_text.contains("From: Anna"));
    assert!(ticket
        .plain_text
        .contains("Where can I park my car at the hospital?"));
    assert!(ticket.plain_text.contains("Reply to this message"));
    assert_eq!(ticket.method, "sendMessage", "a copy, not a forward");

    let before = bot.sent(PATIENT).len();
    bot.expert_replies(&ticket, "Use car park B, it is free for dialysis patients.")
        .await;
    let relayed = bot.nth(PATIENT, before + 1).await;
    assert!(relayed
        .plain_text
        .contains("Answer from the kidney team (question #1)"));
    assert!(relayed
        .plain_text
        .contains("Use car park B, it is free for dialysis patients."));
    let confirmation = bot.nth(GROUP, 2).await;
    assert!(
        confirmation.plain_text.contains("Delivered"),
        "{}",
        confirmation.plain_text
    );

    // A follow-up from the patient lands in the same thread.
    let added = bot
        .patient_says("and is there a drop-off zone at the entrance?")
        .await;
    assert!(
        added
            .plain_text
            .contains("added this to your open question #1"),
        "{}",
        added.plain_text
    );
    let follow_up = bot.nth(GROUP, 3).await;
    assert_eq!(follow_up.reply_to, Some(ticket.message_id));
    // ...and an expert's reply to the follow-up reaches the patient too.
    bot.expert_replies(&follow_up, "Yes, at door 2.").await;
    let relayed = bot.nth(PATIENT, before + 3).await;
    assert!(relayed.plain_text.contains("Yes, at door 2."));

    // Experts list and close tickets.
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "/open", None);
    assert!(bot.nth(GROUP, 5).await.plain_text.contains("#1"));
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "/close 1", None);
    assert!(bot
        .nth(GROUP, 6)
        .await
        .plain_text
        .contains("Question #1 is closed"));
    assert_eq!(bot.store().stats().unwrap().open_tickets, 0);

    // The log never holds message text or the token.
    let log = bot.log();
    assert!(
        !log.contains("park my car") && !log.contains("car park B"),
        "{log}"
    );
    assert!(!log.contains("TESTTOKEN"), "{log}");
}

#[tokio::test]
async fn a_reply_after_kill_9_and_restart_arrives_exactly_once() {
    let mut bot = BotEnv::start().await;
    let ticket = bot.open_ticket("Can my cat sleep on my PD machine?").await;
    bot.tg.wait_for_updates_confirmed(WAIT).await.ok();
    bot.kill();

    let patient_before = bot.sent(PATIENT).len();
    bot.expert_replies(&ticket, "Please keep pets away from the cycler.")
        .await;
    bot.spawn();
    let relayed = bot.nth(PATIENT, patient_before + 1).await;
    assert!(relayed.plain_text.contains("keep pets away"));
    // Give a redelivery every chance to happen, then count.
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    bot.tg.push_private_text(PATIENT, "Anna", "hello");
    bot.nth(PATIENT, patient_before + 2).await;
    let relays = bot
        .sent(PATIENT)
        .iter()
        .filter(|m| m.plain_text.contains("keep pets away"))
        .count();
    assert_eq!(relays, 1);
    let tickets = bot
        .sent(GROUP)
        .iter()
        .filter(|m| m.plain_text.contains("Question #"))
        .count();
    assert_eq!(
        tickets, 1,
        "the ticket was not posted again after the restart"
    );
}

#[tokio::test]
async fn an_update_processed_before_a_crash_is_not_processed_again() {
    let mut bot = BotEnv::start().await;
    bot.patient_says("what foods are high in potassium").await;
    // Killed before the next getUpdates confirms the update: Telegram redelivers it.
    bot.kill();
    let answered = bot.sent(PATIENT).len();
    bot.spawn();
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    bot.patient_says("thanks").await;
    assert_eq!(
        bot.sent(PATIENT).len(),
        answered + 1,
        "only the new message was answered"
    );
}

#[tokio::test]
async fn injected_faults_lose_nothing() {
    let bot = BotEnv::start().await;
    // A 500 and a 429 on the way to the patient: the answer still arrives.
    bot.tg.fail_next("sendMessage", 1, Fault::ServerError);
    bot.tg.fail_next(
        "sendMessage",
        1,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let answer = bot
        .patient_says("how do I stop getting kidney stones")
        .await;
    assert!(answer.plain_text.starts_with("Kidney stones"));
    let failed = bot
        .tg
        .calls_to("sendMessage")
        .iter()
        .filter(|c| !c.response_ok)
        .count();
    assert_eq!(failed, 2);

    // The patient blocked the bot: the experts are told, and nothing else breaks.
    let ticket = bot.open_ticket("Can I bring my dog to dialysis?").await;
    bot.tg.block_user(PATIENT);
    bot.expert_replies(&ticket, "No pets, sorry.").await;
    let note = bot.nth(GROUP, 2).await;
    assert!(
        note.plain_text.contains("blocked the bot"),
        "{}",
        note.plain_text
    );

    // The group refused the ticket once: it is posted later, not lost.
    bot.tg.unblock_user(PATIENT);
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "/close 1", None);
    bot.nth(GROUP, 3).await;
    let unsure = bot
        .patient_says("Can I bring a goldfish to the waiting room?")
        .await;
    bot.tg.fail_next("sendMessage", 1, Fault::Forbidden);
    bot.press(&unsure, "ask:").await;
    let ticket = bot.nth(GROUP, 4).await;
    assert!(
        ticket.plain_text.contains("Question #2"),
        "{}",
        ticket.plain_text
    );
    assert!(ticket.plain_text.contains("goldfish"));
}

#[tokio::test]
async fn waiting_questions_are_reminded_once_per_period() {
    // 0.002 hours: a reminder every 7.2 seconds.
    let bot = BotEnv::start_with(Settings {
        reminder_hours: 0.002,
        ..Settings::default()
    })
    .await;
    let ticket = bot
        .open_ticket("Is the hospital shop open on Sundays?")
        .await;
    let reminder = bot.nth(GROUP, 2).await;
    assert!(reminder
        .plain_text
        .contains("Question #1 from Anna has waited"));
    assert_eq!(reminder.reply_to, Some(ticket.message_id));
    let reminders_so_far = bot.sent(GROUP).len();
    assert_eq!(reminders_so_far, 2, "one reminder, not a flood");
    // Once answered, no more reminders.
    bot.expert_replies(&ticket, "Yes, 10 to 4.").await;
    bot.nth(GROUP, 3).await;
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(bot.sent(GROUP).len(), 3, "{:?}", bot.sent(GROUP));
}

#[tokio::test]
async fn maintainer_commands_are_refused_to_others_and_reindex_swaps_the_index() {
    let bot = BotEnv::start().await;
    let refused = bot.patient_says("/reindex").await;
    assert!(refused.plain_text.contains("only faqbot's maintainers"));

    bot.env.article(
        "hiccups",
        "title: \"Hiccups on dialysis\"",
        "## Why hiccups happen\n\nHiccups that last for days are common when urea is high.\n",
    );
    bot.tg.push_private_text(ADMIN, "Max", "/reindex");
    let done = bot.nth(ADMIN, 1).await;
    assert!(
        done.plain_text.contains("Re-indexed 5 articles"),
        "{}",
        done.plain_text
    );
    let answer = bot.patient_says("why do hiccups happen on dialysis").await;
    assert!(
        answer.plain_text.starts_with("Hiccups on dialysis"),
        "{}",
        answer.plain_text
    );

    bot.env
        .corpus_file("broken.md", "---\ntitle: [unclosed\n---\nx\n");
    bot.tg.push_private_text(ADMIN, "Max", "/reindex");
    let failed = bot.nth(ADMIN, 2).await;
    assert!(failed
        .plain_text
        .contains("previous index is still serving"));
    assert!(failed.plain_text.contains("broken.md"));
    let answer = bot.patient_says("why do hiccups happen on dialysis").await;
    assert!(answer.plain_text.starts_with("Hiccups on dialysis"));

    bot.tg.push_private_text(ADMIN, "Max", "/stats");
    let stats = bot.nth(ADMIN, 3).await;
    assert!(
        stats.plain_text.contains("Answered: 2"),
        "{}",
        stats.plain_text
    );
}

#[tokio::test]
async fn forget_leaves_no_row_about_the_patient() {
    let bot = BotEnv::start().await;
    bot.open_ticket("Where do I get a parking permit?").await;
    bot.patient_says("how do I stop getting kidney stones")
        .await;
    assert!(bot.store().rows_about(PATIENT).unwrap() > 0);

    let done = bot.forget().await;
    assert!(done.plain_text.contains("erased"));
    assert_eq!(bot.store().rows_about(PATIENT).unwrap(), 0);
}

#[tokio::test]
async fn emergencies_smalltalk_media_edits_and_floods_get_fitting_replies() {
    let bot = BotEnv::start().await;
    let safety = bot
        .patient_says("I have chest pain since this morning")
        .await;
    assert!(
        safety.plain_text.contains("emergency"),
        "{}",
        safety.plain_text
    );
    let ticket = bot.nth(GROUP, 1).await;
    assert!(
        ticket.plain_text.contains("EMERGENCY"),
        "{}",
        ticket.plain_text
    );
    assert!(bot
        .nth(PATIENT, 2)
        .await
        .plain_text
        .contains("alerted the kidney team"));

    assert!(bot
        .patient_says("hello")
        .await
        .plain_text
        .contains("Hello!"));

    // A photo while a ticket is open is added to it, as a copy.
    let before = bot.sent(PATIENT).len();
    bot.tg.push_photo(PATIENT, Some("my lab report"));
    assert!(bot
        .nth(PATIENT, before + 1)
        .await
        .plain_text
        .contains("added this"));
    let copies = bot.tg.calls_to("copyMessage");
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].param_i64("chat_id"), Some(GROUP));

    let before = bot.sent(PATIENT).len();
    bot.tg.push_sticker(PATIENT, "😀");
    assert!(bot
        .nth(PATIENT, before + 1)
        .await
        .plain_text
        .contains("only read text"));
    let id = bot.tg.push_private_text(PATIENT, "Anna", "hi");
    bot.nth(PATIENT, before + 2).await;
    bot.tg.push_edited_text(PATIENT, id, "hi again");
    assert!(bot
        .nth(PATIENT, before + 3)
        .await
        .plain_text
        .contains("edited"));
}

#[tokio::test]
async fn a_same_day_problem_gets_the_safety_message_then_its_answer_and_an_expert() {
    let bot = BotEnv::start().await;
    let safety = bot
        .patient_says("the unit phoned, my potassium is 6.4. why is high potassium dangerous?")
        .await;
    assert!(
        safety.plain_text.contains("today"),
        "the same-day safety message comes first: {}",
        safety.plain_text
    );
    let answer = bot.nth(PATIENT, 2).await;
    assert!(
        answer.plain_text.contains("Read the whole article")
            && answer.plain_text.to_lowercase().contains("potassium"),
        "{}",
        answer.plain_text
    );
    assert!(bot
        .nth(PATIENT, 3)
        .await
        .plain_text
        .contains("alerted the kidney team"));
    assert!(bot.nth(GROUP, 1).await.plain_text.contains("SAME DAY"));
}

#[tokio::test]
async fn urgent_tickets_jump_the_queue_to_the_expert_group_and_carry_their_level() {
    let bot = BotEnv::start().await;
    // Five patients ask what the corpus cannot answer and all ask for an expert at once.
    // Telegram lets the bot post about one message a second in a group, so their tickets queue.
    let patients: Vec<i64> = (101..=105).collect();
    for &patient in &patients {
        bot.tg
            .push_private_text(patient, "Pat", "Where can I park my car at the hospital?");
    }
    for &patient in &patients {
        let unsure = bot.nth(patient, 1).await;
        let ask = buttons(&unsure)
            .into_iter()
            .find(|(_, data)| data.starts_with("ask:"))
            .expect("an ask-an-expert button")
            .1;
        bot.tg.push_callback(patient, unsure.message_id, &ask);
    }
    bot.nth(GROUP, 1).await;
    // Then two urgent messages: a same-day one and an emergency.
    bot.tg
        .push_private_text(201, "Sam", "my potassium is 6.2 on todays bloods");
    bot.tg.push_private_text(
        202,
        "Eve",
        "my husband has crushing chest pain and is sweating",
    );
    let posted = bot.tg.wait_for_sent(GROUP, 7, WAIT).await.unwrap();
    let position = |marker: &str| {
        posted
            .iter()
            .position(|m| m.plain_text.contains(marker))
            .unwrap_or_else(|| panic!("no {marker} ticket in {posted:#?}"))
    };
    let (emergency, same_day) = (position("EMERGENCY"), position("SAME DAY"));
    assert!(
        emergency <= 3 && same_day <= 3,
        "urgent tickets waited behind routine ones: emergency #{emergency}, same-day #{same_day}"
    );
    assert!(
        posted[6].plain_text.contains("park my car"),
        "routine questions come last"
    );
}

#[tokio::test]
async fn a_flood_gets_one_friendly_slow_down_and_nothing_more() {
    let bot = BotEnv::start_with(Settings {
        flood_per_minute: 5,
        ..Settings::default()
    })
    .await;
    for i in 0..12 {
        bot.tg
            .push_private_text(PATIENT, "Anna", ["hello", "hi there", "hey"][i % 3]);
    }
    // Five answers and one slow-down; Throttle sends one message a second to a chat.
    let replies = bot.nth(PATIENT, 6).await;
    assert!(
        replies
            .plain_text
            .contains("have not read the ones after that"),
        "{}",
        replies.plain_text
    );
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let texts: Vec<String> = bot
        .sent(PATIENT)
        .into_iter()
        .map(|m| m.plain_text)
        .collect();
    assert_eq!(texts.len(), 6, "{texts:#?}");
    assert!(texts[..5].iter().all(|t| t.starts_with("Hello!")));
    assert!(bot.sent(GROUP).is_empty(), "the experts are not flooded");
}

#[tokio::test]
async fn the_expert_group_is_followed_to_its_new_supergroup_id() {
    const SUPERGROUP: i64 = -100_999_888;
    let mut bot = BotEnv::start().await;
    bot.tg.push_migrate_to_chat(GROUP, SUPERGROUP);
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let unsure = bot.patient_says("Where is the hospital pharmacy?").await;
    bot.press(&unsure, "ask:").await;
    let ticket = bot.nth(SUPERGROUP, 1).await;
    assert!(
        ticket.plain_text.contains("Question #1"),
        "{}",
        ticket.plain_text
    );
    let told = bot.nth(PATIENT, 2).await;
    assert!(told.plain_text.contains("passed your question"));
    bot.tg.push_group_text(
        SUPERGROUP,
        EXPERT,
        "Dr Who",
        "Ground floor.",
        Some(ticket.message_id),
    );
    assert!(bot
        .nth(PATIENT, 3)
        .await
        .plain_text
        .contains("Ground floor."));

    bot.tg
        .push_group_text(SUPERGROUP, EXPERT, "Dr Who", "/close 1", None);
    assert!(bot.nth(SUPERGROUP, 3).await.plain_text.contains("closed"));

    // The new id survives a restart.
    bot.kill();
    bot.spawn();
    let unsure = bot
        .patient_says("Is there a cash machine in the hospital?")
        .await;
    bot.press(&unsure, "ask:").await;
    assert!(bot
        .nth(SUPERGROUP, 4)
        .await
        .plain_text
        .contains("Question #2"));
    assert!(
        bot.sent(GROUP).is_empty(),
        "nothing went to the old group id"
    );
}

#[tokio::test]
async fn sigterm_stops_the_bot_cleanly() {
    let mut bot = BotEnv::start().await;
    bot.patient_says("hello").await;
    let child = bot.bot.as_mut().expect("running");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 20 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(bot.log().contains("faqbot stopped"), "{}", bot.log());
}

#[test]
fn a_missing_or_invalid_setting_stops_start_up_with_one_line_naming_it() {
    let env = TestEnv::with_fixture_corpus();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "`TELOXIDE_TOKEN`: not set"),
        (
            &[("TELOXIDE_TOKEN", "secret words")],
            "`TELOXIDE_TOKEN`: expected",
        ),
        (
            &[("TELOXIDE_TOKEN", TOKEN)],
            "`FAQBOT_EXPERT_GROUP`: not set",
        ),
        (
            &[("TELOXIDE_TOKEN", TOKEN), ("FAQBOT_EXPERT_GROUP", "42")],
            "`FAQBOT_EXPERT_GROUP`: 42 is not a group chat id",
        ),
        (
            &[
                ("TELOXIDE_TOKEN", TOKEN),
                ("FAQBOT_EXPERT_GROUP", "-5"),
                ("TELOXIDE_API_URL", "ftp://x"),
            ],
            "`TELOXIDE_API_URL`",
        ),
    ];
    for (vars, expected) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_faqbot"));
        command
            .arg("serve")
            .current_dir(env.path())
            .env_remove("TELOXIDE_TOKEN")
            .env_remove("TELOXIDE_API_URL")
            .env_remove("FAQBOT_EXPERT_GROUP");
        for (name, value) in *vars {
            command.env(name, value);
        }
        let output = command.output().expect("run faqbot serve");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
        assert!(!stderr.contains("secret words") && !stderr.contains("TESTTOKEN"));
    }
}

#[tokio::test]
async fn an_admin_learns_the_id_of_a_group_the_bot_joins_and_other_groups_are_ignored() {
    const OTHER_GROUP: i64 = -100_777;
    let bot = BotEnv::start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let me = serde_json::json!({ "id": 123_456, "is_bot": true, "first_name": "faqbot" });
    bot.tg
        .push_raw_update(serde_json::json!({ "my_chat_member": {
        "chat": { "id": OTHER_GROUP, "type": "group", "title": "Kidney <team>" },
        "from": { "id": ADMIN, "is_bot": false, "first_name": "Max" },
        "date": now,
        "old_chat_member": { "user": me, "status": "left" },
        "new_chat_member": { "user": me, "status": "member" } } }));
    let told = bot.nth(ADMIN, 1).await;
    assert!(
        told.plain_text.contains("Kidney <team>")
            && told.plain_text.contains("FAQBOT_EXPERT_GROUP=-100777"),
        "{}",
        told.plain_text
    );

    // A message there gets no answer; its chat id is in the log, its text is not.
    bot.tg
        .push_group_text(OTHER_GROUP, EXPERT, "Dr Who", "what is dialysis?", None);
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    let log = bot.log();
    let deadline = std::time::Instant::now() + WAIT;
    while !bot.log().contains("not the expert group") {
        assert!(std::time::Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = bot.log();
    assert!(log.contains("-100777"), "{log}");
    assert!(!log.contains("what is dialysis"), "{log}");
    assert!(bot.sent(OTHER_GROUP).is_empty());
}

#[tokio::test]
async fn an_admin_reviews_what_the_bot_could_not_answer() {
    let bot = BotEnv::start().await;
    let ticket = bot
        .open_ticket("Where can I park my car at the hospital?")
        .await;
    bot.expert_replies(&ticket, "Car park B, by the main entrance.")
        .await;
    bot.nth(GROUP, 2).await;
    bot.tg.push_private_text(ADMIN, "Max", "/review");
    let review = bot.nth(ADMIN, 1).await;
    for expected in [
        "Where can I park my car at the hospital?",
        "asked an expert",
        "Car park B, by the main entrance.",
        "tickets: #1",
    ] {
        assert!(
            review.plain_text.contains(expected),
            "{expected} in {}",
            review.plain_text
        );
    }
    assert!(!review.plain_text.contains("Anna"), "{}", review.plain_text);
    let refused = bot.patient_says("/review").await;
    assert!(
        !refused.plain_text.contains("park"),
        "{}",
        refused.plain_text
    );
}
