//! The book's mdBook preprocessor for listing captions.
//!
//! A chapter puts one line right before the code block that shows a listing:
//!
//! ```text
//! {{#caption A counter shared by a thousand tasks, behind a `std` mutex}}
//!
//! ```rust
//! {{#rustdoc_include ../listings/ch06-…/listing-06-01/src/main.rs:counter}}
//! ```
//! ```
//!
//! and the reader sees the caption "Listing 6-1 A counter … `listings/ch06-…/
//! listing-06-01/src/main.rs`", with the id `listing-6-1` that other pages
//! link to. Everything but the words comes from the block's first include:
//! the file, and the number, from the folder or file name (`listing-06-01`
//! is Listing 6-1, `exercise-06-01` is Solution 6-1). So a caption cannot
//! name the wrong file or number, and moving a listing means renaming its
//! folder, nothing else. A listing shown in several parts gets its id once;
//! its later captions in the same chapter read "(continued)". A file whose
//! path carries no number (the tokio-console example) names it:
//! `{{#caption number=13-5 A program to watch}}`.
//!
//! In the words, `code` becomes `<code>` and *this* becomes `<em>`. Anything
//! wrong (no code block after the line, no include in it, no number) stops
//! the build with the chapter's file and line.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

fn main() -> ExitCode {
    // mdBook first asks whether a renderer is supported: all are, so that
    // the chapters the harness tests carry the same captions as the site.
    if std::env::args().nth(1).as_deref() == Some("supports") {
        return ExitCode::SUCCESS;
    }
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("mdbook-listings: cannot read the book from mdBook: {e}");
        return ExitCode::FAILURE;
    }
    // mdBook sends `[context, book]` and reads the book back.
    let mut book = match serde_json::from_str::<[Value; 2]>(&input) {
        Ok([_, book]) => book,
        Err(e) => {
            eprintln!("mdbook-listings: not a book from mdBook: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut errors = Vec::new();
    visit(&mut book["items"], &mut errors);
    if !errors.is_empty() {
        for error in errors {
            eprintln!("{error}");
        }
        return ExitCode::FAILURE;
    }
    match serde_json::to_writer(std::io::stdout().lock(), &book) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mdbook-listings: cannot write the book back: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Rewrites the captions of every chapter, and of their sub-chapters.
fn visit(items: &mut Value, errors: &mut Vec<String>) {
    for item in items.as_array_mut().into_iter().flatten() {
        let Some(chapter) = item.get_mut("Chapter") else {
            continue; // a separator or a part title
        };
        // A draft chapter has no path and no content.
        let path = chapter["path"].as_str().unwrap_or_default().to_owned();
        if let Some(content) = chapter["content"].as_str() {
            match captions(Path::new(&path), content) {
                Ok(text) => chapter["content"] = Value::String(text),
                Err(e) => errors.extend(e),
            }
        }
        visit(&mut chapter["sub_items"], errors);
    }
}

/// One chapter's text with each `{{#caption …}}` line (outside code blocks)
/// replaced by its caption, or every problem found, as `src/file:line: …`.
fn captions(chapter: &Path, text: &str) -> Result<String, Vec<String>> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut shown = HashSet::new();
    let mut fence: Option<&str> = None;
    for (i, line) in lines.iter().enumerate() {
        let marker = line
            .trim_end()
            .strip_prefix("{{#caption ")
            .and_then(|m| m.strip_suffix("}}"));
        match (marker, fence) {
            (Some(marker), None) => match caption(chapter, marker, &lines[i + 1..], &mut shown) {
                Ok(html) => {
                    out.push_str(&html);
                    out.push('\n');
                }
                Err(e) => errors.push(format!("src/{}:{}: {e}", chapter.display(), i + 1)),
            },
            _ => {
                fence = next_fence(fence, line);
                out.push_str(line);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The fence we are inside after `line`: a block opens with three or more
/// backticks or tildes and closes with the same run (or a longer one).
fn next_fence<'a>(fence: Option<&'a str>, line: &'a str) -> Option<&'a str> {
    let trimmed = line.trim();
    match fence {
        Some(open)
            if trimmed.starts_with(open) && trimmed.trim_start_matches(&open[..1]).is_empty() =>
        {
            None
        }
        Some(open) => Some(open),
        None => {
            let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
            let run = trimmed.len() - trimmed.trim_start_matches(c).len();
            (run >= 3).then(|| &trimmed[..run])
        }
    }
}

/// The caption for `marker`, from the code block that follows it.
fn caption(
    chapter: &Path,
    marker: &str,
    after: &[&str],
    shown: &mut HashSet<String>,
) -> Result<String, String> {
    let (number, words) = match marker.strip_prefix("number=") {
        Some(rest) => {
            let (n, words) = rest.split_once(' ').unwrap_or((rest, ""));
            (Some(format!("Listing {n}")), words)
        }
        None => (None, marker),
    };
    let file = included_file(chapter, after)?;
    let number = match number {
        Some(n) => n,
        None => number_of(&file).ok_or_else(|| {
            format!(
                "{} carries no listing number in its path: write {{{{#caption number=N-M …}}}}",
                file.display()
            )
        })?,
    };
    let words = words.trim();
    if words.is_empty() {
        return Err("the caption has no words".into());
    }
    let (id, continued) = if shown.insert(number.clone()) {
        let id = number.to_lowercase().replace(' ', "-");
        (format!(" id=\"{id}\""), "")
    } else {
        (String::new(), "(continued) ")
    };
    Ok(format!(
        "<div class=\"listing-caption\"{id}><span class=\"listing-number\">{number}</span> {continued}{} <code>{}</code></div>",
        inline_html(words),
        escape(&file.display().to_string()),
    ))
}

/// The file the first `{{#include …}}` or `{{#rustdoc_include …}}` of the
/// code block right after the marker names, relative to the repository.
fn included_file(chapter: &Path, after: &[&str]) -> Result<PathBuf, String> {
    // Usually the block comes right after the caption; a few words may
    // come between them, but not a heading or another caption.
    let mut lines = after.iter().skip_while(|l| {
        next_fence(None, l).is_none() && !l.starts_with('#') && !l.starts_with("{{#caption ")
    });
    let open = lines
        .next()
        .and_then(|l| next_fence(None, l))
        .ok_or("a {{#caption …}} line must come before a code block, in the same section")?;
    let mut fence = Some(open);
    for line in lines {
        fence = next_fence(fence, line);
        if fence.is_none() {
            break;
        }
        let directive = ["{{#include ", "{{#rustdoc_include "]
            .iter()
            .find_map(|d| line.trim().strip_prefix(d));
        if let Some(rest) = directive {
            let target = rest.split("}}").next().unwrap_or_default().trim();
            // `file.rs:anchor` or `file.rs:10:20` show part of the file.
            let target = target.split(':').next().unwrap_or_default();
            let dir = Path::new("src").join(chapter.parent().unwrap_or(Path::new("")));
            return Ok(normalize(&dir.join(target)));
        }
    }
    Err("the code block after {{#caption …}} includes no file".into())
}

/// `src/../listings/x` as `listings/x`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `…/listing-06-01/…` or `…/listing-06-01.rs` is "Listing 6-1";
/// `…/exercise-06-01/…` is "Solution 6-1"; `listing-09-02b.rs` is "Listing 9-2b".
fn number_of(file: &Path) -> Option<String> {
    file.components().find_map(|part| {
        let name = part.as_os_str().to_str()?;
        let stem = name.strip_suffix(".rs").unwrap_or(name);
        let (kind, rest) = if let Some(rest) = stem.strip_prefix("listing-") {
            ("Listing", rest)
        } else {
            ("Solution", stem.strip_prefix("exercise-")?)
        };
        // `09-02b`: a variant of Listing 9-2 is Listing 9-2b.
        let (chapter, n) = rest.split_once('-')?;
        let digits = n.trim_end_matches(|c: char| c.is_ascii_lowercase());
        let variant = &n[digits.len()..];
        let chapter: u32 = chapter.parse().ok()?;
        let n: u32 = digits.parse().ok()?;
        Some(format!("{kind} {chapter}-{n}{variant}"))
    })
}

/// The caption's words as HTML: `code` and *emphasis*, the rest escaped.
fn inline_html(words: &str) -> String {
    let mut html = String::new();
    for (i, part) in words.split('`').enumerate() {
        if i % 2 == 1 {
            html.push_str(&format!("<code>{}</code>", escape(part)));
        } else {
            for (j, text) in part.split('*').enumerate() {
                if j % 2 == 1 {
                    html.push_str(&format!("<em>{}</em>", escape(text)));
                } else {
                    html.push_str(&escape(text));
                }
            }
        }
    }
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<String, Vec<String>> {
        captions(Path::new("ch06-shared.md"), text)
    }

    #[test]
    fn a_caption_is_numbered_and_named_from_the_include() {
        let text = "{{#caption A `Mutex<u64>` shared by *many* tasks}}\n\n```rust\n{{#rustdoc_include ../listings/ch06-shared/listing-06-01/src/main.rs:counter}}\n```\n";
        let out = run(text).unwrap();
        assert_eq!(
            out.lines().next().unwrap(),
            "<div class=\"listing-caption\" id=\"listing-6-1\"><span class=\"listing-number\">Listing 6-1</span> A <code>Mutex&lt;u64&gt;</code> shared by <em>many</em> tasks <code>listings/ch06-shared/listing-06-01/src/main.rs</code></div>"
        );
        assert!(out.ends_with("```rust\n{{#rustdoc_include ../listings/ch06-shared/listing-06-01/src/main.rs:counter}}\n```\n"));
    }

    #[test]
    fn solutions_does_not_compile_files_and_later_parts() {
        let text = "{{#caption One}}\n```rust\n{{#include ../listings/ch06-shared/exercise-06-02/src/main.rs}}\n```\n\
                    {{#caption Two}}\n```rust,ignore\n{{#include ../listings/ch06-shared/does-not-compile/listing-06-12b.rs}}\n```\n\
                    {{#caption Three}}\n```rust\n{{#include ../listings/ch06-shared/exercise-06-02/src/main.rs:rest}}\n```\n";
        let out = run(text).unwrap();
        let captions: Vec<&str> = out.lines().filter(|l| l.starts_with("<div")).collect();
        assert!(captions[0].starts_with("<div class=\"listing-caption\" id=\"solution-6-2\"><span class=\"listing-number\">Solution 6-2</span> One <code>"));
        assert!(captions[1].contains("id=\"listing-6-12b\"><span class=\"listing-number\">Listing 6-12b</span> Two <code>listings/ch06-shared/does-not-compile/listing-06-12b.rs</code>"));
        assert!(captions[2].starts_with("<div class=\"listing-caption\"><span class=\"listing-number\">Solution 6-2</span> (continued) Three <code>"));
    }

    #[test]
    fn a_number_can_be_named_where_the_path_has_none() {
        let text = "{{#caption number=13-5 A program to watch}}\n```rust\n{{#include ../listings/ch13/console/src/main.rs}}\n```\n";
        assert!(run(text).unwrap().starts_with("<div class=\"listing-caption\" id=\"listing-13-5\"><span class=\"listing-number\">Listing 13-5</span> A program to watch <code>listings/ch13/console/src/main.rs</code>"));
        let unnamed = "{{#caption A program to watch}}\n```rust\n{{#include ../listings/ch13/console/src/main.rs}}\n```\n";
        assert!(run(unnamed).unwrap_err()[0].contains("carries no listing number"));
    }

    #[test]
    fn mistakes_name_the_line() {
        let no_block =
            "text\n{{#caption Lost}}\n\nmore text\n\n## Next\n\n```rust\n{{#include x.rs}}\n```\n";
        assert_eq!(
            run(no_block).unwrap_err(),
            [
                "src/ch06-shared.md:2: a {{#caption …}} line must come before a code block, in the same section"
            ]
        );
        let no_include = "{{#caption Empty}}\n```rust\nfn main() {}\n```\n";
        assert!(
            run(no_include).unwrap_err()[0].starts_with("src/ch06-shared.md:1: the code block")
        );
    }

    #[test]
    fn markers_inside_code_blocks_are_left_alone() {
        let text = "````md\n{{#caption Shown, not run}}\n```rust\n{{#include x.rs}}\n```\n````\n";
        assert_eq!(run(text).unwrap(), text);
    }
}
