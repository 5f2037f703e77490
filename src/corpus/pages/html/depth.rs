//! Caps how deeply a page's elements nest before parsing: a page with thousands of unclosed
//! `<div>`s would otherwise take the HTML parser quadratic time. Tags beyond the cap are removed.

use std::borrow::Cow;

/// Deeper nesting than this is flattened; real pages stay far below it.
pub(super) const MAX_DEPTH: usize = 128;

/// Elements whose text is not markup.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// Elements that never nest: void elements and ones a parser closes by itself.
const FLAT: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt",
    "rp", "tbody", "thead", "tfoot", "colgroup", "caption", "html", "head", "body",
];

/// A tag found by the scan.
struct Tag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    self_closing: bool,
}

/// The page with tags beyond `MAX_DEPTH` levels replaced by spaces (unchanged when none are).
pub(super) fn cap(html: &str) -> Cow<'_, str> {
    let mut open: Vec<String> = Vec::new();
    let mut dropped: Vec<(usize, usize)> = Vec::new();
    let mut dropped_names: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(tag) = next_tag(html, at) {
        at = tag.end;
        if FLAT.contains(&tag.name.as_str()) || tag.self_closing {
            continue;
        }
        if tag.closing {
            if let Some(i) = open.iter().rposition(|n| *n == tag.name) {
                open.truncate(i);
            } else if let Some(i) = dropped_names.iter().rposition(|n| *n == tag.name) {
                dropped_names.swap_remove(i);
                dropped.push((tag.start, tag.end));
            }
            continue;
        }
        if RAW_TEXT.contains(&tag.name.as_str()) {
            at = skip_raw_text(html, tag.end, &tag.name);
            continue;
        }
        if open.len() >= MAX_DEPTH {
            dropped.push((tag.start, tag.end));
            dropped_names.push(tag.name);
        } else {
            open.push(tag.name);
        }
    }
    if dropped.is_empty() {
        return Cow::Borrowed(html);
    }
    dropped.sort_unstable();
    Cow::Owned(without(html, &dropped))
}

/// The next tag at or after `from` (comments and doctypes are skipped over).
fn next_tag(html: &str, from: usize) -> Option<Tag> {
    let bytes = html.as_bytes();
    let mut at = from;
    loop {
        let start = at + html.get(at..)?.find('<')?;
        let rest = &bytes[start + 1..];
        if rest.starts_with(b"!--") {
            at = html[start..]
                .find("-->")
                .map_or(html.len(), |i| start + i + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name: String = html[name_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let end = html[start..]
            .find('>')
            .map_or(html.len(), |i| start + i + 1);
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            at = start + 1;
            continue;
        }
        let self_closing = html[start..end].ends_with("/>");
        return Some(Tag {
            start,
            end,
            name,
            closing,
            self_closing,
        });
    }
}

/// Where the raw text of a `<script>` (etc.) ends: at its closing tag, or the end of the page.
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let close = format!("</{name}");
    let mut at = from;
    while let Some(i) = html.get(at..).and_then(|rest| rest.find("</")) {
        let start = at + i;
        let candidate = html.get(start..start + close.len()).unwrap_or("");
        if candidate.eq_ignore_ascii_case(&close) {
            return start;
        }
        at = start + 2;
    }
    html.len()
}

/// The text with the given sorted, non-overlapping byte ranges replaced by spaces.
fn without(html: &str, ranges: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for &(start, end) in ranges {
        out.push_str(&html[at..start]);
        out.push(' ');
        at = end;
    }
    out.push_str(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = "<html><body><div><p>a<p>b<script>if (a<b) {}</script><!-- <div> --><ul><li>x</ul></div>";
        assert!(matches!(cap(page), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_flattened() {
        let deep = format!(
            "{}text{}",
            "<div class=x>".repeat(1000),
            "</div>".repeat(1000)
        );
        let capped = cap(&deep);
        assert_eq!(capped.matches("<div").count(), MAX_DEPTH);
        assert_eq!(capped.matches("</div>").count(), MAX_DEPTH);
        assert!(capped.contains("text"));
    }
}
