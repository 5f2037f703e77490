//! The compiled triage: finds concept hits in a message, drops the negated, past and
//! hypothetical ones, and fires the categories whose rules the remaining hits meet.

use std::collections::HashSet;

use super::config::{ConceptKind, DurationSpec, LabSpec, TriageConfig};
use super::phrases::{compile, compile_with, Match, PhraseSet, Vocabulary};
use super::text::{fold, quantity, unit_hours, Normaliser, Token, Tokens};
use super::{Assessment, Fired, Level};

/// The owners of cue phrases in [`Triage::cues`].
const NEGATION: usize = 0;
const NEGATION_EXCEPTION: usize = 1;
const PAST: usize = 2;
const PRESENT: usize = 3;
const HYPOTHETICAL: usize = 4;
const HYPOTHETICAL_EXCEPTION: usize = 5;
const RESOLVED: usize = 6;
const PLEA: usize = 7;

/// How far a negation reaches: words between the cue and the concept, and of those how many
/// may be other than filler words ("no *real* chest pain", "denies *any* fever").
const NEGATION_REACH: usize = 6;
const NEGATION_REACH_WORDS: usize = 3;
/// How far into the next sentence a word saying it is over may stand: "Then back to
/// normal.", "All good since."
const NEXT_OPENING: usize = 2;
/// How many words a lab qualifier may stand from the lab's name ("potassium *came back*
/// dangerously high").
const QUALIFIER_REACH: usize = 5;
/// How far after "it" a marker of now may stand to make it about now ("had it for 30 mins now").
const NOW_REACH: usize = 6;
/// The most words of a first sentence read as a subject line ("Peritonitis.", "Chest pain.").
const SUBJECT_LINE_TOKENS: usize = 3;
/// How many words may stand between a lab's name and its value ("potassium from this
/// morning's blood test is 6.9"), each of them one the lab allows or filler.
const VALUE_REACH: usize = 6;
/// Words that, right after an opening "can" or "could", show a statement whose subject was
/// left out ("can barely breathe") rather than a question ("is just feeling lightheaded
/// normal?" is one).
const SUBJECT_DROPPED: &[&str] = &["barely", "hardly", "scarcely", "only", "just", "still"];

/// The triage rules compiled for fast matching; built once per index.
#[derive(Debug)]
pub struct Triage {
    config: TriageConfig,
    normaliser: Normaliser,
    vocabulary: Vocabulary,
    fillers: HashSet<String>,
    negation_ends: HashSet<String>,
    question_starts: HashSet<String>,
    personal: HashSet<String>,
    pointing_back: HashSet<String>,
    staff_actions: HashSet<String>,
    cues: PhraseSet,
    /// Phrases of symptoms, contexts, durations, and lab qualifiers; owner = concept index.
    concepts: PhraseSet,
    /// Names of labs; owner = concept index.
    lab_names: PhraseSet,
    /// Per concept: words allowed between a lab's name and its value.
    lab_between: Vec<HashSet<String>>,
    /// Per category, its rules, as concept indexes.
    categories: Vec<Vec<CompiledRule>>,
}

/// A rule with its concepts as concept indexes.
#[derive(Debug)]
struct CompiledRule {
    concepts: Vec<usize>,
    together: Vec<usize>,
    unless: Vec<usize>,
}

impl std::fmt::Debug for Normaliser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Normaliser")
    }
}

/// One place in the message where a concept was found.
#[derive(Debug, Clone, Copy)]
struct Hit {
    concept: usize,
    first: usize,
    last: usize,
    /// The tokens that time markers are measured from (a lab's value, not its name).
    focus: (usize, usize),
    /// For a lab value: the value and the threshold it met.
    value: Option<(f64, f64)>,
}

/// A plausible value of a lab in the message, whether or not it meets the threshold.
struct LabValue {
    hit: Hit,
    met: bool,
}

impl LabValue {
    /// A value of `concept` read from token `first` on, the number(s) at `focus`, as
    /// `meets` judged it: (the value shown, its threshold, whether it is met).
    fn new(
        concept: usize,
        first: usize,
        focus: (usize, usize),
        (shown, threshold, met): (f64, f64, bool),
    ) -> LabValue {
        LabValue {
            hit: Hit {
                concept,
                first,
                last: focus.1,
                focus,
                value: Some((shown, threshold)),
            },
            met,
        }
    }
}

/// The cue phrases found in one message, exceptions removed.
struct Cues {
    negation: Vec<Match>,
    past: Vec<Match>,
    resolved: Vec<Match>,
    present: Vec<Match>,
    hypothetical: Vec<Match>,
    pleas: Vec<Match>,
}

