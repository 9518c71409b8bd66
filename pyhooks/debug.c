/* debug.c — pdb inside a replay (retrace-replay --break, --break-on-exception,
 * --break-at-divergence): the trace function that finds the stop, and the session around pdb.
 *
 * A stop is found by a C trace function (tstate->c_tracefunc), never by sys.settrace: the
 * trace function is not a Python frame, so the frame counts a multi-threaded schedule relies on
 * do not see it, and it brackets everything the debugger runs between libretrace's
 * debug_begin and debug_end (interception suspended for the thread, the schedule's stall watch
 * paused).  Inside a session the debugger's Python memory comes from a region of its own
 * (PyMem_SetAllocator, installed at the first session and kept: a block allocated there is
 * freed there, whenever), the collector is off and its counts are put back, and what pdb's
 * imports add to sys.modules, sys.path_importer_cache, linecache and builtins._ is taken out
 * again: the program then finds its heap and its import state as it left them, so its later
 * id()s, set orders and imports are the recording's.  What cannot be kept so (the frame object
 * CPython makes for a traced frame, a block of the program's freed by the debugger, malloc()
 * called by C code) is detected by comparing the allocators' state, and libretrace says so.
 */
#include "pyhooks_internal.h"

#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wchar.h>

#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"

static struct rt_pyhooks *hooks;
PyAPI_FUNC(Py_ssize_t) _Py_GetAllocatedBlocks(void);

/* ---- the debugger's own memory ------------------------------------------------------------- */

/* A fixed region far from everything the program or the kernel places (retrace's own are at
 * 62 and 63 TiB), so mapping it moves no later mmap of the program's.  Bump allocation with a
 * size header; freeing gives nothing back (a session allocates a few MiB). */
#define DBG_REGION ((char *)0x3d0000000000ull)
#define DBG_RESERVE (1ull << 36)
#define DBG_GROW (8u << 20)
static char *dbg_top, *dbg_mapped;
static __thread int dbg_private; /* this thread is in a session: its allocations are ours */
static PyMemAllocatorEx dbg_orig[3];
static int dbg_hooked;

static int dbg_owns(const void *p)
{
	return (const char *)p >= DBG_REGION && (const char *)p < DBG_REGION + DBG_RESERVE;
}

static void *dbg_take(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!dbg_top)
		dbg_top = dbg_mapped = DBG_REGION;
	if ((size_t)(DBG_REGION + DBG_RESERVE - dbg_top) < n + 16)
		return NULL;
	while (dbg_top + n + 16 > dbg_mapped) {
		if (mmap(dbg_mapped, DBG_GROW, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED)
			return NULL;
		dbg_mapped += DBG_GROW;
	}
	*(size_t *)dbg_top = n;
	void *p = dbg_top + 16;
	dbg_top += n + 16;
	return p;
}

static size_t dbg_size(const void *p)
{
	return *(const size_t *)((const char *)p - 16);
}

static int dbg_domain(void *ctx)
{
	return (int)(intptr_t)ctx;
}

static void *dbg_malloc(void *ctx, size_t n)
{
	if (dbg_private)
		return dbg_take(n ? n : 1);
	PyMemAllocatorEx *o = &dbg_orig[dbg_domain(ctx)];
	return o->malloc(o->ctx, n);
}

static void *dbg_calloc(void *ctx, size_t k, size_t n)
{
	if (dbg_private) {
		if (n && k > SIZE_MAX / n)
			return NULL;
		return dbg_take(k * n > 0 ? k * n : 1); /* fresh mapping: zeroed */
	}
	PyMemAllocatorEx *o = &dbg_orig[dbg_domain(ctx)];
	return o->calloc(o->ctx, k, n);
}

/* A block of ours grown after the session (the program appended to a list pdb made) stays
 * ours: the program's heap never gets it. */
static void *dbg_realloc(void *ctx, void *p, size_t n)
{
	if (p && dbg_owns(p)) {
		void *q = dbg_take(n ? n : 1);
		if (q) {
			size_t old = dbg_size(p);
			memcpy(q, p, old < n ? old : n);
		}
		return q;
	}
	if (dbg_private && !p)
		return dbg_take(n ? n : 1);
	PyMemAllocatorEx *o = &dbg_orig[dbg_domain(ctx)];
	return o->realloc(o->ctx, p, n);
}

