//! The index directory on disk: one sub-directory per build ("generation") and a `CURRENT`
//! file naming the one in service. A build writes a new generation, then replaces `CURRENT`
//! with an atomic rename, so a failed or interrupted build leaves the previous index serving.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::corpus::SynonymGroup;
use crate::triage::TriageConfig;

const CURRENT: &str = "CURRENT";
const MANIFEST: &str = "faqbot.json";
/// Generations kept besides the current one, for processes still reading them.
const KEEP_OLD: usize = 2;
/// An unfinished build older than this was interrupted; its directory is removed.
const STALE_BUILD: Duration = Duration::from_secs(3600);

/// What a generation was built from: enough to tell whether the corpus changed since, and
/// the settings its tokens were analysed with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub fingerprint: String,
    pub built_at_unix: u64,
    pub articles: usize,
    pub passages: usize,
    pub synonyms: Vec<SynonymGroup>,
    /// Emergency triage, checked when the corpus was indexed; `None` when switched off.
    pub triage: Option<TriageConfig>,
}

/// The index root directory.
#[derive(Debug, Clone)]
pub struct IndexDir {
    root: PathBuf,
}

impl IndexDir {
    pub fn new(root: &Path) -> IndexDir {
        IndexDir {
            root: root.to_path_buf(),
        }
    }

    /// The generation in service, if any.
    pub fn current(&self) -> Option<PathBuf> {
        let name = fs::read_to_string(self.root.join(CURRENT)).ok()?;
        let name = name.trim();
        let valid = !name.is_empty() && !name.contains(['/', '\\']) && name != "..";
        let dir = self.root.join(name);
        (valid && dir.is_dir()).then_some(dir)
    }

    /// The manifest of the generation in service.
    pub fn current_manifest(&self) -> Option<Manifest> {
        read_manifest(&self.current()?).ok()
    }

    /// A fresh directory for a build in progress.
    pub fn start_build(&self) -> std::io::Result<PathBuf> {
        fs::create_dir_all(&self.root)?;
        self.remove_stale_builds();
        let dir = self.root.join(format!(
            "build-{}-{}",
            now_unix_millis(),
            std::process::id()
        ));
        fs::create_dir(&dir)?;
        Ok(dir)
    }

    /// Puts a finished build into service: rename it to a generation, then swap `CURRENT`.
    pub fn publish(&self, build: &Path, manifest: &Manifest) -> std::io::Result<PathBuf> {
        write_atomically(&build.join(MANIFEST), &serde_json::to_vec_pretty(manifest)?)?;
        let name = format!("gen-{}-{}", now_unix_millis(), std::process::id());
        let generation = self.root.join(&name);
        fs::rename(build, &generation)?;
        write_atomically(&self.root.join(CURRENT), name.as_bytes())?;
        self.remove_old_generations(&name);
        Ok(generation)
    }

    fn remove_stale_builds(&self) {
        for (path, age) in self.entries("build-") {
            if age > STALE_BUILD {
                let _ = fs::remove_dir_all(path);
            }
        }
    }

    fn remove_old_generations(&self, current: &str) {
        let mut old: Vec<(PathBuf, Duration)> = self
            .entries("gen-")
            .into_iter()
            .filter(|(p, _)| p.file_name().is_some_and(|n| n != current))
            .collect();
        old.sort_by_key(|(_, age)| *age);
        for (path, _) in old.into_iter().skip(KEEP_OLD) {
            let _ = fs::remove_dir_all(path);
        }
    }

    fn entries(&self, prefix: &str) -> Vec<(PathBuf, Duration)> {
        let Ok(read) = fs::read_dir(&self.root) else {
            return Vec::new();
        };
        read.flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .map(|e| {
                let age = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .unwrap_or_default();
                (e.path(), age)
            })
            .collect()
    }
}

pub fn read_manifest(generation: &Path) -> anyhow::Result<Manifest> {
    let bytes = fs::read(generation.join(MANIFEST))?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// Writes `path` via a temporary file and a rename, so readers see the old or the new bytes.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

pub fn now_unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}