impl Triage {
    /// Compiles a validated config.
    pub fn new(config: &TriageConfig) -> Triage {
        let language = &config.language;
        let normaliser = Normaliser::new(language);
        let norms = |words: &[String]| -> HashSet<String> {
            words.iter().flat_map(|w| normaliser.phrase(w)).collect()
        };
        let raws =
            |words: &[String]| -> HashSet<String> { words.iter().map(|w| fold(w)).collect() };
        let fillers = norms(&language.filler);
        let mut cues = PhraseSet::default();
        let cue_lists = [
            (NEGATION, &language.negation),
            (NEGATION_EXCEPTION, &language.negation_exceptions),
            (PAST, &language.past),
            (PRESENT, &language.present),
            (HYPOTHETICAL, &language.hypothetical),
            (HYPOTHETICAL_EXCEPTION, &language.hypothetical_exceptions),
            (RESOLVED, &language.resolved),
            (PLEA, &language.pleas),
        ];
        for (owner, list) in cue_lists {
            for phrase in list {
                cues.add(compile(&normaliser, phrase), owner);
            }
        }
        let mut concepts = PhraseSet::default();
        let mut lab_names = PhraseSet::default();
        let mut lab_between = Vec::new();
        for (index, concept) in config.concepts.iter().enumerate() {
            for phrase in &concept.phrases {
                concepts.add(compile_with(&normaliser, phrase, &fillers), index);
            }
            let mut between = HashSet::new();
            if let Some(lab) = &concept.lab {
                for name in &lab.names {
                    lab_names.add(compile(&normaliser, name), index);
                }
                between = norms(&lab.between);
                between.extend(lab.units.iter().flat_map(|u| normaliser.phrase(u)));
            }
            lab_between.push(between);
        }
        let index_of = |id: &String| config.concepts.iter().position(|c| &c.id == id);
        let indexes = |ids: &[String]| ids.iter().filter_map(index_of).collect::<Vec<_>>();
        let categories = config
            .categories
            .iter()
            .map(|category| {
                category
                    .rules
                    .iter()
                    .map(|rule| CompiledRule {
                        concepts: indexes(&rule.concepts),
                        together: indexes(&rule.together),
                        unless: indexes(&rule.unless),
                    })
                    .filter(|rule| !rule.concepts.is_empty())
                    .collect()
            })
            .collect();
        let words = concepts.words().chain(lab_names.words());
        let vocabulary = Vocabulary::new(words, raws(&language.exact_words));
        Triage {
            fillers,
            negation_ends: norms(&language.negation_ends),
            question_starts: raws(&language.question_starts),
            personal: raws(&language.personal),
            pointing_back: raws(&language.pointing_back),
            staff_actions: raws(&language.staff_actions),
            config: config.clone(),
            normaliser,
            vocabulary,
            cues,
            concepts,
            lab_names,
            lab_between,
            categories,
        }
    }

    /// The config this triage was built from.
    pub fn config(&self) -> &TriageConfig {
        &self.config
    }

    /// The safety message for a level.
    pub fn message(&self, level: Level) -> &str {
        self.config.message(level)
    }

    /// The categories a message fires, or `None` when it raises none.
    pub fn assess(&self, text: &str) -> Option<Assessment> {
        let mut tokens = self.normaliser.tokens(text);
        for token in tokens.tokens.iter_mut().filter(|t| t.number.is_none()) {
            token.fuzzy = self.vocabulary.misspelt(&token.norm, &token.raw);
        }
        let cues = self.cues(&tokens);
        let values = self.lab_values(&tokens);
        let mut hits = self.phrase_hits(&tokens, &values);
        hits.extend(values.into_iter().filter(|v| v.met).map(|v| v.hit));
        hits.extend(self.duration_hits(&tokens));
        let found = hits.clone();
        hits.retain(|hit| self.holds(hit, &found, &tokens, &cues));

        let mut fired: Vec<Fired> = Vec::new();
        for (category, rules) in self.config.categories.iter().zip(&self.categories) {
            let why = rules
                .iter()
                .find_map(|rule| self.rule_met(rule, &hits, &tokens));
            if let Some(why) = why {
                fired.push(Fired {
                    category: category.id.clone(),
                    level: category.level,
                    why,
                });
            }
        }
        fired.sort_by_key(|f| std::cmp::Reverse(f.level));
        let level = fired.first()?.level;
        Some(Assessment { level, fired })
    }

