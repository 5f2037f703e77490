//! Measuring answer quality on labelled questions: ranking metrics, how often unanswerable
//! questions get answered, urgent recall, vague messages recognised, a threshold sweep, a
//! calibration table and the misses. The metrics are pure.

use serde::{Deserialize, Serialize};

use crate::analyze::words;
use crate::answer::Decision;

/// What a labelled question expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Any of these article ids is a right answer.
    Articles(Vec<String>),
    NoAnswer,
    Urgent,
    /// Too vague to answer: the bot should ask back.
    Clarify,
}

/// One line of an evaluation file:
/// `{"q": ..., "expect": [...] | "no_answer" | "urgent" | "clarify"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub q: String,
    #[serde(deserialize_with = "expect")]
    pub expect: Expect,
    /// Optional answer texts the shown passage should lie inside.
    #[serde(default)]
    pub gold: Vec<String>,
}

fn expect<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Expect, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(String),
        Many(Vec<String>),
    }
    match Raw::deserialize(d)? {
        Raw::Many(ids) if !ids.is_empty() => Ok(Expect::Articles(ids)),
        Raw::One(s) if s == "no_answer" => Ok(Expect::NoAnswer),
        Raw::One(s) if s == "urgent" => Ok(Expect::Urgent),
        Raw::One(s) if s == "clarify" => Ok(Expect::Clarify),
        Raw::One(id) => Ok(Expect::Articles(vec![id])),
        Raw::Many(_) => Err(serde::de::Error::custom("`expect` is an empty list")),
    }
}

/// What the bot did with one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Article ids, best first.
    pub ranked: Vec<String>,
    /// Confidence in the best article.
    pub confidence: f32,
    pub decision: Decision,
    /// The patient was shown the best article's passage: an answer, or a same-day problem
    /// answered after its safety message.
    pub answered: bool,
    /// The passage that would be shown with the best article.
    pub passage: Option<String>,
    /// Not answerable at any confidence (a key term the corpus never mentions).
    pub blocked: bool,
    /// What the answer would have needed and the passage lacked ("the number asked for").
    pub missing: Vec<String>,
}

impl Outcome {
    /// What `faqbot::ask` did with a message.
    pub fn of(reply: &crate::Reply) -> Outcome {
        let verdict = &reply.verdict;
        let ranked = match (&verdict.article, verdict.alternatives.is_empty()) {
            // Small talk shows nothing, but what was searched still counts for ranking.
            (None, true) => reply
                .retrieval
                .candidates
                .iter()
                .map(|c| c.article_id.clone())
                .collect(),
            _ => verdict
                .article
                .iter()
                .map(|a| a.id.clone())
                .chain(verdict.alternatives.iter().map(|a| a.id.clone()))
                .collect(),
        };
        Outcome {
            ranked,
            confidence: reply.verdict.confidence,
            decision: reply.verdict.decision,
            answered: verdict.article.is_some() && verdict.passage.is_some(),
            passage: verdict
                .passage
                .clone()
                .or_else(|| verdict.alternatives.first().map(|a| a.passage.clone())),
            blocked: !reply.retrieval.unknown_terms.is_empty(),
            missing: verdict.missing.clone(),
        }
    }
}

/// One bin of the calibration table.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CalibrationBin {
    /// Confidences in `[low, high)`.
    pub low: f32,
    pub high: f32,
    /// Searched questions (answerable or not) whose best article fell in the bin.
    pub questions: usize,
    /// Share of them whose best article is a right one.
    pub right: f64,
}

/// A question the bot got wrong, for `faqbot eval --misses`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Miss {
    pub q: String,
    /// What went wrong: "answered wrongly", "not answered", "unanswerable answered", ...
    pub kind: &'static str,
    pub expected: String,
    pub decision: Decision,
    pub confidence: f32,
    pub best: Option<String>,
    /// What the passage lacked, when that is why it was not answered.
    pub missing: Vec<String>,
}

/// One point of the threshold sweep.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SweepPoint {
    pub threshold: f32,
    /// Share of answerable questions answered at this threshold.
    pub coverage: f64,
    /// Share of answers (to any question) that named a right article.
    pub precision: f64,
    /// Share of unanswerable questions that were answered anyway.
    pub no_answer_answered: f64,
}

