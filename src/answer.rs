//! The decision, pure: given what the index found, answer, hand the question to a human
//! expert, treat it as an emergency, or reply to small talk, with a calibrated confidence.

use serde::Serialize;

use crate::analyze::words;
use crate::search::{Candidate, Retrieval};

/// What the bot does with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Answer,
    Escalate,
    Urgent,
    Smalltalk,
}

/// The kind of small talk, so each gets a fitting reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Smalltalk {
    Greeting,
    Thanks,
    Goodbye,
    Empty,
}

/// A reference to an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleRef {
    pub id: String,
    pub title: String,
    pub url: String,
}

/// Another article that may help, with its own confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub id: String,
    pub title: String,
    pub url: String,
    pub confidence: f32,
}

/// The bot's verdict on one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub confidence: f32,
    /// The chosen article (answer, and urgent when a passage also fits).
    pub article: Option<ArticleRef>,
    pub heading: Option<String>,
    pub passage: Option<String>,
    pub alternatives: Vec<Alternative>,
    pub smalltalk: Option<Smalltalk>,
    pub red_flags: Vec<String>,
    pub reason: String,
}

/// Knobs a maintainer can set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Answers below this confidence go to an expert instead.
    pub threshold: f32,
    /// Alternatives below this confidence are not offered.
    pub min_alternative: f32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            threshold: 0.75,
            min_alternative: 0.2,
        }
    }
}

/// How the articles found are ranked: the article's BM25 score relative to the best one,
/// plus these shares of its phrase match and coverage. Fitted on the dev set
/// (`tests/data/dev_questions.jsonl`), checked on the MedQuAD benchmark.
const RANK_PHRASE: f32 = 0.5;
const RANK_COVERAGE: f32 = 1.0;

/// Logistic weights of the confidence model, fitted the same way.
const W_BIAS: f32 = -2.0;
const W_COVERAGE: f32 = 1.45;
const W_PHRASE: f32 = 1.43;
const W_MARGIN: f32 = 1.25;
const W_STRENGTH: f32 = 1.96;
/// BM25 points per unit of question weight at which the match counts as fully strong.
const STRENGTH_SCALE: f32 = 10.0;

/// The ranking value of a candidate among others whose best article score is `best`.
fn rank_value(candidate: &Candidate, best: f32) -> f32 {
    let relative = if best > 0.0 {
        candidate.score / best
    } else {
        0.0
    };
    relative + RANK_PHRASE * candidate.phrase_match + RANK_COVERAGE * candidate.coverage
}

/// Orders candidates best first by `rank_value`.
pub fn rerank(candidates: &mut [Candidate]) {
    let best = candidates.iter().map(|c| c.score).fold(0.0, f32::max);
    candidates.sort_by(|a, b| rank_value(b, best).total_cmp(&rank_value(a, best)));
}

/// Confidence that `candidate` answers the question, from evidence that does not depend on
/// the raw BM25 scale: the share of the question it covers, its agreement with the title or
/// one of the article's own questions, its lead over the `rival`, and the strength of the
/// match per unit of question weight (`question_weight`).
pub fn confidence(
    candidate: &Candidate,
    rival: Option<&Candidate>,
    best: f32,
    question_weight: f32,
) -> f32 {
    let value = rank_value(candidate, best);
    let margin = match rival {
        Some(other) if value > 0.0 => ((value - rank_value(other, best)) / value).clamp(0.0, 1.0),
        Some(_) => 0.0,
        None => 1.0,
    };
    let strength = if question_weight > 0.0 {
        (candidate.score / (question_weight * STRENGTH_SCALE)).min(1.0)
    } else {
        0.0
    };
    let z = W_BIAS
        + W_COVERAGE * candidate.coverage
        + W_PHRASE * candidate.phrase_match
        + W_MARGIN * margin
        + W_STRENGTH * strength;
    1.0 / (1.0 + (-z).exp())
}

