//! Builds the article from marked blocks: picks the title, drops headings left without text,
//! groups paragraphs into sections, and refuses pages without enough article text.

use std::collections::{BTreeSet, HashSet};

use super::block::{collapse, key, word_count, Block, Kind, RawPage, Why};
use super::{Page, PageError, Section};

/// Fewer words of paragraphs than this is not an article.
pub(super) const MIN_WORDS: usize = 40;

/// The article of a marked page, or why there is none.
pub(super) fn assemble(mut page: RawPage, file: &str) -> Result<Page, PageError> {
    let title = take_title(&mut page)
        .or_else(|| page.titles.first().cloned())
        .unwrap_or_else(|| title_from_file(file));
    drop_empty_headings(&mut page.blocks);
    let sections = sections(&page.blocks);
    let words: usize = sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(|p| word_count(p))
        .sum();
    if words < MIN_WORDS {
        return Err(no_article(&page, words));
    }
    Ok(Page {
        title,
        url: page.url,
        tags: page.tags,
        sections,
    })
}

/// The `<h1>` (or a text dump's title line) as title; what precedes it is the site's header.
fn take_title(page: &mut RawPage) -> Option<String> {
    let blocks = &mut page.blocks;
    let h1 = blocks
        .iter()
        .position(|b| b.kind == Kind::Heading(1) && b.kept() && !b.repeated);
    let index = h1.or_else(|| page.text_dump.then(|| title_line(blocks)).flatten())?;
    let title = collapse(&blocks[index].kept_text());
    blocks[index].drop_all(Why::Noise);
    for block in &mut blocks[..index] {
        if page.text_dump || word_count(&block.kept_text()) <= 25 {
            block.drop_all(Why::HeaderFooter);
        }
    }
    Some(title)
}

/// A text dump's title: before the body starts (the first paragraph of 20 words or more), the
/// first line, not repeated across pages, that reads as a title (a heading of up to 20 words, or a
/// short paragraph without closing punctuation) and is followed by text.
fn title_line(blocks: &[Block]) -> Option<usize> {
    let kept: Vec<usize> = (0..blocks.len()).filter(|&i| blocks[i].kept()).collect();
    for (n, &i) in kept.iter().enumerate() {
        let block = &blocks[i];
        let text = block.kept_text();
        let words = word_count(&text);
        let titled = match block.level() {
            Some(_) => (1..=20).contains(&words) && !block.repeated,
            None if words >= 20 => return None,
            None => !text.ends_with(['.', '!', ',', ';', ':']),
        };
        let followed = kept
            .get(n + 1)
            .is_some_and(|&j| blocks[j].level().is_none());
        if titled && followed {
            return Some(i);
        }
    }
    None
}

/// "chronic-kidney_disease.html" → "Chronic kidney disease".
fn title_from_file(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let words = collapse(&stem.replace(['-', '_'], " "));
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Untitled page".to_string(),
    }
}

/// Leaves out headings with no kept text before the next heading of the same or a higher level.
fn drop_empty_headings(blocks: &mut [Block]) {
    let mut content = [false; 7];
    for block in blocks.iter_mut().rev() {
        if !block.kept() {
            continue;
        }
        match block.level() {
            Some(level) => {
                let level = usize::from(level.clamp(1, 6));
                if !content[level] {
                    block.drop_all(Why::Noise);
                }
                content[level..].iter_mut().for_each(|c| *c = false);
            }
            None => content.iter_mut().for_each(|c| *c = true),
        }
    }
}

/// Sections split at `<h1>`/`<h2>`; lower headings become short paragraphs of their own.
fn sections(blocks: &[Block]) -> Vec<Section> {
    let mut out = Vec::new();
    let mut current = Section {
        heading: None,
        paragraphs: Vec::new(),
    };
    let mut seen = HashSet::new();
    for block in blocks.iter().filter(|b| b.kept()) {
        let text = paragraph(block);
        match block.kind {
            Kind::Heading(level) if level <= 2 => {
                let next = Section {
                    heading: Some(text),
                    paragraphs: Vec::new(),
                };
                let done = std::mem::replace(&mut current, next);
                if !done.paragraphs.is_empty() {
                    out.push(done);
                }
            }
            _ if word_count(&text) >= 8 && !seen.insert(key(&text)) => {}
            _ => current.paragraphs.push(text),
        }
    }
    if !current.paragraphs.is_empty() {
        out.push(current);
    }
    out
}

