//! Pure formatting of verdicts for the terminal and for JSON. (Telegram HTML lives with the
//! bot.)

use serde::Serialize;

use crate::answer::{confidences, ArticleRef, Decision, Smalltalk, Verdict};
use crate::search::Retrieval;

/// The `ask --json` contract: one object per question.
#[derive(Debug, Serialize)]
pub struct JsonAnswer<'a> {
    pub question: &'a str,
    pub decision: Decision,
    pub confidence: f64,
    pub article: Option<&'a ArticleRef>,
    pub passage: Option<&'a str>,
    pub alternatives: Vec<JsonAlternative<'a>>,
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
        reason: &verdict.reason,
    }
}

/// The friendly reply to small talk.
pub fn smalltalk_reply(kind: Smalltalk) -> &'static str {
    match kind {
        Smalltalk::Greeting => {
            "Hello! Ask me anything about kidney health, dialysis or transplant, in your own words."
        }
        Smalltalk::Thanks => "You're welcome! Ask again any time.",
        Smalltalk::Goodbye => "Take care! I'm here whenever you have a question.",
        Smalltalk::Empty => "Please type your question about kidney health in a few words.",
    }
}

/// A readable answer for a maintainer at a terminal.
pub fn terminal(verdict: &Verdict, safety_message: &str) -> String {
    let mut out = String::new();
    let confidence = verdict.confidence;
    match verdict.decision {
        Decision::Urgent => {
            out.push_str(&format!("URGENT ({})\n{safety_message}\n", verdict.reason));
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
        let label = if verdict.article.is_some() {
            "Related"
        } else {
            "Closest articles"
        };
        out.push_str(&format!("\n{label}:\n"));
        for a in &verdict.alternatives {
            out.push_str(&format!("  {:.2}  {} ({})\n", a.confidence, a.title, a.id));
        }
    }
    out
}

/// How the question was understood and the evidence for each article, for `ask --explain`.
pub fn explain(retrieval: &Retrieval) -> String {
    let mut out = String::from("concepts (weight):");
    for c in &retrieval.concepts {
        let typo = c
            .corrected_from
            .as_ref()
            .map(|t| format!(" <- {t}"))
            .unwrap_or_default();
        out.push_str(&format!(" [{}{typo}] {:.2};", c.tokens.join("|"), c.weight));
    }
    out.push_str("\ncandidates: score  coverage  phrase  confidence\n");
    for (c, confidence) in retrieval.candidates.iter().zip(confidences(retrieval)) {
        out.push_str(&format!(
            "  {:>7.2}  {:>6.2}  {:>6.2}  {:>6.2}  {} / {}\n",
            c.score,
            c.coverage,
            c.phrase_match,
            confidence,
            c.article_id,
            c.heading.as_deref().unwrap_or("-"),
        ));
    }
    if !retrieval.red_flags.is_empty() {
        out.push_str(&format!("red flags: {}\n", retrieval.red_flags.join(", ")));
    }
    out
}
