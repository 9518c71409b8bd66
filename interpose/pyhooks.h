/* pyhooks.h — the contract between libretrace.so and _retrace.so (pyhooks/_retrace.c).
 *
 * When the process is CPython 3.11, libretrace's constructor dlopens _retrace.so, in record and
 * replay alike (same file, same moment, same allocations: DESIGN.md §4 holds), and calls its one
 * exported function, retrace_pyhooks_register, with this table.  libretrace fills the first part
 * before the call; _retrace fills the rest and never changes it afterwards.
 *
 * A Python location is the innermost complete Python frame of the CALLING thread (its own
 * thread state, not the GIL holder's: most calls are made with the GIL released), keyed by
 * (code object, instruction offset).  _retrace maps keys to ids 1, 2, … in the order the thread
 * first reaches them, one table per thread: the same program path gives the same ids in record
 * and replay, however threads interleave.  All of _retrace's memory comes from `alloc`
 * (libretrace's arena): the program's heap never changes.
 *
 * Worked case, an edited script: record sees app.py:12 first and calls it id 7; libretrace logs
 * PY_LOCATION(7, 12, "app.py\0main") before the event made there.  In replay the edited script
 * reaches app.py:13 where id 7 is handed out: the definitions differ, and the divergence names
 * both places at that very event.
 */
#ifndef RETRACE_INTERPOSE_PYHOOKS_H
#define RETRACE_INTERPOSE_PYHOOKS_H

#include <stddef.h>
#include <stdint.h>

#define RT_PYHOOKS_ABI 7
#define RT_PYHOOKS_REGISTER "retrace_pyhooks_register"

/* Set in a location id returned by location(): the id was handed out just now, for the first
 * time in this process; libretrace logs (record) or checks (replay) its definition. */
#define RT_PYLOC_NEW 0x80000000u
/* What location() and stack() return for a thread another thread is finalizing the interpreter
 * under: its state may be freed, so it is not read, and the thread exits at its next attempt to
 * take the GIL.  Where this falls in such a thread's last events depends on timing, so replay
 * does not compare it (never an id: ids count up from 1). */
#define RT_PYLOC_FINALIZING 0x7fffffffu

/* A thread's locations, kept by libretrace in its thread-local state, zeroed at first: the last
 * key and its id, so the common case (same place as the thread's previous event) is two compares
 * and no store, and the thread's table, which only _retrace reads or writes. */
struct rt_pyloc_thread {
	const void *code;
	intptr_t lasti;
	uint32_t id;
	void *table;
	const void *tstate;  /* the thread's Python thread state, as last found */
	unsigned long self;  /* pthread_self(), once known */
};

/* What an id stands for: text = "file\0function" (UTF-8, text_len bytes, no final NUL),
 * line = 0 when unknown.  The offset tells two calls on one line apart: an edit that puts
 * another call on a recorded line is caught there. */
struct rt_pyloc_def {
	uint32_t line;
	uint32_t offset; /* the instruction's offset in the code object, in code units */
	uint32_t text_len;
	const char *text;
};

/* A stack node: the frame at `location`, called from the stack `parent` (0: outermost). */
struct rt_pystack_node {
	uint32_t parent;
	uint32_t location;
};

/* CPython's GIL, for the schedule of threads (interpose/gil.c): where its mutexes, condition
 * variables and flags are.  The GIL's own pthread calls are recognised by these addresses; the
 * two request words are how a forced switch is asked for (CPython's eval loop reads them at its
 * eval-breaker checks).  `layout` names the interpreter version and the offsets these come from:
 * the header keeps it, and a multi-threaded replay refuses an interpreter whose layout differs. */
struct rt_pygil {
	const void *mutex, *cond, *switch_mutex, *switch_cond; /* in _PyRuntime.ceval.gil */
	const int *locked;    /* gil.locked: 1 while a thread holds the GIL, -1 before it exists */
	int *drop_request;    /* the main interpreter's ceval.gil_drop_request */
	int *eval_breaker;    /* and its ceval.eval_breaker */
	char layout[96];
};

