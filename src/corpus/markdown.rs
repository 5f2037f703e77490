//! Markdown articles: YAML front matter, then a body whose `##` headings open sections.

use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::{checks, Article, FileError, Section};

/// Front matter holds a title, a url and three lists: nesting deeper than this is a mistake,
/// or an attack (the YAML parser's time grows with the square of the depth).
const MAX_NESTING: usize = 8;

#[derive(Debug, Deserialize)]
struct FrontMatter {
    title: Option<String>,
    url: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    /// A draft (written by `faqbot review draft`) is checked but not indexed.
    #[serde(default)]
    draft: bool,
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

/// The `questions:` of an article's front matter, read without checking the rest.
pub(crate) fn front_matter_questions(text: &str) -> Result<Vec<String>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (yaml, _, _) = split_front_matter(text).ok_or("missing front matter")?;
    let front: FrontMatter =
        serde_norway::from_str(yaml).map_err(|e| format!("broken YAML front matter: {e}"))?;
    Ok(front.questions)
}

/// Parses one Markdown article file; `None` for a draft, which is checked like any
/// article but not published.
pub(crate) fn parse_article(
    path: &Path,
    id: &str,
    bytes: &[u8],
    base_url: Option<&url::Url>,
) -> Result<Option<Article>, FileError> {
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
    if let Some(line) = too_deep(yaml) {
        return Err(error(
            Some(line + 1),
            format!("front matter nested more than {MAX_NESTING} levels deep"),
        ));
    }
    let front: FrontMatter = serde_norway::from_str(yaml).map_err(|e| {
        let line = e.location().map(|l| l.line() + 1);
        error(line, format!("broken YAML front matter: {e}"))
    })?;
    let title = front
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| error(Some(1), "missing `title` in front matter".into()))?;
    checks::title(&title).map_err(|e| error(Some(key_line(yaml, "title")), e))?;
    let url = checks::url(front.url.as_deref(), base_url, id)
        .map_err(|e| error(Some(key_line(yaml, "url")), e))?;
    let sections = parse_body(body);
    if sections.iter().all(|s| s.paragraphs.is_empty()) {
        return Err(error(
            Some(body_line),
            "empty body: the article has no text".into(),
        ));
    }
    if front.draft {
        return Ok(None);
    }
    Ok(Some(Article {
        id: id.to_string(),
        title,
        url,
        tags: front.tags,
        questions: front.questions,
        examples: front.examples,
        sections,
    }))
}

/// The file line of a top-level `key:` of the front matter (which starts on line 2); line 1
/// when the key is absent.
fn key_line(yaml: &str, key: &str) -> usize {
    yaml.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |n| n + 2)
}

/// The line of the front matter (from 1) where its nesting first goes deeper than
/// `MAX_NESTING`, counting indentation levels, `- ` item markers and `[`/`{` brackets
/// outside quotes. An over-estimate for odd text is fine: real front matter nests twice.
fn too_deep(yaml: &str) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (n, line) in yaml.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        if flow == 0 {
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let items = content
            .split_inclusive(' ')
            .take_while(|w| w.trim_end() == "-")
            .count();
        let mut quote = None;
        let mut deepest = flow;
        for c in content.chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '#') => break,
                (None, '[' | '{') => flow += 1,
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
            deepest = deepest.max(flow);
        }
        if indents.len() + items + deepest > MAX_NESTING {
            return Some(n + 1);
        }
    }
    None
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
