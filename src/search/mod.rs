//! The only module that knows tantivy: building index generations and searching them.
//! Queries are built from analysed "concepts" (a word, or a synonym group with all its
//! words), never parsed, so no patient text can cause a query-syntax error.

mod build;
mod generations;
mod schema;
mod vocabulary;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{collector::TopDocs, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

pub use build::{build, fingerprint, BuildError, BuildReport};
pub use generations::{IndexDir, Manifest};

use crate::analyze::{synonym_tag, words, Analyzer};
use crate::redflags::RedFlagMatcher;
use schema::{Fields, FIELD_BOOSTS};
use vocabulary::Vocabulary;

/// How many passages a query looks at, and how many articles it returns.
const TOP_PASSAGES: usize = 40;
const TOP_ARTICLES: usize = 5;
/// Articles whose passage is chosen by a second, article-restricted query (the answer and
/// the related articles offered with it).
const PASSAGE_CHOICES: usize = 3;
/// Within an article, a match in a section heading counts this much more than in the text.
const PASSAGE_HEADING_BOOST: f32 = 4.0;
/// Queries longer than this many concepts keep only the most informative ones.
const MAX_CONCEPTS: usize = 40;
/// How much a typo-corrected word counts compared with a word spelt right.
const CORRECTED_WEIGHT: f32 = 0.8;

/// One idea of the question: a word, or a synonym group with every word it was written with.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// Index tokens, any of which expresses the concept.
    pub tokens: Vec<String>,
    /// Inverse document frequency: how informative the concept is.
    pub weight: f32,
    /// Set when the word was a typo corrected to a known word.
    pub corrected_from: Option<String>,
}

/// An article that matches the question, with the evidence the decision weighs.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub article_id: String,
    pub title: String,
    pub url: String,
    pub heading: Option<String>,
    /// The passage of this article that best matches the question.
    pub passage: String,
    /// BM25 score of the passage (and so of the article: its best passage).
    pub score: f32,
    /// Share of the question's weight found in the passage and its article's title,
    /// questions and tags (0..1).
    pub coverage: f32,
    /// How closely the question matches the title or one of the article's questions (0..1).
    pub phrase_match: f32,
}

/// What the index says about a question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Retrieval {
    pub concepts: Vec<Concept>,
    /// Best first, one per article.
    pub candidates: Vec<Candidate>,
    /// Ids of the red flags the question raises.
    pub red_flags: Vec<String>,
}

/// A searchable index generation, opened once per process.
pub struct Engine {
    reader: IndexReader,
    fields: Fields,
    analyzer: Analyzer,
    red_flags: RedFlagMatcher,
    vocabulary: Vocabulary,
    manifest: Manifest,
    generation: PathBuf,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens the generation currently in service under `index_root`.
    pub fn open(index_root: &Path) -> anyhow::Result<Engine> {
        let generation = IndexDir::new(index_root)
            .current()
            .with_context(|| format!("no index in {}", index_root.display()))?;
        Engine::open_generation(&generation)
    }

    fn open_generation(generation: &Path) -> anyhow::Result<Engine> {
        let manifest = generations::read_manifest(generation)
            .with_context(|| format!("reading the manifest of {}", generation.display()))?;
        let index = Index::open_in_dir(generation)
            .with_context(|| format!("opening the index in {}", generation.display()))?;
        let (_, fields) = schema::schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let analyzer = Analyzer::new(&manifest.synonyms);
        let red_flags = RedFlagMatcher::new(&manifest.red_flags, |w| analyzer.stem(w));
        let mut engine = Engine {
            reader,
            fields,
            analyzer,
            red_flags,
            vocabulary: Vocabulary::default(),
            manifest,
            generation: generation.to_path_buf(),
        };
        engine.vocabulary = engine.load_vocabulary()?;
        Ok(engine)
    }

