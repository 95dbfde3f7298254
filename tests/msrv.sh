#!/usr/bin/env bash
# Holds the book to its promise about older compilers: each package is
# built and tested with the oldest Rust its Cargo.toml declares
# (`rust-version`), using the committed Cargo.lock, as a reader would.
#
#   tests/msrv.sh --versions          prints the declared versions, as JSON
#                                     (the MSRV workflow's matrix)
#   tests/msrv.sh VERSION [TOOLCHAIN] checks the packages that declare
#                                     VERSION, with rustup's TOOLCHAIN
#                                     (default: VERSION itself)
#
# For VERSION it runs, with that compiler and a target directory of its own
# (target/msrv-VERSION):
#   - the tests of every listing, solution and the support crate declaring
#     VERSION (cargo-nextest, so a hanging test is named and stopped), and
#     the support crate's doc tests;
#   - the tokio-console example (its own workspace), if it declares VERSION;
#   - if the harness declares VERSION: every ```rust block of the book
#     (skeptic). The harness links the capstone's SQLite, so the blocks
#     cannot be compiled with anything older than the harness's version.
# Not checked: the compile-fail package (its .stderr files are the pinned
# compiler's words, see MAINTAINING.md) and the output snapshots.
# `make msrv` runs every version; MAINTAINING.md explains the choices.
set -euo pipefail
cd "$(dirname "$0")/.."

CONSOLE=listings/ch13-observability/console

# "name rust-version" for every workspace package, and the console example.
declared() {
    cargo metadata --no-deps --format-version 1 --locked \
        | jq -r '.packages[] | "\(.name) \(.rust_version // "none")"'
    echo "console-demo $(sed -nE 's/^rust-version *= *"([^"]+)".*/\1/p' $CONSOLE/Cargo.toml)"
}

if [ "${1:-}" = --versions ]; then
    declared | grep -v '^compile-fail ' | awk '{ print $2 }' | sort -uV | jq -Rnc '[inputs]'
    exit 0
fi

version=${1:?usage: tests/msrv.sh --versions | VERSION [TOOLCHAIN]}
toolchain=${2:-$version}
all=$(declared)
if grep -q ' none$' <<<"$all"; then
    echo "msrv: these packages declare no rust-version:" >&2
    grep ' none$' <<<"$all" >&2
    exit 1
fi

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "msrv: no Rust toolchain '$toolchain'; install it with" >&2
    echo "      rustup toolchain install $toolchain --profile minimal" >&2
    exit 1
fi
# Every cargo and rustc below, and the rustc that skeptic runs for each
# block, is this toolchain rather than rust-toolchain.toml's.
export RUSTUP_TOOLCHAIN=$toolchain
export CARGO_TARGET_DIR="$PWD/target/msrv-$version"
echo "== MSRV $version: $(rustc --version)"

packages=()
while read -r name declared_version; do
    case "$name" in harness | compile-fail | console-demo) continue ;; esac
    [ "$declared_version" = "$version" ] && packages+=(--package "$name")
done <<<"$all"

status=0
if [ ${#packages[@]} -gt 0 ]; then
    echo "== $(( ${#packages[@]} / 2 )) packages declare rust-version $version: build"
    # --keep-going lists every package that does not compile, not only the
    # first; the tests run once everything compiles.
    if cargo build --locked --keep-going --all-targets "${packages[@]}"; then
        echo "== their tests"
        cargo nextest run --locked --no-fail-fast "${packages[@]}" || status=1
    else
        status=1
    fi
    if grep -qx "support $version" <<<"$all"; then
        echo "== the support crate's doc tests"
        cargo test --locked --doc --package support || status=1
    fi
fi

if grep -qx "console-demo $version" <<<"$all"; then
    echo "== $CONSOLE (its own workspace)"
    (cd "$CONSOLE" && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/console" \
        cargo build --locked --all-targets) || status=1
fi

if grep -qx "harness $version" <<<"$all"; then
    echo "== the book's Rust blocks (skeptic)"
    timeout 1200 cargo test --locked --package harness --test skeptic || status=1
fi

if [ $status = 0 ]; then
    echo "msrv: everything that declares Rust $version builds and passes with $(rustc --version)"
else
    echo "msrv: the failures above break the promise of Rust $version:"
    echo "      fix the code, or raise that package's rust-version (and say so in the book)"
fi
exit $status
