//! Flood control: how many messages one patient may send in a minute. Pure, in memory.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// What to do with a patient's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Handle it.
    Yes,
    /// Over the limit: tell the patient to slow down (once per window).
    SlowDown,
    /// Over the limit and already told: drop it silently.
    Drop,
}

/// A sliding one-minute window per patient.
#[derive(Debug)]
pub struct FloodGate {
    per_minute: usize,
    seen: HashMap<i64, (VecDeque<Instant>, bool)>,
}

impl FloodGate {
    pub fn new(per_minute: u32) -> FloodGate {
        FloodGate {
            per_minute: per_minute as usize,
            seen: HashMap::new(),
        }
    }

    pub fn admit(&mut self, chat_id: i64, now: Instant) -> Admit {
        if self.seen.len() > 10_000 {
            self.seen.retain(|_, (times, _)| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let (times, warned) = self.seen.entry(chat_id).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() < self.per_minute {
            times.push_back(now);
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

    #[test]
    fn thirty_messages_in_a_minute_get_one_slow_down() {
        let mut gate = FloodGate::new(20);
        let start = Instant::now();
        let verdicts: Vec<Admit> = (0..30)
            .map(|i| gate.admit(1, start + Duration::from_secs(i)))
            .collect();
        assert!(verdicts[..20].iter().all(|v| *v == Admit::Yes));
        assert_eq!(verdicts[20], Admit::SlowDown);
        assert!(verdicts[21..].iter().all(|v| *v == Admit::Drop));
        assert_eq!(
            gate.admit(2, start),
            Admit::Yes,
            "other patients are not affected"
        );
        assert_eq!(gate.admit(1, start + Duration::from_secs(61)), Admit::Yes);
    }
}
