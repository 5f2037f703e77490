//! Cost per question of `faqbot ask --json -`: opens the index once, then answers and
//! serialises 10,000 questions one by one, timing each. Run with `cargo bench --bench ask`.
//!
//! The corpus is `faq_corpus/` (or `FAQBOT_BENCH_CORPUS`); the questions cycle through
//! `tests/data/dev_questions.jsonl` and, when present beside the repo, the MedQuAD set.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faqbot::answer::Policy;
use faqbot::commands::read_labelled;
use faqbot::search::{self, Engine};

const QUESTIONS: usize = 10_000;

fn main() -> anyhow::Result<()> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("FAQBOT_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("faq_corpus"));
    let index = tempfile::tempdir()?;
    // The shipped triage, whatever the corpus: triage is part of what each question costs.
    let layout = search::Layout {
        triage: faqbot::corpus::TriageFile::At(repo.join("faq_corpus/triage.toml")),
        ..search::Layout::new(&corpus, index.path())
    };
    let report = search::build(&layout, &|_, _| {})?;
    println!(
        "corpus {}: {} articles, {} passages, indexed in {:.2?}",
        corpus.display(),
        report.articles,
        report.passages,
        report.elapsed
    );
    let engine = Engine::open(index.path())?;
    let questions = questions(&repo)?;
    let policy = Policy::default();

    // Warm up the page cache and the allocator.
    for q in questions.iter().take(200) {
        answer_json(&engine, &policy, q)?;
    }
    let mut times = Vec::with_capacity(QUESTIONS);
    let mut bytes = 0;
    let started = Instant::now();
    for q in questions.iter().cycle().take(QUESTIONS) {
        let t = Instant::now();
        bytes += answer_json(&engine, &policy, q)?;
        times.push(t.elapsed());
    }
    let total = started.elapsed();
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "{QUESTIONS} questions ({} distinct, {bytes} bytes of JSON) in {total:.2?}",
        questions.len()
    );
    println!(
        "per question: median {:?}  p90 {:?}  p99 {:?}  max {:?}  mean {:?}",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        total / QUESTIONS as u32
    );
    let within = |t: Duration, ms: u64| {
        if t <= Duration::from_millis(ms) {
            "yes"
        } else {
            "NO"
        }
    };
    println!(
        "median within 15 ms: {}   p99 within 50 ms: {}",
        within(at(0.5), 15),
        within(at(0.99), 50)
    );
    Ok(())
}

/// What `ask --json -` does per line: search, decide, serialise.
fn answer_json(engine: &Engine, policy: &Policy, question: &str) -> anyhow::Result<usize> {
    let reply = faqbot::ask(engine, policy, question)?;
    let json = serde_json::to_string(&faqbot::render::json(question, &reply.verdict))?;
    Ok(json.len())
}

fn questions(repo: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = vec![repo.join("tests/data/dev_questions.jsonl")];
    let medquad = repo.join("../shared/benchmarks/medquad-niddk/questions.jsonl");
    if medquad.is_file() {
        files.push(medquad);
    }
    let mut questions = Vec::new();
    for file in files {
        questions.extend(read_labelled(&file)?.into_iter().map(|l| l.q));
    }
    Ok(questions)
}
