/* retrace-dump — print what a trace holds: its header, every event in global order, its trailer.
 *
 * Text for people (one line per event, in the spirit of strace) or JSON Lines for scripts.  A
 * trace is untrusted input: every byte string is escaped before it reaches a terminal, and a
 * corrupt trace prints what decoded before the damage, then the error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

const char tool_name[] = "retrace-dump";

static void usage(void)
{
	printf("Usage: %s [--json] [--header] TRACE\n"
	       "Print the header, the events and the trailer of a retrace trace.\n"
	       "\n"
	       "      --json     one JSON object per line instead of text\n"
	       "      --header   print only the header\n"
	       "      --help     show this help and exit\n"
	       "      --version  show the version and exit\n"
	       "\n"
	       "Exit status: 0; 91 if TRACE is unreadable or corrupt (after printing what\n"
	       "decoded before the damage), 94 for a usage error, 95 if retrace failed.\n"
	       "See retrace-dump(1) and retrace(5).\n",
	       tool_name);
}

/* ---------------------------------------------------------------------------------------------
 * How each call's fields read (retrace.proto lists them per call).  Calls missing here, such as
 * those of a newer retrace, print every argument up to the last nonzero one.
 */
enum {
	ARG0_CLOCK = 1 << 0,   /* arg0 is a clock id */
	ARG0_HEX = 1 << 1,     /* arg0 is a set of flags */
	ARG1_HEX = 1 << 2,     /* arg1 is an ioctl request */
	ARG1_SIGNAL = 1 << 3,  /* arg1 is a signal number */
	VALUE_NS = 1 << 4,     /* value is a time in ns: printed as seconds.nanoseconds */
	RESULT_ERRNO = 1 << 5, /* result is an error number (the pthread convention) */
};

struct call_shape {
	uint32_t call;
	unsigned nargs;
	unsigned flags;
};

static const struct call_shape call_shapes[] = {
	{ RETRACE__CALL__CALL_CLOCK_GETTIME, 1, ARG0_CLOCK | VALUE_NS },
	{ RETRACE__CALL__CALL_GETTIMEOFDAY, 0, VALUE_NS },
	{ RETRACE__CALL__CALL_TIME, 0, VALUE_NS },
	{ RETRACE__CALL__CALL_CLOCK, 0, 0 },
	{ RETRACE__CALL__CALL_TIMES, 0, 0 },
	{ RETRACE__CALL__CALL_GETRUSAGE, 1, 0 },
	{ RETRACE__CALL__CALL_GETRANDOM, 2, 0 },
	{ RETRACE__CALL__CALL_GETENTROPY, 1, 0 },
	{ RETRACE__CALL__CALL_GETPID, 0, 0 },
	{ RETRACE__CALL__CALL_GETPPID, 0, 0 },
	{ RETRACE__CALL__CALL_GETTID, 0, 0 },
	{ RETRACE__CALL__CALL_UNAME, 0, 0 },
	{ RETRACE__CALL__CALL_GETHOSTNAME, 1, 0 },
	{ RETRACE__CALL__CALL_GETLOADAVG, 1, 0 },
	{ RETRACE__CALL__CALL_NANOSLEEP, 0, VALUE_NS },
	{ RETRACE__CALL__CALL_CLOCK_NANOSLEEP, 2, ARG0_CLOCK | VALUE_NS | RESULT_ERRNO },
	{ RETRACE__CALL__CALL_USLEEP, 1, 0 },
	{ RETRACE__CALL__CALL_SLEEP, 1, 0 },
	{ RETRACE__CALL__CALL_COND_TIMEDWAIT, 0, RESULT_ERRNO },
	{ RETRACE__CALL__CALL_SEM_TIMEDWAIT, 0, 0 },
	{ RETRACE__CALL__CALL_SEM_CLOCKWAIT, 1, ARG0_CLOCK },
	{ RETRACE__CALL__CALL_FD_INVENTORY, 1, 0 },
	{ RETRACE__CALL__CALL_OPEN, 1, ARG0_HEX },
	{ RETRACE__CALL__CALL_READ, 2, 0 },
	{ RETRACE__CALL__CALL_READV, 2, 0 },
	{ RETRACE__CALL__CALL_PREAD, 3, 0 },
	{ RETRACE__CALL__CALL_WRITE, 2, 0 },
	{ RETRACE__CALL__CALL_WRITEV, 2, 0 },
	{ RETRACE__CALL__CALL_FSTAT, 1, 0 },
	{ RETRACE__CALL__CALL_LSEEK, 3, 0 },
	{ RETRACE__CALL__CALL_ISATTY, 1, 0 },
	{ RETRACE__CALL__CALL_IOCTL, 2, ARG1_HEX },
	{ RETRACE__CALL__CALL_FCNTL, 3, 0 },
	{ RETRACE__CALL__CALL_CLOSE, 1, 0 },
	{ RETRACE__CALL__CALL_KILL, 2, ARG1_SIGNAL },
};

