//! The clinic's clock: the kidney team's working days and hours in the clinic's time zone,
//! and the answer time it promises, counted in working hours. Pure: every function is given
//! the instant it reasons about, so tests use fixed instants.

use std::fmt;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};

/// The instant of a unix time in seconds, as the store keeps them.
pub fn instant(unix_seconds: i64) -> Timestamp {
    Timestamp::from_second(unix_seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Day names, Monday first.
const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The days of the week the team works; never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays([bool; 7]);

impl Weekdays {
    /// Monday to Friday.
    pub const WEEKDAYS: Weekdays = Weekdays([true, true, true, true, true, false, false]);

    /// Reads days as people write them: `mon-fri`, `mon,tue,thu`, `Monday-Wednesday, Fri`,
    /// `sat-mon` (a range may wrap past Sunday). Names may be cut to three letters.
    pub fn parse(raw: &str) -> Result<Weekdays, String> {
        let mut days = [false; 7];
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (first, last) = match part.split_once('-') {
                Some((a, b)) => (day_index(a)?, day_index(b)?),
                None => (day_index(part)?, day_index(part)?),
            };
            let mut day = first;
            loop {
                days[day] = true;
                if day == last {
                    break;
                }
                day = (day + 1) % 7;
            }
        }
        if !days.contains(&true) {
            return Err(format!(
                "`{raw}` names no day (e.g. mon-fri or mon,tue,thu)"
            ));
        }
        Ok(Weekdays(days))
    }

    /// Every day but `day`.
    pub fn all_but(day: Weekday) -> Weekdays {
        let mut days = [true; 7];
        days[monday_index(day)] = false;
        Weekdays(days)
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0[monday_index(day)]
    }
}

fn monday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

/// The index (Monday 0) of a day name or its first three or more letters.
fn day_index(raw: &str) -> Result<usize, String> {
    let word = raw.trim().to_lowercase();
    DAY_NAMES
        .iter()
        .position(|name| word.len() >= 3 && name.to_lowercase().starts_with(&word))
        .ok_or_else(|| {
            format!(
                "`{}` is not a day of the week (mon, tue, ... sun)",
                raw.trim()
            )
        })
}

/// "Monday to Friday", "every day", "Saturday to Monday", or "Monday, Tuesday and Thursday".
impl fmt::Display for Weekdays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.iter().filter(|&&d| d).count();
        if count == 7 {
            return f.write_str("every day");
        }
        // A run of three or more days, possibly wrapping past Sunday, reads as a range.
        let first = (0..7).find(|&d| self.0[d] && !self.0[(d + 6) % 7]);
        if let Some(first) = first.filter(|_| count >= 3) {
            let last = (first + count - 1) % 7;
            if (0..count).all(|i| self.0[(first + i) % 7]) {
                return write!(f, "{} to {}", DAY_NAMES[first], DAY_NAMES[last]);
            }
        }
        let names: Vec<&str> = (0..7)
            .filter(|&d| self.0[d])
            .map(|d| DAY_NAMES[d])
            .collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => write!(f, "{} and {last}", rest.join(", ")),
            _ => f.write_str(&names.join("")),
        }
    }
}

/// The working hours of a working day, as minutes after midnight; the close may be 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    open: u16,
    close: u16,
}

impl Hours {
    /// 09:00 to 17:00.
    pub const NINE_TO_FIVE: Hours = Hours {
        open: 9 * 60,
        close: 17 * 60,
    };

    /// Reads `09:00-17:00` (also `9:00 - 17:30`, `9-17`, `00:00-24:00`). The day must end
    /// after it starts: a shift over midnight is not supported.
    pub fn parse(raw: &str) -> Result<Hours, String> {
        let (open, close) = raw
            .split_once('-')
            .ok_or_else(|| format!("`{raw}` is not a span of hours (e.g. 09:00-17:00)"))?;
        let (open, close) = (clock_minutes(open)?, clock_minutes(close)?);
        if open >= close {
            return Err(format!(
                "`{}` ends before it starts (a shift over midnight is not supported)",
                raw.trim()
            ));
        }
        Ok(Hours { open, close })
    }

