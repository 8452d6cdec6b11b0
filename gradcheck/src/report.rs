//! The report: one [`CheckRow`] per comparison, and the table that prints them with the
//! verdicts' reasons, the diagnosis of each failure and the negative control.

use serde::Serialize;

use crate::diagnose::{Relation, from_layer};
use crate::settings::Precision;
use crate::verdict::{Comparison, Inconclusive, Verdict, Witness};

/// One line of the report: one point, one parameter (or input), one witness.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_gradcheck::{GradCheck, Input, Inputs, Precision, Verdict, Witness};
/// # #[allow(deprecated)]
/// let x = Tensor::<1>::from_floats([1.0, 2.0], &Device::ndarray());
/// let report = GradCheck::new().point("here").check_fn(&[Input::new(&x).named("x")], |xs: &Inputs| xs.get::<1>(0).exp().sum()).unwrap();
/// let row = &report.rows[0];
/// assert_eq!((row.point.as_deref(), row.param.as_str()), (Some("here"), "x"));
/// assert_eq!((row.against, row.precision, row.verdict), (Witness::FiniteDifferences, Precision::F64, Verdict::Pass));
/// assert_eq!(row.verdict_text(), "ok (max rel ≤ 1e-6)");
/// assert_eq!(row.reason(), None);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    /// Where in parameter space, when the check was given a name for it
    /// ([`GradCheck::point`](crate::GradCheck::point)).
    pub point: Option<String>,
    /// The parameter's name (its path in the module, `layer.weight`, unless renamed), or the
    /// input's.
    pub param: String,
    /// Its layer: its path in the module without the last part (`layer`).
    pub layer: String,
    /// What the checked gradient was compared with.
    pub against: Witness,
    /// The float type of this comparison.
    pub precision: Precision,
    /// The backend both sides of this comparison ran on.
    pub ran_on: String,
    /// The errors.
    #[serde(flatten)]
    pub errors: Comparison,
    /// The relative tolerance on `max_rel`.
    pub tol: f64,
    /// The absolute floor below which a difference cannot fail the row.
    pub floor: f64,
    /// The negative control's perturbation: a copy of the checked gradient `1 + control` times
    /// as large fails where the row passed.
    pub control: f64,
    /// Whether the verdict is a pass (false for a failure and for an inconclusive row).
    pub passed: bool,
    /// The verdict, with its reason.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// For a failure: what turns the witness's gradient into the one checked (a factor, a
    /// transpose, zeros, NaN, …; see [`diagnose`](crate::diagnose)).
    pub why: Option<Relation>,
}

impl CheckRow {
    /// The verdict in a few words: `ok (max rel ≤ 1e-6)`, `FAIL (max rel > 1e-6)`,
    /// `inconclusive (…)`.
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<1>::from_floats([1.0, 2.0], &Device::ndarray());
    /// let grad = |xs: &Inputs| vec![xs.get::<1>(0).into_data()]; // ∂(Σ x³)/∂x is 3x², not x
    /// let report = GradCheck::new().check_fn_hand_written(&[Input::new(&x)], |xs: &Inputs| xs.get::<1>(0).powi_scalar(3).sum(), grad).unwrap();
    /// assert_eq!(report.rows[0].verdict_text(), "FAIL (max rel > 2e-3)");
    /// ```
    pub fn verdict_text(&self) -> String {
        match self.verdict {
            Verdict::Pass => format!("ok (max rel ≤ {:e})", self.tol),
            Verdict::Fail => format!("FAIL (max rel > {:e})", self.tol),
            Verdict::Inconclusive(Inconclusive::BelowFloor) => {
                format!("inconclusive (max rel > {:e}, max abs ≤ {:e})", self.tol, self.floor)
            }
            Verdict::Inconclusive(Inconclusive::ControlPasses) => "inconclusive (control passes)".to_string(),
        }
    }

    /// Why an inconclusive row proves nothing, in a sentence.
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let zero = Tensor::<1>::zeros([2], &Device::ndarray());
    /// let report = GradCheck::new().check_fn(&[Input::new(&zero)], |xs: &Inputs| xs.get::<1>(0).powi_scalar(2).sum()).unwrap();
    /// assert!(report.rows[0].reason().unwrap().contains("a degenerate point"));
    /// ```
    pub fn reason(&self) -> Option<String> {
        match self.verdict {
            Verdict::Inconclusive(Inconclusive::BelowFloor) => Some(format!(
                "every difference is at most {:e}, the floor in {}: a gradient this small cannot be told right or wrong in {}",
                self.floor, self.precision, self.precision
            )),
            Verdict::Inconclusive(Inconclusive::ControlPasses) => Some(format!(
                "a copy {}% too large would pass too: the gradient is (nearly) zero here — a degenerate point (a flat loss, zeros, symmetric inputs); check at another point",
                self.control * 100.0
            )),
            _ => None,
        }
    }
}