static void dbg_free(void *ctx, void *p)
{
	if (!p || dbg_owns(p))
		return;
	PyMemAllocatorEx *o = &dbg_orig[dbg_domain(ctx)];
	o->free(o->ctx, p);
}

static void dbg_hook_allocators(void)
{
	if (dbg_hooked)
		return;
	static const PyMemAllocatorDomain domains[3] = { PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
							 PYMEM_DOMAIN_OBJ };
	for (int i = 0; i < 3; i++) {
		PyMem_GetAllocator(domains[i], &dbg_orig[i]);
		PyMemAllocatorEx a = { (void *)(intptr_t)i, dbg_malloc, dbg_calloc, dbg_realloc, dbg_free };
		PyMem_SetAllocator(domains[i], &a);
	}
	dbg_hooked = 1;
}

/* What the program's allocators hold: pymalloc's blocks, malloc's arena and mmapped chunks,
 * the program break.  Equal before and after a session: the debugger changed none of it. */
struct dbg_heap {
	Py_ssize_t blocks;
	size_t arena, inuse, mmapped, chunks;
	void *brk;
};

static void dbg_heap_now(struct dbg_heap *h)
{
	struct mallinfo2 m = mallinfo2();
	h->blocks = _Py_GetAllocatedBlocks();
	h->arena = m.arena;
	h->inuse = m.uordblks;
	h->mmapped = m.hblkhd;
	h->chunks = m.ordblks;
	h->brk = sbrk(0);
}

static int dbg_heap_same(const struct dbg_heap *a, const struct dbg_heap *b)
{
	return a->blocks == b->blocks && a->arena == b->arena && a->inuse == b->inuse &&
	       a->mmapped == b->mmapped && a->chunks == b->chunks && a->brk == b->brk;
}

/* ---- the Python side of a session ---------------------------------------------------------- */

/* Compiled once, in a session, into a namespace of its own (kept: it is debugger memory). */
static const char session_py[] =
	"import sys\n"
	"_NONE = object()\n"
	"class Kept:\n"
	"    '''What the debugger's imports and evaluations change and the program must find as it\n"
	"    left it (its later imports are replayed: one of a module pdb already imported would\n"
	"    not make the recorded calls).'''\n"
	"    def __init__(self):\n"
	"        self.modules = set(sys.modules)\n"
	"        self.importers = set(sys.path_importer_cache)\n"
	"        lc = sys.modules.get('linecache')\n"
	"        self.linecache = (lc, dict(lc.cache)) if lc is not None else None\n"
	"        self.underscore = sys.modules['builtins'].__dict__.get('_', _NONE)\n"
	"        self.path = sys.path[:]\n"
	"    def restore(self):\n"
	"        for m in set(sys.modules) - self.modules:\n"
	"            del sys.modules[m]\n"
	"        for p in set(sys.path_importer_cache) - self.importers:\n"
	"            del sys.path_importer_cache[p]\n"
	"        if self.linecache:\n"
	"            lc, c = self.linecache\n"
	"            lc.cache.clear()\n"
	"            lc.cache.update(c)\n"
	"        b = sys.modules['builtins'].__dict__\n"
	"        if self.underscore is _NONE:\n"
	"            b.pop('_', None)\n"
	"        else:\n"
	"            b['_'] = self.underscore\n"
	"        sys.path[:] = self.path\n"
	"def make(fd):\n"
	"    '''A Pdb on the terminal (fd), its modules imported from the standard library only: the\n"
	"    program's own directories are looked at by replayed calls.'''\n"
	"    import os\n"
	"    lib = os.path.dirname(os.__file__)\n"
	"    path = sys.path[:]\n"
	"    sys.path[:] = [p for p in path if p == lib or p.startswith(lib + '/')]\n"
	"    try:\n"
	"        import pdb\n"
	"    finally:\n"
	"        sys.path[:] = path\n"
	"    i = open(fd, 'r', closefd=False, errors='replace')\n"
	"    o = open(fd, 'w', buffering=1, closefd=False, errors='replace')\n"
	"    p = pdb.Pdb(stdin=i, stdout=o, nosigint=True, readrc=False)\n"
	"    p.prompt = '(Pdb) '\n"
	"    return p\n"
	"def stop(p, frame, kind, arg, note):\n"
	"    '''Stop in pdb at frame: kind is line, return, call, exception, uncaught, divergence.\n"
	"    Returns True when pdb goes on tracing (step, next, its own breakpoints).'''\n"
	"    import bdb\n"
	"    print('retrace:', note, file=p.stdout)\n"
	"    p.reset()\n"
	"    f = frame\n"
	"    while f.f_back is not None:\n"
	"        f = f.f_back\n"
	"    p.botframe = f\n"
	"    try:\n"
	"        if kind in ('uncaught', 'divergence'):\n"
	"            p.interaction(frame, arg)\n"
	"            return False\n"
	"        p.set_step()\n"
	"        p.trace_dispatch(frame, 'exception' if kind == 'exception' else kind, arg)\n"
	"    except bdb.BdbQuit:\n"
	"        raise SystemExit('quit')\n"
	"    return not p.quitting and sys.gettrace() is not None\n"
	"def dispatch(p, frame, event, arg):\n"
	"    import bdb\n"
	"    try:\n"
	"        p.trace_dispatch(frame, event, arg)\n"
	"    except bdb.BdbQuit:\n"
	"        raise SystemExit('quit')\n"
	"    return not p.quitting\n";

