//! The stage of kidney care a message or a heading speaks of: before dialysis, on dialysis or
//! after a transplant.

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
