//! What each sentence of a message does: greet or plead (courtesy), ask (a question), or
//! tell (backstory); and the words and phrasings that tell a question from a statement.

use super::Role;
use crate::analyze::{is_stop_word, words};

/// Words that only greet, plead, thank or sign off: a sentence made of nothing else says
/// nothing about the question.
pub(super) const COURTESY: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "dear",
    "respected",
    "respectful",
    "sir",
    "sirs",
    "madam",
    "madame",
    "mam",
    "maam",
    "doctor",
    "doctors",
    "dr",
    "doc",
    "team",
    "medical",
    "experts",
    "expert",
    "nurse",
    "good",
    "morning",
    "afternoon",
    "evening",
    "day",
    "greetings",
    "hope",
    "you",
    "are",
    "well",
    "all",
    "everyone",
    "please",
    "pls",
    "plz",
    "plzz",
    "kindly",
    "help",
    "helping",
    "me",
    "us",
    "urgently",
    "asap",
    "thanks",
    "thank",
    "thankyou",
    "thanx",
    "thx",
    "in",
    "advance",
    "regards",
    "kind",
    "best",
    "warm",
    "sincerely",
    "yours",
    "faithfully",
    "truly",
    "god",
    "bless",
    "blessings",
    "appreciate",
    "appreciated",
    "it",
    "your",
    "reply",
    "answer",
    "response",
    "waiting",
    "for",
    "awaiting",
    "soon",
    "lol",
    "ok",
    "okay",
    "name",
    "is",
    "am",
    "i",
    "my",
    "a",
    "the",
    "and",
    "to",
    "so",
    "much",
    "very",
    "sorry",
    "bother",
    "bothering",
    "again",
    "once",
    "would",
    "be",
    "grateful",
    "thankful",
    "hoping",
    "need",
    "needed",
    "urgent",
    "question",
    "questions",
    "query",
    "queries",
    "enquiry",
    "inquiry",
    // Greetings and thanks patients write in their own language inside English messages.
    "kumusta",
    "kamusta",
    "po",
    "magandang",
    "araw",
    "umaga",
    "hapon",
    "gabi",
    "salamat",
    "maraming",
    "assalamu",
    "assalam",
    "asalam",
    "assalamualaikum",
    "alaikum",
    "alaykum",
    "aleikum",
    "salam",
    "salaam",
    "walaikum",
    "jazakallah",
    "jazakallahu",
    "jazak",
    "allah",
    "khair",
    "khairan",
    "inshallah",
    "mashallah",
    "namaste",
    "namaskar",
    "ji",
    "habari",
    "asante",
    "shukran",
    "shukriya",
    "dhanyavad",
    "dhanyawad",
    "hola",
    "gracias",
    "bonjour",
    "merci",
    "grazie",
    "obrigado",
    "obrigada",
    "danke",
    "shalom",
];

/// Whether a lowercase word only greets, pleads, thanks or signs off ("hello", "regards",
/// "salamat"): never a term the articles would need to address.
pub fn is_courtesy(word: &str) -> bool {
    COURTESY.contains(&word)
}

/// Words that open a question.
pub(super) const INTERROGATIVES: &[&str] = &[
    "what", "whats", "why", "how", "when", "where", "which", "who", "whom", "whose", "is", "are",
    "can", "could", "should", "would", "will", "do", "does", "did", "may", "shall", "am", "was",
    "were", "has", "have", "must", "might", "isnt", "cant", "shouldnt", "wouldnt", "doesnt", "any",
    "anything", "whether",
];

/// Phrases that make a statement a request ("I want to know ...", "tell me ...").
const REQUESTS: &[&[&str]] = &[
    &["want", "to", "know"],
    &["like", "to", "know"],
    &["need", "to", "know"],
    &["wanted", "to", "know"],
    &["tell", "me"],
    &["tell", "us"],
    &["wondering"],
    &["wonder"],
    &["explain"],
    &["suggest"],
    &["advise"],
    &["advice"],
    &["is", "it", "safe"],
    &["is", "it", "ok"],
    &["is", "it", "normal"],
    &["what", "to", "do"],
    &["let", "me", "know"],
    &["confused"],
    &["curious"],
];

/// Verbs that open a request ("kindly give me some suggestions to treat ...", "please guide
/// me on ...", "list the herbs that ..."); "explain", "suggest" and "advise" ask wherever
/// they stand (`REQUESTS`).
const IMPERATIVES: &[&str] = &[
    "give",
    "guide",
    "tell",
    "inform",
    "recommend",
    "clarify",
    "describe",
    "list",
];

pub(super) fn classify(sentence: &str) -> Role {
    let ws = words(sentence);
    // "Assalam o alaikum": the "o" of a greeting, not a blood group.
    let joining_o = |i: usize| {
        ws[i] == "o"
            && i.checked_sub(1).is_some_and(|b| is_courtesy(&ws[b]))
            && ws.get(i + 1).is_some_and(|n| is_courtesy(n))
    };
    if (0..ws.len()).all(|i| is_courtesy(&ws[i]) || joining_o(i)) {
        return Role::Courtesy;
    }
    if is_question(sentence, &ws) {
        Role::Question
    } else {
        Role::Backstory
    }
}

