//! Honest waiting times, end to end: what a patient is told about when the answer comes, on
//! the clinic's clock, and how waiting questions are brought back to the experts. The
//! tests choose working hours and days around the moment they run, so "at night" and "on a
//! day off" hold whenever they run.

use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use crate::bot::{BotEnv, Settings, GROUP, PATIENT, WAIT};

/// Day names as the setting takes them, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Waits past the next full hour when it is less than two minutes away, so the hour (and
/// the day) a test computes its settings from is still the hour when the bot answers.
async fn away_from_the_hour() {
    let now = Timestamp::now().to_zoned(TimeZone::UTC);
    let left = 60 - i64::from(now.minute());
    if left <= 2 {
        tokio::time::sleep(Duration::from_secs(left as u64 * 60 + 5)).await;
    }
}

/// Working hours that exclude the present: one hour, every day, starting two hours after
/// the current UTC hour (today or tomorrow).
struct ClosedNow {
    /// The `FAQBOT_WORKING_HOURS` value.
    hours: &'static str,
    /// The hours as the patient reads them: "13:00 to 14:00".
    span: String,
    /// The opening as the patient reads it: "13:00 today", "1:00 tomorrow".
    opening: String,
    /// Half an hour after the opening, the same way.
    half_past: String,
}

impl ClosedNow {
    fn new() -> ClosedNow {
        let hour = Timestamp::now().to_zoned(TimeZone::UTC).hour();
        let start = (hour + 2) % 24;
        let day = if start < hour { "tomorrow" } else { "today" };
        ClosedNow {
            hours: String::leak(format!("{start:02}:00-{:02}:00", start + 1)),
            span: format!("{start}:00 to {}:00", start + 1),
            opening: format!("{start}:00 {day}"),
            half_past: format!("{start}:30 {day}"),
        }
    }
}

#[tokio::test]
async fn a_question_at_night_names_the_next_opening_and_is_not_reminded_before_it() {
    away_from_the_hour().await;
    let closed = ClosedNow::new();
    let bot = BotEnv::start_with(Settings {
        working_days: "mon-sun",
        working_hours: closed.hours,
        answer_hours: 0.5,
        // 3.6 seconds of working time: due at once, were the team at work.
        reminder_hours: 0.001,
        ..Settings::default()
    })
    .await;
    bot.open_ticket("Where can I park my car at the hospital?")
        .await;
    let told = bot.sent(PATIENT).last().expect("told").plain_text.clone();
    assert!(
        told.contains(&format!(
            "The kidney team works every day, {} (UTC). They are not working now: they will \
             see your question from {}; expect their answer here by about {}.",
            closed.span, closed.opening, closed.half_past
        )),
        "{told}"
    );
    assert!(told.ends_with("If anything gets worse, contact your clinic or emergency services."));

    // The reminder period has long passed on the wall clock, but not in working time.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let group = bot.sent(GROUP);
    assert_eq!(group.len(), 1, "only the ticket: {group:#?}");
}

#[tokio::test]
async fn a_question_on_a_day_off_names_tomorrow() {
    away_from_the_hour().await;
    // Today, in Tokyo, is the team's one day off.
    let zone = "Asia/Tokyo";
    let today: Zoned = Timestamp::now().to_zoned(TimeZone::get(zone).unwrap());
    let off = today.weekday().to_monday_zero_offset() as usize;
    let working: Vec<&str> = (0..7).filter(|&d| d != off).map(|d| DAYS[d]).collect();
    let bot = BotEnv::start_with(Settings {
        time_zone: zone,
        working_days: String::leak(working.join(",")),
        working_hours: "09:00-17:00",
        answer_hours: 8.0,
        ..Settings::default()
    })
    .await;
    bot.open_ticket("Can I bring a goldfish to the waiting room?")
        .await;
    let told = bot.sent(PATIENT).last().expect("told").plain_text.clone();
    assert!(
        told.contains(
            "They are not working now: they will see your question from 9:00 tomorrow; \
             expect their answer here by about 17:00 tomorrow."
        ),
        "{told}"
    );
    assert!(told.contains("9:00 to 17:00 (Asia/Tokyo)"), "{told}");
}

#[tokio::test]
async fn a_question_in_working_hours_gets_the_time_of_its_answer() {
    let bot = BotEnv::start_with(Settings {
        answer_hours: 2.0,
        ..Settings::default()
    })
    .await;
    // Around the clock, two working hours are two hours.
    let in_two_hours = || {
        let by = Timestamp::now().to_zoned(TimeZone::UTC) + jiff::SignedDuration::from_hours(2);
        format!("by about {} ", by.strftime("%-H:%M"))
    };
    let before = in_two_hours();
    bot.open_ticket("Is the hospital shop open on Sundays?")
        .await;
    let after = in_two_hours();
    let told = bot.sent(PATIENT).last().expect("told").plain_text.clone();
    assert!(
        told.contains("You'll get their answer here, by about "),
        "{told}"
    );
    assert!(
        told.contains(&before) || told.contains(&after),
        "expected {before}: {told}"
    );
    assert!(!told.contains("24 hours"), "{told}");
}

#[tokio::test]
async fn an_unanswered_urgent_ticket_is_raised_again_at_any_hour_until_an_expert_answers() {
    away_from_the_hour().await;
    let closed = ClosedNow::new();
    let bot = BotEnv::start_with(Settings {
        working_hours: closed.hours,
        // Every 3 seconds.
        urgent_minutes: 0.05,
        ..Settings::default()
    })
    .await;
    bot.patient_says("my husband collapsed and is not breathing")
        .await;
    let alerted = bot.nth(PATIENT, 2).await;
    assert!(
        alerted.plain_text.contains(&format!(
            "They are not working now and start again at {}.",
            closed.opening
        )),
        "{}",
        alerted.plain_text
    );
    let ticket = bot.nth(GROUP, 1).await;
    assert!(
        ticket.plain_text.contains("EMERGENCY"),
        "{}",
        ticket.plain_text
    );

    for count in [2, 3] {
        let raised = bot.nth(GROUP, count).await;
        assert!(
            raised
                .plain_text
                .starts_with("🔔 🚨 EMERGENCY Question #1 from Anna is still unanswered after"),
            "{}",
            raised.plain_text
        );
        assert_eq!(raised.reply_to, Some(ticket.message_id), "under the ticket");
    }

    bot.expert_replies(&ticket, "Call an ambulance now; we are phoning you.")
        .await;
    let answer = bot.nth(PATIENT, 3).await;
    assert!(answer.plain_text.contains("Answer from the kidney team"));
    let delivered = tokio::time::timeout(WAIT, async {
        loop {
            let group = bot.sent(GROUP);
            if let Some(i) = group
                .iter()
                .position(|m| m.plain_text.contains("Delivered"))
            {
                return i;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the group is told the answer was delivered");
    tokio::time::sleep(Duration::from_secs(8)).await;
    let after: Vec<String> = bot.sent(GROUP)[delivered + 1..]
        .iter()
        .map(|m| m.plain_text.clone())
        .collect();
    assert!(
        after.is_empty(),
        "raised again after the answer: {after:#?}"
    );
}