static PyObject *session_ns; /* the namespace session_py runs in */

/* Per thread: its Pdb while pdb traces it between stops; what the trace function is for. */
struct dbg_thread {
	PyObject *pdb;
	int armed;          /* stop at the next line (--break EVENT) */
	_PyInterpreterFrame *armed_frame; /* the frame that made the event ... */
	int armed_clean;    /* ... already had its frame object and line array: tracing it
			       allocates nothing */
	char note[256];
};
static __thread struct dbg_thread dbg_self;
static int dbg_final; /* the session at a divergence: the replay ends after it */

/* --break FILE:LINE[:N], and --break-on-exception (1: raised in the program's code, 2:
 * uncaught) */
#define DBG_LINES_MAX 16
static struct {
	char file[1024];
	int line;
	long nth, seen;
} dbg_lines[DBG_LINES_MAX];
static int dbg_nlines, dbg_exceptions, dbg_exception_done;
static PyObject *dbg_uncaught; /* the outermost frame's exception, (type, value, traceback) */

struct dbg_saved {
	struct dbg_heap heap;
	int gc_enabled;
	int gc_counts[NUM_GENERATIONS];
	PyObject *type, *value, *tb;
	PyObject *kept;
};

static int dbg_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);

/* Enter a session on the calling thread (the GIL held): from here until dbg_leave, its calls
 * are live, its Python memory is the debugger's, the collector waits. */
static void dbg_enter(struct dbg_saved *s)
{
	hooks->debug_begin();
	dbg_heap_now(&s->heap);
	struct _gc_runtime_state *gc = &_PyInterpreterState_GET()->gc;
	s->gc_enabled = gc->enabled;
	for (int i = 0; i < NUM_GENERATIONS; i++)
		s->gc_counts[i] = gc->generations[i].count;
	gc->enabled = 0;
	dbg_hook_allocators();
	dbg_private = 1;
	PyErr_Fetch(&s->type, &s->value, &s->tb);
	s->kept = NULL;
	if (!session_ns) {
		session_ns = PyDict_New();
		PyObject *r = session_ns ? PyRun_String(session_py, Py_file_input, session_ns, session_ns)
					 : NULL;
		if (!r) {
			PyErr_Print();
			Py_CLEAR(session_ns);
		}
		Py_XDECREF(r);
	}
	if (session_ns) {
		PyObject *kept = PyDict_GetItemString(session_ns, "Kept");
		s->kept = kept ? PyObject_CallNoArgs(kept) : NULL;
		PyErr_Clear();
	}
}

