//! The `handgrad` command. Every failure ends in one `error:` line on stderr and a non-zero
//! exit status.

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches};
use handgrad::cli::{Cli, Command};

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away (`| head`).
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    #[cfg(feature = "wgpu")]
    quiet_headless_vulkan();
    // A panic is a bug: one line for users, the full report with HANDGRAD_BACKTRACE set.
    if std::env::var_os("HANDGRAD_BACKTRACE").is_none() {
        set_one_line_panic_hook();
    }
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match handgrad::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// On a machine without a display session, libwayland prints "error: XDG_RUNTIME_DIR is
/// invalid or not set" to stderr when wgpu's Vulkan instance probes for Wayland surfaces.
/// handgrad opens no window; giving the probe a folder to look in (where it finds no
/// compositor) keeps that line from looking like one of ours.
#[cfg(feature = "wgpu")]
fn quiet_headless_vulkan() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: at the start of main, before any other thread exists.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir()) };
    }
}

fn set_one_line_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("unknown cause");
        let first = message.lines().next().unwrap_or(message);
        let place = info
            .location()
            .map(|l| format!(" ({}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error, please report it (HANDGRAD_BACKTRACE=1 shows more): {first}{place}"
        );
    }));
}

/// Parses the command line, noting which `train` options were given explicitly (a resumed
/// run refuses to change its saved settings).
fn parse() -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Command::Train(args), Some(("train", sub))) = (&mut cli.command, matches.subcommand()) {
        args.explicit = sub
            .ids()
            .filter(|id| {
                matches!(
                    sub.value_source(id.as_str()),
                    Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                )
            })
            .map(|id| id.as_str().to_string())
            .collect();
    }
    Ok(cli)
}

/// clap's errors span several lines (usage, tips): keep the one that says what is wrong.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid command line")
                .trim_start_matches("error: ");
            eprintln!("error: {first} (see --help)");
            ExitCode::from(2)
        }
    }
}

fn one_line(text: &str) -> String {
    text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}
