/* _retrace.c — the CPython side of retrace: Python locations for events, and tracebacks.
 *
 * libretrace.so loads this file itself in its constructor when the process is CPython 3.11 and
 * registers it through retrace_pyhooks_register (interpose/pyhooks.h is the contract).  Built with
 * Py_BUILD_CORE so that it can read a thread's frame stack directly: a location costs a TSS
 * lookup and a few loads, which is what lets every event carry one.  It also registers itself as
 * the built-in module `_retrace` (mode() says what retrace is doing to the process); imported
 * from sys.path without libretrace preloaded, mode() says "off".
 *
 * Runs inside wrapped libc calls, mostly with the GIL released: it only reads the calling
 * thread's own frames (which nobody else changes while that thread is in a call), and it never
 * allocates from the program's heap (the layout rule, DESIGN.md §4) — not even
 * PyUnicode_AsUTF8's cache: strings are encoded here from their data.
 */
#include "pyhooks_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "internal/pycore_runtime.h"

#define EXPORT __attribute__((visibility("default")))
#define NAME_MAX_BYTES 1024 /* longer file and function names are cut */

/* ---- the calling thread's frames ------------------------------------------------------------ */

/* What this_thread_state gives a thread the finalizing interpreter has doomed (see below). */
#define DOOMED ((PyThreadState *)1)

/* The calling thread's own thread state (not the GIL holder's), or NULL before Python has one
 * for it: the GILState TSS key, read directly, which is what PyGILState_GetThisThreadState does
 * minus two calls and an assert.  Once another thread finalizes the interpreter, this thread's
 * state may be freed under it (_PyThreadState_DeleteExcept) and the thread exits at its next
 * attempt to take the GIL: its state is DOOMED, never read. */
__attribute__((noinline)) static PyThreadState *this_thread_state_tss(struct rt_pyloc_thread *thread)
{
	Py_tss_t *key = &_PyRuntime.gilstate.autoTSSkey;
	PyThreadState *finalizing = _PyRuntimeState_GetFinalizing(&_PyRuntime);
	/* the key goes at the very end of finalization: who is who is no longer known */
	if (UNLIKELY(!key->_is_initialized))
		return finalizing ? DOOMED : NULL;
	PyThreadState *ts = pthread_getspecific(key->_key);
	if (UNLIKELY(ts && finalizing && finalizing != ts)) {
		thread->tstate = NULL;
		return DOOMED;
	}
	thread->tstate = ts;
	if (!thread->self)
		thread->self = (unsigned long)pthread_self();
	return ts;
}

/* The same, faster while this thread holds the GIL (time.time() does not release it): then the
 * GIL holder's thread state is the one found for this thread last time.  Only then is it read
 * (its thread id, for the case where this thread's state was deleted and its memory reused):
 * another thread's state is never touched. */
static inline PyThreadState *this_thread_state(struct rt_pyloc_thread *thread)
{
	PyThreadState *ts = (PyThreadState *)_Py_atomic_load_relaxed(&_PyRuntime.gilstate.tstate_current);
	if (__builtin_expect(ts && ts == thread->tstate && ts->thread_id == thread->self, 1))
		return ts;
	return this_thread_state_tss(thread);
}

/* The innermost frame that has started running its code (a frame being set up has no
 * meaningful instruction yet). */
static inline _PyInterpreterFrame *complete_frame(_PyInterpreterFrame *f)
{
	while (f && _PyFrame_IsIncomplete(f))
		f = f->previous;
	return f;
}

_PyInterpreterFrame *pyhooks_innermost_frame(void)
{
	struct rt_pyloc_thread scratch = { 0 };
	PyThreadState *ts = this_thread_state_tss(&scratch);
	if (!ts || ts == DOOMED || !ts->cframe)
		return NULL;
	return complete_frame(ts->cframe->current_frame);
}

/* ---- names as UTF-8, without the heap -------------------------------------------------------- */

