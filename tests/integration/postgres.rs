//! More than one instance: two `faqbot serve` processes behind one webhook URL, sharing one
//! PostgreSQL database. Telegram may deliver an update to either, or to both; one instance
//! handles updates at a time and each update once, ticket numbers are never given twice,
//! and what one instance kept before it died is handled by the other.
//!
//! These tests need a PostgreSQL server (`FAQBOT_TEST_POSTGRES`, see README); without one
//! they fail and say so, rather than pass having tested nothing.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use faqbot::store::{Database, PostgresUrl, Store};

use crate::bot::{BotEnv, Settings, GROUP, WAIT, WEBHOOK_SECRET};
use crate::http::{logged, logged_addr, logged_addr_in, request};
use crate::webhook::{post, update_from};

const STONES: &str = "What can I do to prevent kidney stones?";
const EMERGENCY: &str = "my husband has crushing chest pain and is sweating";

/// A database of its own on the test server, dropped when the test ends.
struct TestDatabase {
    server: String,
    name: String,
    url: String,
}

fn test_server() -> String {
    std::env::var("FAQBOT_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "PostgreSQL is needed for this test and is not available: FAQBOT_TEST_POSTGRES \
             is not set. Start a throwaway server with `eval \"$(bash .ci/postgres)\"`, or \
             leave these tests out with `cargo test -- --skip postgres`."
        )
    })
}

/// Runs `sql` on the test server's maintenance database, off the async runtime (the
/// `postgres` client blocks on a runtime of its own).
fn on_server(server: &str, sql: String) {
    let server = server.to_string();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&server, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
        client.batch_execute(&sql).unwrap();
    })
    .join()
    .unwrap();
}

