/* forge.c — rewrite a real trace with one thing changed, as a hostile or damaged trace would
 * have it, for tests/e2e/run.
 *
 *   forge IN OUT EDIT...
 *
 * The trace is read with the format library and written again through its writer (events in
 * their order, each thread's in chunks of its own, the trailer as it was), with the edits made
 * on the way:
 *   header.trace_fd=N  header.status_fd=N      the header's fd numbers
 *   header.exe=PATH    header.argv0=S          what the header says was run
 *   header.env+=NAME=VALUE                     one more recorded environment entry (at the end)
 *   header.env.NAME=VALUE                      a recorded entry's value replaced
 *   event.SEQ.result=N  event.SEQ.data_len=N   an event's result; its data cut to N bytes
 *   event.SEQ.aux=TEXT                         an event's aux bytes (a path, an address)
 *   event.SEQ.arg0=N  event.SEQ.arg2=N         an event's first or third argument
 *   event.SEQ.call=N                           an event's call (Retrace__Call number)
 *   event.CALL.result=N                        the same for the first event of that call (by
 *                                              name, as retrace-dump prints it)
 * Prints the edited events' seqs.  Exits 2 on a bad edit or an unreadable trace.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

#define MAX_EDITS 16
#define MAX_THREADS 256

struct edit {
	const char *spec;
	int done;
};

static _Noreturn void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "forge: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static ProtobufCBinaryData bytes_of(const char *s)
{
	return (ProtobufCBinaryData){ .len = strlen(s), .data = (uint8_t *)s };
}

static void edit_header(Retrace__Header *h, const char *what)
{
	if (strncmp(what, "trace_fd=", 9) == 0) {
		h->trace_fd = atoi(what + 9);
	} else if (strncmp(what, "status_fd=", 10) == 0) {
		h->status_fd = atoi(what + 10);
	} else if (strncmp(what, "exe=", 4) == 0) {
		h->exe_path = bytes_of(what + 4);
		h->exec_path = bytes_of(what + 4);
	} else if (strncmp(what, "argv0=", 6) == 0) {
		h->argv[0] = bytes_of(what + 6);
	} else if (strncmp(what, "env+=", 5) == 0) {
		ProtobufCBinaryData *env = calloc(h->n_env + 1, sizeof *env);
		memcpy(env, h->env, h->n_env * sizeof *env);
		env[h->n_env++] = bytes_of(what + 5);
		h->env = env;
	} else if (strncmp(what, "env.", 4) == 0) {
		const char *eq = strchr(what + 4, '=');
		size_t n = eq ? (size_t)(eq - what - 4) + 1 : 0;
		size_t i = 0;
		while (eq && i < h->n_env && (h->env[i].len < n || memcmp(h->env[i].data, what + 4, n)))
			i++;
		if (!eq || i == h->n_env)
			die("no recorded environment entry for %s", what);
		h->env[i] = bytes_of(what + 4);
	} else {
		die("unknown header edit %s", what);
	}
}

/* Applies the edits aimed at ev; the event's byte fields may come to point into `keep`. */
static void edit_event(struct trace_event *ev, struct edit *edits, int nedits)
{
	for (int i = 0; i < nedits; i++) {
		const char *s = edits[i].spec;
		if (edits[i].done || strncmp(s, "event.", 6) != 0)
			continue;
		const char *sel = s + 6, *dot = strchr(sel, '.');
		if (!dot)
			die("bad event edit %s", s);
		char *end;
		unsigned long long seq = strtoull(sel, &end, 10);
		int match = end == dot ? ev->seq == seq
				       : (size_t)(dot - sel) == strlen(trace_call_name(ev->call)) &&
						 memcmp(sel, trace_call_name(ev->call), (size_t)(dot - sel)) == 0;
		if (!match)
			continue;
		const char *what = dot + 1;
		if (strncmp(what, "result=", 7) == 0)
			ev->result = strtoll(what + 7, NULL, 10);
		else if (strncmp(what, "arg0=", 5) == 0)
			ev->arg0 = strtoll(what + 5, NULL, 10);
		else if (strncmp(what, "call=", 5) == 0)
			ev->call = (uint32_t)strtoul(what + 5, NULL, 10);
		else if (strncmp(what, "arg2=", 5) == 0)
			ev->arg2 = strtoll(what + 5, NULL, 10);
		else if (strncmp(what, "data_len=", 9) == 0)
			ev->data_len = (uint32_t)strtoul(what + 9, NULL, 10);
		else if (strncmp(what, "aux=", 4) == 0) {
			ev->aux = (const uint8_t *)what + 4;
			ev->aux_len = (uint32_t)strlen(what + 4);
		} else
			die("unknown event edit %s", s);
		edits[i].done = 1;
		printf("%llu\n", (unsigned long long)ev->seq);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: forge IN OUT EDIT...%s", "");
	struct edit edits[MAX_EDITS];
	int nedits = 0;
	for (int i = 3; i < argc && nedits < MAX_EDITS; i++)
		edits[nedits++] = (struct edit){ argv[i], 0 };

	struct trace_reader r;
	struct trace_error err;
	if (trace_reader_open_file(&r, argv[1], NULL, &err) != 0)
		die("%s", err.msg);
	Retrace__Header h = *r.header;
	for (int i = 0; i < nedits; i++)
		if (strncmp(edits[i].spec, "header.", 7) == 0) {
			edit_header(&h, edits[i].spec + 7);
			edits[i].done = 1;
		}

	int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct trace_writer w;
	if (fd < 0 || trace_writer_open(&w, fd, NULL, (size_t)1 << 32, 1u << 20) != 0 ||
	    trace_writer_put_header(&w, &h) != 0)
		die("cannot write %s", argv[2]);

	static struct trace_chunk chunks[MAX_THREADS];
	struct trace_cursor c;
	struct trace_event ev;
	if (trace_cursor_init(&c, &r, 0, &err) != 0)
		die("%s", err.msg);
	int rc;
	while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
		edit_event(&ev, edits, nedits);
		size_t t = 0;
		while (t < MAX_THREADS && chunks[t].tid && chunks[t].tid != ev.tid)
			t++;
		if (t == MAX_THREADS)
			die("more threads than %s", "256");
		chunks[t].tid = ev.tid;
		if (trace_writer_append(&w, &chunks[t], 1u << 16, &ev) != 0)
			die("cannot append: %s", w.error.msg);
	}
	if (rc < 0)
		die("%s", err.msg);
	for (int i = 0; i < nedits; i++)
		if (!edits[i].done)
			die("no event for %s", edits[i].spec);
	if (r.trailer && trace_writer_put_trailer(&w, r.trailer) != 0)
		die("cannot write the trailer: %s", w.error.msg);
	if (ftruncate(fd, (off_t)trace_writer_size(&w)) != 0)
		die("cannot trim %s", argv[2]);
	return 0;
}
