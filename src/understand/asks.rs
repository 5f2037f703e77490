//! What kind of answer a question asks for (a number, and which kind; an amount to take; a
//! choice between named options), and whether a text states one.

use super::roles::{INTERROGATIVES, LEADING};
use crate::analyze::{is_common_word, is_stop_word, words};

/// The kind of number a question asks for, which decides what answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// A length of time: "how long", "how many years". "A few weeks" answers it.
    Duration,
    /// A value, a count or a limit: "what level", "how much", "is there an age limit".
    /// Only a figure answers it.
    Value,
    /// A share or a rate: "what percentage", "the 5 year survival rate". Only a percentage
    /// or a proportion ("1 in 3", "half") answers it.
    Share,
    /// How often: "how often", "how frequently". Only a rate ("every 3 months", "twice a
    /// week", "daily") answers it.
    Frequency,
}

impl Number {
    /// Whether a text states this kind of number. A value needs a figure: digits
    /// ("6.5", "below 10") or a number in words ("two", "half"), not the "1" of "type 1
    /// diabetes". A length of time may also be rough: "within a year", "days to weeks".
    pub fn is_stated_in(self, text: &str) -> bool {
        static FIGURE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|half|quarter|dozen|once|twice)\b",
            )
            .expect("a valid pattern")
        });
        static NAMED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?i)\btype\s+[12]\b").expect("a valid pattern")
        });
        static TIME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\b(?:hours|days|weeks|months|years)\b|\b(?:an?|one|per)\s+(?:hour|day|week|month|year)\b",
            )
            .expect("a valid pattern")
        });
        static SHARE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\d\s*%|\bper\s?cent\b|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine)\s+(?:in|out\s+of)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|hundred)\b|\b(?:half|third|thirds|quarter|quarters)\b",
            )
            .expect("a valid pattern")
        });
        // "There is often no strict upper age limit" answers "is there an age limit?".
        static NO_LIMIT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?i)\bno\s+(?:[a-z]+\s+){0,3}(?:limit|cut-?off)\b")
                .expect("a valid pattern")
        });
        static RATE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\b(?:every|once|twice|daily|weekly|fortnightly|monthly|yearly|annually|nightly|hourly)\b|\btimes?\s+(?:a|per|each)\b|\b(?:a|per|each)\s+(?:day|night|week|month|year)\b|\b(?:per|each)\s+session\b",
            )
            .expect("a valid pattern")
        });
        let figure = || FIGURE.is_match(&NAMED.replace_all(text, "type"));
        match self {
            Number::Frequency => RATE.is_match(text),
            Number::Share => SHARE.is_match(text),
            Number::Duration => figure() || TIME.is_match(text),
            Number::Value => figure() || NO_LIMIT.is_match(text),
        }
    }
}

/// Whether a text states an amount of something to take: a number with a unit ("500 mg",
/// "2 tablets", "1.5 litres").
pub fn states_amount(text: &str) -> bool {
    static AMOUNT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|g|grams?|milligrams?|micrograms?|iu|units?|tablets?|capsules?|pills?|puffs?|ml|millilitres?|milliliters?|litres?|liters?)\b",
        )
        .expect("a valid pattern")
    });
    AMOUNT.is_match(text)
}

