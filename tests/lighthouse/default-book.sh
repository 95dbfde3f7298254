#!/usr/bin/env bash
# A default mdBook + mdbook-mermaid build of the book's text, for
# `make lighthouse` to measure next to the site: the same src/ and listings,
# none of theme/ or book.toml's [output.html] settings, and mermaid set up as
# `mdbook-mermaid install` does (mermaid.js and its init script on every page).
# Only the captions' preprocessor is kept, as it writes part of the text.
set -euo pipefail
out=${1:-book/lighthouse-default}
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$root/src" "$tmp/src"
ln -s "$root/listings" "$tmp/listings"
sed -n '/^\[book\]/,/^$/p' book.toml > "$tmp/book.toml"
# The captions are part of the text: without the book's own preprocessor
# the default build would show the raw `{{#caption …}}` lines.
printf '[preprocessor.listings]\ncommand = "cargo run --quiet --locked --manifest-path %s/Cargo.toml --target-dir %s/target/tools --package mdbook-listings --"\nbefore = ["links"]\n\n' "$root" "$root" >> "$tmp/book.toml"
printf '[preprocessor.mermaid]\ncommand = "mdbook-mermaid"\n\n[output.html]\n' >> "$tmp/book.toml"
(cd "$tmp" && mdbook-mermaid install . >/dev/null 2>&1)
rm -rf "$out"
mdbook build "$tmp" -d "$root/$out" 2>/dev/null
echo "== default mdBook build of the same text in $out"
