#!/usr/bin/env bash
# Runs the end-to-end suite (test/e2e) on SQLite and on PostgreSQL at once,
# each split in SHARDS shards of whole tests dealt out in turn, so the suite
# takes about its longest shard, not the sum of its waits: its tests spend
# most of their time waiting on the real binary's schedules (an operation
# plan's step minutes ahead, a 60 s server outage, backup polls), not on the
# CPU. Each run writes e2e-<database>-<shard>.log; all logs are printed at the
# end, and the script fails if any run failed.
set -u
GO=${GO:-go}
SHARDS=${SHARDS:-2}
pkg=./test/e2e/
"$GO" test -c -o /dev/null "$pkg" || exit 1
mapfile -t tests < <("$GO" test -list '.*' "$pkg" | grep '^Test')
if [ "${#tests[@]}" -eq 0 ]; then
	echo "e2e: no tests listed" >&2
	exit 1
fi
pids=() logs=()
for db in sqlite postgres; do
	for ((s = 0; s < SHARDS; s++)); do
		names=()
		for ((i = s; i < ${#tests[@]}; i += SHARDS)); do names+=("${tests[i]}"); done
		[ "${#names[@]}" -eq 0 ] && continue
		re="^($(IFS='|'; echo "${names[*]}"))\$"
		log="e2e-$db-$s.log"
		if [ "$db" = postgres ]; then
			UNYO_TEST_DATABASE=postgres "$GO" test -count=1 -timeout 20m -run "$re" "$pkg" >"$log" 2>&1 &
		else
			"$GO" test -count=1 -timeout 20m -run "$re" "$pkg" >"$log" 2>&1 &
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
