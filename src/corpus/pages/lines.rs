//! Recognises single lines that are not article text: menus, breadcrumbs, header and footer
//! lines, share buttons, cookie notices, bylines, tag lists and teaser links (form fields are
//! recognised by `forms`).

use std::sync::LazyLock;

use super::block::{key, word_count, Kind, Line, Why};
use super::forms;
use super::pattern::{is, mentions, re, Pattern};

static UI: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^(skip to (main )?(content|navigation)|skip navigation|back to top|top of page|to top|main menu|menu|open menu|close menu|toggle navigation|search|search this site|search for|close|loading|home|go back|back|view all|see all|show more|load more|more|translate|select language|language|text size|font size|high contrast|listen|print|sitemap)$",
    )
});
static READ_MORE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^(read more|continue reading|read the full (article|story|post)|read (the )?article|learn more|find out more|more info|more information|full story|view article|discover more)\b.{0,40}$",
    )
});
static BARE_READ_MORE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^(read more|continue reading|read the full (article|story|post)|read (the )?article|learn more|find out more|more info|more information|full story|view article|discover more)$",
    )
});
static ENDS_READ_MORE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)(\.\.\.|…|\.|\w)\s*[\[(]?(read more|continue reading|read the full (article|story|post)|learn more)[\])]?\W*$",
    )
});
static SEE_ALSO: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(read more|also read|read also|related|see also|more on this( story)?|more)\s*:\s*\S",
    )
});
static CREDIT: Pattern = LazyLock::new(|| {
    re(
        r"(?i)\b(photo|photograph|image|picture|credit|illustration)\s*:|getty images|shutterstock|alamy|\bpa media\b",
    )
});
static MENU_SPLIT: Pattern = LazyLock::new(|| re(r"\s*\|\s*|\s+[·•›»>/→:]{1,2}\s+"));
static BREADCRUMB: Pattern =
    LazyLock::new(|| re(r"(?i)^\W*(you are here|you're here|breadcrumbs?)\s*:?\s*"));
static COOKIE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)\bcookies?\b.*\b(we use|uses|use of|accept|consent|agree|preferences|settings|improve|experience|continu\w*|by using|analytics|policy|browsing)\b|\b(we use|this (web)?site uses|by using|accept|consent to)\b.*\bcookies?\b",
    )
});
static COOKIE_BUTTON: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^(accept|accept all|accept all cookies|accept cookies|allow all|allow cookies|allow all cookies|reject|reject all|decline|deny|manage (cookies|preferences|settings|options)|cookie settings|cookie preferences|customi[sz]e|got it|i understand|ok|okay|agree and close|necessary only|only necessary|we value your privacy)$",
    )
});
static PHONE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(call us|call now|call today|call us today|tel|telephone|phone|ph|fax|mobile|hotline|switchboard|appointments?|bookings?|enquiries|reception)\b[^0-9]{0,12}\+?\(?\d[\d\s().\-]{5,}\d",
    )
});
static PHONE_ONLY: Pattern = LazyLock::new(|| re(r"^\W*\+?\(?\d[\d\s().\-]{6,}\d\W*$"));
static EMAIL: Pattern = LazyLock::new(|| {
    re(r"(?i)^\W*(e-?mail( us)?|contact( us)?|write to us)\s*(:|at)?\s*\S+@\S+\.\S+\W*$")
});
static HOURS: Pattern = LazyLock::new(|| {
    re(concat!(
        r"(?i)^\W*((opening|office|clinic|surgery|visiting) (hours|times)|hours)\W*$",
        r"|^\W*((opening|office|clinic|surgery) (hours|times)|hours)\b.{0,20}(\d|mon|tue|wed|thu|fri|sat|sun|daily)",
        r"|^\W*(we'?re |we are )?open\b.{0,40}\b(mon|tue|wed|thu|fri|sat|sun|daily|24)",
        r"|^\W*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*(-|–|—|to|&|and)\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*:?\s*\d",
    ))
});
static COPYRIGHT: Pattern =
    LazyLock::new(|| re(r"(?i)©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved"));
