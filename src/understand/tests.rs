//! Tests of how a message is understood.

use super::sentences::last_word;
use super::*;

fn roles(m: &Message) -> Vec<Role> {
    m.sentences.iter().map(|s| s.role).collect()
}

#[test]
fn greetings_subject_and_backstory_are_told_apart_from_the_question() {
    let m = Message::parse(
        "Respected doctor. Kidney transplant.. My father is 67 and had his transplant in \
         March. His creatinine is 2.1 now. Is it normal for creatinine to rise after a \
         transplant? Thanks in advance.",
    );
    assert_eq!(
        roles(&m),
        [
            Role::Courtesy,
            Role::Subject,
            Role::Backstory,
            Role::Backstory,
            Role::Question,
            Role::Courtesy
        ]
    );
    assert_eq!(
        m.focus,
        "Kidney transplant.. Is it normal for creatinine to rise after a transplant?"
    );
    assert!(m.context.contains("creatinine is 2.1"));
    // A question that names nothing itself leans on the sentence before it.
    let m = Message::parse("read online that baking soda slows down ckd. true??");
    assert_eq!(
        m.focus,
        "read online that baking soda slows down ckd. true??"
    );
    let m = Message::parse("CT says Bosniak 2F cyst. Is it cancer?");
    assert_eq!(m.focus, "CT says Bosniak 2F cyst. Is it cancer?");
    assert!(!m.vague);
}

#[test]
fn a_question_pointing_back_past_a_short_sentence_reads_the_one_before_it_too() {
    let m = Message::parse(
        "Mum has been taking naproxen for her hips for weeks. I've only just found out. \
         Is that harming her kidneys?",
    );
    assert!(m.focus.contains("naproxen"), "{}", m.focus);
    assert!(m.asked_about().contains("naproxen"), "{}", m.asked_about());
    // A sentence long enough to name what is pointed at is read alone.
    let m = Message::parse(
        "Mum has been taking naproxen for her hips for years. The GP put her on ramipril \
         for her blood pressure. Is that harming her kidneys?",
    );
    assert!(!m.focus.contains("naproxen"), "{}", m.focus);
}

#[test]
fn greetings_in_the_patients_own_language_are_courtesy() {
    let m = Message::parse(
        "Kumusta po doctor. My mother is on dialysis. How do we cut down on salt? \
         Salamat po. JazakAllah khair",
    );
    assert_eq!(
        roles(&m),
        [
            Role::Courtesy,
            Role::Subject,
            Role::Question,
            Role::Courtesy,
            Role::Courtesy
        ]
    );
    assert!(!m.focus.to_lowercase().contains("kumusta"), "{}", m.focus);
    assert!(is_courtesy("assalamu") && is_courtesy("namaste"));
    assert_eq!(classify("Assalam o alaikum."), Role::Courtesy);
    assert_ne!(classify("blood group o"), Role::Courtesy);
    assert!(!is_courtesy("salt"));
}

#[test]
fn shouted_messages_are_lowercased_and_run_on_sentences_split() {
    let m = Message::parse("MY UREA IS 40.IS IT DANGEROUS ? WHAT SHOULD I DO NOW");
    assert_eq!(
        m.text,
        "my urea is 40.is it dangerous ? what should i do now"
    );
    // "40.is" is a number then a word ("4.2" is not): the value is told, then asked about.
    assert_eq!(m.sentences.len(), 3, "{:?}", m.sentences);
    assert_eq!(m.sentences[0].text, "my urea is 40.");
    assert_eq!(m.focus, "my urea is 40. is it dangerous ?");
    let m = Message::parse("SHE IS 65.SHE HAS POLYUREA CONDITION.SHE IS NOT DIABETIC");
    assert_eq!(m.sentences.len(), 3, "{:?}", m.sentences);
}

#[test]
fn chat_spellings_of_what_are_the_question_word() {
    let m = Message::parse("gfr 27 wat stage is that pls");
    assert_eq!(m.text, "gfr 27 what stage is that pls");
    assert!(m.asks);
    assert_eq!(Message::parse("Wats egfr").text, "whats egfr");
    assert_eq!(Message::parse("a watt of power").text, "a watt of power");
}

