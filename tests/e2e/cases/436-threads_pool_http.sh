# threads_pool_http: a ThreadPoolExecutor of 8 threads making 24 urllib GETs to a local server
# whose answers take random times (tests/e2e/lib/http_server.py --random-delay-ms 20), printing
# the as_completed order; replayed offline after the server is stopped and its port checked
# closed.
# shellcheck shell=bash

start_slow_http() { start_python_server "$1" "the slow HTTP server" "$HELPERS/http_server.py" --random-delay-ms 20; }
server_case threads_pool_http threads_pool_http.py urllib.request start_slow_http
