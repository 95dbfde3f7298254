#!/usr/bin/env bash
# `make mutants`: mutation testing with cargo-mutants, chapter by chapter.
#
#   tests/mutants.sh              every chapter's listings and exercises, then
#                                 the support crate
#   tests/mutants.sh 05 11        chapters 5 and 11 only
#   tests/mutants.sh support      the support crate only
#   MUTANTS_DIFF=pr.diff tests/mutants.sh
#                                 only mutants on the lines a diff changes, in
#                                 the chapters it touches (the pull-request job)
#
# One cargo-mutants run per chapter: it mutates that chapter's packages, and
# for each mutant runs the chapter's own tests and the harness's output checks
# of the chapter's listings (`harness::outputs`, with OUTPUTS_BUILD=1 so each
# check builds the mutated binary it runs). So a mutant of `main`, or of
# anything a shown output depends on, fails when what it prints differs from
# what the book shows. The harness's other tests (snippets, lints) are not
# built: they would rebuild for every mutant.
#
# Settings cargo-mutants reads itself are in .cargo/mutants.toml; the
# mutants left out on purpose, each with its reason, are listed in
# .cargo/mutants-exclusions.txt.
#
# Environment:
#   MUTANTS_IN_PLACE=1 (default) mutates the checkout itself, which keeps
#     builds incremental; do not edit or build in this checkout meanwhile.
#     cargo-mutants puts each file back after its mutant, and on Ctrl-C; after
#     a run that was killed, check `git diff -- listings`.
#   MUTANTS_IN_PLACE=0 works on a copy of the tree instead (slower: every
#     run rebuilds the workspace's own packages).
#   MUTANTS_ARGS: more arguments for cargo-mutants, e.g. `--list` or
#     `--re 'main'` (not `--timeout`: the script sets it).
#   MUTANTS_MIN_TIMEOUT: the least time a mutant's tests get, in seconds
#     (default 120).
#   Builds go to target/mutants (MUTANTS_TARGET_DIR), not target/debug:
#   cargo-mutants builds a few packages at a time, with features resolved
#   for them alone, and those variants of shared crates must not sit next
#   to the ones the snippets link against.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CARGO_TARGET_DIR=${MUTANTS_TARGET_DIR:-$root/target/mutants}
export OUTPUTS_BUILD=1
out_root=$root/target/mutants-out
mkdir -p "$out_root"

