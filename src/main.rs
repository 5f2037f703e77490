//! The `faqbot` command: parse arguments, set up logging, run, map errors to exit codes.

use clap::Parser;
use faqbot::cli::{Cli, Command};
use faqbot::commands;
use faqbot::config::FileConfig;

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAQBOT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
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
        Command::Serve(_) => anyhow::bail!("serve is not available yet"),
    }
}