static const struct call_shape *call_shape_of(uint32_t call)
{
	for (size_t i = 0; i < sizeof call_shapes / sizeof call_shapes[0]; i++)
		if (call_shapes[i].call == call)
			return &call_shapes[i];
	return NULL;
}

static const char *clock_name(int64_t id)
{
	static const char *const names[] = {
		"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
		"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
		"CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
		"CLOCK_BOOTTIME_ALARM", NULL, "CLOCK_TAI",
	};
	if (id < 0 || id >= (int64_t)(sizeof names / sizeof names[0]))
		return NULL; /* negative ids are CPU clocks of other processes and threads */
	return names[id];
}

/* ---------------------------------------------------------------------------------------------
 * Text output.
 */
static void print_ns_as_seconds(int64_t ns)
{
	/* unsigned, so INT64_MIN has a magnitude too */
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	printf("%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", mag / 1000000000u,
	       mag % 1000000000u);
}

static void print_utc(int64_t ns)
{
	/* floor division: a time before 1970 still gets a fraction in 0..999999999 */
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[64];
	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		printf("(out of range: %" PRId64 " ns)", ns);
		return;
	}
	printf("%s.%09" PRId64 "Z", buf, frac);
}

static void print_errno_text(int err)
{
	const char *name = strerrorname_np(err);

	if (name != NULL)
		printf(" %s (%s)", name, strerrordesc_np(err));
	else
		printf(" errno %d", err);
}

static void print_arg_text(int64_t v, unsigned index, unsigned flags)
{
	if (index == 0 && (flags & ARG0_CLOCK) && clock_name(v) != NULL) {
		fputs(clock_name(v), stdout);
		return;
	}
	if (index == 1 && (flags & ARG1_SIGNAL) && v > 0 && v < 65 &&
	    sigabbrev_np((int)v) != NULL) {
		printf("SIG%s", sigabbrev_np((int)v));
		return;
	}
	if ((index == 0 && (flags & ARG0_HEX)) || (index == 1 && (flags & ARG1_HEX))) {
		printf("%#" PRIx64, (uint64_t)v);
		return;
	}
	printf("%" PRId64, v);
}

