//! End-to-end, the bot's hardening: nothing lost, nothing leaked, no surprises for patients or
//! experts (logs, erasure, retention, stale tickets, migrations, floods, start-up).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::bot::{buttons, BotEnv, Settings, EXPERT, GROUP, PATIENT, TOKEN, WAIT};
use crate::env::TestEnv;
use crate::fake_telegram::{FakeTelegram, Fault};

#[tokio::test]
async fn no_message_text_or_name_reaches_the_log() {
    let bot = BotEnv::start().await;
    // An update teloxide cannot parse (a date that is not a number).
    bot.tg.push_raw_update(json!({ "message": {
        "message_id": 77, "date": "yesterday",
        "chat": { "id": PATIENT, "type": "private", "first_name": "Zebulon" },
        "from": { "id": PATIENT, "is_bot": false, "first_name": "Zebulon",
                  "username": "zebulon_private" },
        "text": "my purple-kidney secret" } }));
    // A send that fails with an error echoing what was sent (as Telegram's entity errors do).
    bot.tg.fail_next(
        "sendMessage",
        1,
        Fault::Api {
            status: 400,
            description: "Bad Request: can't parse entities: Unsupported start tag \
                          \"violet-fistula\" at byte offset 0"
                .into(),
        },
    );
    bot.tg
        .push_private_text(PATIENT, "Zebulon", "hello violet-fistula");
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    bot.patient_says("hello").await;
    let log = bot.log();
    for private in [
        "purple-kidney",
        "Zebulon",
        "zebulon_private",
        "violet-fistula",
    ] {
        assert!(!log.contains(private), "{private:?} in the log:\n{log}");
    }
}

#[tokio::test]
async fn forget_erases_the_text_from_the_database_files() {
    const SECRET: &str = "Where can I park my turquoise camper van?";
    let bot = BotEnv::start().await;
    bot.open_ticket(SECRET).await;
    assert!(bot.forget().await.plain_text.contains("erased"));
    let data = bot.env.path().join("data");
    for name in ["faqbot.sqlite3", "faqbot.sqlite3-wal"] {
        let bytes = std::fs::read(data.join(name)).unwrap_or_default();
        let found = bytes.windows(18).any(|w| w == b"turquoise camper v");
        assert!(!found, "the erased question is still in {name}");
    }
}

#[tokio::test]
async fn privacy_states_how_long_tickets_and_ratings_are_kept() {
    let bot = BotEnv::start_with(Settings {
        retention_days: Some(30),
        ..Settings::default()
    })
    .await;
    let privacy = bot.patient_says("/privacy").await;
    assert!(
        privacy.plain_text.contains("30 days"),
        "{}",
        privacy.plain_text
    );
}

#[tokio::test]
async fn an_expert_is_told_when_a_reply_cannot_or_should_not_be_delivered() {
    let bot = BotEnv::start().await;
    let ticket = bot
        .open_ticket("Where can I park my car at the hospital?")
        .await;

    // A closed question: the reply is kept back, and the expert is told how to send it.
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "/close 1", None);
    bot.nth(GROUP, 2).await;
    let patient_before = bot.sent(PATIENT).len();
    bot.expert_replies(&ticket, "Car park B is free.").await;
    let note = bot.nth(GROUP, 3).await;
    assert!(
        note.plain_text.contains("closed") && note.plain_text.contains("/reopen 1"),
        "{}",
        note.plain_text
    );
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "/reopen 1", None);
    assert!(bot.nth(GROUP, 4).await.plain_text.contains("reopened"));
    bot.expert_replies(&ticket, "Car park B is free.").await;
    let relayed = bot.nth(PATIENT, patient_before + 1).await;
    assert!(relayed.plain_text.contains("Car park B is free."));
    assert!(bot.nth(GROUP, 5).await.plain_text.contains("Delivered"));

    // The patient erased their data: the expert learns the answer went nowhere.
    bot.forget().await;
    let told = bot.sent(PATIENT).len();
    bot.expert_replies(&ticket, "One more thing: bring your badge.")
        .await;
    let note = bot.nth(GROUP, 6).await;
    assert!(
        note.plain_text.contains("erased") && note.plain_text.contains("#1"),
        "{}",
        note.plain_text
    );
    assert_eq!(bot.sent(PATIENT).len(), told, "nothing sent to them");
}

