//! Reads a plain-text dump of a page ("save as text", scraper output): its canonical URL line,
//! headings, paragraphs (split at blank lines, hard-wrapped lines rejoined) and lists.

use std::sync::LazyLock;

use super::block::{collapse, Block, Kind, Line, RawPage};
use super::pattern::{is as matches, re, Pattern};

static URL_LINE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\s*(url|source|canonical|canonical url|original url|page url|saved from|retrieved from)\s*:\s*<?(https?://[^\s>]+)>?\s*$",
    )
});
static BARE_URL: Pattern = LazyLock::new(|| re(r"(?i)^\s*<?(https?://[^\s>]+)>?\s*$"));
static MARKDOWN_HEADING: Pattern = LazyLock::new(|| re(r"^\s{0,3}(#{1,6})\s+(.+?)[\s#]*$"));
static BULLET: Pattern =
    LazyLock::new(|| re(r"^\s*([•◦▪‣∙·●○■□*+\-–—]|\d{1,2}[.)]|[a-z][.)])\s+(\S.*)$"));
static RULE: Pattern = LazyLock::new(|| re(r"^\s*([=\-*_~#])(\s*[=\-*_~#]){2,}\s*$"));
static COLUMNS: Pattern = LazyLock::new(|| re(r"\S(\t+| {3,})"));
static LABELLED: Pattern = LazyLock::new(|| re(r"^\s*\p{Lu}[\w ]{0,20}:\s"));
static MARKDOWN_IMAGE: Pattern = LazyLock::new(|| re(r"!\[[^\]]*\]\([^)]*\)"));
static MARKDOWN_LINK: Pattern = LazyLock::new(|| re(r"\[([^\]]*)\]\([^)]*\)"));
static MARKDOWN_STRONG: Pattern = LazyLock::new(|| re(r"(\*\*|__)(\S|\S.*?\S)(\*\*|__)"));

/// A line of the dump as the reader sees it.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    Blank,
    Heading(u8, String),
    Item(String),
    /// A line with columns (tab-separated cells), shown as "a | b".
    Row(String),
    Text(String),
}

/// Reads one text dump.
pub(super) fn read(text: &str) -> RawPage {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = text.lines().map(clean).collect();
    let rows: Vec<bool> = text.lines().map(|l| matches(&COLUMNS, l.trim())).collect();
    let url = take_url(&mut lines);
    let raws = classify(&lines, &rows);
    let width = wrap_width(&raws);
    RawPage {
        blocks: units(&raws, width),
        url,
        text_dump: true,
        ..RawPage::default()
    }
}

/// Trailing space trimmed, control characters and Markdown link and emphasis syntax gone (as
/// converters like html2text write them), column gaps (tabs, 3+ spaces) shown as " | ".
fn clean(line: &str) -> String {
    let line: String = line
        .trim_end()
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    let line = plain(&line);
    let indent = line.len() - line.trim_start().len();
    let body = match COLUMNS.as_ref() {
        Some(columns) => columns.replace_all(line.trim_start(), |c: &regex::Captures<'_>| {
            format!("{} | ", &c[0][..c[0].len() - c[1].len()])
        }),
        None => line.trim_start().into(),
    };
    format!(
        "{}{}",
        " ".repeat(indent),
        body.trim_end_matches([' ', '|'])
    )
}

/// Markdown images dropped, links reduced to their text, `**strong**` to plain text.
fn plain(line: &str) -> String {
    let mut line = line.to_string();
    for (pattern, with) in [
        (&MARKDOWN_IMAGE, ""),
        (&MARKDOWN_LINK, "$1"),
        (&MARKDOWN_STRONG, "$2"),
    ] {
        if let Some(regex) = pattern.as_ref().filter(|_| line.contains(['[', '*', '_'])) {
            line = regex.replace_all(&line, with).into_owned();
        }
    }
    line
}

