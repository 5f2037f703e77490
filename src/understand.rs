//! Understanding a patient's message before anything is searched: the message is split into
//! sentences, greetings, pleas and sign-offs are dropped, a leading subject line is told
//! apart, and the sentences that ask something are found. What is searched is the question,
//! not the backstory around it. Pure; knows nothing of the index.

use crate::analyze::{is_common_word, is_stop_word, words};

/// Words that only greet, plead, thank or sign off: a sentence made of nothing else says
/// nothing about the question.
const COURTESY: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "dear",
    "respected",
    "respectful",
    "sir",
    "sirs",
    "madam",
    "madame",
    "mam",
    "maam",
    "doctor",
    "doctors",
    "dr",
    "doc",
    "team",
    "medical",
    "experts",
    "expert",
    "nurse",
    "good",
    "morning",
    "afternoon",
    "evening",
    "day",
    "greetings",
    "hope",
    "you",
    "are",
    "well",
    "all",
    "everyone",
    "please",
    "pls",
    "plz",
    "plzz",
    "kindly",
    "help",
    "helping",
    "me",
    "us",
    "urgently",
    "asap",
    "thanks",
    "thank",
    "thankyou",
    "thanx",
    "thx",
    "in",
    "advance",
    "regards",
    "kind",
    "best",
    "warm",
    "sincerely",
    "yours",
    "faithfully",
    "truly",
    "god",
    "bless",
    "blessings",
    "appreciate",
    "appreciated",
    "it",
    "your",
    "reply",
    "answer",
    "response",
    "waiting",
    "for",
    "awaiting",
    "soon",
    "lol",
    "ok",
    "okay",
    "name",
    "is",
    "am",
    "i",
    "my",
    "a",
    "the",
    "and",
    "to",
    "so",
    "much",
    "very",
    "sorry",
    "bother",
    "bothering",
    "again",
    "once",
    "would",
    "be",
    "grateful",
    "thankful",
    "hoping",
    "need",
    "needed",
    "urgent",
    "question",
    "questions",
    "query",
    "queries",
    "enquiry",
    "inquiry",
    // Greetings and thanks patients write in their own language inside English messages.
    "kumusta",
    "kamusta",
    "po",
    "magandang",
    "araw",
    "umaga",
    "hapon",
    "gabi",
    "salamat",
    "maraming",
    "assalamu",
    "assalam",
    "asalam",
    "assalamualaikum",
    "alaikum",
    "alaykum",
    "aleikum",
    "salam",
    "salaam",
    "walaikum",
    "jazakallah",
    "jazakallahu",
    "jazak",
    "allah",
    "khair",
    "khairan",
    "inshallah",
    "mashallah",
    "namaste",
    "namaskar",
    "ji",
    "habari",
    "asante",
    "shukran",
    "shukriya",
    "dhanyavad",
    "dhanyawad",
    "hola",
    "gracias",
    "bonjour",
    "merci",
    "grazie",
    "obrigado",
    "obrigada",
    "danke",
    "shalom",
];

/// Whether a lowercase word only greets, pleads, thanks or signs off ("hello", "regards",
/// "salamat"): never a term the articles would need to address.
pub fn is_courtesy(word: &str) -> bool {
    COURTESY.contains(&word)
}

/// Words that name what the message is about in general without saying anything of it.
const GENERIC: &[&str] = &[
    "problem",
    "problems",
    "issue",
    "issues",
    "question",
    "questions",
    "query",
    "enquiry",
    "inquiry",
    "info",
    "information",
    "informations",
    "help",
    "advice",
    "regarding",
    "concern",
    "concerns",
    "suggestion",
    "suggestions",
    "kindly",
    "urgent",
    "worried",
    "worry",
    "patient",
    "help",
    "doubt",
    "doubts",
    "related",
    "case",
    "dear",
    "respected",
    "sir",
    "madam",
    "mam",
    "maam",
    "team",
    "hey",
    "pls",
    "plz",
    "hello",
    "hi",
    "lol",
];

/// Words that open a question.
const INTERROGATIVES: &[&str] = &[
    "what", "whats", "why", "how", "when", "where", "which", "who", "whom", "whose", "is", "are",
    "can", "could", "should", "would", "will", "do", "does", "did", "may", "shall", "am", "was",
    "were", "has", "have", "must", "might", "isnt", "cant", "shouldnt", "wouldnt", "doesnt", "any",
    "anything", "whether",
];

/// Phrases that make a statement a request ("I want to know ...", "tell me ...").
const REQUESTS: &[&[&str]] = &[
    &["want", "to", "know"],
    &["like", "to", "know"],
    &["need", "to", "know"],
    &["wanted", "to", "know"],
    &["tell", "me"],
    &["tell", "us"],
    &["wondering"],
    &["wonder"],
    &["explain"],
    &["suggest"],
    &["advise"],
    &["advice"],
    &["is", "it", "safe"],
    &["is", "it", "ok"],
    &["is", "it", "normal"],
    &["what", "to", "do"],
    &["let", "me", "know"],
    &["confused"],
    &["curious"],
];

/// Verbs that open a request ("kindly give me some suggestions to treat ...", "please guide
/// me on ...", "list the herbs that ..."); "explain", "suggest" and "advise" ask wherever
/// they stand (`REQUESTS`).
const IMPERATIVES: &[&str] = &[
    "give",
    "guide",
    "tell",
    "inform",
    "recommend",
    "clarify",
    "describe",
    "list",
];

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "vs", "eg", "ie", "st", "approx", "no",
];

