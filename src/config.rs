//! The validated configuration: CLI flags and environment variables (parsed by clap) over
//! the config file over defaults; the token from `TELOXIDE_TOKEN` or the file only. Paths in
//! the file are relative to the file's folder. Nothing else in faqbot reads the environment.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::answer::Policy;
use crate::cli::{Paths, ServeArgs};
use crate::corpus::TriageFile;
use crate::hours::{Hours, Schedule, Weekdays};
use crate::search::Layout;
use crate::store::{Database, PostgresUrl};

/// Problems with the settings a user gave; reported as one line, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("invalid setting `{name}`: {message}")]
    Invalid { name: &'static str, message: String },
}

/// The config file, `faqbot.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub corpus: Option<PathBuf>,
    pub index: Option<PathBuf>,
    pub vector_cache: Option<PathBuf>,
    /// The triage file, or "off" [default: CORPUS/triage.toml].
    pub triage: Option<PathBuf>,
    pub threshold: Option<f32>,
    #[serde(default)]
    pub telegram: TelegramFile,
}

/// The `[telegram]` table of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramFile {
    pub token: Option<String>,
    pub api_url: Option<String>,
    pub expert_group: Option<i64>,
    #[serde(default)]
    pub admins: Vec<u64>,
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL connection string, for instances sharing one database; SQLite in
    /// `data_dir` when unset. Better given as `FAQBOT_DATABASE_URL`: it may hold a password.
    pub database_url: Option<String>,
    pub reminder_hours: Option<f64>,
    pub flood_per_minute: Option<u32>,
    pub retention_days: Option<u32>,
    /// Address of the health and metrics endpoint, e.g. "127.0.0.1:9187".
    pub health_addr: Option<String>,
    /// The public HTTPS URL Telegram posts updates to; polling when unset.
    pub webhook_url: Option<String>,
    /// Where faqbot listens for the webhook (behind the clinic's reverse proxy).
    pub webhook_addr: Option<String>,
    /// The secret Telegram sends with each update (1–256 of A–Z, a–z, 0–9, _ and -).
    pub webhook_secret: Option<String>,
    /// The clinic's time zone, e.g. "Europe/London".
    pub time_zone: Option<String>,
    /// Days the kidney team works, e.g. "mon-fri" or "mon,tue,thu".
    pub working_days: Option<String>,
    /// The team's hours on a working day, e.g. "09:00-17:00".
    pub working_hours: Option<String>,
    /// Working hours within which patients are told to expect an answer.
    pub answer_hours: Option<f64>,
    /// Minutes between re-raises of an unanswered urgent question.
    pub urgent_minutes: Option<f64>,
}

impl FileConfig {
    /// Reads the file named by `--config`, or `./faqbot.toml` when it exists.
    pub fn load(explicit: Option<&Path>) -> Result<FileConfig, ConfigError> {
        let default = Path::new("faqbot.toml");
        let path = match explicit {
            Some(path) => path,
            None if default.is_file() => default,
            None => return Ok(FileConfig::default()),
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: describe(&text, &e),
        })?;
        let folder = path.parent().unwrap_or(Path::new(""));
        Ok(file.relative_to(folder))
    }

    /// Resolves the file's relative paths against `folder`, the file's own folder: a
    /// config file means the same wherever faqbot is started from.
    fn relative_to(mut self, folder: &Path) -> FileConfig {
        let resolve = |path: &mut Option<PathBuf>| {
            if let Some(p) = path.as_mut() {
                if p.is_relative() && p.as_os_str() != "off" {
                    *p = folder.join(&*p);
                }
            }
        };
        resolve(&mut self.corpus);
        resolve(&mut self.index);
        resolve(&mut self.vector_cache);
        resolve(&mut self.triage);
        resolve(&mut self.telegram.data_dir);
        self
    }
}

/// A TOML error as one line: where (line, and the key when the line has one) and what.
fn describe(text: &str, error: &toml::de::Error) -> String {
    let Some(span) = error.span() else {
        return error.message().to_string();
    };
    let start = span.start.min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    let table = text[..start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(|t| t.trim_matches(['[', ']']).trim().to_string())
    });
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let key = match (table, key) {
        (Some(table), Some(key)) => format!(", `{table}.{key}`"),
        (None, Some(key)) => format!(", `{key}`"),
        _ => String::new(),
    };
    format!("line {line}{key}: {}", error.message())
}

