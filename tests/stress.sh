#!/usr/bin/env bash
# `make stress`: runs the test suite RUNS times in a row (default 20) while
# busy processes oversubscribe the CPUs (two `yes` per core), and reports
# every test that failed in any run. A test that depends on a short
# real-time window or on scheduling luck fails here long before it fails
# in CI.
#
# What runs each time: every nextest test except the compile-fail check
# (the compiler's output does not depend on scheduling, and it is the
# slowest test), then the book's Rust blocks (skeptic). The workspace is
# built once, before the hogs start, so the runs measure tests, not builds.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-20}
hogs=$((2 * $(nproc)))
log_dir=target/stress
mkdir -p "$log_dir"
rm -f "$log_dir"/run-*.log "$log_dir/failures.txt"

echo "== stress: building once"
cargo build --quiet --workspace --all-targets
cargo nextest run --workspace --no-run --cargo-quiet
cargo test --quiet --package harness --test skeptic --no-run

hog_pids=()
stop_hogs() { [ ${#hog_pids[@]} -eq 0 ] || kill "${hog_pids[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
for _ in $(seq "$hogs"); do
    yes >/dev/null &
    hog_pids+=($!)
done
echo "== stress: $runs runs with $hogs busy processes on $(nproc) cores"

start=$(date +%s)
failed_runs=0
for run in $(seq "$runs"); do
    log="$log_dir/run-$run.log"
    run_start=$(date +%s)
    status=ok
    cargo nextest run --workspace --no-fail-fast \
        -E 'not binary(skeptic) & not binary(compile_fail) & not binary(counterfactuals)' >"$log" 2>&1 || status=failed
    timeout 600 cargo test --quiet --package harness --test skeptic >>"$log" 2>&1 || status=failed
    if [ "$status" = failed ]; then
        failed_runs=$((failed_runs + 1))
        # nextest: "  FAIL [ 1.2s] pkg test"; libtest (quiet, for the
        # snippets) lists the failed tests, indented, under "failures:".
        { grep -E '^\s+(FAIL|TIMEOUT|SIGSEGV|SIGABRT|SIGKILL|LEAK-FAIL)\b' "$log" \
            | sed -E 's/\[[^]]*\]//; s/^\s+//'
          awk '/^failures:$/ { list = 1; next } list && /^    [^ ]+$/ { print "snippet " $1; next } { list = 0 }' "$log"
        } | sed "s/^/run $run: /" | sort -u | tee -a "$log_dir/failures.txt" || true
    fi
    echo "   run $run/$runs: $status ($(($(date +%s) - run_start)) s)"
done

echo "stress: $((runs - failed_runs)) passed, $failed_runs failed, of $runs runs in $(($(date +%s) - start)) s"
if [ "$failed_runs" -gt 0 ]; then
    echo "stress: the failing tests are listed above and in $log_dir/failures.txt;"
    echo "        each run's full output is in $log_dir/run-N.log"
    exit 1
fi
