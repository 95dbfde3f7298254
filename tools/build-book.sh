#!/usr/bin/env bash
# `make build`: builds the site into book/html and fails on any warning or
# error mdBook (or a preprocessor) prints. One notice is expected:
# mdbook-mermaid 0.17.1 was built against mdBook 0.5.0 and says so on every
# run. When mdbook-mermaid is bumped, check whether the notice is gone and
# remove it from EXPECTED.
set -euo pipefail
cd "$(dirname "$0")/.."
EXPECTED='mdbook-mermaid preprocessor was built against version 0.5.0'

log=$(mktemp)
trap 'rm -f "$log"' EXIT
mdbook build 2> >(tee "$log" >&2)
wait # for tee to finish writing the log
if grep -v "$EXPECTED" "$log" | grep -E 'WARN|ERROR|[Ww]arning'; then
    echo "make: mdbook printed the warnings above; fix them"
    exit 1
fi