/// Where the corpus, its triage and the index are.
pub type Locations = Layout;

/// Resolves the paths from flags, then environment (clap), then the config file, then
/// defaults. `--triage off` switches triage off.
pub fn locations(cli: &Paths, file: &FileConfig) -> Locations {
    let index = cli
        .index
        .clone()
        .or_else(|| file.index.clone())
        .unwrap_or_else(|| PathBuf::from("index"));
    let triage = match cli.triage.clone().or_else(|| file.triage.clone()) {
        None => TriageFile::InCorpus,
        Some(path) if path.as_os_str() == "off" => TriageFile::Off,
        Some(path) => TriageFile::At(path),
    };
    Layout {
        corpus: cli
            .corpus
            .clone()
            .or_else(|| file.corpus.clone())
            .unwrap_or_else(|| PathBuf::from("faq_corpus")),
        triage,
        vector_cache: cli
            .vector_cache
            .clone()
            .or_else(|| file.vector_cache.clone())
            .unwrap_or_else(|| index.join(crate::search::VECTOR_CACHE)),
        index,
    }
}

/// The answering policy from the threshold flag or file setting.
pub fn policy(cli: Option<f32>, file: &FileConfig) -> Result<Policy, ConfigError> {
    let mut policy = Policy::default();
    if let Some(threshold) = cli.or(file.threshold) {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ConfigError::Invalid {
                name: "threshold",
                message: format!("{threshold} is not between 0 and 1"),
            });
        }
        policy.threshold = threshold;
    }
    Ok(policy)
}

/// The allowed values of a numeric setting, and what it counts.
struct Range<T> {
    min: T,
    max: T,
    unit: &'static str,
}

/// Reminders from 3.6 seconds (for tests) to a year: beyond that a `Duration` overflows
/// long before any expert would want one.
const REMINDER_HOURS: Range<f64> = Range {
    min: 0.001,
    max: 8760.0,
    unit: "hours",
};

/// Messages a patient may send in a minute unless configured.
const DEFAULT_FLOOD_PER_MINUTE: u32 = 10;

/// Messages per minute: at least one, and no more than anyone types.
const FLOOD: Range<u32> = Range {
    min: 1,
    max: 1000,
    unit: "messages",
};

/// Days that tickets, ratings and flags are kept: at least one, at most a century.
const RETENTION_DAYS: Range<u32> = Range {
    min: 1,
    max: 36_500,
    unit: "days",
};

/// `value` when it lies in `range` (NaN never does), else an error naming the setting and
/// the range.
fn in_range<T: PartialOrd + std::fmt::Display>(
    name: &'static str,
    value: T,
    range: &Range<T>,
) -> Result<T, ConfigError> {
    if value >= range.min && value <= range.max {
        return Ok(value);
    }
    Err(ConfigError::Invalid {
        name,
        message: format!(
            "{value} is out of range ({}, from {} to {})",
            range.unit, range.min, range.max
        ),
    })
}

/// Where Telegram delivers updates in webhook mode, and the secret that proves it is
/// Telegram. `Debug` never shows the secret.
#[derive(Clone)]
pub struct Webhook {
    /// The public URL given to Telegram; its path is the path faqbot serves.
    pub url: url::Url,
    /// The local address faqbot listens on.
    pub addr: std::net::SocketAddr,
    pub secret: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url.as_str())
            .field("addr", &self.addr)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// Where the webhook listens unless configured: a reverse proxy forwards to it.
const DEFAULT_WEBHOOK_ADDR: &str = "127.0.0.1:8443";

