//! The parsed document as a flat preorder arena, with its page chrome marked: navigation,
//! header, footer, forms, sidebars, cookie banners and hidden or non-text elements.

use std::collections::BTreeSet;

use scraper::node::Element;
use scraper::{Html, Node};

use super::super::block::Why;

/// A node of the document in preorder; its subtree is the index range `self..end`.
pub(super) struct Flat<'a> {
    pub(super) node: &'a Node,
    pub(super) parent: Option<usize>,
    pub(super) end: usize,
}

/// The document flattened, with its chrome marked.
pub(super) struct Dom<'a> {
    pub(super) nodes: Vec<Flat<'a>>,
    /// Chrome, or inside chrome: never part of the article.
    pub(super) skipped: Vec<bool>,
    /// Inside navigation, a sidebar or the site's header/footer: tag lists there are not this page's.
    pub(super) foreign: Vec<bool>,
    /// What kinds of chrome with text were found.
    pub(super) removed: BTreeSet<Why>,
    /// `kept[i]`: words of the text nodes before `i` that are not skipped.
    kept: Vec<usize>,
}

const NOISE: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
    "select", "option", "textarea", "input", "label", "datalist", "map", "audio", "video", "head",
];

/// Class or id words that mark chrome, matched as whole words.
const CHROME_WORDS: &[(&str, Why)] = &[
    ("nav", Why::Navigation),
    ("navbar", Why::Navigation),
    ("menu", Why::Navigation),
    ("menubar", Why::Navigation),
    ("toc", Why::Navigation),
    ("pager", Why::Navigation),
    ("skip", Why::Navigation),
    ("footer", Why::HeaderFooter),
    ("masthead", Why::HeaderFooter),
    ("topbar", Why::HeaderFooter),
    ("tags", Why::Meta),
    ("meta", Why::Meta),
    ("byline", Why::Meta),
    ("ad", Why::Popup),
    ("ads", Why::Popup),
    ("promo", Why::Popup),
    ("popup", Why::Popup),
    ("modal", Why::Popup),
];

/// Class or id word beginnings that mark chrome.
const CHROME_STEMS: &[(&str, Why)] = &[
    ("navigation", Why::Navigation),
    ("breadcrumb", Why::Navigation),
    ("pagination", Why::Navigation),
    ("sidebar", Why::Sidebar),
    ("cookie", Why::Cookie),
    ("consent", Why::Cookie),
    ("gdpr", Why::Cookie),
    ("share", Why::Share),
    ("sharing", Why::Share),
    ("social", Why::Share),
    ("addthis", Why::Share),
    ("related", Why::Teaser),
    ("recommended", Why::Teaser),
    ("comment", Why::Meta),
    ("respond", Why::Meta),
    ("advert", Why::Popup),
    ("newsletter", Why::Popup),
    ("subscribe", Why::Popup),
    ("disclaimer", Why::Disclaimer),
];

/// Hyphenated class or id names that mark chrome.
const CHROME_NAMES: &[(&str, Why)] = &[
    ("site-header", Why::HeaderFooter),
    ("top-bar", Why::HeaderFooter),
    ("header-top", Why::HeaderFooter),
    ("top-header", Why::HeaderFooter),
    ("global-header", Why::HeaderFooter),
    ("contact-bar", Why::HeaderFooter),
    ("widget-area", Why::Sidebar),
    ("post-navigation", Why::Navigation),
    ("nav-links", Why::Navigation),
    ("author-box", Why::Meta),
    ("read-more", Why::Teaser),
];

impl<'a> Dom<'a> {
    /// Flattens the document and marks its chrome.
    pub(super) fn new(doc: &'a Html) -> Dom<'a> {
        let nodes = flatten(doc);
        let all = prefix_words(&nodes, &vec![false; nodes.len()]);
        let mut dom = Dom {
            skipped: vec![false; nodes.len()],
            foreign: vec![false; nodes.len()],
            removed: BTreeSet::new(),
            kept: Vec::new(),
            nodes,
        };
        dom.mark_chrome(&all);
        dom.kept = prefix_words(&dom.nodes, &dom.skipped);
        dom
    }

    /// The element at `i`, if it is one.
    pub(super) fn element(&self, i: usize) -> Option<&'a Element> {
        self.nodes.get(i)?.node.as_element()
    }

