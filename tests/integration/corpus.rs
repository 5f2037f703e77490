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
        (
            "unanswered.toml",
            b"questions = [\"can I claim benefits on dialysis\", \"  \"]\n",
            "faq_corpus/unanswered.toml: question 2 of `questions` is empty",
        ),
        (
            "unanswered.toml",
            b"question = [\"a typo in the key\"]\n",
            "faq_corpus/unanswered.toml:",
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

#[test]
fn only_http_urls_are_accepted_and_relative_ones_resolve_against_base_url() {
    for url in [
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://clinic.example/x",
    ] {
        let stderr = index_error(
            "bad-url.md",
            format!("---\ntitle: \"Bad link\"\nurl: \"{url}\"\n---\nBody.\n").as_bytes(),
        );
        assert!(
            stderr.contains(&format!(
                "faq_corpus/bad-url.md:3: `url` {url:?} is not an http(s) address"
            )),
            "{url}: {stderr}"
        );
    }
    let env = TestEnv::with_fixture_corpus();
    env.article(
        "relative",
        "title: \"Relative link\"\nurl: \"../leaflets/relative.html\"",
        "Body.\n",
    );
    let corpus = corpus::load(&env.corpus()).expect("corpus loads");
    let article = corpus.articles.iter().find(|a| a.id == "relative").unwrap();
    assert_eq!(article.url, "https://clinic.example/leaflets/relative.html");

    env.remove_corpus_file("corpus.toml");
    env.remove_corpus_file("relative.md");
    env.article(
        "relative",
        "title: \"Relative link\"\nurl: \"/x\"",
        "Body.\n",
    );
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "faq_corpus/relative.md:3: `url` \"/x\" is relative: set `base_url` in corpus.toml"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_title_too_long_for_a_telegram_message_is_an_error() {
    let title = "Dialysis ".repeat(450);
    let stderr = index_error(
        "long-title.md",
        format!("---\ntags: [x]\ntitle: \"{title}\"\n---\nBody.\n").as_bytes(),
    );
    assert!(
        stderr
            .contains("faq_corpus/long-title.md:3: `title` is 4049 characters long (at most 200)"),
        "{stderr}"
    );
}

#[test]
fn a_markdown_file_over_5_mb_is_refused_unread() {
    // A comment is no article text: only the size can refuse this file.
    let big = format!(
        "---\ntitle: \"Big\"\n---\nBody.\n\n<!-- {} -->\n",
        "x".repeat(6 * 1024 * 1024)
    );
    let stderr = index_error("big.md", big.as_bytes());
    assert!(
        stderr.contains("faq_corpus/big.md: file too large (6 MB; limit 5 MB)"),
        "{stderr}"
    );
}

#[test]
fn deeply_nested_front_matter_is_refused_at_once() {
    let depth = 40_000;
    // An unknown key is parsed and ignored: only the depth can refuse this file.
    let yaml = format!(
        "title: \"Deep\"\nextra: {}{}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let started = std::time::Instant::now();
    let stderr = index_error("deep.md", format!("---\n{yaml}\n---\nBody.\n").as_bytes());
    assert!(
        stderr.contains("faq_corpus/deep.md:3: front matter nested more than 8 levels deep"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn symlinked_articles_and_folders_are_indexed_and_broken_links_named() {
    use std::os::unix::fs::symlink;
    let env = TestEnv::with_fixture_corpus();
    let shared = env.path().join("shared");
    std::fs::create_dir_all(shared.join("folder")).unwrap();
    std::fs::write(
        shared.join("hiccups.md"),
        "---\ntitle: \"Hiccups on dialysis\"\n---\nHiccups that last for days are common with high urea.\n",
    )
    .unwrap();
    std::fs::write(
        shared.join("folder/cramps.md"),
        "---\ntitle: \"Cramps during dialysis\"\n---\nCramps come when too much fluid is taken off.\n",
    )
    .unwrap();
    symlink(shared.join("hiccups.md"), env.corpus().join("hiccups.md")).unwrap();
    symlink(shared.join("folder"), env.corpus().join("linked")).unwrap();
    let run = env.run(&["index"]).success();
    assert!(
        run.stdout.starts_with("indexed 6 articles into "),
        "{}",
        run.stdout
    );
    assert_eq!(
        env.ask("why do I hiccup for days")["article"]["id"],
        "hiccups"
    );

    symlink(shared.join("moved-away.md"), env.corpus().join("gone.md")).unwrap();
    let run = env.run(&["index"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("faq_corpus/gone.md: broken symbolic link"),
        "{}",
        run.stderr
    );
}
