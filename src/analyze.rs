//! Text analysis shared by indexing and querying: words, stems, stop words, and the synonym
//! groups that let "blood in my pee" meet "hematuria". Pure; knows nothing of tantivy.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::corpus::SynonymGroup;

/// Filler words that carry no meaning for retrieval. "no" and "not" are not among them.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "for",
    "from",
    "get",
    "getting",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "ive",
    "just",
    "let",
    "me",
    "might",
    "much",
    "my",
    "of",
    "on",
    "or",
    "our",
    "please",
    "really",
    "she",
    "should",
    "so",
    "some",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "hi",
    "hello",
    "thanks",
    "thank",
    "dear",
    "doctor",
    "doc",
    "question",
    "know",
    "tell",
    "want",
    "need",
    "wondering",
    "ask",
    "asking",
    "mean",
    "means",
    "normal",
    "ok",
    "okay",
    "u",
    "ur",
    "pls",
    "plz",
    // Conversational words patients wrap questions in; they say nothing about the topic.
    "actually",
    "anyone",
    "anything",
    "apart",
    "because",
    "else",
    "even",
    "ever",
    "guess",
    "quite",
    "someone",
    "something",
    "sure",
    "thing",
    "things",
    "think",
    "whether",
    "yes",
    "yet",
    "anymore",
    "hes",
    "shes",
    "theyre",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "arent",
    "cant",
    "cannot",
    "couldnt",
    "wont",
    "wouldnt",
    "shouldnt",
    "wasnt",
    "werent",
    "hasnt",
    "havent",
    "hadnt",
    "thats",
    "theres",
    "whos",
    "youre",
    "weve",
    "theyve",
    "youve",
    "through",
    "only",
    "instead",
    "either",
    // What patients ask for, not what about: "any advice?", "I know you can't give advice".
    "advice",
    "advise",
    // Asking for help in general words: "give me some suggestions / information regarding
    // such a case".
    "suggest",
    "suggests",
    "suggested",
    "suggestion",
    "suggestions",
    "info",
    "information",
    "informations",
    "regarding",
    "regards",
    "such",
    // The frame of a comparison ("what's the diff between X and Y"): X and Y say what is
    // asked.
    "between",
    "diff",
    "difference",
    "differences",
    // The frame of a relation ("is X linked to Y", "associated with"): X and Y say what is
    // asked.
    "associated",
    "association",
    "linked",
    "link",
    "links",
    "connected",
    "connection",
    "related",
    "relation",
    "relationship",
    "correlated",
    "correlation",
];

/// The lowercase words of `text`: letters and digits, apostrophes dropped ("can't" → "cant").
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if matches!(c, '\'' | '’' | '‘') && !word.is_empty() {
            continue;
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Frequent English words with their rank, 0 the most frequent (see the file's header for
/// the source).
static COMMON_WORDS: LazyLock<HashMap<&'static str, usize>> = LazyLock::new(|| {
    include_str!("data/common_words.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .enumerate()
        .map(|(rank, word)| (word, rank))
        .collect()
});

/// Whether a lowercase word is a flag or a body-size unit of a lab report ("2.31 mg/dL H",
/// "eGFR 29 mL/min/1.73m2 L"): part of how a value is written, never what a question is
/// about. Units of the value itself ("mmol/L") stay: articles that give figures use them.
pub fn is_lab_notation(word: &str) -> bool {
    matches!(word, "h" | "l" | "m2" | "73m2" | "min")
}

/// Whether a lowercase word is an everyday English word, as opposed to a name (of a
/// medicine, a rare condition, a place) that a reader would need to look up. An everyday
/// word's plural or other ending ("reuses", "fillers", "grandsons", "chalky") counts, and so does its
/// patients' spelling with a dropped "g" ("wakin", "bleedin"), and its comparative or
/// superlative ("commonest", "safer", "biggest", "earliest").
pub fn is_common_word(word: &str) -> bool {
    if word.chars().count() < 4 || COMMON_WORDS.contains_key(word) {
        return true;
    }
    let stripped = ["s", "es", "d", "ed", "ing", "y", "ly"]
        .iter()
        .filter_map(|ending| word.strip_suffix(ending))
        .filter(|base| base.chars().count() >= 4);
    let mut bases: Vec<String> = stripped.map(str::to_string).collect();
    if let Some(base) = word.strip_suffix("ing") {
        bases.push(format!("{base}e"));
    }
    if word.ends_with("in") {
        bases.push(format!("{word}g"));
    }
    // "commonest", "safer", "earliest", "biggest" (and "inhaler", "cycler": everyday too).
    for ending in ["est", "er"] {
        let Some(base) = word.strip_suffix(ending) else {
            continue;
        };
        let mut forms = vec![base.to_string(), format!("{base}e")];
        if let Some(early) = base.strip_suffix('i') {
            forms.push(format!("{early}y"));
        }
        bases.extend(forms.into_iter().filter(|form| form.chars().count() >= 4));
        // "biggest": "big", a short word, but its doubled letter says it is one.
        let mut chars = base.chars().rev();
        if let (Some(last), Some(before)) = (chars.next(), chars.next()) {
            if last == before {
                bases.extend(base.strip_suffix(last).map(str::to_string));
            }
        }
    }
    bases
        .iter()
        .any(|base| COMMON_WORDS.contains_key(base.as_str()))
}

/// The everyday English words (see `is_common_word`), each with its rank among them: 0 is the
/// most frequent.
pub fn common_words() -> impl Iterator<Item = (&'static str, usize)> {
    COMMON_WORDS.iter().map(|(word, rank)| (*word, *rank))
}

/// Whether a lowercase word is filler.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// A span of analysed tokens that matched a synonym group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymHit {
    pub start: usize,
    pub end: usize,
    pub group: usize,
}

