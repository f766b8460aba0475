#!/usr/bin/env bash
# The host agent against node_exporter: CPU time and resident memory of
# the slim `unyo-agent` binary (cmd/unyo-agent) and of Debian's
# prometheus-node-exporter, run side by side for
# the same DURATION at the same INTERVAL on this machine.
#
# The agent gets the work it does on a real host: the os item, one HTTP check
# against a loopback server, and one log item tailing a file appended to at
# RATE lines a second (one in twenty WARN, one in twenty ERROR, both reported),
# pushing to a unyo server started here with an empty data directory.
# node_exporter runs with its default collectors and is scraped every
# INTERVAL, body discarded, as Prometheus would. Only the agent and
# node_exporter are measured (bench/cmd/agentload measure): CPU as
# utime+stime of /proc/PID/stat over each process's whole life, memory as
# VmRSS sampled every SAMPLE and VmHWM at the end. The unyo server and the
# load generators run on the same cores but are not counted.
#
# Usage: bench/agent.sh
# Environment: DURATION (5m, at most 2h), INTERVAL (15s), RATE (20),
#              SAMPLE (5s), NODE_EXPORTER (/usr/bin/prometheus-node-exporter, Debian's
#              prometheus-node-exporter), AGENT_FLAGS (more flags for the agent,
#              e.g. "-cpuprofile /tmp/agent.pprof" to profile the run).
# Needs: curl, jq (to check what the agent delivered), prometheus-node-exporter.
# The table is printed and kept in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5m}
INTERVAL=${INTERVAL:-15s}
RATE=${RATE:-20}
SAMPLE=${SAMPLE:-5s}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
AGENT_FLAGS=${AGENT_FLAGS:-}

# unyo refuses admin passwords shorter than 12 characters.
ADMIN_PASSWORD=bench-admin-secret
WORK=$(mktemp -d -t unyo-agentbench.XXXXXX)
PIDS=() # started here, stopped in reverse order

# shellcheck source=bench/lib.sh
. bench/lib.sh

# stop_all ends what was started, last first: politely, then after 15 s for good.
stop_all() {
	local i pid
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}
cleanup() {
	stop_all
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_ready waits for a target to answer (bench/lib.sh).
wait_ready() { await_url "$1" "$2" "$3" 30; }

# seconds turns a Go duration of s, m or h into seconds.
seconds() {
	case $1 in
	*h) echo $((${1%h} * 3600)) ;;
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) log "$1: want a duration like 90s, 5m or 1h"; return 1 ;;
	esac
}