#[test]
fn an_is_that_lost_its_first_letter_asks() {
    let m = Message::parse("pitting edema. s it normal for my legs to pit like that");
    assert_eq!(
        m.text,
        "pitting edema. is it normal for my legs to pit like that"
    );
    assert_eq!(m.sentences[1].role, Role::Question);
    assert_eq!(Message::parse("S there a cure").text, "is there a cure");
    // Only at the start of a sentence: "vitamin s it said" is left as written.
    assert_eq!(
        Message::parse("vitamin s it said").text,
        "vitamin s it said"
    );
}

#[test]
fn a_judgement_without_its_verb_asks_in_chat() {
    for asked in [
        "melatonin ok if egfr is 25",
        "bananas safe on dialysis",
        "ibuprofen ok for kidneys",
    ] {
        let m = Message::parse(asked);
        assert!(m.asks && !m.vague, "{asked}");
    }
    for told in [
        "I'm fine with that",
        "dialysis ok",
        "mum is fine after dialysis",
    ] {
        assert!(!Message::parse(told).asks, "{told}");
    }
    // Where the message asks something else, the verbless judgement only tells.
    let m = Message::parse("Bloods ok on Monday. how often should potassium be checked?");
    assert_eq!(roles(&m), [Role::Subject, Role::Question]);
    let m = Message::parse(
        "Potassium normal on my last bloods but I eat lots of bananas. How many bananas a day \
         can I eat?",
    );
    assert_eq!(roles(&m), [Role::Backstory, Role::Question]);
}

#[test]
fn several_questions_give_a_main_one_and_others_to_offer() {
    let m = Message::parse(
        "i have stone in my ureter. can i eat eggs? and what should i do to remove the \
         stone? also is coffee bad for kidneys?",
    );
    // A short first statement reads as the subject the questions are about.
    assert_eq!(m.focus, "i have stone in my ureter. can i eat eggs?");
    assert_eq!(
        m.other_questions,
        [
            "and what should i do to remove the stone?",
            "also is coffee bad for kidneys?"
        ]
    );
}

#[test]
fn what_a_sentence_quotes_asks_nothing() {
    for told in [
        "The doctors keep saying \"let's see how he goes\" and won't give a straight answer.",
        "The nurse said 'we will see how it goes' after the scan.",
        "Mum's consultant wrote “why not wait” on the letter.",
        // "is this bad" inside a statement judges nothing.
        "there is this bad smell from my catheter",
    ] {
        assert_eq!(roles(&Message::parse(told)), [Role::Backstory], "{told}");
    }
    // An apostrophe is no quotation mark: the "how" outside quotes still asks.
    for asked in [
        "Doctor's letter says stage 3 how bad is that",
        "They said 'stage 3' how bad is that",
        // Quoted whole: the patient's own words.
        "'egfr 25 what stage is that'",
        // A year's apostrophe and a plural possessive quote nothing.
        "got my kidney in '19 how long will it last, my docs' letter says it is fine",
    ] {
        assert_eq!(roles(&Message::parse(asked)), [Role::Question], "{asked}");
    }
}

#[test]
fn what_is_asked_about_takes_the_told_sentence_a_question_points_back_to() {
    let m = Message::parse("CT says 'Bosniak 2F cyst'. Is it cancer?");
    assert_eq!(m.asked_about(), "CT says 'Bosniak 2F cyst'. Is it cancer?");
    // A later plea with no words of its own asks about the whole message, not about the
    // medicine named just before it.
    let m = Message::parse(
        "Can she carry a pregnancy on dialysis? She has sickle cell trait and takes folic acid. Please advise us.",
    );
    assert!(!m.asked_about().contains("folic"), "{}", m.asked_about());
    // "there" points back to a place named before; "is there" points nowhere.
    let m = Message::parse(
        "He is on the list at the Freeman in Newcastle. What's the average wait there?",
    );
    assert!(m.asked_about().contains("Freeman"), "{}", m.asked_about());
    let m = Message::parse(
        "I have taken sevelamer with every meal for two years. Is there a cure for polycystic kidney disease?",
    );
    assert!(
        !m.asked_about().contains("sevelamer"),
        "{}",
        m.asked_about()
    );
}

