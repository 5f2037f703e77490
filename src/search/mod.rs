//! The only module that knows tantivy: building index generations and searching them.
//! Queries are built from analysed "concepts" (a word, or a synonym group with all its
//! words), never parsed, so no patient text can cause a query-syntax error. Articles are
//! found both by their words (BM25) and by meaning (sentence vectors, see `semantic`), and
//! ranked here by one relevance score that weighs both kinds of evidence.

mod build;
mod generations;
pub mod rank;
mod schema;
pub mod semantic;
mod vocabulary;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryClone, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{collector::TopDocs, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

pub use build::{build, fingerprint, BuildError, BuildReport, Layout, VECTOR_CACHE};
pub use generations::{IndexDir, Manifest};
pub use rank::{relevance, Evidence};

use crate::analyze::{is_common_word, is_lab_notation, is_stop_word, synonym_tag, words, Analyzer};
use crate::triage::{Assessment, Level, Triage};
use crate::understand::{is_courtesy, states_amount, Message, Stage};
use schema::{Fields, FIELD_BOOSTS};
use semantic::{ArticleSimilarity, CorpusVectors, Encoder};
use vocabulary::Vocabulary;

/// Said when triage is switched off (it then never fires, so this is never sent).
const FALLBACK_SAFETY_MESSAGE: &str =
    "If this is an emergency, call your local emergency number now.";

/// How many passages a query looks at, and how many articles it takes from them.
const TOP_PASSAGES: usize = 40;
const TOP_ARTICLES: usize = 6;
/// Articles the sentence vectors bring in besides those found by their words.
const TOP_SEMANTIC: usize = 5;
/// Articles whose passage is chosen by a second, article-restricted query (the answer and
/// the related articles offered with it).
const PASSAGE_CHOICES: usize = 3;
/// Within an article, a match in a section heading counts this much more than in the text.
const PASSAGE_HEADING_BOOST: f32 = 4.0;
/// Within an article, how much the passage's similarity in meaning counts against its
/// words when the passage to show is chosen.
const PASSAGE_SEMANTIC: f32 = 1.5;
/// Within an article, how much stating the number or amount a message asks for ("how much
/// protein should I eat") counts when the passage to show is chosen: a passage that only
/// talks about the topic does not answer such a question.
const PASSAGE_STATES_NUMBER: f32 = 0.5;
/// Within an article, how much a section heading naming the patient's stage of care counts
/// ("Protein on dialysis" for "how much protein now im on haemodialysis"), and how much
/// one naming only another stage costs ("Protein before dialysis").
const PASSAGE_STAGE: f32 = 0.5;
/// Queries longer than this many concepts keep only the most informative ones.
const MAX_CONCEPTS: usize = 40;
/// How much a typo-corrected word counts compared with a word spelt right.
const CORRECTED_WEIGHT: f32 = 0.8;
/// How much an incidental word ("want", "told", "future": see `Vocabulary::is_incidental`)
/// counts compared with a word that names what is asked.
const INCIDENTAL_WEIGHT: f32 = 0.5;
/// How much a word of the backstory counts compared with a word of the question (chosen on
/// the training messages: 0.25 lost the context questions depend on, 1.0 drowned them).
const CONTEXT_WEIGHT: f32 = 0.5;

/// One idea of the question: a word, or a synonym group with every word it was written with.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// Index tokens, any of which expresses the concept.
    pub tokens: Vec<String>,
    /// Inverse document frequency: how informative the concept is.
    pub weight: f32,
    /// Set when the word was a typo corrected to a known word.
    pub corrected_from: Option<String>,
    /// From the question itself (true) or from the backstory around it (false).
    pub focus: bool,
    /// Share of the articles that mention it (0..1): "dialysis" is in most of a kidney
    /// corpus, "hiccups" in one. Measured for the question's concepts only (0 for the
    /// backstory's).
    pub article_share: f32,
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
    pub evidence: Evidence,
    /// How well the article matches, all evidence weighed (see `rank`); candidates are
    /// sorted by it.
    pub relevance: f32,
    /// Words of the question the article never mentions, rarest first.
    pub missing: Vec<String>,
}

/// What the index says about a question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Retrieval {
    pub concepts: Vec<Concept>,
    /// Best first, one per article.
    pub candidates: Vec<Candidate>,
    /// The emergency triage of the message (set by `faqbot::ask`, not by the search).
    pub triage: Option<Assessment>,
    /// Articles in the corpus (how much an article share says).
    pub articles: usize,
    /// Names in the question that the corpus never uses and that are not everyday words:
    /// a medicine, a condition, a test the articles do not cover.
    pub unknown_terms: Vec<String>,
}

