//! `faqbot check`: everything `serve` needs, checked without serving: the settings, the
//! corpus, the index, the database and the token. One line per check, so a maintainer sees
//! every problem at once; the exit code says whether the bot would start.

use std::fmt;

use crate::config::BotConfig;
use crate::corpus;
use crate::search::{self, Engine, IndexDir};
use crate::store::{Database, Store};

/// How one check went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    /// Not an error, but worth knowing (a stale index is rebuilt at start).
    Note(String),
    Failed(String),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: &'static str,
    pub outcome: Outcome,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mark, detail) = match &self.outcome {
            Outcome::Ok(d) => ("ok  ", d),
            Outcome::Note(d) => ("note", d),
            Outcome::Failed(d) => ("FAIL", d),
        };
        write!(f, "{mark} {:<9} {detail}", self.what)
    }
}

/// Whether every check passed (notes pass).
pub fn all_passed(checks: &[Check]) -> bool {
    checks
        .iter()
        .all(|c| !matches!(c.outcome, Outcome::Failed(_)))
}

/// The local checks: corpus, index and database.
pub fn local(config: &BotConfig) -> Vec<Check> {
    let layout = &config.locations;
    let corpus = match corpus::load_with(&layout.corpus, &layout.triage) {
        Ok(c) => Outcome::Ok(format!(
            "{} articles in {}",
            c.articles.len(),
            layout.corpus.display()
        )),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    };
    vec![
        Check {
            what: "corpus",
            outcome: corpus,
        },
        Check {
            what: "index",
            outcome: index(layout),
        },
        Check {
            what: "database",
            outcome: database(&config.database),
        },
    ]
}

fn index(layout: &search::Layout) -> Outcome {
    let Some(manifest) = IndexDir::new(&layout.index).current_manifest() else {
        return Outcome::Note(format!(
            "no index in {} yet: `faqbot index` builds it, or serve does at start",
            layout.index.display()
        ));
    };
    if let Err(e) = Engine::open(&layout.index) {
        return Outcome::Failed(format!("{e:#}"));
    }
    match search::fingerprint(layout) {
        Ok(wanted) if wanted == manifest.fingerprint => Outcome::Ok(format!(
            "{} articles, {} passages, up to date",
            manifest.articles, manifest.passages
        )),
        Ok(_) => Outcome::Note("the corpus changed since it was built: serve rebuilds it".into()),
        // The corpus check reports why.
        Err(_) => Outcome::Note("loads, but the corpus cannot be read".into()),
    }
}

/// Writes to an existing database; never creates one (run as another user, it would leave a
/// database the service cannot open). A PostgreSQL database is connected to and its schema
/// brought up to date, as serve would.
fn database(database: &Database) -> Outcome {
    if let Database::Sqlite(dir) = database {
        if !Store::exists_in(dir) {
            return Outcome::Note(format!(
                "no database in {} yet: serve creates it",
                dir.display()
            ));
        }
    }
    let written =
        Store::open_database(database).and_then(|store| store.set_setting("last_check", "ok"));
    match written {
        Ok(()) => Outcome::Ok(format!("{database} is writable")),
        Err(e) => Outcome::Failed(format!("{database}: {e}")),
    }
}