/// The first "URL: https://..." line among the first or last lines (or a bare address among the
/// first three), removed from the text.
fn take_url(lines: &mut [String]) -> Option<String> {
    let filled: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].trim().is_empty())
        .collect();
    let edges = filled.iter().take(10).chain(filled.iter().rev().take(5));
    let labelled = URL_LINE.as_ref()?;
    let found = edges
        .filter_map(|&i| {
            Some((
                i,
                labelled.captures(&lines[i])?.get(2)?.as_str().to_string(),
            ))
        })
        .next();
    let bare = BARE_URL.as_ref()?;
    let found = found.or_else(|| {
        filled
            .iter()
            .take(3)
            .filter_map(|&i| Some((i, bare.captures(&lines[i])?.get(1)?.as_str().to_string())))
            .next()
    });
    let (i, url) = found?;
    lines[i].clear();
    Some(url)
}

/// Each line as blank, heading (Markdown `#` or underlined), list item or text.
fn classify(lines: &[String], rows: &[bool]) -> Vec<Raw> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let underline = lines
            .get(i + 1)
            .map(|n| n.trim())
            .filter(|n| matches(&RULE, n) && !line.trim().is_empty());
        if let Some(rule) = underline.filter(|_| !matches(&BULLET, line)) {
            let level = if rule.starts_with('=') { 1 } else { 2 };
            out.push(Raw::Heading(level, collapse(line)));
            out.push(Raw::Blank);
            i += 2;
            continue;
        }
        let row = rows.get(i).copied().unwrap_or(false) && !line.trim().is_empty();
        out.push(if row {
            Raw::Row(collapse(line))
        } else {
            classify_line(line)
        });
        i += 1;
    }
    out
}

fn classify_line(line: &str) -> Raw {
    if line.trim().is_empty() || matches(&RULE, line) {
        return Raw::Blank;
    }
    if let Some(c) = MARKDOWN_HEADING.as_ref().and_then(|r| r.captures(line)) {
        let level = c.get(1).map_or(1, |m| m.as_str().len()).min(6) as u8;
        return Raw::Heading(level, collapse(c.get(2).map_or("", |m| m.as_str())));
    }
    if let Some(c) = BULLET.as_ref().and_then(|r| r.captures(line)) {
        return Raw::Item(c.get(2).map_or("", |m| m.as_str()).to_string());
    }
    Raw::Text(line.to_string())
}

/// The width text was hard-wrapped at, if it was: lines broken mid-sentence before a lowercase word.
fn wrap_width(raws: &[Raw]) -> Option<usize> {
    let mut evidence = 0;
    let mut width = 0;
    for pair in raws.windows(2) {
        let (Raw::Text(line), Raw::Text(next)) = (&pair[0], &pair[1]) else {
            continue;
        };
        let length = line.chars().count();
        let broken = length >= 40 && !ends_sentence(line);
        if broken
            && next
                .trim_start()
                .chars()
                .next()
                .is_some_and(char::is_lowercase)
        {
            evidence += 1;
            width = width.max(length);
        }
    }
    (evidence >= 2 && width <= 132).then_some(width)
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .ends_with(['.', '!', '?', ':', ';', '"', '”', ')'])
}

/// A short line that reads as a heading: capitalised, no closing punctuation but "?".
fn heading_like(text: &str) -> bool {
    let text = text.trim();
    let words = text.split_whitespace().count();
    let capital = text
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    let open_end = !text.ends_with(['.', ',', ';', ':', '!']);
    (1..=12).contains(&words) && text.chars().count() <= 80 && capital && open_end
}

/// Builds blocks from classified lines.
#[derive(Default)]
struct Units {
    blocks: Vec<Block>,
    para: Vec<String>,
    items: Vec<String>,
    rows: Vec<String>,
    /// A blank line since the last list item (the list ends unless an item follows).
    gap: bool,
}

fn units(raws: &[Raw], width: Option<usize>) -> Vec<Block> {
    let mut u = Units::default();
    for raw in raws {
        match raw {
            Raw::Blank => {
                u.end_para();
                u.end_table();
                u.gap = true;
            }
            Raw::Heading(level, text) => {
                u.end_all();
                u.blocks.push(Block::new(
                    Kind::Heading(*level),
                    vec![Line::new(text, 0.0)],
                ));
            }
            Raw::Item(text) => {
                u.end_para();
                u.end_table();
                u.items.push(text.clone());
                u.gap = false;
            }
            Raw::Row(text) => {
                u.end_para();
                u.end_list();
                u.rows.push(text.clone());
            }
            Raw::Text(text) => u.text(text, width),
        }
    }
    u.end_all();
    u.blocks
}

