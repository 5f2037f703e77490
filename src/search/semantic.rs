//! Semantic similarity from a sentence encoder that ships inside the binary
//! (`pocket-encoder`: paraphrase-MiniLM-L3-v2, 4-bit weights, CPU, nothing downloaded).
//!
//! At index time every article's title and `questions:` and every passage are encoded and
//! stored with the generation (`vectors.bin`). Vectors are also kept in a cache keyed by a
//! hash of the model and the text, so a re-index only encodes text that changed. At query
//! time the question is encoded once and compared with all of them.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Coordinates per vector.
pub const DIMENSIONS: usize = 384;
const FILE_MAGIC: &[u8; 8] = b"FAQVEC01";
const CACHE_MAGIC: &[u8; 8] = b"FAQVCC01";
/// Texts encoded per call: bounded so that a huge corpus does not hit the encoder's limits.
const BATCH: usize = 256;
/// The encoder reads at most this many bytes of a text (it keeps 128 word pieces anyway).
const MAX_TEXT_BYTES: usize = 2000;

/// Why vectors could not be computed, read or written.
#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error("the sentence encoder failed: {0}")]
    Encoder(#[from] pocket_encoder::Error),
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The bundled sentence encoder, loaded once per process.
#[derive(Clone)]
pub struct Encoder {
    inner: pocket_encoder::Encoder,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Encoder(paraphrase-MiniLM-L3-v2)")
    }
}

impl Encoder {
    pub fn new() -> Result<Encoder, SemanticError> {
        Ok(Encoder {
            inner: pocket_encoder::Encoder::new()?,
        })
    }

    /// The identity of the coordinate space: vectors of another model must not be compared.
    pub fn model_id() -> String {
        let info = pocket_encoder::model_info();
        format!("{} {}", info.id, info.revision)
    }

    /// One unit vector for `text`; `None` for text with nothing to encode.
    pub fn encode(&self, text: &str) -> Result<Option<Vec<f32>>, SemanticError> {
        let text = clip(text);
        if text.trim().is_empty() {
            return Ok(None);
        }
        Ok(self.inner.embed(&[text])?.pop())
    }

    /// Unit vectors for many texts, reusing the cache; the cache learns the new ones. Text
    /// not in the cache is encoded once however often it occurs, on every core.
    pub fn encode_all(
        &self,
        texts: &[String],
        cache: &mut Cache,
    ) -> Result<Vec<Vec<f32>>, SemanticError> {
        let keys: Vec<[u8; 32]> = texts.iter().map(|t| cache_key(t)).collect();
        let mut missing: Vec<([u8; 32], &str)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (key, text) in keys.iter().zip(texts) {
            if !cache.vectors.contains_key(key) && seen.insert(*key) {
                missing.push((*key, clip(text)));
            }
        }
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = missing.len().div_ceil(workers).max(1);
        let encoded: Vec<Result<Vec<Vec<f32>>, SemanticError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = missing
                .chunks(share)
                .map(|part| scope.spawn(move || self.encode_part(part)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("an encoder thread panicked"))
                .collect()
        });
        for (part, vectors) in missing.chunks(share).zip(encoded) {
            for ((key, _), vector) in part.iter().zip(vectors?) {
                cache.vectors.insert(*key, vector);
                cache.changed = true;
            }
        }
        Ok(keys.iter().map(|k| cache.vectors[k].clone()).collect())
    }

    /// Vectors for one thread's share of the texts, in order; blank text gets zeros.
    fn encode_part(&self, part: &[([u8; 32], &str)]) -> Result<Vec<Vec<f32>>, SemanticError> {
        let mut out = Vec::with_capacity(part.len());
        for chunk in part.chunks(BATCH) {
            let nonblank: Vec<&str> = chunk
                .iter()
                .map(|(_, text)| *text)
                .filter(|t| !t.trim().is_empty())
                .collect();
            let mut vectors = self.inner.embed(&nonblank)?.into_iter();
            for (_, text) in chunk {
                out.push(if text.trim().is_empty() {
                    vec![0.0; DIMENSIONS]
                } else {
                    vectors.next().unwrap_or_else(|| vec![0.0; DIMENSIONS])
                });
            }
        }
        Ok(out)
    }
}