/// The characters of a message that are read: Telegram's limit for one message. A longer
/// text (a pasted letter or report on `faqbot ask`) is read up to here, so understanding,
/// triage and search take bounded time whatever is pasted.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// How many further questions of one message are offered besides the main one.
const MAX_OTHER_QUESTIONS: usize = 3;
/// A message with at most this many content words and no question is too vague to answer.
const VAGUE_MAX_CONTENT: usize = 2;
/// A first sentence of at most this many words, followed by more, is a subject line.
const SUBJECT_MAX_WORDS: usize = 6;
/// A sentence a question points back to that has at most this many words is read with the
/// sentence before it.
const REFERENT_SHORT_WORDS: usize = 5;

/// What a sentence does in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Greeting, plea, thanks or sign-off: left out of the search.
    Courtesy,
    /// A short leading fragment ("Kidney problem.", "about creatinine").
    Subject,
    /// Asks something.
    Question,
    /// Tells something: the patient's history, results, situation.
    Backstory,
}

/// One sentence of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    pub role: Role,
}

/// A patient's message, understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message with capitals normalised when it was shouted, whitespace collapsed.
    pub text: String,
    pub sentences: Vec<Sentence>,
    /// What to search with: the main question, with the subject line when there is one; the
    /// whole meaningful text when nothing is asked outright.
    pub focus: String,
    /// The background the question is asked in (backstory and the other questions).
    pub context: String,
    /// Further questions of the same message, to offer after answering the main one; one
    /// that points back comes with the sentence it points to, so that it stands alone.
    pub other_questions: Vec<String>,
    /// Words of the message that say what it is about (not filler, courtesy or generic).
    pub content_words: Vec<String>,
    /// Names a topic without asking anything ("dialysis", "Kidney problem.", "blood in my
    /// pee", "kidney stones"): too vague to answer, whatever article fits it.
    pub vague: bool,
    /// Asks something outright ("what is dialysis"), not just names a topic ("dialysis").
    pub asks: bool,
    /// Asks how much of a medicine to take ("what dose of gabapentin", "how many should I
    /// take a day", "how should I take it"): only a passage that states amounts answers it.
    pub asks_amount: bool,
    /// Asks for a number of any kind: a target or a limit ("what uric acid level should I
    /// aim for", "is there an age limit"), a count or a length of time ("how many years does
    /// a transplant last", "how long is the wait"): only a passage that states one answers it.
    /// Only the main question (and the subject line) counts.
    pub asks_number: Option<Number>,
    /// Asks which of two named options is better ("Forxiga or Jardiance, which protects the
    /// kidneys better?"): a passage that only names both does not answer it. Only the main
    /// question (and the subject line) counts.
    pub asks_choice: bool,
    /// Where the patient (or the person asked about) is in kidney care, when the message
    /// says so: "im on haemodialysis", "since my transplant". Articles often answer
    /// differently before dialysis, on dialysis and after a transplant.
    pub stage: Option<Stage>,
}

/// A stage of kidney care that changes the answer (protein, fluid, pregnancy, BUN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    BeforeDialysis,
    OnDialysis,
    Transplant,
}

impl Stage {
    /// The stage a message tells of. "Not on dialysis (yet)" is before dialysis; a
    /// transplant wins over dialysis ("on dialysis for 5 years before my transplant").
    pub fn told_in(text: &str) -> Option<Stage> {
        static BEFORE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\bnot (?:yet )?(?:on|started|starting|doing|having|needing) (?:any )?(?:haemo|hemo|peritoneal |home )?dialysis\b|\bbefore (?:i|he|she|they|we) (?:need|needs|start|starts|go|goes|have|has) (?:on )?dialysis\b",
            )
            .expect("a valid pattern")
        });
        static ON: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\b(?:on|started|starting|doing|having|undergoing|receiving|needs|getting|gets|does|do) (?:(?:haemo|hemo|peritoneal|home|kidney|the|his|her|my) )?(?:haemodialysis|hemodialysis|dialysis|dialisis|dialysys)\b|\bon (?:hd|pd|capd|apd)\b|\b(?:haemo|hemo)?dialysis (?:patient|since|for \d|\d times|three times|twice)",
            )
            .expect("a valid pattern")
        });
        static TRANSPLANT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\b(?:had|got|received|have|has|since|after) (?:a |an |my |his |her |the )?(?:kidney |renal )?transplant\b|\btransplant (?:patient|recipient)\b|\b(?:transplanted|donor) kidney\b",
            )
            .expect("a valid pattern")
        });
        // "ckd 3", "stage 4", "kidney disease stage 3a": not yet on dialysis, unless said.
        static CKD_STAGE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\b(?:ckd|stage|kidney disease)\s*(?:stage\s*)?(?:[1-4][ab]?|one|two|three|four)\b",
            )
            .expect("a valid pattern")
        });
        if TRANSPLANT.is_match(text) {
            Some(Stage::Transplant)
        } else if BEFORE.is_match(text) {
            Some(Stage::BeforeDialysis)
        } else if ON.is_match(text) {
            Some(Stage::OnDialysis)
        } else if CKD_STAGE.is_match(text) {
            Some(Stage::BeforeDialysis)
        } else {
            None
        }
    }

    /// The stages a passage's heading is about: "Protein on dialysis and after a
    /// transplant", "Chronic kidney disease before dialysis", "Dialysis: living with a
    /// fluid limit".
    pub fn named_in_heading(heading: &str) -> Vec<Stage> {
        let heading = heading.to_lowercase();
        let mut stages = Vec::new();
        if heading.contains("before dialysis") {
            stages.push(Stage::BeforeDialysis);
        }
        if heading.contains("on dialysis") || heading.starts_with("dialysis:") {
            stages.push(Stage::OnDialysis);
        }
        if heading.contains("after a transplant")
            || heading.contains("after a kidney transplant")
            || heading.contains("after transplant")
        {
            stages.push(Stage::Transplant);
        }
        stages
    }
}

