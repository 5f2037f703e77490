//! Understanding a patient's message before anything is searched: the message is split into
//! sentences, greetings, pleas and sign-offs are dropped, a leading subject line is told
//! apart, and the sentences that ask something are found. What is searched is the question,
//! not the backstory around it. Pure; knows nothing of the index.

use crate::analyze::{is_stop_word, words};
use asks::{asks_amount, asks_choice, asks_number, first_clause_asks_number, judges_size};
use roles::{
    asks_outright, classify, is_question, judged_at_end, judges_without_verb, COURTESY, JUDGEMENTS,
};
use sentences::{considered, normalise, split_run_on_question, split_sentences};

mod asks;
mod roles;
mod sentences;
mod stage;
#[cfg(test)]
mod tests;

pub use asks::{compares, states_amount, Number};
pub use roles::is_courtesy;
pub use stage::Stage;

/// Words that name what the message is about in general without saying anything of it.
const GENERIC: &[&str] = &[
    "problem",
    "problems",
    "issue",
    "issues",
    "question",
    "questions",
    "query",
    "enquiry",
    "inquiry",
    "info",
    "information",
    "informations",
    "help",
    "advice",
    "regarding",
    "concern",
    "concerns",
    "suggestion",
    "suggestions",
    "kindly",
    "urgent",
    "worried",
    "worry",
    "patient",
    "help",
    "doubt",
    "doubts",
    "related",
    "case",
    "dear",
    "respected",
    "sir",
    "madam",
    "mam",
    "maam",
    "team",
    "hey",
    "pls",
    "plz",
    "hello",
    "hi",
    "lol",
];

/// The characters of a message that are read: Telegram's limit for one message. A longer
/// text (a pasted letter or report on `faqbot ask`) is read up to here, so understanding,
/// triage and search take bounded time whatever is pasted.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// How many further questions of one message are offered besides the main one.
const MAX_OTHER_QUESTIONS: usize = 3;
/// A message with at most this many content words and no question is too vague to answer.
const VAGUE_MAX_CONTENT: usize = 2;
/// A first sentence of at most this many words, followed by more, is a subject line.
const SUBJECT_MAX_WORDS: usize = 6;
/// How many words after "for" the "to" of "is it normal for creatinine to rise" may come.
const PLACEHOLDER_REACH: usize = 5;
/// A sentence a question points back to that has at most this many words is read with the
/// sentence before it.
const REFERENT_SHORT_WORDS: usize = 5;

/// What a sentence does in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Greeting, plea, thanks or sign-off: left out of the search.
    Courtesy,
    /// A short leading fragment ("Kidney problem.", "about creatinine").
    Subject,
    /// Asks something.
    Question,
    /// Tells something: the patient's history, results, situation.
    Backstory,
}

/// One sentence of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    pub role: Role,
}

/// A patient's message, understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message with capitals normalised when it was shouted, whitespace collapsed.
    pub text: String,
    pub sentences: Vec<Sentence>,
    /// What to search with: the main question, with the subject line when there is one; the
    /// whole meaningful text when nothing is asked outright.
    pub focus: String,
    /// The background the question is asked in (backstory and the other questions).
    pub context: String,
    /// Further questions of the same message, to offer after answering the main one.
    pub other_questions: Vec<String>,
    /// Words of the message that say what it is about (not filler, courtesy or generic).
    pub content_words: Vec<String>,
    /// Names a topic without asking anything ("dialysis", "Kidney problem.", "blood in my
    /// pee", "kidney stones"): too vague to answer, whatever article fits it.
    pub vague: bool,
    /// Asks something outright ("what is dialysis"), not just names a topic ("dialysis").
    pub asks: bool,
    /// Asks how much of a medicine to take ("what dose of gabapentin", "how many should I
    /// take a day", "how should I take it"): only a passage that states amounts answers it.
    pub asks_amount: bool,
    /// Asks for a number of any kind: a target or a limit ("what uric acid level should I
    /// aim for", "is there an age limit"), a count or a length of time ("how many years does
    /// a transplant last", "how long is the wait"): only a passage that states one answers it.
    /// Only the main question (and the subject line) counts.
    pub asks_number: Option<Number>,
    /// Asks which of two named options is better ("Forxiga or Jardiance, which protects the
    /// kidneys better?"): a passage that only names both does not answer it. Only the main
    /// question (and the subject line) counts.
    pub asks_choice: bool,
    /// Where the patient (or the person asked about) is in kidney care, when the message
    /// says so: "im on haemodialysis", "since my transplant". Articles often answer
    /// differently before dialysis, on dialysis and after a transplant.
    pub stage: Option<Stage>,
}

