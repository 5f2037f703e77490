//! Command-line arguments: plain data for clap, no logic. Every path and setting can also
//! come from an environment variable or the config file (see `config`). The bot token is
//! never a flag, so it cannot show in `ps`: it comes from `TELOXIDE_TOKEN` or the file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// faqbot answers kidney patients' questions from an article corpus, and hands the rest to
/// human kidney experts on Telegram.
#[derive(Debug, Parser)]
#[command(name = "faqbot", version, about)]
pub struct Cli {
    /// Config file (TOML). Default: ./faqbot.toml when it exists.
    #[arg(long, global = true, env = "FAQBOT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the corpus and build a new index, switching over atomically.
    Index(Paths),
    /// Answer a question as the bot would.
    Ask(AskArgs),
    /// Measure answer quality on labelled questions (JSONL).
    Eval(EvalArgs),
    /// Run the Telegram bot.
    Serve(ServeArgs),
    /// Check what `serve` needs (settings, corpus, index, database, token), then exit.
    Check(ServeArgs),
    /// Review the questions faqbot could not answer well, and improve the corpus from them.
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub paths: Paths,
    /// Directory of the bot's database [default: ./data]
    #[arg(long, env = "FAQBOT_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Review questions asked since this day (YYYY-MM-DD, UTC) [default: 30 days ago]
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Print the review as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub action: Option<ReviewAction>,
}

#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// Add QUESTION to the `questions:` of ARTICLE (its file otherwise untouched), then
    /// re-index.
    Accept {
        /// The article's id (its file name without `.md`).
        article: String,
        question: String,
    },
    /// Write a draft article from the experts' answer to a ticket; it is not indexed until
    /// its `draft: true` line is removed.
    Draft {
        /// The ticket number (`#N` in the review).
        #[arg(long, value_name = "N")]
        ticket: i64,
    },
}

/// Where the corpus and the index live.
#[derive(Debug, Clone, Default, Args)]
pub struct Paths {
    /// Corpus directory [default: ./faq_corpus]
    #[arg(long, env = "FAQBOT_CORPUS", value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Index directory [default: ./index]
    #[arg(long, env = "FAQBOT_INDEX", value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Cache of sentence vectors, so a re-index only encodes changed text
    /// [default: INDEX/vector-cache.bin]
    #[arg(long, env = "FAQBOT_VECTOR_CACHE", value_name = "FILE")]
    pub vector_cache: Option<PathBuf>,
    /// The emergency triage file, or `off` to run without triage
    /// [default: CORPUS/triage.toml]
    #[arg(long, env = "FAQBOT_TRIAGE", value_name = "FILE|off")]
    pub triage: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    #[command(flatten)]
    pub paths: Paths,
    /// Print one JSON object per question.
    #[arg(long)]
    pub json: bool,
    /// Also show how the question was understood and the evidence for each article.
    #[arg(long, conflicts_with = "json")]
    pub explain: bool,
    /// Confidence below which the question goes to an expert [default: the `threshold` setting, else 0.67]
    #[arg(long, env = "FAQBOT_THRESHOLD", value_name = "0..1")]
    pub threshold: Option<f32>,
    /// The question; `-` reads one question per line from standard input. The question
    /// may start with `-` ("-dialysis"); flags go before it.
    #[arg(
        required = true,
        num_args = 1..,
        value_name = "QUESTION",
        allow_hyphen_values = true,
        trailing_var_arg = true
    )]
    pub question: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub paths: Paths,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Confidence threshold to report at [default: the `threshold` setting, else 0.67]
    #[arg(long, env = "FAQBOT_THRESHOLD", value_name = "0..1")]
    pub threshold: Option<f32>,
    /// Also list every question handled wrongly.
    #[arg(long)]
    pub misses: bool,
    /// Write each question's candidates and their evidence as JSONL to FILE (to refit the
    /// ranking and confidence weights on a training set).
    #[arg(long, value_name = "FILE")]
    pub features: Option<PathBuf>,
    /// Labelled questions, one per line:
    /// `{"q": ..., "expect": [...] | "no_answer" | "urgent" | "clarify"}`.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub paths: Paths,
    /// Confidence below which the question goes to an expert [default: the `threshold` setting, else 0.67]
    #[arg(long, env = "FAQBOT_THRESHOLD", value_name = "0..1")]
    pub threshold: Option<f32>,
    /// Telegram Bot API base URL [default: https://api.telegram.org]
    #[arg(long, env = "TELOXIDE_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Directory for the bot's database [default: ./data]
    #[arg(long, env = "FAQBOT_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Chat id of the expert group that receives questions
    #[arg(
        long,
        env = "FAQBOT_EXPERT_GROUP",
        value_name = "CHAT_ID",
        allow_hyphen_values = true
    )]
    pub expert_group: Option<i64>,
    /// User ids allowed to /reindex and /stats (comma-separated, spaces allowed)
    #[arg(
        long,
        env = "FAQBOT_ADMINS",
        value_name = "IDS",
        value_delimiter = ',',
        value_parser = user_id
    )]
    pub admins: Vec<u64>,
    /// Remind the experts of a question unanswered this many working hours, within working
    /// hours [default: three quarters of --answer-hours]
    #[arg(long, env = "FAQBOT_REMINDER_HOURS", value_name = "HOURS")]
    pub reminder_hours: Option<f64>,
    /// Messages a patient may send per minute before being asked to slow down [default: 10]
    #[arg(long, env = "FAQBOT_FLOOD_PER_MINUTE", value_name = "N")]
    pub flood_per_minute: Option<u32>,
    /// Days tickets, ratings and delivery flags are kept before they are erased [default: 180]
    #[arg(long, env = "FAQBOT_RETENTION_DAYS", value_name = "DAYS")]
    pub retention_days: Option<u32>,
    /// Serve /healthz, /readyz and /metrics on this address, e.g. 127.0.0.1:9187 [default: off]
    #[arg(long, env = "FAQBOT_HEALTH_ADDR", value_name = "ADDR")]
    pub health_addr: Option<String>,
    /// Receive updates by webhook at this public https URL instead of polling
    /// (the secret: FAQBOT_WEBHOOK_SECRET or the config file)
    #[arg(long, env = "FAQBOT_WEBHOOK_URL", value_name = "URL")]
    pub webhook_url: Option<String>,
    /// Address the webhook listens on, behind the reverse proxy [default: 127.0.0.1:8443]
    #[arg(long, env = "FAQBOT_WEBHOOK_ADDR", value_name = "ADDR")]
    pub webhook_addr: Option<String>,
    /// The clinic's time zone, an IANA name such as Europe/London [default: UTC]
    #[arg(long, env = "FAQBOT_TIME_ZONE", value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Days the kidney team works, e.g. mon-fri or mon,tue,thu [default: mon-fri]
    #[arg(long, env = "FAQBOT_WORKING_DAYS", value_name = "DAYS")]
    pub working_days: Option<String>,
    /// The kidney team's hours on a working day [default: 09:00-17:00]
    #[arg(long, env = "FAQBOT_WORKING_HOURS", value_name = "HH:MM-HH:MM")]
    pub working_hours: Option<String>,
    /// Working hours within which patients are told to expect an answer [default: 8]
    #[arg(long, env = "FAQBOT_ANSWER_HOURS", value_name = "HOURS")]
    pub answer_hours: Option<f64>,
    /// Minutes between re-raises of an unanswered urgent question, at any hour [default: 15]
    #[arg(long, env = "FAQBOT_URGENT_MINUTES", value_name = "MINUTES")]
    pub urgent_minutes: Option<f64>,
}

