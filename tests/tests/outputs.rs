//! Every program output a chapter shows is checked here.
//!
//! A listing package may have, next to its `Cargo.toml`:
//!
//! - `output.txt`: what `cargo run -p <listing>` prints to stdout, exactly.
//!   `make bless` (SNAPSHOTS=overwrite) rewrites it from a real run.
//! - `measured.txt`: figures from `cargo run --release -p <listing>`
//!   (timings, memory), written by `make measure`. Numbers differ from run
//!   to run, so this checks the rest: a fresh run must print the same text
//!   with every number in the same place. The claim the figures support is
//!   asserted by the listing's own tests.
//!
//! One test per file, named after the listing, so a failure names it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

// The harness has no library on purpose: skeptic links every snippet
// against the harness's own library too, so a library that is rebuilt
// whenever a chapter changes would make every snippet recompile.
#[allow(dead_code)]
#[path = "../common/markdown.rs"]
mod markdown;

use libtest_mimic::{Arguments, Failed, Trial};
use markdown::{includes, normalize};
use snapbox::{Assert, Data};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut trials = Vec::new();
    for file in checked_files(root) {
        let listing = file.parent().unwrap();
        let package = listing.file_name().unwrap().to_string_lossy().into_owned();
        let check: Check = if file.ends_with("measured.txt") {
            same_shape
        } else {
            exact
        };
        let name = format!("{package}/{}", file.file_name().unwrap().to_string_lossy());
        trials.push(Trial::test(name, move || check(&run(&package)?, &file)));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// The `output.txt` and `measured.txt` files of the listings: those that
/// exist, and those a chapter includes (so `make bless` can create them).
fn checked_files(root: &Path) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::new();
    for listing in listing_dirs(root) {
        for name in ["output.txt", "measured.txt"] {
            if listing.join(name).exists() {
                files.insert(listing.join(name));
            }
        }
    }
    for chapter in std::fs::read_dir(root.join("src")).unwrap().flatten() {
        let text = std::fs::read_to_string(chapter.path()).unwrap_or_default();
        for include in includes(&text) {
            if include.path.ends_with("/output.txt") || include.path.ends_with("/measured.txt") {
                files.insert(root.join(normalize(&Path::new("src").join(&include.path))));
            }
        }
    }
    files
}

type Check = fn(&str, &Path) -> Result<(), Failed>;

/// `listings/ch*/listing-*` and `listings/ch*/exercise-*`: the packages.
fn listing_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for chapter in std::fs::read_dir(root.join("listings")).unwrap().flatten() {
        for entry in std::fs::read_dir(chapter.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.path().join("Cargo.toml").exists() {
                dirs.push(entry.path());
            }
        }
    }
    dirs.sort();
    dirs
}

/// Builds (if needed) and runs the listing with `cargo run`, so the binary is
/// never stale, and returns its stdout. A failing run is a failed test.
fn run(package: &str) -> Result<String, Failed> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // A target directory of its own: `cargo run -p` resolves features for one
    // package, so it builds other variants of shared crates than the test
    // build does, and skeptic must only ever see the test build's variants.
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--package", package])
        .env("CARGO_TARGET_DIR", target.join("outputs"))
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo run -p {package}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    String::from_utf8(output.stdout).map_err(|_| "stdout is not UTF-8".into())
}

/// The output must match the file exactly (no wildcards: the reader sees it).
fn exact(stdout: &str, expected: &Path) -> Result<(), Failed> {
    Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .try_eq(
            Some(&"stdout"),
            Data::text(stdout),
            Data::read_from(expected, None).raw(),
        )
        .map_err(|e| format!("{}\n(run `make bless` if the new output is right)", e).into())
}

/// The output must match the file with all numbers masked.
fn same_shape(stdout: &str, expected: &Path) -> Result<(), Failed> {
    let shown = std::fs::read_to_string(expected).map_err(|e| e.to_string())?;
    if mask_numbers(stdout) == mask_numbers(&shown) {
        return Ok(());
    }
    Err(format!(
        "{} no longer has the shape of what the program prints.\n\
         --- shown in the book ---\n{shown}--- printed now ---\n{stdout}\
         (run `make measure` to record new figures)",
        expected.display()
    )
    .into())
}

/// `12.5 µs` becomes `# µs`: every run of digits, with its decimals, is `#`.
fn mask_numbers(text: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        let part_of_number = c.is_ascii_digit() || (in_number && c == '.');
        if part_of_number && !in_number {
            masked.push('#');
        } else if !part_of_number {
            masked.push(c);
        }
        in_number = part_of_number;
    }
    // Aligned columns shift when a number gains a digit: compare words only.
    masked.split_whitespace().collect::<Vec<_>>().join(" ")
}
