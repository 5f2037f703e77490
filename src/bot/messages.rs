//! Every text the bot sends, as Telegram HTML, pure. All corpus and user text is escaped, and
//! no message exceeds Telegram's 4,096-character limit.

use jiff::{SignedDuration, Zoned};

use crate::answer::Verdict;
use crate::hours::{Expectation, Schedule};
use crate::render::smalltalk_reply;
use crate::store::{Offer, Stats, Ticket};
use crate::triage::Level;

/// Telegram's limit, counted in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE: usize = 4096;
/// Room kept for our own markup and headers when fitting user text.
const HEADROOM: usize = 400;

/// Escapes text for Telegram HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Length as Telegram counts it.
pub fn telegram_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The byte length of the longest prefix of `text` within `max` UTF-16 units.
fn prefix_within(text: &str, max: usize) -> usize {
    let mut end = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.len_utf16();
        if used > max {
            break;
        }
        end = i + c.len_utf8();
    }
    end
}

/// Shortens plain text to at most `max` UTF-16 units, at a sentence or word boundary.
pub fn shorten(text: &str, max: usize) -> String {
    if telegram_len(text) <= max {
        return text.to_string();
    }
    // One unit is kept for the ellipsis.
    let end = prefix_within(text, max.saturating_sub(1));
    let cut = &text[..end];
    let boundary = cut
        .rfind(". ")
        .map(|i| i + 1)
        .filter(|&i| i > end / 2)
        .or_else(|| cut.rfind(char::is_whitespace))
        .unwrap_or(end);
    format!("{}…", cut[..boundary].trim_end())
}