static void dbg_leave(struct dbg_saved *s, const char *why_disturbed)
{
	if (s->kept) {
		PyObject *r = PyObject_CallMethod(s->kept, "restore", NULL);
		if (!r)
			PyErr_Print();
		Py_XDECREF(r);
		Py_CLEAR(s->kept);
	}
	PyErr_Restore(s->type, s->value, s->tb);
	dbg_private = 0;
	struct _gc_runtime_state *gc = &_PyInterpreterState_GET()->gc;
	gc->enabled = s->gc_enabled;
	for (int i = 0; i < NUM_GENERATIONS; i++)
		gc->generations[i].count = s->gc_counts[i];
	struct dbg_heap now;
	dbg_heap_now(&now);
	if (dbg_final) /* the replay ends after this session */
		why_disturbed = NULL;
	else if (!why_disturbed && !dbg_heap_same(&s->heap, &now))
		why_disturbed = now.blocks != s->heap.blocks
			? "the debugger freed or allocated Python objects of the program's heap"
			: "C code the debugger ran used malloc";
	hooks->debug_end(why_disturbed);
}

/* A function of session_py with these arguments; its result (new), or NULL on an error, which
 * is printed, except for SystemExit('quit') from pdb's quit, which ends the replay. */
static PyObject *dbg_call(const char *name, PyObject *args)
{
	PyObject *fn = session_ns ? PyDict_GetItemString(session_ns, name) : NULL;
	PyObject *r = fn && args ? PyObject_CallObject(fn, args) : NULL;
	Py_XDECREF(args);
	if (!r && PyErr_Occurred()) {
		if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
			PyErr_Clear();
			hooks->debug_quit();
		}
		PyErr_Print();
	}
	return r;
}

static const char *const event_names[] = { "call", "exception", "line", "return" };

/* A stop: pdb at frame.  arg: the exception tuple, or the traceback for post-mortem.  Returns
 * 1 when pdb goes on tracing the thread. */
static int dbg_stop(PyFrameObject *frame, const char *kind, PyObject *arg, const char *note,
		    const char *disturbed)
{
	struct dbg_saved s;
	dbg_enter(&s);
	int tracing = 0;
	if (!dbg_self.pdb) {
		int fd = hooks->debug_tty();
		if (fd < 0) {
			dbg_leave(&s, disturbed);
			return 0;
		}
		PyObject *p = dbg_call("make", Py_BuildValue("(i)", fd));
		dbg_self.pdb = p;
	}
	if (dbg_self.pdb) {
		PyObject *r = dbg_call("stop", Py_BuildValue("(OOsOs)", dbg_self.pdb, (PyObject *)frame,
							    kind, arg ? arg : Py_None, note));
		tracing = r == Py_True;
		Py_XDECREF(r);
		PyErr_Clear();
	}
	if (!tracing)
		Py_CLEAR(dbg_self.pdb);
	dbg_leave(&s, disturbed);
	return tracing;
}

/* What the session leaves tracing the thread: pdb's stepping, our watches, or nothing. */
static void dbg_retrace(int pdb_tracing)
{
	PyThreadState *ts = PyThreadState_Get();
	int want = pdb_tracing || dbg_nlines || (dbg_exceptions && !dbg_exception_done);
	_PyEval_SetTrace(ts, want ? dbg_trace : NULL, NULL);
}

static int dbg_in_program(PyFrameObject *frame)
{
	char file[1024];
	PyCodeObject *co = PyFrame_GetCode(frame);
	size_t n = pyhooks_utf8_of(co->co_filename, file, sizeof file - 1);
	Py_DECREF(co);
	file[n] = 0;
	if (file[0] == '<')
		return 0; /* <frozen importlib._bootstrap>, <string> */
	/* PREFIX/lib/python3.11 and Debian's PREFIX/lib/python3/dist-packages: libraries */
	static char lib[1024];
	if (!lib[0]) {
		const wchar_t *prefix = Py_GetPrefix();
		char p[900];
		size_t k = prefix ? wcstombs(p, prefix, sizeof p - 1) : (size_t)-1;
		snprintf(lib, sizeof lib, "%s/lib/python3", k == (size_t)-1 ? "/usr" : p);
	}
	return strncmp(file, lib, strlen(lib)) != 0;
}