impl Webhook {
    fn resolve(args: &ServeArgs, t: &TelegramFile) -> Result<Option<Webhook>, ConfigError> {
        let Some(raw) = args.webhook_url.clone().or(t.webhook_url.clone()) else {
            return Ok(None);
        };
        let url = url::Url::parse(raw.trim())
            .ok()
            .filter(|u| u.scheme() == "https" && u.has_host())
            .ok_or_else(|| ConfigError::Invalid {
                name: "FAQBOT_WEBHOOK_URL",
                message: format!("`{raw}` is not an https URL (Telegram calls only https)"),
            })?;
        let addr = args
            .webhook_addr
            .clone()
            .or(t.webhook_addr.clone())
            .unwrap_or_else(|| DEFAULT_WEBHOOK_ADDR.into());
        let addr = addr.trim().parse().map_err(|_| ConfigError::Invalid {
            name: "FAQBOT_WEBHOOK_ADDR",
            message: format!("`{addr}` is not an address with a port (e.g. 127.0.0.1:8443)"),
        })?;
        let secret = match std::env::var("FAQBOT_WEBHOOK_SECRET")
            .ok()
            .or(t.webhook_secret.clone())
        {
            Some(secret) => {
                let valid = (1..=256).contains(&secret.len())
                    && secret
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    return Err(ConfigError::Invalid {
                        name: "FAQBOT_WEBHOOK_SECRET",
                        message: "use 1 to 256 characters of A-Z, a-z, 0-9, _ and -".into(),
                    });
                }
                secret
            }
            None => random_secret()?,
        };
        Ok(Some(Webhook { url, addr, secret }))
    }
}

/// A fresh secret for one run (a single instance needs no configured one).
fn random_secret() -> Result<String, ConfigError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| ConfigError::Invalid {
        name: "FAQBOT_WEBHOOK_SECRET",
        message: format!("not set, and no random one could be made: {e}"),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Working hours patients are told to expect an answer within unless configured: one
/// working day of the default hours.
const DEFAULT_ANSWER_HOURS: f64 = 8.0;

/// The promised answer time: from 36 seconds (for tests) to a month around the clock.
const ANSWER_HOURS: Range<f64> = Range {
    min: 0.01,
    max: 720.0,
    unit: "working hours",
};

/// Minutes between re-raises of an urgent ticket unless configured.
const DEFAULT_URGENT_MINUTES: f64 = 15.0;

/// Re-raises from 0.6 seconds (for tests) to a day.
const URGENT_MINUTES: Range<f64> = Range {
    min: 0.01,
    max: 1440.0,
    unit: "minutes",
};

/// The kidney team's clock from its settings: time zone (UTC), working days (Monday to
/// Friday), working hours (09:00-17:00) and the promised answer time (8 working hours).
fn schedule(args: &ServeArgs, t: &TelegramFile) -> Result<Schedule, ConfigError> {
    let zone = args.time_zone.clone().or(t.time_zone.clone());
    let zone = match zone.as_deref().map(str::trim) {
        None => jiff::tz::TimeZone::UTC,
        Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| ConfigError::Invalid {
            name: "FAQBOT_TIME_ZONE",
            message: format!("`{name}` is not a time zone (an IANA name such as Europe/London)"),
        })?,
    };
    let days = match args.working_days.clone().or(t.working_days.clone()) {
        None => Weekdays::WEEKDAYS,
        Some(raw) => Weekdays::parse(&raw).map_err(|message| ConfigError::Invalid {
            name: "FAQBOT_WORKING_DAYS",
            message,
        })?,
    };
    let hours = match args.working_hours.clone().or(t.working_hours.clone()) {
        None => Hours::NINE_TO_FIVE,
        Some(raw) => Hours::parse(&raw).map_err(|message| ConfigError::Invalid {
            name: "FAQBOT_WORKING_HOURS",
            message,
        })?,
    };
    let promise = args
        .answer_hours
        .or(t.answer_hours)
        .unwrap_or(DEFAULT_ANSWER_HOURS);
    let promise = in_range("FAQBOT_ANSWER_HOURS", promise, &ANSWER_HOURS)?;
    let promise = jiff::SignedDuration::from_secs_f64(promise * 3600.0);
    Ok(Schedule::new(zone, days, hours, promise))
}

