//! Settings: a numeric setting out of range stops start-up with one line that names it and
//! the allowed range, before anything is opened or sent.

use crate::env::TestEnv;

/// A config file valid in everything but what a test passes on the command line. The Bot API
/// is a closed port on this machine: nothing is ever sent elsewhere.
const CONFIG: &str = "[telegram]\n\
                      token = \"123456:test-token\"\n\
                      api_url = \"http://127.0.0.1:9\"\n\
                      expert_group = -100123\n";

#[test]
fn out_of_range_numbers_are_refused_with_the_setting_and_its_range() {
    let env = TestEnv::with_fixture_corpus();
    std::fs::write(env.path().join("faqbot.toml"), CONFIG).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--reminder-hours", "1e20"],
            "error: invalid setting `FAQBOT_REMINDER_HOURS`: 100000000000000000000 is out of range \
             (hours, from 0.001 to 8760)",
        ),
        (
            &["--reminder-hours", "0"],
            "error: invalid setting `FAQBOT_REMINDER_HOURS`: 0 is out of range \
             (hours, from 0.001 to 8760)",
        ),
        (
            &["--reminder-hours", "NaN"],
            "error: invalid setting `FAQBOT_REMINDER_HOURS`: NaN is out of range \
             (hours, from 0.001 to 8760)",
        ),
        (
            &["--flood-per-minute", "0"],
            "error: invalid setting `FAQBOT_FLOOD_PER_MINUTE`: 0 is out of range \
             (messages, from 1 to 1000)",
        ),
        (
            &["--flood-per-minute", "4000000000"],
            "error: invalid setting `FAQBOT_FLOOD_PER_MINUTE`: 4000000000 is out of range \
             (messages, from 1 to 1000)",
        ),
        (
            &["--retention-days", "0"],
            "error: invalid setting `FAQBOT_RETENTION_DAYS`: 0 is out of range \
             (days, from 1 to 36500)",
        ),
        (
            &["--threshold", "NaN"],
            "error: invalid setting `threshold`: NaN is not between 0 and 1",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["serve"];
        args.extend(*flags);
        let run = env.run(&args);
        assert_eq!(run.code, 2, "{flags:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim(), *expected, "{flags:?}");
    }
}