impl Message {
    /// Reads a message. Never fails: any text, even empty, is understood somehow. Only the
    /// first `MAX_MESSAGE_CHARS` characters are read (the caller keeps the whole text, for
    /// the experts).
    pub fn parse(raw: &str) -> Message {
        let text = normalise(considered(raw));
        let mut sentences: Vec<Sentence> = split_sentences(&text)
            .into_iter()
            .flat_map(|s| {
                split_run_on_question(s, |told| classify(told) == Role::Backstory, stands_alone)
            })
            .map(|s| Sentence {
                role: classify(&s),
                text: s,
            })
            .collect();
        if !sentences.iter().any(|s| s.role == Role::Question) {
            for s in &mut sentences {
                if s.role == Role::Backstory && judges_without_verb(&words(&s.text)) {
                    s.role = Role::Question;
                }
            }
        }
        let meaningful = sentences
            .iter()
            .filter(|s| s.role != Role::Courtesy)
            .count();
        if let Some(first) = sentences.iter_mut().find(|s| s.role != Role::Courtesy) {
            let short = words(&first.text).len() <= SUBJECT_MAX_WORDS;
            if meaningful > 1 && short && first.role == Role::Backstory {
                first.role = Role::Subject;
            }
        }
        let questions: Vec<&Sentence> = sentences
            .iter()
            .filter(|s| s.role == Role::Question && !content_words(&s.text).is_empty())
            .collect();
        let subject = sentences.iter().find(|s| s.role == Role::Subject);
        // "read online that baking soda slows ckd. true??": the main question leans on the
        // sentence before it, which then says what is asked.
        let leaned_on: Vec<&Sentence> = questions
            .first()
            .filter(|main| leans_back(&main.text))
            .and_then(|main| sentences.iter().position(|s| std::ptr::eq(s, *main)))
            .map(|at| referent(&sentences, at))
            .unwrap_or_default();
        let focus = match questions.first() {
            Some(main) => {
                let mut parts: Vec<&str> = subject.iter().map(|s| s.text.as_str()).collect();
                parts.extend(leaned_on.iter().map(|s| s.text.as_str()));
                parts.push(&main.text);
                parts.join(" ")
            }
            None => join_roles(
                &sentences,
                &[Role::Subject, Role::Backstory, Role::Question],
            ),
        };
        let other_questions: Vec<String> = questions
            .iter()
            .skip(1)
            .filter(|q| stands_alone(&q.text))
            .take(MAX_OTHER_QUESTIONS)
            .map(|q| q.text.clone())
            .collect();
        let context = if questions.is_empty() {
            String::new()
        } else {
            let main = &questions[0].text;
            sentences
                .iter()
                .filter(|s| matches!(s.role, Role::Backstory | Role::Question) && &s.text != main)
                .filter(|s| !leaned_on.iter().any(|l| std::ptr::eq(*s, *l)))
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let all = join_roles(
            &sentences,
            &[Role::Subject, Role::Backstory, Role::Question],
        );
        let content_words = content_words(&all);
        // A question mark alone ("creatinine??") does not say what is asked; with a word
        // that judges ("ibuprofen ok for kidneys?") it does.
        let asks = questions.iter().any(|q| {
            let ws = words(&q.text);
            is_question(q.text.trim_end_matches('?'), &ws)
                || judges_without_verb(&ws)
                || (q.text.trim_end().ends_with('?')
                    && (0..ws.len())
                        .any(|i| JUDGEMENTS.contains(&ws[i].as_str()) && judged_at_end(&ws, i)))
        }) || asks_outright(&all);
        let vague = content_words.is_empty() || (!asks && content_words.len() <= VAGUE_MAX_CONTENT);
        let asks_amount = sentences
            .iter()
            .filter(|s| matches!(s.role, Role::Question | Role::Subject))
            .any(|s| asks_amount(&words(&s.text)));
        // Only the main question counts: a side question ("... and how long will I be in
        // hospital?") is offered on its own after the answer, and judged then.
        // "Urine ACR 42 mg/mmol. Is that normal?": the value is in the subject line.
        let value_given = subject.is_some_and(|s| s.text.chars().any(|c| c.is_ascii_digit()));
        let asks_number = questions
            .first()
            .copied()
            .into_iter()
            .chain(subject)
            .find_map(|s| first_clause_asks_number(&s.text, value_given))
            .or(asks_amount.then_some(Number::Value))
            .or_else(|| {
                questions
                    .first()
                    .is_some_and(|q| judges_size(&all, &words(&q.text)))
                    .then_some(Number::Value)
            });
        let asks_choice = questions
            .first()
            .copied()
            .into_iter()
            .chain(subject)
            .any(|s| asks_choice(&words(&s.text)));
        let stage = Stage::told_in(&all);
        Message {
            text,
            sentences,
            focus,
            context,
            other_questions,
            content_words,
            vague,
            asks,
            asks_amount,
            asks_number,
            asks_choice,
            stage,
        }
    }

    /// What the main question asks about: the subject line, the main question and the
    /// questions that name nothing of their own ("is it any good?", "Please advise."), each
    /// with the backstory sentence just before it when it points back to it ("CT says
    /// 'Bosniak 2F cyst'. Is it cancer?"). A further question that stands on its own is
    /// offered after the answer, and judged then.
    pub fn asked_about(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        let (mut first, mut main_seen) = (true, false);
        for (i, s) in self.sentences.iter().enumerate() {
            match s.role {
                Role::Subject => parts.push(&s.text),
                Role::Question if main_seen && stands_alone(&s.text) => {}
                Role::Question => {
                    main_seen |= !content_words(&s.text).is_empty();
                    // A later plea with no words of its own ("Please advise us.") asks about
                    // the whole message, not about the sentence before it.
                    let leans = if first {
                        leans_back(&s.text)
                    } else {
                        points_back(&s.text)
                    };
                    first = false;
                    if leans {
                        parts.extend(referent(&self.sentences, i).iter().map(|b| b.text.as_str()));
                    }
                    parts.push(&s.text);
                }
                _ => {}
            }
        }
        parts.join(" ")
    }

    /// The sentences that say something (everything but courtesy), joined.
    pub fn meaningful(&self) -> String {
        join_roles(
            &self.sentences,
            &[Role::Subject, Role::Backstory, Role::Question],
        )
    }
}

/// Whether a further question names enough of its own to be offered, and judged, on its own.
fn stands_alone(question: &str) -> bool {
    content_words(question).len() >= 2
}

/// The backstory a question at `at` leans on: the sentence before it, and when that one is
/// too short to name anything much ("I've only just found out."), the one before that too.
fn referent(sentences: &[Sentence], at: usize) -> Vec<&Sentence> {
    let backstory = |i: usize| sentences.get(i).filter(|s| s.role == Role::Backstory);
    let Some(before) = at.checked_sub(1).and_then(backstory) else {
        return Vec::new();
    };
    let earlier = (words(&before.text).len() <= REFERENT_SHORT_WORDS)
        .then(|| at.checked_sub(2).and_then(backstory))
        .flatten();
    earlier.into_iter().chain([before]).collect()
}

/// Whether a question leans on the sentence before it for what it asks: it points back
/// ("is it cancer?", "is that safe?") or names at most one thing itself ("true??").
fn leans_back(question: &str) -> bool {
    points_back(question) || content_words(question).len() <= 1
}

/// Whether a question refers to something named before it ("is it cancer?", "how often
/// does that need scanning?", "what is the average wait there?"). The "it" of "is it
/// normal for creatinine to rise" names nothing: what it is about follows. The "it" of
/// "what is it supposed to be" does.
fn points_back(question: &str) -> bool {
    // The "there" of being: "is there", "will there be", "there are", "there is no".
    const BEFORE_THERE_OF_BEING: &[&str] = &[
        "is", "are", "was", "were", "will", "would", "could", "can", "should", "might", "may",
        "must", "isnt", "arent", "wasnt",
    ];
    const AFTER_THERE_OF_BEING: &[&str] = &[
        "is", "are", "was", "were", "will", "would", "could", "can", "should", "might", "may",
        "must", "be", "been", "seem", "seems", "has", "have", "had", "isnt", "arent", "any",
        "anything", "anyone", "no",
    ];
    const POINTERS: &[&str] = &["it", "that", "this", "they", "them", "these", "those"];
    // "it supposed to", "it going to": "it" is the subject, something named before.
    const SUBJECT_OF: &[&str] = &[
        "supposed", "meant", "going", "likely", "expected", "used", "able", "due", "trying",
    ];
    let ws = words(question);
    ws.iter().enumerate().any(|(i, w)| {
        // "is it normal for creatinine to rise", "is it ok to eat": what "it" is follows.
        // "is it safe for my kidneys?" has no "to" after "for": "it" is named before.
        let placeholder = w == "it"
            && ws
                .get(i + 1)
                .is_none_or(|next| !SUBJECT_OF.contains(&next.as_str()))
            && match ws.get(i + 2).map(String::as_str) {
                Some("to") => true,
                Some("for") => ws
                    .iter()
                    .skip(i + 3)
                    .take(PLACEHOLDER_REACH)
                    .any(|t| t == "to"),
                _ => false,
            };
        // "do they need to take the old kidney out?": the doctors, not something named
        // before ("do they need to be taken with food?" points back).
        let clinicians = w == "they"
            && matches!(
                ws.get(i + 1).map(String::as_str),
                Some("need" | "have" | "want")
            )
            && ws.get(i + 2).is_some_and(|t| t == "to")
            && ws.get(i + 3).is_some_and(|v| v != "be");
        // "what is the average wait there?": a number of the place named before, which
        // the articles cannot give ("how do we arrange dialysis there" is answered the
        // same anywhere). Not the "there" of "is there", "there is", "there are any".
        let place = w == "there"
            && asks_number(&ws, false).is_some()
            && i.checked_sub(1)
                .is_none_or(|b| !BEFORE_THERE_OF_BEING.contains(&ws[b].as_str()))
            && ws
                .get(i + 1)
                .is_none_or(|next| !AFTER_THERE_OF_BEING.contains(&next.as_str()));
        (POINTERS.contains(&w.as_str()) || place) && !placeholder && !clinicians
    })
}

fn join_roles(sentences: &[Sentence], roles: &[Role]) -> String {
    sentences
        .iter()
        .filter(|s| roles.contains(&s.role))
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `text` that carry its topic: no filler, courtesy, generic words or numbers.
pub fn content_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| {
            !is_stop_word(w)
                && !GENERIC.contains(&w.as_str())
                && !COURTESY.contains(&w.as_str())
                && !w.chars().all(|c| c.is_ascii_digit())
                && w.chars().count() > 1
        })
        .collect()
}
