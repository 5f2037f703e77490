//! The validated contents of `triage.toml`: messages, language lists, concepts, categories.
//! Plain data that serialises into the index manifest; [`crate::triage::parse`] builds it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Level;

/// Everything the triage needs, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageConfig {
    /// The safety message sent for each level.
    pub messages: Messages,
    pub language: Language,
    pub concepts: Vec<Concept>,
    pub categories: Vec<Category>,
}

/// The safety message per level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Messages {
    pub emergency: String,
    #[serde(rename = "same-day")]
    pub same_day: String,
}

/// The words the detector treats specially; each list is a list of phrases.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Language {
    /// Words that may stand between the words of a phrase ("pain in *my* chest").
    pub filler: Vec<String>,
    /// Words that start a new clause, like a comma ("but", "however").
    pub clause_breaks: Vec<String>,
    /// Canonical word → the words written for it ("not" ← "hasnt", "didnt", "cant").
    pub word_classes: BTreeMap<String, Vec<String>>,
    /// Real words that must not be read as a misspelling of a concept word.
    pub exact_words: Vec<String>,
    /// Cues that negate the concept that follows ("no", "denies", "without").
    pub negation: Vec<String>,
    /// Phrases holding a negation cue that negate nothing ("no longer", "not sure").
    pub negation_exceptions: Vec<String>,
    /// Words that end a negation's reach ("but", "and", "now").
    pub negation_ends: Vec<String>,
    /// Markers of the past ("last year", "years ago", "used to").
    pub past: Vec<String>,
    /// It happened and it is over ("back to normal now", "fully recovered"): a complaint
    /// before one of these in its sentence is past, unless now is spoken of after it.
    #[serde(default)]
    pub resolved: Vec<String>,
    /// Markers of now ("now", "since", "today"); the nearest marker wins.
    pub present: Vec<String>,
    /// Cues of a hypothetical or general question ("if", "signs of", "in case").
    pub hypothetical: Vec<String>,
    /// Phrases holding a hypothetical cue that are not hypothetical ("not sure if").
    pub hypothetical_exceptions: Vec<String>,
    /// First words of a general question ("is", "can", "what").
    pub question_starts: Vec<String>,
    /// Openings that ask what to do about what is happening ("what to do", "how to stop"):
    /// a sentence that opens with one is no general question ("what to do chest pain").
    #[serde(default)]
    pub pleas: Vec<String>,
    /// Words saying the message is about a real person ("i", "my", "he", "dad").
    pub personal: Vec<String>,
    /// Words pointing back to what was just said ("it", "this"): a sentence with one and a
    /// marker of now, after a general question, makes that question about now.
    pub pointing_back: Vec<String>,
    /// What "they" do when "they" are the care team ("do they put the antibiotics in the
    /// bags?"): a general question naming nobody else stays general.
    #[serde(default)]
    pub staff_actions: Vec<String>,
}

/// What a concept stands for, which decides how it is found and which filters apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConceptKind {
    /// A complaint; dropped when negated, past or hypothetical.
    Symptom,
    /// A fact about the person ("transplant", "catheter"); dropped only when negated.
    Context,
    /// A length of time: fixed phrases plus "<number> <unit>" within the bounds.
    Duration,
    /// A lab value compared with a threshold, or a lab named with a qualifier.
    Lab,
    /// Another reading of a complaint's own words ("can't breathe a word", "grow out of
    /// it", "didn't respond to steroids"). Used only after `not` in a rule, where it stops
    /// just the complaint hit it overlaps, not the rest of the sentence: "couldn't breathe
    /// for laughing earlier, now I really can't breathe" still fires. Never filtered.
    Idiom,
}

/// One concept: a thing patients say in many ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    pub id: String,
    pub kind: ConceptKind,
    /// Phrases that express the concept (for a lab: qualifiers such as "dangerously high").
    pub phrases: Vec<String>,
    pub duration: Option<DurationSpec>,
    pub lab: Option<LabSpec>,
}