/// The kind of number a question asks for, which decides what answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// A length of time: "how long", "how many years". "A few weeks" answers it.
    Duration,
    /// A value, a count or a limit: "what level", "how much", "is there an age limit".
    /// Only a figure answers it.
    Value,
    /// A share or a rate: "what percentage", "the 5 year survival rate". Only a percentage
    /// or a proportion ("1 in 3", "half") answers it.
    Share,
}

impl Number {
    /// Whether a text states this kind of number. A value needs a figure: digits
    /// ("6.5", "below 10") or a number in words ("two", "half"), not the "1" of "type 1
    /// diabetes". A length of time may also be rough: "within a year", "days to weeks".
    pub fn is_stated_in(self, text: &str) -> bool {
        static FIGURE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|half|quarter|dozen|once|twice)\b",
            )
            .expect("a valid pattern")
        });
        static NAMED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?i)\btype\s+[12]\b").expect("a valid pattern")
        });
        static TIME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\b(?:hours|days|weeks|months|years)\b|\b(?:an?|one|per)\s+(?:hour|day|week|month|year)\b",
            )
            .expect("a valid pattern")
        });
        static SHARE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)\d\s*%|\bper\s?cent\b|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine)\s+(?:in|out\s+of)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|hundred)\b|\b(?:half|third|thirds|quarter|quarters)\b",
            )
            .expect("a valid pattern")
        });
        // "There is often no strict upper age limit" answers "is there an age limit?".
        static NO_LIMIT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?i)\bno\s+(?:[a-z]+\s+){0,3}(?:limit|cut-?off)\b")
                .expect("a valid pattern")
        });
        let figure = || FIGURE.is_match(&NAMED.replace_all(text, "type"));
        match self {
            Number::Share => SHARE.is_match(text),
            Number::Duration => figure() || TIME.is_match(text),
            Number::Value => figure() || NO_LIMIT.is_match(text),
        }
    }
}

/// Whether a text states an amount of something to take: a number with a unit ("500 mg",
/// "2 tablets", "1.5 litres").
pub fn states_amount(text: &str) -> bool {
    static AMOUNT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|g|grams?|milligrams?|micrograms?|iu|units?|tablets?|capsules?|pills?|puffs?|ml|millilitres?|milliliters?|litres?|liters?)\b",
        )
        .expect("a valid pattern")
    });
    AMOUNT.is_match(text)
}

