//! Whatever a folder holds, extraction answers quickly with an article or a reason, never a panic.

use std::path::Path;
use std::time::{Duration, Instant};

use faqbot::corpus::pages::{extract_folder, Page, PageError, PageKind};

fn one(name: &str, kind: PageKind, bytes: Vec<u8>) -> Result<Page, PageError> {
    let mut results = extract_folder(&[(name.to_string(), kind, bytes)]);
    assert_eq!(results.len(), 1);
    results.remove(0)
}

fn message(result: Result<Page, PageError>) -> String {
    match result {
        Ok(page) => panic!("expected an error, got {page:?}"),
        Err(e) => e.message,
    }
}

/// A deterministic stream of pseudo-random bytes.
fn junk(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}

fn article_text() -> String {
    "Dialysis removes waste products and extra fluid from the blood when the kidneys can no longer do it. \
     Most people have haemodialysis three times a week, and some choose peritoneal dialysis at home instead. \
     Your kidney team will help you decide which type suits your life."
        .to_string()
}

#[test]
fn empty_and_blank_files_are_refused() {
    assert_eq!(
        message(one("a.html", PageKind::Html, Vec::new())),
        "empty file (0 bytes)"
    );
    assert_eq!(
        message(one("a.txt", PageKind::Text, b" \r\n\t\n".to_vec())),
        "empty file (only whitespace)"
    );
}

#[test]
fn binary_junk_is_refused() {
    for (seed, kind) in [(1, PageKind::Html), (2, PageKind::Text)] {
        let text = message(one("photo.html", kind, junk(20_000, seed)));
        assert!(text.contains("binary"), "{text}");
    }
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(junk(5_000, 3));
    assert!(message(one("image.htm", PageKind::Html, png)).contains("binary"));
}

#[test]
fn huge_files_are_refused_without_parsing() {
    let mut page = b"<html><body><p>".to_vec();
    page.resize(12 * 1024 * 1024, b'a');
    let start = Instant::now();
    let text = message(one("huge.html", PageKind::Html, page));
    assert_eq!(text, "file too large (12 MB; limit 5 MB)");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let just_over = vec![b'x'; 5 * 1024 * 1024 + 1];
    assert!(message(one("big.txt", PageKind::Text, just_over)).starts_with("file too large (5 MB"));
}

#[test]
fn navigation_and_form_only_is_named_as_such() {
    let page = r#"<html><body><nav><a href="/">Home</a> <a href="/about">About us</a></nav>
        <form action="/ask"><label>Full Name</label><input name="name"><label>Email</label>
        <input type="email" name="email"><button>Send</button></form></body></html>"#;
    let text = message(one("ask.html", PageKind::Html, page.as_bytes().to_vec()));
    assert_eq!(
        text,
        "no article text found (only navigation and a contact form)"
    );
}

#[test]
fn short_pages_say_how_much_text_they_had() {
    let text = message(one(
        "stub.html",
        PageKind::Html,
        b"<p>Coming soon.</p>".to_vec(),
    ));
    assert_eq!(
        text,
        "no article text found (only 2 words of text; at least 40 needed)"
    );
}

#[test]
fn deep_nesting_and_unclosed_tags_stay_fast() {
    let cases = [
        format!("{}<p>{}", "<div>".repeat(200_000), article_text()),
        format!("{}{}", "<b><i><font>".repeat(50_000), article_text()),
        format!(
            "<table>{}{}",
            "<tr><td><table>".repeat(20_000),
            article_text()
        ),
        format!("{}{}", "<ul><li>".repeat(50_000), article_text()),
    ];
    for case in cases {
        let start = Instant::now();
        let result = one("deep.html", PageKind::Html, case.into_bytes());
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
        if let Ok(page) = result {
            let text: String = page
                .sections
                .iter()
                .flat_map(|s| s.paragraphs.iter().cloned())
                .collect();
            assert!(text.contains("Dialysis removes waste products"), "{text}");
        }
    }
}

#[test]
fn utf16_html_with_a_bom_is_read() {
    let page = format!(
        "<html><head><title>Dialysis</title></head><body><h1>Dialysis</h1><p>{}</p></body></html>",
        article_text()
    );
    let mut bytes = vec![0xfe, 0xff];
    bytes.extend(page.encode_utf16().flat_map(u16::to_be_bytes));
    let page = one("dialysis.html", PageKind::Html, bytes).expect("article");
    assert_eq!(page.title, "Dialysis");
    assert!(page.sections[0].paragraphs[0].starts_with("Dialysis removes waste"));
}

#[test]
fn truncated_and_mangled_fixtures_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let mut files = Vec::new();
    for sub in ["clinic_html", "clinic_text", "news", "encoding", "broken"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("fixtures") {
            let path = entry.expect("entry").path();
            let kind = if path.extension().is_some_and(|e| e == "txt") {
                PageKind::Text
            } else {
                PageKind::Html
            };
            files.push((kind, std::fs::read(&path).expect("read")));
        }
    }
    let mut pages = Vec::new();
    for (i, (kind, bytes)) in files.iter().enumerate() {
        for cut in (1..bytes.len()).step_by(bytes.len() / 7 + 1) {
            pages.push((format!("cut{i}-{cut}.page"), *kind, bytes[..cut].to_vec()));
            let mut mangled = bytes.clone();
            for (j, b) in junk(mangled.len() / 50 + 1, cut as u64)
                .into_iter()
                .enumerate()
            {
                let at = (j * 50 + cut) % mangled.len();
                mangled[at] = b;
            }
            pages.push((format!("mangled{i}-{cut}.page"), *kind, mangled));
        }
    }
    let results = extract_folder(&pages);
    assert_eq!(results.len(), pages.len());
}

#[test]
fn results_keep_the_input_order() {
    let good = format!("<h1>Dialysis</h1><p>{}</p>", article_text());
    let pages = vec![
        ("a.html".to_string(), PageKind::Html, Vec::new()),
        (
            "b.html".to_string(),
            PageKind::Html,
            good.clone().into_bytes(),
        ),
        (
            "c.txt".to_string(),
            PageKind::Text,
            format!("Dialysis\n\n{}\n", article_text()).into_bytes(),
        ),
        ("d.html".to_string(), PageKind::Html, junk(1000, 9)),
    ];
    let results = extract_folder(&pages);
    let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [false, true, true, false]);
    assert_eq!(
        results[2].as_ref().map(|p| p.title.as_str()),
        Ok("Dialysis")
    );
}
