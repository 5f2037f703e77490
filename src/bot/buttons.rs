//! The inline buttons' callback payloads: one enum, encoded and parsed here only.

/// What a button press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// Something about the patient's stored question `question`.
    About { question: i64, action: Action },
    /// The answer to `/forget`'s confirmation.
    Forget { confirmed: bool },
}

/// What a button under an answer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// *Helpful* / *Not helpful*.
    Rate { helpful: bool },
    /// The `index`th article offered under the answer.
    Related { index: usize },
    /// *Ask a kidney expert*.
    AskExpert,
    /// Answer this question, one of several a message asked.
    More,
}

impl Button {
    pub fn about(question: i64, action: Action) -> Button {
        Button::About { question, action }
    }

    /// The callback data (well within Telegram's 64 bytes).
    pub fn encode(self) -> String {
        match self {
            Button::About { question, action } => match action {
                Action::Rate { helpful } => format!("fb:{question}:{}", u8::from(helpful)),
                Action::Related { index } => format!("rel:{question}:{index}"),
                Action::AskExpert => format!("ask:{question}"),
                Action::More => format!("more:{question}"),
            },
            Button::Forget { confirmed: true } => "forget:yes".into(),
            Button::Forget { confirmed: false } => "forget:no".into(),
        }
    }

    /// Reads callback data; `None` for anything this bot did not encode.
    pub fn parse(data: &str) -> Option<Button> {
        let parts: Vec<&str> = data.split(':').collect();
        let action = match parts.as_slice() {
            ["forget", "yes"] => return Some(Button::Forget { confirmed: true }),
            ["forget", "no"] => return Some(Button::Forget { confirmed: false }),
            ["fb", _, "1"] => Action::Rate { helpful: true },
            ["fb", _, "0"] => Action::Rate { helpful: false },
            ["rel", _, index] => Action::Related {
                index: index.parse().ok()?,
            },
            ["ask", _] => Action::AskExpert,
            ["more", _] => Action::More,
            _ => return None,
        };
        let question = parts[1].parse().ok()?;
        Some(Button::About { question, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_survives_a_round_trip_within_telegrams_limit() {
        let buttons = [
            Button::about(i64::MAX, Action::Rate { helpful: true }),
            Button::about(7, Action::Rate { helpful: false }),
            Button::about(3, Action::Related { index: 2 }),
            Button::about(12, Action::AskExpert),
            Button::about(99, Action::More),
            Button::Forget { confirmed: true },
            Button::Forget { confirmed: false },
        ];
        for button in buttons {
            let data = button.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(Button::parse(&data), Some(button), "{data}");
        }
        let rating = Button::about(4, Action::Rate { helpful: true });
        assert_eq!(
            rating.encode(),
            "fb:4:1",
            "buttons already sent keep working"
        );
    }

    #[test]
    fn malformed_payloads_are_refused() {
        for data in [
            "",
            "fb",
            "fb:1",
            "fb:1:2",
            "fb:x:1",
            "rel:1",
            "rel:1:-1",
            "ask:",
            "ask:1:2",
            "more:abc",
            "forget",
            "forget:maybe",
            "zap:1",
        ] {
            assert_eq!(Button::parse(data), None, "{data:?}");
        }
    }
}