static int dbg_line_hit(PyFrameObject *frame)
{
	char file[1024];
	PyCodeObject *co = PyFrame_GetCode(frame);
	size_t n = pyhooks_utf8_of(co->co_filename, file, sizeof file - 1);
	Py_DECREF(co);
	file[n] = 0;
	int line = PyFrame_GetLineNumber(frame);
	for (int i = 0; i < dbg_nlines; i++) {
		size_t k = strlen(dbg_lines[i].file);
		int same = strcmp(file, dbg_lines[i].file) == 0 ||
			   (n > k && file[n - k - 1] == '/' && strcmp(file + n - k, dbg_lines[i].file) == 0);
		if (dbg_lines[i].line != line || !same || dbg_lines[i].seen >= dbg_lines[i].nth)
			continue;
		if (++dbg_lines[i].seen == dbg_lines[i].nth) {
			snprintf(dbg_self.note, sizeof dbg_self.note,
				 "stopped at %s:%d, run %ld", dbg_lines[i].file, line, dbg_lines[i].nth);
			return 1;
		}
	}
	return 0;
}

static int dbg_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
	(void)obj;
	if (what != PyTrace_CALL && what != PyTrace_EXCEPTION && what != PyTrace_LINE &&
	    what != PyTrace_RETURN)
		return 0;
	const char *event = event_names[what == PyTrace_CALL ? 0 : what == PyTrace_EXCEPTION ? 1
					: what == PyTrace_LINE ? 2 : 3];
	if (dbg_self.pdb) { /* pdb steps: every event is its */
		struct dbg_saved s;
		dbg_enter(&s);
		PyObject *r = dbg_call("dispatch", Py_BuildValue("(OOsO)", dbg_self.pdb,
								 (PyObject *)frame, event,
								 arg ? arg : Py_None));
		int tracing = r == Py_True && PyThreadState_Get()->c_tracefunc == dbg_trace;
		Py_XDECREF(r);
		PyErr_Clear();
		if (!tracing)
			Py_CLEAR(dbg_self.pdb);
		dbg_leave(&s, "pdb traced the program between stops (step, next or a breakpoint of "
			      "pdb's own): CPython gave its frames objects");
		dbg_retrace(tracing);
		return 0;
	}
	if (dbg_self.armed) {
		dbg_self.armed = 0;
		const char *disturbed = NULL;
		if (frame->f_frame != dbg_self.armed_frame || !dbg_self.armed_clean)
			disturbed = "CPython made a frame object or line table for the stop";
		dbg_retrace(dbg_stop(frame, event, arg, dbg_self.note, disturbed));
		return 0;
	}
	if (what == PyTrace_LINE && dbg_nlines && dbg_line_hit(frame)) {
		dbg_retrace(dbg_stop(frame, "line", NULL, dbg_self.note, NULL));
		return 0;
	}
	if (what == PyTrace_EXCEPTION && dbg_exceptions == 1 && !dbg_exception_done &&
	    dbg_in_program(frame)) {
		dbg_exception_done = 1;
		PyObject *type = PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) > 0 ? PyTuple_GET_ITEM(arg, 0) : NULL;
		snprintf(dbg_self.note, sizeof dbg_self.note, "stopped at the first exception raised "
			 "in the program's code: %s", type && PyType_Check(type) ? ((PyTypeObject *)type)->tp_name : "?");
		dbg_retrace(dbg_stop(frame, "exception", arg, dbg_self.note, NULL));
		return 0;
	}
	/* --break-on-exception=uncaught: an exception leaves the main thread's outermost frame
	 * (its exit traced with no value).  The exception is out of reach by then (CPython keeps
	 * it aside while the trace function runs): the outermost frame's last one is kept from its
	 * exception event until its next line. */
	if (dbg_exceptions == 2 && !dbg_exception_done && !frame->f_back &&
	    PyThread_get_thread_ident() == _PyRuntime.main_thread) {
		if (what == PyTrace_EXCEPTION && PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) == 3) {
			Py_XSETREF(dbg_uncaught, Py_NewRef(arg));
		} else if (what == PyTrace_LINE) {
			Py_CLEAR(dbg_uncaught);
		} else if (what == PyTrace_RETURN && !arg && dbg_uncaught) {
			dbg_exception_done = 1;
			PyObject *type = PyTuple_GET_ITEM(dbg_uncaught, 0);
			PyObject *tb = PyTuple_GET_ITEM(dbg_uncaught, 2);
			snprintf(dbg_self.note, sizeof dbg_self.note, "post-mortem: an uncaught %s ends "
				 "the program", PyType_Check(type) ? ((PyTypeObject *)type)->tp_name : "exception");
			dbg_retrace(dbg_stop(frame, "uncaught", tb, dbg_self.note, NULL));
			Py_CLEAR(dbg_uncaught);
		}
	}
	return 0;
}

