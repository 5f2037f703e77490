//! The review of what faqbot could not answer well: questions that went to the experts,
//! were rated "Not helpful" or were asked back, grouped by the article closest to them
//! (the same question asked again counted once with how often), each with the experts'
//! answer when there is one; and what was asked and not answered per topic and per week,
//! so a clinic sees what to write next. Never who asked.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::answer::Policy;
use crate::search::Engine;
use crate::store::{ReviewItem, ReviewReason};

/// Days a review looks back unless told otherwise (`faqbot review`, `/review`).
pub const DEFAULT_DAYS: i64 = 30;

/// The review of one period.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// Questions in the period.
    pub questions: usize,
    /// Closest article first by how often; questions near no article last.
    pub groups: Vec<Group>,
    /// Questions per ISO week (`2026-W48`), oldest first.
    pub weeks: Vec<(String, usize)>,
}

/// The questions closest to one article.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `None`: no article came near.
    pub article: Option<String>,
    pub title: Option<String>,
    pub asked: usize,
    pub questions: Vec<Asked>,
}

/// One question, however often it was asked.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub text: String,
    pub times: usize,
    pub reasons: Vec<ReviewReason>,
    pub expert_answers: Vec<String>,
    /// Its tickets, for `faqbot review draft --ticket N`.
    pub tickets: Vec<i64>,
    /// Unix seconds.
    pub last_asked: i64,
}

/// A group while it is gathered: the article's title, and its questions by wording.
type Gathering = (Option<String>, BTreeMap<String, Asked>);

/// Groups `items` by the article `engine` finds closest to each.
pub fn build(engine: &Engine, items: &[ReviewItem]) -> anyhow::Result<Review> {
    let policy = Policy::default();
    let mut groups: BTreeMap<Option<String>, Gathering> = BTreeMap::new();
    let mut weeks: BTreeMap<String, usize> = BTreeMap::new();
    for item in items {
        let reply = crate::ask(engine, &policy, &item.question)?;
        let verdict = reply.verdict;
        let closest = verdict.article.map(|a| (a.id, a.title)).or_else(|| {
            verdict
                .alternatives
                .first()
                .map(|a| (a.id.clone(), a.title.clone()))
        });
        let (article, title) = match closest {
            Some((id, title)) => (Some(id), Some(title)),
            None => (None, None),
        };
        let group = groups
            .entry(article)
            .or_insert_with(|| (title, BTreeMap::new()));
        let asked = group
            .1
            .entry(same_question(&item.question))
            .or_insert_with(|| Asked {
                text: item.question.clone(),
                times: 0,
                reasons: Vec::new(),
                expert_answers: Vec::new(),
                tickets: Vec::new(),
                last_asked: item.at,
            });
        if !asked.reasons.contains(&item.reason) {
            asked.reasons.push(item.reason);
            asked.reasons.sort();
        }
        if !item.counted {
            // The same patient sent it to the experts too: their ticket counts it.
            continue;
        }
        asked.tickets.extend(item.ticket);
        asked.times += 1;
        asked.last_asked = asked.last_asked.max(item.at);
        if let Some(answer) = &item.expert_answer {
            if !asked.expert_answers.contains(answer) {
                asked.expert_answers.push(answer.clone());
            }
        }
        *weeks.entry(iso_week(item.at)).or_default() += 1;
    }
    let mut groups: Vec<Group> = groups
        .into_iter()
        .map(|(article, (title, asked))| {
            let mut questions: Vec<Asked> = asked.into_values().collect();
            questions.sort_by(|a, b| b.times.cmp(&a.times).then(b.last_asked.cmp(&a.last_asked)));
            Group {
                article,
                title,
                asked: questions.iter().map(|q| q.times).sum(),
                questions,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        (a.article.is_none(), std::cmp::Reverse(a.asked), &a.article).cmp(&(
            b.article.is_none(),
            std::cmp::Reverse(b.asked),
            &b.article,
        ))
    });
    Ok(Review {
        questions: items.iter().filter(|i| i.counted).count(),
        groups,
        weeks: weeks.into_iter().collect(),
    })
}

/// The same question asked again: case, spacing and punctuation aside.
fn same_question(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn iso_week(unix_seconds: i64) -> String {
    let date = crate::hours::instant(unix_seconds)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .iso_week_date();
    format!("{}-W{:02}", date.year(), date.week())
}

/// One line of at most `max` characters.
fn shorten(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max - 1).collect();
    format!("{cut}…")
}

fn reason_label(reason: ReviewReason) -> &'static str {
    match reason {
        ReviewReason::Expert => "asked an expert",
        ReviewReason::NotHelpful => "not helpful",
        ReviewReason::Clarify => "asked back",
    }
}

/// The review as text for a terminal or a chat: at most `max_groups` groups.
pub fn render(review: &Review, since: &str, max_groups: usize) -> String {
    let mut out = format!(
        "Questions faqbot could not answer well since {since}: {} in {} group(s)\n",
        review.questions,
        review.groups.len()
    );
    for group in review.groups.iter().take(max_groups) {
        let name = match (&group.article, &group.title) {
            (Some(id), Some(title)) => format!("{title} ({id})"),
            _ => "near no article".to_string(),
        };
        out.push_str(&format!("\n{name}: asked {} time(s)\n", group.asked));
        for q in &group.questions {
            let reasons: Vec<&str> = q.reasons.iter().map(|r| reason_label(*r)).collect();
            out.push_str(&format!(
                "  {}× \"{}\" [{}]\n",
                q.times,
                shorten(&q.text, 160),
                reasons.join(", ")
            ));
            if !q.tickets.is_empty() {
                let numbers: Vec<String> = q.tickets.iter().map(|t| format!("#{t}")).collect();
                out.push_str(&format!("     tickets: {}\n", numbers.join(", ")));
            }
            for answer in &q.expert_answers {
                out.push_str(&format!("     expert: \"{}\"\n", shorten(answer, 160)));
            }
        }
    }
    if review.groups.len() > max_groups {
        out.push_str(&format!(
            "\n…and {} more group(s).\n",
            review.groups.len() - max_groups
        ));
    }
    if !review.weeks.is_empty() {
        out.push_str("\nPer week:");
        for (week, n) in &review.weeks {
            out.push_str(&format!(" {week}: {n};"));
        }
        out.pop();
        out.push('\n');
    }
    out
}
