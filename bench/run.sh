#!/usr/bin/env bash
# Runs the benchmarks of benchmark_test.go COUNT times (default 10), each
# time once through every benchmark, so the SDK and the floor alternate and
# drift on a noisy machine hits both alike; then compares them with benchstat.
# A sample of BenchmarkParallel is the mean of 10 runs of 10,000 calls from
# cold: how many extra connections net/http dials in one cold burst varies a
# lot, and one run alone makes a sample too noisy to compare. The raw output
# is written to bench/raw.txt, for benchstat runs of your own.
# Run from the repository root:
#
#	bash bench/run.sh [count] > bench/results.txt
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/bench.test" .
for i in $(seq "$count"); do
  # Every benchmark but BenchmarkParallel, then BenchmarkParallel, whose
  # SDK and floor take turns at going first.
  order=()
  if (( i % 2 == 0 )); then order=(-sdkfirst); fi
  "$out/bench.test" -test.run='^$' -test.bench='^Benchmark[^P]' -test.benchmem >> "$out/raw.txt"
  "$out/bench.test" -test.run='^$' -test.bench='^BenchmarkParallel$' -test.benchtime=10x -test.benchmem "${order[@]}" >> "$out/raw.txt"
done
cp "$out/raw.txt" bench/raw.txt
benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)
"${benchstat[@]}" -col /impl -filter '.name:/Edit|Parallel/' bench/raw.txt
echo
"${benchstat[@]}" -filter '.name:/Get|List|APIError|NewClient/' bench/raw.txt