/// The figures `faqbot eval` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub questions: usize,
    pub answerable: usize,
    pub hit_at_1: f64,
    pub hit_at_3: f64,
    pub mrr: f64,
    /// Answerable questions answered with a right article at the current threshold.
    pub answered_correctly: f64,
    /// Answerable questions answered with a wrong article.
    pub answered_wrongly: f64,
    pub unanswerable: usize,
    pub unanswerable_answered: usize,
    pub urgent: usize,
    pub urgent_flagged: usize,
    /// Questions not labelled urgent that were flagged urgent.
    pub false_urgent: usize,
    pub vague: usize,
    /// Vague messages answered with a question back.
    pub vague_clarified: usize,
    /// Other messages (not labelled vague) answered with a question back.
    pub false_clarify: usize,
    /// Share of answerable questions with gold text whose shown passage lies inside it.
    pub passage_in_gold: Option<f64>,
    pub threshold: f32,
    pub sweep: Vec<SweepPoint>,
    pub calibration: Vec<CalibrationBin>,
    pub misses: Vec<Miss>,
}

/// Computes the report for labelled questions and what the bot did with each.
pub fn evaluate(items: &[(Labelled, Outcome)], threshold: f32) -> Report {
    let answerable: Vec<(&Labelled, &Outcome, &[String])> = items
        .iter()
        .filter_map(|(l, o)| match &l.expect {
            Expect::Articles(ids) => Some((l, o, ids.as_slice())),
            _ => None,
        })
        .collect();
    let rank = |o: &Outcome, ids: &[String]| o.ranked.iter().position(|r| ids.contains(r));
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let count = |f: &dyn Fn(&Outcome, &[String]) -> bool| {
        answerable.iter().filter(|(_, o, ids)| f(o, ids)).count()
    };
    let hit1 = count(&|o, ids| rank(o, ids) == Some(0));
    let hit3 = count(&|o, ids| rank(o, ids).is_some_and(|r| r < 3));
    let mrr: f64 = answerable
        .iter()
        .filter_map(|(_, o, ids)| rank(o, ids))
        .map(|r| 1.0 / (r as f64 + 1.0))
        .sum();
    let answered = |o: &Outcome| o.answered;
    let right = count(&|o, ids| answered(o) && rank(o, ids) == Some(0));
    let wrong = count(&|o, ids| answered(o) && rank(o, ids) != Some(0));
    let of_kind = |e: Expect, f: &dyn Fn(&Outcome) -> bool| {
        items.iter().filter(|(l, o)| l.expect == e && f(o)).count()
    };
    let unanswerable = of_kind(Expect::NoAnswer, &|_| true);
    let unanswerable_answered = of_kind(Expect::NoAnswer, &answered);
    let urgent = of_kind(Expect::Urgent, &|_| true);
    let urgent_flagged = of_kind(Expect::Urgent, &|o| o.decision == Decision::Urgent);
    let false_urgent = items
        .iter()
        .filter(|(l, o)| l.expect != Expect::Urgent && o.decision == Decision::Urgent)
        .count();
    let clarified = |o: &Outcome| o.decision == Decision::Clarify;
    let vague = of_kind(Expect::Clarify, &|_| true);
    let vague_clarified = of_kind(Expect::Clarify, &clarified);
    let false_clarify = items
        .iter()
        .filter(|(l, o)| l.expect != Expect::Clarify && clarified(o))
        .count();
    let with_gold: Vec<_> = answerable
        .iter()
        .filter(|(l, _, _)| !l.gold.is_empty())
        .collect();
    let passage_in_gold = (!with_gold.is_empty()).then(|| {
        let inside = with_gold
            .iter()
            .filter(|(l, o, _)| {
                o.passage
                    .as_deref()
                    .is_some_and(|p| inside_gold(p, &l.gold))
            })
            .count();
        share(inside, with_gold.len())
    });
    Report {
        questions: items.len(),
        answerable: answerable.len(),
        hit_at_1: share(hit1, answerable.len()),
        hit_at_3: share(hit3, answerable.len()),
        mrr: if answerable.is_empty() {
            0.0
        } else {
            mrr / answerable.len() as f64
        },
        answered_correctly: share(right, answerable.len()),
        answered_wrongly: share(wrong, answerable.len()),
        unanswerable,
        unanswerable_answered,
        urgent,
        urgent_flagged,
        false_urgent,
        vague,
        vague_clarified,
        false_clarify,
        passage_in_gold,
        threshold,
        sweep: sweep(items),
        calibration: calibration(items),
        misses: misses(items),
    }
}

