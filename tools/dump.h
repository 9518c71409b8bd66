/* dump.h — what the parts of retrace-dump share: the table of what each call's fields hold
 * (dump-calls.c), the text and JSON printing primitives (dump-print.c), the Python locations
 * (dump-python.c) and --stats (dump-stats.c).  retrace-dump.c prints events and headers.
 */
#ifndef RETRACE_TOOLS_DUMP_H
#define RETRACE_TOOLS_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* ---------------------------------------------------------------------------------------------
 * What each call's fields hold (retrace.proto lists them per call) and the family --stats counts
 * it in.  Calls missing here, such as those of a newer retrace, print every argument up to the
 * last nonzero one and their aux in hex, and count as "other".
 */
enum call_family {
	FAMILY_TIME,
	FAMILY_RANDOM,
	FAMILY_IDENTITY,
	FAMILY_SLEEP,
	FAMILY_FD_IO,
	FAMILY_NET,
	FAMILY_POLL,
	FAMILY_DNS,
	FAMILY_FILES,
	FAMILY_PROCESS,
	FAMILY_THREADS,
	FAMILY_PYTHON,
	FAMILY_OTHER,
	FAMILY_COUNT
};

extern const char *const family_names[FAMILY_COUNT];

enum {
	ARG0_CLOCK = 1 << 0,         /* arg0 is a clock id */
	ARG0_HEX = 1 << 1,           /* arg0 is a set of flags */
	ARG0_FAMILY = 1 << 2,        /* arg0 is an address family */
	ARG1_HEX = 1 << 3,           /* arg1 is a set of flags or an ioctl request */
	ARG1_SIGNAL = 1 << 4,        /* arg1 is a signal number */
	ARG1_SOCKTYPE = 1 << 5,      /* arg1 is a socket type with SOCK_* flags */
	ARG2_HEX = 1 << 6,           /* arg2 is a set of flags */
	ARG2_POLLFD = 1 << 7,        /* arg2 is fd << 16 | events when arg0 (nfds) is 1 */
	VALUE_NS = 1 << 8,           /* value is a time in ns: printed as seconds.nanoseconds */
	RESULT_ERRNO = 1 << 9,       /* result is an error number (the pthread convention) */
	VALUE_SEM = 1 << 10,         /* value is a semaphore's address: printed in hex, as sem= */
	VALUE_FINGERPRINT = 1 << 11, /* value is an approximate yield's frame fingerprint (hex) */
	ARG0_SIGNAL = 1 << 12,       /* arg0 is a signal number */
};

/* What the byte field aux holds. */
enum aux_kind {
	AUX_BYTES,    /* nothing this version knows how to read: printed in hex */
	AUX_TEXT,     /* NUL-separated strings: the lookup (dns), the path(s) (files), or a Python
		       * location's file and function */
	AUX_ADDR_IN,  /* a sockaddr the program handed over (connect, bind, sendto) */
	AUX_ADDR_OUT, /* a sockaddr the call handed back (accept, getsockname, recvfrom) */
	AUX_TIMEVAL,  /* the struct timeval select left */
	AUX_OFFSETS,  /* int64 in, int64 out: the offsets sendfile/copy_file_range left */
};

struct call_info {
	uint32_t call;
	enum call_family family;
	enum aux_kind aux;
	unsigned nargs;
	unsigned flags;
};

#define CALL(name) RETRACE__CALL__CALL_##name

const struct call_info *call_info_of(uint32_t call);
enum call_family call_family_of(uint32_t call);
/* The function a call number stands for when its `which` argument picks one of several (stat's
 * lstat, file_op's unlink: retrace.proto lists them); NULL when the number names it already. */
const char *call_function_name(const struct trace_event *ev);
/* The next NUL-separated string of aux from *at on; 0 when there are no more.  A NUL ends a
 * string (lookups store one after each); the last may end with aux instead (paths do). */
int aux_next_string(const uint8_t *aux, uint32_t len, uint32_t *at, const uint8_t **s,
		    uint32_t *slen);

/* ---- dump-tree.c: the process tree of a recording (--tree) ---------------------------------- */

