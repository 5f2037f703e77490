//! Durable bot state in SQLite: tickets, the expert-group message → ticket map, questions
//! awaiting a button press, feedback, processed update ids, and anonymous counters.
//! Every patient row is keyed by chat id, so `/forget` can erase them all; erased rows are
//! overwritten on disk. The files are private to the service user.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::triage::Level;

/// Every table with rows about a patient, keyed by `chat_id`: what `/forget` erases.
const PATIENT_TABLES: [&str; 5] = ["questions", "tickets", "feedback", "unreachable", "topics"];

/// Questions awaiting a button press and processed update ids are kept this long (seconds).
pub const RETENTION_SECS: i64 = 7 * 24 * 3600;

/// Tickets, their message links, feedback and reachability flags are kept this long by
/// default (days).
pub const DEFAULT_KEEP_DAYS: u32 = 180;

const DB_FILE: &str = "faqbot.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot make {} private: {source}", path.display())]
    Files {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

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

/// The database; one connection behind a mutex (every statement is short).
pub struct Store {
    conn: Mutex<Connection>,
}

/// Connection settings: erased rows are overwritten with zeros (`secure_delete`).
const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA secure_delete = ON;
";

/// The schema as first released (every statement is idempotent: databases made before
/// versioning have these tables at `user_version` 0).
const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS processed_updates (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, first_name TEXT NOT NULL,
    text TEXT NOT NULL, answered_with TEXT, offers TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, first_name TEXT NOT NULL,
    question TEXT NOT NULL, urgent INTEGER NOT NULL, open INTEGER NOT NULL DEFAULT 1,
    answered INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
    reminded_at INTEGER, group_message_id INTEGER);
CREATE TABLE IF NOT EXISTS ticket_messages (
    message_id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, helpful INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS unreachable (chat_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// Message links keyed by (chat, message): message ids restart in a supergroup, so an id
/// alone can name a colleague's message. Links made before are taken to be in the group
/// configured when they were made. Feedback and reachability get a date, for retention;
/// messages of erased tickets are remembered (without patient data) to tell the experts.
const SCHEMA_V2: &str = "
CREATE TABLE ticket_links (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id));
INSERT INTO ticket_links (chat_id, message_id, ticket_id)
    SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM settings
                     WHERE key = 'expert_group_configured'), 0), message_id, ticket_id
    FROM ticket_messages;
DROP TABLE ticket_messages;
CREATE INDEX ticket_links_ticket ON ticket_links (ticket_id);
ALTER TABLE feedback ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
UPDATE feedback SET at = CAST(strftime('%s', 'now') AS INTEGER);
ALTER TABLE unreachable ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
UPDATE unreachable SET at = CAST(strftime('%s', 'now') AS INTEGER);
CREATE TABLE erased_links (
    chat_id INTEGER NOT NULL, message_id INTEGER NOT NULL, ticket_id INTEGER NOT NULL,
    at INTEGER NOT NULL, PRIMARY KEY (chat_id, message_id));
";

/// Updates Telegram delivered to the webhook, kept from before Telegram is answered until
/// they are handled, so a crash in between loses none.
const SCHEMA_V3: &str = "
CREATE TABLE inbox (update_id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL);
";

/// For the review of what faqbot could not answer: what was decided about a question
/// (`clarify`, `escalate`...), and the experts' first answer to a ticket.
const SCHEMA_V4: &str = "
ALTER TABLE questions ADD COLUMN decision TEXT;
ALTER TABLE tickets ADD COLUMN expert_answer TEXT;
";

/// When the expert group is a forum: each patient's topic there (`thread_id`, Telegram's
/// `message_thread_id`), one per patient chat, and whether it is open.
const SCHEMA_V5: &str = "
CREATE TABLE topics (
    chat_id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, thread_id INTEGER NOT NULL,
    open INTEGER NOT NULL DEFAULT 1, at INTEGER NOT NULL);
CREATE UNIQUE INDEX topics_thread ON topics (group_id, thread_id);
";

/// Every schema change in order; `PRAGMA user_version` counts those applied. The one place
/// that knows how a database of any earlier version becomes current.
const MIGRATIONS: [&str; 5] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5];

