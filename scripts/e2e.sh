#!/usr/bin/env bash
# Runs the end-to-end suite (test/e2e) on SQLite and on PostgreSQL at once,
# each split in SHARDS shards of whole tests, so the suite takes about its
# longest shard, not the sum of its waits: its tests spend most of their time
# waiting on the real binary's schedules (an operation plan's step minutes
# ahead, a 60 s server outage, backup polls), not on the CPU. Tests are dealt
# longest first to the shard with the least work so far, by the seconds each
# took when last measured (scripts/e2e-seconds.txt, "name seconds" per line,
# refreshed from a `go test -v` run; a test not listed counts as 10 s). Each
# run writes e2e-<database>-<shard>.log; all logs are printed at the end, and
# the script fails if any run failed.
# The suite's test binary is linked once for the six runs (go does not cache
# linked test binaries; each `go test` linked its own): E2E_TEST_BIN may
# name one built beforehand, else it is built here. Each run is the binary run as go test runs it
# (scripts/testbin.sh), printing go test's lines.
set -u
GO=${GO:-go}
SHARDS=${SHARDS:-3}
# The build tags the binary ships with, for the tests and the binaries they
# run alike (test/e2e checks that the two agree).
GOFLAGS=$(scripts/goflags.sh) || exit 1
export GOFLAGS
. scripts/testbin.sh
IFS=$'\t' read -r pkg dir < <("$GO" list -f '{{.ImportPath}}	{{.Dir}}' ./test/e2e/) || exit 1
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
test=${E2E_TEST_BIN:-}
if [ -z "$test" ]; then
	testbin_build "$bindir" "$pkg" || exit 1
	test=$(cut -f3 "$bindir/index")
fi
# The binaries the tests run, built once here for every shard (each would
# otherwise link its own unyo: about 17 s of CPU, six times at once).
CGO_ENABLED=1 "$GO" build -o "$bindir/unyo" ./cmd/unyo || exit 1
"$GO" build -o "$bindir/unyo-agent" ./cmd/unyo-agent || exit 1
export UNYO_E2E_BIN_DIR=$bindir
mapfile -t tests < <(cd "$dir" && "$test" -test.list '.*' | grep '^Test')
if [ "${#tests[@]}" -eq 0 ]; then
	echo "e2e: no tests listed" >&2
	exit 1
fi
# shard[i] is the space-separated names of shard i.
mapfile -t shard < <(printf '%s\n' "${tests[@]}" | awk -v n="$SHARDS" '
	NR == FNR { secs[$1] = $2; next }
	{ name[++count] = $1; cost[count] = ($1 in secs) ? secs[$1] : 10 }
	END {
		# Longest first (a selection sort: the suite is tens of tests).
		for (i = 1; i <= count; i++)
			for (j = i + 1; j <= count; j++)
				if (cost[j] > cost[i]) { t = cost[i]; cost[i] = cost[j]; cost[j] = t; t = name[i]; name[i] = name[j]; name[j] = t }
		for (i = 1; i <= count; i++) {
			least = 0
			for (k = 1; k < n; k++) if (load[k] < load[least]) least = k
			load[least] += cost[i]; out[least] = out[least] " " name[i]
		}
		for (k = 0; k < n; k++) print out[k]
	}' scripts/e2e-seconds.txt -)
pids=() logs=()
for db in sqlite postgres; do
	for s in "${!shard[@]}"; do
		read -ra names <<<"${shard[s]}"
		[ "${#names[@]}" -eq 0 ] && continue
		re="^($(IFS='|'; echo "${names[*]}"))\$"
		log="e2e-$db-$s.log"
		if [ "$db" = postgres ]; then
			UNYO_TEST_DATABASE=postgres testbin_run "$pkg" "$dir" "$test" -test.run="$re" >"$log" 2>&1 &
		else
			testbin_run "$pkg" "$dir" "$test" -test.run="$re" >"$log" 2>&1 &
		fi
		pids+=($!) logs+=("$log")
	done
done
fail=0
for i in "${!pids[@]}"; do
	if ! wait "${pids[i]}"; then fail=1; fi
done
for log in "${logs[@]}"; do
	echo "--- ${log%.log}:"
	cat "$log"
done
exit $fail
