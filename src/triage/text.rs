//! Splitting a message into tokens (words and numbers) with their clause and sentence, and
//! normalising words: lowercase, apostrophes dropped, letters repeated for emphasis shortened,
//! word classes applied ("hasn't" → "not"), then stemmed ("fainted" → "faint").

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use super::config::Language;

/// One word or number of a message.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// The normalised form compared with phrases: the stem of the word's class, or for a
    /// number its digits.
    pub norm: String,
    /// The word as written, lowercased, apostrophes dropped.
    pub raw: String,
    /// The value of a number token ("6,4" → 6.4).
    pub number: Option<f64>,
    /// The concept word this token is a misspelling of, if any.
    pub fuzzy: Option<String>,
    /// Byte range in the message, for showing what matched.
    pub start: usize,
    pub end: usize,
    pub clause: usize,
    pub sentence: usize,
    /// Whether a `/` stands right before this token ("190/120", "mmol/l").
    pub after_slash: bool,
    /// A number joined from words said aloud ("one eighty"), which a further word may
    /// still extend ("one eighty five").
    pub spoken: bool,
}

/// A message split into tokens.
#[derive(Debug)]
pub(crate) struct Tokens<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
    /// Token index ranges of each sentence.
    pub sentences: Vec<std::ops::Range<usize>>,
}

impl Tokens<'_> {
    /// The original text from token `first` to token `last`, inclusive.
    pub fn show(&self, first: usize, last: usize) -> &str {
        let (Some(a), Some(b)) = (self.tokens.get(first), self.tokens.get(last)) else {
            return "";
        };
        self.text.get(a.start..b.end).unwrap_or("")
    }
}

/// Turns words into the forms phrases are compared in.
pub(crate) struct Normaliser {
    stemmer: Stemmer,
    classes: HashMap<String, String>,
    clause_breaks: HashSet<String>,
}

impl Normaliser {
    pub fn new(language: &Language) -> Normaliser {
        let mut classes = HashMap::new();
        for (canonical, members) in &language.word_classes {
            for member in members {
                classes.insert(fold(member), fold(canonical));
            }
        }
        Normaliser {
            stemmer: Stemmer::create(Algorithm::English),
            classes,
            clause_breaks: language.clause_breaks.iter().map(|w| fold(w)).collect(),
        }
    }

    /// The normalised form of one lowercase word.
    pub fn norm(&self, raw: &str) -> String {
        let word = self.classes.get(raw).map(String::as_str).unwrap_or(raw);
        if word.chars().all(|c| c.is_ascii_digit()) {
            return word.to_string();
        }
        self.stemmer.stem(word).into_owned()
    }

    /// The normalised forms of a phrase written in the config ("can't breathe").
    pub fn phrase(&self, phrase: &str) -> Vec<String> {
        self.tokens(phrase)
            .tokens
            .into_iter()
            .map(|t| t.norm)
            .collect()
    }