#[tokio::test]
async fn after_a_supergroup_migration_a_reply_to_a_colleague_is_not_relayed() {
    const SUPERGROUP: i64 = -100_999_888;
    let bot = BotEnv::start().await;
    bot.tg
        .push_group_text(GROUP, EXPERT, "Dr Who", "Good morning, team", None);
    let ticket = bot
        .open_ticket("Where can I park my car at the hospital?")
        .await;
    bot.tg.push_migrate_to_chat(GROUP, SUPERGROUP);
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    // Message ids start again in the supergroup: a colleague's note gets the ticket's id.
    let mut note = 0;
    for _ in 0..5 {
        note = bot
            .tg
            .push_group_text(SUPERGROUP, 8, "Nurse Joy", "Lunch at one?", None);
        if note >= ticket.message_id {
            break;
        }
    }
    assert_eq!(note, ticket.message_id, "the ids collide");
    bot.tg.push_group_text(
        SUPERGROUP,
        EXPERT,
        "Dr Who",
        "Yes, see you there",
        Some(note),
    );
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let leaked = bot
        .sent(PATIENT)
        .iter()
        .any(|m| m.plain_text.contains("see you there"));
    assert!(!leaked, "a colleague's chat was relayed to the patient");
}

#[tokio::test]
async fn a_question_sent_while_the_database_is_locked_is_answered_once_it_is_free() {
    let bot = BotEnv::start().await;
    bot.patient_says("hello").await;
    let db = bot.env.path().join("data").join("faqbot.sqlite3");
    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    bot.tg
        .push_private_text(PATIENT, "Anna", "What can I do to prevent kidney stones?");
    let sorry = bot.nth(PATIENT, 2).await;
    assert!(
        sorry.plain_text.contains("answer as soon as"),
        "{}",
        sorry.plain_text
    );
    lock.execute_batch("COMMIT").unwrap();
    drop(lock);
    let answer = bot.nth(PATIENT, 3).await;
    assert!(
        answer.plain_text.starts_with("Kidney stones"),
        "{}",
        answer.plain_text
    );
}

#[tokio::test]
async fn button_presses_and_edits_count_against_the_flood_limit() {
    let bot = BotEnv::start_with(Settings {
        flood_per_minute: 5,
        ..Settings::default()
    })
    .await;
    let unsure = bot
        .patient_says("Where can I park my car at the hospital?")
        .await;
    for _ in 0..8 {
        bot.press(&unsure, "ask:").await;
    }
    let id = bot.tg.push_private_text(PATIENT, "Anna", "hi");
    for _ in 0..4 {
        bot.tg.push_edited_text(PATIENT, id, "hi again");
    }
    // One answer, four presses handled, one slow-down; nothing after it.
    let last = bot.nth(PATIENT, 6).await;
    assert!(
        last.plain_text
            .contains("have not read the ones after that"),
        "{}",
        last.plain_text
    );
    bot.tg.wait_for_updates_confirmed(WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(bot.sent(PATIENT).len(), 6, "{:#?}", bot.sent(PATIENT));
}

#[tokio::test]
async fn a_mistyped_command_gets_the_list_of_commands() {
    let bot = BotEnv::start().await;
    let reply = bot.patient_says("/foo").await;
    for command in ["/help", "/privacy", "/forget"] {
        assert!(
            reply.plain_text.contains(command),
            "{command} in {}",
            reply.plain_text
        );
    }
    assert!(buttons(&reply).is_empty(), "no question, no expert offer");
    assert_eq!(bot.store().rows_about(PATIENT).unwrap(), 0);
}

/// Runs `faqbot serve` against `api_url` with the test token; its stderr goes to `log`.
fn serve(env: &TestEnv, api_url: &str) -> std::process::Child {
    let log = std::fs::File::create(env.path().join("bot.log")).unwrap();
    Command::new(env!("CARGO_BIN_EXE_faqbot"))
        .arg("serve")
        .current_dir(env.path())
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", api_url)
        .env("FAQBOT_EXPERT_GROUP", GROUP.to_string())
        .env_remove("FAQBOT_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start faqbot serve")
}

/// Waits up to `limit` for the process to exit.
async fn exit_within(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.code().unwrap_or(-1));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn a_rejected_token_stops_start_up_with_one_clear_line() {
    let tg = FakeTelegram::start().await;
    let unauthorized = Fault::Api {
        status: 401,
        description: "Unauthorized".into(),
    };
    tg.fail_next("getMe", 100, unauthorized.clone());
    tg.fail_next("getUpdates", 100, unauthorized);
    let env = TestEnv::with_fixture_corpus();
    let mut child = serve(&env, &tg.api_url());
    let code = exit_within(&mut child, WAIT).await;
    let _ = child.kill();
    let log = std::fs::read_to_string(env.path().join("bot.log")).unwrap();
    assert!(
        matches!(code, Some(c) if c != 0 && c != 101),
        "exit {code:?}\n{log}"
    );
    assert!(
        !log.contains("panicked") && !log.contains("faqbot is serving"),
        "{log}"
    );
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{log}");
    assert!(errors[0].contains("token"), "{log}");
    assert!(!log.contains("TESTTOKEN"), "{log}");
}

#[tokio::test]
async fn an_unreachable_api_is_retried_and_sigterm_stops_start_up_promptly() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = TestEnv::with_fixture_corpus();
    let mut child = serve(&env, &format!("http://127.0.0.1:{port}"));
    let log = || std::fs::read_to_string(env.path().join("bot.log")).unwrap_or_default();
    let deadline = Instant::now() + WAIT;
    while !log().contains("retrying") && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "gave up instead of retrying:\n{}",
        log()
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = exit_within(&mut child, Duration::from_secs(5)).await;
    let _ = child.kill();
    assert_eq!(code, Some(0), "{}", log());
    assert!(!log().contains("panicked"), "{}", log());
}

