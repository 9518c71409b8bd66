/* harness.c — the AFL++ target: one trace file through the reader and every retrace-dump mode.
 *
 * `make fuzz` builds this with afl-clang-fast, ASan and UBSan, and runs afl-fuzz on it with the
 * small real traces in tests/fuzz/corpus as seeds.  It checks what trace.h promises beyond "no
 * crash": every event's byte fields lie inside the file, a thread's numbers rise, the merged
 * order's rise by one but where the reader accepted numbers missing; a broken promise aborts,
 * which afl-fuzz keeps as a crash.  retrace-dump's main is linked in (as retrace_dump_main) so
 * the printers, the statistics and the Python names are fuzzed as the tool runs them.
 *
 * Every input is read twice: as it is, and with every frame's commit word recomputed over its
 * bytes.  Random mutations almost never keep a CRC right, so without the second pass the fuzzer
 * would learn only that checksums are checked; with it, damage reaches the event decoder and
 * the sequence checks as a forger's would.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "trace.h"

int retrace_dump_main(int argc, char **argv);

#define PROMISE(cond)                                                                           \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "harness: broken promise: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                \
		}                                                                               \
	} while (0)

static void field_inside(const struct trace_reader *r, const uint8_t *p, uint32_t len)
{
	if (len)
		PROMISE(p >= r->data && (size_t)(p - r->data) + len <= r->size);
}

/* Every cursor to its end, checking what the reader hands out. */
static void walk(const struct trace_reader *r)
{
	for (size_t t = 0; t <= r->ntids; t++) {
		struct trace_cursor c;
		struct trace_event ev;
		struct trace_error err;
		uint64_t last = 0, n = 0;
		int rc;

		if (trace_cursor_init(&c, r, t ? r->tids[t - 1] : 0, &err) != 0)
			continue;
		while ((rc = trace_cursor_next(&c, &ev, &err)) == 1) {
			field_inside(r, ev.data, ev.data_len);
			field_inside(r, ev.hash, ev.hash_len);
			field_inside(r, ev.aux, ev.aux_len);
			field_inside(r, ev.control, ev.control_len);
			PROMISE(ev.offset >= TRACE_PREFIX_SIZE && ev.offset < r->size);
			PROMISE(ev.seq > last); /* the numbers rise, per thread and merged */
			PROMISE(t == 0 || ev.tid == r->tids[t - 1]);
			last = ev.seq;
			n++;
		}
		if (rc < 0)
			PROMISE(err.code == TRACE_E_CORRUPT || err.code == TRACE_E_NOMEM);
		trace_cursor_free(&c);
	}
}

/* The frames' commit words recomputed, in place, as far as the heads can be followed. */
static void recommit_all(uint8_t *d, size_t size)
{
	for (size_t off = TRACE_PREFIX_SIZE; off + TRACE_FRAME_HEAD_SIZE <= size;) {
		uint32_t w[4];
		uint64_t commit;
		memcpy(w, d + off, sizeof w);
		memcpy(&commit, d + off + 16, sizeof commit);
		if (w[0] != TRACE_FRAME_MAGIC)
			return;
		size_t payload = off + TRACE_FRAME_HEAD_SIZE;
		uint32_t used = (uint32_t)commit;
		if (used > w[2] || payload + w[2] > size || payload + w[2] <= off)
			return;
		uint32_t crc = trace_crc32c(trace_crc32c(0, d + off, TRACE_FRAME_CRC_HEAD), d + payload, used);
		commit = (uint64_t)crc << 32 | used;
		memcpy(d + off + 16, &commit, sizeof commit);
		off = payload + w[2];
	}
}

static void read_and_dump(const char *path);

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s TRACE\n", argv[0]);
		return 2;
	}
	read_and_dump(argv[1]);

	/* the second pass, from a memfd with the commits recomputed */
	FILE *in = fopen(argv[1], "rb");
	int fd = memfd_create("recommitted", 0);
	if (!in || fd < 0)
		return 2;
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, in);
	fclose(in);
	recommit_all(buf, n);
	if (write(fd, buf, n) != (ssize_t)n)
		return 2;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	read_and_dump(path);
	close(fd);
	return 0;
}

static void read_and_dump(const char *path)
{
	struct trace_reader r;
	struct trace_error err;

	if (trace_reader_open_file(&r, path, NULL, &err) == 0) {
		walk(&r);
		trace_reader_close(&r);
	} else {
		PROMISE(err.code != TRACE_OK);
		PROMISE(strlen(err.msg) > 0);
	}

	/* The tool, in each of its modes, with its output thrown away. */
	static const char *const modes[][3] = {
		{ NULL }, { "--json" }, { "--stats" }, { "--stats", "--json" }, { "--stacks" },
		{ "--header" }, { "--header", "--json" }, { "--tree" },
		{ "--grep=recv", "--grep=x.py:1" }, { "--stacks", "--grep=py:1" },
	};
	/* FUZZ_VERBOSE=1 keeps stderr, where a sanitizer's report goes */
	if (!freopen("/dev/null", "w", stdout) ||
	    (!getenv("FUZZ_VERBOSE") && !freopen("/dev/null", "w", stderr)))
		exit(2);
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		char *av[5];
		int ac = 0;
		av[ac++] = "retrace-dump";
		for (int k = 0; k < 3 && modes[m][k]; k++)
			av[ac++] = (char *)modes[m][k];
		av[ac++] = (char *)path;
		av[ac] = NULL;
		optind = 0; /* glibc: start getopt afresh */
		int status = retrace_dump_main(ac, av);
		/* 0, or a trace it refused; 95 when a hostile length made it run out of memory */
		PROMISE(status == 0 || status == RETRACE_EXIT_BAD_TRACE || status == RETRACE_EXIT_ERROR);
	}
}