    /// Splits and normalises a message.
    pub fn tokens<'a>(&self, text: &'a str) -> Tokens<'a> {
        // Words that carry a clause on over an emoji.
        const EMOJI_CONTINUES: &[&str] = &[
            "from", "with", "after", "because", "cause", "cos", "coz", "of", "by", "at", "in",
        ];
        let mut tokens: Vec<Token> = Vec::new();
        let mut sentences = Vec::new();
        let (mut clause, mut sentence, mut sentence_start) = (0, 0, 0);
        let mut after_slash = false;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i].1;
            if c.is_alphanumeric() {
                let (end_i, mut token) = self.read_token(text, &chars, i, after_slash);
                if self.clause_breaks.contains(&token.raw) {
                    clause += 1;
                }
                token.clause = clause;
                token.sentence = sentence;
                tokens.push(token);
                join_spoken_number(text, &mut tokens, sentence_start);
                join_spoken_decimal(&mut tokens, sentence_start);
                after_slash = false;
                i = end_i;
                continue;
            }
            match c {
                '.' | '!' | '?' | ';' | '\n' => {
                    if tokens.len() > sentence_start {
                        sentences.push(sentence_start..tokens.len());
                        sentence_start = tokens.len();
                        sentence += 1;
                    }
                    clause += 1;
                }
                // A value in brackets belongs to what it measures: "potassium high (6.3)".
                '(' if nearest_is_digit(chars[i + 1..].iter().map(|&(_, c)| c)) => {}
                ')' if nearest_is_digit(chars[..i].iter().rev().map(|&(_, c)| c)) => {}
                ',' | '(' | ')' | '"' => clause += 1,
                // In chat an emoji ends a clause as a comma does ("pizza on dialysis days 🍕
                // also my chest has been really tight"), unless what follows goes on with
                // it ("lips went totally blue 😂 from a blue raspberry slushie").
                '\u{1F000}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}' => {
                    let next: String = chars[i + 1..]
                        .iter()
                        .map(|&(_, c)| c)
                        .skip_while(|c| !c.is_alphanumeric())
                        .take_while(|c| c.is_alphanumeric())
                        .collect::<String>()
                        .to_lowercase();
                    if !EMOJI_CONTINUES.contains(&next.as_str()) {
                        clause += 1;
                    }
                }
                '/' => after_slash = true,
                _ => {}
            }
            i += 1;
        }
        if tokens.len() > sentence_start {
            sentences.push(sentence_start..tokens.len());
        }
        Tokens {
            text,
            tokens,
            sentences,
        }
    }

    /// Reads one word or number starting at `chars[i]`; returns the index after it.
    fn read_token(
        &self,
        text: &str,
        chars: &[(usize, char)],
        mut i: usize,
        after_slash: bool,
    ) -> (usize, Token) {
        let start = chars[i].0;
        let numeric = chars[i].1.is_ascii_digit();
        let mut raw = String::new();
        while i < chars.len() {
            let c = chars[i].1;
            let next_digit = chars.get(i + 1).is_some_and(|(_, n)| n.is_ascii_digit());
            if numeric && c.is_ascii_digit() {
                raw.push(c);
            } else if numeric && matches!(c, '.' | ',') && next_digit && !raw.contains('.') {
                raw.push('.');
            } else if !numeric && c.is_alphabetic() {
                raw.extend(c.to_lowercase());
            } else if !numeric && matches!(c, '\'' | '’' | '‘' | '`') && next_is_letter(chars, i)
            {
            } else {
                break;
            }
            i += 1;
        }
        let end = chars.get(i).map_or(text.len(), |(at, _)| *at);
        let number = if numeric { raw.parse().ok() } else { None };
        let raw = if numeric { raw } else { shorten_repeats(&raw) };
        let norm = if numeric {
            raw.clone()
        } else {
            self.norm(&raw)
        };
        let token = Token {
            norm,
            raw,
            number,
            fuzzy: None,
            start,
            end,
            clause: 0,
            sentence: 0,
            after_slash,
            spoken: false,
        };
        (i, token)
    }
}

