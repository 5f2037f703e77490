//! faqbot's integration tests: one binary, one module per feature, all built on `TestEnv`.

mod ask;
mod bot;
mod bot_safety;
mod corpus;
mod env;
mod eval;
#[path = "../support/fake_telegram.rs"]
mod fake_telegram;
mod http;
mod index;
mod pages;
mod pages_robustness;
mod postgres;
mod review;
mod sample_corpus;
mod settings;
mod topics;
mod waiting;
mod webhook;
