//! Reads an HTML page: its metadata (titles, canonical URL, tags) and the blocks of its main content.

mod content;
mod depth;
mod dom;
mod walk;

use scraper::Html;

use super::block::{add_tags, collapse, key, RawPage};
use super::lines::tag_line;
use dom::Dom;

/// What the `<head>` says about the page.
#[derive(Default)]
struct Meta {
    og_title: Option<String>,
    og_url: Option<String>,
    site_name: Option<String>,
    canonical: Option<String>,
    title: Option<String>,
    tags: Vec<String>,
}

/// Reads one HTML page.
pub(super) fn read(html: &str) -> RawPage {
    let doc = Html::parse_document(&depth::cap(&repair(html)));
    let dom = Dom::new(&doc);
    let root = content::main_content(&dom);
    let meta = meta(&dom);
    let mut tags = meta.tags.clone();
    add_tags(&mut tags, body_tags(&dom));
    RawPage {
        blocks: walk::blocks(&dom, root),
        titles: titles(&dom, root, &meta),
        url: absolute(meta.canonical.as_deref()).or_else(|| absolute(meta.og_url.as_deref())),
        tags,
        removed: dom.removed.clone(),
        text_dump: false,
    }
}

/// Closes an unclosed `<title>`, `<textarea>` or comment where its text plainly ends (at the next
/// tag), so that it does not swallow the rest of the page as browsers would.
fn repair(html: &str) -> String {
    let mut html = html.to_string();
    for (open, close) in [
        ("<title", "</title>"),
        ("<textarea", "</textarea>"),
        ("<!--", "-->"),
    ] {
        let lower = html.to_ascii_lowercase();
        let Some(start) = lower.find(open) else {
            continue;
        };
        let text_start = match open {
            "<!--" => Some(start + open.len()),
            _ => lower[start..].find('>').map(|i| start + i + 1),
        };
        let Some(text_start) = text_start else {
            continue;
        };
        if lower[text_start..].contains(close) {
            continue;
        }
        let end = lower[text_start..]
            .find('<')
            .map_or(html.len(), |i| text_start + i);
        html.insert_str(end, close);
    }
    html
}

fn meta(dom: &Dom<'_>) -> Meta {
    let mut meta = Meta::default();
    for i in 0..dom.nodes.len() {
        let Some(element) = dom.element(i) else {
            continue;
        };
        let attr = |name: &str| element.attr(name).map(collapse).filter(|v| !v.is_empty());
        match element.name() {
            "title" if meta.title.is_none() => {
                meta.title = Some(collapse(&dom.text_of(i))).filter(|t| !t.is_empty())
            }
            "link" if rel_has(element.attr("rel"), "canonical") => {
                meta.canonical = meta.canonical.or(attr("href"))
            }
            "meta" => {
                let name = element
                    .attr("property")
                    .or(element.attr("name"))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let Some(content) = attr("content") else {
                    continue;
                };
                match name.as_str() {
                    "og:title" => meta.og_title = meta.og_title.or(Some(content)),
                    "og:url" => meta.og_url = meta.og_url.or(Some(content)),
                    "og:site_name" => meta.site_name = meta.site_name.or(Some(content)),
                    "keywords" | "news_keywords" => add_tags(&mut meta.tags, split_list(&content)),
                    "article:tag" => add_tags(&mut meta.tags, [content]),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    meta
}

fn rel_has(rel: Option<&str>, token: &str) -> bool {
    rel.unwrap_or("")
        .split_whitespace()
        .any(|t| t.eq_ignore_ascii_case(token))
}

fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';']).map(str::to_string).collect()
}

/// Only absolute http(s) addresses are useful to patients.
fn absolute(url: Option<&str>) -> Option<String> {
    let url = url?.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.to_string())
}

/// Tags in the page body: `rel="tag"` links and "Tags: ..." lists, outside navigation and sidebars.
fn body_tags(dom: &Dom<'_>) -> Vec<String> {
    let mut tags = Vec::new();
    for i in 0..dom.nodes.len() {
        if dom.foreign[i] {
            continue;
        }
        if let Some(element) = dom.element(i) {
            if element.name() == "a" && rel_has(element.attr("rel"), "tag") {
                tags.push(collapse(&dom.text_of(i)));
            }
            continue;
        }
        let Some(text) = dom.nodes[i].node.as_text().filter(|t| t.len() < 400) else {
            continue;
        };
        match tag_line(&collapse(text)) {
            Some(listed) if !listed.is_empty() => tags.extend(listed),
            Some(_) => tags.extend(linked_tags(dom, i)),
            None => {}
        }
    }
    tags
}