/// Where the bot's state is: PostgreSQL when `FAQBOT_DATABASE_URL` (or
/// `telegram.database_url`) is set, else SQLite in the data folder (`--data-dir`,
/// `telegram.data_dir`, default `data`).
pub fn database(data_dir: Option<&PathBuf>, t: &TelegramFile) -> Result<Database, ConfigError> {
    let url = std::env::var("FAQBOT_DATABASE_URL").ok();
    match url.as_deref().or(t.database_url.as_deref()) {
        Some(raw) if !raw.trim().is_empty() => PostgresUrl::parse(raw)
            .map(|url| Database::Postgres(Box::new(url)))
            .map_err(|message| ConfigError::Invalid {
                name: "FAQBOT_DATABASE_URL",
                message,
            }),
        _ => Ok(Database::Sqlite(
            data_dir
                .cloned()
                .or_else(|| t.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from("data")),
        )),
    }
}

/// The bot token. Its `Debug` never shows it, so it cannot leak into a log line.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Checks the `<bot id>:<secret>` shape BotFather gives.
    pub fn parse(raw: &str) -> Result<Token, ConfigError> {
        let raw = raw.trim();
        let valid = raw.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty()
                && id.chars().all(|c| c.is_ascii_digit())
                && !secret.is_empty()
                && secret
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
        if !valid {
            return Err(ConfigError::Invalid {
                name: "TELOXIDE_TOKEN",
                message: "expected the form <bot id>:<secret> from @BotFather".into(),
            });
        }
        Ok(Token(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// Everything `faqbot serve` needs, validated.
#[derive(Debug, Clone)]
pub struct BotConfig {
    pub token: Token,
    pub api_url: url::Url,
    pub expert_group: i64,
    pub admins: Vec<u64>,
    /// SQLite in the data folder, or a shared PostgreSQL database.
    pub database: Database,
    pub reminder_after: std::time::Duration,
    pub flood_per_minute: u32,
    /// Days tickets, their message links, ratings and delivery flags are kept.
    pub keep_days: u32,
    /// Where `/healthz`, `/readyz` and `/metrics` are served; off when `None`.
    pub health_addr: Option<std::net::SocketAddr>,
    /// Webhook mode; long polling when `None`.
    pub webhook: Option<Webhook>,
    pub locations: Locations,
    pub policy: Policy,
    /// The kidney team's working days and hours, and the answer time patients are told.
    pub schedule: Schedule,
    /// How often an unanswered urgent ticket is raised again in the group, at any hour.
    pub urgent_every: std::time::Duration,
}

impl BotConfig {
    pub fn resolve(args: &ServeArgs, file: &FileConfig) -> Result<BotConfig, ConfigError> {
        let t = &file.telegram;
        let from_env = std::env::var("TELOXIDE_TOKEN").ok();
        let token = from_env
            .as_deref()
            .or(t.token.as_deref())
            .ok_or(ConfigError::Invalid {
                name: "TELOXIDE_TOKEN",
                message: "not set (export TELOXIDE_TOKEN or set telegram.token in the config file)"
                    .into(),
            })?;
        let token = Token::parse(token)?;
        let api_url = args
            .api_url
            .as_deref()
            .or(t.api_url.as_deref())
            .unwrap_or("https://api.telegram.org");
        let api_url = url::Url::parse(api_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| ConfigError::Invalid {
                name: "TELOXIDE_API_URL",
                message: format!("`{api_url}` is not an http(s) URL"),
            })?;
        let expert_group = args
            .expert_group
            .or(t.expert_group)
            .ok_or(ConfigError::Invalid {
                name: "FAQBOT_EXPERT_GROUP",
                message: "not set (the chat id of the experts' Telegram group)".into(),
            })?;
        if expert_group >= 0 {
            return Err(ConfigError::Invalid {
                name: "FAQBOT_EXPERT_GROUP",
                message: format!("{expert_group} is not a group chat id (group ids are negative)"),
            });
        }
        let admins = if args.admins.is_empty() {
            t.admins.clone()
        } else {
            args.admins.clone()
        };
        let schedule = schedule(args, t)?;
        // Counted in working hours; by default the team is reminded when a question has
        // waited three quarters of the time patients are told, so it can still be kept.
        let promised = schedule.promise().as_secs_f64() / 3600.0;
        let hours = args
            .reminder_hours
            .or(t.reminder_hours)
            .unwrap_or(promised * 0.75);
        let hours = in_range("FAQBOT_REMINDER_HOURS", hours, &REMINDER_HOURS)?;
        // Below Telegram's 20 messages a minute to one chat, so the notice to a flooding
        // patient is not held back behind the answers.
        let flood_per_minute = args
            .flood_per_minute
            .or(t.flood_per_minute)
            .unwrap_or(DEFAULT_FLOOD_PER_MINUTE);
        let flood_per_minute = in_range("FAQBOT_FLOOD_PER_MINUTE", flood_per_minute, &FLOOD)?;
        let keep_days = args
            .retention_days
            .or(t.retention_days)
            .unwrap_or(crate::store::DEFAULT_KEEP_DAYS);
        let keep_days = in_range("FAQBOT_RETENTION_DAYS", keep_days, &RETENTION_DAYS)?;
        let health_addr = match args.health_addr.clone().or(t.health_addr.clone()) {
            None => None,
            Some(raw) => Some(raw.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "FAQBOT_HEALTH_ADDR",
                message: format!("`{raw}` is not an address with a port (e.g. 127.0.0.1:9187)"),
            })?),
        };
        let webhook = Webhook::resolve(args, t)?;
        let minutes = args
            .urgent_minutes
            .or(t.urgent_minutes)
            .unwrap_or(DEFAULT_URGENT_MINUTES);
        let minutes = in_range("FAQBOT_URGENT_MINUTES", minutes, &URGENT_MINUTES)?;
        let urgent_every = std::time::Duration::from_secs_f64(minutes * 60.0);
        Ok(BotConfig {
            token,
            api_url,
            expert_group,
            admins,
            database: database(args.data_dir.as_ref(), t)?,
            reminder_after: std::time::Duration::from_secs_f64(hours * 3600.0),
            flood_per_minute,
            keep_days,
            health_addr,
            webhook,
            locations: locations(&args.paths, file),
            policy: policy(args.threshold, file)?,
            schedule,
            urgent_every,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        let error = toml::from_str::<FileConfig>(text).unwrap_err();
        describe(text, &error)
    }

    #[test]
    fn a_config_error_names_its_line_and_key() {
        let text = "corpus = \"faq\"\n\n[telegram]\nadmins = [1]\nexpert_group = \"-100123\"\n";
        assert_eq!(
            error_of(text),
            "line 5, `telegram.expert_group`: invalid type: string \"-100123\", expected i64"
        );
        let unknown = error_of("treshold = 0.5\n");
        assert!(
            unknown.starts_with("line 1, `treshold`: unknown field"),
            "{unknown}"
        );
    }

    #[test]
    fn paths_in_the_file_are_relative_to_its_folder() {
        let text = "corpus = \"faq\"\nindex = \"/srv/index\"\ntriage = \"off\"\n\
                    [telegram]\ndata_dir = \"data\"\n";
        let file = toml::from_str::<FileConfig>(text)
            .unwrap()
            .relative_to(Path::new("/etc/faqbot"));
        assert_eq!(file.corpus.unwrap(), Path::new("/etc/faqbot/faq"));
        assert_eq!(file.index.unwrap(), Path::new("/srv/index"));
        assert_eq!(file.triage.unwrap(), Path::new("off"));
        assert_eq!(
            file.telegram.data_dir.unwrap(),
            Path::new("/etc/faqbot/data")
        );
    }

    #[test]
    fn a_database_url_chooses_postgresql_and_a_bad_one_is_named() {
        if std::env::var_os("FAQBOT_DATABASE_URL").is_some() {
            return; // the environment would override the file below
        }
        let file = |url: Option<&str>| TelegramFile {
            database_url: url.map(String::from),
            data_dir: Some("/var/lib/faqbot".into()),
            ..TelegramFile::default()
        };
        let sqlite = database(None, &file(None)).unwrap();
        assert!(matches!(&sqlite, Database::Sqlite(dir) if dir == Path::new("/var/lib/faqbot")));
        let pg = database(None, &file(Some("postgres://bot:pw@db:5433/faq"))).unwrap();
        assert_eq!(pg.to_string(), "postgres://bot@db:5433/faq");
        let error = database(None, &file(Some("postgres://"))).unwrap_err();
        let error = error.to_string();
        assert!(error.contains("FAQBOT_DATABASE_URL"), "{error}");
    }
}
