/* threads.c — the CPython side of the schedule of threads: where the GIL is, counting Python
 * frame entries, fingerprints of a frame's state, and Python thread names.
 *
 * libretrace orders threads by the GIL (interpose/gil.c): it recognises the GIL's pthread calls
 * by the addresses found here, asks for forced switches through the eval-breaker words, and
 * counts frame entries as points where a switch can be asked for and found again on replay.
 * Everything here reads the interpreter and never allocates from the program's heap, so the
 * process is laid out the same in record and replay.
 */
#include "pyhooks_internal.h"

#include <stdio.h>
#include <string.h>

#include "internal/pycore_code.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_object.h"
#include "internal/pycore_runtime.h"

/* ---- the GIL ---------------------------------------------------------------------------------- */

static void gil_addresses(struct rt_pygil *out)
{
	struct _gil_runtime_state *g = &_PyRuntime.ceval.gil;
	PyInterpreterState *main = _PyRuntime.interpreters.main;
	memset(out, 0, sizeof *out);
	out->mutex = &g->mutex;
	out->cond = &g->cond;
	out->switch_mutex = &g->switch_mutex;
	out->switch_cond = &g->switch_cond;
	out->locked = (const int *)&g->locked;
	if (main) {
		out->drop_request = (int *)&main->ceval.gil_drop_request;
		out->eval_breaker = (int *)&main->ceval.eval_breaker;
	}
	/* What a replay must find the same: the version these offsets were read from and the
	 * offsets themselves (3.11 patch releases keep them; a build that moved them is refused). */
	snprintf(out->layout, sizeof out->layout, "%.4s gil %zu/%zu/%zu/%zu/%zu ceval %zu/%zu",
		 PY_VERSION, offsetof(_PyRuntimeState, ceval.gil.locked),
		 offsetof(_PyRuntimeState, ceval.gil.cond), offsetof(_PyRuntimeState, ceval.gil.mutex),
		 offsetof(_PyRuntimeState, ceval.gil.switch_cond),
		 offsetof(_PyRuntimeState, ceval.gil.switch_mutex),
		 offsetof(PyInterpreterState, ceval.eval_breaker),
		 offsetof(PyInterpreterState, ceval.gil_drop_request));
}

static PyThreadState *this_thread_state(void)
{
	Py_tss_t *key = &_PyRuntime.gilstate.autoTSSkey;
	return key->_is_initialized ? pthread_getspecific(key->_key) : NULL;
}

static int holds_gil(void)
{
	struct _gil_runtime_state *g = &_PyRuntime.ceval.gil;
	PyThreadState *ts = this_thread_state();
	return ts && _Py_atomic_load_relaxed(&g->locked) == 1 &&
	       (PyThreadState *)_Py_atomic_load_relaxed(&g->last_holder) == ts;
}

static int gil_check(void)
{
	struct _gil_runtime_state *g = &_PyRuntime.ceval.gil;
	int locked = _Py_atomic_load_relaxed(&g->locked);
	if (!Py_IsInitialized() || !_PyRuntime.interpreters.main || (locked != 0 && locked != 1) ||
	    g->interval != _PyEval_GetSwitchInterval())
		return 0;
	/* the exported API's answer, from other fields, must agree with ours */
	return !PyGILState_Check() || holds_gil();
}

/* ---- counting frame entries ------------------------------------------------------------------- */

static void (*on_frame)(void);
static _PyFrameEvalFunction chained; /* a frame-evaluation function set before ours, if any */

/* Every Python frame entry (calls, generator resumptions, module and class bodies) of every
 * thread comes here once the second thread exists: libretrace counts them per thread. */
static PyObject *count_frame(PyThreadState *ts, _PyInterpreterFrame *frame, int throwflag)
{
	on_frame();
	return chained ? chained(ts, frame, throwflag) : _PyEval_EvalFrameDefault(ts, frame, throwflag);
}