    /// (hour, minute) of the opening.
    pub fn opens(self) -> (u16, u16) {
        (self.open / 60, self.open % 60)
    }

    /// (hour, minute) of the closing; (24, 0) for midnight at the end of the day.
    pub fn closes(self) -> (u16, u16) {
        (self.close / 60, self.close % 60)
    }
}

/// Minutes after midnight of `HH:MM` or `HH`, up to 24:00.
fn clock_minutes(raw: &str) -> Result<u16, String> {
    let raw = raw.trim();
    let invalid = || format!("`{raw}` is not a time of day (e.g. 09:00)");
    let (hour, minute) = raw.split_once(':').unwrap_or((raw, "0"));
    let hour: u16 = hour.trim().parse().map_err(|_| invalid())?;
    let minute: u16 = minute.trim().parse().map_err(|_| invalid())?;
    if minute >= 60 || hour > 24 || (hour == 24 && minute > 0) {
        return Err(invalid());
    }
    Ok(hour * 60 + minute)
}

/// "9:00 to 17:00".
impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (oh, om) = self.opens();
        let (ch, cm) = self.closes();
        write!(f, "{oh}:{om:02} to {ch}:{cm:02}")
    }
}

/// When the team works, and how much of its working time an answer may take.
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: TimeZone,
    days: Weekdays,
    hours: Hours,
    promise: SignedDuration,
}

/// What a patient who asks at `asked` may expect, all in the clinic's time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub asked: Zoned,
    /// Whether the team is at work when the question is asked.
    pub open_now: bool,
    /// When the team is next at work: `asked` itself when open now.
    pub seen_from: Zoned,
    /// The promised answer time, counted in working time from `asked`.
    pub answer_by: Zoned,
}

impl Schedule {
    pub fn new(tz: TimeZone, days: Weekdays, hours: Hours, promise: SignedDuration) -> Schedule {
        Schedule {
            tz,
            days,
            hours,
            promise,
        }
    }

    /// The IANA name of the time zone ("Europe/London"), or "UTC".
    pub fn zone_name(&self) -> &str {
        self.tz.iana_name().unwrap_or("UTC")
    }

    pub fn days(&self) -> Weekdays {
        self.days
    }

    pub fn hours(&self) -> Hours {
        self.hours
    }

    /// The promised answer time, in working time.
    pub fn promise(&self) -> SignedDuration {
        self.promise
    }

    /// `t` on the clinic's clock.
    pub fn local(&self, t: Timestamp) -> Zoned {
        t.to_zoned(self.tz.clone())
    }

    /// Whether the team is at work at `t`.
    pub fn is_open(&self, t: Timestamp) -> bool {
        self.windows_from(t)
            .next()
            .is_some_and(|(start, _)| start == t)
    }

    /// The first instant at or after `t` within working hours: `t` itself when open.
    pub fn next_opening(&self, t: Timestamp) -> Zoned {
        let start = self.windows_from(t).next().map_or(Timestamp::MAX, |w| w.0);
        self.local(start)
    }

    /// The working time between `from` and `to` (zero if `to` is not after `from`).
    pub fn working_time(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        self.windows_from(from)
            .take_while(|&(start, _)| start < to)
            .map(|(start, end)| end.min(to).duration_since(start))
            .sum()
    }

    /// The instant when `work` of working time has passed after `from`.
    pub fn add_working(&self, from: Timestamp, work: SignedDuration) -> Zoned {
        let mut left = work;
        for (start, end) in self.windows_from(from) {
            let length = end.duration_since(start);
            if left <= length {
                return self.local(start.checked_add(left).unwrap_or(end));
            }
            left -= length;
        }
        self.local(Timestamp::MAX)
    }

    /// What to tell a patient who asks at `asked`: whether the team is at work, when it
    /// will see the question, and the promised answer time.
    pub fn expect(&self, asked: Timestamp) -> Expectation {
        let seen_from = self.next_opening(asked);
        Expectation {
            asked: self.local(asked),
            open_now: seen_from.timestamp() == asked,
            seen_from,
            answer_by: self.add_working(asked, self.promise),
        }
    }

