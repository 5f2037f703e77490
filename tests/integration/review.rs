//! `faqbot review`: what faqbot could not answer, grouped by the closest article, without
//! who asked; a patient's wording accepted into an article (nothing else in the file
//! changed); a draft article from an expert's answer, not indexed until published.

use faqbot::store::Store;

use crate::env::TestEnv;

const ANNA: i64 = 42;
const BORIS: i64 = 43;

/// A bot database in the environment's `data/`, as `faqbot serve` leaves it.
fn database(env: &TestEnv) -> Store {
    Store::open(&env.path().join("data")).unwrap()
}

#[test]
fn the_review_groups_questions_by_the_closest_article_and_never_names_the_patient() {
    let env = TestEnv::with_fixture_corpus();
    let store = database(&env);
    let ticket = store
        .create_ticket(
            ANNA,
            "Anna",
            "Can kidney stones come back after surgery?",
            None,
        )
        .unwrap();
    store
        .keep_expert_answer(ticket.id, "Yes, about half of people get another stone.")
        .unwrap();
    store
        .create_ticket(
            BORIS,
            "Boris",
            "can kidney stones come back after surgery",
            None,
        )
        .unwrap();
    let rated = store
        .save_question(
            ANNA,
            "Anna",
            "Is coffee bad for my kidneys?",
            Some("coffee-and-kidneys"),
            &[],
        )
        .unwrap();
    store.feedback(rated, ANNA, false).unwrap();
    // Not helpful, so Anna asked the experts: one question, not two.
    store
        .create_ticket(ANNA, "Anna", "Is coffee bad for my kidneys?", None)
        .unwrap();
    let vague = store
        .save_question(BORIS, "Boris", "potassium", None, &[])
        .unwrap();
    store.note_decision(vague, "clarify").unwrap();
    // Answered and rated helpful: not for review.
    let fine = store
        .save_question(ANNA, "Anna", "What is dialysis?", Some("x"), &[])
        .unwrap();
    store.feedback(fine, ANNA, true).unwrap();
    drop(store);

    let run = env.run(&["review", "--json"]).success();
    let review = run.json();
    assert_eq!(review["questions"], 4, "{review:#}");
    let groups = review["groups"].as_array().unwrap();
    let stones = &groups[0];
    assert_eq!(stones["article"], "kidney-stones", "{review:#}");
    assert_eq!(stones["asked"], 2);
    let asked = &stones["questions"][0];
    assert_eq!(
        asked["times"], 2,
        "the same question asked twice is one entry"
    );
    assert_eq!(asked["reasons"][0], "expert");
    assert_eq!(
        asked["expert_answers"][0],
        "Yes, about half of people get another stone."
    );
    let articles: Vec<&str> = groups
        .iter()
        .filter_map(|g| g["article"].as_str())
        .collect();
    assert!(articles.contains(&"coffee-and-kidneys"), "{articles:?}");
    let coffee = groups
        .iter()
        .find(|g| g["article"] == "coffee-and-kidneys")
        .unwrap();
    assert_eq!(
        coffee["asked"], 1,
        "rated and escalated counts once: {coffee:#}"
    );
    assert_eq!(
        coffee["questions"][0]["reasons"],
        serde_json::json!(["expert", "not_helpful"])
    );
    assert!(articles.contains(&"high-potassium"), "{articles:?}");
    assert!(!run.stdout.contains("What is dialysis"));
    for name in ["Anna", "Boris"] {
        assert!(
            !run.stdout.contains(name),
            "{name} in the review: {}",
            run.stdout
        );
    }
    // No chat id anywhere: as a number of its own (timestamps may hold the digits).
    let numbers: Vec<&str> = run
        .stdout
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .collect();
    for id in [ANNA, BORIS] {
        assert!(
            !numbers.contains(&id.to_string().as_str()),
            "chat id {id} in the review: {}",
            run.stdout
        );
    }

    let text = env.run(&["review"]).success().stdout;
    assert!(
        text.contains("Kidney stones (kidney-stones): asked 2 time(s)"),
        "{text}"
    );
    assert!(text.contains("tickets: #1, #2"), "{text}");

    let later = env
        .run(&["review", "--since", "2999-01-01", "--json"])
        .success();
    assert_eq!(later.json()["questions"], 0);
    let bad = env.run(&["review", "--since", "last week"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn accepting_a_question_adds_one_line_to_the_article_and_nothing_else() {
    let env = TestEnv::with_fixture_corpus();
    let path = env.corpus().join("kidney-stones.md");
    let before = std::fs::read_to_string(&path).unwrap();
    let run = env
        .run(&[
            "review",
            "accept",
            "kidney-stones",
            "can  beer give me \"stones\"?",
        ])
        .success();
    assert!(run.stdout.contains("added the question"), "{}", run.stdout);
    assert!(run.stdout.contains("indexed 4 articles"), "{}", run.stdout);
    let after = std::fs::read_to_string(&path).unwrap();
    let added = "  - \"can beer give me \\\"stones\\\"?\"\n";
    let at = before.find("---\n\nA kidney stone").unwrap();
    let expected = format!("{}{added}{}", &before[..at], &before[at..]);
    assert_eq!(after, expected);

    let again = env
        .run(&[
            "review",
            "accept",
            "kidney-stones",
            "Can beer give me \"stones\"?",
        ])
        .success();
    assert!(again.stdout.contains("already lists"), "{}", again.stdout);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);

    let missing = env.run(&["review", "accept", "no-such-article", "q"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("no-such-article"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_draft_from_an_expert_answer_is_not_indexed_until_it_is_published() {
    let env = TestEnv::with_fixture_corpus();
    let store = database(&env);
    let ticket = store
        .create_ticket(ANNA, "Anna", "Can I eat bananas on dialysis?", None)
        .unwrap();
    let unanswered = store
        .create_ticket(ANNA, "Anna", "Where do I park?", None)
        .unwrap();
    store
        .keep_expert_answer(
            ticket.id,
            "Bananas are high in potassium. Most people on dialysis should keep to a small one \
             now and then, and ask their dietitian.",
        )
        .unwrap();
    drop(store);

    let no_answer = env.run(&["review", "draft", "--ticket", &unanswered.id.to_string()]);
    assert_eq!(no_answer.code, 2, "{}", no_answer.stderr);
    let run = env
        .run(&["review", "draft", "--ticket", &ticket.id.to_string()])
        .success();
    let draft = env.corpus().join("can-i-eat-bananas-on-dialysis.md");
    assert!(
        run.stdout.contains("can-i-eat-bananas-on-dialysis.md"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(
        text.contains("\ndraft: true\n") && text.contains("Bananas are high"),
        "{text}"
    );

    let indexed = env.run(&["index"]).success();
    assert!(
        indexed.stdout.contains("indexed 4 articles"),
        "{}",
        indexed.stdout
    );
    assert!(
        indexed.stderr.contains("is a draft, not indexed"),
        "{}",
        indexed.stderr
    );

    std::fs::write(&draft, text.replace("draft: true\n", "")).unwrap();
    let published = env.run(&["index"]).success();
    assert!(
        published.stdout.contains("indexed 5 articles"),
        "{}",
        published.stdout
    );
    let answer = env.ask("can i eat bananas on dialysis");
    assert_eq!(
        answer["article"]["id"], "can-i-eat-bananas-on-dialysis",
        "{answer:#}"
    );
}
