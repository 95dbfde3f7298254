#!/usr/bin/env bash
# What a newer compiler would change in the book: runs `make test` with
# TOOLCHAIN (a rustup toolchain: stable, beta) instead of the pinned one of
# rust-toolchain.toml. If that fails, runs `make bless` with it and saves
# in target/drift/:
#   toolchain.txt  the compiler's version
#   test.log       what `make test` printed (new lints, new errors, ...)
#   bless.log      what `make bless` printed
#   drift.patch    `git diff` of every output.txt and .stderr file
#   summary.md     the diff's statistics, for a human (and the CI summary)
# Exits 0 when `make test` passes, 1 otherwise. `make bless` rewrites
# checked files in the working tree, so run this on a clean checkout.
# The weekly Drift workflow runs it; MAINTAINING.md says what to do next.
set -uo pipefail
cd "$(dirname "$0")/.."

toolchain=${1:?usage: tests/drift.sh TOOLCHAIN}
out=target/drift
rm -rf "$out" && mkdir -p "$out"

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "drift: no Rust toolchain '$toolchain'; install it with" >&2
    echo "       rustup toolchain install $toolchain --profile minimal --component rustfmt,clippy" >&2
    exit 2
fi
export RUSTUP_TOOLCHAIN=$toolchain
# A target directory of its own, so the pinned toolchain's build stays warm.
export CARGO_TARGET_DIR="$PWD/target/drift-$toolchain"
rustc --version | tee "$out/toolchain.txt"
pinned=$(sed -nE 's/^channel *= *"([^"]+)".*/\1/p' rust-toolchain.toml)

checked=(':(glob)listings/**/output.txt' ':(glob)listings/**/*.stderr')
if ! git diff --quiet -- "${checked[@]}"; then
    echo "drift: outputs or .stderr files are already changed in this checkout;" >&2
    echo "       run this on a clean checkout, or the diff would mix both" >&2
    exit 2
fi

echo "== make test with $(cat "$out/toolchain.txt") (pinned: $pinned)"
if make test 2>&1 | tee "$out/test.log"; then
    echo "drift: none; $(cat "$out/toolchain.txt") passes everything" | tee "$out/summary.md"
    exit 0
fi

echo "== make test failed; make bless with $toolchain"
make bless 2>&1 | tee "$out/bless.log"
git diff -- "${checked[@]}" >"$out/drift.patch"
{
    echo "## Drift: $(cat "$out/toolchain.txt") (pinned: $pinned)"
    echo
    echo "\`make test\` failed with this toolchain. Its last lines:"
    echo
    echo '```text'
    grep -vE '^\s*(Compiling|Checking|Downloaded|Downloading|Fresh) ' "$out/test.log" | tail -n 25
    echo '```'
    echo
    if [ -s "$out/drift.patch" ]; then
        echo "\`make bless\` changed these checked files (the whole diff is drift.patch):"
        echo
        echo '```text'
        git diff --stat -- "${checked[@]}"
        echo '```'
    else
        echo "\`make bless\` changed no output or compiler error: the failure is elsewhere"
        echo "(a new lint, a build error, a test); see test.log."
    fi
} >"$out/summary.md"
cat "$out/summary.md"
exit 1