    /// The tag name at `i` ("" for non-elements).
    pub(super) fn tag(&self, i: usize) -> &'a str {
        self.element(i).map_or("", |e| e.name())
    }

    /// Kept (not skipped) words in the subtree at `i`.
    pub(super) fn kept_words(&self, i: usize) -> usize {
        self.kept[self.nodes[i].end] - self.kept[i]
    }

    /// All text in the subtree at `i`, chrome included.
    pub(super) fn text_of(&self, i: usize) -> String {
        let mut out = String::new();
        for flat in &self.nodes[i..self.nodes[i].end] {
            if let Some(text) = flat.node.as_text() {
                out.push_str(text);
            }
        }
        out
    }

    /// The elements of the document with the given tag.
    pub(super) fn find(&self, tag: &str) -> impl Iterator<Item = usize> + '_ {
        let tag = tag.to_string();
        (0..self.nodes.len()).filter(move |&i| self.tag(i) == tag)
    }

    /// Whether `j` lies inside the subtree at `i`.
    pub(super) fn contains(&self, i: usize, j: usize) -> bool {
        i <= j && j < self.nodes[i].end
    }

    fn mark_chrome(&mut self, all: &[usize]) {
        let protected = self.protected();
        let total = all[self.nodes.len()];
        let (mut skip_end, mut foreign_end, mut landmark_end) = (0, 0, 0);
        for i in 0..self.nodes.len() {
            self.foreign[i] = i < foreign_end;
            if i < skip_end {
                self.skipped[i] = true;
                continue;
            }
            let Some(element) = self.element(i) else {
                continue;
            };
            let end = self.nodes[i].end;
            let guarded = protected.range(i..end).next().is_some()
                || (all[end] - all[i]) * 2 > total.max(100);
            if let Some(why) = chrome(element, i < landmark_end, guarded) {
                skip_end = end;
                self.skipped[i] = true;
                if matches!(why, Why::Navigation | Why::Sidebar | Why::HeaderFooter) {
                    foreign_end = foreign_end.max(end);
                    self.foreign[i] = true;
                }
                self.note_removed(i, why);
            } else if is_landmark(element) {
                landmark_end = landmark_end.max(end);
            }
        }
    }

    /// Records a removed chrome element if it had text; forms asking for contact details are contact forms.
    fn note_removed(&mut self, i: usize, why: Why) {
        let text = self.text_of(i);
        if text.trim().is_empty() && why != Why::Form {
            return;
        }
        if why != Why::Form {
            self.removed.insert(why);
            return;
        }
        let lower = text.to_lowercase();
        let fields = (i..self.nodes[i].end).any(|j| contact_field(self.element(j)));
        let asks = ["email", "e-mail", "phone", "question", "message", "name"]
            .iter()
            .any(|w| lower.contains(w));
        if fields || asks {
            self.removed.insert(Why::ContactForm);
        } else if !lower.trim().is_empty() {
            self.removed.insert(Why::Form);
        }
    }

    /// Elements that chrome must not swallow: landmarks and headings of the content.
    fn protected(&self) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut outside_end = 0;
        for i in 0..self.nodes.len() {
            let Some(element) = self.element(i) else {
                continue;
            };
            if i >= outside_end && matches!(element.name(), "header" | "footer" | "nav" | "aside") {
                outside_end = self.nodes[i].end;
            }
            let heading = element.name() == "h1" && i >= outside_end;
            if heading || is_landmark(element) {
                out.insert(i);
            }
        }
        out
    }

    /// The direct children of `i`.
    pub(super) fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[i].end;
        let mut next = i + 1;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let child = next;
            next = self.nodes[child].end;
            Some(child)
        })
    }
}

/// The document in preorder, without recursion (deeply nested junk must not overflow the stack).
fn flatten(doc: &Html) -> Vec<Flat<'_>> {
    let mut out: Vec<Flat<'_>> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut current = Some(doc.tree.root());
    while let Some(node) = current {
        let index = out.len();
        out.push(Flat {
            node: node.value(),
            parent: open.last().copied(),
            end: index + 1,
        });
        if let Some(child) = node.first_child() {
            open.push(index);
            current = Some(child);
            continue;
        }
        let mut at = node;
        current = loop {
            if let Some(sibling) = at.next_sibling() {
                break Some(sibling);
            }
            let Some(parent) = at.parent() else {
                break None;
            };
            if let Some(p) = open.pop() {
                out[p].end = out.len();
            }
            at = parent;
        };
    }
    out
}