/// Splits plain text into pieces of at most `max` UTF-16 units, between paragraphs, lines or
/// words where possible.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while telegram_len(rest) > max {
        let end = prefix_within(rest, max);
        let head = &rest[..end];
        let cut = ["\n\n", "\n", ". ", " "]
            .iter()
            .find_map(|sep| {
                head.rfind(sep)
                    .map(|i| i + sep.len())
                    .filter(|&i| i > end / 3)
            })
            .unwrap_or(end);
        pieces.push(rest[..cut].trim().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

/// The greeting, with when the kidney team works and how soon it answers.
pub fn welcome(schedule: &Schedule) -> String {
    format!(
        "👋 <b>Hello! I'm the kidney health FAQ bot.</b>\n\n\
         Ask me a question about kidney disease, dialysis, transplant, tests, medicines or \
         diet, in your own words. I answer from articles written for patients, with a link to \
         read more.\n\n\
         When I'm not sure, I can pass your question to our <b>kidney team</b>. {} They \
         answer within {}, and I tell you when to expect it.\n\n\
         ⚠️ I am not a doctor and cannot give personal medical advice. In an emergency, call \
         your local emergency number or your dialysis unit.\n\n\
         /privacy — what I store and how to erase it",
        team_works(schedule),
        working_span(schedule.promise())
    )
}

/// "The kidney team works Monday to Friday, 9:00 to 17:00 (Europe/London)."
fn team_works(schedule: &Schedule) -> String {
    format!(
        "The kidney team works {}, {} ({}).",
        schedule.days(),
        schedule.hours(),
        escape(schedule.zone_name())
    )
}

/// A span of working time: "8 working hours", "1 working hour", "45 working minutes".
fn working_span(span: SignedDuration) -> String {
    match ((span.as_secs() + 30) / 60).max(1) {
        1 => "1 working minute".to_string(),
        60 => "1 working hour".to_string(),
        m if m % 60 == 0 => format!("{} working hours", m / 60),
        m if m < 120 => format!("{m} working minutes"),
        m => format!("{:.1} working hours", m as f64 / 60.0),
    }
}

/// An instant as a patient reads it, from the day they asked: "15:00 today", "9:00
/// tomorrow", "Monday 9:00", or beyond a week "Monday 3 March 9:00".
pub fn when(asked: &Zoned, at: &Zoned) -> String {
    let time = at.strftime("%-H:%M");
    let days = (at.date() - asked.date()).get_days();
    match days {
        ..=0 => format!("{time} today"),
        1 => format!("{time} tomorrow"),
        2..=6 => format!("{} {time}", at.strftime("%A")),
        _ => format!("{} {time}", at.strftime("%A %-d %B")),
    }
}

/// What is stored and for how long; `keep_days` is the retention period of tickets,
/// ratings and delivery flags.
pub fn privacy(keep_days: u32) -> String {
    let week = keep_days.min(7);
    format!(
        "🔒 <b>Your privacy</b>\n\n\
         • To answer you I keep your questions for up to {week} days, so that the buttons \
         under an answer keep working.\n\
         • If you ask the kidney team, I keep your question and your first name for \
         {keep_days} days, then erase them. The experts see your first name only, never your \
         username or phone number.\n\
         • Helpful / Not helpful clicks are kept for {keep_days} days to improve the \
         answers.\n\
         • To improve the answers, the clinic's maintainers review questions I could not \
         answer (without your name) and may add their wording, never your name, to the \
         articles.\n\n\
         Send /forget to erase everything this bot stores about you now. Questions already \
         passed to the kidney team also stay in their team chat's history, as in any clinic \
         correspondence."
    )
}

/// The reply to a command the bot does not have, with the list of those it has.
pub fn unknown_command(commands: &str) -> String {
    format!(
        "I don't know that command. These are the ones I understand:\n\n{}\n\n\
         To ask a question, just type it in your own words.",
        escape(commands)
    )
}

/// A question met a failing database: it is kept and retried.
pub fn answer_delayed() -> String {
    "⏳ Sorry, a technical problem is slowing me down. I have your question and will \
     answer as soon as I can. If you feel unwell, contact your clinic or emergency services."
        .to_string()
}

/// The database stayed down for minutes: the question could not be kept.
pub fn send_again_later() -> String {
    "Sorry, I still can't handle your question because of a technical problem. Please send \
     it again later. If you feel unwell, contact your clinic or emergency services."
        .to_string()
}

/// A button or command met a failing database.
pub fn try_again_later() -> String {
    "Sorry, a technical problem stopped me from doing that. Please try again in a few \
     minutes."
        .to_string()
}

pub fn forget_confirm() -> String {
    "Erase everything stored about you, including open questions to the kidney team? \
     This cannot be undone."
        .to_string()
}

pub fn forgotten() -> String {
    "✅ Done. Everything stored about you has been erased.".to_string()
}

pub fn forget_cancelled() -> String {
    "Nothing was erased.".to_string()
}

/// The answer to a patient's question: passage, title and link.
pub fn answer(verdict: &Verdict) -> String {
    let (Some(article), Some(passage)) = (&verdict.article, &verdict.passage) else {
        return not_sure(false);
    };
    let heading = verdict
        .heading
        .as_ref()
        .map(|h| format!("<i>{}</i>\n\n", escape(h)))
        .unwrap_or_default();
    article_card(&article.title, &heading, passage, &article.url)
}

/// A related article the patient asked to see.
pub fn offer(offer: &Offer) -> String {
    article_card(&offer.title, "\n", &offer.passage, &offer.url)
}

/// Title, `between` (ready-made markup), the passage shortened to fit, and the link.
fn article_card(title: &str, between: &str, passage: &str, url: &str) -> String {
    let passage = shorten(passage, MAX_MESSAGE - HEADROOM - telegram_len(title));
    format!(
        "<b>{}</b>\n{between}{}\n\n📖 <a href=\"{}\">Read the whole article</a>",
        escape(title),
        escape(&passage),
        escape(url)
    )
}

pub fn not_sure(has_offers: bool) -> String {
    let mut text = "🤔 I'm not sure I can answer that well, and I'd rather not guess.".to_string();
    if has_offers {
        text.push_str("\n\nThese articles might help:");
    }
    text.push_str(
        "\n\nYou can also ask a kidney expert: I'll tell you when to expect their answer.",
    );
    text
}

/// The question back to a patient whose message was too vague, above the topic buttons.
pub fn clarify(verdict: &Verdict) -> String {
    format!(
        "🤔 {}",
        escape(&crate::render::clarify_question(verdict.topic.as_deref()))
    )
}

pub fn smalltalk(verdict: &Verdict) -> String {
    escape(verdict.smalltalk.map(smalltalk_reply).unwrap_or_default())
}

pub fn safety(message: &str) -> String {
    format!("🚨 <b>{}</b>", escape(message))
}

/// After the safety message: the team is alerted, and (out of hours) is not at work now.
pub fn urgent_ticket_opened(ticket: &Ticket, expect: &Expectation, schedule: &Schedule) -> String {
    let mut text = format!(
        "I have also alerted the kidney team (question #{}).",
        ticket.id
    );
    if !expect.open_now {
        text.push_str(&format!(
            " {} They are not working now and start again at {}.",
            team_works(schedule),
            when(&expect.asked, &expect.seen_from)
        ));
    }
    text.push_str(" Please do not wait for their reply if you feel unwell: call for help now.");
    text
}

/// A routine question went to the team: when to expect the answer, on the clinic's clock.
pub fn ticket_opened(ticket: &Ticket, expect: &Expectation, schedule: &Schedule) -> String {
    let by = when(&expect.asked, &expect.answer_by);
    let zone = escape(schedule.zone_name());
    let wait = if expect.open_now {
        format!("You'll get their answer here, by about {by} ({zone}).")
    } else {
        format!(
            "{} They are not working now: they will see your question from {}; expect their \
             answer here by about {by}.",
            team_works(schedule),
            when(&expect.asked, &expect.seen_from)
        )
    };
    format!(
        "✅ I've passed your question to the kidney team (question #{}). {wait} If anything \
         gets worse, contact your clinic or emergency services.",
        ticket.id
    )
}

pub fn added_to_ticket(ticket: &Ticket) -> String {
    format!(
        "📎 I've added this to your open question #{} for the kidney team.",
        ticket.id
    )
}

/// A follow-up or attachment that Telegram did not confirm in the expert group.
pub fn not_passed_on(ticket: &Ticket) -> String {
    format!(
        "⚠️ I could not confirm that this reached the kidney team for your question #{}. \
         Please send it again in a few minutes.",
        ticket.id
    )
}

pub fn not_helpful() -> String {
    "Sorry that didn't help. Would you like to ask a kidney expert?".to_string()
}

pub fn thanks_for_feedback() -> &'static str {
    "Thank you for the feedback!"
}

