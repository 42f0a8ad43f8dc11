#!/usr/bin/env bash
# Measures the footprint of a program that answers one invitation, through
# each client of bench/footprint: the hand-written floor, the SDK,
# cloudflare-go v0.119.0 and cloudflare-go v6.10.0. For each it prints the
# binary's size, the modules linked into it (the `dep` lines of
# `go version -m`), and the median of RUNS cold builds (empty build cache,
# module cache warm). The cold builds alternate, so drift on a noisy machine
# hits every program alike. RUNS=0 skips the cold builds (v6's takes
# minutes) and builds once with the warm cache, for size and modules only.
# Run from the repository root:
#
#	bash bench/footprint.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
progs=(floor sdk v0119 v6)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd bench && go mod download)
touch "$out/times"
for i in $(seq "$runs"); do
  for prog in "${progs[@]}"; do
    cache="$out/cache"
    start=$(date +%s.%N)
    (cd bench && GOCACHE="$cache" go build -o "$out/$prog" "./footprint/$prog")
    end=$(date +%s.%N)
    rm -rf "$cache"
    awk -v p="$prog" -v s="$start" -v e="$end" 'BEGIN { printf "%s\t%.2f\n", p, e - s }' | tee -a "$out/times"
  done
done
for prog in "${progs[@]}"; do
  if [ "$runs" -eq 0 ]; then
    (cd bench && go build -o "$out/$prog" "./footprint/$prog")
  fi
  median=$(awk -v p="$prog" '$1 == p { print $2 }' "$out/times" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  modules=$(go version -m "$out/$prog" | awk '$1 == "dep" { printf "%s%s", sep, $2; sep = " " }')
  printf '%s\tcold-build-median-seconds\t%s\tbinary-bytes\t%d\tmodules\t%d\t%s\n' "$prog" "$median" \
    "$(stat -c %s "$out/$prog")" "$(wc -w <<<"$modules")" "$modules"
done
