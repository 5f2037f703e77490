//! From raw text to sentences: the part of a message that is read, its whitespace and
//! shouting normalised, split where sentences end (not inside numbers or after
//! abbreviations).

use super::MAX_MESSAGE_CHARS;
use crate::analyze::words;

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "vs", "eg", "ie", "st", "approx", "no",
];

/// The start of `raw` that is read: at most `MAX_MESSAGE_CHARS` characters, cut at a space
/// so that no word is cut in half (half a word would read as a word the corpus never uses).
pub(super) fn considered(raw: &str) -> &str {
    let Some((end, _)) = raw.char_indices().nth(MAX_MESSAGE_CHARS) else {
        return raw;
    };
    let start = &raw[..end];
    match start.rfind(char::is_whitespace) {
        Some(space) if !raw[end..].starts_with(char::is_whitespace) => &raw[..space],
        _ => start,
    }
}

/// Collapses whitespace, and lowercases a message written mostly in capitals.
pub(super) fn normalise(raw: &str) -> String {
    // Chat spellings of "what" ("wat stage is that", "wats egfr"), read as the question
    // word they are rather than as a name the corpus lacks.
    static WHAT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(?:wat|wot|wht|whta)(s?)\b").expect("a valid pattern")
    });
    // "s it normal", "S there a cure": a question's "is" that lost its first letter, at the
    // start of a sentence, where nothing else reads "s" before "it".
    static IS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(^|[.!?] )[sS] (it|there|this|that|he|she)\b").expect("a valid pattern")
    });
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let collapsed = WHAT.replace_all(&collapsed, "what$1");
    let collapsed = IS.replace_all(&collapsed, "${1}is $2").into_owned();
    let letters = collapsed.chars().filter(|c| c.is_alphabetic()).count();
    let upper = collapsed.chars().filter(|c| c.is_uppercase()).count();
    if letters >= 8 && upper * 2 > letters {
        collapsed.to_lowercase()
    } else {
        collapsed
    }
}

/// Splits text into sentences at `.`, `?`, `!`, `;` and line breaks, also where a full stop
/// has no space after it ("CONDITION.SHE"), but not inside numbers ("4.2") or after common
/// abbreviations ("Dr.").
pub(super) fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let next = chars.get(i + 1).copied();
        let ends = match c {
            '?' | '!' | ';' | '\n' => next != Some(c) && next != Some('?') && next != Some('!'),
            '.' => {
                let prev = i.checked_sub(1).map(|p| chars[p]);
                // "... 'taking it week by week'. Realistically": a quotation or bracket
                // that closes, then the full stop.
                let after_letter = prev.is_some_and(|p| {
                    p.is_alphabetic() || matches!(p, ')' | '.' | '\'' | '"' | '’' | '”')
                });
                let before_text = next.is_none_or(|n| n.is_whitespace() || n.is_alphabetic());
                // "My urea is showing 40.IS IT DANGEROUS", "uric acid 2.7. is it": a number,
                // then a new sentence ("4.2" and "2.5mg" are not).
                let number_then_word = prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_alphabetic() || n == ' ')
                    && chars.get(i + 2).is_some_and(|c| c.is_alphabetic());
                (after_letter || number_then_word)
                    && before_text
                    && next != Some('.')
                    && !ABBREVIATIONS.contains(&last_word(&current).as_str())
            }
            _ => false,
        };
        if ends {
            push_sentence(&mut sentences, &mut current);
        }
    }
    push_sentence(&mut sentences, &mut current);
    sentences
}

/// Splits a run-on question ("Ive been taking cranberry, drinking lots of water, is there
/// anything else I can do to prevent UTIs?") where, after a comma, the question begins:
/// what comes before tells (`tells`), what follows asks, naming enough to be read on its
/// own (`stands_alone`; "... just take quinine, can i?" asks about the quinine). Not after
/// a clause the question depends on ("If I'm on dialysis, can I eat bananas?"), nor after a
/// few words of address ("Doctor, is it bad?").
pub(super) fn split_run_on_question(
    sentence: String,
    tells: impl Fn(&str) -> bool,
    stands_alone: impl Fn(&str) -> bool,
) -> Vec<String> {
    const AUXILIARIES: &[&str] = &[
        "is", "are", "was", "were", "can", "could", "should", "would", "will", "do", "does", "did",
        "has", "have", "may", "might", "must",
    ];
    const SUBJECTS: &[&str] = &[
        "there", "i", "it", "we", "he", "she", "they", "you", "my", "his", "her", "this", "that",
        "these", "those", "the", "a", "an", "our", "their",
    ];
    const WH: &[&str] = &["what", "how", "why", "when", "where", "which", "who"];
    const LINKS: &[&str] = &["and", "but", "so", "or"];
    // A clause the question depends on: a condition, a time, a cause.
    const DEPENDENT: &[&str] = &[
        "if", "when", "whenever", "since", "because", "although", "though", "as", "after",
        "before", "while", "unless", "once", "until",
    ];
    const MIN_TELLING_WORDS: usize = 4;
    if !sentence.trim_end().ends_with('?') {
        return vec![sentence];
    }
    let opens_question = |rest: &str| {
        let ws = words(rest);
        let ws: Vec<&str> = ws
            .iter()
            .map(String::as_str)
            .skip_while(|w| LINKS.contains(w))
            .collect();
        match ws.as_slice() {
            [first, second, ..] if AUXILIARIES.contains(first) => SUBJECTS.contains(second),
            [first, _, ..] => WH.contains(first),
            _ => false,
        }
    };
    let split = sentence.rmatch_indices(", ").map(|(at, _)| at).find(|&at| {
        let (told, rest) = (&sentence[..at], &sentence[at + 2..]);
        // A told part that opens with a question word is a question itself: `tells` says so.
        let told_words = words(told);
        told_words.len() >= MIN_TELLING_WORDS
            && !told_words
                .first()
                .is_some_and(|w| DEPENDENT.contains(&w.as_str()))
            && opens_question(rest)
            && stands_alone(rest)
            && tells(told)
    });
    match split {
        Some(at) => vec![
            sentence[..at].to_string(),
            sentence[at + 2..].trim().to_string(),
        ],
        None => vec![sentence],
    }
}

/// The word just before the full stop that ends `text`, read from its end only (reading
/// the whole sentence at every full stop made long sentences quadratic).
pub(super) fn last_word(text: &str) -> String {
    let text = text.trim_end_matches('.');
    let in_word = |c: char| c.is_alphanumeric() || matches!(c, '\'' | '’' | '‘');
    let start = text
        .char_indices()
        .rev()
        .find(|&(_, c)| !in_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    words(&text[start..]).pop().unwrap_or_default()
}

fn push_sentence(sentences: &mut Vec<String>, current: &mut String) {
    let sentence = current.trim().trim_start_matches(['.', ',', ' ']).trim();
    if words(sentence).iter().any(|w| !w.is_empty()) {
        sentences.push(sentence.to_string());
    }
    current.clear();
}