    fn load_vocabulary(&self) -> anyhow::Result<Vocabulary> {
        let mut vocabulary = Vocabulary::default();
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.all)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                if let Ok(stem) = std::str::from_utf8(terms.key()) {
                    vocabulary.add(stem, u64::from(terms.value().doc_freq));
                }
            }
        }
        for stem in self.analyzer.synonym_stems() {
            vocabulary.add(stem, 0);
        }
        Ok(vocabulary)
    }

    /// What the index was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The safety message for emergencies.
    pub fn safety_message(&self) -> &str {
        self.red_flags.message()
    }

    /// Searches the index for a free-text question. Never fails on odd input.
    pub fn retrieve(&self, question: &str) -> anyhow::Result<Retrieval> {
        let all_stems: Vec<String> = words(question)
            .iter()
            .map(|w| self.analyzer.stem(w))
            .collect();
        let red_flags = self
            .red_flags
            .matches(&all_stems)
            .into_iter()
            .map(String::from)
            .collect();
        let searcher = self.reader.searcher();
        let concepts = self.concepts(question, &searcher)?;
        if concepts.is_empty() {
            return Ok(Retrieval {
                concepts,
                candidates: Vec::new(),
                red_flags,
            });
        }
        let query = self.query(&concepts);
        let top = searcher.search(&query, &TopDocs::with_limit(TOP_PASSAGES).order_by_score())?;
        let mut candidates: Vec<Candidate> = Vec::new();
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let article_id = self.text(&doc, self.fields.article_id);
            if candidates.iter().any(|c| c.article_id == article_id) {
                continue;
            }
            candidates.push(self.candidate(&doc, article_id, score, &concepts));
            if candidates.len() == TOP_ARTICLES {
                break;
            }
        }
        let mut retrieval = Retrieval {
            concepts,
            candidates,
            red_flags,
        };
        crate::answer::rerank(&mut retrieval.candidates);
        for candidate in retrieval.candidates.iter_mut().take(PASSAGE_CHOICES) {
            self.choose_passage(&searcher, candidate, &retrieval.concepts)?;
        }
        Ok(retrieval)
    }

    /// Picks the passage of the candidate's article that best answers the question. Title,
    /// questions and tags are the same on every passage of an article, so only the section
    /// heading and the passage text compete, the heading weighing more.
    fn choose_passage(
        &self,
        searcher: &tantivy::Searcher,
        candidate: &mut Candidate,
        concepts: &[Concept],
    ) -> anyhow::Result<()> {
        let article = Term::from_field_text(self.fields.article_id, &candidate.article_id);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(TermQuery::new(article, IndexRecordOption::Basic)),
        )];
        let fields = [
            (self.fields.heading, PASSAGE_HEADING_BOOST),
            (self.fields.body, 1.0),
        ];
        for token in concepts.iter().flat_map(|c| &c.tokens) {
            clauses.extend(term_clauses(token, &fields));
        }
        let query = BooleanQuery::new(clauses);
        let best = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        if let Some((_, address)) = best.first() {
            let doc: TantivyDocument = searcher.doc(*address)?;
            let heading = self.text(&doc, self.fields.heading_text);
            candidate.heading = (!heading.is_empty()).then_some(heading);
            candidate.passage = self.text(&doc, self.fields.passage_text);
        }
        Ok(())
    }

    /// The question's concepts: corrected stems, grouped by synonym, weighted by rarity.
    fn concepts(
        &self,
        question: &str,
        searcher: &tantivy::Searcher,
    ) -> anyhow::Result<Vec<Concept>> {
        let mut corrections = Vec::new();
        let stems: Vec<String> = self
            .analyzer
            .stems(question)
            .into_iter()
            .map(|stem| {
                if self.vocabulary.contains(&stem) {
                    return stem;
                }
                match self.vocabulary.correct(&stem) {
                    Some(known) => {
                        corrections.push((known.to_string(), stem));
                        known.to_string()
                    }
                    None => stem,
                }
            })
            .collect();
        let mut concepts: Vec<Concept> = Vec::new();
        for tokens in group_concepts(&self.analyzer, &stems) {
            if concepts.iter().any(|c| c.tokens[0] == tokens[0]) {
                continue;
            }
            let corrected_from = corrections
                .iter()
                .find(|(known, _)| tokens.contains(known))
                .map(|(_, typo)| typo.clone());
            let weight = self.weight(&tokens, searcher)?;
            concepts.push(Concept {
                tokens,
                weight: weight.unwrap_or(f32::NAN),
                corrected_from,
            });
        }
        weigh_unknown(&mut concepts);
        if concepts.len() > MAX_CONCEPTS {
            concepts.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            concepts.truncate(MAX_CONCEPTS);
        }
        Ok(concepts)
    }

    /// BM25 inverse document frequency of the concept's first token (for a synonym concept,
    /// its group tag, which stands wherever any of its terms does); `None` if no passage has it.
    fn weight(
        &self,
        tokens: &[String],
        searcher: &tantivy::Searcher,
    ) -> anyhow::Result<Option<f32>> {
        let total = searcher.num_docs() as f32;
        let term = Term::from_field_text(self.fields.all, &tokens[0]);
        let df = searcher.doc_freq(&term)? as f32;
        Ok((df > 0.0).then(|| (1.0 + (total - df + 0.5) / (df + 0.5)).ln()))
    }

    fn query(&self, concepts: &[Concept]) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for concept in concepts {
            let factor = if concept.corrected_from.is_some() {
                CORRECTED_WEIGHT
            } else {
                1.0
            };
            let fields =
                FIELD_BOOSTS.map(|(field, boost)| (self.fields.get(field), boost * factor));
            for token in &concept.tokens {
                clauses.extend(term_clauses(token, &fields));
            }
        }
        BooleanQuery::new(clauses)
    }

    fn candidate(
        &self,
        doc: &TantivyDocument,
        article_id: String,
        score: f32,
        concepts: &[Concept],
    ) -> Candidate {
        let all = self.text(doc, self.fields.all);
        let tokens: HashSet<&str> = all.split_whitespace().collect();
        let coverage = coverage(concepts, |t| tokens.contains(t));
        let phrases = self.text(doc, self.fields.phrases);
        let phrase_match = phrases
            .lines()
            .map(|phrase| self.phrase_match(concepts, phrase))
            .fold(0.0, f32::max);
        let heading = self.text(doc, self.fields.heading_text);
        Candidate {
            article_id,
            title: self.text(doc, self.fields.title_text),
            url: self.text(doc, self.fields.url),
            heading: (!heading.is_empty()).then_some(heading),
            passage: self.text(doc, self.fields.passage_text),
            score,
            coverage,
            phrase_match,
        }
    }

    /// Agreement between the question and one phrase: the harmonic mean of how much of the
    /// question the phrase holds and how much of the phrase the question holds.
    fn phrase_match(&self, concepts: &[Concept], phrase: &str) -> f32 {
        let stems = self.analyzer.stems(phrase);
        let phrase_concepts = group_concepts(&self.analyzer, &stems);
        if phrase_concepts.is_empty() {
            return 0.0;
        }
        let phrase_tokens: HashSet<&str> = phrase_concepts
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let recall = coverage(concepts, |t| phrase_tokens.contains(t));
        let question_tokens: HashSet<&str> = concepts
            .iter()
            .flat_map(|c| c.tokens.iter().map(String::as_str))
            .collect();
        let held = phrase_concepts
            .iter()
            .filter(|c| c.iter().any(|t| question_tokens.contains(t.as_str())))
            .count();
        let precision = held as f32 / phrase_concepts.len() as f32;
        if recall + precision == 0.0 {
            0.0
        } else {
            2.0 * recall * precision / (recall + precision)
        }
    }

    fn text(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    }
}

