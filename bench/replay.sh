#!/usr/bin/env bash
# Startup after a crash with a full head: the write-ahead log's replay, unyo
# against Prometheus. Each target is started on a free 127.0.0.1 port with an
# empty temporary data directory, filled by remote write (bench/cmd/rwload)
# with SERIES series, FILL samples each, then killed with SIGKILL (nothing
# flushed, no head snapshot), and started again on the same directory. The
# time from the start to the first 2xx of its readiness endpoint (unyo's
# /readyz, Prometheus's /-/ready: both answer only once the head is loaded)
# is the replay time; the head's series count (prometheus_tsdb_head_series
# on /metrics) is then checked to be SERIES, and the memory read (VmRSS, and
# VmHWM: the peak during the replay).
#
# Usage: bench/replay.sh
# Environment: SERIES (1000000), FILL (2: rounds over all series before the
#              kill), SENDERS (4), BATCH (2000), TARGETS ("prometheus unyo"),
#              ROUNDS (1: kill and restart this many times per fill; the
#              table gives the median), UNYO (bin/unyo, built from this tree;
#              another path is run as it is).
# The table is printed and kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-1000000}
FILL=${FILL:-2}
SENDERS=${SENDERS:-4}
BATCH=${BATCH:-2000}
TARGETS=${TARGETS:-prometheus unyo}
ROUNDS=${ROUNDS:-1}
UNYO=${UNYO:-bin/unyo}

ADMIN_PASSWORD=bench-admin-secret # unyo wants 12 characters or more
WORK=$(mktemp -d -t unyo-replay.XXXXXX)
PID=""
declare -A RESULT # target -> its line

# shellcheck source=bench/lib.sh
. bench/lib.sh

