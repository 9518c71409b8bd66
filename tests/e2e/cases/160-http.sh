# http_urllib (urllib.request and http.client) and http_requests (requests): clients recorded
# against tests/e2e/lib/http_server.py, whose every answer is unique, replay offline after the
# server is stopped and its port checked closed.  One file for both: they share start_http.
# shellcheck shell=bash

start_http() { start_python_server "$1" "the HTTP server" "$HELPERS/http_server.py"; }
server_case http_urllib net_http.py urllib.request start_http
server_case http_requests net_requests.py requests start_http
