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
 *
 * Going back (pdb's back, lastchange) replays the trace again from its start: nothing of a run
 * can be undone in place, and replay reaches any earlier state exactly.  What names a point
 * across runs: an event number; FILE:LINE:N, the Nth run of a line (the runs counted in every
 * traced thread, as --break FILE:LINE counts them); and "now", the Kth stop of a run started
 * with the same settings (retrace's stops, not where pdb stepped to since).  An event before
 * now is known here (libretrace keeps the last ones); a line's runs or a variable's changes
 * before now are not, so a scout run first replays to the Kth stop with the program traced,
 * counting them, opens no pdb, and restarts the replay at the point it found.
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
	"        # importing inserts into these two dicts of importlib's and deletes again: an\n"
	"        # insertion may grow one, freeing its old table of the program's heap, so the\n"
	"        # session imports with dicts of its own\n"
	"        self.bootstrap = sys.modules.get('_frozen_importlib')\n"
	"        if self.bootstrap is not None:\n"
	"            b = self.bootstrap\n"
	"            self.locks = b._module_locks, b._blocking_on\n"
	"            b._module_locks, b._blocking_on = {}, {}\n"
	"    def restore(self):\n"
	"        if self.bootstrap is not None:\n"
	"            self.bootstrap._module_locks, self.bootstrap._blocking_on = self.locks\n"
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
	"def go_back(arg, frame, say):\n"
	"    '''pdb's back (and the editor's, dap.c): replays again from the start (never returns)\n"
	"    or returns why it cannot.'''\n"
	"    words = arg.split()\n"
	"    try:\n"
	"        if len(words) <= 1 and all(w.isdigit() for w in words):\n"
	"            return _back_events(int(words[0]) if words else 1)\n"
	"        if 1 <= len(words) <= 2:\n"
	"            file, _, line = words[0].rpartition(':')\n"
	"            n = int(words[1]) if len(words) > 1 else 1\n"
	"            if int(line) < 1 or n < 1:\n"
	"                raise ValueError\n"
	"            say('retrace: replaying from the start to go back')\n"
	"            return _back_line(file or frame.f_code.co_filename, int(line), n)\n"
	"    except ValueError:\n"
	"        pass\n"
	"    return 'back takes N, LINE [N] or FILE:LINE [N], numbers above 0'\n"
	"def last_change(arg, frame, say):\n"
	"    '''pdb's lastchange NAME (and the editor's), as go_back.'''\n"
	"    name = arg.strip()\n"
	"    co = frame.f_code\n"
	"    if not name.isidentifier():\n"
	"        return 'lastchange takes the name of a variable'\n"
	"    if frame.f_locals is not frame.f_globals and name in co.co_varnames + co.co_cellvars:\n"
	"        if name not in frame.f_locals:\n"
	"            return '%s has no value here' % name\n"
	"        kind, first = 'local', co.co_firstlineno\n"
	"    elif name in frame.f_globals:\n"
	"        kind, first = 'global', 0\n"
	"    else:\n"
	"        return '%s is no variable of this frame or its module' % name\n"
	"    say('retrace: replaying from the start to find where %s changed' % name)\n"
	"    return _last_change(kind, name, first, co.co_filename)\n"
	"def _thread_name():\n"
	"    import _thread\n"
	"    t = sys.modules.get('threading')\n"
	"    t = t and t._active.get(_thread.get_ident())\n"
	"    return t.name if t else 'MainThread'\n"
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
	"    class Pdb(pdb.Pdb):\n"
	"        def do_back(self, arg):\n"
	"            '''back [N] | back [FILE:]LINE [N]\n"
	"        Go back by replaying the trace again from its start: with no\n"
	"        argument or a number N, to the Nth event before the current one\n"
	"        (the last one the program's calls consumed; 1, the previous, by\n"
	"        default), stopped after it as --break EVENT stops; with LINE (of\n"
	"        the current frame's file) or FILE:LINE, to the Nth run of that\n"
	"        line before the current stop (1, its last, by default).  The\n"
	"        program's output is not shown again.'''\n"
	"            self.error(go_back(arg, self.curframe, lambda text: print(text, file=self.stdout)))\n"
	"        def do_lastchange(self, arg):\n"
	"            '''lastchange NAME\n"
	"        Go back to where the variable NAME (a local of the current frame's\n"
	"        function, else a global of its module) got the value it has now:\n"
	"        a replay from the start watches NAME up to this stop, then another\n"
	"        stops at the first line run after it changed.'''\n"
	"            self.error(last_change(arg, self.curframe, lambda text: print(text, file=self.stdout)))\n"
	"    i = open(fd, 'r', closefd=False, errors='replace')\n"
	"    o = open(fd, 'w', buffering=1, closefd=False, errors='replace')\n"
	"    p = Pdb(stdin=i, stdout=o, nosigint=True, readrc=False)\n"
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
	"            p.interaction(None if kind == 'uncaught' else frame, arg)  # uncaught: where it was raised\n"
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

/* --break FILE:LINE[:N] (16 at most) and the editor's breakpoints (every: each run of the
 * line stops, once the run has made its first stop: --dap, dap.c; threads are traced for them
 * from their first event when the run started with some or with the first stop at the
 * program's first line, else a thread once it stops, or starts after they were set), and
 * --break-on-exception
 * (1: raised in the program's code, 2: uncaught) */
#define DBG_LINES_MAX 80
static struct {
	char file[1024];
	int line;
	long nth, seen;
	int every;
} dbg_lines[DBG_LINES_MAX];
static int dbg_nlines, dbg_exceptions, dbg_exception_done;
static long dbg_stops; /* retrace's stops so far in this run (the Kth is "now" for a scout) */
static int dbg_note_said; /* the note of the restart that started this run */

/* A scout run (RETRACE_BACK_SCOUT "K\tKIND\t..."): at its Kth stop it restarts the replay at
 * what it found, or, for KIND here, opens pdb as the run that asked did (stops before are
 * passed by).  KIND line "N\tFILE:LINE": the Nth last run of that line before the stop; local
 * "NAME\tFIRSTLINE\tFILE", global "NAME\t0\tFILE": the line event after NAME last changed,
 * in frames of that function (or, for a global, of that file). */
#define SCOUT_LINES 65536
static struct {
	char kind;  /* 0: no scout; 'h', 'l', 'L'ocal, 'G'lobal */
	long stop, nth;
	char file[1024], name[256];
	int line, firstline;
	long runs[SCOUT_LINES]; /* runs of each line of file so far */
	int now_line;           /* the line the current trace event counted (0: none) */
	PyObject *last;         /* NAME's value at the last line event watched (NULL: unbound) */
	int at_line;            /* where it changed last: the line event after it ... */
	long at_run;            /* ... and that line's run */
} scout;
static PyObject *dbg_uncaught; /* the outermost frame's exception, (type, value, traceback) */
/* --dap: a first stop at the program's first line (no --break given: the editor attaches
 * there), the stop being made is that one, the editor is gone (no more stops) */
static int dbg_entry, dbg_entry_stop, dbg_dap_gone;

/* ---- pdb's back and lastchange (session_py's Pdb calls these) ------------------------------ */

/* Each restarts the replay (never returns) or returns why it cannot, for pdb to say. */
static PyObject *back_events(PyObject *self, PyObject *args)
{
	(void)self;
	int n;
	if (!PyArg_ParseTuple(args, "i", &n))
		return NULL;
	uint64_t now = hooks->debug_event_back(0), to = n > 0 ? hooks->debug_event_back((unsigned)n) : 0;
	if (!now)
		return PyUnicode_FromString("no event of the program's is replayed yet");
	if (!to)
		return PyUnicode_FromFormat("not %d events back: only the last 4095 events the program's "
					    "calls consumed are kept", n);
	char brk[32], note[200];
	snprintf(brk, sizeof brk, "%llu", (unsigned long long)to);
	snprintf(note, sizeof note, "back %d event%s, from #%llu", n, n == 1 ? "" : "s",
		 (unsigned long long)now);
	hooks->debug_restart(brk, "", note);
	Py_RETURN_NONE;
}

static PyObject *back_line(PyObject *self, PyObject *args)
{
	(void)self;
	const char *file;
	int line, n;
	if (!PyArg_ParseTuple(args, "sii", &file, &line, &n))
		return NULL;
	char scout_spec[1200];
	snprintf(scout_spec, sizeof scout_spec, "%ld\tline\t%d\t%s:%d", dbg_stops, n, file, line);
	hooks->debug_restart(hooks->debug_breaks, scout_spec, "");
	Py_RETURN_NONE;
}

static PyObject *last_change(PyObject *self, PyObject *args)
{
	(void)self;
	const char *kind, *name, *file;
	int firstline;
	if (!PyArg_ParseTuple(args, "ssis", &kind, &name, &firstline, &file))
		return NULL;
	char scout_spec[1400];
	snprintf(scout_spec, sizeof scout_spec, "%ld\t%s\t%s\t%d\t%s", dbg_stops, kind, name,
		 firstline, file);
	hooks->debug_restart(hooks->debug_breaks, scout_spec, "");
	Py_RETURN_NONE;
}

/* The editor's breakpoints (setBreakpoints, dap.c): those of path become lines; the rest's
 * are kept; hooks->debug_dap_lines is rewritten for a restart to carry them.  Returns how many
 * of lines were kept (DBG_LINES_MAX in all). */
static void dap_add_line(const char *file, int line)
{
	if (dbg_nlines >= DBG_LINES_MAX || line < 1)
		return;
	snprintf(dbg_lines[dbg_nlines].file, sizeof dbg_lines[0].file, "%.1000s", file);
	dbg_lines[dbg_nlines].line = line;
	dbg_lines[dbg_nlines].nth = 1;
	dbg_lines[dbg_nlines].seen = 0;
	dbg_lines[dbg_nlines].every = 1;
	dbg_nlines++;
}

static PyObject *dap_lines(PyObject *self, PyObject *args)
{
	(void)self;
	const char *path;
	PyObject *lines;
	if (!PyArg_ParseTuple(args, "sO!", &path, &PyList_Type, &lines))
		return NULL;
	int k = 0;
	for (int i = 0; i < dbg_nlines; i++)
		if (!dbg_lines[i].every || strcmp(dbg_lines[i].file, path) != 0)
			dbg_lines[k++] = dbg_lines[i];
	dbg_nlines = k;
	Py_ssize_t kept = 0;
	for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines) && dbg_nlines < DBG_LINES_MAX; i++, kept++)
		dap_add_line(path, (int)PyLong_AsLong(PyList_GET_ITEM(lines, i)));
	PyErr_Clear();
	char *out = hooks->debug_dap_lines;
	size_t n = 0, size = hooks->debug_dap_lines_size;
	out[0] = 0;
	for (int i = 0; i < dbg_nlines; i++) {
		if (!dbg_lines[i].every)
			continue;
		int w = snprintf(out + n, size - n, "%s%s:%d", n ? "\n" : "", dbg_lines[i].file,
				 dbg_lines[i].line);
		if (w < 0 || (size_t)w >= size - n) {
			out[n] = 0; /* what fits is carried */
			break;
		}
		n += (size_t)w;
	}
	return PyLong_FromSsize_t(kept);
}

