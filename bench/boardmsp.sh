#!/usr/bin/env bash
# boardmsp.sh: BenchmarkBoardMSP of two commits, interleaved, on one
# machine: builds the console's test binary of BEFORE (a commit) and of the
# work tree, runs them turn by turn, and prints each run's line with the
# load average, then the medians (docs/BENCHMARKS.md).
#
#   BEFORE=4b462bd TURNS=6 VIEWS=20 BENCH='BenchmarkBoardMSP/hosts=5000/closed-kept' bench/boardmsp.sh
set -euo pipefail
BEFORE=${BEFORE:?a commit to compare with, e.g. BEFORE=main}
TURNS=${TURNS:-6}
VIEWS=${VIEWS:-20}
BENCH=${BENCH:-BenchmarkBoardMSP/hosts=5000/closed-kept}
ROOT=$(git rev-parse --show-toplevel)
WORK=$(mktemp -d /tmp/unyo-boardmsp-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
source "$ROOT/bench/lib.sh"

mkdir "$WORK/before"
git -C "$ROOT" archive "$BEFORE" | tar -x -C "$WORK/before"
(cd "$WORK/before" && go test -c -o "$WORK/before.test" ./internal/console/)
(cd "$ROOT" && go test -c -o "$WORK/after.test" ./internal/console/)

cd "$ROOT/internal/console"
for turn in $(seq "$TURNS"); do
	for v in before after; do
		line=$("$WORK/$v.test" -test.run '^$' -test.bench "$BENCH" -test.benchtime "${VIEWS}x" -test.benchmem | grep '^Benchmark')
		printf '%-6s %s   load %s   %s\n' "$v" "$line" "$(cut -d' ' -f1 /proc/loadavg)" "$(date -u +%H:%M)" | tee -a "$WORK/runs.txt"
	done
done

# median prints the median of the numbers on stdin.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
for v in before after; do
	for unit in ns/op cpu-ms/op p95-ms B/op allocs/op; do
		m=$(grep "^$v " "$WORK/runs.txt" | awk -v u="$unit" '{for (i=1;i<=NF;i++) if ($i==u) print $(i-1)}' | median)
		printf '%-6s median %s %s\n' "$v" "$m" "$unit"
	done
done