static int count_frames(void (*cb)(void))
{
	PyInterpreterState *main = _PyRuntime.interpreters.main;
	if (!Py_IsInitialized() || !main)
		return -1;
	if (on_frame)
		return 0;
	on_frame = cb;
	_PyFrameEvalFunction prev = _PyInterpreterState_GetEvalFrameFunc(main);
	chained = prev == _PyEval_EvalFrameDefault ? NULL : prev;
	_PyInterpreterState_SetEvalFrameFunc(main, count_frame);
	return 0;
}

/* ---- fingerprints ----------------------------------------------------------------------------- */

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

/* A str by its text (not its address: the heap of a multi-threaded replay can be laid out
 * differently, as the note on fingerprint() says). */
static uint64_t str_print(PyObject *s)
{
	if (!s || !PyUnicode_Check(s) || !PyUnicode_IS_READY(s))
		return 0;
	Py_ssize_t len = PyUnicode_GET_LENGTH(s);
	size_t bytes = (size_t)len * (size_t)PyUnicode_KIND(s);
	const unsigned char *d = PyUnicode_DATA(s);
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)len;
	for (size_t i = 0; i < bytes && i < 64; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	return h;
}

/* One value: what distinguishes two turns of a loop that changes it.  `deep` looks one level
 * into what a local names: the first items of a list or tuple, the first bytes of a bytearray,
 * the attributes an instance keeps in its values array (self.n += 1 changes no dict's
 * version). */
#define DEEP_ITEMS 8

