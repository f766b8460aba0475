#!/usr/bin/env bash
# Remote-write ingest, side by side: Prometheus's receiver, VictoriaMetrics
# single-node and unyo, one after the other on this machine, under the same
# load from bench/cmd/rwload. Each target is started on a free 127.0.0.1 port
# with an empty temporary data directory, warmed up with one round over all
# series (series creation), then measured for DURATION in steady state, and
# stopped. A target whose binary is missing (or unyo, if it does not build) is
# skipped with a message.
#
# After the measure, each target's resident memory is read from
# /proc/PID/status: VmRSS (steady state, with every series active) and VmHWM
# (the peak since start).
#
# Usage: bench/remotewrite.sh
# Environment: SERIES (200000), SENDERS (4), BATCH (2000), DURATION (30s),
#              TARGETS ("prometheus victoria-metrics unyo"; also unyo-remote:
#              unyo with --metrics-store remote forwarding into a
#              VictoriaMetrics of its own), REF (unyo: the target the ratio
#              column divides by the others), ROUNDS (1: rounds over all
#              targets, back to back; the table gives each target's median
#              and every round's samples/s), PROFILE (a directory: unyo's
#              heap profile, taken after the measure with a GC, and its
#              /metrics are kept there, one pair per round), UNYO_ARGS
#              (more flags for unyo server, e.g. --gogc 30; not given to
#              UNYO_BASE's binary, which may not know them), UNYO_BASE
#              (another unyo binary, e.g. main's before a change: target
#              unyo-base runs it, in the same run as the others).
# The table is printed and kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-200000}
SENDERS=${SENDERS:-4}
BATCH=${BATCH:-2000}
DURATION=${DURATION:-30s}
TARGETS=${TARGETS:-prometheus victoria-metrics unyo}
REF=${REF:-unyo}
ROUNDS=${ROUNDS:-1}
PROFILE=${PROFILE:-}
UNYO_ARGS=${UNYO_ARGS:-}
ROUND=1

# unyo refuses admin passwords shorter than 12 characters.
ADMIN_PASSWORD=bench-admin-secret
WORK=$(mktemp -d -t unyo-rwbench.XXXXXX)
PID=""
VMPID="" # the VictoriaMetrics behind unyo-remote
declare -A RESULT # target.round -> rwload's line and the memory read after it

log() { printf '%s\n' "$*" >&2; }

# stop ends the target started last: politely, then after 30 s for good.
stop() {
	[[ -n $PID ]] || return 0
	kill -TERM "$PID" 2>/dev/null || true
	for _ in $(seq 60); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
cleanup() {
	stop
	stop_vm
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a 127.0.0.1 port that nothing listens on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	log "no free port found"
	return 1
}

# wait_ready polls URL until it answers 2xx, for at most 60 s, and fails
# early if the target died.
wait_ready() {
	local url=$1 logfile=$2
	for _ in $(seq 120); do
		if ! kill -0 "$PID" 2>/dev/null; then
			log "the target exited; the end of its log:"
			tail -n 20 "$logfile" >&2
			return 1
		fi
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.5
	done
	log "$url not ready after 60 s"
	return 1
}

# load NAME URL [BEARER] warms the target up, then measures it.
load() {
	local name=$1 url=$2 bearer=${3:-} line
	local args=(-url "$url" -target "$name" -series "$SERIES" -senders "$SENDERS" -batch "$BATCH")
	if [[ -n $bearer ]]; then
		args+=(-bearer "$bearer")
	fi
	log "$name: warming up (one round over $SERIES series)"
	bin/rwload "${args[@]}" -rounds 1 -duration 10m | sed 's/^/  warm-up: /' >&2 || return 1
	log "$name: measuring for $DURATION"
	line=$(bin/rwload "${args[@]}" -duration "$DURATION") || return 1
	line="$line $(memory "$PID") load1=$(cut -d' ' -f1 /proc/loadavg)"
	log "  $line"
	RESULT[$name.$ROUND]=$line
}

# memory prints VmRSS and VmHWM of process PID, in MiB, as rss_mib=… hwm_mib=….
memory() {
	awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 }
		END { printf "rss_mib=%d hwm_mib=%d", rss / 1024, hwm / 1024 }' "/proc/$1/status"
}

