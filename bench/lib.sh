# Shared by the bench/ scripts (sourced, not run): logging, a free loopback
# port, and waiting for a started process to answer.

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
