# Sourced by the bench scripts: a throwaway PostgreSQL (Debian's postgresql)
# for targets of several unyo replicas. Needs WORK (the script's temporary
# directory) and log.
PGPID=""  # the PostgreSQL of the replicas
PGBIN=""
PGDIR=""

# as_postgres runs a command as the user postgres when this script runs as
# root (initdb and postgres refuse root), else as is.
as_postgres() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# start_pg runs a throwaway PostgreSQL (Debian's postgresql) on a Unix
# socket under $WORK/pg, without fsync as the tests' cluster, and sets PGDSN.
start_pg() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
	[[ -x $PGBIN/initdb ]] || { log "postgresql not installed (apt-get install postgresql)"; return 1; }
	PGDIR=$WORK/pg
	mkdir -p "$PGDIR"
	if [[ $(id -u) == 0 ]]; then
		chmod 755 "$WORK"
		chown -R postgres: "$PGDIR"
	fi
	as_postgres "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$WORK/initdb.log" 2>&1 || {
		log "initdb failed:"
		tail -n 20 "$WORK/initdb.log" >&2
		return 1
	}
	as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -o "-k $PGDIR -c listen_addresses= -c max_connections=300 -c fsync=off -c synchronous_commit=off" start >/dev/null || return 1
	PGPID=$(head -n1 "$PGDIR/data/postmaster.pid")
	as_postgres "$PGBIN/psql" -h "$PGDIR" -U postgres -qc 'CREATE DATABASE unyo' || return 1
	PGDSN="postgres://postgres@/unyo?host=$PGDIR&sslmode=disable"
}

stop_pg() {
	[[ -n $PGPID ]] || return 0
	as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || kill -KILL "$PGPID" 2>/dev/null || true
	PGPID=""
}

