//! Loading the article corpus: the articles, their passages, and the maintainer's settings
//! (base URL, synonyms, emergency red flags). Pure parsing; the only I/O is reading files.

mod checks;
pub mod edit;
mod markdown;
pub mod pages;
mod passages;
mod settings;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::triage::TriageConfig;

pub use passages::{split_passages, Passage};
pub use settings::{CorpusSettings, SynonymGroup};

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
    /// Patients' own messages that this article answers, as they wrote them: searched like
    /// the questions (words and meaning), never shown.
    #[serde(default)]
    pub examples: Vec<String>,
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
    /// Messages the articles are known not to answer (`unanswered.toml`), one line each.
    pub unanswered: Vec<String>,
    /// Emergency triage (`triage.toml`); `None` only when `corpus.toml` switches it off.
    pub triage: Option<TriageConfig>,
    /// Files that were seen but are not part of the corpus (reported, not fatal).
    pub ignored: Vec<PathBuf>,
    /// Saved pages with no article in them (a site's contact form, an index page): reported
    /// with the reason and left out, since any saved website has some.
    pub skipped: Vec<FileError>,
    /// Draft articles (`draft: true`): checked, not indexed until the mark is removed.
    pub drafts: Vec<PathBuf>,
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
const TRIAGE_FILE: &str = "triage.toml";
const UNANSWERED_FILE: &str = "unanswered.toml";

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
    // Symbolic links are followed (a clinic may link articles kept elsewhere); a broken
    // one is listed like a file, so that reading it names it.
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => files.push(entry.into_path()),
            Ok(_) => {}
            Err(e) if e.path().is_some_and(is_broken_link) => {
                files.extend(e.path().map(Path::to_path_buf))
            }
            Err(e) => return Err(unreadable(e.into())),
        }
    }
    Ok(files)
}

fn is_broken_link(path: &Path) -> bool {
    path.is_symlink() && !path.exists()
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with('_')
}

/// Where the emergency triage of a corpus comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageFile {
    /// `triage.toml` in the corpus directory (an error when missing, unless `corpus.toml`
    /// says `triage = false`).
    InCorpus,
    /// A triage file kept elsewhere (one clinic's triage for several corpora).
    At(PathBuf),
    /// No triage: switched off by the maintainer.
    Off,
}

impl TriageFile {
    /// The file to read, if any.
    pub fn path(&self, corpus_dir: &Path) -> Option<PathBuf> {
        match self {
            TriageFile::InCorpus => Some(corpus_dir.join(TRIAGE_FILE)),
            TriageFile::At(path) => Some(path.clone()),
            TriageFile::Off => None,
        }
    }
}

/// Loads and validates every file of the corpus in `dir`, with its own `triage.toml`.
pub fn load(dir: &Path) -> Result<Corpus, CorpusError> {
    load_with(dir, &TriageFile::InCorpus)
}

