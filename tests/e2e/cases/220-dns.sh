# dns: name resolution, recorded with a /etc/hosts of the test's (a mount namespace of its own)
# that knows retrace-e2e-peer.test, replays as recorded with the machine's, which does not.
# shellcheck shell=bash

if selected dns; then
	d=$T/dns
	mkdir -p "$d"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n127.0.0.9\tretrace-e2e-peer.test retrace-e2e-alias.test\n' >"$d/hosts"
	hosts_differ() {
		if getent hosts retrace-e2e-peer.test >/dev/null; then
			echo "this machine's /etc/hosts knows retrace-e2e-peer.test: a live lookup would succeed"
			return 1
		fi
		echo "the replays see the machine's /etc/hosts, where retrace-e2e-peer.test is unknown"
	}
	replay_case dns dns.py --arg "$(free_port)" --wrap "$HELPERS/with-hosts" --wrap "$d/hosts" \
		--before-replay hosts_differ
fi
