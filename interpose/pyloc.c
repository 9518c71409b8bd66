/* pyloc.c — Python locations of events: loading pyhooks (_retrace.so) and naming locations.
 *
 * The constructor loads _retrace.so when the process is CPython 3.11, the same way in record and
 * replay (pyhooks.h has the contract).  Record logs a PY_LOCATION definition the first time a
 * location is seen (core.c); replay keeps the recorded definitions here, by id, so a divergence
 * can name the place the recording was at next to the place the program is at now.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pyhooks.h"
#include "rt.h"

struct rt_pyhooks rt_py; /* rt_py.location == NULL: no locations */
static int rt_py_checked; /* replay: locations are compared (both modes have them) */

/* replay: what each recorded id of a thread stands for, from the PY_LOCATION events read so far
 * (rt_self.pyloc_recorded) */
struct rt_recorded_def {
	uint32_t line;
	uint32_t offset;
	uint32_t text_len;
	const uint8_t *text;
};
#define RT_RECORDED_IDS_MAX (1u << 24) /* bounds what an untrusted trace can make us allocate */

/* Where _retrace.so is: beside libretrace.so in the build tree (build/lib/python/), or under
 * the install prefix (PREFIX/lib/retrace/python/). */
static int rt_pyhooks_path(char *buf, size_t n)
{
	Dl_info info;
	if (!dladdr((void *)rt_pyhooks_path, &info) || !info.dli_fname)
		return -1;
	const char *slash = strrchr(info.dli_fname, '/');
	int dir = slash ? (int)(slash - info.dli_fname) : 1;
	const char *base = slash ? info.dli_fname : ".";
	static const char *const under[] = { "/python/_retrace.so", "/retrace/python/_retrace.so" };
	for (size_t i = 0; i < sizeof under / sizeof *under; i++)
		if (snprintf(buf, n, "%.*s%s", dir, base, under[i]) < (int)n && access(buf, R_OK) == 0)
			return 0;
	return -1;
}

static void *rt_pyhooks_alloc(size_t n)
{
	void *p = rt_alloc(n);
	if (p)
		memset(p, 0, n); /* the arena is fresh anonymous memory, but be explicit */
	return p;
}

void rt_pyhooks_load(int off)
{
	const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "Py_GetVersion");
	if (off || !version || strncmp(version(), "3.11.", 5) != 0)
		return;
	char path[4096];
	if (rt_pyhooks_path(path, sizeof path) < 0) {
		rt_msg("warning: _retrace.so is not beside libretrace.so; events get no Python locations");
		return;
	}
	void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	rt_pyhooks_register_fn reg = so ? (rt_pyhooks_register_fn)dlsym(so, RT_PYHOOKS_REGISTER) : NULL;
	static struct rt_pyhooks hooks = { .abi = RT_PYHOOKS_ABI, .alloc = rt_pyhooks_alloc };
	rt_debug_hooks(&hooks);
	if (!reg || reg(&hooks) < 0 || !hooks.location || !hooks.definition || !hooks.traceback ||
	    !hooks.stack || !hooks.node || !hooks.gil || !hooks.gil_check || !hooks.holds_gil ||
	    !hooks.count_frames || !hooks.fingerprint || !hooks.frame_place || !hooks.thread_name ||
	    !hooks.where || !hooks.debug_arm || !hooks.debug_watch || !hooks.debug_divergence) {
		rt_msg("warning: cannot load %s (%s); events get no Python locations", path,
		       so ? "not the _retrace of this libretrace" : dlerror());
		return;
	}
	rt_py = hooks;
}

int rt_pyhooks_active(void)
{
	return rt_py.location != NULL;
}

void rt_pyhooks_replay_start(int recorded_with_pyhooks)
{
	if (recorded_with_pyhooks && !rt_py.location)
		rt_msg("warning: the recording has Python locations but this replay cannot get them; "
		       "they are not checked");
	rt_py_checked = recorded_with_pyhooks && rt_py.location;
	if (!rt_py_checked)
		rt_py.location = NULL;
}

int rt_pyloc_checked(void)
{
	return rt_py_checked;
}

/* A per-thread array of recorded definitions, indexed by id, grown (from the arena: the old one
 * is left behind) so that id fits; zeroed where nothing is defined yet.  -1: out of memory. */
