//! Finding phrases in a tokenised message. A phrase matches when its words occur in order in
//! one clause, with at most a few filler words between neighbours ("pain in *my* chest");
//! words compare by normalised form, or as a misspelling (one edit) of a concept word of five
//! letters or more. All phrases are indexed by their first word: one hash look-up per token.

use std::collections::{HashMap, HashSet};

use super::text::{quantity, Normaliser, Tokens};

/// How many filler words may stand between two neighbouring words of a phrase.
const MAX_GAP: usize = 5;
/// The least count `#many` stands for: tablets taken at once that make an overdose, well
/// above a day's doses of the most tablets a kidney patient takes.
const MANY: f64 = 15.0;
/// How many words of any kind `...` in a phrase stands for, at most.
const MAX_ELLIPSIS: usize = 6;

/// One element of a compiled phrase.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Elem {
    /// A normalised word.
    Word(String),
    /// `#` in the config: any number or number word ("24", "two", "a").
    Quantity,
    /// `#year` in the config: a year such as 2019.
    Year,
    /// `#many` in the config: a count of [`MANY`] or more ("took 20 of my", "thirty").
    Many,
    /// `=word` in the config: exactly this form, not its stem ("=fainted" but not "faint").
    Exact { raw: String, norm: String },
    /// `...` in the config: up to a few words of any kind, in the same clause.
    Ellipsis,
}

/// Grammatical words that are optional inside a phrase: "bag is empty" also matches "bag
/// empty", "pain in my chest" also "pain in chest". Only these, and only when they are also
/// filler words: verbs such as "get" or "come" carry meaning ("can't get air").
const OPTIONAL: &[&str] = &[
    "a", "an", "the", "my", "his", "her", "their", "our", "your", "its", "is", "are", "was",
    "were", "be", "been", "am", "it", "this", "that", "any", "all", "at",
];

/// Compiles a phrase as written in the config ("for # hours", "can't breathe"), with the
/// [`OPTIONAL`] filler words inside it left out (fillers may be skipped anyway).
pub(crate) fn compile_with(
    normaliser: &Normaliser,
    phrase: &str,
    fillers: &HashSet<String>,
) -> Vec<Elem> {
    let elems = compile(normaliser, phrase);
    let last = elems.len().saturating_sub(1);
    elems
        .into_iter()
        .enumerate()
        .filter(|(i, e)| {
            let optional =
                matches!(e, Elem::Word(w) if fillers.contains(w) && OPTIONAL.contains(&w.as_str()));
            *i == 0 || *i == last || !optional
        })
        .map(|(_, e)| e)
        .collect()
}

/// Compiles a phrase as written, every word required.
pub(crate) fn compile(normaliser: &Normaliser, phrase: &str) -> Vec<Elem> {
    let mut elems = Vec::new();
    for piece in phrase.split_whitespace() {
        match piece {
            "#" => elems.push(Elem::Quantity),
            "#year" => elems.push(Elem::Year),
            "#many" => elems.push(Elem::Many),
            "..." => elems.push(Elem::Ellipsis),
            _ if piece.starts_with('=') => {
                let tokens = normaliser.tokens(&piece[1..]);
                elems.extend(tokens.tokens.into_iter().map(|t| Elem::Exact {
                    raw: t.raw,
                    norm: t.norm,
                }));
            }
            _ => elems.extend(normaliser.phrase(piece).into_iter().map(Elem::Word)),
        }
    }
    elems
}

/// Where a phrase matched: the owner it was added with, and its first and last token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match {
    pub owner: usize,
    pub first: usize,
    pub last: usize,
}

/// A set of phrases, each belonging to an owner (a concept, a cue list...).
#[derive(Debug, Default)]
pub(crate) struct PhraseSet {
    phrases: Vec<(Vec<Elem>, usize)>,
    by_first: HashMap<String, Vec<usize>>,
    numeric_first: Vec<usize>,
}

impl PhraseSet {
    pub fn add(&mut self, elems: Vec<Elem>, owner: usize) {
        let index = self.phrases.len();
        match elems.first() {
            Some(Elem::Word(w) | Elem::Exact { norm: w, .. }) => {
                self.by_first.entry(w.clone()).or_default().push(index)
            }
            Some(_) => self.numeric_first.push(index),
            None => return,
        }
        self.phrases.push((elems, owner));
    }

    /// Every distinct word of every phrase.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.phrases.iter().flat_map(|(elems, _)| {
            elems.iter().filter_map(|e| match e {
                Elem::Word(w) => Some(w.as_str()),
                _ => None,
            })
        })
    }

    /// Every match in the message; per owner and start, only the longest.
    pub fn find(&self, tokens: &Tokens, fillers: &HashSet<String>) -> Vec<Match> {
        let mut found: Vec<Match> = Vec::new();
        for (i, token) in tokens.tokens.iter().enumerate() {
            let exact = self.by_first.get(&token.norm).into_iter().flatten();
            let fuzzy = token
                .fuzzy
                .as_ref()
                .and_then(|f| self.by_first.get(f))
                .into_iter()
                .flatten();
            let numeric = if token.number.is_some() || quantity(token).is_some() {
                &self.numeric_first[..]
            } else {
                &[]
            };
            for &p in exact.chain(fuzzy).chain(numeric) {
                let (elems, owner) = &self.phrases[p];
                let Some(last) = match_at(elems, tokens, i, fillers) else {
                    continue;
                };
                let m = Match {
                    owner: *owner,
                    first: i,
                    last,
                };
                match found
                    .iter_mut()
                    .find(|f| f.owner == m.owner && f.first == i)
                {
                    Some(f) => f.last = f.last.max(last),
                    None => found.push(m),
                }
            }
        }
        found
    }
}

