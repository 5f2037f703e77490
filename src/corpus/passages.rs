//! Cutting an article into passages: whole paragraphs, or a short run of them, inside one
//! section. A passage is what a patient is shown, so it never ends mid-sentence.

use serde::{Deserialize, Serialize};

use super::Article;

/// Below this many characters a passage takes in the next paragraph of its section.
const MIN_CHARS: usize = 280;
/// A passage grows no longer than this, unless one sentence alone is longer.
const MAX_CHARS: usize = 1100;

/// A piece of an article shown to a patient as an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// The heading of the section it comes from.
    pub heading: Option<String>,
    /// Paragraphs separated by blank lines; list items on lines of their own.
    pub text: String,
}

/// Splits every section of `article` into passages, in reading order.
pub fn split_passages(article: &Article) -> Vec<Passage> {
    let mut passages = Vec::new();
    for section in &article.sections {
        let paragraphs: Vec<String> = section
            .paragraphs
            .iter()
            .flat_map(|p| split_long(p, MAX_CHARS))
            .collect();
        for run in group(&paragraphs) {
            passages.push(Passage {
                heading: section.heading.clone(),
                text: run.join("\n\n"),
            });
        }
    }
    passages
}

/// Groups paragraphs into runs: short ones join the next, a lead-in joins what it introduces.
fn group(paragraphs: &[String]) -> Vec<Vec<&str>> {
    let mut runs: Vec<Vec<&str>> = Vec::new();
    let mut len = 0;
    for p in paragraphs {
        let joins = match runs.last() {
            None => false,
            Some(run) => {
                let lead_in = run.last().is_some_and(|last| is_lead_in(last));
                let fits = len + p.len() <= MAX_CHARS;
                (lead_in && len + p.len() <= MAX_CHARS * 3 / 2) || (len < MIN_CHARS && fits)
            }
        };
        if joins {
            if let Some(run) = runs.last_mut() {
                run.push(p);
            }
            len += p.len();
        } else {
            runs.push(vec![p]);
            len = p.len();
        }
    }
    // A short tail reads better with what comes before it.
    if runs.len() >= 2 && len < MIN_CHARS / 2 {
        let prev_len: usize = runs[runs.len() - 2].iter().map(|p| p.len()).sum();
        if prev_len + len <= MAX_CHARS {
            if let Some(tail) = runs.pop() {
                if let Some(prev) = runs.last_mut() {
                    prev.extend(tail);
                }
            }
        }
    }
    runs
}

/// A paragraph that introduces a list or the next paragraph ("Causes include:").
fn is_lead_in(paragraph: &str) -> bool {
    let end = paragraph.trim_end();
    !end.starts_with('•') && !end.ends_with(['.', '!', '?', '"', ')'])
}

/// Splits a paragraph longer than `max` at sentence (or list line) boundaries.
fn split_long(paragraph: &str, max: usize) -> Vec<String> {
    if paragraph.len() <= max {
        return vec![paragraph.to_string()];
    }
    let mut chunks = Vec::new();
    let mut current = String::new();
    for sentence in sentences(paragraph) {
        if !current.is_empty() && current.len() + sentence.len() > max {
            chunks.push(std::mem::take(&mut current).trim_end().to_string());
        }
        current.push_str(sentence);
    }
    if !current.trim().is_empty() {
        chunks.push(current.trim_end().to_string());
    }
    chunks
}

/// Sentences (or list lines) of a paragraph, each keeping its trailing space or newline.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate() {
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let after = chars.get(i + 2).map(|&(_, c)| c);
        let ends = match c {
            '\n' => true,
            '.' | '!' | '?' => {
                next == Some(' ')
                    && after.is_some_and(|a| a.is_uppercase() || a.is_ascii_digit() || a == '•')
            }
            _ => false,
        };
        if ends {
            let end = chars.get(i + 2).map_or(text.len(), |&(p, _)| p);
            let end = if c == '\n' { pos + 1 } else { end };
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Section;

    fn article(paragraphs: &[&str]) -> Article {
        Article {
            id: "a".into(),
            title: "A".into(),
            url: "u".into(),
            tags: vec![],
            questions: vec![],
            examples: vec![],
            sections: vec![Section {
                heading: Some("Causes".into()),
                paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
            }],
        }
    }

    #[test]
    fn short_paragraphs_join_and_long_ones_stand_alone() {
        let long = "Dialysis cleans the blood. ".repeat(20);
        let passages = split_passages(&article(&["Short one.", "Short two.", &long, &long]));
        assert_eq!(passages.len(), 2);
        assert!(passages[0]
            .text
            .starts_with("Short one.\n\nShort two.\n\nDialysis"));
        assert_eq!(passages[1].text, long);
    }

    #[test]
    fn a_lead_in_stays_with_its_list() {
        let intro = "Causes include ".to_string() + &"words ".repeat(60);
        let list = "• dehydration\n• some medicines";
        let passages = split_passages(&article(&[&intro, list]));
        assert_eq!(passages.len(), 1);
        assert!(passages[0].text.ends_with("• some medicines"));
    }

    #[test]
    fn long_paragraphs_split_between_sentences() {
        let sentence = "The kidneys filter about a fistful of blood every minute. ";
        let long = sentence.repeat(60);
        let passages = split_passages(&article(&[&long]));
        assert!(passages.len() > 1);
        for p in &passages {
            assert!(p.text.len() <= MAX_CHARS, "{}", p.text.len());
            assert!(
                p.text.ends_with("minute."),
                "cut mid-sentence: {:?}",
                p.text
            );
        }
    }
}