static FOOTER: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^(sitemap|site map|rss|rss feed|privacy|privacy policy|privacy notice|privacy statement|terms|terms of use|terms of service|terms and conditions|terms & conditions|cookie policy|cookies policy|cookie notice|cookies|accessibility|accessibility statement|legal|legal notice|imprint|impressum|modern slavery statement|log ?in|sign in|register|my account|freedom of information|contact us|contact|about us|follow us|find us|connect with us|stay connected|useful links|quick links)$",
    )
});
static BYLINE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^(written by|posted by|author|authored by|reviewed by|medically reviewed by|clinically reviewed by|fact[- ]checked by|edited by)\s*:?\s+\S",
    )
});
static BY_NAME: Pattern = LazyLock::new(|| {
    re(r"^(?:[Bb]y|BY)\s+(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?\p{Lu}\p{Ll}+(?:\s+\p{Lu}[\p{L}'.\-]*)+")
});
static DATED: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(published|posted|updated|last updated|last reviewed|last modified|reviewed|page last reviewed|next review( due)?|date published|first published|created|date)\b.*\d",
    )
});
static DATE_ONLY: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*((mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d{4}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\W*$",
    )
});
static META_LINE: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(\d+\s*(-\s*)?(min|mins|minute|minutes)\s+read|(estimated )?reading time\b.*|(\d+\s+)?comments?(\s*\(\d+\))?|leave a (comment|reply)|no comments( yet)?|add (a )?comment|post a comment|join the discussion|\d+\s+responses?)\W*$",
    )
});
static TAGS: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(tags|tagged( with| in)?|filed under|categories|category|topics|keywords|posted in|labels)\s*:\s*(.*)$|^\W*(filed under|posted in|tagged)\s+(.+)$",
    )
});
static DISCLAIMER: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(medical\s+|important\s+)?disclaimer\b|^\W*important\s*:\s*this (information|website|site|page) (is not|does not|should not)",
    )
});
static DISCLAIMER_TEXT: Pattern = LazyLock::new(|| {
    re(
        r"(?i)\b(not (a )?substitute for|does not replace|do not replace|is not intended to replace|should not replace|not meant to replace)\b.{0,60}\b(advice|professional|doctor|clinician|consultation)|\bfor (general )?(information|informational|educational) purposes only\b",
    )
});
static PROMO: Pattern = LazyLock::new(|| {
    re(
        r"(?i)\b(subscribe|sign up|signup|join)\b.{0,40}\bnewsletter\b|^\W*(enter your e-?mail( address)?|your e-?mail address)\W*$|^(advertisement|sponsored|sponsored content|promoted)$",
    )
});
static PREV_NEXT: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^[\W_]*(previous|prev|next|older|newer)(\s+(article|post|page|story|entry|topic|item))?\s*([:»›→>←«‹<|]|$)|^[\W_]*(previous|prev|next|older|newer)\s+(article|post|page|story|entry|topic)\b",
    )
});
static ARROWED: Pattern = LazyLock::new(|| re(r"^\s*[←«‹]|[→»›]\s*$"));
/// Words a menu is made of.
pub(super) const MENU_WORDS: &[&str] = &[
    "home",
    "about",
    "about us",
    "services",
    "our services",
    "contact",
    "contact us",
    "blog",
    "news",
    "team",
    "our team",
    "faq",
    "faqs",
    "login",
    "log in",
    "search",
    "menu",
    "patients",
    "for patients",
    "appointments",
    "book",
    "donate",
    "careers",
    "sitemap",
    "privacy",
    "privacy policy",
    "terms",
    "locations",
    "resources",
    "events",
    "shop",
    "conditions",
    "treatments",
    "health",
    "clinics",
    "doctors",
    "our doctors",
    "find us",
    "help",
    "support",
    "rss",
    "accessibility",
    "specialists",
];

