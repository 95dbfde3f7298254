//! The book lint: rules about how chapters mark and include code, checked on
//! the sources in `src/` so every finding names a file and line.
//!
//! What the other tests cannot see is checked here: that no Rust block hides
//! from them (`ignore` is only for verified does-not-compile listings), that
//! each such listing is followed by its checked error, that every listing is
//! shown somewhere, and that every include and caption points at a real file.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use harness_lib::chapters::{Block, Chapter, chapters, includes};
use harness_lib::listings::{Inventory, locked_versions};

/// The info-string words a ```rust block may carry, and what they mean.
const RUST_TAGS: [&str; 5] = [
    "rust",
    "no_run",
    "should_panic",
    "ignore",
    "does_not_compile",
];

fn root() -> PathBuf {
    harness_lib::root()
}

/// Fails with every finding, one per line.
fn report(findings: Vec<String>) {
    assert!(
        findings.is_empty(),
        "the book lint found {} problem(s):\n{}\n(see CONTRIBUTING.md, \"Marking code blocks\")",
        findings.len(),
        findings.join("\n")
    );
}

#[test]
fn rust_blocks_are_tested_or_verified_not_to_compile() {
    let mut findings = Vec::new();
    for chapter in chapters(&root()) {
        for (i, block) in chapter.blocks.iter().enumerate() {
            let tags = block.tags();
            if block.language() != "rust" {
                if tags.contains(&"rust") || tags.contains(&"ignore") {
                    findings.push(chapter.at(block.line, "put `rust` first in the info string"));
                }
                continue;
            }
            for tag in tags.iter().filter(|t| !RUST_TAGS.contains(t)) {
                findings
                    .push(chapter.at(block.line, format!("unknown tag `{tag}` on a rust block")));
            }
            let ignore = tags.contains(&"ignore");
            let fails = tags.contains(&"does_not_compile");
            if ignore != fails {
                findings.push(chapter.at(
                    block.line,
                    "`ignore` goes only with `does_not_compile` (```rust,ignore,does_not_compile), \
                     and the other way round: an ignored block is never checked",
                ));
            }
            if tags.contains(&"no_run")
                && !block
                    .text
                    .lines()
                    .any(|l| l.trim_start().starts_with("# //"))
            {
                findings.push(chapter.at(
                    block.line,
                    "a no_run block says why it is not run, in a hidden `# // …` comment",
                ));
            }
            if fails {
                check_does_not_compile(&chapter, block, chapter.blocks.get(i + 1), &mut findings);
            }
        }
    }
    report(findings);
}

/// A does-not-compile block includes one `does-not-compile/X.rs`, and the
/// block right after it shows the checked `X.stderr`.
fn check_does_not_compile(
    chapter: &Chapter,
    block: &Block,
    next: Option<&Block>,
    findings: &mut Vec<String>,
) {
    let listing = match includes(&block.text).as_slice() {
        [include]
            if include.path.ends_with(".rs") && include.path.contains("/does-not-compile/") =>
        {
            chapter.target(&include.path)
        }
        _ => {
            findings.push(chapter.at(
                block.line,
                "a does_not_compile block includes exactly one listings/chNN-*/does-not-compile/*.rs \
                 file, which the compile-fail test builds",
            ));
            return;
        }
    };
    let stderr = listing.with_extension("stderr");
    let shows_stderr = next.is_some_and(|next| {
        next.language() == "text"
            && includes(&next.text)
                .iter()
                .any(|i| chapter.target(&i.path) == stderr)
    });
    if !shows_stderr {
        findings.push(chapter.at(
            block.line,
            format!(
                "follow this block with a ```text block that includes {}",
                stderr.display()
            ),
        ));
    }
}

#[test]
fn includes_point_at_existing_files_and_anchors() {
    let mut findings = Vec::new();
    for chapter in chapters(&root()) {
        for (n, line) in chapter.text.lines().enumerate() {
            for include in includes(line) {
                let target = chapter.target(&include.path);
                let Ok(text) = fs::read_to_string(root().join(&target)) else {
                    findings.push(chapter.at(
                        n + 1,
                        format!("includes a missing file: {}", target.display()),
                    ));
                    continue;
                };
                let anchor = include
                    .anchor
                    .as_deref()
                    .filter(|a| !a.chars().all(|c| c.is_ascii_digit() || c == ':'));
                if let Some(anchor) = anchor
                    && !text.contains(&format!("ANCHOR: {anchor}"))
                {
                    findings.push(chapter.at(
                        n + 1,
                        format!("no `ANCHOR: {anchor}` in {}", target.display()),
                    ));
                }
            }
        }
        // The harness maps rendered blocks back to sources by counting
        // fences, so an include outside a code block (a generated table,
        // say) must not bring in a fence of its own.
        for (n, line) in chapter.text.lines().enumerate() {
            let inside = chapter
                .blocks
                .iter()
                .any(|b| (b.line..=b.end_line).contains(&(n + 1)));
            for include in includes(line).iter().filter(|_| !inside) {
                let target = root().join(chapter.target(&include.path));
                let text = fs::read_to_string(&target).unwrap_or_default();
                if text.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with("```") || l.starts_with("~~~")
                }) {
                    findings.push(chapter.at(
                        n + 1,
                        "this include, outside a code block, brings in a code block: \
                         put the code block in the chapter and include only its text",
                    ));
                }
            }
        }
    }
    report(findings);
}