/* A str's text as UTF-8 into out (at most room bytes); returns the length.  Surrogates from
 * surrogateescape (undecodable file name bytes) become those bytes again, as os.fsencode does;
 * other lone surrogates become '?'.  Not a ready str: "?". */
size_t pyhooks_utf8_of(PyObject *s, char *out, size_t room)
{
	if (!s || !PyUnicode_Check(s) || !PyUnicode_IS_READY(s)) {
		if (room)
			out[0] = '?';
		return room ? 1 : 0;
	}
	Py_ssize_t len = PyUnicode_GET_LENGTH(s);
	if (PyUnicode_IS_COMPACT_ASCII(s)) {
		size_t n = (size_t)len < room ? (size_t)len : room;
		memcpy(out, PyUnicode_DATA(s), n);
		return n;
	}
	int kind = PyUnicode_KIND(s);
	const void *data = PyUnicode_DATA(s);
	size_t n = 0;
	for (Py_ssize_t i = 0; i < len; i++) {
		Py_UCS4 c = PyUnicode_READ(kind, data, i);
		char b[4];
		size_t k;
		if (c < 0x80) {
			b[0] = (char)c;
			k = 1;
		} else if (c >= 0xdc80 && c <= 0xdcff) {
			b[0] = (char)(c - 0xdc00);
			k = 1;
		} else if (c >= 0xd800 && c <= 0xdfff) {
			b[0] = '?';
			k = 1;
		} else if (c < 0x800) {
			b[0] = (char)(0xc0 | c >> 6);
			b[1] = (char)(0x80 | (c & 0x3f));
			k = 2;
		} else if (c < 0x10000) {
			b[0] = (char)(0xe0 | c >> 12);
			b[1] = (char)(0x80 | (c >> 6 & 0x3f));
			b[2] = (char)(0x80 | (c & 0x3f));
			k = 3;
		} else {
			b[0] = (char)(0xf0 | c >> 18);
			b[1] = (char)(0x80 | (c >> 12 & 0x3f));
			b[2] = (char)(0x80 | (c >> 6 & 0x3f));
			b[3] = (char)(0x80 | (c & 0x3f));
			k = 4;
		}
		if (n + k > room)
			break;
		memcpy(out + n, b, k);
		n += k;
	}
	return n;
}

static int frame_line(_PyInterpreterFrame *f)
{
	int line = PyCode_Addr2Line(f->f_code, _PyInterpreterFrame_LASTI(f) * (int)sizeof(_Py_CODEUNIT));
	return line < 0 ? 0 : line;
}

/* ---- the location table ---------------------------------------------------------------------- */

/* Keys to ids, one table per thread (so no lock, and ids that do not depend on how threads
 * interleave): open addressing over a power-of-two table, grown by copying into a new one (the
 * old one is arena memory and is simply left behind).  The code object's file name, qualified
 * name and first line are kept with the key: a code object freed and another allocated at its
 * address is then a new key, not a stale name. */
struct key_entry {
	const PyCodeObject *code; /* NULL: empty slot */
	int lasti;
	int firstlineno;
	const PyObject *filename, *qualname;
	uint32_t id;
};

/* Stacks (RETRACE_PYSTACKS): nodes (caller's node, location id) to ids, and the thread's last
 * stack, kept to find the part a new one shares with it. */
#define STACK_MAX 256 /* deeper stacks keep their innermost frames */

struct node_entry {
	uint32_t parent, location;
	uint32_t id; /* 0: empty slot */
};

struct stack_level {
	const PyCodeObject *code;
	int lasti;
	uint32_t node;
};

