//! The shipped sample corpus: complete, clean, and answering the dev set at the quality
//! targets (hit@1 ≥ 0.90, ≤ 5% of unanswerable questions answered, every emergency flagged).

use faqbot::answer::Policy;
use faqbot::commands::{evaluate, read_labelled};
use faqbot::corpus;
use faqbot::search::{self, Engine};

use crate::env::{repo, vector_cache, TestEnv};

#[test]
fn every_required_topic_has_its_article_and_the_corpus_loads_without_warnings() {
    let corpus = corpus::load(&repo().join("faq_corpus")).expect("sample corpus loads");
    assert!(
        corpus.ignored.is_empty(),
        "ignored files: {:?}",
        corpus.ignored
    );
    let topics = repo().join("../shared/corpus-topics.md");
    let Ok(topics) = std::fs::read_to_string(&topics) else {
        eprintln!("skipped topic check: ../shared/corpus-topics.md is not beside the repo");
        return;
    };
    let slugs: Vec<&str> = topics
        .lines()
        .filter_map(|l| l.strip_prefix("- `")?.split('`').next())
        .collect();
    assert!(slugs.len() >= 67, "read {} slugs", slugs.len());
    for slug in slugs {
        let article = corpus.articles.iter().find(|a| a.id == slug);
        let article = article.unwrap_or_else(|| panic!("no article for topic `{slug}`"));
        let words: usize = article
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| p.split_whitespace().count())
            .sum();
        assert!((300..=1000).contains(&words), "{slug}: {words} words");
        assert!(
            (3..=6).contains(&article.questions.len()),
            "{slug}: {} questions",
            article.questions.len()
        );
    }
}

#[test]
fn the_dev_set_meets_the_quality_targets() {
    let env = TestEnv::with_sample_corpus();
    let index = env.path().join("index");
    let layout = search::Layout {
        vector_cache: vector_cache(),
        ..search::Layout::new(&env.corpus(), &index)
    };
    search::build(&layout, &|_, _| {}).expect("sample corpus indexes");
    let engine = Engine::open(&index).expect("index opens");
    let labelled = read_labelled(&repo().join("tests/data/dev_questions.jsonl")).unwrap();
    assert!(labelled.len() >= 150);
    let report = evaluate(&engine, &Policy::default(), labelled).unwrap();
    println!("{}", faqbot::eval::render(&report));
    assert!(report.hit_at_1 >= 0.90, "hit@1 {:.3}", report.hit_at_1);
    assert!(
        report.answered_wrongly <= 0.05,
        "answered wrongly {:.3}",
        report.answered_wrongly
    );
    assert!(
        report.answered_correctly >= 0.60,
        "answered right {:.3}",
        report.answered_correctly
    );
    let answered = report.unanswerable_answered as f64 / report.unanswerable as f64;
    assert!(answered <= 0.05, "unanswerable answered {answered:.3}");
    assert_eq!(
        report.urgent_flagged, report.urgent,
        "every emergency flagged"
    );
}