    fn cues(&self, tokens: &Tokens) -> Cues {
        let all = self.cues.find(tokens, &self.fillers);
        let of = |owner| all.iter().filter(move |m| m.owner == owner).copied();
        let outside = |owner, exception| {
            of(owner)
                .filter(|m| !of(exception).any(|e| e.first <= m.first && m.last <= e.last))
                .collect::<Vec<_>>()
        };
        let past: Vec<Match> = of(PAST).collect();
        let negation = outside(NEGATION, NEGATION_EXCEPTION);
        let toks = &tokens.tokens;
        // "not back to normal", "hasn't settled down": negated, nothing is over.
        let resolved: Vec<Match> = of(RESOLVED)
            .filter(|r| {
                !negation.iter().any(|n| {
                    n.last < r.first
                        && r.first - n.last <= 2
                        && toks[n.last].clause == toks[r.first].clause
                })
            })
            .collect();
        Cues {
            negation,
            hypothetical: outside(HYPOTHETICAL, HYPOTHETICAL_EXCEPTION),
            // "since" inside "since last year" is part of a past marker, "now" inside "back
            // to normal now" part of a resolved one.
            present: of(PRESENT)
                .filter(|m| {
                    !past
                        .iter()
                        .chain(&resolved)
                        .any(|p| p.first <= m.first && m.last <= p.last)
                })
                .collect(),
            pleas: of(PLEA).collect(),
            past,
            resolved,
        }
    }

    /// Hits of the concepts' phrases. A lab qualifier ("dangerously high") counts only near
    /// the lab's name, and only when no value of that lab is given in the sentence.
    fn phrase_hits(&self, tokens: &Tokens, values: &[LabValue]) -> Vec<Hit> {
        let names = self.lab_names.find(tokens, &self.fillers);
        let sentence = |at: usize| tokens.tokens[at].sentence;
        let mut hits = Vec::new();
        for m in self.concepts.find(tokens, &self.fillers) {
            if self.config.concepts[m.owner].kind != ConceptKind::Lab {
                hits.push(Hit {
                    concept: m.owner,
                    first: m.first,
                    last: m.last,
                    focus: (m.first, m.last),
                    value: None,
                });
                continue;
            }
            let valued = values
                .iter()
                .any(|v| v.hit.concept == m.owner && sentence(v.hit.first) == sentence(m.first));
            let name = names.iter().find(|n| {
                n.owner == m.owner
                    && sentence(n.first) == sentence(m.first)
                    && distance((n.first, n.last), (m.first, m.last)) <= QUALIFIER_REACH
            });
            if let (Some(name), false) = (name, valued) {
                hits.push(Hit {
                    concept: m.owner,
                    first: name.first.min(m.first),
                    last: name.last.max(m.last),
                    focus: (m.first, m.last),
                    value: None,
                });
            }
        }
        hits
    }

    /// Every plausible lab value: a name, a few allowed words, then numbers; or a bare pair
    /// of numbers for a lab that allows it.
    fn lab_values(&self, tokens: &Tokens) -> Vec<LabValue> {
        let toks = &tokens.tokens;
        let mut values = Vec::new();
        for name in self.lab_names.find(tokens, &self.fillers) {
            let Some(lab) = &self.config.concepts[name.owner].lab else {
                continue;
            };
            let between = &self.lab_between[name.owner];
            let mut skipped = 0;
            let mut at = name.last + 1;
            while at < toks.len() && toks[at].clause == toks[name.last].clause {
                if let Some(value) = toks[at].number {
                    let (second, end) = second_value(tokens, at);
                    if let Some(judged) = meets(lab, value, second) {
                        values.push(LabValue::new(name.owner, name.first, (at, end), judged));
                    }
                    at = end + 1;
                    continue;
                }
                let norm = &toks[at].norm;
                skipped += 1;
                if !(between.contains(norm) || self.fillers.contains(norm)) || skipped > VALUE_REACH
                {
                    break;
                }
                at += 1;
            }
        }
        for (concept, spec) in self.config.concepts.iter().enumerate() {
            let Some(lab) = spec.lab.as_ref().filter(|l| l.bare_pair) else {
                continue;
            };
            for (at, token) in toks.iter().enumerate() {
                let (Some(value), (Some(second), end)) = (token.number, second_value(tokens, at))
                else {
                    continue;
                };
                if let Some(judged @ (_, _, true)) = meets(lab, value, Some(second)) {
                    values.push(LabValue::new(concept, at, (at, end), judged));
                }
            }
        }
        self.bare_decimals(tokens, &mut values);
        values
    }