impl Message {
    /// Reads a message. Never fails: any text, even empty, is understood somehow. Only the
    /// first `MAX_MESSAGE_CHARS` characters are read (the caller keeps the whole text, for
    /// the experts).
    pub fn parse(raw: &str) -> Message {
        let text = normalise(considered(raw));
        let mut sentences: Vec<Sentence> = split_sentences(&text)
            .into_iter()
            .map(|s| Sentence {
                role: classify(&s),
                text: s,
            })
            .collect();
        let meaningful = sentences
            .iter()
            .filter(|s| s.role != Role::Courtesy)
            .count();
        if let Some(first) = sentences.iter_mut().find(|s| s.role != Role::Courtesy) {
            let short = words(&first.text).len() <= SUBJECT_MAX_WORDS;
            if meaningful > 1 && short && first.role == Role::Backstory {
                first.role = Role::Subject;
            }
        }
        let questions: Vec<&Sentence> = sentences
            .iter()
            .filter(|s| s.role == Role::Question && !content_words(&s.text).is_empty())
            .collect();
        let subject = sentences.iter().find(|s| s.role == Role::Subject);
        // "read online that baking soda slows ckd. true??": the main question leans on the
        // sentence before it, which then says what is asked.
        let leaned_on: Vec<&Sentence> = questions
            .first()
            .filter(|main| leans_back(&main.text))
            .and_then(|main| sentences.iter().position(|s| std::ptr::eq(s, *main)))
            .map(|at| referent(&sentences, at))
            .unwrap_or_default();
        let focus = match questions.first() {
            Some(main) => {
                let mut parts: Vec<&str> = subject.iter().map(|s| s.text.as_str()).collect();
                parts.extend(leaned_on.iter().map(|s| s.text.as_str()));
                parts.push(&main.text);
                parts.join(" ")
            }
            None => join_roles(
                &sentences,
                &[Role::Subject, Role::Backstory, Role::Question],
            ),
        };
        // Each further question is offered on its own, so one that points back takes the
        // sentence it points to along ("my uric acid is 2.7. is it dangerous?").
        let other_questions: Vec<String> = questions
            .iter()
            .skip(1)
            .map(|q| {
                let at = sentences.iter().position(|s| std::ptr::eq(s, *q));
                let told = at
                    .filter(|_| points_back(&q.text))
                    .map(|at| referent(&sentences, at))
                    .unwrap_or_default();
                told.iter()
                    .map(|s| s.text.as_str())
                    .chain([q.text.as_str()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|q| content_words(q).len() >= 2)
            .take(MAX_OTHER_QUESTIONS)
            .collect();
        let context = if questions.is_empty() {
            String::new()
        } else {
            let main = &questions[0].text;
            sentences
                .iter()
                .filter(|s| matches!(s.role, Role::Backstory | Role::Question) && &s.text != main)
                .filter(|s| !leaned_on.iter().any(|l| std::ptr::eq(*s, *l)))
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let all = join_roles(
            &sentences,
            &[Role::Subject, Role::Backstory, Role::Question],
        );
        let content_words = content_words(&all);
        // A question mark alone ("creatinine??") does not say what is asked; with a word
        // that judges ("ibuprofen ok for kidneys?") it does.
        let asks = questions.iter().any(|q| {
            let ws = words(&q.text);
            is_question(q.text.trim_end_matches('?'), &ws)
                || (q.text.trim_end().ends_with('?')
                    && (0..ws.len())
                        .any(|i| JUDGEMENTS.contains(&ws[i].as_str()) && judged_at_end(&ws, i)))
        }) || asks_outright(&all);
        let vague = content_words.is_empty() || (!asks && content_words.len() <= VAGUE_MAX_CONTENT);
        let asks_amount = sentences
            .iter()
            .filter(|s| matches!(s.role, Role::Question | Role::Subject))
            .any(|s| asks_amount(&words(&s.text)));
        // Only the main question counts: a side question ("... and how long will I be in
        // hospital?") is offered on its own after the answer, and judged then.
        let asks_number = questions
            .first()
            .copied()
            .into_iter()
            .chain(subject)
            .find_map(|s| first_clause_asks_number(&s.text))
            .or(asks_amount.then_some(Number::Value));
        let asks_choice = questions
            .first()
            .copied()
            .into_iter()
            .chain(subject)
            .any(|s| asks_choice(&words(&s.text)));
        let stage = Stage::told_in(&all);
        Message {
            text,
            sentences,
            focus,
            context,
            other_questions,
            content_words,
            vague,
            asks,
            asks_amount,
            asks_number,
            asks_choice,
            stage,
        }
    }

    /// What the questions ask about: the subject line and every question, each question
    /// with the backstory sentence just before it when it points back to it ("CT says
    /// 'Bosniak 2F cyst'. Is it cancer?").
    pub fn asked_about(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        let mut first = true;
        for (i, s) in self.sentences.iter().enumerate() {
            match s.role {
                Role::Subject => parts.push(&s.text),
                Role::Question => {
                    // A later plea with no words of its own ("Please advise us.") asks about
                    // the whole message, not about the sentence before it.
                    let leans = if first {
                        leans_back(&s.text)
                    } else {
                        points_back(&s.text)
                    };
                    first = false;
                    if leans {
                        parts.extend(referent(&self.sentences, i).iter().map(|b| b.text.as_str()));
                    }
                    parts.push(&s.text);
                }
                _ => {}
            }
        }
        parts.join(" ")
    }

    /// The sentences that say something (everything but courtesy), joined.
    pub fn meaningful(&self) -> String {
        join_roles(
            &self.sentences,
            &[Role::Subject, Role::Backstory, Role::Question],
        )
    }
}

/// The backstory a question at `at` leans on: the sentence before it, and when that one is
/// too short to name anything much ("I've only just found out."), the one before that too.
fn referent(sentences: &[Sentence], at: usize) -> Vec<&Sentence> {
    let backstory = |i: usize| sentences.get(i).filter(|s| s.role == Role::Backstory);
    let Some(before) = at.checked_sub(1).and_then(backstory) else {
        return Vec::new();
    };
    let earlier = (words(&before.text).len() <= REFERENT_SHORT_WORDS)
        .then(|| at.checked_sub(2).and_then(backstory))
        .flatten();
    earlier.into_iter().chain([before]).collect()
}

/// Whether a question leans on the sentence before it for what it asks: it points back
/// ("is it cancer?", "is that safe?") or names at most one thing itself ("true??").
fn leans_back(question: &str) -> bool {
    points_back(question) || content_words(question).len() <= 1
}

/// Whether a question refers to something named before it ("is it cancer?", "how often
/// does that need scanning?", "what is the average wait there?"). The "it" of "is it
/// normal for creatinine to rise" names nothing: what it is about follows. The "it" of
/// "what is it supposed to be" does.
fn points_back(question: &str) -> bool {
    // The "there" of being: "is there", "will there be", "there are", "there is no".
    const BEFORE_THERE_OF_BEING: &[&str] = &[
        "is", "are", "was", "were", "will", "would", "could", "can", "should", "might", "may",
        "must", "isnt", "arent", "wasnt",
    ];
    const AFTER_THERE_OF_BEING: &[&str] = &[
        "is", "are", "was", "were", "will", "would", "could", "can", "should", "might", "may",
        "must", "be", "been", "seem", "seems", "has", "have", "had", "isnt", "arent", "any",
        "anything", "anyone", "no",
    ];
    const POINTERS: &[&str] = &["it", "that", "this", "they", "them", "these", "those"];
    // "it supposed to", "it going to": "it" is the subject, something named before.
    const SUBJECT_OF: &[&str] = &[
        "supposed", "meant", "going", "likely", "expected", "used", "able", "due", "trying",
    ];
    let ws = words(question);
    ws.iter().enumerate().any(|(i, w)| {
        let placeholder = w == "it"
            && ws
                .get(i + 1)
                .is_none_or(|next| !SUBJECT_OF.contains(&next.as_str()))
            && ws
                .get(i + 2)
                .is_some_and(|after| matches!(after.as_str(), "for" | "to"));
        // "do they need to take the old kidney out?": the doctors, not something named
        // before ("do they need to be taken with food?" points back).
        let clinicians = w == "they"
            && matches!(
                ws.get(i + 1).map(String::as_str),
                Some("need" | "have" | "want")
            )
            && ws.get(i + 2).is_some_and(|t| t == "to")
            && ws.get(i + 3).is_some_and(|v| v != "be");
        // "what is the average wait there?": a number of the place named before, which
        // the articles cannot give ("how do we arrange dialysis there" is answered the
        // same anywhere). Not the "there" of "is there", "there is", "there are any".
        let place = w == "there"
            && asks_number(&ws).is_some()
            && i.checked_sub(1)
                .is_none_or(|b| !BEFORE_THERE_OF_BEING.contains(&ws[b].as_str()))
            && ws
                .get(i + 1)
                .is_none_or(|next| !AFTER_THERE_OF_BEING.contains(&next.as_str()));
        (POINTERS.contains(&w.as_str()) || place) && !placeholder && !clinicians
    })
}

fn join_roles(sentences: &[Sentence], roles: &[Role]) -> String {
    sentences
        .iter()
        .filter(|s| roles.contains(&s.role))
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The start of `raw` that is read: at most `MAX_MESSAGE_CHARS` characters, cut at a space
/// so that no word is cut in half (half a word would read as a word the corpus never uses).
fn considered(raw: &str) -> &str {
    let Some((end, _)) = raw.char_indices().nth(MAX_MESSAGE_CHARS) else {
        return raw;
    };
    let start = &raw[..end];
    match start.rfind(char::is_whitespace) {
        Some(space) if !raw[end..].starts_with(char::is_whitespace) => &raw[..space],
        _ => start,
    }
}

/// Collapses whitespace, and lowercases a message written mostly in capitals.
fn normalise(raw: &str) -> String {
    // Chat spellings of "what" ("wat stage is that", "wats egfr"), read as the question
    // word they are rather than as a name the corpus lacks.
    static WHAT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(?:wat|wot|wht|whta)(s?)\b").expect("a valid pattern")
    });
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let collapsed = WHAT.replace_all(&collapsed, "what$1").into_owned();
    let letters = collapsed.chars().filter(|c| c.is_alphabetic()).count();
    let upper = collapsed.chars().filter(|c| c.is_uppercase()).count();
    if letters >= 8 && upper * 2 > letters {
        collapsed.to_lowercase()
    } else {
        collapsed
    }
}

/// Splits text into sentences at `.`, `?`, `!`, `;` and line breaks, also where a full stop
/// has no space after it ("CONDITION.SHE"), but not inside numbers ("4.2") or after common
/// abbreviations ("Dr.").
fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let next = chars.get(i + 1).copied();
        let ends = match c {
            '?' | '!' | ';' | '\n' => next != Some(c) && next != Some('?') && next != Some('!'),
            '.' => {
                let prev = i.checked_sub(1).map(|p| chars[p]);
                let after_letter = prev.is_some_and(|p| p.is_alphabetic() || p == ')' || p == '.');
                let before_text = next.is_none_or(|n| n.is_whitespace() || n.is_alphabetic());
                // "My urea is showing 40.IS IT DANGEROUS", "uric acid 2.7. is it": a number,
                // then a new sentence ("4.2" and "2.5mg" are not).
                let number_then_word = prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_alphabetic() || n == ' ')
                    && chars.get(i + 2).is_some_and(|c| c.is_alphabetic());
                (after_letter || number_then_word)
                    && before_text
                    && next != Some('.')
                    && !ABBREVIATIONS.contains(&last_word(&current).as_str())
            }
            _ => false,
        };
        if ends {
            push_sentence(&mut sentences, &mut current);
        }
    }
    push_sentence(&mut sentences, &mut current);
    sentences
}

