//! Settings: a bad setting stops start-up with one line that names it (and, in the config
//! file, its line) before anything is opened or sent; paths in the config file are relative
//! to it; logs carry no terminal colours unless on a terminal, or are JSON on request.

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

#[test]
fn a_bad_clinic_clock_is_refused_with_the_setting_and_what_is_wrong() {
    let env = TestEnv::with_fixture_corpus();
    std::fs::write(env.path().join("faqbot.toml"), CONFIG).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--time-zone", "Europe/Londn"],
            "error: invalid setting `FAQBOT_TIME_ZONE`: `Europe/Londn` is not a time zone \
             (an IANA name such as Europe/London)",
        ),
        (
            &["--working-days", "mon-fry"],
            "error: invalid setting `FAQBOT_WORKING_DAYS`: `fry` is not a day of the week \
             (mon, tue, ... sun)",
        ),
        (
            &["--working-hours", "17:00-09:00"],
            "error: invalid setting `FAQBOT_WORKING_HOURS`: `17:00-09:00` ends before it \
             starts (a shift over midnight is not supported)",
        ),
        (
            &["--answer-hours", "0"],
            "error: invalid setting `FAQBOT_ANSWER_HOURS`: 0 is out of range \
             (working hours, from 0.01 to 720)",
        ),
        (
            &["--urgent-minutes", "NaN"],
            "error: invalid setting `FAQBOT_URGENT_MINUTES`: NaN is out of range \
             (minutes, from 0.01 to 1440)",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["serve"];
        args.extend(*flags);
        let run = env.run(&args);
        assert_eq!(run.code, 2, "{flags:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim(), *expected, "{flags:?}");
    }
    // The same settings in the config file.
    let file = format!(
        "{CONFIG}time_zone = \"Europe/London\"\nworking_days = \"mon,tue,thu\"\n\
         working_hours = \"08:30-16:30\"\nanswer_hours = 4\nurgent_minutes = 0.05\n\
         working_days_off = 1\n"
    );
    std::fs::write(env.path().join("faqbot.toml"), file).unwrap();
    let run = env.run(&["serve"]);
    assert!(
        run.stderr
            .contains("line 10, `telegram.working_days_off`: unknown field"),
        "every other key is known: {}",
        run.stderr
    );
}

#[test]
fn a_config_file_error_names_the_line_and_the_key() {
    let env = TestEnv::with_fixture_corpus();
    let config = CONFIG.replace("expert_group = -100123", "expert_group = \"-100123\"");
    std::fs::write(env.path().join("faqbot.toml"), config).unwrap();
    let run = env.run(&["serve"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "error: invalid config file faqbot.toml: line 4, `telegram.expert_group`: \
         invalid type: string \"-100123\", expected i64"
    );
}

#[test]
fn paths_in_a_config_file_are_relative_to_the_file_not_to_where_faqbot_runs() {
    let env = TestEnv::with_fixture_corpus();
    let config = env.path().join("faqbot.toml");
    std::fs::write(&config, "corpus = \"faq_corpus\"\nindex = \"built\"\n").unwrap();
    let elsewhere = env.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let output = env
        .command(&["--config", config.to_str().unwrap(), "index"])
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(env.path().join("built/CURRENT").is_file());
    assert!(!elsewhere.join("built").exists());
}

/// Runs `faqbot serve` against a closed port for a moment (it logs that Telegram cannot
/// be reached, and retries) with `envs`, and returns what it logged.
fn serve_log(envs: &[(&str, &str)]) -> String {
    let env = TestEnv::with_fixture_corpus();
    std::fs::write(env.path().join("faqbot.toml"), CONFIG).unwrap();
    let mut command = env.command(&["serve"]);
    command.env("FAQBOT_LOG", "info");
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn logs_to_a_file_are_plain_text_or_json_lines_on_request() {
    let text = serve_log(&[("FAQBOT_ADMINS", "1, 2")]);
    assert!(text.contains("cannot reach Telegram"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "escape codes in a log file:\n{text}"
    );

    let json = serve_log(&[("FAQBOT_LOG_FORMAT", "json")]);
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot reach")),
        "{json}"
    );
}