/// Prefix sums of the words of text nodes that are not skipped.
fn prefix_words(nodes: &[Flat<'_>], skipped: &[bool]) -> Vec<usize> {
    let mut out = Vec::with_capacity(nodes.len() + 1);
    let mut sum = 0;
    out.push(0);
    for (flat, &skip) in nodes.iter().zip(skipped) {
        let code = flat.parent.is_some_and(|p| {
            let tag = nodes[p].node.as_element().map_or("", |e| e.name());
            matches!(tag, "script" | "style" | "noscript" | "template")
        });
        if let (Some(text), false, false) = (flat.node.as_text(), skip, code) {
            sum += super::super::block::word_count(text);
        }
        out.push(sum);
    }
    out
}

/// The element's ARIA role, lowercase.
pub(super) fn role(element: &Element) -> String {
    element
        .attr("role")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_landmark(element: &Element) -> bool {
    matches!(element.name(), "article" | "main") || role(element) == "main"
}

fn contact_field(element: Option<&Element>) -> bool {
    let Some(element) = element else {
        return false;
    };
    let kind = element.attr("type").unwrap_or("").to_ascii_lowercase();
    element.name() == "textarea"
        || (element.name() == "input" && matches!(kind.as_str(), "email" | "tel"))
}

/// Why an element is chrome, if it is. `landmark`: inside `<article>`/`<main>`; `guarded`: holds
/// the content (a heading, a landmark, or most of the page's words), so only noise may go.
fn chrome(element: &Element, landmark: bool, guarded: bool) -> Option<Why> {
    let name = element.name();
    if NOISE.contains(&name) || hidden(element) {
        return Some(Why::Noise);
    }
    if guarded || matches!(name, "html" | "body" | "main" | "article") {
        return None;
    }
    let by_tag = match name {
        "nav" => Some(Why::Navigation),
        "aside" => Some(Why::Sidebar),
        "form" => Some(Why::Form),
        "dialog" => Some(Why::Popup),
        "header" if !landmark => Some(Why::HeaderFooter),
        "footer" if landmark => Some(Why::Meta),
        "footer" => Some(Why::HeaderFooter),
        _ => None,
    };
    by_tag
        .or_else(|| by_role(&role(element), landmark))
        .or_else(|| by_names(element))
}

fn by_role(role: &str, landmark: bool) -> Option<Why> {
    match role {
        "navigation" => Some(Why::Navigation),
        "banner" if !landmark => Some(Why::HeaderFooter),
        "contentinfo" => Some(Why::HeaderFooter),
        "complementary" => Some(Why::Sidebar),
        "search" => Some(Why::Form),
        "dialog" | "alertdialog" => Some(Why::Popup),
        _ => None,
    }
}

/// Chrome by class and id: whole words, word beginnings and hyphenated names.
fn by_names(element: &Element) -> Option<Why> {
    let names = format!(
        "{} {}",
        element.attr("class").unwrap_or(""),
        element.attr("id").unwrap_or("")
    )
    .to_ascii_lowercase();
    if let Some((_, why)) = CHROME_NAMES.iter().find(|(n, _)| names.contains(n)) {
        return Some(*why);
    }
    let words: Vec<&str> = names
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for word in &words {
        if let Some((_, why)) = CHROME_WORDS.iter().find(|(w, _)| w == word) {
            return Some(*why);
        }
        let stem = CHROME_STEMS
            .iter()
            .find(|(s, _)| word.starts_with(s) && *word != "shared");
        if let Some((_, why)) = stem {
            return Some(*why);
        }
    }
    None
}

fn hidden(element: &Element) -> bool {
    let style = element
        .attr("style")
        .unwrap_or("")
        .to_ascii_lowercase()
        .replace(' ', "");
    element.attr("hidden").is_some()
        || element
            .attr("aria-hidden")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || style.contains("display:none")
        || style.contains("visibility:hidden")
}