#[tokio::test]
async fn a_send_whose_answer_was_lost_is_not_sent_twice() {
    let bot = BotEnv::start().await;
    // Every send is carried out, but its answer cannot be read: repeating it would repeat
    // the message.
    bot.tg.fail_next("sendMessage", 5, Fault::Unreadable);
    let answer = bot
        .patient_says("What can I do to prevent kidney stones?")
        .await;
    assert!(answer.plain_text.starts_with("Kidney stones"));
    // The greeting's reply comes after every copy of the answer (a chat is handled in order).
    bot.tg.push_private_text(PATIENT, "Anna", "hello");
    let deadline = Instant::now() + WAIT;
    let sent = loop {
        let sent = bot.sent(PATIENT);
        if sent
            .iter()
            .any(|m| !m.plain_text.starts_with("Kidney stones"))
        {
            break sent;
        }
        assert!(Instant::now() < deadline, "no reply to the greeting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let texts: Vec<&str> = sent.iter().map(|m| m.plain_text.as_str()).collect();
    assert_eq!(texts.len(), 2, "one reply per message: {texts:?}");
}

#[tokio::test]
async fn a_photo_the_experts_cannot_get_is_reported_at_once_and_blocks_nothing() {
    let bot = BotEnv::start().await;
    bot.open_ticket("Where can I park my car at the hospital?")
        .await;
    let before = bot.sent(PATIENT).len();
    // Telegram fails every copy into the group (teloxide reads a 5xx answer after 10 s).
    bot.tg.fail_next("copyMessage", 10, Fault::ServerError);
    let started = Instant::now();
    bot.tg.push_photo(PATIENT, Some("my lab report"));
    let told = bot.nth(PATIENT, before + 1).await;
    assert!(
        told.plain_text.contains("could not confirm"),
        "{}",
        told.plain_text
    );
    assert!(
        started.elapsed() < Duration::from_secs(28),
        "the patient waited {:?}",
        started.elapsed()
    );
    // The chat is free again: the next question is answered.
    let answer = bot
        .patient_says("What can I do to prevent kidney stones?")
        .await;
    assert!(answer.plain_text.starts_with("Kidney stones"));
}

#[tokio::test]
async fn messages_written_slowly_while_the_bot_was_down_are_all_answered() {
    let bot = BotEnv::start_with(Settings {
        flood_per_minute: 3,
        ..Settings::default()
    })
    .await;
    // Six messages written a minute apart arrive together: a backlog, not a flood.
    for minutes_ago in (0..6).rev() {
        bot.tg.push_private_text_sent_ago(
            PATIENT,
            "Anna",
            "hello",
            Duration::from_secs(61 * minutes_ago),
        );
    }
    bot.nth(PATIENT, 6).await;
    let texts: Vec<String> = bot
        .sent(PATIENT)
        .into_iter()
        .map(|m| m.plain_text)
        .collect();
    assert!(texts.iter().all(|t| t.starts_with("Hello!")), "{texts:#?}");
}

#[tokio::test]
async fn check_reports_each_part_and_fails_on_a_rejected_token() {
    let tg = FakeTelegram::start().await;
    let env = TestEnv::with_fixture_corpus();
    let check = |env_dir: std::path::PathBuf, api_url: String| {
        tokio::task::spawn_blocking(move || {
            let output = Command::new(env!("CARGO_BIN_EXE_faqbot"))
                .arg("check")
                .current_dir(env_dir)
                .env("TELOXIDE_TOKEN", TOKEN)
                .env("TELOXIDE_API_URL", api_url)
                .env("FAQBOT_EXPERT_GROUP", GROUP.to_string())
                .env("FAQBOT_VECTOR_CACHE", crate::env::vector_cache())
                .stdin(Stdio::null())
                .output()
                .unwrap();
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        })
    };
    let (code, out, err) = check(env.path().to_path_buf(), tg.api_url()).await.unwrap();
    assert_eq!(code, Some(0), "{out}{err}");
    let marks: Vec<(&str, &str)> = out
        .lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            (words.next().unwrap(), words.next().unwrap())
        })
        .collect();
    assert_eq!(
        marks,
        [
            ("ok", "settings"),
            ("ok", "corpus"),
            ("note", "index"),
            ("note", "database"),
            ("ok", "token")
        ],
        "{out}"
    );
    assert!(!out.contains("TESTTOKEN") && !err.contains("TESTTOKEN"));

    tg.fail_next(
        "getMe",
        1,
        Fault::Api {
            status: 401,
            description: "Unauthorized".into(),
        },
    );
    let (code, out, err) = check(env.path().to_path_buf(), tg.api_url()).await.unwrap();
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("FAIL token     Telegram rejected the token"),
        "{out}"
    );
}

