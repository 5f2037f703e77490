//! The maintainer commands `index`, `ask`, `eval`, `check` and `review`: wiring between config, the index and
//! the output, with the I/O kept here so the modules below stay pure.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tracing::{info, warn};

use crate::answer::Policy;
use crate::check::{self, Check};
use crate::cli::{AskArgs, EvalArgs, Paths, ReviewAction, ReviewArgs, ServeArgs};
use crate::config::{self, BotConfig, FileConfig, Locations};
use crate::eval::{self, Labelled, Outcome};
use crate::search::{self, Engine, Freshness};
use crate::triage::{self, report::TriageItem, report::TriageReport};
use crate::{render, InputError};

/// Articles above which `index` shows a progress bar on a terminal.
const PROGRESS_MIN_ARTICLES: usize = 200;

/// `faqbot index`
pub fn index(paths: &Paths, file: &FileConfig) -> anyhow::Result<()> {
    let locations = config::locations(paths, file);
    let bar = ProgressBar::hidden();
    let progress = |done: usize, total: usize| {
        if done == 1 && total >= PROGRESS_MIN_ARTICLES && std::io::stderr().is_terminal() {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_style(
                ProgressStyle::with_template("indexing {bar:40} {pos}/{len} articles")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        bar.set_position(done as u64);
    };
    let report = search::build(&locations, &progress)
        .with_context(|| format!("indexing {}", locations.corpus.display()))?;
    bar.finish_and_clear();
    for path in &report.ignored {
        eprintln!(
            "warning: ignored {} (not an article or settings file)",
            path.display()
        );
    }
    for skipped in &report.skipped {
        eprintln!("warning: skipped {skipped}");
    }
    for draft in &report.drafts {
        eprintln!(
            "note: {} is a draft, not indexed (remove `draft: true` to publish it)",
            draft.display()
        );
    }
    println!(
        "indexed {} articles into {} passages in {:.2?} ({})",
        report.articles,
        report.passages,
        report.elapsed,
        locations.index.display()
    );
    Ok(())
}

/// `faqbot check`: one line per check; fails (exit 1) if `serve` would not run.
pub fn check(args: &ServeArgs, file: &FileConfig) -> anyhow::Result<()> {
    let config = BotConfig::resolve(args, file)?;
    println!(
        "{}",
        Check {
            what: "settings",
            outcome: check::Outcome::Ok(format!("expert group {}", config.expert_group)),
        }
    );
    let mut checks = check::local(&config);
    let runtime = tokio::runtime::Runtime::new()?;
    let token = match runtime.block_on(crate::bot::whoami(&config)) {
        Ok(name) => check::Outcome::Ok(format!("the bot is @{name}")),
        Err(why) => check::Outcome::Failed(why),
    };
    checks.push(Check {
        what: "token",
        outcome: token,
    });
    for c in &checks {
        println!("{c}");
    }
    if !check::all_passed(&checks) {
        anyhow::bail!("faqbot serve would not start: see the failed checks above");
    }
    Ok(())
}

/// `faqbot review`, `review accept`, `review draft`
pub fn review(args: &ReviewArgs, file: &FileConfig) -> anyhow::Result<()> {
    let locations = config::locations(&args.paths, file);
    let database = config::database(args.data_dir.as_ref(), &file.telegram)?;
    let store = || -> anyhow::Result<crate::store::Store> {
        if let crate::store::Database::Sqlite(dir) = &database {
            if !crate::store::Store::exists_in(dir) {
                return Err(InputError(format!(
                    "no faqbot database in {} (set --data-dir to the bot's)",
                    dir.display()
                ))
                .into());
            }
        }
        Ok(crate::store::Store::open_database(&database)?)
    };
    match &args.action {
        Some(ReviewAction::Accept { article, question }) => {
            use crate::corpus::edit::{add_question, Added, EditError};
            match add_question(&locations.corpus, article, question) {
                Ok(Added::AlreadyThere(path)) => {
                    println!(
                        "{} already lists this question; nothing changed",
                        path.display()
                    );
                }
                Ok(Added::To(path)) => {
                    println!("added the question to {}", path.display());
                    index(&args.paths, file)?;
                }
                Err(e @ EditError::Corpus(_)) => return Err(e.into()),
                Err(e) => return Err(InputError(e.to_string()).into()),
            }
        }
        Some(ReviewAction::Draft { ticket }) => {
            let (question, answer) = store()?
                .ticket_answer(*ticket)?
                .ok_or_else(|| InputError(format!("no question #{ticket} (erased or expired?)")))?;
            let answer = answer.ok_or_else(|| {
                InputError(format!("question #{ticket} has no expert answer yet"))
            })?;
            let path = crate::corpus::edit::write_draft(&locations.corpus, &question, &answer)?;
            println!(
                "wrote the draft {}: it is not indexed until its `draft: true` line is removed; \
                 rewrite the patient's wording and remove any name before publishing it",
                path.display()
            );
        }
        None => {
            let since = match &args.since {
                Some(day) => day
                    .parse::<jiff::civil::Date>()
                    .ok()
                    .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map(|z| z.timestamp().as_second())
                    .ok_or_else(|| InputError(format!("--since {day}: expected YYYY-MM-DD")))?,
                None => crate::store::now() - crate::review::DEFAULT_DAYS * 24 * 3600,
            };
            let items = store()?.review_items(since)?;
            let engine = open_engine(&locations)?;
            let review = crate::review::build(&engine, &items)?;
            if args.json {
                println!("{}", serde_json::to_string(&review)?);
            } else {
                let day = crate::hours::instant(since)
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date();
                print!(
                    "{}",
                    crate::review::render(&review, &day.to_string(), usize::MAX)
                );
            }
        }
    }
    Ok(())
}

/// Opens the index, building or rebuilding it when the corpus changed.
pub fn open_engine(locations: &Locations) -> anyhow::Result<Engine> {
    let (engine, freshness) = search::open_fresh(locations)
        .with_context(|| format!("opening the index for {}", locations.corpus.display()))?;
    match freshness {
        Freshness::UpToDate => {}
        Freshness::Rebuilt(report) => info!(
            articles = report.articles,
            passages = report.passages,
            "index built because the corpus changed"
        ),
        Freshness::KeptPrevious(e) => {
            warn!("the corpus changed but does not index; answering from the previous index");
            eprintln!("warning: using the previous index: {e:#}");
        }
    }
    Ok(engine)
}

/// `faqbot ask`
pub fn ask_command(args: &AskArgs, file: &FileConfig) -> anyhow::Result<()> {
    let policy = config::policy(args.threshold, file)?;
    let engine = open_engine(&config::locations(&args.paths, file))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.question.len() == 1 && args.question[0] == "-" {
        answer_lines(&mut out, &engine, &policy, args)?;
    } else {
        let question = args.question.join(" ");
        write_answer(&mut out, &engine, &policy, &question, args)?;
    }
    out.flush()?;
    Ok(())
}

/// `faqbot ask -`: answers each line of standard input. A line that is not UTF-8 is reported
/// (on stderr, and as `{"line", "error"}` in JSON so output lines stay in step with input
/// lines) and the next lines are answered; the run then ends with an input error.
fn answer_lines(
    out: &mut impl Write,
    engine: &Engine,
    policy: &Policy,
    args: &AskArgs,
) -> anyhow::Result<()> {
    let interactive = std::io::stdout().is_terminal();
    let mut invalid = 0;
    for (n, line) in std::io::stdin().lock().split(b'\n').enumerate() {
        let line = line.context("reading questions from standard input")?;
        match String::from_utf8(line) {
            Ok(question) => {
                let question = question.strip_suffix('\r').unwrap_or(&question);
                write_answer(out, engine, policy, question, args)?;
            }
            Err(_) => {
                invalid += 1;
                eprintln!(
                    "error: standard input line {}: not valid UTF-8 (skipped)",
                    n + 1
                );
                if args.json {
                    let error = serde_json::json!({"line": n + 1, "error": "not valid UTF-8"});
                    writeln!(out, "{error}")?;
                }
            }
        }
        if interactive {
            out.flush()?;
        }
    }
    out.flush()?;
    match invalid {
        0 => Ok(()),
        1 => Err(InputError("1 line of standard input was not valid UTF-8".into()).into()),
        n => Err(InputError(format!("{n} lines of standard input were not valid UTF-8")).into()),
    }
}

fn write_answer(
    out: &mut impl Write,
    engine: &Engine,
    policy: &Policy,
    question: &str,
    args: &AskArgs,
) -> anyhow::Result<()> {
    let reply = crate::ask(engine, policy, question)?;
    if args.explain {
        writeln!(out, "{}", render::explain(&reply))?;
    }
    if args.json {
        serde_json::to_writer(&mut *out, &render::json(question, &reply.verdict))?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{}",
            render::terminal(&reply.verdict, |level| engine.safety_message(level))
        )?;
    }
    Ok(())
}

/// `faqbot eval`
pub fn eval_command(args: &EvalArgs, file: &FileConfig) -> anyhow::Result<()> {
    let policy = config::policy(args.threshold, file)?;
    if let Some(items) = read_triage_set(&args.file)? {
        let engine = open_engine(&config::locations(&args.paths, file))?;
        let report = evaluate_triage(&engine, &items);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.render());
        }
        return Ok(());
    }
    let labelled = read_labelled(&args.file)?;
    let engine = open_engine(&config::locations(&args.paths, file))?;
    check_labels(&engine, &args.file, &labelled)?;
    if let Some(path) = &args.features {
        write_features(&engine, &policy, &labelled, path)?;
    }
    let report = evaluate(&engine, &policy, labelled)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", eval::render(&report));
        if args.misses {
            print!("{}", eval::render_misses(&report));
        }
    }
    Ok(())
}