/// The patient sent more than `per_minute` messages in a minute: what happened to the rest.
pub fn slow_down(per_minute: u32) -> String {
    format!(
        "🙏 You sent more than {per_minute} messages within a minute, so I have not read the \
         ones after that. Please wait a minute, then send what is still unanswered in one \
         message."
    )
}

pub fn text_only() -> String {
    "I can only read text messages. Please type your question in words.".to_string()
}

pub fn edited() -> String {
    "I saw you edited a message. I only read new messages: please send your corrected \
     question again."
        .to_string()
}

pub fn expired() -> String {
    "That question has expired. Please ask it again.".to_string()
}

/// Longest first name in a topic's title, in characters (Telegram allows 128 for the title).
const TOPIC_NAME_CHARS: usize = 32;

/// A patient's topic title in a forum expert group: "#12 Anna". Only the first word of the
/// first name (people often type their whole name there), never a surname, username or id.
pub fn topic_name(ticket_id: i64, first_name: &str) -> String {
    let first: String = first_name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(TOPIC_NAME_CHARS)
        .collect();
    let first = if first.is_empty() { "Patient" } else { &first };
    format!("#{ticket_id} {first}")
}

/// The ticket as posted in the expert group: a copy, with the patient's first name only. In
/// a forum group it opens the patient's topic, where experts simply write.
pub fn ticket(ticket: &Ticket, guesses: &[Offer], in_topic: bool) -> String {
    let flag = level_flag(ticket.urgency);
    let mut text = format!(
        "🆕 <b>Question #{}</b>{flag}\nFrom: {}\n\n{}\n",
        ticket.id,
        escape(&shorten(&ticket.first_name, 64)),
        escape(&shorten(&ticket.question, MAX_MESSAGE - 1200))
    );
    if !guesses.is_empty() {
        text.push_str("\n<b>Bot's best guesses:</b>\n");
        for g in guesses.iter().take(3) {
            text.push_str(&format!(
                "• {} ({}) — {:.0}%\n",
                escape(&g.title),
                escape(&g.id),
                g.confidence * 100.0
            ));
        }
    }
    if in_topic {
        text.push_str("\n💬 <i>Write in this topic to answer the patient.</i>");
    } else {
        text.push_str("\n↩️ <i>Reply to this message to answer the patient.</i>");
    }
    text
}