static PyMethodDef back_functions[] = {
	{ "_dap_lines", dap_lines, METH_VARARGS, NULL },
	{ "_back_events", back_events, METH_VARARGS, NULL },
	{ "_back_line", back_line, METH_VARARGS, NULL },
	{ "_last_change", last_change, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

struct dbg_saved {
	struct dbg_heap heap;
	int gc_enabled;
	int gc_counts[NUM_GENERATIONS];
	PyObject *type, *value, *tb;
	PyObject *kept;
};

static int dbg_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);
static void scout_parse(void);
static void scout_finish(void);

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
		if (r && hooks->debug_dap_fd >= 0) {
			Py_DECREF(r);
			r = PyRun_String(pyhooks_dap_py, Py_file_input, session_ns, session_ns);
		}
		if (!r) {
			PyErr_Print();
			Py_CLEAR(session_ns);
		}
		Py_XDECREF(r);
		for (PyMethodDef *d = back_functions; session_ns && d->ml_name; d++) {
			PyObject *fn = PyCFunction_New(d, NULL);
			if (fn)
				PyDict_SetItemString(session_ns, d->ml_name, fn);
			Py_XDECREF(fn);
		}
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
	int entry = dbg_entry_stop;
	dbg_entry_stop = 0;
	scout_parse();
	dbg_stops++;
	if (scout.kind && dbg_stops < scout.stop)
		return 0; /* a stop before the one the scout is for: passed by, quietly */
	if (scout.kind && dbg_stops == scout.stop) {
		scout_finish();
		scout.kind = 0;
	}
	char said[1800];
	if (!dbg_note_said && hooks->debug_note && hooks->debug_note[0]) {
		snprintf(said, sizeof said, "%s\nretrace: %s", hooks->debug_note, note);
		note = said;
	}
	dbg_note_said = 1;
	struct dbg_saved s;
	dbg_enter(&s);
	int tracing = 0;
	if (hooks->debug_dap_fd >= 0) { /* the editor's, not pdb's */
		const char *reason = entry ? "entry"
			: strcmp(kind, "line") == 0 || strcmp(kind, "call") == 0 || strcmp(kind, "return") == 0
			? "breakpoint" : "exception";
		PyObject *r = dbg_dap_gone ? NULL
			: dbg_call("dap_stop", Py_BuildValue("(iiOsOss)", hooks->debug_dap_fd,
							     hooks->debug_dap_resumed, (PyObject *)frame,
							     kind, arg ? arg : Py_None, note, reason));
		if (r != Py_True)
			dbg_dap_gone = 1;
		Py_XDECREF(r);
		PyErr_Clear();
		dbg_leave(&s, disturbed);
		return 0;
	}
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
	int want = pdb_tracing || dbg_nlines || (dbg_exceptions && !dbg_exception_done) ||
		   (scout.kind && scout.kind != 'h');
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

/* FILE of --break FILE:LINE: the path CPython has, or its last components. */
static int dbg_file_is(const char *file, size_t n, const char *spec)
{
	size_t k = strlen(spec);
	return strcmp(file, spec) == 0 ||
	       (n > k && file[n - k - 1] == '/' && strcmp(file + n - k, spec) == 0);
}

/* An editor's path (absolute, where it has the program's source) and CPython's (the recorded
 * one, maybe relative): the same file when one ends with the other's components. */
static int dbg_file_same(const char *file, size_t n, const char *path)
{
	size_t k = strlen(path);
	return dbg_file_is(file, n, path) ||
	       (k > n && path[k - n - 1] == '/' && strcmp(path + k - n, file) == 0);
}

static size_t dbg_frame_file(PyFrameObject *frame, char *file, size_t size)
{
	PyCodeObject *co = PyFrame_GetCode(frame);
	size_t n = pyhooks_utf8_of(co->co_filename, file, size - 1);
	Py_DECREF(co);
	file[n] = 0;
	return n;
}

static void scout_parse(void)
{
	static int parsed;
	const char *spec = hooks->debug_scout;
	if (parsed || !spec || !*spec)
		return;
	parsed = 1;
	char kind[16] = "";
	int off = 0;
	if (sscanf(spec, "%ld\t%15[a-z]\t%n", &scout.stop, kind, &off) < 2 || scout.stop < 1)
		return;
	const char *rest = spec + off;
	if (strcmp(kind, "here") == 0) {
		scout.kind = 'h';
	} else if (strcmp(kind, "line") == 0) {
		const char *tab = strchr(rest, '\t'), *colon = tab ? strrchr(tab, ':') : NULL;
		scout.nth = strtol(rest, NULL, 10);
		if (!colon || scout.nth < 1)
			return;
		snprintf(scout.file, sizeof scout.file, "%.*s", (int)(colon - tab - 1), tab + 1);
		scout.line = atoi(colon + 1);
		scout.kind = 'l';
	} else if (strcmp(kind, "local") == 0 || strcmp(kind, "global") == 0) {
		if (sscanf(rest, "%255[^\t]\t%d\t%n", scout.name, &scout.firstline, &off) < 2)
			return;
		snprintf(scout.file, sizeof scout.file, "%s", rest + off);
		scout.kind = kind[0] == 'l' ? 'L' : 'G';
	}
}

/* A line event of a scout run: count it, and see whether the watched variable changed. */
static void scout_line(PyFrameObject *frame)
{
	char file[1024];
	size_t n = dbg_frame_file(frame, file, sizeof file);
	if (!dbg_file_is(file, n, scout.file))
		return;
	int line = PyFrame_GetLineNumber(frame);
	if (line <= 0 || line >= SCOUT_LINES)
		return;
	scout.runs[line]++;
	scout.now_line = line;
	if (scout.kind != 'L' && scout.kind != 'G')
		return;
	PyObject *ns = NULL;
	if (scout.kind == 'L') {
		PyCodeObject *co = PyFrame_GetCode(frame);
		int mine = co->co_firstlineno == scout.firstline;
		Py_DECREF(co);
		if (!mine)
			return;
		ns = PyFrame_GetLocals(frame); /* the frame's locals, made a dict: a scout's cost */
	} else {
		ns = PyFrame_GetGlobals(frame);
	}
	PyObject *v = ns && PyDict_Check(ns) ? PyDict_GetItemString(ns, scout.name) : NULL;
	if (v && v != scout.last) {
		scout.at_line = line;
		scout.at_run = scout.runs[line];
	}
	Py_XSETREF(scout.last, Py_XNewRef(v));
	Py_XDECREF(ns);
	PyErr_Clear();
}

/* The scout's Kth stop: now.  Restarts at what it found (never returns), or, for here, says
 * the restart's note and goes on to pdb. */
static void scout_finish(void)
{
	char brk[1200], note[1400];
	if (scout.kind == 'l') {
		long before = scout.runs[scout.line] - (scout.now_line == scout.line);
		long run = before - scout.nth + 1;
		if (run >= 1) {
			snprintf(brk, sizeof brk, "%s:%d:%ld", scout.file, scout.line, run);
			snprintf(note, sizeof note, "back to %s:%d, its run %ld (of %ld before where you "
				 "were)", scout.file, scout.line, run, before);
			hooks->debug_restart(brk, "", note);
		}
		snprintf(note, sizeof note, "back: %s:%d ran %ld times before where you were, not "
			 "%ld: still there", scout.file, scout.line, before, scout.nth);
	} else if (scout.kind == 'L' || scout.kind == 'G') {
		if (scout.at_line > 0) {
			snprintf(brk, sizeof brk, "%s:%d:%ld", scout.file, scout.at_line, scout.at_run);
			snprintf(note, sizeof note, "lastchange: %s got the value it has where you were "
				 "just before this line (%s:%d, its run %ld)", scout.name, scout.file,
				 scout.at_line, scout.at_run);
			hooks->debug_restart(brk, "", note);
		}
		snprintf(note, sizeof note, "lastchange: %s did not change in %s while the replay "
			 "traced it: still where you were", scout.name, scout.file);
	} else {
		return;
	}
	/* back where the user was: the same stop, the others passed by */
	char again[64];
	snprintf(again, sizeof again, "%ld\there", scout.stop);
	hooks->debug_restart(hooks->debug_breaks, again, note);
}

static int dbg_line_hit(PyFrameObject *frame)
{
	char file[1024];
	size_t n = dbg_frame_file(frame, file, sizeof file);
	int line = PyFrame_GetLineNumber(frame);
	for (int i = 0; i < dbg_nlines; i++) {
		if (dbg_lines[i].every) { /* the editor's: each run, from the run's first stop on */
			if (dbg_stops < 1 || dbg_lines[i].line != line ||
			    !dbg_file_same(file, n, dbg_lines[i].file))
				continue;
			dbg_lines[i].seen++;
			snprintf(dbg_self.note, sizeof dbg_self.note, "stopped at %.200s:%d, a breakpoint "
				 "of the editor's", dbg_lines[i].file, line);
			return 1;
		}
		int same = dbg_file_is(file, n, dbg_lines[i].file);
		if (dbg_lines[i].line != line || !same || dbg_lines[i].seen >= dbg_lines[i].nth)
			continue;
		if (++dbg_lines[i].seen == dbg_lines[i].nth) {
			snprintf(dbg_self.note, sizeof dbg_self.note,
				 "stopped at %.200s:%d, run %ld", dbg_lines[i].file, line, dbg_lines[i].nth);
			return 1;
		}
	}
	return 0;
}

/* No Python frame called this one (frame->f_back is set only once a frame is gone, so the
 * thread's frame chain says it). */
static int dbg_outermost(PyFrameObject *frame)
{
	_PyInterpreterFrame *f = frame->f_frame->previous;
	while (f && _PyFrame_IsIncomplete(f))
		f = f->previous;
	return f == NULL;
}

static int dbg_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
	(void)obj;
	if (what != PyTrace_CALL && what != PyTrace_EXCEPTION && what != PyTrace_LINE &&
	    what != PyTrace_RETURN)
		return 0;
	const char *event = event_names[what == PyTrace_CALL ? 0 : what == PyTrace_EXCEPTION ? 1
					: what == PyTrace_LINE ? 2 : 3];
	scout.now_line = 0;
	if (scout.kind && scout.kind != 'h' && what == PyTrace_LINE)
		scout_line(frame);
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
	if (what == PyTrace_LINE && dbg_entry && dbg_in_program(frame)) {
		dbg_entry = 0;
		dbg_entry_stop = 1;
		snprintf(dbg_self.note, sizeof dbg_self.note, "stopped at the program's first line");
		dbg_retrace(dbg_stop(frame, "line", NULL, dbg_self.note, NULL));
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
	 * (its exit traced with no value), one of the program's code: the interpreter's own
	 * outermost frames while it starts (an import C code tries, and catches the ImportError of)
	 * are no end of the program, and pdb cannot even be imported there yet.  The exception is out of reach by then (CPython keeps
	 * it aside while the trace function runs): the outermost frame's last one is kept from its
	 * exception event until its next line. */
	if (dbg_exceptions == 2 && !dbg_exception_done && dbg_outermost(frame) &&
	    PyThread_get_thread_ident() == _PyRuntime.main_thread && dbg_in_program(frame)) {
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
		/* --dap: the editor's breakpoints a restart carried, and the first stop it attaches
		 * at when no --break makes one (a restart's run, and its scout, have the same) */
		if (hooks->debug_dap_fd >= 0) {
			for (const char *s = hooks->debug_dap_lines; *s;) {
				const char *e = strchr(s, '\n');
				size_t len = e ? (size_t)(e - s) : strlen(s);
				char spec[1100];
				snprintf(spec, sizeof spec, "%.*s", (int)len, s);
				s += len + (e ? 1 : 0);
				char *c = strrchr(spec, ':');
				if (c) {
					*c = 0;
					dap_add_line(spec, atoi(c + 1));
				}
			}
			dbg_entry = !hooks->debug_breaks[0];
		}
	}
	scout_parse();
	if (dbg_nlines || dbg_exceptions || (scout.kind && scout.kind != 'h') || dbg_entry)
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
