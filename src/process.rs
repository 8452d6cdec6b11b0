//! The process around a command: every failure ends in one `error:` line on stderr and a
//! non-zero exit status; a panic (a bug) is one line too, unless HANDGRAD_BACKTRACE is set.

use std::process::ExitCode;

use clap::Parser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::cli::{Cli, fixed_on_resume_message, in_flags};
use crate::data::source::panic_text;

/// The whole process: parse the command line, run the command, and exit with one line on
/// error.
pub fn main() -> ExitCode {
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match crate::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&format!("{:#}", in_flags(e))));
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
        let message = panic_text(info.payload()).unwrap_or("unknown cause");
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
            if let Some(other) = conflicts_with_resume(&e) {
                eprintln!("error: {}", fixed_on_resume_message(&other));
                return ExitCode::from(2);
            }
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

/// For a conflict between `--resume` and another option, that other option.
fn conflicts_with_resume(e: &clap::Error) -> Option<String> {
    if e.kind() != ErrorKind::ArgumentConflict {
        return None;
    }
    let name = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    let args: Vec<String> = [ContextKind::InvalidArg, ContextKind::PriorArg].into_iter().flat_map(name).collect();
    let resume = args.iter().any(|a| a.starts_with("--resume"));
    resume.then(|| args.into_iter().find(|a| !a.starts_with("--resume"))).flatten()
}

fn one_line(text: &str) -> String {
    text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}
