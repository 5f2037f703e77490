//! The maintainer-edited settings files of a corpus: `corpus.toml`, `synonyms.toml` and
//! `unanswered.toml`.
//! (`triage.toml` has a module of its own: `crate::triage`.)

use serde::{Deserialize, Serialize};

/// `corpus.toml`: settings that apply to every article.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusSettings {
    /// When set, an article without `url` gets `base_url` + its id.
    pub base_url: Option<String>,
    /// Emergency triage from `triage.toml`; only an explicit `false` runs without it.
    #[serde(default = "enabled")]
    pub triage: bool,
}

fn enabled() -> bool {
    true
}

impl Default for CorpusSettings {
    fn default() -> Self {
        CorpusSettings {
            base_url: None,
            triage: true,
        }
    }
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

/// `unanswered.toml`: `questions = [...]`, messages patients sent that the articles do not
/// answer (experts answered them). A message closer in meaning to one of them than to
/// anything an article says is less likely to be answered by that article.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnansweredFile {
    #[serde(default)]
    pub questions: Vec<String>,
}
