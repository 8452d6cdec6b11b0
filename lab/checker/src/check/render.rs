//! A finding as `cargo lab` prints it, in French or in English: one `ok` line for a step that
//! is right; for one that is not, where, on what, what was seen, the slip and the equation to
//! reread.

use lesson::slips::{Lang, Severity, Slip};

use super::{Finding, Verdict};

impl Finding {
    /// The finding in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let exercise = lang.pick("exercise", "exercice");
        if self.passed() {
            return format!("ok    {exercise} {} · {} ({}){}", self.exercise, self.item, self.equation, right_words(&self.verdict, lang));
        }
        let place = match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.to_string(),
        };
        let wrong = lang.pick("WRONG", "FAUX ");
        let checked_on = lang.pick("checked on", "vérifié sur");
        format!(
            "{wrong} {exercise} {} · {} — {} — {place}\n  {checked_on} {}{}\n{}",
            self.exercise,
            self.item,
            self.equation,
            self.case,
            lang.pick(":", " :"),
            wrong_words(&self.verdict, self.line, lang)
        )
    }
}

/// After a step that passed.
fn right_words(verdict: &Verdict, lang: Lang) -> String {
    let colon = lang.pick(": ", " : ");
    match verdict {
        Verdict::Right { noise } if *noise == 0.0 => format!("{colon}{}", lang.pick("right (exactly)", "juste (exactement)")),
        Verdict::Right { noise } => {
            format!("{colon}{}", lang.pick(format!("right to float noise ({noise:.1e}): that is fine"), format!("juste au bruit flottant près ({noise:.1e}) : c'est bien")))
        }
        Verdict::RightWithWarning { slip, seen, .. } => format!(
            "{colon}{}\n  {seen}.\n{}",
            lang.pick("right for this lab, with a warning", "juste pour ce TP, avec un avertissement"),
            slip_words(*slip, lang)
        ),
        _ => format!("{colon}{}", lang.pick("right", "juste")),
    }
}

/// A slip's lines: its name and what it is, and the equation to reread.
pub fn slip_words(slip: Slip, lang: Lang) -> String {
    let row = slip.row();
    let (label, reread) = match row.severity {
        Severity::Slip => lang.pick(("slip", "reread"), ("erreur", "relisez")),
        Severity::Warning => lang.pick(("warning", "reread"), ("avertissement", "relisez")),
    };
    format!("  {label} `{}`{} {}.\n  {reread} {}", row.name, lang.pick(":", " :"), row.what.get(lang), row.reread.get(lang))
}

/// Below a step that is not right.
fn wrong_words(verdict: &Verdict, line: Option<u32>, lang: Lang) -> String {
    match verdict {
        Verdict::NotAnswered => lang.pick("  not answered yet: write your answer in place of the 0 (or the None)", "  pas encore répondu : écrivez votre réponse à la place du 0 (ou du None)").into(),
        Verdict::WrongAnswer { given, why } => lang.pick(format!("  {given} is not it: {why}"), format!("  {given} n'est pas la bonne réponse — {why}")),
        Verdict::NotWritten => {
            let l = line.unwrap_or(0);
            lang.pick(format!("  not written yet: replace the todo!() at line {l}"), format!("  pas encore écrit : remplacez le todo!() de la ligne {l}"))
        }
        Verdict::Slip { output, slip, seen } => format!("  {output} {} {seen}.\n{}", lang.pick("is", "est"), slip_words(*slip, lang)),
        Verdict::Shape { output, theirs, expected } => {
            lang.pick(format!("  {output} has shape {theirs:?}; it should be {expected:?}"), format!("  {output} est de forme {theirs:?} ; elle devrait être {expected:?}"))
        }
        Verdict::Crashed { message, slip } => {
            let stopped = lang.pick(format!("  your code stopped: {message}"), format!("  votre code s'est arrêté : {message}"));
            match slip {
                Some(slip) => format!("{stopped}\n{}", slip_words(*slip, lang)),
                None => stopped,
            }
        }
        Verdict::Wrong { output, seen, from_layer, .. } => {
            let mut text = lang.pick(
                format!("  {output} is wrong: {seen}.\n  No slip we know of explains it"),
                format!("  {output} est faux : {seen}.\n  Aucune erreur connue ne l'explique"),
            );
            if let Some(layers) = from_layer {
                text += &format!("; {layers}");
            }
            text
        }
        Verdict::Right { .. } | Verdict::RightWithWarning { .. } | Verdict::Answered => String::new(),
    }
}