/// How experts answer a question: by writing in the patient's topic (a forum group), or by
/// replying to the question's message (a plain group).
fn how_to_answer(in_topic: bool) -> &'static str {
    if in_topic {
        "Write in this topic to answer the patient."
    } else {
        "Reply to it to answer the patient."
    }
}

/// How an urgent ticket is marked in the group: " 🚨 <b>EMERGENCY</b>", " ⚠️ <b>SAME DAY</b>".
fn level_flag(urgency: Option<Level>) -> &'static str {
    match urgency {
        Some(Level::Emergency) => " 🚨 <b>EMERGENCY</b>",
        Some(Level::SameDay) => " ⚠️ <b>SAME DAY</b>",
        None => "",
    }
}

/// A patient's follow-up, posted as a reply to their ticket.
pub fn follow_up(ticket: &Ticket, text: &str) -> String {
    format!(
        "➕ <b>Follow-up on question #{}</b> from {}:\n\n{}",
        ticket.id,
        escape(&ticket.first_name),
        escape(&shorten(text, MAX_MESSAGE - HEADROOM))
    )
}

/// The pieces of an expert's answer as the patient receives them.
pub fn expert_answer(ticket_id: i64, text: &str) -> Vec<String> {
    let pieces = split(text, MAX_MESSAGE - HEADROOM);
    let count = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let part = if count > 1 {
                format!(" ({}/{count})", i + 1)
            } else {
                String::new()
            };
            format!(
                "💬 <b>Answer from the kidney team</b> (question #{ticket_id}){part}:\n\n{}",
                escape(&piece)
            )
        })
        .collect()
}

pub fn delivered(ticket_id: i64) -> String {
    format!("✅ Delivered to the patient (question #{ticket_id}).")
}

/// An expert replied to a question whose patient erased their data with `/forget`.
pub fn patient_erased(ticket_id: i64) -> String {
    format!(
        "⚠️ Not delivered: the patient of question #{ticket_id} erased their data with \
         /forget, so the bot can no longer reach them about it."
    )
}

/// An expert replied to a closed question: the reply is held back until it is reopened.
pub fn reply_to_closed(ticket_id: i64) -> String {
    format!(
        "⚠️ Not delivered: question #{ticket_id} is closed. To send this answer to the \
         patient, send /reopen {ticket_id}, then send it again."
    )
}

pub fn undeliverable(ticket_id: i64) -> String {
    format!(
        "⚠️ Could not deliver the answer to question #{ticket_id}: the patient has blocked the \
         bot or deleted their account."
    )
}

pub fn delivery_failed(ticket_id: i64) -> String {
    format!("⚠️ Could not deliver the answer to question #{ticket_id} right now: Telegram did not accept it. Please try again later.")
}

/// A routine question unanswered for a while: `waited_secs` in all, `working` of it in
/// working hours.
pub fn reminder(ticket: &Ticket, waited_secs: i64, working: SignedDuration) -> String {
    format!(
        "⏰ Question #{} from {} has waited {} ({}) without an answer.",
        ticket.id,
        escape(&ticket.first_name),
        age(waited_secs),
        working_span(working)
    )
}

/// An urgent question still unanswered, raised again under its ticket (in its topic, or as
/// a reply to it).
pub fn reraise(ticket: &Ticket, waited_secs: i64, in_topic: bool) -> String {
    format!(
        "🔔{} Question #{} from {} is still unanswered after {}. {}",
        level_flag(ticket.urgency),
        ticket.id,
        escape(&ticket.first_name),
        age(waited_secs),
        how_to_answer(in_topic)
    )
}

/// How long something has waited, short: "under a minute", "12 min", "3 h", "2 d".
pub fn age(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => "under a minute".to_string(),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 48 * 3600 => format!("{} h", s / 3600),
        s => format!("{} d", s / (24 * 3600)),
    }
}

/// Open questions as of `now`, as the store lists them (the most urgent first, then the
/// oldest), with their urgency and age; as many as fit one message, the rest counted.
pub fn open_tickets(tickets: &[Ticket], now: i64) -> String {
    if tickets.is_empty() {
        return "No open questions. 🎉".to_string();
    }
    let mut text = format!("<b>{} open question(s):</b>\n", tickets.len());
    // Room for the line that counts the ones left out.
    let room = MAX_MESSAGE - 120;
    for (shown, t) in tickets.iter().enumerate() {
        let line = open_ticket_line(t, now);
        if telegram_len(&text) + telegram_len(&line) > room {
            let more = tickets.len() - shown;
            text.push_str(&format!(
                "…and {more} more not listed. /close answered ones to see the rest."
            ));
            break;
        }
        text.push_str(&line);
    }
    text
}