    /// Values of `bare_decimal` labs: a number with one decimal and no name ("38.7 and a
    /// horrible ache in my side", "I'm 38.5"), not one a named test already read.
    fn bare_decimals(&self, tokens: &Tokens, values: &mut Vec<LabValue>) {
        // What a value said of a person may follow ("I'm 38.5", "he's running 38.2").
        const BARE_AFTER: &[&str] = &[
            "im", "i", "am", "hes", "shes", "he", "she", "is", "was", "running", "got", "and",
            "now", "still", "been", "reading", "of",
        ];
        // Units of other measures: "38.5 kg", "6.5 mmol".
        const OTHER_UNITS: &[&str] = &[
            "kg", "kilo", "kilos", "kgs", "lb", "lbs", "pounds", "stone", "mmol", "mg", "ml", "l",
            "g", "umol", "mm", "cm", "dl", "ng", "km", "miles", "percent", "hours", "hrs", "hr",
            "mins", "minutes", "years", "yrs", "weeks", "days", "litres", "liters",
        ];
        const OTHER_TESTS: &[&str] = &[
            "egfr",
            "gfr",
            "creatinine",
            "creat",
            "albumin",
            "weight",
            "bmi",
            "hb",
            "haemoglobin",
            "hemoglobin",
            "urea",
            "acr",
            "pcr",
            "phosphate",
            "phosphorus",
            "calcium",
            "sodium",
            "potassium",
            "k",
            "glucose",
            "sugar",
            "sugars",
            "hba1c",
            "a1c",
            "cholesterol",
            "ferritin",
            "crp",
            "bun",
            "uric",
            "ph",
            "bicarb",
            "bicarbonate",
            "pth",
            "magnesium",
            "vitamin",
            "level",
        ];
        let toks = &tokens.tokens;
        let read: Vec<usize> = values.iter().map(|v| v.hit.focus.0).collect();
        let names = self.lab_names.find(tokens, &self.fillers);
        for (concept, spec) in self.config.concepts.iter().enumerate() {
            let Some(lab) = spec.lab.as_ref().filter(|l| l.bare_decimal) else {
                continue;
            };
            for (at, token) in toks.iter().enumerate() {
                let Some(value) = token.number else { continue };
                let one_decimal = token
                    .raw
                    .split_once('.')
                    .is_some_and(|(_, decimals)| decimals.len() == 1);
                if !one_decimal || token.after_slash || read.contains(&at) {
                    continue;
                }
                let opens = at == 0 || toks[at - 1].clause != token.clause;
                let after = at.checked_sub(1).map(|b| &toks[b]).is_some_and(|b| {
                    b.clause == token.clause && BARE_AFTER.contains(&b.raw.as_str())
                });
                // "egfr was 38.5", "albumin is 38.5": a value of another test.
                let named = (at.saturating_sub(3)..at).any(|b| {
                    toks[b].clause == token.clause && OTHER_TESTS.contains(&toks[b].raw.as_str())
                });
                let other_unit = toks.get(at + 1).is_some_and(|n| {
                    n.clause == token.clause && OTHER_UNITS.contains(&n.raw.as_str())
                });
                // "she has 38.4 temperature": the value before the test's own name.
                let name_follows = names.iter().any(|n| {
                    n.owner == concept && n.first == at + 1 && toks[n.first].clause == token.clause
                });
                if !(opens || after || name_follows) || other_unit || named {
                    continue;
                }
                if let Some(judged) = meets(lab, value, None) {
                    values.push(LabValue::new(concept, at, (at, at), judged));
                }
            }
        }
    }

    /// Durations: the concept's fixed phrases, plus "<quantity> <unit>" within its bounds.
    fn duration_hits(&self, tokens: &Tokens) -> Vec<Hit> {
        let toks = &tokens.tokens;
        let mut hits = Vec::new();
        for (concept, spec) in self.config.concepts.iter().enumerate() {
            let Some(DurationSpec {
                min_hours,
                max_hours,
            }) = &spec.duration
            else {
                continue;
            };
            for at in 0..toks.len() {
                let Some((hours, first)) = hours_at(tokens, at) else {
                    continue;
                };
                if (*min_hours..=*max_hours).contains(&hours)
                    && toks[first].clause == toks[at].clause
                {
                    hits.push(Hit {
                        concept,
                        first,
                        last: at,
                        focus: (first, at),
                        value: None,
                    });
                }
            }
        }
        hits
    }

