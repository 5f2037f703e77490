//! Durable bot state: tickets, the expert-group message → ticket map, questions awaiting a
//! button press, feedback, processed update ids, and anonymous counters. One interface over
//! two databases: SQLite in the data folder (one instance, the default) or PostgreSQL shared
//! by several instances ([`Database`]). Every statement is written once ([`sql`]).
//! Every patient row is keyed by chat id, so `/forget` can erase them all.

mod postgresql;
pub mod sql;
mod sqlite;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::triage::Level;
use sql::{args, Conn, Row};

pub use postgresql::Url as PostgresUrl;

/// Every table with rows about a patient, keyed by `chat_id`: what `/forget` erases.
const PATIENT_TABLES: [&str; 5] = ["questions", "tickets", "feedback", "unreachable", "topics"];

/// Questions awaiting a button press and processed update ids are kept this long (seconds).
pub const RETENTION_SECS: i64 = 7 * 24 * 3600;

/// Tickets, their message links, feedback and reachability flags are kept this long by
/// default (days).
pub const DEFAULT_KEEP_DAYS: u32 = 180;

/// Where the bot keeps its state.
#[derive(Debug, Clone)]
pub enum Database {
    /// `faqbot.sqlite3` in this folder.
    Sqlite(PathBuf),
    /// A PostgreSQL database, which several instances can share.
    Postgres(Box<PostgresUrl>),
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(dir) => write!(f, "{}", dir.join(sqlite::DB_FILE).display()),
            Database::Postgres(url) => write!(f, "{url}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL's severity, code and message, never its DETAIL (which may quote a row).
    #[error("database error: {0}")]
    Postgres(String),
    #[error("database error: column {index} is not {wanted}")]
    Column { index: usize, wanted: &'static str },
    #[error("cannot make {} private: {source}", path.display())]
    Files {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> StoreError {
        StoreError::Postgres(match e.as_db_error() {
            Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
            // Connection trouble: "error connecting to server: Connection refused", ...
            None => e.to_string(),
        })
    }
}

/// An article offered to the patient under an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub title: String,
    pub url: String,
    pub passage: String,
    pub confidence: f32,
}

/// Why a question is up for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// It went to the experts (a ticket).
    Expert,
    /// The patient rated the answer "Not helpful".
    NotHelpful,
    /// faqbot asked the patient what they meant.
    Clarify,
}

/// A question faqbot could not answer well, without who asked it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    pub question: String,
    pub at: i64,
    pub reason: ReviewReason,
    /// The experts' first answer, for a ticket that has one.
    pub expert_answer: Option<String>,
    /// The ticket number, for a question that went to the experts.
    pub ticket: Option<i64>,
    /// False for a question its patient then sent to the experts: the ticket counts it.
    pub counted: bool,
}

/// A patient's question, kept until they press a button about it (or it expires).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: i64,
    pub chat_id: i64,
    pub first_name: String,
    pub text: String,
    pub answered_with: Option<String>,
    /// Articles offered as buttons, and the bot's guesses shown to experts.
    pub offers: Vec<Offer>,
}

/// A question handed to the experts.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub chat_id: i64,
    pub first_name: String,
    pub question: String,
    /// The triage level that opened the ticket; `None` for a routine question.
    pub urgency: Option<Level>,
    pub open: bool,
    pub answered: bool,
    pub created_at: i64,
    /// The ticket's first message in the expert group.
    pub group_message_id: Option<i32>,
}

/// A patient's topic in the expert group, when that group is a forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// The patient's chat.
    pub chat_id: i64,
    /// Telegram's `message_thread_id` of the topic.
    pub thread_id: i32,
    pub open: bool,
}

/// Anonymous usage counters for `/stats`; they survive `/forget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub answered: i64,
    pub escalated: i64,
    pub urgent: i64,
    pub helpful: i64,
    pub not_helpful: i64,
    pub open_tickets: i64,
}

/// The database, behind one interface whichever it is.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::Db),
    Postgres(Box<postgresql::Db>),
}

/// How a ticket's urgency is stored in the `urgent` column: 0 routine, 1 emergency (what
/// every urgent ticket was before there were two levels), 2 same-day.
fn urgency_code(urgency: Option<Level>) -> i64 {
    match urgency {
        None => 0,
        Some(Level::Emergency) => 1,
        Some(Level::SameDay) => 2,
    }
}

