//! The pages a user reads, for the tests that check them (tests/readme.rs, tests/docs.rs):
//! README.md, the gradient-check crate's README and every chapter of the book, as (path from
//! the repository's root, text).

/// README.md, gradcheck/README.md, then book/src/*.md in name order.
pub fn pages() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut chapters: Vec<String> = std::fs::read_dir(root.join("book/src"))
        .expect("book/src")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("book/src/{n}"))
        .collect();
    chapters.sort();
    ["README.md".to_string(), "gradcheck/README.md".to_string()]
        .into_iter()
        .chain(chapters)
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, text)
        })
        .collect()
}
