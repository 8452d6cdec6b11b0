//! `cargo lab`: the checker of the lab a student does in the `lab` crate (lab/src/exo1.rs and
//! exo2.rs, their files alone). It checks each question and function in the lab's order
//! against references it computes itself, names the slip when the catalog (lesson::slips)
//! explains a wrong answer, then trains the student's own code in the lab's loop beside the
//! lab's printed table — in French or in English.
//!
//! - [`answers`]: the functions checked, the student's or the answer key's (lab/solutions).
//! - [`check`]: the checks, one table of steps per exercise; [`attempt`]: calling the
//!   student's code without a panic trace.
//! - [`table`]: the lab's table and its loop on the student's functions; [`run`]: it all, in
//!   order, as `cargo lab` prints it; [`report`]: the report a teacher collects (`--json`,
//!   `--gradescope`) and [`class`]: a class's reports read together.
//! - [`hint`] and [`list`]: the next hint, and every step with its state; [`watch`]: checking
//!   again each time a file is saved.

pub mod answers;
pub mod attempt;
pub mod check;
pub mod class;
pub mod hint;
mod hints;
pub mod list;
pub mod report;
pub mod run;
pub mod table;
pub mod watch;

mod solutions;

pub use lesson::slips::Lang;

/// The language of the messages: French where the locale is (LC_ALL, then LC_MESSAGES, then
/// LANG, the first one set), English otherwise.
pub fn lang_of_locale() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .map_or(Lang::En, |locale| Lang::of_locale(&locale))
}
