//! Marks what is not article text: each line by itself (`lines`), then what shows only in
//! sequence: menus spread over several lines, forms (`forms`), teasers of other articles,
//! "Related articles" sections, the targets of "Previous / Next" labels and cookie-banner buttons.

use std::sync::LazyLock;

use super::block::{add_tags, key, word_count, Block, Kind, Line, RawPage, Why};
use super::forms;
use super::lines::{self, MENU_WORDS};
use super::pattern::{is, re, Pattern};

static RELATED: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(related|related (articles|posts|pages|content|topics|reading|stories|information|links)|you (may|might) also (like|be interested in|want to read)|more (articles|stories|on this topic|from our blog|like this|news)|read next|recommended( for you| reading| articles)?|popular (posts|articles)|recent (posts|articles)|latest (news|articles|posts)|most (read|popular)|trending( now)?|see also|further reading|other articles|in this section|also in this section)\W*$",
    )
});

/// Marks every line that is not article text, and collects the tags of "Tags:" lines.
pub(super) fn mark(page: &mut RawPage) {
    classify_lines(page);
    let blocks = &mut page.blocks;
    mark_menu_runs(blocks);
    forms::mark(blocks);
    mark_cookie_buttons(blocks);
    mark_prev_next_targets(blocks);
    mark_teasers(blocks);
    mark_related(blocks, page.text_dump);
}

fn classify_lines(page: &mut RawPage) {
    let mut tags = Vec::new();
    for block in &mut page.blocks {
        for line in &mut block.lines {
            if line.dropped.is_some() {
                continue;
            }
            if let Some(listed) = lines::tag_line(&line.text) {
                tags.extend(listed);
                line.dropped = Some(Why::Meta);
            } else {
                line.dropped = lines::classify(line, block.kind);
            }
        }
    }
    add_tags(&mut page.tags, tags);
}

/// The (block, line) positions of all lines in reading order.
pub(super) fn positions(blocks: &[Block]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (b, block) in blocks.iter().enumerate() {
        out.extend((0..block.lines.len()).map(|l| (b, l)));
    }
    out
}

pub(super) fn line_at(blocks: &[Block], (b, l): (usize, usize)) -> &Line {
    &blocks[b].lines[l]
}

pub(super) fn text_at(blocks: &[Block], at: (usize, usize)) -> &str {
    &line_at(blocks, at).text
}

pub(super) fn words_at(blocks: &[Block], at: (usize, usize)) -> usize {
    line_at(blocks, at).words
}

pub(super) fn kept_at(blocks: &[Block], (b, l): (usize, usize)) -> bool {
    blocks[b].lines[l].dropped.is_none()
}

pub(super) fn drop_at(blocks: &mut [Block], (b, l): (usize, usize), why: Why) {
    blocks[b].lines[l].dropped.get_or_insert(why);
}

/// A line that could be a menu entry: one to three capitalised words, no digits or punctuation.
fn menu_entry(line: &Line) -> bool {
    let text = &line.text;
    let starts_upper = text.chars().next().is_some_and(char::is_uppercase);
    let short = line.words <= 3 && text.len() <= 60;
    short
        && starts_upper
        && !text
            .chars()
            .any(|c| c.is_ascii_digit() || ".!?:,;".contains(c))
}

/// Three or more menu entries in a row (all list items, or none), at least two of them usual
/// menu words.
fn mark_menu_runs(blocks: &mut [Block]) {
    let all = positions(blocks);
    let mut start = 0;
    while start < all.len() {
        let list = blocks[all[start].0].kind == Kind::List;
        let entry = |p: &&(usize, usize)| {
            let kind = blocks[p.0].kind;
            let same = (kind == Kind::List) == list && kind != Kind::Heading(1);
            same && menu_entry(line_at(blocks, **p))
        };
        let run = all[start..].iter().take_while(entry).count();
        let known = all[start..start + run]
            .iter()
            .filter(|&&p| MENU_WORDS.contains(&key(text_at(blocks, p)).as_str()))
            .count();
        if run >= 3 && known >= 2 {
            for &p in &all[start..start + run] {
                drop_at(blocks, p, Why::Navigation);
            }
        }
        start += run.max(1);
    }
}

/// The buttons after a cookie notice ("Accept", "Settings") and its heading before it.
fn mark_cookie_buttons(blocks: &mut [Block]) {
    let all = positions(blocks);
    for (i, &p) in all.iter().enumerate() {
        if blocks[p.0].lines[p.1].dropped != Some(Why::Cookie) {
            continue;
        }
        for &q in all.iter().skip(i + 1).take(4) {
            if words_at(blocks, q) > 4 {
                break;
            }
            drop_at(blocks, q, Why::Cookie);
        }
        if let Some(&q) = i.checked_sub(1).and_then(|h| all.get(h)) {
            let lower = text_at(blocks, q).to_lowercase();
            if words_at(blocks, q) <= 6 && (lower.contains("privacy") || lower.contains("cookie")) {
                drop_at(blocks, q, Why::Cookie);
            }
        }
    }
}