/// Bounds of a duration concept, in hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationSpec {
    pub min_hours: f64,
    pub max_hours: f64,
}

/// A lab test and its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabSpec {
    /// Names of the test ("potassium", "k", "k+").
    pub names: Vec<String>,
    /// Units that may follow the value ("mmol/l", "meq/l").
    pub units: Vec<String>,
    /// Words that may stand between the name and the value ("is", "level", "came back at").
    pub between: Vec<String>,
    /// The value fires at or above this.
    pub at_least: f64,
    /// Or, for a value dangerous when low (blood sugar), at or below this.
    pub at_most: Option<f64>,
    /// For a pair of values such as blood pressure ("190/125"): the second fires at or above.
    pub second_at_least: Option<f64>,
    /// Values outside this range are not results of this test ("potassium 3500 mg").
    pub plausible: [f64; 2],
    /// Whether a bare pair of numbers ("210/130") is read as this test.
    pub bare_pair: bool,
    /// Whether a number with one decimal standing alone ("38.7 and a horrible ache", "I'm
    /// 38.5", "she has 38.4 temperature") is read as this test: at the start of its clause,
    /// after a word such as "I'm" or "running", or before the test's own name, and not
    /// followed by a unit of another measure.
    pub bare_decimal: bool,
}

/// One triage category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub level: Level,
    pub description: String,
    /// Alternatives: the category fires when any rule is met.
    pub rules: Vec<Rule>,
    /// Messages that must fire this category.
    pub examples: Vec<String>,
    /// Messages that must not fire this category.
    pub near_misses: Vec<String>,
}

/// One rule, written `"fever + catheter + not vaccine"` in the file; `&` instead of `+`
/// asks for the concept in the same sentence as the first ("infection-signs & access-site").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Concepts that must all be present; the first is the complaint itself.
    pub concepts: Vec<String>,
    /// Concepts that must be present in the same sentence as the first concept.
    #[serde(default)]
    pub together: Vec<String>,
    /// Concepts that stop the rule when present in the same sentence as the first concept.
    pub unless: Vec<String>,
}

impl Rule {
    /// Reads `"a + b & c + not d"`; `None` when a part is empty or a `not` follows `&`.
    pub fn parse(text: &str) -> Option<Rule> {
        let mut rule = Rule {
            concepts: Vec::new(),
            together: Vec::new(),
            unless: Vec::new(),
        };
        let mut joined_by = '+';
        let mut rest = text;
        loop {
            let end = rest.find(['+', '&']).unwrap_or(rest.len());
            let part = rest[..end].trim();
            match (part.strip_prefix("not "), joined_by) {
                _ if part.is_empty() || part == "not" => return None,
                (Some(_), '&') => return None,
                (Some(id), _) if !id.trim().is_empty() => rule.unless.push(id.trim().to_string()),
                (_, '&') if !rule.concepts.is_empty() => rule.together.push(part.to_string()),
                (_, '&') => return None,
                _ => rule.concepts.push(part.to_string()),
            }
            let Some(op) = rest[end..].chars().next() else {
                break;
            };
            joined_by = op;
            rest = &rest[end + 1..];
        }
        (!rule.concepts.is_empty()).then_some(rule)
    }

    /// Every concept the rule names.
    pub fn parts(&self) -> impl Iterator<Item = &String> {
        self.concepts
            .iter()
            .chain(&self.together)
            .chain(&self.unless)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.concepts.join(" + ");
        for part in &self.together {
            text.push_str(&format!(" & {part}"));
        }
        for part in &self.unless {
            text.push_str(&format!(" + not {part}"));
        }
        f.write_str(&text)
    }
}

impl TriageConfig {
    /// The concept with this id.
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.id == id)
    }

    /// The safety message for a level.
    pub fn message(&self, level: Level) -> &str {
        match level {
            Level::Emergency => &self.messages.emergency,
            Level::SameDay => &self.messages.same_day,
        }
    }
}