/// Words no passage contains weigh as much as the average known word of the question: they
/// count against coverage (an off-topic question is mostly such words) without letting one
/// ordinary verb the corpus happens not to use outweigh the whole question.
fn weigh_unknown(concepts: &mut [Concept]) {
    let known: Vec<f32> = concepts
        .iter()
        .map(|c| c.weight)
        .filter(|w| !w.is_nan())
        .collect();
    let average = if known.is_empty() {
        1.0
    } else {
        known.iter().sum::<f32>() / known.len() as f32
    };
    for concept in concepts.iter_mut().filter(|c| c.weight.is_nan()) {
        concept.weight = average;
    }
}

/// Whether a text with these tokens expresses the concept: a synonym concept by its group
/// tag (or by all of the words the patient used), a plain concept by its word.
fn expressed(concept: &Concept, has: &impl Fn(&str) -> bool) -> bool {
    let (first, words) = concept.tokens.split_first().expect("a concept has a token");
    has(first) || (first.starts_with("syn~") && !words.is_empty() && words.iter().all(|w| has(w)))
}

/// One optional, boosted term query per field for `token`.
fn term_clauses<'a>(
    token: &'a str,
    fields: &'a [(tantivy::schema::Field, f32)],
) -> impl Iterator<Item = (Occur, Box<dyn Query>)> + 'a {
    fields.iter().map(move |&(field, boost)| {
        let term = Term::from_field_text(field, token);
        let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
        let boosted: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(query), boost));
        (Occur::Should, boosted)
    })
}

