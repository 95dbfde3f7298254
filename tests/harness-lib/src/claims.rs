//! Appendix A's claims, as the harness reads them: each entry's verdict,
//! `Test:` lines and counterfactual.
//!
//! A counterfactual is the false version of what a listing demonstrates,
//! compiled in with the listing package's `counterfactual` feature. Its
//! entry in the appendix is a line naming the test that must then fail,
//! followed by the failure that `make counterfactuals` recorded:
//!
//! ````text
//! Counterfactual: in [Listing 1-2](ch01-why-async.md#listing-1-2),
//! `sequential` awaits both calls with `join!`; `sequential_waits_add_up` fails:
//!
//! ```text
//! {{#include ../listings/ch01-why-async/listing-01-02/counterfactual.txt}}
//! ```
//! ````
//!
//! (a paragraph after the entry's list: an include inside a list item would
//! leave the item after its first line). A claim that a compile error
//! settles says so instead, in a paragraph starting `Counterfactual: none`,
//! with the reason.

use std::fs;
use std::path::{Path, PathBuf};

use crate::chapters::includes;

pub const APPENDIX: &str = "src/appendix-a-claims.md";

/// One `## Claim N:` entry, up to the next heading.
pub struct Claim {
    pub number: usize,
    /// The heading's line in the appendix (1-based).
    pub line: usize,
    pub text: String,
}

/// What a claim's `Counterfactual:` paragraph names.
pub enum Counterfactual {
    /// The test `test` of the listing at `page#id` must fail when built with
    /// the feature, with the failure recorded in `record` (a path relative
    /// to the root).
    Fails {
        page: String,
        id: String,
        test: String,
        record: String,
    },
    /// `Counterfactual: none …`: a compile error is the proof.
    None,
}

/// The claims of Appendix A, in order.
pub fn claims(root: &Path) -> Vec<Claim> {
    let text = fs::read_to_string(root.join(APPENDIX)).expect("Appendix A exists");
    let mut entries: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("## ") {
            entries.push((n + 1, String::new()));
        }
        if let Some((_, body)) = entries.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    entries
        .into_iter()
        .filter_map(|(line, text)| {
            let number = text
                .strip_prefix("## Claim ")?
                .split(':')
                .next()?
                .trim()
                .parse()
                .ok()?;
            Some(Claim { number, line, text })
        })
        .collect()
}

impl Claim {
    /// The claim's counterfactual, `Ok(None)` if it has no such paragraph,
    /// or what is wrong with it.
    pub fn counterfactual(&self) -> Result<Option<Counterfactual>, String> {
        const START: &str = "\nCounterfactual:";
        let Some(start) = self.text.find(START) else {
            return Ok(None);
        };
        let rest = &self.text[start + START.len()..];
        if rest.trim_start().starts_with("none") {
            return Ok(Some(Counterfactual::None));
        }
        // The sentence runs to the include of the recorded failure.
        let Some(include) = includes(rest).into_iter().next() else {
            return Err(
                "a Counterfactual: paragraph is followed by the include of its \
                        counterfactual.txt"
                    .into(),
            );
        };
        // One line, however the paragraph is wrapped.
        let sentence = rest[..rest.find("{{#").unwrap()]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let target = sentence
            .split("](")
            .nth(1)
            .and_then(|t| t.split(')').next())
            .and_then(|t| t.split_once('#'))
            .ok_or("a Counterfactual: paragraph links to its listing: [Listing N-M](chapter.md#listing-n-m)")?;
        let test = sentence
            .split("` fails")
            .next()
            .filter(|_| sentence.contains("` fails"))
            .and_then(|before| before.rsplit('`').next())
            .ok_or("a Counterfactual: paragraph says which test fails: `name` fails")?;
        // `counterfactual.txt`, or `counterfactual-claim-N.txt` where two
        // claims share a listing.
        let record = include
            .path
            .strip_prefix("../")
            .filter(|p| {
                let name = p.rsplit('/').next().unwrap_or_default();
                name == "counterfactual.txt"
                    || name == format!("counterfactual-claim-{}.txt", self.number)
            })
            .ok_or(
                "a counterfactual's failure is included from the listing's counterfactual.txt \
                 (counterfactual-claim-N.txt where two claims share a listing)",
            )?;
        Ok(Some(Counterfactual::Fails {
            page: target.0.into(),
            id: target.1.into(),
            test: test.into(),
            record: record.into(),
        }))
    }
}

/// The file that the caption `id="…"` of chapter `page` names. Captions are
/// written by the `mdbook-listings` preprocessor, so they are read from the
/// chapter as mdBook rendered it (`rendered`: the harness's build script
/// writes the chapters to `OUT_DIR/markdown`), where each one reads
/// `<div class="listing-caption" id="listing-1-2">… <code>listings/…/main.rs</code></div>`.
pub fn listing_file_of_caption(rendered: &Path, page: &str, id: &str) -> Result<PathBuf, String> {
    let rendered = rendered.join(page);
    let chapter = fs::read_to_string(&rendered).map_err(|_| {
        format!(
            "no rendered chapter {} (mdBook missing when the harness was built?)",
            rendered.display()
        )
    })?;
    chapter
        .lines()
        .find(|l| {
            l.starts_with("<div class=\"listing-caption\"") && l.contains(&format!(" id=\"{id}\""))
        })
        .ok_or_else(|| format!("no caption with id=\"{id}\" in src/{page}"))?
        .rsplit("<code>")
        .next()
        .and_then(|rest| rest.split("</code>").next())
        .map(PathBuf::from)
        .ok_or_else(|| format!("the caption #{id} in src/{page} names no file"))
}