pub(super) fn is_question(sentence: &str, ws: &[String]) -> bool {
    if sentence.trim_end().ends_with('?') {
        return true;
    }
    // The first word after any address or link word ("please, can I ...", "and is it ...").
    let first = ws.iter().find(|w| !LEADING.contains(&w.as_str()));
    first.is_some_and(|w| INTERROGATIVES.contains(&w.as_str()) && ws.len() >= 3)
        || words(&unquoted(sentence))
            .iter()
            .any(|w| ASKING_ANYWHERE.contains(&w.as_str()))
        || judges(ws)
        || ws
            .windows(2)
            .any(|w| w[0] == "difference" && w[1] == "between")
        || asks_outright(sentence)
}

/// The sentence without what it quotes: "the doctors keep saying 'let's see how he goes'"
/// reports what was said; its "how" asks nothing. An apostrophe inside a word ("let's") or
/// before a number ("in '19") is no quotation mark, and a sentence quoted whole is the
/// patient's own ("'egfr 25 what stage is that'").
fn unquoted(sentence: &str) -> std::borrow::Cow<'_, str> {
    static QUOTED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?:^|[\s(])(?:"[^"]*"|“[^”]*”|['‘]\p{L}.*?['’](?:$|[\s.,!?;:)]))"#)
            .expect("a valid pattern")
    });
    let rest = QUOTED.replace_all(sentence, " ");
    if words(&rest).is_empty() {
        std::borrow::Cow::Borrowed(sentence)
    } else {
        rest
    }
}

/// Words that may stand before the word that opens a question.
pub(super) const LEADING: &[&str] = &[
    "please",
    "pls",
    "plz",
    "kindly",
    "doctor",
    "doc",
    "dr",
    "sir",
    "madam",
    "mam",
    "maam",
    "hi",
    "hello",
    "hey",
    "dear",
    "respected",
    "so",
    "and",
    "also",
    "but",
    "ok",
    "okay",
    "well",
    "then",
    "now",
    "again",
    "or",
    "plus",
];

/// Words that judge something: asked about with a question mark ("ibuprofen ok for
/// kidneys?") or after "is that" ("my magnesium is 0.6 is that low").
pub(super) const JUDGEMENTS: &[&str] = &[
    "ok",
    "okay",
    "alright",
    "safe",
    "unsafe",
    "bad",
    "good",
    "normal",
    "abnormal",
    "dangerous",
    "serious",
    "harmful",
    "fine",
    "allowed",
    "high",
    "low",
    "worrying",
    "concerning",
    "risky",
];

/// Whether a sentence asks for a judgement anywhere in it: "is that low", "are these
/// normal for my age", not only at its start; not "there is this bad smell".
pub(super) fn judges(ws: &[String]) -> bool {
    (0..ws.len()).any(|i| {
        ws.get(i..i + 3).is_some_and(|w| {
            matches!(w[0].as_str(), "is" | "are" | "was" | "were" | "isnt")
                && matches!(
                    w[1].as_str(),
                    "that" | "it" | "this" | "they" | "these" | "those"
                )
                && JUDGEMENTS.contains(&w[2].as_str())
        }) && judged_at_end(ws, i + 2)
    })
}

/// Whether a sentence is a judgement asked for in chat without its verb: a thing, then the
/// judgement and what it is judged for ("melatonin ok if egfr is 25", "bananas safe on
/// dialysis"). Read as a question only in a message that asks nothing otherwise: "Bloods ok
/// on Monday. How often should potassium be checked?" tells, then asks.
pub(super) fn judges_without_verb(ws: &[String]) -> bool {
    ws.len() >= 3
        && !is_stop_word(&ws[0])
        && JUDGEMENTS.contains(&ws[1].as_str())
        && judged_at_end(ws, 1)
}

/// Whether the judgement word at `at` ends what is asked: the sentence ends, or what it is
/// judged for follows ("ok for kidneys", "safe with tacrolimus", "bad to eat"); not a noun
/// it describes ("good diet?", "bad smell").
pub(super) fn judged_at_end(ws: &[String], at: usize) -> bool {
    ws.get(at + 1).is_none_or(|next| {
        matches!(
            next.as_str(),
            "for"
                | "with"
                | "to"
                | "on"
                | "in"
                | "during"
                | "after"
                | "before"
                | "if"
                | "or"
                | "enough"
        )
    })
}

/// Words that make a sentence a question wherever they stand ("stage 3 what does that mean").
const ASKING_ANYWHERE: &[&str] = &["what", "whats", "why", "how", "which", "meaning"];

/// Whether the text holds a request phrase ("I want to know", "tell me", "what to do").
pub(super) fn asks_outright(text: &str) -> bool {
    let ws = words(text);
    let opener = ws.iter().find(|w| !LEADING.contains(&w.as_str()));
    REQUESTS
        .iter()
        .any(|phrase| ws.windows(phrase.len()).any(|w| w == *phrase))
        || ws.first().is_some_and(|w| {
            ["what", "whats", "why", "how", "which", "when", "where"].contains(&w.as_str())
        })
        || opener.is_some_and(|w| IMPERATIVES.contains(&w.as_str()))
}
