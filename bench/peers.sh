#!/usr/bin/env bash
# Runs the benchmarks of bench/peers (the SDK beside cloudflare-go v0.119.0,
# cloudflare-go v6.10.0 and the plain net/http floor) ROUNDS times
# (default 10), interleaved: the test binary is built once, and every round
# runs each benchmark once per client, as its own process, in an order of
# the clients rotated by one every round, so drift on a busy machine hits
# every client alike and none is always first or last. Then benchstat puts
# the clients side by side. The raw samples go to bench/peers-raw.txt. Run
# from anywhere:
#
#	bash bench/peers.sh [rounds] > bench/peers-results.txt
#
# BENCHSTAT overrides the benchstat command (default: go run of a pinned
# golang.org/x/perf, fetched through the module proxy); BENCHTIME is passed
# to -test.benchtime (default 1s).
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-10}
benchtime=${BENCHTIME:-1s}
benchstat=${BENCHSTAT:-go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go test -c -o "$out/peers.test" ./peers
clients=(sdk v0119 v6 floor)
benches=(EditMemory EditLoopback Parallel NewClientToken NewClientEmailKey WithToken WithEmailKey)
n=${#clients[@]}
for r in $(seq 0 $((rounds - 1))); do
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${clients[$(((r + i) % n))]}"); done
  echo "round $((r + 1))/$rounds: ${order[*]}" >&2
  for bench in "${benches[@]}"; do
    for client in "${order[@]}"; do
      case $bench in With*) [ "$client" = sdk ] || continue ;; esac # only the SDK has Client.With
      # The package directory is the working directory, as under go test:
      # the canned response is ../../testdata/invite-response.json.
      (cd peers && "$out/peers.test" -test.run='^$' -test.bench="^Benchmark$bench\$/^client=$client\$" \
        -test.benchtime="$benchtime" -test.benchmem) >> "$out/raw.txt"
    done
  done
done
cp "$out/raw.txt" peers-raw.txt

cols='/client@(sdk v0119 v6 floor)'
$benchstat -col "$cols" -filter '.name:(EditMemory OR EditLoopback OR Parallel)' peers-raw.txt
echo
$benchstat -col "$cols" -filter '.name:(NewClientToken OR NewClientEmailKey)' peers-raw.txt
echo
echo "Client.With against NewClient (the SDK only):"
$benchstat -col .name -row /client -filter '/client:sdk .name:(NewClientToken OR WithToken)' peers-raw.txt
echo
$benchstat -col .name -row /client -filter '/client:sdk .name:(NewClientEmailKey OR WithEmailKey)' peers-raw.txt