/// Whether the best article is a right one for an answerable question.
fn top_is_right(label: &Labelled, outcome: &Outcome) -> bool {
    match &label.expect {
        Expect::Articles(ids) => outcome.ranked.first().is_some_and(|r| ids.contains(r)),
        _ => false,
    }
}

/// Confidence bins of 0.1 against the share of right best articles, over the questions the
/// bot searched (answerable and unanswerable; not vague, urgent or small talk).
fn calibration(items: &[(Labelled, Outcome)]) -> Vec<CalibrationBin> {
    (0..10)
        .map(|bin| {
            let (low, high) = (bin as f32 / 10.0, (bin + 1) as f32 / 10.0);
            let inside: Vec<&(Labelled, Outcome)> = items
                .iter()
                .filter(|(l, o)| {
                    matches!(l.expect, Expect::Articles(_) | Expect::NoAnswer)
                        && matches!(o.decision, Decision::Answer | Decision::Escalate)
                        && !o.ranked.is_empty()
                        && o.confidence >= low
                        && (o.confidence < high || bin == 9)
                })
                .collect();
            let right = inside.iter().filter(|(l, o)| top_is_right(l, o)).count();
            CalibrationBin {
                low,
                high,
                questions: inside.len(),
                right: share(right, inside.len()),
            }
        })
        .collect()
}

/// Every question the bot handled wrongly, the worst kinds first.
fn misses(items: &[(Labelled, Outcome)]) -> Vec<Miss> {
    let mut misses: Vec<Miss> = items
        .iter()
        .filter_map(|(l, o)| {
            let kind = match (&l.expect, o.decision) {
                (Expect::Urgent, d) if d != Decision::Urgent => "emergency missed",
                (Expect::Articles(_), _) if o.answered && !top_is_right(l, o) => "answered wrongly",
                (Expect::NoAnswer, _) if o.answered => "unanswerable answered",
                (Expect::Articles(_), _) if !o.answered => "not answered",
                (Expect::Clarify, d) if d != Decision::Clarify => "vague not clarified",
                (e, Decision::Urgent) if *e != Expect::Urgent => "false emergency",
                (e, Decision::Clarify) if *e != Expect::Clarify => "asked back needlessly",
                _ => return None,
            };
            Some(Miss {
                q: l.q.clone(),
                kind,
                expected: match &l.expect {
                    Expect::Articles(ids) => ids.join(" | "),
                    Expect::NoAnswer => "no_answer".into(),
                    Expect::Urgent => "urgent".into(),
                    Expect::Clarify => "clarify".into(),
                },
                decision: o.decision,
                confidence: o.confidence,
                best: o.ranked.first().cloned(),
                missing: o.missing.clone(),
            })
        })
        .collect();
    let order = [
        "emergency missed",
        "answered wrongly",
        "unanswerable answered",
        "not answered",
        "vague not clarified",
        "false emergency",
        "asked back needlessly",
    ];
    misses.sort_by_key(|m| order.iter().position(|k| *k == m.kind));
    misses
}

