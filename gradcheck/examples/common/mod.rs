//! What the examples do with a check's result: print the report, and exit with status 0 when
//! every comparison passed, 1 otherwise (naming the first that did not), never with a panic.

use std::process::ExitCode;

use burn_gradcheck::Report;

/// Prints the report (or the error) and turns it into the exit status; `what` names the
/// gradient checked, for the error line.
pub fn finish(what: &str, report: burn_gradcheck::Result<Report>) -> ExitCode {
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{report}");
    match report.rows.iter().find(|r| !r.passed) {
        None => {
            println!("all {} comparisons within tolerance", report.rows.len());
            ExitCode::SUCCESS
        }
        Some(bad) => {
            eprintln!("error: {what} for {} against {}: {}", bad.param, bad.against, bad.verdict_text());
            ExitCode::FAILURE
        }
    }
}