/* ---- the table's entries --------------------------------------------------------------------- */

/* --break EVENT, right after the event's call: the calling thread (the GIL released, most
 * likely) stops at its next line.  Only its own thread state and frames are touched. */
static int dbg_arm(const char *note)
{
	PyThreadState *ts = _PyRuntime.gilstate.autoTSSkey._is_initialized
		? pthread_getspecific(_PyRuntime.gilstate.autoTSSkey._key) : NULL;
	if (!ts || !ts->cframe || !Py_IsInitialized())
		return -1;
	_PyInterpreterFrame *f = pyhooks_innermost_frame();
	dbg_self.armed = 1;
	dbg_self.armed_frame = f;
	dbg_self.armed_clean = f && f->frame_obj && f->f_code->_co_linearray;
	snprintf(dbg_self.note, sizeof dbg_self.note, "%s", note);
	if (ts->c_tracefunc != dbg_trace) {
		ts->c_tracefunc = dbg_trace;
		ts->c_traceobj = NULL; /* a trace object of the program's is left behind (never freed) */
	}
	ts->cframe->use_tracing = 255;
	return 0;
}

/* FILE:LINE[:N] lines (newline-separated) and the exceptions mode, once; then the calling
 * thread (the GIL held) is traced for them. */
static void dbg_watch(const char *lines, int exceptions)
{
	static int parsed;
	if (!parsed) {
		parsed = 1;
		dbg_exceptions = exceptions;
		for (const char *s = lines; s && *s && dbg_nlines < DBG_LINES_MAX;) {
			const char *e = strchr(s, '\n');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			char spec[1100], *end;
			snprintf(spec, sizeof spec, "%.*s", (int)len, s);
			s += len + (e ? 1 : 0);
			/* FILE:LINE or FILE:LINE:N (retrace-replay checked the numbers) */
			char *c = strrchr(spec, ':');
			if (!c)
				continue;
			long last = strtol(c + 1, &end, 10), line = last, nth = 1;
			*c = 0;
			char *c2 = strrchr(spec, ':');
			if (c2) {
				long l2 = strtol(c2 + 1, &end, 10);
				if (*end == 0 && l2 > 0) {
					line = l2;
					nth = last;
					*c2 = 0;
				}
			}
			snprintf(dbg_lines[dbg_nlines].file, sizeof dbg_lines[0].file, "%.1000s", spec);
			dbg_lines[dbg_nlines].line = (int)line;
			dbg_lines[dbg_nlines].nth = nth > 0 ? nth : 1;
			dbg_nlines++;
		}
	}
	if (dbg_nlines || dbg_exceptions)
		_PyEval_SetTrace(PyThreadState_Get(), dbg_trace, NULL);
}

/* Replay diverged: post-mortem in the calling thread's innermost frame, when it holds the GIL
 * or may take it. */
static void dbg_divergence(int may_take_gil, const char *note)
{
	if (!Py_IsInitialized() || _Py_IsFinalizing())
		return;
	int held = hooks->holds_gil && hooks->holds_gil();
	PyGILState_STATE g = PyGILState_LOCKED;
	if (!held) {
		if (!may_take_gil || _Py_atomic_load_relaxed(&_PyRuntime.ceval.gil.locked) != 0) {
			hooks->debug_cannot("another thread holds the GIL");
			return;
		}
		g = PyGILState_Ensure();
	}
	dbg_final = 1;
	PyFrameObject *f = PyEval_GetFrame(); /* borrowed */
	if (f)
		dbg_stop(f, "divergence", Py_None, note, NULL);
	else
		hooks->debug_cannot("the call was made with no Python frame");
	if (!held)
		PyGILState_Release(g);
}

void pyhooks_debug_register(struct rt_pyhooks *h)
{
	hooks = h;
	h->debug_arm = dbg_arm;
	h->debug_watch = dbg_watch;
	h->debug_divergence = dbg_divergence;
}
