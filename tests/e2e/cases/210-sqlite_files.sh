# sqlite_files: sqlite3 on a database file with rows made here, and a config file; between the
# recording and the replays the database is deleted and the config rewritten, and the replays
# still see what was recorded.
# shellcheck shell=bash

if selected sqlite_files; then
	d=$T/sqlite_files
	mkdir -p "$d"
	"$SYSPY" - "$d/app.db" <<'PY'
import os, random, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, label TEXT, value REAL)")
conn.executemany("INSERT INTO readings (label, value) VALUES (?, ?)",
                 [(f"old-{os.urandom(3).hex()}", random.random()) for _ in range(3)])
conn.commit()
PY
	printf 'greeting = "recorded %s"\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$d/app.conf"
	change_files() {
		rm -f "$1/app.db" "$1/app.db-journal" "$1/app.db-wal" "$1/app.db-shm"
		printf 'greeting = "rewritten after the recording"\n' >"$1/app.conf"
		[ ! -e "$1/app.db" ] || { echo "cannot delete $1/app.db"; return 1; }
		echo "database deleted and config rewritten before the replays"
	}
	replay_case sqlite_files files_sqlite.py --arg "$d/app.db" --arg "$d/app.conf" --varies \
		--before-replay change_files
fi
