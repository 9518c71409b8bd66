# tls: an ssl client verifying the certificate of tests/e2e/lib/tls_server.py (which makes the CA
# with trustme and serves TLS) against the test's CA replays offline after the server is stopped
# and its port checked closed.
# shellcheck shell=bash

start_tls() {
	"$SYSPY" -c 'import trustme' 2>/dev/null || { echo "/usr/bin/python3 cannot import trustme (python3-trustme)"; return 1; }
	start_python_server "$1" "the TLS server" "$HELPERS/tls_server.py" "$1"
}
server_case tls net_tls.py ssl start_tls --arg "$T/tls/ca.pem"
