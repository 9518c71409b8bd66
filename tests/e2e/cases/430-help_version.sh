# help_version: retrace-record, retrace-replay, retrace-dump and retrace-entrypoint each answer
# --help and --version on stdout, with status 0.
# shellcheck shell=bash

if selected help_version; then
	d=$T/help_version
	mkdir -p "$d"
	bad=()
	for tool in retrace-record retrace-replay retrace-dump retrace-entrypoint; do
		for opt in --help --version; do
			run "$d/$tool$opt" null "$BIN/$tool" "$opt"
			if [ "$(status_of "$d/$tool$opt")" != "exit 0" ] || [ ! -s "$d/$tool$opt.out" ]; then
				bad+=("$tool $opt: $(status_of "$d/$tool$opt"), stdout $(wc -c <"$d/$tool$opt.out") bytes")
			fi
		done
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok "help_version: every command answers --help and --version on stdout, status 0"
	else
		not_ok "help_version: every command answers --help and --version on stdout, status 0" "${bad[@]}"
	fi
fi