# kill_target ends the target running at once, as a crash would.
kill_target() {
	[[ -n $PID ]] || return 0
	kill -KILL "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
cleanup() {
	kill_target
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# await_ready waits for a target to answer (bench/lib.sh).
await_ready() { await_url "$1" "$PID" "$2" 1800; }

# fill URL NAME [BEARER] sends FILL rounds over SERIES series.
fill() {
	local url=$1 name=$2 bearer=${3:-}
	local args=(-url "$url" -target "$name" -series "$SERIES" -senders "$SENDERS" -batch "$BATCH" -rounds "$FILL" -duration 60m)
	[[ -z $bearer ]] || args+=(-bearer "$bearer")
	log "$name: filling, $FILL round(s) over $SERIES series"
	bin/rwload "${args[@]}" | sed 's/^/  fill: /' >&2
}

# head_series prints prometheus_tsdb_head_series from the /metrics at URL.
head_series() {
	curl -fsS "$@" | sed -n 's/^prometheus_tsdb_head_series \([0-9e.+]*\)$/\1/p' | awk '{ printf "%d", $1 }'
}

memory() {
	awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 }
		END { printf "rss_mib=%d hwm_mib=%d", rss / 1024, hwm / 1024 }' "/proc/$1/status"
}

# restart NAME READY_URL LOG METRICS_CURL_ARGS... kills the target, starts it
# again with the command in START (an array), and records the replay.
restart() {
	local name=$1 ready=$2 logfile=$3 t0 t1 secs series mem
	shift 3
	local r
	for r in $(seq "$ROUNDS"); do
		kill_target
		log "$name: killed (SIGKILL), starting again (restart $r of $ROUNDS)"
		t0=$(date +%s.%N)
		"${START[@]}" >>"$logfile" 2>&1 &
		PID=$!
		await_ready "$ready" "$logfile" || return 1
		t1=$(date +%s.%N)
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		series=$(head_series "$@")
		mem=$(memory "$PID")
		log "  ready after $secs s, head_series=$series $mem"
		[[ $series -eq $SERIES ]] || log "  $name: $series series in the head after the replay, want $SERIES"
		RESULT[$name.$r]="target=$name replay_s=$secs head_series=$series $mem load1=$(cut -d' ' -f1 /proc/loadavg)"
	done
	kill_target
}

run_prometheus() {
	local dir=$WORK/prometheus port
	command -v prometheus >/dev/null || { log "prometheus: not installed (apt-get install prometheus), skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	printf 'global:\n  scrape_interval: 1m\n' >"$dir/prometheus.yml"
	START=(prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data"
		--web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver --log.level=warn)
	"${START[@]}" >"$dir/log" 2>&1 &
	PID=$!
	await_ready "http://127.0.0.1:$port/-/ready" "$dir/log" || return 1
	fill "http://127.0.0.1:$port/api/v1/write" prometheus || return 1
	restart prometheus "http://127.0.0.1:$port/-/ready" "$dir/log" "http://127.0.0.1:$port/metrics"
}

run_unyo() {
	local dir=$WORK/unyo port base token
	[[ -x $UNYO ]] || { log "unyo: $UNYO is not an executable (or did not build), skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	base="http://127.0.0.1:$port"
	START=(env UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$UNYO" server --listen "127.0.0.1:$port" --data "$dir/data" --monitor-self=false)
	"${START[@]}" >"$dir/log" 2>&1 &
	PID=$!
	await_ready "$base/readyz" "$dir/log" || return 1
	curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"id":"bench","name":"Bench"}' "$base/api/v1/tenants" >/dev/null || return 1
	# The default limits (150,000 series, 50,000 samples/s) are below this load.
	curl -fsS -X PUT -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"max_series":0,"ingest_rate":0,"ingest_burst":0}' "$base/api/v1/tenants/bench/limits" >/dev/null || return 1
	token=$(curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"name":"bench","tenant":"bench","scopes":["ingest"]}' "$base/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || { log "unyo: no token in the answer of /api/v1/tokens"; return 1; }
	fill "$base/api/v1/write" unyo "$token" || return 1
	restart unyo "$base/readyz" "$dir/log" -u "admin:$ADMIN_PASSWORD" "$base/metrics"
}

# field, median, stat, ratio and round_lines are bench/lib.sh's.

table() {
	local name secs ref ratio
	ref=$(stat unyo replay_s)
	printf '%-12s %10s %12s %8s %8s %12s\n' target replay_s head_series rss_mib hwm_mib unyo/target
	for name in $TARGETS; do
		secs=$(stat "$name" replay_s)
		if [[ -z $secs ]]; then
			printf '%-12s %10s\n' "$name" skipped
			continue
		fi
		ratio=-
		[[ -z $ref ]] || ratio=$(ratio "$ref" "$secs")
		printf '%-12s %10s %12s %8s %8s %12s\n' "$name" "$secs" "$(stat "$name" head_series)" \
			"$(stat "$name" rss_mib)" "$(stat "$name" hwm_mib)" "$ratio"
	done
}

main() {
	mkdir -p bin bench/results
	go build -o bin/rwload ./bench/cmd/rwload
	# The build tags of `make build` (make exports them; by hand, the Makefile's).
	GOFLAGS=$(scripts/goflags.sh)
	export GOFLAGS
	if [[ $UNYO == bin/unyo && " $TARGETS " == *" unyo "* ]] && ! go build -o bin/unyo ./cmd/unyo; then
		log "unyo: does not build; it will be skipped"
		rm -f bin/unyo
	fi
	for name in $TARGETS; do
		case $name in
		prometheus) run_prometheus ;;
		unyo) run_unyo ;;
		*) log "$name: unknown target, skipped" ;;
		esac || {
			log "$name: failed, skipped"
			kill_target
		}
		rm -rf "${WORK:?}/$name"
	done
	local out r name
	out=bench/results/replay-$(date -u +%Y%m%dT%H%M%SZ).txt
	{
		echo "# $SERIES series, $FILL sample(s) each, then SIGKILL and a restart ($ROUNDS); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
		table
		echo "# every restart: the replay's time to ready, the head's series, the memory after it and the 1-minute load"
		round_lines
	} | tee "$out"
}

main "$@"
