//! Building a new index generation from a corpus directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tantivy::{doc, Index, IndexWriter, TantivyDocument};

use super::generations::{IndexDir, Manifest};
use super::schema::{schema, Fields, FORMAT_VERSION};
use super::semantic::{Cache, CorpusVectors, Encoder, Kind, Row, SemanticError};
use crate::analyze::Analyzer;
use crate::corpus::{self, split_passages, Article, Corpus, CorpusError, TriageFile};

/// What a successful build produced.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub articles: usize,
    pub passages: usize,
    pub elapsed: Duration,
    /// Files in the corpus directory that are not articles or settings.
    pub ignored: Vec<std::path::PathBuf>,
    /// Saved pages left out because they hold no article, with the reason.
    pub skipped: Vec<crate::corpus::FileError>,
    /// Draft articles, not indexed.
    pub drafts: Vec<std::path::PathBuf>,
}

/// Why a build failed; the previous index, if any, stays in service.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error("cannot write the index in {}: {source}", dir.display())]
    Io {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("tantivy failed to build the index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("computing the corpus vectors: {0}")]
    Semantic(#[from] SemanticError),
}

/// The vector cache's file name in the index root.
pub const VECTOR_CACHE: &str = "vector-cache.bin";
/// The corpus vectors' file name in a generation.
pub const VECTORS: &str = "vectors.bin";

/// Where a build reads from and writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub corpus: PathBuf,
    pub triage: TriageFile,
    pub index: PathBuf,
    /// Sentence vectors already computed (shared by builds of the same text).
    pub vector_cache: PathBuf,
}

impl Layout {
    /// The corpus with its own `triage.toml`, and the vector cache in the index directory.
    pub fn new(corpus: &Path, index: &Path) -> Layout {
        Layout {
            corpus: corpus.to_path_buf(),
            triage: TriageFile::InCorpus,
            index: index.to_path_buf(),
            vector_cache: index.join(VECTOR_CACHE),
        }
    }
}

/// A content hash of every corpus file and of the triage file, with the index format and
/// faqbot's version (a new faqbot may analyse text differently): equal means no rebuild
/// needed.
pub fn fingerprint(layout: &Layout) -> Result<String, CorpusError> {
    let corpus_dir = layout.corpus.as_path();
    let mut hasher = blake3::Hasher::new();
    hasher.update(&FORMAT_VERSION.to_le_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let TriageFile::At(path) = &layout.triage {
        hasher.update(&std::fs::read(path).unwrap_or_default());
    }
    hasher.update(&[u8::from(layout.triage == TriageFile::Off)]);
    for path in corpus::corpus_files(corpus_dir)? {
        let relative = path.strip_prefix(corpus_dir).unwrap_or(&path);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        // An unreadable file changes the hash; loading will report it.
        let bytes = std::fs::read(&path).unwrap_or_default();
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Validates the corpus, indexes it into a new generation and puts that in service.
/// `progress` is called with (articles done, articles total). A build started while another
/// writes to the same index directory waits for it to finish.
pub fn build(layout: &Layout, progress: &dyn Fn(usize, usize)) -> Result<BuildReport, BuildError> {
    let (corpus_dir, index_root, cache) = (&layout.corpus, &layout.index, &layout.vector_cache);
    let started = Instant::now();
    let fingerprint = fingerprint(layout)?;
    let corpus = corpus::load_with(corpus_dir, &layout.triage)?;
    let io = |source| BuildError::Io {
        dir: index_root.to_path_buf(),
        source,
    };
    let dir = IndexDir::new(index_root);
    let locked = dir.lock().map_err(io)?;
    let build_dir = locked.start_build().map_err(io)?;
    let result = write_index(&corpus, &build_dir, progress)
        .and_then(|passages| write_vectors(&corpus, &build_dir, cache).map(|()| passages));
    let passages = match result {
        Ok(passages) => passages,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&build_dir);
            return Err(e);
        }
    };
    let manifest = Manifest {
        format: FORMAT_VERSION,
        fingerprint,
        built_at_unix: (super::generations::now_unix_millis() / 1000) as u64,
        articles: corpus.articles.len(),
        passages,
        synonyms: corpus.synonyms.clone(),
        triage: corpus.triage.clone(),
    };
    locked.publish(&build_dir, &manifest).map_err(io)?;
    Ok(BuildReport {
        articles: corpus.articles.len(),
        passages,
        elapsed: started.elapsed(),
        ignored: corpus.ignored,
        skipped: corpus.skipped,
        drafts: corpus.drafts,
    })
}

fn write_index(
    corpus: &Corpus,
    dir: &Path,
    progress: &dyn Fn(usize, usize),
) -> Result<usize, BuildError> {
    let (schema, fields) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
    let analyzer = Analyzer::new(&corpus.synonyms);
    let mut passages = 0;
    for (done, article) in corpus.articles.iter().enumerate() {
        for document in article_documents(article, &analyzer, &fields) {
            writer.add_document(document)?;
            passages += 1;
        }
        progress(done + 1, corpus.articles.len());
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(passages)
}

/// Encodes every article's title, questions and examples, every passage and every message
/// known unanswered into `vectors.bin`, reusing the cache at `cache_path` for text encoded
/// before.
fn write_vectors(corpus: &Corpus, dir: &Path, cache_path: &Path) -> Result<(), BuildError> {
    // Builds in one process (the tests) take turns, so the second finds the first's vectors.
    static ENCODING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let mut rows = Vec::new();
    let mut texts = Vec::new();
    for (a, article) in corpus.articles.iter().enumerate() {
        let article_no = a as u32;
        let questions = std::iter::once(&article.title)
            .chain(&article.questions)
            .chain(&article.examples);
        for q in questions {
            rows.push(Row {
                article: article_no,
                kind: Kind::Question,
                passage: 0,
            });
            texts.push(q.clone());
        }
        for (p, passage) in split_passages(article).into_iter().enumerate() {
            rows.push(Row {
                article: article_no,
                kind: Kind::Passage,
                passage: p as u32,
            });
            texts.push(semantic_passage_text(
                passage.heading.as_deref(),
                &passage.text,
            ));
        }
    }
    for (n, question) in corpus.unanswered.iter().enumerate() {
        rows.push(Row {
            article: 0,
            kind: Kind::Unanswered,
            passage: n as u32,
        });
        texts.push(question.clone());
    }
    let vectors = {
        let _turn = ENCODING.lock().unwrap_or_else(|p| p.into_inner());
        let mut cache = Cache::load(cache_path);
        let vectors = Encoder::new()?.encode_all(&texts, &mut cache)?;
        cache.save(cache_path)?;
        vectors
    };
    let ids = corpus.articles.iter().map(|a| a.id.clone()).collect();
    CorpusVectors::new(ids, rows, vectors).save(&dir.join(VECTORS))?;
    Ok(())
}

/// What the encoder reads of a passage: its heading, then its text.
fn semantic_passage_text(heading: Option<&str>, text: &str) -> String {
    match heading {
        Some(h) => format!("{h}. {text}"),
        None => text.to_string(),
    }
}

/// One document per passage; each carries its article's title, questions and tags.
pub(crate) fn article_documents(
    article: &Article,
    analyzer: &Analyzer,
    fields: &Fields,
) -> Vec<TantivyDocument> {
    let title = analyzer.index_tokens(&article.title);
    // Patients' wordings count as questions for words too: measured on the dev set, matching
    // them by meaning alone answered fewer messages and more off-corpus ones.
    let all_questions = || article.questions.iter().chain(&article.examples);
    let questions = analyzer.index_tokens(
        &all_questions()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" . "),
    );
    let tags = analyzer.index_tokens(&article.tags.join(" ").replace('-', " "));
    let mut phrases = vec![article.title.as_str()];
    phrases.extend(all_questions().map(|q| q.as_str()));
    let phrases = phrases.join("\n");
    split_passages(article)
        .into_iter()
        .enumerate()
        .map(|(number, passage)| {
            let heading_text = passage.heading.clone().unwrap_or_default();
            let heading = analyzer.index_tokens(&heading_text);
            let body = analyzer.index_tokens(&passage.text);
            let all = [&title, &questions, &tags, &heading, &body]
                .map(|s| s.as_str())
                .join(" ");
            doc!(
                fields.article_id => article.id.as_str(),
                fields.title => title.as_str(),
                fields.questions => questions.as_str(),
                fields.heading => heading,
                fields.body => body,
                fields.tags => tags.as_str(),
                fields.all => all,
                fields.title_text => article.title.as_str(),
                fields.url => article.url.as_str(),
                fields.heading_text => heading_text,
                fields.passage_text => passage.text,
                fields.phrases => phrases.as_str(),
                fields.passage_no => number as u64,
            )
        })
        .collect()
}
