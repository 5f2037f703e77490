//! Pure formatting of verdicts for the terminal and for JSON. (Telegram HTML lives with the
//! bot.)

use serde::Serialize;

use crate::answer::{confidences, ArticleRef, Decision, Smalltalk, Verdict};
use crate::triage::Level;
use crate::understand::Role;
use crate::Reply;

/// The `ask --json` contract: one object per question.
#[derive(Debug, Serialize)]
pub struct JsonAnswer<'a> {
    pub question: &'a str,
    pub decision: Decision,
    pub confidence: f64,
    pub article: Option<&'a ArticleRef>,
    pub passage: Option<&'a str>,
    pub alternatives: Vec<JsonAlternative<'a>>,
    /// `emergency` or `same-day` (`urgent` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Level>,
    /// The triage categories that fired (`urgent` only).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub categories: &'a [String],
    /// Further questions of the same message, answered one at a time.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub other_questions: &'a [String],
    /// Key terms the corpus does not address (why the question was escalated).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub missing: &'a [String],
    /// What a vague message is about (`clarify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<&'a str>,
    pub reason: &'a str,
}

#[derive(Debug, Serialize)]
pub struct JsonAlternative<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub confidence: f64,
}

/// Rounds to three decimals: enough to compare, short to read.
fn round(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

pub fn json<'a>(question: &'a str, verdict: &'a Verdict) -> JsonAnswer<'a> {
    JsonAnswer {
        question,
        decision: verdict.decision,
        confidence: round(verdict.confidence),
        article: verdict.article.as_ref(),
        passage: verdict.passage.as_deref(),
        alternatives: verdict
            .alternatives
            .iter()
            .map(|a| JsonAlternative {
                id: &a.id,
                title: &a.title,
                confidence: round(a.confidence),
            })
            .collect(),
        urgency: verdict.urgency,
        categories: &verdict.categories,
        other_questions: &verdict.other_questions,
        missing: &verdict.missing,
        topic: verdict.topic.as_deref(),
        reason: &verdict.reason,
    }
}

/// The question back to a patient whose message is too vague.
pub fn clarify_question(topic: Option<&str>) -> String {
    match topic {
        Some(topic) => format!(
            "What would you like to know about {topic}? Tell me a little more, or pick one of \
             these topics."
        ),
        None => "What would you like to know? Tell me a little more, or pick one of these \
                 topics."
            .to_string(),
    }
}

/// How to use faqbot, for "help" and `/help`.
pub const HELP: &str = "Ask me anything about kidney health, dialysis or a kidney transplant, in \
your own words, for example \"why is my urine foamy?\" or \"can I drink coffee on dialysis?\". \
I answer from articles written for patients and link to the full article. When I am not \
sure, I can pass your question to a kidney expert. In an emergency, call your local \
emergency number: do not wait for a reply here.";

/// The friendly reply to small talk.
pub fn smalltalk_reply(kind: Smalltalk) -> &'static str {
    match kind {
        Smalltalk::Greeting => {
            "Hello! Ask me anything about kidney health, dialysis or transplant, in your own words."
        }
        Smalltalk::Thanks => "You're welcome! Ask again any time.",
        Smalltalk::Goodbye => "Take care! I'm here whenever you have a question.",
        Smalltalk::Empty => "Please type your question about kidney health in a few words.",
        Smalltalk::Help => HELP,
    }
}

