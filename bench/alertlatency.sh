#!/usr/bin/env bash
# Alert latency, side by side: from the remote-write request that takes a
# host's CPU over 90 to the webhook notification about it, for unyo and for
# Prometheus + Alertmanager (Debian's packages) on the same scenario, once
# with their defaults and once with their fastest settings. Each target is
# started in turn on free 127.0.0.1 ports with empty temporary data
# directories, measured by bench/cmd/alertlat, and stopped.
#
# Scenario: HOSTS hosts push bench_cpu=20 for a warm-up, then one host every
# PACE is taken to 95 by one remote-write request (the one timed); every
# host's current value is pushed again every second. An alert not notified
# within TIMEOUT of its crossing is undelivered. Alertmanager groups by host,
# so each host is its own notification, as in unyo.
#
# Usage: bench/alertlatency.sh
# Environment: HOSTS (200), DEFAULT_HOSTS (30, for Prometheus's 1 m
#              evaluation), PACE (300ms), TIMEOUT (120s),
#              TARGETS ("unyo prom-default prom-fast"; also unyo-remote:
#              unyo on VictoriaMetrics, and unyo-remote-3: three replicas
#              on one PostgreSQL and VictoriaMetrics, pushed to in turn),
#              REF (unyo: the target whose p99 the others are compared to).
# The table is printed and kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

HOSTS=${HOSTS:-200}
DEFAULT_HOSTS=${DEFAULT_HOSTS:-30}
PACE=${PACE:-300ms}
TIMEOUT=${TIMEOUT:-120s}
TARGETS=${TARGETS:-unyo prom-default prom-fast}
REF=${REF:-unyo}

# unyo refuses admin passwords shorter than 12 characters.
ADMIN_PASSWORD=bench-admin-secret
WORK=$(mktemp -d -t unyo-alertlat.XXXXXX)
# shellcheck source=bench/pg.sh
. bench/pg.sh
PIDS=()
declare -A RESULT

# shellcheck source=bench/lib.sh
. bench/lib.sh