/// "one eighty", "two twenty over one twenty", "a hundred and ten", "thirty nine": a whole
/// number said aloud becomes one number token (180, 220 and 120, 110, 39) when its last
/// word has been read (the sentence's tokens start at `from`). A time stays words: "until
/// one thirty", "one forty am".
fn join_spoken_number(text: &str, tokens: &mut Vec<Token>, from: usize) {
    let same_clause = |a: &Token, b: &Token| a.clause == b.clause;
    let (joined, value) = match &tokens[from..] {
        // "thirty nine", "one eighty five"
        [.., tens, unit]
            if same_clause(tens, unit)
                && said_value(tens).is_some_and(|v| v % 10 == 0 && v % 100 >= 20)
                && said_value(unit).is_some_and(|v| (1..=9).contains(&v)) =>
        {
            (
                2,
                said_value(tens).unwrap_or(0) + said_value(unit).unwrap_or(0),
            )
        }
        // "one hundred", "a hundred"
        [.., count, hundred] if hundred.raw == "hundred" && same_clause(count, hundred) => {
            let Some(n) = (count.raw == "a")
                .then_some(1)
                .or_else(|| said_value(count).filter(|v| (1..=9).contains(v)))
            else {
                return;
            };
            (2, n * 100)
        }
        // "one hundred and eighty", "a hundred ten"
        [.., hundreds, and, rest]
            if and.raw == "and" && is_hundreds(hundreds) && below_hundred(rest).is_some() =>
        {
            (
                3,
                said_value(hundreds).unwrap_or(0) + below_hundred(rest).unwrap_or(0),
            )
        }
        [.., hundreds, rest] if is_hundreds(hundreds) && below_hundred(rest).is_some() => (
            2,
            said_value(hundreds).unwrap_or(0) + below_hundred(rest).unwrap_or(0),
        ),
        // "one eighty", "two twenty", "one ten": the hundreds said as a digit.
        [.., digit, rest]
            if same_clause(digit, rest)
                && !digit.spoken
                && matches!(digit.raw.as_str(), "one" | "two" | "three")
                && below_hundred(rest).is_some_and(|v| v >= 10)
                && !rest.spoken
                && !is_time(text, tokens, digit, rest) =>
        {
            (
                2,
                said_value(digit).unwrap_or(0) * 100 + below_hundred(rest).unwrap_or(0),
            )
        }
        _ => return,
    };
    let end = tokens[tokens.len() - 1].end;
    tokens.truncate(tokens.len() - joined + 1);
    let first = tokens.last_mut().expect("the first word is kept");
    first.raw = value.to_string();
    first.norm = first.raw.clone();
    first.number = Some(f64::from(value));
    first.end = end;
    first.spoken = true;
}

/// The value of a number word ("zero" to "ninety") or of a number already joined from words.
fn said_value(token: &Token) -> Option<u32> {
    const WORDS: [(&str, u32); 28] = [
        ("zero", 0),
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("eleven", 11),
        ("twelve", 12),
        ("thirteen", 13),
        ("fourteen", 14),
        ("fifteen", 15),
        ("sixteen", 16),
        ("seventeen", 17),
        ("eighteen", 18),
        ("nineteen", 19),
        ("twenty", 20),
        ("thirty", 30),
        ("forty", 40),
        ("fifty", 50),
        ("sixty", 60),
        ("seventy", 70),
        ("eighty", 80),
        ("ninety", 90),
    ];
    if token.spoken {
        return token.number.map(|n| n as u32);
    }
    WORDS
        .iter()
        .find(|(word, _)| *word == token.raw)
        .map(|&(_, value)| value)
}

/// A whole number of hundreds said aloud ("one hundred").
fn is_hundreds(token: &Token) -> bool {
    token.spoken && said_value(token).is_some_and(|v| v > 0 && v % 100 == 0)
}

/// A value from 1 to 99 said aloud ("eighty", "thirty nine").
fn below_hundred(token: &Token) -> Option<u32> {
    said_value(token).filter(|v| (1..100).contains(v))
}

/// Whether "one thirty" is a time: after "until", "since", "by"…, or before "am", "pm",
/// "o'clock". ("bp one eighty at the clinic this morning" is a reading.)
fn is_time(text: &str, tokens: &[Token], hour: &Token, minutes: &Token) -> bool {
    const BEFORE: &[&str] = &["until", "till", "til", "since", "by", "from", "past"];
    const AFTER: &[&str] = &["am", "pm", "oclock", "o"];
    let before = tokens
        .len()
        .checked_sub(3)
        .and_then(|at| tokens.get(at))
        .is_some_and(|t| t.clause == hour.clause && BEFORE.contains(&t.raw.as_str()));
    let next: String = text[minutes.end..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '\'')
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    before || AFTER.contains(&next.as_str())
}

