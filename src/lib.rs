//! faqbot answers kidney patients' questions on Telegram from an article corpus, and hands
//! what it cannot answer confidently to human kidney experts.
//!
//! The pipeline: [`corpus`] loads articles, [`search`] indexes and retrieves them, [`answer`]
//! decides (answer, escalate, urgent, small talk), and [`render`] formats the result.

pub mod analyze;
pub mod answer;
pub mod bot;
pub mod cli;
pub mod commands;
pub mod config;
pub mod corpus;
pub mod eval;
pub mod flood;
pub mod redflags;
pub mod render;
pub mod search;
pub mod store;
pub mod triage;

use answer::{Policy, Verdict};
use search::Engine;

/// Answers one free-text question as the bot would.
pub fn ask(engine: &Engine, policy: &Policy, question: &str) -> anyhow::Result<Verdict> {
    let retrieval = engine.retrieve(question)?;
    Ok(answer::decide(question, &retrieval, policy))
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
