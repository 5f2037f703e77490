//! Tests of the whole triage on the shipped `faq_corpus/triage.toml`: it loads, its
//! examples fire, and detection handles negation, time, labs and hypothetical questions.

use std::path::Path;

use super::*;

const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/faq_corpus/triage.toml");

pub(super) fn shipped() -> Triage {
    let text = std::fs::read_to_string(SHIPPED).expect("faq_corpus/triage.toml");
    match parse(&text, Path::new(SHIPPED)) {
        Ok(config) => Triage::new(&config),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn shipped_triage_file_is_valid() {
    shipped();
}

const DEV_SET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/triage_dev.jsonl");

#[test]
fn dev_set_meets_the_recall_and_false_alarm_targets() {
    let triage = shipped();
    let text = std::fs::read_to_string(DEV_SET).expect("tests/data/triage_dev.jsonl");
    let items = report::parse_items(&text).expect("valid JSON lines");
    let assessments: Vec<_> = items.iter().map(|i| triage.assess(&i.q)).collect();
    let r = report::report(&items, &assessments);
    let summary = r.render();
    println!("{summary}");
    assert_eq!(r.emergency.rate(), 1.0, "{summary}");
    assert!(r.same_day.rate() >= 0.98, "{summary}");
    assert!(r.false_alarm_rate() <= 0.05, "{summary}");
}

fn levels(triage: &Triage, text: &str) -> Option<(Level, Vec<String>)> {
    let a = triage.assess(text)?;
    Some((a.level, a.fired.into_iter().map(|f| f.category).collect()))
}

/// The level a message gets, if any.
fn level(triage: &Triage, text: &str) -> Option<Level> {
    levels(triage, text).map(|(level, _)| level)
}

fn fires(triage: &Triage, text: &str, category: &str) -> bool {
    levels(triage, text).is_some_and(|(_, c)| c.iter().any(|c| c == category))
}

#[test]
fn negation_drops_the_concept_that_follows_within_its_reach() {
    let t = shipped();
    for quiet in [
        "no chest pain",
        "he denies fever or chills",
        "not short of breath at all",
        "without fever, is my exit site infected?",
        "I have never had chest pain",
        "I don't have a catheter, I have a fever",
    ] {
        assert_eq!(levels(&t, quiet), None, "{quiet}");
    }
    // The negation stops at "but", and a negation inside a phrase is that phrase's own.
    assert!(fires(&t, "no fever but crushing chest pain", "chest-pain"));
    assert!(fires(&t, "I can't breathe", "breathing"));
    assert!(fires(&t, "he hasn't peed since yesterday", "no-urine"));
    assert!(fires(
        &t,
        "not sure but I think my chest hurts",
        "chest-pain"
    ));
}

#[test]
fn time_markers_keep_the_past_and_long_standing_out() {
    let t = shipped();
    for quiet in [
        "I had chest pain last year",
        "my dad had a stroke in 2019",
        "I fainted years ago on dialysis",
        "I used to have seizures",
        // Units shortened as patients write them.
        "I passed out once during dialysis 2 yrs ago",
        "a bit short of breath on stairs for months",
        // Over, with only facts about the person between: a past episode.
        "on pd, had cloudy bags and everything, cleared up with antibiotics",
        // Over, said as the next sentence opens.
        "he was talking nonsense for 2 days. Then back to normal. Will it happen again?",
        "I collapsed in the shower and was taken in. Since then fine. Should I avoid hot showers?",
    ] {
        assert_eq!(levels(&t, quiet), None, "{quiet}");
    }
    // A moment ago is not the past ("when I was getting dressed" is not "when I was a child").
    assert!(fires(
        &t,
        "my neck line came out when i was getting dressed and theres blood pouring down my chest",
        "access-bleeding"
    ));
    assert!(fires(
        &t,
        "chest pain last year, now crushing chest pain again",
        "chest-pain"
    ));
    assert!(fires(&t, "chest pain since last week", "chest-pain"));
    // A day of last week is no past: what happened then may still be going on (a review
    // found each of these lost by a version that took "last Tuesday" for the past).
    for (now, category) in [
        (
            "I missed my dialysis last Friday and I can't breathe",
            "breathing",
        ),
        (
            "since last Tuesday I have had chest pain that goes down my arm",
            "chest-pain",
        ),
        (
            "he fell last Saturday and hit his head, he is on warfarin and has a terrible headache",
            "head-injury-on-blood-thinners",
        ),
        (
            "he had crushing chest pain last Tuesday and it has not gone away",
            "chest-pain",
        ),
    ] {
        assert!(fires(&t, now, category), "{now}");
    }
    // An all-clear about something else does not end a complaint happening now.
    assert!(fires(
        &t,
        "he has crushing chest pain right now, the ambulance is coming, his sugar is back to normal",
        "chest-pain"
    ));
    assert!(fires(
        &t,
        "will I get seen quicker at A&E I have crushing chest pain down my arm",
        "chest-pain"
    ));
    // The missed session matters because of today.
    assert!(fires(
        &t,
        "missed my dialysis last wednesday and friday, now very weak and swollen",
        "missed-dialysis-unwell"
    ));
    assert!(fires(
        &t,
        "last Tuesday I had chest pain and it is still there",
        "chest-pain"
    ));
    assert!(fires(
        &t,
        "my fistula stopped buzzing last Tuesday",
        "fistula-no-thrill"
    ));
    assert!(fires(
        &t,
        "last friday I had a fever of 38.5, I had my transplant in May",
        "transplant-fever"
    ));
    // Said to be over, and then back: not over.
    assert!(fires(
        &t,
        "had a fit yesterday, fine now but he is fitting again",
        "seizure"
    ));
    // A next sentence that says it is over and then speaks of now: not over.
    assert!(fires(
        &t,
        "she collapsed in the kitchen. Back to normal, but now she is confused again",
        "collapse"
    ));
    assert!(fires(
        &t,
        "transplant in 2019, now a fever of 39",
        "transplant-fever"
    ));
    assert!(fires(&t, "no urine for 24 hours", "no-urine"));
    assert!(fires(&t, "no urine all day", "no-urine"));
    assert!(fires(&t, "no urine since last night", "no-urine"));
    // Durations too short, or so long they are the normal state, do not fire.
    assert!(!fires(&t, "no urine for 2 hours", "no-urine"));
    // A rate is no duration: "a day" after an amount or a count says how much, not how long.
    assert!(!fires(
        &t,
        "I still pee about 500 ml a day, will the urine stop in the end?",
        "no-urine"
    ));
    assert!(fires(&t, "the urine stopped a day ago", "no-urine"));
    assert!(!fires(
        &t,
        "I have not peed for years, I am on dialysis",
        "no-urine"
    ));
}

#[test]
fn lab_values_are_compared_with_the_threshold() {
    let t = shipped();
    for urgent in [
        "K 7.1 on my bloods",
        "potassium is 6.8",
        "k+ 6,4",
        "my potassium of 6.2 mmol/l",
        "the lab called, potassium dangerously high",
        "potasium 6.0",
        "K went from 5.2 to 6.3",
    ] {
        assert!(fires(&t, urgent, "high-potassium"), "{urgent}");
    }
    for quiet in [
        "potassium 5.3 is that high?",
        "K was 5.8 last month",
        "my potassium is 5.9, is that too high?",
        "I eat 2000 mg of potassium a day",
        "what if my potassium is 6.5?",
        "my potassium was 6.5 two years ago",
    ] {
        assert!(!fires(&t, quiet, "high-potassium"), "{quiet}");
    }
    let why = &t.assess("K 6.1").unwrap().fired[0].why;
    assert_eq!(why, "potassium-high 'K 6.1' (>= 6)");
    // From 6.5, or when told to go to hospital, it is an emergency.
    let assessed = t.assess("K 7.1").unwrap();
    assert_eq!(assessed.fired[0].why, "potassium-critical 'K 7.1' (>= 6.5)");
    assert!(fires(
        &t,
        "potassium 6.1 and the GP said go to A&E now",
        "critical-potassium"
    ));
    assert!(!fires(
        &t,
        "potassium 6.1, the GP wants to repeat it",
        "critical-potassium"
    ));
    assert!(fires(
        &t,
        "bp 200/125 and a headache",
        "hypertensive-crisis"
    ));
    assert!(fires(
        &t,
        "it says 170/125, awful headache",
        "hypertensive-crisis"
    ));
    assert!(!fires(
        &t,
        "bp 170/95 and a headache",
        "hypertensive-crisis"
    ));
}

#[test]
fn questions_about_a_symptom_do_not_fire() {
    let t = shipped();
    for quiet in [
        "what are the signs of a stroke?",
        "what should I do if I ever get chest pain?",
        "is it dangerous if my fistula stops buzzing?",
        "is a fever dangerous after a transplant?",
        "can high potassium cause chest pain?",
        "how do I know if my PD fluid is cloudy?",
        // A marker of how things go ("keep", "starts") does not make a condition real.
        "the nurses keep telling her to call the unit if the bag is cloudy",
        // "they" who treat are the care team, nobody ill.
        "how is peritonitis treated on PD, do they put the antibiotics into the bags?",
        "what should I do if my fistula starts bleeding and won't stop when I'm at home?",
    ] {
        assert_eq!(levels(&t, quiet), None, "{quiet}");
    }
    // A question that names a real person, or says it is happening now, is about them.
    assert!(fires(
        &t,
        "is it normal that my dad can't breathe?",
        "breathing"
    ));
    assert!(fires(
        &t,
        "is it normal that they can't breathe?",
        "breathing"
    ));
    // A time of now makes a condition real wherever it stands in the clause.
    assert!(fires(
        &t,
        "since yesterday if I lie down I can't breathe",
        "breathing"
    ));
    assert!(fires(
        &t,
        "what should I do if I have chest pain right now?",
        "chest-pain"
    ));
    assert!(fires(
        &t,
        "I'm not sure if this is urgent, but my chest hurts",
        "chest-pain"
    ));
}

#[test]
fn confused_as_in_puzzled_does_not_fire_but_confusion_does() {
    let t = shipped();
    for quiet in [
        "I'm so confused by all these phosphate binders, which one with which meal?",
        "I'm really confused about my fluid allowance, does soup count?",
        "the leaflet is so confusing",
    ] {
        assert_eq!(levels(&t, quiet), None, "{quiet}");
    }
    // "confusing" shares its stem with "confused": it must not make every "she is
    // confused" read as puzzlement.
    for urgent in [
        "she is confused since this morning",
        "my dad is so confused today, keeps asking where he is",
        "I feel very confused",
        "grandma so confused this morning",
        "he was very confused this morning",
    ] {
        assert!(fires(&t, urgent, "severe-confusion"), "{urgent}");
    }
    // A disease named is enough for a same-day call, past and general questions aside.
    assert!(fires(&t, "my husband has peritonitis", "pd-cloudy-fluid"));
}

#[test]
fn an_idiom_stops_only_the_complaint_whose_words_it_shares() {
    let t = shipped();
    for quiet in [
        "I couldn't breathe for laughing at the nurse's joke",
        "my son didn't respond to steroids, what is next?",
        "will he grow out of it?",
        "she doesn't have to go on dialysis",
    ] {
        assert_eq!(levels(&t, quiet), None, "{quiet}");
    }
    for (text, category) in [
        (
            "I couldnt breathe for laughing earlier but now i really cant breathe",
            "breathing",
        ),
        (
            "he didnt respond to antibiotics and now hes not responding to us at all",
            "collapse",
        ),
        (
            "my son was fit and well until today, now he is having a fit",
            "seizure",
        ),
        (
            "I cant go on, not going on dialysis again, im done",
            "suicidal",
        ),
    ] {
        assert!(fires(&t, text, category), "{text}");
    }
}

#[test]
fn a_plea_for_what_to_do_now_is_no_general_question() {
    let t = shipped();
    assert!(fires(&t, "what to do cant breathe", "breathing"));
    assert!(fires(&t, "what to do, crushing chest pain", "chest-pain"));
    assert_eq!(
        levels(&t, "what to do when you get chest pain on dialysis?"),
        None
    );
    assert_eq!(
        levels(&t, "what is the treatment for chest pain on dialysis"),
        None
    );
}

#[test]
fn misspellings_and_buried_emergencies_are_found() {
    let t = shipped();
    assert!(fires(&t, "my mum is unconcious", "collapse"));
    assert!(fires(&t, "he is having a siezure", "seizure"));
    assert!(fires(&t, "my potasium is 6.6", "high-potassium"));
    let long = "Hello, I have a few questions about my diet and phosphate binders, and also \
                about travel next month. By the way since this morning my fistula has \
                stopped buzzing. And can I eat cheese?";
    assert!(fires(&t, long, "fistula-no-thrill"));
}

#[test]
fn the_highest_level_wins_and_every_category_explains_itself() {
    let t = shipped();
    let a = t
        .assess("haven't peed since yesterday and now crushing chest pain")
        .unwrap();
    assert_eq!(a.level, Level::Emergency);
    let categories: Vec<&str> = a.fired.iter().map(|f| f.category.as_str()).collect();
    assert_eq!(categories, ["chest-pain", "no-urine"]);
    assert_eq!(
        a.fired[1].why,
        "no-urine-output 'haven't peed' + long-enough 'since yesterday'"
    );
    assert!(t.message(Level::Emergency).contains("emergency number"));
    assert!(t.message(Level::SameDay).contains("today"));
}

#[test]
fn assessing_is_fast() {
    let t = shipped();
    let text = std::fs::read_to_string(DEV_SET).expect("dev set");
    let items = report::parse_items(&text).expect("valid");
    let mut times: Vec<std::time::Duration> = Vec::new();
    for _ in 0..5 {
        for item in &items {
            let start = std::time::Instant::now();
            std::hint::black_box(t.assess(&item.q));
            times.push(start.elapsed());
        }
    }
    times.sort();
    let p99 = times[times.len() * 99 / 100];
    println!("assess p99 over {} runs: {p99:?}", times.len());
    // The target is 1 ms in release builds; unoptimised test builds sharing the machine with
    // other tests are many times slower, so this only guards against a gross regression.
    assert!(p99 < std::time::Duration::from_millis(25), "p99 {p99:?}");
}

#[test]
fn a_general_question_said_to_be_happening_now_is_about_the_asker() {
    let t = shipped();
    assert_eq!(
        levels(
            &t,
            "is it normal to get a crushing pressure in the chest on the stairs?"
        ),
        None
    );
    assert!(fires(
        &t,
        "is it normal to get a crushing pressure in the chest on the stairs, it's been going 30 minutes now",
        "chest-pain"
    ));
    // The next sentence speaks of now to say that all is well.
    assert!(fires(
        &t,
        "what do we do if the PD bag is ever cloudy? it's cloudy at the moment",
        "pd-cloudy-fluid"
    ));
    assert_eq!(
        levels(
            &t,
            "what do we do if the PD bag is ever cloudy? it's clear at the moment"
        ),
        None
    );
}

#[test]
fn a_subject_line_is_the_topic_of_the_question_after_it() {
    let t = shipped();
    assert_eq!(
        levels(&t, "Stroke. Can kidney disease cause a stroke?"),
        None
    );
    assert_eq!(levels(&t, "Peritonitis. How is peritonitis treated?"), None);
    // Alone, or followed by anything about the asker, it still fires.
    assert!(fires(&t, "Chest pain.", "chest-pain"));
    assert!(fires(&t, "Chest pain. What should I do?", "chest-pain"));
    assert!(fires(&t, "Chest pain. Is it dangerous?", "chest-pain"));
}

#[test]
fn emergencies_told_in_everyday_words_fire() {
    // Found by probing the triage with urgent messages as relatives and patients write them.
    let t = shipped();
    for (message, category) in [
        ("can barely breathe", "breathing"),
        ("cant cope anymore, might as well end my life", "suicidal"),
        ("i've had enough of this life", "suicidal"),
        (
            "my husband is not responding and hes making snoring noises",
            "collapse",
        ),
        ("my fistual is bleeding alot", "access-bleeding"),
        (
            "bleeding from my graft site for 30 minutes even with pressure",
            "access-bleeding",
        ),
        (
            "coughing up blood since this morning, quite a lot",
            "serious-bleeding",
        ),
        (
            "gran's face looks different, one side has dropped",
            "stroke",
        ),
        ("his smile is wonky and he cant hold his cup", "stroke"),
        (
            "sudden explosive headache and neck is stiff, i have PKD",
            "sudden-severe-headache",
        ),
        (
            "fall this morning, hit head, on dalteparin injections, now headache and sick",
            "head-injury-on-blood-thinners",
        ),
        ("bp 220/120 bad head", "hypertensive-crisis"),
        (
            "had my kidney transplant 2 weeks ago and ive got a fever of 38.5",
            "transplant-fever",
        ),
        ("fever and i have a line for dialysis", "catheter-fever"),
        (
            "busting for a wee but it wont come out, really painful",
            "urinary-retention",
        ),
        (
            "my dad can't pass water and he's in pain",
            "urinary-retention",
        ),
        (
            "having palpitations and my heart is racing like 150 and feel faint",
            "collapse",
        ),
        (
            "he's bleeding from his gums and nose and it wont stop, he's on warfarin",
            "serious-bleeding",
        ),
        ("I want to stop living", "suicidal"),
        (
            "I usually pee loads but nothing since yesterday morning and nothing has changed with my meds",
            "no-urine",
        ),
        (
            "on apixaban, bleeding a lot from my bottom when I go to the toilet, feel dizzy",
            "serious-bleeding",
        ),
        (
            "my line exit site is weeping green gunk and I feel hot",
            "catheter-fever",
        ),
        (
            "missed dialysis 3 times, feeling very weak",
            "potassium-heart",
        ),
    ] {
        assert!(fires(&t, message, category), "{message}");
    }
    // A general question still does not: its subject is not left out.
    assert_eq!(levels(&t, "can dialysis make you breathless?"), None);
    for quiet in [
        "Will sertraline stop me being a living kidney donor for my wife?",
        "I can't pee much anymore on dialysis and I'm in pain from my fistula",
        "there was a power cut and a blackout during my dialysis session",
        // Found by a review of the session's phrases.
        "I was out for dinner last night and had chips, will my potassium be high?",
        "I hit my head on the cupboard while cleaning the kitchen this morning, small bump",
        "we had a blackout last night and the home dialysis machine stopped halfway",
        "I've got a bad head cold and my blood pressure is 180/110",
        "what should I do if I've got chest pain during dialysis?",
        "what should I do if I've got a fever after my transplant?",
        "I get lightheaded after dialysis and my heart races a bit, is that my BP dropping?",
        "I'm constipated, sat on the toilet all day and nothing came out",
    ] {
        assert_eq!(levels(&t, quiet), None, "{quiet}");
    }
}

#[test]
fn a_rule_joins_concepts_anywhere_with_plus_and_in_one_sentence_with_ampersand() {
    let rule = Rule::parse("infection-signs + fever & access-site + not not-a-person").unwrap();
    assert_eq!(rule.concepts, ["infection-signs", "fever"]);
    assert_eq!(rule.together, ["access-site"]);
    assert_eq!(rule.unless, ["not-a-person"]);
    assert_eq!(
        rule.to_string(),
        "infection-signs + fever & access-site + not not-a-person"
    );
    assert_eq!(
        Rule::parse("a & not b"),
        None,
        "`&` joins a concept, not a `not`"
    );
    assert_eq!(Rule::parse("& a"), None);
    assert_eq!(Rule::parse("a + & b"), None);

    let triage = shipped();
    assert!(fires(
        &triage,
        "theres pus coming from my fistula",
        "access-infection"
    ));
    assert!(!fires(
        &triage,
        "My fistula is working well. My toe has pus in it from an ingrown nail.",
        "access-infection"
    ));
}

#[test]
fn many_tablets_at_once_is_an_overdose_whatever_was_meant() {
    let triage = shipped();
    for text in [
        "wife took about 30 of her tablets together with wine",
        "my brother has taken about 40 of his sleeping tablets",
    ] {
        assert_eq!(level(&triage, text), Some(Level::Emergency), "{text}");
    }
    for text in [
        "I took about 3 of my binders with lunch instead of 2",
        "I've taken about 10 of my antibiotics so far, still have 4 to go",
    ] {
        assert_eq!(levels(&triage, text), None, "{text}");
    }
}

#[test]
fn a_potassium_said_aloud_is_read_as_its_value() {
    let triage = shipped();
    for text in [
        "they said my K was six and a half, do I need to go in?",
        "they rang and said my potassium was seven point two",
    ] {
        assert_eq!(level(&triage, text), Some(Level::Emergency), "{text}");
    }
}

/// Emergencies a review found lost by one session's new cues and exclusions: each cue must
/// not reach past what it speaks of.
#[test]
fn new_cues_and_exclusions_do_not_hide_an_emergency_beside_them() {
    let triage = shipped();
    for text in [
        // "was treated for" is no marker of the past for what follows it.
        "He was treated for pneumonia with antibiotics and he is really struggling to breathe",
        "Dad was treated for a chest infection on Monday and he's got crushing chest pain right across his chest",
        // "treated ... for it" is no all-clear.
        "I've got crushing chest pain, GP treated me for it as indigestion but it's worse",
        // A usual routine is no dosing question that excuses wanting to die.
        "Dad told me he wants to kill himself, he took his tablets like always this morning",
        // The base forms of fainting, and idioms that only look like them.
        "I watched him pass out on the kitchen floor about 10 mins ago",
        "Dad passed out of the blue after his dialysis, he's awake now but grey and sweaty",
        "he keeps collapsing the minute he stands up",
        // "never had ... like this" says how new it is, and negates nothing.
        "I've never had chest pain like this before, it's crushing",
        // A film, old test results and a shock idiom's words beside a real complaint.
        "I was watching a movie when I got crushing chest pain",
        "I've got crushing chest pain, my heart tests were fine last month",
        "I feel like im gonna have a heart attack",
        "K 6.8 today, last week's was haemolysed",
    ] {
        assert_eq!(level(&triage, text), Some(Level::Emergency), "{text}");
    }
    for text in [
        // Residual urine told as usual does not hide urine that stopped.
        "transplant 10 days ago, I still pass a little normally but haven't peed since last night and my new kidney is sore",
        "I got a kidney off my dad 2 yrs ago, temp 38.6 tonight",
        // An all-clear for the rest of the message is not one for the complaint.
        "my PD bag is cloudy, all fine otherwise",
        "no buzz in my fistula, it used to be buzzing strong",
    ] {
        assert!(levels(&triage, text).is_some(), "{text}");
    }
    for text in [
        "my needle site took 20 minutes to stop bleeding after dialysis today, is that normal?",
        "I've taken 16 tablets today, all my normal meds, feeling fine",
        "my son just got into medicine at Leeds uni, so proud",
        "my voice is going hoarse from shouting at the football, can I still have dialysis?",
        "my tooth fell out and my neck line dressing needs changing, can the unit do it?",
        "my grandson's passing out parade is on Friday, can I move my dialysis?",
    ] {
        assert_eq!(levels(&triage, text), None, "{text}");
    }
}

#[test]
fn a_condition_reaches_over_its_list_but_not_over_a_statement() {
    let t = shipped();
    assert_eq!(
        levels(
            &t,
            "The leaflet says ring 999 if you have chest pain, bad breathlessness, fits, or your \
             fistula stops working. Does that apply to PD?"
        ),
        None
    );
    assert!(fires(
        &t,
        "if I lie down, I can't breathe at all",
        "breathing"
    ));
}

#[test]
fn the_time_of_somebody_named_in_passing_is_not_the_time_of_the_complaint() {
    let t = shipped();
    assert!(fires(
        &t,
        "dad is talking nonsense and asking for his brother who died years ago",
        "severe-confusion"
    ));
    assert_eq!(level(&t, "dad talked nonsense for a day years ago"), None);
}

#[test]
fn a_value_dangerous_when_low_fires_at_or_below_its_threshold() {
    let t = shipped();
    assert!(fires(
        &t,
        "found him slumped on the sofa and mumbling, sugar 2.1",
        "severe-hypo"
    ));
    assert!(fires(
        &t,
        "shivering and hot, bp on the machine says seventy eight over forty",
        "sepsis"
    ));
    for quiet in [
        "found him slumped on the sofa and mumbling, sugar 6.1, he'd had a few beers",
        "shivering and hot, bp 128 over 80",
    ] {
        assert_ne!(level(&t, quiet), Some(Level::Emergency), "{quiet}");
    }
}

#[test]
fn a_temperature_may_stand_without_its_name() {
    let t = shipped();
    assert!(fires(
        &t,
        "38.7 and a horrible ache in my right side round to my back",
        "flank-pain-fever"
    ));
    assert!(fires(
        &t,
        "my son has a tunnelled line for dialysis and he's running 38.2 since teatime",
        "catheter-fever"
    ));
    // The value before the name: "has 38.4 temperature".
    assert!(fires(
        &t,
        "my daughter got her kidney 6 weeks ago, she has 38.4 temperature since afternoon",
        "transplant-fever"
    ));
    // A normal reading asked about is no fever.
    assert_eq!(
        level(
            &t,
            "My temperature is 37.2 after a hot bath, is that a fever for transplant people?"
        ),
        None
    );
    for quiet in [
        "my egfr was 38.5 and a horrible ache in my right side round to my back",
        "weight 38.5 kg, ache in my right side round to my back, is that my kidney?",
    ] {
        assert_eq!(level(&t, quiet), None, "{quiet}");
    }
}

#[test]
fn a_dream_keeps_its_own_time() {
    let t = shipped();
    assert_eq!(
        level(
            &t,
            "dreamt last night that my chest was being crushed and I couldn't breathe"
        ),
        None
    );
    assert!(fires(
        &t,
        "had a bad dream last night, and now my chest is being crushed and I can't breathe",
        "chest-pain"
    ));
    assert!(fires(
        &t,
        "I had a nightmare and woke up with crushing chest pain",
        "chest-pain"
    ));
    assert!(fires(
        &t,
        "woke from a bad dream with crushing chest pain",
        "chest-pain"
    ));
}
