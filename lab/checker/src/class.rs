//! `cargo lab class DIR`: a class's reports (`cargo lab --json`, one file per student) read
//! together — how many students are at each step, each slip with how many made it, and who
//! walked the lab's table — as text, or as Markdown with `--markdown`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use lesson::slips::{Lang, Slip};
use serde::Deserialize;

use crate::check::{exo1, exo2};
use crate::report::{RunKind, SCHEMA, step_name};

/// What the class view reads of one report.
#[derive(Debug, Deserialize)]
pub struct Student {
    /// The name given with `--name`; else the file's name.
    #[serde(default)]
    pub student: Option<String>,
    /// The first step not right.
    pub reached: Option<String>,
    /// The steps checked.
    pub checks: Vec<Check>,
    /// The runs.
    pub runs: Vec<RunSummary>,
    /// The report's schema.
    pub schema: u32,
}

/// One step checked.
#[derive(Debug, Deserialize)]
pub struct Check {
    /// The slip named, a warning's included.
    #[serde(default)]
    pub slip: Option<Slip>,
}

/// One run.
#[derive(Debug, Deserialize)]
pub struct RunSummary {
    /// Which.
    pub kind: RunKind,
    /// The reference's epochs.
    pub reference: Vec<serde_json::Value>,
    /// Epochs that differ.
    pub differences: Vec<serde_json::Value>,
}

impl Student {
    /// Whether exercise 1 with their functions matched the lab's table.
    pub fn walked_the_table(&self) -> bool {
        self.runs.iter().any(|r| r.kind == RunKind::Exercise1 && !r.reference.is_empty() && r.differences.is_empty())
    }
}

/// Reads every `*.json` report in `dir`, named by `--name` or by its file.
pub fn read(dir: &Path) -> Result<Vec<(String, Student)>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    paths.sort();
    if paths.is_empty() {
        bail!("{} holds no report (*.json written by `cargo lab --json`)", dir.display());
    }
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let student: Student = serde_json::from_str(&text).with_context(|| format!("{} is not a report of `cargo lab --json`", path.display()))?;
            if student.schema != SCHEMA {
                bail!("{}: a report of schema {}, where this `cargo lab` reads schema {SCHEMA}", path.display(), student.schema);
            }
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((student.student.clone().unwrap_or(stem), student))
        })
        .collect()
}

/// The class's counts: students at each step (in the lab's order, then "all right"), each slip
/// with its count, and who matched the lab's table.
pub struct Summary {
    /// (step, students there).
    pub at_step: Vec<(String, usize)>,
    /// (slip, students who made it), most frequent first.
    pub slips: Vec<(Slip, usize)>,
    /// Who matched the lab's table.
    pub table: Vec<String>,
    /// Students.
    pub students: usize,
}

/// Counts a class.
pub fn summary(class: &[(String, Student)], lang: Lang) -> Summary {
    let steps = exo1::STEPS.iter().map(|s| step_name(1, s.item)).chain(exo2::STEPS.iter().map(|s| step_name(2, s.item)));
    let trainings = [RunKind::Exercise1, RunKind::Exercise2, RunKind::Framework].map(crate::report::Report::stopped_in);
    let mut at_step: Vec<(String, usize)> = steps.chain(trainings).map(|s| (s, 0)).collect();
    at_step.push((lang.pick("a step this cargo lab does not know", "une étape que ce cargo lab ne connaît pas").to_string(), 0));
    at_step.push((lang.pick("every step right", "toutes les étapes justes").to_string(), 0));
    let mut slips: BTreeMap<&str, (Slip, usize)> = BTreeMap::new();
    for (_, student) in class {
        let k = match &student.reached {
            Some(r) => at_step.iter().position(|(s, _)| s == r).unwrap_or(at_step.len() - 2),
            None => at_step.len() - 1,
        };
        at_step[k].1 += 1;
        let mut theirs: Vec<Slip> = student.checks.iter().filter_map(|c| c.slip).collect();
        theirs.dedup();
        for slip in theirs {
            slips.entry(slip.name()).or_insert((slip, 0)).1 += 1;
        }
    }
    let mut slips: Vec<(Slip, usize)> = slips.into_values().collect();
    slips.sort_by_key(|(slip, n)| (std::cmp::Reverse(*n), slip.name()));
    let table = class.iter().filter(|(_, s)| s.walked_the_table()).map(|(name, _)| name.clone()).collect();
    Summary { at_step, slips, table, students: class.len() }
}

/// The summary as text, or as Markdown.
pub fn render(summary: &Summary, markdown: bool, lang: Lang) -> String {
    let (step_h, slip_h, students_h) = lang.pick(("step reached", "slip", "students"), ("étape atteinte", "erreur", "étudiants"));
    let table_line = lang.pick(
        format!("Matched the lab's table ({} of {}): {}", summary.table.len(), summary.students, summary.table.join(", ")),
        format!("Ont retrouvé le tableau du TP ({} sur {}) : {}", summary.table.len(), summary.students, summary.table.join(", ")),
    );
    let steps: Vec<(String, usize)> = summary.at_step.iter().filter(|(_, n)| *n > 0).cloned().collect();
    let slips: Vec<(String, usize)> = summary.slips.iter().map(|(s, n)| (format!("`{}`", s.name()), *n)).collect();
    let title = lang.pick(format!("Class of {} students", summary.students), format!("Classe de {} étudiants", summary.students));
    if markdown {
        let table = |h: &str, rows: &[(String, usize)]| {
            let mut body: String = rows.iter().map(|(k, n)| format!("| {k} | {n} |\n")).collect();
            if rows.is_empty() {
                body = format!("| {} | 0 |\n", lang.pick("(none)", "(aucune)"));
            }
            format!("| {h} | {students_h} |\n|---|---:|\n{body}")
        };
        return format!("# {title}\n\n{}\n{}\n{table_line}\n", table(step_h, &steps), table(slip_h, &slips));
    }
    let lines = |h: &str, rows: &[(String, usize)]| {
        let mut body: String = rows.iter().map(|(k, n)| format!("  {k:<40} {n:>4}\n")).collect();
        if rows.is_empty() {
            body = format!("  {}\n", lang.pick("(none)", "(aucune)"));
        }
        format!("{h:<42} {students_h}\n{body}")
    };
    format!("{title}\n\n{}\n{}\n{table_line}\n", lines(step_h, &steps), lines(slip_h, &slips))
}
