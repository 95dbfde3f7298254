//! Appendix A must not merely assert: every claim it judges names a test,
//! in a listing it links to, and that test must exist.
//!
//! An entry of `src/appendix-a-claims.md` looks like this:
//!
//! ```text
//! ## Claim 1: "Awaiting two calls one after the other runs them concurrently."
//!
//! **False.** Two or three sentences of why.
//!
//! - Test: `sequential_waits_add_up` in [Listing 1-2](ch01-why-async.md#listing-1-2)
//! - Explained in: [A first async program](ch01-why-async.md#a-first-async-program)
//! ```
//!
//! This test checks that all claims of the plan are there, each with a
//! verdict and at least one `Test:` line; that each linked listing's caption
//! exists (its `id`); and that the listing's package (or does-not-compile
//! file) really contains a test function of that name. That the tests pass
//! is checked by the rest of `make test`; that the links resolve, by the
//! site's link check.

use std::fs;
use std::path::{Path, PathBuf};

use harness_lib::listings::{Inventory, rust_files};

/// The number of claims in the book plan's "Claims to check".
const CLAIMS: usize = 22;
const APPENDIX: &str = "src/appendix-a-claims.md";
const VERDICTS: [&str; 3] = ["**True.**", "**False.**", "**Half-true.**"];

fn root() -> PathBuf {
    harness_lib::root()
}

#[test]
fn every_claim_has_a_verdict_and_a_test_that_exists() {
    let text = fs::read_to_string(root().join(APPENDIX)).expect("Appendix A exists");
    let inventory = Inventory::load(&root());
    let mut findings = Vec::new();
    let mut seen = Vec::new();
    // Each entry runs from its `## Claim N:` heading to the next heading.
    let mut entries: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("## ") {
            entries.push((n + 1, String::new()));
        }
        if let Some((_, body)) = entries.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (line, entry) in &entries {
        let at = |message: String| format!("{APPENDIX}:{line}: {message}");
        let Some(number) = entry
            .strip_prefix("## Claim ")
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.trim().parse::<usize>().ok())
        else {
            continue;
        };
        seen.push(number);
        if !VERDICTS.iter().any(|v| entry.contains(v)) {
            findings.push(at(format!("claim {number} has no verdict ({VERDICTS:?})")));
        }
        let tests: Vec<&str> = entry
            .lines()
            .filter(|l| l.trim_start().starts_with("- Test:"))
            .collect();
        if tests.is_empty() {
            findings.push(at(format!(
                "claim {number} names no test (\"- Test: `name` in [Listing …](…)\")"
            )));
        }
        for test_line in tests {
            if let Err(problem) = check_test_line(&inventory, test_line) {
                findings.push(at(format!("claim {number}: {problem}")));
            }
        }
    }
    for number in 1..=CLAIMS {
        if !seen.contains(&number) {
            findings.push(format!("{APPENDIX}: claim {number} is missing"));
        }
    }
    assert!(
        findings.is_empty(),
        "Appendix A has {} problem(s):\n{}",
        findings.len(),
        findings.join("\n")
    );
}

/// `- Test: `name` in [Listing 1-2](ch01-why-async.md#listing-1-2)`: the
/// caption with that id exists, and the file its listing shows (or that
/// file's package) defines `fn name`.
fn check_test_line(inventory: &Inventory, line: &str) -> Result<(), String> {
    let name = line
        .split('`')
        .nth(1)
        .ok_or("a Test: line names its test in backticks")?;
    let target = line
        .rsplit("](")
        .next()
        .and_then(|t| t.split(')').next())
        .filter(|t| t.contains(".md#"))
        .ok_or("a Test: line links to a listing: [Listing N-M](chapter.md#listing-n-m)")?;
    let (page, id) = target.split_once('#').unwrap();
    let listing = listing_file_of_caption(page, id)?;
    let sources = sources_of(inventory, &listing);
    let defines = |text: &str| text.contains(&format!("fn {name}("));
    if sources
        .iter()
        .any(|file| fs::read_to_string(root().join(file)).is_ok_and(|t| defines(&t)))
    {
        Ok(())
    } else {
        Err(format!(
            "no test `{name}` in {} (the listing of #{id})",
            listing.display()
        ))
    }
}

/// The file that the caption `id="…"` names. Captions are written by the
/// `mdbook-listings` preprocessor, so they are read from the chapter as
/// mdBook rendered it for the harness (the build script's `OUT_DIR`), where
/// each one reads `<div class="listing-caption" id="listing-1-2">…
/// <code>listings/…/main.rs</code></div>`.
fn listing_file_of_caption(page: &str, id: &str) -> Result<PathBuf, String> {
    let rendered = Path::new(env!("OUT_DIR")).join("markdown").join(page);
    let chapter = fs::read_to_string(&rendered).map_err(|_| {
        format!(
            "no rendered chapter {} (mdBook missing when the harness was built?)",
            rendered.display()
        )
    })?;
    chapter
        .lines()
        .find(|l| {
            l.starts_with("<div class=\"listing-caption\"") && l.contains(&format!(" id=\"{id}\""))
        })
        .ok_or_else(|| format!("no caption with id=\"{id}\" in src/{page}"))?
        .rsplit("<code>")
        .next()
        .and_then(|rest| rest.split("</code>").next())
        .map(PathBuf::from)
        .ok_or_else(|| format!("the caption #{id} in src/{page} names no file"))
}

/// The Rust files where a listing's tests can live: the whole package for
/// `listings/chNN-*/listing-NN-MM/src/main.rs`, the file itself otherwise.
fn sources_of(inventory: &Inventory, listing: &Path) -> Vec<PathBuf> {
    match inventory.listing_of(listing) {
        Some(package) => rust_files(&root(), &package.dir),
        None => vec![listing.to_path_buf()],
    }
}
