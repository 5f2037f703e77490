//! Recognising emergencies in a patient's message from the maintainer's red-flag patterns.
//! A pattern matches when its words appear in order with at most a few other words between
//! neighbours; words are compared by stem, and small words such as "no" are kept. A pattern
//! of parts joined by `&` ("transplant & fever") matches when every part occurs anywhere.

use crate::analyze::words;
use crate::corpus::RedFlags;

/// How many other words may stand between two neighbouring words of a pattern.
const MAX_GAP: usize = 3;

/// Compiled red-flag patterns.
#[derive(Debug)]
pub struct RedFlagMatcher {
    /// Per flag: its patterns, each a list of parts, each part a phrase of stems.
    flags: Vec<(String, Vec<Vec<Vec<String>>>)>,
    message: String,
}

impl RedFlagMatcher {
    pub fn new(red_flags: &RedFlags, stem: impl Fn(&str) -> String) -> RedFlagMatcher {
        let stems = |text: &str| words(text).iter().map(|w| stem(w)).collect::<Vec<_>>();
        let flags = red_flags
            .flag
            .iter()
            .map(|flag| {
                let patterns = flag
                    .patterns
                    .iter()
                    .map(|p| p.split('&').map(stems).filter(|s| !s.is_empty()).collect())
                    .collect();
                (flag.id.clone(), patterns)
            })
            .collect();
        RedFlagMatcher {
            flags,
            message: red_flags.message.clone(),
        }
    }

    /// The safety message sent before anything else when a flag matches.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Ids of the flags that `stems` (every word of the message, stemmed) raise.
    pub fn matches(&self, stems: &[String]) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(_, patterns)| {
                patterns.iter().any(|parts: &Vec<Vec<String>>| {
                    !parts.is_empty() && parts.iter().all(|p| matches_in_order(p, stems))
                })
            })
            .map(|(id, _)| id.as_str())
            .collect()
    }
}

/// Whether `pattern` occurs in `text` in order, with gaps of at most `MAX_GAP` words.
fn matches_in_order(pattern: &[String], text: &[String]) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return false;
    };
    text.iter()
        .enumerate()
        .filter(|(_, w)| *w == first)
        .any(|(start, _)| follows(rest, &text[start + 1..]))
}

fn follows(pattern: &[String], text: &[String]) -> bool {
    let Some((next, rest)) = pattern.split_first() else {
        return true;
    };
    text.iter()
        .take(MAX_GAP + 1)
        .enumerate()
        .filter(|(_, w)| *w == next)
        .any(|(i, _)| follows(rest, &text[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::RedFlag;

    fn matcher() -> RedFlagMatcher {
        let flags = RedFlags {
            message: "Call now".into(),
            flag: vec![RedFlag {
                id: "no-urine".into(),
                patterns: vec![
                    "no urine day".into(),
                    "not peed since yesterday".into(),
                    "transplant & fever".into(),
                ],
            }],
        };
        RedFlagMatcher::new(&flags, |w| w.trim_end_matches('s').to_string())
    }

    fn stems(text: &str) -> Vec<String> {
        words(text)
            .iter()
            .map(|w| w.trim_end_matches('s').to_string())
            .collect()
    }

    #[test]
    fn patterns_match_in_order_with_small_gaps() {
        let m = matcher();
        assert_eq!(
            m.matches(&stems("I have had no urine for a whole day")),
            ["no-urine"]
        );
        assert_eq!(m.matches(&stems("havent peed since yesterday")).len(), 0);
        assert_eq!(
            m.matches(&stems("I have not peed since yesterday!")),
            ["no-urine"]
        );
        assert!(m.matches(&stems("urine day no")).is_empty());
        assert!(m
            .matches(&stems("no, my urine is fine, I went five times every day"))
            .is_empty());
    }
}
