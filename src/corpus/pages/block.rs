//! The intermediate form shared by the HTML and text readers: blocks of lines, each kept or left out (and why).

use std::collections::BTreeSet;

/// Why a line was left out; also names what a page consisted of when it has no article text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Why {
    Navigation,
    HeaderFooter,
    Sidebar,
    Cookie,
    Popup,
    Share,
    Teaser,
    Meta,
    Disclaimer,
    Repeated,
    ContactForm,
    Form,
    Noise,
}

impl Why {
    /// How an error message names what was left out, or `None` when it is not worth naming.
    pub(super) fn describe(self) -> Option<&'static str> {
        match self {
            Why::Navigation => Some("navigation"),
            Why::HeaderFooter => Some("the site's header and footer"),
            Why::Sidebar => Some("a sidebar"),
            Why::Cookie => Some("a cookie banner"),
            Why::Popup => Some("pop-ups and promotions"),
            Why::Share => Some("share buttons"),
            Why::Teaser => Some("teasers of other articles"),
            Why::Meta => Some("tags, dates and bylines"),
            Why::Disclaimer => Some("a disclaimer"),
            Why::Repeated => Some("text repeated on the folder's other pages"),
            Why::ContactForm => Some("a contact form"),
            Why::Form => Some("a form"),
            Why::Noise => None,
        }
    }
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A heading of level 1 to 6.
    Heading(u8),
    /// A paragraph; its kept lines are joined with spaces.
    Para,
    /// A list; each line is one item.
    List,
    /// A table; each line is one row.
    Table,
}

/// One line of a block: a `<br>`-separated line, a list item, a table row, or a line of a text dump.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) text: String,
    /// The number of words in `text`.
    pub(super) words: usize,
    /// The share of the line's characters that are link text (0 for text dumps).
    pub(super) link_ratio: f32,
    pub(super) dropped: Option<Why>,
}

impl Line {
    /// A kept line, whitespace collapsed.
    pub(super) fn new(text: &str, link_ratio: f32) -> Line {
        let text = collapse(text);
        Line {
            words: word_count(&text),
            text,
            link_ratio,
            dropped: None,
        }
    }
}

/// A heading, paragraph, list or table of the page, in reading order.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub(super) kind: Kind,
    pub(super) lines: Vec<Line>,
    /// A heading that also appears on many other pages of the folder (never the title).
    pub(super) repeated: bool,
}

impl Block {
    /// A block of the given lines (empty lines are left out).
    pub(super) fn new(kind: Kind, lines: Vec<Line>) -> Block {
        let lines = lines.into_iter().filter(|l| !l.text.is_empty()).collect();
        Block {
            kind,
            lines,
            repeated: false,
        }
    }

    /// Whether any line is still kept.
    pub(super) fn kept(&self) -> bool {
        self.lines.iter().any(|l| l.dropped.is_none())
    }

    /// Leaves out every line not yet left out.
    pub(super) fn drop_all(&mut self, why: Why) {
        for line in &mut self.lines {
            line.dropped.get_or_insert(why);
        }
    }

    /// The whole text of the block (kept or not), lines joined with spaces.
    pub(super) fn text(&self) -> String {
        let texts: Vec<&str> = self.lines.iter().map(|l| l.text.as_str()).collect();
        texts.join(" ")
    }

    /// The kept text, lines joined with spaces.
    pub(super) fn kept_text(&self) -> String {
        let texts: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| l.dropped.is_none())
            .map(|l| l.text.as_str())
            .collect();
        texts.join(" ")
    }

    /// The heading level, if this is a heading.
    pub(super) fn level(&self) -> Option<u8> {
        match self.kind {
            Kind::Heading(level) => Some(level),
            _ => None,
        }
    }
}

/// A page as read, before boilerplate is marked and sections are built.
#[derive(Debug, Clone, Default)]
pub(super) struct RawPage {
    pub(super) blocks: Vec<Block>,
    /// Titles from metadata, best first (og:title, an `<h1>` outside the main content, `<title>`).
    pub(super) titles: Vec<String>,
    pub(super) url: Option<String>,
    pub(super) tags: Vec<String>,
    /// What the reader left out before making blocks (navigation, forms...).
    pub(super) removed: BTreeSet<Why>,
    /// A text dump: headings are guessed, and what precedes the title line is the site's header.
    pub(super) text_dump: bool,
}

/// Collapses runs of whitespace (including no-break spaces) into one space, trims, and removes
/// invisible characters (zero-width spaces, soft hyphens, BOMs).
pub(super) fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if matches!(
            c,
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'
        ) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// The text reduced for comparison across pages: lowercase words of letters and digits.
pub(super) fn key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if !c.is_alphanumeric() {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push(' ');
            gap = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The number of words (whitespace-separated tokens with at least one letter or digit).
pub(super) fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut counted = false;
    for c in text.chars() {
        if c.is_whitespace() {
            counted = false;
        } else if !counted && c.is_alphanumeric() {
            count += 1;
            counted = true;
        }
    }
    count
}

/// Adds tags, skipping empty, overlong and case-insensitive duplicates.
pub(super) fn add_tags(tags: &mut Vec<String>, new: impl IntoIterator<Item = String>) {
    for tag in new {
        let tag = collapse(tag.trim_matches(|c: char| c.is_whitespace() || c == '#' || c == '.'));
        let fits = !tag.is_empty() && tag.chars().count() <= 60;
        if fits && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_and_key() {
        assert_eq!(collapse("  a\u{a0}\n b\u{ad}c  "), "a bc");
        assert_eq!(key("Home | About us!"), "home about us");
        assert_eq!(word_count("a – b 12"), 3);
    }

    #[test]
    fn tags_are_deduplicated() {
        let mut tags = vec!["CKD".to_string()];
        add_tags(&mut tags, ["ckd".into(), " diet ".into(), "".into()]);
        assert_eq!(tags, ["CKD", "diet"]);
    }
}
