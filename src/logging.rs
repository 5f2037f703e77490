//! Logging set-up: `FAQBOT_LOG`, or a default per command, on stderr, as text or JSON
//! (`FAQBOT_LOG_FORMAT`). Some third-party log lines carry patients' messages whatever their
//! level, so their targets are always off.

use std::io::IsTerminal;

use tracing_subscriber::filter::{Directive, EnvFilter};

/// Targets never logged: teloxide's dispatcher logs an update it cannot parse at ERROR with
/// the whole update (the message text, the sender's names and username).
const PAYLOAD_TARGETS: [&str; 1] = ["teloxide::dispatching::dispatcher"];

/// The filter: `FAQBOT_LOG` if set and valid, else `default`; payload targets off.
pub fn filter(default: &str) -> EnvFilter {
    let filter = EnvFilter::try_from_env("FAQBOT_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    PAYLOAD_TARGETS
        .iter()
        .fold(filter, |filter, target| filter.add_directive(off(target)))
}

fn off(target: &str) -> Directive {
    format!("{target}=off")
        .parse()
        .expect("a target name makes a valid directive")
}

/// Installs the subscriber: to stderr, filtered by [`filter`]; JSON lines when
/// `FAQBOT_LOG_FORMAT=json`, else text, coloured only on a terminal (a log file or the
/// journal gets no escape codes).
pub fn init(default: &str) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(default))
        .with_writer(std::io::stderr);
    let json = std::env::var("FAQBOT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}
