//! `cargo lab list`: every step of the lab with its state — done, current (the first that is
//! not right: what to do now), to do — as rustlings lists its exercises.

use lesson::slips::Lang;
use serde::Serialize;

use crate::check::{Finding, exo1, exo2};

/// A step's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Right.
    Done,
    /// The first step not right.
    Current,
    /// After it.
    ToDo,
}

/// Every step, in the lab's order: (exercise, item, what it computes, state).
pub fn states(findings: &[Finding], lang: Lang) -> Vec<(u8, &'static str, &'static str, State)> {
    let steps = exo1::STEPS.iter().map(|s| (1, s.item, s.equation)).chain(exo2::STEPS.iter().map(|s| (2, s.item, s.equation)));
    let mut current_seen = false;
    steps
        .map(|(exercise, item, equation)| {
            let found = findings.iter().find(|f| f.exercise == exercise && f.item == item);
            let state = match found {
                Some(f) if f.passed() => State::Done,
                _ if !current_seen => {
                    current_seen = true;
                    State::Current
                }
                _ => State::ToDo,
            };
            (exercise, item, equation.get(lang), state)
        })
        .collect()
}

/// The list as `cargo lab list` prints it.
pub fn render(findings: &[Finding], lang: Lang) -> String {
    let rows = states(findings, lang);
    let mut out = String::new();
    for (i, (exercise, item, equation, state)) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].0 != *exercise {
            out += &format!("{} {exercise}\n", lang.pick("Exercise", "Exercice"));
        }
        let state_words = match state {
            State::Done => lang.pick("done", "fait"),
            State::Current => lang.pick("current", "en cours"),
            State::ToDo => lang.pick("to do", "à faire"),
        };
        let warned = findings.iter().any(|f| f.exercise == *exercise && f.item == *item && matches!(f.verdict, crate::check::Verdict::RightWithWarning { .. }));
        let note = if warned { lang.pick("  (with a warning)", "  (avec un avertissement)") } else { "" };
        out += &format!("  {state_words:<9} {item:<28} {equation}{note}\n");
    }
    let done = rows.iter().filter(|r| r.3 == State::Done).count();
    out += &lang.pick(format!("{done} of {} steps done\n", rows.len()), format!("{done} étapes faites sur {}\n", rows.len()));
    out
}
