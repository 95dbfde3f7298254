//! Turns every ```rust block of the book, *as the reader sees it*, into a test.
//!
//! 1. mdBook itself renders the book with its `markdown` renderer, which
//!    writes each chapter after its preprocessors ran: `{{#include}}` and
//!    `{{#rustdoc_include}}` are expanded exactly as on the site.
//! 2. skeptic turns each ```rust block of those rendered chapters into a
//!    test that compiles (and, unless `no_run`, runs) it.
//! 3. Each generated test first prints where its block comes from (chapter
//!    file and line, and the listing it includes), so a failure points at
//!    the source, not at the rendered copy.
//!
//! Cargo re-runs this script when anything under `src/` or `listings/`
//! changes, so a test never sees a stale chapter.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use harness_lib::chapters::{fenced_blocks, includes, markdown_files, normalize, sanitize};

fn main() {
    let harness = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = harness.parent().unwrap().to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());

    for path in ["book.toml", "src", "listings"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=MDBOOK");
    println!("cargo:rerun-if-env-changed=BOOK_TOOLS_BIN");

    let Some(rendered) = render_markdown(&root, &out) else {
        // Without mdBook (an editor's `cargo check --workspace`, say) the
        // harness still compiles, and its one snippet test says what is
        // missing instead of passing with nothing checked.
        println!(
            "cargo:warning=mdbook not found: the snippet tests will fail until `make tools` installs it"
        );
        let message = "mdbook was not found when the harness was built, so no chapter was \
                       rendered: run `make tools` (or `make snippets`, which installs it)";
        let test = format!("#[test]\nfn book_tools_missing() {{\n    panic!({message:?});\n}}\n");
        fs::write(out.join("located-tests.rs"), test).unwrap();
        return;
    };
    let chapters = markdown_files(&rendered);
    skeptic::generate_doc_tests(&chapters);

    let sources = locate_blocks(&root, &rendered, &chapters);
    add_locations(
        &out.join("skeptic-tests.rs"),
        &out.join("located-tests.rs"),
        &sources,
    );
}

/// Runs `mdbook build` into a scratch folder and copies the rendered chapters
/// to `OUT_DIR/markdown`, writing only the files whose text changed (so their
/// timestamps, which Cargo and skeptic watch, only move when they should).
/// `None` if there is no mdBook to run.
fn render_markdown(root: &Path, out: &Path) -> Option<PathBuf> {
    let scratch = out.join("mdbook");
    let _ = fs::remove_dir_all(&scratch);
    let mdbook = env::var("MDBOOK").unwrap_or_else(|_| "mdbook".into());
    // The Makefile installs mdbook and its preprocessors into a tools folder;
    // put it on PATH so `mdbook` finds `mdbook-mermaid` when run from Cargo.
    let tools = env::var("BOOK_TOOLS_BIN").unwrap_or_else(|_| {
        format!(
            "{}/.cache/async-rust-tested/tools/bin",
            env::var("HOME").unwrap_or_default()
        )
    });
    let path = format!("{tools}:{}", env::var("PATH").unwrap_or_default());
    let output = match Command::new(&mdbook)
        .arg("build")
        .arg(root)
        .arg("--dest-dir")
        .arg(&scratch)
        .env("PATH", path)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Look again once the tools are installed, here or on PATH.
            println!("cargo:rerun-if-changed={tools}");
            println!("cargo:rerun-if-env-changed=PATH");
            return None;
        }
        Err(e) => panic!("could not run `{mdbook}` ({e}); run `make tools` (or `make test`) first"),
    };
    if !output.status.success() {
        panic!(
            "mdbook build failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let rendered = out.join("markdown");
    let fresh = scratch.join("markdown");
    for file in markdown_files(&fresh) {
        let target = rendered.join(file.strip_prefix(&fresh).unwrap());
        let text = fs::read(&file).unwrap();
        if fs::read(&target).ok().as_ref() != Some(&text) {
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::write(&target, text).unwrap();
        }
    }
    // A chapter that was deleted must not keep its old tests.
    for file in markdown_files(&rendered) {
        if !fresh.join(file.strip_prefix(&rendered).unwrap()).exists() {
            fs::remove_file(file).unwrap();
        }
    }
    Some(rendered)
}

/// For each rendered chapter (by skeptic's stem) and rendered block line, a
/// sentence saying where the block comes from. The n-th fenced block of a
/// rendered chapter is the n-th of its source: the book lint makes sure
/// includes only ever stand inside a fence.
fn locate_blocks(
    root: &Path,
    rendered: &Path,
    chapters: &[PathBuf],
) -> BTreeMap<String, BTreeMap<usize, String>> {
    let mut located = BTreeMap::new();
    for chapter in chapters {
        let relative = chapter.strip_prefix(rendered).unwrap();
        let source_path = Path::new("src").join(relative);
        let source = fs::read_to_string(root.join(&source_path)).unwrap_or_default();
        let source_blocks = fenced_blocks(&source);
        let rendered_blocks = fenced_blocks(&fs::read_to_string(chapter).unwrap());
        let aligned = source_blocks.len() == rendered_blocks.len();
        let mut lines = BTreeMap::new();
        for (i, block) in rendered_blocks.iter().enumerate() {
            let place = match source_blocks.get(i).filter(|_| aligned) {
                Some(src) => {
                    let mut place = format!(
                        "{}:{}: the ```{} block (block {} of the chapter)",
                        source_path.display(),
                        src.line,
                        src.info,
                        i + 1
                    );
                    for include in includes(&src.text) {
                        let file = normalize(&source_path.parent().unwrap().join(&include.path));
                        place.push_str(&format!(", which includes {}", file.display()));
                    }
                    place
                }
                None => format!(
                    "block {} of {} (line {} of the rendered chapter)",
                    i + 1,
                    source_path.display(),
                    block.line
                ),
            };
            lines.insert(block.line, place);
        }
        let stem = sanitize(&chapter.file_stem().unwrap().to_string_lossy());
        located.insert(stem, lines);
    }
    located
}

/// Copies skeptic's generated tests, making each one print first where its
/// block comes from. Test output is shown only when a test fails.
fn add_locations(
    generated: &Path,
    located: &Path,
    sources: &BTreeMap<String, BTreeMap<usize, String>>,
) {
    let code = fs::read_to_string(generated).unwrap();
    let mut result = String::with_capacity(code.len() * 2);
    for line in code.lines() {
        result.push_str(line);
        result.push('\n');
        let Some(name) = line
            .strip_prefix("#[test] fn ")
            .and_then(|l| l.strip_suffix("() {"))
        else {
            continue;
        };
        let place = name
            .rsplit_once("_line_")
            .and_then(|(prefix, line)| {
                // The longest chapter stem the test name starts with.
                let (_, blocks) = sources
                    .iter()
                    .filter(|(stem, _)| prefix == *stem || prefix.starts_with(&format!("{stem}_")))
                    .max_by_key(|(stem, _)| stem.len())?;
                blocks.get(&line.parse().ok()?)
            })
            .cloned()
            .unwrap_or_else(|| format!("(could not locate the block of test {name})"));
        let message = format!("book: {place}")
            .replace('{', "{{")
            .replace('}', "}}");
        result.push_str(&format!("    eprintln!({message:?});\n"));
    }
    if fs::read_to_string(located).ok().as_deref() != Some(result.as_str()) {
        fs::write(located, result).unwrap();
    }
}
