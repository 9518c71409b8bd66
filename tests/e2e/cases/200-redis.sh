# redis: redis-py recorded against a redis-server started here (127.0.0.1 only, no persistence)
# replays offline after the server is stopped and its port checked closed.
# shellcheck shell=bash

start_redis() {
	local d=$1
	command -v redis-server >/dev/null || { echo "redis-server is not installed"; return 1; }
	mkdir -p "$d/redis"
	# shellcheck disable=SC2034 # WORLD_WHAT and WORLD_SIGNAL are for stop_world (lib/common.sh)
	WORLD_WHAT="redis-server" WORLD_SIGNAL=TERM WORLD_PORT=$(free_port)
	start_server "$d/redis.log" redis-server --bind 127.0.0.1 --port "$WORLD_PORT" --save "" \
		--appendonly no --dir "$d/redis" --daemonize no --protected-mode no
	if ! wait_until 20 port_open "$WORLD_PORT"; then
		echo "redis-server did not start on port $WORLD_PORT:"
		tail -n 5 "$d/redis.log"
		return 1
	fi
}
server_case redis net_redis.py redis start_redis