    /// The working hours of `date`, when it is a working day (in real time: a change to or
    /// from summer time inside them makes them an hour shorter or longer).
    fn window(&self, date: Date) -> Option<(Timestamp, Timestamp)> {
        if !self.days.contains(date.weekday()) {
            return None;
        }
        let at = |minutes: u16| -> Option<Timestamp> {
            let (day, minutes) = match minutes {
                1440 => (date.tomorrow().ok()?, 0),
                m => (date, m),
            };
            let time = day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
            self.tz.to_zoned(time).ok().map(|z| z.timestamp())
        };
        let (start, end) = (at(self.hours.open)?, at(self.hours.close)?);
        (start < end).then_some((start, end))
    }

    /// The working periods that end after `t`, in order, the first cut to start at `t`.
    fn windows_from(&self, t: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let first = self.local(t).date();
        std::iter::successors(Some(first), |d| d.tomorrow().ok())
            .filter_map(|date| self.window(date))
            .filter(move |&(_, end)| end > t)
            .map(move |(start, end)| (start.max(t), end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london(days: &str, hours: &str, promise_hours: i64) -> Schedule {
        Schedule::new(
            TimeZone::get("Europe/London").unwrap(),
            Weekdays::parse(days).unwrap(),
            Hours::parse(hours).unwrap(),
            SignedDuration::from_hours(promise_hours),
        )
    }

    /// An instant given as local time in London.
    fn at(local: &str) -> Timestamp {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        dt.to_zoned(TimeZone::get("Europe/London").unwrap())
            .unwrap()
            .timestamp()
    }

    fn local(z: &Zoned) -> String {
        z.strftime("%a %Y-%m-%d %H:%M %Z").to_string()
    }

    #[test]
    fn days_and_hours_are_read_as_people_write_them() {
        assert_eq!(Weekdays::parse("mon-fri").unwrap(), Weekdays::WEEKDAYS);
        assert_eq!(
            Weekdays::parse(" Monday - Friday ").unwrap(),
            Weekdays::WEEKDAYS
        );
        let some = Weekdays::parse("mon,tue,thu").unwrap();
        assert_eq!(some.to_string(), "Monday, Tuesday and Thursday");
        assert_eq!(
            Weekdays::parse("sat-mon").unwrap().to_string(),
            "Saturday to Monday"
        );
        assert_eq!(Weekdays::parse("mon-sun").unwrap().to_string(), "every day");
        assert_eq!(Weekdays::parse("wed").unwrap().to_string(), "Wednesday");
        assert_eq!(Weekdays::WEEKDAYS.to_string(), "Monday to Friday");
        assert_eq!(
            Weekdays::all_but(Weekday::Wednesday).to_string(),
            "Thursday to Tuesday"
        );
        assert!(Weekdays::parse("mo-fr").unwrap_err().contains("`mo`"));
        assert!(Weekdays::parse("funday").is_err());
        assert!(Weekdays::parse(" , ").is_err());

        assert_eq!(Hours::parse("09:00-17:00").unwrap(), Hours::NINE_TO_FIVE);
        assert_eq!(Hours::parse("9 - 17").unwrap(), Hours::NINE_TO_FIVE);
        assert_eq!(
            Hours::parse("8:30-24:00").unwrap().to_string(),
            "8:30 to 24:00"
        );
        assert!(Hours::parse("17:00-09:00")
            .unwrap_err()
            .contains("ends before"));
        assert!(Hours::parse("9:00-25:00").is_err());
        assert!(Hours::parse("9:60-17:00").is_err());
        assert!(Hours::parse("nine to five").is_err());
    }

    #[test]
    fn a_question_on_a_weekday_morning_is_answered_the_next_working_morning() {
        // Wednesday 10:30: the promise of one working day ends Thursday 10:30.
        let clinic = london("mon-fri", "09:00-17:00", 8);
        let e = clinic.expect(at("2025-01-15T10:30"));
        assert!(e.open_now);
        assert_eq!(e.seen_from.timestamp(), at("2025-01-15T10:30"));
        assert_eq!(local(&e.answer_by), "Thu 2025-01-16 10:30 GMT");
        // Within the day when the promise is shorter.
        let soon = london("mon-fri", "09:00-17:00", 4).expect(at("2025-01-15T10:30"));
        assert_eq!(local(&soon.answer_by), "Wed 2025-01-15 14:30 GMT");
    }

    #[test]
    fn a_question_at_night_waits_for_the_morning() {
        let clinic = london("mon-fri", "09:00-17:00", 8);
        let e = clinic.expect(at("2025-01-14T23:10"));
        assert!(!e.open_now);
        assert_eq!(local(&e.seen_from), "Wed 2025-01-15 09:00 GMT");
        assert_eq!(local(&e.answer_by), "Wed 2025-01-15 17:00 GMT");
        // After midnight too, and at the closing minute itself.
        let early = clinic.expect(at("2025-01-15T03:00"));
        assert_eq!(local(&early.answer_by), "Wed 2025-01-15 17:00 GMT");
        assert!(!clinic.is_open(at("2025-01-15T17:00")));
        assert!(clinic.is_open(at("2025-01-15T09:00")));
        assert!(!clinic.is_open(at("2025-01-15T08:59")));
    }

    #[test]
    fn a_question_on_friday_evening_is_answered_on_monday() {
        let clinic = london("mon-fri", "09:00-17:00", 8);
        let e = clinic.expect(at("2025-01-17T18:45"));
        assert!(!e.open_now);
        assert_eq!(local(&e.seen_from), "Mon 2025-01-20 09:00 GMT");
        assert_eq!(local(&e.answer_by), "Mon 2025-01-20 17:00 GMT");
        // Friday afternoon: the working hours left on Friday count.
        let e = clinic.expect(at("2025-01-17T15:00"));
        assert_eq!(local(&e.answer_by), "Mon 2025-01-20 15:00 GMT");
        // Days off in the middle of the week are skipped too.
        let part_time = london("mon,tue,thu", "09:00-17:00", 8);
        let e = part_time.expect(at("2025-01-14T12:00"));
        assert_eq!(local(&e.answer_by), "Thu 2025-01-16 12:00 GMT");
    }

    #[test]
    fn working_time_is_counted_across_a_change_to_summer_time() {
        // Clocks go forward on Sunday 30 March 2025 in London, 01:00 GMT → 02:00 BST.
        let clinic = london("mon-fri", "09:00-17:00", 8);
        let e = clinic.expect(at("2025-03-28T16:00"));
        assert_eq!(local(&e.answer_by), "Mon 2025-03-31 16:00 BST");
        assert_eq!(e.answer_by.timestamp().to_string(), "2025-03-31T15:00:00Z");
        // Around the clock, the short Sunday has 23 working hours.
        let always = london("mon-sun", "00:00-24:00", 24);
        let e = always.expect(at("2025-03-29T12:00"));
        assert_eq!(local(&e.answer_by), "Sun 2025-03-30 13:00 BST");
        let sunday = always.working_time(at("2025-03-30T00:00"), at("2025-03-31T00:00"));
        assert_eq!(sunday, SignedDuration::from_hours(23));
        // And back: Sunday 26 October 2025 has 25 hours.
        let sunday = always.working_time(at("2025-10-26T00:00"), at("2025-10-27T00:00"));
        assert_eq!(sunday, SignedDuration::from_hours(25));
    }

    #[test]
    fn working_time_between_two_instants_skips_nights_and_weekends() {
        let clinic = london("mon-fri", "09:00-17:00", 8);
        let friday_four = at("2025-01-17T16:00");
        let monday_ten = at("2025-01-20T10:00");
        assert_eq!(
            clinic.working_time(friday_four, monday_ten),
            SignedDuration::from_hours(2)
        );
        assert_eq!(
            clinic.working_time(monday_ten, friday_four),
            SignedDuration::ZERO
        );
        assert_eq!(
            local(&clinic.add_working(friday_four, SignedDuration::from_hours(2))),
            "Mon 2025-01-20 10:00 GMT"
        );
        assert_eq!(
            local(&clinic.next_opening(at("2025-01-18T11:00"))),
            "Mon 2025-01-20 09:00 GMT"
        );
    }
}
