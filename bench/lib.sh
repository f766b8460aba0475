# Shared by the bench/ scripts (sourced, not run): logging, a free loopback
# port, waiting for a started process to answer, and the result tables'
# medians and per-round lines (remotewrite.sh, replay.sh).

log() { printf '%s\n' "$*" >&2; }

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

# await_url URL PID LOGFILE SECONDS polls URL every 0.1 s until it answers
# 2xx, for at most SECONDS, and fails early, with the end of LOGFILE, if
# the process PID died.
await_url() {
	local url=$1 pid=$2 logfile=$3 secs=$4
	for _ in $(seq $((secs * 10))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "pid $pid exited; the end of its log:"
			tail -n 20 "$logfile" >&2
			return 1
		fi
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	log "$url not ready after $secs s"
	return 1
}

# The result tables: each script keeps one line of key=value fields per
# target and round in RESULT[NAME.ROUND], for ROUNDS rounds over TARGETS.

# field KEY LINE prints KEY's value in LINE.
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# median prints the median of its arguments (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# stat NAME FIELD prints the median of FIELD over NAME's rounds, or nothing if none ran.
stat() {
	local name=$1 f=$2 r vals=()
	for r in $(seq "$ROUNDS"); do
		[[ -n ${RESULT[$name.$r]:-} ]] && vals+=("$(field "$f" "${RESULT[$name.$r]}")")
	done
	[[ ${#vals[@]} -gt 0 ]] && median "${vals[@]}"
	return 0
}

# ratio A B prints A / B as 1.23x.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# round_lines prints every round's line of every target, "# ROUND LINE".
round_lines() {
	local r name
	for r in $(seq "$ROUNDS"); do
		for name in $TARGETS; do
			[[ -n ${RESULT[$name.$r]:-} ]] && echo "# $r ${RESULT[$name.$r]}"
		done
	done
	return 0
}

# stop ends the process in $PID, the server a script started last: politely,
# then after 30 s for good; PID is emptied.
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
