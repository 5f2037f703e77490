//! How articles are ranked: one relevance score from the lexical and the semantic evidence.
//! Pure. The weights were fitted by logistic regression on the training messages
//! (`tests/data/train_*.jsonl`, see `faqbot eval --features`), never on the sets the README
//! reports.

/// The evidence for one article, every part independent of the corpus's size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evidence {
    /// BM25 score of the article's best passage (corpus-dependent: for display only).
    pub score: f32,
    /// That score relative to the best article's (0..1).
    pub relative_score: f32,
    /// Share of the question's weight found in the best passage and its article's title,
    /// questions and tags (0..1).
    pub coverage: f32,
    /// Share of the question's weight the article mentions anywhere (0..1).
    pub article_coverage: f32,
    /// How closely the question's words match the title or one of its questions (0..1).
    pub phrase_match: f32,
    /// Cosine of the question with the title or the closest of its questions.
    pub semantic_question: f32,
    /// Cosine of the question with its closest passage.
    pub semantic_passage: f32,
    /// How much closer in meaning the closest message the articles are known not to answer
    /// (`unanswered.toml`) is than anything of this article, as a negative number; 0 when
    /// the article is at least as close, or the corpus lists no such message. Weighed by
    /// the confidence, not the ranking.
    pub lead_over_unanswered: f32,
}

/// Weights of the relevance score: a logistic model of "this article answers the question".
const W_BIAS: f32 = -14.542;
const W_RELATIVE_SCORE: f32 = 7.113;
const W_COVERAGE: f32 = 0.000;
const W_ARTICLE_COVERAGE: f32 = 2.993;
const W_PHRASE: f32 = 0.485;
const W_SEMANTIC: f32 = 8.361;

/// The relevance of an article, as log-odds that it answers the question.
pub fn relevance(e: &Evidence) -> f32 {
    W_BIAS
        + W_RELATIVE_SCORE * e.relative_score
        + W_COVERAGE * e.coverage
        + W_ARTICLE_COVERAGE * e.article_coverage
        + W_PHRASE * e.phrase_match
        + W_SEMANTIC * e.semantic()
}

/// The features in the order `faqbot eval --features` writes them (for refitting).
pub fn features(e: &Evidence) -> [f32; 5] {
    [
        e.relative_score,
        e.coverage,
        e.article_coverage,
        e.phrase_match,
        e.semantic(),
    ]
}

impl Evidence {
    /// How alike in meaning the article is: its closest title, question, example or
    /// passage. One number for any corpus: saved pages have no questions, only passages;
    /// an article with patients' examples is matched by them first.
    pub fn semantic(&self) -> f32 {
        self.semantic_question.max(self.semantic_passage)
    }

    /// `lead_over_unanswered` for an article this alike, given the closest message known
    /// unanswered.
    pub fn with_nearest_unanswered(mut self, nearest: Option<f32>) -> Evidence {
        self.lead_over_unanswered = nearest.map_or(0.0, |n| (self.semantic() - n).min(0.0));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_evidence_never_ranks_lower_and_words_or_meaning_rank_higher() {
        let base = Evidence {
            score: 5.0,
            relative_score: 0.5,
            coverage: 0.5,
            article_coverage: 0.5,
            phrase_match: 0.3,
            semantic_question: 0.4,
            semantic_passage: 0.4,
            lead_over_unanswered: 0.0,
        };
        // (more of one piece of evidence, whether it must rank strictly higher): a fit may
        // give a piece that adds nothing to the others no weight, never a negative one.
        type Bump = fn(&mut Evidence);
        let bumps: [(Bump, bool); 6] = [
            (|e| e.relative_score += 0.1, true),
            (|e| e.coverage += 0.1, false),
            (|e| e.article_coverage += 0.1, true),
            (|e| e.phrase_match += 0.1, false),
            (|e| e.semantic_question += 0.1, true),
            // A page without questions is matched by its passages.
            (|e| e.semantic_passage += 0.1, true),
        ];
        for (bump, strictly) in bumps {
            let mut better = base;
            bump(&mut better);
            let (new, old) = (relevance(&better), relevance(&base));
            assert!(new >= old, "{better:?}");
            assert!(!strictly || new > old, "{better:?}");
        }
    }
}
