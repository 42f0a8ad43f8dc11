#!/usr/bin/env bash
# Runs the benchmarks of benchmark_test.go COUNT times (default 10), each time
# once through every benchmark, so the SDK and the floor alternate and drift
# on a noisy machine hits both alike; then compares them with benchstat. The
# raw samples go to bench/raw.txt. Run from the repository root:
#
#	bash bench/run.sh [count] > bench/results.txt
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/bench.test" .
for i in $(seq "$count"); do
  "$out/bench.test" -test.run='^$' -test.bench=. -test.benchmem >> "$out/raw.txt"
done
cp "$out/raw.txt" bench/raw.txt
benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)
"${benchstat[@]}" -col /impl -filter '.name:Edit' bench/raw.txt
echo
"${benchstat[@]}" -filter '.name:NewClient' bench/raw.txt
