//! The index's vocabulary, for correcting typos ("dialisis", "potasium") to known stems.

use std::collections::{HashMap, HashSet};

/// Known stems with their document frequencies, bucketed by first letter for fast lookup.
#[derive(Debug, Default)]
pub struct Vocabulary {
    known: HashMap<String, u64>,
    by_first: HashMap<char, Vec<(String, u64)>>,
    /// Stems of the maintainers' prose (titles, headings, passages, tags), spelt right.
    prose: HashSet<String>,
    /// Stems of everyday English words ("project"), never respelt, with the rank of their
    /// most frequent word (0 the most frequent in English).
    everyday: HashMap<String, usize>,
    /// Stems of the articles' titles, headings and tags: what the corpus is about.
    topical: HashSet<String>,
    /// How the prose spells each of its stems (its most frequent word for it), to write a
    /// corrected word back into a sentence.
    spellings: HashMap<String, String>,
    /// The articles each stem occurs in (their order of counting, ascending). A patient's
    /// wording is copied into every passage of its article, so passage counts overstate
    /// how common a typo is.
    articles: HashMap<String, Vec<u32>>,
    /// How many articles were counted.
    article_total: u64,
}

/// The everyday words this frequent in English (the first so many) can be incidental to a
/// question (see `Vocabulary::is_incidental`).
const INCIDENTAL_RANK: usize = 2000;

