//! Emergency triage: decides whether a patient's message describes an emergency (call the
//! emergency number now) or a same-day problem (call the kidney team today), from the
//! maintainer's concepts and categories in `triage.toml`. Pure; the only I/O is [`load`]
//! reading that file ([`parse`] takes its text).
//!
//! How a message is read:
//! 1. [`text`] splits it into words, numbers, clauses and sentences, and normalises each word
//!    (case, apostrophes, word classes such as "hasn't" = "not", stems);
//! 2. [`phrases`] finds the concepts' phrases in it, tolerating filler words in between and
//!    misspellings of longer words;
//! 3. [`detect`] drops the hits that are negated ("no chest pain"), in the past ("last
//!    year"), or hypothetical ("what are the signs of..."), reads lab values and durations,
//!    and fires every category whose rule is met.
//!
//! [`report`] measures recall and false alarms on a labelled set.

mod config;
mod detect;
mod parse;
mod phrases;
pub mod report;
mod text;

use serde::{Deserialize, Serialize};

pub use config::{
    Category, Concept, ConceptKind, DurationSpec, LabSpec, Language, Messages, Rule, TriageConfig,
};
pub use detect::Triage;
pub use parse::{load, parse, Problem, TriageError};

/// How urgent a message is. Ordered: `Emergency` is greater than `SameDay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Contact the kidney / dialysis / transplant team today.
    SameDay,
    /// Call the local emergency number now.
    Emergency,
}

impl Level {
    /// The name used in `triage.toml` and in JSON: "emergency" or "same-day".
    pub fn as_str(self) -> &'static str {
        match self {
            Level::SameDay => "same-day",
            Level::Emergency => "emergency",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The triage of one message: the highest level among the categories that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub level: Level,
    /// Every category that fired, the most urgent first.
    pub fired: Vec<Fired>,
}

/// One category that fired, and why, in words a maintainer can check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fired {
    pub category: String,
    pub level: Level,
    /// The concepts and the words that matched them, e.g.
    /// `no-urine-output 'havent peed' + duration 'since yesterday morning'`.
    pub why: String,
}

#[cfg(test)]
mod tests;
