//! Cost per question of `faqbot ask --json -`: opens the index once, then answers and
//! serialises 10,000 questions one by one, timing each; then times the emergency triage
//! alone on 10,000 messages (questions and the labelled triage set), the part of that cost
//! every message pays before anything else. Run with `cargo bench --bench ask`.
//!
//! The corpus is `faq_corpus/` (or `FAQBOT_BENCH_CORPUS`); the questions cycle through
//! `tests/data/dev_questions.jsonl` and, when present beside the repo, the MedQuAD set.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faqbot::answer::Policy;
use faqbot::commands::{read_labelled, read_triage_set};
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
    println!(
        "{QUESTIONS} questions ({} distinct, {bytes} bytes of JSON) in {total:.2?}",
        questions.len()
    );
    let answering = Percentiles::of(times);
    println!(
        "per question: {answering}  mean {:?}",
        total / QUESTIONS as u32
    );
    println!(
        "median within 15 ms: {}   p99 within 50 ms: {}",
        within(answering.median, 15_000),
        within(answering.p99, 50_000)
    );

    let mut messages = questions.clone();
    let triage_set = read_triage_set(&repo.join("tests/data/triage.jsonl"))?.unwrap_or_default();
    messages.extend(triage_set.into_iter().map(|item| item.q));
    let mut times = Vec::with_capacity(QUESTIONS);
    let mut urgent = 0;
    for m in messages.iter().cycle().take(QUESTIONS) {
        let t = Instant::now();
        urgent += usize::from(std::hint::black_box(engine.triage(m)).is_some());
        times.push(t.elapsed());
    }
    let triage = Percentiles::of(times);
    println!(
        "triage alone, {QUESTIONS} messages ({} distinct, {urgent} urgent): {triage}",
        messages.len()
    );
    println!("triage p99 within 1 ms: {}", within(triage.p99, 1_000));
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

/// Median and tails of a set of timings.
struct Percentiles {
    median: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
}

impl Percentiles {
    fn of(mut times: Vec<Duration>) -> Percentiles {
        times.sort();
        let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        Percentiles {
            median: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "median {:?}  p90 {:?}  p99 {:?}  max {:?}",
            self.median, self.p90, self.p99, self.max
        )
    }
}

fn within(t: Duration, micros: u64) -> &'static str {
    if t <= Duration::from_micros(micros) {
        "yes"
    } else {
        "NO"
    }
}
