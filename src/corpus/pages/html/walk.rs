//! Turns the main-content subtree into blocks: headings, paragraphs (split at `<p>` and
//! `<br><br>`), lists and tables, noting how much of each line is link text.

use scraper::node::Element;
use scraper::Node;

use super::super::block::{Block, Kind, Line};
use super::dom::Dom;

/// Tags that start and end a block of their own.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "center",
    "details",
    "summary",
    "hr",
    "address",
    "fieldset",
    "body",
    "html",
    "nav",
    "aside",
    "form",
    "hgroup",
    "legend",
    "caption",
];

/// What opening an element did, undone when it closes.
#[derive(Clone, Copy)]
enum Effect {
    Inline,
    Space,
    Boundary,
    Heading,
    List,
    Item,
    Table,
    Row,
    Cell,
    Link,
}

#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    lines: Vec<Line>,
    kind: Option<Kind>,
    line: String,
    chars: usize,
    link_chars: usize,
    in_heading: bool,
    lists: usize,
    tables: usize,
    links: usize,
    after_br: bool,
}

/// The blocks of the subtree at `root`, chrome left out.
pub(super) fn blocks(dom: &Dom<'_>, root: usize) -> Vec<Block> {
    let mut builder = Builder::default();
    let mut open: Vec<(usize, Effect)> = Vec::new();
    let stop = dom.nodes[root].end;
    let mut i = root;
    while i < stop {
        while let Some(&(end, effect)) = open.last() {
            if end > i {
                break;
            }
            builder.close(effect);
            open.pop();
        }
        if dom.skipped[i] {
            i = dom.nodes[i].end;
            continue;
        }
        match dom.nodes[i].node {
            Node::Text(text) => builder.text(text),
            Node::Element(element) => open.push((dom.nodes[i].end, builder.open(element))),
            _ => {}
        }
        i += 1;
    }
    while let Some((_, effect)) = open.pop() {
        builder.close(effect);
    }
    builder.flush();
    builder.blocks
}

fn heading_level(tag: &str) -> Option<u8> {
    match tag {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// A link to another page (in-page anchors and scripts do not count).
fn is_link(element: &Element) -> bool {
    element.attr("href").is_some_and(|href| {
        let href = href.trim().to_ascii_lowercase();
        !href.is_empty() && !href.starts_with('#') && !href.starts_with("javascript:")
    })
}

impl Builder {
    fn nested(&self) -> bool {
        self.in_heading || self.lists > 0 || self.tables > 0
    }

    fn open(&mut self, element: &Element) -> Effect {
        let tag = element.name();
        let effect = self.effect_of(tag, element);
        match effect {
            Effect::Space => self.space(),
            Effect::Boundary => self.flush(),
            Effect::Heading => {
                self.flush();
                self.kind = heading_level(tag).map(Kind::Heading);
                self.in_heading = true;
            }
            Effect::List => {
                if self.lists == 0 {
                    self.flush();
                    self.kind = Some(Kind::List);
                } else {
                    self.end_line();
                }
                self.lists += 1;
            }
            Effect::Table => {
                self.flush();
                self.kind = Some(Kind::Table);
                self.tables += 1;
            }
            Effect::Item | Effect::Row => self.end_line(),
            Effect::Cell => self.cell(),
            Effect::Link => self.links += 1,
            Effect::Inline => {}
        }
        if tag == "br" {
            self.line_break();
        }
        effect
    }

    fn effect_of(&self, tag: &str, element: &Element) -> Effect {
        match tag {
            _ if heading_level(tag).is_some() && !self.nested() => Effect::Heading,
            "ul" | "ol" | "menu" if !self.in_heading && self.tables == 0 => Effect::List,
            "ul" | "ol" | "menu" => Effect::Space,
            "li" if self.lists > 0 => Effect::Item,
            "li" if self.nested() => Effect::Space,
            "li" => Effect::Boundary,
            "table" if !self.nested() => Effect::Table,
            "tr" if self.tables > 0 && self.lists == 0 => Effect::Row,
            "td" | "th" if self.tables > 0 && self.lists == 0 => Effect::Cell,
            "td" | "th" => Effect::Space,
            "a" if is_link(element) => Effect::Link,
            _ if heading_level(tag).is_some() || BLOCKS.contains(&tag) || tag == "table" => {
                if self.nested() {
                    Effect::Space
                } else {
                    Effect::Boundary
                }
            }
            _ => Effect::Inline,
        }
    }

    fn close(&mut self, effect: Effect) {
        match effect {
            Effect::Inline => {}
            Effect::Space => self.space(),
            Effect::Boundary => self.flush(),
            Effect::Heading => {
                self.flush();
                self.in_heading = false;
            }
            Effect::List => {
                self.lists = self.lists.saturating_sub(1);
                self.end_line();
                if self.lists == 0 {
                    self.flush();
                }
            }
            Effect::Table => {
                self.tables = self.tables.saturating_sub(1);
                self.flush();
            }
            Effect::Item | Effect::Row => self.end_line(),
            Effect::Cell => self.space(),
            Effect::Link => self.links = self.links.saturating_sub(1),
        }
    }

    /// `<br>` ends the line (in a heading, list item or table cell it is a space); a second
    /// `<br>` in a paragraph ends the paragraph.
    fn line_break(&mut self) {
        if self.nested() {
            self.space();
            return;
        }
        let double = self.after_br && self.line.trim().is_empty();
        self.end_line();
        if double {
            self.flush();
        }
        self.after_br = true;
    }

    fn text(&mut self, text: &str) {
        let visible = text.chars().filter(|c| !c.is_whitespace()).count();
        if visible == 0 {
            if !self.line.is_empty() {
                self.space();
            }
            return;
        }
        self.after_br = false;
        self.line.push_str(text);
        self.chars += visible;
        if self.links > 0 {
            self.link_chars += visible;
        }
    }

    /// A new table cell: separated from the previous one by a dash.
    fn cell(&mut self) {
        if !self.line.trim().is_empty() {
            self.line.push_str(" – ");
        }
    }

    fn space(&mut self) {
        if !self.line.ends_with(' ') && !self.line.is_empty() {
            self.line.push(' ');
        }
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let ratio = if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f32 / self.chars as f32
        };
        let line = Line::new(&line, ratio);
        if !line.text.is_empty() {
            self.lines.push(line);
        }
        self.chars = 0;
        self.link_chars = 0;
    }

    fn flush(&mut self) {
        self.end_line();
        let kind = self.kind.take().unwrap_or(Kind::Para);
        let lines = std::mem::take(&mut self.lines);
        if !lines.is_empty() {
            self.blocks.push(Block::new(kind, lines));
        }
        if self.lists > 0 {
            self.kind = Some(Kind::List);
        } else if self.tables > 0 {
            self.kind = Some(Kind::Table);
        }
    }
}
