//! Recognises contact and question forms in page text: field labels ("Full Name:", "Email"),
//! buttons, "* required" notes, consent boxes, and the sentence introducing the form.

use std::sync::LazyLock;

use super::block::{word_count, Block, Line, Why};
use super::pattern::{is, re, Pattern};
use super::runs::{drop_at, kept_at, line_at, positions, text_at, words_at};

static LABEL: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^[\s*]*(full name|first name|last name|surname|family name|given name|name|your name|e-?mail|e-?mail address|your e-?mail( address)?|phone|phone number|telephone( number)?|mobile( number)?|contact number|your question|question|your message|message|subject|comments?|date of birth|dob|postcode|post code|zip( code)?|city|town|country|address|hospital number|nhs number|patient number|preferred contact method|how did you hear about us\??|captcha|security code|attachment|upload (a )?file|title)\s*\*?\s*(\((required|optional)\))?\s*([:*]\s*\*?)?$",
    )
});
static BUTTON: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^[\[(<\s]*(submit|send|send message|send question|send your question|submit question|submit your question|submit form|submit enquiry|send enquiry|ask|ask now|ask your question|reset|clear|clear form|post question|request (a )?call ?back|book now|book an appointment)[\])>\s]*$",
    )
});
static REQUIRED: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(\*\s*)?(required( fields?)?|indicates (a )?required( fields?)?|=\s*required( fields?)?|fields marked (with )?(an? )?(\*|asterisk) are (required|mandatory)|mandatory( fields?)?)\W*$|^\s*\*\s*required",
    )
});
static CONSENT: Pattern = LazyLock::new(|| {
    re(
        r"(?i)^\W*(i agree|i consent|i have read|i accept|i'?m not a robot|by (submitting|sending) (this|the|your) (form|question|message|enquiry)|(this (site|form) is )?protected by recaptcha)",
    )
});
static INTRO: Pattern = LazyLock::new(|| {
    re(concat!(
        r"(?i)^\W*(ask (our|one of our) (specialists?|experts?|doctors?|nurses?|team|consultants?|nephrologists?)\b",
        r"|ask (us )?a question\b",
        r"|(have|got) (a|any|more) questions?\??.{0,80}\b((the|this|our) form|send us|write to us|contact us|get in touch|e-?mail us|ask us|ask our)\b",
        r"|questions\?\s*(ask us|contact us|get in touch|write to us)",
        r"|fill (in|out) (the|this|our) (form|fields)",
        r"|send us (a|your) (message|question|enquiry)",
        r"|use (the|this|our) (contact )?form",
        r"|contact form",
        r"|get in touch( with us)?\W*$",
        r"|get in touch with us\b",
        r"|(we|our \w+)('ll| will) (reply|respond|get back to you|answer)\b.{0,60}\b(within|working days?|shortly|as soon as possible|by e-?mail))",
    ))
});

/// Form field labels with a colon or asterisk, buttons, "* required" and consent boxes.
pub(super) fn is_form_line(text: &str, words: usize) -> bool {
    let bare = text.trim();
    let short = words <= 8
        && (text.contains([':', '*']) && is(&LABEL, bare)
            || is(&BUTTON, bare)
            || is(&REQUIRED, bare));
    short || (words <= 40 && is(&CONSENT, bare))
}

/// A form field label, with or without a colon ("Full Name", "Email:", "Phone Number *").
fn is_label(line: &Line) -> bool {
    line.words <= 6 && is(&LABEL, line.text.trim())
}

/// A line that is only a form button, "* required" note or consent box.
fn is_form_extra(text: &str) -> bool {
    let bare = text.trim();
    is(&BUTTON, bare) || is(&REQUIRED, bare) || is(&CONSENT, bare) || super::lines::is_promo(bare)
}

/// The sentence that introduces a question or contact form.
pub(super) fn is_form_intro(text: &str) -> bool {
    word_count(text) <= 35 && is(&INTRO, text)
}

/// Two or more field labels close together are a form: the labels, what lies between them, the
/// buttons and notes after them, and the sentence introducing them.
pub(super) fn mark(blocks: &mut [Block]) {
    let all = positions(blocks);
    let labels: Vec<usize> = (0..all.len())
        .filter(|&i| is_label(line_at(blocks, all[i])))
        .collect();
    let mut i = 0;
    while i < labels.len() {
        let mut j = i;
        while j + 1 < labels.len() && labels[j + 1] - labels[j] <= 3 {
            j += 1;
        }
        if j > i {
            mark_form(blocks, &all, labels[i], labels[j]);
        }
        i = j + 1;
    }
}

fn mark_form(blocks: &mut [Block], all: &[(usize, usize)], first: usize, last: usize) {
    for &p in &all[first..=last] {
        if words_at(blocks, p) <= 8 {
            drop_at(blocks, p, Why::ContactForm);
        }
    }
    for &p in all.iter().skip(last + 1).take(4) {
        let text = text_at(blocks, p);
        if words_at(blocks, p) <= 3 || is_form_extra(text) || is_form_intro(text) {
            drop_at(blocks, p, Why::ContactForm);
        }
    }
    let before = all[..first]
        .iter()
        .rev()
        .filter(|&&p| kept_at(blocks, p))
        .take(2);
    let intros: Vec<(usize, usize)> = before
        .take_while(|&&p| {
            let (text, words) = (text_at(blocks, p), words_at(blocks, p));
            is_form_intro(text)
                || (text.ends_with('?') && words <= 20)
                || (text.ends_with(':') && words <= 12)
        })
        .copied()
        .collect();
    for p in intros {
        drop_at(blocks, p, Why::ContactForm);
    }
}

#[cfg(test)]
mod tests {
    use super::super::block::{Kind, RawPage};
    use super::*;

    #[test]
    fn patterns_compile() {
        for pattern in [&LABEL, &BUTTON, &REQUIRED, &CONSENT, &INTRO] {
            assert!(pattern.is_some());
        }
    }

    fn para(text: &str) -> Block {
        Block::new(Kind::Para, vec![Line::new(text, 0.0)])
    }

    #[test]
    fn forms_go_with_their_introduction() {
        let body = "Dialysis cleans the blood when the kidneys cannot.";
        let blocks = [
            "Have a question for our team?",
            "Full Name",
            "Email",
            "Phone Number",
            "Your question",
            "Send",
            body,
        ]
        .map(para)
        .to_vec();
        let mut page = RawPage {
            blocks,
            ..RawPage::default()
        };
        super::super::runs::mark(&mut page);
        let kept: Vec<String> = page
            .blocks
            .iter()
            .filter(|b| b.kept())
            .map(Block::kept_text)
            .collect();
        assert_eq!(kept, [body]);
    }

    #[test]
    fn single_lines() {
        assert!(is_form_line("Full Name:", 2));
        assert!(is_form_line("Submit", 1));
        assert!(is_form_line("* required", 1));
        assert!(!is_form_line("Symptoms include:", 2));
        assert!(is_form_intro("Have a question? Fill in the form below."));
        assert!(!is_form_intro("Questions to ask your doctor"));
    }
}