    /// Whether a hit stands after negation, time and hypothetical cues are considered.
    fn holds(&self, hit: &Hit, found: &[Hit], tokens: &Tokens, cues: &Cues) -> bool {
        match self.config.concepts[hit.concept].kind {
            ConceptKind::Duration | ConceptKind::Idiom => true,
            ConceptKind::Context => !self.negated(hit, found, tokens, cues),
            ConceptKind::Lab if hit.value.is_some() => {
                !self.past(hit, found, tokens, cues) && !self.hypothetical(hit, tokens, cues)
            }
            ConceptKind::Lab | ConceptKind::Symptom => {
                !self.negated(hit, found, tokens, cues)
                    && !self.past(hit, found, tokens, cues)
                    && !self.hypothetical(hit, tokens, cues)
                    && !self.subject_of_dropped(hit, found, tokens, cues)
            }
        }
    }

    /// A subject line that only names the complaint, when the message then asks about the
    /// same complaint in a way that does not hold ("Stroke. Can kidney disease cause a
    /// stroke?"): the subject line is that question's topic, not a complaint of its own.
    fn subject_of_dropped(&self, hit: &Hit, found: &[Hit], tokens: &Tokens, cues: &Cues) -> bool {
        let toks = &tokens.tokens;
        let sentence = toks[hit.first].sentence;
        let is_subject_line = sentence == 0
            && tokens.sentences.len() > 1
            && tokens.sentences[0].len() <= SUBJECT_LINE_TOKENS;
        is_subject_line
            && found.iter().any(|other| {
                other.concept == hit.concept
                    && toks[other.first].sentence > sentence
                    && !self.holds(other, found, tokens, cues)
            })
    }

    /// A negation cue shortly before the hit, in its clause, with no "but"/"and" between. A
    /// cue inside another concept's phrase belongs to that phrase ("can't" in "can't keep my
    /// tacrolimus down", "no" in "no thrill in my fistula") unless the two phrases overlap
    /// ("no breathing problems": "no breathing" against "breathing problems").
    fn negated(&self, hit: &Hit, found: &[Hit], tokens: &Tokens, cues: &Cues) -> bool {
        let toks = &tokens.tokens;
        // A complaint said as a negation is one of a list of them ("not moving not answering
        // me"): the "not" before it does not cancel it.
        if toks[hit.first].norm == "not" {
            return false;
        }
        cues.negation.iter().any(|cue| {
            if cue.last >= hit.first || toks[cue.last].clause != toks[hit.first].clause {
                return false;
            }
            let consumed = found.iter().any(|h| {
                h.first <= cue.first
                    && cue.last <= h.last
                    && (hit.last <= h.last || h.last < hit.first)
            });
            if consumed {
                return false;
            }
            let between = &toks[cue.last + 1..hit.first];
            let words = between
                .iter()
                .filter(|t| !self.fillers.contains(&t.norm))
                .count();
            between.len() <= NEGATION_REACH
                && words <= NEGATION_REACH_WORDS
                && !between.iter().any(|t| self.negation_ends.contains(&t.norm))
        })
    }

    /// The time marker nearest the hit in its clause is one of the past, or the next words
    /// say it is over.
    fn past(&self, hit: &Hit, found: &[Hit], tokens: &Tokens, cues: &Cues) -> bool {
        let clause = tokens.tokens[hit.focus.0].clause;
        // "asking for my mum who passed years ago": the time of somebody else's story.
        let about_somebody = |m: &Match| {
            (hit.focus.1 + 1..m.first)
                .any(|at| matches!(tokens.tokens[at].raw.as_str(), "who" | "whom" | "whose"))
        };
        let nearest = |markers: &[Match]| {
            markers
                .iter()
                .filter(|m| tokens.tokens[m.first].clause == clause && !about_somebody(m))
                .map(|m| distance((m.first, m.last), hit.focus))
                .min()
        };
        let in_clause = match (nearest(&cues.past), nearest(&cues.present)) {
            (Some(past), Some(present)) => past < present,
            (Some(_), None) => true,
            _ => false,
        };
        in_clause || self.resolved_after(hit, found, tokens, cues)
    }

