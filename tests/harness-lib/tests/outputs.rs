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

use harness_lib::chapters::{chapters, includes};
use harness_lib::listings::{Inventory, package_binary, rust_files, workspace_binaries};
use libtest_mimic::{Arguments, Failed, Trial};
use snapbox::{Assert, Data};

fn main() {
    let args = Arguments::from_args();
    let inventory = std::sync::Arc::new(Inventory::load(&harness_lib::root()));
    let mut trials = Vec::new();
    for file in checked_files(&inventory) {
        let package = file
            .parent()
            .and_then(Path::file_name)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let check: Check = if file.ends_with("measured.txt") {
            same_shape
        } else {
            exact
        };
        let name = format!("{package}/{}", file.file_name().unwrap().to_string_lossy());
        let inventory = inventory.clone();
        trials.push(Trial::test(name, move || {
            let file = inventory.root.join(&file);
            check(&run(&inventory, &package)?, &file)
        }));
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

/// The `output.txt` and `measured.txt` files of the listings, relative to
/// the root: those that exist, and those a chapter includes (so `make
/// bless` can create them).
fn checked_files(inventory: &Inventory) -> BTreeSet<PathBuf> {
    let mut files: BTreeSet<PathBuf> = inventory.checked_files().into_iter().collect();
    for chapter in chapters(&inventory.root) {
        for include in includes(&chapter.text) {
            if include.path.ends_with("/output.txt") || include.path.ends_with("/measured.txt") {
                files.insert(chapter.target(&include.path));
            }
        }
    }
    files
}

type Check = fn(&str, &Path) -> Result<(), Failed>;

/// Runs the listing's binary and returns its stdout. A failing run is a
/// failed test.
///
/// The binary comes from Cargo: `cargo build --workspace --all-targets`,
/// run once per test run (a no-op after `make build-all`), which rebuilds
/// whatever is out of date. Not `cargo run -p`: that resolves features for
/// one package alone and builds other variants of shared crates, which
/// would sit in target/debug/deps next to the test build's and could be
/// linked by skeptic by mistake.
///
/// With `OUTPUTS_BUILD=1`, set by `make mutants` (tests/mutants.sh), only
/// this package's binary is built: its target directory is its own, so the
/// other variants cannot reach skeptic, and a mutant rebuilds one package.
fn run(inventory: &Inventory, package: &str) -> Result<String, Failed> {
    let binary = if mutating() {
        package_binary(&inventory.root, package)?
    } else {
        workspace_binaries(inventory)?
            .get(package)
            .cloned()
            .ok_or_else(|| format!("Cargo built no binary named {package}"))?
    };
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

/// Whether `make mutants` runs these checks (it alone sets `OUTPUTS_BUILD`).
fn mutating() -> bool {
    std::env::var_os("OUTPUTS_BUILD").is_some_and(|v| v == "1")
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
            // A mutant always changes the sources: under `make mutants` the
            // shape of what the mutant prints is what counts, or every
            // mutant of a measured listing would be caught by this line.
            if recorded != now && !mutating() {
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
    let mut bytes = std::fs::read(listing.join("Cargo.toml")).unwrap_or_default();
    for file in rust_files(listing, Path::new("src")) {
        bytes.extend(std::fs::read(listing.join(file)).unwrap_or_default());
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