static uint64_t value_print(PyObject *o, int deep)
{
	if (!o)
		return 0;
	PyTypeObject *t = Py_TYPE(o);
	if (t == &PyLong_Type) {
		Py_ssize_t size = Py_SIZE(o), n = size < 0 ? -size : size;
		uint64_t h = (uint64_t)size;
		for (Py_ssize_t i = 0; i < n && i < 4; i++)
			h = mix(h, ((PyLongObject *)o)->ob_digit[i]);
		return h;
	}
	if (t == &PyFloat_Type) {
		uint64_t bits;
		memcpy(&bits, &((PyFloatObject *)o)->ob_fval, sizeof bits);
		return bits;
	}
	if (t == &PyUnicode_Type)
		return str_print(o);
	/* other objects by their type's name, not by address */
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *c = t->tp_name; c && *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
	if (t == &PyList_Type || t == &PyTuple_Type) {
		h = mix(h, (uint64_t)Py_SIZE(o));
		PyObject **items = t == &PyList_Type ? ((PyListObject *)o)->ob_item : ((PyTupleObject *)o)->ob_item;
		for (Py_ssize_t i = 0; deep && items && i < Py_SIZE(o) && i < DEEP_ITEMS; i++)
			h = mix(h, value_print(items[i], 0));
		return h;
	}
	if (t == &PyByteArray_Type || t == &PyBytes_Type) {
		h = mix(h, (uint64_t)Py_SIZE(o));
		const char *b = t == &PyBytes_Type ? PyBytes_AS_STRING(o) : PyByteArray_AS_STRING(o);
		uint64_t first = 0;
		if (deep && b)
			memcpy(&first, b, Py_SIZE(o) < 8 ? (size_t)Py_SIZE(o) : 8);
		return mix(h, first);
	}
	if (t == &PyDict_Type)
		return mix(mix(h, (uint64_t)((PyDictObject *)o)->ma_used), ((PyDictObject *)o)->ma_version_tag);
	if (t == &PySet_Type || t == &PyFrozenSet_Type)
		return mix(h, (uint64_t)((PySetObject *)o)->used);
	if (deep && (t->tp_flags & Py_TPFLAGS_MANAGED_DICT) && (t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
		PyDictValues *values = *_PyObject_ValuesPointer(o);
		PyDictKeysObject *keys = ((PyHeapTypeObject *)t)->ht_cached_keys;
		if (values && keys)
			for (Py_ssize_t i = 0; i < keys->dk_nentries && i < DEEP_ITEMS; i++)
				h = mix(h, value_print(values->values[i], 0));
		PyDictObject *d = (PyDictObject *)*_PyObject_ManagedDictPointer(o);
		if (d && PyDict_CheckExact(d))
			h = mix(h, d->ma_version_tag);
	}
	return h;
}

/* A module global the code names (co_names holds interned strings, the dict's keys are the
 * same objects): found by comparing pointers, with no lookup; NULL when not there. */
static PyObject *global_named(PyObject *globals, PyObject *name)
{
	PyDictObject *d = (PyDictObject *)globals;
	PyDictKeysObject *keys = d->ma_keys;
	if (!keys || !DK_IS_UNICODE(keys))
		return NULL;
	for (Py_ssize_t i = 0; i < keys->dk_nentries; i++) {
		PyDictUnicodeEntry *e = &DK_UNICODE_ENTRIES(keys)[i];
		if (e->me_key == name)
			return d->ma_values ? d->ma_values->values[i] : e->me_value;
	}
	return NULL;
}

#define NAMES_LOOKED_AT 16

/* Where the innermost frame is, cheaply: its first line (which code) and instruction. */
static int64_t frame_place(void)
{
	_PyInterpreterFrame *f = pyhooks_innermost_frame();
	return f ? (int64_t)f->f_code->co_firstlineno << 32 | (uint32_t)_PyInterpreterFrame_LASTI(f) : -1;
}

/* Addresses are left out: a multi-threaded program's heap can be laid out differently on
 * replay (glibc frees a finished thread's memory when it is gone, a matter of timing), and a
 * fingerprint must not turn that into a divergence of its own. */
static uint64_t fingerprint(void)
{
	_PyInterpreterFrame *f = pyhooks_innermost_frame();
	if (!f)
		return 0;
	PyCodeObject *co = f->f_code;
	uint64_t h = mix(mix(str_print(co->co_qualname), str_print(co->co_filename)),
			 (uint64_t)co->co_firstlineno << 32 | (uint32_t)_PyInterpreterFrame_LASTI(f));
	for (int i = 0; i < co->co_nlocalsplus; i++) {
		PyObject *v = f->localsplus[i];
		_PyLocals_Kind kind = _PyLocals_GetKind(co->co_localspluskinds, i);
		if (v && (kind & (CO_FAST_CELL | CO_FAST_FREE)) && Py_TYPE(v) == &PyCell_Type)
			v = PyCell_GET(v);
		h = mix(h, value_print(v, 1));
	}
	if (f->f_globals && PyDict_CheckExact(f->f_globals)) {
		h = mix(h, ((PyDictObject *)f->f_globals)->ma_version_tag);
		/* the globals the code names, for a loop whose turns change only a global list */
		PyObject *names = co->co_names;
		for (Py_ssize_t i = 0; names && PyTuple_CheckExact(names) && i < PyTuple_GET_SIZE(names) &&
				       i < NAMES_LOOKED_AT; i++)
			h = mix(h, value_print(global_named(f->f_globals, PyTuple_GET_ITEM(names, i)), 1));
	}
	if (f->f_builtins && PyDict_CheckExact(f->f_builtins))
		h = mix(h, ((PyDictObject *)f->f_builtins)->ma_version_tag);
	if (f->f_locals && f->f_locals != f->f_globals && PyDict_CheckExact(f->f_locals))
		h = mix(h, ((PyDictObject *)f->f_locals)->ma_version_tag);
	return h ? h : 1;
}

/* ---- Python thread names ---------------------------------------------------------------------- */

static int str_is(PyObject *s, const char *text)
{
	size_t n = strlen(text);
	return s && PyUnicode_Check(s) && PyUnicode_IS_READY(s) && PyUnicode_IS_COMPACT_ASCII(s) &&
	       (size_t)PyUnicode_GET_LENGTH(s) == n && memcmp(PyUnicode_DATA(s), text, n) == 0;
}

static int str_ends_with(PyObject *s, const char *text)
{
	size_t n = strlen(text);
	if (!s || !PyUnicode_Check(s) || !PyUnicode_IS_READY(s) || !PyUnicode_IS_COMPACT_ASCII(s))
		return 0;
	size_t len = (size_t)PyUnicode_GET_LENGTH(s);
	return len >= n && memcmp((const char *)PyUnicode_DATA(s) + len - n, text, n) == 0;
}

/* The value of a str key in a dict's keys (values beside them, for a split table), or NULL:
 * read in place, with no lookup (a lookup hashes, and could run Python code). */
static PyObject *keys_find(PyDictKeysObject *keys, PyObject **values, PyDictObject *d, const char *name)
{
	if (!keys)
		return NULL;
	for (Py_ssize_t i = 0; i < keys->dk_nentries; i++) {
		PyObject *k, *v;
		if (DK_IS_UNICODE(keys)) {
			PyDictUnicodeEntry *e = &DK_UNICODE_ENTRIES(keys)[i];
			k = e->me_key;
			v = values ? values[i] : e->me_value;
		} else {
			if (values)
				return NULL;
			PyDictKeyEntry *e = &DK_ENTRIES(keys)[i];
			k = e->me_key;
			v = e->me_value;
		}
		if (v && str_is(k, name))
			return v;
	}
	(void)d;
	return NULL;
}

/* An attribute in an instance's own dict (3.11's managed dicts: a values array beside the
 * type's cached keys, or a dict made since), or NULL. */
static PyObject *instance_attr(PyObject *obj, const char *name)
{
	PyTypeObject *tp = Py_TYPE(obj);
	if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
		return NULL;
	PyDictValues *values = *_PyObject_ValuesPointer(obj);
	if (values)
		return keys_find(((PyHeapTypeObject *)tp)->ht_cached_keys, values->values, NULL, name);
	PyDictObject *d = (PyDictObject *)*_PyObject_ManagedDictPointer(obj);
	if (!d || !PyDict_CheckExact(d))
		return NULL;
	return keys_find(d->ma_keys, d->ma_values ? d->ma_values->values : NULL, d, name);
}

static size_t thread_name(char *buf, size_t n)
{
	_PyInterpreterFrame *f = pyhooks_innermost_frame();
	if (!f || !str_is(f->f_code->co_name, "start") ||
	    !str_ends_with(f->f_code->co_filename, "threading.py") || f->f_code->co_nlocalsplus < 1 ||
	    !f->localsplus[0])
		return 0;
	PyObject *name = instance_attr(f->localsplus[0], "_name");
	return name && PyUnicode_Check(name) ? pyhooks_utf8_of(name, buf, n) : 0;
}

static size_t where(const struct rt_pyloc_thread *thread, char *buf, size_t n)
{
	const PyThreadState *ts = thread->tstate;
	/* a finalizing interpreter frees other threads' states */
	if (!ts || !ts->cframe || !n || _PyRuntimeState_GetFinalizing(&_PyRuntime))
		return 0;
	_PyInterpreterFrame *f = ts->cframe->current_frame;
	while (f && _PyFrame_IsIncomplete(f))
		f = f->previous;
	if (!f)
		return 0;
	char file[512], func[256];
	file[pyhooks_utf8_of(f->f_code->co_filename, file, sizeof file - 1)] = 0;
	func[pyhooks_utf8_of(f->f_code->co_qualname, func, sizeof func - 1)] = 0;
	int line = PyCode_Addr2Line(f->f_code, _PyInterpreterFrame_LASTI(f) * (int)sizeof(_Py_CODEUNIT));
	int k = snprintf(buf, n, "%s:%d in %s", file, line < 0 ? 0 : line, func);
	return k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
}

void pyhooks_threads_register(struct rt_pyhooks *h)
{
	h->gil = gil_addresses;
	h->gil_check = gil_check;
	h->holds_gil = holds_gil;
	h->count_frames = count_frames;
	h->fingerprint = fingerprint;
	h->frame_place = frame_place;
	h->thread_name = thread_name;
	h->where = where;
}