/// The last token of `elems` matched from token `at`, if they match there.
fn match_at(
    elems: &[Elem],
    tokens: &Tokens,
    at: usize,
    fillers: &HashSet<String>,
) -> Option<usize> {
    let (first, rest) = elems.split_first()?;
    if !elem_matches(first, tokens, at) {
        return None;
    }
    match_rest(rest, tokens, at, fillers)
}

fn match_rest(
    elems: &[Elem],
    tokens: &Tokens,
    prev: usize,
    fillers: &HashSet<String>,
) -> Option<usize> {
    let Some((next, rest)) = elems.split_first() else {
        return Some(prev);
    };
    let clause = tokens.tokens[prev].clause;
    if *next == Elem::Ellipsis {
        let (after, rest) = rest.split_first()?;
        return (prev + 1..=prev + 1 + MAX_ELLIPSIS)
            .take_while(|at| tokens.tokens.get(*at).is_some_and(|t| t.clause == clause))
            .filter(|at| elem_matches(after, tokens, *at))
            .find_map(|at| match_rest(rest, tokens, at, fillers));
    }
    for at in prev + 1..=prev + 1 + MAX_GAP {
        let token = tokens.tokens.get(at)?;
        if token.clause != clause {
            return None;
        }
        if elem_matches(next, tokens, at) {
            if let Some(last) = match_rest(rest, tokens, at, fillers) {
                return Some(last);
            }
        }
        if !fillers.contains(&token.norm) {
            return None;
        }
    }
    None
}

fn elem_matches(elem: &Elem, tokens: &Tokens, at: usize) -> bool {
    let token = &tokens.tokens[at];
    match elem {
        Elem::Word(w) => token.norm == *w || token.fuzzy.as_deref() == Some(w),
        Elem::Exact { raw, .. } => token.raw == *raw,
        Elem::Ellipsis => true,
        Elem::Quantity => quantity(token).is_some(),
        Elem::Many => quantity(token).is_some_and(|n| n >= MANY),
        Elem::Year => token
            .number
            .is_some_and(|n| n.fract() == 0.0 && (1950.0..=2100.0).contains(&n)),
    }
}

/// The concept words, for recognising their misspellings: a word of five or more letters
/// (one of them six or more) that differs from a concept word by one edit (a letter added,
/// dropped, changed, or two swapped) and starts with the same letter is read as it.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    words: HashSet<String>,
    /// Each concept word, and each form of it with one letter deleted → the words.
    deletions: HashMap<String, Vec<String>>,
    /// Real words never read as misspellings.
    exact: HashSet<String>,
}

/// Shortest word that is tolerated as a misspelling.
const MIN_FUZZY_LEN: usize = 5;

impl Vocabulary {
    pub fn new<'a>(words: impl Iterator<Item = &'a str>, exact: HashSet<String>) -> Vocabulary {
        let mut vocabulary = Vocabulary {
            exact,
            ..Vocabulary::default()
        };
        for word in words {
            if !vocabulary.words.insert(word.to_string()) {
                continue;
            }
            if word.chars().count() < MIN_FUZZY_LEN || word.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            for key in std::iter::once(word.to_string()).chain(deletions(word)) {
                vocabulary
                    .deletions
                    .entry(key)
                    .or_default()
                    .push(word.to_string());
            }
        }
        vocabulary
    }

    /// The concept word that `norm` (written as `raw`) misspells, if any.
    pub fn misspelt(&self, norm: &str, raw: &str) -> Option<String> {
        let len = norm.chars().count();
        if len < MIN_FUZZY_LEN || self.words.contains(norm) || self.exact.contains(raw) {
            return None;
        }
        let keys = std::iter::once(norm.to_string()).chain(deletions(norm));
        let candidates = keys.filter_map(|k| self.deletions.get(&k)).flatten();
        candidates
            .filter(|w| w.chars().next() == norm.chars().next())
            .filter(|w| w.chars().count().max(len) > MIN_FUZZY_LEN)
            .find(|w| strsim::osa_distance(w, norm) <= 1)
            .cloned()
    }
}

/// The forms of `word` with one letter deleted.
fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(move |skip| {
        chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| c)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::config::Language;

    fn setup() -> (Normaliser, HashSet<String>) {
        let normaliser = Normaliser::new(&Language::default());
        let fillers = ["my", "the", "at", "all"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        (normaliser, fillers)
    }

    #[test]
    fn phrases_match_through_fillers_within_a_clause() {
        let (n, fillers) = setup();
        let mut set = PhraseSet::default();
        set.add(compile(&n, "pain in chest"), 0);
        set.add(compile(&n, "for # hours"), 1);
        let found = |text: &str| {
            let tokens = n.tokens(text);
            set.find(&tokens, &fillers)
                .iter()
                .map(|m| m.owner)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("a pain in my chest"), [0]);
        assert_eq!(found("pains in the chest for 24 hours"), [0, 1]);
        assert_eq!(found("for two hours"), [1]);
        assert!(found("pain in, chest").is_empty());
        assert!(found("pain in her left chest").is_empty());
    }

    #[test]
    fn misspellings_of_long_words_are_recognised() {
        let words = ["potassium", "fever", "seizur", "breath"];
        let v = Vocabulary::new(words.into_iter(), HashSet::from(["fewer".to_string()]));
        assert_eq!(
            v.misspelt("potasium", "potasium").as_deref(),
            Some("potassium")
        );
        assert_eq!(v.misspelt("siezur", "siezure").as_deref(), Some("seizur"));
        assert_eq!(v.misspelt("feaver", "feaver").as_deref(), Some("fever"));
        assert_eq!(v.misspelt("fewer", "fewer"), None);
        assert_eq!(v.misspelt("never", "never"), None);
        assert_eq!(v.misspelt("bread", "bread"), None);
    }
}