/// The article named after a lone "Previous article" / "Next article" label.
fn mark_prev_next_targets(blocks: &mut [Block]) {
    let all = positions(blocks);
    for i in 0..all.len() {
        if !lines::is_prev_next_label(line_at(blocks, all[i])) {
            continue;
        }
        let Some(&next) = all.get(i + 1) else {
            continue;
        };
        let line = line_at(blocks, next);
        let title_like = !line.text.ends_with(['.', '!', ',', ';']);
        if line.words <= 14 && (line.link_ratio >= 0.5 || title_like) {
            drop_at(blocks, next, Why::Navigation);
        }
    }
}

/// A "Read more" link with its teaser: the one-line summary and the short heading before it.
fn mark_teasers(blocks: &mut [Block]) {
    for i in 0..blocks.len() {
        let marker = blocks[i]
            .lines
            .iter()
            .any(|l| l.dropped == Some(Why::Teaser) && lines::is_read_more(&l.text));
        if !marker {
            continue;
        }
        let alone = !blocks[i].kept();
        blocks[i].drop_all(Why::Teaser);
        let mut back = (0..i).rev().filter(|&j| blocks[j].kept());
        let Some(previous) = back.next() else {
            continue;
        };
        let heading = if alone && is_summary(&blocks[previous]) {
            blocks[previous].drop_all(Why::Teaser);
            (0..previous).rev().find(|&j| blocks[j].kept())
        } else {
            Some(previous)
        };
        if let Some(h) = heading.filter(|&h| is_teaser_title(&blocks[h])) {
            blocks[h].drop_all(Why::Teaser);
        }
    }
}

fn is_summary(block: &Block) -> bool {
    matches!(block.kind, Kind::Para) && word_count(&block.kept_text()) <= 45
}

fn is_teaser_title(block: &Block) -> bool {
    let text = block.kept_text();
    let short = word_count(&text) <= 14;
    match block.kind {
        Kind::Heading(level) => level >= 2 && short,
        Kind::Para => short && !text.ends_with(['.', '!', ',', ';', ':']),
        _ => false,
    }
}

/// A "Related articles" heading and its section (in text dumps, the short blocks after it).
fn mark_related(blocks: &mut [Block], text_dump: bool) {
    let mut i = 0;
    while i < blocks.len() {
        let level = blocks[i]
            .level()
            .filter(|_| is(&RELATED, &blocks[i].text()));
        let Some(level) = level else {
            i += 1;
            continue;
        };
        blocks[i].drop_all(Why::Teaser);
        i += 1;
        while i < blocks.len() {
            let ends = if text_dump {
                starts_article(blocks, i)
            } else {
                blocks[i].level().is_some_and(|l| l <= level)
            };
            if ends {
                break;
            }
            blocks[i].drop_all(Why::Teaser);
            i += 1;
        }
    }
}

/// In a text dump, where a "Related articles" run ends: a long paragraph, or a heading followed
/// by a paragraph longer than a teaser's summary.
fn starts_article(blocks: &[Block], i: usize) -> bool {
    let words = |b: &Block| word_count(&b.kept_text());
    match blocks[i].level() {
        None => words(&blocks[i]) > 45,
        Some(_) => blocks[i + 1..]
            .iter()
            .find(|b| b.kept())
            .is_some_and(|next| next.level().is_none() && words(next) > 25),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(text: &str) -> Block {
        Block::new(Kind::Para, vec![Line::new(text, 0.0)])
    }

    fn kept(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .filter(|b| b.kept())
            .map(Block::kept_text)
            .collect()
    }

    fn marked(blocks: Vec<Block>) -> Vec<String> {
        let mut page = RawPage {
            blocks,
            text_dump: true,
            ..RawPage::default()
        };
        mark(&mut page);
        kept(&page.blocks)
    }

    #[test]
    fn pattern_compiles() {
        assert!(RELATED.is_some());
    }

    #[test]
    fn teasers_and_menus_go() {
        let body = "Dialysis cleans the blood when the kidneys cannot.";
        let blocks = vec![
            para("Home"),
            para("About us"),
            para("Services"),
            para("Contact"),
            para(body),
            Block::new(Kind::Heading(2), vec![Line::new("Diet and CKD", 0.0)]),
            para("What to eat when your kidneys do not work well."),
            para("Read more"),
        ];
        assert_eq!(marked(blocks), [body]);
    }
}
