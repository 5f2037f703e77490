//! Lazily compiled regular expressions that never panic: a pattern that fails to compile
//! matches nothing (and each module's tests check that all of its patterns compile).

use std::sync::LazyLock;

use regex::Regex;

/// A regular expression compiled on first use.
pub(super) type Pattern = LazyLock<Option<Regex>>;

/// Compiles a pattern; `None` (matching nothing) if it is invalid.
pub(super) fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// Whether the pattern matches somewhere in the text.
pub(super) fn is(pattern: &Pattern, text: &str) -> bool {
    pattern.as_ref().is_some_and(|r| r.is_match(text))
}

/// Whether the text mentions any of the (lowercase) words: a cheap test before a regex.
pub(super) fn mentions(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    words.iter().any(|w| lower.contains(w))
}
