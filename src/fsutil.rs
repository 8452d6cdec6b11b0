//! Files written so that a crash or a kill never leaves half of one behind: each is written
//! to a temporary file in the same folder, flushed, then renamed over the target.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Where the runs go that `train` makes without `--out`: `runs/1`, `runs/2`, … in the current
/// folder (git ignores it; the project's reference runs are in `artifacts/`).
pub const RUNS: &str = "runs";

/// The numbered folders in `runs`, lowest number first.
pub fn numbered_runs(runs: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(entries) = fs::read_dir(runs) else { return Vec::new() };
    let mut found: Vec<(u64, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path())))
        .collect();
    found.sort();
    found
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file path", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Creates a folder (and its parents) for output, with a clear error when it cannot.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    // Creating a folder that exists succeeds even when it is read-only: probe it.
    let probe = dir.join(format!(".handgrad-probe-{}", std::process::id()));
    fs::File::create(&probe)
        .with_context(|| format!("cannot write in the output folder {}", dir.display()))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Makes sure the folder a file will be written into exists and is writable.
pub fn ensure_parent(file: &Path) -> Result<()> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => ensure_dir(dir),
        _ => ensure_dir(Path::new(".")),
    }
}

/// Writes a value as pretty JSON (with a final newline) to `path` atomically.
pub fn write_json_atomic<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut json = serde_json::to_string_pretty(value)?;
    json.push('\n');
    write_atomic(path, json.as_bytes())
}

/// A folder held by one process: an OS lock on `DIR/.handgrad-lock`, released when this value
/// is dropped or the process ends, however it ends (so a killed run leaves nothing stale).
pub struct FolderLock {
    _file: fs::File,
}

/// The lock file's name.
pub const LOCK_FILE: &str = ".handgrad-lock";

impl FolderLock {
    /// Takes the folder, or fails naming the process that holds it.
    pub fn take(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot write in the output folder {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let mut holder = String::new();
                let _ = std::io::Read::read_to_string(&mut file, &mut holder);
                anyhow::bail!(
                    "{}: another handgrad run (process {}) is writing into this folder; wait for it, \
                     or give --out another folder",
                    dir.display(),
                    holder.trim()
                );
            }
        }
        file.set_len(0)?;
        write!(file, "{}", std::process::id())?;
        Ok(Self { _file: file })
    }
}
