//! Waiting questions brought back to the experts: a routine one after the reminder period
//! of working time, only while the team is at work; an urgent one every re-raise interval,
//! at any hour, marked with its level, as a reply to its ticket (or in the patient's topic)
//! so the thread is at hand.
//! [`due`] decides (pure); the round posts what it decides.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use tracing::{error, info, warn};

use super::experts::{reply_target, round};
use super::messages;
use super::send;
use super::topics;
use super::{AppState, Handled, Tg};
use crate::hours::{instant, Schedule};
use crate::store::{now, Ticket};
use crate::triage::Level;

/// When waiting questions are brought up again.
pub struct Rules<'a> {
    pub schedule: &'a Schedule,
    /// Working time a routine question waits before the team is reminded of it.
    pub remind_after: Duration,
    /// Time between re-raises of an urgent question, at any hour.
    pub urgent_every: Duration,
}

/// What to post about a waiting ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudge {
    /// A routine question waited the reminder period of working time.
    Remind,
    /// An urgent question is still unanswered.
    Reraise,
}

/// Whether a ticket of `urgency` that the group last heard of at `since` is due at `now`
/// (unix seconds).
pub fn due(urgency: Option<Level>, since: i64, now: i64, rules: &Rules) -> Option<Nudge> {
    if urgency.is_some() {
        let waited = Duration::from_secs(now.saturating_sub(since).max(0) as u64);
        return (waited >= rules.urgent_every).then_some(Nudge::Reraise);
    }
    let now = instant(now);
    if !rules.schedule.is_open(now) {
        return None;
    }
    let period = SignedDuration::try_from(rules.remind_after).unwrap_or(SignedDuration::MAX);
    let due_at = rules.schedule.add_working(instant(since), period);
    (due_at.timestamp() <= now).then_some(Nudge::Remind)
}

/// Every round: bring up the waiting questions that are due. Also records the configured
/// expert group, which a supergroup migration is keyed by.
pub async fn reminder_loop(bot: Tg, state: Arc<AppState>, configured_group: i64) {
    if let Err(e) = state
        .store
        .set_setting("expert_group_configured", &configured_group.to_string())
    {
        error!("cannot store the configured group: {e}");
    }
    loop {
        tokio::time::sleep(round(&state)).await;
        if !state.turn.is_mine() {
            continue;
        }
        if let Err(e) = remind(&bot, &state).await {
            warn!("reminder round failed: {e}");
        }
    }
}

async fn remind(bot: &Tg, state: &AppState) -> Handled {
    let rules = Rules {
        schedule: &state.schedule,
        remind_after: state.reminder_after,
        urgent_every: state.urgent_every,
    };
    for (ticket, since) in state.store.waiting_tickets()? {
        let now = now();
        let Some(nudge) = due(ticket.urgency, since, now, &rules) else {
            continue;
        };
        // Marked before sending: a send whose answer was lost is not repeated every round,
        // and another instance on the same database that marked it first sends it instead.
        if !state.store.mark_reminded(ticket.id, since, now)? {
            continue;
        }
        if let Err(e) = post(bot, state, &ticket, nudge, now).await {
            warn!(ticket = ticket.id, "cannot post a reminder: {e}");
        }
    }
    Ok(())
}

async fn post(bot: &Tg, state: &AppState, ticket: &Ticket, nudge: Nudge, now: i64) -> Handled {
    let waited = now - ticket.created_at;
    let text = match nudge {
        Nudge::Reraise => messages::reraise(ticket, waited, state.is_forum()),
        Nudge::Remind => {
            let working = state
                .schedule
                .working_time(instant(ticket.created_at), instant(now));
            messages::reminder(ticket, waited, working)
        }
    };
    let text = text.as_str();
    let posted = topics::post(bot, state, ticket, |thread| {
        let reply = reply_target(ticket, thread);
        send::html_in(bot, state.expert_group(), thread, text, None, reply)
    })
    .await?;
    state
        .store
        .link_message(ticket.id, posted.chat.id.0, posted.id.0)?;
    info!(ticket = ticket.id, nudge = ?nudge, "reminder sent");
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::*;
    use crate::hours::{Hours, Weekdays};

    /// Unix seconds of a London local time.
    fn at(local: &str) -> i64 {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        let zoned = dt.to_zoned(TimeZone::get("Europe/London").unwrap());
        zoned.unwrap().timestamp().as_second()
    }

    #[test]
    fn routine_questions_are_reminded_in_working_time_urgent_ones_at_any_hour() {
        let schedule = Schedule::new(
            TimeZone::get("Europe/London").unwrap(),
            Weekdays::WEEKDAYS,
            Hours::NINE_TO_FIVE,
            SignedDuration::from_hours(8),
        );
        let rules = Rules {
            schedule: &schedule,
            remind_after: Duration::from_secs(2 * 3600),
            urgent_every: Duration::from_secs(15 * 60),
        };
        let friday = at("2025-01-17T16:00");
        let due_at = |now: &str| due(None, friday, at(now), &rules);
        // One working hour on Friday, then the weekend: no reminder until Monday 10:00.
        assert_eq!(due_at("2025-01-18T12:00"), None, "Saturday");
        assert_eq!(due_at("2025-01-20T09:59"), None);
        assert_eq!(due_at("2025-01-20T10:00"), Some(Nudge::Remind));
        // Never outside working hours, however long it waited.
        assert_eq!(due_at("2025-01-22T18:00"), None);

        let urgent = Some(Level::Emergency);
        let night = at("2025-01-18T03:00");
        assert_eq!(due(urgent, night, night + 14 * 60, &rules), None);
        assert_eq!(
            due(urgent, night, night + 15 * 60, &rules),
            Some(Nudge::Reraise)
        );
        let same_day = Some(Level::SameDay);
        assert_eq!(
            due(same_day, night, night + 20 * 60, &rules),
            Some(Nudge::Reraise)
        );
    }
}