/// A Telegram user id, as people write lists: `1, 2` as well as `1,2`.
fn user_id(raw: &str) -> Result<u64, String> {
    raw.trim().parse().map_err(|_| {
        format!(
            "`{}` is not a Telegram user id (a positive number)",
            raw.trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(args: &[&str]) -> Vec<String> {
        let cli = Cli::try_parse_from(args).expect("parses");
        match cli.command {
            Command::Ask(ask) => ask.question,
            other => panic!("not ask: {other:?}"),
        }
    }

    #[test]
    fn a_question_may_start_with_a_hyphen_and_flags_before_it_still_count() {
        assert_eq!(question(&["faqbot", "ask", "-dialysis"]), ["-dialysis"]);
        assert_eq!(
            question(&["faqbot", "ask", "--json", "-x", "--explain"]),
            ["-x", "--explain"],
            "after the question, everything is the question"
        );
        assert_eq!(question(&["faqbot", "ask", "-"]), ["-"]);
        let cli = Cli::try_parse_from(["faqbot", "ask", "--json", "--threshold", "0.5", "q"]);
        let Ok(Cli {
            command: Command::Ask(ask),
            ..
        }) = cli
        else {
            panic!("flags before the question parse");
        };
        assert!(ask.json);
        assert_eq!(ask.threshold, Some(0.5));
        assert!(Cli::try_parse_from(["faqbot", "ask", "--json", "--explain", "q"]).is_err());
        assert!(
            Cli::try_parse_from(["faqbot", "ask", "--json"]).is_err(),
            "no question"
        );
    }

    #[test]
    fn admins_are_read_as_people_write_lists() {
        let cli = Cli::try_parse_from(["faqbot", "serve", "--admins", "1, 2,3"]).expect("parses");
        let Command::Serve(serve) = cli.command else {
            panic!("not serve");
        };
        assert_eq!(serve.admins, [1, 2, 3]);
        assert!(Cli::try_parse_from(["faqbot", "serve", "--admins", "1, bob"]).is_err());
    }

    #[test]
    fn there_is_no_token_flag() {
        assert!(Cli::try_parse_from(["faqbot", "serve", "--token", "1:x"]).is_err());
    }
}
