//! The listings: which packages there are (as Cargo sees the workspace), the
//! files the book checks next to them, and their binaries, built by Cargo.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use cargo_metadata::MetadataCommand;
use serde_json::Value;
use walkdir::WalkDir;

/// The files next to a listing's `Cargo.toml` that the book shows and the
/// output checks compare with a run.
pub const CHECKED_FILES: [&str; 2] = ["output.txt", "measured.txt"];

/// A listing or exercise-solution package under `listings/`.
pub struct Listing {
    /// The package name, which is also its folder's: `listing-04-02`.
    pub name: String,
    /// `listings/ch04-runtimes/listing-04-02`, relative to the book's root.
    pub dir: PathBuf,
    /// `rust-version` from its manifest (after workspace inheritance).
    pub rust_version: Option<String>,
}

impl Listing {
    pub fn is_exercise(&self) -> bool {
        self.name.starts_with("exercise-")
    }
}

/// Everything under `listings/` the harness checks.
pub struct Inventory {
    /// The book's root (the workspace's folder).
    pub root: PathBuf,
    /// Cargo's target directory for the workspace.
    pub target_dir: PathBuf,
    /// The listing and exercise packages, by path.
    pub listings: Vec<Listing>,
    /// Every file in a `listings/chNN-*/does-not-compile/` folder (the
    /// `.rs` listings and their `.stderr`), relative to the root, in order.
    pub does_not_compile: Vec<PathBuf>,
}

impl Inventory {
    /// Asks Cargo for the workspace's packages (`cargo metadata --no-deps`)
    /// and keeps those under `root/listings/chNN-*/`, and those of any
    /// workspace of its own there (Chapter 13's console example).
    pub fn load(root: &Path) -> Inventory {
        let workspace = metadata(&root.join("Cargo.toml"));
        let root = workspace.workspace_root.clone().into_std_path_buf();
        let mut listings = listings_of(&root, &workspace);
        let mut does_not_compile = Vec::new();
        for entry in WalkDir::new(root.join("listings"))
            .min_depth(3)
            .max_depth(3)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path().strip_prefix(&root).unwrap().to_path_buf();
            let folder = path.parent().unwrap();
            if folder.ends_with("does-not-compile") && entry.file_type().is_file() {
                does_not_compile.push(path);
            } else if path.ends_with("Cargo.toml") && !listings.iter().any(|l| l.dir == folder) {
                let other = metadata(entry.path());
                listings.extend(listings_of(&root, &other));
            }
        }
        listings.sort_by(|a, b| a.dir.cmp(&b.dir));
        Inventory {
            target_dir: workspace.target_directory.into_std_path_buf(),
            root,
            listings,
            does_not_compile,
        }
    }

    /// The listing whose folder holds `path` (relative to the root), if any
    /// (the innermost, for a package inside another).
    pub fn listing_of(&self, path: &Path) -> Option<&Listing> {
        self.listings
            .iter()
            .filter(|l| path.starts_with(&l.dir))
            .max_by_key(|l| l.dir.components().count())
    }

    /// The `output.txt` and `measured.txt` files that exist, relative to the
    /// root.
    pub fn checked_files(&self) -> Vec<PathBuf> {
        self.listings
            .iter()
            .flat_map(|l| CHECKED_FILES.map(|name| l.dir.join(name)))
            .filter(|file| self.root.join(file).is_file())
            .collect()
    }
}

fn metadata(manifest: &Path) -> cargo_metadata::Metadata {
    MetadataCommand::new()
        .manifest_path(manifest)
        .no_deps()
        .exec()
        .unwrap_or_else(|e| panic!("cargo metadata for {} failed: {e}", manifest.display()))
}

/// The packages of a workspace that sit under `root/listings/chNN-*/`.
fn listings_of(root: &Path, metadata: &cargo_metadata::Metadata) -> Vec<Listing> {
    metadata
        .packages
        .iter()
        .filter_map(|package| {
            let dir = package
                .manifest_path
                .parent()?
                .as_std_path()
                .strip_prefix(root)
                .ok()?
                .to_path_buf();
            let mut parts = dir.components().map(|c| c.as_os_str().to_str());
            let in_chapter = parts.next()? == Some("listings")
                && parts
                    .next()?
                    .is_some_and(|chapter| chapter.starts_with("ch"))
                && parts.next().is_some();
            in_chapter.then(|| Listing {
                rust_version: package.rust_version.as_ref().map(ToString::to_string),
                name: package.name.clone(),
                dir,
            })
        })
        .collect()
}

/// The name and version of every package in the workspace's resolve, as
/// locked in `Cargo.lock` (a crate can be there at several versions).
pub fn locked_versions(root: &Path) -> Vec<(String, String)> {
    let metadata = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .exec()
        .unwrap_or_else(|e| panic!("cargo metadata failed: {e}"));
    let mut locked: Vec<(String, String)> = metadata
        .packages
        .into_iter()
        .map(|p| (p.name, p.version.to_string()))
        .collect();
    locked.sort();
    locked
}

