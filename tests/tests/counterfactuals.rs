//! `make counterfactuals`: each claim of Appendix A with a counterfactual
//! (see `harness_lib::claims`) has its listing's package tested with the
//! `counterfactual` feature, and the claim's test must fail there; what it
//! prints must be what the appendix shows (`counterfactual.txt`, rewritten
//! by `make counterfactuals SNAPSHOTS=overwrite`). That the same test passes
//! without the feature is checked by `make test`.
//!
//! Not part of `make test`: it builds each package again, with the feature,
//! in a target directory of its own (`target/counterfactual`), so that no
//! build with the feature can reach the test build's `target/debug`, where
//! skeptic finds the crates the book's snippets link against.

use std::path::Path;
use std::process::Command;

use harness_lib::claims::{Counterfactual, claims, listing_file_of_caption};
use harness_lib::listings::Inventory;
use libtest_mimic::{Arguments, Failed, Trial};
use snapbox::{Assert, Data};

fn main() {
    let args = Arguments::from_args();
    let root = harness_lib::root();
    let inventory = std::sync::Arc::new(Inventory::load(&root));
    let mut trials = Vec::new();
    for claim in claims(&root) {
        let Ok(Some(Counterfactual::Fails {
            page,
            id,
            test,
            record,
        })) = claim.counterfactual()
        else {
            continue;
        };
        let inventory = inventory.clone();
        let name = format!("claim-{:02} {test}", claim.number);
        trials.push(Trial::test(name, move || {
            let rendered = Path::new(env!("OUT_DIR")).join("markdown");
            let listing = listing_file_of_caption(&rendered, &page, &id)?;
            let package = inventory
                .listing_of(&listing)
                .ok_or_else(|| format!("{} is in no package", listing.display()))?;
            let failure = failure_with_feature(&inventory.root, &package.name, &test)?;
            Assert::new()
                .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
                .try_eq(
                    None,
                    Data::text(failure),
                    Data::read_from(&inventory.root.join(&record), None),
                )
                .map_err(|e| Failed::from(e.to_string()))
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// Runs `cargo test` on the package with the `counterfactual` feature, for
/// the tests named `test`; it must fail, and the failing test's message is
/// returned with what changes from run to run (thread ids) taken out.
fn failure_with_feature(root: &Path, package: &str, test: &str) -> Result<String, Failed> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--quiet", "--package", package])
        .args(["--features", "counterfactual", "--target-dir"])
        .arg(root.join("target/counterfactual"))
        // A substring filter (the test's path is `tests::name` in a binary,
        // `name` in an integration test); the section below is the test's.
        .args(["--", test, "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        // Built as a reader builds it: with rustc, where the false version's
        // unused code is only a warning (the Makefile lints with clippy).
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.success() {
        return Err(format!(
            "`{test}` of {package} passed with the counterfactual: it does not tell the claim \
             from its opposite\n{stdout}"
        )
        .into());
    }
    // libtest prints a failing test's output between `---- name stdout ----`
    // and the next blank line before `failures:`.
    let section = stdout
        .split("---- ")
        .skip(1)
        .find(|s| {
            s.split_whitespace()
                .next()
                .is_some_and(|n| n == test || n.ends_with(&format!("::{test}")))
        })
        .ok_or_else(|| {
            format!(
                "{package} failed with the counterfactual, but not in `{test}`:\n{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let mut lines: Vec<String> = section
        .lines()
        .skip(1)
        .take_while(|l| *l != "failures:")
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .map(without_thread_id)
        .collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    Ok(format!("{}\n", lines.join("\n")))
}

/// `thread 'tests::x' (12345) panicked at …` without the ` (12345)`.
fn without_thread_id(line: &str) -> String {
    match line
        .strip_prefix("thread '")
        .and_then(|r| r.split_once("' ("))
    {
        Some((name, rest)) => match rest.split_once(") ") {
            Some((id, after)) if id.chars().all(|c| c.is_ascii_digit()) => {
                format!("thread '{name}' {after}")
            }
            _ => line.to_string(),
        },
        None => line.to_string(),
    }
}
