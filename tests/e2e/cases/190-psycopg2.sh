# psycopg2: psycopg2 (libpq does its own I/O in C) recorded against a PostgreSQL 15 server
# initialised here (as the postgres user: initdb refuses root), listening on 127.0.0.1 only, its
# unix socket in the case's directory, replays offline after the server is stopped and its port
# checked closed.
# shellcheck shell=bash

PGBIN=/usr/lib/postgresql/15/bin

start_postgres() {
	local d=$1 as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups)
	[ -x "$PGBIN/postgres" ] || { echo "PostgreSQL 15 is not installed ($PGBIN; postgresql-15)"; return 1; }
	id postgres >/dev/null 2>&1 || { echo "no postgres user (postgresql-15)"; return 1; }
	chmod 711 "$T" "$d"
	mkdir -p "$d/pg"
	chown postgres: "$d/pg"
	if ! "${as_postgres[@]}" "$PGBIN/initdb" -D "$d/pg/data" --username=retrace --auth=trust --no-sync \
		--encoding=UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1; then
		echo "initdb failed:"
		tail -n 5 "$d/initdb.log"
		return 1
	fi
	# shellcheck disable=SC2034 # WORLD_WHAT and WORLD_SIGNAL are for stop_world (lib/common.sh)
	WORLD_WHAT="PostgreSQL" WORLD_SIGNAL=INT WORLD_PORT=$(free_port)
	start_server "$d/postgres.log" "${as_postgres[@]}" "$PGBIN/postgres" -D "$d/pg/data" \
		-c listen_addresses=127.0.0.1 -c port="$WORLD_PORT" -c unix_socket_directories="$d/pg" \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off
	if ! wait_until 30 "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$WORLD_PORT"; then
		echo "PostgreSQL did not start on port $WORLD_PORT:"
		tail -n 5 "$d/postgres.log"
		return 1
	fi
}
server_case psycopg2 net_psycopg2.py psycopg2 start_postgres --arg retrace