#[test]
fn what_is_asked_about_leaves_out_a_further_question_that_stands_alone() {
    let m = Message::parse(
        "I want to go home to Cebu for 3 weeks. How do I arrange dialysis there? \
         Also is it okay to eat the lechon at the Christmas parties?",
    );
    assert!(m.asked_about().contains("arrange"), "{}", m.asked_about());
    assert!(!m.asked_about().contains("lechon"), "{}", m.asked_about());
    assert!(m.other_questions[0].contains("lechon"));
    // A question with no words of its own stays with what it points back to.
    let m = Message::parse(
        "How loud is home haemo at night? They offered the NxStage machine. Is it any good?",
    );
    assert!(m.asked_about().contains("NxStage"), "{}", m.asked_about());
}

#[test]
fn a_request_in_the_imperative_is_what_is_asked() {
    let m = Message::parse(
        "Problem of polyurea. She is 65 and gets up at night to pass urine. Kindly give me some suggestions to treat such case.",
    );
    let roles: Vec<Role> = m.sentences.iter().map(|s| s.role).collect();
    assert_eq!(roles, [Role::Subject, Role::Backstory, Role::Question]);
    // Told, not asked: "give" is not the first word.
    let m = Message::parse("The nurse did not give me my tablets today. I feel fine.");
    assert!(m.sentences.iter().all(|s| s.role == Role::Backstory));
}

#[test]
fn a_question_that_points_back_is_read_with_the_sentence_before_it() {
    let m = Message::parse(
        "Kt/V 1.08 on my monthly dialysis report. What number is it supposed to be, is mine bad?",
    );
    assert_eq!(
        m.focus,
        "Kt/V 1.08 on my monthly dialysis report. What number is it supposed to be, is mine bad?"
    );
    // "They" who need to do something are the doctors, not the tablets named before.
    let m = Message::parse(
        "My transplant from 2011 has failed and I am back on haemodialysis, still on tacrolimus. Do they need to take the old kidney out?",
    );
    assert_eq!(m.focus, "Do they need to take the old kidney out?");
    // The "it" of "is it normal for ... to" names what follows, not what came before.
    let m = Message::parse(
        "My mum is 54 and has been on dialysis since March. Is it normal for creatinine to rise after a biopsy?",
    );
    assert_eq!(
        m.focus,
        "Is it normal for creatinine to rise after a biopsy?"
    );
}

