//! The versions the book says it is verified with are the ones the
//! repository pins: Appendix D's table must be exactly what
//! `tests/versions.sh` makes from `rust-toolchain.toml`, the Makefile's tool
//! pins and `Cargo.lock`, and the README must name the same pins.

use std::fs;
use std::path::Path;
use std::process::Command;

const APPENDIX: &str = "src/appendix-d-versions.md";
const BEGIN: &str = "<!-- versions: begin";
const END: &str = "<!-- versions: end -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The committed table: the lines between the two markers.
fn committed_table() -> String {
    let text = read(APPENDIX);
    let start = text
        .lines()
        .position(|l| l.starts_with(BEGIN))
        .unwrap_or_else(|| panic!("{APPENDIX}: no line starting with `{BEGIN}`"));
    let end = text
        .lines()
        .position(|l| l == END)
        .unwrap_or_else(|| panic!("{APPENDIX}: no `{END}` line"));
    assert!(
        start < end,
        "{APPENDIX}: the end marker comes before the begin marker"
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[start + 1..end]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect()
}

fn generated_table() -> String {
    let output = Command::new("bash")
        .arg("tests/versions.sh")
        .current_dir(root())
        .output()
        .expect("bash runs tests/versions.sh");
    assert!(
        output.status.success(),
        "tests/versions.sh failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn appendix_d_shows_the_pinned_toolchain_and_the_locked_crates() {
    let committed = committed_table();
    let generated = generated_table();
    if committed != generated {
        let mut diff = String::new();
        for line in committed.lines().filter(|l| !generated.contains(l)) {
            diff.push_str(&format!("  committed: {line}\n"));
        }
        for line in generated.lines().filter(|l| !committed.contains(l)) {
            diff.push_str(&format!("  pinned:    {line}\n"));
        }
        panic!(
            "{APPENDIX}: the versions table differs from rust-toolchain.toml, the \
             Makefile's pins and Cargo.lock:\n{diff}\
             Run `make versions` and commit {APPENDIX}."
        );
    }
}

/// `NAME := VALUE` from the Makefile.
fn makefile_pin(name: &str) -> String {
    read("Makefile")
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once(":=")?;
            (key.trim() == name).then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("Makefile: no `{name} :=` line"))
}

#[test]
fn the_readme_names_the_pinned_toolchain_and_tools() {
    // Words, so that a line break inside "mdBook 0.5.4" does not matter.
    let readme = read("README.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let toolchain = read("rust-toolchain.toml");
    let channel = toolchain
        .lines()
        .find_map(|l| l.strip_prefix("channel = "))
        .expect("rust-toolchain.toml has a `channel = ` line")
        .trim_matches('"');
    let expected = [
        format!("Rust {channel}"),
        format!("mdBook {}", makefile_pin("MDBOOK_VERSION")),
        format!("mdbook-mermaid {}", makefile_pin("MDBOOK_MERMAID_VERSION")),
    ];
    let missing: Vec<_> = expected.iter().filter(|e| !readme.contains(*e)).collect();
    assert!(
        missing.is_empty(),
        "README.md does not name {missing:?}, the versions rust-toolchain.toml \
         and the Makefile pin: update its text"
    );
}
