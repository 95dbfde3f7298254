#!/usr/bin/env bash
# Prints, as a markdown table, the versions the book was last verified
# with: the Rust toolchain, the book tools, and every crate the listings
# use, as locked in Cargo.lock. The Makefile writes it to
# src/generated/versions.md on every build; "About this book" includes it.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "| component | version |"
echo "| --- | --- |"
echo "| Rust compiler | \`$(rustc --version)\` |"
echo "| mdBook | \`$(mdbook --version)\` |"
echo "| mdbook-mermaid | \`$(mdbook-mermaid --version)\` |"

# The crates the listings may use: the names in [workspace.dependencies],
# except the book's own support crate and the harness's tools.
crates=$(sed -n '/^\[workspace.dependencies\]/,/^\[/p' Cargo.toml \
    | grep -oE '^[a-z0-9_-]+ *=' | tr -d ' =' \
    | grep -vxE 'support|skeptic|trybuild|snapbox|libtest-mimic|pulldown-cmark')
for crate in $crates; do
    # Every locked version of the crate (a crate can be locked twice).
    versions=$(awk -v want="$crate" '
        /^name = / { name = $3; gsub(/"/, "", name) }
        /^version = / && name == want { v = $3; gsub(/"/, "", v); print v }
    ' Cargo.lock | paste -sd, - | sed 's/,/, /g')
    echo "| [\`$crate\`](https://docs.rs/$crate) | $versions |"
done