/// Orders tickets by urgency: emergencies, then same-day, then routine.
const PRIORITY: &str = "CASE urgent WHEN 1 THEN 0 WHEN 2 THEN 1 ELSE 2 END";

fn urgency_from_code(code: i64) -> Option<Level> {
    match code {
        0 => None,
        2 => Some(Level::SameDay),
        _ => Some(Level::Emergency),
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Milliseconds since the epoch, for send pacing.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Adds `delta` to an anonymous counter.
fn bump(c: &mut dyn Conn, name: &str, delta: i64) -> Result<()> {
    c.execute(
        "INSERT INTO counters (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value",
        args![name, delta],
    )
    .map(drop)
}

/// 0 for a question (`q`) its patient then sent to the experts, which the ticket counts;
/// else 1.
const ESCALATED: &str = "CASE WHEN EXISTS (SELECT 1 FROM tickets t
    WHERE t.chat_id = q.chat_id AND t.question = q.text) THEN 0 ELSE 1 END";

/// The send-slot key of a chat.
pub fn send_key(chat_id: i64) -> String {
    format!("chat:{chat_id}")
}

/// Whether this instance handles updates now. Always, on SQLite (one instance); on
/// PostgreSQL, while it holds the handlers' lock: one instance at a time handles updates, so
/// a patient's messages are handled in order, and another takes over within seconds when
/// it stops. The others keep what Telegram delivers to them until then.
#[derive(Clone, Debug)]
pub struct Turn(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Turn {
    pub fn is_mine(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A ticket that another instance claimed this long ago (seconds) and did not post is
/// taken to be abandoned (that instance stopped). Long enough for a post that waits for
/// its turn under Telegram's limits and for Telegram's retries.
const CLAIM_EXPIRES: i64 = 600;

const TICKET_COLUMNS: &str =
    "id, chat_id, first_name, question, urgent, open, answered, created_at, group_message_id";

fn ticket_row(r: &Row) -> Result<Ticket> {
    Ok(Ticket {
        id: r.int(0)?,
        chat_id: r.int(1)?,
        first_name: r.text(2)?,
        question: r.text(3)?,
        urgency: urgency_from_code(r.int(4)?),
        open: r.flag(5)?,
        answered: r.flag(6)?,
        created_at: r.int(7)?,
        group_message_id: r.opt_id32(8)?,
    })
}

fn topic_row(r: &Row) -> Result<Topic> {
    Ok(Topic {
        chat_id: r.int(0)?,
        thread_id: r.id32(1)?,
        open: r.flag(2)?,
    })
}

impl Store {
    /// Opens (creating if needed) `faqbot.sqlite3` in `dir`, both owner-only, and brings its
    /// schema up to date.
    pub fn open(dir: &Path) -> Result<Store> {
        Ok(Store {
            backend: Backend::Sqlite(sqlite::Db::open(dir)?),
        })
    }

    /// Opens the configured database, bringing its schema up to date.
    pub fn open_database(database: &Database) -> Result<Store> {
        match database {
            Database::Sqlite(dir) => Store::open(dir),
            Database::Postgres(url) => Ok(Store {
                backend: Backend::Postgres(Box::new(postgresql::Db::connect(url)?)),
            }),
        }
    }

    /// Whether other instances may use the database too (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Starts taking turns with other instances to handle updates (see [`Turn`]).
    pub fn take_turns(&self) -> Turn {
        let mine = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        if let Backend::Postgres(db) = &self.backend {
            mine.store(false, std::sync::atomic::Ordering::Relaxed);
            db.take_turns(mine.clone());
        }
        Turn(mine)
    }

    /// Whether `dir` holds faqbot's database (without creating it).
    pub fn exists_in(dir: &Path) -> bool {
        dir.join(sqlite::DB_FILE).is_file()
    }

    fn with<T: Send>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T> + Send) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(db) => db.with(f),
            Backend::Postgres(db) => db.with(f),
        }
    }

    fn transaction<T: Send>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T> + Send) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(db) => db.transaction(f),
            Backend::Postgres(db) => db.transaction(f),
        }
    }

    fn execute(&self, sql: &str, params: &[sql::Value]) -> Result<u64> {
        self.with(|c| c.execute(sql, params))
    }

    /// The first row of a query, read by `read`, if there is one.
    fn first<T: Send>(
        &self,
        sql: &str,
        params: &[sql::Value],
        read: impl Fn(&Row) -> Result<T> + Send,
    ) -> Result<Option<T>> {
        self.with(|c| c.first(sql, params)?.as_ref().map(read).transpose())
    }

    /// The integer a query (or a statement with `RETURNING`) gives.
    fn number(&self, sql: &str, params: &[sql::Value]) -> Result<i64> {
        self.with(|c| c.number(sql, params))
    }

    /// Records an update id; false if it was processed before (Telegram redelivered it, or
    /// another instance took it).
    pub fn first_delivery(&self, update_id: u32) -> Result<bool> {
        let inserted = self.execute(
            "INSERT INTO processed_updates (id, at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            args![update_id, now()],
        )?;
        Ok(inserted == 1)
    }

    /// Keeps an update as delivered to the webhook; false if it was kept before (Telegram
    /// delivered it again).
    pub fn keep_update(&self, update_id: i64, body: &str) -> Result<bool> {
        let inserted = self.execute(
            "INSERT INTO inbox (update_id, body, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            args![update_id, body, now()],
        )?;
        Ok(inserted == 1)
    }

    /// Kept updates not yet handled, oldest first; the handled ones are erased first.
    pub fn unhandled_updates(&self) -> Result<Vec<(i64, String)>> {
        self.with(|c| {
            c.execute(
                "DELETE FROM inbox WHERE update_id IN (SELECT id FROM processed_updates)",
                &[],
            )?;
            c.query("SELECT update_id, body FROM inbox ORDER BY update_id", &[])?
                .iter()
                .map(|r| Ok((r.int(0)?, r.text(1)?)))
                .collect()
        })
    }

    pub fn count(&self, name: &str) -> Result<()> {
        self.with(|c| bump(c, name, 1))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.first(
            "SELECT value FROM settings WHERE key = ?1",
            args![key],
            |r| r.text(0),
        )
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            args![key, value],
        )
        .map(drop)
    }

    pub fn save_question(
        &self,
        chat_id: i64,
        first_name: &str,
        text: &str,
        answered_with: Option<&str>,
        offers: &[Offer],
    ) -> Result<i64> {
        let offers = serde_json::to_string(offers).unwrap_or_else(|_| "[]".into());
        self.number(
            "INSERT INTO questions (chat_id, first_name, text, answered_with, offers, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            args![chat_id, first_name, text, answered_with, offers, now()],
        )
    }

    /// Notes what was decided about a saved question (`clarify`, `escalate`), for review.
    pub fn note_decision(&self, question_id: i64, decision: &str) -> Result<()> {
        self.execute(
            "UPDATE questions SET decision = ?2 WHERE id = ?1",
            args![question_id, decision],
        )
        .map(drop)
    }

    /// Keeps the experts' first answer to a ticket, for review.
    pub fn keep_expert_answer(&self, ticket_id: i64, answer: &str) -> Result<()> {
        self.execute(
            "UPDATE tickets SET expert_answer = ?2 WHERE id = ?1 AND expert_answer IS NULL",
            args![ticket_id, answer],
        )
        .map(drop)
    }

    /// Questions since `since` that went to the experts, were rated "Not helpful" or were
    /// asked back, oldest first. No chat id or name: the review never shows who asked.
    pub fn review_items(&self, since: i64) -> Result<Vec<ReviewItem>> {
        self.with(|c| {
            let mut items = Vec::new();
            let sources = [
                (
                    "SELECT question, created_at, expert_answer, id, 1 FROM tickets
                     WHERE created_at >= ?1"
                        .to_string(),
                    ReviewReason::Expert,
                ),
                (
                    format!(
                        "SELECT q.text, q.at, NULL, NULL, {ESCALATED} FROM feedback f
                         JOIN questions q ON q.id = f.question_id
                         WHERE f.helpful = 0 AND q.at >= ?1"
                    ),
                    ReviewReason::NotHelpful,
                ),
                (
                    format!(
                        "SELECT q.text, q.at, NULL, NULL, {ESCALATED} FROM questions q
                         WHERE q.decision = 'clarify' AND q.at >= ?1"
                    ),
                    ReviewReason::Clarify,
                ),
            ];
            for (sql, reason) in sources {
                for r in c.query(&sql, args![since])? {
                    items.push(ReviewItem {
                        question: r.text(0)?,
                        at: r.int(1)?,
                        reason,
                        expert_answer: r.opt_text(2)?,
                        ticket: r.opt_int(3)?,
                        counted: r.flag(4)?,
                    });
                }
            }
            items.sort_by_key(|i| i.at);
            Ok(items)
        })
    }

    /// A ticket's question and the experts' first answer, if any.
    pub fn ticket_answer(&self, ticket_id: i64) -> Result<Option<(String, Option<String>)>> {
        self.first(
            "SELECT question, expert_answer FROM tickets WHERE id = ?1",
            args![ticket_id],
            |r| Ok((r.text(0)?, r.opt_text(1)?)),
        )
    }

    pub fn question(&self, id: i64) -> Result<Option<Question>> {
        self.first(
            "SELECT id, chat_id, first_name, text, answered_with, offers
             FROM questions WHERE id = ?1",
            args![id],
            |r| {
                Ok(Question {
                    id: r.int(0)?,
                    chat_id: r.int(1)?,
                    first_name: r.text(2)?,
                    text: r.text(3)?,
                    answered_with: r.opt_text(4)?,
                    offers: serde_json::from_str(&r.text(5)?).unwrap_or_default(),
                })
            },
        )
    }

    /// Records a rating of an answer; a changed rating replaces the earlier one in the
    /// counters too, so the latest one counts.
    pub fn feedback(&self, question_id: i64, chat_id: i64, helpful: bool) -> Result<()> {
        let counter = |helpful: bool| if helpful { "helpful" } else { "not_helpful" };
        self.transaction(|c| {
            let before = c
                .first(
                    "SELECT helpful FROM feedback WHERE question_id = ?1",
                    args![question_id],
                )?
                .map(|r| r.flag(0))
                .transpose()?;
            if before == Some(helpful) {
                return Ok(());
            }
            c.execute(
                "INSERT INTO feedback (question_id, chat_id, helpful, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (question_id)
                 DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
                args![question_id, chat_id, helpful, now()],
            )?;
            if let Some(before) = before {
                bump(c, counter(before), -1)?;
            }
            bump(c, counter(helpful), 1)
        })
    }

    /// Opens a ticket; its number is new, never one used before (even by another instance).
    pub fn create_ticket(
        &self,
        chat_id: i64,
        first_name: &str,
        question: &str,
        urgency: Option<Level>,
    ) -> Result<Ticket> {
        let created_at = now();
        let id = self.number(
            "INSERT INTO tickets (chat_id, first_name, question, urgent, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            args![
                chat_id,
                first_name,
                question,
                urgency_code(urgency),
                created_at
            ],
        )?;
        Ok(Ticket {
            id,
            chat_id,
            first_name: first_name.to_string(),
            question: question.to_string(),
            urgency,
            open: true,
            answered: false,
            created_at,
            group_message_id: None,
        })
    }

    /// Links a message of the expert group (`chat`) to a ticket (the first one is the
    /// ticket's own).
    pub fn link_message(&self, ticket_id: i64, chat: i64, message_id: i32) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO ticket_links (chat_id, message_id, ticket_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat_id, message_id) DO UPDATE SET ticket_id = excluded.ticket_id",
                args![chat, message_id, ticket_id],
            )?;
            c.execute(
                "UPDATE tickets SET group_message_id = ?2
                 WHERE id = ?1 AND group_message_id IS NULL",
                args![ticket_id, message_id],
            )
            .map(drop)
        })
    }

    fn tickets_ordered(
        &self,
        condition: &str,
        order: &str,
        params: &[sql::Value],
    ) -> Result<Vec<Ticket>> {
        let sql =
            format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE {condition} ORDER BY {order}");
        self.with(|c| c.query(&sql, params)?.iter().map(ticket_row).collect())
    }

    pub fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        Ok(self.tickets_ordered("id = ?1", "id", args![id])?.pop())
    }

    /// The ticket a message of the expert group (`chat`) belongs to.
    pub fn ticket_for_message(&self, chat: i64, message_id: i32) -> Result<Option<Ticket>> {
        Ok(self
            .tickets_ordered(
                "id = (SELECT ticket_id FROM ticket_links WHERE chat_id = ?1 AND message_id = ?2)",
                "id",
                args![chat, message_id],
            )?
            .pop())
    }

    /// The number of the ticket a message of the expert group belonged to, when its patient
    /// erased their data.
    pub fn erased_ticket_for_message(&self, chat: i64, message_id: i32) -> Result<Option<i64>> {
        self.first(
            "SELECT ticket_id FROM erased_links WHERE chat_id = ?1 AND message_id = ?2",
            args![chat, message_id],
            |r| r.int(0),
        )
    }

    /// The patient's newest open ticket.
    pub fn open_ticket_of(&self, chat_id: i64) -> Result<Option<Ticket>> {
        Ok(self
            .tickets_ordered("open = 1 AND chat_id = ?1", "id", args![chat_id])?
            .pop())
    }

    /// Open tickets, the most urgent first, oldest first within a level.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>> {
        self.tickets_ordered("open = 1", &format!("{PRIORITY}, id"), &[])
    }

    /// Open tickets not yet in the expert group, in the order to post them: emergencies
    /// first, then same-day, then routine questions, oldest first within a level.
    pub fn unposted_tickets(&self) -> Result<Vec<Ticket>> {
        self.tickets_ordered(
            "open = 1 AND group_message_id IS NULL",
            &format!("{PRIORITY}, id"),
            &[],
        )
    }

    /// Takes an unposted ticket to post it; false if it is posted, or another instance
    /// took it less than a minute ago. Instances sharing a database each post a ticket
    /// once this way.
    pub fn claim_ticket(&self, ticket_id: i64) -> Result<bool> {
        let now = now();
        let claimed = self.execute(
            "UPDATE tickets SET claimed_at = ?2
             WHERE id = ?1 AND group_message_id IS NULL
               AND (claimed_at IS NULL OR claimed_at <= ?3)",
            args![ticket_id, now, now - CLAIM_EXPIRES],
        )?;
        Ok(claimed == 1)
    }

    /// Gives a claimed ticket back when posting it failed, for the next round.
    pub fn release_ticket(&self, ticket_id: i64) -> Result<()> {
        self.execute(
            "UPDATE tickets SET claimed_at = NULL WHERE id = ?1",
            args![ticket_id],
        )
        .map(drop)
    }

    pub fn mark_answered(&self, ticket_id: i64) -> Result<()> {
        self.execute(
            "UPDATE tickets SET answered = 1 WHERE id = ?1",
            args![ticket_id],
        )
        .map(drop)
    }

    /// Closes a ticket; false if it was not open.
    pub fn close_ticket(&self, ticket_id: i64) -> Result<bool> {
        self.set_open(ticket_id, false)
    }

    /// Reopens a closed ticket; false if there is no such closed ticket.
    pub fn reopen_ticket(&self, ticket_id: i64) -> Result<bool> {
        self.set_open(ticket_id, true)
    }

    fn set_open(&self, ticket_id: i64, open: bool) -> Result<bool> {
        let changed = self.execute(
            "UPDATE tickets SET open = ?2 WHERE id = ?1 AND open <> ?2",
            args![ticket_id, open],
        )?;
        Ok(changed == 1)
    }

    /// Open, unanswered tickets already posted in the expert group, each with when the
    /// group last heard of it (posted, reminded or raised again), the most urgent first.
    pub fn waiting_tickets(&self) -> Result<Vec<(Ticket, i64)>> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS}, COALESCE(reminded_at, created_at) FROM tickets
             WHERE open = 1 AND answered = 0 AND group_message_id IS NOT NULL
             ORDER BY {PRIORITY}, id"
        );
        self.with(|c| {
            c.query(&sql, &[])?
                .iter()
                .map(|r| Ok((ticket_row(r)?, r.int(9)?)))
                .collect()
        })
    }

    /// Records that the group is reminded of a ticket (or has it raised again) `at`, if it
    /// was last raised `since`; false if another instance did so in the meantime.
    pub fn mark_reminded(&self, ticket_id: i64, since: i64, at: i64) -> Result<bool> {
        let changed = self.execute(
            "UPDATE tickets SET reminded_at = ?2
             WHERE id = ?1 AND COALESCE(reminded_at, created_at) = ?3",
            args![ticket_id, at, since],
        )?;
        Ok(changed == 1)
    }

    /// Reserves the next moment (milliseconds since the epoch) at which a message may be
    /// sent under `key` (a chat), at most one per `interval_ms`, whichever instance sends.
    pub fn next_send_slot(&self, key: &str, now_ms: i64, interval_ms: i64) -> Result<i64> {
        self.number(
            "INSERT INTO send_slots (key, next_at)
             VALUES (?1, CAST(?2 AS BIGINT) + CAST(?3 AS BIGINT))
             ON CONFLICT (key) DO UPDATE SET next_at =
                 CASE WHEN send_slots.next_at > excluded.next_at - ?3
                      THEN send_slots.next_at ELSE excluded.next_at - ?3 END + ?3
             RETURNING next_at - ?3",
            args![key, now_ms, interval_ms],
        )
    }

    /// The patient's topic in the expert group `group`.
    pub fn topic_of(&self, chat_id: i64, group: i64) -> Result<Option<Topic>> {
        self.first(
            "SELECT chat_id, thread_id, open FROM topics WHERE chat_id = ?1 AND group_id = ?2",
            args![chat_id, group],
            topic_row,
        )
    }

    /// The patient whose topic `thread_id` is in the expert group `group`.
    pub fn topic_at(&self, group: i64, thread_id: i32) -> Result<Option<Topic>> {
        self.first(
            "SELECT chat_id, thread_id, open FROM topics WHERE group_id = ?1 AND thread_id = ?2",
            args![group, thread_id],
            topic_row,
        )
    }

    /// Records a new open topic for the patient in `group`, replacing any earlier one.
    pub fn set_topic(&self, chat_id: i64, group: i64, thread_id: i32) -> Result<()> {
        self.transaction(|c| {
            c.execute(
                "DELETE FROM topics WHERE group_id = ?2 AND thread_id = ?3 AND chat_id <> ?1",
                args![chat_id, group, thread_id],
            )?;
            c.execute(
                "INSERT INTO topics (chat_id, group_id, thread_id, open, at)
                 VALUES (?1, ?2, ?3, 1, ?4)
                 ON CONFLICT (chat_id) DO UPDATE SET group_id = excluded.group_id,
                     thread_id = excluded.thread_id, open = 1, at = excluded.at",
                args![chat_id, group, thread_id, now()],
            )
            .map(drop)
        })
    }

    /// Records whether the patient's topic is open.
    pub fn set_topic_open(&self, chat_id: i64, open: bool) -> Result<()> {
        self.execute(
            "UPDATE topics SET open = ?2 WHERE chat_id = ?1",
            args![chat_id, open],
        )
        .map(drop)
    }

    /// Forgets a topic that no longer exists (an admin deleted it).
    pub fn drop_topic(&self, chat_id: i64, thread_id: i32) -> Result<()> {
        self.execute(
            "DELETE FROM topics WHERE chat_id = ?1 AND thread_id = ?2",
            args![chat_id, thread_id],
        )
        .map(drop)
    }

    /// The patient's newest ticket, open or closed.
    pub fn last_ticket_of(&self, chat_id: i64) -> Result<Option<Ticket>> {
        Ok(self
            .tickets_ordered("chat_id = ?1", "id", args![chat_id])?
            .pop())
    }

    pub fn set_unreachable(&self, chat_id: i64, unreachable: bool) -> Result<()> {
        if unreachable {
            self.execute(
                "INSERT INTO unreachable (chat_id, at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                args![chat_id, now()],
            )
        } else {
            self.execute("DELETE FROM unreachable WHERE chat_id = ?1", args![chat_id])
        }
        .map(drop)
    }

    pub fn is_unreachable(&self, chat_id: i64) -> Result<bool> {
        let found = self.first(
            "SELECT chat_id FROM unreachable WHERE chat_id = ?1",
            args![chat_id],
            |_| Ok(()),
        )?;
        Ok(found.is_some())
    }

    /// Erases every row about a patient: questions, tickets (and their message links),
    /// feedback, reachability, their topic link. On SQLite the rows are overwritten
    /// (`secure_delete`) and the write-ahead log is emptied into the database; on
    /// PostgreSQL the tables are vacuumed. Which group messages belonged to the erased
    /// tickets is remembered, without patient data, to tell experts who reply to them.
    pub fn forget(&self, chat_id: i64) -> Result<()> {
        let now = now();
        self.transaction(|c| {
            c.execute(
                "INSERT INTO erased_links (chat_id, message_id, ticket_id, at)
                 SELECT l.chat_id, l.message_id, l.ticket_id, CAST(?2 AS BIGINT)
                 FROM ticket_links l JOIN tickets t ON t.id = l.ticket_id WHERE t.chat_id = ?1
                 ON CONFLICT (chat_id, message_id)
                 DO UPDATE SET ticket_id = excluded.ticket_id, at = excluded.at",
                args![chat_id, now],
            )?;
            // A topic's id is the id of the message that opened it: remembered the same way.
            c.execute(
                "INSERT INTO erased_links (chat_id, message_id, ticket_id, at)
                 SELECT group_id, thread_id,
                        (SELECT COALESCE(MAX(id), 0) FROM tickets WHERE chat_id = ?1),
                        CAST(?2 AS BIGINT)
                 FROM topics WHERE chat_id = ?1
                 ON CONFLICT (chat_id, message_id)
                 DO UPDATE SET ticket_id = excluded.ticket_id, at = excluded.at",
                args![chat_id, now],
            )?;
            for table in PATIENT_TABLES {
                c.execute(
                    &format!("DELETE FROM {table} WHERE chat_id = ?1"),
                    args![chat_id],
                )?;
            }
            // The chat's place in the send queue.
            c.execute(
                "DELETE FROM send_slots WHERE key = ?1",
                args![send_key(chat_id)],
            )?;
            // Webhook deliveries already handled (this `/forget` among them).
            c.execute(
                "DELETE FROM inbox WHERE update_id IN (SELECT id FROM processed_updates)",
                &[],
            )
            .map(drop)
        })?;
        match &self.backend {
            Backend::Sqlite(db) => db.after_erasure(),
            Backend::Postgres(db) => db.after_erasure(),
        }
    }

    /// Rows that mention a patient's chat id anywhere; 0 after `forget`.
    pub fn rows_about(&self, chat_id: i64) -> Result<i64> {
        self.with(|c| {
            let mut total = c.number(
                "SELECT COUNT(*) FROM send_slots WHERE key = ?1",
                args![send_key(chat_id)],
            )?;
            for table in PATIENT_TABLES {
                total += c.number(
                    &format!("SELECT COUNT(*) FROM {table} WHERE chat_id = ?1"),
                    args![chat_id],
                )?;
            }
            Ok(total)
        })
    }

    /// Drops, as of `now`, questions and update ids older than a week (or `keep_days` if
    /// shorter), and tickets (with their message links), feedback and reachability flags
    /// older than `keep_days`; a topic link goes with its patient's last ticket. Send slots
    /// long past are dropped too.
    pub fn prune(&self, keep_days: u32, now: i64) -> Result<()> {
        let keep = i64::from(keep_days) * 24 * 3600;
        let short = now - RETENTION_SECS.min(keep);
        let long = now - keep;
        self.transaction(|c| {
            for (sql, cutoff) in [
                ("DELETE FROM questions WHERE at < ?1", short),
                ("DELETE FROM inbox WHERE at < ?1", short),
                ("DELETE FROM processed_updates WHERE at < ?1", short),
                ("DELETE FROM tickets WHERE created_at < ?1", long),
                ("DELETE FROM feedback WHERE at < ?1", long),
                ("DELETE FROM unreachable WHERE at < ?1", long),
                ("DELETE FROM erased_links WHERE at < ?1", long),
                (
                    "DELETE FROM send_slots WHERE next_at < ?1",
                    (now - 3600) * 1000,
                ),
            ] {
                c.execute(sql, args![cutoff])?;
            }
            // A topic link goes with the patient's last ticket.
            c.execute(
                "DELETE FROM topics WHERE chat_id NOT IN (SELECT chat_id FROM tickets)",
                &[],
            )
            .map(drop)
        })
    }

    pub fn stats(&self) -> Result<Stats> {
        self.with(|c| {
            let mut counter = |name: &str| -> Result<i64> {
                c.first("SELECT value FROM counters WHERE name = ?1", args![name])?
                    .map_or(Ok(0), |r| r.int(0))
            };
            Ok(Stats {
                answered: counter("answered")?,
                escalated: counter("escalated")?,
                urgent: counter("urgent")?,
                helpful: counter("helpful")?,
                not_helpful: counter("not_helpful")?,
                open_tickets: c.number("SELECT COUNT(*) FROM tickets WHERE open = 1", &[])?,
            })
        })
    }
}