/// Whether a sentence asks for an amount to take: "dose", "dosage", "how many/much ... take",
/// "how should/do/to ... take it/them". Not a dose named as changing ("the dose keeps
/// changing", "after the dose goes up") or as a kind of treatment ("high-dose vitamin C"),
/// nor a length of time ("how many hours does it take to recover").
pub(super) fn asks_amount(ws: &[String]) -> bool {
    const DOSE: &[&str] = &["dose", "doses", "dosage", "dosages", "dosing"];
    // After a dose: it is said to change.
    const CHANGES: &[&str] = &[
        "keeps",
        "keep",
        "goes",
        "went",
        "gone",
        "was",
        "were",
        "has",
        "had",
        "changed",
        "changes",
        "changing",
        "increased",
        "reduced",
        "lowered",
        "raised",
    ];
    // After a dose: when it is taken, not how much ("should my 8am dose wait until the blood
    // is taken").
    const WHEN: &[&str] = &["wait", "waits", "timing"];
    const TIME: &[&str] = &[
        "hrs", "hr", "hours", "hour", "mins", "minutes", "days", "day", "weeks", "week", "months",
        "month", "years", "year", "time",
    ];
    const IT: &[&str] = &["it", "them", "this", "these", "those"];
    const UNITS: &[&str] = &[
        "mg",
        "mgs",
        "mcg",
        "milligrams",
        "micrograms",
        "grams",
        "units",
        "iu",
        "ml",
        "mls",
        "tablets",
        "pills",
        "capsules",
        "puffs",
        "drops",
    ];
    let at = |i: usize| ws.get(i).map_or("", String::as_str);
    let asks_dose = ws.iter().enumerate().any(|(i, w)| {
        let before = if i == 0 { "" } else { at(i - 1) };
        let after = at(i + 1);
        // "high-dose vitamin C" names a treatment; "a high dose of it", "high dose?" ask.
        let a_kind = matches!(before, "high" | "low") && !matches!(after, "" | "of" | "for");
        DOSE.contains(&w.as_str()) && !CHANGES.contains(&after) && !WHEN.contains(&after) && !a_kind
    });
    if asks_dose {
        return true;
    }
    ws.iter().enumerate().any(|(i, w)| {
        let window = &ws[i + 1..(i + 9).min(ws.len())];
        let Some(next) = window.first() else {
            return false;
        };
        let takes = |w: &String| w == "take" || w == "give";
        // "how many hours does it take": how long something lasts, not what to take.
        let lasts = TIME.contains(&at(i + 2))
            && window
                .iter()
                .position(takes)
                .is_some_and(|t| window[..t].iter().any(|w| w == "it"));
        w == "how"
            && match next.as_str() {
                // "how many mg per kg should he have": an amount by its unit.
                "many" | "much" => {
                    (!lasts && window.iter().any(takes)) || UNITS.contains(&at(i + 2))
                }
                "should" | "do" | "to" | "often" => window
                    .windows(2)
                    .any(|p| takes(&p[0]) && IT.contains(&p[1].as_str())),
                _ => false,
            }
    })
}

/// Whether a message gives a size ("7mm", "2.8 cm") and asks what it means for passing or
/// removing the thing measured ("will it pass by itself or need surgery?"): only a size
/// stated in the passage places it.
pub(super) fn judges_size(text: &str, question: &[String]) -> bool {
    static SIZE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b\d+(?:\.\d+)?\s?(?:mm|cm|millimet\w*|centimet\w*)\b")
            .expect("a valid pattern")
    });
    const JUDGED: &[&str] = &[
        "pass",
        "big",
        "bigger",
        "large",
        "surgery",
        "operation",
        "lithotripsy",
        "removed",
    ];
    SIZE.is_match(text) && question.iter().any(|w| JUDGED.contains(&w.as_str()))
}

/// What kind of number a sentence asks for (`value_given`: a subject line gives the value
/// it asks about, "Urine ACR 42 mg/mmol. Is that normal?"), read clause by clause up to its first question:
/// in "What tests will I need, how long is the recovery, ...?" the tests are asked first, and
/// the recovery time is a side question.
pub(super) fn first_clause_asks_number(sentence: &str, value_given: bool) -> Option<Number> {
    for clause in sentence.split(',') {
        let ws = words(clause);
        if let Some(kind) = asks_number(&ws, value_given) {
            return Some(kind);
        }
        let first = ws.iter().find(|w| !LEADING.contains(&w.as_str()));
        if first.is_some_and(|w| INTERROGATIVES.contains(&w.as_str())) && ws.len() >= 3 {
            return None;
        }
    }
    None
}

