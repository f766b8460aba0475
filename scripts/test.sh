#!/usr/bin/env bash
# The test phases of `make test`, after vet and the gofmt check:
#  1. every package but the end-to-end suite, on SQLite, with `go test -o`:
#     go links each package's test binary while others' tests run, and
#     keeps it;
#  2. the tests that took their database from internal/database/dbtest in
#     phase 1, again on a throwaway PostgreSQL 15 cluster, from the binaries
#     phase 1 kept (go caches compiled packages but not linked test
#     binaries, and each of this module's is tens of MB to link);
#  3. the end-to-end suite on both databases (scripts/e2e.sh), from one
#     binary it builds for its six runs.
# Phase 2 runs each binary as `go test` runs it (scripts/testbin.sh says
# what of go test's way is kept) and prints each package's result as go test
# does; each phase's seconds are printed; the script fails if any package or
# phase failed.
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
# Linking each binary once: before, phase 2 ran `go test`, which linked its
# 41 binaries a second time, and scripts/e2e.sh linked the suite's seven
# times (a check, then once per shard).
# Measured 2026-12-07/08 on the shared 2-core machine (others' soak and
# builds beside; load 10-27, so walls are inflated, CPU-seconds less so):
#  - what phase 2 no longer spends: linking its 41 binaries as `go test`
#    did (`go test -count=1 -run '^$' <the 41 packages>`, compile cache
#    warm, 23:16-23:34 UTC, load 15-24): 232 CPU-s (169 user, 63 sys),
#    1,078 s wall. The e2e suite's binary: 5.1 CPU-s per link as go test
#    links it, 7.9 with DWARF (the old `go test -c -o /dev/null` check):
#    about 38 CPU-s for the old seven, 5 now.
#  - building all the binaries first, then running them (tried: a clean
#    clone, 64f8c8d, 22:58 UTC, load ~20) took 1,523 s before the first
#    test ran: phase 1's tests no longer overlapped the linking. Phase 1 is
#    `go test -o` instead, which keeps that overlap.
#  - a clean clone of 045d713, nothing else running (2026-12-08
#    00:33-00:51 UTC): phase 1 396 s, phase 2 250 s, e2e 394 s, make test
#    1,045 s; the last clean clone before (0cbf48a, go test in both
#    phases): 435, 322 and 399 s. Phase 1 with -o but without -s -w: 551 s.
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
e2e() {
	local t=$SECONDS
	GO="$GO" scripts/e2e.sh >e2e.log 2>&1
	local rc=$?
	took "the end-to-end suite" "$t" "$rc" >>e2e.log
	return $rc
}

e2e_pid=
if [ "${E2E_BESIDE:-0}" = 1 ]; then
	e2e &
	e2e_pid=$!
fi

# Phase 1 notes, per package, the tests that took a database from
# internal/database/dbtest (UNYO_TEST_DB_RECORD: the package's directory and
# the test's name); phase 2 runs only those on PostgreSQL, each package
# only its own: the others do not touch the database and ran in phase 1.
# Phase 1 is `go test`, which links a package's binary while others' tests
# run, and keeps each binary (-o) for phase 2. go writes no two binaries of
# one name (internal/x and cmd/x both make x.test) into one directory: the
# second package of a name runs in a second `go test`, into bin/1/, and so
# on (no two packages share a name today).
t=$SECONDS
"$GO" list -f '{{.ImportPath}}	{{.Dir}}	{{if or .TestGoFiles .XTestGoFiles}}1{{end}}' ./... | grep -v '/test/e2e	' >"$work/pkgs" || exit 1
declare -A seen=()
rounds=()
while IFS=$'\t' read -r pkg dir has; do
	name=$(testbin_name "$pkg")
	round=${seen[$name]:-0}
	seen[$name]=$((round + 1))
	rounds[round]+=" $pkg"
done <"$work/pkgs"
rc=0
: >"$work/phase1"
for round in "${!rounds[@]}"; do
	mkdir -p "$work/bin/$round"
	read -ra pkgs <<<"${rounds[round]}"
	# -o makes go keep the binaries' debug information, which go test
	# otherwise leaves out, and linking it cost about half as much again
	# (7.9 against 5.1 CPU-s for the e2e suite's binary): phase 1 took 551 s
	# against 435 in clean runs here. -s -w leaves it out as go test does.
	UNYO_TEST_DB_RECORD=$work/notes "$GO" test -p "$P" -count=1 -timeout 20m -ldflags='-s -w' -o "$work/bin/$round/" "${pkgs[@]}" || rc=1
	# The binaries go kept, as phase 2 runs them (import path, directory,
	# binary); a package without tests has none.
	for pkg in "${pkgs[@]}"; do
		awk -F'\t' -v p="$pkg" -v b="$work/bin/$round/$(testbin_name "$pkg")" '$1 == p && $3 == 1 { print $1 "\t" $2 "\t" b }' "$work/pkgs"
	done >>"$work/phase1"
done
while IFS=$'\t' read -r pkg dir bin; do
	if [ ! -x "$bin" ]; then
		echo "test: $pkg: no test binary kept at $bin" >&2
		rc=1
	fi
done <"$work/phase1"
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
else
	e2e || fail=1
fi
cat e2e.log
exit $fail