static void print_event_text(const struct trace_event *ev)
{
	const struct call_shape *shape = call_shape_of(ev->call);
	unsigned flags = shape ? shape->flags : 0;
	int64_t args[3] = { ev->arg0, ev->arg1, ev->arg2 };
	unsigned nargs = shape ? shape->nargs : 0;

	/* more arguments than the table expects are shown, not hidden */
	while (nargs < 3 && (args[2] != 0 || (nargs < 2 && args[1] != 0) ||
			     (nargs < 1 && args[0] != 0)))
		nargs++;

	printf("#%" PRIu64 " t%" PRIu32 " %s(", ev->seq, ev->tid, trace_call_name(ev->call));
	for (unsigned i = 0; i < nargs; i++) {
		if (i > 0)
			fputs(", ", stdout);
		print_arg_text(args[i], i, flags);
	}
	printf(") = %" PRId64, ev->result);
	if ((flags & RESULT_ERRNO) && ev->result > 0 && ev->result <= INT32_MAX &&
	    strerrorname_np((int)ev->result) != NULL)
		printf(" (%s)", strerrorname_np((int)ev->result));
	if (ev->err != 0)
		print_errno_text(ev->err);
	if (ev->value != 0) {
		fputs(" value=", stdout);
		if (flags & VALUE_NS)
			print_ns_as_seconds(ev->value);
		else
			printf("%" PRId64, ev->value);
	}
	if (ev->data_len > 0)
		printf(" data=%" PRIu32 " bytes", ev->data_len);
	if (ev->hash_len > 0) {
		fputs(" hash=", stdout);
		tool_print_hex(stdout, ev->hash, ev->hash_len);
	}
	if (ev->aux_len > 0) {
		fputs(" aux=", stdout);
		tool_print_hex(stdout, ev->aux, ev->aux_len);
	}
	if (ev->control_len > 0)
		printf(" control=%" PRIu32 " bytes", ev->control_len);
	putchar('\n');
}

static void print_field_text(const char *label, const ProtobufCBinaryData *b)
{
	printf("%-13s", label);
	tool_print_escaped(stdout, b->data, b->len);
	putchar('\n');
}

static void print_header_text(const Retrace__Header *h)
{
	printf("%-13s", "command:");
	for (size_t i = 0; i < h->n_argv; i++) {
		if (i > 0)
			putchar(' ');
		tool_print_shell_word(stdout, h->argv[i].data, h->argv[i].len);
	}
	putchar('\n');
	print_field_text("cwd:", &h->cwd);
	print_field_text("executable:", &h->exe_path);
	printf("%-13s", "build id:");
	if (h->exe_build_id.len > 0)
		tool_print_hex(stdout, h->exe_build_id.data, h->exe_build_id.len);
	else
		fputs("(none)", stdout);
	putchar('\n');
	printf("%-13s", "python:");
	if (h->python_version != NULL && h->python_version[0] != '\0')
		tool_print_escaped(stdout, (const uint8_t *)h->python_version,
				   strlen(h->python_version));
	else
		fputs("(not a CPython program)", stdout);
	putchar('\n');
	printf("%-13sretrace ", "recorded by:");
	if (h->retrace_version != NULL)
		tool_print_escaped(stdout, (const uint8_t *)h->retrace_version,
				   strlen(h->retrace_version));
	printf(", trace format %" PRIu32 "\n", h->format_version);
	printf("%-13s", "started:");
	print_utc(h->start_time_ns);
	putchar('\n');
	printf("%-13s%" PRId32 "\n", "pid:", h->pid);
	printf("%-13s", "hostname:");
	if (h->hostname != NULL)
		tool_print_escaped(stdout, (const uint8_t *)h->hostname, strlen(h->hostname));
	putchar('\n');
	int write_bytes = h->capture != NULL && h->capture->write_bytes;
	uint32_t chunk_size = h->capture != NULL ? h->capture->chunk_size : 0;
	printf("%-13swritten bytes %s, chunks of %" PRIu32 " bytes\n", "capture:",
	       write_bytes ? "stored" : "hashed only", chunk_size);
	printf("%-13strace %" PRId32 ", status %" PRId32 "\n", "fds:", h->trace_fd, h->status_fd);
	print_field_text("LD_PRELOAD:", &h->ld_preload);
	printf("%-13s%zu entries\n", "environment:", h->n_env);
	for (size_t i = 0; i < h->n_env; i++) {
		fputs("    ", stdout);
		tool_print_escaped(stdout, h->env[i].data, h->env[i].len);
		putchar('\n');
	}
}

