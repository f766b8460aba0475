#!/usr/bin/env bash
# The test phases of `make test`, after vet and the gofmt check:
#  0. every package's test binary, built once, the end-to-end suite's too
#     (scripts/testbin.sh: go caches compiled packages but not linked test
#     binaries, and each of this module's is tens of MB to link);
#  1. every package but the end-to-end suite, on SQLite;
#  2. the tests that took their database from internal/database/dbtest in
#     phase 1, again on a throwaway PostgreSQL 15 cluster, from the same
#     binaries;
#  3. the end-to-end suite on both databases (scripts/e2e.sh), from its
#     binary of phase 0.
# Each package's result is printed as `go test` prints it (scripts/testbin.sh
# says what of go test's way of running a test binary is kept), and each
# phase's seconds; the script fails if any package or phase failed.
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
# minutes CI must keep under). Phase 2 stays at go's default, the number of
# cores: each of its packages starts PostgreSQL clusters, and at -p 4 it
# took 344 s against 306 s.
# Building each binary once: before, phases 1 and 2 ran `go test`, which
# linked phase 2's 41 binaries a second time, and scripts/e2e.sh linked the
# suite's seven times (a check, then once per shard).
# Measured 2026-12-07 on the shared 2-core machine (others' soak and
# builds beside; load 10-27, so walls are inflated, CPU-seconds less so):
#  - before, the old scripts (clone of cb8d27a, 22:19-23:44 UTC, load
#    15-27, /usr/bin/time around each `go test`): phase 1 2,863 s wall,
#    824 CPU-s (the browser suite timed out at 20 min under that load);
#    phase 2 2,213 s wall, 638 CPU-s; e2e (23:44-23:56 UTC, load 10-20)
#    717 s wall, 489 CPU-s.
#  - what phase 2 no longer spends: linking its 41 binaries as `go test`
#    did (`go test -count=1 -run '^$' <the 41 packages>`, compile cache
#    warm, 23:16-23:34 UTC, load 15-24): 232 CPU-s (169 user, 63 sys),
#    1,078 s wall. The e2e suite's binary: 5.1 CPU-s per link as go test
#    links it, 7.9 with DWARF (the old `go test -c -o /dev/null` check):
#    about 38 CPU-s for the old seven, 5 now.
#  - after, a clean clone (64f8c8d, CI=true bash .ci/run, from 22:58 UTC):
#    building the 103 test binaries 1,523 s (load ~20); phase 1, from
#    them, 1,133 s (23:34-23:53 UTC, load 10-20), every package passing;
#    phase 2 674 s (23:54-00:05 UTC, load 5-20; the same 41 packages as
#    before), passing. The e2e suite had not ended by the session's deadline; the
#    lead re-runs the whole on a quiet machine.
set -u
# The build tags the binary ships with: make exports them; run by hand,
# they are read from the Makefile.
GOFLAGS=$(scripts/goflags.sh) || exit 1
export GOFLAGS
GO=${GO:-go}
P=${TEST_P:-4}
. scripts/testbin.sh
start=$SECONDS
# took WHAT SINCE FAILED: a phase's line, saying so when it failed.
took() {
	local failed=
	[ "$3" = 0 ] || failed=", FAILED"
	echo "test: $1 took $((SECONDS - $2)) s (at $((SECONDS - start)) s$failed)"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/notes"

fail=0
t=$SECONDS
# Import path, directory and whether it has tests, of every package.
"$GO" list -f '{{.ImportPath}}	{{.Dir}}	{{if or .TestGoFiles .XTestGoFiles}}1{{end}}' ./... >"$work/pkgs" || exit 1
mapfile -t tested < <(awk -F'\t' '$3 == 1 { print $1 }' "$work/pkgs")
rc=0
testbin_build "$work/bin" "${tested[@]}" || rc=1
# A package with tests but no binary failed to build (go printed why).
awk -F'\t' 'NR == FNR { built[$1] = 1; next } !built[$1] { printf "FAIL\t%s [build failed]\n", $1 }' \
	"$work/bin/index" <(printf '%s\n' "${tested[@]}")
took "building the test binaries" "$t" "$rc"
[ "$rc" = 0 ] || fail=1

e2e() {
	local t=$SECONDS
	GO="$GO" E2E_TEST_BIN="$e2e_bin" scripts/e2e.sh >e2e.log 2>&1
	local rc=$?
	took "the end-to-end suite" "$t" "$rc" >>e2e.log
	return $rc
}
e2e_bin=$(awk -F'\t' '$1 ~ /\/test\/e2e$/ { print $3 }' "$work/bin/index")
if [ -z "$e2e_bin" ]; then
	echo "test: the end-to-end suite's binary was not built" >e2e.log
	fail=1
fi

e2e_pid=
if [ -n "$e2e_bin" ] && [ "${E2E_BESIDE:-0}" = 1 ]; then
	e2e &
	e2e_pid=$!
fi

# Phase 1 notes, per package, the tests that took a database from
# internal/database/dbtest (UNYO_TEST_DB_RECORD: the package's directory and
# the test's name); phase 2 runs only those on PostgreSQL, each package
# only its own: the others do not touch the database and ran in phase 1.
t=$SECONDS
testbin_untested $(awk -F'\t' '$3 != 1 { print $1 }' "$work/pkgs")
grep -v '/test/e2e	' "$work/bin/index" >"$work/phase1"
rc=0
(UNYO_TEST_DB_RECORD=$work/notes testbin_pool "$P" "$work/phase1") || rc=1
took "the packages on SQLite" "$t" "$rc"
[ "$rc" = 0 ] || fail=1

t=$SECONDS
if compgen -G "$work/notes/*.tests" >/dev/null; then
	# Each package with noted tests, with -test.run of its own noted names.
	awk -F'\t' 'NR == FNR { if (!seen[$1 "\t" $2]++) names[$1] = names[$1] (names[$1] == "" ? "" : "|") $2; next }
		$2 in names { printf "%s\t%s\t%s\t-test.run=^(%s)$\n", $1, $2, $3, names[$2] }' \
		<(cat "$work"/notes/*.tests) "$work/phase1" >"$work/phase2"
	echo "test: on PostgreSQL, the $(sort -u "$work"/notes/*.tests | wc -l) tests of $(wc -l <"$work/phase2") packages that took a database"
else
	# No notes (phase 1 ran nothing that took a database?): every package
	# whose tests import dbtest, whole.
	"$GO" list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... |
		grep 'internal/database/dbtest' | cut -d' ' -f1 |
		awk -F'\t' 'NR == FNR { db[$1] = 1; next } db[$1]' - "$work/phase1" >"$work/phase2"
	echo "test: no test noted taking a database; on PostgreSQL, the $(wc -l <"$work/phase2") packages whose tests import dbtest"
fi
rc=0
(UNYO_TEST_DATABASE=postgres testbin_pool "$(nproc)" "$work/phase2") || rc=1
took "the packages on PostgreSQL" "$t" "$rc"
[ "$rc" = 0 ] || fail=1

t=$SECONDS
if [ -n "$e2e_pid" ]; then
	rc=0
	wait "$e2e_pid" || rc=1
	took "waiting for the end-to-end suite" "$t" "$rc"
	[ "$rc" = 0 ] || fail=1
elif [ -n "$e2e_bin" ]; then
	e2e || fail=1
fi
cat e2e.log
exit $fail