/// The word just before the full stop that ends `text`, read from its end only (reading
/// the whole sentence at every full stop made long sentences quadratic).
fn last_word(text: &str) -> String {
    let text = text.trim_end_matches('.');
    let in_word = |c: char| c.is_alphanumeric() || matches!(c, '\'' | '’' | '‘');
    let start = text
        .char_indices()
        .rev()
        .find(|&(_, c)| !in_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    words(&text[start..]).pop().unwrap_or_default()
}

fn push_sentence(sentences: &mut Vec<String>, current: &mut String) {
    let sentence = current.trim().trim_start_matches(['.', ',', ' ']).trim();
    if words(sentence).iter().any(|w| !w.is_empty()) {
        sentences.push(sentence.to_string());
    }
    current.clear();
}

fn classify(sentence: &str) -> Role {
    let ws = words(sentence);
    if ws.iter().all(|w| is_courtesy(w)) {
        return Role::Courtesy;
    }
    if is_question(sentence, &ws) {
        Role::Question
    } else {
        Role::Backstory
    }
}

fn is_question(sentence: &str, ws: &[String]) -> bool {
    if sentence.trim_end().ends_with('?') {
        return true;
    }
    // The first word after any address or link word ("please, can I ...", "and is it ...").
    let first = ws.iter().find(|w| !LEADING.contains(&w.as_str()));
    first.is_some_and(|w| INTERROGATIVES.contains(&w.as_str()) && ws.len() >= 3)
        || words(&unquoted(sentence))
            .iter()
            .any(|w| ASKING_ANYWHERE.contains(&w.as_str()))
        || judges(ws)
        || ws
            .windows(2)
            .any(|w| w[0] == "difference" && w[1] == "between")
        || asks_outright(sentence)
}

/// The sentence without what it quotes: "the doctors keep saying 'let's see how he goes'"
/// reports what was said; its "how" asks nothing. An apostrophe inside a word ("let's") or
/// before a number ("in '19") is no quotation mark, and a sentence quoted whole is the
/// patient's own ("'egfr 25 what stage is that'").
fn unquoted(sentence: &str) -> std::borrow::Cow<'_, str> {
    static QUOTED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?:^|[\s(])(?:"[^"]*"|“[^”]*”|['‘]\p{L}.*?['’](?:$|[\s.,!?;:)]))"#)
            .expect("a valid pattern")
    });
    let rest = QUOTED.replace_all(sentence, " ");
    if words(&rest).is_empty() {
        std::borrow::Cow::Borrowed(sentence)
    } else {
        rest
    }
}

