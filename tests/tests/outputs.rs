//! Every program output a chapter shows is checked here.
//!
//! A listing package may have, next to its `Cargo.toml`:
//!
//! - `output.txt`: what `cargo run -p <listing>` prints to stdout, exactly.
//!   `make bless` (SNAPSHOTS=overwrite) rewrites it from a real run.
//! - `measured.txt`: figures from `cargo run --release -p <listing>`
//!   (timings, memory), written by `make measure` after a header that says
//!   when, at which commit and on which machine they were measured, and
//!   gives a checksum of the sources that printed them. Numbers differ from
//!   run to run, so this checks the rest: the checksum must still match the
//!   listing's sources (figures from older sources are stale), and a fresh
//!   run must print the same text with every number in the same place. The
//!   claim the figures support is asserted by the listing's own tests.
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
    // `make measure` computes the checksum with the `cksum` command.
    trials.push(Trial::test("measured.txt header: cksum", || {
        let known = [(&b""[..], 4_294_967_295), (b"abc", 1_219_131_554)];
        for (data, crc) in known {
            if posix_cksum(data) != crc {
                return Err(format!("cksum of {data:?} is not {crc}").into());
            }
        }
        Ok(())
    }));
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

/// Runs the listing's binary, as built by `cargo build --workspace
/// --all-targets` (which `make test` runs first), and returns its stdout. A
/// failing run is a failed test.
///
/// Not `cargo run -p`: that resolves features for one package alone and
/// builds other variants of shared crates, which would sit in
/// target/debug/deps next to the test build's and could be linked by
/// skeptic by mistake. The workspace build has the test build's features.
///
/// With `OUTPUTS_BUILD=1`, set by `make mutants` (tests/mutants.sh), the
/// binary is built here first: under cargo-mutants nothing else builds the
/// mutated listing's binary, and its target directory is its own, so the
/// extra variants cannot reach skeptic.
fn run(package: &str) -> Result<String, Failed> {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    if std::env::var_os("OUTPUTS_BUILD").is_some_and(|v| v == "1") {
        build(package)?;
    }
    let binary = target.join("debug").join(package);
    check_fresh(&binary, package)?;
    let output = Command::new(&binary)
        .output()
        .map_err(|e| format!("could not run {}: {e}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{package} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    String::from_utf8(output.stdout).map_err(|_| "stdout is not UTF-8".into())
}

/// `cargo build --package <package> --bin <package>`, for `OUTPUTS_BUILD=1`.
fn build(package: &str) -> Result<(), Failed> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .args(["build", "--quiet", "--package", package, "--bin", package])
        .output()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "building {package} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    )
    .into())
}

/// A binary older than any source of its package, or of the support crate if
/// it depends on it, would print yesterday's output: refuse to compare it.
fn check_fresh(binary: &Path, package: &str) -> Result<(), Failed> {
    let stale = || {
        format!(
            "{} is missing or older than its sources: run \
             `cargo build --workspace --all-targets` first (`make test` does)",
            binary.display()
        )
    };
    let built = std::fs::metadata(binary)
        .and_then(|m| m.modified())
        .map_err(|_| stale())?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let package_dir = listing_dirs(root)
        .into_iter()
        .find(|dir| dir.ends_with(package))
        .ok_or_else(|| format!("no listing package named {package}"))?;
    // What the binary is built from: its package's sources and manifest,
    // and the support crate's if it is a dependency of the binary (tests/,
    // output files and dev-dependencies do not count: Cargo does not
    // rebuild the binary for them).
    let mut dirs = vec![package_dir.clone()];
    if depends_on_support(&package_dir.join("Cargo.toml")) {
        dirs.push(root.join("listings/support"));
    }
    for dir in dirs {
        if newest_change(&dir.join("src")).max(newest_change_of(&dir.join("Cargo.toml"))) > built {
            return Err(stale().into());
        }
    }
    Ok(())
}

/// Whether `support` is listed under `[dependencies]` in this manifest.
fn depends_on_support(manifest: &Path) -> bool {
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    let mut section = "";
    text.lines().any(|line| {
        if line.starts_with('[') {
            section = line.trim();
        }
        section == "[dependencies]" && line.starts_with("support")
    })
}

fn newest_change_of(file: &Path) -> std::time::SystemTime {
    std::fs::metadata(file)
        .and_then(|m| m.modified())
        .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
}

/// The latest modification time of the files below `dir`.
fn newest_change(dir: &Path) -> std::time::SystemTime {
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "toml")
                && let Ok(modified) = entry.metadata().and_then(|m| m.modified())
            {
                newest = newest.max(modified);
            }
        }
    }
    newest
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

/// The chapters whose `measured.txt` files must carry `make measure`'s
/// header. (Files elsewhere are checked against it when they have one.)
const HEADER_REQUIRED: &[&str] = &["ch14-performance"];

/// The figures must come from the listing's current sources, and the output
/// must match the file with all numbers masked.
fn same_shape(stdout: &str, expected: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(expected).map_err(|e| e.to_string())?;
    let listing = expected.parent().unwrap();
    let name = listing.file_name().unwrap().to_string_lossy();
    let shown = match split_header(&text) {
        Some((header, body)) => {
            let recorded = header
                .lines()
                .find_map(|l| l.strip_prefix("sources: cksum "))
                .and_then(|l| l.split_whitespace().next())
                .ok_or_else(|| format!("{}: no `sources:` line", expected.display()))?;
            let now = sources_cksum(listing).to_string();
            if recorded != now {
                return Err(format!(
                    "measured.txt of {name} was measured from other sources \
                     (cksum {recorded}, now {now}): its figures are older than \
                     the listing; run `make measure`"
                )
                .into());
            }
            body
        }
        None if HEADER_REQUIRED
            .iter()
            .any(|chapter| listing.parent().unwrap().ends_with(chapter)) =>
        {
            return Err(format!(
                "measured.txt of {name} does not say where and from what it \
                 was measured; run `make measure`"
            )
            .into());
        }
        None => &text,
    };
    if mask_numbers(stdout) == mask_numbers(shown) {
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

/// `make measure`'s header (up to the first empty line) and the program's
/// output after it, if the file starts with one.
fn split_header(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with("measured ") {
        return None;
    }
    text.split_once("\n\n")
}

/// What `make measure` records in the header: POSIX `cksum` of the
/// package's `Cargo.toml` followed by its `src/**/*.rs` files, in byte
/// order of their paths.
fn sources_cksum(listing: &Path) -> u32 {
    let mut files = Vec::new();
    let mut stack = vec![listing.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    let mut bytes = std::fs::read(listing.join("Cargo.toml")).unwrap_or_default();
    for file in files {
        bytes.extend(std::fs::read(file).unwrap_or_default());
    }
    posix_cksum(&bytes)
}

/// The CRC of POSIX `cksum`: CRC-32 (polynomial 0x04C11DB7, most
/// significant bit first, no reflection), over the data and then its
/// length in as few bytes as it takes, least significant first, inverted.
fn posix_cksum(data: &[u8]) -> u32 {
    fn feed(crc: u32, byte: u8) -> u32 {
        let mut crc = crc ^ (u32::from(byte) << 24);
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
        crc
    }
    let mut crc = data.iter().fold(0, |crc, &b| feed(crc, b));
    let mut len = data.len();
    while len > 0 {
        crc = feed(crc, len as u8);
        len >>= 8;
    }
    !crc
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