static void print_end_text(const struct trace_reader *r, uint64_t nevents)
{
	const Retrace__Trailer *t = r->trailer;

	if (t == NULL) {
		printf("no trailer: the recorded process was killed or crashed\n");
	} else {
		printf("trailer: %" PRIu64 " events, exit status %" PRId32 "\n", t->events,
		       t->exit_status);
		if (t->stopped != NULL && t->stopped[0] != '\0') {
			printf("recording stopped early at seq %" PRIu64 ": ", t->stopped_at_seq);
			tool_print_escaped(stdout, (const uint8_t *)t->stopped, strlen(t->stopped));
			putchar('\n');
		}
		if (t->events != nevents)
			printf("note: the trailer counts %" PRIu64 " events, the trace holds %" PRIu64
			       "\n", t->events, nevents);
	}
	if (r->torn_offset != 0)
		printf("torn tail: from byte %" PRIu64 " on, the recording was cut off mid-write; "
		       "that part is ignored\n", r->torn_offset);
}

/* ---------------------------------------------------------------------------------------------
 * JSON output: one object per line.  Byte strings are UTF-8 where they are valid UTF-8; any
 * other byte becomes \u00XX (so the mapping to text is lossy for those, but always valid JSON).
 */
static void json_string(const uint8_t *s, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len;) {
		size_t n = tool_utf8_sequence_len(s + i, len - i);
		uint8_t c = s[i];

		if (n == 0 || c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", stdout); break;
			case '\t': fputs("\\t", stdout); break;
			case '\r': fputs("\\r", stdout); break;
			default: printf("\\u%04x", c); break;
			}
			i++;
			continue;
		}
		if (c == '"' || c == '\\')
			putchar('\\');
		fwrite(s + i, 1, n, stdout);
		i += n;
	}
	putchar('"');
}

static void json_cstring(const char *s)
{
	json_string((const uint8_t *)(s != NULL ? s : ""), s != NULL ? strlen(s) : 0);
}

static void json_key(const char *key)
{
	printf(",\"%s\":", key);
}

static void json_bytes_array(const ProtobufCBinaryData *items, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		json_string(items[i].data, items[i].len);
	}
	putchar(']');
}

static void print_header_json(const Retrace__Header *h)
{
	fputs("{\"type\":\"header\"", stdout);
	printf(",\"format_version\":%" PRIu32, h->format_version);
	json_key("argv");
	json_bytes_array(h->argv, h->n_argv);
	json_key("cwd");
	json_string(h->cwd.data, h->cwd.len);
	json_key("exe_path");
	json_string(h->exe_path.data, h->exe_path.len);
	json_key("exe_build_id");
	putchar('"');
	tool_print_hex(stdout, h->exe_build_id.data, h->exe_build_id.len);
	putchar('"');
	json_key("python_version");
	json_cstring(h->python_version);
	json_key("retrace_version");
	json_cstring(h->retrace_version);
	printf(",\"start_time_ns\":%" PRId64, h->start_time_ns);
	json_key("start_time");
	putchar('"');
	print_utc(h->start_time_ns);
	putchar('"');
	printf(",\"pid\":%" PRId32, h->pid);
	json_key("hostname");
	json_cstring(h->hostname);
	printf(",\"capture\":{\"write_bytes\":%s,\"chunk_size\":%" PRIu32 "}",
	       h->capture != NULL && h->capture->write_bytes ? "true" : "false",
	       h->capture != NULL ? h->capture->chunk_size : 0);
	printf(",\"trace_fd\":%" PRId32 ",\"status_fd\":%" PRId32, h->trace_fd, h->status_fd);
	json_key("ld_preload");
	json_string(h->ld_preload.data, h->ld_preload.len);
	json_key("env");
	json_bytes_array(h->env, h->n_env);
	fputs("}\n", stdout);
}

