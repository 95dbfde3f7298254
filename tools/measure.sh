#!/usr/bin/env bash
# `make measure`: re-runs the measuring listings in release mode and rewrites
# their measured.txt, with a header saying when, where and from what.
#
#   tools/measure.sh                  every listing that has a measured.txt
#   tools/measure.sh 14               Chapter 14's
#   tools/measure.sh 14 listing-14-09 one listing
#
# The header: when, at which commit, how busy the CPUs were just before
# (other programs, or the listing measured before), on which machine, and a
# checksum of the sources that printed the figures. harness-lib::outputs
# recomputes that checksum (POSIX `cksum` of Cargo.toml, then every
# src/**/*.rs in byte order) and fails when the sources have changed, so
# figures can never outlive the code that produced them.
set -euo pipefail
cd "$(dirname "$0")/.."
chapter=${1:-*}
package_glob=${2:-*}

# Percent of CPU time not idle over one second, from /proc/stat.
busy() {
    { head -n 1 /proc/stat; sleep 1; head -n 1 /proc/stat; } | awk '
        { idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i;
          if (NR == 1) { idle0 = idle; total0 = total }
          else printf "%.0f", 100 - 100 * (idle - idle0) / (total - total0) }'
}

for file in listings/ch$chapter-*/$package_glob/measured.txt; do
    [ -e "$file" ] || continue
    dir=$(dirname "$file")
    package=$(basename "$dir")
    echo "== cargo run --release -p $package > $file"
    cargo build --quiet --release --package "$package"
    commit=$(git rev-parse --short HEAD)
    git diff --quiet HEAD -- "$dir/src" "$dir/Cargo.toml" || commit="$commit with uncommitted changes"
    sources=$(cd "$dir" && { cat Cargo.toml; find src -name '*.rs' | LC_ALL=C sort | xargs cat; } | cksum | cut -d' ' -f1)
    {
        echo "measured $(date -u '+%Y-%m-%d %H:%M') UTC at commit $commit"
        echo "load: CPUs $(busy)% busy in the second before, load average $(cut -d' ' -f1 /proc/loadavg)"
        echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
        echo "sources: cksum $sources of Cargo.toml and src/"
        echo
        cargo run --quiet --release --package "$package"
    } > "$file.new" && mv "$file.new" "$file" || { rm -f "$file.new"; exit 1; }
done

# Listing 14-6 draws Listing 14-5's figures as a chart: redraw it.
if [ -e listings/ch14-performance/listing-14-06/output.txt ]; then
    cargo run --quiet --package listing-14-06 > listings/ch14-performance/listing-14-06/output.txt
fi
