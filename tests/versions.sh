#!/usr/bin/env bash
# The versions the book is verified with, as a markdown table: the pinned
# Rust toolchain (rust-toolchain.toml), the pinned book tools (the
# Makefile), and every crate the listings may use, as locked in Cargo.lock.
#
#   tests/versions.sh           prints the table
#   tests/versions.sh --write   puts it into Appendix D, between the markers
#                               (`make versions` runs this)
#
# It reads files only and runs no compiler, so the table says what the
# repository pins, not what happens to be installed. The harness test
# tests/tests/versions.rs runs it and fails when Appendix D differs.
set -euo pipefail
cd "$(dirname "$0")/.."

APPENDIX=src/appendix-d-versions.md
BEGIN='<!-- versions: begin (written by `make versions` from rust-toolchain.toml, the Makefile and Cargo.lock; do not edit) -->'
END='<!-- versions: end -->'

table() {
    local channel components tool
    channel=$(sed -nE 's/^channel *= *"([^"]+)".*/\1/p' rust-toolchain.toml)
    components=$(sed -nE 's/^components *= *\[(.*)\].*/\1/p' rust-toolchain.toml \
        | tr -d '" ' | sed 's/,/, /g')
    [ -n "$channel" ] || { echo "versions.sh: no channel in rust-toolchain.toml" >&2; exit 1; }

    echo "| component | version |"
    echo "| --- | --- |"
    echo "| Rust toolchain (\`rust-toolchain.toml\`) | $channel${components:+ (with $components)} |"
    for tool in MDBOOK:mdBook MDBOOK_MERMAID:mdbook-mermaid; do
        version=$(sed -nE "s/^${tool%%:*}_VERSION *:= *([^ ]+).*/\1/p" Makefile)
        [ -n "$version" ] || { echo "versions.sh: no ${tool%%:*}_VERSION in the Makefile" >&2; exit 1; }
        echo "| ${tool#*:} | $version |"
    done

    # The crates the listings may use: the names in [workspace.dependencies],
    # except the book's own support crate and the harness's tools.
    local crates crate versions
    crates=$(sed -n '/^\[workspace.dependencies\]/,/^\[/p' Cargo.toml \
        | grep -oE '^[a-z0-9_-]+ *=' | tr -d ' =' \
        | grep -vxE 'support|skeptic|trybuild|snapbox|libtest-mimic|pulldown-cmark|cargo_metadata|walkdir|harness-lib')
    for crate in $crates; do
        # Every locked version of the crate (a crate can be locked twice).
        versions=$(awk -v want="$crate" '
            /^name = / { name = $3; gsub(/"/, "", name) }
            /^version = / && name == want { v = $3; gsub(/"/, "", v); print v }
        ' Cargo.lock | paste -sd, - | sed 's/,/, /g')
        [ -n "$versions" ] || { echo "versions.sh: $crate is not in Cargo.lock" >&2; exit 1; }
        echo "| [\`$crate\`](https://docs.rs/$crate) | $versions |"
    done
}

case "${1:-}" in
"")
    table
    ;;
--write)
    grep -qxF "$BEGIN" "$APPENDIX" && grep -qxF "$END" "$APPENDIX" || {
        echo "versions.sh: $APPENDIX lacks the marker lines:" >&2
        printf '  %s\n' "$BEGIN" "$END" >&2
        exit 1
    }
    new=$(table)
    awk -v begin="$BEGIN" -v end="$END" -v table="$new" '
        $0 == begin { print; print table; skip = 1; next }
        $0 == end { skip = 0 }
        !skip { print }
    ' "$APPENDIX" > "$APPENDIX.tmp"
    if cmp -s "$APPENDIX.tmp" "$APPENDIX"; then
        rm "$APPENDIX.tmp"
        echo "$APPENDIX: the versions table is up to date"
    else
        mv "$APPENDIX.tmp" "$APPENDIX"
        echo "$APPENDIX: the versions table was rewritten; review and commit it"
    fi
    ;;
*)
    echo "usage: tests/versions.sh [--write]" >&2
    exit 2
    ;;
esac