/// What kind of number a question asks for, if any: a length of time ("how long", "how
/// many years"), or a value, a count or a limit ("how much", "what level / target / number /
/// age ...", "what should my HbA1c be", a target, limit or cut-off), or the class a value
/// falls in ("which category / stage", read off the cut-offs).
pub(super) fn asks_number(ws: &[String], value_given: bool) -> Option<Number> {
    const MEASURE: &[&str] = &[
        "level", "levels", "number", "numbers", "target", "range", "value", "reading", "dose",
        "age", "stage", "category", "grade", "band", "average",
    ];
    // What a normal figure is given as ("normal uric acid level"), not a stage of care.
    const RANGE: &[&str] = &[
        "level", "levels", "range", "ranges", "value", "values", "reading", "readings",
    ];
    const LIMIT: &[&str] = &[
        "target", "targets", "cutoff", "limit", "limits", "minimum", "maximum",
    ];
    const TIME: &[&str] = &[
        "hours", "days", "weeks", "months", "years", "sessions", "times",
    ];
    // The bands a value is placed in: only the cut-offs say which.
    const GRADES: &[&str] = &[
        "high",
        "low",
        "normal",
        "mild",
        "mildly",
        "moderate",
        "moderately",
        "severe",
        "severely",
        "borderline",
        "increased",
        "raised",
        "elevated",
    ];
    // What a band is called after its grade: "the severe one", "the mild range".
    const BAND_NOUNS: &[&str] = &["one", "range", "category", "level", "stage", "kind", "type"];
    let at = |i: usize| ws.get(i).map_or("", String::as_str);
    // A band named on either side of "or", over a "one" or "range" after it and a "the"
    // before it: "moderately increased one or the severe one".
    let grade_before = |i: usize| {
        let b = i.wrapping_sub(1);
        GRADES.contains(&at(b))
            || (BAND_NOUNS.contains(&at(b)) && GRADES.contains(&at(b.wrapping_sub(1))))
    };
    let grade_after = |i: usize| {
        let a = i + 1 + usize::from(matches!(at(i + 1), "the" | "a" | "an"));
        GRADES.contains(&at(a))
    };
    let asks = |i: usize, w: &str| match w {
        // "what percentage", "the actual percentage"; not "is that a percentage?".
        "percentage" | "percent"
            if i.checked_sub(1).is_some_and(|b| {
                matches!(
                    at(b),
                    "what" | "which" | "the" | "actual" | "exact" | "many"
                )
            }) =>
        {
            Some(Number::Share)
        }
        // "the 5 year survival", "survival rate", "success rate".
        "survival"
            if matches!(at(i + 1), "rate" | "rates")
                || i.checked_sub(1)
                    .is_some_and(|b| matches!(at(b), "year" | "years")) =>
        {
            Some(Number::Share)
        }
        "success" if matches!(at(i + 1), "rate" | "rates") => Some(Number::Share),
        "how" if matches!(at(i + 1), "often" | "frequently") => Some(Number::Frequency),
        "how" if matches!(at(i + 1), "long" | "soon" | "quickly" | "fast") => {
            Some(Number::Duration)
        }
        // "should my blood pressure be normal by now?": how long it takes.
        "by" if at(i + 1) == "now" => Some(Number::Duration),
        "how" if matches!(at(i + 1), "many" | "much") => {
            Some(if (i + 2..i + 4).any(|j| TIME.contains(&at(j))) {
                Number::Duration
            } else {
                Number::Value
            })
        }
        "what" | "whats" | "which" => {
            ((i + 1..(i + 4).min(ws.len())).any(|j| MEASURE.contains(&at(j)))
            // "what should my potassium be", "what should it be now", not "what
            // should I be looking out for"
            || (at(i + 1) == "should"
                && (i + 3..(i + 6).min(ws.len()))
                    .any(|j| at(j) == "be" && ends_target(at(j + 1)))))
            .then_some(Number::Value)
        }
        "cut" if at(i + 1) == "off" => Some(Number::Value),
        // "normal uric acid level?", "the normal range": only a figure says it. Not a
        // level to be reached ("raise my hemoglobin to normal levels").
        "normal"
            if (i + 1..(i + 4).min(ws.len())).any(|j| RANGE.contains(&at(j)))
                && !i
                    .checked_sub(1)
                    .is_some_and(|b| matches!(at(b), "to" | "back")) =>
        {
            Some(Number::Value)
        }
        // "my magnesium is 0.6, is that low": where a value falls needs the range. Not
        // whether a change is bad ("went from 110 to 140, is that bad") or anything is ok,
        // nor whether a state is normal ("3 years on dialysis, is it normal to feel tired").
        "is" | "are" | "isnt"
            if matches!(at(i + 1), "that" | "it" | "this" | "these" | "those")
                && GRADES.contains(&at(i + 2))
                && (matches!(at(i + 3), "" | "for" | "or") || GRADES.contains(&at(i + 3)))
                && (value_given
                    || ws[..i]
                        .iter()
                        .any(|w| w.chars().any(|c| c.is_ascii_digit()))) =>
        {
            Some(Number::Value)
        }
        // "ACR 45 mg/g - normal or moderately increased??", "the moderately increased one
        // or the severe one": which band a value falls in.
        "or" if grade_before(i)
            && grade_after(i)
            && (value_given || ws.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()))) =>
        {
            Some(Number::Value)
        }
        // "at what ferritin do they stop the iron", "at what eGFR": a threshold.
        "at" if matches!(at(i + 1), "what" | "which") && at(i + 2) != "time" => Some(Number::Value),
        "aim" if at(i + 1) == "for" => Some(Number::Value),
        "on" if at(i + 1) == "average" => Some(Number::Value),
        // "does soup count towards my fluid limit": what the limit holds, not its size.
        w if LIMIT.contains(&w)
            && !(i.saturating_sub(3)..i)
                .any(|b| matches!(at(b), "towards" | "toward" | "against")) =>
        {
            Some(Number::Value)
        }
        _ => None,
    };
    ws.iter().enumerate().find_map(|(i, w)| asks(i, w))
}