impl Units {
    fn text(&mut self, text: &str, width: Option<usize>) {
        let indent = text.len() - text.trim_start().len();
        if !self.items.is_empty() && !self.gap && indent >= 2 {
            if let Some(last) = self.items.last_mut() {
                last.push(' ');
                last.push_str(text.trim());
            }
            return;
        }
        self.end_list();
        self.end_table();
        let joins = self
            .para
            .last()
            .is_some_and(|previous| joins(previous, text, width));
        if !joins {
            self.end_para();
        }
        self.para.push(text.to_string());
        self.gap = false;
    }

    fn end_para(&mut self) {
        let lines = std::mem::take(&mut self.para);
        let Some(first) = lines.first() else {
            return;
        };
        let kind = if lines.len() == 1 && heading_like(first) {
            Kind::Heading(2)
        } else {
            Kind::Para
        };
        self.blocks
            .push(Block::new(kind, vec![Line::new(&lines.join(" "), 0.0)]));
    }

    fn end_list(&mut self) {
        let items = std::mem::take(&mut self.items);
        if !items.is_empty() {
            let lines = items.iter().map(|t| Line::new(t, 0.0)).collect();
            self.blocks.push(Block::new(Kind::List, lines));
        }
    }

    fn end_table(&mut self) {
        let rows = std::mem::take(&mut self.rows);
        if !rows.is_empty() {
            let lines = rows.iter().map(|t| Line::new(t, 0.0)).collect();
            self.blocks.push(Block::new(Kind::Table, lines));
        }
    }

    fn end_all(&mut self) {
        self.end_para();
        self.end_list();
        self.end_table();
    }
}

/// Whether `line` continues the paragraph whose last line is `previous`: hard-wrapped text (but
/// not a "Label: value" line), or a sentence broken before a lowercase word.
fn joins(previous: &str, line: &str, width: Option<usize>) -> bool {
    match width {
        Some(width) => previous.chars().count() * 10 >= width * 7 && !matches(&LABELLED, line),
        None => {
            let lower = line
                .trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_lowercase() || c == '(');
            !ends_sentence(previous) && lower
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &RawPage) -> Vec<(Kind, String)> {
        page.blocks.iter().map(|b| (b.kind, b.text())).collect()
    }

    #[test]
    fn patterns_compile() {
        for p in [
            &URL_LINE,
            &LABELLED,
            &BARE_URL,
            &MARKDOWN_HEADING,
            &BULLET,
            &RULE,
            &COLUMNS,
        ] {
            assert!(p.is_some());
        }
    }

    #[test]
    fn reads_url_headings_lists_and_wrapped_paragraphs() {
        let page = read(
            "URL: https://x.org/ckd\r\n\r\nKidney disease\r\n==============\r\n\r\nChronic kidney disease is a long-term condition where the\r\nkidneys do not work as well as they should.\r\nMost people have no symptoms at first and only find out\r\nfrom a blood test.\r\n\r\nSymptoms\r\n\r\n• Tiredness\r\n• Swollen ankles,\r\n  feet or hands\r\n",
        );
        assert_eq!(page.url.as_deref(), Some("https://x.org/ckd"));
        assert_eq!(
            texts(&page),
            [
                (Kind::Heading(1), "Kidney disease".to_string()),
                (
                    Kind::Para,
                    "Chronic kidney disease is a long-term condition where the kidneys do not work as well as \
                     they should. Most people have no symptoms at first and only find out from a blood test."
                        .to_string()
                ),
                (Kind::Heading(2), "Symptoms".to_string()),
                (Kind::List, "Tiredness Swollen ankles, feet or hands".to_string()),
            ]
        );
    }

    #[test]
    fn markdown_syntax_is_removed() {
        assert_eq!(
            plain("[![Logo](/l.svg)](/) See [our guide](/g) **now** or __later__"),
            " See our guide now or later"
        );
        assert_eq!(plain("a * b * c"), "a * b * c");
    }

    #[test]
    fn columns_become_separators() {
        assert_eq!(
            clean("Home\tAbout us\t\tContact  "),
            "Home | About us | Contact"
        );
        assert_eq!(clean("  • item"), "  • item");
    }
}