/// Loads and validates every file of the corpus in `dir`, with the triage from `triage`.
pub fn load_with(dir: &Path, triage: &TriageFile) -> Result<Corpus, CorpusError> {
    let files = corpus_files(dir)?;
    let mut errors = Vec::new();
    let settings = read_settings::<CorpusSettings>(dir, SETTINGS_FILE, &mut errors);
    let synonyms = read_settings::<settings::SynonymsFile>(dir, SYNONYMS_FILE, &mut errors);
    let unanswered = read_settings::<settings::UnansweredFile>(dir, UNANSWERED_FILE, &mut errors)
        .map(|u| unanswered_questions(dir, u, &mut errors))
        .unwrap_or_default();
    let triage = read_triage(dir, triage, settings.as_ref(), &mut errors);
    let base_url = match settings.as_ref().and_then(|s| s.base_url.as_deref()) {
        Some(base) => match checks::base_url(base) {
            Ok(base) => Some(base),
            Err(message) => {
                errors.push(FileError {
                    path: display_path(dir, &dir.join(SETTINGS_FILE)),
                    line: None,
                    message,
                });
                return Err(CorpusError::Invalid { errors });
            }
        },
        None => None,
    };

    let mut parsed: Vec<(PathBuf, Result<Article, FileError>)> = Vec::new();
    let mut ignored = Vec::new();
    let mut drafts = Vec::new();
    // Saved web pages are read a folder at a time: boilerplate shows by repeating.
    let mut page_folders: BTreeMap<PathBuf, Vec<(PathBuf, pages::PageKind)>> = BTreeMap::new();
    for path in files {
        let shown = display_path(dir, &path);
        match ArticleKind::of(dir, &path) {
            Some(ArticleKind::Markdown) => {
                let article = read_file(&path, &shown).and_then(|bytes| {
                    let id = article_id(&path);
                    markdown::parse_article(&shown, &id, &bytes, base_url.as_ref())
                });
                match article {
                    Ok(None) => drafts.push(shown),
                    Ok(Some(article)) => parsed.push((shown, Ok(article))),
                    Err(e) => parsed.push((shown, Err(e))),
                }
            }
            Some(ArticleKind::Page(kind)) => {
                let folder = path.parent().unwrap_or(dir).to_path_buf();
                page_folders.entry(folder).or_default().push((path, kind));
            }
            None if is_settings_file(dir, &path) => {}
            None => ignored.push(shown),
        }
    }
    let mut skipped = Vec::new();
    for (_, files) in page_folders {
        for (shown, page) in read_pages(dir, &files, base_url.as_ref()) {
            match page {
                Ok(article) => parsed.push((shown, Ok(article))),
                Err(PageProblem::NoArticle(e)) => skipped.push(e),
                Err(PageProblem::Invalid(e)) => parsed.push((shown, Err(e))),
            }
        }
    }

    let mut articles = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (shown, article) in parsed {
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
        unanswered,
        triage,
        ignored,
        skipped,
        drafts,
    })
}

/// The kinds of file that hold an article.
#[derive(Debug, Clone, Copy)]
enum ArticleKind {
    Markdown,
    /// A page saved from a clinic's website: HTML or a plain-text dump.
    Page(pages::PageKind),
}

impl ArticleKind {
    fn of(dir: &Path, path: &Path) -> Option<ArticleKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        let is_root_readme = path.parent() == Some(dir)
            && path
                .file_stem()
                .is_some_and(|s| s.eq_ignore_ascii_case("readme"));
        if is_root_readme {
            return None;
        }
        match ext.as_str() {
            "md" | "markdown" => Some(ArticleKind::Markdown),
            "html" | "htm" => Some(ArticleKind::Page(pages::PageKind::Html)),
            "txt" => Some(ArticleKind::Page(pages::PageKind::Text)),
            _ => None,
        }
    }
}