/// Stems words and recognises multi-word synonyms; built once per index.
pub struct Analyzer {
    stemmer: Stemmer,
    /// First stem of a term → (the term's stems, its group), longest terms first. Stems are
    /// in canonical form (see `canonical`).
    terms: HashMap<String, Vec<(Vec<String>, usize)>>,
    /// One-word synonyms mapped to one stem of their group ("wee" → "pee"), so that the
    /// multi-word term "burns when I pee" also matches "burning when I wee".
    canonical: HashMap<String, String>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("synonym_terms", &self.terms.len())
            .finish()
    }
}

impl Analyzer {
    pub fn new(groups: &[SynonymGroup]) -> Analyzer {
        let mut analyzer = Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
            terms: HashMap::new(),
            canonical: HashMap::new(),
        };
        for g in groups {
            let one_word: Vec<Vec<String>> = g
                .terms
                .iter()
                .map(|t| analyzer.stems(t))
                .filter(|s| s.len() == 1)
                .collect();
            if let Some(first) = one_word.first() {
                for word in &one_word {
                    analyzer
                        .canonical
                        .entry(word[0].clone())
                        .or_insert_with(|| first[0].clone());
                }
            }
        }
        for (group, g) in groups.iter().enumerate() {
            for term in &g.terms {
                let stems = analyzer.canonicalize(&analyzer.stems(term));
                if let Some(first) = stems.first().cloned() {
                    analyzer
                        .terms
                        .entry(first)
                        .or_default()
                        .push((stems, group));
                }
            }
        }
        for candidates in analyzer.terms.values_mut() {
            candidates.sort_by_key(|(stems, _)| std::cmp::Reverse(stems.len()));
        }
        analyzer
    }

    /// Stem of one lowercase word.
    pub fn stem(&self, word: &str) -> String {
        self.stemmer.stem(word).into_owned()
    }

    /// Stems of the meaningful words of `text`, in order. Bare numbers are left out: "12"
    /// or "150 over 90" says little about which article answers.
    pub fn stems(&self, text: &str) -> Vec<String> {
        words(text)
            .into_iter()
            .filter(|w| !is_stop_word(w) && !w.chars().all(|c| c.is_ascii_digit()))
            .map(|w| self.stem(&w))
            .collect()
    }

    /// Every stem of every synonym term: words the analyzer knows even if no article uses them.
    /// A one-word synonym is matched through its group's first one-word term ("micturition"
    /// through "urine"), but is a word of its own all the same.
    pub fn synonym_stems(&self) -> impl Iterator<Item = &str> {
        self.terms
            .values()
            .flatten()
            .flat_map(|(stems, _)| stems.iter().map(String::as_str))
            .chain(self.canonical.keys().map(String::as_str))
    }

    fn canonicalize(&self, stems: &[String]) -> Vec<String> {
        stems
            .iter()
            .map(|s| self.canonical.get(s).unwrap_or(s).clone())
            .collect()
    }

    /// The synonym terms found in a token sequence. A term inside a longer matched term
    /// ("pee" inside "blood in pee") is not a hit of its own.
    pub fn synonym_hits(&self, stems: &[String]) -> Vec<SynonymHit> {
        let stems = &self.canonicalize(stems);
        let mut hits: Vec<SynonymHit> = Vec::new();
        for start in 0..stems.len() {
            let Some(candidates) = self.terms.get(&stems[start]) else {
                continue;
            };
            for (term, group) in candidates {
                let end = start + term.len();
                let inside = hits.iter().any(|h| h.start <= start && end <= h.end);
                if end <= stems.len() && stems[start..end] == term[..] && !inside {
                    hits.push(SynonymHit {
                        start,
                        end,
                        group: *group,
                    });
                }
            }
        }
        hits
    }

    /// The tokens to index for `text`: its stems, plus one tag per synonym group it mentions.
    pub fn index_tokens(&self, text: &str) -> String {
        let stems = self.stems(text);
        let mut tokens = stems.join(" ");
        for hit in self.synonym_hits(&stems) {
            tokens.push(' ');
            tokens.push_str(&synonym_tag(hit.group));
        }
        tokens
    }
}