/// Whether a sentence asks for an amount to take: "dose", "dosage", "how many/much ... take",
/// "how should/do/to ... take it/them". Not a dose named as changing ("the dose keeps
/// changing", "after the dose goes up") or as a kind of treatment ("high-dose vitamin C"),
/// nor a length of time ("how many hours does it take to recover").
fn asks_amount(ws: &[String]) -> bool {
    const DOSE: &[&str] = &["dose", "doses", "dosage", "dosages", "dosing"];
    // After a dose: it is said to change.
    const CHANGES: &[&str] = &[
        "keeps",
        "keep",
        "goes",
        "went",
        "gone",
        "was",
        "were",
        "has",
        "had",
        "changed",
        "changes",
        "changing",
        "increased",
        "reduced",
        "lowered",
        "raised",
    ];
    // After a dose: when it is taken, not how much ("should my 8am dose wait until the blood
    // is taken").
    const WHEN: &[&str] = &["wait", "waits", "timing"];
    const TIME: &[&str] = &[
        "hrs", "hr", "hours", "hour", "mins", "minutes", "days", "day", "weeks", "week", "months",
        "month", "years", "year", "time",
    ];
    const IT: &[&str] = &["it", "them", "this", "these", "those"];
    const UNITS: &[&str] = &[
        "mg",
        "mgs",
        "mcg",
        "milligrams",
        "micrograms",
        "grams",
        "units",
        "iu",
        "ml",
        "mls",
        "tablets",
        "pills",
        "capsules",
        "puffs",
        "drops",
    ];
    let at = |i: usize| ws.get(i).map_or("", String::as_str);
    let asks_dose = ws.iter().enumerate().any(|(i, w)| {
        let before = if i == 0 { "" } else { at(i - 1) };
        let after = at(i + 1);
        // "high-dose vitamin C" names a treatment; "a high dose of it", "high dose?" ask.
        let a_kind = matches!(before, "high" | "low") && !matches!(after, "" | "of" | "for");
        DOSE.contains(&w.as_str()) && !CHANGES.contains(&after) && !WHEN.contains(&after) && !a_kind
    });
    if asks_dose {
        return true;
    }
    ws.iter().enumerate().any(|(i, w)| {
        let window = &ws[i + 1..(i + 9).min(ws.len())];
        let Some(next) = window.first() else {
            return false;
        };
        let takes = |w: &String| w == "take" || w == "give";
        // "how many hours does it take": how long something lasts, not what to take.
        let lasts = TIME.contains(&at(i + 2))
            && window
                .iter()
                .position(takes)
                .is_some_and(|t| window[..t].iter().any(|w| w == "it"));
        w == "how"
            && match next.as_str() {
                // "how many mg per kg should he have": an amount by its unit.
                "many" | "much" => {
                    (!lasts && window.iter().any(takes)) || UNITS.contains(&at(i + 2))
                }
                "should" | "do" | "to" | "often" => window
                    .windows(2)
                    .any(|p| takes(&p[0]) && IT.contains(&p[1].as_str())),
                _ => false,
            }
    })
}

/// What kind of number a sentence asks for, read clause by clause up to its first question:
/// in "What tests will I need, how long is the recovery, ...?" the tests are asked first, and
/// the recovery time is a side question.
fn first_clause_asks_number(sentence: &str) -> Option<Number> {
    for clause in sentence.split(',') {
        let ws = words(clause);
        if let Some(kind) = asks_number(&ws) {
            return Some(kind);
        }
        let first = ws.iter().find(|w| !LEADING.contains(&w.as_str()));
        if first.is_some_and(|w| INTERROGATIVES.contains(&w.as_str())) && ws.len() >= 3 {
            return None;
        }
    }
    None
}

