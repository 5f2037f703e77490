//! The validated configuration: CLI flags and environment variables (parsed by clap) over
//! the config file over defaults. Nothing else in faqbot reads the environment.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::answer::Policy;
use crate::cli::Paths;

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
    pub reminder_hours: Option<f64>,
    pub flood_per_minute: Option<u32>,
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
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })
    }
}

/// Where the corpus and the index are.
#[derive(Debug, Clone, PartialEq)]
pub struct Locations {
    pub corpus: PathBuf,
    pub index: PathBuf,
}

impl Locations {
    pub fn resolve(cli: &Paths, file: &FileConfig) -> Locations {
        Locations {
            corpus: cli
                .corpus
                .clone()
                .or_else(|| file.corpus.clone())
                .unwrap_or_else(|| PathBuf::from("faq_corpus")),
            index: cli
                .index
                .clone()
                .or_else(|| file.index.clone())
                .unwrap_or_else(|| PathBuf::from("index")),
        }
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
