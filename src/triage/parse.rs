//! Reading `triage.toml` into a [`TriageConfig`], checking everything a maintainer can get
//! wrong, each problem with its file and line: unknown keys, bad levels, duplicate ids,
//! unknown concepts, empty lists, bad thresholds, and examples that do not fire their own
//! category (or near misses that do).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::config::{
    Category, Concept, ConceptKind, DurationSpec, LabSpec, Language, Messages, Rule, TriageConfig,
};
use super::phrases::{compile, Elem};
use super::text::Normaliser;
use super::{Level, Triage};

/// The longest duration counted by default: beyond two weeks a complaint is long-standing.
const DEFAULT_MAX_HOURS: f64 = 336.0;

/// One problem in the triage file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// The triage file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("cannot read triage file {}: {source}", file.display())]
    Unreadable {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{} problem(s) in triage file {}:\n{}", problems.len(), file.display(), list(file, problems))]
    Invalid {
        file: PathBuf,
        problems: Vec<Problem>,
    },
}

fn list(file: &Path, problems: &[Problem]) -> String {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("  {}:{}: {}", file.display(), p.line, p.message))
        .collect();
    lines.join("\n")
}

/// Reads and validates the triage file at `file`.
pub fn load(file: &Path) -> Result<TriageConfig, TriageError> {
    let text = std::fs::read_to_string(file).map_err(|source| TriageError::Unreadable {
        file: file.to_path_buf(),
        source,
    })?;
    parse(&text, file)
}

/// Parses and validates the text of a triage file; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<TriageConfig, TriageError> {
    parse_checked(text, file, true)
}