static int rt_grow_by_id(void **array, uint32_t *cap, size_t elem, uint32_t id)
{
	uint32_t n = *cap ? *cap : 256;
	while (n <= id)
		n *= 2;
	void *d = rt_alloc(n * elem);
	if (!d)
		return -1;
	memset(d, 0, n * elem);
	if (*cap)
		memcpy(d, *array, *cap * elem);
	*array = d;
	*cap = n;
	return 0;
}

void rt_pyloc_note_recorded(const struct trace_event *ev)
{
	struct rt_thread *t = &rt_self;
	uint32_t id = (uint32_t)ev->arg0;
	if (ev->arg0 <= 0 || ev->arg0 >= RT_RECORDED_IDS_MAX)
		return;
	if (id >= t->pyloc_recorded_cap &&
	    rt_grow_by_id((void **)&t->pyloc_recorded, &t->pyloc_recorded_cap,
			  sizeof *t->pyloc_recorded, id) < 0)
		return;
	t->pyloc_recorded[id] = (struct rt_recorded_def){ .line = (uint32_t)ev->arg1,
							 .offset = (uint32_t)ev->arg2,
							 .text_len = ev->aux_len, .text = ev->aux };
}

/* "file:line in function" from a definition's parts, and the instruction's offset on request
 * (two calls on one line differ only there). */
static void rt_pyloc_format(char *buf, size_t n, uint32_t line, const uint8_t *text, uint32_t len,
			    int offset)
{
	const uint8_t *nul = memchr(text, 0, len);
	int nfile = nul ? (int)(nul - text) : (int)len;
	const char *func = nul ? (const char *)nul + 1 : "?";
	int nfunc = nul ? (int)(len - (uint32_t)nfile - 1) : 1;
	int k = snprintf(buf, n, "%.*s:%u in %.*s", nfile, (const char *)text, line, nfunc, func);
	if (offset >= 0 && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, " (instruction %d)", offset);
}

static void rt_pyloc_describe_live_of(const struct rt_thread *t, char *buf, size_t n, uint32_t id,
				      int with_offset)
{
	const struct rt_pyloc_def *d = rt_py.definition && id ? rt_py.definition(&t->pyloc, id) : NULL;
	if (d)
		rt_pyloc_format(buf, n, d->line, (const uint8_t *)d->text, d->text_len,
				with_offset ? (int)d->offset : -1);
	else
		snprintf(buf, n, "%s", id ? "an unknown place" : "no Python frame");
}

static void rt_pyloc_describe_recorded_of(const struct rt_thread *t, char *buf, size_t n,
					  uint32_t id, int with_offset)
{
	const struct rt_recorded_def *r =
		id < t->pyloc_recorded_cap ? &t->pyloc_recorded[id] : NULL;
	if (id && r && r->text)
		rt_pyloc_format(buf, n, r->line, r->text, r->text_len, with_offset ? (int)r->offset : -1);
	else
		snprintf(buf, n, "%s", id ? "an unknown place" : "no Python frame");
}

void rt_pyloc_describe_live(char *buf, size_t n, uint32_t id, int with_offset)
{
	rt_pyloc_describe_live_of(&rt_self, buf, n, id, with_offset);
}

void rt_pyloc_describe_recorded(char *buf, size_t n, uint32_t id, int with_offset)
{
	rt_pyloc_describe_recorded_of(&rt_self, buf, n, id, with_offset);
}

void rt_pyloc_describe_def(char *buf, size_t n, const struct trace_event *def)
{
	rt_pyloc_format(buf, n, (uint32_t)def->arg1, def->aux, def->aux_len, -1);
}

int rt_pyloc_where(const struct rt_thread *t, char *buf, size_t n)
{
	return rt_py.where && t && rt_py.where(&t->pyloc, buf, n) > 0;
}

void rt_pyloc_describe_of(const struct rt_thread *t, char *buf, size_t n, uint32_t id, int recorded)
{
	if (!t)
		snprintf(buf, n, "%s", id ? "an unknown place" : "no Python frame");
	else if (recorded)
		rt_pyloc_describe_recorded_of(t, buf, n, id, 0);
	else
		rt_pyloc_describe_live_of(t, buf, n, id, 0);
}

