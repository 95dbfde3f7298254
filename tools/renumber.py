#!/usr/bin/env python3
"""Renumbers one chapter's listings in the order the chapter shows them.

    make renumber CH=06          (or: python3 tools/renumber.py 06)

A listing's number is its folder's name (listing-06-03 is Listing 6-3, see
tools/mdbook-listings), so inserting a listing in the middle of a chapter
means: create it under any free number, include it where it belongs, run
this. It renames the folders (and does-not-compile files) with `git mv`, so
git shows renames, and rewrites every reference in the tracked files:
paths, package names (`cargo run -p listing-06-03`), ids (`#listing-6-3`)
and the words "Listing 6-3" / "Listings 6-3 to 6-5". Exercise solutions
keep their numbers. Afterwards run `make test-chapter CH=06`; Cargo.lock is
refreshed here (package names are in it). A shift (6-4 becomes 6-5, 6-5
becomes 6-6, …) shows as changed files in `git status`; `git diff -B -M`
shows it as the renames it is.

`python3 tools/renumber.py --self-test` checks the rewriting on made-up text.
"""

import re
import subprocess
import sys
from pathlib import Path


def order_shown(chapter_text, ch):
    """Listing numbers (as ints) in the order the chapter first includes them."""
    seen = []
    for m in re.finditer(rf"listings/ch{ch}-[^/]+/(?:does-not-compile/)?listing-{ch}-(\d+)", chapter_text):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def rewriter(ch, mapping):
    """A function that rewrites every way of naming a listing of chapter `ch`."""
    c = int(ch)

    def padded(m):  # listing-06-03, and listing-06-03b
        return f"listing-{ch}-{mapping.get(int(m.group(1)), int(m.group(1))):02}"

    def short(m):  # listing-6-3 (ids), "6-3" after "Listing(s)"
        return f"{m.group(1)}{c}-{mapping.get(int(m.group(2)), int(m.group(2)))}"

    def words(m):  # "Listing 6-3", "Listings 6-3 and 6-4", "Listings 6-3 to 6-5"
        return re.sub(rf"(^|[^\d-]){c}-(\d+)(?![\d])", short, m.group(0))

    def rewrite(text):
        text = re.sub(rf"listing-{ch}-(\d+)(?!\d)", padded, text)
        text = re.sub(rf"(listing-){c}-(\d+)(?!\d)", short, text)
        return re.sub(
            rf"\bListings? \d+-\d+[a-z]?(?:(?:, | and | or | to |, and )\d+-\d+[a-z]?)*",
            words,
            text,
        )

    return rewrite


def git(*args, capture=False):
    result = subprocess.run(["git", *args], check=True, text=True, capture_output=capture)
    return result.stdout


def main(ch):
    ch = f"{int(ch):02}"
    chapter = next(Path("src").glob(f"ch{ch}-*.md"))
    folder = next(Path("listings").glob(f"ch{ch}-*"))
    shown = order_shown(chapter.read_text(), ch)
    mapping = {old: new for new, old in enumerate(shown, start=1) if old != new}
    if not mapping:
        print(f"{chapter}: listings already numbered in the order shown")
        return
    for old, new in sorted(mapping.items()):
        print(f"Listing {int(ch)}-{old} -> {int(ch)}-{new}")
    # Rename in two steps (to a temporary name, then to the new one), so that
    # swapping 6-3 and 6-4 never collides.
    moves = []
    for old in mapping:
        for path in [folder / f"listing-{ch}-{old:02}"] + sorted((folder / "does-not-compile").glob(f"listing-{ch}-{old:02}*")):
            if path.exists():
                rest = path.name[len(f"listing-{ch}-{old:02}"):]
                temp = path.with_name(f"renumber-{old}{rest}")
                git("mv", str(path), str(temp))
                moves.append((temp, path.with_name(f"listing-{ch}-{mapping[old]:02}{rest}")))
    for temp, final in moves:
        git("mv", str(temp), str(final))
    rewrite = rewriter(ch, mapping)
    for name in git("ls-files", "-z", capture=True).split("\0"):
        path = Path(name)
        # tools/ holds this script's and the preprocessor's made-up examples;
        # vendor/ is someone else's code.
        if not name or name.startswith(("tools/", "vendor/")) or not path.is_file():
            continue
        if path.suffix in {".png", ".svg", ".ico", ".woff2"}:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        new = rewrite(text)
        if new != text:
            path.write_text(new)
    # Package names are in Cargo.lock, which Cargo keeps sorted.
    subprocess.run(["cargo", "metadata", "--offline", "--format-version", "1"], check=True, stdout=subprocess.DEVNULL)
    print(f"done: review `git status`, then `make test-chapter CH={ch}`")


def self_test():
    rewrite = rewriter("06", {3: 4, 4: 3})
    cases = {
        "listings/ch06-x/listing-06-03/src/main.rs": "listings/ch06-x/listing-06-04/src/main.rs",
        "cargo run -p listing-06-04": "cargo run -p listing-06-03",
        "does-not-compile/listing-06-03b.rs": "does-not-compile/listing-06-04b.rs",
        "[Listing 6-3](#listing-6-3)": "[Listing 6-4](#listing-6-4)",
        "Listings 6-3 and 6-4, then 6-3": "Listings 6-4 and 6-3, then 6-3",
        "Listings 6-2 to 6-4": "Listings 6-2 to 6-3",
        "Listing 6-30 and Listing 16-3": "Listing 6-30 and Listing 16-3",
        "listing-06-30 listing-6-35 Listing 6-3b": "listing-06-30 listing-6-35 Listing 6-4b",
        "Exercise 6-3, Solution 6-3": "Exercise 6-3, Solution 6-3",
    }
    for before, after in cases.items():
        got = rewrite(before)
        assert got == after, f"{before!r}: got {got!r}, want {after!r}"
    text = "x listings/ch06-a/listing-06-02/src y listings/ch06-a/does-not-compile/listing-06-05.rs z listings/ch06-a/listing-06-02/out"
    assert order_shown(text, "06") == [2, 5], order_shown(text, "06")
    print("renumber: self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
    elif len(sys.argv) == 2 and sys.argv[1].isdigit():
        main(sys.argv[1])
    else:
        sys.exit(__doc__)
