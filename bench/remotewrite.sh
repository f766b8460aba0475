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
# /proc/PID/status: VmRSS (steady state, with every series active), VmHWM
# (the peak since start) and VmRSS's split, RssAnon (anonymous: the Go heap,
# the collector's headroom, stacks) and RssFile (file-backed: memory-mapped
# chunks, blocks, index files, the binary; exe_mib: the binary's part of it,
# from /proc/PID/smaps), with the Go heap in use
# (go_memstats_heap_inuse_bytes of the target's /metrics; Prometheus,
# VictoriaMetrics and unyo are all Go), and the CPU time it used during the measure per
# sample it accepted (cpu_ns_per_sample, from /proc/PID/stat: the cost of a
# sample, which other work on a shared machine disturbs far less than the
# rate; not for unyo-remote targets, whose work goes on after rwload). For a target of several unyo replicas, rss_mib and
# hwm_mib are the sums over the replicas, and each replica's RSS/peak is in the
# round's line (replicas_mib=r1,r2,…).
#
# unyo's bench tenant has its series and ingest-rate limits lifted by API on
# every replica (each holds the overrides in memory): the default ingest
# limit (50,000 samples/s) would be measured instead of the server.
#
# Usage: bench/remotewrite.sh
# Environment: SERIES (200000), SENDERS (4), BATCH (2000), DURATION (30s),
#              TARGETS ("prometheus victoria-metrics unyo"; also unyo-remote:
#              unyo with --metrics-store remote forwarding into a
#              VictoriaMetrics of its own, and unyo-remote-3: three such
#              replicas on one throwaway PostgreSQL (bench/pg.sh) with one
#              sealing key, the load sent to each in turn), REF (unyo: the
#              target the ratio column divides by the others), UNYO
#              (bin/unyo, built from this tree; another path is run as it is:
#              an earlier build, for a before/after in one session; it runs
#              the targets unyo, unyo-remote and unyo-remote-3), ROUNDS (1: rounds over all
#              targets, back to back; the table gives each target's median
#              and every round's samples/s), PROFILE (a directory: UNYO's
#              heap profile, taken after the measure with a GC, and its
#              /metrics are kept there, one pair per round and replica),
#              UNYO_ARGS (more flags for UNYO's server, e.g. --gogc 30; not
#              given to UNYO_BASE's binary, which may not know them), UNYO_BASE
#              (another unyo binary, e.g. main's before a change: target
#              unyo-base runs it, in the same run as the others),
#              INTERVAL (rwload's -interval for the measure, e.g. 15s: one
#              sample per series per 15 s as from agents, where by default
#              each series takes samples as fast as the target answers; the
#              warm-up is not paced).
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
UNYO=${UNYO:-bin/unyo} # another binary (an earlier build) is run as it is, not built
UNYO_BASE=${UNYO_BASE:-}
INTERVAL=${INTERVAL:-}
ROUND=1

# unyo refuses admin passwords shorter than 12 characters.
ADMIN_PASSWORD=bench-admin-secret
WORK=$(mktemp -d -t unyo-rwbench.XXXXXX)
# shellcheck source=bench/pg.sh
. bench/pg.sh
PID=""
MURL=""   # the /metrics of PID, for its Go heap
VMPID=""  # the VictoriaMetrics behind unyo-remote and unyo-remote-3
UPIDS=()  # the unyo processes of the target running: one, or its replicas
UBASES=() # their base URLs
UPPROF=() # their profilers' ports (PROFILE), or empty
TOKEN=""  # the bench tenant's ingest token at the target running
declare -A RESULT # target.round -> rwload's line and the memory read after it

# shellcheck source=bench/lib.sh
. bench/lib.sh

# stop_all ends whatever a target left running.
stop_all() {
	stop
	stop_unyo
	stop_vm
	stop_pg
}
cleanup() {
	stop_all
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_ready waits for a target to answer (bench/lib.sh).
wait_ready() { await_url "$1" "$PID" "$2" 60; }

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
	local cpu0
	cpu0=$(current_cpu)
	local measure=(-duration "$DURATION")
	[[ -n $INTERVAL ]] && measure+=(-interval "$INTERVAL")
	line=$(bin/rwload "${args[@]}" "${measure[@]}") || return 1
	line="$line $(cpu_per_sample "$cpu0" "$line") $(current_memory) load1=$(cut -d' ' -f1 /proc/loadavg)"
	log "  $line"
	RESULT[$name.$ROUND]=$line
}

