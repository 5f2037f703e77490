//! The shipped sample corpus: complete, clean, answering the dev sets at their measured
//! quality, and triaging the labelled triage sets.

use faqbot::answer::Policy;
use faqbot::commands::{evaluate, evaluate_triage, read_labelled, read_triage_set};
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

/// The dev sets (`dev_questions.jsonl`: short questions; `dev_extra.jsonl`: long, messy,
/// off-corpus and vague messages), with the index built once.
/// The sample corpus indexed in a scratch directory (kept alive with the engine).
fn sample_engine() -> (TestEnv, Engine) {
    let env = TestEnv::with_sample_corpus();
    let layout = search::Layout {
        vector_cache: vector_cache(),
        ..search::Layout::new(&env.corpus(), &env.path().join("index"))
    };
    search::build(&layout, &|_, _| {}).expect("sample corpus indexes");
    let engine = Engine::open(&layout.index).expect("index opens");
    (env, engine)
}

fn dev_report() -> faqbot::eval::Report {
    let (_env, engine) = sample_engine();
    let mut labelled = read_labelled(&repo().join("tests/data/dev_questions.jsonl")).unwrap();
    labelled.extend(read_labelled(&repo().join("tests/data/dev_extra.jsonl")).unwrap());
    assert!(labelled.len() >= 300);
    let report = evaluate(&engine, &Policy::default(), labelled).unwrap();
    println!("{}", faqbot::eval::render(&report));
    report
}

/// Guards the figures the README reports (measured 2026-12-04: hit@1 0.964, answered right
/// 82.1%, answered wrong 1.3%, unanswerable answered 3 of 73, urgent 22 of 22). The dev set
/// chose the threshold, so these are not results (the README reports held-out sets); they
/// are below issue 8's targets (answered right >= 85%) and the test keeps them from sliding
/// back.
#[test]
fn the_dev_set_keeps_its_measured_quality() {
    let report = dev_report();
    assert!(report.hit_at_1 >= 0.94, "hit@1 {:.3}", report.hit_at_1);
    assert!(
        report.answered_wrongly <= 0.02,
        "answered wrongly {:.3}",
        report.answered_wrongly
    );
    assert!(
        report.answered_correctly >= 0.80,
        "answered right {:.3}",
        report.answered_correctly
    );
    let answered = report.unanswerable_answered as f64 / report.unanswerable as f64;
    assert!(answered <= 0.05, "unanswerable answered {answered:.3}");
    assert_eq!(
        report.urgent_flagged, report.urgent,
        "every emergency flagged"
    );
    assert!(
        report.vague_clarified * 3 >= report.vague * 2,
        "vague messages asked back: {} of {}",
        report.vague_clarified,
        report.vague
    );
    // Calibrated: answers given at 0.9 or more are right at least 9 times in 10.
    let top = report.calibration.last().unwrap();
    assert!(top.questions >= 50 && top.right >= 0.9, "{top:?}");
}

/// No labelled emergency may be missed: one missed emergency fails the test.
#[test]
fn the_triage_set_catches_emergencies_with_few_false_alarms() {
    let (_env, engine) = sample_engine();
    for (file, emergency, same_day) in [("triage_dev.jsonl", 1.0, 1.0), ("triage.jsonl", 1.0, 0.98)]
    {
        let items = read_triage_set(&repo().join("tests/data").join(file))
            .unwrap()
            .expect("a triage set");
        let report = evaluate_triage(&engine, &items);
        println!("{file}\n{}", report.render());
        assert!(
            report.emergency.rate() >= emergency,
            "{file}: {}",
            report.render()
        );
        assert!(
            report.same_day.rate() >= same_day,
            "{file}: {}",
            report.render()
        );
        assert!(
            report.false_alarm_rate() <= 0.05,
            "{file}: {}",
            report.render()
        );
    }
}
