#!/usr/bin/env bash
# Measures the SDK's footprint against the hand-written floor: the size of a
# program that answers one invitation, and its cold build time (empty build
# cache, module cache warm). Run from the repository root:
#
#	bash bench/footprint.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go mod download
for prog in floor sdk; do
  for i in $(seq "$runs"); do
    cache="$out/cache-$prog-$i"
    start=$(date +%s.%N)
    GOCACHE="$cache" go build -o "$out/$prog" "./bench/footprint/$prog"
    end=$(date +%s.%N)
    rm -rf "$cache"
    awk -v p="$prog" -v s="$start" -v e="$end" 'BEGIN { printf "%s\tcold-build-seconds\t%.2f\n", p, e - s }'
  done
  printf '%s\tbinary-bytes\t%d\n' "$prog" "$(stat -c %s "$out/$prog")"
done
