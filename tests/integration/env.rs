//! `TestEnv`: a temporary working directory with a corpus, and a way to run `faqbot` in it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use std::io::Write;

/// A scratch directory laid out like a maintainer's checkout: `faq_corpus/`, `index/`.
pub struct TestEnv {
    dir: tempfile::TempDir,
}

/// What one run of `faqbot` printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses each stdout line as JSON.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        let mut lines = self.json_lines();
        assert_eq!(lines.len(), 1, "expected one JSON line:\n{}", self.stdout);
        lines.remove(0)
    }

    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestEnv {
    /// An environment whose corpus holds only the shipped triage file (`faq_corpus/triage.toml`),
    /// which every corpus needs unless it switches triage off.
    pub fn empty() -> TestEnv {
        let env = TestEnv {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        std::fs::create_dir_all(env.corpus()).expect("mkdir");
        std::fs::copy(
            repo().join("faq_corpus/triage.toml"),
            env.corpus().join("triage.toml"),
        )
        .expect("copy triage.toml");
        env
    }

    /// An environment with the small fixture corpus of `tests/fixtures/corpus`.
    pub fn with_fixture_corpus() -> TestEnv {
        let env = TestEnv::empty();
        copy_dir(&fixtures().join("corpus"), &env.corpus());
        env
    }

    /// An environment with the shipped sample corpus, `faq_corpus/`.
    pub fn with_sample_corpus() -> TestEnv {
        let env = TestEnv::empty();
        copy_dir(&repo().join("faq_corpus"), &env.corpus());
        env
    }

    /// Copies the files of `tests/fixtures/DIR` into the corpus directory.
    pub fn corpus_from_fixture(&self, dir: &str) -> &TestEnv {
        copy_dir(&fixtures().join(dir), &self.corpus());
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn corpus(&self) -> PathBuf {
        self.path().join("faq_corpus")
    }

    /// Writes a file under the corpus directory.
    pub fn corpus_file(&self, name: &str, contents: impl AsRef<[u8]>) -> &TestEnv {
        let path = self.corpus().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write corpus file");
        self
    }

    /// Writes a Markdown article with the given front matter lines and body.
    pub fn article(&self, id: &str, front_matter: &str, body: &str) -> &TestEnv {
        self.corpus_file(
            &format!("{id}.md"),
            format!("---\n{front_matter}\n---\n{body}"),
        )
    }

    pub fn remove_corpus_file(&self, name: &str) {
        std::fs::remove_file(self.corpus().join(name)).expect("remove corpus file");
    }

    /// Runs `faqbot ARGS` in the environment's directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> Run {
        let mut child = self.spawn(args);
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_ref()).expect("write stdin");
        drop(input);
        finish(child)
    }

    /// Runs `faqbot ARGS` in `copies` processes at once, and waits for them all.
    pub fn run_concurrently(&self, copies: usize, args: &[&str]) -> Vec<Run> {
        let children: Vec<Child> = (0..copies).map(|_| self.spawn(args)).collect();
        children.into_iter().map(finish).collect()
    }

    /// Starts `faqbot ARGS` without waiting for it; [`finish`] collects it.
    pub fn start(&self, args: &[&str]) -> Child {
        self.spawn(args)
    }

    /// Starts `faqbot ARGS` in the environment's directory, with every stream piped.
    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("run faqbot")
    }

    /// `faqbot ARGS` in the environment's directory, every stream piped, the caller's faqbot
    /// settings cleared; for a test to add its own environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_faqbot"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("FAQBOT_CONFIG")
            .env_remove("FAQBOT_CORPUS")
            .env_remove("FAQBOT_INDEX")
            .env_remove("FAQBOT_THRESHOLD")
            .env_remove("FAQBOT_LOG")
            .env_remove("FAQBOT_LOG_FORMAT")
            .env_remove("TELOXIDE_TOKEN")
            .env("FAQBOT_VECTOR_CACHE", vector_cache())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// `faqbot ask --json QUESTION`, parsed.
    pub fn ask(&self, question: &str) -> serde_json::Value {
        self.ask_with(&[], question)
    }

    /// `faqbot ask --json FLAGS QUESTION`, parsed.
    pub fn ask_with(&self, flags: &[&str], question: &str) -> serde_json::Value {
        let mut args = vec!["ask", "--json"];
        args.extend(flags);
        args.push(question);
        self.run(&args).success().json()
    }
}

/// Waits for a run to end (its standard input closed) and collects what it printed.
pub fn finish(mut child: Child) -> Run {
    drop(child.stdin.take());
    let output: Output = child.wait_with_output().expect("wait for faqbot");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// One sentence-vector cache for every test: the sample corpus is encoded once per machine,
/// not once per test.
pub fn vector_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faqbot-vector-cache.bin")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