# stop ends every process started for the current target: politely, then
# after 30 s for good.
stop() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 60); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}
cleanup() {
	stop
	stop_pg
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_ready waits for a target to answer (bench/lib.sh).
wait_ready() { await_url "$1" "$2" "$3" 60; }

# measure NAME HOSTS ARGS... runs alertlat and keeps its result line.
measure() {
	local name=$1 hosts=$2 line
	shift 2
	line=$(bin/alertlat -target "$name" -hosts "$hosts" -pace "$PACE" -timeout "$TIMEOUT" \
		-out "$WORK/$name.tsv" "$@") || return 1
	log "  $line"
	RESULT[$name]=$line
	cp "$WORK/$name.tsv" "bench/results/alertlat-$STAMP-$name.tsv"
}

run_unyo() {
	local dir=$WORK/unyo port base
	[[ -x bin/unyo ]] || { log "unyo: bin/unyo did not build, skipped"; return 0; }
	mkdir -p "$dir"
	port=$(free_port)
	base="http://127.0.0.1:$port"
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD bin/unyo server --listen "127.0.0.1:$port" --data "$dir/data" \
		--monitor-self=false --log-level warn --outbound-allow 127.0.0.0/8 >"$dir/log" 2>&1 &
	PIDS+=($!)
	wait_ready "$base/readyz" "${PIDS[0]}" "$dir/log" || return 1
	log "unyo: $HOSTS alerts (defaults: UNYO_NOTIFY_POLL=${UNYO_NOTIFY_POLL:-1s}, UNYO_NOTIFY_GROUP_WINDOW=${UNYO_NOTIFY_GROUP_WINDOW:-10s})"
	measure unyo "$HOSTS" -unyo "$base" -unyo-admin-password "$ADMIN_PASSWORD" -warmup 5s || return 1
	stop
}

# run_unyo_remote N is unyo with --metrics-store remote into a
# VictoriaMetrics of its own: one replica on SQLite, or N replicas on one
# PostgreSQL with the pushes sent to each in turn (alertlat -unyo-replica),
# as behind a round-robin balancer. Each replica's RSS at the end is logged.
run_unyo_remote() {
	local n=$1 name=unyo-remote
	[[ $n -gt 1 ]] && name=unyo-remote-$n
	local dir=$WORK/$name vmport port base i db=() replicas=() first=""
	[[ -x bin/unyo ]] || { log "$name: bin/unyo did not build, skipped"; return 0; }
	command -v victoria-metrics >/dev/null || { log "$name: victoria-metrics not installed, skipped"; return 0; }
	mkdir -p "$dir"
	vmport=$(free_port)
	victoria-metrics -storageDataPath="$dir/vm" -httpListenAddr="127.0.0.1:$vmport" -loggerLevel=WARN \
		-search.latencyOffset=0 >"$dir/vm.log" 2>&1 &
	PIDS+=($!)
	wait_ready "http://127.0.0.1:$vmport/health" "${PIDS[0]}" "$dir/vm.log" || return 1
	if [[ $n -gt 1 ]]; then
		start_pg || return 1
		head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret.key"
		chmod 600 "$dir/secret.key"
		db=(--database "$PGDSN" --secret-key-file "$dir/secret.key")
	fi
	for i in $(seq "$n"); do
		port=$(free_port)
		base="http://127.0.0.1:$port"
		UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD bin/unyo server --listen "127.0.0.1:$port" --data "$dir/data$i" \
			--monitor-self=false --log-level warn --outbound-allow 127.0.0.0/8 --replica-id "r$i" "${db[@]}" \
			--metrics-store remote --metrics-write-url "http://127.0.0.1:$vmport/api/v1/write" \
			--metrics-query-url "http://127.0.0.1:$vmport" >"$dir/log$i" 2>&1 &
		PIDS+=($!)
		wait_ready "$base/readyz" "${PIDS[-1]}" "$dir/log$i" || return 1
		if [[ -z $first ]]; then
			first=$base
		else
			replicas+=(-unyo-replica "$base")
		fi
	done
	log "$name: $HOSTS alerts, $n replica(s)"
	measure "$name" "$HOSTS" -unyo "$first" "${replicas[@]}" -unyo-admin-password "$ADMIN_PASSWORD" -warmup 5s || return 1
	local p mem=""
	for p in "${PIDS[@]:1}"; do
		mem+="${mem:+,}$(awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.0f/%.0f", r / 1024, h / 1024 }' "/proc/$p/status")"
	done
	log "  RSS/peak MiB per replica: $mem"
	RESULT[$name]+=" rss_mib=$mem"
	stop
	stop_pg
}

