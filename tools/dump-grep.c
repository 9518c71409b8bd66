/* dump-grep.c — --grep: which events retrace-dump prints, chosen by call or by Python location, so
 * a user finds the event to stop at (its #SEQ is what retrace-replay --break takes).
 *
 * A pattern is read as a call or a family when it is exactly one's name, else as FILE[:LINE] when
 * it has a '/', '.', ':' or '<' (every Python file name does: app.py, <string>); anything else is
 * a name retrace-dump does not know, refused rather than silently matching nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

/* The event is one of those a pattern's call name names: the trace's name (stat, file_op) or the
 * function the event's `which` picked (lstat, unlink), as the text prints either. */
static int call_named(const struct trace_event *ev, const char *name)
{
	const char *function = call_function_name(ev);

	return strcmp(trace_call_name(ev->call), name) == 0 ||
	       (function != NULL && strcmp(function, name) == 0);
}

/* Whether name is a call this version knows.  Function names are found by asking
 * call_function_name itself about every `which` a call could have (all three arguments set
 * alike, as each call reads one of them), so this list never drifts from what is printed. */
static int call_name_known(const char *name)
{
	const ProtobufCEnumDescriptor *d = &retrace__call__descriptor;

	for (unsigned i = 0; i < d->n_values; i++) {
		struct trace_event ev = { .call = (uint32_t)d->values[i].value };
		for (int64_t which = -1; which < 64; which++) {
			ev.arg0 = ev.arg1 = ev.arg2 = which;
			if (call_named(&ev, name))
				return 1;
		}
	}
	return 0;
}

/* FILE is the location's file or a path suffix of it that starts after a '/': app.py and
 * lib/python3.11/socket.py match /usr/lib/python3.11/socket.py's, pp.py does not match app.py. */
static int file_matches(const struct grep_pattern *p, const struct py_location *loc)
{
	if (loc == NULL || loc->file == NULL || loc->file_len < p->file_len)
		return 0;
	size_t at = loc->file_len - p->file_len;
	return memcmp(loc->file + at, p->file, p->file_len) == 0 &&
	       (at == 0 || loc->file[at - 1] == '/');
}

static int location_matches(const struct grep_pattern *p, const struct py_location *loc)
{
	return file_matches(p, loc) && (p->line < 0 || loc->line == p->line);
}

const char *grep_add(struct grep *g, const char *pattern)
{
	struct grep_pattern p = { .text = pattern, .line = -1 };

	if (pattern[0] == '\0')
		return "an empty pattern matches nothing";
	p.kind = GREP_LOCATION;
	for (int f = 0; f < FAMILY_COUNT; f++)
		if (strcmp(pattern, family_names[f]) == 0) {
			p.kind = GREP_FAMILY;
			p.family = (enum call_family)f;
		}
	if (p.kind == GREP_LOCATION && call_name_known(pattern))
		p.kind = GREP_CALL;
	if (p.kind == GREP_LOCATION) {
		if (strpbrk(pattern, "/.:<") == NULL)
			return "no call or family of that name (a FILE has a '/', '.', ':' or '<')";
		p.file = pattern;
		p.file_len = strlen(pattern);
		const char *colon = strrchr(pattern, ':');
		if (colon != NULL) {
			char *end;
			errno = 0;
			long long line = strtoll(colon + 1, &end, 10);
			if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0)
				return "LINE (after the last ':') is not a number";
			p.line = line;
			p.file_len = (size_t)(colon - pattern);
		}
		if (p.file_len == 0)
			return "FILE is empty";
	}
	struct grep_pattern *grown = realloc(g->patterns, (g->n + 1) * sizeof *grown);
	if (grown == NULL)
		return "out of memory";
	g->patterns = grown;
	g->patterns[g->n++] = p;
	return NULL;
}

int grep_matches(const struct grep *g, const struct trace_event *ev, const struct py_names *py,
		 int stacks)
{
	const struct py_location *frames[256];
	size_t nframes = 0;
	int frames_read = 0;
	const struct py_location *at = NULL;

	/* a definition is made nowhere: it only says where the others are */
	if (ev->location != 0 && !py_is_definition(ev->call))
		at = py_location_find(&py->locations, ev->tid, ev->location);
	for (size_t i = 0; i < g->n; i++) {
		const struct grep_pattern *p = &g->patterns[i];
		switch (p->kind) {
		case GREP_CALL:
			if (call_named(ev, p->text))
				return 1;
			break;
		case GREP_FAMILY:
			if (call_family_of(ev->call) == p->family)
				return 1;
			break;
		case GREP_LOCATION:
			if (location_matches(p, at))
				return 1;
			/* with --stacks, the locations its "from" lines print count too */
			if (!stacks || py_is_definition(ev->call))
				break;
			if (!frames_read) {
				nframes = py_stack_frames(py, ev->tid, py_stack_now(py, ev->tid), frames,
							  256);
				frames_read = 1;
			}
			for (size_t k = 0; k < nframes; k++)
				if (location_matches(p, frames[k]))
					return 1;
			break;
		}
	}
	return 0;
}

void grep_free(struct grep *g)
{
	free(g->patterns);
	memset(g, 0, sizeof *g);
}