struct rt_pyhooks {
	/* filled by libretrace */
	uint32_t abi;                /* RT_PYHOOKS_ABI: _retrace refuses (returns -1) another */
	void *(*alloc)(size_t n);    /* zeroed memory that lives as long as the process */
	/* pdb in a replay (interpose/debug.c, pyhooks/debug.c).  A session is the time the
	 * debugger runs on a thread: begin and end bracket it (the thread's calls are live and
	 * recorded nowhere meanwhile; the schedule's stall watch waits); end says why the program's
	 * heap may differ from now on (NULL: it does not).  tty: the terminal's fd for pdb, opened
	 * live at a number of retrace's own (-1, said on stderr: none).  quit: pdb's quit, which
	 * ends the replay.  cannot: why a stop cannot be made (said on stderr). */
	void (*debug_begin)(void);
	void (*debug_end)(const char *disturbed);
	int (*debug_tty)(void);
	void (*debug_quit)(void);
	void (*debug_cannot)(const char *why);
	/* Going back: end this run for a new replay that stops at brk (RETRACE_BREAK's form), with
	 * the scout settings and the note its first stop says (debug.c rt_debug_restart); the
	 * event the program's calls consumed n before the newest (0: none kept); the breaks, scout
	 * settings and note this run was started with ("" for none). */
	void (*debug_restart)(const char *brk, const char *scout, const char *note);
	uint64_t (*debug_event_back)(unsigned n);
	const char *debug_breaks, *debug_scout, *debug_note;
	/* retrace-replay --dap: the editor's connection (-1: pdb on the terminal instead), whether
	 * it attached in an earlier run (this one is a restart's), and its breakpoints
	 * (FILE:LINE lines, at most debug_dap_lines_size bytes with the NUL), which the session
	 * keeps up to date and a restart carries to the next run. */
	int debug_dap_fd, debug_dap_resumed;
	char *debug_dap_lines;
	size_t debug_dap_lines_size;
	/* filled by _retrace */
	/* The calling thread's location id, 0 when it has no Python frame; may have RT_PYLOC_NEW.
	 * Never blocks on the GIL, never allocates except through alloc. */
	uint32_t (*location)(struct rt_pyloc_thread *thread);
	/* The definition of one of the thread's ids (NULL for an unknown one). */
	const struct rt_pyloc_def *(*definition)(const struct rt_pyloc_thread *thread, uint32_t id);
	/* The calling thread's Python traceback, most recent call last, as lines in Python's own
	 * format ("  File \"app.py\", line 3, in main\n"), into buf; returns the length (0: none). */
	size_t (*traceback)(char *buf, size_t n);
	/* Replay is about to stop (a divergence, a damaged trace): flush sys.stdout and sys.stderr
	 * as Python's exit would, when they are the interpreter's own text streams, errors
	 * swallowed and the program's exception state kept.  Only when the calling thread holds the
	 * GIL, or it is free and may_take_gil (no other Python thread could be holding it up): never
	 * waits on another thread.  The caller has interception off for itself: the writes are
	 * live. */
	void (*flush_stdio)(int may_take_gil);
	/* Whole stacks (RETRACE_PYSTACKS): the calling thread's stack as a node id, 0 when it has
	 * no Python frame, with RT_PYLOC_NEW when this call defined new nodes or location ids.  A
	 * node is (caller's node, location id), interned per thread like locations, from the
	 * outermost frame in; both ids count 1, 2, … without gaps, so the caller can define every
	 * new one in order.  Same rules as location(). */
	uint32_t (*stack)(struct rt_pyloc_thread *thread);
	/* What a node of the thread stands for (NULL for an unknown id). */
	const struct rt_pystack_node *(*node)(const struct rt_pyloc_thread *thread, uint32_t id);

	/* ---- threads (pyhooks/threads.c) ---- */
	/* The GIL's addresses and layout; the request words only once the main interpreter exists
	 * (NULL before).  Callable before Python starts. */
	void (*gil)(struct rt_pygil *out);
	/* With Python running: 1 when the GIL's words hold values that fit the running interpreter
	 * (its switch interval, a locked flag of 0 or 1, the holder when the caller holds it), so
	 * the layout is not misread; 0 otherwise. */
	int (*gil_check)(void);
	/* 1 when the calling thread holds the GIL. */
	int (*holds_gil)(void);
	/* With Python running and the GIL held: from now on call on_frame() at every Python frame
	 * entry of every thread (a PEP 523 frame-evaluation function, chained to any already set).
	 * 0 when installed (or already), -1 when Python is not running. */
	int (*count_frames)(void (*on_frame)(void));
	/* A fingerprint of where the calling thread's innermost Python frame is and of its state:
	 * the code (by name, file and line) and instruction, its local variables (numbers and
	 * strings by value, containers by length and first items, instances by type and the
	 * attributes they keep beside them, other objects by type: never by address), the module
	 * globals its code names (the same way) and the version tags of its globals and builtins.  Reads only; 0 when the thread has no Python
	 * frame. */
	uint64_t (*fingerprint)(void);
	/* The same thread's innermost frame's place alone, cheaply: its code's first line << 32 |
	 * its instruction (-1: no Python frame); a fingerprint is only worth computing where this
	 * is the recorded one. */
	int64_t (*frame_place)(void);
	/* When the calling thread is in threading.Thread.start: that thread's name, UTF-8, into
	 * buf; its length (0: not there, or no name).  Reads only, allocates nothing. */
	size_t (*thread_name)(char *buf, size_t n);
	/* Where another thread's Python code is, "file:line in function", from the thread state
	 * its rt_pyloc_thread found last; for reports only (the thread may be running: the read is
	 * racy, made once before the process exits).  0 when it has no Python frame. */
	size_t (*where)(const struct rt_pyloc_thread *thread, char *buf, size_t n);

	/* ---- pdb (pyhooks/debug.c) ---- */
	/* Right after an event's call, from its wrapper (the GIL held or not): the calling thread
	 * stops in pdb at its next Python line (or return); note is said first.  Touches only the
	 * thread's own state; -1 when it has no Python thread state. */
	int (*debug_arm)(const char *note);
	/* The GIL held: trace the calling thread for FILE:LINE[:N] breakpoints (lines,
	 * newline-separated, read at the first call) and exceptions (0: none, 1: the first raised
	 * in the program's code, 2: the first uncaught). */
	void (*debug_watch)(const char *lines, int exceptions);
	/* A divergence was reported: pdb in the calling thread's innermost frame, post-mortem
	 * (same GIL rule as flush_stdio). */
	void (*debug_divergence)(int may_take_gil, const char *note);
};

typedef int (*rt_pyhooks_register_fn)(struct rt_pyhooks *hooks);

#endif