/* The process tree from the trace at path; its first read_dir_len bytes are shown as shown_dir
 * (a sealed trace's unsealed copy shown under the user's name). */
int dump_tree(const char *path, size_t read_dir_len, const char *shown_dir);

/* ---- dump-print.c: printing primitives ---------------------------------------------------- */

/* ns as seconds.nanoseconds; as an ISO 8601 UTC time. */
void print_ns_as_seconds(int64_t ns);
void print_utc(int64_t ns);
/* "command:     " and the command line quoted for a shell. */
void print_command_text(const Retrace__Header *h);
/* A string from a trace in double quotes, escaped like every other byte string, and with its own
 * quotes escaped so where it ends is never in doubt. */
void print_quoted(const uint8_t *s, size_t len);
/* JSON: a string (bytes as UTF-8 where valid, else \u00XX), a C string, ",\"key\":", an
 * array of byte strings. */
void json_string(const uint8_t *s, size_t len);
void json_cstring(const char *s);
void json_key(const char *key);
void json_bytes_array(const ProtobufCBinaryData *items, size_t n);
/* Flush stdout: status, or RETRACE_EXIT_ERROR when the output could not be written. */
int finish_output(int status);

/* ---- dump-python.c: Python locations and stacks --------------------------------------------- */

/* A location (PY_LOCATION: file, function, line) or a stack node (PY_FRAME: the frame's
 * location id and its caller's node id) of one thread. */
struct py_location {
	uint32_t tid, id;               /* id 0: an empty slot */
	int64_t line;
	const uint8_t *file, *function; /* into the reader's mapping; file NULL: never defined */
	uint32_t file_len, function_len;
	uint64_t events;                /* --stats: events made there */
	uint32_t frame, parent;         /* a node's */
};

struct py_locations {
	struct py_location *slots;
	size_t cap; /* a power of two, or 0 */
	size_t used;
};

struct py_thread_stack {
	uint32_t tid, node; /* the node of the thread's last PY_STACK */
};

/* Everything the Python events of a trace define, in the order they come. */
struct py_names {
	struct py_locations locations, nodes;
	struct py_thread_stack *threads;
	size_t nthreads, threads_cap;
};

const struct py_location *py_location_find(const struct py_locations *t, uint32_t tid, uint32_t id);
/* The entry for (tid, id), added when missing; NULL when out of memory. */
struct py_location *py_location_get(struct py_locations *t, uint32_t tid, uint32_t id);
/* PY_LOCATION, PY_FRAME or PY_STACK: an event that only says where the others are made. */
int py_is_definition(uint32_t call);
/* Takes in what such an event says; other events are left alone.  -1: out of memory. */
int py_names_take(struct py_names *n, const struct trace_event *ev);
void py_names_free(struct py_names *n);
/* The thread's current stack node (0: none or no stacks in the trace). */
uint32_t py_stack_now(const struct py_names *n, uint32_t tid);
/* A stack's frames, innermost first (entries NULL where a location is not defined); their
 * number, at most max. */
size_t py_stack_frames(const struct py_names *n, uint32_t tid, uint32_t node,
		       const struct py_location **frames, size_t max);
/* "/app/main.py:12 (main)"; as {"file":…,"line":…,"function":…}. */
void print_py_location_text(const struct py_location *loc);
void print_py_location_json(const struct py_location *loc);
/* The same members without the braces (a defined location only). */
void print_py_location_json_fields(const struct py_location *loc);

/* ---- dump-threads.c: threads, their names and the GIL's schedule ----------------------------- */

/* What the dump knows of one thread, from the events so far in global order. */
struct dump_thread {
	uint32_t tid;
	const uint8_t *name; /* the Python thread name its creator's THREAD_CREATE gave, into the
			      * reader's mapping; NULL: none (the main thread, a thread C made) */
	uint32_t name_len;
	int yielded;         /* a YIELD since its latest GIL_TAKE: the next handoff from it is forced */
};

/* A GIL_TAKE by another thread than the previous GIL_TAKE's: from that thread, and whether it had
 * been made to yield.  from 0: the event is no handoff. */
struct gil_handoff {
	uint32_t from;
	int forced;
};

