//! `faqbot ask`: the JSON contract, hostile input, synonyms and typos, triage and small talk,
//! vague messages, several questions in one message, names the corpus never uses.

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
        assert!(["answer", "escalate", "urgent", "smalltalk", "clarify"].contains(&decision));
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
        best(&env.ask("hematuria after dialysis sessions")),
        "dialysis-blood-in-urine"
    );
    // Multi-word synonym: "nephrolithiasis" ~ "kidney stone".
    assert_eq!(
        best(&env.ask("how can I prevent nephrolithiasis")),
        "kidney-stones"
    );
    // Typos: "potasium", "dialisis".
    assert_eq!(
        best(&env.ask("why is high potasium dangerous")),
        "high-potassium"
    );
    assert_eq!(
        best(&env.ask("blood in pee after dialisis")),
        "dialysis-blood-in-urine"
    );
}

/// The article answered with, or else the first one offered.
fn best(answer: &serde_json::Value) -> &str {
    answer["article"]["id"]
        .as_str()
        .or(answer["alternatives"][0]["id"].as_str())
        .unwrap_or_else(|| panic!("no article at all: {answer}"))
}

#[test]
fn triage_gives_the_level_and_categories_and_greetings_are_smalltalk() {
    let env = TestEnv::with_fixture_corpus();
    let a = env.ask("I have chest pain and potassium is high");
    assert_eq!(a["decision"], "urgent");
    assert_eq!(a["urgency"], "emergency");
    assert_eq!(a["categories"][0], "chest-pain");
    let a = env.ask("I've had no urine for a whole day");
    assert_eq!(
        (&a["decision"], &a["urgency"]),
        (&"urgent".into(), &"same-day".into())
    );
    assert_eq!(a["categories"], serde_json::json!(["no-urine"]));
    let a = env.ask("the lab phoned, my potassium is 6.2, what should I eat?");
    assert_eq!(a["urgency"], "same-day", "{a}");
    assert_eq!(a["categories"], serde_json::json!(["high-potassium"]));
    // From 6.5 it is an emergency.
    let a = env.ask("the lab phoned, my potassium is 6.8, what should I eat?");
    assert_eq!(a["urgency"], "emergency", "{a}");
    assert_eq!(
        a["categories"],
        serde_json::json!(["critical-potassium", "high-potassium"])
    );
    let a = env.ask("my potassium was 5.1, what should I eat?");
    assert_ne!(a["decision"], "urgent", "{a}");
    assert_eq!(env.ask("Hello!")["decision"], "smalltalk");
    assert_eq!(env.ask("thanks a lot 🙏")["decision"], "smalltalk");
    let run = env.run(&["ask", "chest hurts"]).success();
    assert!(
        run.stdout.starts_with("URGENT, emergency"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Call your local emergency number now"));
    let run = env
        .run(&["ask", "--explain", "haven't peed since yesterday morning"])
        .success();
    assert!(run.stdout.contains("triage: same-day"), "{}", run.stdout);
    assert!(
        run.stdout.contains("no-urine ("),
        "says why: {}",
        run.stdout
    );
}

#[test]
fn vague_messages_are_asked_back_with_the_closest_topics() {
    let env = TestEnv::with_fixture_corpus();
    for vague in ["potassium", "Kidney problem.", "help me please kidney"] {
        let a = env.ask(vague);
        assert_eq!(a["decision"], "clarify", "{vague}: {a}");
        assert!(a["article"].is_null() && a["passage"].is_null());
        assert!(!a["alternatives"].as_array().unwrap().is_empty(), "{a}");
    }
    // In a corpus where most articles are about dialysis, the word alone names no topic.
    let sample = TestEnv::with_sample_corpus();
    for vague in ["dialysis", "what is dialysis", "kidney pain"] {
        assert_eq!(sample.ask(vague)["decision"], "clarify", "{vague}");
    }
    assert_eq!(sample.ask("what is dialysis")["topic"], "dialysis");
    assert_ne!(sample.ask("what is fsgs")["decision"], "clarify");
    // A question that one article plainly answers is answered, common words or not.
    for (clear, article) in [
        ("what is uremia", "uremia"),
        (
            "when do you need to start dialysis",
            "when-to-start-dialysis",
        ),
        ("how much can i drink on dialysis", "dialysis-fluid-limits"),
    ] {
        let a = sample.ask(clear);
        assert_eq!(
            (a["decision"].as_str(), a["article"]["id"].as_str()),
            (Some("answer"), Some(article)),
            "{clear}: {a}"
        );
    }
    let run = env.run(&["ask", "potassium"]).success();
    assert!(
        run.stdout
            .starts_with("Ask back: What would you like to know about potassium?"),
        "{}",
        run.stdout
    );
}

#[test]
fn help_shows_how_to_use_faqbot() {
    let env = TestEnv::with_fixture_corpus();
    for help in ["help", "help?", "/help"] {
        assert_eq!(env.ask(help)["decision"], "smalltalk", "{help}");
    }
    let run = env.run(&["ask", "help"]).success();
    assert!(run.stdout.contains("Ask me anything"), "{}", run.stdout);
}

#[test]
fn a_medicine_the_corpus_never_names_is_escalated_saying_so() {
    let env = TestEnv::with_fixture_corpus();
    let a = env.ask("Would amoxicillin help me pass my kidney stones?");
    assert_eq!(a["decision"], "escalate", "{a}");
    assert_eq!(a["missing"], serde_json::json!(["amoxicillin"]));
    assert!(
        a["reason"].as_str().unwrap().contains("\"amoxicillin\""),
        "{a}"
    );
    assert_eq!(a["alternatives"][0]["id"], "kidney-stones", "{a}");
}

#[test]
fn two_words_of_the_articles_written_as_one_are_read_apart() {
    let sample = TestEnv::with_sample_corpus();
    // The herbal article warns about "star fruit"; patients write "starfruit".
    let a = sample.ask("is starfruit juice safe with kidney disease?");
    assert_eq!(a["decision"], "answer", "{a}");
    assert_eq!(a["article"]["id"], "herbal-supplements-kidneys", "{a}");
}

#[test]
fn a_message_like_one_known_unanswered_goes_to_an_expert() {
    let sample = TestEnv::with_sample_corpus();
    let question = "will my health insurance pay for my dialysis";
    let a = sample.ask(question);
    assert_eq!(a["decision"], "escalate", "{a}");
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("known not to answer is closer in meaning"),
        "{a}"
    );
    // Without `unanswered.toml` the travel article's words and meaning look like an answer.
    sample.remove_corpus_file("unanswered.toml");
    sample.run(&["index"]).success();
    let b = sample.ask(question);
    assert_eq!(b["decision"], "answer", "{b}");
    assert_eq!(b["article"]["id"], "travel-on-dialysis", "{b}");
}

#[test]
fn how_much_to_take_is_escalated_when_the_article_states_no_amount() {
    let sample = TestEnv::with_sample_corpus();
    let a = sample.ask("how many colchicine tablets can i take for a gout flare?");
    assert_eq!(a["decision"], "escalate", "{a}");
    assert_eq!(a["missing"], serde_json::json!(["how much to take"]), "{a}");
    assert_eq!(a["alternatives"][0]["id"], "gout-and-kidneys", "{a}");
    let plain = sample.ask("what is gout and how does it affect the kidneys");
    assert_eq!(plain["decision"], "answer", "{plain}");
}

#[test]
fn a_question_for_a_number_is_escalated_when_the_passage_states_none() {
    let sample = TestEnv::with_sample_corpus();
    let a = sample.ask("what should my uric acid be if i have gout and weak kidneys");
    assert_eq!(a["decision"], "escalate", "{a}");
    assert_eq!(
        a["missing"],
        serde_json::json!(["the number asked for"]),
        "{a}"
    );
    assert_eq!(a["alternatives"][0]["id"], "gout-and-kidneys", "{a}");
    // A number asked on the side does not hold back the answer to the main question.
    let side = sample.ask(
        "I have a kidney biopsy next week. Is a kidney biopsy painful? how long will i be in hospital",
    );
    assert_eq!(side["decision"], "answer", "{side}");
}

#[test]
fn a_question_for_a_number_is_shown_the_passage_that_states_it() {
    let sample = TestEnv::with_sample_corpus();
    let a = sample.ask("how much protein should i eat with ckd");
    assert_eq!(a["decision"], "answer", "{a}");
    assert_eq!(a["article"]["id"], "protein-intake-ckd", "{a}");
    assert!(a["passage"].as_str().unwrap().contains("grams"), "{a}");
    // Without a number asked, the passage is chosen by words and meaning alone.
    let why = sample.ask("why does protein matter for the kidneys");
    assert!(!why["passage"].as_str().unwrap().contains("grams"), "{why}");
}

#[test]
fn a_long_messy_message_is_read_for_its_question() {
    let env = TestEnv::with_fixture_corpus();
    let message =
        "RESPECTED DOCTOR. Kidney problem.. MY FATHER IS 67 AND ON DIALYSIS SINCE MARCH, \
                   HE HAS DIABETES AND HIGH BP FOR 20 YEARS. SINCE LAST WEEK AFTER EVERY SESSION \
                   HIS URINE IS RED. WHY IS THERE BLOOD IN HIS URINE AFTER DIALISIS?? \
                   PLEASE HELP. THANKS IN ADVANCE";
    let run = env.run(&["ask", "--explain", message]).success();
    assert!(
        run.stdout.contains("courtesy: respected doctor."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("focus: kidney problem.. why is there blood in his urine after dialisis??"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("<- dialisi"),
        "typo corrected: {}",
        run.stdout
    );
    assert_eq!(best(&env.ask(message)), "dialysis-blood-in-urine");
}

#[test]
fn several_questions_answer_the_main_one_and_list_the_others() {
    let env = TestEnv::with_fixture_corpus();
    let message = "I had a kidney stone last year. How can I stop new kidney stones forming? \
                   And can I still drink coffee every morning?";
    let a = env.ask(message);
    assert_eq!(
        a["other_questions"],
        serde_json::json!(["And can I still drink coffee every morning?"])
    );
    assert_eq!(best(&a), "kidney-stones", "{a}");
    let run = env.run(&["ask", message]).success();
    assert!(run.stdout.contains("You also asked"), "{}", run.stdout);
}

#[test]
fn alternatives_are_sorted_by_confidence_and_never_dropped() {
    let env = TestEnv::with_fixture_corpus();
    let a = env.ask("where do I park my car when I come for dialysis");
    let confidences: Vec<f64> = a["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["confidence"].as_f64().unwrap())
        .collect();
    assert_eq!(confidences.len(), 4, "every article found is offered: {a}");
    assert!(
        confidences.windows(2).all(|w| w[0] >= w[1]),
        "{confidences:?}"
    );
    assert!(
        confidences.iter().any(|c| *c < 0.2),
        "low ones are kept: {a}"
    );
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

#[test]
fn a_corpus_of_two_saved_pages_answers_what_its_pages_plainly_say() {
    let env = TestEnv::empty();
    for page in ["dialysis.html", "kidney-diet.html"] {
        let path = crate::env::fixtures().join("pages/clinic_html").join(page);
        env.corpus_file(page, std::fs::read(path).unwrap());
    }
    env.corpus_file("corpus.toml", "base_url = \"https://clinic.example/\"\n");
    let a = env.ask("how does peritoneal dialysis work at home?");
    assert_eq!(a["decision"], "answer", "{a}");
    assert_eq!(a["article"]["id"], "dialysis");
    assert!(a["passage"].as_str().unwrap().contains("peritoneum"), "{a}");
    let a = env.ask("what is haemodialysis and how often do I need it");
    assert_eq!(best(&a), "dialysis", "{a}");
    assert_ne!(
        a["decision"], "clarify",
        "a word in one of two pages is specific: {a}"
    );
    // Pages have no questions or patients' examples to match, so meaning alone is weaker
    // evidence than in the sample corpus: this one may be escalated, but the right page
    // leads and nothing else is answered.
    let a = env.ask("which foods should I avoid on a kidney diet?");
    assert_eq!(best(&a), "kidney-diet", "{a}");
    assert!(
        a["decision"] == "escalate" || a["article"]["id"] == "kidney-diet",
        "{a}"
    );
}

#[test]
fn a_line_of_invalid_utf8_on_stdin_is_reported_and_the_next_lines_answered() {
    let env = TestEnv::with_fixture_corpus();
    let input: &[u8] = b"how do I prevent kidney stones\ncaf\xe9 and kidneys?\r\nwhat foods have a lot of potassium\n";
    let run = env.run_with_stdin(&["ask", "--json", "-"], input);
    assert_eq!(run.code, 2, "an input error is reported in the exit code");
    let lines = run.json_lines();
    assert_eq!(
        lines.len(),
        3,
        "one JSON line per input line:\n{}",
        run.stdout
    );
    assert_eq!(lines[0]["article"]["id"], "kidney-stones");
    assert_eq!(
        lines[1],
        serde_json::json!({"line": 2, "error": "not valid UTF-8"})
    );
    assert_eq!(lines[2]["article"]["id"], "high-potassium");
    assert_eq!(
        run.stderr.trim(),
        "error: standard input line 2: not valid UTF-8 (skipped)\n\
         error: 1 line of standard input was not valid UTF-8"
    );
}

#[test]
fn a_question_may_start_with_a_hyphen() {
    let env = TestEnv::with_fixture_corpus();
    let answer = env.ask("-dialysis blood in urine");
    assert_eq!(answer["question"], "-dialysis blood in urine");
    let run = env.run(&["ask", "-dialysis"]).success();
    assert!(!run.stdout.is_empty());
    // Flags before the question still work, and so does `--` to end them.
    let run = env.run(&["ask", "--json", "--", "--explain"]).success();
    assert_eq!(run.json()["question"], "--explain");
    let run = env.run(&["ask", "--json", "--explain", "x"]);
    assert_eq!(run.code, 2, "--json and --explain still conflict");
}

#[test]
fn a_100_kb_message_is_answered_in_a_second_or_two() {
    let env = TestEnv::with_fixture_corpus();
    env.run(&["index"]).success();
    // Each once took tens of seconds, or minutes: time grew with the square of the length.
    for unit in ["kidney stones ", "4.2 "] {
        let long = unit.repeat(100 * 1024 / unit.len());
        let started = std::time::Instant::now();
        let answer = env.ask(&long);
        let elapsed = started.elapsed();
        assert_eq!(answer["question"], long.as_str(), "the whole text is kept");
        assert!(
            elapsed < std::time::Duration::from_secs(4),
            "{unit:?}: took {elapsed:?}"
        );
    }
}
