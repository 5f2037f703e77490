//! The index's vocabulary, for correcting typos ("dialisis", "potasium") to known stems.

use std::collections::HashMap;

/// Known stems with their document frequencies, bucketed by first letter for fast lookup.
#[derive(Debug, Default)]
pub struct Vocabulary {
    known: HashMap<String, u64>,
    by_first: HashMap<char, Vec<(String, u64)>>,
}

impl Vocabulary {
    /// Adds a stem seen in `doc_freq` documents (0 for words known from synonyms only).
    pub fn add(&mut self, stem: &str, doc_freq: u64) {
        if stem.contains('~') || self.known.contains_key(stem) {
            return;
        }
        self.known.insert(stem.to_string(), doc_freq);
        if let Some(first) = stem.chars().next() {
            self.by_first
                .entry(first)
                .or_default()
                .push((stem.to_string(), doc_freq));
        }
    }

    pub fn contains(&self, stem: &str) -> bool {
        self.known.contains_key(stem)
    }

    /// The closest known stem to an unknown one, if it is close enough to be a typo.
    /// Short words are never corrected: "park" must not become "part".
    pub fn correct(&self, stem: &str) -> Option<&str> {
        let len = stem.chars().count();
        let max_distance = match len {
            0..=4 => return None,
            5..=7 => 1,
            _ => 2,
        };
        if stem.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let first = stem.chars().next()?;
        self.by_first
            .get(&first)?
            .iter()
            .filter(|(known, df)| *df > 0 && known.len().abs_diff(stem.len()) <= max_distance)
            .map(|(known, df)| (strsim::osa_distance(stem, known), *df, known))
            .filter(|(distance, _, _)| *distance <= max_distance)
            .min_by_key(|(distance, df, _)| (*distance, std::cmp::Reverse(*df)))
            .map(|(_, _, known)| known.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_correct_to_the_nearest_frequent_stem() {
        let mut v = Vocabulary::default();
        v.add("dialysi", 40);
        v.add("potassium", 12);
        v.add("part", 30);
        assert_eq!(v.correct("dialisi"), Some("dialysi"));
        assert_eq!(v.correct("potasium"), Some("potassium"));
        assert_eq!(v.correct("park"), None);
        assert_eq!(v.correct("zebra"), None);
    }
}
