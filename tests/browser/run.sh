#!/usr/bin/env bash
# `make browser-test`: the site test in headless Chromium (site.test.mjs).
#
# - No Chromium: skipped with a message, or an error when REQUIRE_BROWSER is
#   set (CI sets it, so CI never skips it).
# - A pass is remembered by a hash of the built site and of the test, so a
#   warm `make test` with nothing changed does not run the browser again;
#   CI, a fresh clone or FORCE=1 always run it.
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=target/browser-test.passed

if [ -z "${CHROMIUM:-}" ]; then
    if [ -n "${REQUIRE_BROWSER:-}" ]; then
        echo "make: no Chromium found, and REQUIRE_BROWSER is set"
        exit 1
    fi
    echo "== browser test SKIPPED: no Chromium found (apt-get install chromium); CI installs it"
    exit 0
fi

hash=$({ find book/html -type f -print0 | sort -z | xargs -0 sha256sum
         sha256sum tests/browser/site.test.mjs tests/browser/package-lock.json; } | sha256sum | cut -d' ' -f1)
if [ -z "${CI:-}${FORCE:-}" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "== browser test: site unchanged since it last passed, not run again (FORCE=1 runs it)"
    exit 0
fi
echo "== browser test ($CHROMIUM)"
node --test --test-reporter=spec tests/browser/
mkdir -p target && echo "$hash" >"$stamp"