/// Whether a question asks to choose between two named options: a comparison ("better",
/// "safer", "vs") or "which", and two names joined by "or" or "vs" ("sevelamer or
/// lanthanum"). Everyday words ("pd or hd", "tablets or injections") are no names: the
/// articles compare such options themselves.
pub(super) fn asks_choice(ws: &[String]) -> bool {
    const COMPARING: &[&str] = &[
        "which",
        "better",
        "best",
        "safer",
        "safest",
        "stronger",
        "worse",
        "preferable",
        "vs",
        "versus",
    ];
    let name = |w: &str| {
        w.chars().count() >= 4
            && w.chars().all(char::is_alphabetic)
            && !is_stop_word(w)
            && !is_common_word(w)
    };
    ws.iter().any(|w| COMPARING.contains(&w.as_str()))
        && ws
            .windows(3)
            .any(|t| matches!(t[1].as_str(), "or" | "vs" | "versus") && name(&t[0]) && name(&t[2]))
}

/// Whether a text compares options: "better than", "both work as well", "neither", "the
/// same as"; not "both act on the same hormone system".
pub fn compares(text: &str) -> bool {
    static COMPARISON: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:than|better|best|worse|worst|compared|comparison|similar|similarly|same\s+(?:as|way|effect|results?)|equally|neither|whereas)\b",
        )
        .expect("a valid pattern")
    });
    COMPARISON.is_match(text)
}

/// Whether the word after "what should my X be" ends the question or starts a condition
/// ("... be?", "... be now that I have diabetes"), as it does when a value is asked for.
fn ends_target(next: &str) -> bool {
    matches!(
        next,
        "" | "now" | "for" | "at" | "if" | "when" | "after" | "before" | "with" | "on" | "in"
    )
}
