//! Finds text that repeats across many pages of a folder (disclaimers, addresses, site names,
//! menus) and marks it as boilerplate.

use std::collections::{HashMap, HashSet};

use super::block::{key, word_count, Kind, RawPage, Why};

/// Keys of text found on at least half the pages of a folder of three or more.
pub(super) struct Repeated {
    /// Any paragraph, line or heading.
    keys: HashSet<String>,
    /// Title candidates: `<h1>`s, metadata titles, and a text dump's headings before its body.
    /// (Other pages' teasers and "Next article" links name an article's title, so a title is
    /// judged against other pages' titles only: a site name in that place is never the title.)
    titles: HashSet<String>,
}

/// Pages with fewer identities than this have no cross-page boilerplate.
const MIN_PAGES: usize = 3;

impl Repeated {
    /// Counts text across pages; `pages` pairs each page with its file stem. Copies of one
    /// article (saved as `.html` and `.txt`, or a print version) count once: see `identities`.
    pub(super) fn count<'a>(pages: impl IntoIterator<Item = (String, &'a RawPage)>) -> Repeated {
        let (stems, pages): (Vec<String>, Vec<&RawPage>) = pages.into_iter().unzip();
        let page_keys: Vec<HashSet<String>> = pages.iter().map(|p| page_keys(p)).collect();
        let mut keys: HashMap<String, HashSet<String>> = HashMap::new();
        let mut titles: HashMap<String, HashSet<String>> = HashMap::new();
        for ((identity, page), page_keys) in identities(stems, &pages)
            .into_iter()
            .zip(&pages)
            .zip(page_keys)
        {
            titles
                .entry(identity.clone())
                .or_default()
                .extend(title_keys(page));
            keys.entry(identity).or_default().extend(page_keys);
        }
        Repeated {
            keys: frequent(keys),
            titles: frequent(titles),
        }
    }

    /// Whether the text is repeated across the folder.
    pub(super) fn contains(&self, text: &str) -> bool {
        !self.keys.is_empty() && self.keys.contains(&key(text))
    }

    fn is_title(&self, text: &str) -> bool {
        !self.titles.is_empty() && self.titles.contains(&key(text))
    }

    /// Marks repeated paragraphs and lines as left out, and repeated headings as never the title.
    /// List items and table rows go only with their whole list or table.
    pub(super) fn mark(&self, page: &mut RawPage) {
        if self.keys.is_empty() {
            return;
        }
        for block in &mut page.blocks {
            if block.level().is_some() {
                block.repeated = self.is_title(&block.text());
                continue;
            }
            if self.contains(&block.text()) {
                block.drop_all(Why::Repeated);
                continue;
            }
            if block.kind != Kind::Para {
                continue;
            }
            for line in &mut block.lines {
                if self.contains(&line.text) {
                    line.dropped.get_or_insert(Why::Repeated);
                }
            }
        }
        page.titles.retain(|t| !self.is_title(t));
    }
}

/// Which pages are copies of one article. A page's signature is its rarest long paragraph (of 12
/// words or more); when even that is found on another page, every long paragraph of the page is,
/// and the pages sharing it are one article. Other pages are known by their file stem.
fn identities(stems: Vec<String>, pages: &[&RawPage]) -> Vec<String> {
    let long: Vec<HashSet<String>> = pages.iter().map(|p| long_keys(p)).collect();
    let mut pages_with: HashMap<&str, usize> = HashMap::new();
    for key in long.iter().flatten() {
        *pages_with.entry(key.as_str()).or_default() += 1;
    }
    let rarest = |keys: &HashSet<String>| {
        keys.iter()
            .map(|k| (pages_with.get(k.as_str()).copied().unwrap_or(0), k))
            .min()
            .filter(|(count, _)| *count >= 2)
            .map(|(_, k)| format!("copy of: {k}"))
    };
    stems
        .into_iter()
        .zip(&long)
        .map(|(stem, keys)| rarest(keys).unwrap_or(stem))
        .collect()
}

/// Keys of a page's paragraphs of 12 words or more.
fn long_keys(page: &RawPage) -> HashSet<String> {
    let lines = page
        .blocks
        .iter()
        .filter(|b| b.kind == Kind::Para)
        .flat_map(|b| &b.lines);
    lines
        .filter(|l| l.words >= 12)
        .map(|l| key(&l.text))
        .collect()
}

/// The keys found on at least half the pages (by identity), when there are three or more.
fn frequent(by_identity: HashMap<String, HashSet<String>>) -> HashSet<String> {
    let pages = by_identity.len();
    if pages < MIN_PAGES {
        return HashSet::new();
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for k in by_identity.into_values().flatten() {
        *counts.entry(k).or_default() += 1;
    }
    let threshold = pages.div_ceil(2).max(2);
    counts
        .into_iter()
        .filter(|(_, n)| *n >= threshold)
        .map(|(k, _)| k)
        .collect()
}

/// A page's title candidates: `<h1>`s, metadata titles, and (in text dumps) the headings before
/// the first paragraph of 20 words or more.
fn title_keys(page: &RawPage) -> HashSet<String> {
    let mut keys: HashSet<String> = page.titles.iter().map(|t| key(t)).collect();
    let mut in_header = page.text_dump;
    for block in &page.blocks {
        let text = block.text();
        if block.kind == Kind::Heading(1) || (in_header && block.level().is_some()) {
            keys.insert(key(&text));
        }
        if block.level().is_none() && word_count(&text) >= 20 {
            in_header = false;
        }
    }
    keys.remove("");
    keys
}

fn page_keys(page: &RawPage) -> HashSet<String> {
    let mut keys = HashSet::new();
    for block in &page.blocks {
        if block.kind == Kind::Para || block.lines.len() == 1 {
            keys.extend(block.lines.iter().map(|l| key(&l.text)));
        }
        if block.lines.len() > 1 {
            keys.insert(key(&block.text()));
        }
    }
    keys.extend(page.titles.iter().map(|t| key(t)));
    keys.remove("");
    keys
}

#[cfg(test)]
mod tests {
    use super::super::block::{Block, Line};
    use super::*;

    fn page(texts: &[&str]) -> RawPage {
        let blocks = texts
            .iter()
            .map(|t| Block::new(Kind::Para, vec![Line::new(t, 0.0)]))
            .collect();
        RawPage {
            blocks,
            ..RawPage::default()
        }
    }

    #[test]
    fn half_the_pages_make_boilerplate() {
        let pages = [
            page(&["Disclaimer text here.", "Alpha"]),
            page(&["Disclaimer  text here!", "Beta"]),
            page(&["Gamma"]),
        ];
        let repeated = Repeated::count(pages.iter().enumerate().map(|(i, p)| (i.to_string(), p)));
        assert!(repeated.contains("disclaimer text here"));
        assert!(!repeated.contains("Alpha"));
        let same = Repeated::count(pages.iter().map(|p| ("one".to_string(), p)));
        assert!(!same.contains("disclaimer text here"));
    }

    #[test]
    fn copies_of_an_article_count_once() {
        let article =
            "Dialysis removes waste and extra water from the blood when the kidneys cannot do it.";
        let other = "Eating less salt helps to control your blood pressure and the swelling of your ankles.";
        let third = "A kidney transplant is an operation to place a healthy kidney from a donor in your body.";
        let pages = [
            page(&[article]),
            page(&[article]),
            page(&[other]),
            page(&[third]),
        ];
        let stems = ["dialysis", "dialysis-print", "salt", "transplant"];
        let repeated = Repeated::count(stems.iter().map(|s| s.to_string()).zip(&pages));
        assert!(!repeated.contains(article));
    }
}