/// Precision against coverage for thresholds 0.05, 0.10, ... 0.95.
fn sweep(items: &[(Labelled, Outcome)]) -> Vec<SweepPoint> {
    // Only questions the bot would search count: urgent and small talk are decided earlier.
    let searched = |o: &Outcome| matches!(o.decision, Decision::Answer | Decision::Escalate);
    (1..20)
        .map(|step| {
            let threshold = step as f32 * 0.05;
            let mut answerable = 0;
            let mut covered = 0;
            let mut answers = 0;
            let mut right = 0;
            let mut unanswerable = 0;
            let mut unanswerable_answered = 0;
            for (label, outcome) in items {
                let answers_it =
                    searched(outcome) && !outcome.blocked && outcome.confidence >= threshold;
                match &label.expect {
                    Expect::Articles(ids) => {
                        answerable += 1;
                        if answers_it {
                            covered += 1;
                            answers += 1;
                            right += usize::from(
                                outcome.ranked.first().is_some_and(|r| ids.contains(r)),
                            );
                        }
                    }
                    Expect::NoAnswer => {
                        unanswerable += 1;
                        if answers_it {
                            answers += 1;
                            unanswerable_answered += 1;
                        }
                    }
                    Expect::Urgent | Expect::Clarify => {}
                }
            }
            let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
            SweepPoint {
                threshold,
                coverage: share(covered, answerable),
                precision: if answers == 0 {
                    1.0
                } else {
                    share(right, answers)
                },
                no_answer_answered: share(unanswerable_answered, unanswerable),
            }
        })
        .collect()
}

/// Whether the passage's words appear, in order and together, inside one gold answer.
fn inside_gold(passage: &str, gold: &[String]) -> bool {
    let passage = words(passage).join(" ");
    gold.iter().any(|g| words(g).join(" ").contains(&passage))
}

/// Human-readable report.
pub fn render(report: &Report) -> String {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let mut out = format!(
        "questions: {} ({} answerable, {} unanswerable, {} urgent)\n\
         hit@1: {:.3}   hit@3: {:.3}   MRR: {:.3}\n\
         at threshold {:.2}: answered right {}, answered wrong {}, of answerable questions\n\
         unanswerable answered: {} of {} ({})\n\
         urgent flagged: {} of {}   (non-urgent flagged urgent: {})\n\
         vague messages asked back: {} of {}   (others asked back: {})\n",
        report.questions,
        report.answerable,
        report.unanswerable,
        report.urgent,
        report.hit_at_1,
        report.hit_at_3,
        report.mrr,
        report.threshold,
        pct(report.answered_correctly),
        pct(report.answered_wrongly),
        report.unanswerable_answered,
        report.unanswerable,
        pct(share(report.unanswerable_answered, report.unanswerable)),
        report.urgent_flagged,
        report.urgent,
        report.false_urgent,
        report.vague_clarified,
        report.vague,
        report.false_clarify,
    );
    if let Some(p) = report.passage_in_gold {
        out.push_str(&format!("passage inside a gold answer: {}\n", pct(p)));
    }
    out.push_str("\nthreshold  coverage  precision  unanswerable answered\n");
    for p in &report.sweep {
        out.push_str(&format!(
            "   {:.2}     {:>6}    {:>6}     {:>6}\n",
            p.threshold,
            pct(p.coverage),
            pct(p.precision),
            pct(p.no_answer_answered)
        ));
    }
    out.push_str("\nconfidence   questions  best article right\n");
    for b in report.calibration.iter().filter(|b| b.questions > 0) {
        out.push_str(&format!(
            "  {:.1}-{:.1}    {:>5}      {:>6}\n",
            b.low,
            b.high,
            b.questions,
            pct(b.right)
        ));
    }
    out
}