    /// Right after the hit, in its clause or the next two, or at the very start of the next
    /// sentence ("... didn't know us. Then back to normal."), it is said to be over ("my
    /// speech was slurred, back to normal now"), with no other complaint in between
    /// ("crushing chest pain, the headache went away") and nothing after the hit speaking
    /// of now ("...went away but it's back today"). A fact about the person in between is
    /// no complaint: "cloudy bags and everything, cleared up with antibiotics".
    fn resolved_after(&self, hit: &Hit, found: &[Hit], tokens: &Tokens, cues: &Cues) -> bool {
        let toks = &tokens.tokens;
        let (sentence, clause) = (toks[hit.first].sentence, toks[hit.first].clause);
        let opens_next = |m: &Match| {
            tokens
                .sentences
                .get(sentence + 1)
                .is_some_and(|next| m.first >= next.start && m.first <= next.start + NEXT_OPENING)
        };
        let in_next = |m: &Match| toks[m.first].sentence == sentence + 1;
        let later = |m: &Match| toks[m.first].sentence == sentence && m.first > hit.last;
        let complaint = |h: &Hit| {
            matches!(
                self.config.concepts[h.concept].kind,
                ConceptKind::Symptom | ConceptKind::Lab
            )
        };
        let over = cues.resolved.iter().find(|m| {
            ((later(m) && toks[m.first].clause <= clause + 2) || opens_next(m))
                && !found
                    .iter()
                    .any(|h| complaint(h) && h.first > hit.last && h.first < m.first)
        });
        over.is_some_and(|m| {
            !cues
                .present
                .iter()
                .any(|p| later(p) || (opens_next(m) && in_next(p)))
        })
    }

    /// A hypothetical cue before the hit in its clause ("what if", "signs of") with no time
    /// of now in the clause ("if I have chest pain right now" is real), or a general question
    /// ("is chest pain dangerous?", but not a plea: "what to do chest pain") with nobody in it
    /// but a "they" who treats ("do they put the antibiotics in the bags?") and nothing
    /// happening now;
    /// unless the next sentence or a later clause of its own points back to it, now ("I've
    /// had it for 30 mins now").
    fn hypothetical(&self, hit: &Hit, tokens: &Tokens, cues: &Cues) -> bool {
        let toks = &tokens.tokens;
        let clause = toks[hit.first].clause;
        let present_in = |pred: &dyn Fn(usize) -> bool| cues.present.iter().any(|m| pred(m.first));
        // A word pointing back to the complaint, with a marker of now after it.
        let now_pointed = |mut ats: std::ops::Range<usize>, keep: &dyn Fn(usize) -> bool| {
            ats.any(|at| {
                keep(at)
                    && self.pointing_back.contains(&toks[at].raw)
                    && self.now_after(at, tokens, cues)
            })
        };
        // "is it normal to get crushing chest pain? I've had it 30 mins now": a next sentence
        // that points back to it and speaks of now makes the question about the asker.
        // Not when that sentence says all is well: "It's clear at the moment".
        let continued_now = tokens
            .sentences
            .get(toks[hit.first].sentence + 1)
            .is_some_and(|next| {
                !cues.resolved.iter().any(|m| next.contains(&m.first))
                    && now_pointed(next.clone(), &|_| true)
            });
        // "is it normal to get a crushing pressure ..., it's been going 30 minutes now": so
        // does a later clause of the same sentence.
        let said_now_after =
            tokens
                .sentences
                .get(toks[hit.first].sentence)
                .is_some_and(|sentence| {
                    now_pointed(hit.last + 1..sentence.end, &|at| toks[at].clause != clause)
                });
        if continued_now || said_now_after {
            return false;
        }
        // A time of now in the clause makes the condition real ("if I have chest pain right
        // now", "since yesterday if I lie down I can't breathe"); a marker that tells how
        // things go does not ("the nurses keep saying to call if the bag is cloudy", "if my
        // fistula starts bleeding").
        // The cue reaches on over a list that continues its clause: "ring 999 if you have
        // chest pain, bad breathlessness, fits, or your fistula stops working". Not over a
        // clause that says who: "if I lie down, I can't breathe".
        // A dream keeps its own time ("dreamt last night that my chest was being crushed")
        // unless the dreamer wakes before the complaint: "had a nightmare and woke up with
        // crushing chest pain", "woke from a bad dream with chest pain" are real.
        let dreamt =
            |cue: &Match| (cue.first..=cue.last).any(|at| DREAMS.contains(&toks[at].raw.as_str()));
        let sentence_start = tokens
            .sentences
            .get(toks[hit.first].sentence)
            .map_or(0, |s| s.start);
        let woke = (sentence_start..hit.first).any(|at| WAKING.contains(&toks[at].raw.as_str()));
        let cued = cues.hypothetical.iter().any(|cue| {
            let from = toks[cue.first].clause;
            let dream = dreamt(cue);
            cue.first <= hit.first
                && toks[cue.first].sentence == toks[hit.first].sentence
                && (from + 1..=clause).all(|c| is_list_item(toks, c))
                && !(dream && woke)
                && (dream
                    || !present_in(&|at| {
                        (from..=clause).contains(&toks[at].clause)
                            && !CONDITIONAL_PRESENT.contains(&toks[at].raw.as_str())
                    }))
        });
        if cued {
            return true;
        }
        let Some(sentence) = tokens.sentences.get(toks[hit.first].sentence) else {
            return false;
        };
        // "what to do chest pain" asks for help now, not in general.
        let pleads = cues.pleas.iter().any(|m| m.first == sentence.start);
        // "can barely breathe", "can only say 3 words": a statement with its subject left
        // out, not a question in general.
        let subject_dropped = matches!(toks[sentence.start].raw.as_str(), "can" | "could")
            && toks
                .get(sentence.start + 1)
                .is_some_and(|t| SUBJECT_DROPPED.contains(&t.raw.as_str()));
        let starts_question =
            self.question_starts.contains(&toks[sentence.start].raw) && !pleads && !subject_dropped;
        // "do they put the antibiotics in the bags?": "they" are the care team, nobody ill.
        let staff = |at: usize| {
            toks[at].raw == "they"
                && toks
                    .get(at + 1)
                    .is_some_and(|next| self.staff_actions.contains(&next.raw))
        };
        starts_question
            && !sentence
                .clone()
                .any(|at| self.personal.contains(&toks[at].raw) && !staff(at))
            && !present_in(&|at| sentence.contains(&at))
    }