#[test]
fn questions_that_ask_for_a_number_are_recognised() {
    for number in [
        "what uric acid level should i aim for with gout and ckd? mine is 9.1",
        "What should my HbA1c be now that I have diabetic kidney disease?",
        "on average how many years does a kidney from a deceased donor last?",
        "Is there an age limit for kidney donors? I am 70 and healthy.",
        "Kidney transplant wait. How long is the wait with blood group O?",
        "At what exact potassium number do they send you to A&E? like what is the cut off",
        "what dose of gabapentin is safe on dialysis?",
        "Ferritin now 720. At what ferritin do they stop the iron?",
        "What's the average wait for group B?",
        "normal uric acid level?",
        "my magnesium is 0.6 is that low",
    ] {
        assert!(Message::parse(number).asks_number.is_some(), "{number}");
    }
    for other in [
        "how do i take phosphate binders",
        "what is a fistula and how does it work",
        "my limit is 1 litre a day. why is fluid restricted on dialysis?",
        "is creatinine 140 bad?",
        "what should i eat with high potassium",
        "What is normal and what should I be looking out for?",
        "I have a biopsy next tuesday. Is it painful? how long will i be in hospital",
        "What tests will I need, how long is the recovery, and can I live with one kidney?",
        "New to haemodialysis. Does soup count towards my fluid limit or only drinks?",
        "Why would the doctor not raise my hemoglobin to normal levels?",
        "creatinin went 110 to 140 in 6 months is that bad",
        "fistula done 10 days ago - is it ok to wear my watch on that arm",
        "I've been on dialysis 3 years is it normal to feel so tired",
        "is tiredness normal at this stage of kidney disease?",
        "I have a 5mm stone in my kidney, what foods should I avoid?",
        "Dialysis tiredness. He puts on 3 kg between sessions. Is this normal for everyone?",
    ] {
        assert_eq!(Message::parse(other).asks_number, None, "{other}");
    }
    for (question, kind) in [
        ("how long is the wait with blood group O?", Number::Duration),
        (
            "how many years does a transplant kidney last?",
            Number::Duration,
        ),
        ("how many cups of coffee can i have", Number::Value),
        (
            "how soon does the swelling go down once the water tablet is started",
            Number::Duration,
        ),
        (
            "how quickly does a new kidney start working?",
            Number::Duration,
        ),
        ("What should my HbA1c be now?", Number::Value),
        // A class a value falls in is read off the cut-offs.
        ("ACR 45 mg/mmol - which category?", Number::Value),
        ("egfr 38, what stage am i", Number::Value),
        (
            "I started taking lisinopril yesterday. Should my blood pressure be normal by now?",
            Number::Duration,
        ),
        (
            "how often is EPO injection normally given, weekly or monthly?",
            Number::Frequency,
        ),
        // Which band a value falls in: only the cut-offs say.
        (
            "ACR 45 mg/g - normal or moderately increased??",
            Number::Value,
        ),
        (
            "Urine ACR 42 mg/mmol. Is that normal, moderately increased or severely increased?",
            Number::Value,
        ),
        (
            "Urine albumin/creatinine ratio 45 mg/g H   is that the moderately increased one or the severe one?",
            Number::Value,
        ),
        // A size and whether it passes: only a size in the passage places it.
        (
            "CT shows 7mm stone in ureter. will it pass by itself or need surgery?",
            Number::Value,
        ),
    ] {
        assert_eq!(
            Message::parse(question).asks_number,
            Some(kind),
            "{question}"
        );
    }
}

#[test]
fn how_often_is_stated_only_as_a_rate() {
    for stated in [
        "Most people with diabetes should have these tests at least once a year.",
        "Hemodialysis is usually done three times a week.",
        "Check your weight every morning.",
        "Exchanges are done 4 times each day.",
    ] {
        assert!(Number::Frequency.is_stated_in(stated), "{stated}");
    }
    for not_stated in [
        "They are given as an injection under the skin, or into the dialysis line during a session.",
        "It takes several weeks for the hemoglobin level to rise.",
    ] {
        assert!(!Number::Frequency.is_stated_in(not_stated), "{not_stated}");
    }
}

#[test]
fn a_length_of_time_is_stated_only_with_a_unit_of_time() {
    for stated in [
        "Most people feel better within one week.",
        "It can take a few weeks to work.",
        "Blood tests are repeated a month later.",
        "Sessions last 4 hours.",
    ] {
        assert!(Number::Duration.is_stated_in(stated), "{stated}");
    }
    for not_stated in [
        "Usually people take one or the other, not both together.",
        "Your team checks your blood pressure and potassium.",
    ] {
        assert!(!Number::Duration.is_stated_in(not_stated), "{not_stated}");
    }
}

#[test]
fn a_share_is_asked_for_and_stated_as_a_percentage_or_a_proportion() {
    for (question, kind) in [
        (
            "What is the 5 year survival on dialysis at 78?",
            Some(Number::Share),
        ),
        (
            "what percentage of people reject a kidney?",
            Some(Number::Share),
        ),
        (
            "what is the success rate of a transplant?",
            Some(Number::Share),
        ),
        ("egfr 38 - is that a percentage?", None),
    ] {
        assert_eq!(Message::parse(question).asks_number, kind, "{question}");
    }
    for stated in [
        "About 80% of kidneys still work after five years.",
        "Roughly 1 in 3 people need a second course.",
        "About half of people live longer than that.",
    ] {
        assert!(Number::Share.is_stated_in(stated), "{stated}");
    }
    assert!(!Number::Share.is_stated_in("People aged 75 or over live longer when they are fit."));
}

