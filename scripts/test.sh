#!/usr/bin/env bash
# The test phases of `make test`, after vet and the gofmt check:
#  1. every package but the end-to-end suite, on SQLite;
#  2. the tests that took their database from internal/database/dbtest in
#     phase 1, again on a throwaway PostgreSQL 15 cluster;
#  3. the end-to-end suite on both databases (scripts/e2e.sh).
# Each phase's seconds are printed; the script fails if any phase failed.
# E2E_BESIDE=1 runs the end-to-end suite beside phases 1 and 2 instead of
# after them: it spends most of its time waiting on the real binary's
# schedules, not on the CPU, so this saves about its length on a machine
# with cores to spare. It is not the default: on two cores its tests' clocks
# (an operation plan's step due at a given second) were late under the
# other packages' load. Its logs are printed at the end.
# Phase 1 runs four test binaries at once (TEST_P; go's default is the
# number of cores, two here): most packages' tests wait on real servers,
# browsers and databases rather than compute. In clean CI runs it took
# 618 s at -p 2 and 423 s at -p 4 (1,536 s in all at -p 2: over the 25
# minutes CI must keep under). Phase 2 stays at go's default: each of its
# packages starts PostgreSQL clusters, and at -p 4 it took 344 s against
# 306 s.
set -u
# The build tags the binary ships with: make exports them; run by hand,
# they are read from the Makefile.
GOFLAGS=$(scripts/goflags.sh) || exit 1
export GOFLAGS
GO=${GO:-go}
P=${TEST_P:-4}
start=$SECONDS
took() { echo "test: $1 took $(($2)) s (at $((SECONDS - start)) s)"; }

e2e() {
	local t=$SECONDS
	GO="$GO" scripts/e2e.sh >e2e.log 2>&1
	local rc=$?
	echo "test: the end-to-end suite took $((SECONDS - t)) s" >>e2e.log
	return $rc
}

e2e_pid=
if [ "${E2E_BESIDE:-0}" = 1 ]; then
	e2e &
	e2e_pid=$!
fi

fail=0
# Phase 1 notes, per package, the tests that took a database from
# internal/database/dbtest (UNYO_TEST_DB_RECORD); phase 2 runs only those on
# PostgreSQL: the others do not touch the database and ran in phase 1.
notes=$(mktemp -d)
trap 'rm -rf "$notes"' EXIT
t=$SECONDS
UNYO_TEST_DB_RECORD=$notes "$GO" test -p "$P" -count=1 -timeout 20m $("$GO" list ./... | grep -v '/test/e2e$') || fail=1
took "the packages on SQLite" "SECONDS - t"

t=$SECONDS
mapfile -t db < <("$GO" list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
	grep 'internal/database/dbtest' | cut -d' ' -f1 | grep -v '/test/e2e$')
run=()
if compgen -G "$notes/*.tests" >/dev/null; then
	# The packages (by directory) with noted tests, and one pattern of
	# every noted name: a name noted in one package also runs its namesake
	# in another, which only costs time.
	mapfile -t noted < <(cut -f1 "$notes"/*.tests | sort -u)
	mapfile -t db < <("$GO" list -f '{{.Dir}}	{{.ImportPath}}' "${db[@]}" |
		awk -F'\t' 'NR == FNR { noted[$1] = 1; next } noted[$1] { print $2 }' <(printf '%s\n' "${noted[@]}") -)
	run=(-run "^($(cut -f2 "$notes"/*.tests | sort -u | paste -sd'|'))\$")
	echo "test: on PostgreSQL, the $(cut -f2 "$notes"/*.tests | sort -u | wc -l) tests of ${#db[@]} packages that took a database"
fi
UNYO_TEST_DATABASE=postgres "$GO" test -count=1 -timeout 20m "${run[@]}" "${db[@]}" || fail=1
took "the packages on PostgreSQL" "SECONDS - t"

t=$SECONDS
if [ -n "$e2e_pid" ]; then
	wait "$e2e_pid" || fail=1
	took "waiting for the end-to-end suite" "SECONDS - t"
else
	e2e || fail=1
fi
cat e2e.log
exit $fail