/// [`parse`], optionally without running the examples (to investigate failing ones).
pub(crate) fn parse_checked(
    text: &str,
    file: &Path,
    run_examples: bool,
) -> Result<TriageConfig, TriageError> {
    let invalid = |problems| TriageError::Invalid {
        file: file.to_path_buf(),
        problems,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        invalid(vec![Problem {
            line,
            message: e.message().trim().to_string(),
        }])
    })?;
    let mut check = Checker {
        text,
        problems: Vec::new(),
    };
    let config = check.config(raw);
    if check.problems.is_empty() && run_examples {
        if let Some((config, examples)) = &config {
            check.examples(config, examples);
        }
    }
    match config {
        Some((config, _)) if check.problems.is_empty() => Ok(config),
        _ => {
            check.problems.sort_by_key(|p| p.line);
            Err(invalid(check.problems))
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

type Strings = Spanned<Vec<Spanned<String>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    messages: RawMessages,
    language: Spanned<RawLanguage>,
    concept: Spanned<Vec<Spanned<RawConcept>>>,
    category: Spanned<Vec<Spanned<RawCategory>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessages {
    emergency: Spanned<String>,
    #[serde(rename = "same-day")]
    same_day: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    filler: Strings,
    clause_breaks: Strings,
    word_classes: Spanned<BTreeMap<String, Strings>>,
    #[serde(default)]
    exact_words: Option<Strings>,
    negation: Strings,
    #[serde(default)]
    negation_exceptions: Option<Strings>,
    negation_ends: Strings,
    past: Strings,
    #[serde(default)]
    resolved: Option<Strings>,
    present: Strings,
    hypothetical: Strings,
    #[serde(default)]
    hypothetical_exceptions: Option<Strings>,
    question_starts: Strings,
    #[serde(default)]
    pleas: Option<Strings>,
    personal: Strings,
    #[serde(default)]
    pointing_back: Option<Strings>,
    #[serde(default)]
    staff_actions: Option<Strings>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcept {
    id: Spanned<String>,
    kind: Spanned<ConceptKind>,
    /// Free text for maintainers; not used.
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    phrases: Option<Strings>,
    min_hours: Option<Spanned<f64>>,
    max_hours: Option<Spanned<f64>>,
    names: Option<Strings>,
    units: Option<Strings>,
    between: Option<Strings>,
    at_least: Option<Spanned<f64>>,
    at_most: Option<Spanned<f64>>,
    second_at_least: Option<Spanned<f64>>,
    plausible: Option<Spanned<Vec<f64>>>,
    bare_pair: Option<Spanned<bool>>,
    bare_decimal: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: Spanned<String>,
    level: Spanned<Level>,
    description: Spanned<String>,
    rules: Strings,
    examples: Strings,
    near_misses: Option<Strings>,
}

/// The examples and near misses of each category, with their lines.
type Examples = Vec<(Vec<(String, usize)>, Vec<(String, usize)>)>;

/// Collects problems while turning the raw file into a config.
struct Checker<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        line_of(self.text, span.start)
    }

    fn problem(&mut self, span: Range<usize>, message: impl fmt::Display) {
        let line = self.line(span);
        self.problems.push(Problem {
            line,
            message: message.to_string(),
        });
    }

    fn config(&mut self, raw: RawFile) -> Option<(TriageConfig, Examples)> {
        let messages = Messages {
            emergency: self.text_field(raw.messages.emergency, "messages.emergency"),
            same_day: self.text_field(raw.messages.same_day, "messages.same-day"),
        };
        let language = self.language(raw.language.into_inner());
        let normaliser = Normaliser::new(&language);
        let phrases = PhraseCheck {
            normaliser: &normaliser,
        };
        if raw.concept.get_ref().is_empty() {
            self.problem(raw.concept.span(), "no [[concept]]");
        }
        let mut concepts = Vec::new();
        let mut seen = HashMap::new();
        for concept in raw.concept.into_inner() {
            let span = concept.span();
            let concept = self.concept(concept.into_inner(), &phrases, span);
            if let Some(concept) = concept {
                if let Some(first) = seen.insert(concept.0.id.clone(), concept.1) {
                    let id = concept.0.id.clone();
                    self.problem(
                        concept.2,
                        format!("duplicate concept id `{id}` (first on line {first})"),
                    );
                }
                concepts.push(concept.0);
            }
        }
        if raw.category.get_ref().is_empty() {
            self.problem(raw.category.span(), "no [[category]]");
        }
        let mut categories = Vec::new();
        let mut examples = Vec::new();
        let mut seen = HashMap::new();
        for category in raw.category.into_inner() {
            let span = category.span();
            let (category, id_span, lists) = self.category(category.into_inner(), &concepts, span);
            if let Some(first) = seen.insert(category.id.clone(), self.line(id_span.clone())) {
                let id = category.id.clone();
                self.problem(
                    id_span,
                    format!("duplicate category id `{id}` (first on line {first})"),
                );
            }
            categories.push(category);
            examples.push(lists);
        }
        let config = TriageConfig {
            messages,
            language,
            concepts,
            categories,
        };
        Some((config, examples))
    }

    fn text_field(&mut self, value: Spanned<String>, name: &str) -> String {
        if value.get_ref().trim().is_empty() {
            self.problem(value.span(), format!("`{name}` is empty"));
        }
        value.into_inner()
    }

    /// A list of non-empty strings with their spans; when `required`, missing or empty
    /// lists are problems reported at `owner` or at the list.
    fn spanned(
        &mut self,
        list: Option<Strings>,
        name: &str,
        required: bool,
        owner: Range<usize>,
    ) -> Vec<(String, Range<usize>)> {
        let Some(list) = list else {
            if required {
                self.problem(owner, format!("{name} is missing"));
            }
            return Vec::new();
        };
        if required && list.get_ref().is_empty() {
            self.problem(list.span(), format!("{name} is empty"));
        }
        let mut out = Vec::new();
        for item in list.into_inner() {
            if item.get_ref().trim().is_empty() {
                self.problem(item.span(), format!("empty string in {name}"));
            }
            let span = item.span();
            out.push((item.into_inner(), span));
        }
        out
    }

    /// A list that must not be empty, of non-empty strings.
    fn strings(&mut self, list: Strings, name: &str) -> Vec<String> {
        let span = list.span();
        let name = format!("`{name}`");
        unspan(self.spanned(Some(list), &name, true, span))
    }

    fn optional_strings(&mut self, list: Option<Strings>, name: &str) -> Vec<String> {
        let name = format!("`{name}`");
        unspan(self.spanned(list, &name, false, 0..0))
    }

    /// An optional list of single words (they are compared word by word with the message).
    fn optional_words(&mut self, list: Option<Strings>, name: &str) -> Vec<String> {
        let name = format!("`{name}`");
        let words = self.spanned(list, &name, false, 0..0);
        for (word, span) in &words {
            if word.split_whitespace().count() > 1 {
                self.problem(
                    span.clone(),
                    format!("{name} must list single words: `{word}`"),
                );
            }
        }
        unspan(words)
    }

    fn language(&mut self, raw: RawLanguage) -> Language {
        let mut word_classes = BTreeMap::new();
        let classes_span = raw.word_classes.span();
        for (canonical, members) in raw.word_classes.into_inner() {
            if canonical.split_whitespace().count() != 1 {
                self.problem(
                    classes_span.clone(),
                    format!("word class `{canonical}` must be one word"),
                );
            }
            let name = format!("word_classes.{canonical}");
            let members_span = members.span();
            let members = self.strings(members, &name);
            if members.iter().any(|m| m.split_whitespace().count() != 1) {
                self.problem(
                    members_span,
                    format!("`{name}` lists more than one word in an entry"),
                );
            }
            word_classes.insert(canonical, members);
        }
        Language {
            filler: self.strings(raw.filler, "language.filler"),
            clause_breaks: self.strings(raw.clause_breaks, "language.clause_breaks"),
            word_classes,
            exact_words: self.optional_strings(raw.exact_words, "language.exact_words"),
            negation: self.strings(raw.negation, "language.negation"),
            negation_exceptions: self
                .optional_strings(raw.negation_exceptions, "language.negation_exceptions"),
            negation_ends: self.strings(raw.negation_ends, "language.negation_ends"),
            past: self.strings(raw.past, "language.past"),
            resolved: self.optional_strings(raw.resolved, "language.resolved"),
            present: self.strings(raw.present, "language.present"),
            hypothetical: self.strings(raw.hypothetical, "language.hypothetical"),
            hypothetical_exceptions: self.optional_strings(
                raw.hypothetical_exceptions,
                "language.hypothetical_exceptions",
            ),
            question_starts: self.strings(raw.question_starts, "language.question_starts"),
            pleas: self.optional_strings(raw.pleas, "language.pleas"),
            personal: self.strings(raw.personal, "language.personal"),
            pointing_back: self.optional_words(raw.pointing_back, "language.pointing_back"),
            staff_actions: self.optional_words(raw.staff_actions, "language.staff_actions"),
        }
    }

    /// A concept, the line of its id, and the span of its id.
    fn concept(
        &mut self,
        raw: RawConcept,
        phrases: &PhraseCheck,
        span: Range<usize>,
    ) -> Option<(Concept, usize, Range<usize>)> {
        let id_span = raw.id.span();
        let id = raw.id.into_inner();
        if !is_id(&id) {
            self.problem(
                id_span.clone(),
                format!("concept id `{id}`: use lowercase letters, digits and '-'"),
            );
        }
        let kind = *raw.kind.get_ref();
        let name = |field: &str| format!("concept `{id}`: `{field}`");
        let forbid = |this: &mut Self, present: Option<Range<usize>>, field: &str, kinds: &str| {
            if let Some(span) = present {
                this.problem(
                    span,
                    format!("{} only applies to kind = {kinds}", name(field)),
                );
            }
        };
        if kind != ConceptKind::Duration {
            forbid(
                self,
                raw.min_hours.as_ref().map(Spanned::span),
                "min_hours",
                "\"duration\"",
            );
            forbid(
                self,
                raw.max_hours.as_ref().map(Spanned::span),
                "max_hours",
                "\"duration\"",
            );
        }
        if kind != ConceptKind::Lab {
            for (field, present) in [
                ("names", raw.names.as_ref().map(Spanned::span)),
                ("units", raw.units.as_ref().map(Spanned::span)),
                ("between", raw.between.as_ref().map(Spanned::span)),
                ("at_least", raw.at_least.as_ref().map(Spanned::span)),
                ("at_most", raw.at_most.as_ref().map(Spanned::span)),
                (
                    "second_at_least",
                    raw.second_at_least.as_ref().map(Spanned::span),
                ),
                ("plausible", raw.plausible.as_ref().map(Spanned::span)),
                ("bare_pair", raw.bare_pair.as_ref().map(Spanned::span)),
                ("bare_decimal", raw.bare_decimal.as_ref().map(Spanned::span)),
            ] {
                forbid(self, present, field, "\"lab\"");
            }
        }
        let needs_phrases = matches!(
            kind,
            ConceptKind::Symptom | ConceptKind::Context | ConceptKind::Idiom
        );
        let list = self.spanned(raw.phrases, &name("phrases"), needs_phrases, span.clone());
        phrases.check_list(self, &list, &id);
        let duration = match kind {
            ConceptKind::Duration => {
                Some(self.duration(&id, raw.min_hours, raw.max_hours, span.clone()))
            }
            _ => None,
        };
        let lab = match kind {
            ConceptKind::Lab => {
                let lab = RawLab {
                    names: raw.names,
                    units: raw.units,
                    between: raw.between,
                    at_least: raw.at_least,
                    at_most: raw.at_most,
                    second_at_least: raw.second_at_least,
                    plausible: raw.plausible,
                    bare_pair: raw.bare_pair,
                    bare_decimal: raw.bare_decimal,
                };
                Some(self.lab(&id, lab, phrases, span.clone()))
            }
            _ => None,
        };
        let line = self.line(id_span.clone());
        let concept = Concept {
            id,
            kind,
            phrases: unspan(list),
            duration,
            lab,
        };
        Some((concept, line, id_span))
    }

    fn duration(
        &mut self,
        id: &str,
        min: Option<Spanned<f64>>,
        max: Option<Spanned<f64>>,
        span: Range<usize>,
    ) -> DurationSpec {
        let min_hours = match min {
            Some(min) if min.get_ref().is_finite() && *min.get_ref() > 0.0 => *min.get_ref(),
            Some(min) => {
                self.problem(
                    min.span(),
                    format!("concept `{id}`: `min_hours` must be above 0"),
                );
                1.0
            }
            None => {
                self.problem(span, format!("duration concept `{id}` has no `min_hours`"));
                1.0
            }
        };
        let max_hours = match max {
            Some(max) if *max.get_ref() >= min_hours => *max.get_ref(),
            Some(max) => {
                self.problem(
                    max.span(),
                    format!("concept `{id}`: `max_hours` is below `min_hours`"),
                );
                min_hours
            }
            None => DEFAULT_MAX_HOURS.max(min_hours),
        };
        DurationSpec {
            min_hours,
            max_hours,
        }
    }

    fn lab(&mut self, id: &str, raw: RawLab, phrases: &PhraseCheck, span: Range<usize>) -> LabSpec {
        let names = self.spanned(
            raw.names,
            &format!("lab concept `{id}`: `names`"),
            true,
            span.clone(),
        );
        phrases.check_list(self, &names, id);
        let number = |this: &mut Self, field: &str, v: Option<Spanned<f64>>| match v {
            Some(v) if v.get_ref().is_finite() => Some(*v.get_ref()),
            Some(v) => {
                this.problem(
                    v.span(),
                    format!("concept `{id}`: `{field}` must be a number"),
                );
                None
            }
            None => None,
        };
        let at_least = number(self, "at_least", raw.at_least);
        let at_most = number(self, "at_most", raw.at_most);
        if at_least.is_some() == at_most.is_some() {
            self.problem(
                span.clone(),
                format!("lab concept `{id}` needs one of `at_least` and `at_most`"),
            );
        }
        let threshold = at_least.or(at_most);
        let plausible = match raw.plausible {
            Some(p) => match p.get_ref()[..] {
                [low, high]
                    if low < high && threshold.is_none_or(|a| (low..=high).contains(&a)) =>
                {
                    [low, high]
                }
                _ => {
                    self.problem(
                        p.span(),
                        format!("concept `{id}`: `plausible` must be [low, high] with low < high and the threshold between"),
                    );
                    [f64::MIN, f64::MAX]
                }
            },
            None => {
                self.problem(
                    span,
                    format!("lab concept `{id}` has no `plausible` = [low, high]"),
                );
                [f64::MIN, f64::MAX]
            }
        };
        LabSpec {
            names: unspan(names),
            units: self.optional_strings(raw.units, &format!("concept `{id}`: `units`")),
            between: self.optional_strings(raw.between, &format!("concept `{id}`: `between`")),
            at_least: at_least.unwrap_or(f64::MAX),
            at_most,
            second_at_least: raw.second_at_least.map(|v| *v.get_ref()),
            plausible,
            bare_pair: raw.bare_pair.is_some_and(|b| *b.get_ref()),
            bare_decimal: raw.bare_decimal.is_some_and(|b| *b.get_ref()),
        }
    }

    /// A category, the span of its id, and its examples and near misses with their lines.
    #[allow(clippy::type_complexity)]
    fn category(
        &mut self,
        raw: RawCategory,
        concepts: &[Concept],
        span: Range<usize>,
    ) -> (
        Category,
        Range<usize>,
        (Vec<(String, usize)>, Vec<(String, usize)>),
    ) {
        let id_span = raw.id.span();
        let id = raw.id.into_inner();
        if !is_id(&id) {
            self.problem(
                id_span.clone(),
                format!("category id `{id}`: use lowercase letters, digits and '-'"),
            );
        }
        let description =
            self.text_field(raw.description, &format!("category `{id}`: description"));
        let kind_of = |cid: &str| concepts.iter().find(|c| c.id == cid).map(|c| c.kind);
        if raw.rules.get_ref().is_empty() {
            self.problem(
                raw.rules.span(),
                format!("category `{id}`: `rules` is empty"),
            );
        }
        let mut rules = Vec::new();
        for text in raw.rules.into_inner() {
            let span = text.span();
            let text = text.into_inner();
            let Some(rule) = Rule::parse(&text) else {
                self.problem(span, format!("category `{id}`: rule \"{text}\" has an empty part (write \"a + b & c + not d\"; `&` joins a concept to the first, not a `not`)"));
                continue;
            };
            for part in rule.parts() {
                if kind_of(part).is_none() {
                    self.problem(
                        span.clone(),
                        format!("category `{id}`: unknown concept `{part}` in rule \"{text}\""),
                    );
                }
            }
            if let Some(part) = rule
                .concepts
                .iter()
                .chain(&rule.together)
                .find(|p| kind_of(p) == Some(ConceptKind::Idiom))
            {
                self.problem(
                    span.clone(),
                    format!(
                        "category `{id}`: idiom `{part}` in rule \"{text}\" can only follow `not`"
                    ),
                );
            }
            let first = rule.concepts.first().and_then(|p| kind_of(p));
            if matches!(first, Some(ConceptKind::Context | ConceptKind::Duration)) {
                self.problem(
                    span,
                    format!("category `{id}`: rule \"{text}\" must start with a symptom or lab concept (the complaint)"),
                );
            }
            rules.push(rule);
        }
        let examples = self.lines(Some(raw.examples), &id, "examples", true);
        let near_misses = self.lines(raw.near_misses, &id, "near_misses", false);
        let _ = span;
        let category = Category {
            id,
            level: *raw.level.get_ref(),
            description,
            rules,
            examples: examples.iter().map(|(e, _)| e.clone()).collect(),
            near_misses: near_misses.iter().map(|(e, _)| e.clone()).collect(),
        };
        (category, id_span, (examples, near_misses))
    }

    fn lines(
        &mut self,
        list: Option<Strings>,
        id: &str,
        field: &str,
        required: bool,
    ) -> Vec<(String, usize)> {
        let name = format!("category `{id}`: `{field}`");
        let list = self.spanned(list, &name, required, 0..0);
        list.into_iter()
            .map(|(text, span)| (text, self.line(span)))
            .collect()
    }

    /// Every example fires its own category; no near miss does.
    fn examples(&mut self, config: &TriageConfig, examples: &Examples) {
        let triage = Triage::new(config);
        for (category, (fire, quiet)) in config.categories.iter().zip(examples) {
            let fired = |text: &str| {
                triage
                    .assess(text)
                    .is_some_and(|a| a.fired.iter().any(|f| f.category == category.id))
            };
            for (example, line) in fire {
                if !fired(example) {
                    self.problems.push(Problem {
                        line: *line,
                        message: format!(
                            "category `{}`: example does not fire it: \"{example}\"",
                            category.id
                        ),
                    });
                }
            }
            for (near_miss, line) in quiet {
                if fired(near_miss) {
                    self.problems.push(Problem {
                        line: *line,
                        message: format!(
                            "category `{}`: near miss fires it: \"{near_miss}\"",
                            category.id
                        ),
                    });
                }
            }
        }
    }
}

struct RawLab {
    names: Option<Strings>,
    units: Option<Strings>,
    between: Option<Strings>,
    at_least: Option<Spanned<f64>>,
    at_most: Option<Spanned<f64>>,
    second_at_least: Option<Spanned<f64>>,
    plausible: Option<Spanned<Vec<f64>>>,
    bare_pair: Option<Spanned<bool>>,
    bare_decimal: Option<Spanned<bool>>,
}

/// Checks phrases: each has a word; `#` only as `#`, `#year` or `#many`; none twice.
struct PhraseCheck<'a> {
    normaliser: &'a Normaliser,
}

