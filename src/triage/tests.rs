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

/// `TRIAGE_PROBE=file cargo test --lib probe -- --ignored --nocapture`: prints the
/// assessment of each line of the file.
#[test]
#[ignore]
fn probe() {
    let text = std::fs::read_to_string(SHIPPED).expect("faq_corpus/triage.toml");
    let config = parse::parse_checked(&text, Path::new(SHIPPED), false).expect("valid");
    let triage = Triage::new(&config);
    let file = std::env::var("TRIAGE_PROBE").expect("TRIAGE_PROBE");
    for line in std::fs::read_to_string(file).expect("probe file").lines() {
        println!("{line}\n  => {:?}", triage.assess(line));
    }
}
