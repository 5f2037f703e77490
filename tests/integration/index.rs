//! Re-indexing: atomic switch-over, a broken corpus keeps the old index answering, and
//! `ask` rebuilds a stale index by itself.

use crate::env::TestEnv;

#[test]
fn index_prints_a_summary_and_publishes_a_generation() {
    let env = TestEnv::with_fixture_corpus();
    let run = env.run(&["index"]).success();
    assert!(
        run.stdout.starts_with("indexed 4 articles into "),
        "{}",
        run.stdout
    );
    let current = std::fs::read_to_string(env.path().join("index/CURRENT")).unwrap();
    assert!(env.path().join("index").join(current.trim()).is_dir());
}

#[test]
fn a_broken_corpus_leaves_the_previous_index_answering() {
    let env = TestEnv::with_fixture_corpus();
    env.run(&["index"]).success();
    let before = std::fs::read_to_string(env.path().join("index/CURRENT")).unwrap();

    env.corpus_file("broken.md", "---\ntitle: [unclosed\n---\nBody\n");
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("broken.md"), "{}", run.stderr);
    let after = std::fs::read_to_string(env.path().join("index/CURRENT")).unwrap();
    assert_eq!(before, after, "CURRENT still names the old generation");

    // `ask` notices the corpus changed, fails to rebuild, and answers from the old index.
    let run = env
        .run(&["ask", "--json", "how do I prevent kidney stones"])
        .success();
    assert!(
        run.stderr.contains("using the previous index"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["article"]["id"], "kidney-stones");
}

#[test]
fn ask_builds_a_missing_index_and_rebuilds_a_stale_one() {
    let env = TestEnv::with_fixture_corpus();
    assert!(!env.path().join("index").exists());
    assert_eq!(
        env.ask("what foods have a lot of potassium")["article"]["id"],
        "high-potassium"
    );
    assert!(env.path().join("index/CURRENT").exists());

    env.article(
        "hiccups",
        "title: \"Hiccups on dialysis\"",
        "## Why hiccups happen\n\nHiccups that last for days are common with high urea.\n",
    );
    let answer = env.ask("why do hiccups happen on dialysis");
    assert_eq!(answer["article"]["id"], "hiccups", "{answer}");
}

#[test]
fn an_interrupted_build_leaves_no_trace_in_service() {
    let env = TestEnv::with_fixture_corpus();
    env.run(&["index"]).success();
    // A build directory left by a killed process is never read.
    std::fs::create_dir_all(env.path().join("index/build-1-1")).unwrap();
    std::fs::write(env.path().join("index/build-1-1/garbage"), "x").unwrap();
    assert_eq!(
        env.ask("how do I stop getting kidney stones")["article"]["id"],
        "kidney-stones"
    );
}

#[test]
fn a_re_index_encodes_only_the_text_that_changed() {
    use faqbot::search::{self, semantic::Cache};
    let env = TestEnv::with_fixture_corpus();
    let layout = search::Layout::new(&env.corpus(), &env.path().join("index"));
    search::build(&layout, &|_, _| {}).unwrap();
    let first = Cache::load(&layout.vector_cache).len();
    assert!(
        first > 10,
        "every title, question and passage encoded: {first}"
    );
    search::build(&layout, &|_, _| {}).unwrap();
    assert_eq!(
        Cache::load(&layout.vector_cache).len(),
        first,
        "nothing new"
    );
    env.article(
        "new-article",
        "title: \"Hiccups on dialysis\"\nquestions:\n  - \"Why do I hiccup during dialysis?\"",
        "Hiccups are common on dialysis.\n",
    );
    search::build(&layout, &|_, _| {}).unwrap();
    assert_eq!(
        Cache::load(&layout.vector_cache).len(),
        first + 3,
        "title, question and one passage"
    );
}

#[test]
fn concurrent_index_runs_leave_current_naming_a_loadable_generation() {
    let env = TestEnv::with_fixture_corpus();
    let index = env.path().join("index");
    for round in 0..4 {
        for run in env.run_concurrently(6, &["index"]) {
            run.success();
        }
        let current = std::fs::read_to_string(index.join("CURRENT")).unwrap();
        let generation = index.join(current.trim());
        assert!(
            generation.is_dir(),
            "round {round}: CURRENT names {current}, which was deleted"
        );
        faqbot::search::Engine::open(&index)
            .unwrap_or_else(|e| panic!("round {round}: {current} does not load: {e:#}"));
    }
}

#[test]
fn an_index_run_waits_while_another_holds_the_index() {
    use fs4::fs_std::FileExt;
    let env = TestEnv::with_fixture_corpus();
    let index = env.path().join("index");
    std::fs::create_dir_all(&index).unwrap();
    // Another build holds the lock (as `faqbot index` does while it builds).
    let lock = std::fs::File::create(index.join("LOCK")).unwrap();
    lock.lock_exclusive().unwrap();
    let mut waiting = env.start(&["index"]);
    std::thread::sleep(std::time::Duration::from_secs(5));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "`faqbot index` finished while another build held the index"
    );
    assert!(!index.join("CURRENT").exists(), "nothing published yet");
    FileExt::unlock(&lock).unwrap();
    crate::env::finish(waiting).success();
    assert!(index.join("CURRENT").exists());
}