impl TestDatabase {
    fn create(label: &str) -> TestDatabase {
        let server = test_server();
        let name = format!("faqbot_it_{label}_{}", std::process::id());
        on_server(
            &server,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
        on_server(&server, format!("CREATE DATABASE {name}"));
        let mut parts: Vec<&str> = server
            .split_whitespace()
            .filter(|p| !p.starts_with("dbname="))
            .collect();
        let dbname = format!("dbname={name}");
        parts.push(&dbname);
        let url = parts.join(" ");
        TestDatabase { server, name, url }
    }

    /// Runs `f` on the database through faqbot's own store.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> T {
        let url = PostgresUrl::parse(&self.url).unwrap();
        tokio::task::spawn_blocking(move || {
            let store = Store::open_database(&Database::Postgres(Box::new(url))).unwrap();
            f(&store)
        })
        .await
        .unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        on_server(
            &self.server,
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Two instances on one database, and the webhook address of each.
async fn two_instances(db: &TestDatabase) -> (BotEnv, String, String, PathBuf) {
    let mut bot = BotEnv::start_with(Settings {
        webhook: true,
        health: true,
        database_url: Some(db.url.clone()),
        ..Settings::default()
    })
    .await;
    let first = logged_addr(&bot, "webhook listening").await;
    wait_for_line(&bot.log_path(), "this instance handles updates").await;
    let second_log = bot.spawn_another();
    let second = logged_addr_in(&second_log, "webhook listening").await;
    wait_for_line(&second_log, "stands by").await;
    (bot, first, second, second_log)
}

/// Waits until the log file `path` has a line containing `marker`.
async fn wait_for_line(path: &std::path::Path, marker: &str) {
    logged(path, marker, |_| Some(())).await
}

/// The ticket number a group post is about (`#N`).
fn ticket_number(text: &str) -> i64 {
    let digits: String = text
        .split('#')
        .nth(1)
        .unwrap_or_else(|| panic!("no ticket number in {text}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[tokio::test]
async fn postgres_two_instances_handle_each_update_once_and_never_reuse_a_ticket_number() {
    let db = TestDatabase::create("two");
    let (bot, first, second, second_log) = two_instances(&db).await;

    // Eight patients write at once; every update reaches both instances, as when Telegram
    // delivers again to whichever instance is behind the URL.
    let patients: Vec<i64> = (301..=308).collect();
    for (n, &patient) in patients.iter().enumerate() {
        let text = if n.is_multiple_of(2) {
            STONES
        } else {
            EMERGENCY
        };
        let body = update_from(patient, 1000 + n as i64, 1, text);
        let (a, b) = if n.is_multiple_of(2) {
            (&first, &second)
        } else {
            (&second, &first)
        };
        let (to_a, to_b) = tokio::join!(
            post(a, Some(WEBHOOK_SECRET), &body),
            post(b, Some(WEBHOOK_SECRET), &body)
        );
        assert_eq!((to_a, to_b), (200, 200));
    }
    // An answer for a question; a safety message and "alerted the kidney team" for an
    // emergency, whose ticket goes to the group.
    let expected = |n: usize| if n.is_multiple_of(2) { 1 } else { 2 };
    for (n, &patient) in patients.iter().enumerate() {
        bot.nth(patient, expected(n)).await;
    }
    let posted = bot.tg.wait_for_sent(GROUP, 4, WAIT).await.unwrap();
    // Time for a second handling or a second post to show.
    tokio::time::sleep(Duration::from_secs(4)).await;
    for (n, &patient) in patients.iter().enumerate() {
        let sent: Vec<String> = bot
            .sent(patient)
            .into_iter()
            .map(|m| m.plain_text)
            .collect();
        assert_eq!(sent.len(), expected(n), "patient {patient}: {sent:#?}");
    }
    let posted_now = bot.sent(GROUP);
    assert_eq!(
        posted_now.len(),
        4,
        "each ticket posted once: {posted_now:#?}"
    );
    let numbers: BTreeSet<i64> = posted
        .iter()
        .map(|m| ticket_number(&m.plain_text))
        .collect();
    assert_eq!(numbers.len(), 4, "ticket numbers given twice: {numbers:?}");

    let (tickets, handled) = db
        .with_store(|store| {
            (
                store.open_tickets().unwrap().len(),
                store.unhandled_updates().unwrap().len(),
            )
        })
        .await;
    assert_eq!(tickets, 4);
    assert_eq!(handled, 0, "every kept update was handled");
    let second_log = std::fs::read_to_string(second_log).unwrap();
    assert!(second_log.contains("faqbot is serving"), "{second_log}");
    // Only the instance whose turn it is handled them: a patient's messages stay in order.
    assert_eq!(bot.log().matches("ticket opened").count(), 4);
    assert!(!second_log.contains("ticket opened"), "{second_log}");
    for text in [STONES, EMERGENCY] {
        assert!(!bot.log().contains(text) && !second_log.contains(text));
    }
}

#[tokio::test]
async fn postgres_an_update_kept_by_an_instance_that_died_is_handled_by_the_other() {
    let db = TestDatabase::create("died");
    let (mut bot, _, _, second_log) = two_instances(&db).await;
    let health = logged_addr_in(&second_log, "health and metrics endpoint listening").await;
    let turn = || async {
        let (status, body) = request(&health, "GET", "/readyz", &[], "").await;
        assert_eq!(status, 200, "a standing-by instance is ready too: {body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["handles_updates"].clone()
    };
    assert_eq!(turn().await, false);
    // The first instance, which handles updates, kept an update, then was killed before
    // handling it; the second, standing by, takes over.
    bot.kill();
    let body = update_from(401, 2001, 1, STONES);
    let kept = db
        .with_store(move |store| store.keep_update(2001, &body).unwrap())
        .await;
    assert!(kept);
    let answer = bot.nth(401, 1).await;
    assert!(
        answer.plain_text.starts_with("Kidney stones"),
        "{}",
        answer.plain_text
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(bot.sent(401).len(), 1);
    wait_for_line(&second_log, "this instance handles updates").await;
    assert_eq!(turn().await, true);
}