# run_prom NAME HOSTS EVAL GROUP_WAIT GROUP_INTERVAL [PROMETHEUS FLAGS...]
run_prom() {
	local name=$1 hosts=$2 eval=$3 gwait=$4 ginterval=$5
	shift 5
	local dir=$WORK/$name pport aport rport
	command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null || {
		log "$name: not installed (apt-get install prometheus prometheus-alertmanager), skipped"
		return 0
	}
	mkdir -p "$dir"
	pport=$(free_port)
	aport=$(free_port)
	rport=$(free_port)
	cat >"$dir/alertmanager.yml" <<-YAML
		route:
		  receiver: bench
		  group_by: ['host']
		  group_wait: $gwait
		  group_interval: $ginterval
		  repeat_interval: 4h
		receivers:
		  - name: bench
		    webhook_configs:
		      - url: http://127.0.0.1:$rport/alertmanager
		        send_resolved: false
	YAML
	cat >"$dir/rules.yml" <<-YAML
		groups:
		  - name: bench
		    rules:
		      - alert: BenchCPU
		        expr: bench_cpu > 90
		        for: 0s
	YAML
	{
		if [[ $eval != default ]]; then
			printf 'global:\n  evaluation_interval: %s\n' "$eval"
		fi
		printf 'rule_files: [%s]\n' "$dir/rules.yml"
		printf 'alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:%s"]\n' "$aport"
	} >"$dir/prometheus.yml"
	prometheus-alertmanager --config.file="$dir/alertmanager.yml" --storage.path="$dir/am" \
		--web.listen-address="127.0.0.1:$aport" --cluster.listen-address= --log.level=warn >"$dir/am.log" 2>&1 &
	PIDS+=($!)
	wait_ready "http://127.0.0.1:$aport/-/ready" "${PIDS[0]}" "$dir/am.log" || return 1
	prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$pport" --web.enable-remote-write-receiver \
		--log.level=warn "$@" >"$dir/prom.log" 2>&1 &
	PIDS+=($!)
	wait_ready "http://127.0.0.1:$pport/-/ready" "${PIDS[1]}" "$dir/prom.log" || return 1
	log "$name: $hosts alerts (evaluation_interval $eval, group_wait $gwait, group_interval $ginterval${*:+, $*})"
	measure "$name" "$hosts" -listen "127.0.0.1:$rport" -write-url "http://127.0.0.1:$pport/api/v1/write" -warmup 10s || return 1
	stop
}

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# table prints the latencies per target and unyo's p99 as a ratio to each.
table() {
	local unyo_p99="" name line p99 ratio
	[[ -n ${RESULT[$REF]:-} ]] && unyo_p99=$(field p99_ms "${RESULT[$REF]}")
	printf '%-13s %7s %10s %10s %10s %10s %10s %12s  %s\n' target alerts delivered p50_ms p90_ms p99_ms max_ms "${REF}_p99/p99" "RSS/peak MiB per replica"
	for name in $TARGETS; do
		line=${RESULT[$name]:-}
		if [[ -z $line ]]; then
			printf '%-13s %7s\n' "$name" skipped
			continue
		fi
		p99=$(field p99_ms "$line")
		ratio=$(awk -v u="$unyo_p99" -v r="$p99" 'BEGIN { if (u ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && r > 0) printf "%.4f", u / r; else print "-" }')
		printf '%-13s %7s %10s %10s %10s %10s %10s %12s  %s\n' "$name" "$(field alerts "$line")" "$(field delivered "$line")" \
			"$(field p50_ms "$line")" "$(field p90_ms "$line")" "$p99" "$(field max_ms "$line")" "$ratio" "$(field rss_mib "$line")"
	done
}

main() {
	mkdir -p bin bench/results
	STAMP=$(date -u +%Y%m%dT%H%M%SZ)
	go build -o bin/alertlat ./bench/cmd/alertlat
	if [[ " $TARGETS " == *" unyo"* ]] && ! make -s build; then
		log "unyo: does not build; it will be skipped"
		rm -f bin/unyo
	fi
	for name in $TARGETS; do
		# Functions run in an || list do not stop at the first failing
		# command, hence the explicit "|| return 1" in them.
		case $name in
		unyo) run_unyo ;;
		unyo-remote) run_unyo_remote 1 ;;
		unyo-remote-3) run_unyo_remote 3 ;;
		prom-default) run_prom prom-default "$DEFAULT_HOSTS" default 30s 5m ;;
		prom-fast) run_prom prom-fast "$HOSTS" 1s 0s 1s --rules.alert.resend-delay=1s ;;
		*) log "$name: unknown target, skipped" ;;
		esac || {
			log "$name: failed, skipped"
			stop
		}
	done
	local out=bench/results/alertlat-$STAMP.txt
	{
		echo "# $HOSTS alerts ($DEFAULT_HOSTS for prom-default), one every $PACE, timeout $TIMEOUT; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
		table
	} | tee "$out"
}

main "$@"