/// Confidence of every candidate, in the order given (which `rerank` has set).
pub fn confidences(retrieval: &Retrieval) -> Vec<f32> {
    let candidates = &retrieval.candidates;
    let best = candidates.iter().map(|c| c.score).fold(0.0, f32::max);
    let weight: f32 = retrieval.concepts.iter().map(|c| c.weight).sum();
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let rival = if i == 0 {
                candidates.get(1)
            } else {
                candidates.first()
            };
            confidence(c, rival, best, weight)
        })
        .collect()
}

/// Decides what to do with `question`, given what the index found for it.
pub fn decide(question: &str, retrieval: &Retrieval, policy: &Policy) -> Verdict {
    let scored: Vec<(f32, &Candidate)> = confidences(retrieval)
        .into_iter()
        .zip(&retrieval.candidates)
        .collect();
    let best = scored.first().copied();
    let confidence = best.map_or(0.0, |(conf, _)| conf);
    let confident = best.filter(|(conf, _)| *conf >= policy.threshold);
    let alternatives = scored
        .iter()
        .skip(usize::from(confident.is_some()))
        .filter(|(conf, _)| *conf >= policy.min_alternative)
        .map(|(conf, c)| Alternative {
            id: c.article_id.clone(),
            title: c.title.clone(),
            url: c.url.clone(),
            confidence: *conf,
        })
        .collect();
    let mut verdict = Verdict {
        decision: Decision::Escalate,
        confidence,
        article: None,
        heading: None,
        passage: None,
        alternatives,
        smalltalk: None,
        red_flags: retrieval.red_flags.clone(),
        reason: String::new(),
    };
    if let Some((_, c)) = confident {
        verdict.article = Some(ArticleRef {
            id: c.article_id.clone(),
            title: c.title.clone(),
            url: c.url.clone(),
        });
        verdict.heading = c.heading.clone();
        verdict.passage = Some(c.passage.clone());
    }
    if !retrieval.red_flags.is_empty() {
        verdict.decision = Decision::Urgent;
        verdict.reason = format!("emergency red flag: {}", retrieval.red_flags.join(", "));
        return verdict;
    }
    if let Some(kind) = smalltalk(question) {
        verdict.decision = Decision::Smalltalk;
        verdict.smalltalk = Some(kind);
        verdict.article = None;
        verdict.heading = None;
        verdict.passage = None;
        verdict.alternatives.clear();
        verdict.reason = format!("{kind:?} needs no search").to_lowercase();
        return verdict;
    }
    verdict.reason = match (confident, best) {
        (Some((conf, c)), _) => {
            verdict.decision = Decision::Answer;
            format!(
                "confidence {conf:.2} >= threshold {:.2}: the passage and its article cover {:.0}% of the question",
                policy.threshold,
                c.coverage * 100.0
            )
        }
        (None, Some((conf, c))) => format!(
            "not confident enough to answer (confidence {conf:.2} < threshold {:.2}; the best article covers {:.0}% of the question)",
            policy.threshold,
            c.coverage * 100.0
        ),
        (None, None) => "nothing in the corpus matches the question".to_string(),
    };
    verdict
}

/// Words that make up greetings, thanks and goodbyes, and nothing else.
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "morning",
    "afternoon",
    "evening",
    "greetings",
    "yo",
    "start",
];
const THANKS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "appreciated",
    "grateful",
];
const GOODBYES: &[&str] = &["bye", "goodbye", "goodnight", "later", "farewell", "cya"];
const FILLER: &[&str] = &[
    "good", "you", "very", "much", "so", "a", "lot", "there", "all", "ok", "okay", "great", "nice",
    "cool", "again", "for", "the", "help", "your", "bot", "dear", "and", "see", "doctor", "team",
    "everyone", "guys", "have", "day", "night", "oh", "well", "many", "its", "is", "it", "that",
    "was", "helpful", "really", "kind", "of", "to", "me", "i", "am", "im", "fine", "how", "are",
    "u", "lovely", "nurse", "sir", "madam", "maam", "then", "now",
];