fn open_ticket_line(t: &Ticket, now: i64) -> String {
    let state = if t.answered { "answered" } else { "waiting" };
    let urgent = match t.urgency {
        Some(Level::Emergency) => " 🚨",
        Some(Level::SameDay) => " ⚠️",
        None => "",
    };
    format!(
        "• #{}{urgent} {} · {} ({state}): {}\n",
        t.id,
        age(now - t.created_at),
        escape(&shorten(&t.first_name, 24)),
        escape(&shorten(&t.question, 80))
    )
}

pub fn closed(ticket_id: i64) -> String {
    format!("Question #{ticket_id} is closed.")
}

pub fn not_open(ticket_id: i64) -> String {
    format!("There is no open question #{ticket_id}.")
}

pub fn close_usage() -> String {
    "Reply /close to a question's message, or send /close NUMBER.".to_string()
}

pub fn reopened(ticket_id: i64, in_topic: bool) -> String {
    let how = if in_topic {
        "write in the patient's topic to answer them"
    } else {
        "reply to it to answer the patient"
    };
    format!("Question #{ticket_id} is reopened: {how}.")
}

pub fn not_closed(ticket_id: i64) -> String {
    format!("There is no closed question #{ticket_id}.")
}

pub fn reopen_usage() -> String {
    "Reply /reopen to a question's message, or send /reopen NUMBER.".to_string()
}

pub fn stats(stats: &Stats) -> String {
    let rated = stats.helpful + stats.not_helpful;
    let ratio = if rated == 0 {
        "no ratings yet".to_string()
    } else {
        format!(
            "{:.0}% of {rated} ratings",
            stats.helpful as f64 * 100.0 / rated as f64
        )
    };
    format!(
        "📊 <b>faqbot stats</b>\nAnswered: {}\nEscalated: {}\nUrgent: {}\nOpen questions: {}\nHelpful: {ratio}",
        stats.answered, stats.escalated, stats.urgent, stats.open_tickets
    )
}

pub fn reindexed(articles: usize, passages: usize, seconds: f64) -> String {
    format!("✅ Re-indexed {articles} articles ({passages} passages) in {seconds:.1} s. Now serving the new index.")
}

pub fn reindex_failed(error: &str) -> String {
    format!(
        "❌ The corpus did not index; the previous index is still serving.\n\n<pre>{}</pre>",
        escape(&shorten(error, 3000))
    )
}

/// To the admins: the bot joined a group; its id, and how to make it the expert group.
pub fn added_to_group(title: &str, chat_id: i64, is_expert_group: bool) -> String {
    let title = escape(title);
    if is_expert_group {
        return format!(
            "✅ I was added to <b>{title}</b>, the expert group (id <code>{chat_id}</code>)."
        );
    }
    format!(
        "ℹ️ I was added to the group <b>{title}</b>. Its chat id is <code>{chat_id}</code>.\n\
         To make it the expert group, set <code>FAQBOT_EXPERT_GROUP={chat_id}</code> (or \
         <code>expert_group = {chat_id}</code> under <code>[telegram]</code> in faqbot.toml) \
         and restart faqbot. Until then I answer no one there."
    )
}

/// The review as one message: preformatted, escaped, cut to fit.
pub fn review(text: &str) -> String {
    let room = MAX_MESSAGE - 200;
    let mut text = text.to_string();
    if telegram_len(&text) > room {
        let cut: String = text.chars().take(room).collect();
        text = format!("{cut}\n…(shortened: `faqbot review` shows it all)");
    }
    format!("<pre>{}</pre>", escape(&text))
}

