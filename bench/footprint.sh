#!/usr/bin/env bash
# Measures the SDK's footprint against the hand-written floor: the size of a
# program that answers one invitation, and its cold build time (empty build
# cache, module cache warm). The two builds alternate, so drift on a noisy
# machine hits both alike; the medians are printed last. Run from the
# repository root:
#
#	bash bench/footprint.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go mod download
for i in $(seq "$runs"); do
  for prog in floor sdk; do
    cache="$out/cache"
    start=$(date +%s.%N)
    (cd bench && GOCACHE="$cache" go build -o "$out/$prog" "./footprint/$prog")
    end=$(date +%s.%N)
    rm -rf "$cache"
    awk -v p="$prog" -v s="$start" -v e="$end" 'BEGIN { printf "%s\t%.2f\n", p, e - s }' | tee -a "$out/times"
  done
done
for prog in floor sdk; do
  median=$(awk -v p="$prog" '$1 == p { print $2 }' "$out/times" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  printf '%s\tcold-build-median-seconds\t%s\tbinary-bytes\t%d\n' "$prog" "$median" "$(stat -c %s "$out/$prog")"
done
