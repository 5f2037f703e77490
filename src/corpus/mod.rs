//! Loading the article corpus: the articles, their passages, and the maintainer's settings
//! (base URL, synonyms, emergency red flags). Pure parsing; the only I/O is reading files.

mod markdown;
mod passages;
mod settings;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use passages::{split_passages, Passage};
pub use settings::{CorpusSettings, RedFlag, RedFlags, SynonymGroup};

/// One article of the corpus, as patients will see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The file stem, unique across the corpus.
    pub id: String,
    pub title: String,
    pub url: String,
    pub tags: Vec<String>,
    /// Alternative phrasings of the question this article answers.
    pub questions: Vec<String>,
    pub sections: Vec<Section>,
}

/// A `##` section: an optional heading and its paragraphs, Markdown syntax removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
}

/// The whole corpus: articles plus the settings files that travel with it.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub articles: Vec<Article>,
    pub synonyms: Vec<SynonymGroup>,
    pub red_flags: RedFlags,
    /// Files that were seen but are not part of the corpus (reported, not fatal).
    pub ignored: Vec<PathBuf>,
}

/// What is wrong with one corpus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Loading failed: every bad file is listed, so a maintainer can fix them all in one go.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read corpus directory {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} invalid corpus file(s):\n{}", errors.len(), list(errors))]
    Invalid { errors: Vec<FileError> },
}

fn list(errors: &[FileError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    lines.join("\n")
}

/// The files a corpus directory holds, by role.
const SETTINGS_FILE: &str = "corpus.toml";
const SYNONYMS_FILE: &str = "synonyms.toml";
const RED_FLAGS_FILE: &str = "red_flags.toml";

/// Every file that shapes the index, in a stable order: what the fingerprint covers.
pub fn corpus_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let unreadable = |source| CorpusError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    if !dir.is_dir() {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "not a directory",
        )));
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        let entry = entry.map_err(|e| unreadable(e.into()))?;
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('_')
}

/// Loads and validates every file of the corpus in `dir`.
pub fn load(dir: &Path) -> Result<Corpus, CorpusError> {
    let files = corpus_files(dir)?;
    let mut errors = Vec::new();
    let settings = read_settings::<CorpusSettings>(dir, SETTINGS_FILE, &mut errors);
    let synonyms = read_settings::<settings::SynonymsFile>(dir, SYNONYMS_FILE, &mut errors);
    let red_flags = read_settings::<RedFlags>(dir, RED_FLAGS_FILE, &mut errors);

    let mut articles = Vec::new();
    let mut ignored = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for path in files {
        let Some(kind) = ArticleKind::of(dir, &path) else {
            if !is_settings_file(dir, &path) {
                ignored.push(path);
            }
            continue;
        };
        let shown = display_path(dir, &path);
        let article = std::fs::read(&path)
            .map_err(|e| FileError {
                path: shown.clone(),
                line: None,
                message: format!("cannot read: {e}"),
            })
            .and_then(|bytes| kind.parse(&shown, &bytes, &settings));
        match article {
            Ok(article) => match seen.get(&article.id) {
                Some(first) => errors.push(FileError {
                    path: shown,
                    line: None,
                    message: format!(
                        "duplicate article id `{}` (also {})",
                        article.id,
                        first.display()
                    ),
                }),
                None => {
                    seen.insert(article.id.clone(), shown);
                    articles.push(article);
                }
            },
            Err(e) => errors.push(e),
        }
    }
    if articles.is_empty() && errors.is_empty() {
        errors.push(FileError {
            path: dir.to_path_buf(),
            line: None,
            message: "no articles (*.md files) found".into(),
        });
    }
    if !errors.is_empty() {
        return Err(CorpusError::Invalid { errors });
    }
    let synonyms = synonyms.map(|s| s.group).unwrap_or_default();
    Ok(Corpus {
        articles,
        synonyms,
        red_flags: red_flags.unwrap_or_default(),
        ignored,
    })
}

/// The kinds of file that hold an article.
#[derive(Debug, Clone, Copy)]
enum ArticleKind {
    Markdown,
}

impl ArticleKind {
    fn of(dir: &Path, path: &Path) -> Option<ArticleKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        let is_root_readme = path.parent() == Some(dir)
            && path
                .file_stem()
                .is_some_and(|s| s.eq_ignore_ascii_case("readme"));
        match ext.as_str() {
            "md" | "markdown" if !is_root_readme => Some(ArticleKind::Markdown),
            _ => None,
        }
    }

    fn parse(
        self,
        path: &Path,
        bytes: &[u8],
        settings: &Option<CorpusSettings>,
    ) -> Result<Article, FileError> {
        let id = article_id(path);
        let base_url = settings.as_ref().and_then(|s| s.base_url.as_deref());
        match self {
            ArticleKind::Markdown => markdown::parse_article(path, &id, bytes, base_url),
        }
    }
}

fn article_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_settings_file(dir: &Path, path: &Path) -> bool {
    path.parent() == Some(dir)
        && [SETTINGS_FILE, SYNONYMS_FILE, RED_FLAGS_FILE]
            .iter()
            .any(|name| path.file_name().is_some_and(|n| n == *name))
}

/// The path as a maintainer knows it: relative to the corpus directory's parent when possible.
fn display_path(dir: &Path, path: &Path) -> PathBuf {
    let base = dir.parent().unwrap_or(dir);
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

fn read_settings<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
    errors: &mut Vec<FileError>,
) -> Option<T> {
    let path = dir.join(name);
    let shown = display_path(dir, &path);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            errors.push(FileError {
                path: shown,
                line: None,
                message: format!("cannot read: {e}"),
            });
            return None;
        }
    };
    let text = match markdown::utf8(&shown, &bytes) {
        Ok(text) => text,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    match toml::from_str(text) {
        Ok(value) => Some(value),
        Err(e) => {
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            errors.push(FileError {
                path: shown,
                line,
                message: e.message().to_string(),
            });
            None
        }
    }
}