admin() { curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' "$@"; }

# start_server starts unyo server and gives it the tenant, the host and an
# ingest token; it sets BASE and TOKEN.
start_server() {
	local port
	port=$(free_port)
	BASE="http://127.0.0.1:$port"
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$WORK/unyo" server --listen "127.0.0.1:$port" \
		--data "$WORK/server" --monitor-self=false >"$WORK/server.log" 2>&1 &
	PIDS+=($!)
	wait_ready "$BASE/readyz" "$!" "$WORK/server.log"
	# Under load the admin account may lag readiness by a moment.
	for _ in $(seq 20); do
		admin -o /dev/null "$BASE/api/v1/whoami" 2>/dev/null && break
		sleep 0.5
	done
	admin -d '{"id":"bench","name":"Bench"}' "$BASE/api/v1/tenants" >/dev/null
	admin -d '{"name":"bench-host","kind":"host","labels":{"os":"linux"}}' \
		"$BASE/api/v1/tenants/bench/resources" >/dev/null
	TOKEN=$(admin -d '{"name":"agent","tenant":"bench","scopes":["ingest"]}' "$BASE/api/v1/tokens" |
		sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
	[[ -n $TOKEN ]] || { log "no token in the answer of /api/v1/tokens"; return 1; }
}

# start_load starts the HTTP server the agent checks and the log writer; it
# sets CHECK_URL.
start_load() {
	local port secs
	port=$(free_port)
	secs=$(seconds "$DURATION")
	CHECK_URL="http://127.0.0.1:$port/"
	: >"$WORK/app.log"
	bin/agentload serve -listen "127.0.0.1:$port" -log "$WORK/app.log" -rate "$RATE" \
		-duration "$((secs + 120))s" 2>"$WORK/load.log" &
	PIDS+=($!)
	wait_ready "$CHECK_URL" "$!" "$WORK/load.log"
}

write_agent_config() {
	cat >"$WORK/agent.yml" <<EOF
server: $BASE
token: $TOKEN
host: bench-host
interval: $INTERVAL
buffer:
  dir: $WORK/buffer
items:
  - name: os
    kind: os
    interval: $INTERVAL
  - name: shop-home
    kind: http
    interval: $INTERVAL
    timeout: 5s
    url: $CHECK_URL
    expect_status: 200
    body_match: Welcome
  - name: app-log
    kind: log
    glob: $WORK/app.log
    patterns:
      - regex: "ERROR .* timeout"
        severity: critical
        name: gateway-timeout
      - regex: "WARN"
        severity: warning
EOF
}

# start_measured starts node_exporter and the agent, one right after the
# other; it sets NE_PID, NE_URL and AGENT_PID.
start_measured() {
	local port
	port=$(free_port)
	NE_URL="http://127.0.0.1:$port/metrics"
	"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" --log.level=warn >"$WORK/node_exporter.log" 2>&1 &
	NE_PID=$!
	PIDS+=($!)
	"$WORK/unyo-agent" -config "$WORK/agent.yml" $AGENT_FLAGS >"$WORK/agent.log" 2>&1 &
	AGENT_PID=$!
	PIDS+=($!)
	# The landing page, not /metrics: readiness must not count as a scrape.
	wait_ready "http://127.0.0.1:$port/" "$NE_PID" "$WORK/node_exporter.log"
	sleep 1
	kill -0 "$AGENT_PID" 2>/dev/null || { log "the agent exited:"; tail -n 20 "$WORK/agent.log" >&2; return 1; }
}

# check_work says what the agent delivered to the server, so that a cheap
# agent cannot be an idle one.
check_work() {
	local q
	command -v jq >/dev/null || { log "jq not installed: what the agent delivered is not checked"; return 0; }
	echo "# delivered by the agent to unyo server:"
	for q in 'count(node_cpu_seconds_total{host="bench-host"})' 'unyo_check_up{item="shop-home"}' \
		'max(unyo_log_lines_read_total{item="app-log"})' 'sum(unyo_log_matches_total{item="app-log"})'; do
		printf '#   %s = %s\n' "$q" "$(admin -G --data-urlencode "query=$q" "$BASE/api/v1/query" |
			jq -r '[.data.result[].value[1]] | join(",") | if . == "" then "none" else . end')"
	done
	printf '#   log events stored = %s\n' "$(admin "$BASE/api/v1/tenants/bench/events?item=app-log&limit=10000" | jq 'length')"
	printf '#   agent log lines at level ERROR = %s\n' "$(grep -c 'level=ERROR' "$WORK/agent.log" || true)"
}

main() {
	local secs out
	secs=$(seconds "$DURATION")
	((secs >= 30 && secs <= 7200)) || { log "DURATION $DURATION: want 30s to 2h"; return 1; }
	[[ -x $NODE_EXPORTER ]] || { log "$NODE_EXPORTER missing: apt-get install prometheus-node-exporter"; return 1; }
	mkdir -p bin bench/results
	make -s build build-agent
	go build -o bin/agentload ./bench/cmd/agentload
	# Copies, so that a rebuild during the run changes nothing.
	cp bin/unyo "$WORK/unyo"
	cp bin/unyo-agent "$WORK/unyo-agent"

	start_server
	start_load
	write_agent_config
	start_measured
	local load_before
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	log "measuring for $DURATION: agent pid $AGENT_PID, node_exporter pid $NE_PID, load $load_before"
	out=bench/results/agent-$(date -u +%Y%m%dT%H%M%SZ).txt
	{
		echo "# $(date -u +%FT%TZ) $("$WORK/unyo-agent" version), $("$NODE_EXPORTER" --version 2>&1 | head -n 1)"
		echo "# DURATION=$DURATION INTERVAL=$INTERVAL RATE=$RATE lines/s; $(nproc) CPUs; load before $load_before"
		bin/agentload measure -pid "agent=$AGENT_PID" -pid "node_exporter=$NE_PID" -scrape "$NE_URL" \
			-interval "$INTERVAL" -duration "$DURATION" -sample "$SAMPLE" -clk-tck "$(getconf CLK_TCK)"
		echo "# load after $(cut -d' ' -f1-3 /proc/loadavg)"
		check_work
	} | tee "$out"
}

main "$@"