/// A stem known only from questions and patients' examples is respelt to a prose stem
/// within typo distance only if that stem is in at least this many times more articles.
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

    /// Counts the articles each stem occurs in: one set of stems per article.
    pub fn count_articles<'a>(&mut self, articles: impl IntoIterator<Item = &'a HashSet<String>>) {
        for stems in articles {
            let article = self.article_total as u32;
            self.article_total += 1;
            for stem in stems {
                self.articles.entry(stem.clone()).or_default().push(article);
            }
        }
    }

    /// Marks a stem as an everyday English word's (see `respell`) of this rank in English.
    pub fn add_everyday(&mut self, stem: String, rank: usize) {
        let known = self.everyday.entry(stem).or_insert(rank);
        *known = (*known).min(rank);
    }

    /// Marks a stem as one of the corpus's topics (a word of a title, heading or tag).
    pub fn add_topical(&mut self, stem: &str) {
        self.topical.insert(stem.to_string());
    }

    /// Whether a stem says little of what a question is about: one of English's most
    /// frequent words ("want", "told", "way", "future") that no title, heading or tag of the
    /// corpus uses. "Weight" or "travel" head articles; "future" in "how do I prevent future
    /// UTIs" does not make the infections article miss much.
    pub fn is_incidental(&self, stem: &str) -> bool {
        self.everyday
            .get(stem)
            .is_some_and(|&rank| rank < INCIDENTAL_RANK)
            && !self.topical.contains(stem)
    }

    /// A stem known only from patients' wordings that is a typo of the articles' prose:
    /// "dialisis", copied into the corpus by a few examples, stands for "dialysis", so it
    /// finds every article about dialysis and not only those examples. A word that the
    /// prose also uses ("creatine" beside "creatinine") or an everyday word ("project", not
    /// "protect") is left as it is, and so is a word more than one letter away from the
    /// prose's unless it is another spelling of it ("nefropathy" is "nephropathy",
    /// "haematuria" is "hematuria", but "neuropathy" is another illness).
    pub fn respell(&self, stem: &str) -> Option<&str> {
        self.known.get(stem)?;
        let none = Vec::new();
        let articles = |stem: &str| self.articles.get(stem).unwrap_or(&none);
        let df = articles(stem).len() as u64;
        // No stem can be more than the number of articles times as common: a typo of a word
        // in nearly every article ("kidny" in a fifth of them) is respelt all the same.
        let needed = (PROSE_MAJORITY * df.max(1)).min(self.article_total * 9 / 10);
        // A typo is written about the same things as the word it stands for: every article
        // whose examples have it also has the word ("piriton", an antihistamine asked about
        // in the itching article, is not "peritoneal").
        let alongside = |known: &str| {
            let with = articles(known);
            articles(stem).iter().all(|a| with.binary_search(a).is_ok())
        };
        if self.prose.is_empty() || self.prose.contains(stem) || self.everyday.contains_key(stem) {
            return None;
        }
        Self::forms(stem)
            .iter()
            .filter_map(|s| {
                self.closest_where(s, |known, _| {
                    known != stem
                        && articles(known).len() as u64 >= needed
                        && alongside(known)
                        && self.prose.contains(known)
                        && typo_distance(s, known) <= 1
                })
            })
            .min_by_key(|(distance, df, _)| (*distance, std::cmp::Reverse(*df)))
            .map(|(_, _, known)| known)
    }

    /// Records how the prose spells its stems: `words` are (stem, word) pairs of the
    /// maintainers' text, and each stem keeps its most frequent word.
    pub fn add_spellings<'a>(&mut self, words: impl IntoIterator<Item = (String, &'a str)>) {
        let mut counts: HashMap<String, HashMap<&str, usize>> = HashMap::new();
        for (stem, word) in words {
            *counts.entry(stem).or_default().entry(word).or_default() += 1;
        }
        for (stem, words) in counts {
            let word = words
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(word, _)| word.to_string());
            if let Some(word) = word {
                self.spellings.insert(stem, word);
            }
        }
    }

    /// The prose's word for a stem ("potassium" for "potassium", "kidneys" for "kidney").
    pub fn spelling(&self, stem: &str) -> Option<&str> {
        self.spellings.get(stem).map(String::as_str)
    }

    /// The known stem a patient's stem stands for, if it is a typo: an unknown stem
    /// corrected (`correct`), a known one respelt (`respell`).
    pub fn fix(&self, stem: &str) -> Option<&str> {
        if self.contains(stem) {
            self.respell(stem)
        } else {
            self.correct(stem)
        }
    }

    pub fn contains(&self, stem: &str) -> bool {
        self.known.contains_key(stem)
    }

    /// The closest known stem to an unknown one, if it is close enough to be a typo.
    /// An everyday word is never corrected ("sack" is not "snack"), nor a short one: "park"
    /// must not become "part"; a four-letter stem only gains a letter it lost ("coff", from
    /// "coffe", becomes "coffe"). A stem that the stemmer ended in "i" for a "y" ("kidny" →
    /// "kidni") is also tried with its "y".
    pub fn correct(&self, stem: &str) -> Option<&str> {
        if stem.chars().any(|c| c.is_ascii_digit()) || self.everyday.contains_key(stem) {
            return None;
        }
        Self::forms(stem)
            .iter()
            .filter_map(|s| self.closest(s))
            .min_by_key(|(distance, df, _)| (*distance, std::cmp::Reverse(*df)))
            .map(|(_, _, known)| known)
    }

    /// The stem, and when the stemmer ended it in "i" for a "y" ("kidny" → "kidni"), the
    /// stem with its "y" back.
    fn forms(stem: &str) -> Vec<String> {
        let unstemmed = stem
            .strip_suffix('i')
            .filter(|s| s.len() >= 4)
            .map(|s| format!("{s}y"));
        std::iter::once(stem.to_string()).chain(unstemmed).collect()
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
            .map(|(known, df)| (typo_distance(stem, known), *df, known.as_str()))
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

/// The number of letters a typo changed; another spelling ("nefritis" for "nephritis",
/// "anaemia" for "anemia") counts as one.
fn typo_distance(stem: &str, known: &str) -> usize {
    let distance = strsim::osa_distance(stem, known);
    if distance > 1 && fold_spelling(stem) == fold_spelling(known) {
        1
    } else {
        distance
    }
}

/// A stem with the spellings that differ between British and American English or between
/// languages folded to one: "ph" and "f", "ae" and "oe" and "e".
fn fold_spelling(stem: &str) -> String {
    stem.replace("ph", "f")
        .replace("ae", "e")
        .replace("oe", "e")
}

/// `text` with each word (a run of letters) that `fix` has another word for replaced by it;
/// everything else (numbers, punctuation, spacing) stays as it was.
pub fn replace_words(text: &str, fix: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphabetic(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = &text[s..i];
                match fix(word) {
                    Some(fixed) => out.push_str(&fixed),
                    None => out.push_str(word),
                }
                start = None;
            }
            _ => {}
        }
        if !c.is_alphabetic() && i < text.len() {
            out.push(c);
        }
    }
    out
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
        // An everyday word is a word, not a typo: "sack" is not "snack".
        v.add("snack", 5);
        assert_eq!(v.correct("sack"), Some("snack"));
        v.add_everyday("sack".to_string(), 10_000);
        assert_eq!(v.correct("sack"), None);
        assert_eq!(v.correct("zebra"), None);
        // Another spelling is one typo away, however many letters it changes.
        v.add("nephriti", 8);
        assert_eq!(v.correct("nefriti"), Some("nephriti"));
        assert_eq!(v.correct("neuriti"), None);
    }

    #[test]
    fn only_frequent_everyday_words_that_head_no_article_are_incidental() {
        let mut v = Vocabulary::default();
        for (stem, rank) in [("futur", 465), ("travel", 1099), ("tattoo", 5741)] {
            v.add_everyday(stem.to_string(), rank);
        }
        // "Futures" ranks lower than "future": a stem keeps its most frequent word's rank.
        v.add_everyday("futur".to_string(), 9_000);
        v.add_topical("travel");
        assert!(v.is_incidental("futur"));
        assert!(!v.is_incidental("travel"), "a title's word names a topic");
        assert!(
            !v.is_incidental("tattoo"),
            "a rarer word names what is asked"
        );
        assert!(!v.is_incidental("creatinin"), "not an everyday word");
    }

    #[test]
    fn typos_from_patients_examples_are_respelt_to_the_articles_prose() {
        let mut v = Vocabulary::default();
        // Passage counts: an example is copied into every passage of its article, so
        // "kidni" is in almost a third as many passages as "kidney".
        for (stem, df) in [
            ("dialysi", 400),
            ("dialisi", 20),
            ("creatinin", 90),
            ("creatin", 6),
            ("kidney", 598),
            ("kidni", 169),
            ("project", 2),
        ] {
            v.add(stem, df);
        }
        for prose in ["dialysi", "creatinin", "creatin", "protect", "kidney"] {
            v.add_prose(prose);
            v.add(prose, 90);
        }
        v.add_everyday("project".to_string(), 1_000);
        let article = |i: usize| -> HashSet<String> {
            let mut stems: HashSet<String> =
                ["kidney", "dialysi", "creatinin"].map(String::from).into();
            if i < 5 {
                stems.extend(["dialisi", "creatin", "project"].map(String::from));
            }
            // Patients misspell a word of every article in a fifth of them.
            if i < 12 {
                stems.insert("kidni".to_string());
            }
            stems
        };
        let articles: Vec<HashSet<String>> = (0..60).map(article).collect();
        v.count_articles(&articles);
        assert_eq!(v.respell("dialisi"), Some("dialysi"));
        // "kidny" stems to "kidni", two edits from "kidney" but one from its "kidny".
        assert_eq!(v.respell("kidni"), Some("kidney"));
        assert_eq!(v.respell("creatin"), None, "a word of the prose stays");
        assert_eq!(v.respell("project"), None, "an everyday word stays");
        assert_eq!(v.respell("dialysi"), None);
        assert_eq!(v.respell("zebra"), None);
        for (stem, expected) in [("nefropathi", Some("nephropathi")), ("neuropathi", None)] {
            let mut v = Vocabulary::default();
            v.add("nephropathi", 90);
            v.add(stem, 1);
            v.add_prose("nephropathi");
            let articles: Vec<HashSet<String>> = (0..60)
                .map(|_| HashSet::from(["nephropathi".to_string()]))
                .collect();
            v.count_articles(&articles);
            assert_eq!(v.respell(stem), expected, "{stem}");
        }
        // A patients' word in nearly as many articles as a prose word of some articles
        // is no typo of it.
        let mut common = Vocabulary::default();
        for (stem, df) in [("shingl", 40), ("singl", 50)] {
            common.add(stem, df);
        }
        common.add_prose("singl");
        let articles: Vec<HashSet<String>> = (0..60)
            .map(|i| match i {
                0..10 => ["shingl", "singl"].map(String::from).into(),
                10..12 => ["singl".to_string()].into(),
                _ => HashSet::new(),
            })
            .collect();
        common.count_articles(&articles);
        assert_eq!(common.respell("shingl"), None);
        // A patients' word in an article without the prose word is no typo of it: an
        // antihistamine asked about in the itching article is not "peritoneal".
        let mut other = Vocabulary::default();
        for (stem, df) in [("piriton", 8), ("periton", 130)] {
            other.add(stem, df);
        }
        other.add_prose("periton");
        let articles: Vec<HashSet<String>> = (0..60)
            .map(|i| match i {
                0 => ["piriton".to_string()].into(),
                1..14 => ["periton".to_string()].into(),
                _ => HashSet::new(),
            })
            .collect();
        other.count_articles(&articles);
        assert_eq!(other.respell("piriton"), None);
        let mut typo = Vocabulary::default();
        for (stem, df) in [("piriton", 8), ("periton", 130)] {
            typo.add(stem, df);
        }
        typo.add_prose("periton");
        let articles: Vec<HashSet<String>> = (0..60)
            .map(|i| match i {
                0 => ["piriton".to_string(), "periton".to_string()].into(),
                1..14 => ["periton".to_string()].into(),
                _ => HashSet::new(),
            })
            .collect();
        typo.count_articles(&articles);
        assert_eq!(
            typo.respell("piriton"),
            Some("periton"),
            "written alongside, a typo"
        );
    }

    #[test]
    fn words_are_replaced_in_place_and_the_rest_kept() {
        let fixed = replace_words("is Coffee bad for kidnys, 2x a day?", |w| {
            (w == "kidnys").then(|| "kidneys".to_string())
        });
        assert_eq!(fixed, "is Coffee bad for kidneys, 2x a day?");
        assert_eq!(replace_words("", |_| None), "");
        assert_eq!(replace_words("über naïve", |_| None), "über naïve");
    }

    #[test]
    fn the_prose_spelling_of_a_stem_is_its_most_frequent_word() {
        let mut v = Vocabulary::default();
        v.add_spellings([
            ("kidney".to_string(), "kidneys"),
            ("kidney".to_string(), "kidney"),
            ("kidney".to_string(), "kidneys"),
            ("potassium".to_string(), "potassium"),
        ]);
        assert_eq!(v.spelling("kidney"), Some("kidneys"));
        assert_eq!(v.spelling("potassium"), Some("potassium"));
        assert_eq!(v.spelling("zebra"), None);
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
