//! The book's markdown: chapters, their fenced code blocks, and the files
//! those blocks include.
//!
//! Parsed with the same pulldown-cmark as skeptic, so the harness's build
//! script, its tests and skeptic agree on where a block starts and ends.

use std::fs;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
use walkdir::WalkDir;

/// A page of the book, as written in `src/`.
pub struct Chapter {
    /// `src/ch01-why-async.md`, relative to the book's root.
    pub path: PathBuf,
    pub text: String,
    pub blocks: Vec<Block>,
}

impl Chapter {
    /// A finding, as `src/ch01-why-async.md:12: message`.
    pub fn at(&self, line: usize, message: impl AsRef<str>) -> String {
        format!("{}:{line}: {}", self.path.display(), message.as_ref())
    }

    /// An include's target, relative to the book's root.
    pub fn target(&self, include_path: &str) -> PathBuf {
        normalize(&self.path.parent().unwrap().join(include_path))
    }
}

/// Every page under `root/src`, in path order.
pub fn chapters(root: &Path) -> Vec<Chapter> {
    markdown_files(&root.join("src"))
        .into_iter()
        .map(|file| {
            let text = fs::read_to_string(&file).unwrap();
            let blocks = fenced_blocks(&text);
            let path = file.strip_prefix(root).unwrap().to_path_buf();
            Chapter { path, text, blocks }
        })
        .collect()
}

/// The `.md` files below `dir`, in path order.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|path| path.extension().is_some_and(|e| e == "md") && path.is_file())
        .collect()
}

/// A fenced code block.
pub struct Block {
    /// The line of the opening fence, counting from 1 (skeptic names its
    /// tests after this line).
    pub line: usize,
    /// The line of the closing fence (or the last line of the file).
    pub end_line: usize,
    /// The info string: `rust,ignore,does_not_compile`.
    pub info: String,
    /// The text between the fences.
    pub text: String,
}

impl Block {
    /// The words of the info string: `rust`, `ignore`, `does_not_compile`.
    pub fn tags(&self) -> Vec<&str> {
        self.info
            .split([',', ' ', '\t'])
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The block's language, the first word of its info string.
    pub fn language(&self) -> &str {
        self.tags().first().copied().unwrap_or("")
    }
}

/// Every fenced code block of a markdown text, in order.
pub fn fenced_blocks(markdown: &str) -> Vec<Block> {
    let line_of = |offset: usize| markdown[..offset].matches('\n').count() + 1;
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = false;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                blocks.push(Block {
                    line: line_of(range.start),
                    end_line: line_of(range.end.saturating_sub(1)),
                    info: info.to_string(),
                    text: String::new(),
                });
                open = true;
            }
            Event::Text(text) if open => blocks.last_mut().unwrap().text.push_str(&text),
            Event::End(Tag::CodeBlock(_)) => open = false,
            _ => {}
        }
    }
    blocks
}

/// An mdBook `{{#include path:anchor}}` or `{{#rustdoc_include …}}`.
pub struct Include {
    /// `include` or `rustdoc_include`.
    pub kind: String,
    /// The path as written, relative to the chapter's folder.
    pub path: String,
    /// The anchor name or line range after the colon, if any.
    pub anchor: Option<String>,
}

/// The includes in a piece of text (mdBook skips those escaped as `\{{#`).
pub fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let escaped = rest[..start].ends_with('\\');
        let after = &rest[start + 3..];
        rest = after;
        let Some(end) = after.find("}}") else { break };
        let mut words = after[..end].split_whitespace();
        let kind = words.next().unwrap_or("");
        if escaped || !(kind == "include" || kind == "rustdoc_include") {
            continue;
        }
        let target = words.next().unwrap_or("");
        let (path, anchor) = match target.split_once(':') {
            Some((path, anchor)) => (path, Some(anchor.to_string())),
            None => (target, None),
        };
        found.push(Include {
            kind: kind.into(),
            path: path.into(),
            anchor,
        });
    }
    found
}

/// `src/../listings/x` as `listings/x`.
pub fn normalize(path: &Path) -> PathBuf {
    let mut parts = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other),
        }
    }
    parts
}

/// Skeptic's name for a file stem: lowercase ASCII words joined by `_`.
pub fn sanitize(s: &str) -> String {
    let mapped: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    mapped
        .split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}
