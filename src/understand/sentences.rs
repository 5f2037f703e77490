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
                let after_letter = prev.is_some_and(|p| p.is_alphabetic() || p == ')' || p == '.');
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
