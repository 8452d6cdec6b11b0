//! Calling the student's code: a `todo!()` or a panic (a product whose shapes do not fit, say)
//! comes back as a [`Failure`] saying where in their file it happened, never as a panic
//! trace on their screen.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

/// How a call into the student's code failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A `todo!()` still there, at this line of their file.
    NotWritten {
        /// The line of the `todo!()`.
        line: Option<u32>,
    },
    /// A panic: its message (burn's tensor checks say which operation and which shapes).
    Panicked {
        /// The panic's message.
        message: String,
        /// The line of the student's file the panic came from, when the backtrace says.
        line: Option<u32>,
        /// burn's name for the operation, when a tensor check failed (`Matmul`, `Add`, …).
        operation: Option<String>,
        /// The two operands' shapes, when burn's message gives them.
        shapes: Option<(Vec<usize>, Vec<usize>)>,
    },
}

/// What the panic hook saw of the last panic while a call was being attempted.
#[derive(Debug, Clone)]
struct Seen {
    message: String,
    location: Option<(String, u32)>,
    backtrace: String,
}

thread_local! {
    /// Calls being attempted on this thread (a panic elsewhere is none of ours).
    static QUIET: Cell<usize> = const { Cell::new(0) };
    /// The first panic seen on this thread while attempting.
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}
static HOOK: Once = Once::new();

/// Installs, once, a panic hook that keeps quiet (and takes notes) while a call is attempted
/// and leaves every other panic to Rust's own hook.
fn install() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.get() == 0 {
                return default(info);
            }
            let message = info.payload_as_str().unwrap_or("(a panic without a message)").to_string();
            let location = info.location().map(|l| (l.file().to_string(), l.line()));
            let backtrace = std::backtrace::Backtrace::force_capture().to_string();
            // The first panic is the cause.
            SEEN.with_borrow_mut(|seen| {
                seen.get_or_insert(Seen { message, location, backtrace });
            });
        }));
    });
}

/// Runs `f` (a call into the student's file `file`, e.g. `exo1.rs`), catching a panic.
pub fn attempt<T>(file: &str, f: impl FnOnce() -> T) -> Result<T, Failure> {
    install();
    SEEN.set(None);
    QUIET.set(QUIET.get() + 1);
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.set(QUIET.get() - 1);
    let payload = match result {
        Ok(value) => return Ok(value),
        Err(payload) => payload,
    };
    // A panic on one of burn's worker threads comes back here without passing the hook.
    let seen = SEEN.take().unwrap_or_else(|| Seen {
        message: payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
        location: None,
        backtrace: String::new(),
    });
    Err(failure(file, seen))
}

fn failure(file: &str, seen: Seen) -> Failure {
    let in_file = |(path, line): &(String, u32)| path.ends_with(file).then_some(*line);
    let line = seen.location.as_ref().and_then(in_file).or_else(|| line_in_backtrace(&seen.backtrace, file));
    if seen.message.starts_with("not yet implemented") {
        return Failure::NotWritten { line };
    }
    Failure::Panicked {
        operation: between(&seen.message, "Operation: '", "'").map(str::to_string),
        shapes: shapes(&seen.message),
        message: seen.message,
        line,
    }
}

/// The first frame of the backtrace in `file`: its line (`at ./lab/src/exo1.rs:57:9`).
fn line_in_backtrace(backtrace: &str, file: &str) -> Option<u32> {
    backtrace.lines().find_map(|l| {
        let at = l.trim().strip_prefix("at ")?;
        let (path, rest) = at.split_once(".rs:")?;
        format!("{path}.rs").ends_with(file).then(|| rest.split(':').next()?.parse().ok())?
    })
}

/// The text between `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    Some(&text[from..from + text[from..].find(end)?])
}

/// burn's "Lhs shape Shape { dims: [100, 784] }, rhs shape Shape { dims: [100, 10] }".
fn shapes(message: &str) -> Option<(Vec<usize>, Vec<usize>)> {
    let dims = |key: &str| -> Option<Vec<usize>> {
        let rest = &message[message.find(key)? + key.len()..];
        let inside = between(rest, "[", "]")?;
        inside.split(',').map(|d| d.trim().parse().ok()).collect()
    };
    Some((dims("Lhs shape")?, dims("rhs shape")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_burns_shape_message_and_the_students_line() {
        let m = "=== Tensor Operation Error ===\n  Operation: 'Matmul'\n  Reason:\n    1. The inner dimension of matmul should be the same, but got 784 and 100. Lhs shape Shape { dims: [100, 784] }, rhs shape Shape { dims: [100, 10] }. \n";
        assert_eq!(between(m, "Operation: '", "'"), Some("Matmul"));
        assert_eq!(shapes(m), Some((vec![100, 784], vec![100, 10])));
        let bt = "   3: burn_tensor::x\n             at /root/.cargo/registry/x.rs:10:5\n   4: lab::exo1::gradients\n             at ./lab/src/exo1.rs:57:9\n";
        assert_eq!(line_in_backtrace(bt, "exo1.rs"), Some(57));
        assert_eq!(line_in_backtrace(bt, "exo2.rs"), None);
    }

    #[test]
    fn a_todo_is_not_written_yet_and_a_panic_is_caught() {
        let todo = attempt("attempt.rs", || -> u32 { todo!("eq. (1)") });
        assert!(matches!(todo, Err(Failure::NotWritten { line: Some(_) })), "{todo:?}");
        let panic = attempt("attempt.rs", || -> u32 { panic!("boom") });
        assert!(matches!(&panic, Err(Failure::Panicked { message, .. }) if message == "boom"), "{panic:?}");
        assert_eq!(attempt("attempt.rs", || 3), Ok(3));
    }
}
