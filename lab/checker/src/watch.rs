//! `cargo lab --watch`: checks again each time a file under lab/src is saved, the screen
//! cleared, as rustlings does. It looks at the files' modification times every
//! [`POLL`] — no file-event library (which would change the features of crates burn shares
//! and build burn a second time), and it works on the file systems where events do not
//! arrive — and waits until nothing has changed for [`QUIET`] (an editor's save is several
//! writes). Enter checks again by hand; `h` gives a hint, `l` the list, `q` quits. Each check
//! is a new `cargo lab`, through cargo, so that the student's saved code is compiled first.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use lesson::slips::Lang;

/// How often the files are looked at.
pub const POLL: Duration = Duration::from_millis(200);
/// How long nothing must change after a save before checking.
pub const QUIET: Duration = Duration::from_millis(300);

/// What wakes the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// A file was saved.
    Saved,
    /// Enter.
    Again,
    /// `h`.
    Hint,
    /// `l`.
    List,
    /// `q`.
    Quit,
}

/// How a check is run again: `cargo run --release --bin lab -- ARGS` from the workspace when
/// `cargo lab` was run through cargo (cargo sets `CARGO`), else this program itself.
pub struct Rerun {
    /// The arguments of a check (`--watch` left out).
    pub check: Vec<String>,
    /// The arguments that go with `hint` and `list`.
    pub common: Vec<String>,
}

impl Rerun {
    fn command(&self, args: &[String]) -> Result<Command> {
        let mut command = match std::env::var_os("CARGO") {
            Some(cargo) => {
                let mut c = Command::new(cargo);
                c.args(["run", "--release", "--quiet", "--bin", "lab", "--"]).current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
                c
            }
            None => Command::new(std::env::current_exe().context("finding this program")?),
        };
        command.args(args);
        Ok(command)
    }

    fn run(&self, args: &[String]) -> Result<()> {
        // Its exit status says what its output already said.
        self.command(args)?.status().context("running `cargo lab` again")?;
        Ok(())
    }
}

/// The folder watched by default: the student's lab/src, as a path from the current folder
/// where it is under it.
pub fn student_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let here = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    here.and_then(|here| dir.strip_prefix(here).ok().map(Path::to_path_buf)).unwrap_or(dir)
}

/// Watches `dir` and checks again on each save or key, until `q`.
pub fn watch(dir: &Path, rerun: &Rerun, lang: Lang) -> Result<()> {
    let (tx, rx) = channel();
    let mut seen = stamps(dir).with_context(|| format!("watching {}", dir.display()))?;
    let saved = tx.clone();
    let watched = dir.to_path_buf();
    std::thread::spawn(move || {
        while let Some(now) = changed(&watched, &seen) {
            seen = now;
            if saved.send(Event::Saved).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || keys(tx));
    check_again(rerun, dir, lang)?;
    loop_on(&rx, rerun, dir, lang)
}

fn loop_on(rx: &Receiver<Event>, rerun: &Rerun, dir: &Path, lang: Lang) -> Result<()> {
    while let Ok(event) = rx.recv() {
        match event {
            Event::Saved | Event::Again => {
                check_again(rerun, dir, lang)?;
                // Saves and Enters made while it ran are answered by that check; a q is not lost.
                if std::iter::from_fn(|| rx.try_recv().ok()).any(|e| e == Event::Quit) {
                    break;
                }
                continue;
            }
            Event::Hint => rerun.run(&[&["hint".to_string()], &rerun.common[..]].concat())?,
            Event::List => rerun.run(&[&["list".to_string()], &rerun.common[..]].concat())?,
            Event::Quit => break,
        }
        prompt(dir, lang);
    }
    Ok(())
}

fn check_again(rerun: &Rerun, dir: &Path, lang: Lang) -> Result<()> {
    if std::io::stdout().is_terminal() {
        print!("\x1b[2J\x1b[H");
    }
    rerun.run(&rerun.check)?;
    prompt(dir, lang);
    Ok(())
}

fn prompt(dir: &Path, lang: Lang) {
    let dir = dir.display();
    println!(
        "\n{}",
        lang.pick(
            format!("— watching {dir}: save a file to check again · Enter: check again · h Enter: a hint · l Enter: the list · q Enter: quit"),
            format!("— je surveille {dir} : enregistrez un fichier pour revérifier · Entrée : revérifier · h Entrée : un indice · l Entrée : la liste · q Entrée : quitter"),
        )
    );
    let _ = std::io::stdout().flush();
}

/// Reads the keys, a line at a time (a terminal in its usual mode sends a line on Enter).
fn keys(tx: Sender<Event>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let event = match line.trim() {
            "q" => Event::Quit,
            "h" => Event::Hint,
            "l" => Event::List,
            _ => Event::Again,
        };
        if tx.send(event).is_err() || event == Event::Quit {
            break;
        }
    }
}

/// Each file under `dir` with its modification time, in order. A file gone between the
/// listing and its look (an editor's temporary file, renamed over the one saved) is left out.
fn stamps(dir: &Path) -> std::io::Result<Vec<(PathBuf, SystemTime)>> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir)?.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            all.extend(stamps(&entry.path()).unwrap_or_default());
        } else if let Ok(modified) = meta.modified() {
            all.push((entry.path(), modified));
        }
    }
    all.sort();
    Ok(all)
}

/// Waits until the files under `dir` differ from `seen` and then stay the same for
/// [`QUIET`]: their new stamps. (A folder that cannot be read for a moment is looked at again.)
fn changed(dir: &Path, seen: &[(PathBuf, SystemTime)]) -> Option<Vec<(PathBuf, SystemTime)>> {
    let mut last = seen.to_vec();
    let mut still_since: Option<std::time::Instant> = None;
    loop {
        std::thread::sleep(POLL);
        let Ok(now) = stamps(dir) else { continue };
        if now != last {
            (last, still_since) = (now, Some(std::time::Instant::now()));
        } else if still_since.is_some_and(|t| t.elapsed() >= QUIET) && last != seen {
            return Some(last);
        }
    }
}
