//! The embedded database: one SQLite file in the data folder, private to the service user,
//! with its schema migrations. Erased rows are overwritten on disk (`secure_delete`), and
//! the write-ahead log is emptied after an erasure.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection};

use super::sql::{Conn, Row, Value};
use super::{Result, StoreError};

pub(super) const DB_FILE: &str = "faqbot.sqlite3";

/// Connection settings: erased rows are overwritten with zeros (`secure_delete`).
const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA secure_delete = ON;
";

/// The schema as first released (every statement is idempotent: databases made before
/// versioning have these tables at `user_version` 0).
pub(super) const SCHEMA_V1: &str = "
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

/// For more than one instance (on PostgreSQL; SQLite has the same schema): when an
/// instance took a ticket to post it (`claimed_at`), and the next free moment to send to a
/// chat under Telegram's limits (`send_slots`, in milliseconds).
const SCHEMA_V6: &str = "
ALTER TABLE tickets ADD COLUMN claimed_at INTEGER;
CREATE TABLE send_slots (key TEXT PRIMARY KEY, next_at INTEGER NOT NULL);
";

/// Every schema change in order; `PRAGMA user_version` counts those applied. The one place
/// that knows how a database of any earlier version becomes current.
const MIGRATIONS: [&str; 6] = [
    SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5, SCHEMA_V6,
];

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

/// One connection behind a mutex (every statement is short).
pub(super) struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (creating if needed) `faqbot.sqlite3` in `dir`, both owner-only, and brings its
    /// schema up to date.
    pub(super) fn open(dir: &Path) -> Result<Db> {
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
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn with<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        f(&mut Lite(&self.lock()))
    }

    /// Runs `f` in a transaction: committed if it succeeds, rolled back if not.
    pub(super) fn transaction<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        let conn = self.lock();
        let tx = conn.unchecked_transaction()?;
        let out = f(&mut Lite(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    /// Empties the write-ahead log into the database, so erased rows leave no copy there.
    pub(super) fn after_erasure(&self) -> Result<()> {
        self.lock()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

struct Lite<'a>(&'a Connection);

impl Conn for Lite<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut statement = self.0.prepare_cached(sql)?;
        Ok(statement.execute(params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut statement = self.0.prepare_cached(sql)?;
        let columns = statement.column_count();
        let mut rows = statement.query(params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(match row.get_ref(index)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        return Err(StoreError::Column {
                            index,
                            wanted: "an integer or text",
                        })
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Value::Int(v) => ToSqlOutput::from(*v),
            Value::Text(v) => ToSqlOutput::from(v.as_str()),
        })
    }
}