/// A readable answer for a maintainer at a terminal; `safety_message` gives the message for
/// an urgency level.
pub fn terminal<'a>(verdict: &Verdict, safety_message: impl Fn(Level) -> &'a str) -> String {
    let mut out = String::new();
    let confidence = verdict.confidence;
    match verdict.decision {
        Decision::Urgent => {
            let level = verdict.urgency.unwrap_or(Level::Emergency);
            out.push_str(&format!(
                "URGENT, {level} ({})\n{}\n",
                verdict.reason,
                safety_message(level)
            ));
        }
        Decision::Smalltalk => {
            let reply = verdict.smalltalk.map(smalltalk_reply).unwrap_or_default();
            out.push_str(&format!("Small talk: {reply}\n"));
        }
        Decision::Escalate => {
            out.push_str(&format!(
                "Escalate to an expert (confidence {confidence:.2}): {}\n",
                verdict.reason
            ));
        }
        Decision::Clarify => {
            out.push_str(&format!(
                "Ask back: {}\n",
                clarify_question(verdict.topic.as_deref())
            ));
        }
        Decision::Answer => {}
    }
    if let (Some(article), Some(passage)) = (&verdict.article, &verdict.passage) {
        let section = verdict
            .heading
            .as_ref()
            .map(|h| format!(" — {h}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}{section}  (confidence {confidence:.2})\n\n{passage}\n\nRead more: {}\n",
            article.title, article.url
        ));
    }
    if !verdict.alternatives.is_empty() {
        let label = match (verdict.decision, verdict.article.is_some()) {
            (Decision::Clarify, _) => "Topics",
            (_, true) => "Related",
            (_, false) => "Closest articles",
        };
        out.push_str(&format!("\n{label}:\n"));
        for a in &verdict.alternatives {
            out.push_str(&format!("  {:.2}  {} ({})\n", a.confidence, a.title, a.id));
        }
    }
    if !verdict.other_questions.is_empty() {
        out.push_str("\nYou also asked (ask these one at a time):\n");
        for q in &verdict.other_questions {
            out.push_str(&format!("  - {q}\n"));
        }
    }
    out
}

/// How the message was understood and the evidence for each article, for `ask --explain`.
pub fn explain(reply: &Reply) -> String {
    let mut out = String::from("sentences:\n");
    for sentence in &reply.message.sentences {
        let role = match sentence.role {
            Role::Courtesy => "courtesy",
            Role::Subject => "subject",
            Role::Question => "question",
            Role::Backstory => "backstory",
        };
        out.push_str(&format!("  {role:>9}: {}\n", sentence.text));
    }
    out.push_str(&format!("focus: {}\n", reply.message.focus));
    if reply.message.vague {
        out.push_str("vague: names a topic without asking anything\n");
    }
    let retrieval = &reply.retrieval;
    out.push_str("concepts (weight; * = from the backstory):");
    for c in &retrieval.concepts {
        let typo = c
            .corrected_from
            .as_ref()
            .map(|t| format!(" <- {t}"))
            .unwrap_or_default();
        let context = if c.focus { "" } else { "*" };
        out.push_str(&format!(
            " [{}{typo}]{context} {:.2};",
            c.tokens.join("|"),
            c.weight
        ));
    }
    if !retrieval.unknown_terms.is_empty() {
        out.push_str(&format!(
            "\nnot in the corpus: {}",
            retrieval.unknown_terms.join(", ")
        ));
    }
    out.push_str(
        "\ncandidates: bm25  rel.bm25  coverage  art.cov  phrase  sem.q  sem.p  relevance  confidence\n",
    );
    for (c, confidence) in retrieval
        .candidates
        .iter()
        .zip(confidences(&retrieval.candidates))
    {
        let e = &c.evidence;
        out.push_str(&format!(
            "  {:>7.2}  {:>6.2}  {:>6.2}  {:>6.2}  {:>6.2}  {:>5.2}  {:>5.2}  {:>7.2}  {:>6.2}  {} / {}\n",
            e.score,
            e.relative_score,
            e.coverage,
            e.article_coverage,
            e.phrase_match,
            e.semantic_question,
            e.semantic_passage,
            c.relevance,
            confidence,
            c.article_id,
            c.heading.as_deref().unwrap_or("-"),
        ));
        if !c.missing.is_empty() {
            out.push_str(&format!(
                "      not in this article: {}\n",
                c.missing.join(", ")
            ));
        }
        if e.lead_over_unanswered < 0.0 {
            out.push_str(&format!(
                "      a message known unanswered (unanswered.toml) is {:.2} more alike\n",
                -e.lead_over_unanswered
            ));
        }
    }
    if let Some(triage) = &retrieval.triage {
        out.push_str(&format!("triage: {}\n", triage.level));
        for fired in &triage.fired {
            out.push_str(&format!(
                "  {} ({}): {}\n",
                fired.category, fired.level, fired.why
            ));
        }
    }
    out
}