/// The Rust files of a folder (a listing package, say), relative to the
/// root, in byte order of their paths.
pub fn rust_files(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = WalkDir::new(root.join(dir))
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|path| path.extension().is_some_and(|e| e == "rs") && path.is_file())
        .map(|path| path.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    files
}

/// The executable of each package's main binary, from one
/// `cargo build --workspace --all-targets`: the same build as `make
/// build-all` and with the test build's features, so it is a no-op after
/// it. Cargo decides what is out of date, so a binary is never older than
/// its sources.
///
/// Under nextest every test is a process of its own: the first one of a
/// run (`NEXTEST_RUN_ID`) builds, under a file lock, and leaves the list of
/// executables in the target directory for the others.
pub fn workspace_binaries(inventory: &Inventory) -> Result<BTreeMap<String, PathBuf>, String> {
    static BUILT: OnceLock<Result<BTreeMap<String, PathBuf>, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let Ok(run) = std::env::var("NEXTEST_RUN_ID") else {
                return build(&inventory.root, &["--workspace", "--all-targets"]);
            };
            let dir = inventory.target_dir.join("harness-binaries");
            fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let lock = File::create(dir.join("lock")).map_err(|e| e.to_string())?;
            lock.lock().map_err(|e| e.to_string())?;
            let list = dir.join(format!("{run}.txt"));
            if let Ok(text) = fs::read_to_string(&list) {
                return decode(&text);
            }
            let built = build(&inventory.root, &["--workspace", "--all-targets"]);
            // Lists left by earlier runs are of no use any more.
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().extension().is_some_and(|e| e == "txt") {
                    let _ = fs::remove_file(entry.path());
                }
            }
            fs::write(&list, encode(&built)).map_err(|e| e.to_string())?;
            built
        })
        .clone()
}

/// The executable of one package's main binary, built by Cargo for that
/// package alone (`cargo build -p NAME --bin NAME`). Its features may
/// differ from the workspace build's; use it only with a target directory
/// that skeptic does not read (`make mutants` has its own).
pub fn package_binary(root: &Path, name: &str) -> Result<PathBuf, String> {
    build(root, &["--package", name, "--bin", name])?
        .remove(name)
        .ok_or_else(|| format!("Cargo built no binary named {name}"))
}

/// Runs `cargo build` with these arguments and returns the executables of
/// the bin targets it reports, by target name (test executables left out),
/// or what the compiler said if the build failed.
fn build(root: &Path, args: &[&str]) -> Result<BTreeMap<String, PathBuf>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut child = Command::new(&cargo)
        .arg("build")
        .args(args)
        .args(["--quiet", "--message-format=json-render-diagnostics"])
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    // Read as plain JSON: cargo_metadata 0.15's `Message` cannot parse the
    // `"debuginfo": "line-tables-only"` of this workspace's dev profile.
    let mut binaries = BTreeMap::new();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines().map_while(Result::ok) {
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let is_bin = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"));
        if message["reason"] == "compiler-artifact"
            && is_bin
            && message["profile"]["test"] == false
            && let (Some(name), Some(executable)) = (
                message["target"]["name"].as_str(),
                message["executable"].as_str(),
            )
        {
            binaries.insert(name.to_owned(), PathBuf::from(executable));
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build {}` failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(binaries)
}

/// `ok` and a `name<TAB>path` line per binary, or `error` and the message.
fn encode(built: &Result<BTreeMap<String, PathBuf>, String>) -> String {
    match built {
        Ok(binaries) => binaries
            .iter()
            .fold("ok\n".to_owned(), |text, (name, path)| {
                format!("{text}{name}\t{}\n", path.display())
            }),
        Err(message) => format!("error\n{message}"),
    }
}

fn decode(text: &str) -> Result<BTreeMap<String, PathBuf>, String> {
    match text.split_once('\n') {
        Some(("ok", lines)) => Ok(lines
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, path)| (name.to_owned(), PathBuf::from(path)))
            .collect()),
        Some(("error", message)) => Err(message.to_owned()),
        _ => Err("unreadable list of built binaries".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_binaries_reads_back_as_written() {
        let binaries = BTreeMap::from([
            (
                "listing-01-02".to_owned(),
                PathBuf::from("/t/debug/listing-01-02"),
            ),
            (
                "exercise-04-02".to_owned(),
                PathBuf::from("/t/debug/exercise-04-02"),
            ),
        ]);
        assert_eq!(decode(&encode(&Ok(binaries.clone()))), Ok(binaries));
        let failed = Err("error[E0308]: mismatched types\n".to_owned());
        assert_eq!(decode(&encode(&failed)), failed);
    }
}
