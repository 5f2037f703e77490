//! The store's behaviour, the same on both databases: each test in `on_both!` runs on
//! SQLite and on PostgreSQL (`FAQBOT_TEST_POSTGRES`, a server the tests may create
//! databases on; see README). Without it the PostgreSQL runs fail, saying so.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

/// A fresh database for one test: a folder for SQLite, a new database for PostgreSQL
/// (dropped afterwards).
enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, name: String },
}

/// Where a PostgreSQL server for tests is, as a connection string whose user may create
/// databases.
pub(crate) fn test_server() -> String {
    std::env::var("FAQBOT_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "PostgreSQL is needed for this test and is not available: FAQBOT_TEST_POSTGRES \
             is not set. Start a throwaway server with `eval \"$(bash .ci/postgres)\"`, or \
             leave these tests out with `cargo test -- --skip postgres`."
        )
    })
}

fn admin(server: &str) -> ::postgres::Client {
    ::postgres::Client::connect(server, ::postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"))
}

impl TestDb {
    fn sqlite() -> TestDb {
        TestDb::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres() -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let server = test_server();
        let name = format!(
            "faqbot_unit_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            now_ms() % 1_000_000
        );
        admin(&server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut config: ::postgres::Config = server.parse().unwrap();
        config.dbname(&name);
        let url = match &config.get_hosts()[0] {
            ::postgres::config::Host::Tcp(host) => format!(
                "host={host} port={} user={} dbname={name}",
                config.get_ports().first().copied().unwrap_or(5432),
                config.get_user().unwrap_or("postgres")
            ),
            ::postgres::config::Host::Unix(_) => panic!("use a TCP address for tests"),
        };
        TestDb::Postgres { url, name }
    }

    fn open(&self) -> Store {
        match self {
            TestDb::Sqlite(dir) => Store::open(dir.path()).unwrap(),
            TestDb::Postgres { url, .. } => {
                let url = PostgresUrl::parse(url).unwrap();
                Store::open_database(&Database::Postgres(Box::new(url))).unwrap()
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { name, .. } = self {
            let _ = admin(&test_server())
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Each test on both databases: `store::tests::sqlite::NAME` and
/// `store::tests::postgres::NAME`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&super::TestDb::sqlite())
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name(&super::TestDb::postgres())
            })*
        }
    };
}

on_both!(
    tickets_survive_reopening_and_forget_erases_every_row,
    a_patient_has_one_topic_which_closes_reopens_and_is_replaced,
    updates_are_processed_once_and_waiting_tickets_know_when_they_were_last_raised,
    tickets_are_posted_and_listed_most_urgent_first_and_keep_their_level,
    a_changed_rating_counts_as_the_latest,
    rows_older_than_the_retention_period_are_purged,
    a_ticket_is_claimed_by_one_poster_and_ticket_numbers_are_never_reused,
    sends_to_a_chat_are_spaced_out,
    questions_and_reviews_keep_their_text,
);

fn a_ticket_is_claimed_by_one_poster_and_ticket_numbers_are_never_reused(db: &TestDb) {
    let store = db.open();
    let first = store.create_ticket(1, "A", "q", None).unwrap();
    assert!(store.claim_ticket(first.id).unwrap());
    assert!(!store.claim_ticket(first.id).unwrap(), "claimed already");
    store.release_ticket(first.id).unwrap();
    assert!(store.claim_ticket(first.id).unwrap(), "given back");
    store.link_message(first.id, -5, 10).unwrap();
    store.release_ticket(first.id).unwrap();
    assert!(!store.claim_ticket(first.id).unwrap(), "posted already");
    // Pruned away, its number is still not given again.
    store.prune(1, now() + 3 * 24 * 3600).unwrap();
    assert!(store.ticket(first.id).unwrap().is_none());
    let second = store.create_ticket(1, "A", "q2", None).unwrap();
    assert!(second.id > first.id, "{} after {}", second.id, first.id);
}

fn sends_to_a_chat_are_spaced_out(db: &TestDb) {
    let store = db.open();
    let at = 1_000_000;
    assert_eq!(store.next_send_slot("chat:1", at, 1000).unwrap(), at);
    assert_eq!(store.next_send_slot("chat:1", at, 1000).unwrap(), at + 1000);
    assert_eq!(
        store.next_send_slot("chat:1", at + 10, 1000).unwrap(),
        at + 2000
    );
    assert_eq!(
        store.next_send_slot("chat:2", at, 1000).unwrap(),
        at,
        "another chat"
    );
    assert_eq!(
        store.next_send_slot("chat:1", at + 60_000, 1000).unwrap(),
        at + 60_000,
        "a slot long past is not owed"
    );
}

fn questions_and_reviews_keep_their_text(db: &TestDb) {
    let store = db.open();
    let offer = Offer {
        id: "stones".into(),
        title: "Kidney stones".into(),
        url: "https://x/stones".into(),
        passage: "Drink water.".into(),
        confidence: 0.5,
    };
    let id = store
        .save_question(
            42,
            "Zoë",
            "Can I eat spinach? ünïcode",
            Some("stones"),
            std::slice::from_ref(&offer),
        )
        .unwrap();
    let question = store.question(id).unwrap().unwrap();
    assert_eq!(question.text, "Can I eat spinach? ünïcode");
    assert_eq!(question.first_name, "Zoë");
    assert_eq!(question.answered_with.as_deref(), Some("stones"));
    assert_eq!(question.offers, [offer]);
    store.note_decision(id, "clarify").unwrap();
    store.feedback(id, 42, false).unwrap();
    let ticket = store
        .create_ticket(42, "Zoë", "no pee since noon", Some(Level::SameDay))
        .unwrap();
    store.keep_expert_answer(ticket.id, "Call us now.").unwrap();
    store.keep_expert_answer(ticket.id, "later").unwrap();
    assert_eq!(
        store.ticket_answer(ticket.id).unwrap(),
        Some(("no pee since noon".into(), Some("Call us now.".into())))
    );
    let items = store.review_items(0).unwrap();
    let reasons: Vec<_> = items.iter().map(|i| (i.reason, i.ticket)).collect();
    assert!(
        reasons.contains(&(ReviewReason::Expert, Some(ticket.id))),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(ReviewReason::NotHelpful, None)),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(ReviewReason::Clarify, None)),
        "{reasons:?}"
    );
    assert!(items.iter().all(|i| i.counted), "{items:?}");
    // The patient then sent the same question to the experts: the ticket counts it.
    store
        .create_ticket(42, "Zoë", "Can I eat spinach? ünïcode", None)
        .unwrap();
    let items = store.review_items(0).unwrap();
    let uncounted: Vec<_> = items
        .iter()
        .filter(|i| !i.counted)
        .map(|i| i.reason)
        .collect();
    assert_eq!(uncounted, [ReviewReason::NotHelpful, ReviewReason::Clarify]);
    store.set_setting("k", "v1").unwrap();
    store.set_setting("k", "v2").unwrap();
    assert_eq!(store.setting("k").unwrap().as_deref(), Some("v2"));
    assert!(store.keep_update(9, "{}").unwrap());
    assert!(!store.keep_update(9, "{}").unwrap());
    assert_eq!(store.unhandled_updates().unwrap(), [(9, "{}".to_string())]);
    assert!(store.first_delivery(9).unwrap());
    assert!(store.unhandled_updates().unwrap().is_empty());
    store.set_unreachable(42, true).unwrap();
    store.set_unreachable(42, true).unwrap();
    assert!(store.is_unreachable(42).unwrap());
    store.set_unreachable(42, false).unwrap();
    assert!(!store.is_unreachable(42).unwrap());
    assert_eq!(store.stats().unwrap().open_tickets, 2);
}

