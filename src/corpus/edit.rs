//! Changes `faqbot review` makes to the corpus for a maintainer: a patient's wording added
//! to an article's `questions:` (one line inserted, every other byte of the file kept), and
//! a draft article written from an expert's answer (marked `draft: true`, so it is checked
//! but not indexed until the maintainer removes the mark).

use std::path::{Path, PathBuf};

use super::{article_id, corpus_files, markdown, ArticleKind};

/// Why the corpus could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("no Markdown article `{0}` in the corpus")]
    NoSuchArticle(String),
    #[error("{}: {reason}", path.display())]
    Cannot { path: PathBuf, reason: String },
    #[error(transparent)]
    Corpus(#[from] super::CorpusError),
}

/// What [`add_question`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// The question was added to this file.
    To(PathBuf),
    /// The article already lists it.
    AlreadyThere(PathBuf),
}

/// Adds `question` to the `questions:` of article `id` (a Markdown file of the corpus in
/// `dir`). The file is changed only if the result still reads as the same article plus
/// the question.
pub fn add_question(dir: &Path, id: &str, question: &str) -> Result<Added, EditError> {
    let question = one_line(question);
    let path = corpus_files(dir)?
        .into_iter()
        .find(|p| {
            matches!(ArticleKind::of(dir, p), Some(ArticleKind::Markdown)) && article_id(p) == id
        })
        .ok_or_else(|| EditError::NoSuchArticle(id.to_string()))?;
    let cannot = |reason: String| EditError::Cannot {
        path: path.clone(),
        reason,
    };
    let bytes = std::fs::read(&path).map_err(|e| cannot(e.to_string()))?;
    let before = questions_of(&bytes).map_err(cannot)?;
    if before
        .iter()
        .any(|q| q.trim().eq_ignore_ascii_case(question.trim()))
    {
        return Ok(Added::AlreadyThere(path));
    }
    let text = String::from_utf8(bytes).map_err(|_| cannot("not UTF-8".into()))?;
    let edited = insert_question(&text, &question).map_err(cannot)?;
    let after = questions_of(edited.as_bytes()).map_err(cannot)?;
    let mut expected = before;
    expected.push(question.clone());
    if after != expected {
        return Err(cannot(
            "the front matter is laid out in a way faqbot cannot extend safely; add the \
             question by hand"
                .into(),
        ));
    }
    write_replacing(&path, edited.as_bytes()).map_err(|e| cannot(e.to_string()))?;
    Ok(Added::To(path))
}

/// Writes a draft article from an expert's answer to `question`; returns its path. The
/// maintainer is to check it: the patient's wording and the expert's answer may name people.
pub fn write_draft(dir: &Path, question: &str, answer: &str) -> Result<PathBuf, EditError> {
    let question = one_line(question);
    let slug = slug(&question);
    let path = (1..)
        .map(|n| match n {
            1 => dir.join(format!("{slug}.md")),
            n => dir.join(format!("{slug}-{n}.md")),
        })
        .find(|p| !p.exists())
        .expect("some name is free");
    let title: String = question.chars().take(120).collect();
    let text = format!(
        "---\n\
         # Written by `faqbot review draft` from an expert's answer. faqbot checks it but\n\
         # does not index it: review the text, the title and the file name (the article's\n\
         # id and web address), then delete the next line.\n\
         draft: true\n\
         title: {}\n\
         questions:\n  - {}\n\
         ---\n\n{}\n",
        quoted(&title),
        quoted(&question),
        answer.trim()
    );
    let cannot = |reason: String| EditError::Cannot {
        path: path.clone(),
        reason,
    };
    // A draft that does not parse would stop every later `faqbot index`.
    if questions_of(text.as_bytes()).map_err(cannot)? != [question.clone()] {
        return Err(cannot("the question cannot be written as YAML".into()));
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| cannot(e.to_string()))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| cannot(e.to_string()))?;
    Ok(path)
}

/// The `questions:` an article file lists (a draft's too).
fn questions_of(bytes: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    markdown::front_matter_questions(text)
}

