#!/usr/bin/env bash
# The cost of the program itself, before it holds any data: for each of
# BINARIES, its size (size -A: the loaded sections; go tool nm -size: code and
# read-only symbols summed by package — the Kubernetes client's modules, the
# rest), then ROUNDS rounds, the binaries interleaved in each round (a b a b
# …), of an idle server just started: started with an empty temporary data
# directory on a free 127.0.0.1 port, as bench/remotewrite.sh starts unyo,
# read as soon as /readyz answers — VmRSS and its split RssAnon / RssFile
# (/proc/PID/status), the program's own part of RssFile (exe, from
# /proc/PID/smaps), the Go heap in use (go_memstats_heap_inuse_bytes of its
# /metrics) and the time from start to ready — and stopped. The table gives
# each binary's medians, then every round's line, with the 1-minute load.
#
# Usage: BINARIES="before=/tmp/unyo-before after=/tmp/unyo-after" ROUNDS=3 bash bench/idle.sh
# Environment: BINARIES (NAME=PATH …; default unyo=bin/unyo), ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

BINARIES=${BINARIES:-unyo=bin/unyo}
ROUNDS=${ROUNDS:-3}
ADMIN_PASSWORD=idle-bench-admin-password
WORK=$(mktemp -d /tmp/unyo-idle-XXXXXX)
PID=""

trap 'stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# sizes PATH prints the file's size and its loaded sections, in MB.
sizes() {
	printf 'file_mb=%.1f ' "$(awk -v b="$(wc -c <"$1")" 'BEGIN { print b / 1e6 }')"
	size -A "$1" | awk '$1 == ".text" || $1 == ".rodata" || $1 == ".gopclntab" || $1 == ".data" || $1 == ".noptrdata" {
			sub(/^\./, "", $1); v[$1] = $2; if ($1 != "data" && $1 != "noptrdata") loaded += $2 }
		END { printf "text_mb=%.1f rodata_mb=%.1f gopclntab_mb=%.1f text+rodata+pclntab_mb=%.1f", v["text"] / 1e6, v["rodata"] / 1e6, v["gopclntab"] / 1e6, loaded / 1e6 }'
}

# packages PATH sums the code and read-only symbols (nm types T t R r) by
# package, in MB: k8s.io/api, client-go, apimachinery, the rest of the
# Kubernetes client's modules (klog, kube-openapi, utils, sigs.k8s.io,
# gnostic-models, go-openapi, go-restful, json-patch), and everything else.
packages() {
	go tool nm -size "$1" | awk '
		$3 ~ /^[TtRr]$/ {
			n = $4
			sub(/^(type:|go:itab\.|go:string\.|type:\.eq\.|type:\.hash\.)/, "", n)
			sub(/^\*+/, "", n)
			if (n ~ /^k8s\.io\/api\//) g = "k8s_api"
			else if (n ~ /^k8s\.io\/client-go\//) g = "client_go"
			else if (n ~ /^k8s\.io\/apimachinery\//) g = "apimachinery"
			else if (n ~ /^(k8s\.io\/|sigs\.k8s\.io\/|github\.com\/google\/gnostic-models|github\.com\/go-openapi\/|github\.com\/emicklei\/go-restful|gopkg\.in\/evanphx\/json-patch)/) g = "k8s_other"
			else g = "rest"
			s[g] += $2; total += $2
		}
		END { printf "k8s_api_mb=%.1f client_go_mb=%.1f apimachinery_mb=%.1f k8s_other_mb=%.1f k8s_all_mb=%.1f rest_mb=%.1f nm_total_mb=%.1f",
			s["k8s_api"] / 1e6, s["client_go"] / 1e6, s["apimachinery"] / 1e6, s["k8s_other"] / 1e6,
			(s["k8s_api"] + s["client_go"] + s["apimachinery"] + s["k8s_other"]) / 1e6, s["rest"] / 1e6, total / 1e6 }'
}

# idle NAME PATH DIR starts the server, reads it once ready, and stops it.
idle() {
	local name=$1 bin=$2 dir=$3 port base t0 t1 heap
	mkdir -p "$dir"
	port=$(free_port)
	base="http://127.0.0.1:$port"
	t0=$(date +%s%N)
	UNYO_ADMIN_PASSWORD=$ADMIN_PASSWORD "$bin" server --listen "127.0.0.1:$port" --data "$dir/data" --monitor-self=false \
		>"$dir/log" 2>&1 &
	PID=$!
	await_url "$base/readyz" "$PID" "$dir/log" 60
	t1=$(date +%s%N)
	printf '%s ' "$name"
	awk '/^VmRSS:/ { rss = $2 } /^RssAnon:/ { anon = $2 } /^RssFile:/ { file = $2 }
		END { printf "rss_mib=%.1f anon_mib=%.1f file_mib=%.1f", rss / 1024, anon / 1024, file / 1024 }' "/proc/$PID/status"
	awk -v exe="$(readlink "/proc/$PID/exe")" '
		/^[0-9a-f]+-[0-9a-f]+ / { cur = $6 }
		/^Rss:/ && cur == exe { kb += $2 }
		END { printf " exe_mib=%.1f", kb / 1024 }' "/proc/$PID/smaps"
	heap=$(curl -fsS -u "admin:$ADMIN_PASSWORD" "$base/metrics" | awk '/^go_memstats_heap_inuse_bytes / { printf "%.1f", $2 / 1048576 }') || true
	printf ' heap_mib=%s ready_ms=%d load1=%s\n' "${heap:--}" $(((t1 - t0) / 1000000)) "$(cut -d' ' -f1 /proc/loadavg)"
	stop
}

echo "# bench/idle.sh $(date -u +%FT%TZ) ROUNDS=$ROUNDS"
for b in $BINARIES; do
	echo "# size ${b%%=*}: $(sizes "${b#*=}") $(packages "${b#*=}")"
done
lines=()
for r in $(seq "$ROUNDS"); do
	for b in $BINARIES; do
		line=$(idle "${b%%=*}" "${b#*=}" "$WORK/${b%%=*}-$r")
		log "  round $r: $line"
		lines+=("$line")
	done
done
printf '%-10s %8s %8s %8s %8s %8s %9s\n' binary rss_mib anon_mib file_mib exe_mib heap_mib ready_ms
for b in $BINARIES; do
	name=${b%%=*}
	row=("$name")
	for k in rss_mib anon_mib file_mib exe_mib heap_mib ready_ms; do
		vals=()
		for l in "${lines[@]}"; do
			[[ ${l%% *} == "$name" ]] && vals+=("$(field "$k" "$l")")
		done
		row+=("$(median "${vals[@]}")")
	done
	printf '%-10s %8s %8s %8s %8s %8s %9s\n' "${row[@]}"
done
printf '# %s\n' "${lines[@]}"