    /// A marker of now shortly after `at` in its clause ("had it 30 mins now"), other than a
    /// "now" that opens a new thought ("had it and now I'm scared").
    fn now_after(&self, at: usize, tokens: &Tokens, cues: &Cues) -> bool {
        let toks = &tokens.tokens;
        cues.present.iter().any(|m| {
            let opens_thought = m.first == m.last
                && toks[m.first].raw == "now"
                && toks
                    .get(m.last + 1)
                    .is_some_and(|t| self.personal.contains(&t.raw));
            m.first > at
                && m.first - at <= NOW_REACH
                && toks[m.first].clause == toks[at].clause
                && !opens_thought
        })
    }

    /// Why a rule is met, if it is: its first concept's hit (not in a sentence with an
    /// unless-concept, nor overlapped by an unless-idiom) plus a hit of each other concept,
    /// anywhere or, for a `&` concept, in the same sentence; the nearest preferred.
    fn rule_met(&self, rule: &CompiledRule, hits: &[Hit], tokens: &Tokens) -> Option<String> {
        let (primary, others) = rule.concepts.split_first()?;
        let sentence = |h: &Hit| tokens.tokens[h.first].sentence;
        let stops = |u: &Hit, h: &Hit| match self.config.concepts[u.concept].kind {
            ConceptKind::Idiom => u.first <= h.last && h.first <= u.last,
            _ => sentence(u) == sentence(h),
        };
        hits.iter()
            .filter(|h| h.concept == *primary)
            .filter(|h| {
                !hits
                    .iter()
                    .any(|u| rule.unless.contains(&u.concept) && stops(u, h))
            })
            .find_map(|h| {
                let mut parts = vec![self.describe(h, tokens)];
                let wanted = others
                    .iter()
                    .map(|c| (c, false))
                    .chain(rule.together.iter().map(|c| (c, true)));
                for (other, together) in wanted {
                    let nearest = hits
                        .iter()
                        .filter(|o| {
                            o.concept == *other && (!together || sentence(o) == sentence(h))
                        })
                        .min_by_key(|o| distance((o.first, o.last), (h.first, h.last)))?;
                    parts.push(self.describe(nearest, tokens));
                }
                Some(parts.join(" + "))
            })
    }

    fn describe(&self, hit: &Hit, tokens: &Tokens) -> String {
        let id = &self.config.concepts[hit.concept].id;
        let shown = tokens.show(hit.first, hit.last);
        match hit.value {
            Some((_, threshold)) => {
                let below = self.config.concepts[hit.concept]
                    .lab
                    .as_ref()
                    .is_some_and(|lab| lab.at_most.is_some());
                let sign = if below { "<=" } else { ">=" };
                format!("{id} '{shown}' ({sign} {threshold})")
            }
            None => format!("{id} '{shown}'"),
        }
    }
}

/// Tokens between two spans; 0 when they overlap.
fn distance(a: (usize, usize), b: (usize, usize)) -> usize {
    if a.1 < b.0 {
        b.0 - a.1
    } else {
        a.0.saturating_sub(b.1)
    }
}

/// The second value of a pair ("190/120", "190 over 120") after the number at `at`, and the
/// last token of the pair.
fn second_value(tokens: &Tokens, at: usize) -> (Option<f64>, usize) {
    let toks = &tokens.tokens;
    match (toks.get(at + 1), toks.get(at + 2)) {
        (Some(next), _) if next.after_slash && next.number.is_some() => (next.number, at + 1),
        (Some(over), Some(next)) if over.raw == "over" && next.number.is_some() => {
            (next.number, at + 2)
        }
        _ => (None, at),
    }
}

