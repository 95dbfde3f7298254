#!/usr/bin/env bash
# `make mutants`: mutation testing with cargo-mutants, package by package.
#
#   tests/mutants.sh              every chapter's listings and exercises, then
#                                 the support crate (each package whose
#                                 files changed since its last run)
#   tests/mutants.sh 05 11        chapters 5 and 11 only
#   tests/mutants.sh support      the support crate only
#   MUTANTS_DIFF=pr.diff tests/mutants.sh
#                                 only mutants on the lines a diff changes, in
#                                 the packages it touches (the pull-request job)
#
# One cargo-mutants run per package: it mutates that package and, for each
# mutant, runs the package's own tests and the harness's output checks of
# its listing (`harness-lib::outputs`, with OUTPUTS_BUILD=1 so each check builds
# the mutated binary it runs), and the same for the packages of its chapter
# that depend on it (Exercise 4-2 uses Listing 4-3; Listings 15-2 and 15-3
# use 15-1). So a mutant of `main`, or of anything a shown output depends
# on, fails when what it prints differs from what the book shows. A mutant
# can change nothing else, so nothing else runs: a mutant costs seconds, not
# the minute a chapter's whole test suite takes. The harness's other tests
# (snippets, lints) are not built: they would rebuild for every mutant.
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
#     (default 60).
#   MUTANTS_FRESH=1: run every package again, even those whose results from
#     an earlier run still hold (see `key` below).
#   Builds go to target/mutants (MUTANTS_TARGET_DIR), not target/debug:
#   cargo-mutants builds a few packages at a time, with features resolved
#   for them alone, and those variants of shared crates must not sit next
#   to the ones the snippets link against.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export CARGO_TARGET_DIR=${MUTANTS_TARGET_DIR:-$root/target/mutants}
export OUTPUTS_BUILD=1
# .config/nextest.toml's `mutants` profile: stop at the first failing test,
# and kill a test that hangs after 20 s (40 s for an output check), which
# catches the mutant that made it hang.
export NEXTEST_PROFILE=mutants
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