/// Words of share-button rows; at least one of the first ten must appear.
const SHARE_WORDS: &[&str] = &[
    "share",
    "tweet",
    "print",
    "facebook",
    "twitter",
    "linkedin",
    "whatsapp",
    "pinterest",
    "reddit",
    "telegram",
    "shares",
    "on",
    "this",
    "the",
    "article",
    "page",
    "post",
    "story",
    "via",
    "x",
    "email",
    "e",
    "mail",
    "copy",
    "link",
    "pin",
    "it",
    "save",
    "bluesky",
    "threads",
    "mastodon",
    "send",
    "to",
    "a",
    "friend",
    "messenger",
];

/// Why a line is not article text, if it is not. `kind` is the kind of its block.
/// ("Tags:" lines are recognised by `tag_line`, which also reads their tags.)
pub(super) fn classify(line: &Line, kind: Kind) -> Option<Why> {
    let (text, words, link_ratio) = (line.text.as_str(), line.words, line.link_ratio);
    if words == 0 {
        return Some(Why::Noise);
    }
    let bare =
        text.trim_matches(|c: char| !c.is_alphanumeric() && c != '?' && c != ')' && c != '(');
    let title = kind == Kind::Heading(1);
    if link_ratio >= 0.9 && words <= 12 && !title {
        return Some(if kind == Kind::List {
            Why::Navigation
        } else {
            Why::Teaser
        });
    }
    if let Some(why) = chrome_line(text, bare, words) {
        return Some(why);
    }
    forms::is_form_line(text, words).then_some(Why::Form)
}

/// A line rule: (text, text without surrounding punctuation, words) → whether it matches.
type Rule = fn(&str, &str, usize) -> bool;

/// Navigation, header/footer, share, cookie, teaser and metadata lines, cheap checks first.
const CHROME_RULES: &[(Rule, Why)] = &[
    (|_, b, w| w <= 5 && is(&UI, b), Why::Navigation),
    (|_, b, w| w <= 12 && is(&READ_MORE, b), Why::Teaser),
    (
        |t, _, w| w <= 60 && mentions(t, &["read", "learn", "continu"]) && is(&ENDS_READ_MORE, t),
        Why::Teaser,
    ),
    (|t, _, w| w <= 20 && is(&SEE_ALSO, t), Why::Teaser),
    (|t, _, w| w <= 15 && share_row(t), Why::Share),
    (|t, _, w| w <= 16 && menu_line(t), Why::Navigation),
    (|t, _, w| w <= 20 && is(&BREADCRUMB, t), Why::Navigation),
    (
        |t, _, w| w <= 16 && (is(&PREV_NEXT, t) || (w <= 10 && is(&ARROWED, t))),
        Why::Navigation,
    ),
    (
        |t, _, w| w <= 80 && mentions(t, &["cookie"]) && is(&COOKIE, t),
        Why::Cookie,
    ),
    (|_, b, w| w <= 4 && is(&COOKIE_BUTTON, b), Why::Cookie),
    (
        |t, _, w| w <= 14 && (is(&PHONE, t) || is(&PHONE_ONLY, t) || is(&EMAIL, t)),
        Why::HeaderFooter,
    ),
    (|t, _, w| w <= 12 && is(&HOURS, t), Why::HeaderFooter),
    (
        |t, _, w| w <= 30 && mentions(t, &["©", "(c)", "copyright", "rights"]) && is(&COPYRIGHT, t),
        Why::HeaderFooter,
    ),
    (|_, b, w| w <= 5 && is(&FOOTER, b), Why::HeaderFooter),
    (|t, _, w| w <= 20 && is(&BYLINE, t), Why::Meta),
    (
        |t, _, w| w <= 10 && is(&BY_NAME, t) && !t.ends_with('.'),
        Why::Meta,
    ),
    (
        |t, _, w| w <= 16 && (is(&DATED, t) || is(&DATE_ONLY, t) || is(&META_LINE, t)),
        Why::Meta,
    ),
    (|t, _, w| w <= 25 && is(&CREDIT, t), Why::Meta),
    (
        |t, _, _| mentions(t, &["disclaimer", "important"]) && is(&DISCLAIMER, t),
        Why::Disclaimer,
    ),
    (
        |t, _, w| {
            w <= 60
                && mentions(t, &["replace", "substitute", "purposes"])
                && is(&DISCLAIMER_TEXT, t)
        },
        Why::Disclaimer,
    ),
    (|t, _, w| w <= 30 && is(&PROMO, t), Why::Popup),
    (|t, _, _| forms::is_form_intro(t), Why::ContactForm),
];

