//! `faqbot ask`: the JSON contract, hostile input, synonyms and typos, urgent and small talk.

use crate::env::TestEnv;

#[test]
fn json_answer_follows_the_contract() {
    let env = TestEnv::with_fixture_corpus();
    let a = env.ask("why is there blood in my pee since dialysis?");
    assert_eq!(
        a["question"],
        "why is there blood in my pee since dialysis?"
    );
    assert_eq!(a["decision"], "answer");
    let confidence = a["confidence"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&confidence), "{a}");
    assert_eq!(a["article"]["id"], "dialysis-blood-in-urine");
    assert_eq!(a["article"]["title"], "Blood in the urine on dialysis");
    assert_eq!(
        a["article"]["url"],
        "https://clinic.example/faq/dialysis-blood-in-urine"
    );
    assert!(a["passage"].as_str().unwrap().len() > 20);
    assert!(a["alternatives"].is_array());
    for alt in a["alternatives"].as_array().unwrap() {
        let keys: Vec<&String> = alt.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["confidence", "id", "title"]);
    }
    assert!(a["reason"].as_str().unwrap().contains("confidence"));
    let mut keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "alternatives",
            "article",
            "confidence",
            "decision",
            "passage",
            "question",
            "reason"
        ]
    );
}

#[test]
fn the_passage_is_the_one_that_answers_not_the_first() {
    let env = TestEnv::with_fixture_corpus();
    let a = env.ask("does the heparin blood thinner they give me at dialysis cause red urine");
    assert_eq!(a["article"]["id"], "dialysis-blood-in-urine");
    assert!(
        a["passage"]
            .as_str()
            .unwrap()
            .starts_with("During each hemodialysis session"),
        "{a}"
    );
}

#[test]
fn hostile_input_always_gets_a_decision() {
    let env = TestEnv::with_fixture_corpus();
    let long = "kidney stones ".repeat(400);
    let hostile = [
        "\"unbalanced quote",
        "(((((",
        "AND OR NOT",
        "- - -",
        "title:potassium^10 body:[a TO z]",
        "https://example.com/?q=a&b=c",
        "😀💩🩸",
        "",
        "   \t ",
        "*?~\\/",
        long.as_str(),
    ];
    let input = hostile.join("\n") + "\n";
    let run = env
        .run_with_stdin(&["ask", "--json", "-"], &input)
        .success();
    let answers = run.json_lines();
    assert_eq!(answers.len(), hostile.len(), "one JSON line per input line");
    for (answer, question) in answers.iter().zip(hostile) {
        assert_eq!(answer["question"], question);
        let decision = answer["decision"].as_str().unwrap();
        assert!(["answer", "escalate", "urgent", "smalltalk"].contains(&decision));
    }
    assert_eq!(answers[7]["decision"], "smalltalk", "empty input");
    assert_eq!(
        answers[10]["article"]["id"], "kidney-stones",
        "a long paste still searches"
    );
}

#[test]
fn synonyms_and_typos_find_the_article() {
    let env = TestEnv::with_fixture_corpus();
    // "hematuria" appears nowhere in the article; the synonym group links it.
    assert_eq!(
        env.ask("hematuria after dialysis sessions")["article"]["id"],
        "dialysis-blood-in-urine"
    );
    // Multi-word synonym: "nephrolithiasis" ~ "kidney stone".
    assert_eq!(
        env.ask("preventing nephrolithiasis")["article"]["id"],
        "kidney-stones"
    );
    // Typos: "potasium", "dialisis".
    assert_eq!(
        env.ask("why is high potasium dangerous")["article"]["id"],
        "high-potassium"
    );
    assert_eq!(
        env.ask("blood in pee after dialisis")["article"]["id"],
        "dialysis-blood-in-urine"
    );
}

#[test]
fn red_flags_are_urgent_and_greetings_are_smalltalk() {
    let env = TestEnv::with_fixture_corpus();
    let a = env.ask("I have chest pain and potassium is high");
    assert_eq!(a["decision"], "urgent");
    assert!(a["reason"].as_str().unwrap().contains("chest-pain"));
    assert_eq!(
        env.ask("I've had no urine for a whole day")["decision"],
        "urgent"
    );
    assert_eq!(env.ask("Hello!")["decision"], "smalltalk");
    assert_eq!(env.ask("thanks a lot 🙏")["decision"], "smalltalk");
    let run = env.run(&["ask", "chest hurts"]).success();
    assert!(run.stdout.starts_with("URGENT"), "{}", run.stdout);
    assert!(run.stdout.contains("Call your local emergency number now."));
}

#[test]
fn questions_the_corpus_cannot_answer_are_escalated() {
    let env = TestEnv::with_fixture_corpus();
    for question in ["where can I park my car at the hospital", "asdkjh qwe zxcv"] {
        let a = env.ask(question);
        assert_eq!(a["decision"], "escalate", "{a}");
        assert!(a["article"].is_null() && a["passage"].is_null());
    }
    let run = env.run(&["ask", "where can I park my car"]).success();
    assert!(
        run.stdout.starts_with("Escalate to an expert"),
        "{}",
        run.stdout
    );
}

#[test]
fn readable_answers_show_passage_title_and_link() {
    let env = TestEnv::with_fixture_corpus();
    let run = env
        .run(&["ask", "what", "foods", "are", "high", "in", "potassium"])
        .success();
    assert!(
        run.stdout.starts_with("High potassium (hyperkalemia)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Bananas, oranges"));
    assert!(run
        .stdout
        .contains("Read more: https://clinic.example/faq/high-potassium"));
}

#[test]
fn usage_errors_exit_2_with_one_clear_line() {
    let env = TestEnv::with_fixture_corpus();
    let run = env.run(&["ask", "--threshold", "7", "x"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: invalid setting `threshold`: 7 is not between 0 and 1"
    );
    let run = env.run(&["ask", "--corpus", "nowhere", "x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nowhere"));
}
