//! The `faqbot` command: parse arguments, set up logging, run, map errors to exit codes.

use clap::Parser;
use faqbot::cli::{Cli, Command};
use faqbot::commands;
use faqbot::config::{BotConfig, FileConfig};

fn main() {
    let cli = Cli::parse();
    faqbot::logging::init(default_log(&cli));
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(faqbot::exit_code(&e));
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let file = FileConfig::load(cli.config.as_deref())?;
    match cli.command {
        Command::Index(paths) => commands::index(&paths, &file),
        Command::Ask(args) => commands::ask_command(&args, &file),
        Command::Eval(args) => commands::eval_command(&args, &file),
        Command::Check(args) => commands::check(&args, &file),
        Command::Review(args) => commands::review(&args, &file),
        Command::Serve(args) => {
            let config = BotConfig::resolve(&args, &file)?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(faqbot::bot::serve(config))
        }
    }
}

/// The bot logs its work at info level; maintainer commands only warnings.
fn default_log(cli: &Cli) -> &'static str {
    match cli.command {
        Command::Serve(_) => "info,teloxide=warn,reqwest=warn,hyper=warn",
        _ => "warn",
    }
}
