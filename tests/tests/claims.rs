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

use harness_lib::claims::{APPENDIX, Counterfactual, claims};
use harness_lib::listings::{Inventory, rust_files};

/// The number of claims in the book plan's "Claims to check".
const CLAIMS: usize = 22;
const VERDICTS: [&str; 3] = ["**True.**", "**False.**", "**Half-true.**"];

fn root() -> PathBuf {
    harness_lib::root()
}

fn rendered() -> PathBuf {
    Path::new(env!("OUT_DIR")).join("markdown")
}

#[test]
fn every_claim_has_a_verdict_and_a_test_that_exists() {
    let inventory = Inventory::load(&root());
    let mut findings = Vec::new();
    let mut seen = Vec::new();
    for claim in claims(&root()) {
        let at = |message: String| format!("{APPENDIX}:{}: {message}", claim.line);
        let number = claim.number;
        seen.push(number);
        if !VERDICTS.iter().any(|v| claim.text.contains(v)) {
            findings.push(at(format!("claim {number} has no verdict ({VERDICTS:?})")));
        }
        let tests: Vec<&str> = claim
            .text
            .lines()
            .filter(|l| l.trim_start().starts_with("- Test:"))
            .collect();
        if tests.is_empty() {
            findings.push(at(format!(
                "claim {number} names no test (\"- Test: `name` in [Listing …](…)\")"
            )));
        }
        for test_line in &tests {
            if let Err(problem) = check_test_line(&inventory, test_line) {
                findings.push(at(format!("claim {number}: {problem}")));
            }
        }
        if let Err(problem) = check_counterfactual(&inventory, &claim, &tests) {
            findings.push(at(format!("claim {number}: {problem}")));
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

/// Every claim has a counterfactual: one of the claim's tests, in a listing
/// whose package has the `counterfactual` feature and uses it (`make
/// counterfactuals` checks that the test then fails), or `none` with the
/// reason.
fn check_counterfactual(
    inventory: &Inventory,
    claim: &harness_lib::claims::Claim,
    tests: &[&str],
) -> Result<(), String> {
    let Some(counterfactual) = claim.counterfactual()? else {
        return Err("no `Counterfactual:` paragraph (see harness_lib::claims)".into());
    };
    let Counterfactual::Fails { page, id, test, .. } = counterfactual else {
        // `Counterfactual: none: <why>`.
        let reason = claim
            .text
            .split("Counterfactual: none")
            .nth(1)
            .unwrap_or_default();
        return match reason.trim_start_matches(':').split_whitespace().count() {
            0..5 => Err("`Counterfactual: none` says why no false version can be built".into()),
            _ => Ok(()),
        };
    };
    if !tests.iter().any(|line| line.contains(&format!("`{test}`"))) {
        return Err(format!(
            "the counterfactual's test `{test}` is not one of the claim's Test: lines"
        ));
    }
    let listing = harness_lib::claims::listing_file_of_caption(&rendered(), &page, &id)?;
    let package = inventory
        .listing_of(&listing)
        .ok_or_else(|| format!("{} is in no package", listing.display()))?;
    let manifest =
        fs::read_to_string(root().join(&package.dir).join("Cargo.toml")).unwrap_or_default();
    let uses = rust_files(&root(), &package.dir).iter().any(|f| {
        fs::read_to_string(root().join(f)).is_ok_and(|t| t.contains("feature = \"counterfactual\""))
    });
    if !manifest.contains("counterfactual = []") || !uses {
        return Err(format!(
            "{} has no `counterfactual` feature in its Cargo.toml, or no code behind it",
            package.name
        ));
    }
    Ok(())
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
    let listing = harness_lib::claims::listing_file_of_caption(&rendered(), page, id)?;
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

/// The Rust files where a listing's tests can live: the whole package for
/// `listings/chNN-*/listing-NN-MM/src/main.rs`, the file itself otherwise.
fn sources_of(inventory: &Inventory, listing: &Path) -> Vec<PathBuf> {
    match inventory.listing_of(listing) {
        Some(package) => rust_files(&root(), &package.dir),
        None => vec![listing.to_path_buf()],
    }
}