/// "seven point two", "6 dot 8" or "six and a half", as a value is said on the phone,
/// becomes one number token (7.2, 6.8, 6.5) when its last word has been read (the
/// sentence's tokens start at `from`).
fn join_spoken_decimal(tokens: &mut Vec<Token>, from: usize) {
    let (joined, whole, fraction) = match &tokens[from..] {
        [.., whole, point, digit]
            if matches!(point.raw.as_str(), "point" | "dot") && whole.clause == digit.clause =>
        {
            (3, whole, spoken_digit(digit).map(|d| d / 10.0))
        }
        [.., whole, and, a, half]
            if and.raw == "and"
                && a.raw == "a"
                && half.raw == "half"
                && whole.clause == half.clause =>
        {
            (4, whole, Some(0.5))
        }
        _ => return,
    };
    let (Some(whole_value), Some(fraction)) = (spoken_whole(whole), fraction) else {
        return;
    };
    let value = whole_value + fraction;
    let end = tokens[tokens.len() - 1].end;
    tokens.truncate(tokens.len() - joined + 1);
    let whole = tokens.last_mut().expect("the whole part is kept");
    whole.raw = value.to_string();
    whole.norm = whole.raw.clone();
    whole.number = Some(value);
    whole.end = end;
}

/// The whole part of a spoken value: digits without a point, or "zero" to "twenty".
fn spoken_whole(token: &Token) -> Option<f64> {
    if let Some(n) = token.number {
        return (!token.raw.contains('.')).then_some(n);
    }
    said_value(token).filter(|n| *n <= 20).map(f64::from)
}

/// One spoken digit after the point: "0" to "9", "zero"/"oh" to "nine".
fn spoken_digit(token: &Token) -> Option<f64> {
    if let Some(n) = token.number {
        return (token.raw.len() == 1).then_some(n);
    }
    match token.raw.as_str() {
        "oh" | "o" => Some(0.0),
        word => spoken_whole(token).filter(|n| *n < 10.0 && word != "ten"),
    }
}

fn next_is_letter(chars: &[(usize, char)], i: usize) -> bool {
    chars.get(i + 1).is_some_and(|(_, c)| c.is_alphabetic())
}

