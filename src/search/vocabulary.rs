//! The index's vocabulary, for correcting typos ("dialisis", "potasium") to known stems.

use std::collections::{HashMap, HashSet};

/// Known stems with their document frequencies, bucketed by first letter for fast lookup.
#[derive(Debug, Default)]
pub struct Vocabulary {
    known: HashMap<String, u64>,
    by_first: HashMap<char, Vec<(String, u64)>>,
    /// Stems of the maintainers' prose (titles, headings, passages, tags), spelt right.
    prose: HashSet<String>,
    /// Stems of everyday English words ("project"), never respelt.
    everyday: HashSet<String>,
}

/// A stem known only from questions and patients' examples is respelt to a prose stem
/// within typo distance only if that stem is at least this many times more frequent.
const PROSE_MAJORITY: u64 = 5;

impl Vocabulary {
    /// Adds a stem seen in `doc_freq` documents (0 for words known from synonyms only).
    pub fn add(&mut self, stem: &str, doc_freq: u64) {
        if stem.contains('~') || self.known.contains_key(stem) {
            return;
        }
        self.known.insert(stem.to_string(), doc_freq);
        if let Some(first) = stem.chars().next() {
            self.by_first
                .entry(first)
                .or_default()
                .push((stem.to_string(), doc_freq));
        }
    }

    /// Marks a stem as one of the maintainers' prose (see `respell`).
    pub fn add_prose(&mut self, stem: &str) {
        self.prose.insert(stem.to_string());
    }

    /// Marks a stem as an everyday English word's (see `respell`).
    pub fn add_everyday(&mut self, stem: String) {
        self.everyday.insert(stem);
    }

    /// A stem known only from patients' wordings that is a typo of the articles' prose:
    /// "dialisis", copied into the corpus by a few examples, stands for "dialysis", so it
    /// finds every article about dialysis and not only those examples. A word that the
    /// prose also uses ("creatine" beside "creatinine") or an everyday word ("project", not
    /// "protect") is left as it is.
    pub fn respell(&self, stem: &str) -> Option<&str> {
        let df = *self.known.get(stem)?;
        if self.prose.is_empty() || self.prose.contains(stem) || self.everyday.contains(stem) {
            return None;
        }
        self.closest_where(stem, |known, known_df| {
            known != stem && known_df >= PROSE_MAJORITY * df.max(1) && self.prose.contains(known)
        })
        .map(|(_, _, known)| known)
    }

    pub fn contains(&self, stem: &str) -> bool {
        self.known.contains_key(stem)
    }

    /// The closest known stem to an unknown one, if it is close enough to be a typo.
    /// Short words are never corrected: "park" must not become "part"; a four-letter stem
    /// only gains a letter it lost ("coff", from "coffe", becomes "coffe"). A stem that the
    /// stemmer ended in "i" for a "y" ("kidny" → "kidni") is also tried with its "y".
    pub fn correct(&self, stem: &str) -> Option<&str> {
        if stem.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let unstemmed = stem
            .strip_suffix('i')
            .filter(|s| s.len() >= 4)
            .map(|s| format!("{s}y"));
        std::iter::once(stem)
            .chain(unstemmed.as_deref())
            .filter_map(|s| self.closest(s))
            .min_by_key(|(distance, df, _)| (*distance, std::cmp::Reverse(*df)))
            .map(|(_, _, known)| known)
    }

    /// The closest known stem within typo distance, with its distance and frequency.
    fn closest(&self, stem: &str) -> Option<(usize, u64, &str)> {
        self.closest_where(stem, |_, _| true)
    }

    /// `closest`, among the known stems that pass `keep`.
    fn closest_where(
        &self,
        stem: &str,
        keep: impl Fn(&str, u64) -> bool,
    ) -> Option<(usize, u64, &str)> {
        let len = stem.chars().count();
        let (max_distance, only_longer) = match len {
            0..=3 => return None,
            4 => (1, true),
            5..=7 => (1, false),
            _ => (2, false),
        };
        let first = stem.chars().next()?;
        self.by_first
            .get(&first)?
            .iter()
            .filter(|(known, df)| {
                *df > 0
                    && keep(known, *df)
                    && known.len().abs_diff(stem.len()) <= max_distance
                    && (!only_longer || known.len() > stem.len())
            })
            .map(|(known, df)| (strsim::osa_distance(stem, known), *df, known.as_str()))
            .filter(|(distance, _, _)| *distance <= max_distance)
            .min_by_key(|(distance, df, _)| (*distance, std::cmp::Reverse(*df)))
    }

    /// Whether a stem of five letters or more begins a known one: a shortened word
    /// ("haemo" for haemodialysis).
    pub fn abbreviates(&self, stem: &str) -> bool {
        stem.chars().count() >= 5
            && stem.chars().next().is_some_and(|first| {
                self.by_first.get(&first).is_some_and(|known| {
                    known
                        .iter()
                        .any(|(k, df)| *df > 0 && k.len() > stem.len() && k.starts_with(stem))
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_correct_to_the_nearest_frequent_stem() {
        let mut v = Vocabulary::default();
        v.add("dialysi", 40);
        v.add("potassium", 12);
        v.add("part", 30);
        assert_eq!(v.correct("dialisi"), Some("dialysi"));
        assert_eq!(v.correct("potasium"), Some("potassium"));
        assert_eq!(v.correct("park"), None);
        assert_eq!(v.correct("zebra"), None);
    }

    #[test]
    fn typos_from_patients_examples_are_respelt_to_the_articles_prose() {
        let mut v = Vocabulary::default();
        for (stem, df) in [
            ("dialysi", 400),
            ("dialisi", 20),
            ("creatinin", 90),
            ("creatin", 6),
        ] {
            v.add(stem, df);
        }
        for prose in ["dialysi", "creatinin", "creatin", "protect"] {
            v.add_prose(prose);
            v.add(prose, 90);
        }
        v.add("project", 2);
        v.add_everyday("project".to_string());
        assert_eq!(v.respell("dialisi"), Some("dialysi"));
        assert_eq!(v.respell("creatin"), None, "a word of the prose stays");
        assert_eq!(v.respell("project"), None, "an everyday word stays");
        assert_eq!(v.respell("dialysi"), None);
        assert_eq!(v.respell("zebra"), None);
    }

    #[test]
    fn stems_the_stemmer_bent_or_cut_short_still_find_their_word() {
        let mut v = Vocabulary::default();
        v.add("kidney", 50);
        v.add("coffe", 3);
        v.add("part", 30);
        v.add("haemodialysi", 5);
        // "kidny" stems to "kidni"; its "y" is one letter from "kidney".
        assert_eq!(v.correct("kidni"), Some("kidney"));
        // "coffe" stems to "coff": four letters may gain one, never change one.
        assert_eq!(v.correct("coff"), Some("coffe"));
        assert_eq!(v.correct("pare"), None);
        assert!(v.abbreviates("haemo"));
        assert!(!v.abbreviates("haem"));
        assert!(!v.abbreviates("dialy"));
    }
}