/// A block's kept text: lines joined with spaces; a list as "• item" lines, a table as rows.
fn paragraph(block: &Block) -> String {
    let kept = block.lines.iter().filter(|l| l.dropped.is_none());
    match block.kind {
        Kind::List => kept
            .map(|l| format!("• {}", l.text))
            .collect::<Vec<_>>()
            .join("\n"),
        Kind::Table => kept.map(|l| l.text.clone()).collect::<Vec<_>>().join("\n"),
        _ => collapse(&block.kept_text()),
    }
}

/// "no article text found (only navigation and a contact form)".
fn no_article(page: &RawPage, words: usize) -> PageError {
    let mut whys: BTreeSet<Why> = page.removed.clone();
    whys.extend(
        page.blocks
            .iter()
            .flat_map(|b| &b.lines)
            .filter_map(|l| l.dropped),
    );
    if whys.contains(&Why::ContactForm) {
        whys.remove(&Why::Form);
    }
    let names: Vec<&str> = whys.iter().filter_map(|w| w.describe()).collect();
    let list = join_names(&names);
    let counted = match words {
        1 => "1 word".to_string(),
        n => format!("{n} words"),
    };
    let message = match (words, list.is_empty()) {
        (0, true) => "no article text found (the page has no text)".to_string(),
        (0, false) => format!("no article text found (only {list})"),
        (_, true) => format!("no article text found (only {counted} of text; at least {MIN_WORDS} needed)"),
        (_, false) => format!(
            "no article text found (only {counted} of text besides {list}; at least {MIN_WORDS} needed)"
        ),
    };
    PageError {
        line: None,
        message,
    }
}

/// "a", "a and b", "a, b and c".
fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

#[cfg(test)]
mod tests {
    use super::super::block::Line;
    use super::*;

    fn block(kind: Kind, text: &str) -> Block {
        Block::new(kind, vec![Line::new(text, 0.0)])
    }

    #[test]
    fn text_titles_come_before_the_body() {
        let body = "Dialysis cleans the blood when the kidneys cannot, and most people have it three times a week at a unit.";
        let blocks = [
            block(Kind::Heading(2), "Riverside Kidney Clinic"),
            block(Kind::Heading(2), "Dialysis"),
            block(Kind::Para, body),
        ];
        assert_eq!(title_line(&blocks), Some(1));
        let long =
            "Dialysis: what to expect in your first weeks at the unit, and how to prepare for them";
        assert_eq!(
            title_line(&[block(Kind::Para, long), block(Kind::Para, body)]),
            Some(0)
        );
        let late = [
            block(Kind::Para, body),
            block(Kind::Heading(2), "Diet"),
            block(Kind::Para, body),
        ];
        assert_eq!(title_line(&late), None);
    }

    #[test]
    fn file_names_make_titles() {
        assert_eq!(
            title_from_file("dir/chronic-kidney_disease.html"),
            "Chronic kidney disease"
        );
        assert_eq!(title_from_file(".txt"), "Untitled page");
    }

    #[test]
    fn empty_headings_go() {
        let mut blocks = vec![
            block(Kind::Heading(2), "Empty"),
            block(Kind::Heading(2), "Full"),
            block(Kind::Heading(3), "Sub, empty"),
            block(Kind::Heading(3), "Sub"),
            block(Kind::Para, "Text."),
            block(Kind::Heading(2), "Trailing"),
        ];
        drop_empty_headings(&mut blocks);
        let kept: Vec<String> = blocks
            .iter()
            .filter(|b| b.kept())
            .map(Block::text)
            .collect();
        assert_eq!(kept, ["Full", "Sub", "Text."]);
    }

    #[test]
    fn names_join_naturally() {
        assert_eq!(join_names(&["a", "b", "c"]), "a, b and c");
        assert_eq!(
            join_names(&["navigation", "a contact form"]),
            "navigation and a contact form"
        );
    }
}