#[test]
fn a_limit_said_not_to_exist_answers_a_question_for_one() {
    let asked = Message::parse("transplant age limit? am i too old at 72").asks_number;
    assert_eq!(asked, Some(Number::Value));
    assert!(Number::Value.is_stated_in("There is often no strict upper age limit."));
    assert!(!Number::Value.is_stated_in("Age matters less than your overall health."));
}

#[test]
fn the_stage_of_care_a_message_tells_of_is_read() {
    for (message, stage) in [
        (
            "how much protein do i need now im on haemodialysis",
            Some(Stage::OnDialysis),
        ),
        (
            "My dad does dialysis 3 times a week, can he drink tea?",
            Some(Stage::OnDialysis),
        ),
        (
            "ckd 4, not on dialysis yet. how much protein?",
            Some(Stage::BeforeDialysis),
        ),
        (
            "I was on dialysis for 5 years before my transplant. Since my transplant my BP is high",
            Some(Stage::Transplant),
        ),
        (
            "how much water should i drink with ckd 3",
            Some(Stage::BeforeDialysis),
        ),
        (
            "kidney disease stage 4 and on dialysis since may, how much protein",
            Some(Stage::OnDialysis),
        ),
        ("when should i start dialysis?", None),
        ("what is dialysis", None),
    ] {
        assert_eq!(Message::parse(message).stage, stage, "{message}");
    }
    assert_eq!(
        Stage::named_in_heading("Protein on dialysis and after a transplant"),
        vec![Stage::OnDialysis, Stage::Transplant]
    );
    assert!(Stage::named_in_heading("Why protein matters for kidneys").is_empty());
}

#[test]
fn questions_about_how_much_to_take_are_recognised() {
    for dosing in [
        "I have gout and my doctor told me to take colchicine, how should I take it?",
        "what dose of gabapentin is safe on dialysis?",
        "bicarbonate 18. how many should I take a day and for how long?",
        "how many IU of vitamin D3 can I take a day with stage 4?",
        "which dose is right for my weight",
        "the dose for someone on dialysis?",
        "Losartan 50 or 100? Is my dose too low to protect my kidneys?",
        "Metformin dose with CKD stage 3?",
        "ciprofloxacin renal dose?",
        "is my tacrolimus dose right?",
        "is a high dose of vitamin D safe with ckd?",
        "how many days a week can I take ibuprofen?",
        "how many hours apart should I take my binders?",
        "how many mg per kg should he have and for how many weeks?",
        "What's the usual tacrolimus dose after a transplant?",
    ] {
        assert!(Message::parse(dosing).asks_amount, "{dosing}");
    }
    for other in [
        "how do i take phosphate binders",
        "how much water should i drink a day",
        "my son was started on high dose steroids. what is fsgs?",
        "can i take ibuprofen with ckd",
        "how many hrs does it normally take to recover after HD?",
        "what tests before giving a kidney? how many months it take",
        "why does the dose keep changing, is something wrong?",
        "Why so many dose changes?",
        "how much time does it take to recover",
        "Can high-dose vitamin C actually do something to the kidneys?",
        "They check my tacrolimus level. Should my 8am dose wait until the blood is taken?",
    ] {
        assert!(!Message::parse(other).asks_amount, "{other}");
    }
}

#[test]
fn a_topic_without_a_question_is_vague() {
    for vague in [
        "dialysis",
        "Kidney problem.",
        "kidney pain",
        "creatinine??",
        "my mums kidneys",
        "help me please kidney",
        "question about transplant",
        "kidney stones?",
        // A judging word that describes a noun asks nothing.
        "good diet?",
        "normal potassium?",
    ] {
        assert!(Message::parse(vague).vague, "{vague}");
    }
    for clear in [
        "what is dialysis",
        // A judgement asked with a question mark, or after "is that" anywhere.
        "ibuprofen ok for kidneys?",
        "my magnesium is 0.6 is that low",
        "difference between capd and apd",
        "why is my pee red",
        "can I drink coffee on dialysis",
        "I feel my legs are made of playdough and there is pitting edema",
        "potassium 5.8 what foods to avoid",
    ] {
        assert!(!Message::parse(clear).vague, "{clear}");
    }
}

