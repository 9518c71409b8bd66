/* dump-python.c — Python locations and stacks, as the PY_LOCATION, PY_FRAME and PY_STACK events
 * of a trace define them.
 *
 * Ids are per thread (two threads' id 1 are unrelated), so entries are keyed by (thread, id).
 * They come from an untrusted trace: they are looked up in hash tables, never used as indexes,
 * and a stack is walked at most PY_STACK_MAX frames deep.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

#define PY_STACK_MAX 256

static size_t py_hash(uint32_t tid, uint32_t id, size_t cap)
{
	uint64_t h = ((uint64_t)tid << 32 | id) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (cap - 1);
}

const struct py_location *py_location_find(const struct py_locations *t, uint32_t tid, uint32_t id)
{
	if (t->cap == 0 || id == 0)
		return NULL;
	for (size_t i = py_hash(tid, id, t->cap);; i = (i + 1) & (t->cap - 1)) {
		if (t->slots[i].id == id && t->slots[i].tid == tid)
			return &t->slots[i];
		if (t->slots[i].id == 0)
			return NULL;
	}
}

struct py_location *py_location_get(struct py_locations *t, uint32_t tid, uint32_t id)
{
	struct py_location *found = (struct py_location *)py_location_find(t, tid, id);

	if (found != NULL)
		return found;
	if (2 * (t->used + 1) > t->cap) {
		/* keep the table at most half full, so probe runs stay short */
		size_t cap = t->cap != 0 ? 2 * t->cap : 256;
		struct py_location *slots = calloc(cap, sizeof *slots);
		if (slots == NULL)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (t->slots[i].id == 0)
				continue;
			size_t j = py_hash(t->slots[i].tid, t->slots[i].id, cap);
			while (slots[j].id != 0)
				j = (j + 1) & (cap - 1);
			slots[j] = t->slots[i];
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	size_t i = py_hash(tid, id, t->cap);
	while (t->slots[i].id != 0)
		i = (i + 1) & (t->cap - 1);
	memset(&t->slots[i], 0, sizeof t->slots[i]);
	t->slots[i].tid = tid;
	t->slots[i].id = id;
	t->used++;
	return &t->slots[i];
}

int py_is_definition(uint32_t call)
{
	return call == CALL(PY_LOCATION) || call == CALL(PY_FRAME) || call == CALL(PY_STACK);
}

static int py_id(int64_t v)
{
	return v > 0 && v < UINT32_MAX;
}

/* The thread's entry in the list of current stacks; NULL when out of memory. */
static struct py_thread_stack *py_thread(struct py_names *n, uint32_t tid)
{
	for (size_t i = 0; i < n->nthreads; i++)
		if (n->threads[i].tid == tid)
			return &n->threads[i];
	if (n->nthreads == n->threads_cap) {
		size_t cap = n->threads_cap ? 2 * n->threads_cap : 8;
		struct py_thread_stack *grown = realloc(n->threads, cap * sizeof *grown);
		if (grown == NULL)
			return NULL;
		n->threads = grown;
		n->threads_cap = cap;
	}
	n->threads[n->nthreads] = (struct py_thread_stack){ .tid = tid, .node = 0 };
	return &n->threads[n->nthreads++];
}

int py_names_take(struct py_names *n, const struct trace_event *ev)
{
	if (ev->call == CALL(PY_STACK)) {
		struct py_thread_stack *t = py_thread(n, ev->tid);
		if (t == NULL)
			return -1;
		t->node = py_id(ev->arg0) ? (uint32_t)ev->arg0 : 0;
		return 0;
	}
	if (ev->call == CALL(PY_FRAME)) {
		if (!py_id(ev->arg0))
			return 0;
		struct py_location *node = py_location_get(&n->nodes, ev->tid, (uint32_t)ev->arg0);
		if (node == NULL)
			return -1;
		node->frame = py_id(ev->arg2) ? (uint32_t)ev->arg2 : 0;
		node->parent = py_id(ev->arg1) ? (uint32_t)ev->arg1 : 0;
		return 0;
	}
	if (ev->call != CALL(PY_LOCATION) || !py_id(ev->arg0))
		return 0;
	struct py_location *loc = py_location_get(&n->locations, ev->tid, (uint32_t)ev->arg0);
	if (loc == NULL)
		return -1;
	const uint8_t *s;
	uint32_t at = 0, slen;
	loc->line = ev->arg1;
	loc->file = (const uint8_t *)"";
	loc->file_len = 0;
	loc->function = NULL;
	loc->function_len = 0;
	if (aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen)) {
		loc->file = s;
		loc->file_len = slen;
	}
	if (aux_next_string(ev->aux, ev->aux_len, &at, &s, &slen)) {
		loc->function = s;
		loc->function_len = slen;
	}
	return 0;
}

uint32_t py_stack_now(const struct py_names *n, uint32_t tid)
{
	for (size_t i = 0; i < n->nthreads; i++)
		if (n->threads[i].tid == tid)
			return n->threads[i].node;
	return 0;
}

size_t py_stack_frames(const struct py_names *n, uint32_t tid, uint32_t node,
		       const struct py_location **frames, size_t max)
{
	size_t k = 0;
	const struct py_location *d;
	while (k < max && k < PY_STACK_MAX && (d = py_location_find(&n->nodes, tid, node))) {
		frames[k++] = py_location_find(&n->locations, tid, d->frame);
		if (d->parent >= node) /* callers are defined first: anything else is damage */
			break;
		node = d->parent;
	}
	return k;
}

void print_py_location_text(const struct py_location *loc)
{
	if (loc == NULL || loc->file == NULL) {
		fputs("(a location never defined)", stdout);
		return;
	}
	tool_print_escaped(stdout, loc->file, loc->file_len);
	printf(":%" PRId64, loc->line);
	if (loc->function != NULL) {
		fputs(" (", stdout);
		tool_print_escaped(stdout, loc->function, loc->function_len);
		putchar(')');
	}
}

void print_py_location_json_fields(const struct py_location *loc)
{
	fputs("\"file\":", stdout);
	json_string(loc->file, loc->file_len);
	printf(",\"line\":%" PRId64, loc->line);
	json_key("function");
	if (loc->function != NULL)
		json_string(loc->function, loc->function_len);
	else
		fputs("null", stdout);
}

void print_py_location_json(const struct py_location *loc)
{
	if (loc == NULL || loc->file == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('{');
	print_py_location_json_fields(loc);
	putchar('}');
}

void py_names_free(struct py_names *n)
{
	free(n->locations.slots);
	free(n->nodes.slots);
	free(n->threads);
	memset(n, 0, sizeof *n);
}