#[test]
fn every_listing_and_checked_file_is_shown_in_a_chapter() {
    let root = root();
    let mut shown = BTreeSet::new();
    for chapter in chapters(&root) {
        for include in includes(&chapter.text) {
            shown.insert(chapter.target(&include.path));
        }
    }
    let inventory = Inventory::load(&root);
    let mut findings = Vec::new();
    for file in &inventory.does_not_compile {
        if !shown.contains(file) {
            findings.push(format!("{}: no chapter includes it", file.display()));
        }
        let is_rs = file.extension().is_some_and(|e| e == "rs");
        if is_rs && !root.join(file.with_extension("stderr")).exists() {
            findings.push(format!(
                "{}: no .stderr next to it (run `make bless`)",
                file.display()
            ));
        }
    }
    for listing in &inventory.listings {
        if !shown.iter().any(|s| s.starts_with(&listing.dir)) {
            findings.push(format!(
                "{}: no chapter includes this listing",
                listing.dir.display()
            ));
        }
    }
    for file in inventory.checked_files() {
        if !shown.contains(&file) {
            findings.push(format!("{}: no chapter shows this output", file.display()));
        }
    }
    report(findings);
}

/// Every listing package states the oldest Rust it needs, so Cargo refuses
/// an older compiler with a clear message, and Clippy's `incompatible_msrv`
/// lint (run with `-D warnings`) catches a standard library API newer than
/// what the book promises readers.
#[test]
fn every_listing_declares_its_rust_version() {
    let findings: Vec<String> = Inventory::load(&root())
        .listings
        .iter()
        .filter(|listing| listing.rust_version.is_none())
        .map(|listing| {
            format!(
                "{}: no `rust-version` (add `rust-version.workspace = true`)",
                listing.dir.join("Cargo.toml").display()
            )
        })
        .collect();
    report(findings);
}

/// Captions are written by the `mdbook-listings` preprocessor
/// (tools/mdbook-listings) from a `{{#caption …}}` line: it takes the
/// number, the file and the id from the block's include, so those cannot
/// disagree. What it cannot know is where a caption is missing, so this
/// checks that every block including a whole listing file has the marker
/// as its nearest non-empty line before it, and that no caption is written
/// by hand (a hand-written one would bypass the preprocessor's checks).
#[test]
fn listing_blocks_have_a_caption_marker() {
    let mut findings = Vec::new();
    for chapter in chapters(&root()) {
        let lines: Vec<&str> = chapter.text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("<div class=\"listing-caption\"") {
                findings.push(chapter.at(
                    i + 1,
                    "a hand-written caption: write `{{#caption words}}` instead",
                ));
            }
        }
        for block in &chapter.blocks {
            let whole_file = includes(&block.text)
                .into_iter()
                .find(|i| i.anchor.is_none() && i.path.ends_with(".rs"));
            let Some(file) = whole_file else {
                continue;
            };
            let before = lines[..block.line - 1]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty());
            if !before.is_some_and(|l| l.starts_with("{{#caption ")) {
                findings.push(chapter.at(
                    block.line,
                    format!(
                        "no `{{{{#caption …}}}}` line before this block ({})",
                        chapter.target(&file.path).display()
                    ),
                ));
            }
        }
    }
    report(findings);
}

#[test]
fn every_page_is_in_the_summary() {
    let summary = fs::read_to_string(root().join("src/SUMMARY.md")).unwrap();
    let mut findings = Vec::new();
    for chapter in chapters(&root()) {
        let page = chapter
            .path
            .strip_prefix("src")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        // src/generated/ holds text that pages include, not pages.
        let is_page = page != "SUMMARY.md" && !page.starts_with("generated/");
        if is_page && !summary.contains(&format!("]({page})")) {
            findings.push(format!(
                "{}: not listed in src/SUMMARY.md, so not on the site",
                chapter.path.display()
            ));
        }
    }
    report(findings);
}

/// Appendix B lists every exercise solution, by its package name.
#[test]
fn every_exercise_solution_is_in_appendix_b() {
    let appendix =
        fs::read_to_string(root().join("src/appendix-b-solutions.md")).expect("Appendix B exists");
    let findings: Vec<String> = Inventory::load(&root())
        .listings
        .iter()
        .filter(|l| l.is_exercise() && !appendix.contains(&format!("-p {}`", l.name)))
        .map(|l| {
            format!(
                "{}: not listed in src/appendix-b-solutions.md",
                l.dir.display()
            )
        })
        .collect();
    report(findings);
}

/// Where the prose names an exact crate version ("tokio-macros 2.7.2", or a
/// link to a `tokio-1.54.1` tag), it is describing that version's code, so
/// the text must be re-checked when `Cargo.lock` moves on. This test is the
/// reminder: it fails naming the line, and the fix is to re-read the passage
/// against the new version and update the number.
#[test]
fn prose_versions_of_crates_match_cargo_lock() {
    let locked = locked_versions(&root());
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut findings = Vec::new();
    for chapter in chapters(&root()) {
        for (n, line) in chapter.text.lines().enumerate() {
            for (crate_name, version) in &locked {
                for (at, _) in line.match_indices(crate_name.as_str()) {
                    let before = line[..at].chars().next_back();
                    let rest = &line[at + crate_name.len()..];
                    if before.is_some_and(is_name_char) || !rest.starts_with([' ', '-']) {
                        continue;
                    }
                    // The version: digits and dots right after the separator.
                    let named: String = rest[1..]
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect();
                    let named = named.trim_end_matches('.');
                    let exact = named.split('.').count() == 3;
                    let same = locked.iter().any(|(c, v)| c == crate_name && v == named);
                    if exact && !same {
                        findings.push(chapter.at(
                            n + 1,
                            format!(
                                "names {crate_name} {named}, but Cargo.lock has {version}: \
                                 re-check the passage against it"
                            ),
                        ));
                    }
                }
            }
        }
    }
    report(findings);
}
