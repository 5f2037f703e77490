//! faqbot answers kidney patients' questions on Telegram from an article corpus, and hands
//! what it cannot answer confidently to human kidney experts.
//!
//! The pipeline, one way: [`understand`] reads the patient's message, [`search`] finds and
//! ranks the articles for it (by words and by meaning), [`answer`] decides (answer, clarify,
//! escalate, urgent, small talk), and [`render`] formats the result. [`ask`] is the one entry
//! point that `faqbot ask`, `eval`, `serve` and the benchmark all use; [`corpus`] loads the
//! articles that [`search`] indexes.

pub mod analyze;
pub mod answer;
pub mod bot;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod corpus;
pub mod eval;
pub mod flood;
pub mod hours;
pub mod logging;
pub mod render;
pub mod review;
pub mod search;
pub mod store;
pub mod triage;
pub mod understand;

use answer::{Policy, Verdict};
use search::{Engine, Retrieval};
use understand::Message;

/// What faqbot made of one message: how it read it, what the index found, and the verdict.
#[derive(Debug, Clone)]
pub struct Reply {
    pub message: Message,
    pub retrieval: Retrieval,
    pub verdict: Verdict,
}

/// Answers one free-text message as the bot would. The message is read once; emergencies
/// and small talk are recognised before anything is searched.
pub fn ask(engine: &Engine, policy: &Policy, text: &str) -> anyhow::Result<Reply> {
    let message = Message::parse(text);
    let triage = engine.triage(&message.text);
    let smalltalk = answer::smalltalk(&message.text).filter(|_| triage.is_none());
    let mut retrieval = match smalltalk {
        Some(_) => Retrieval::default(),
        None => engine.retrieve(&message)?,
    };
    retrieval.triage = triage;
    let verdict = answer::decide(&message, &retrieval, policy);
    Ok(Reply {
        message,
        retrieval,
        verdict,
    })
}

/// Bad input from the user (a file, a flag): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// The process exit code for an error: 2 for usage and input errors, 1 for anything else.
pub fn exit_code(error: &anyhow::Error) -> i32 {
    let input = error.chain().any(|cause| {
        cause.is::<InputError>()
            || cause.is::<config::ConfigError>()
            || cause.is::<corpus::CorpusError>()
            || matches!(
                cause.downcast_ref::<search::BuildError>(),
                Some(search::BuildError::Corpus(_))
            )
    });
    if input {
        2
    } else {
        1
    }
}
