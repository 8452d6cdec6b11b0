//! `cargo lab hint`: the next hint for the first step that is not right, one level more each
//! time it is asked — a nudge, then the shapes and the axis, then the equation in burn's
//! words; never the code. The levels given are kept in a small file (lab/.hints.json, or the
//! file `LAB_HINTS_FILE` names), so that the next `hint` goes one further.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use lesson::slips::Lang;

use crate::check::Finding;
use crate::hints::HINTS;
use crate::list::{State, states};
use crate::report::step_name;

/// Where the levels given are kept.
pub fn state_file() -> PathBuf {
    match std::env::var_os("LAB_HINTS_FILE") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.hints.json"),
    }
}

/// The next hint for the first step not right, and the level reached, noted in `file`.
pub fn next(findings: &[Finding], file: &Path, lang: Lang) -> Result<String> {
    let Some((exercise, item, _, _)) = states(findings, lang).into_iter().find(|s| s.3 == State::Current) else {
        return Ok(lang.pick("Every step is right: no hint left to give.", "Toutes les étapes sont justes : plus d'indice à donner.").to_string());
    };
    let hints = HINTS.iter().find(|h| h.exercise == exercise && h.item == item).context("every step has its hints")?;
    let mut given: BTreeMap<String, usize> = match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_default(),
        Err(_) => BTreeMap::new(),
    };
    let key = step_name(exercise, item);
    let level = (given.get(&key).copied().unwrap_or(0) + 1).min(hints.levels.len());
    given.insert(key, level);
    std::fs::write(file, serde_json::to_string_pretty(&given)? + "\n").with_context(|| format!("writing {}", file.display()))?;
    let (title, more) = lang.pick(
        (format!("Hint {level} of {} for exercise {exercise} · {item}:", hints.levels.len()), "(`cargo lab hint` again for the next one)"),
        (format!("Indice {level} sur {} pour l'exercice {exercise} · {item} :", hints.levels.len()), "(`cargo lab hint` à nouveau pour le suivant)"),
    );
    let shown: Vec<String> = hints.levels[..level].iter().enumerate().map(|(i, t)| format!("  {}. {}", i + 1, t.get(lang))).collect();
    let tail = if level < hints.levels.len() { format!("\n{more}") } else { String::new() };
    Ok(format!("{title}\n{}{tail}", shown.join("\n")))
}