/// Brings the schema up to date, each step in one transaction.
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let applied: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, step) in (1u32..).zip(MIGRATIONS).skip(applied as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn private(path: &Path, mode: u32) -> Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|source| {
        StoreError::Files {
            path: path.to_owned(),
            source,
        }
    })
}

/// Creates `dir` owner-only (whatever the umask), or makes an existing one so.
fn private_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::Files {
            path: dir.to_owned(),
            source,
        })?;
    private(dir, 0o700)
}

/// Creates the database file owner-only before SQLite opens it; SQLite gives its `-wal` and
/// `-shm` files the database file's mode.
fn private_file(path: &Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| StoreError::Files {
            path: path.to_owned(),
            source,
        })?;
    private(path, 0o600)
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

/// Adds `delta` to an anonymous counter.
fn bump(c: &Connection, name: &str, delta: i64) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO counters (name, value) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET value = value + ?2",
        params![name, delta],
    )
    .map(drop)
}

impl Store {
    /// Opens (creating if needed) `faqbot.sqlite3` in `dir`, both owner-only, and brings its
    /// schema up to date.
    pub fn open(dir: &Path) -> Result<Store> {
        private_dir(dir)?;
        let path = dir.join(DB_FILE);
        private_file(&path)?;
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(PRAGMAS)?;
        migrate(&mut conn)?;
        for suffix in ["-wal", "-shm"] {
            let side = dir.join(format!("{DB_FILE}{suffix}"));
            if side.exists() {
                private(&side, 0o600)?;
            }
        }
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(f(&conn)?)
    }

    /// Records an update id; false if it was processed before (Telegram redelivered it).
    pub fn first_delivery(&self, update_id: u32) -> Result<bool> {
        self.with(|c| {
            let inserted = c.execute(
                "INSERT OR IGNORE INTO processed_updates (id, at) VALUES (?1, ?2)",
                params![update_id, now()],
            )?;
            Ok(inserted == 1)
        })
    }

    /// Keeps an update as delivered to the webhook; false if it was kept before (Telegram
    /// delivered it again).
    pub fn keep_update(&self, update_id: i64, body: &str) -> Result<bool> {
        self.with(|c| {
            let inserted = c.execute(
                "INSERT OR IGNORE INTO inbox (update_id, body, at) VALUES (?1, ?2, ?3)",
                params![update_id, body, now()],
            )?;
            Ok(inserted == 1)
        })
    }

    /// Kept updates not yet handled, oldest first; the handled ones are erased first.
    pub fn unhandled_updates(&self) -> Result<Vec<(i64, String)>> {
        self.with(|c| {
            c.execute(
                "DELETE FROM inbox WHERE update_id IN (SELECT id FROM processed_updates)",
                [],
            )?;
            let mut statement =
                c.prepare("SELECT update_id, body FROM inbox ORDER BY update_id")?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    pub fn count(&self, name: &str) -> Result<()> {
        self.with(|c| bump(c, name, 1))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
        })
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
        })
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
        self.with(|c| {
            c.execute(
                "INSERT INTO questions (chat_id, first_name, text, answered_with, offers, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![chat_id, first_name, text, answered_with, offers, now()],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Notes what was decided about a saved question (`clarify`, `escalate`), for review.
    pub fn note_decision(&self, question_id: i64, decision: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE questions SET decision = ?2 WHERE id = ?1",
                params![question_id, decision],
            )
            .map(drop)
        })
    }