struct table {
	int busy; /* a signal handler's call while the table changes gets no location */
	struct key_entry *keys;
	size_t keys_cap, keys_used;
	struct rt_pyloc_def *defs; /* indexed by id; defs[0] unused */
	uint32_t defs_cap, defs_used;
	struct node_entry *nodes;
	size_t nodes_cap, nodes_used;
	struct rt_pystack_node *node_defs; /* indexed by id; node_defs[0] unused */
	uint32_t node_defs_cap, node_defs_used;
	struct stack_level *last; /* the last stack, innermost frame first (STACK_MAX levels) */
	uint32_t last_depth;
};

static struct rt_pyhooks *hooks;

static size_t key_hash(const PyCodeObject *code, int lasti)
{
	uint64_t h = ((uint64_t)(uintptr_t)code >> 4) * 0x9e3779b97f4a7c15ull ^ (uint64_t)lasti * 0xff51afd7ed558ccdull;
	return (size_t)(h ^ h >> 29);
}

static struct key_entry *key_slot(struct key_entry *table, size_t cap, const PyCodeObject *code,
				  int lasti)
{
	size_t i = key_hash(code, lasti) & (cap - 1);
	while (table[i].code && (table[i].code != code || table[i].lasti != lasti))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static int keys_grow(struct table *t)
{
	size_t cap = t->keys_cap ? t->keys_cap * 2 : 256;
	struct key_entry *k = hooks->alloc(cap * sizeof *k);
	if (!k)
		return -1;
	for (size_t i = 0; i < t->keys_cap; i++)
		if (t->keys[i].code)
			*key_slot(k, cap, t->keys[i].code, t->keys[i].lasti) = t->keys[i];
	t->keys = k;
	t->keys_cap = cap;
	return 0;
}

static int defs_grow(struct table *t)
{
	uint32_t cap = t->defs_cap ? t->defs_cap * 2 : 256;
	struct rt_pyloc_def *d = hooks->alloc(cap * sizeof *d);
	if (!d)
		return -1;
	if (t->defs_used)
		memcpy(d, t->defs, (t->defs_used + 1) * sizeof *d);
	t->defs = d;
	t->defs_cap = cap;
	return 0;
}

/* A new id for the frame's place, with its definition. */
static uint32_t define(struct table *t, _PyInterpreterFrame *f, int lasti)
{
	if (t->defs_used + 1 >= t->defs_cap && defs_grow(t) < 0)
		return 0;
	char file[NAME_MAX_BYTES], func[NAME_MAX_BYTES];
	size_t nfile = pyhooks_utf8_of(f->f_code->co_filename, file, sizeof file);
	size_t nfunc = pyhooks_utf8_of(f->f_code->co_qualname, func, sizeof func);
	char *text = hooks->alloc(nfile + 1 + nfunc);
	if (!text)
		return 0;
	memcpy(text, file, nfile);
	text[nfile] = 0;
	memcpy(text + nfile + 1, func, nfunc);
	uint32_t id = ++t->defs_used;
	t->defs[id] = (struct rt_pyloc_def){ .line = (uint32_t)frame_line(f), .offset = (uint32_t)lasti,
					  .text_len = (uint32_t)(nfile + 1 + nfunc), .text = text };
	return id;
}

static uint32_t lookup_in(struct table *t, _PyInterpreterFrame *f, int lasti)
{
	const PyCodeObject *code = f->f_code;
	if ((t->keys_used + 1) * 2 > t->keys_cap && keys_grow(t) < 0)
		return 0;
	struct key_entry *e = key_slot(t->keys, t->keys_cap, code, lasti);
	if (e->code && e->filename == code->co_filename && e->qualname == code->co_qualname &&
	    e->firstlineno == code->co_firstlineno)
		return e->id;
	uint32_t id = define(t, f, lasti);
	if (!id)
		return 0;
	if (!e->code)
		t->keys_used++;
	*e = (struct key_entry){ .code = code, .lasti = lasti, .firstlineno = code->co_firstlineno,
				 .filename = code->co_filename, .qualname = code->co_qualname, .id = id };
	return id | RT_PYLOC_NEW;
}

static struct table *table_of(struct rt_pyloc_thread *thread)
{
	struct table *t = thread->table;
	if (!t) {
		t = hooks->alloc(sizeof *t);
		if (!t || keys_grow(t) < 0 || defs_grow(t) < 0)
			return NULL;
		thread->table = t;
	}
	return t;
}

static uint32_t lookup(struct rt_pyloc_thread *thread, _PyInterpreterFrame *f, int lasti)
{
	struct table *t = table_of(thread);
	if (!t || t->busy)
		return 0;
	t->busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	uint32_t id = lookup_in(t, f, lasti);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = 0;
	return id;
}

/* The thread is somewhere else than at its previous event. */
__attribute__((noinline)) static uint32_t pyloc_moved(struct rt_pyloc_thread *thread,
						      _PyInterpreterFrame *f)
{
	f = complete_frame(f);
	if (!f)
		return 0;
	int lasti = _PyInterpreterFrame_LASTI(f);
	if (f->f_code == thread->code && lasti == thread->lasti)
		return thread->id;
	uint32_t id = lookup(thread, f, lasti);
	if (id) { /* 0: no room, or a signal handler's call; try again next time */
		thread->code = f->f_code;
		thread->lasti = lasti;
		thread->id = id & ~RT_PYLOC_NEW;
	}
	return id;
}

/* Called at every event: kept small, with everything else out of line (pyloc_moved), so that
 * the common case saves no registers. */
static uint32_t pyloc_location(struct rt_pyloc_thread *thread)
{
	PyThreadState *ts = this_thread_state(thread);
	if (UNLIKELY(!ts || ts == DOOMED || !ts->cframe))
		return ts == DOOMED ? RT_PYLOC_FINALIZING : 0;
	_PyInterpreterFrame *f = ts->cframe->current_frame;
	if (UNLIKELY(!f))
		return 0;
	/* Before the completeness test: the cache only ever holds complete frames' keys, and a
	 * frame at the same instruction is as complete as it was then. */
	if (__builtin_expect(f->f_code == thread->code &&
			     _PyInterpreterFrame_LASTI(f) == thread->lasti, 1))
		return thread->id;
	return pyloc_moved(thread, f);
}

static const struct rt_pyloc_def *pyloc_definition(const struct rt_pyloc_thread *thread, uint32_t id)
{
	const struct table *t = thread->table;
	return t && id && id <= t->defs_used ? &t->defs[id] : NULL;
}

/* ---- whole stacks ---------------------------------------------------------------------------- */

static struct node_entry *node_slot(struct node_entry *table, size_t cap, uint32_t parent,
				    uint32_t location)
{
	uint64_t h = ((uint64_t)parent << 32 | location) * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 32) & (cap - 1);
	while (table[i].id && (table[i].parent != parent || table[i].location != location))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static int nodes_grow(struct table *t)
{
	size_t cap = t->nodes_cap ? t->nodes_cap * 2 : 256;
	struct node_entry *k = hooks->alloc(cap * sizeof *k);
	if (!k)
		return -1;
	for (size_t i = 0; i < t->nodes_cap; i++)
		if (t->nodes[i].id)
			*node_slot(k, cap, t->nodes[i].parent, t->nodes[i].location) = t->nodes[i];
	t->nodes = k;
	t->nodes_cap = cap;
	return 0;
}

static int node_defs_grow(struct table *t)
{
	uint32_t cap = t->node_defs_cap ? t->node_defs_cap * 2 : 256;
	struct rt_pystack_node *d = hooks->alloc(cap * sizeof *d);
	if (!d)
		return -1;
	if (t->node_defs_used)
		memcpy(d, t->node_defs, (t->node_defs_used + 1) * sizeof *d);
	t->node_defs = d;
	t->node_defs_cap = cap;
	return 0;
}

/* The node for (parent, location), made if new (then *fresh is set); 0 when out of memory. */
static uint32_t node_intern(struct table *t, uint32_t parent, uint32_t location, int *fresh)
{
	if ((t->nodes_used + 1) * 2 > t->nodes_cap && nodes_grow(t) < 0)
		return 0;
	struct node_entry *e = node_slot(t->nodes, t->nodes_cap, parent, location);
	if (e->id)
		return e->id;
	if (t->node_defs_used + 1 >= t->node_defs_cap && node_defs_grow(t) < 0)
		return 0;
	uint32_t id = ++t->node_defs_used;
	t->node_defs[id] = (struct rt_pystack_node){ .parent = parent, .location = location };
	*e = (struct node_entry){ .parent = parent, .location = location, .id = id };
	t->nodes_used++;
	*fresh = 1;
	return id;
}

/* The stack's node, from the outermost frame in; the outer part it shares with the thread's
 * last stack (compared by code object and instruction) keeps its nodes, so a call one level
 * deeper than the last event costs one lookup. */
static uint32_t stack_of(struct table *t, _PyInterpreterFrame *f, int *fresh)
{
	_PyInterpreterFrame *frames[STACK_MAX];
	int lasti[STACK_MAX];
	uint32_t depth = 0;
	for (f = complete_frame(f); f && depth < STACK_MAX; f = complete_frame(f->previous)) {
		frames[depth] = f;
		lasti[depth++] = _PyInterpreterFrame_LASTI(f);
	}
	uint32_t same = 0;
	while (same < depth && same < t->last_depth &&
	       t->last[t->last_depth - 1 - same].code == frames[depth - 1 - same]->f_code &&
	       t->last[t->last_depth - 1 - same].lasti == lasti[depth - 1 - same])
		same++;
	if (same == depth && depth == t->last_depth)
		return depth ? t->last[0].node : 0;
	uint32_t parent = same ? t->last[t->last_depth - same].node : 0;
	memmove(&t->last[depth - same], &t->last[t->last_depth - same], same * sizeof *t->last);
	t->last_depth = 0; /* until it is whole again */
	for (uint32_t i = depth - same; i-- > 0;) {
		uint32_t loc = lookup_in(t, frames[i], lasti[i]);
		if (!loc)
			return 0;
		*fresh |= (loc & RT_PYLOC_NEW) != 0;
		parent = node_intern(t, parent, loc & ~RT_PYLOC_NEW, fresh);
		if (!parent)
			return 0;
		t->last[i] = (struct stack_level){ .code = frames[i]->f_code, .lasti = lasti[i],
						   .node = parent };
	}
	t->last_depth = depth;
	return parent;
}

static uint32_t pystack_stack(struct rt_pyloc_thread *thread)
{
	PyThreadState *ts = this_thread_state(thread);
	if (!ts || ts == DOOMED || !ts->cframe || !ts->cframe->current_frame)
		return ts == DOOMED ? RT_PYLOC_FINALIZING : 0;
	struct table *t = table_of(thread);
	if (!t || t->busy)
		return 0;
	if (!t->last && !(t->last = hooks->alloc(STACK_MAX * sizeof *t->last)))
		return 0;
	t->busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	int fresh = 0;
	uint32_t id = stack_of(t, ts->cframe->current_frame, &fresh);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = 0;
	return id && fresh ? id | RT_PYLOC_NEW : id;
}

static const struct rt_pystack_node *pystack_node(const struct rt_pyloc_thread *thread, uint32_t id)
{
	const struct table *t = thread->table;
	return t && id && id <= t->node_defs_used ? &t->node_defs[id] : NULL;
}

/* ---- tracebacks ------------------------------------------------------------------------------ */

#define TRACEBACK_FRAMES 64

static size_t pyloc_traceback(char *buf, size_t n)
{
	_PyInterpreterFrame *stack[TRACEBACK_FRAMES];
	size_t depth = 0, skipped = 0;
	for (_PyInterpreterFrame *f = pyhooks_innermost_frame(); f; f = complete_frame(f->previous)) {
		if (depth < TRACEBACK_FRAMES)
			stack[depth++] = f;
		else
			skipped++;
	}
	size_t len = 0;
	if (!n)
		return 0;
	buf[0] = 0;
	if (skipped)
		len += (size_t)snprintf(buf, n, "  ... %zu outer frames not shown\n", skipped);
	while (depth-- && len < n) {
		char file[NAME_MAX_BYTES + 1], func[NAME_MAX_BYTES + 1];
		file[pyhooks_utf8_of(stack[depth]->f_code->co_filename, file, NAME_MAX_BYTES)] = 0;
		func[pyhooks_utf8_of(stack[depth]->f_code->co_qualname, func, NAME_MAX_BYTES)] = 0;
		len += (size_t)snprintf(buf + len, n - len, "  File \"%s\", line %d, in %s\n", file,
					frame_line(stack[depth]), func);
	}
	return len < n ? len : n - 1;
}

/* ---- output before replay stops ------------------------------------------------------------- */

static void flush_stdio(int may_take_gil)
{
	if (!Py_IsInitialized() || _Py_IsFinalizing())
		return;
	int held = hooks->holds_gil && hooks->holds_gil();
	PyGILState_STATE g = PyGILState_LOCKED;
	if (!held) {
		if (!may_take_gil || _Py_atomic_load_relaxed(&_PyRuntime.ceval.gil.locked) != 0)
			return;
		g = PyGILState_Ensure();
	}
	PyObject *type, *value, *tb;
	PyErr_Fetch(&type, &value, &tb);
	PyObject *own = PySys_GetObject("__stdout__"); /* borrowed */
	static const char *const names[] = { "stdout", "stderr" };
	for (size_t i = 0; own && own != Py_None && i < 2; i++) {
		PyObject *f = PySys_GetObject(names[i]);
		if (!f || Py_TYPE(f) != Py_TYPE(own))
			continue;
		PyObject *r = PyObject_CallMethod(f, "flush", NULL);
		Py_XDECREF(r);
		PyErr_Clear();
	}
	PyErr_Restore(type, value, tb);
	if (!held)
		PyGILState_Release(g);
}

/* ---- registration ----------------------------------------------------------------------------- */

PyMODINIT_FUNC PyInit__retrace(void);

EXPORT int retrace_pyhooks_register(struct rt_pyhooks *h)
{
	if (!h || h->abi != RT_PYHOOKS_ABI || !h->alloc)
		return -1;
	hooks = h;
	/* `import _retrace` finds this very copy, whatever sys.path says (before Py_Initialize
	 * only; the same in record and replay, so its heap use is too). */
	if (!Py_IsInitialized())
		PyImport_AppendInittab("_retrace", PyInit__retrace);
	h->location = pyloc_location;
	h->definition = pyloc_definition;
	h->traceback = pyloc_traceback;
	h->flush_stdio = flush_stdio;
	h->stack = pystack_stack;
	h->node = pystack_node;
	pyhooks_threads_register(h);
	pyhooks_debug_register(h);
	return 0;
}

/* ---- the module -------------------------------------------------------------------------------- */

typedef const char *(*mode_fn)(void);

static PyObject *retrace_mode(PyObject *self, PyObject *unused)
{
	mode_fn fn = (mode_fn)dlsym(RTLD_DEFAULT, "retrace_pyhooks_mode");
	return PyUnicode_FromString(fn ? fn() : "off");
}

static PyMethodDef retrace_methods[] = {
	{ "mode", retrace_mode, METH_NOARGS,
	  "mode() -> 'record', 'replay' or 'off': what retrace is doing to this process." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef retrace_module = {
	PyModuleDef_HEAD_INIT, "_retrace", "retrace's hooks into CPython.", -1, retrace_methods,
	NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__retrace(void)
{
	return PyModule_Create(&retrace_module);
}