/// What kind of number a question asks for, if any: a length of time ("how long", "how
/// many years"), or a value, a count or a limit ("how much", "what level / target / number /
/// age ...", "what should my HbA1c be", a target, limit or cut-off), or the class a value
/// falls in ("which category / stage", read off the cut-offs).
fn asks_number(ws: &[String]) -> Option<Number> {
    const MEASURE: &[&str] = &[
        "level", "levels", "number", "numbers", "target", "range", "value", "reading", "dose",
        "age", "stage", "category", "grade", "band", "average",
    ];
    // What a normal figure is given as ("normal uric acid level"), not a stage of care.
    const RANGE: &[&str] = &[
        "level", "levels", "range", "ranges", "value", "values", "reading", "readings",
    ];
    const LIMIT: &[&str] = &[
        "target", "targets", "cutoff", "limit", "limits", "minimum", "maximum",
    ];
    const TIME: &[&str] = &[
        "hours", "days", "weeks", "months", "years", "sessions", "times",
    ];
    let at = |i: usize| ws.get(i).map_or("", String::as_str);
    let asks = |i: usize, w: &str| match w {
        // "what percentage", "the actual percentage"; not "is that a percentage?".
        "percentage" | "percent"
            if i.checked_sub(1).is_some_and(|b| {
                matches!(
                    at(b),
                    "what" | "which" | "the" | "actual" | "exact" | "many"
                )
            }) =>
        {
            Some(Number::Share)
        }
        // "the 5 year survival", "survival rate", "success rate".
        "survival"
            if matches!(at(i + 1), "rate" | "rates")
                || i.checked_sub(1)
                    .is_some_and(|b| matches!(at(b), "year" | "years")) =>
        {
            Some(Number::Share)
        }
        "success" if matches!(at(i + 1), "rate" | "rates") => Some(Number::Share),
        "how" if matches!(at(i + 1), "long" | "soon" | "quickly" | "fast") => {
            Some(Number::Duration)
        }
        // "should my blood pressure be normal by now?": how long it takes.
        "by" if at(i + 1) == "now" => Some(Number::Duration),
        "how" if matches!(at(i + 1), "many" | "much") => {
            Some(if (i + 2..i + 4).any(|j| TIME.contains(&at(j))) {
                Number::Duration
            } else {
                Number::Value
            })
        }
        "what" | "whats" | "which" => {
            ((i + 1..(i + 4).min(ws.len())).any(|j| MEASURE.contains(&at(j)))
            // "what should my potassium be", "what should it be now", not "what
            // should I be looking out for"
            || (at(i + 1) == "should"
                && (i + 3..(i + 6).min(ws.len()))
                    .any(|j| at(j) == "be" && ends_target(at(j + 1)))))
            .then_some(Number::Value)
        }
        "cut" if at(i + 1) == "off" => Some(Number::Value),
        // "normal uric acid level?", "the normal range": only a figure says it. Not a
        // level to be reached ("raise my hemoglobin to normal levels").
        "normal"
            if (i + 1..(i + 4).min(ws.len())).any(|j| RANGE.contains(&at(j)))
                && !i
                    .checked_sub(1)
                    .is_some_and(|b| matches!(at(b), "to" | "back")) =>
        {
            Some(Number::Value)
        }
        // "my magnesium is 0.6, is that low": where a value falls needs the range. Not
        // whether a change is bad ("went from 110 to 140, is that bad") or anything is ok,
        // nor whether a state is normal ("3 years on dialysis, is it normal to feel tired").
        "is" | "are" | "isnt"
            if matches!(at(i + 1), "that" | "it" | "this" | "these" | "those")
                && matches!(at(i + 2), "high" | "low" | "normal")
                && matches!(at(i + 3), "" | "for")
                && ws[..i]
                    .iter()
                    .any(|w| w.chars().any(|c| c.is_ascii_digit())) =>
        {
            Some(Number::Value)
        }
        // "at what ferritin do they stop the iron", "at what eGFR": a threshold.
        "at" if matches!(at(i + 1), "what" | "which") && at(i + 2) != "time" => Some(Number::Value),
        "aim" if at(i + 1) == "for" => Some(Number::Value),
        "on" if at(i + 1) == "average" => Some(Number::Value),
        // "does soup count towards my fluid limit": what the limit holds, not its size.
        w if LIMIT.contains(&w)
            && !(i.saturating_sub(3)..i)
                .any(|b| matches!(at(b), "towards" | "toward" | "against")) =>
        {
            Some(Number::Value)
        }
        _ => None,
    };
    ws.iter().enumerate().find_map(|(i, w)| asks(i, w))
}

