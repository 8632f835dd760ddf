use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use attache::cli::Cli;
use attache::config::LogFormat;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_env("ATTACHE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,refinery_core=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, never into journald or a file.
        .with_ansi(std::io::stderr().is_terminal());
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    let ran = cli.blob_location().and_then(|blobs| {
        attache::commands::run(&cli.data_dir, &blobs, &cli.database, cli.command)
    });
    match ran {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("attache: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