/// What a check returns: its rows, and the verdict over them.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_gradcheck::{GradCheck, Input, Inputs, Verdict};
/// # #[allow(deprecated)]
/// let x = Tensor::<1>::from_floats([1.0, 2.0], &Device::ndarray());
/// let report = GradCheck::new().check_fn(&[Input::new(&x)], |xs: &Inputs| xs.get::<1>(0).exp().sum()).unwrap();
/// assert!(report.passed());
/// assert_eq!(report.verdict(), Verdict::Pass);
/// assert_eq!(report.failures().count(), 0);
/// println!("{report}"); // the table
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// One row per comparison.
    pub rows: Vec<CheckRow>,
}

impl Report {
    /// Whether every comparison passed (none failed, none inconclusive).
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.passed)
    }

    /// The comparisons that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CheckRow> {
        self.rows.iter().filter(|r| r.verdict == Verdict::Fail)
    }

    /// The verdict over all rows: a failure if any failed, else inconclusive if any is
    /// (the first one's reason), else a pass.
    pub fn verdict(&self) -> Verdict {
        if self.failures().next().is_some() {
            return Verdict::Fail;
        }
        self.rows.iter().map(|r| r.verdict).find(|v| *v != Verdict::Pass).unwrap_or(Verdict::Pass)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&table(&self.rows))
    }
}

/// The report as a table, one row per comparison, each failure's diagnosis and each
/// inconclusive row's reason under it, then from which layer on a module's gradients go wrong
/// and the negative control.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_gradcheck::{GradCheck, Input, Inputs, table};
/// # #[allow(deprecated)]
/// let x = Tensor::<1>::from_floats([1.0, 2.0], &Device::ndarray());
/// let report = GradCheck::new().check_fn(&[Input::new(&x)], |xs: &Inputs| xs.get::<1>(0).exp().sum()).unwrap();
/// let text = table(&report.rows);
/// assert!(text.starts_with("param"));
/// assert!(text.contains("input 0 finite differences   f64"));
/// ```
pub fn table(rows: &[CheckRow]) -> String {
    let w = rows.iter().map(|r| r.param.chars().count()).max().unwrap_or(0).max(5);
    let points = rows.iter().any(|r| r.point.is_some());
    let point = |p: &str| if points { format!("{p:<28} ") } else { String::new() };
    let mut out = format!(
        "{}{:<w$} {:<20} {:<4} {:>10} {:>10} {:>14}  verdict\n",
        point("point"),
        "param",
        "analytic vs",
        "in",
        "max abs",
        "max rel",
        "cosine"
    );
    for r in rows {
        let e = &r.errors;
        out.push_str(&format!(
            "{}{:<w$} {:<20} {:<4} {:>10.2e} {:>10.2e} {:>14.10}  {}\n",
            point(r.point.as_deref().unwrap_or("")),
            r.param,
            r.against.to_string(),
            r.precision.to_string(),
            e.max_abs,
            e.max_rel,
            e.cosine,
            r.verdict_text()
        ));
        for note in [r.why.as_ref().map(|w| w.to_string()), r.reason()].into_iter().flatten() {
            out.push_str(&format!("{}  {}: {note}\n", point(""), r.param));
        }
    }
    out.push_str(&layers_gone_wrong(rows));
    out.push_str(&control_line(rows));
    out
}

/// Over each point's comparisons with one witness: from which layer on they go wrong (none
/// said where a row is inconclusive).
fn layers_gone_wrong(rows: &[CheckRow]) -> String {
    let mut out = String::new();
    for group in rows.chunk_by(|a, b| a.point == b.point && a.against == b.against) {
        if group.iter().any(|r| matches!(r.verdict, Verdict::Inconclusive(_))) {
            continue;
        }
        let relations: Vec<(String, Relation)> = group
            .iter()
            .map(|r| (r.layer.clone(), if r.passed { Relation::Right } else { r.why.clone().unwrap_or(Relation::Zeros) }))
            .collect();
        if let Some(found) = from_layer(&relations) {
            let at = group[0].point.as_deref().map(|p| format!("{p} ")).unwrap_or_default();
            out.push_str(&format!("{at}against {}: {found}\n", group[0].against));
        }
    }
    out
}

/// The negative control, in one line: in how many passing rows a perturbed copy failed, and
/// in how many it would have passed (none when no row passed or was inconclusive).
fn control_line(rows: &[CheckRow]) -> String {
    let passed = rows.iter().filter(|r| r.passed).count();
    let degenerate = rows.iter().filter(|r| r.verdict == Verdict::Inconclusive(Inconclusive::ControlPasses)).count();
    let Some(first) = rows.first().filter(|_| passed + degenerate > 0) else { return String::new() };
    let mut line = format!(
        "negative control: a copy of the checked gradient {}% too large fails in each of the {passed} rows that passed",
        first.control * 100.0
    );
    if degenerate > 0 {
        line.push_str(&format!(", and would pass in {degenerate} (inconclusive)"));
    }
    line + "\n"
}