/// `GET path` on the bot's health endpoint.
async fn http_get(bot: &BotEnv, path: &str) -> (u16, String) {
    let addr = crate::http::logged_addr(bot, "endpoint listening").await;
    crate::http::request(&addr, "GET", path, &[], "").await
}

#[tokio::test]
async fn the_health_endpoint_reports_readiness_and_metrics_without_personal_data() {
    let bot = BotEnv::start_with(Settings {
        health: true,
        ..Settings::default()
    })
    .await;
    assert_eq!(http_get(&bot, "/healthz").await, (200, "ok\n".to_string()));
    bot.patient_says("What can I do to prevent kidney stones?")
        .await;
    let (status, ready) = http_get(&bot, "/readyz").await;
    assert_eq!(status, 200, "{ready}");
    let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["database"]["ok"], true);
    assert!(ready["polling"]["last_update_unix"].is_i64(), "{ready}");

    let ticket = bot
        .open_ticket("Where can I park my car at the hospital?")
        .await;
    let (_, metrics) = http_get(&bot, "/metrics").await;
    for line in [
        "faqbot_questions_total{decision=\"answer\"} 1",
        "faqbot_questions_total{decision=\"escalate\"} 1",
        "faqbot_tickets_open 1",
        "faqbot_answer_seconds_count 2",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
    bot.expert_replies(&ticket, "Car park B.").await;
    bot.nth(GROUP, 2).await;
    let (_, metrics) = http_get(&bot, "/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l == "faqbot_first_expert_reply_seconds_count 1"),
        "{metrics}"
    );
    for private in ["park", "Anna", "stones", "Car park"] {
        assert!(!metrics.contains(private), "{private} in the metrics");
    }
}

#[tokio::test]
async fn an_emergency_gets_through_flood_control() {
    let bot = BotEnv::start_with(Settings {
        flood_per_minute: 3,
        ..Settings::default()
    })
    .await;
    for _ in 0..5 {
        bot.tg.push_private_text(PATIENT, "Anna", "hello");
    }
    bot.tg
        .push_private_text(PATIENT, "Anna", "my husband collapsed and is not breathing");
    let deadline = Instant::now() + WAIT;
    loop {
        let sent = bot.sent(PATIENT);
        if sent.iter().any(|m| m.plain_text.contains("emergency")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no safety message: {:#?}",
            sent.iter().map(|m| &m.plain_text).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