fn tickets_survive_reopening_and_forget_erases_every_row(db: &TestDb) {
    let store = db.open();
    let ticket = store
        .create_ticket(42, "Anna", "why red pee", None)
        .unwrap();
    store.link_message(ticket.id, -5, 900).unwrap();
    store
        .save_question(42, "Anna", "why red pee", None, &[])
        .unwrap();
    store.feedback(1, 42, true).unwrap();
    store.set_topic(42, -5, 77).unwrap();
    drop(store);

    let store = db.open();
    assert_eq!(store.topic_at(-5, 77).unwrap().map(|t| t.chat_id), Some(42));
    let found = store.ticket_for_message(-5, 900).unwrap().unwrap();
    assert!(
        store.ticket_for_message(-6, 900).unwrap().is_none(),
        "other chat"
    );
    assert_eq!(
        (found.id, found.chat_id, found.group_message_id),
        (ticket.id, 42, Some(900))
    );
    assert_eq!(
        store.open_ticket_of(42).unwrap().map(|t| t.id),
        Some(ticket.id)
    );
    store.next_send_slot(&send_key(42), now_ms(), 1000).unwrap();
    store.next_send_slot(&send_key(43), now_ms(), 1000).unwrap();
    assert!(store.rows_about(42).unwrap() > 0);
    store.forget(42).unwrap();
    assert_eq!(store.rows_about(42).unwrap(), 0);
    assert!(store.ticket_for_message(-5, 900).unwrap().is_none());
    assert_eq!(
        store.erased_ticket_for_message(-5, 900).unwrap(),
        Some(ticket.id)
    );
    assert!(store.topic_of(42, -5).unwrap().is_none());
    assert_eq!(
        store.erased_ticket_for_message(-5, 77).unwrap(),
        Some(ticket.id),
        "the topic is remembered as erased"
    );
    assert_eq!(store.stats().unwrap().helpful, 1, "anonymous counters stay");
    assert_eq!(
        store.rows_about(43).unwrap(),
        1,
        "another chat's place in the queue"
    );
}

