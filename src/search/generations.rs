//! The index directory on disk: one sub-directory per build ("generation") and a `CURRENT`
//! file naming the one in service. A build writes a new generation, then replaces `CURRENT`
//! with an atomic rename, so a failed or interrupted build leaves the previous index serving.
//! Builds take turns: each holds an exclusive lock on the index directory from its start to
//! the clean-up after its switch, so two builds never delete each other's generations.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};

use crate::corpus::SynonymGroup;
use crate::triage::TriageConfig;

const CURRENT: &str = "CURRENT";
const MANIFEST: &str = "faqbot.json";
/// The file whose lock a build holds.
const LOCK: &str = "LOCK";
/// Generations kept besides the current one, for processes still reading them.
const KEEP_OLD: usize = 2;

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

    /// Waits until no other build (in this process or another) uses the index directory,
    /// then holds it until the returned guard is dropped.
    pub fn lock(&self) -> std::io::Result<Locked<'_>> {
        fs::create_dir_all(&self.root)?;
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(LOCK))?;
        file.lock_exclusive()?;
        Ok(Locked { dir: self, file })
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

/// The index directory while this build holds its lock: only a holder starts builds,
/// switches `CURRENT` and removes old generations.
pub struct Locked<'a> {
    dir: &'a IndexDir,
    file: fs::File,
}

impl Locked<'_> {
    /// A fresh directory for a build in progress. Any other build directory was left by a
    /// build that no longer runs (builds hold the lock) and is removed.
    pub fn start_build(&self) -> std::io::Result<PathBuf> {
        self.remove_abandoned_builds();
        let dir = self.dir.root.join(format!(
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
        let generation = self.dir.root.join(&name);
        fs::rename(build, &generation)?;
        write_atomically(&self.dir.root.join(CURRENT), name.as_bytes())?;
        self.remove_old_generations();
        Ok(generation)
    }

    fn remove_abandoned_builds(&self) {
        for (path, _) in self.dir.entries("build-") {
            let _ = fs::remove_dir_all(path);
        }
    }

    /// Keeps the generation `CURRENT` names and the `KEEP_OLD` newest others.
    fn remove_old_generations(&self) {
        let current = self.dir.current();
        let mut old: Vec<(PathBuf, Duration)> = self
            .dir
            .entries("gen-")
            .into_iter()
            .filter(|(p, _)| current.as_ref() != Some(p))
            .collect();
        old.sort_by_key(|(_, age)| *age);
        for (path, _) in old.into_iter().skip(KEEP_OLD) {
            let _ = fs::remove_dir_all(path);
        }
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first says so.
        let _ = FileExt::unlock(&self.file);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_build_waits_for_the_first_to_let_go() {
        let root = tempfile::tempdir().unwrap();
        let dir = IndexDir::new(root.path());
        let first = dir.lock().unwrap();
        let released = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let second = s.spawn(|| {
                let again = IndexDir::new(root.path());
                let _second = again.lock().unwrap();
                released.load(std::sync::atomic::Ordering::SeqCst)
            });
            std::thread::sleep(Duration::from_millis(300));
            released.store(true, std::sync::atomic::Ordering::SeqCst);
            drop(first);
            assert!(
                second.join().unwrap(),
                "the second lock waited for the first"
            );
        });
    }

    #[test]
    fn clean_up_keeps_the_generation_in_service_and_two_others() {
        let root = tempfile::tempdir().unwrap();
        let dir = IndexDir::new(root.path());
        let manifest = Manifest {
            format: 0,
            fingerprint: String::new(),
            built_at_unix: 0,
            articles: 0,
            passages: 0,
            synonyms: Vec::new(),
            triage: None,
        };
        let locked = dir.lock().unwrap();
        let mut published = Vec::new();
        for _ in 0..5 {
            let build = locked.start_build().unwrap();
            published.push(locked.publish(&build, &manifest).unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(dir.current().as_ref(), published.last());
        let left = dir.entries("gen-").len();
        assert_eq!(left, 1 + KEEP_OLD, "the current one and {KEEP_OLD} others");
    }
}
