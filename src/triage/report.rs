//! Recall and false alarms of the triage on a labelled set: pure counting and a plain-text
//! render. An emergency counts as caught only at level emergency; a same-day one at
//! same-day or emergency; a near miss (level "none") is a false alarm at any level.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::{Assessment, Level};

/// The level a labelled item should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expected {
    Emergency,
    SameDay,
    /// A near miss: must not fire.
    None,
}

impl Expected {
    fn level(self) -> Option<Level> {
        match self {
            Expected::Emergency => Some(Level::Emergency),
            Expected::SameDay => Some(Level::SameDay),
            Expected::None => None,
        }
    }
}

/// One labelled message: `{"q": ..., "level": "emergency"|"same-day"|"none", "category": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageItem {
    pub q: String,
    pub level: Expected,
    /// The category it is (or, for a near miss, resembles).
    pub category: String,
}

/// Reads a JSON Lines set; blank lines are skipped. The error names the line.
pub fn parse_items(jsonl: &str) -> Result<Vec<TriageItem>, String> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Caught out of total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub caught: usize,
    pub total: usize,
}

impl Count {
    /// The share caught, 1.0 for an empty count.
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.caught as f64 / self.total as f64
        }
    }

    fn add(&mut self, caught: bool) {
        self.total += 1;
        self.caught += usize::from(caught);
    }
}

/// A labelled item the triage got wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub q: String,
    pub category: String,
    pub expected: Expected,
    /// What fired instead ("-" for nothing), e.g. "same-day: no-urine".
    pub got: String,
}

/// Recall per level and category, and false alarms on near misses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageReport {
    pub emergency: Count,
    pub same_day: Count,
    /// Per category of the urgent items (emergency and same-day).
    pub per_category: BTreeMap<String, Count>,
    /// Near misses that stayed quiet count as caught; `false_alarms()` is the rest.
    pub near_misses: Count,
    pub missed: Vec<Miss>,
    pub false_alarms: Vec<Miss>,
}

impl TriageReport {
    /// The share of near misses flagged at any level.
    pub fn false_alarm_rate(&self) -> f64 {
        1.0 - self.near_misses.rate()
    }

    /// A plain-text summary, one line per level and category, then the misses.
    pub fn render(&self) -> String {
        let pct = |c: &Count| format!("{}/{} ({:.1}%)", c.caught, c.total, 100.0 * c.rate());
        let mut out = String::new();
        let _ = writeln!(out, "emergency recall: {}", pct(&self.emergency));
        let _ = writeln!(out, "same-day recall:  {}", pct(&self.same_day));
        let alarms = self.near_misses.total - self.near_misses.caught;
        let _ = writeln!(
            out,
            "false alarms:     {alarms}/{} ({:.1}%)",
            self.near_misses.total,
            100.0 * self.false_alarm_rate()
        );
        let _ = writeln!(out, "per category:");
        for (category, count) in &self.per_category {
            let _ = writeln!(out, "  {category:<26} {}", pct(count));
        }
        for (title, list) in [
            ("missed", &self.missed),
            ("false alarms", &self.false_alarms),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title}:");
            for miss in list {
                let _ = writeln!(
                    out,
                    "  [{} {}] {:?} -> {}",
                    expected_name(miss.expected),
                    miss.category,
                    miss.q,
                    miss.got
                );
            }
        }
        out
    }
}

fn expected_name(expected: Expected) -> &'static str {
    match expected {
        Expected::Emergency => "emergency",
        Expected::SameDay => "same-day",
        Expected::None => "none",
    }
}

/// Compares each item with its assessment (same order, same length).
pub fn report(items: &[TriageItem], assessments: &[Option<Assessment>]) -> TriageReport {
    let mut report = TriageReport {
        emergency: Count::default(),
        same_day: Count::default(),
        per_category: BTreeMap::new(),
        near_misses: Count::default(),
        missed: Vec::new(),
        false_alarms: Vec::new(),
    };
    for (item, assessment) in items.iter().zip(assessments) {
        let got = assessment.as_ref().map(|a| a.level);
        let caught = match item.level.level() {
            Some(expected) => got.is_some_and(|g| g >= expected),
            None => got.is_none(),
        };
        match item.level {
            Expected::Emergency => report.emergency.add(caught),
            Expected::SameDay => report.same_day.add(caught),
            Expected::None => report.near_misses.add(caught),
        }
        if item.level != Expected::None {
            let count = report
                .per_category
                .entry(item.category.clone())
                .or_default();
            count.add(caught);
        }
        if !caught {
            let miss = Miss {
                q: item.q.clone(),
                category: item.category.clone(),
                expected: item.level,
                got: describe(assessment.as_ref()),
            };
            match item.level {
                Expected::None => report.false_alarms.push(miss),
                _ => report.missed.push(miss),
            }
        }
    }
    report
}

fn describe(assessment: Option<&Assessment>) -> String {
    let Some(assessment) = assessment else {
        return "-".into();
    };
    let categories: Vec<&str> = assessment
        .fired
        .iter()
        .map(|f| f.category.as_str())
        .collect();
    format!("{}: {}", assessment.level, categories.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::Fired;

    fn item(q: &str, level: Expected, category: &str) -> TriageItem {
        TriageItem {
            q: q.into(),
            level,
            category: category.into(),
        }
    }

    fn at(level: Level, category: &str) -> Option<Assessment> {
        Some(Assessment {
            level,
            fired: vec![Fired {
                category: category.into(),
                level,
                why: String::new(),
            }],
        })
    }

    #[test]
    fn emergencies_count_only_at_emergency_and_same_day_at_either() {
        let items = [
            item("a", Expected::Emergency, "chest-pain"),
            item("b", Expected::Emergency, "chest-pain"),
            item("c", Expected::SameDay, "no-urine"),
            item("d", Expected::None, "no-urine"),
            item("e", Expected::None, "chest-pain"),
        ];
        let assessments = [
            at(Level::Emergency, "chest-pain"),
            at(Level::SameDay, "breathing"),
            at(Level::Emergency, "stroke"),
            None,
            at(Level::SameDay, "no-urine"),
        ];
        let r = report(&items, &assessments);
        assert_eq!(
            r.emergency,
            Count {
                caught: 1,
                total: 2
            }
        );
        assert_eq!(
            r.same_day,
            Count {
                caught: 1,
                total: 1
            }
        );
        assert_eq!(
            r.per_category["chest-pain"],
            Count {
                caught: 1,
                total: 2
            }
        );
        assert_eq!(
            r.near_misses,
            Count {
                caught: 1,
                total: 2
            }
        );
        assert_eq!(r.false_alarm_rate(), 0.5);
        assert_eq!(r.missed[0].got, "same-day: breathing");
        let text = r.render();
        assert!(text.contains("emergency recall: 1/2 (50.0%)"), "{text}");
        assert!(text.contains("false alarms:     1/2 (50.0%)"), "{text}");
        assert!(
            text.contains("[none chest-pain] \"e\" -> same-day: no-urine"),
            "{text}"
        );
    }

    #[test]
    fn items_parse_from_json_lines_with_line_numbers_in_errors() {
        let items = parse_items(
            "{\"q\":\"x\",\"level\":\"same-day\",\"category\":\"no-urine\"}\n\n{\"q\":1}",
        );
        assert_eq!(items.unwrap_err().split(':').next(), Some("line 3"));
        let ok = parse_items(r#"{"q":"x","level":"none","category":"c"}"#).unwrap();
        assert_eq!(ok[0].level, Expected::None);
    }
}