/// The first bytes of `text` the encoder will look at, cut at a character boundary.
fn clip(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn cache_key(text: &str) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(Encoder::model_id().as_bytes());
    hasher.update(&[0]);
    hasher.update(clip(text).as_bytes());
    *hasher.finalize().as_bytes()
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums, which the compiler keeps in vector registers: one running sum
    // must be added to in order, and that stops it from using them. Every question is
    // compared with thousands of corpus vectors.
    const LANES: usize = 8;
    debug_assert_eq!(a.len(), b.len(), "vectors of one model have one length");
    let mut sums = [0.0f32; LANES];
    let (a_rest, b_rest) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_rest
        .remainder()
        .iter()
        .zip(b_rest.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_rest.zip(b_rest) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// Vectors already computed, by hash of model and text. Losing it costs only time.
#[derive(Debug, Default)]
pub struct Cache {
    vectors: HashMap<[u8; 32], Vec<f32>>,
    changed: bool,
}

impl Cache {
    /// Reads the cache; a missing or unreadable cache is an empty one.
    pub fn load(path: &Path) -> Cache {
        let mut cache = Cache::default();
        let Ok(bytes) = std::fs::read(path) else {
            return cache;
        };
        let Some(body) = bytes.strip_prefix(CACHE_MAGIC.as_slice()) else {
            return cache;
        };
        let entry = 32 + DIMENSIONS * 4;
        for chunk in body.chunks_exact(entry) {
            let mut key = [0u8; 32];
            key.copy_from_slice(&chunk[..32]);
            cache.vectors.insert(key, floats(&chunk[32..]));
        }
        cache
    }

    /// Writes the cache if it learned anything, atomically (write, then rename), so that
    /// processes sharing it never read half a file.
    pub fn save(&self, path: &Path) -> Result<(), SemanticError> {
        if !self.changed {
            return Ok(());
        }
        let io = |source| SemanticError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut bytes = Vec::with_capacity(8 + self.vectors.len() * (32 + DIMENSIONS * 4));
        bytes.extend_from_slice(CACHE_MAGIC);
        for (key, vector) in &self.vectors {
            bytes.extend_from_slice(key);
            vector
                .iter()
                .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }
}

fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// What a stored vector stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The title or one of the article's `questions:`.
    Question,
    /// One passage (heading and text).
    Passage,
    /// A message the articles are known not to answer (`unanswered.toml`); `article` is 0
    /// and `passage` its position in that file.
    Unanswered,
}

/// One stored vector's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Index into `CorpusVectors::articles`.
    pub article: u32,
    pub kind: Kind,
    /// The passage's position in its article (for `Kind::Passage`), or the message's in
    /// `unanswered.toml`.
    pub passage: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    model: String,
    articles: Vec<String>,
    rows: Vec<Row>,
}

/// The corpus vectors of one index generation.
#[derive(Debug, Default)]
pub struct CorpusVectors {
    pub articles: Vec<String>,
    pub rows: Vec<Row>,
    /// Row-major, `rows.len() * DIMENSIONS`.
    data: Vec<f32>,
}

/// How similar one article is to the question.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArticleSimilarity {
    /// Best cosine with the title or one of the article's questions.
    pub question: f32,
    /// Best cosine with one of its passages.
    pub passage: f32,
    /// The position of that passage in the article.
    pub best_passage: u32,
}

impl ArticleSimilarity {
    /// The one number articles are compared by.
    pub fn best(&self) -> f32 {
        self.question.max(self.passage)
    }
}

