//! faqbot's integration tests: one binary, one module per feature, all built on `TestEnv`.

mod ask;
mod corpus;
mod env;
mod eval;
mod index;
mod sample_corpus;
