//! `make mutants` leaves out the mutants listed in
//! `.cargo/mutants-exclusions.txt`, one a line:
//!
//! ```text
//! path/to/file.rs: replace + with - in Counter::poll  # why no test catches it
//! ```
//!
//! An entry outlives the code it was written for when the file is moved or
//! the function renamed: cargo-mutants then silently matches nothing, and
//! the reason no longer explains anything. This test fails on such an entry,
//! on one without a reason, and on a duplicate.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const EXCLUSIONS: &str = ".cargo/mutants-exclusions.txt";

/// A reason must say something specific; a few words at least.
const MIN_REASON_WORDS: usize = 5;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[derive(Debug, PartialEq)]
struct Exclusion<'a> {
    line: usize,
    path: &'a str,
    mutant: &'a str,
    reason: &'a str,
}

/// The entries of the file; blank lines and `#` comment lines are skipped.
fn parse(text: &str) -> Result<Vec<Exclusion<'_>>, String> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (entry, reason) = line.split_once("  # ").ok_or_else(|| {
            format!("{EXCLUSIONS}:{line_number}: no reason (`  # why` after the mutant)")
        })?;
        let (path, mutant) = entry
            .split_once(": ")
            .ok_or_else(|| format!("{EXCLUSIONS}:{line_number}: not `path: mutant  # reason`"))?;
        entries.push(Exclusion {
            line: line_number,
            path: path.trim(),
            mutant: mutant.trim(),
            reason: reason.trim(),
        });
    }
    Ok(entries)
}

/// The function a cargo-mutants mutant name is about, without its type:
/// `replace Counter::poll -> Poll<u32> with Poll::Pending` and
/// `replace + with - in Counter::poll` are both about `poll`.
fn function_of(mutant: &str) -> Option<&str> {
    let path = match mutant.rsplit_once(" in ") {
        Some((_, function)) => function,
        None => {
            let rest = mutant.strip_prefix("replace ")?;
            let end = [" -> ", " with "]
                .iter()
                .filter_map(|separator| rest.find(separator))
                .min()?;
            &rest[..end]
        }
    };
    let name = path.rsplit("::").next()?.trim();
    let is_identifier =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_identifier.then_some(name)
}

/// Whether `source` defines a function called `name`.
fn defines_function(source: &str, name: &str) -> bool {
    source
        .match_indices(&format!("fn {name}"))
        .any(|(at, found)| {
            let before = source[..at].chars().next_back();
            let after = source[at + found.len()..].chars().next();
            before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
                && after.is_some_and(|c| c == '(' || c == '<' || c.is_whitespace())
        })
}

/// What is wrong with the entries, one message each.
fn problems(entries: &[Exclusion<'_>], root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in entries {
        let at = format!("{EXCLUSIONS}:{}", entry.line);
        if !seen.insert((entry.path, entry.mutant)) {
            problems.push(format!("{at}: listed twice: {}", entry.mutant));
        }
        if entry.reason.split_whitespace().count() < MIN_REASON_WORDS {
            problems.push(format!(
                "{at}: the reason `{}` is too short to say why this mutant cannot or need not be caught",
                entry.reason
            ));
        }
        if !entry.path.starts_with("listings/") {
            problems.push(format!(
                "{at}: {} is not under listings/, which is all `make mutants` mutates",
                entry.path
            ));
        }
        let Ok(source) = fs::read_to_string(root.join(entry.path)) else {
            problems.push(format!("{at}: {} does not exist", entry.path));
            continue;
        };
        match function_of(entry.mutant) {
            None => problems.push(format!(
                "{at}: `{}` does not name a function as cargo-mutants does",
                entry.mutant
            )),
            Some(name) if !defines_function(&source, name) => problems.push(format!(
                "{at}: {} has no function `{name}` any more; remove the entry or update it",
                entry.path
            )),
            Some(_) => {}
        }
    }
    problems
}

#[test]
fn every_exclusion_names_existing_code_and_says_why() {
    let text = fs::read_to_string(root().join(EXCLUSIONS)).expect(EXCLUSIONS);
    let entries = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let problems = problems(&entries, root());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

// The checks above must fail on the entries they exist to catch.

#[test]
fn the_function_of_each_kind_of_mutant_name() {
    let cases = [
        ("replace main with ()", Some("main")),
        (
            "replace Countdown::poll -> Poll<()> with Poll::Pending",
            Some("poll"),
        ),
        (
            "replace <impl Future for Countdown>::poll -> Poll<Self::Output> with Poll::Ready(())",
            Some("poll"),
        ),
        ("replace += with -= in Counter::tick", Some("tick")),
        ("delete ! in ready", Some("ready")),
        ("replace match guard n > 0 with true in step", Some("step")),
        ("something else entirely", None),
    ];
    for (mutant, function) in cases {
        assert_eq!(function_of(mutant), function, "{mutant}");
    }
}

#[test]
fn a_stale_short_or_repeated_entry_is_reported() {
    let root = root();
    let file = "listings/ch03-state-machines/listing-03-01/src/main.rs";
    let reason = "a reason long enough to pass the check";
    let text = format!(
        "# comment\n\n\
         {file}: replace main with ()  # {reason}\n\
         {file}: replace main with ()  # {reason}\n\
         {file}: replace no_such_function -> u32 with 0  # {reason}\n\
         {file}: replace main with ()  # too short\n\
         listings/no/such/file.rs: replace main with ()  # {reason}\n\
         tests/build.rs: replace main with ()  # {reason}\n"
    );
    let entries = parse(&text).unwrap();
    assert_eq!(entries.len(), 6);
    assert_eq!(
        entries[0],
        Exclusion {
            line: 3,
            path: file,
            mutant: "replace main with ()",
            reason
        }
    );
    let problems = problems(&entries, root);
    let expected = [
        ":4: listed twice",
        ":5: listings/ch03-state-machines/listing-03-01/src/main.rs has no function `no_such_function`",
        ":6: the reason `too short`",
        ":7: listings/no/such/file.rs does not exist",
        ":8: tests/build.rs is not under listings/",
    ];
    for needle in expected {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "no problem containing {needle:?} in {problems:#?}"
        );
    }
    // Line 6 is also a duplicate of line 3 (same path and mutant).
    assert_eq!(problems.len(), expected.len() + 1, "{problems:#?}");
    assert!(parse("x.rs: replace main with ()\n").is_err());
}

#[test]
fn a_function_must_be_defined_not_just_mentioned() {
    let source =
        "fn main() {}\nasync fn poll_next<T>(x: T) {}\n// gone() was removed\nlet f = self.tick();";
    assert!(defines_function(source, "main"));
    assert!(defines_function(source, "poll_next"));
    assert!(!defines_function(source, "poll"));
    assert!(!defines_function(source, "tick"));
    assert!(!defines_function(source, "gone"));
}
