//! Flood control: how many messages one patient may send in a minute. Pure, in memory.
//!
//! Messages are counted by when the patient sent them (Telegram's date), not when faqbot
//! gets to them: answers to one chat go out at Telegram's pace, and a burst judged at
//! handling time would be let through in pieces as the window slid on. A backlog of
//! messages written slowly while the bot was down is not a flood.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

const WINDOW: Duration = Duration::from_secs(60);

/// What to do with a patient's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Handle it.
    Yes,
    /// Over the limit: tell the patient that the rest of the burst goes unread (once per
    /// burst).
    SlowDown,
    /// Over the limit and already told: drop it silently.
    Drop,
}

/// A sliding one-minute window per patient.
#[derive(Debug)]
pub struct FloodGate {
    per_minute: usize,
    seen: HashMap<i64, (Vec<SystemTime>, bool)>,
}

impl FloodGate {
    pub fn new(per_minute: u32) -> FloodGate {
        FloodGate {
            per_minute: per_minute as usize,
            seen: HashMap::new(),
        }
    }

    /// The limit, for telling the patient.
    pub fn per_minute(&self) -> u32 {
        self.per_minute as u32
    }

    /// Judges a message the patient sent at `sent` (a button press or edit: when it came).
    pub fn admit(&mut self, chat_id: i64, sent: SystemTime) -> Admit {
        // Within the window either side: clocks differ, and presses are timed on arrival.
        let near = |t: &SystemTime| {
            let apart = sent
                .duration_since(*t)
                .or_else(|e| Ok::<_, ()>(e.duration()))
                .unwrap_or_default();
            apart < WINDOW
        };
        if self.seen.len() > 10_000 {
            self.seen.retain(|_, (times, _)| times.iter().any(near));
        }
        let (times, warned) = self.seen.entry(chat_id).or_default();
        times.retain(near);
        if times.len() < self.per_minute {
            times.push(sent);
            *warned = false;
            return Admit::Yes;
        }
        if *warned {
            Admit::Drop
        } else {
            *warned = true;
            Admit::SlowDown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + seconds)
    }

    #[test]
    fn thirty_messages_in_a_minute_get_one_slow_down() {
        let mut gate = FloodGate::new(20);
        let verdicts: Vec<Admit> = (0..30).map(|i| gate.admit(1, at(i))).collect();
        assert!(verdicts[..20].iter().all(|v| *v == Admit::Yes));
        assert_eq!(verdicts[20], Admit::SlowDown);
        assert!(verdicts[21..].iter().all(|v| *v == Admit::Drop));
        assert_eq!(
            gate.admit(2, at(0)),
            Admit::Yes,
            "other patients are not affected"
        );
        assert_eq!(gate.admit(1, at(61)), Admit::Yes);
    }

    #[test]
    fn a_burst_is_judged_by_when_it_was_sent_however_slowly_it_is_handled() {
        let mut gate = FloodGate::new(3);
        // Five messages sent in the same second: whenever they are handled, the last two
        // are over the limit.
        let verdicts: Vec<Admit> = (0..5).map(|_| gate.admit(1, at(0))).collect();
        assert_eq!(
            verdicts,
            [
                Admit::Yes,
                Admit::Yes,
                Admit::Yes,
                Admit::SlowDown,
                Admit::Drop
            ]
        );
    }

    #[test]
    fn messages_written_slowly_are_never_a_flood_even_in_a_backlog() {
        let mut gate = FloodGate::new(3);
        for minute in 0..10 {
            assert_eq!(gate.admit(1, at(minute * 61)), Admit::Yes);
        }
    }

    #[test]
    fn a_press_timed_slightly_before_the_last_message_still_counts() {
        let mut gate = FloodGate::new(2);
        assert_eq!(gate.admit(1, at(10)), Admit::Yes);
        assert_eq!(gate.admit(1, at(9)), Admit::Yes);
        assert_eq!(gate.admit(1, at(10)), Admit::SlowDown);
    }
}