# memory PID [METRICS_URL [CURL_ARG...]] prints VmRSS, VmHWM, RssAnon and
# RssFile of process PID, and the program's own part of RssFile, in MiB, as
# rss_mib=… hwm_mib=… anon_mib=… file_mib=… exe_mib=…, and with a
# METRICS_URL (curl given the CURL_ARGs) the Go heap in use there as
# heap_mib=….
memory() {
	local pid=$1 url=${2:-} heap
	shift
	[[ $# -gt 0 ]] && shift
	awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } /^RssAnon:/ { anon = $2 } /^RssFile:/ { file = $2 }
		END { printf "rss_mib=%d hwm_mib=%d anon_mib=%d file_mib=%d", rss / 1024, hwm / 1024, anon / 1024, file / 1024 }' "/proc/$pid/status"
	# Of the file-backed part, what is the program's own text and data
	# (exe_mib), the rest being the files it maps (the TSDB's chunks and
	# indexes).
	awk -v exe="$(readlink "/proc/$pid/exe")" '
		/^[0-9a-f]+-[0-9a-f]+ / { cur = $6 } # a mapping: its path, if any
		/^Rss:/ && cur == exe { kb += $2 }
		END { printf " exe_mib=%d", kb / 1024 }' "/proc/$pid/smaps"
	[[ -n $url ]] || return 0
	heap=$(curl -fsS "$@" "$url" | awk '/^go_memstats_heap_inuse_bytes / { printf "%d", $2 / 1048576 }') || true
	printf ' heap_mib=%s' "${heap:--}"
}

# cpu_ticks prints the CPU time (user and system, in clock ticks) that the
# processes given have used so far.
cpu_ticks() {
	local p t=0
	for p in "$@"; do
		# Fields 14 and 15 of /proc/PID/stat, counted after the command
		# name's closing parenthesis.
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
	done
	echo "$t"
}

# current_cpu prints cpu_ticks of the target running (its unyo processes, or PID).
current_cpu() {
	if [[ ${#UPIDS[@]} -gt 0 ]]; then
		cpu_ticks "${UPIDS[@]}"
	else
		cpu_ticks "$PID"
	fi
}

# cpu_per_sample TICKS0 LINE prints the target's CPU time since TICKS0 per
# sample it accepted in rwload's LINE, as cpu_ns_per_sample=…: what a sample
# costs the server, which a machine shared with other work disturbs far
# less than the rate does.
cpu_per_sample() {
	local t1 ok
	t1=$(current_cpu)
	ok=$(($(field requests "$2") - $(field errors "$2")))
	awk -v d=$((t1 - $1)) -v hz="$(getconf CLK_TCK)" -v n=$((ok * BATCH)) \
		'BEGIN { printf "cpu_ns_per_sample=%d", (n > 0 ? d / hz * 1e9 / n : 0) }'
}

# current_memory prints the memory of the target running: its unyo
# processes' (unyo_memory) if it has any, else PID's.
current_memory() {
	if [[ ${#UPIDS[@]} -gt 0 ]]; then
		unyo_memory
	else
		memory "$PID" "$MURL"
	fi
}

# unyo_memory prints the memory of UPIDS as memory does one process (the Go
# heap from each one's /metrics); for several replicas the sums, then
# replicas_mib=RSS/peak of each, in MiB.
unyo_memory() {
	local auth=(-u "admin:$ADMIN_PASSWORD")
	if [[ ${#UPIDS[@]} -eq 1 ]]; then
		memory "${UPIDS[0]}" "${UBASES[0]}/metrics" "${auth[@]}"
		return
	fi
	local i m r h k v each="" out=""
	declare -A sum=()
	for i in "${!UPIDS[@]}"; do
		m=$(memory "${UPIDS[$i]}" "${UBASES[$i]}/metrics" "${auth[@]}")
		for k in rss_mib hwm_mib anon_mib file_mib exe_mib heap_mib; do
			v=$(field "$k" "$m")
			[[ $v =~ ^[0-9]+$ ]] || v=0
			sum[$k]=$((${sum[$k]:-0} + v))
		done
		r=$(field rss_mib "$m")
		h=$(field hwm_mib "$m")
		each+="${each:+,}$r/$h"
	done
	for k in rss_mib hwm_mib anon_mib file_mib exe_mib heap_mib; do
		out+="$k=${sum[$k]} "
	done
	printf '%sreplicas_mib=%s' "$out" "$each"
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
	MURL="http://127.0.0.1:$port/metrics"
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
	MURL="http://127.0.0.1:$port/metrics"
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

# start_unyo NAME BINARY PPROF DIR [FLAG...] starts one more unyo server of
# target NAME from BINARY, its data under DIR, with the FLAGs, waits until it
# is ready, and adds it to UPIDS, UBASES and UPPROF. PPROF (non-empty) says
# the binary is UNYO, which takes UNYO_ARGS and --debug-listen (for PROFILE).
start_unyo() {
	local name=$1 bin=$2 pprof=$3 dir=$4 port base pport="" extra=()
	shift 4
	if [[ -n $pprof ]]; then
		read -r -a extra <<<"$UNYO_ARGS"
		if [[ -n $PROFILE ]]; then
			pport=$(free_port)
			extra+=(--debug-listen "127.0.0.1:$pport")
		fi
	fi
	mkdir -p "$dir"
	port=$(free_port)
	base="http://127.0.0.1:$port"
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$bin" server --listen "127.0.0.1:$port" --data "$dir/data" --monitor-self=false \
		"$@" "${extra[@]}" >"$dir/log" 2>&1 &
	PID=$!
	UPIDS+=("$PID")
	UBASES+=("$base")
	UPPROF+=("$pport")
	log "$name: $bin on $base"
	wait_ready "$base/readyz" "$dir/log"
}

# stop_unyo ends the processes of UPIDS as stop does one target.
stop_unyo() {
	local p
	for p in "${UPIDS[@]}"; do
		PID=$p
		stop
	done
	UPIDS=() UBASES=() UPPROF=()
}

# bench_tenant NAME makes the tenant bench at the first of UBASES, lifts its
# limits at every one (each replica holds the overrides it loaded at start in
# memory, so all are told), and sets TOKEN to an ingest token of it.
bench_tenant() {
	local name=$1 base=${UBASES[0]} b
	curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"id":"bench","name":"Bench"}' "$base/api/v1/tenants" >/dev/null || return 1
	for b in "${UBASES[@]}"; do
		unlimit "$b" || return 1
	done
	TOKEN=$(curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d '{"name":"bench","tenant":"bench","scopes":["ingest"]}' "$base/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $TOKEN ]] || { log "$name: no token in the answer of /api/v1/tokens"; return 1; }
}

# keep_profiles NAME keeps, under PROFILE, the heap profile (after a GC) and
# the /metrics of each of UBASES that has a profiler: NAME-heap-ROUND.pb.gz
# and NAME-metrics-ROUND.txt, NAME-rI-… for replica I of several.
keep_profiles() {
	local name=$1 i f
	[[ -n $PROFILE ]] || return 0
	for i in "${!UBASES[@]}"; do
		[[ -n ${UPPROF[$i]} ]] || continue
		f=$name
		[[ ${#UBASES[@]} -gt 1 ]] && f=$name-r$((i + 1))
		mkdir -p "$PROFILE"
		curl -fsS -o "$PROFILE/$f-heap-$ROUND.pb.gz" "http://127.0.0.1:${UPPROF[$i]}/debug/pprof/heap?gc=1" || return 1
		curl -fsS -u "admin:$ADMIN_PASSWORD" -o "$PROFILE/$f-metrics-$ROUND.txt" "${UBASES[$i]}/metrics" || return 1
		log "$f: heap profile and metrics in $PROFILE"
	done
}

# run_unyo NAME BINARY [PPROF] runs unyo server from BINARY as target NAME,
# on its embedded TSDB; PPROF says the binary is UNYO (see start_unyo).
run_unyo() {
	local name=$1 bin=$2 pprof=${3:-}
	if [[ -z $bin ]]; then
		log "$name: no binary given (UNYO_BASE), skipped"
		return 0
	fi
	[[ -x $bin ]] || { log "$name: $bin is not an executable (or did not build), skipped"; return 0; }
	start_unyo "$name" "$bin" "$pprof" "$WORK/$name" || return 1
	bench_tenant "$name" || return 1
	load "$name" "${UBASES[0]}/api/v1/write" "$TOKEN" || return 1
	keep_profiles "$name" || return 1
	stop_unyo
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

# run_unyo_remote N is UNYO, N replicas, with --metrics-store remote in front
# of a VictoriaMetrics of its own: what unyo costs on the way into the store.
# One replica keeps its state in SQLite; several share a throwaway
# PostgreSQL (bench/pg.sh) and one sealing key, and the load goes to each in
# turn (rwload -url a,b,c), as behind a round-robin balancer.
run_unyo_remote() {
	local n=$1 name=unyo-remote
	[[ $n -gt 1 ]] && name=unyo-remote-$n
	local dir=$WORK/$name vmport i urls="" flags=()
	[[ -x $UNYO ]] || { log "$name: $UNYO is not an executable (or did not build), skipped"; return 0; }
	command -v victoria-metrics >/dev/null || { log "$name: victoria-metrics not installed (apt-get install victoria-metrics), skipped"; return 0; }
	mkdir -p "$dir"
	vmport=$(free_port)
	victoria-metrics -storageDataPath="$dir/vm" -httpListenAddr="127.0.0.1:$vmport" -loggerLevel=WARN >"$dir/vm.log" 2>&1 &
	VMPID=$!
	PID=$VMPID wait_ready "http://127.0.0.1:$vmport/health" "$dir/vm.log" || return 1
	flags=(--metrics-store remote --metrics-write-url "http://127.0.0.1:$vmport/api/v1/write"
		--metrics-query-url "http://127.0.0.1:$vmport")
	if [[ $n -gt 1 ]]; then
		start_pg || return 1
		openssl rand -hex 32 >"$dir/secret.key" 2>/dev/null ||
			head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret.key"
		chmod 600 "$dir/secret.key"
		flags+=(--database "$PGDSN" --secret-key-file "$dir/secret.key")
	fi
	for i in $(seq "$n"); do
		start_unyo "$name" "$UNYO" pprof "$dir/r$i" --replica-id "r$i" "${flags[@]}" || return 1
		urls+="${urls:+,}${UBASES[$((i - 1))]}/api/v1/write"
	done
	bench_tenant "$name" || return 1
	# unyo answers once a request is queued for the store, so its own rate
	# would count the queue: the rate recorded is what reached
	# VictoriaMetrics, from the start of the measure until every replica's
	# queue drained.
	local vm="http://127.0.0.1:$vmport" args line mem reqs rows0 t0 t1 rate
	args=(-url "$urls" -target "$name" -series "$SERIES" -senders "$SENDERS" -batch "$BATCH" -bearer "$TOKEN")
	log "$name: warming up (one round over $SERIES series), until VictoriaMetrics holds it"
	bin/rwload "${args[@]}" -rounds 1 -duration 10m | sed 's/^/  warm-up: /' >&2 || return 1
	await_rows "$vm" "$SERIES" || { log "$name: the warm-up did not reach VictoriaMetrics"; return 1; }
	rows0=$(vm_rows "$vm")
	t0=$(date +%s.%N)
	log "$name: measuring for $DURATION, then until the queues drain"
	line=$(bin/rwload "${args[@]}" -duration "$DURATION") || return 1
	mem="$(unyo_memory) load1=$(cut -d' ' -f1 /proc/loadavg)"
	log "  accepted by unyo: $line $mem"
	reqs=$(($(field requests "$line") - $(field errors "$line")))
	await_rows "$vm" $((rows0 + reqs * BATCH)) || { log "$name: not every accepted sample reached VictoriaMetrics"; return 1; }
	t1=$(date +%s.%N)
	rate=$(awk -v n=$((reqs * BATCH)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", n / (b - a) }')
	log "  delivered to VictoriaMetrics: $((reqs * BATCH)) samples in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	RESULT[$name.$ROUND]="$(sed "s/samples_per_sec=[0-9]*/samples_per_sec=$rate/" <<<"$line") $mem"
	keep_profiles "$name" || return 1
	stop_unyo
	stop_vm
	stop_pg
}

# field, median, stat, ratio and round_lines are bench/lib.sh's.

# table prints per target the median over the rounds of samples/s, latency,
# CPU per sample and memory (RSS, its anonymous and file-backed parts, the
# Go heap in use, the peak), REF's ratio to each in samples/s and in RSS, and each round's
# samples/s.
table() {
	local ref_rate ref_rss name rate rss cpu ratio mratio r rounds
	ref_rate=$(stat "$REF" samples_per_sec)
	ref_rss=$(stat "$REF" rss_mib)
	local w=$((${#REF} + 5)) # the ratio columns, as wide as their heading
	[[ $w -ge 10 ]] || w=10
	printf "%-18s %12s %8s %8s %6s %8s %8s %8s %8s %8s %8s %8s %${w}s %${w}s  %s\n" target samples/s p50_ms p99_ms errors cpu_ns rss_mib anon_mib file_mib exe_mib heap_mib hwm_mib "$REF/rate" "$REF/rss" rounds
	for name in $TARGETS; do
		rate=$(stat "$name" samples_per_sec)
		if [[ -z $rate ]]; then
			printf '%-18s %12s\n' "$name" skipped
			continue
		fi
		rss=$(stat "$name" rss_mib)
		ratio=- mratio=-
		if [[ -n $ref_rate && $rate -gt 0 ]]; then
			ratio=$(ratio "$ref_rate" "$rate")
		fi
		if [[ -n $ref_rss && ${rss:-0} -gt 0 ]]; then
			mratio=$(ratio "$ref_rss" "$rss")
		fi
		rounds=""
		for r in $(seq "$ROUNDS"); do
			rounds+="$(field samples_per_sec "${RESULT[$name.$r]:-}") "
		done
		cpu=$(stat "$name" cpu_ns_per_sample)
		printf "%-18s %12s %8s %8s %6s %8s %8s %8s %8s %8s %8s %8s %${w}s %${w}s  %s\n" "$name" "$rate" "$(stat "$name" p50_ms)" \
			"$(stat "$name" p99_ms)" "$(stat "$name" errors)" "${cpu:--}" "${rss:--}" "$(stat "$name" anon_mib)" \
			"$(stat "$name" file_mib)" "$(stat "$name" exe_mib)" "$(stat "$name" heap_mib)" "$(stat "$name" hwm_mib)" "$ratio" "$mratio" "$rounds"
	done
}

main() {
	mkdir -p bin bench/results
	go build -o bin/rwload ./bench/cmd/rwload
	# The build tags of `make build` (make exports them; by hand, the Makefile's).
	GOFLAGS=$(scripts/goflags.sh)
	export GOFLAGS
	if [[ $UNYO == bin/unyo && " $TARGETS " == *" unyo"* ]] && ! go build -o bin/unyo ./cmd/unyo; then
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
			unyo) run_unyo unyo "$UNYO" pprof ;;
			unyo-base) run_unyo unyo-base "$UNYO_BASE" ;;
			unyo-remote) run_unyo_remote 1 ;;
			unyo-remote-3) run_unyo_remote 3 ;;
			*) log "$name: unknown target, skipped" ;;
			esac || {
				log "$name: failed, skipped"
				stop_all
			}
			rm -rf "${WORK:?}/$name" "${WORK:?}/pg"
		done
	done
	local out UNYO_NOTE=""
	[[ $UNYO == bin/unyo ]] || UNYO_NOTE="; UNYO=$UNYO"
	out=bench/results/remotewrite-$(date -u +%Y%m%dT%H%M%SZ).txt
	{
		echo "# $SERIES series, $SENDERS senders, $BATCH series per request, $DURATION, $ROUNDS round(s); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)${INTERVAL:+; rwload -interval $INTERVAL}${UNYO_ARGS:+; unyo $UNYO_ARGS}${UNYO_NOTE}"
		table
		echo "# every round: rwload's line, then the memory and the 1-minute load read after the measure"
		round_lines
	} | tee "$out"
}

main "$@"