int rt_pyloc_same_definition(uint32_t id)
{
	const struct rt_pyloc_def *d = rt_py.definition ? rt_py.definition(&rt_self.pyloc, id) : NULL;
	if (!d || id >= rt_self.pyloc_recorded_cap || !rt_self.pyloc_recorded[id].text)
		return 0;
	const struct rt_recorded_def *r = &rt_self.pyloc_recorded[id];
	int offset_same = d->offset == r->offset;
	return d->line == r->line && offset_same && d->text_len == r->text_len &&
	       memcmp(d->text, r->text, r->text_len) == 0;
}

void rt_pyloc_traceback(void)
{
	if (!rt_py.traceback)
		return;
	static char buf[16384]; /* not rt_scratch: the diverging call's bytes may be in it */
	size_t len = rt_py.traceback(buf, sizeof buf);
	if (!len)
		return;
	rt_msg("  Python traceback (most recent call last):");
	rt_msg_lines("  ", buf, len);
}

size_t rt_pyloc_traceback_text(char *buf, size_t n)
{
	return rt_py.traceback && n ? rt_py.traceback(buf, n) : 0;
}

static int rt_pyloc_file_of(char *buf, size_t n, const uint8_t *text, uint32_t len)
{
	const uint8_t *nul = memchr(text, 0, len);
	size_t k = nul ? (size_t)(nul - text) : len;
	if (!k || k >= n)
		return 0;
	memcpy(buf, text, k);
	buf[k] = 0;
	return 1;
}

int rt_pyloc_file_recorded(char *buf, size_t n, uint32_t id)
{
	const struct rt_recorded_def *r =
		id && id < rt_self.pyloc_recorded_cap ? &rt_self.pyloc_recorded[id] : NULL;
	return r && r->text ? rt_pyloc_file_of(buf, n, r->text, r->text_len) : 0;
}

int rt_pyloc_file_live(char *buf, size_t n, uint32_t id)
{
	const struct rt_pyloc_def *d = rt_py.definition && id ? rt_py.definition(&rt_self.pyloc, id)
							     : NULL;
	return d ? rt_pyloc_file_of(buf, n, (const uint8_t *)d->text, d->text_len) : 0;
}

/* The parts of a recorded or live location id: file and function (not NUL-ended), line. */
static int rt_pyloc_split(const uint8_t *text, uint32_t len, uint32_t line, struct rt_pyloc_parts *o)
{
	const uint8_t *nul = memchr(text, 0, len);
	o->file = (const char *)text;
	o->nfile = nul ? (int)(nul - text) : (int)len;
	o->func = nul ? (const char *)nul + 1 : "";
	o->nfunc = nul ? (int)(len - (uint32_t)o->nfile - 1) : 0;
	o->line = line;
	return 1;
}

int rt_pyloc_parts_recorded(uint32_t id, struct rt_pyloc_parts *o)
{
	const struct rt_recorded_def *r =
		id && id < rt_self.pyloc_recorded_cap ? &rt_self.pyloc_recorded[id] : NULL;
	return r && r->text ? rt_pyloc_split(r->text, r->text_len, r->line, o) : 0;
}

int rt_pyloc_parts_live(uint32_t id, struct rt_pyloc_parts *o)
{
	const struct rt_pyloc_def *d = rt_py.definition && id ? rt_py.definition(&rt_self.pyloc, id)
							     : NULL;
	return d ? rt_pyloc_split((const uint8_t *)d->text, d->text_len, d->line, o) : 0;
}

/* ---- whole stacks ------------------------------------------------------------------------- */

#define RT_PYSTACK_MAX 256 /* frames of a stack looked at; _retrace keeps as many */

void rt_pystacks_enable(int on)
{
	if (!on || !rt_py.location)
		rt_py.stack = NULL;
}

void rt_pystack_note_recorded(const struct trace_event *ev)
{
	struct rt_thread *t = &rt_self;
	uint32_t id = (uint32_t)ev->arg0;
	if (ev->arg0 <= 0 || ev->arg0 >= RT_RECORDED_IDS_MAX)
		return;
	if (id >= t->pystack_recorded_cap &&
	    rt_grow_by_id((void **)&t->pystack_recorded_defs, &t->pystack_recorded_cap,
			  sizeof *t->pystack_recorded_defs, id) < 0)
		return;
	t->pystack_recorded_defs[id] = (struct rt_pystack_node){ .parent = (uint32_t)ev->arg1,
								 .location = (uint32_t)ev->arg2 };
}