pub fn admins_only() -> String {
    "Sorry, only faqbot's maintainers can do that.".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{ArticleRef, Decision};

    fn verdict(title: &str, passage: &str) -> Verdict {
        Verdict {
            decision: Decision::Answer,
            confidence: 0.9,
            article: Some(ArticleRef {
                id: "a".into(),
                title: title.into(),
                url: "https://x.example/?a=1&b=2".into(),
            }),
            heading: Some("Why <it> happens".into()),
            passage: Some(passage.into()),
            alternatives: vec![],
            smalltalk: None,
            urgency: None,
            categories: vec![],
            other_questions: vec![],
            missing: vec![],
            topic: None,
            reason: String::new(),
        }
    }

    #[test]
    fn a_topic_is_titled_with_the_ticket_number_and_the_first_word_of_the_first_name() {
        assert_eq!(topic_name(1, "Anna"), "#1 Anna");
        assert_eq!(topic_name(12, "  Anna Maria Schmidt "), "#12 Anna");
        assert_eq!(topic_name(3, " \n"), "#3 Patient");
        let long = topic_name(99_999, &"W".repeat(500));
        assert_eq!(long.chars().count(), "#99999 ".len() + TOPIC_NAME_CHARS);
    }

    #[test]
    fn corpus_text_is_escaped() {
        let text = answer(&verdict("Salt & <water>", "Use < 2 g \"salt\""));
        assert!(text.contains("<b>Salt &amp; &lt;water&gt;</b>"), "{text}");
        assert!(text.contains("<i>Why &lt;it&gt; happens</i>"));
        assert!(text.contains("Use &lt; 2 g &quot;salt&quot;"));
        assert!(text.contains("href=\"https://x.example/?a=1&amp;b=2\""));
    }

    #[test]
    fn long_text_is_shortened_or_split_within_the_limit() {
        let long = "Dialysis cleans the blood. ".repeat(400);
        let text = answer(&verdict("T", &long));
        assert!(telegram_len(&text) <= MAX_MESSAGE);
        assert!(text.contains("blood.…"), "cut at a sentence");
        let emoji = "🩸".repeat(5000);
        let pieces = expert_answer(3, &emoji);
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|p| telegram_len(p) <= MAX_MESSAGE));
        assert!(pieces[0].contains("(1/"));
    }

    #[test]
    fn split_keeps_paragraphs_whole_when_it_can() {
        let text = format!("{}\n\n{}", "a ".repeat(30).trim(), "b ".repeat(30).trim());
        assert_eq!(
            split(&text, 70),
            ["a ".repeat(30).trim(), "b ".repeat(30).trim()]
        );
    }

    fn ticket(id: i64, urgency: Option<Level>, created_at: i64) -> Ticket {
        Ticket {
            id,
            chat_id: id,
            first_name: "Bartholomew-Maximilian & <Co>".repeat(3),
            question: "Why does my fistula arm hurt after dialysis? ".repeat(5),
            urgency,
            open: true,
            answered: false,
            created_at,
            group_message_id: None,
        }
    }

    #[test]
    fn the_open_list_shows_urgency_and_age_and_fits_one_message_at_any_number_of_tickets() {
        let now = 1_700_000_000;
        let text = open_tickets(
            &[
                ticket(9, Some(Level::Emergency), now - 40 * 60),
                ticket(7, Some(Level::SameDay), now - 20),
                ticket(2, None, now - 3 * 24 * 3600),
                ticket(5, None, now - 5 * 3600 - 59),
            ],
            now,
        );
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(
            lines[0].starts_with("• #9 🚨 40 min · Bartholomew"),
            "{text}"
        );
        assert!(lines[1].starts_with("• #7 ⚠️ under a minute · "), "{text}");
        assert!(lines[2].starts_with("• #2 3 d · "), "{text}");
        assert!(lines[3].starts_with("• #5 5 h · "), "{text}");
        for count in [1, 30, 200, 1000] {
            let tickets: Vec<Ticket> = (1..=count)
                .map(|id| ticket(id, None, now - 3600 * (count - id)))
                .collect();
            let text = open_tickets(&tickets, now);
            assert!(
                telegram_len(&text) <= MAX_MESSAGE,
                "{count}: {}",
                telegram_len(&text)
            );
            assert!(text.contains(&format!("{count} open question")), "{text}");
            assert!(text.contains("#1 "), "the first is listed");
            let listed = text.lines().filter(|l| l.starts_with("• #")).count() as i64;
            let more = text
                .split("…and ")
                .nth(1)
                .map_or(0, |rest| rest.split(' ').next().unwrap().parse().unwrap());
            assert_eq!(listed + more, count, "{text}");
            assert_eq!(more > 0, count >= 200, "{text}");
        }
    }

    fn london(promise_hours: i64) -> Schedule {
        use crate::hours::{Hours, Weekdays};
        Schedule::new(
            jiff::tz::TimeZone::get("Europe/London").unwrap(),
            Weekdays::WEEKDAYS,
            Hours::NINE_TO_FIVE,
            SignedDuration::from_hours(promise_hours),
        )
    }

    /// What a patient asking at `local` London time is told.
    fn told(schedule: &Schedule, local: &str) -> String {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        let asked = dt.to_zoned(jiff::tz::TimeZone::get("Europe/London").unwrap());
        let expect = schedule.expect(asked.unwrap().timestamp());
        ticket_opened(&ticket(12, None, 0), &expect, schedule)
    }

    #[test]
    fn the_patient_is_told_when_to_expect_the_answer_on_the_clinics_clock() {
        let day = london(8);
        assert_eq!(
            told(&london(4), "2025-01-15T10:30"),
            "✅ I've passed your question to the kidney team (question #12). You'll get their \
             answer here, by about 14:30 today (Europe/London). If anything gets worse, contact \
             your clinic or emergency services."
        );
        assert!(told(&day, "2025-01-15T10:30").contains("by about 10:30 tomorrow (Europe/London)"));
        let night = told(&day, "2025-01-14T23:10");
        assert!(
            night.contains(
                "The kidney team works Monday to Friday, 9:00 to 17:00 (Europe/London). They \
                 are not working now: they will see your question from 9:00 tomorrow; expect \
                 their answer here by about 17:00 tomorrow."
            ),
            "{night}"
        );
        assert!(night.ends_with("contact your clinic or emergency services."));
        let friday = told(&day, "2025-01-17T18:45");
        assert!(
            friday.contains("from Monday 9:00; expect their answer here by about Monday 17:00."),
            "{friday}"
        );
        let far = told(&london(40), "2025-01-17T18:45");
        assert!(far.contains("by about Friday 24 January 17:00."), "{far}");
    }

    #[test]
    fn an_urgent_patient_out_of_hours_is_told_the_team_is_not_working() {
        let schedule = london(8);
        let at = |local: &str| {
            let dt: jiff::civil::DateTime = local.parse().unwrap();
            let zone = jiff::tz::TimeZone::get("Europe/London").unwrap();
            schedule.expect(dt.to_zoned(zone).unwrap().timestamp())
        };
        let urgent = ticket(3, Some(Level::Emergency), 0);
        let night = urgent_ticket_opened(&urgent, &at("2025-01-18T02:00"), &schedule);
        assert!(
            night.contains("They are not working now and start again at Monday 9:00."),
            "{night}"
        );
        assert!(night.ends_with("call for help now."));
        let day = urgent_ticket_opened(&urgent, &at("2025-01-15T11:00"), &schedule);
        assert!(!day.contains("not working"), "{day}");
        assert!(welcome(&schedule).contains(
            "The kidney team works Monday to Friday, 9:00 to 17:00 (Europe/London). They \
             answer within 8 working hours, and I tell you when to expect it."
        ));
    }

    #[test]
    fn re_raises_carry_the_level_and_spans_read_naturally() {
        let text = reraise(&ticket(5, Some(Level::SameDay), 0), 12 * 60 + 5, false);
        assert!(
            text.starts_with("🔔 ⚠️ <b>SAME DAY</b> Question #5 from Bartholomew"),
            "{text}"
        );
        assert!(text.contains("still unanswered after 12 min."), "{text}");
        assert!(
            text.ends_with("Reply to it to answer the patient."),
            "{text}"
        );
        let in_topic = reraise(&ticket(5, Some(Level::SameDay), 0), 60, true);
        assert!(in_topic.ends_with("Write in this topic to answer the patient."));
        assert!(reopened(5, true).contains("write in the patient's topic"));
        assert!(reopened(5, false).contains("reply to it"));
        let span = |minutes| working_span(SignedDuration::from_mins(minutes));
        assert_eq!(span(480), "8 working hours");
        assert_eq!(span(60), "1 working hour");
        assert_eq!(span(30), "30 working minutes");
        assert_eq!(span(390), "6.5 working hours");
        assert_eq!(span(0), "1 working minute");
    }
}
