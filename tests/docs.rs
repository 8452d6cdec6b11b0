//! The documents a user reads — README.md, gradcheck/README.md and the book (book/src) — hold together: every
//! relative link and image leads to a file, every `#anchor` to a heading of its page, every
//! `{{#include}}` to a file; the book's SUMMARY.md lists each chapter once; the README stays a
//! front door (≤ 250 lines, ≤ 3 000 words); and the user's pages name no folder a user does not
//! have (`../shared`, the developers' data, only in the testing chapter) and no issue numbers.
//! (The figures inside them are checked against their files by tests/readme.rs.)

#[path = "common/pages.rs"]
mod pages;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pages::pages;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md, gradcheck/README.md and every chapter of the book: their paths and texts.
fn documents() -> Vec<(PathBuf, String)> {
    pages().into_iter().map(|(name, text)| (root().join(name), text)).collect()
}

/// The text outside fenced code blocks (links inside code are not links), line by line with
/// their numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<String> = None;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks: String = trimmed.chars().take_while(|&c| c == '`' || c == '~').collect();
        if ticks.len() >= 3 {
            match &fence {
                None => fence = Some(ticks),
                Some(open) if ticks.starts_with(open.as_str()) && trimmed.trim_end() == ticks => fence = None,
                _ => {}
            }
            continue;
        }
        if fence.is_none() {
            lines.push((i + 1, line));
        }
    }
    lines
}

/// The targets of the Markdown links and images on a line, `[text](target)`, outside inline
/// code.
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let without_code: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
    let mut rest = without_code.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split_whitespace().next().unwrap_or("");
        targets.push(target.to_string());
        rest = &after[end..];
    }
    targets
}

/// A heading's id as mdBook (and GitHub) make it: lowercase, spaces to '-', inline code
/// marks, links and punctuation dropped.
fn heading_id(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    // [text](url) keeps its text.
    while let Some(open) = rest.find('[') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match (after.find("]("), after.find(')')) {
            (Some(close), Some(end)) if close < end => {
                text.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            _ => {
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text.chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_lowercase().next().unwrap_or(c)),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The ids of a page's headings (a repeated heading gets `-1`, `-2`, … as mdBook does).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (_, line) in prose(text) {
        let Some(heading) = line.strip_prefix('#') else { continue };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let id = heading_id(heading.trim());
        let mut unique = id.clone();
        let mut n = 1;
        while ids.contains(&unique) {
            unique = format!("{id}-{n}");
            n += 1;
        }
        ids.insert(unique);
    }
    ids
}

fn is_external(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:")
}

#[test]
fn every_link_image_anchor_and_include_resolves() {
    let docs = documents();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, text) in &docs {
        let dir = path.parent().unwrap();
        let shown = path.strip_prefix(root()).unwrap().display().to_string();
        for (n, line) in prose(text) {
            for target in link_targets(line) {
                if target.is_empty() || is_external(&target) {
                    continue;
                }
                checked += 1;
                let (file, anchor) = match target.split_once('#') {
                    Some((file, anchor)) => (file, Some(anchor)),
                    None => (target.as_str(), None),
                };
                let linked = if file.is_empty() { path.clone() } else { dir.join(file) };
                if !linked.exists() {
                    failures.push(format!("{shown}:{n}: {target}: no file {}", linked.display()));
                    continue;
                }
                let Some(anchor) = anchor else { continue };
                let page = std::fs::read_to_string(&linked).unwrap_or_default();
                if !anchors(&page).contains(anchor) {
                    failures.push(format!("{shown}:{n}: {target}: no heading with the id '{anchor}' in {file}"));
                }
            }
        }
        // Includes are read wherever they stand, code blocks included.
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("{{#include ") {
                let after = &rest[at + "{{#include ".len()..];
                let Some(end) = after.find("}}") else { break };
                let spec = after[..end].trim();
                let file = spec.split(':').next().unwrap_or(spec);
                checked += 1;
                if !dir.join(file).is_file() {
                    failures.push(format!("{shown}:{}: {{{{#include {spec}}}}}: no file {file}", i + 1));
                }
                rest = &after[end..];
            }
        }
    }
    assert!(checked > 20, "only {checked} links found: is the link reader broken?");
    assert!(failures.is_empty(), "{} broken links:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{checked} links, images and includes resolve in {} documents", docs.len());
}

#[test]
fn the_book_lists_each_chapter_once() {
    let src = root().join("book/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).expect("book/src/SUMMARY.md");
    let listed: Vec<String> = summary.lines().flat_map(link_targets).collect();
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "a chapter is listed twice in SUMMARY.md: {listed:?}");
    // The chapters: the pages under book/src (the READMEs are not in the book).
    for (path, _) in documents().iter().filter(|(path, _)| path.starts_with(&src)) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name != "SUMMARY.md" {
            assert!(listed.contains(&name), "book/src/{name} is not in SUMMARY.md: the book would not show it");
        }
    }
}

#[test]
fn the_readme_is_a_front_door() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    // Words as a reader sees them: hidden markers do not count.
    let mut visible = readme.clone();
    while let (Some(start), Some(end)) = (visible.find("<!--"), visible.find("-->")) {
        if end < start {
            break;
        }
        visible.replace_range(start..end + 3, "");
    }
    let words = visible.split_whitespace().count();
    eprintln!("README.md: {lines} lines, {words} words");
    assert!(lines <= 250, "README.md has {lines} lines: the depth belongs in the book (at most 250)");
    assert!(words <= 3000, "README.md has {words} words: the depth belongs in the book (at most 3 000)");
}

#[test]
fn the_users_pages_name_no_developers_folder_and_no_issue() {
    let mut failures = Vec::new();
    for (path, text) in documents() {
        let shown = path.strip_prefix(root()).unwrap().display().to_string();
        // The contributors' chapter on tests is where the developers' data folder belongs.
        let developers_page = shown == "book/src/testing.md";
        for (i, line) in text.lines().enumerate() {
            if !developers_page && line.contains("../shared") {
                failures.push(format!("{shown}:{}: names ../shared, a folder users do not have", i + 1));
            }
            let lower = line.to_lowercase();
            if let Some(at) = lower.find("issue ")
                && lower[at + 6..].starts_with(|c: char| c.is_ascii_digit())
            {
                failures.push(format!("{shown}:{}: names an issue number, a builder's word", i + 1));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checker_reads_links_and_headings_as_mdbook_does() {
    assert_eq!(link_targets("see [a](a.md#x) and ![p](artifacts/p.png \"t\")"), ["a.md#x", "artifacts/p.png"]);
    assert!(link_targets("`[not](a link)` here").is_empty());
    assert_eq!(heading_id("Options of `train`"), "options-of-train");
    assert_eq!(heading_id("Draw a digit: `handgrad serve`"), "draw-a-digit-handgrad-serve");
    assert_eq!(heading_id("See [the lab](lab.md) now"), "see-the-lab-now");
    let ids = anchors("# A\n```\n# not a heading\n```\n## A\n#nope\n");
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["a", "a-1"]);
    assert!(Path::new(&root()).join("book/book.toml").is_file());
}