fn chrome_line(text: &str, bare: &str, words: usize) -> Option<Why> {
    CHROME_RULES
        .iter()
        .find(|(rule, _)| rule(text, bare, words))
        .map(|(_, why)| *why)
}

/// Newsletter sign-ups and advertisement labels.
pub(super) fn is_promo(text: &str) -> bool {
    is(&PROMO, text)
}

/// A bare "Read more" (naming no article), alone or ending a teaser's summary.
pub(super) fn is_read_more(text: &str) -> bool {
    let bare = text.trim_matches(|c: char| !c.is_alphanumeric());
    is(&BARE_READ_MORE, bare) || (word_count(text) <= 60 && is(&ENDS_READ_MORE, text))
}

/// A lone "Previous article" / "Next article" label, naming no article.
pub(super) fn is_prev_next_label(line: &Line) -> bool {
    line.words <= 3 && is(&PREV_NEXT, &line.text)
}

/// The tags of a "Tags: a, b" / "Filed under: a" line (empty for a lone label), or `None`.
pub(super) fn tag_line(text: &str) -> Option<Vec<String>> {
    if word_count(text) > 30 {
        return None;
    }
    let captures = TAGS.as_ref()?.captures(text.trim())?;
    let list = captures
        .get(3)
        .or(captures.get(5))
        .map_or("", |m| m.as_str());
    Some(
        list.split([',', ';', '|', '•', '·'])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

/// A row of share buttons: "Share on Facebook | Tweet | Print this page".
fn share_row(text: &str) -> bool {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let strong = tokens.iter().any(|t| SHARE_WORDS[..10].contains(t));
    strong && tokens.iter().all(|t| SHARE_WORDS.contains(t))
}

/// "Home | About us | Services" or "Home › Conditions › CKD": short link-like segments.
fn menu_line(text: &str) -> bool {
    let Some(split) = MENU_SPLIT.as_ref() else {
        return false;
    };
    let text = match BREADCRUMB.as_ref() {
        Some(prefix) => prefix.replace(text, "").into_owned(),
        None => text.to_string(),
    };
    let segments: Vec<&str> = split
        .split(&text)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if segments.len() < 2 {
        return false;
    }
    let link_like = |s: &&str| {
        let starts_letter = s.chars().next().is_some_and(char::is_alphabetic);
        let no_digit = !s.chars().any(|c| c.is_ascii_digit());
        let no_stop = !s.ends_with(['.', '!', '?', ',']);
        starts_letter && no_digit && no_stop && word_count(s) <= 4
    };
    let known = |s: &&str| MENU_WORDS.contains(&key(s).as_str());
    segments.iter().all(link_like) && (segments.len() >= 3 || segments.iter().all(known))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Option<Why> {
        let line = Line::new(text, 0.0);
        tag_line(text)
            .map(|_| Why::Meta)
            .or_else(|| classify(&line, Kind::Para))
    }

    #[test]
    fn all_patterns_compile() {
        let patterns = [
            &UI,
            &READ_MORE,
            &BARE_READ_MORE,
            &ENDS_READ_MORE,
            &SEE_ALSO,
            &CREDIT,
            &MENU_SPLIT,
            &BREADCRUMB,
            &COOKIE,
            &COOKIE_BUTTON,
            &PHONE,
            &PHONE_ONLY,
            &EMAIL,
            &HOURS,
            &COPYRIGHT,
            &FOOTER,
            &BYLINE,
            &BY_NAME,
            &DATED,
            &DATE_ONLY,
            &META_LINE,
            &TAGS,
            &DISCLAIMER,
            &DISCLAIMER_TEXT,
            &PROMO,
            &PREV_NEXT,
            &ARROWED,
        ];
        for pattern in patterns {
            assert!(pattern.is_some());
        }
    }

    #[test]
    fn chrome_lines() {
        assert_eq!(
            why("Home | About us | Services | Contact"),
            Some(Why::Navigation)
        );
        assert_eq!(
            why("You are here: Home › Conditions › CKD"),
            Some(Why::Navigation)
        );
        assert_eq!(why("Call us: 0800 123 4567"), Some(Why::HeaderFooter));
        assert_eq!(
            why("Opening hours: Mon–Fri 8:00–18:00"),
            Some(Why::HeaderFooter)
        );
        assert_eq!(why("Sitemap | RSS"), Some(Why::Navigation));
        assert_eq!(
            why("© 2024 Riverside Kidney Clinic. All rights reserved."),
            Some(Why::HeaderFooter)
        );
        assert_eq!(why("Privacy policy"), Some(Why::HeaderFooter));
        assert_eq!(why("Read more »"), Some(Why::Teaser));
        assert_eq!(why("Share on Facebook"), Some(Why::Share));
        assert_eq!(why("Tweet"), Some(Why::Share));
        assert_eq!(
            why("← Previous article: Kidney stones"),
            Some(Why::Navigation)
        );
        assert_eq!(why("By Jane Doe | 12 March 2024"), Some(Why::Meta));
        assert_eq!(
            why("We use cookies to improve your experience. Accept all"),
            Some(Why::Cookie)
        );
        assert_eq!(why("Full Name:"), Some(Why::Form));
        assert_eq!(why("Submit"), Some(Why::Form));
        assert_eq!(why("* required"), Some(Why::Form));
        assert_eq!(
            why("Ask our specialists a question"),
            Some(Why::ContactForm)
        );
        assert_eq!(
            why("Have a question? Fill in the form below."),
            Some(Why::ContactForm)
        );
        assert_eq!(why("Tags: CKD, diet"), Some(Why::Meta));
        let note = "Please note: this page is general education. It does not replace advice from your kidney team.";
        assert_eq!(why(note), Some(Why::Disclaimer));
        assert_eq!(
            why("Read more: Why patients choose dialysis at home"),
            Some(Why::Teaser)
        );
        assert_eq!(
            why("Surgeons at work in Leeds. Photo: Courier"),
            Some(Why::Meta)
        );
    }

    #[test]
    fn article_lines_are_kept() {
        for text in [
            "Call the Kidney Care UK helpline on 0808 801 0000 if you need support.",
            "By Monday you should feel better.",
            "Next, your nurse will check your blood pressure.",
            "Symptoms include:",
            "Most people with CKD stage 3 can keep working.",
            "eGFR > 60 is normal",
            "Questions to ask your doctor",
            "Appointments can be made by calling 0117 496 0000.",
            "Visiting times are flexible, so ask the nurses on the ward.",
            "Get in touch with your renal nurse if your fistula stops buzzing.",
            "Ask the nurses at your dialysis unit for a leaflet.",
            "We will answer your questions at your first appointment.",
            "Our nurses will answer any questions you have during training.",
            "Have any questions? Ask your kidney nurse at your next visit.",
            "Complaints",
        ] {
            assert_eq!(why(text), None, "{text}");
        }
    }

    #[test]
    fn tags_are_read() {
        assert_eq!(
            tag_line("Tags: CKD, kidney function"),
            Some(vec!["CKD".into(), "kidney function".into()])
        );
        assert_eq!(tag_line("Filed under: Diet"), Some(vec!["Diet".into()]));
        assert_eq!(tag_line("Tags:"), Some(vec![]));
        assert_eq!(tag_line("Tagging is fun"), None);
    }
}
