//! Markdown articles: YAML front matter, then a body whose `##` headings open sections.

use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::{Article, FileError, Section};

#[derive(Debug, Deserialize)]
struct FrontMatter {
    title: Option<String>,
    url: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    questions: Vec<String>,
}

/// Decodes UTF-8, naming the line of the first bad byte.
pub(crate) fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, FileError> {
    std::str::from_utf8(bytes).map_err(|e| FileError {
        path: path.to_path_buf(),
        line: Some(line_of(&bytes[..e.valid_up_to()])),
        message: "invalid UTF-8 (save the file as UTF-8)".into(),
    })
}

fn line_of(prefix: &[u8]) -> usize {
    prefix.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses one Markdown article file.
pub(crate) fn parse_article(
    path: &Path,
    id: &str,
    bytes: &[u8],
    base_url: Option<&str>,
) -> Result<Article, FileError> {
    let error = |line: Option<usize>, message: String| FileError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = utf8(path, bytes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (yaml, body, body_line) = split_front_matter(text).ok_or_else(|| {
        error(
            Some(1),
            "missing front matter: the file must start with a `---` line, then `title: ...`, then `---`"
                .into(),
        )
    })?;
    let front: FrontMatter = serde_norway::from_str(yaml).map_err(|e| {
        let line = e.location().map(|l| l.line() + 1);
        error(line, format!("broken YAML front matter: {e}"))
    })?;
    let title = front
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| error(Some(1), "missing `title` in front matter".into()))?;
    let url = match (front.url, base_url) {
        (Some(url), _) if !url.trim().is_empty() => url.trim().to_string(),
        (_, Some(base)) => format!("{base}{id}"),
        _ => {
            return Err(error(
                Some(1),
                "missing `url` in front matter (or set `base_url` in corpus.toml)".into(),
            ))
        }
    };
    let sections = parse_body(body);
    if sections.iter().all(|s| s.paragraphs.is_empty()) {
        return Err(error(
            Some(body_line),
            "empty body: the article has no text".into(),
        ));
    }
    Ok(Article {
        id: id.to_string(),
        title,
        url,
        tags: front.tags,
        questions: front.questions,
        sections,
    })
}

/// Splits `---\n yaml \n---\n body`; returns the YAML, the body and the body's first line.
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let mut lines = text.split_inclusive('\n');
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    let start = text.find('\n')? + 1;
    let mut offset = start;
    for (n, line) in lines.enumerate() {
        if line.trim_end() == "---" {
            let body = &text[offset + line.len()..];
            return Some((&text[start..offset], body, n + 3));
        }
        offset += line.len();
    }
    None
}

/// Turns a Markdown body into sections of plain-text paragraphs.
pub(crate) fn parse_body(body: &str) -> Vec<Section> {
    let mut builder = SectionBuilder::default();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(body, options) {
        builder.event(event);
    }
    builder.finish()
}

#[derive(Default)]
struct SectionBuilder {
    sections: Vec<Section>,
    current: Option<Section>,
    text: String,
    /// Lines of the list being read; a whole list becomes one paragraph.
    list_lines: Vec<String>,
    list_depth: usize,
}

impl SectionBuilder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(Tag::Heading { .. }) => self.flush_paragraph(),
            Event::End(TagEnd::Heading(level)) => {
                let heading = clean(&std::mem::take(&mut self.text));
                if level <= HeadingLevel::H2 {
                    self.start_section(heading);
                } else if !heading.is_empty() {
                    self.section().paragraphs.push(heading);
                }
            }
            Event::Start(Tag::List(_)) => {
                if self.list_depth == 0 {
                    self.flush_paragraph();
                } else {
                    self.flush_item();
                }
                self.list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                self.list_depth = self.list_depth.saturating_sub(1);
                if self.list_depth == 0 {
                    let list = std::mem::take(&mut self.list_lines).join("\n");
                    if !list.is_empty() {
                        self.section().paragraphs.push(list);
                    }
                }
            }
            Event::End(TagEnd::Item) => self.flush_item(),
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::TableRow) => {
                if self.list_depth == 0 {
                    self.flush_paragraph();
                } else {
                    self.text.push(' ');
                }
            }
            Event::End(TagEnd::TableCell) => self.text.push_str(" | "),
            Event::Text(t) | Event::Code(t) => self.text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => self.text.push(' '),
            _ => {}
        }
    }

    fn section(&mut self) -> &mut Section {
        self.current.get_or_insert_with(|| Section {
            heading: None,
            paragraphs: Vec::new(),
        })
    }

    fn start_section(&mut self, heading: String) {
        if let Some(done) = self.current.take() {
            self.sections.push(done);
        }
        self.current = Some(Section {
            heading: (!heading.is_empty()).then_some(heading),
            paragraphs: Vec::new(),
        });
    }

    fn flush_paragraph(&mut self) {
        let paragraph = clean(&std::mem::take(&mut self.text));
        let paragraph = paragraph.trim_end_matches(" |").to_string();
        if !paragraph.is_empty() {
            self.section().paragraphs.push(paragraph);
        }
    }

    fn flush_item(&mut self) {
        let item = clean(&std::mem::take(&mut self.text));
        if !item.is_empty() {
            let indent = "  ".repeat(self.list_depth.saturating_sub(1));
            self.list_lines.push(format!("{indent}• {item}"));
        }
    }

    fn finish(mut self) -> Vec<Section> {
        self.flush_paragraph();
        if let Some(done) = self.current.take() {
            self.sections.push(done);
        }
        self.sections.retain(|s| !s.paragraphs.is_empty());
        self.sections
    }
}

/// Collapses runs of white space; Markdown leaves none of its syntax in event text.
fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
