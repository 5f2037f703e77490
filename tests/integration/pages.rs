//! Extraction from realistic saved pages: a clinic site (HTML and text dumps), a news site,
//! odd encodings and broken HTML, asserting both what is kept and what is left out.

use std::path::Path;

use faqbot::corpus::pages::{extract_folder, Page, PageError, PageKind};

/// Reads every page of a fixture folder, sorted by name, as `faqbot index` would.
fn folder(dirs: &[&str]) -> Vec<(String, PageKind, Vec<u8>)> {
    let mut files = Vec::new();
    for dir in dirs {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pages")
            .join(dir);
        for entry in std::fs::read_dir(&dir).expect("fixture folder") {
            let path = entry.expect("entry").path();
            let kind = match path.extension().and_then(|e| e.to_str()) {
                Some("html" | "htm") => PageKind::Html,
                Some("txt") => PageKind::Text,
                _ => continue,
            };
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            files.push((name, kind, std::fs::read(&path).expect("read")));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

struct Extracted(Vec<(String, Result<Page, PageError>)>);

impl Extracted {
    fn of(dirs: &[&str]) -> Extracted {
        let files = folder(dirs);
        let results = extract_folder(&files);
        assert_eq!(results.len(), files.len());
        Extracted(files.into_iter().map(|f| f.0).zip(results).collect())
    }

    fn page(&self, name: &str) -> &Page {
        let (_, result) = self
            .0
            .iter()
            .find(|(n, _)| n == name)
            .expect("page in folder");
        result.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn error(&self, name: &str) -> &PageError {
        let (_, result) = self
            .0
            .iter()
            .find(|(n, _)| n == name)
            .expect("page in folder");
        result
            .as_ref()
            .err()
            .unwrap_or_else(|| panic!("{name} should have no article"))
    }
}

fn headings(page: &Page) -> Vec<Option<&str>> {
    page.sections.iter().map(|s| s.heading.as_deref()).collect()
}

fn paragraphs(page: &Page) -> Vec<&str> {
    page.sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .map(String::as_str)
        .collect()
}

/// Every piece of text a patient could be shown: headings and paragraphs.
fn texts(page: &Page) -> Vec<&str> {
    let headings = page.sections.iter().filter_map(|s| s.heading.as_deref());
    headings.chain(paragraphs(page)).collect()
}

fn assert_kept(page: &Page, sentences: &[&str]) {
    for sentence in sentences {
        assert!(
            paragraphs(page).iter().any(|p| p.contains(sentence)),
            "{:?} lost from {}:\n{:#?}",
            sentence,
            page.title,
            page.sections
        );
    }
}

fn assert_dropped(page: &Page, boilerplate: &[&str]) {
    for text in texts(page) {
        for junk in boilerplate {
            assert!(
                !text.contains(junk),
                "{junk:?} kept in {}: {text:?}",
                page.title
            );
        }
    }
}

/// What the clinic's template puts around every article, HTML or text.
const CLINIC_CHROME: &[&str] = &[
    "Skip to content",
    "Call us",
    "0117 496",
    "Out of hours",
    "Opening hours",
    "Mon–Fri",
    "Specialist kidney care in Bristol",
    "About us",
    "Services",
    "Contact",
    "You are here",
    "›",
    "Tags:",
    "Filed under",
    "Share on Facebook",
    "Tweet",
    "Print this page",
    "Please note",
    "general education",
    "Previous article",
    "Next article",
    "Related articles",
    "Read more",
    "Ask our specialists",
    "Have a question",
    "Fill in the form",
    "nephrology nurses will reply",
    "Full Name",
    "Email",
    "Phone Number",
    "Your question",
    "required",
    "Send question",
    "Submit",
    "14 Mill Lane",
    "Sitemap",
    "RSS",
    "Privacy policy",
    "Accessibility",
    "©",
    "All rights reserved",
    "cookies",
    "Riverside Kidney Clinic",
];

/// Teaser summaries of other articles, which the clinic shows under "Related articles".
const TEASERS: &[&str] = &[
    "How haemodialysis and peritoneal dialysis work",
    "Which foods to limit",
    "What CKD is, how it is found",
    "Why stones form",
];

#[test]
fn clinic_html_article_is_kept_with_its_structure() {
    let folder = Extracted::of(&["clinic_html"]);
    let ckd = folder.page("chronic-kidney-disease.html");
    assert_eq!(ckd.title, "Chronic kidney disease (CKD)");
    assert_eq!(
        ckd.url.as_deref(),
        Some("https://www.riversidekidney.example/conditions/chronic-kidney-disease/")
    );
    for tag in ["CKD", "eGFR", "kidney function", "chronic kidney disease"] {
        assert!(
            ckd.tags.iter().any(|t| t == tag),
            "tag {tag} missing: {:?}",
            ckd.tags
        );
    }
    assert_eq!(
        headings(ckd),
        [
            None,
            Some("What is chronic kidney disease?"),
            Some("Symptoms"),
            Some("Stages of CKD"),
            Some("Treatment")
        ]
    );
    assert_kept(
        ckd,
        &[
            "Chronic kidney disease (CKD) is a long-term condition",
            "most often high blood pressure and diabetes.",
            "Doctors use a blood test called the estimated glomerular filtration rate (eGFR)",
            "At stage 5, also called kidney failure",
        ],
    );
    let symptoms = &ckd.sections[2].paragraphs;
    assert_eq!(
        symptoms[1],
        "• tiredness and lack of energy\n• swollen ankles, feet or hands\n• shortness of breath\n• itchy skin and muscle cramps"
    );
    let stages = &ckd.sections[3].paragraphs;
    assert_eq!(
        stages[1], "Stages 1 and 2",
        "an <h3> is a short paragraph of its own"
    );
    assert_eq!(stages[3], "Stages 3 to 5");
    let treatment = &ckd.sections[4].paragraphs;
    assert_eq!(
        treatment.len(),
        2,
        "<br><br> splits a paragraph: {treatment:?}"
    );
    assert!(treatment[0].ends_with("the single most important thing you can do."));
    assert!(treatment[1].starts_with("Your kidney team may also suggest"));
}

#[test]
fn clinic_html_pages_lose_the_sites_boilerplate() {
    let folder = Extracted::of(&["clinic_html"]);
    for name in [
        "chronic-kidney-disease.html",
        "dialysis.html",
        "kidney-diet.html",
    ] {
        let page = folder.page(name);
        assert_dropped(page, CLINIC_CHROME);
        assert_dropped(page, TEASERS);
        assert!(!page.title.contains("Riverside"), "{}", page.title);
    }
}

#[test]
fn clinic_html_other_pages_are_read_too() {
    let folder = Extracted::of(&["clinic_html"]);
    let dialysis = folder.page("dialysis.html");
    assert_eq!(dialysis.title, "Dialysis explained");
    assert_eq!(
        dialysis.tags,
        [
            "dialysis",
            "haemodialysis",
            "peritoneal dialysis",
            "kidney failure"
        ]
    );
    assert_eq!(
        headings(dialysis),
        [
            None,
            Some("Haemodialysis"),
            Some("Peritoneal dialysis"),
            Some("Choosing a type of dialysis")
        ]
    );
    assert_kept(
        dialysis,
        &["• how often you want to travel to hospital\n• whether you have space"],
    );
    let diet = folder.page("kidney-diet.html");
    assert_eq!(diet.title, "Eating well with kidney disease");
    assert_eq!(
        headings(diet),
        [None, Some("Salt"), Some("Potassium"), Some("Phosphate")]
    );
    assert_kept(
        diet,
        &[
            "Banana (medium) – about 400 mg",
            "Aim for less than 6 grams of salt a day",
        ],
    );
}

#[test]
fn page_with_only_navigation_and_a_form_is_refused() {
    for (dir, name) in [
        ("clinic_html", "ask-a-question.html"),
        ("clinic_text", "ask-a-question.txt"),
    ] {
        let folder = Extracted::of(&[dir]);
        let error = folder.error(name);
        assert!(
            error.message.starts_with("no article text found (only "),
            "{}",
            error.message
        );
        assert!(error.message.contains("navigation"), "{}", error.message);
        assert!(
            error.message.contains("a contact form"),
            "{}",
            error.message
        );
        assert_eq!(error.line, None);
    }
}

#[test]
fn repeated_disclaimer_goes_through_cross_page_repetition() {
    let alone: Vec<_> = folder(&["clinic_html"])
        .into_iter()
        .filter(|f| f.0 == "dialysis.html")
        .collect();
    let results = extract_folder(&alone);
    let page = results[0].as_ref().expect("article");
    assert_kept(
        page,
        &["Please note: the information on this page is general education"],
    );
    let together = Extracted::of(&["clinic_html"]);
    assert_dropped(together.page("dialysis.html"), &["Please note"]);
}

#[test]
fn clinic_text_dumps_give_the_same_articles() {
    let folder = Extracted::of(&["clinic_text"]);
    let ckd = folder.page("chronic-kidney-disease.txt");
    assert_eq!(ckd.title, "Chronic kidney disease (CKD)");
    assert_eq!(
        ckd.url.as_deref(),
        Some("https://www.riversidekidney.example/conditions/chronic-kidney-disease/")
    );
    assert_eq!(ckd.tags, ["CKD", "kidney function", "eGFR"]);
    assert_eq!(
        headings(ckd),
        [
            None,
            Some("What is chronic kidney disease?"),
            Some("Symptoms"),
            Some("Stages of CKD"),
            Some("Stages 1 and 2"),
            Some("Stages 3 to 5"),
            Some("Treatment"),
        ]
    );
    assert_kept(
        ckd,
        &[
            "Chronic kidney disease (CKD) is a long-term condition in which the kidneys do not work as well as they should.",
            "• tiredness and lack of energy\n• swollen ankles, feet or hands",
            "Controlling your blood pressure is the single most important thing you can do.",
        ],
    );
    let dialysis = folder.page("dialysis.txt");
    assert_eq!(dialysis.title, "Dialysis explained");
    assert_eq!(
        dialysis.url.as_deref(),
        Some("https://www.riversidekidney.example/conditions/dialysis/")
    );
    assert_eq!(dialysis.tags, ["dialysis", "kidney failure"]);
    assert_kept(
        dialysis,
        &[
            "• how often you want to travel to hospital",
            "Our dialysis nurses will go through",
        ],
    );
    let diet = folder.page("kidney-diet.txt");
    assert_eq!(diet.title, "Eating well with kidney disease");
    assert_eq!(diet.url, None);
    assert_eq!(diet.tags, ["Diet", "Potassium", "CKD"]);
    assert_eq!(
        headings(diet),
        [None, Some("Salt"), Some("Potassium"), Some("Phosphate")]
    );
    assert_kept(diet, &["Banana (medium) | about 400 mg"]);
}

#[test]
fn clinic_text_dumps_lose_the_sites_boilerplate() {
    let folder = Extracted::of(&["clinic_text"]);
    for name in [
        "chronic-kidney-disease.txt",
        "dialysis.txt",
        "kidney-diet.txt",
    ] {
        let page = folder.page(name);
        assert_dropped(page, CLINIC_CHROME);
        assert_dropped(page, TEASERS);
        assert_dropped(page, &["Home", "Conditions"]);
    }
}

#[test]
fn a_page_saved_both_as_html_and_text_is_not_its_own_boilerplate() {
    let folder = Extracted::of(&["clinic_html", "clinic_text"]);
    for name in ["chronic-kidney-disease.html", "chronic-kidney-disease.txt"] {
        let page = folder.page(name);
        assert_kept(
            page,
            &[
                "Your kidneys filter waste products",
                "There is no cure for CKD",
            ],
        );
        assert_dropped(page, CLINIC_CHROME);
    }
}

#[test]
fn news_article_loses_byline_cookie_banner_and_sidebar() {
    let folder = Extracted::of(&["news"]);
    let page = folder.page("kidney-transplant-waiting-times.html");
    assert_eq!(
        page.title,
        "Kidney transplant waiting times fall as more people sign up as donors"
    );
    assert_eq!(
        page.url.as_deref(),
        Some("https://www.dailycourier.example/health/2024/03/12/kidney-transplant-waiting-times-fall")
    );
    assert_eq!(page.tags, ["Organ donation", "Kidney transplant", "NHS"]);
    assert_eq!(
        headings(page),
        [
            None,
            Some("Living donors make the difference"),
            Some("What happens after a transplant")
        ]
    );
    assert_kept(
        page,
        &[
            "Average waits for a kidney transplant have fallen for the first time in a decade",
            "has fallen to 18 months, down from 24 months",
            "\"Every living donor shortens the queue for everybody else,\" said Dr Priya Shah",
            "medicines called immunosuppressants",
            "attend regular check-ups at the transplant clinic.",
        ],
    );
    assert_dropped(
        page,
        &[
            "Jane Doe",
            "Health Correspondent",
            "12 March 2024",
            "cookies",
            "Accept all",
            "Manage settings",
            "Most read",
            "Man, 92",
            "Storm warning",
            "Advertisement",
            "newsletter",
            "Comments",
            "Join the discussion",
            "Read more",
            "Photo:",
            "Share on",
            "About us",
            "Terms of use",
            "©",
            "Sport",
        ],
    );
}

#[test]
fn windows_1252_and_other_encodings_are_decoded() {
    let folder = Extracted::of(&["encoding"]);
    let blood = folder.page("blood-tests-1252.html");
    assert_eq!(blood.title, "Understanding your blood test results");
    assert_eq!(
        blood.url.as_deref(),
        Some("https://renal.saint-eloi.example/patients/blood-tests.html")
    );
    assert_kept(
        blood,
        &[
            "your “kidney bloods”",
            "your eGFR – an estimate",
            "café au lait",
            "Don’t stop any medicine",
            "each item costs £9.90",
        ],
    );
    assert_dropped(blood, &["Home", "Patients |", "Hôpital", "©"]);
    let fluid = folder.page("fluid-latin1.txt");
    assert_eq!(fluid.title, "Fluid and your kidneys");
    assert_kept(fluid, &["sans sucre, très efficace"]);
    let binders = folder.page("binders-utf16.txt");
    assert_eq!(binders.title, "Phosphate binders");
    assert_kept(
        binders,
        &[
            "Never take two doses at once.",
            "stomach – there are several types",
        ],
    );
}

#[test]
fn broken_html_is_read_as_a_browser_would() {
    let folder = Extracted::of(&["broken"]);
    let page = folder.page("kidney-stones.html");
    assert_eq!(page.title, "Kidney stones");
    assert_eq!(
        page.tags,
        ["stones", "kidney"],
        "an unquoted attribute ends at a space"
    );
    assert_eq!(
        headings(page),
        [None, Some("Preventing stones"), Some("When to get help")]
    );
    assert_kept(
        page,
        &[
            "as large as a golf ball",
            "Larger stones can block the tube",
            "• drink enough water so that your urine is pale yellow\n• cut down on salt and processed foods such as ready meals\n• talk to your doctor",
            "blood in your urine & you feel sick",
            "Under 5 mm – passes on its own",
        ],
    );
    assert_dropped(
        page,
        &["Home", "About us", "Call us", "Privacy policy", "©"],
    );
}

#[test]
fn page_builder_layout_without_article_element_is_found() {
    let folder = Extracted::of(&["builders"]);
    let page = folder.page("anaemia.html");
    assert_eq!(page.title, "Anaemia in kidney disease");
    assert_eq!(page.url, None);
    assert_eq!(
        headings(page),
        [None, Some("Signs of anaemia"), Some("Treatment")]
    );
    assert_kept(
        page,
        &[
            "a hormone called erythropoietin (EPO)",
            "Some people look pale.",
            "you may be offered EPO injections",
            "every few weeks until it is stable.",
        ],
    );
    assert_dropped(
        page,
        &[
            "Phone",
            "0161",
            "Home",
            "Referrals",
            "Patient information",
            "Chronic kidney disease",
            "Station Road",
            "©",
        ],
    );
}

#[test]
fn wordpress_post_loses_meta_navigation_and_comments() {
    let folder = Extracted::of(&["builders"]);
    let page = folder.page("transplant-assessment.html");
    assert_eq!(page.title, "Getting assessed for a kidney transplant");
    assert_eq!(
        page.url.as_deref(),
        Some("https://northgate-renal.example/2024/03/transplant-assessment/")
    );
    assert_eq!(page.tags, ["Transplant", "waiting list"]);
    assert_eq!(
        headings(page),
        [
            None,
            Some("What the assessment involves"),
            Some("After the assessment")
        ]
    );
    assert_kept(
        page,
        &[
            "the transplant team needs to be sure",
            "• blood tests, including your blood group and tissue type\n• a heart tracing (ECG)",
            "You must keep your phone switched on",
        ],
    );
    assert_dropped(
        page,
        &[
            "Tom Reed",
            "March 3, 2024",
            "Related:",
            "Could a family member",
            "Looking after your fistula",
            "Leave a Reply",
            "Required fields",
            "Powered by WordPress",
            "Skip to the content",
            "Greater Manchester",
            "Tags:",
        ],
    );
}

#[test]
fn markdown_style_text_dump_is_read_as_plain_text() {
    let folder = Extracted::of(&["builders"]);
    let page = folder.page("haemodialysis-at-home.txt");
    assert_eq!(page.title, "Haemodialysis at home");
    assert_eq!(page.tags, ["home dialysis", "haemodialysis"]);
    assert_eq!(
        headings(page),
        [None, Some("Who can do it"), Some("Training")]
    );
    assert_kept(
        page,
        &[
            "many people manage on their own.",
            "See our training guide for what to expect.",
        ],
    );
    assert_dropped(
        page,
        &[
            "[",
            "](",
            "**",
            "Read more",
            "Skip to content",
            "Referrals",
            "©",
        ],
    );
}

#[test]
fn a_second_copy_of_a_page_does_not_erase_both() {
    let mut files = folder(&["clinic_html"]);
    let copy = files
        .iter()
        .find(|f| f.0 == "dialysis.html")
        .cloned()
        .expect("dialysis page");
    files.push(("dialysis-print-version.html".to_string(), copy.1, copy.2));
    let results = extract_folder(&files);
    for (file, result) in files.iter().zip(&results) {
        if file.0.starts_with("dialysis") {
            let page = result.as_ref().expect("article");
            assert_kept(
                page,
                &["In haemodialysis your blood is pumped through a machine"],
            );
            assert_dropped(page, CLINIC_CHROME);
        }
    }
}

#[test]
fn faq_accordions_keep_their_questions() {
    let html = r#"<html><head><title>Dialysis FAQ | Riverside Kidney Clinic</title></head><body>
      <nav><a href="/">Home</a> | <a href="/faq/">FAQ</a></nav>
      <main><h1>Dialysis: frequently asked questions</h1>
      <div class="accordion">
        <h2><button class="accordion-toggle" aria-expanded="false">Can I travel while on dialysis?</button></h2>
        <div class="panel"><p>Yes. Most units can arrange holiday dialysis in another unit in the UK or abroad, but you need to book it several months ahead.</p></div>
        <h2><button class="accordion-toggle">Will dialysis hurt?</button></h2>
        <div class="panel"><p>Putting the needles in can be uncomfortable at first.<br>Numbing cream helps, and most people find it much easier after a few weeks.</p></div>
      </div>
      <details><summary>Can I still work?</summary><p>Many people keep working, especially with home dialysis or evening sessions.</p></details>
      <button class="load-more">Load more</button>
      </main></body></html>"#;
    let results = extract_folder(&[(
        "faq.html".to_string(),
        PageKind::Html,
        html.as_bytes().to_vec(),
    )]);
    let page = results[0].as_ref().expect("article");
    assert_eq!(page.title, "Dialysis: frequently asked questions");
    assert_eq!(
        headings(page),
        [
            Some("Can I travel while on dialysis?"),
            Some("Will dialysis hurt?")
        ]
    );
    assert_kept(
        page,
        &[
            "Putting the needles in can be uncomfortable at first. Numbing cream helps",
            "Can I still work?",
            "Many people keep working",
        ],
    );
    assert_dropped(page, &["Home", "Load more"]);
}

/// What a clinic site shows on every page and an answer must never contain.
const SITE_FURNITURE: &[&str] = &[
    "Call us",
    "Out of hours",
    "Full Name",
    "Email",
    "Phone Number",
    "Read more",
    "Sitemap",
    "Previous article",
    "Next article",
    "Share on",
    "Tags:",
    "Home |",
    "Your own kidney team knows your medical history",
];

/// `faqbot index` over a folder of saved pages, then `ask` on it: answers come from the
/// article bodies, never from menus, forms or repeated disclaimers.
fn answers_from_saved_site(fixture: &str) {
    let env = crate::env::TestEnv::empty();
    env.corpus_from_fixture(fixture);
    env.corpus_file("corpus.toml", "base_url = \"https://clinic.example/\"\n");
    let run = env.run(&["index"]).success();
    assert!(
        run.stdout.starts_with("indexed 3 articles"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("skipped faq_corpus/ask-a-question.")
            && run.stderr.contains("no article text found"),
        "the form-only page is named with the reason: {}",
        run.stderr
    );
    let questions = [
        ("what is haemodialysis", "dialysis"),
        ("how much salt can I eat on a kidney diet", "kidney-diet"),
        (
            "what are the stages of chronic kidney disease",
            "chronic-kidney-disease",
        ),
        ("can i do peritoneal dialysis at home", "dialysis"),
        ("which foods are high in potassium", "kidney-diet"),
    ];
    let input: String = questions.iter().map(|(q, _)| format!("{q}\n")).collect();
    let run = env
        .run_with_stdin(&["ask", "--json", "--threshold", "0", "-"], &input)
        .success();
    for (answer, (question, id)) in run.json_lines().iter().zip(questions) {
        assert_eq!(answer["article"]["id"], id, "{question}: {answer}");
        let passage = answer["passage"].as_str().unwrap_or_default();
        assert!(
            passage.split_whitespace().count() >= 12,
            "{question}: {passage}"
        );
        for furniture in SITE_FURNITURE {
            assert!(
                !passage.contains(furniture),
                "{question}: {furniture:?} in {passage}"
            );
        }
    }
}

#[test]
fn a_saved_clinic_site_in_html_answers_from_article_text_only() {
    answers_from_saved_site("pages/clinic_html");
}

#[test]
fn a_saved_clinic_site_as_text_dumps_answers_from_article_text_only() {
    answers_from_saved_site("pages/clinic_text");
}