/// A plausible value (and second value of a pair) of a lab: the value shown and the
/// threshold it is compared with, and whether it meets it.
fn meets(lab: &LabSpec, value: f64, second: Option<f64>) -> Option<(f64, f64, bool)> {
    let [low, high] = lab.plausible;
    if !(low..=high).contains(&value) {
        return None;
    }
    if let Some(most) = lab.at_most {
        return Some((value, most, value <= most));
    }
    match (second, lab.second_at_least) {
        (Some(second), Some(threshold))
            if value < lab.at_least && second >= threshold && second < value =>
        {
            Some((second, threshold, true))
        }
        _ => Some((value, lab.at_least, value >= lab.at_least)),
    }
}

/// Words of at most this many tokens with nobody named make a clause an item of a list.
const LIST_ITEM_MAX: usize = 5;

/// Whether clause `clause` is an item of a list ("bad breathlessness", "or your fistula
/// stops working"): short, and naming nobody ("I can't breathe" is a statement).
fn is_list_item(toks: &[Token], clause: usize) -> bool {
    const SOMEBODY: &[&str] = &[
        "i", "im", "ive", "id", "ill", "me", "my", "he", "hes", "him", "his", "she", "shes", "her",
        "we", "us", "our", "they", "them", "their",
    ];
    let words: Vec<&Token> = toks.iter().filter(|t| t.clause == clause).collect();
    words.len() <= LIST_ITEM_MAX && !words.iter().any(|t| SOMEBODY.contains(&t.raw.as_str()))
}

/// Words of a dream: what happens in it, at whatever time, did not happen.
const DREAMS: &[&str] = &[
    "dreamt",
    "dreamed",
    "dream",
    "dreams",
    "nightmare",
    "nightmares",
];
/// Words of waking from one.
const WAKING: &[&str] = &["woke", "woken", "wake", "waking", "awake", "awoke"];

/// Markers of now that tell how things go rather than when: they do not make a condition
/// real ("if it starts bleeding", "they keep telling me to call if ...").
const CONDITIONAL_PRESENT: &[&str] = &[
    "start", "starts", "started", "starting", "keep", "keeps", "still", "again", "suddenly",
    // "what should I do if I've got a fever": having it is what the condition supposes.
    "ive", "im", "hes", "shes",
];

/// Whether the "a" of "a day" at token `at` makes a rate of what comes before it: an
/// amount ("500 ml a day", "2 litres an hour") or a count ("twice a day", "3 times a day").
fn is_rate(tokens: &Tokens, at: usize) -> bool {
    const PER: &[&str] = &["a", "an"];
    const AMOUNTS: &[&str] = &[
        "ml", "mls", "l", "litre", "litres", "liter", "liters", "cc", "oz", "cup", "cups", "glass",
        "glasses", "times", "x", "once", "twice", "bottles", "tablets", "pills",
    ];
    let toks = &tokens.tokens;
    PER.contains(&toks[at].raw.as_str())
        && at
            .checked_sub(1)
            .is_some_and(|b| toks[b].number.is_some() || AMOUNTS.contains(&toks[b].raw.as_str()))
}

/// The hours of a "<quantity> <unit>" ending at token `at` ("24 hrs", "two days", "a day",
/// "for days"), and its first token.
fn hours_at(tokens: &Tokens, at: usize) -> Option<(f64, usize)> {
    let toks = &tokens.tokens;
    let (unit, plural) = unit_hours(&toks[at].raw)?;
    let before = at.checked_sub(1).map(|b| &toks[b]);
    match before.and_then(quantity) {
        // "500 ml a day", "twice a day": a rate, not how long something has lasted.
        Some(_) if is_rate(tokens, at - 1) => None,
        Some(n) => {
            let first = at - 1;
            // "twenty four hours"
            let tens = first
                .checked_sub(1)
                .and_then(|t| quantity(&toks[t]).filter(|q| *q >= 20.0 && q % 10.0 == 0.0));
            match tens {
                Some(t) if n < 10.0 => Some(((t + n) * unit, first - 1)),
                _ => Some((n * unit, first)),
            }
        }
        None => {
            let lead = before.map(|t| t.raw.as_str());
            let lone = matches!(
                lead,
                Some("for" | "in" | "over" | "past" | "last" | "whole" | "entire" | "all")
            );
            match (lone, plural) {
                (true, true) => Some((2.0 * unit, at - 1)),
                (true, false) => Some((unit, at - 1)),
                _ => None,
            }
        }
    }
}
