//! Turns a folder of saved web pages (HTML or plain-text dumps) into articles, leaving out
//! everything that is not the article: navigation, headers and footers, forms, teasers, share
//! buttons, cookie banners and text repeated across the folder's pages.

mod assemble;
mod block;
mod decode;
mod forms;
mod html;
mod lines;
mod pattern;
mod repeat;
mod runs;
mod text;

use std::fmt;

use block::RawPage;
use repeat::Repeated;

/// A paragraph-structured article extracted from a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The article's title (its `<h1>`, og:title, `<title>` without the site name, or a text dump's title line).
    pub title: String,
    /// The canonical address, when the page names one.
    pub url: Option<String>,
    /// Keywords and tags the page lists.
    pub tags: Vec<String>,
    /// The article text, split at `<h2>` (or a text dump's heading lines).
    pub sections: Vec<Section>,
}

/// A section of an article: an optional heading and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading; `None` for text before the first heading.
    pub heading: Option<String>,
    /// Plain text, whitespace collapsed; a list is one paragraph of "• item" lines joined by "\n".
    pub paragraphs: Vec<String>,
}

/// How a page was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// An `.html` / `.htm` file.
    Html,
    /// A plain-text dump of a page (`.txt`).
    Text,
}

/// Why a page yields no article, worded for the maintainer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    /// The line concerned, when one is.
    pub line: Option<usize>,
    /// What is wrong, e.g. "file too large (12 MB; limit 5 MB)".
    pub message: String,
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PageError {}

/// Extracts the articles of the pages of ONE folder, in input order. Boilerplate repeated across
/// many pages of the folder (at least half of three or more) is removed.
pub fn extract_folder(pages: &[(String, PageKind, Vec<u8>)]) -> Vec<Result<Page, PageError>> {
    marked_pages(pages)
        .into_iter()
        .zip(pages)
        .map(|(raw, (name, _, _))| assemble::assemble(raw?, name))
        .collect()
}

/// Reads every page and marks what is not article text, repetition across the folder included.
fn marked_pages(pages: &[(String, PageKind, Vec<u8>)]) -> Vec<Result<RawPage, PageError>> {
    let mut raws: Vec<Result<RawPage, PageError>> = pages
        .iter()
        .map(|(_, kind, bytes)| read(bytes, *kind))
        .collect();
    let stems = pages.iter().map(|(name, _, _)| stem(name));
    let readable = stems
        .zip(&raws)
        .filter_map(|(stem, raw)| Some((stem, raw.as_ref().ok()?)));
    let repeated = Repeated::count(readable);
    for raw in raws.iter_mut().flatten() {
        repeated.mark(raw);
        runs::mark(raw);
    }
    raws
}

/// Decodes and reads one page.
fn read(bytes: &[u8], kind: PageKind) -> Result<RawPage, PageError> {
    let text = decode::decode(bytes, kind)?;
    Ok(match kind {
        PageKind::Html => html::read(&text),
        PageKind::Text => text::read(&text),
    })
}

/// The file name without folder and extension, lowercase: `ckd.html` and `ckd.txt` are one page
/// when counting repetition.
fn stem(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    stem.to_lowercase()
}