    /// Keeps the experts' first answer to a ticket, for review.
    pub fn keep_expert_answer(&self, ticket_id: i64, answer: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET expert_answer = ?2 WHERE id = ?1 AND expert_answer IS NULL",
                params![ticket_id, answer],
            )
            .map(drop)
        })
    }

    /// Questions since `since` that went to the experts, were rated "Not helpful" or were
    /// asked back, oldest first. No chat id or name: the review never shows who asked.
    pub fn review_items(&self, since: i64) -> Result<Vec<ReviewItem>> {
        self.with(|c| {
            let mut items = Vec::new();
            let sources = [
                (
                    "SELECT question, created_at, expert_answer, id FROM tickets
                     WHERE created_at >= ?1",
                    ReviewReason::Expert,
                ),
                (
                    "SELECT q.text, q.at, NULL, NULL FROM feedback f
                     JOIN questions q ON q.id = f.question_id
                     WHERE f.helpful = 0 AND q.at >= ?1",
                    ReviewReason::NotHelpful,
                ),
                (
                    "SELECT text, at, NULL, NULL FROM questions
                     WHERE decision = 'clarify' AND at >= ?1",
                    ReviewReason::Clarify,
                ),
            ];
            for (sql, reason) in sources {
                let mut statement = c.prepare(sql)?;
                let rows = statement.query_map(params![since], |r| {
                    Ok(ReviewItem {
                        question: r.get(0)?,
                        at: r.get(1)?,
                        reason,
                        expert_answer: r.get(2)?,
                        ticket: r.get(3)?,
                    })
                })?;
                for row in rows {
                    items.push(row?);
                }
            }
            items.sort_by_key(|i| i.at);
            Ok(items)
        })
    }

    /// A ticket's question and the experts' first answer, if any.
    pub fn ticket_answer(&self, ticket_id: i64) -> Result<Option<(String, Option<String>)>> {
        self.with(|c| {
            c.query_row(
                "SELECT question, expert_answer FROM tickets WHERE id = ?1",
                params![ticket_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    /// Whether `dir` holds faqbot's database (without creating it).
    pub fn exists_in(dir: &Path) -> bool {
        dir.join(DB_FILE).is_file()
    }

    pub fn question(&self, id: i64) -> Result<Option<Question>> {
        self.with(|c| {
            c.query_row(
                "SELECT id, chat_id, first_name, text, answered_with, offers FROM questions WHERE id = ?1",
                params![id],
                |r| {
                    let offers: String = r.get(5)?;
                    Ok(Question {
                        id: r.get(0)?,
                        chat_id: r.get(1)?,
                        first_name: r.get(2)?,
                        text: r.get(3)?,
                        answered_with: r.get(4)?,
                        offers: serde_json::from_str(&offers).unwrap_or_default(),
                    })
                },
            )
            .optional()
        })
    }

    /// Records a rating of an answer; a changed rating replaces the earlier one in the
    /// counters too, so the latest one counts.
    pub fn feedback(&self, question_id: i64, chat_id: i64, helpful: bool) -> Result<()> {
        let counter = |helpful: bool| if helpful { "helpful" } else { "not_helpful" };
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            let before: Option<bool> = tx
                .query_row(
                    "SELECT helpful FROM feedback WHERE question_id = ?1",
                    params![question_id],
                    |r| r.get(0),
                )
                .optional()?;
            if before == Some(helpful) {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO feedback (question_id, chat_id, helpful, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(question_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
                params![question_id, chat_id, helpful, now()],
            )?;
            if let Some(before) = before {
                bump(&tx, counter(before), -1)?;
            }
            bump(&tx, counter(helpful), 1)?;
            tx.commit()
        })
    }

    pub fn create_ticket(
        &self,
        chat_id: i64,
        first_name: &str,
        question: &str,
        urgency: Option<Level>,
    ) -> Result<Ticket> {
        let created_at = now();
        let id = self.with(|c| {
            c.execute(
                "INSERT INTO tickets (chat_id, first_name, question, urgent, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    chat_id,
                    first_name,
                    question,
                    urgency_code(urgency),
                    created_at
                ],
            )?;
            Ok(c.last_insert_rowid())
        })?;
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
                "INSERT OR REPLACE INTO ticket_links (chat_id, message_id, ticket_id)
                 VALUES (?1, ?2, ?3)",
                params![chat, message_id, ticket_id],
            )?;
            c.execute(
                "UPDATE tickets SET group_message_id = ?2 WHERE id = ?1 AND group_message_id IS NULL",
                params![ticket_id, message_id],
            )
            .map(drop)
        })
    }

    const TICKET_COLUMNS: &'static str =
        "id, chat_id, first_name, question, urgent, open, answered, created_at, group_message_id";

    fn ticket_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
        Ok(Ticket {
            id: r.get(0)?,
            chat_id: r.get(1)?,
            first_name: r.get(2)?,
            question: r.get(3)?,
            urgency: urgency_from_code(r.get(4)?),
            open: r.get(5)?,
            answered: r.get(6)?,
            created_at: r.get(7)?,
            group_message_id: r.get(8)?,
        })
    }

    fn tickets_where(&self, condition: &str, param: impl rusqlite::ToSql) -> Result<Vec<Ticket>> {
        self.tickets_ordered(condition, "id", params![param])
    }

    fn tickets_ordered(
        &self,
        condition: &str,
        order: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Ticket>> {
        let sql = format!(
            "SELECT {} FROM tickets WHERE {condition} ORDER BY {order}",
            Self::TICKET_COLUMNS
        );
        self.with(|c| {
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(params, Store::ticket_row)?;
            rows.collect()
        })
    }

    pub fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        Ok(self.tickets_where("id = ?1", id)?.pop())
    }

    /// The ticket a message of the expert group (`chat`) belongs to.
    pub fn ticket_for_message(&self, chat: i64, message_id: i32) -> Result<Option<Ticket>> {
        Ok(self
            .tickets_ordered(
                "id = (SELECT ticket_id FROM ticket_links WHERE chat_id = ?1 AND message_id = ?2)",
                "id",
                params![chat, message_id],
            )?
            .pop())
    }

    /// The number of the ticket a message of the expert group belonged to, when its patient
    /// erased their data.
    pub fn erased_ticket_for_message(&self, chat: i64, message_id: i32) -> Result<Option<i64>> {
        self.with(|c| {
            c.query_row(
                "SELECT ticket_id FROM erased_links WHERE chat_id = ?1 AND message_id = ?2",
                params![chat, message_id],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// The patient's newest open ticket.
    pub fn open_ticket_of(&self, chat_id: i64) -> Result<Option<Ticket>> {
        Ok(self
            .tickets_where("open = 1 AND chat_id = ?1", chat_id)?
            .pop())
    }

    /// Open tickets, the most urgent first, oldest first within a level.
    pub fn open_tickets(&self) -> Result<Vec<Ticket>> {
        self.tickets_ordered("open = ?1", &format!("{PRIORITY}, id"), params![1])
    }

    /// Open tickets not yet in the expert group, in the order to post them: emergencies
    /// first, then same-day, then routine questions, oldest first within a level.
    pub fn unposted_tickets(&self) -> Result<Vec<Ticket>> {
        self.tickets_ordered(
            "open = ?1 AND group_message_id IS NULL",
            &format!("{PRIORITY}, id"),
            params![1],
        )
    }

    pub fn mark_answered(&self, ticket_id: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET answered = 1 WHERE id = ?1",
                params![ticket_id],
            )
            .map(drop)
        })
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
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET open = ?2 WHERE id = ?1 AND open = NOT ?2",
                params![ticket_id, open],
            )
        })
        .map(|n| n == 1)
    }

    /// Open, unanswered tickets already posted in the expert group, each with when the
    /// group last heard of it (posted, reminded or raised again), the most urgent first.
    pub fn waiting_tickets(&self) -> Result<Vec<(Ticket, i64)>> {
        let sql = format!(
            "SELECT {}, COALESCE(reminded_at, created_at) FROM tickets
             WHERE open = 1 AND answered = 0 AND group_message_id IS NOT NULL
             ORDER BY {PRIORITY}, id",
            Self::TICKET_COLUMNS
        );
        self.with(|c| {
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map([], |r| Ok((Store::ticket_row(r)?, r.get(9)?)))?;
            rows.collect()
        })
    }

    /// Records that the group was reminded of a ticket (or had it raised again) `at`.
    pub fn mark_reminded(&self, ticket_id: i64, at: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET reminded_at = ?2 WHERE id = ?1",
                params![ticket_id, at],
            )
            .map(drop)
        })
    }

    /// The patient's topic in the expert group `group`.
    pub fn topic_of(&self, chat_id: i64, group: i64) -> Result<Option<Topic>> {
        self.with(|c| {
            c.query_row(
                "SELECT chat_id, thread_id, open FROM topics WHERE chat_id = ?1 AND group_id = ?2",
                params![chat_id, group],
                Store::topic_row,
            )
            .optional()
        })
    }

    /// The patient whose topic `thread_id` is in the expert group `group`.
    pub fn topic_at(&self, group: i64, thread_id: i32) -> Result<Option<Topic>> {
        self.with(|c| {
            c.query_row(
                "SELECT chat_id, thread_id, open FROM topics WHERE group_id = ?1 AND thread_id = ?2",
                params![group, thread_id],
                Store::topic_row,
            )
            .optional()
        })
    }

    fn topic_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Topic> {
        Ok(Topic {
            chat_id: r.get(0)?,
            thread_id: r.get(1)?,
            open: r.get(2)?,
        })
    }

    /// Records a new open topic for the patient in `group`, replacing any earlier one.
    pub fn set_topic(&self, chat_id: i64, group: i64, thread_id: i32) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO topics (chat_id, group_id, thread_id, open, at)
                 VALUES (?1, ?2, ?3, 1, ?4)",
                params![chat_id, group, thread_id, now()],
            )
            .map(drop)
        })
    }

    /// Records whether the patient's topic is open.
    pub fn set_topic_open(&self, chat_id: i64, open: bool) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE topics SET open = ?2 WHERE chat_id = ?1",
                params![chat_id, open],
            )
            .map(drop)
        })
    }

    /// Forgets a topic that no longer exists (an admin deleted it).
    pub fn drop_topic(&self, chat_id: i64, thread_id: i32) -> Result<()> {
        self.with(|c| {
            c.execute(
                "DELETE FROM topics WHERE chat_id = ?1 AND thread_id = ?2",
                params![chat_id, thread_id],
            )
            .map(drop)
        })
    }

    /// The patient's newest ticket, open or closed.
    pub fn last_ticket_of(&self, chat_id: i64) -> Result<Option<Ticket>> {
        Ok(self.tickets_where("chat_id = ?1", chat_id)?.pop())
    }

    pub fn set_unreachable(&self, chat_id: i64, unreachable: bool) -> Result<()> {
        self.with(|c| {
            if unreachable {
                c.execute(
                    "INSERT OR IGNORE INTO unreachable (chat_id, at) VALUES (?1, ?2)",
                    params![chat_id, now()],
                )
            } else {
                c.execute(
                    "DELETE FROM unreachable WHERE chat_id = ?1",
                    params![chat_id],
                )
            }
            .map(drop)
        })
    }

    pub fn is_unreachable(&self, chat_id: i64) -> Result<bool> {
        self.with(|c| {
            c.query_row(
                "SELECT 1 FROM unreachable WHERE chat_id = ?1",
                params![chat_id],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
        })
    }

    /// Erases every row about a patient: questions, tickets (and their message links),
    /// feedback, reachability, their topic link. The rows are overwritten (`secure_delete`) and the write-ahead
    /// log is emptied into the database, so no copy stays on disk. Which group messages
    /// belonged to the erased tickets is remembered, without patient data, to tell experts
    /// who reply to them.
    pub fn forget(&self, chat_id: i64) -> Result<()> {
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            tx.execute(
                "INSERT OR REPLACE INTO erased_links (chat_id, message_id, ticket_id, at)
                 SELECT l.chat_id, l.message_id, l.ticket_id, ?2
                 FROM ticket_links l JOIN tickets t ON t.id = l.ticket_id WHERE t.chat_id = ?1",
                params![chat_id, now()],
            )?;
            // A topic's id is the id of the message that opened it: remembered the same way.
            tx.execute(
                "INSERT OR REPLACE INTO erased_links (chat_id, message_id, ticket_id, at)
                 SELECT group_id, thread_id,
                        (SELECT COALESCE(MAX(id), 0) FROM tickets WHERE chat_id = ?1), ?2
                 FROM topics WHERE chat_id = ?1",
                params![chat_id, now()],
            )?;
            for table in PATIENT_TABLES {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE chat_id = ?1"),
                    params![chat_id],
                )?;
            }
            // Webhook deliveries already handled (this `/forget` among them).
            tx.execute(
                "DELETE FROM inbox WHERE update_id IN (SELECT id FROM processed_updates)",
                [],
            )?;
            tx.commit()?;
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        })
    }

    /// Rows that mention a patient's chat id anywhere; 0 after `forget`.
    pub fn rows_about(&self, chat_id: i64) -> Result<i64> {
        self.with(|c| {
            let mut total = 0;
            for table in PATIENT_TABLES {
                let n: i64 = c.query_row(
                    &format!("SELECT COUNT(*) FROM {table} WHERE chat_id = ?1"),
                    params![chat_id],
                    |r| r.get(0),
                )?;
                total += n;
            }
            Ok(total)
        })
    }

    /// Drops, as of `now`, questions and update ids older than a week (or `keep_days` if
    /// shorter), and tickets (with their message links), feedback and reachability flags
    /// older than `keep_days`; a topic link goes with its patient's last ticket.
    pub fn prune(&self, keep_days: u32, now: i64) -> Result<()> {
        let keep = i64::from(keep_days) * 24 * 3600;
        let short = now - RETENTION_SECS.min(keep);
        let long = now - keep;
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            for (sql, cutoff) in [
                ("DELETE FROM questions WHERE at < ?1", short),
                ("DELETE FROM inbox WHERE at < ?1", short),
                ("DELETE FROM processed_updates WHERE at < ?1", short),
                ("DELETE FROM tickets WHERE created_at < ?1", long),
                ("DELETE FROM feedback WHERE at < ?1", long),
                ("DELETE FROM unreachable WHERE at < ?1", long),
                ("DELETE FROM erased_links WHERE at < ?1", long),
            ] {
                tx.execute(sql, params![cutoff])?;
            }
            // A topic link goes with the patient's last ticket.
            tx.execute(
                "DELETE FROM topics WHERE chat_id NOT IN (SELECT chat_id FROM tickets)",
                [],
            )?;
            tx.commit()
        })
    }

    pub fn stats(&self) -> Result<Stats> {
        self.with(|c| {
            let counter = |name: &str| -> rusqlite::Result<i64> {
                c.query_row(
                    "SELECT value FROM counters WHERE name = ?1",
                    params![name],
                    |r| r.get(0),
                )
                .optional()
                .map(|v| v.unwrap_or(0))
            };
            Ok(Stats {
                answered: counter("answered")?,
                escalated: counter("escalated")?,
                urgent: counter("urgent")?,
                helpful: counter("helpful")?,
                not_helpful: counter("not_helpful")?,
                open_tickets: c.query_row(
                    "SELECT COUNT(*) FROM tickets WHERE open = 1",
                    [],
                    |r| r.get(0),
                )?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_survive_reopening_and_forget_erases_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
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

        let store = Store::open(dir.path()).unwrap();
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
    }

    #[test]
    fn a_patient_has_one_topic_which_closes_reopens_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
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

    #[test]
    fn updates_are_processed_once_and_waiting_tickets_know_when_they_were_last_raised() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
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
        store.mark_reminded(t.id, t.created_at + 50).unwrap();
        assert_eq!(waiting(&store)[1], (t.id, t.created_at + 50));
        store.mark_answered(t.id).unwrap();
        assert_eq!(waiting(&store), [(urgent.id, urgent.created_at)]);
        assert!(store.close_ticket(t.id).unwrap());
        assert!(!store.close_ticket(t.id).unwrap());
        assert!(store.reopen_ticket(t.id).unwrap());
        assert!(!store.reopen_ticket(t.id).unwrap());
    }

    #[test]
    fn tickets_are_posted_and_listed_most_urgent_first_and_keep_their_level() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
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

    #[test]
    fn a_changed_rating_counts_as_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.feedback(1, 42, true).unwrap();
        store.feedback(1, 42, false).unwrap();
        store.feedback(1, 42, false).unwrap();
        store.feedback(2, 42, true).unwrap();
        let stats = store.stats().unwrap();
        assert_eq!((stats.helpful, stats.not_helpful), (1, 1));
    }

    #[test]
    fn rows_older_than_the_retention_period_are_purged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
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
            let old = Connection::open(dir.path().join(DB_FILE)).unwrap();
            old.execute_batch(SCHEMA_V1).unwrap();
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
}
