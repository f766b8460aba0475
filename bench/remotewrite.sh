#!/usr/bin/env bash
# Remote-write ingest, side by side: Prometheus's receiver, VictoriaMetrics
# single-node and unyo, one after the other on this machine, under the same
# load from bench/cmd/rwload. Each target is started on a free 127.0.0.1 port
# with an empty temporary data directory, warmed up with one round over all
# series (series creation), then measured for DURATION in steady state, and
# stopped. A target whose binary is missing (or unyo, if it does not build) is
# skipped with a message.
#
# unyo runs with --limit-ingest-rate 0: the tenant's default ingest limit
# (50,000 samples/s) would be measured instead of the server.
#
# Usage: bench/remotewrite.sh
# Environment: SERIES (200000), SENDERS (4), BATCH (2000), DURATION (30s),
#              TARGETS ("prometheus victoria-metrics unyo"; also unyo-remote:
#              unyo with --metrics-store remote forwarding into a
#              VictoriaMetrics of its own, and unyo-remote-3: three such
#              replicas on one PostgreSQL, the load sent to each in turn),
#              REF (unyo: the target the ratio column divides by the others),
#              UNYO (bin/unyo, built from this tree; another path is run as
#              it is: an earlier build, for a before/after in one session).
# The table is printed and kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-200000}
SENDERS=${SENDERS:-4}
BATCH=${BATCH:-2000}
DURATION=${DURATION:-30s}
TARGETS=${TARGETS:-prometheus victoria-metrics unyo}
REF=${REF:-unyo}
UNYO=${UNYO:-bin/unyo} # another binary (an earlier build) is run as it is, not built

# unyo refuses admin passwords shorter than 12 characters.
ADMIN_PASSWORD=bench-admin-secret
WORK=$(mktemp -d -t unyo-rwbench.XXXXXX)
# shellcheck source=bench/pg.sh
. bench/pg.sh
PID=""
VMPID="" # the VictoriaMetrics behind unyo-remote
declare -A RESULT

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
	stop_replicas
	stop_vm
	stop_pg
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
	log "  $line"
	RESULT[$name]=$line
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

