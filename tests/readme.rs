//! The figures of the READMEs (README.md, gradcheck/README.md) and of the book (book/src/*.md), read again from the files they
//! come from, so that they cannot drift.
//!
//! Every figure in README.md or a chapter of the book that comes from a file under `artifacts/` carries an HTML comment
//! (invisible on GitHub) naming the file, the value and the decimals shown:
//!
//! ```text
//! <!-- fig: FILE VALUE .N -->TEXT
//!     TEXT must start with VALUE formatted with N decimals (and no further digit).
//! <!-- fig-in-next-block: FILE VALUE .N -->
//! <!-- fig-in-next-block: FILE VALUE .N "ANCHOR" -->
//!     for a figure inside a fenced code block (pasted program output), where a comment
//!     would show literally: the formatted value must occur in the next fenced block; with
//!     an ANCHOR, on the first line of that block containing ANCHOR.
//! <!-- copied-from: FILE -->  …  <!-- end-copy -->
//!     every non-blank line in between is a line of FILE (a table or a program's output
//!     pasted whole), except the lines a README adds around pasted output: code fences
//!     (```), the command (`$ …`) and elisions (`…`).
//! ```
//!
//! FILE is relative to the repository root. VALUE is
//! - for a `.csv` file, `row=N col=NAME`: data row N (the first row after the header is 1),
//!   column NAME;
//! - for a `.json` file, a JSON path, keys and array indices joined by dots
//!   (`last_epoch.test_correct`, `runs.1.seconds`, `pieces.0.step_seconds.0.1`), or an
//!   arithmetic expression without spaces over such paths and numbers, with `+ - * /` and
//!   parentheses (`(total_seconds-load_seconds)/config.epochs`, `pieces.0.eval_seconds*1000`).
//!
//! Values are formatted as Rust's `format!("{:.N}")` does. Markers inside fenced code blocks
//! are an error (they would show), and so is a README without any marker.

#[path = "common/pages.rs"]
mod pages;

use std::collections::HashMap;
use std::path::PathBuf;

use pages::pages;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files markers name, read once.
#[derive(Default)]
struct Files {
    json: HashMap<String, serde_json::Value>,
    text: HashMap<String, String>,
}

impl Files {
    fn text(&mut self, file: &str) -> Result<&str, String> {
        if !self.text.contains_key(file) {
            let path = root().join(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            self.text.insert(file.to_string(), text);
        }
        Ok(&self.text[file])
    }

    fn json(&mut self, file: &str) -> Result<&serde_json::Value, String> {
        if !self.json.contains_key(file) {
            let value = serde_json::from_str(self.text(file)?)
                .map_err(|e| format!("{file} is not JSON: {e}"))?;
            self.json.insert(file.to_string(), value);
        }
        Ok(&self.json[file])
    }

    /// The number VALUE names in FILE.
    fn value(&mut self, file: &str, value: &str) -> Result<f64, String> {
        if file.ends_with(".csv") {
            csv_cell(self.text(file)?, file, value)
        } else if file.ends_with(".json") {
            let json = self.json(file)?;
            Expr {
                text: value.as_bytes(),
                at: 0,
                json,
                file,
            }
            .parse()
        } else {
            Err(format!("{file}: only .json and .csv files hold figures"))
        }
    }
}

/// `row=N col=NAME` in a CSV file with a header line.
fn csv_cell(text: &str, file: &str, spec: &str) -> Result<f64, String> {
    let mut row = None;
    let mut col = None;
    for word in spec.split_whitespace() {
        if let Some(n) = word.strip_prefix("row=") {
            row = Some(
                n.parse::<usize>()
                    .map_err(|_| format!("bad row number in '{spec}'"))?,
            );
        } else if let Some(name) = word.strip_prefix("col=") {
            col = Some(name);
        } else {
            return Err(format!(
                "'{word}' in '{spec}': a CSV figure is `row=N col=NAME`"
            ));
        }
    }
    let (Some(row), Some(col)) = (row, col) else {
        return Err(format!("'{spec}': a CSV figure is `row=N col=NAME`"));
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let index = header.iter().position(|h| h.trim() == col).ok_or_else(|| {
        format!(
            "{file} has no column '{col}' (it has {})",
            header.join(", ")
        )
    })?;
    if row == 0 {
        return Err(format!(
            "'{spec}': rows count from 1 (the header is not a row)"
        ));
    }
    let line = lines
        .filter(|l| !l.trim().is_empty())
        .nth(row - 1)
        .ok_or_else(|| format!("{file} has no row {row}"))?;
    let cell = line
        .split(',')
        .nth(index)
        .ok_or_else(|| format!("{file}, row {row}: no column {index}"))?;
    cell.trim()
        .parse()
        .map_err(|_| format!("{file}, row {row}, column {col}: '{cell}' is not a number"))
}

/// A tiny recursive-descent evaluator: `expr := term (('+'|'-') term)*`,
/// `term := factor (('*'|'/') factor)*`, `factor := '(' expr ')' | number | path`.
struct Expr<'a> {
    text: &'a [u8],
    at: usize,
    json: &'a serde_json::Value,
    file: &'a str,
}

impl Expr<'_> {
    fn parse(mut self) -> Result<f64, String> {
        let value = self.expr()?;
        if self.at != self.text.len() {
            return Err(self.error("unexpected character"));
        }
        Ok(value)
    }

