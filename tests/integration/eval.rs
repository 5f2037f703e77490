//! `faqbot eval` on a small labelled fixture.

use crate::env::TestEnv;

#[test]
fn eval_reports_metrics_as_text_and_json() {
    let env = TestEnv::with_fixture_corpus();
    let labelled = [
        r#"{"q": "how do i stop kidney stones coming back", "expect": ["kidney-stones"]}"#,
        r#"{"q": "bananas and potassium", "expect": ["high-potassium"]}"#,
        r#"{"q": "is coffee ok", "expect": ["coffee-and-kidneys"]}"#,
        r#"{"q": "where is the car park", "expect": "no_answer"}"#,
        r#"{"q": "my chest hurts", "expect": "urgent"}"#,
    ];
    std::fs::write(env.path().join("dev.jsonl"), labelled.join("\n")).unwrap();
    let report = env.run(&["eval", "--json", "dev.jsonl"]).success();
    let r: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(r["questions"], 5);
    assert_eq!(r["answerable"], 3);
    assert_eq!(r["hit_at_1"], 1.0);
    assert_eq!(r["mrr"], 1.0);
    assert_eq!(r["unanswerable_answered"], 0);
    assert_eq!(
        (r["urgent"].clone(), r["urgent_flagged"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(r["sweep"].as_array().unwrap().len(), 19);

    let text = env.run(&["eval", "dev.jsonl"]).success().stdout;
    assert!(text.contains("hit@1: 1.000"), "{text}");
    assert!(text.contains("threshold  coverage  precision"), "{text}");
}

#[test]
fn a_bad_label_line_is_named() {
    let env = TestEnv::with_fixture_corpus();
    std::fs::write(
        env.path().join("dev.jsonl"),
        "{\"q\": \"x\", \"expect\": []}\n",
    )
    .unwrap();
    let run = env.run(&["eval", "dev.jsonl"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("dev.jsonl:1:"), "{}", run.stderr);
}

#[test]
fn a_label_naming_no_article_of_the_index_is_refused() {
    let env = TestEnv::with_fixture_corpus();
    let labelled = [
        r#"{"q": "how do i stop kidney stones coming back", "expect": ["kidney-stones"]}"#,
        r#"{"q": "bananas and potassium", "expect": "high-potassium | kidney-stones"}"#,
    ];
    std::fs::write(env.path().join("dev.jsonl"), labelled.join("\n")).unwrap();
    let run = env.run(&["eval", "dev.jsonl"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(r#"question 2: "high-potassium | kidney-stones""#),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("question 1"), "{}", run.stderr);
}
