#!/usr/bin/env bash
# A default mdBook + mdbook-mermaid build of the book's text, for
# `make lighthouse` to measure next to the site: the same src/ and listings,
# none of theme/ or book.toml's [output.html] settings, and mermaid set up as
# `mdbook-mermaid install` does (mermaid.js and its init script on every page).
set -euo pipefail
out=${1:-book/lighthouse-default}
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$root/src" "$tmp/src"
ln -s "$root/listings" "$tmp/listings"
sed -n '/^\[book\]/,/^$/p' book.toml > "$tmp/book.toml"
printf '[preprocessor.mermaid]\ncommand = "mdbook-mermaid"\n\n[output.html]\n' >> "$tmp/book.toml"
(cd "$tmp" && mdbook-mermaid install . >/dev/null 2>&1)
rm -rf "$out"
mdbook build "$tmp" -d "$root/$out" 2>/dev/null
echo "== default mdBook build of the same text in $out"