run_prometheus() {
	local dir=$WORK/prometheus port
	command -v prometheus >/dev/null || { log "prometheus: not installed (apt-get install prometheus), skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	printf 'global:\n  scrape_interval: 1m\n' >"$dir/prometheus.yml"
	prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
		--log.level=warn >"$dir/log" 2>&1 &
	PID=$!
	wait_ready "http://127.0.0.1:$port/-/ready" "$dir/log" || return 1
	load prometheus "http://127.0.0.1:$port/api/v1/write" || return 1
	stop
}

run_victoria_metrics() {
	local dir=$WORK/victoria-metrics port
	command -v victoria-metrics >/dev/null || { log "victoria-metrics: not installed (apt-get install victoria-metrics), skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	victoria-metrics -storageDataPath="$dir/data" -httpListenAddr="127.0.0.1:$port" \
		-loggerLevel=WARN >"$dir/log" 2>&1 &
	PID=$!
	wait_ready "http://127.0.0.1:$port/health" "$dir/log" || return 1
	load victoria-metrics "http://127.0.0.1:$port/api/v1/write" || return 1
	stop
}

# unlimit lifts the bench tenant's series and ingest-rate limits at unyo at
# BASE (by default 150,000 series and 50,000 samples/s, below this load).
unlimit() {
	curl -fsS -X PUT -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"max_series":0,"ingest_rate":0,"ingest_burst":0}' "$1/api/v1/tenants/bench/limits" >/dev/null
}

# run_unyo NAME BINARY [PPROF] runs unyo server from BINARY as target NAME;
# PPROF says the binary takes --debug-listen (for PROFILE).
run_unyo() {
	local name=$1 bin=$2 pprof=${3:-} dir=$WORK/$1 port base token pport
	[[ -x $bin ]] || { log "$name: $bin did not build, skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	base="http://127.0.0.1:$port"
	local extra=()
	if [[ -n $pprof ]]; then # the binary just built, not UNYO_BASE
		read -r -a extra <<<"$UNYO_ARGS"
	fi
	if [[ -n $PROFILE && -n $pprof ]]; then
		pport=$(free_port)
		extra+=(--debug-listen "127.0.0.1:$pport")
	fi
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$bin" server --listen "127.0.0.1:$port" --data "$dir/data" --monitor-self=false "${extra[@]}" >"$dir/log" 2>&1 &
	PID=$!
	wait_ready "$base/readyz" "$dir/log" || return 1
	curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"id":"bench","name":"Bench"}' "$base/api/v1/tenants" >/dev/null || return 1
	unlimit "$base" || return 1
	token=$(curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"name":"bench","tenant":"bench","scopes":["ingest"]}' "$base/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || { log "$name: no token in the answer of /api/v1/tokens"; return 1; }
	load "$name" "$base/api/v1/write" "$token" || return 1
	if [[ -n $PROFILE && -n $pprof ]]; then
		mkdir -p "$PROFILE"
		curl -fsS -o "$PROFILE/$name-heap-$ROUND.pb.gz" "http://127.0.0.1:$pport/debug/pprof/heap?gc=1" || return 1
		curl -fsS -u "admin:$ADMIN_PASSWORD" -o "$PROFILE/$name-metrics-$ROUND.txt" "$base/metrics" || return 1
		log "$name: heap profile and metrics in $PROFILE"
	fi
	stop
}

# vm_rows prints the samples VictoriaMetrics at URL took by remote write.
vm_rows() { curl -fsS "$1/metrics" | sed -n 's/^vm_rows_inserted_total{type="promremotewrite"} //p'; }

# await_rows waits, at most 10 minutes, until VictoriaMetrics at URL took N samples.
await_rows() {
	local r
	for _ in $(seq 1200); do
		r=$(vm_rows "$1")
		[[ ${r:-0} -ge $2 ]] && return 0
		sleep 0.5
	done
	return 1
}

stop_vm() {
	[[ -n $VMPID ]] || return 0
	kill -TERM "$VMPID" 2>/dev/null || true
	wait "$VMPID" 2>/dev/null || true
	VMPID=""
}

# run_unyo_remote is unyo (1 replica) with --metrics-store remote in front of
# a VictoriaMetrics of its own: what unyo costs on the way into the store.
run_unyo_remote() {
	local dir=$WORK/unyo-remote port vmport base token
	[[ -x bin/unyo ]] || { log "unyo-remote: bin/unyo did not build, skipped"; return 0; }
	command -v victoria-metrics >/dev/null || { log "unyo-remote: victoria-metrics not installed (apt-get install victoria-metrics), skipped"; return 0; }
	mkdir -p "$dir"
	vmport=$(free_port)
	victoria-metrics -storageDataPath="$dir/vm" -httpListenAddr="127.0.0.1:$vmport" -loggerLevel=WARN >"$dir/vm.log" 2>&1 &
	VMPID=$!
	PID=$VMPID wait_ready "http://127.0.0.1:$vmport/health" "$dir/vm.log" || return 1
	port=$(free_port)
	base="http://127.0.0.1:$port"
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD bin/unyo server --listen "127.0.0.1:$port" --data "$dir/data" --monitor-self=false \
		--metrics-store remote --metrics-write-url "http://127.0.0.1:$vmport/api/v1/write" \
		--metrics-query-url "http://127.0.0.1:$vmport" >"$dir/log" 2>&1 &
	PID=$!
	wait_ready "$base/readyz" "$dir/log" || return 1
	curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"id":"bench","name":"Bench"}' "$base/api/v1/tenants" >/dev/null || return 1
	unlimit "$base" || return 1
	token=$(curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"name":"bench","tenant":"bench","scopes":["ingest"]}' "$base/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || { log "unyo-remote: no token in the answer of /api/v1/tokens"; return 1; }
	# unyo answers once a request is queued for the store, so its own rate
	# would count the queue: the rate recorded is what reached
	# VictoriaMetrics, from the start of the measure until the queue drained.
	local vm="http://127.0.0.1:$vmport" args line n rows0 t0 t1 rate
	args=(-url "$base/api/v1/write" -target unyo-remote -series "$SERIES" -senders "$SENDERS" -batch "$BATCH" -bearer "$token")
	log "unyo-remote: warming up (one round over $SERIES series), until VictoriaMetrics holds it"
	bin/rwload "${args[@]}" -rounds 1 -duration 10m | sed 's/^/  warm-up: /' >&2 || return 1
	await_rows "$vm" "$SERIES" || { log "unyo-remote: the warm-up did not reach VictoriaMetrics"; return 1; }
	rows0=$(vm_rows "$vm")
	t0=$(date +%s.%N)
	log "unyo-remote: measuring for $DURATION, then until the queue drains"
	line=$(bin/rwload "${args[@]}" -duration "$DURATION") || return 1
	log "  accepted by unyo: $line"
	n=$(( $(field requests "$line") - $(field errors "$line") ))
	await_rows "$vm" $((rows0 + n * BATCH)) || { log "unyo-remote: not every accepted sample reached VictoriaMetrics"; return 1; }
	t1=$(date +%s.%N)
	rate=$(awk -v n=$((n * BATCH)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", n / (b - a) }')
	log "  delivered to VictoriaMetrics: $((n * BATCH)) samples in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	RESULT[unyo-remote.$ROUND]=$(sed "s/samples_per_sec=[0-9]*/samples_per_sec=$rate/" <<<"$line")
	stop
	stop_vm
}

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# median prints the median of its arguments (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# stat prints the median of FIELD over NAME's rounds, or nothing if none ran.
stat() {
	local name=$1 f=$2 r vals=()
	for r in $(seq "$ROUNDS"); do
		[[ -n ${RESULT[$name.$r]:-} ]] && vals+=("$(field "$f" "${RESULT[$name.$r]}")")
	done
	[[ ${#vals[@]} -gt 0 ]] && median "${vals[@]}"
	return 0
}

# table prints per target the median over the rounds of samples/s, latency
# and memory, REF's ratio to each in samples/s and in RSS, and each round's
# samples/s.
table() {
	local ref_rate ref_rss name rate rss ratio mratio r rounds
	ref_rate=$(stat "$REF" samples_per_sec)
	ref_rss=$(stat "$REF" rss_mib)
	printf '%-18s %12s %8s %8s %6s %8s %8s %10s %10s  %s\n' target samples/s p50_ms p99_ms errors rss_mib hwm_mib "$REF/rate" "$REF/rss" rounds
	for name in $TARGETS; do
		rate=$(stat "$name" samples_per_sec)
		if [[ -z $rate ]]; then
			printf '%-18s %12s\n' "$name" skipped
			continue
		fi
		rss=$(stat "$name" rss_mib)
		ratio=- mratio=-
		if [[ -n $ref_rate && $rate -gt 0 ]]; then
			ratio=$(awk -v u="$ref_rate" -v r="$rate" 'BEGIN { printf "%.2fx", u / r }')
		fi
		if [[ -n $ref_rss && ${rss:-0} -gt 0 ]]; then
			mratio=$(awk -v u="$ref_rss" -v r="$rss" 'BEGIN { printf "%.2fx", u / r }')
		fi
		rounds=""
		for r in $(seq "$ROUNDS"); do
			rounds+="$(field samples_per_sec "${RESULT[$name.$r]:-}") "
		done
		printf '%-18s %12s %8s %8s %6s %8s %8s %10s %10s  %s\n' "$name" "$rate" "$(stat "$name" p50_ms)" \
			"$(stat "$name" p99_ms)" "$(stat "$name" errors)" "${rss:--}" "$(stat "$name" hwm_mib)" "$ratio" "$mratio" "$rounds"
	done
}

main() {
	mkdir -p bin bench/results
	go build -o bin/rwload ./bench/cmd/rwload
	if [[ " $TARGETS " == *" unyo"* ]] && ! go build -o bin/unyo ./cmd/unyo; then
		log "unyo: does not build; it will be skipped"
		rm -f bin/unyo
	fi
	for ROUND in $(seq "$ROUNDS"); do
		[[ $ROUNDS -gt 1 ]] && log "round $ROUND of $ROUNDS"
		for name in $TARGETS; do
			# Functions run in an || list do not stop at the first failing
			# command, hence the explicit "|| return 1" in them.
			case $name in
			prometheus) run_prometheus ;;
			victoria-metrics) run_victoria_metrics ;;
			unyo) run_unyo unyo bin/unyo pprof ;;
			unyo-base) run_unyo unyo-base "$UNYO_BASE" ;;
			unyo-remote) run_unyo_remote ;;
			*) log "$name: unknown target, skipped" ;;
			esac || {
				log "$name: failed, skipped"
				stop
			}
			rm -rf "${WORK:?}/$name"
		done
	done
	local out
	out=bench/results/remotewrite-$(date -u +%Y%m%dT%H%M%SZ).txt
	{
		echo "# $SERIES series, $SENDERS senders, $BATCH series per request, $DURATION, $ROUNDS round(s); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)${UNYO_ARGS:+; unyo $UNYO_ARGS}"
		table
		echo "# every round: rwload's line, then the memory and the 1-minute load read after the measure"
		for ROUND in $(seq "$ROUNDS"); do
			for name in $TARGETS; do
				[[ -n ${RESULT[$name.$ROUND]:-} ]] && echo "# $ROUND ${RESULT[$name.$ROUND]}"
			done
		done
		true
	} | tee "$out"
}

main "$@"