/// A searchable index generation, opened once per process.
pub struct Engine {
    reader: IndexReader,
    fields: Fields,
    analyzer: Analyzer,
    triage: Option<Triage>,
    vocabulary: Vocabulary,
    /// Every token of each article, by article id: what an article mentions anywhere.
    article_tokens: HashMap<String, HashSet<String>>,
    /// The concepts of each article's title, questions and examples, one list per phrase,
    /// by article id: analysed once, matched against every question.
    phrases: HashMap<String, Vec<Vec<Vec<String>>>>,
    /// Two words of the articles' prose written as one ("starfruit"), to the two words
    /// ("star fruit"): patients join words the articles keep apart.
    joined: HashMap<String, String>,
    vectors: CorpusVectors,
    encoder: Encoder,
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

/// Lexical evidence for one article: its best passage document and that passage's score.
struct Found {
    doc: TantivyDocument,
    score: f32,
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
        let triage = manifest.triage.as_ref().map(Triage::new);
        let vectors = CorpusVectors::load(&generation.join(build::VECTORS))?;
        let mut engine = Engine {
            reader,
            fields,
            analyzer,
            triage,
            vocabulary: Vocabulary::default(),
            article_tokens: HashMap::new(),
            phrases: HashMap::new(),
            joined: HashMap::new(),
            vectors,
            encoder: Encoder::new()?,
            manifest,
            generation: generation.to_path_buf(),
        };
        engine.vocabulary = engine.load_vocabulary()?;
        engine.load_articles()?;
        Ok(engine)
    }

