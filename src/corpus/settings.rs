//! The maintainer-edited settings files of a corpus: `corpus.toml`, `synonyms.toml`,
//! `red_flags.toml`.

use serde::{Deserialize, Serialize};

/// `corpus.toml`: settings that apply to every article.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusSettings {
    /// When set, an article without `url` gets `base_url` + its id.
    pub base_url: Option<String>,
}

/// `synonyms.toml`: `[[group]] terms = [...]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SynonymsFile {
    #[serde(default)]
    pub group: Vec<SynonymGroup>,
}

/// Terms (possibly several words each) that patients and clinicians use for one thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynonymGroup {
    pub terms: Vec<String>,
}

/// `red_flags.toml`: the safety message and the emergencies that trigger it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlags {
    pub message: String,
    #[serde(default)]
    pub flag: Vec<RedFlag>,
}

/// One emergency, recognised by any of its word patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlag {
    pub id: String,
    pub patterns: Vec<String>,
}

impl Default for RedFlags {
    fn default() -> Self {
        RedFlags {
            message: "This may be an emergency. Call your local emergency number now or go to \
                      the nearest emergency department. If you are on dialysis, also call \
                      your dialysis unit. Do not wait for an answer here."
                .into(),
            flag: Vec::new(),
        }
    }
}