    fn error(&self, what: &str) -> String {
        let text = String::from_utf8_lossy(self.text);
        format!("{what} at position {} of '{text}'", self.at)
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn expr(&mut self) -> Result<f64, String> {
        let mut value = self.term()?;
        while let Some(op @ (b'+' | b'-')) = self.peek() {
            self.at += 1;
            let rhs = self.term()?;
            value = if op == b'+' { value + rhs } else { value - rhs };
        }
        Ok(value)
    }

    fn term(&mut self) -> Result<f64, String> {
        let mut value = self.factor()?;
        while let Some(op @ (b'*' | b'/')) = self.peek() {
            self.at += 1;
            let rhs = self.factor()?;
            value = if op == b'*' { value * rhs } else { value / rhs };
        }
        Ok(value)
    }

    fn factor(&mut self) -> Result<f64, String> {
        if self.peek() == Some(b'(') {
            self.at += 1;
            let value = self.expr()?;
            if self.peek() != Some(b')') {
                return Err(self.error("missing ')'"));
            }
            self.at += 1;
            return Ok(value);
        }
        let start = self.at;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            self.at += 1;
        }
        let atom = std::str::from_utf8(&self.text[start..self.at]).unwrap();
        if atom.is_empty() {
            return Err(self.error("expected a number, a JSON path or '('"));
        }
        if atom.as_bytes()[0].is_ascii_digit() {
            return atom
                .parse()
                .map_err(|_| format!("'{atom}' is not a number"));
        }
        let mut node = self.json;
        for key in atom.split('.') {
            node = match node {
                serde_json::Value::Array(items) => {
                    key.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                serde_json::Value::Object(map) => map.get(key),
                _ => None,
            }
            .ok_or_else(|| format!("{}: no '{key}' on the path '{atom}'", self.file))?;
        }
        node.as_f64()
            .ok_or_else(|| format!("{}: '{atom}' is {node}, not a number", self.file))
    }
}

/// `<!-- KIND: BODY -->` found in the README, with where it ends.
struct Marker {
    kind: String,
    body: String,
    line: usize,
    start: usize,
    end: usize,
}

const KINDS: [&str; 4] = ["fig", "fig-in-next-block", "copied-from", "end-copy"];

/// The byte ranges of fenced code blocks' contents (between the fence lines), and of the
/// blocks with their fences.
fn fenced_blocks(readme: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, String)> = None;
    let mut offset = 0;
    for line in readme.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        let is_fence =
            fence.len() >= 3 && fence.chars().all(|c| c == fence.chars().next().unwrap());
        match &open {
            None if is_fence => open = Some((offset, offset + line.len(), fence)),
            Some((start, content, opening))
                if is_fence
                    && fence.starts_with(opening.as_str())
                    && trimmed.trim_end() == fence =>
            {
                blocks.push((*content..offset, *start..offset + line.len()));
                open = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((start, content, _)) = open {
        blocks.push((content..readme.len(), start..readme.len()));
    }
    blocks
}

fn markers(readme: &str) -> Vec<Marker> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = readme[from..].find("<!--").map(|i| from + i) {
        let Some(end) = readme[start..].find("-->").map(|i| start + i + 3) else {
            break;
        };
        let inner = readme[start + 4..end - 3].trim();
        from = end;
        let (kind, body) = match inner.split_once(':') {
            Some((kind, body)) => (kind.trim(), body.trim()),
            None => (inner, ""),
        };
        if KINDS.contains(&kind) {
            found.push(Marker {
                kind: kind.to_string(),
                body: body.to_string(),
                line: readme[..start].lines().count() + 1,
                start,
                end,
            });
        }
    }
    found
}

/// `FILE VALUE .N ["ANCHOR"]`.
struct Figure<'a> {
    file: &'a str,
    value: String,
    decimals: usize,
    anchor: Option<&'a str>,
}