    fn load_vocabulary(&self) -> anyhow::Result<Vocabulary> {
        let mut vocabulary = Vocabulary::default();
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            for_each_stem(segment, self.fields.all, |stem, df| {
                vocabulary.add(stem, df)
            })?;
            let prose = [
                self.fields.title,
                self.fields.heading,
                self.fields.body,
                self.fields.tags,
            ];
            for field in prose {
                for_each_stem(segment, field, |stem, _| vocabulary.add_prose(stem))?;
            }
            for field in [self.fields.title, self.fields.heading, self.fields.tags] {
                for_each_stem(segment, field, |stem, _| vocabulary.add_topical(stem))?;
            }
        }
        for (word, rank) in crate::analyze::common_words() {
            vocabulary.add_everyday(self.analyzer.stem(word), rank);
        }
        for stem in self.analyzer.synonym_stems() {
            vocabulary.add(stem, 0);
        }
        Ok(vocabulary)
    }

    /// Reads every article once: its tokens, its phrases analysed, and the spelling of
    /// every word of the maintainers' prose (titles, headings, passages) for the vocabulary.
    fn load_articles(&mut self) -> anyhow::Result<()> {
        let searcher = self.reader.searcher();
        let mut tokens: HashMap<String, HashSet<String>> = HashMap::new();
        let mut prose = Vec::new();
        let mut phrases: HashMap<String, Vec<Vec<Vec<String>>>> = HashMap::new();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(1)?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let article = self.text(&doc, self.fields.article_id);
                let all = self.text(&doc, self.fields.all);
                if !phrases.contains_key(&article) {
                    let analysed = self
                        .text(&doc, self.fields.phrases)
                        .lines()
                        .map(|phrase| group_concepts(&self.analyzer, &self.analyzer.stems(phrase)))
                        .collect();
                    phrases.insert(article.clone(), analysed);
                }
                tokens
                    .entry(article)
                    .or_default()
                    .extend(all.split_whitespace().map(String::from));
                for field in [
                    self.fields.title_text,
                    self.fields.heading_text,
                    self.fields.passage_text,
                ] {
                    let field_words = words(&self.text(&doc, field));
                    for pair in field_words.windows(2) {
                        if pair
                            .iter()
                            .all(|w| !is_stop_word(w) && w.chars().count() >= 3)
                        {
                            let joined = format!("{}{}", pair[0], pair[1]);
                            self.joined.insert(joined, pair.join(" "));
                        }
                    }
                    prose.extend(field_words);
                }
            }
        }
        let spellings = prose
            .iter()
            .map(|word| (self.analyzer.stem(word), word.as_str()));
        self.vocabulary.add_spellings(spellings.collect::<Vec<_>>());
        self.vocabulary.count_articles(tokens.values());
        self.article_tokens = tokens;
        self.phrases = phrases;
        Ok(())
    }

    /// The message as the encoder should read it: each misspelt word the vocabulary
    /// corrects ("kidnys", "potasium", "transplnat") written as the articles spell it. A
    /// sentence encoder reads a typo as unrelated word pieces, and one typo costs more
    /// likeness than a whole sentence of backstory.
    fn spelt_right(&self, text: &str) -> String {
        vocabulary::replace_words(text, |word| {
            let word = word.to_lowercase();
            if word.chars().count() < 4 || is_stop_word(&word) {
                return None;
            }
            if let Some(split) = self.split_joined(&word) {
                return Some(split);
            }
            let stem = self.analyzer.stem(&word);
            let known = self.vocabulary.fix(&stem)?;
            self.vocabulary.spelling(known).map(str::to_string)
        })
    }

    /// Two words of the articles that a patient wrote as one ("starfruit" for "star
    /// fruit"), written apart; `None` for a word the corpus knows or can correct as a typo.
    fn split_joined(&self, word: &str) -> Option<String> {
        let word = word.to_lowercase();
        let apart = self.joined.get(&word)?;
        let stem = self.analyzer.stem(&word);
        let known = self.vocabulary.contains(&stem) || self.vocabulary.correct(&stem).is_some();
        (!known).then(|| apart.clone())
    }

    /// `text` with the words a patient joined written apart (`split_joined`).
    fn joined_split(&self, text: &str) -> String {
        vocabulary::replace_words(text, |word| self.split_joined(word))
    }

    /// Whether the index holds an article with this id.
    pub fn has_article(&self, id: &str) -> bool {
        self.article_tokens.contains_key(id)
    }

    /// What the index was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The safety message for an urgency level.
    pub fn safety_message(&self, level: Level) -> &str {
        match &self.triage {
            Some(triage) => triage.message(level),
            None => FALLBACK_SAFETY_MESSAGE,
        }
    }

    /// The emergency triage of a message (`None`: nothing urgent, or triage switched off).
    pub fn triage(&self, text: &str) -> Option<Assessment> {
        self.triage.as_ref()?.assess(text)
    }

    /// Searches the index for a message's question. Never fails on odd input.
    pub fn retrieve(&self, message: &Message) -> anyhow::Result<Retrieval> {
        let searcher = self.reader.searcher();
        let concepts = self.concepts(message, &searcher)?;
        let unknown_terms = self.unknown_terms(&message.asked_about());
        // The encoder reads the whole message but its courtesy: measured on the training
        // messages, the question alone loses the context it is asked in ("can I eat eggs?"
        // after "I have a stone in my ureter").
        let query_vector = self
            .encoder
            .encode(&self.spelt_right(&message.meaningful()))?;
        let similarities = query_vector
            .as_ref()
            .map(|v| self.vectors.similarities(v))
            .unwrap_or_default();
        let unanswered = query_vector
            .as_ref()
            .and_then(|v| self.vectors.nearest_unanswered(v));
        let query = self.query(&concepts);
        let mut found: Vec<(String, Option<Found>)> = Vec::new();
        if !concepts.is_empty() {
            let top =
                searcher.search(&query, &TopDocs::with_limit(TOP_PASSAGES).order_by_score())?;
            for (score, address) in top {
                let doc: TantivyDocument = searcher.doc(address)?;
                let article_id = self.text(&doc, self.fields.article_id);
                if found.iter().any(|(id, _)| *id == article_id) {
                    continue;
                }
                found.push((article_id, Some(Found { doc, score })));
                if found.len() == TOP_ARTICLES {
                    break;
                }
            }
        }
        let mut by_meaning: Vec<(&str, &ArticleSimilarity)> =
            similarities.iter().map(|(id, s)| (*id, s)).collect();
        by_meaning.sort_by(|a, b| b.1.best().total_cmp(&a.1.best()).then(a.0.cmp(b.0)));
        for (id, _) in by_meaning.into_iter().take(TOP_SEMANTIC) {
            if !found.iter().any(|(f, _)| f == id) {
                found.push((id.to_string(), None));
            }
        }
        let best_score = found
            .iter()
            .filter_map(|(_, f)| f.as_ref().map(|f| f.score))
            .fold(0.0, f32::max);
        // The question's own concepts: what each candidate's coverage is measured against.
        let focus: Vec<Concept> = concepts.iter().filter(|c| c.focus).cloned().collect();
        let mut candidates = Vec::with_capacity(found.len());
        for (article_id, lexical) in found {
            let similarity = similarities
                .get(article_id.as_str())
                .copied()
                .unwrap_or_default();
            let lexical = match lexical {
                Some(f) => f,
                None => self.best_passage_doc(&searcher, &article_id, &query, &similarity)?,
            };
            candidates.push(self.candidate(
                article_id,
                lexical,
                best_score,
                &similarity,
                &focus,
                unanswered,
            ));
        }
        candidates.sort_by(|a, b| {
            b.relevance
                .total_cmp(&a.relevance)
                .then_with(|| a.article_id.cmp(&b.article_id))
        });
        for candidate in candidates.iter_mut().take(PASSAGE_CHOICES) {
            self.choose_passage(
                &searcher,
                candidate,
                &concepts,
                query_vector.as_deref(),
                message,
            )?;
        }
        Ok(Retrieval {
            concepts,
            candidates,
            triage: None,
            articles: self.article_tokens.len(),
            unknown_terms,
        })
    }

    /// For an article found only by meaning: its best passage by words if any matches,
    /// else its passage closest in meaning.
    fn best_passage_doc(
        &self,
        searcher: &tantivy::Searcher,
        article_id: &str,
        query: &BooleanQuery,
        similarity: &ArticleSimilarity,
    ) -> anyhow::Result<Found> {
        let article = Term::from_field_text(self.fields.article_id, article_id);
        // The article's own term adds nothing to the score: scores stay comparable with
        // those of the unrestricted query.
        let article: Box<dyn Query> = Box::new(BoostQuery::new(
            Box::new(TermQuery::new(article, IndexRecordOption::Basic)),
            0.0,
        ));
        let restricted = BooleanQuery::new(vec![
            (Occur::Must, article.box_clone()),
            (Occur::Must, query.box_clone()),
        ]);
        let top = searcher.search(&restricted, &TopDocs::with_limit(1).order_by_score())?;
        if let Some((score, address)) = top.first() {
            return Ok(Found {
                doc: searcher.doc(*address)?,
                score: *score,
            });
        }
        let number =
            Term::from_field_u64(self.fields.passage_no, u64::from(similarity.best_passage));
        let exact = BooleanQuery::new(vec![
            (Occur::Must, article),
            (
                Occur::Must,
                Box::new(TermQuery::new(number, IndexRecordOption::Basic)),
            ),
        ]);
        let top = searcher.search(&exact, &TopDocs::with_limit(1).order_by_score())?;
        let address = top
            .first()
            .map(|(_, a)| *a)
            .with_context(|| format!("article {article_id} has no passage in the index"))?;
        Ok(Found {
            doc: searcher.doc(address)?,
            score: 0.0,
        })
    }

    /// Picks the passage of the candidate's article that best answers the question: its
    /// words (a section heading weighing more than the text, as title, questions and tags
    /// are the same on every passage of an article) and its meaning both count, and so does
    /// stating the number or the amount the message asks for.
    fn choose_passage(
        &self,
        searcher: &tantivy::Searcher,
        candidate: &mut Candidate,
        concepts: &[Concept],
        query_vector: Option<&[f32]>,
        message: &Message,
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
        for concept in concepts.iter().filter(|c| c.focus) {
            for token in &concept.tokens {
                clauses.extend(term_clauses(token, &fields));
            }
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(64).order_by_score())?;
        let meaning: HashMap<u32, f32> = query_vector
            .map(|v| self.vectors.passage_similarities(v, &candidate.article_id))
            .unwrap_or_default()
            .into_iter()
            .collect();
        let best_words = top.first().map_or(0.0, |(s, _)| *s);
        let mut best: Option<(f32, TantivyDocument)> = None;
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let number = doc
                .get_first(self.fields.passage_no)
                .and_then(|v| v.as_u64())
                .unwrap_or_default() as u32;
            let words = if best_words > 0.0 {
                score / best_words
            } else {
                0.0
            };
            let text = self.text(&doc, self.fields.passage_text);
            let states_what_is_asked = (message.asks_amount && states_amount(&text))
                || message
                    .asks_number
                    .is_some_and(|kind| kind.is_stated_in(&text));
            let value = words
                + PASSAGE_SEMANTIC * meaning.get(&number).copied().unwrap_or(0.0)
                + if states_what_is_asked {
                    PASSAGE_STATES_NUMBER
                } else {
                    0.0
                }
                + stage_fit(message.stage, &self.text(&doc, self.fields.heading_text));
            if best.as_ref().is_none_or(|(b, _)| value > *b) {
                best = Some((value, doc));
            }
        }
        if let Some((_, doc)) = best {
            let heading = self.text(&doc, self.fields.heading_text);
            candidate.heading = (!heading.is_empty()).then_some(heading);
            candidate.passage = self.text(&doc, self.fields.passage_text);
        }
        Ok(())
    }

    /// Words of the questions that name something the corpus never mentions: not filler,
    /// not an everyday English word nor a greeting, not a typo of a known word, not a number.
    fn unknown_terms(&self, questions: &str) -> Vec<String> {
        let mut unknown: Vec<String> = Vec::new();
        for word in words(&self.joined_split(questions)) {
            if is_stop_word(&word)
                || is_common_word(&word)
                || is_courtesy(&word)
                || word.chars().any(|c| c.is_ascii_digit())
                || unknown.contains(&word)
            {
                continue;
            }
            let stem = self.analyzer.stem(&word);
            if self.vocabulary.contains(&stem)
                || self.vocabulary.correct(&stem).is_some()
                || self.vocabulary.abbreviates(&stem)
            {
                continue;
            }
            unknown.push(word);
        }
        unknown
    }

    /// The message's concepts: corrected stems, grouped by synonym, weighted by rarity. The
    /// question's own concepts come first; the backstory's weigh less.
    fn concepts(
        &self,
        message: &Message,
        searcher: &tantivy::Searcher,
    ) -> anyhow::Result<Vec<Concept>> {
        let mut concepts = self.concepts_of(&message.focus, true, searcher)?;
        for concept in self.concepts_of(&message.context, false, searcher)? {
            if !concepts.iter().any(|c| c.tokens[0] == concept.tokens[0]) {
                concepts.push(concept);
            }
        }
        weigh_unknown(&mut concepts);
        for concept in &mut concepts {
            if self.vocabulary.is_incidental(&concept.tokens[0]) {
                concept.weight *= INCIDENTAL_WEIGHT;
            }
        }
        for concept in concepts.iter_mut().filter(|c| !c.focus) {
            concept.weight *= CONTEXT_WEIGHT;
        }
        if concepts.len() > MAX_CONCEPTS {
            concepts.sort_by(|a, b| b.focus.cmp(&a.focus).then(b.weight.total_cmp(&a.weight)));
            concepts.truncate(MAX_CONCEPTS);
        }
        Ok(concepts)
    }

    fn concepts_of(
        &self,
        text: &str,
        focus: bool,
        searcher: &tantivy::Searcher,
    ) -> anyhow::Result<Vec<Concept>> {
        let mut corrections = Vec::new();
        let stems: Vec<String> = self
            .analyzer
            .stems(&self.joined_split(text))
            .into_iter()
            .map(|stem| match self.vocabulary.fix(&stem) {
                Some(known) => {
                    corrections.push((known.to_string(), stem));
                    known.to_string()
                }
                None => stem,
            })
            .collect();
        let mut concepts: Vec<Concept> = Vec::new();
        for tokens in group_concepts(&self.analyzer, &stems) {
            if concepts.iter().any(|c| c.tokens[0] == tokens[0])
                || tokens.iter().all(|t| is_lab_notation(t))
            {
                continue;
            }
            let corrected_from = corrections
                .iter()
                .find(|(known, _)| tokens.contains(known))
                .map(|(_, typo)| typo.clone());
            let weight = self.weight(&tokens, searcher)?;
            let mut concept = Concept {
                tokens,
                weight: weight.unwrap_or(f32::NAN),
                corrected_from,
                focus,
                article_share: 0.0,
            };
            if focus {
                let mentioning = self
                    .article_tokens
                    .values()
                    .filter(|article| expressed(&concept, &|t: &str| article.contains(t)))
                    .count();
                concept.article_share = mentioning as f32 / self.article_tokens.len().max(1) as f32;
            }
            concepts.push(concept);
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
            let mut factor = if concept.corrected_from.is_some() {
                CORRECTED_WEIGHT
            } else {
                1.0
            };
            if !concept.focus {
                factor *= CONTEXT_WEIGHT;
            }
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
        article_id: String,
        found: Found,
        best_score: f32,
        similarity: &ArticleSimilarity,
        focus: &[Concept],
        nearest_unanswered: Option<f32>,
    ) -> Candidate {
        let doc = &found.doc;
        let all = self.text(doc, self.fields.all);
        let tokens: HashSet<&str> = all.split_whitespace().collect();
        let passage_coverage = coverage(focus, |t| tokens.contains(t));
        let empty = HashSet::new();
        let article = self.article_tokens.get(&article_id).unwrap_or(&empty);
        let article_coverage = coverage(focus, |t| article.contains(t));
        let mut missing: Vec<&Concept> = focus
            .iter()
            .filter(|c| !expressed(c, &|t: &str| article.contains(t)))
            .collect();
        missing.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let question_tokens: HashSet<&str> = focus
            .iter()
            .flat_map(|c| c.tokens.iter().map(String::as_str))
            .collect();
        let phrase_match = self
            .phrases
            .get(&article_id)
            .into_iter()
            .flatten()
            .map(|phrase| phrase_match(focus, &question_tokens, phrase))
            .fold(0.0, f32::max);
        let heading = self.text(doc, self.fields.heading_text);
        let evidence = Evidence {
            score: found.score,
            relative_score: if best_score > 0.0 {
                found.score / best_score
            } else {
                0.0
            },
            coverage: passage_coverage,
            article_coverage,
            phrase_match,
            semantic_question: similarity.question.max(0.0),
            semantic_passage: similarity.passage.max(0.0),
            lead_over_unanswered: 0.0,
        }
        .with_nearest_unanswered(nearest_unanswered);
        Candidate {
            title: self.text(doc, self.fields.title_text),
            url: self.text(doc, self.fields.url),
            heading: (!heading.is_empty()).then_some(heading),
            passage: self.text(doc, self.fields.passage_text),
            relevance: relevance(&evidence),
            evidence,
            missing: missing
                .into_iter()
                .map(|c| c.corrected_from.clone().unwrap_or_else(|| display_token(c)))
                .collect(),
            article_id,
        }
    }

    fn text(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    }
}

