//! Finds the element holding a page's main content: the largest `<article>`, else `<main>`,
//! else the deepest element that holds most of the page's prose (text outside links and chrome).

use super::super::block::word_count;
use super::dom::{role, Dom};

/// Share of the page's prose (in tenths) that the main content must hold.
const MOST: usize = 7;

/// The element holding the main content.
pub(super) fn main_content(dom: &Dom<'_>) -> usize {
    let unskipped = |i: &usize| !dom.skipped[*i];
    let article = dom
        .find("article")
        .filter(unskipped)
        .max_by_key(|&i| dom.kept_words(i));
    let main = (0..dom.nodes.len()).filter(unskipped).find(|&i| {
        dom.element(i)
            .is_some_and(|e| e.name() == "main" || role(e) == "main")
    });
    let body = dom.find("body").next().unwrap_or(0);
    [article, main, prose_container(dom, body)]
        .into_iter()
        .flatten()
        .find(|&i| dom.kept_words(i) >= 40)
        .unwrap_or(body)
}

/// The deepest element under `body` holding most of the page's prose. Unlike scoring single
/// containers, this keeps an article together when a page builder spreads it over many widgets.
fn prose_container(dom: &Dom<'_>, body: usize) -> Option<usize> {
    let prose = prose_words(dom);
    let words = |i: usize| prose[dom.nodes[i].end] - prose[i];
    let total = words(body);
    if total < 20 {
        return None;
    }
    let mut at = body;
    while let Some(child) = dom
        .children(at)
        .find(|&c| dom.element(c).is_some() && words(c) * 10 >= total * MOST)
    {
        at = child;
    }
    Some(at)
}

/// Prefix sums of the words of text nodes outside chrome and links: `prose[i]` counts nodes before `i`.
fn prose_words(dom: &Dom<'_>) -> Vec<usize> {
    let mut prose = Vec::with_capacity(dom.nodes.len() + 1);
    let mut sum = 0;
    let mut link_end = 0;
    prose.push(0);
    for i in 0..dom.nodes.len() {
        if dom.tag(i) == "a" && i >= link_end {
            link_end = dom.nodes[i].end;
        }
        let text = dom.nodes[i].node.as_text();
        if let (Some(text), false, false) = (text, dom.skipped[i], i < link_end) {
            sum += word_count(text);
        }
        prose.push(sum);
    }
    prose
}
