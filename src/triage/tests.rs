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
