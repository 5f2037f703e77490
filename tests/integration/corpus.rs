//! Corpus parsing, and the error a maintainer sees for every kind of bad file.

use faqbot::corpus;

use crate::env::TestEnv;

#[test]
fn articles_parse_into_sections_and_passages_without_markdown() {
    let env = TestEnv::with_fixture_corpus();
    env.article(
        "nested/markdown-heavy",
        "title: \"Markdown test\"\ntags: [a, b]\nquestions:\n  - \"q one\"",
        "Intro with **bold**, *italic*, `code` and a [link](https://x.example).\n\n\
         ## First section\n\nCauses include:\n\n- one\n- two\n\n### Sub heading\n\nText.\n",
    );
    let corpus = corpus::load(&env.corpus()).expect("corpus loads");
    let article = corpus
        .articles
        .iter()
        .find(|a| a.id == "markdown-heavy")
        .expect("article in a subfolder, id from the file stem");
    assert_eq!(article.url, "https://clinic.example/faq/markdown-heavy");
    assert_eq!(article.tags, ["a", "b"]);
    assert_eq!(article.questions, ["q one"]);
    assert_eq!(
        article.sections[0].paragraphs,
        ["Intro with bold, italic, code and a link."]
    );
    assert_eq!(
        article.sections[1].heading.as_deref(),
        Some("First section")
    );
    assert_eq!(
        article.sections[1].paragraphs,
        ["Causes include:", "• one\n• two", "Sub heading", "Text."]
    );
    let coffee = corpus
        .articles
        .iter()
        .find(|a| a.id == "coffee-and-kidneys")
        .unwrap();
    assert_eq!(
        coffee.url, "https://elsewhere.example/coffee",
        "an explicit url wins"
    );
    assert_eq!(corpus.synonyms.len(), 4);
    assert!(corpus.triage.is_some(), "triage.toml is loaded");
}

/// Indexes a corpus with one bad file and returns the error line `faqbot index` printed.
fn index_error(file: &str, contents: &[u8]) -> String {
    let env = TestEnv::with_fixture_corpus();
    env.corpus_file(file, contents);
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2, "bad input exits 2; stderr: {}", run.stderr);
    assert!(
        !env.path().join("index/CURRENT").exists(),
        "nothing published"
    );
    run.stderr
}

#[test]
fn every_bad_file_is_named_with_its_line() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "no-title.md",
            b"---\ntags: [x]\n---\nBody.\n",
            "faq_corpus/no-title.md:1: missing `title`",
        ),
        (
            "broken-yaml.md",
            b"---\ntitle: \"ok\"\ntags: [unclosed\n---\nBody.\n",
            "faq_corpus/broken-yaml.md:4: broken YAML front matter",
        ),
        (
            "latin1.md",
            b"---\ntitle: \"x\"\n---\nline one\ncaf\xe9\n",
            "faq_corpus/latin1.md:5: invalid UTF-8",
        ),
        (
            "empty.md",
            b"---\ntitle: \"Empty\"\n---\n\n\n",
            "faq_corpus/empty.md:4: empty body",
        ),
        (
            "no-front.md",
            b"# Title\n\nBody\n",
            "faq_corpus/no-front.md:1: missing front matter",
        ),
        (
            "sub/kidney-stones.md",
            b"---\ntitle: \"Again\"\n---\nBody.\n",
            "duplicate article id `kidney-stones`",
        ),
        (
            "synonyms.toml",
            b"[[group]]\nterms = [\"a\", \n",
            "faq_corpus/synonyms.toml:",
        ),
    ];
    for (file, contents, expected) in cases {
        let stderr = index_error(file, contents);
        assert!(
            stderr.contains(expected),
            "{file}: expected {expected:?} in:\n{stderr}"
        );
        assert_eq!(
            stderr.lines().count(),
            2,
            "one summary line, one line per file:\n{stderr}"
        );
    }
}

#[test]
fn a_missing_triage_file_is_an_error_unless_triage_is_switched_off() {
    let env = TestEnv::with_fixture_corpus();
    env.remove_corpus_file("triage.toml");
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("faq_corpus/triage.toml: missing"),
        "{}",
        run.stderr
    );
    env.run(&["index", "--triage", "off"]).success();
    let a = env.ask_with(&["--triage", "off"], "I have chest pain right now");
    assert_ne!(a["decision"], "urgent", "triage is off: {a}");
    env.corpus_file(
        "corpus.toml",
        "base_url = \"https://clinic.example/faq/\"\ntriage = false\n",
    );
    env.run(&["index"]).success();
}

#[test]
fn triage_errors_name_the_file_and_line() {
    let env = TestEnv::with_fixture_corpus();
    let triage = std::fs::read_to_string(env.corpus().join("triage.toml")).unwrap();
    let broken = triage.replacen("level = \"emergency\"", "level = \"soon\"", 1);
    let line = broken.lines().position(|l| l.contains("\"soon\"")).unwrap() + 1;
    env.corpus_file("triage.toml", broken);
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("faq_corpus/triage.toml:{line}:")),
        "line {line}: {}",
        run.stderr
    );
}

#[test]
fn a_missing_url_without_base_url_is_an_error() {
    let env = TestEnv::with_fixture_corpus();
    env.remove_corpus_file("corpus.toml");
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing `url`"), "{}", run.stderr);
}

#[test]
fn the_benchmark_corpus_indexes_cleanly() {
    let env = TestEnv::empty();
    let corpus = crate::env::repo().join("../shared/benchmarks/medquad-niddk/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: ../shared/benchmarks is not beside the repo");
        return;
    }
    let run = env
        .run(&[
            "index",
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            "mq",
            "--triage",
            crate::env::repo()
                .join("faq_corpus/triage.toml")
                .to_str()
                .unwrap(),
        ])
        .success();
    assert!(
        run.stdout.starts_with("indexed 151 articles into "),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "", "no warnings");
}