/// The link texts after a lone "Tags:" label: the label's container grown until it holds more than the label.
fn linked_tags(dom: &Dom<'_>, label: usize) -> Vec<String> {
    let label_key = key(&dom.text_of(label));
    let mut container = dom.nodes[label].parent;
    for _ in 0..3 {
        let Some(c) = container else {
            return Vec::new();
        };
        if key(&dom.text_of(c)) != label_key {
            break;
        }
        container = dom.nodes[c].parent;
    }
    let Some(container) = container else {
        return Vec::new();
    };
    let end = dom.nodes[container].end;
    (container..end)
        .filter(|&j| dom.tag(j) == "a")
        .map(|j| collapse(&dom.text_of(j)))
        .collect()
}

/// Fallback titles, best first: og:title, an `<h1>` outside the main content, `<title>`.
fn titles(dom: &Dom<'_>, root: usize, meta: &Meta) -> Vec<String> {
    let (title, suffix) = match &meta.title {
        Some(title) => strip_site_name(title, meta.site_name.as_deref()),
        None => (String::new(), None),
    };
    let site = meta.site_name.clone().or(suffix);
    let is_site = |t: &str| site.as_deref().is_some_and(|s| key(s) == key(t));
    let mut out = Vec::new();
    if let Some(og) = &meta.og_title {
        out.push(strip_site_name(og, meta.site_name.as_deref()).0);
    }
    let h1s = dom.find("h1").filter(|&i| !dom.contains(root, i));
    let (outside, chrome): (Vec<usize>, Vec<usize>) = h1s.partition(|&i| !dom.skipped[i]);
    for i in outside.into_iter().chain(chrome) {
        let text = collapse(&dom.text_of(i));
        if !is_site(&text) {
            out.push(text);
        }
    }
    out.push(title);
    out.retain(|t| !t.is_empty());
    out
}

/// Splits "Article | Site" at the last site-name separator, returning the article part and the
/// site name; with a known site name, only that is stripped.
fn strip_site_name(title: &str, site: Option<&str>) -> (String, Option<String>) {
    const SEPARATORS: &[&str] = &[" | ", " – ", " — ", " - ", " :: ", " · ", " » ", " : "];
    let title = collapse(title);
    for separator in SEPARATORS {
        let Some(at) = title.rfind(separator) else {
            continue;
        };
        let (head, tail) = (title[..at].trim(), title[at + separator.len()..].trim());
        let known = site.is_none_or(|s| key(s) == key(tail));
        if !head.is_empty() && known {
            return (head.to_string(), Some(tail.to_string()));
        }
        if site.is_some_and(|s| key(s) == key(head)) && !tail.is_empty() {
            return (tail.to_string(), Some(head.to_string()));
        }
    }
    (title, None)
}

#[cfg(test)]
mod tests {
    use super::super::block::Kind;
    use super::*;

    #[test]
    fn unclosed_title_is_repaired() {
        assert_eq!(repair("<title>A\n<p>B"), "<title>A\n</title><p>B");
        assert_eq!(repair("<title>A</title><p>B"), "<title>A</title><p>B");
        assert_eq!(repair("<p>A<!-- B"), "<p>A<!-- B-->");
    }

    #[test]
    fn site_names_are_stripped() {
        assert_eq!(
            strip_site_name("Dialysis | Riverside Clinic", None).0,
            "Dialysis"
        );
        assert_eq!(
            strip_site_name("Dialysis - what to expect | Riverside", None).0,
            "Dialysis - what to expect"
        );
        assert_eq!(
            strip_site_name("Riverside – Dialysis", Some("Riverside")).0,
            "Dialysis"
        );
        assert_eq!(strip_site_name("Dialysis", None).0, "Dialysis");
    }

    #[test]
    fn reads_metadata_and_blocks() {
        let page = read(
            r#"<html><head><title>CKD | Clinic</title><link rel="canonical" href="https://x.org/ckd">
            <meta name="keywords" content="kidney, CKD"></head><body><nav><a href="/">Home</a></nav>
            <main><h1>Chronic kidney disease</h1><p>First<br>line.</p><ul><li>One</li><li>Two</li></ul>
            <p><span>Tags:</span> <a href="/t/diet">diet</a>, <a href="/t/ckd">ckd</a></p></main></body></html>"#,
        );
        assert!(page.blocks.iter().any(|b| b.kind == Kind::Heading(1)));
        assert_eq!(page.url.as_deref(), Some("https://x.org/ckd"));
        assert_eq!(page.tags, ["kidney", "CKD", "diet"]);
        assert_eq!(page.titles, ["CKD"]);
        let list = page
            .blocks
            .iter()
            .find(|b| b.kind == Kind::List)
            .map(|b| b.lines.len());
        assert_eq!(list, Some(2));
    }
}
