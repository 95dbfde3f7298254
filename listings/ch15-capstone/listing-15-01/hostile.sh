#!/usr/bin/env bash
# The joke bot, tried as an attacker and as an orchestrator would, by hand
# (not part of `make test`: it takes about two minutes). Run from the
# repository's root after `cargo build --release -p listing-15-01 --bins
# --examples`, or with `make hostile-test`. Everything is on loopback, and
# every step stops by itself.
set -euo pipefail

bin=target/release/listing-15-01
client=target/release/examples/half_open
load=target/release/examples/load
log=$(mktemp)
out=$(mktemp)
trap 'kill "${pid:-0}" "${client_pid:-0}" 2>/dev/null || true; rm -f "$log" "$out"' EXIT

echo "== $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Starts the service on a free port in the background, with `ulimit -n` set
# to $1, and waits until it listens; sets $pid and $addr.
start() {
    : >"$log"
    (ulimit -n "$1"; exec env JOKE_BOT_ADDR=127.0.0.1:0 NO_COLOR=1 "$bin") 2>"$log" &
    pid=$!
    for _ in $(seq 100); do
        addr=$(sed -n 's/.*listening addr=//p' "$log")
        [ -n "$addr" ] && return
        sleep 0.1
    done
    echo "the service did not start"; exit 1
}

stop() {
    kill -INT "$pid"
    wait "$pid" || true
}

echo "== 5,000 requests, 200 at a time, to the binary"
start "$(ulimit -n)"
"$load" "$addr" 5000 200
stop

echo "== 1,000 half-open clients (open-file limit $(ulimit -n))"
start "$(ulimit -n)"
"$client" "$addr" 1000 60
stop

echo "== 1,100 half-open clients, open-file limit 1,024"
start 1024
"$client" "$addr" 1100 60
echo "accept errors logged: $(grep -c 'cannot accept connections' "$log" || true)"
stop

# SIGINT while two clients hold half-sent requests. With the defaults the
# header timeout (10 s) may close them first; with a longer one the grace
# period (10 s) cuts them off.
sigint() {
    echo "== SIGINT with two half-sent requests open, $1"
    start "$(ulimit -n)"
    "$client" "$addr" 2 30 >"$out" &
    client_pid=$!
    # Wait until both connections are open and have sent their half.
    until grep -q 'half-open connections open' "$out"; do sleep 0.1; done
    local started status
    started=$(date +%s%N)
    kill -INT "$pid"
    wait "$pid" && status=0 || status=$?
    local ms=$(( ($(date +%s%N) - started) / 1000000 ))
    echo "exited with status $status after $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
    grep -E 'grace period|stopped|draining' "$log" | sed 's/^.*Z *//'
    kill "$client_pid" 2>/dev/null || true
}
sigint "default settings"
export JOKE_BOT_HEADER_TIMEOUT_MS=60000
sigint "header timeout 60 s"