/// How well a passage's heading fits the stage of care the message tells of: a bonus when
/// the heading names it, a cost when it names only other stages, nothing otherwise.
fn stage_fit(told: Option<Stage>, heading: &str) -> f32 {
    let Some(told) = told else { return 0.0 };
    let named = Stage::named_in_heading(heading);
    if named.contains(&told) {
        PASSAGE_STAGE
    } else if named.is_empty() {
        0.0
    } else {
        -PASSAGE_STAGE
    }
}

/// Agreement between the question and one phrase (its concepts): the harmonic mean of how
/// much of the question the phrase holds and how much of the phrase the question holds.
/// `question_tokens` are the tokens of `concepts`.
fn phrase_match(
    concepts: &[Concept],
    question_tokens: &HashSet<&str>,
    phrase_concepts: &[Vec<String>],
) -> f32 {
    if phrase_concepts.is_empty() {
        return 0.0;
    }
    let phrase_tokens: HashSet<&str> = phrase_concepts
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let recall = coverage(concepts, |t| phrase_tokens.contains(t));
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

/// A readable word for a concept: the first word the patient wrote for it.
fn display_token(concept: &Concept) -> String {
    concept
        .tokens
        .iter()
        .find(|t| !t.starts_with("syn~"))
        .cloned()
        .unwrap_or_default()
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

/// Opens the index for the layout's corpus, building it first if it is missing or out of
/// date. A corpus that fails to build keeps the previous index serving, if there is one.
pub fn open_fresh(layout: &Layout) -> anyhow::Result<(Engine, Freshness)> {
    let current = IndexDir::new(&layout.index).current_manifest();
    let wanted = fingerprint(layout)?;
    let freshness = match current {
        Some(m) if m.fingerprint == wanted && m.format == schema::FORMAT_VERSION => {
            Freshness::UpToDate
        }
        Some(_) => match build(layout, &|_, _| {}) {
            Ok(report) => Freshness::Rebuilt(report),
            Err(e) => Freshness::KeptPrevious(e),
        },
        None => Freshness::Rebuilt(build(layout, &|_, _| {})?),
    };
    Ok((Engine::open(&layout.index)?, freshness))
}

/// Calls `each` with every stem of a field in a segment and its document frequency.
fn for_each_stem(
    segment: &tantivy::SegmentReader,
    field: tantivy::schema::Field,
    mut each: impl FnMut(&str, u64),
) -> anyhow::Result<()> {
    let inverted = segment.inverted_index(field)?;
    let mut terms = inverted.terms().stream()?;
    while terms.advance() {
        if let Ok(stem) = std::str::from_utf8(terms.key()) {
            each(stem, u64::from(terms.value().doc_freq));
        }
    }
    Ok(())
}