# The exclusions as --exclude-re arguments: each line is `path: mutant  # reason`,
# and matches that mutant at any line and column of that file.
exclusions=()
while IFS= read -r line; do
    line=${line%%  #*}
    [[ -z "${line// /}" || $line == \#* ]] && continue
    path=${line%%: *}
    mutant=${line#*: }
    escape() { sed -e 's/[][\\.*^$()+?{}|]/\\&/g' <<<"$1"; }
    exclusions+=("--exclude-re=^$(escape "$path"):[0-9]+:[0-9]+: $(escape "$mutant")\$")
done < .cargo/mutants-exclusions.txt

in_place=()
[ "${MUTANTS_IN_PLACE:-1}" = 1 ] && in_place=(--in-place)
in_diff=()
[ -n "${MUTANTS_DIFF:-}" ] && in_diff=("--in-diff=$(realpath "$MUTANTS_DIFF")")
# shellcheck disable=SC2206 # MUTANTS_ARGS is split into words on purpose
extra=(${MUTANTS_ARGS:-})

# What to run: the chapters named, those a diff touches, or all.
targets=("$@")
if [ ${#targets[@]} = 0 ] && [ -n "${MUTANTS_DIFF:-}" ]; then
    mapfile -t targets < <(sed -nE 's#^\+\+\+ b/listings/(ch([0-9]+)-[^/]*|support)/.*#\2 \1#p' "$MUTANTS_DIFF" |
        awk '{ print ($1 == "support" ? "support" : $1) }' | sort -u)
    if [ ${#targets[@]} = 0 ]; then
        echo "== mutants: the diff changes no listing; nothing to do"
        exit 0
    fi
fi
if [ ${#targets[@]} = 0 ]; then
    mapfile -t targets < <(find listings -maxdepth 1 -name 'ch[0-9]*' -printf '%f\n' | sed -E 's/^ch([0-9]+)-.*/\1/' | sort)
    targets+=(support)
fi

status=0
summary=()
start=$(date +%s)
for target in "${targets[@]}"; do
    if [ "$target" = support ]; then
        packages=(support)
        dirs=(listings/support)
        filter='package(support)'
    else
        mapfile -t dirs < <(find listings/ch"$target"-* -mindepth 1 -maxdepth 1 \
            \( -name 'listing-*' -o -name 'exercise-*' \) -exec test -e '{}/Cargo.toml' \; -print | sort)
        if [ ${#dirs[@]} = 0 ]; then
            echo "make: no listing packages in chapter $target"
            exit 1
        fi
        packages=()
        for dir in "${dirs[@]}"; do packages+=("$(basename "$dir")"); done
        filter="package(/^(listing|exercise)-$target-/) | (binary_id(harness::outputs) & test(/^(listing|exercise)-$target-/))"
    fi
    # Build and run only the targets that hold the chapter's tests: its
    # libraries' and binaries' unit tests, its integration tests, and the
    # output checks.
    args=()
    for package in "${packages[@]}"; do args+=("--package=$package" "--test-package=$package"); done
    targets_args=()
    for dir in "${dirs[@]}"; do
        [ -e "$dir/src/lib.rs" ] && targets_args+=(--cargo-arg=--lib) && break
    done
    for dir in "${dirs[@]}"; do
        [ -e "$dir/src/main.rs" ] && targets_args+=(--cargo-arg=--bins) && break
    done
    for test in $(find "${dirs[@]}" -maxdepth 2 -path '*/tests/*.rs' -printf '%f\n' | sed 's/\.rs$//' | sort -u); do
        targets_args+=("--cargo-arg=--test=$test")
    done
    if [ "$target" != support ]; then
        args+=(--test-package=harness)
        targets_args+=(--cargo-arg=--test=outputs)
    fi
    out=$out_root/$target
    echo "== mutants: $target (${#packages[@]} packages: ${packages[*]})"
    chapter_start=$(date +%s)
    # The baseline: the same tests on the unmutated code must pass. It runs
    # here, not in cargo-mutants, whose baseline builds only the mutated
    # packages (not the harness's output checks). Each mutant's tests may
    # then take three times as long as these took, and at least
    # MUTANTS_MIN_TIMEOUT (default 120 s): the baseline's binaries were
    # built beforehand, a mutant's output checks build its binary within
    # the limit, and on a shared 2-core machine that build alone has taken
    # over 50 s. A mutant that loops forever still costs only that.
    cargo_selection=()
    for package in "${packages[@]}"; do cargo_selection+=("--package=$package"); done
    [ "$target" != support ] && cargo_selection+=(--package=harness)
    cargo_selection+=("${targets_args[@]#--cargo-arg=}")
    cargo nextest run --no-run --cargo-quiet "${cargo_selection[@]}"
    baseline_start=$(date +%s)
    if ! cargo nextest run --no-fail-fast --status-level=fail "${cargo_selection[@]}" -E "$filter"; then
        echo "make: chapter $target's tests fail without any mutant; fix that first"
        status=1
        summary+=("$target: tests fail unmutated")
        continue
    fi
    timeout=$(( 3 * ($(date +%s) - baseline_start) ))
    min_timeout=${MUTANTS_MIN_TIMEOUT:-120}
    [ "$timeout" -lt "$min_timeout" ] && timeout=$min_timeout
    echo "== mutants: $target: baseline passed; test timeout per mutant ${timeout} s"
    code=0
    cargo mutants "${in_place[@]}" "${in_diff[@]}" "${args[@]}" "${targets_args[@]}" \
        --baseline=skip --timeout="$timeout" --build-timeout=900 \
        "${exclusions[@]}" --output="$out" "${extra[@]}" -- -E "$filter" || code=$?
    seconds=$(( $(date +%s) - chapter_start ))
    # cargo-mutants exits 2 when a mutant was missed, 3 when one timed out
    # (timeouts count as caught).
    case $code in 0 | 3) ;; *) status=1 ;; esac
    if [ -e "$out/mutants.out/outcomes.json" ]; then
        summary+=("$(jq -r --arg t "$target" --arg s "$seconds" \
            '"\($t): \(.caught) caught, \(.missed) missed, \(.unviable) unviable, \(.timeout) timeout, of \(.total_mutants), in \($s) s"' \
            "$out/mutants.out/outcomes.json")")
    else
        summary+=("$target: no results (cargo-mutants exited $code) in $seconds s")
    fi
done

echo "== mutants: summary ($(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %s\n' "${summary[@]}"
echo "  missed mutants: target/mutants-out/*/mutants.out/missed.txt"
exit $status