impl CorpusVectors {
    pub fn new(articles: Vec<String>, rows: Vec<Row>, vectors: Vec<Vec<f32>>) -> CorpusVectors {
        CorpusVectors {
            articles,
            rows,
            data: vectors.into_iter().flatten().collect(),
        }
    }

    fn vector(&self, row: usize) -> &[f32] {
        &self.data[row * DIMENSIONS..(row + 1) * DIMENSIONS]
    }

    /// Similarity of the question vector to every article, by article id.
    pub fn similarities(&self, query: &[f32]) -> HashMap<&str, ArticleSimilarity> {
        // By article number first: a map lookup per row costs more than the cosine.
        let mut by_article: Vec<Option<ArticleSimilarity>> = vec![None; self.articles.len()];
        for (i, row) in self.rows.iter().enumerate() {
            if row.kind == Kind::Unanswered {
                continue;
            }
            let cos = cosine(query, self.vector(i));
            let Some(slot) = by_article.get_mut(row.article as usize) else {
                continue;
            };
            let sim = slot.get_or_insert(ArticleSimilarity {
                question: -1.0,
                passage: -1.0,
                best_passage: 0,
            });
            match row.kind {
                Kind::Question => sim.question = sim.question.max(cos),
                Kind::Passage if cos > sim.passage => {
                    sim.passage = cos;
                    sim.best_passage = row.passage;
                }
                Kind::Passage | Kind::Unanswered => {}
            }
        }
        self.articles
            .iter()
            .zip(by_article)
            .filter_map(|(id, sim)| Some((id.as_str(), sim?)))
            .collect()
    }