static const struct rt_pystack_node *rt_pystack_node_of(uint32_t id, int recorded)
{
	if (!id)
		return NULL;
	if (!recorded)
		return rt_py.node ? rt_py.node(&rt_self.pyloc, id) : NULL;
	const struct rt_pystack_node *d =
		id < rt_self.pystack_recorded_cap ? &rt_self.pystack_recorded_defs[id] : NULL;
	return d && d->location ? d : NULL;
}

/* The location ids of a stack, outermost first, into locs (RT_PYSTACK_MAX); their number.  A
 * caller's node is always defined before its callee's, so parents have smaller ids: anything
 * else (a damaged trace) ends the walk. */
static int rt_pystack_locations(uint32_t node, int recorded, uint32_t *locs)
{
	uint32_t inner[RT_PYSTACK_MAX];
	int n = 0;
	const struct rt_pystack_node *d;
	while (n < RT_PYSTACK_MAX && (d = rt_pystack_node_of(node, recorded))) {
		inner[n++] = d->location;
		if (d->parent >= node)
			break;
		node = d->parent;
	}
	for (int i = 0; i < n; i++)
		locs[i] = inner[n - 1 - i];
	return n;
}

int rt_pystack_same(uint32_t node)
{
	for (int k = 0; node && k < RT_PYSTACK_MAX; k++) {
		const struct rt_pystack_node *r = rt_pystack_node_of(node, 1);
		const struct rt_pystack_node *l = rt_pystack_node_of(node, 0);
		if (!r || !l || r->parent != l->parent || r->location != l->location ||
		    !rt_pyloc_same_definition(l->location))
			return 0;
		node = l->parent;
	}
	return 1;
}

void rt_pystack_difference(char *buf, size_t n, uint32_t recorded, uint32_t live)
{
	static uint32_t was[RT_PYSTACK_MAX], now[RT_PYSTACK_MAX]; /* only at a divergence */
	int nwas = rt_pystack_locations(recorded, 1, was);
	int nnow = rt_pystack_locations(live, 0, now);
	char a[512], b[512];
	for (int i = 0; i < nwas && i < nnow; i++) {
		rt_pyloc_describe_recorded(a, sizeof a, was[i], 0);
		rt_pyloc_describe_live(b, sizeof b, now[i], 0);
		if (strcmp(a, b) != 0) {
			snprintf(buf, n, "the stacks part at frame %d from the outermost: recorded %s, now %s", i + 1, a, b);
			return;
		}
	}
	snprintf(buf, n, "the recorded stack has %d frame%s, the program's %d", nwas,
		 nwas == 1 ? "" : "s", nnow);
}

size_t rt_pystack_recorded_text(char *buf, size_t n, uint32_t node)
{
	static uint32_t locs[RT_PYSTACK_MAX];
	int k = rt_pystack_locations(node, 1, locs);
	size_t len = 0;
	if (n)
		buf[0] = 0;
	for (int i = 0; i < k && len < n; i++) {
		struct rt_pyloc_parts p;
		if (!rt_pyloc_parts_recorded(locs[i], &p))
			continue;
		int w = snprintf(buf + len, n - len, "  File \"%.*s\", line %u, in %.*s\n", p.nfile,
				 p.file, p.line, p.nfunc, p.func);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return len < n ? len : n ? n - 1 : 0;
}

/* A thread traced by pdb's trace function (debug.c) runs CPython's unspecialized instructions:
 * its calls are made some code units from where untraced code made them, so its ids no longer
 * pair with the recorded ones.  Its checkpoint is the place itself: file, function and line. */
int rt_pyloc_same_place(uint32_t recorded, uint32_t live)
{
	const struct rt_pyloc_def *d = rt_py.definition && live ? rt_py.definition(&rt_self.pyloc, live) : NULL;
	if (!recorded || recorded >= rt_self.pyloc_recorded_cap || !rt_self.pyloc_recorded[recorded].text)
		return !d && !live;
	const struct rt_recorded_def *r = &rt_self.pyloc_recorded[recorded];
	return d && d->line == r->line && d->text_len == r->text_len &&
	       memcmp(d->text, r->text, r->text_len) == 0;
}