/// Lowercase, apostrophes dropped: how config words are compared with message words.
pub(crate) fn fold(word: &str) -> String {
    word.chars()
        .filter(|c| !matches!(c, '\'' | '’' | '‘' | '`'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// "sooooo" → "soo", "breeeathe" → "breeathe": letters repeated three or more times for
/// emphasis become two, which the misspelling tolerance then handles.
fn shorten_repeats(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut run = 0;
    let mut last = None;
    for c in word.chars() {
        if Some(c) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(c);
        }
        if run <= 2 {
            out.push(c);
        }
    }
    out
}

/// The quantity a word or number stands for in "for two days", "a week", "24 hrs".
pub(crate) fn quantity(token: &Token) -> Option<f64> {
    if let Some(n) = token.number {
        return Some(n);
    }
    let n = match token.raw.as_str() {
        "a" | "an" | "one" => 1.0,
        "two" | "couple" => 2.0,
        "three" | "few" | "several" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "fifteen" => 15.0,
        "eighteen" => 18.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fourty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "seventy" => 70.0,
        _ => return None,
    };
    Some(n)
}

/// Hours in one unit of time written as `word` ("hrs" → 1, "days" → 24).
pub(crate) fn unit_hours(word: &str) -> Option<(f64, bool)> {
    let (hours, plural) = match word {
        "h" | "hr" | "hour" => (1.0, false),
        "hrs" | "hours" | "hors" | "houres" => (1.0, true),
        "d" | "day" => (24.0, false),
        "days" | "dys" => (24.0, true),
        "night" => (12.0, false),
        "nights" => (12.0, true),
        "wk" | "week" => (168.0, false),
        "wks" | "weeks" => (168.0, true),
        "month" | "mth" | "mnth" => (720.0, false),
        "months" | "mths" | "mnths" => (720.0, true),
        "yr" | "year" => (8760.0, false),
        "yrs" | "years" => (8760.0, true),
        _ => return None,
    };
    Some((hours, plural))
}

/// Whether the first of these characters that is not a space is a digit: after a bracket
/// (`chars` forwards) or before it (backwards).
fn nearest_is_digit(mut chars: impl Iterator<Item = char>) -> bool {
    chars
        .find(|c| !c.is_whitespace())
        .is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normaliser() -> Normaliser {
        let mut language = Language::default();
        language
            .word_classes
            .insert("not".into(), vec!["hasn't".into(), "cant".into()]);
        Normaliser::new(&language)
    }

    #[test]
    fn words_numbers_clauses_and_sentences() {
        let n = normaliser();
        let t = n.tokens("He HASN'T peed, K+ 6,4 mmol/l. Fainted!!");
        let norms: Vec<&str> = t.tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(
            norms,
            ["he", "not", "peed", "k", "6.4", "mmol", "l", "faint"]
        );
        assert_eq!(t.tokens[4].number, Some(6.4));
        assert!(t.tokens[6].after_slash);
        assert_eq!(t.sentences, [0..7, 7..8]);
        assert_ne!(t.tokens[2].clause, t.tokens[3].clause);
        assert_eq!(t.show(3, 4), "K+ 6,4");
        // An emoji ends a clause.
        let t = n.tokens("pizza ok 🍕 also my chest is tight");
        assert_ne!(t.tokens[1].clause, t.tokens[2].clause);
        assert_eq!(t.sentences.len(), 1);
        let t = n.tokens("lips went blue 😂 from a slushie");
        assert_eq!(t.tokens[2].clause, t.tokens[3].clause);
    }

    #[test]
    fn a_value_in_brackets_stays_in_the_clause_of_what_it_measures() {
        let n = normaliser();
        let t = n.tokens("potassium was high (6.3) and legs weak (since monday)");
        let clause = |i: usize| t.tokens[i].clause;
        assert_eq!(clause(0), clause(3), "potassium and 6.3");
        assert_eq!(clause(3), clause(4), "6.3 and what follows the bracket");
        assert_ne!(
            clause(6),
            clause(7),
            "a bracket of words is a clause of its own"
        );
    }

    #[test]
    fn a_value_said_aloud_is_one_number() {
        let n = normaliser();
        for (text, value) in [
            ("they said my potassium was seven point two", 7.2),
            ("k is 6 point 8 now", 6.8),
            ("potassium six point oh", 6.0),
            ("my potassium is six dot eight", 6.8),
            ("they said my K was six and a half", 6.5),
        ] {
            let t = n.tokens(text);
            let numbers: Vec<f64> = t.tokens.iter().filter_map(|t| t.number).collect();
            assert_eq!(numbers, [value], "{text}");
        }
        let t = n.tokens("seven, point two of the leaflet");
        assert!(t.tokens.iter().all(|t| t.number.is_none()));
        let t = n.tokens("the point is two things");
        assert_eq!(t.tokens.len(), 5);
    }

    #[test]
    fn a_whole_number_said_aloud_is_one_number() {
        let n = normaliser();
        for (text, values) in [
            ("heart going about one eighty", &[180.0][..]),
            ("bp two twenty over one twenty", &[220.0, 120.0]),
            ("pressure was one hundred and ninety five", &[195.0]),
            ("a hundred and ten pulse", &[110.0]),
            ("temp thirty nine point five", &[39.5]),
            ("thirty-nine and shivering", &[39.0]),
            ("top number one sixty five", &[165.0]),
        ] {
            let t = n.tokens(text);
            let numbers: Vec<f64> = t.tokens.iter().filter_map(|t| t.number).collect();
            assert_eq!(numbers, values, "{text}");
        }
        for text in [
            "slept until one thirty",
            "woke at one forty am",
            "one thirty pm",
            "one or two glasses",
            "one, twenty",
            "I'm one of twenty patients",
        ] {
            let t = n.tokens(text);
            assert!(t.tokens.iter().all(|t| t.number.is_none()), "{text}");
        }
    }

    #[test]
    fn digits_and_letters_split_and_emphasis_shortens() {
        let n = normaliser();
        let t = n.tokens("0 urine in 24hrs, sooooo tired, 6.0mmol");
        let raws: Vec<&str> = t.tokens.iter().map(|t| t.raw.as_str()).collect();
        assert_eq!(
            raws,
            ["0", "urine", "in", "24", "hrs", "soo", "tired", "6.0", "mmol"]
        );
    }
}