    /// Cosine of the question with the closest message the articles are known not to
    /// answer; `None` when the corpus lists none.
    pub fn nearest_unanswered(&self, query: &[f32]) -> Option<f32> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == Kind::Unanswered)
            .map(|(i, _)| cosine(query, self.vector(i)))
            .reduce(f32::max)
    }

    /// Cosine of the query with each passage of one article, in passage order.
    pub fn passage_similarities(&self, query: &[f32], article: &str) -> Vec<(u32, f32)> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.kind == Kind::Passage && self.articles[r.article as usize] == article
            })
            .map(|(i, r)| (r.passage, cosine(query, self.vector(i))))
            .collect()
    }

    /// Writes `vectors.bin` into a generation directory.
    pub fn save(&self, path: &Path) -> Result<(), SemanticError> {
        let io = |source| SemanticError::Io {
            path: path.display().to_string(),
            source,
        };
        let header = Header {
            model: Encoder::model_id(),
            articles: self.articles.clone(),
            rows: self.rows.clone(),
        };
        let header = serde_json::to_vec(&header).map_err(|e| SemanticError::Format {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut bytes = Vec::with_capacity(16 + header.len() + self.data.len() * 4);
        bytes.extend_from_slice(FILE_MAGIC);
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&header);
        self.data
            .iter()
            .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
        std::fs::write(path, bytes).map_err(io)
    }

    /// Reads `vectors.bin`, checking that it was made by this encoder and is complete.
    pub fn load(path: &Path) -> Result<CorpusVectors, SemanticError> {
        let format = |message: &str| SemanticError::Format {
            path: path.display().to_string(),
            message: message.to_string(),
        };
        let bytes = std::fs::read(path).map_err(|source| SemanticError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let body = bytes
            .strip_prefix(FILE_MAGIC.as_slice())
            .ok_or_else(|| format("not a faqbot vector file"))?;
        let (len, body) = body
            .split_at_checked(8)
            .ok_or_else(|| format("truncated"))?;
        let len = u64::from_le_bytes(len.try_into().map_err(|_| format("truncated"))?) as usize;
        let (header, data) = body
            .split_at_checked(len)
            .ok_or_else(|| format("truncated header"))?;
        let header: Header =
            serde_json::from_slice(header).map_err(|e| format(&format!("bad header: {e}")))?;
        if header.model != Encoder::model_id() {
            return Err(format("made by another sentence encoder; re-index"));
        }
        if data.len() != header.rows.len() * DIMENSIONS * 4 {
            return Err(format("the vector data does not match its header"));
        }
        if header
            .rows
            .iter()
            .any(|r| r.article as usize >= header.articles.len())
        {
            return Err(format("a row names an unknown article"));
        }
        Ok(CorpusVectors {
            articles: header.articles,
            rows: header.rows,
            data: floats(data),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; DIMENSIONS];
        out[..v.len()].copy_from_slice(v);
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        out.iter().map(|x| x / norm).collect()
    }

    fn sample() -> CorpusVectors {
        let rows = vec![
            Row {
                article: 0,
                kind: Kind::Question,
                passage: 0,
            },
            Row {
                article: 0,
                kind: Kind::Passage,
                passage: 0,
            },
            Row {
                article: 0,
                kind: Kind::Passage,
                passage: 1,
            },
            Row {
                article: 1,
                kind: Kind::Question,
                passage: 0,
            },
        ];
        CorpusVectors::new(
            vec!["a".into(), "b".into()],
            rows,
            vec![
                unit(&[1.0, 0.0]),
                unit(&[0.0, 1.0]),
                unit(&[1.0, 1.0]),
                unit(&[-1.0, 0.0]),
            ],
        )
    }

    #[test]
    fn similarities_take_the_best_question_and_passage_per_article() {
        let v = sample();
        let sims = v.similarities(&unit(&[1.0, 0.2]));
        let a = sims["a"];
        assert!(
            a.question > 0.97 && a.passage > 0.8 && a.best_passage == 1,
            "{a:?}"
        );
        assert!(sims["b"].best() < 0.0);
        assert_eq!(v.passage_similarities(&unit(&[0.0, 1.0]), "a").len(), 2);
    }

    #[test]
    fn cosine_is_the_plain_dot_product_in_any_length() {
        for len in [0, 3, 8, 13, DIMENSIONS] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let fast = cosine(&a, &b);
            assert!((fast - plain).abs() < 1e-4, "{len}: {fast} vs {plain}");
        }
    }

    #[test]
    fn a_message_known_unanswered_is_no_article_s_evidence() {
        let mut v = sample();
        assert_eq!(v.nearest_unanswered(&unit(&[1.0, 0.0])), None);
        v.rows.push(Row {
            article: 0,
            kind: Kind::Unanswered,
            passage: 0,
        });
        v.data.extend(unit(&[0.0, 0.0, 1.0]));
        let query = unit(&[0.0, 0.0, 1.0]);
        let nearest = v.nearest_unanswered(&query).unwrap();
        assert!(nearest > 0.99, "{nearest}");
        // It is no question nor passage of article "a", the row it is filed under.
        let a = v.similarities(&query)["a"];
        assert!(a.best() < 0.01, "{a:?}");
    }

    #[test]
    fn vector_files_round_trip_and_reject_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.bin");
        sample().save(&path).unwrap();
        let back = CorpusVectors::load(&path).unwrap();
        assert_eq!(back.rows, sample().rows);
        assert_eq!(back.data, sample().data);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let error = CorpusVectors::load(&path).unwrap_err().to_string();
        assert!(error.contains("does not match"), "{error}");
        std::fs::write(&path, b"garbage").unwrap();
        assert!(CorpusVectors::load(&path).is_err());
    }

    #[test]
    fn the_cache_round_trips_and_ignores_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.bin");
        let mut cache = Cache::default();
        cache.vectors.insert([7; 32], unit(&[1.0]));
        cache.changed = true;
        cache.save(&path).unwrap();
        let back = Cache::load(&path);
        assert_eq!(back.len(), 1);
        assert_eq!(back.vectors[&[7; 32]], unit(&[1.0]));
        std::fs::write(&path, b"nonsense").unwrap();
        assert!(Cache::load(&path).is_empty());
    }
}
