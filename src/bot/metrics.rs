//! What the running bot counts, for Prometheus: questions by decision, answer latency,
//! tickets open, time to the first expert reply, and Telegram calls that failed or were
//! retried. Process-wide, like the process it describes. No label ever holds a person's
//! data: decisions and Telegram method names only.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::answer::Decision;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabel {
    decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabel {
    call: &'static str,
}

/// The bot's metrics and the registry that exposes them.
pub struct Metrics {
    registry: Registry,
    questions: Family<DecisionLabel, Counter>,
    answer_seconds: Histogram,
    first_reply_seconds: Histogram,
    tickets_open: Gauge,
    send_failures: Family<CallLabel, Counter>,
    retries: Family<CallLabel, Counter>,
}

/// The one set of metrics of this process.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("faqbot");
        let questions = Family::<DecisionLabel, Counter>::default();
        registry.register(
            "questions",
            "Patients' questions, by what faqbot decided",
            questions.clone(),
        );
        // 1 ms to about 16 s.
        let answer_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "answer_seconds",
            "Time to decide on a question (search and decision, without Telegram)",
            answer_seconds.clone(),
        );
        // 1 minute to about 68 hours.
        let first_reply_seconds = Histogram::new(exponential_buckets(60.0, 2.0, 13));
        registry.register(
            "first_expert_reply_seconds",
            "Time from a ticket's opening to the first expert answer delivered",
            first_reply_seconds.clone(),
        );
        let tickets_open = Gauge::default();
        registry.register(
            "tickets_open",
            "Tickets open in the expert group",
            tickets_open.clone(),
        );
        let send_failures = Family::<CallLabel, Counter>::default();
        registry.register(
            "telegram_failures",
            "Telegram calls that failed for good, by method",
            send_failures.clone(),
        );
        let retries = Family::<CallLabel, Counter>::default();
        registry.register(
            "telegram_retries",
            "Telegram calls tried again, by method",
            retries.clone(),
        );
        Metrics {
            registry,
            questions,
            answer_seconds,
            first_reply_seconds,
            tickets_open,
            send_failures,
            retries,
        }
    }

    pub fn question(&self, decision: Decision, took: Duration) {
        let decision = match decision {
            Decision::Answer => "answer",
            Decision::Clarify => "clarify",
            Decision::Escalate => "escalate",
            Decision::Urgent => "urgent",
            Decision::Smalltalk => "smalltalk",
        };
        self.questions
            .get_or_create(&DecisionLabel { decision })
            .inc();
        self.answer_seconds.observe(took.as_secs_f64());
    }

    pub fn first_expert_reply(&self, after: Duration) {
        self.first_reply_seconds.observe(after.as_secs_f64());
    }

    pub fn telegram_retry(&self, call: &'static str) {
        self.retries.get_or_create(&CallLabel { call }).inc();
    }

    pub fn telegram_failure(&self, call: &'static str) {
        self.send_failures.get_or_create(&CallLabel { call }).inc();
    }

    /// The metrics in the OpenMetrics text format, with `tickets_open` as given.
    pub fn render(&self, tickets_open: i64) -> String {
        self.tickets_open.set(tickets_open);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}