run_unyo() {
	local dir=$WORK/unyo port base token
	[[ -x $UNYO ]] || { log "unyo: $UNYO did not build, skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	base="http://127.0.0.1:$port"
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$UNYO" server --listen "127.0.0.1:$port" --data "$dir/data" --monitor-self=false --limit-ingest-rate 0 >"$dir/log" 2>&1 &
	PID=$!
	wait_ready "$base/readyz" "$dir/log" || return 1
	curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"id":"bench","name":"Bench"}' "$base/api/v1/tenants" >/dev/null || return 1
	token=$(curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"name":"bench","tenant":"bench","scopes":["ingest"]}' "$base/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || { log "unyo: no token in the answer of /api/v1/tokens"; return 1; }
	load unyo "$base/api/v1/write" "$token" || return 1
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

UPIDS=() # the replicas of unyo-remote-3

# stop_replicas ends the replicas of unyo-remote-3 as stop does one target.
stop_replicas() {
	local p
	for p in "${UPIDS[@]}"; do
		PID=$p stop
	done
	UPIDS=()
}

# rss PID prints the process's resident memory now and its peak, in MiB.
rss() { awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.0f/%.0f", r / 1024, h / 1024 }' "/proc/$1/status"; }

# run_unyo_remote N is unyo, N replicas, with --metrics-store remote in
# front of a VictoriaMetrics of its own: what unyo costs on the way into the
# store. One replica keeps its state in SQLite; several share a PostgreSQL
# (and one sealing key), and the load goes to each in turn, as behind a
# round-robin balancer.
run_unyo_remote() {
	local n=$1 name=unyo-remote
	[[ $n -gt 1 ]] && name=unyo-remote-$n
	local dir=$WORK/$name vmport base token urls="" i port db=() bases=()
	[[ -x $UNYO ]] || { log "$name: $UNYO did not build, skipped"; return 0; }
	command -v victoria-metrics >/dev/null || { log "$name: victoria-metrics not installed (apt-get install victoria-metrics), skipped"; return 0; }
	mkdir -p "$dir"
	vmport=$(free_port)
	victoria-metrics -storageDataPath="$dir/vm" -httpListenAddr="127.0.0.1:$vmport" -loggerLevel=WARN >"$dir/vm.log" 2>&1 &
	VMPID=$!
	PID=$VMPID wait_ready "http://127.0.0.1:$vmport/health" "$dir/vm.log" || return 1
	if [[ $n -gt 1 ]]; then
		start_pg || return 1
		db=(--database "$PGDSN")
		openssl rand -hex 32 >"$dir/secret.key" 2>/dev/null || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret.key"
		chmod 600 "$dir/secret.key"
		db+=(--secret-key-file "$dir/secret.key")
	fi
	for i in $(seq "$n"); do
		port=$(free_port)
		base="http://127.0.0.1:$port"
		UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$UNYO" server --listen "127.0.0.1:$port" --data "$dir/data$i" --monitor-self=false --limit-ingest-rate 0 \
			--replica-id "r$i" "${db[@]}" --metrics-store remote --metrics-write-url "http://127.0.0.1:$vmport/api/v1/write" \
			--metrics-query-url "http://127.0.0.1:$vmport" >"$dir/log$i" 2>&1 &
		PID=$!
		UPIDS+=("$PID")
		wait_ready "$base/readyz" "$dir/log$i" || return 1
		bases+=("$base")
		urls+="${urls:+,}$base/api/v1/write"
	done
	base=${bases[0]}
	curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"id":"bench","name":"Bench"}' "$base/api/v1/tenants" >/dev/null || return 1
	token=$(curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"name":"bench","tenant":"bench","scopes":["ingest"]}' "$base/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || { log "$name: no token in the answer of /api/v1/tokens"; return 1; }
	# unyo answers once a request is queued for the store, so its own rate
	# would count the queue: the rate recorded is what reached
	# VictoriaMetrics, from the start of the measure until the queue drained.
	local vm="http://127.0.0.1:$vmport" args line reqs rows0 t0 t1 rate mem="" p
	args=(-url "$urls" -target "$name" -series "$SERIES" -senders "$SENDERS" -batch "$BATCH" -bearer "$token")
	log "$name: warming up (one round over $SERIES series), until VictoriaMetrics holds it"
	bin/rwload "${args[@]}" -rounds 1 -duration 10m | sed 's/^/  warm-up: /' >&2 || return 1
	await_rows "$vm" "$SERIES" || { log "$name: the warm-up did not reach VictoriaMetrics"; return 1; }
	rows0=$(vm_rows "$vm")
	t0=$(date +%s.%N)
	log "$name: measuring for $DURATION, then until the queues drain"
	line=$(bin/rwload "${args[@]}" -duration "$DURATION") || return 1
	log "  accepted by unyo: $line"
	for p in "${UPIDS[@]}"; do
		mem+="${mem:+,}$(rss "$p")"
	done
	reqs=$(( $(field requests "$line") - $(field errors "$line") ))
	await_rows "$vm" $((rows0 + reqs * BATCH)) || { log "$name: not every accepted sample reached VictoriaMetrics"; return 1; }
	t1=$(date +%s.%N)
	rate=$(awk -v n=$((reqs * BATCH)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", n / (b - a) }')
	log "  delivered to VictoriaMetrics: $((reqs * BATCH)) samples in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; RSS/peak MiB per replica: $mem"
	RESULT[$name]="$(sed "s/samples_per_sec=[0-9]*/samples_per_sec=$rate/" <<<"$line") rss_mib=$mem"
	stop_replicas
	stop_vm
	stop_pg
}

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# table prints samples/s per target and REF's ratio to each.
table() {
	local unyo_rate="" name line rate ratio
	[[ -n ${RESULT[$REF]:-} ]] && unyo_rate=$(field samples_per_sec "${RESULT[$REF]}")
	printf '%-18s %14s %8s %8s %8s %10s  %s\n' target samples/s p50_ms p99_ms errors "$REF/target" "RSS/peak MiB per unyo replica"
	for name in $TARGETS; do
		line=${RESULT[$name]:-}
		if [[ -z $line ]]; then
			printf '%-18s %14s\n' "$name" skipped
			continue
		fi
		rate=$(field samples_per_sec "$line")
		ratio=-
		if [[ -n $unyo_rate && $rate -gt 0 ]]; then
			ratio=$(awk -v u="$unyo_rate" -v r="$rate" 'BEGIN { printf "%.2fx", u / r }')
		fi
		printf '%-18s %14s %8s %8s %8s %10s  %s\n' "$name" "$rate" "$(field p50_ms "$line")" \
			"$(field p99_ms "$line")" "$(field errors "$line")" "$ratio" "$(field rss_mib "$line")"
	done
}

main() {
	mkdir -p bin bench/results
	go build -o bin/rwload ./bench/cmd/rwload
	if [[ $UNYO == bin/unyo && " $TARGETS " == *" unyo"* ]] && ! go build -o bin/unyo ./cmd/unyo; then
		log "unyo: does not build; it will be skipped"
		rm -f bin/unyo
	fi
	for name in $TARGETS; do
		# Functions run in an || list do not stop at the first failing
		# command, hence the explicit "|| return 1" in them.
		case $name in
		prometheus) run_prometheus ;;
		victoria-metrics) run_victoria_metrics ;;
		unyo) run_unyo ;;
		unyo-remote) run_unyo_remote 1 ;;
		unyo-remote-3) run_unyo_remote 3 ;;
		*) log "$name: unknown target, skipped" ;;
		esac || {
			log "$name: failed, skipped"
			stop
		}
	done
	local out
	out=bench/results/remotewrite-$(date -u +%Y%m%dT%H%M%SZ).txt
	{
		echo "# $SERIES series, $SENDERS senders, $BATCH series per request, $DURATION; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
		table
	} | tee "$out"
}

main "$@"