#[test]
fn numbers_and_abbreviations_do_not_end_sentences() {
    let m = Message::parse(
        "Dr. Smith said my eGFR is 20.16 and creatinine 4.2 mg/dl. Is that stage 4?",
    );
    assert_eq!(m.sentences.len(), 2, "{:?}", m.sentences);
    // A full stop right after a number, then a word, does end one.
    let m = Message::parse("My urea is showing 40.Is it dangerous? took 2.5mg today");
    assert_eq!(m.sentences.len(), 3, "{:?}", m.sentences);
    assert_eq!(m.sentences[0].text, "My urea is showing 40.");
    let m = Message::parse("uric acid is 2.7. is it dangerous");
    assert_eq!(m.sentences.len(), 2, "{:?}", m.sentences);
}

#[test]
fn odd_input_is_understood_somehow() {
    for raw in ["", "   ", "???", "🙏🙏", "....", "a.b.c.d"] {
        let m = Message::parse(raw);
        assert!(m.vague || !m.focus.is_empty(), "{raw:?}");
    }
}

#[test]
fn only_the_start_of_a_long_paste_is_read() {
    let pasted = format!(
        "Why is my pee red? {}",
        "Creatinine 4.2 on 3.1.2024 ".repeat(4000)
    );
    let m = Message::parse(&pasted);
    assert!(
        m.text.chars().count() <= MAX_MESSAGE_CHARS,
        "{}",
        m.text.len()
    );
    assert_eq!(m.focus, "Why is my pee red?");
    let short = "é".repeat(MAX_MESSAGE_CHARS);
    assert_eq!(considered(&short), short, "cut at characters, not bytes");
    let words = "kidney stones ".repeat(400);
    assert!(
        considered(&words).ends_with("stones kidney"),
        "cut between words"
    );
}

#[test]
fn the_word_before_a_full_stop_is_read_from_the_end() {
    assert_eq!(last_word("I saw Dr."), "dr");
    assert_eq!(last_word("it's 4.2."), "2");
    assert_eq!(last_word("my mum's."), "mums");
    assert_eq!(last_word("."), "");
}

#[test]
fn a_run_on_question_is_told_apart_from_what_comes_before_it() {
    let m = Message::parse(
        "Ive been taking D-Mannose otc, drinking lots of water, and peeing after intercourse, is there anything else I can do to prevent future UTIs?",
    );
    let roles: Vec<Role> = m.sentences.iter().map(|s| s.role).collect();
    assert_eq!(roles, [Role::Backstory, Role::Question]);
    assert_eq!(
        m.asked_about(),
        "is there anything else I can do to prevent future UTIs?"
    );
    // A condition, a question with nothing of its own, a question before the comma: one
    // sentence still.
    for whole in [
        "If I'm on dialysis, can I eat bananas?",
        "my friend says just take quinine, can i?",
        "Whats the difference between Aranesp and Mircera, and how often is each one injected?",
        "Doctor, is there a cure for IgA nephropathy?",
    ] {
        assert_eq!(Message::parse(whole).sentences.len(), 1, "{whole}");
    }
    // A question that points back still carries what it points to.
    let m = Message::parse("I take levaquin every day for my back, is it safe for my kidneys?");
    assert_eq!(m.sentences.len(), 2);
    assert!(m.asked_about().contains("levaquin"), "{}", m.asked_about());
}

#[test]
fn a_full_stop_after_a_closing_quotation_ends_the_sentence() {
    let m = Message::parse(
        "The doctors keep talking about 'taking it week by week'. Realistically how long does she have?",
    );
    assert_eq!(m.sentences.len(), 2);
    assert_eq!(m.focus, "Realistically how long does she have?");
}