static void print_event_json(const struct trace_event *ev)
{
	printf("{\"type\":\"event\",\"seq\":%" PRIu64 ",\"tid\":%" PRIu32, ev->seq, ev->tid);
	json_key("call");
	json_cstring(trace_call_name(ev->call));
	printf(",\"call_id\":%" PRIu32 ",\"arg0\":%" PRId64 ",\"arg1\":%" PRId64
	       ",\"arg2\":%" PRId64 ",\"result\":%" PRId64 ",\"err\":%" PRId32,
	       ev->call, ev->arg0, ev->arg1, ev->arg2, ev->result, ev->err);
	if (ev->err != 0 && strerrorname_np(ev->err) != NULL)
		printf(",\"errno\":\"%s\"", strerrorname_np(ev->err));
	printf(",\"value\":%" PRId64 ",\"data_len\":%" PRIu32, ev->value, ev->data_len);
	if (ev->data_len > 0 && ev->data_len <= 64) {
		json_key("data_hex");
		putchar('"');
		tool_print_hex(stdout, ev->data, ev->data_len);
		putchar('"');
	}
	if (ev->hash_len > 0) {
		json_key("hash");
		putchar('"');
		tool_print_hex(stdout, ev->hash, ev->hash_len);
		putchar('"');
	}
	if (ev->aux_len > 0) {
		json_key("aux_hex");
		putchar('"');
		tool_print_hex(stdout, ev->aux, ev->aux_len);
		putchar('"');
	}
	if (ev->control_len > 0)
		printf(",\"control_len\":%" PRIu32, ev->control_len);
	fputs("}\n", stdout);
}

static void print_end_json(const struct trace_reader *r, uint64_t nevents)
{
	const Retrace__Trailer *t = r->trailer;

	printf("{\"type\":\"trailer\",\"present\":%s", t != NULL ? "true" : "false");
	if (t != NULL) {
		printf(",\"events\":%" PRIu64 ",\"exit_status\":%" PRId32, t->events,
		       t->exit_status);
		json_key("stopped");
		json_cstring(t->stopped);
		printf(",\"stopped_at_seq\":%" PRIu64, t->stopped_at_seq);
	}
	printf(",\"events_in_trace\":%" PRIu64 ",\"torn_offset\":%" PRIu64 "}\n", nevents,
	       r->torn_offset);
}

/* ---------------------------------------------------------------------------------------------
 */
static int finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the dump: %s\n", tool_name, strerror(errno));
		return RETRACE_EXIT_ERROR;
	}
	return status;
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_HEADER, OPT_HELP, OPT_VERSION };
	static const struct option options[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "header", no_argument, NULL, OPT_HEADER },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, header_only = 0, opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON:
			json = 1;
			break;
		case OPT_HEADER:
			header_only = 1;
			break;
		case OPT_HELP:
			usage();
			return 0;
		case OPT_VERSION:
			tool_print_version();
			return 0;
		default:
			tool_bad_option(opt, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		tool_usage_error("no trace given");
	if (argc - optind > 1)
		tool_usage_error("one trace at a time; '%s' is one too many", argv[optind + 1]);
	const char *path = argv[optind];

	struct trace_reader r;
	struct trace_error err;
	if (trace_reader_open_file(&r, path, NULL, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		return tool_exit_for_trace_status(err.code);
	}
	if (r.header == NULL) {
		tool_msg("%s: the trace has no header", path);
		trace_reader_close(&r);
		return RETRACE_EXIT_BAD_TRACE;
	}
	if (json)
		print_header_json(r.header);
	else
		print_header_text(r.header);
	if (header_only) {
		trace_reader_close(&r);
		return finish_output(0);
	}

	struct trace_cursor c;
	struct trace_event ev;
	uint64_t nevents = 0;
	int rc;
	if (trace_cursor_init(&c, &r, 0, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		trace_reader_close(&r);
		return tool_exit_for_trace_status(err.code);
	}
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		nevents++;
		if (json)
			print_event_json(&ev);
		else
			print_event_text(&ev);
	}
	trace_cursor_free(&c);
	if (rc < 0) {
		/* what decoded before the damage is printed; the damage is reported, not skipped */
		tool_msg("%s: %s", path, err.msg);
		trace_reader_close(&r);
		finish_output(0);
		return tool_exit_for_trace_status(err.code);
	}
	if (json)
		print_end_json(&r, nevents);
	else
		print_end_text(&r, nevents);
	trace_reader_close(&r);
	return finish_output(0);
}