/// One JSON line per labelled question: its label and each candidate's evidence.
fn write_features(
    engine: &Engine,
    policy: &Policy,
    labelled: &[Labelled],
    path: &Path,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for label in labelled {
        let reply = crate::ask(engine, policy, &label.q)?;
        let expected: Vec<&str> = match &label.expect {
            eval::Expect::Articles(ids) => ids.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        let candidates: Vec<serde_json::Value> = reply
            .retrieval
            .candidates
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.article_id,
                    "right": expected.contains(&c.article_id.as_str()),
                    "features": search::rank::features(&c.evidence),
                    "relevance": c.relevance,
                    "semantic_question": c.evidence.semantic_question,
                    "semantic_passage": c.evidence.semantic_passage,
                    "lead_over_unanswered": c.evidence.lead_over_unanswered,
                })
            })
            .collect();
        let line = serde_json::json!({
            "expect": match &label.expect {
                eval::Expect::Articles(_) => "answer",
                eval::Expect::NoAnswer => "no_answer",
                eval::Expect::Urgent => "urgent",
                eval::Expect::Clarify => "clarify",
            },
            "decision": reply.verdict.decision,
            "unknown_terms": reply.retrieval.unknown_terms,
            "words": reply.message.text.split_whitespace().count(),
            "focus_words": reply.message.focus.split_whitespace().count(),
            "candidates": candidates,
        });
        serde_json::to_writer(&mut out, &line)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}

