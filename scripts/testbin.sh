# Sourced by scripts/test.sh and scripts/e2e.sh: build each package's test
# binary once (`go test -c`) and run it as `go test` runs it, so that
# `make test` links each of its ~100 MB test binaries once instead of once
# per run (go caches compiled packages, not linked test binaries).
#
# What `go test` does around a test binary, and what is done here instead:
#  - it links without debug information (-ldflags=-s -w; -c keeps it):
#    the same here, which also halves the link;
#  - it runs the binary in the package's directory (tests read testdata/ by
#    relative paths; dbtest notes the directory), with PWD set to it and
#    GOROOT/bin first in PATH (tests that run `go build` get the same go);
#  - -test.paniconexit0 (a test calling os.Exit(0) fails), -test.count=1
#    and -test.timeout; past the timeout plus a minute it sends SIGQUIT, then
#    kills: `timeout -s QUIT -k 5` here;
#  - it prints `ok  pkg 1.234s` (with " [no tests to run]" when nothing
#    matched) for a passing package and nothing else, and the binary's whole
#    output then `FAIL pkg 1.234s` for a failing one: exit status non-zero,
#    a crash (signal) or a timeout; `?   pkg [no test files]` for a package
#    without tests (go test prints it in phase 1); `FAIL pkg [build failed]` when its
#    binary could not be built;
#  - -vet=off: `make test` ran go vet on everything before.
# The tags (GOFLAGS) are those of the environment, as for `go test`; the
# binaries keep them in their build information, where test/gobuild reads
# them to build the server under test alike.
# Needs GO set (the go command).

# The go the tests find on PATH is the one that built them, as under go test.
PATH="$("$GO" env GOROOT)/bin:$PATH"
export PATH

TESTBIN_TIMEOUT=${TESTBIN_TIMEOUT:-20m}

# testbin_name IMPORTPATH: the name `go test -c` gives the package's test
# binary: the last element of its path (the one before a major version
# suffix such as /v2), then ".test".
testbin_name() {
	local elem=${1##*/} parent=${1%/*}
	if [[ $elem =~ ^v[1-9][0-9]*$ && $parent != "$1" ]]; then
		elem=${parent##*/}
	fi
	echo "$elem.test"
}

# testbin_build OUT IMPORTPATH...: builds the test binaries of the packages
# (each with test files) under the directory OUT and writes OUT/index, one
# line per package: import path, directory, binary, tab-separated. One
# `go test -c` builds them all, linking GOMAXPROCS at a time, except that go
# refuses to write two binaries of one name (internal/x and cmd/x both make
# x.test) into one directory: the second of a name goes to OUT/1/ in a second
# run, and so on. Returns non-zero if a build failed; the binaries that were
# built are still listed, those that were not are absent from the index.
testbin_build() {
	local out=$1 rc=0 round pkg
	shift
	local -A seen=()
	local -a rounds=()
	for pkg in "$@"; do
		local name
		name=$(testbin_name "$pkg")
		round=${seen[$name]:-0}
		seen[$name]=$((round + 1))
		rounds[round]+=" $pkg"
	done
	: >"$out/index"
	for round in "${!rounds[@]}"; do
		mkdir -p "$out/$round"
		local -a pkgs
		read -ra pkgs <<<"${rounds[round]}"
		"$GO" test -c -vet=off -ldflags='-s -w' -o "$out/$round/" "${pkgs[@]}" || rc=1
		"$GO" list -f '{{.ImportPath}}	{{.Dir}}' "${pkgs[@]}" | while IFS=$'\t' read -r pkg dir; do
			local bin
			bin="$out/$round/$(testbin_name "$pkg")"
			if [ -x "$bin" ]; then
				printf '%s\t%s\t%s\n' "$pkg" "$dir" "$bin"
			fi
		done >>"$out/index"
	done
	return $rc
}

# testbin_run IMPORTPATH DIR BINARY [ARG]: runs the binary as go test would,
# its output to a file, and prints go test's lines for it. Returns non-zero
# if the package failed.
testbin_run() {
	local pkg=$1 dir=$2 bin=$3
	shift 3
	local log rc t0 us elapsed
	log=$(mktemp)
	t0=${EPOCHREALTIME/./}
	(cd "$dir" && PWD=$dir exec timeout --foreground -s QUIT -k 5 "$(testbin_killafter)" \
		"$bin" -test.paniconexit0 -test.count=1 -test.timeout="$TESTBIN_TIMEOUT" "$@") </dev/null >"$log" 2>&1
	rc=$?
	us=$((${EPOCHREALTIME/./} - t0))
	elapsed=$(printf '%d.%03ds' $((us / 1000000)) $((us / 1000 % 1000)))
	if [ "$rc" = 0 ]; then
		local norun=
		if grep -qx 'testing: warning: no tests to run' "$log"; then
			norun=" [no tests to run]"
		fi
		printf 'ok  \t%s\t%s%s\n' "$pkg" "$elapsed" "$norun"
	else
		cat "$log"
		if [ -s "$log" ] && [ -n "$(tail -c1 "$log")" ]; then
			echo
		fi
		case $rc in
		124) echo "*** Test killed with quit: ran too long ($(testbin_killafter))." ;;
		137) echo "*** Test killed: ran too long ($(testbin_killafter))." ;;
		*)
			if [ "$rc" -gt 128 ]; then
				echo "signal: $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
			elif [ ! -s "$log" ]; then
				echo "exit status $rc"
			fi
			;;
		esac
		printf 'FAIL\t%s\t%s\n' "$pkg" "$elapsed"
	fi
	rm -f "$log"
	return $rc
}

# testbin_killafter: the timeout plus a minute, as go test's last resort.
testbin_killafter() {
	local t=$TESTBIN_TIMEOUT
	case $t in
	*m) echo "$((${t%m} + 1))m" ;;
	*s) echo "$((${t%s} + 60))s" ;;
	*h) echo "$((${t%h} * 60 + 1))m" ;;
	*) echo "testbin: TESTBIN_TIMEOUT=$t: want NNs, NNm or NNh" >&2; echo 21m ;;
	esac
}

# testbin_pool P LIST: runs the packages of LIST (lines of testbin_run's
# arguments, tab-separated) P at a time, printing each one's lines when it
# ends, whole (outputs do not interleave). Returns non-zero if any failed.
# Run it in a subshell of its own: it waits for any of its shell's children.
testbin_pool() {
	local p=$1 list=$2 fail=0 n=0 pid tmp
	local -A report=()
	tmp=$(mktemp -d)
	local pkg dir bin arg
	while IFS=$'\t' read -r pkg dir bin arg; do
		while [ "${#report[@]}" -ge "$p" ]; do
			testbin_reap || fail=1
		done
		testbin_run "$pkg" "$dir" "$bin" ${arg:+"$arg"} >"$tmp/$n" 2>&1 </dev/null &
		report[$!]=$tmp/$n
		n=$((n + 1))
	done <"$list"
	while [ "${#report[@]}" -gt 0 ]; do
		testbin_reap || fail=1
	done
	rm -rf "$tmp"
	return $fail
}

# testbin_reap: waits for one of testbin_pool's runs and prints its lines.
testbin_reap() {
	local pid rc
	wait -n -p pid
	rc=$?
	if [ -z "$pid" ] || [ -z "${report[$pid]:-}" ]; then
		echo "testbin: lost track of a test run (wait: $rc)" >&2
		report=()
		return 1
	fi
	cat "${report[$pid]}"
	unset "report[$pid]"
	return $rc
}