/* Yield kinds (retrace.proto, YIELD's arg0); yields[0] counts kinds this version does not know. */
enum { YIELD_AT_CALL = 1, YIELD_AT_FRAME_ENTRY = 2, YIELD_APPROXIMATE = 3, YIELD_KINDS = 4 };

/* The threads of a trace and its schedule, taken in event by event in global (seq) order, and
 * counted for --stats. */
struct thread_schedule {
	struct dump_thread *threads; /* by tid, ascending */
	size_t nthreads, cap;
	uint32_t holder;             /* the thread of the latest GIL_TAKE; 0: none yet */
	uint64_t creations, failed_creations;
	uint64_t unrecorded_from;    /* the seq of the first THREAD_CREATE after which the schedule
				      * is not recorded; 0: it is recorded throughout */
	uint64_t gil_takes, handoffs, forced_handoffs;
	uint64_t yields, yields_by_kind[YIELD_KINDS];
};

/* Takes in ev, the next event in global order; *h (may be NULL) says whether it is a handoff.
 * -1: out of memory. */
int thread_schedule_take(struct thread_schedule *s, const struct trace_event *ev,
			 struct gil_handoff *h);
void thread_schedule_free(struct thread_schedule *s);
/* The thread's entry; NULL when no event named it yet. */
const struct dump_thread *thread_find(const struct thread_schedule *s, uint32_t tid);
/* The thread's Python name as " (Thread-1 (worker_a))", escaped; nothing when it has none. */
void print_thread_name_text(const struct thread_schedule *s, uint32_t tid);
/* As the JSON member ,"KEY":"Thread-1 (worker_a)"; nothing when the thread has none. */
void print_thread_name_json(const struct thread_schedule *s, uint32_t tid, const char *key);
/* thread_create(t2, "Thread-1 (worker_a)"), yield(at frame entry 265), fd_number(close, 5):
 * NAME(ARGS) of the thread calls with a layout of their own; 0 (nothing printed) for others. */
int print_call_thread_text(const struct trace_event *ev);
/* What the text says beyond the arguments: " handoff from t1 (forced)". */
void print_handoff_text(const struct gil_handoff *h);
/* Their JSON members: "handoff", "yield_kind", "new_thread", "sem". */
void print_thread_fields_json(const struct trace_event *ev, const struct gil_handoff *h);
/* "at_call", "at_frame_entry", "approximate"; NULL for a kind this version does not know. */
const char *yield_kind_name(int64_t kind);
/* What an FD_NUMBER's arg0 says it was: "open", "close", "dup", "dup2", "opendir", "closedir";
 * NULL for a number this version does not know. */
const char *fd_number_name(int64_t which);

/* ---- dump-grep.c: --grep, the events to print ------------------------------------------- */

/* One --grep PATTERN: a call's name (as printed: stat or lstat), a family's (as --stats lists
 * them: net, files), or FILE[:LINE], a Python location. */
struct grep_pattern {
	enum { GREP_CALL, GREP_FAMILY, GREP_LOCATION } kind;
	const char *text;        /* the pattern as given: GREP_CALL's name */
	enum call_family family; /* GREP_FAMILY's */
	const char *file;        /* GREP_LOCATION's FILE: file_len bytes of text */
	size_t file_len;
	int64_t line;            /* GREP_LOCATION's LINE; -1: any */
};

struct grep {
	struct grep_pattern *patterns; /* n == 0: no --grep, every event is printed */
	size_t n;
};

/* Adds pattern (kept, not copied); NULL, or why it is no pattern (a usage error). */
const char *grep_add(struct grep *g, const char *pattern);
/* Whether ev matches any pattern: its call or family, or the location it was made at (with
 * stacks, any frame of its Python stack: the locations its text shows). */
int grep_matches(const struct grep *g, const struct trace_event *ev, const struct py_names *py,
		 int stacks);
void grep_free(struct grep *g);

/* ---- dump-stats.c ------------------------------------------------------------------------- */

/* --stats: print the summary of the trace r (read from path); the exit status. */
int dump_stats(const struct trace_reader *r, const char *path, int json);

#endif