/// Runs every labelled question through the bot's decision and computes the report.
pub fn evaluate(
    engine: &Engine,
    policy: &Policy,
    labelled: Vec<Labelled>,
) -> anyhow::Result<eval::Report> {
    let mut items = Vec::with_capacity(labelled.len());
    for label in labelled {
        let reply = crate::ask(engine, policy, &label.q)?;
        items.push((label, Outcome::of(&reply)));
    }
    Ok(eval::evaluate(&items, policy.threshold))
}

/// Runs the triage over a labelled triage set.
pub fn evaluate_triage(engine: &Engine, items: &[TriageItem]) -> TriageReport {
    let assessments: Vec<_> = items.iter().map(|i| engine.triage(&i.q)).collect();
    triage::report::report(items, &assessments)
}

/// Reads a labelled triage set (`{"q", "level", "category"}` per line); `None` when the file
/// is a questions file instead.
pub fn read_triage_set(path: &Path) -> anyhow::Result<Option<Vec<TriageItem>>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let is_triage =
        serde_json::from_str::<serde_json::Value>(first).is_ok_and(|v| v.get("level").is_some());
    if !is_triage {
        return Ok(None);
    }
    let items = triage::report::parse_items(&text)
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    Ok(Some(items))
}

/// Every article a label expects is in the index: a misspelt id ("kidney-stone"), or two
/// ids written as one ("a | b" instead of `["a", "b"]`), would count every answer as wrong.
fn check_labels(engine: &Engine, path: &Path, labelled: &[Labelled]) -> anyhow::Result<()> {
    let unknown: Vec<String> = labelled
        .iter()
        .enumerate()
        .filter_map(|(n, label)| match &label.expect {
            eval::Expect::Articles(ids) => Some((n, ids)),
            _ => None,
        })
        .flat_map(|(n, ids)| {
            ids.iter()
                .filter(|id| !engine.has_article(id))
                .map(move |id| format!("question {}: {id:?}", n + 1))
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(InputError(format!(
        "{}: expects articles the index does not hold (questions counted from 1, blank \
         lines skipped; several ids go in a list, [\"a\", \"b\"]): {}",
        path.display(),
        unknown.join(", ")
    ))
    .into())
}

/// Reads a labelled-questions file, naming the line of any bad entry.
pub fn read_labelled(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
    let mut labelled = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(line)
            .map_err(|e| InputError(format!("{}:{}: {e}", path.display(), n + 1)))?;
        labelled.push(item);
    }
    Ok(labelled)
}