/// Share of the concepts' weight that a text with these tokens expresses.
fn coverage(concepts: &[Concept], has: impl Fn(&str) -> bool) -> f32 {
    let total: f32 = concepts.iter().map(|c| c.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let found: f32 = concepts
        .iter()
        .filter(|c| expressed(c, &has))
        .map(|c| c.weight)
        .sum();
    found / total
}

/// Groups stems into concepts: each synonym match becomes one concept (its tag first, then
/// its words), every other stem a concept of its own.
fn group_concepts(analyzer: &Analyzer, stems: &[String]) -> Vec<Vec<String>> {
    let hits = analyzer.synonym_hits(stems);
    let mut in_synonym = vec![false; stems.len()];
    let mut concepts: Vec<(usize, Vec<String>)> = Vec::new();
    for hit in &hits {
        let tag = synonym_tag(hit.group);
        if let Some((_, tokens)) = concepts.iter_mut().find(|(_, t)| t[0] == tag) {
            tokens.extend(stems[hit.start..hit.end].iter().cloned());
        } else {
            let mut tokens = vec![tag];
            tokens.extend(stems[hit.start..hit.end].iter().cloned());
            concepts.push((hit.start, tokens));
        }
        in_synonym[hit.start..hit.end]
            .iter_mut()
            .for_each(|s| *s = true);
    }
    for (i, stem) in stems.iter().enumerate() {
        if !in_synonym[i] {
            concepts.push((i, vec![stem.clone()]));
        }
    }
    concepts.sort_by_key(|(position, _)| *position);
    concepts
        .into_iter()
        .map(|(_, mut tokens)| {
            let first = tokens.remove(0);
            let mut rest: Vec<String> = Vec::new();
            for t in tokens {
                if t != first && !rest.contains(&t) {
                    rest.push(t);
                }
            }
            std::iter::once(first).chain(rest).collect()
        })
        .collect()
}

/// How `open_fresh` found the index.
#[derive(Debug)]
pub enum Freshness {
    /// The index matched the corpus.
    UpToDate,
    /// The index was missing or stale and was rebuilt.
    Rebuilt(BuildReport),
    /// The corpus changed but does not build; the previous index is still serving.
    KeptPrevious(BuildError),
}

/// Opens the index for `corpus_dir`, building it first if it is missing or out of date.
/// A corpus that fails to build keeps the previous index serving, if there is one.
pub fn open_fresh(corpus_dir: &Path, index_root: &Path) -> anyhow::Result<(Engine, Freshness)> {
    let current = IndexDir::new(index_root).current_manifest();
    let wanted = fingerprint(corpus_dir)?;
    let freshness = match current {
        Some(m) if m.fingerprint == wanted && m.format == schema::FORMAT_VERSION => {
            Freshness::UpToDate
        }
        Some(_) => match build(corpus_dir, index_root, &|_, _| {}) {
            Ok(report) => Freshness::Rebuilt(report),
            Err(e) => Freshness::KeptPrevious(e),
        },
        None => Freshness::Rebuilt(build(corpus_dir, index_root, &|_, _| {})?),
    };
    Ok((Engine::open(index_root)?, freshness))
}
