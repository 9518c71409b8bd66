# help_version: every command in build/bin answers --help and --version on stdout, with status 0,
# and has its man page in man/.
# shellcheck shell=bash

if selected help_version; then
	d=$T/help_version
	mkdir -p "$d"
	bad=()
	for tool in "$BIN"/retrace-*; do
		tool=${tool##*/}
		[ -f "$ROOT/man/$tool.1" ] || bad+=("$tool: no man/$tool.1")
		for opt in --help --version; do
			run "$d/$tool$opt" null "$BIN/$tool" "$opt"
			if [ "$(status_of "$d/$tool$opt")" != "exit 0" ] || [ ! -s "$d/$tool$opt.out" ]; then
				bad+=("$tool $opt: $(status_of "$d/$tool$opt"), stdout $(wc -c <"$d/$tool$opt.out") bytes")
			fi
		done
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok "help_version: every command answers --help and --version on stdout, status 0, and has a man page"
	else
		not_ok "help_version: every command answers --help and --version on stdout, status 0, and has a man page" "${bad[@]}"
	fi
fi