/// `text` with one line for `question` added to its front matter's `questions:` list
/// (block or one-line flow style), or a new `questions:` list before the closing `---`.
fn insert_question(text: &str, question: &str) -> Result<String, String> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines
        .first()
        .map(|l| l.trim_start_matches('\u{feff}').trim_end())
        != Some("---")
    {
        return Err("no front matter".into());
    }
    let close = lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| l.trim_end() == "---")
        .map(|(n, _)| n)
        .ok_or("the front matter does not end")?;
    let key = (1..close).find(|&n| {
        lines[n]
            .strip_prefix("questions")
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    });
    let item = quoted(question);
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match key {
        None => {
            out.insert(close, format!("questions:{newline}  - {item}{newline}"));
        }
        Some(k) => {
            let value = lines[k].split_once(':').map_or("", |(_, v)| v).trim();
            if value.starts_with('[') {
                let end = lines[k]
                    .rfind(']')
                    .ok_or("a `questions: [` list over several lines")?;
                let empty = value.trim_start_matches('[').trim().starts_with(']');
                let separator = if empty { "" } else { ", " };
                let line = &lines[k];
                out[k] = format!("{}{separator}{item}{}", &line[..end], &line[end..]);
            } else if !value.is_empty() {
                return Err("`questions:` is not a list".into());
            } else {
                let items: Vec<usize> = (k + 1..close)
                    .take_while(|&n| {
                        let l = lines[n];
                        l.starts_with(' ') || l.starts_with('\t') || l.starts_with("- ")
                    })
                    .collect();
                let indent = items
                    .first()
                    .and_then(|&n| lines[n].find('-').map(|at| lines[n][..at].to_string()))
                    .unwrap_or_else(|| "  ".into());
                let after = items.last().map_or(k, |&n| n);
                out.insert(after + 1, format!("{indent}- {item}{newline}"));
            }
        }
    }
    Ok(out.concat())
}

/// Replaces `path` with `bytes` in one step (a new file renamed over it), keeping its mode.
fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("md.faqbot-edit");
    std::fs::write(&temporary, bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&temporary, meta.permissions())?;
    }
    std::fs::rename(&temporary, path)
}

/// A YAML double-quoted string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A file-name part from a question: lower-case words joined by `-`, at most 50 bytes.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > 50 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        slug.push_str("article");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_one_more_line_in_a_block_list() {
        let text =
            "---\ntitle: \"Stones\"\nquestions:\n    - \"a?\"\n    - b\ntags: [x]\n---\nBody.\n";
        assert_eq!(
            insert_question(text, "say \"c\"?").unwrap(),
            "---\ntitle: \"Stones\"\nquestions:\n    - \"a?\"\n    - b\n    - \"say \\\"c\\\"?\"\ntags: [x]\n---\nBody.\n"
        );
    }

    #[test]
    fn flow_lists_missing_lists_and_windows_line_ends_are_extended_in_their_style() {
        assert_eq!(
            insert_question("---\nquestions: [\"a\"]\n---\nB\n", "c").unwrap(),
            "---\nquestions: [\"a\", \"c\"]\n---\nB\n"
        );
        assert_eq!(
            insert_question("---\nquestions: []\n---\nB\n", "c").unwrap(),
            "---\nquestions: [\"c\"]\n---\nB\n"
        );
        assert_eq!(
            insert_question("---\r\ntitle: T\r\n---\r\nB\r\n", "c").unwrap(),
            "---\r\ntitle: T\r\nquestions:\r\n  - \"c\"\r\n---\r\nB\r\n"
        );
        assert!(insert_question("no front matter", "c").is_err());
        assert_eq!(
            insert_question("\u{feff}---\ntitle: T\n---\nB\n", "c").unwrap(),
            "\u{feff}---\ntitle: T\nquestions:\n  - \"c\"\n---\nB\n"
        );
    }

    #[test]
    fn a_slug_is_short_and_plain() {
        assert_eq!(
            slug("Can I drink BEER with stones??"),
            "can-i-drink-beer-with-stones"
        );
        assert_eq!(slug("???"), "article");
    }
}