/// Whether a question asks to choose between two named options: a comparison ("better",
/// "safer", "vs") or "which", and two names joined by "or" or "vs" ("sevelamer or
/// lanthanum"). Everyday words ("pd or hd", "tablets or injections") are no names: the
/// articles compare such options themselves.
fn asks_choice(ws: &[String]) -> bool {
    const COMPARING: &[&str] = &[
        "which",
        "better",
        "best",
        "safer",
        "safest",
        "stronger",
        "worse",
        "preferable",
        "vs",
        "versus",
    ];
    let name = |w: &str| {
        w.chars().count() >= 4
            && w.chars().all(char::is_alphabetic)
            && !is_stop_word(w)
            && !is_common_word(w)
    };
    ws.iter().any(|w| COMPARING.contains(&w.as_str()))
        && ws
            .windows(3)
            .any(|t| matches!(t[1].as_str(), "or" | "vs" | "versus") && name(&t[0]) && name(&t[2]))
}

/// Whether a text compares options: "better than", "both work as well", "neither".
pub fn compares(text: &str) -> bool {
    static COMPARISON: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:than|better|best|worse|worst|compared|comparison|similar|similarly|same|equally|neither|whereas)\b",
        )
        .expect("a valid pattern")
    });
    COMPARISON.is_match(text)
}

/// Whether the word after "what should my X be" ends the question or starts a condition
/// ("... be?", "... be now that I have diabetes"), as it does when a value is asked for.
fn ends_target(next: &str) -> bool {
    matches!(
        next,
        "" | "now" | "for" | "at" | "if" | "when" | "after" | "before" | "with" | "on" | "in"
    )
}

/// Words that may stand before the word that opens a question.
const LEADING: &[&str] = &[
    "please",
    "pls",
    "plz",
    "kindly",
    "doctor",
    "doc",
    "dr",
    "sir",
    "madam",
    "mam",
    "maam",
    "hi",
    "hello",
    "hey",
    "dear",
    "respected",
    "so",
    "and",
    "also",
    "but",
    "ok",
    "okay",
    "well",
    "then",
    "now",
    "again",
    "or",
    "plus",
];

/// Words that judge something: asked about with a question mark ("ibuprofen ok for
/// kidneys?") or after "is that" ("my magnesium is 0.6 is that low").
const JUDGEMENTS: &[&str] = &[
    "ok",
    "okay",
    "alright",
    "safe",
    "unsafe",
    "bad",
    "good",
    "normal",
    "abnormal",
    "dangerous",
    "serious",
    "harmful",
    "fine",
    "allowed",
    "high",
    "low",
    "worrying",
    "concerning",
    "risky",
];

/// Whether a sentence asks for a judgement anywhere in it: "is that low", "are these
/// normal for my age", not only at its start; not "there is this bad smell".
fn judges(ws: &[String]) -> bool {
    (0..ws.len()).any(|i| {
        ws.get(i..i + 3).is_some_and(|w| {
            matches!(w[0].as_str(), "is" | "are" | "was" | "were" | "isnt")
                && matches!(
                    w[1].as_str(),
                    "that" | "it" | "this" | "they" | "these" | "those"
                )
                && JUDGEMENTS.contains(&w[2].as_str())
        }) && judged_at_end(ws, i + 2)
    })
}

/// Whether the judgement word at `at` ends what is asked: the sentence ends, or what it is
/// judged for follows ("ok for kidneys", "safe with tacrolimus", "bad to eat"); not a noun
/// it describes ("good diet?", "bad smell").
fn judged_at_end(ws: &[String], at: usize) -> bool {
    ws.get(at + 1).is_none_or(|next| {
        matches!(
            next.as_str(),
            "for"
                | "with"
                | "to"
                | "on"
                | "in"
                | "during"
                | "after"
                | "before"
                | "if"
                | "or"
                | "enough"
        )
    })
}

/// Words that make a sentence a question wherever they stand ("stage 3 what does that mean").
const ASKING_ANYWHERE: &[&str] = &["what", "whats", "why", "how", "which", "meaning"];

/// Whether the text holds a request phrase ("I want to know", "tell me", "what to do").
fn asks_outright(text: &str) -> bool {
    let ws = words(text);
    let opener = ws.iter().find(|w| !LEADING.contains(&w.as_str()));
    REQUESTS
        .iter()
        .any(|phrase| ws.windows(phrase.len()).any(|w| w == *phrase))
        || ws.first().is_some_and(|w| {
            ["what", "whats", "why", "how", "which", "when", "where"].contains(&w.as_str())
        })
        || opener.is_some_and(|w| IMPERATIVES.contains(&w.as_str()))
}

/// The words of `text` that carry its topic: no filler, courtesy, generic words or numbers.
pub fn content_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| {
            !is_stop_word(w)
                && !GENERIC.contains(&w.as_str())
                && !COURTESY.contains(&w.as_str())
                && !w.chars().all(|c| c.is_ascii_digit())
                && w.chars().count() > 1
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
        // A further question that points back is offered with what it points to.
        let m = Message::parse(
            "My urea is showing 40. Is it dangerous? My uric acid is also showing 2.7. Is it \
             dangerous and how will I bring it down? I also take naproxen. Is that safe?",
        );
        assert_eq!(m.focus, "My urea is showing 40. Is it dangerous?");
        assert_eq!(
            m.other_questions,
            [
                "My uric acid is also showing 2.7. Is it dangerous and how will I bring it down?",
                "I also take naproxen. Is that safe?"
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
        ] {
            assert_eq!(
                Message::parse(question).asks_number,
                Some(kind),
                "{question}"
            );
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
        assert!(
            !Number::Share.is_stated_in("People aged 75 or over live longer when they are fit.")
        );
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
}