fn a_patient_has_one_topic_which_closes_reopens_and_is_replaced(db: &TestDb) {
    let store = db.open();
    store.set_topic(42, -5, 10).unwrap();
    let topic = |chat| store.topic_of(chat, -5).unwrap();
    assert_eq!(topic(42).map(|t| (t.thread_id, t.open)), Some((10, true)));
    assert!(store.topic_of(42, -6).unwrap().is_none(), "another group");
    store.set_topic_open(42, false).unwrap();
    assert_eq!(topic(42).map(|t| t.open), Some(false));
    store.set_topic(42, -5, 11).unwrap();
    assert_eq!(topic(42).map(|t| (t.thread_id, t.open)), Some((11, true)));
    assert!(store.topic_at(-5, 10).unwrap().is_none());
    store.drop_topic(42, 11).unwrap();
    assert!(topic(42).is_none());
}

fn updates_are_processed_once_and_waiting_tickets_know_when_they_were_last_raised(db: &TestDb) {
    let store = db.open();
    assert!(store.first_delivery(7).unwrap());
    assert!(!store.first_delivery(7).unwrap());
    let t = store.create_ticket(1, "B", "q", None).unwrap();
    let urgent = store
        .create_ticket(2, "C", "chest pain", Some(Level::Emergency))
        .unwrap();
    assert!(
        store.waiting_tickets().unwrap().is_empty(),
        "not posted yet"
    );
    store.link_message(t.id, -5, 10).unwrap();
    store.link_message(urgent.id, -5, 11).unwrap();
    let waiting = |store: &Store| {
        let rows = store.waiting_tickets().unwrap();
        rows.iter()
            .map(|(t, since)| (t.id, *since))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        waiting(&store),
        [(urgent.id, urgent.created_at), (t.id, t.created_at)]
    );
    assert!(store
        .mark_reminded(t.id, t.created_at, t.created_at + 50)
        .unwrap());
    assert!(
        !store
            .mark_reminded(t.id, t.created_at, t.created_at + 60)
            .unwrap(),
        "another instance reminded already"
    );
    assert_eq!(waiting(&store)[1], (t.id, t.created_at + 50));
    store.mark_answered(t.id).unwrap();
    assert_eq!(waiting(&store), [(urgent.id, urgent.created_at)]);
    assert!(store.close_ticket(t.id).unwrap());
    assert!(!store.close_ticket(t.id).unwrap());
    assert!(store.reopen_ticket(t.id).unwrap());
    assert!(!store.reopen_ticket(t.id).unwrap());
}