impl PhraseCheck<'_> {
    fn check_list(&self, checker: &mut Checker, list: &[(String, Range<usize>)], id: &str) {
        let mut seen = HashSet::new();
        for (phrase, span) in list {
            let bad_hash = phrase.split_whitespace().any(|p| {
                (p.starts_with('#') && p != "#" && p != "#year" && p != "#many") || p == "="
            });
            let elems = compile(self.normaliser, phrase);
            let ellipsis_at_edge = matches!(elems.first(), Some(Elem::Ellipsis))
                || matches!(elems.last(), Some(Elem::Ellipsis));
            let problem = if bad_hash {
                Some("uses `#` other than as `#` (a number) or `#year` or `#many`, or a lone `=`")
            } else if ellipsis_at_edge {
                Some("starts or ends with `...` (it only goes between words)")
            } else if elems.is_empty() {
                Some("has no word")
            } else if !seen.insert(format!("{elems:?}")) {
                Some("is listed twice (after normalising)")
            } else {
                None
            };
            if let Some(problem) = problem {
                checker.problem(
                    span.clone(),
                    format!("concept `{id}`: phrase \"{phrase}\" {problem}"),
                );
            }
        }
    }
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn unspan(list: Vec<(String, Range<usize>)>) -> Vec<String> {
    list.into_iter().map(|(s, _)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid file; tests break one line of it at a time.
    const MINI: &str = r#"[messages]
emergency = "Call now."
same-day = "Call your team today."

[language]
filler = ["my", "the"]
clause_breaks = ["but"]
negation = ["no"]
negation_ends = ["but"]
past = ["last year"]
present = ["now"]
hypothetical = ["if"]
question_starts = ["is"]
personal = ["i", "my"]

[language.word_classes]
not = ["no", "cant"]

[[concept]]
id = "chest-pain"
kind = "symptom"
phrases = ["chest pain", "tight chest"]

[[concept]]
id = "potassium-high"
kind = "lab"
names = ["potassium", "k"]
at_least = 6.0
plausible = [2.0, 10.0]

[[category]]
id = "chest-pain"
level = "emergency"
description = "Chest pain now."
rules = ["chest-pain"]
examples = ["crushing chest pain"]
near_misses = ["no chest pain"]

[[category]]
id = "high-potassium"
level = "same-day"
description = "Potassium at or above 6."
rules = ["potassium-high"]
examples = ["K 6.4"]
"#;

    fn errors(text: &str) -> Vec<String> {
        match parse(text, Path::new("triage.toml")) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .to_string()
                .lines()
                .skip(1)
                .map(|l| l.trim().to_string())
                .collect(),
        }
    }

    fn with(from: &str, to: &str) -> String {
        assert!(MINI.contains(from), "{from}");
        MINI.replacen(from, to, 1)
    }

    #[test]
    fn the_mini_file_is_valid_and_round_trips() {
        let config = parse(MINI, Path::new("triage.toml")).unwrap();
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""level":"same-day""#), "{json}");
        assert_eq!(serde_json::from_str::<TriageConfig>(&json).unwrap(), config);
    }

    #[test]
    fn every_problem_names_the_file_and_line() {
        let cases = [
            (with("kind = \"symptom\"", "kind = \"symptom\"\ncolour = \"red\""), "triage.toml:22: unknown field `colour`"),
            (with("level = \"same-day\"", "level = \"urgent\""), "triage.toml:41: unknown variant `urgent`"),
            (with("id = \"potassium-high\"", "id = \"chest-pain\""), "triage.toml:25: duplicate concept id `chest-pain` (first on line 20)"),
            (with("rules = [\"chest-pain\"]", "rules = [\"chest-pain + fever\"]"), "triage.toml:35: category `chest-pain`: unknown concept `fever` in rule \"chest-pain + fever\""),
            (with("[\"chest pain\", \"tight chest\"]", "[]"), "triage.toml:22: concept `chest-pain`: `phrases` is empty"),
            (with("plausible = [2.0, 10.0]", "plausible = [8.0, 10.0]"), "triage.toml:29: concept `potassium-high`: `plausible` must be [low, high] with low < high and the threshold between"),
            (with("id = \"high-potassium\"", "id = \"chest-pain\""), "triage.toml:40: duplicate category id `chest-pain` (first on line 32)"),
            (with("at_least = 6.0\n", ""), "triage.toml:24: lab concept `potassium-high` needs one of `at_least` and `at_most`"),
            (with("kind = \"symptom\"", "kind = \"symptom\"\nat_least = 3"), "triage.toml:22: concept `chest-pain`: `at_least` only applies to kind = \"lab\""),
            (with("emergency = \"Call now.\"", "emergency = \"Call now.\"\nemergency = \"x\""), "triage.toml:3: duplicate key"),
            (with("personal = [\"i\", \"my\"]", "personal = [\"i\", \"my\"]\nstaff_actions = [\"put in\"]"), "triage.toml:15: `language.staff_actions` must list single words: `put in`"),
        ];
        for (text, expected) in cases {
            let errors = errors(&text);
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "expected {expected:?} in {errors:#?}"
            );
        }
    }

    #[test]
    fn an_idiom_can_only_follow_not() {
        let idiom = "[[concept]]\nid = \"pain-joke\"\nkind = \"idiom\"\nphrases = [\"chest pain joke\"]\n\n[[category]]\nid = \"chest-pain\"";
        let text = with("[[category]]\nid = \"chest-pain\"", idiom);
        assert_eq!(errors(&text), Vec::<String>::new());
        let text = text.replace(
            "rules = [\"chest-pain\"]",
            "rules = [\"chest-pain + pain-joke\"]",
        );
        let errors = errors(&text);
        assert!(
            errors.iter().any(|e| e.contains(
                "idiom `pain-joke` in rule \"chest-pain + pain-joke\" can only follow `not`"
            )),
            "{errors:#?}"
        );
    }

    #[test]
    fn examples_must_fire_and_near_misses_must_not() {
        let text = with(
            "examples = [\"K 6.4\"]",
            "examples = [\"K 6.4\", \"K 5.1\"]",
        );
        assert_eq!(
            errors(&text),
            ["triage.toml:44: category `high-potassium`: example does not fire it: \"K 5.1\""]
        );
        let text = with(
            "near_misses = [\"no chest pain\"]",
            "near_misses = [\"chest pain\"]",
        );
        assert_eq!(
            errors(&text),
            ["triage.toml:37: category `chest-pain`: near miss fires it: \"chest pain\""]
        );
    }
}