/// Article files (Markdown or saved pages) larger than this are rejected unread.
const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// Reads an article file: not a broken link, and at most `MAX_FILE_BYTES`.
fn read_file(path: &Path, shown: &Path) -> Result<Vec<u8>, FileError> {
    let error = |message| FileError {
        path: shown.to_path_buf(),
        line: None,
        message,
    };
    if is_broken_link(path) {
        return Err(error("broken symbolic link".into()));
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return Err(error(format!(
            "file too large ({} MB; limit {} MB)",
            size / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(path).map_err(|e| error(format!("cannot read: {e}")))
}

/// An article from a saved page, or why there is none.
type PageResult = Result<Article, PageProblem>;

/// Why a saved page gave no article.
enum PageProblem {
    /// The page holds no article (only navigation, a form...): skipped with a warning.
    NoArticle(FileError),
    /// The file cannot be used (unreadable, too large, no url): an error, like a bad article.
    Invalid(FileError),
}

/// Extracts the articles of one folder of saved pages.
fn read_pages(
    dir: &Path,
    files: &[(PathBuf, pages::PageKind)],
    base_url: Option<&url::Url>,
) -> Vec<(PathBuf, PageResult)> {
    let mut inputs = Vec::new();
    let mut results: Vec<(PathBuf, Option<PageResult>)> = Vec::new();
    for (path, kind) in files {
        let shown = display_path(dir, path);
        match read_file(path, &shown) {
            Ok(bytes) => {
                inputs.push((shown.to_string_lossy().into_owned(), *kind, bytes));
                results.push((shown, None));
            }
            Err(e) => results.push((shown, Some(Err(PageProblem::Invalid(e))))),
        }
    }
    let mut extracted = pages::extract_folder(&inputs).into_iter();
    results
        .into_iter()
        .map(|(shown, result)| {
            let result = result.unwrap_or_else(|| {
                let page = extracted.next().unwrap_or_else(|| {
                    Err(pages::PageError {
                        line: None,
                        message: "page was not extracted".into(),
                    })
                });
                page_article(&shown, page, base_url)
            });
            (shown, result)
        })
        .collect()
}

/// An article from an extracted page; its url is the page's canonical one, else base_url + id.
fn page_article(
    shown: &Path,
    page: Result<pages::Page, pages::PageError>,
    base_url: Option<&url::Url>,
) -> PageResult {
    let error = |line, message| FileError {
        path: shown.to_path_buf(),
        line,
        message,
    };
    let page = page.map_err(|e| PageProblem::NoArticle(error(e.line, e.message)))?;
    let id = article_id(shown);
    if page.url.is_none() && base_url.is_none() {
        return Err(PageProblem::Invalid(error(
            None,
            "no canonical url in the page (set `base_url` in corpus.toml)".into(),
        )));
    }
    let invalid = |message| PageProblem::Invalid(error(None, message));
    let url = checks::url(page.url.as_deref(), base_url, &id).map_err(invalid)?;
    checks::title(&page.title).map_err(invalid)?;
    Ok(Article {
        id,
        title: page.title,
        url,
        tags: page.tags,
        questions: Vec::new(),
        examples: Vec::new(),
        sections: page
            .sections
            .into_iter()
            .map(|s| Section {
                heading: s.heading,
                paragraphs: s.paragraphs,
            })
            .collect(),
    })
}

fn article_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_settings_file(dir: &Path, path: &Path) -> bool {
    path.parent() == Some(dir)
        && [SETTINGS_FILE, SYNONYMS_FILE, TRIAGE_FILE, UNANSWERED_FILE]
            .iter()
            .any(|name| path.file_name().is_some_and(|n| n == *name))
}

/// The questions of `unanswered.toml`, each on one line; an empty one is an error.
fn unanswered_questions(
    dir: &Path,
    file: settings::UnansweredFile,
    errors: &mut Vec<FileError>,
) -> Vec<String> {
    let questions: Vec<String> = file
        .questions
        .iter()
        .map(|q| q.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    if let Some(n) = questions.iter().position(String::is_empty) {
        errors.push(FileError {
            path: display_path(dir, &dir.join(UNANSWERED_FILE)),
            line: None,
            message: format!("question {} of `questions` is empty", n + 1),
        });
    }
    questions
}

/// The path as a maintainer knows it: relative to the corpus directory's parent when possible.
fn display_path(dir: &Path, path: &Path) -> PathBuf {
    let base = dir.parent().unwrap_or(dir);
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

/// Reads `triage.toml`. A missing file is an error unless `corpus.toml` says `triage = false`:
/// deleting or renaming it must not silently switch emergency triage off.
fn read_triage(
    dir: &Path,
    triage: &TriageFile,
    settings: Option<&CorpusSettings>,
    errors: &mut Vec<FileError>,
) -> Option<TriageConfig> {
    let in_corpus_off = *triage == TriageFile::InCorpus && settings.is_some_and(|s| !s.triage);
    let path = triage.path(dir).filter(|_| !in_corpus_off)?;
    let shown = display_path(dir, &path);
    if !path.is_file() {
        errors.push(FileError {
            path: shown,
            line: None,
            message: "missing: emergency triage needs this file (set `triage = false` in \
                      corpus.toml to run without triage)"
                .into(),
        });
        return None;
    }
    match crate::triage::load(&path) {
        Ok(config) => Some(config),
        Err(crate::triage::TriageError::Invalid { problems, .. }) => {
            errors.extend(problems.into_iter().map(|p| FileError {
                path: shown.clone(),
                line: Some(p.line),
                message: p.message,
            }));
            None
        }
        Err(e) => {
            errors.push(FileError {
                path: shown,
                line: None,
                message: e.to_string(),
            });
            None
        }
    }
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