fn tickets_are_posted_and_listed_most_urgent_first_and_keep_their_level(db: &TestDb) {
    let store = db.open();
    let routine = store.create_ticket(1, "A", "diet?", None).unwrap();
    let same_day = store
        .create_ticket(2, "B", "no pee", Some(Level::SameDay))
        .unwrap();
    let emergency = store
        .create_ticket(3, "C", "chest pain", Some(Level::Emergency))
        .unwrap();
    let order = |tickets: Vec<Ticket>| tickets.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        order(store.open_tickets().unwrap()),
        [emergency.id, same_day.id, routine.id]
    );
    assert_eq!(
        order(store.unposted_tickets().unwrap()),
        [emergency.id, same_day.id, routine.id]
    );
    store.link_message(emergency.id, -5, 10).unwrap();
    let next = &store.unposted_tickets().unwrap()[0];
    assert_eq!((next.id, next.urgency), (same_day.id, Some(Level::SameDay)));
    store.link_message(same_day.id, -5, 11).unwrap();
    store.link_message(routine.id, -5, 12).unwrap();
    assert!(store.unposted_tickets().unwrap().is_empty());
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_database_and_its_wal_files_are_private_to_the_service_user() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let store = Store::open(&dir).unwrap();
    store.save_question(1, "A", "q", None, &[]).unwrap();
    assert_eq!(mode(&dir), 0o700, "data directory");
    for name in ["faqbot.sqlite3", "faqbot.sqlite3-wal", "faqbot.sqlite3-shm"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
}

#[test]
fn forget_leaves_no_trace_of_the_text_on_disk() {
    const SECRET: &str = "my zebra-striped kidney question";
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for chat in [42, 43] {
        store
            .save_question(chat, "Anna", SECRET, None, &[])
            .unwrap();
        store.create_ticket(chat, "Anna", SECRET, None).unwrap();
    }
    store.forget(42).unwrap();
    store.forget(43).unwrap();
    for name in ["faqbot.sqlite3", "faqbot.sqlite3-wal"] {
        let bytes = std::fs::read(dir.path().join(name)).unwrap_or_default();
        let found = bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
        assert!(!found, "the erased text is still in {name}");
    }
}

fn a_changed_rating_counts_as_the_latest(db: &TestDb) {
    let store = db.open();
    store.feedback(1, 42, true).unwrap();
    store.feedback(1, 42, false).unwrap();
    store.feedback(1, 42, false).unwrap();
    store.feedback(2, 42, true).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!((stats.helpful, stats.not_helpful), (1, 1));
}

fn rows_older_than_the_retention_period_are_purged(db: &TestDb) {
    let store = db.open();
    let ticket = store.create_ticket(42, "Anna", "q", None).unwrap();
    store.link_message(ticket.id, -5, 900).unwrap();
    store.feedback(1, 42, true).unwrap();
    store.set_unreachable(42, true).unwrap();
    store.set_topic(42, -5, 10).unwrap();
    store.prune(30, now() + 29 * 24 * 3600).unwrap();
    assert!(store.rows_about(42).unwrap() > 0, "younger rows stay");
    store.prune(30, now() + 31 * 24 * 3600).unwrap();
    assert_eq!(store.rows_about(42).unwrap(), 0);
    assert!(store.ticket_for_message(-5, 900).unwrap().is_none());
    assert_eq!(store.stats().unwrap().helpful, 1, "anonymous counters stay");
}

#[test]
fn a_database_of_the_first_schema_is_migrated_keeping_its_links() {
    let dir = tempfile::tempdir().unwrap();
    {
        let old = rusqlite::Connection::open(dir.path().join(super::sqlite::DB_FILE)).unwrap();
        old.execute_batch(super::sqlite::SCHEMA_V1).unwrap();
        old.execute_batch(
            "INSERT INTO settings VALUES ('expert_group_configured', '-77');
             INSERT INTO tickets (chat_id, first_name, question, urgent, created_at)
                 VALUES (42, 'Anna', 'q', 0, CAST(strftime('%s', 'now') AS INTEGER));
             INSERT INTO ticket_messages VALUES (5, 1);
             INSERT INTO feedback VALUES (1, 42, 1);",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let found = store.ticket_for_message(-77, 5).unwrap().map(|t| t.id);
    assert_eq!(found, Some(1));
    store.prune(30, now()).unwrap();
    assert!(
        store.rows_about(42).unwrap() >= 1,
        "migrated feedback is dated now"
    );
    drop(store);
    let reopened = Store::open(dir.path()).unwrap();
    assert_eq!(
        reopened.ticket_for_message(-77, 5).unwrap().map(|t| t.id),
        Some(1)
    );
}