/// The misses, one per line, for `faqbot eval --misses`.
pub fn render_misses(report: &Report) -> String {
    let mut out = format!("\nmisses: {}\n", report.misses.len());
    for m in &report.misses {
        let missing = if m.missing.is_empty() {
            String::new()
        } else {
            format!(", missing: {}", m.missing.join(", "))
        };
        out.push_str(&format!(
            "[{}] expected {}, got {:?} {:.2} (best: {}{missing})\n    {}\n",
            m.kind,
            m.expected,
            m.decision,
            m.confidence,
            m.best.as_deref().unwrap_or("-"),
            m.q
        ));
    }
    out
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        q: &str,
        expect: Expect,
        ranked: &[&str],
        confidence: f32,
        decision: Decision,
    ) -> (Labelled, Outcome) {
        (
            Labelled {
                q: q.into(),
                expect,
                gold: vec![],
            },
            Outcome {
                ranked: ranked.iter().map(|s| s.to_string()).collect(),
                confidence,
                decision,
                answered: decision == Decision::Answer,
                passage: None,
                blocked: false,
                missing: vec![],
            },
        )
    }

    #[test]
    fn metrics_on_a_small_fixture() {
        let ids = |s: &[&str]| Expect::Articles(s.iter().map(|x| x.to_string()).collect());
        let items = vec![
            item("a", ids(&["x"]), &["x", "y"], 0.9, Decision::Answer),
            item("b", ids(&["y"]), &["x", "y"], 0.6, Decision::Answer),
            item(
                "c",
                ids(&["z"]),
                &["x", "y", "w", "z"],
                0.2,
                Decision::Escalate,
            ),
            item("d", ids(&["q"]), &["x"], 0.3, Decision::Escalate),
            item("e", Expect::NoAnswer, &["x"], 0.7, Decision::Answer),
            item("f", Expect::NoAnswer, &[], 0.0, Decision::Escalate),
            item("g", Expect::Urgent, &[], 0.0, Decision::Urgent),
            item("h", Expect::Urgent, &[], 0.0, Decision::Escalate),
        ];
        let r = evaluate(&items, 0.5);
        assert_eq!(
            (r.questions, r.answerable, r.unanswerable, r.urgent),
            (8, 4, 2, 2)
        );
        assert_eq!(r.hit_at_1, 0.25);
        assert_eq!(r.hit_at_3, 0.5);
        assert!((r.mrr - (1.0 + 0.5 + 0.25) / 4.0).abs() < 1e-9);
        assert_eq!((r.answered_correctly, r.answered_wrongly), (0.25, 0.25));
        assert_eq!(
            (r.unanswerable_answered, r.urgent_flagged, r.false_urgent),
            (1, 1, 0)
        );
        let at_half = r
            .sweep
            .iter()
            .find(|p| (p.threshold - 0.5).abs() < 1e-6)
            .unwrap();
        assert_eq!(at_half.coverage, 0.5);
        assert!((at_half.precision - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(at_half.no_answer_answered, 0.5);
        let at_095 = r.sweep.last().unwrap();
        assert_eq!((at_095.coverage, at_095.precision), (0.0, 1.0));
    }

    #[test]
    fn a_same_day_problem_shown_its_answer_counts_as_answered_and_as_a_false_alarm() {
        let ids = |s: &[&str]| Expect::Articles(s.iter().map(|x| x.to_string()).collect());
        let mut shown = item("pd bag cloudy?", ids(&["x"]), &["x"], 0.9, Decision::Urgent);
        shown.1.answered = true;
        let mut wrong = item("cloudy again", ids(&["y"]), &["x"], 0.9, Decision::Urgent);
        wrong.1.answered = true;
        let alone = item("cloudy bag", ids(&["x"]), &["x"], 0.3, Decision::Urgent);
        let r = evaluate(&[shown, wrong, alone], 0.5);
        assert_eq!(
            (r.answered_correctly, r.answered_wrongly),
            (1.0 / 3.0, 1.0 / 3.0)
        );
        assert_eq!(r.false_urgent, 3);
        let kinds: Vec<&str> = r.misses.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            ["answered wrongly", "not answered", "false emergency"]
        );
    }

    #[test]
    fn labels_parse_in_all_three_forms() {
        let parse = |s: &str| serde_json::from_str::<Labelled>(s).map(|l| l.expect);
        assert_eq!(
            parse(r#"{"q":"x","expect":["a","b"]}"#).unwrap(),
            Expect::Articles(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            parse(r#"{"q":"x","expect":"no_answer"}"#).unwrap(),
            Expect::NoAnswer
        );
        assert_eq!(
            parse(r#"{"q":"x","expect":"urgent"}"#).unwrap(),
            Expect::Urgent
        );
        assert!(parse(r#"{"q":"x","expect":[]}"#).is_err());
    }

    #[test]
    fn passages_inside_gold_ignore_markup() {
        let gold = vec!["Intro.\n\n- first item\n- second item".to_string()];
        assert!(inside_gold("• first item\n• second item", &gold));
        assert!(!inside_gold("third item", &gold));
    }
}