fn parse_figure(body: &str) -> Result<Figure<'_>, String> {
    let (spec, anchor) = match body.find('"') {
        Some(q) => {
            let rest = &body[q + 1..];
            let close = rest
                .rfind('"')
                .ok_or("the anchor's closing '\"' is missing")?;
            if !rest[close + 1..].trim().is_empty() {
                return Err("nothing may follow the anchor".into());
            }
            (&body[..q], Some(&rest[..close]))
        }
        None => (body, None),
    };
    let words: Vec<&str> = spec.split_whitespace().collect();
    if words.len() < 3 {
        return Err("expected `FILE VALUE .N`".into());
    }
    let decimals = words[words.len() - 1]
        .strip_prefix('.')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("'{}' is not a precision like .2", words[words.len() - 1]))?;
    Ok(Figure {
        file: words[0],
        value: words[1..words.len() - 1].join(" "),
        decimals,
        anchor,
    })
}

/// Whether `text` holds `number` as a whole number: not glued to further digits.
fn find_number(text: &str, number: &str) -> bool {
    text.match_indices(number).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        !matches!(before, Some(c) if c.is_ascii_digit() || c == '.')
            && !continues_number(&text[i + number.len()..])
    })
}

/// Whether text right after a number would make it a longer number (`5`, `.5`).
fn continues_number(rest: &str) -> bool {
    rest.starts_with(|c: char| c.is_ascii_digit())
        || rest
            .strip_prefix('.')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

fn excerpt(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let short: String = line.chars().take(40).collect();
    if short.len() < line.len() {
        format!("{short}…")
    } else {
        short
    }
}

#[test]
fn readme_figures_match_the_artifacts() {
    let mut files = Files::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut marker_count = 0;
    for (name, text) in pages() {
        let (n, m) = check_page(&name, &text, &mut files, &mut failures);
        checked += n;
        marker_count += m;
    }
    assert!(
        checked > 0,
        "no figure markers in the README or the book: every figure taken from artifacts/ should carry one (see tests/readme.rs)"
    );
    assert!(
        failures.is_empty(),
        "{} of the {marker_count} figure markers of the README and the book do not match their files (rerun \
         the command that writes the file, or update the page):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} figures of the README and the book match their files");
}

/// Checks the markers of one page (`name`, relative to the root); how many figures it checked
/// and how many markers it has.
fn check_page(name: &str, readme: &str, files: &mut Files, failures: &mut Vec<String>) -> (usize, usize) {
    let blocks = fenced_blocks(readme);
    let markers = markers(readme);
    let mut checked = 0;

    let mut copy_start: Option<(usize, &Marker, &str)> = None;
    for marker in &markers {
        let shown = if marker.body.is_empty() {
            marker.kind.clone()
        } else {
            format!("{}: {}", marker.kind, marker.body)
        };
        let at = |what: String| format!("{name}:{}: <!-- {shown} -->: {what}", marker.line);
        if blocks
            .iter()
            .any(|(_, whole)| whole.contains(&(marker.end - 1)))
        {
            failures.push(at(
                "this marker sits inside a fenced code block, where it shows literally".into(),
            ));
            continue;
        }
        match marker.kind.as_str() {
            "copied-from" => {
                if let Some((_, open, _)) = copy_start {
                    failures.push(at(format!(
                        "the copy opened at line {} has no <!-- end-copy -->",
                        open.line
                    )));
                }
                copy_start = Some((marker.end, marker, marker.body.as_str()));
            }
            "end-copy" => {
                let Some((start, _, file)) = copy_start.take() else {
                    failures.push(at("no <!-- copied-from: FILE --> before it".into()));
                    continue;
                };
                let source = match files.text(file) {
                    Ok(text) => text.lines().map(str::trim).collect::<Vec<_>>(),
                    Err(e) => {
                        failures.push(at(e));
                        continue;
                    }
                };
                let copied = &readme[start..marker.start];
                let mut lines = 0;
                let added_by_readme =
                    |l: &str| l.is_empty() || l.starts_with("```") || l.starts_with("$ ") || l == "…";
                for line in copied.lines().map(str::trim).filter(|l| !added_by_readme(l)) {
                    lines += 1;
                    if !source.contains(&line) {
                        failures.push(at(format!("the line '{line}' is not in {file} any more")));
                    }
                }
                if lines == 0 {
                    failures.push(at("nothing between copied-from and end-copy".into()));
                }
                checked += 1;
            }
            kind => {
                let figure = match parse_figure(&marker.body) {
                    Ok(f) => f,
                    Err(e) => {
                        failures.push(at(e));
                        continue;
                    }
                };
                let value = match files.value(figure.file, &figure.value) {
                    Ok(v) => v,
                    Err(e) => {
                        failures.push(at(e));
                        continue;
                    }
                };
                let expected = format!("{value:.*}", figure.decimals);
                checked += 1;
                if kind == "fig" {
                    if figure.anchor.is_some() {
                        failures.push(at("an anchor is only for fig-in-next-block".into()));
                        continue;
                    }
                    let after = &readme[marker.end..];
                    let shown = after
                        .strip_prefix(expected.as_str())
                        .is_some_and(|rest| !continues_number(rest));
                    if !shown {
                        failures.push(at(format!(
                            "{} gives {expected} ({value}), the page says '{}'",
                            figure.file,
                            excerpt(after)
                        )));
                    }
                    continue;
                }
                let Some((content, _)) = blocks.iter().find(|(_, whole)| whole.start >= marker.end)
                else {
                    failures.push(at("no fenced code block after this marker".into()));
                    continue;
                };
                let block = &readme[content.clone()];
                let block_line = readme[..content.start].lines().count() + 1;
                match figure.anchor {
                    None => {
                        if !find_number(block, &expected) {
                            failures.push(at(format!(
                                "{} gives {expected} ({value}), not found in the code block at line {block_line}",
                                figure.file
                            )));
                        }
                    }
                    Some(anchor) => match block.lines().find(|l| l.contains(anchor)) {
                        None => failures.push(at(format!(
                            "no line with \"{anchor}\" in the code block at line {block_line}"
                        ))),
                        Some(line) => {
                            if !find_number(line, &expected) {
                                failures.push(at(format!(
                                    "{} gives {expected} ({value}), but the line \"{line}\" does not show it",
                                    figure.file
                                )));
                            }
                        }
                    },
                }
            }
        }
    }
    if let Some((_, open, _)) = copy_start {
        failures.push(format!(
            "{name}:{}: <!-- copied-from --> without <!-- end-copy -->",
            open.line
        ));
    }
    (checked, markers.len())
}

#[test]
fn the_marker_checker_reads_values_and_numbers_as_documented() {
    let json: serde_json::Value =
        serde_json::from_str(r#"{"a": 2.0, "b": {"c": [1.5, [0, 4]]}, "s": "x"}"#).unwrap();
    let eval = |text: &str| {
        Expr {
            text: text.as_bytes(),
            at: 0,
            json: &json,
            file: "t.json",
        }
        .parse()
    };
    assert_eq!(eval("a"), Ok(2.0));
    assert_eq!(eval("b.c.1.1"), Ok(4.0));
    assert_eq!(eval("(a+b.c.0)*2-1"), Ok(6.0));
    assert_eq!(eval("a+b.c.0*2"), Ok(5.0));
    assert_eq!(eval("1e3/a"), Ok(500.0));
    assert!(
        eval("s").is_err() && eval("nope").is_err() && eval("a+").is_err() && eval("(a").is_err()
    );

    let csv = "epoch,loss,test_correct\n1,0.5,8142\n2,0.4,8272\n";
    assert_eq!(csv_cell(csv, "m.csv", "row=2 col=test_correct"), Ok(8272.0));
    assert!(csv_cell(csv, "m.csv", "row=3 col=loss").is_err());
    assert!(csv_cell(csv, "m.csv", "row=0 col=loss").is_err());
    assert!(csv_cell(csv, "m.csv", "row=1 col=nope").is_err());

    let f = parse_figure(r#"artifacts/x.csv row=1 col=loss .4 "epoch  1/20""#).unwrap();
    assert_eq!(
        (f.file, f.value.as_str(), f.decimals, f.anchor),
        ("artifacts/x.csv", "row=1 col=loss", 4, Some("epoch  1/20"))
    );

    assert!(find_number("test 84.38% (8438/10000)", "8438"));
    assert!(!find_number("(84381/10000)", "8438"));
    assert!(!find_number("0.135", "0.13"));
    assert!(!find_number("10.13", "0.13"));
    assert!(find_number("[0.13 s]", "0.13"));
    assert!(find_number("ends with 7.", "7"));

    let md = "a\n```\n<!-- fig: f .1 -->\n```\n<!-- fig: f x .1 -->1.0\n";
    let blocks = fenced_blocks(md);
    assert_eq!(blocks.len(), 1);
    let found = markers(md);
    assert_eq!(found.len(), 2);
    assert!(
        blocks[0].1.contains(&(found[0].end - 1)) && !blocks[0].1.contains(&(found[1].end - 1))
    );
}