/// The token that stands for a whole synonym group in the index.
pub fn synonym_tag(group: usize) -> String {
    format!("syn~{group}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn analyzer() -> Analyzer {
        Analyzer::new(&[
            SynonymGroup {
                terms: vec![
                    "blood in urine".into(),
                    "hematuria".into(),
                    "red pee".into(),
                ],
            },
            SynonymGroup {
                terms: vec!["urine".into(), "wee".into(), "pee".into()],
            },
        ])
    }

    #[test]
    fn words_lowercase_and_drop_apostrophes_and_punctuation() {
        assert_eq!(words("Can't STOP: (itching)!"), ["cant", "stop", "itching"]);
        assert_eq!(words("  "), Vec::<String>::new());
    }

    #[test]
    fn everyday_words_are_common_and_medicine_names_are_not() {
        for w in ["kidney", "playground", "yesterday", "water", "eat"] {
            assert!(is_common_word(w), "{w}");
        }
        for w in [
            "levaquin",
            "amoxicillin",
            "lisinopril",
            "colchicine",
            "bactrim",
            "omeprazole",
            "calcitriol",
            "salbutamol",
            "bosniak",
            "megace",
            "northera",
            "tums",
            "fabry",
            "nitrofurantoin",
        ] {
            assert!(!is_common_word(w), "{w}");
        }
        // Everyday words as patients spell them.
        for w in [
            "wakin",
            "bleedin",
            "checkin",
            "reuses",
            "fillers",
            "grandsons",
            "chalky",
            "weirdly",
            "commonest",
            "safest",
            "safer",
            "biggest",
            "earliest",
        ] {
            assert!(is_common_word(w), "{w}");
        }
    }

    #[test]
    fn multi_word_synonyms_match_through_filler_and_endings() {
        let a = analyzer();
        let stems = a.stems("Why is there blood in my urine?");
        assert_eq!(a.synonym_hits(&stems).len(), 1);
        assert!(a.index_tokens("hematuria").contains(&synonym_tag(0)));
        assert!(a
            .index_tokens("Hematurias everywhere")
            .contains(&synonym_tag(0)));
        assert!(!a.index_tokens("blood pressure").contains("syn~"));
        // One-word synonyms apply inside multi-word terms.
        assert!(a.index_tokens("blood in the wee").contains(&synonym_tag(0)));
    }

    #[test]
    fn every_one_word_synonym_is_a_known_word_not_only_the_first_of_its_group() {
        let a = analyzer();
        let known: HashSet<&str> = a.synonym_stems().collect();
        for word in ["urine", "wee", "pee", "hematuria"] {
            assert!(known.contains(a.stem(word).as_str()), "{word}");
        }
    }
}