# What to mutate: the packages of the chapters named, those a diff touches,
# or all; as folders, in order.
dirs_of_chapter() {
    find listings/ch"$1"-* -mindepth 1 -maxdepth 1 \( -name 'listing-*' -o -name 'exercise-*' \) \
        -exec test -e '{}/Cargo.toml' \; -print | sort
}
package_dirs=()
if [ $# = 0 ] && [ -n "${MUTANTS_DIFF:-}" ]; then
    mapfile -t package_dirs < <(sed -nE 's#^\+\+\+ b/(listings/(ch[0-9]+-[^/]+/[^/]+|support))/.*#\1#p' "$MUTANTS_DIFF" |
        sort -u | while read -r dir; do if [ -e "$dir/Cargo.toml" ]; then echo "$dir"; fi; done)
    if [ ${#package_dirs[@]} = 0 ]; then
        echo "== mutants: the diff changes no listing; nothing to do"
        exit 0
    fi
else
    chapters=("$@")
    if [ $# = 0 ]; then
        mapfile -t chapters < <(find listings -maxdepth 1 -name 'ch[0-9]*' -printf '%f\n' |
            sed -E 's/^ch([0-9]+)-.*/\1/' | sort)
        chapters+=(support)
    fi
    for chapter in "${chapters[@]}"; do
        if [ "$chapter" = support ]; then
            package_dirs+=(listings/support)
            continue
        fi
        mapfile -t dirs < <(dirs_of_chapter "$chapter")
        if [ ${#dirs[@]} = 0 ]; then
            echo "make: no listing packages in chapter $chapter"
            exit 1
        fi
        package_dirs+=("${dirs[@]}")
    done
fi

# mutate DIR: one cargo-mutants run over the package in DIR (its folder
# name is its package name), as described at the top.
mutate() {
    local dir=$1 name
    name=$(basename "$dir")
    # The packages to test: this one, and those beside it that use it.
    local dirs=("$dir") names=("$name") other
    for other in "$(dirname "$dir")"/*/Cargo.toml; do
        if grep -q "^$name = { path = \"\.\./$name\" }" "$other"; then
            dirs+=("$(dirname "$other")")
            names+=("$(basename "$(dirname "$other")")")
        fi
    done
    local alternatives filter
    alternatives=$(IFS='|'; echo "${names[*]}")
    if [ "$name" = support ]; then
        filter='package(support)'
    else
        filter="package(/^($alternatives)\$/) | (binary_id(harness-lib::outputs) & test(/^($alternatives)\\//))"
    fi
    # Build and run only the targets that hold these tests: the libraries'
    # and binaries' unit tests, the integration tests, the output checks.
    local args=() packages=() targets=() test
    for other in "${names[@]}"; do args+=("--test-package=$other"); packages+=("--package=$other"); done
    if find "${dirs[@]}" -maxdepth 2 -path '*/src/lib.rs' | grep -q .; then targets+=(--lib); fi
    if find "${dirs[@]}" -maxdepth 2 -path '*/src/main.rs' | grep -q .; then targets+=(--bins); fi
    for test in $(find "${dirs[@]}" -maxdepth 2 -path '*/tests/*.rs' -printf '%f\n' | sed 's/\.rs$//' | sort -u); do
        targets+=("--test=$test")
    done
    if [ "$name" != support ]; then
        args+=(--test-package=harness-lib)
        packages+=(--package=harness-lib)
        targets+=(--test=outputs)
    fi
    local out=$out_root/$name key
    # A package's results hold as long as what they depend on is unchanged:
    # its files and those of the packages that use it (sources, tests,
    # output.txt), and its exclusions. A full run reuses them, so a run
    # that was stopped goes on where it stopped, and a second run only
    # repeats what changed (MUTANTS_FRESH=1 repeats everything). Not
    # measured.txt: under mutation only its shape is checked, and `make
    # measure` changes its figures, not its shape (`make test` checks that).
    key=$( { find "${dirs[@]}" -type f ! -name measured.txt | sort | xargs cksum
        grep -F "$dir/" .cargo/mutants-exclusions.txt || true; } | cksum)
    if [ -z "${MUTANTS_DIFF:-}${MUTANTS_ARGS:-}" ] && [ "${MUTANTS_FRESH:-0}" != 1 ] &&
        [ "$(cat "$out/key" 2>/dev/null)" = "$key" ] && [ -e "$out/mutants.out/outcomes.json" ]; then
        echo "== mutants: $name: unchanged since its last run, whose results count"
        if [ "$(jq .missed "$out/mutants.out/outcomes.json")" != 0 ]; then status=1; fi
        return
    fi
    rm -rf "$out"
    echo "== mutants: $name (tests: ${names[*]})"
    local package_start baseline_start timeout code=0
    package_start=$(date +%s)
    # The baseline: the same tests on the unmutated code must pass. It runs
    # here, not in cargo-mutants, whose baseline builds only the mutated
    # package (not the harness's output checks). Each mutant's tests may
    # then take three times as long as these took, and at least
    # MUTANTS_MIN_TIMEOUT (default 60 s), which leaves room for the output
    # check's build of the mutated binary on a busy machine. A mutant that
    # makes one test loop forever is caught sooner, when the profile's
    # per-test limit kills that test.
    cargo nextest run --no-run --cargo-quiet "${packages[@]}" "${targets[@]}"
    baseline_start=$(date +%s)
    if ! cargo nextest run --no-fail-fast --status-level=fail --final-status-level=fail \
        "${packages[@]}" "${targets[@]}" -E "$filter"; then
        echo "make: $name's tests fail without any mutant; fix that first"
        status=1
        failures+=("$name: tests fail unmutated")
        return
    fi
    timeout=$(( 3 * ($(date +%s) - baseline_start) ))
    if [ "$timeout" -lt "${MUTANTS_MIN_TIMEOUT:-60}" ]; then timeout=${MUTANTS_MIN_TIMEOUT:-60}; fi
    # --cargo-arg passes the target selection to nextest.
    cargo mutants "${in_place[@]}" "${in_diff[@]}" --package="$name" "${args[@]}" \
        "${targets[@]/#/--cargo-arg=}" --baseline=skip --timeout="$timeout" --build-timeout=900 \
        "${exclusions[@]}" --output="$out" "${extra[@]}" -- -E "$filter" || code=$?
    # cargo-mutants exits 2 when a mutant was missed, 3 when one timed out
    # (timeouts count as caught), 0 when all were caught or none were made.
    local seconds=$(( $(date +%s) - package_start ))
    case $code in
        0 | 2 | 3) echo "$key" >"$out/key"; echo "$seconds" >"$out/seconds" ;;
        *) failures+=("$name: cargo-mutants exited $code") ;;
    esac
    if [ "$code" != 0 ] && [ "$code" != 3 ]; then status=1; fi
    echo "   $name: $seconds s, timeout per mutant ${timeout} s"
}

status=0
failures=()
start=$(date +%s)
for dir in "${package_dirs[@]}"; do
    mutate "$dir"
done

# The counts, by chapter and in all, from each package's outcomes.json
# (this run's, or a reused one), and the time the runs took.
echo "== mutants: summary (this run: $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for dir in "${package_dirs[@]}"; do
    out=$out_root/$(basename "$dir")
    if [ -e "$out/mutants.out/outcomes.json" ]; then
        jq --arg chapter "$(basename "$(dirname "$dir")")" --argjson seconds "$(cat "$out/seconds" 2>/dev/null || echo 0)" \
            '. + {chapter: $chapter, seconds: $seconds}' "$out/mutants.out/outcomes.json"
    fi
done | jq -rs '
    def counts: "\(map(.caught) | add) caught, \(map(.missed) | add) missed, \(map(.unviable) | add) unviable, \(map(.timeout) | add) timeout, of \(map(.total_mutants) | add), in \(map(.seconds) | add) s";
    (group_by(.chapter)[] | "  \(.[0].chapter): \(counts)"), "  all \(length) packages: \(counts)"'
[ ${#failures[@]} = 0 ] || printf '  %s\n' "${failures[@]}"
echo "  missed mutants: target/mutants-out/*/mutants.out/missed.txt"
exit $status