/// Recognises a message that is only a greeting, thanks or goodbye (or nothing at all).
pub fn smalltalk(question: &str) -> Option<Smalltalk> {
    let words = words(question);
    if words.is_empty() {
        return Some(Smalltalk::Empty);
    }
    if words.len() > 12 {
        return None;
    }
    let all_known = words.iter().all(|w| {
        let w = w.as_str();
        GREETINGS.contains(&w)
            || THANKS.contains(&w)
            || GOODBYES.contains(&w)
            || FILLER.contains(&w)
    });
    if !all_known {
        return None;
    }
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has(THANKS) {
        Some(Smalltalk::Thanks)
    } else if has(GOODBYES) {
        Some(Smalltalk::Goodbye)
    } else if has(GREETINGS)
        || words
            .iter()
            .all(|w| ["good", "day", "night"].contains(&w.as_str()))
    {
        Some(Smalltalk::Greeting)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, score: f32, coverage: f32, phrase_match: f32) -> Candidate {
        Candidate {
            article_id: id.into(),
            title: id.to_uppercase(),
            url: format!("https://clinic.example/{id}"),
            heading: None,
            passage: format!("passage of {id}"),
            score,
            coverage,
            phrase_match,
        }
    }

    fn retrieval(candidates: Vec<Candidate>) -> Retrieval {
        Retrieval {
            candidates,
            ..Retrieval::default()
        }
    }

    #[test]
    fn a_well_covered_clear_winner_is_answered() {
        let r = retrieval(vec![
            candidate("a", 20.0, 1.0, 0.8),
            candidate("b", 8.0, 0.4, 0.1),
        ]);
        let v = decide("why is my pee red", &r, &Policy::default());
        assert_eq!(v.decision, Decision::Answer);
        assert_eq!(v.article.map(|a| a.id), Some("a".to_string()));
        assert_eq!(v.passage.as_deref(), Some("passage of a"));
        assert!(v.confidence > 0.8, "{}", v.confidence);
    }

    #[test]
    fn weak_coverage_escalates_and_offers_alternatives() {
        let r = retrieval(vec![
            candidate("a", 5.0, 0.45, 0.2),
            candidate("b", 4.8, 0.4, 0.1),
        ]);
        let v = decide("where do i park my car", &r, &Policy::default());
        assert_eq!(v.decision, Decision::Escalate);
        assert!(v.article.is_none() && v.passage.is_none());
        assert!(v.confidence < 0.5);
    }

    #[test]
    fn nothing_found_escalates_with_zero_confidence() {
        let v = decide("qwerty", &retrieval(vec![]), &Policy::default());
        assert_eq!((v.decision, v.confidence), (Decision::Escalate, 0.0));
    }

    #[test]
    fn red_flags_win_over_everything() {
        let mut r = retrieval(vec![candidate("a", 20.0, 1.0, 1.0)]);
        r.red_flags = vec!["chest-pain".into()];
        let v = decide("hello, chest pain", &r, &Policy::default());
        assert_eq!(v.decision, Decision::Urgent);
        assert!(v.reason.contains("chest-pain"));
    }

    #[test]
    fn greetings_thanks_and_empty_input_are_smalltalk() {
        assert_eq!(smalltalk("Hello!"), Some(Smalltalk::Greeting));
        assert_eq!(smalltalk("good morning doctor"), Some(Smalltalk::Greeting));
        assert_eq!(smalltalk("thank you so much 🙏"), Some(Smalltalk::Thanks));
        assert_eq!(smalltalk("ok bye"), Some(Smalltalk::Goodbye));
        assert_eq!(smalltalk("   "), Some(Smalltalk::Empty));
        assert_eq!(smalltalk("hi, is coffee ok on dialysis?"), None);
        assert_eq!(smalltalk("ok"), None);
    }
}
