/* dump-stats.c — retrace-dump --stats: what a trace holds, counted. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dump.h"
#include "seal.h"

/* ---------------------------------------------------------------------------------------------
 * --stats: what a trace holds, counted.  Events are read thread by thread, since counting needs
 * no global order; that also gives each event's size in the file exactly: the bytes the cursor
 * stepped over to decode it.
 */
struct event_counts {
	uint64_t events;
	uint64_t data_bytes;  /* Event.data: what the calls brought in from outside */
	uint64_t trace_bytes; /* the events as stored in their chunks, tags and lengths included */
};

struct call_counts {
	uint32_t call;
	struct event_counts n;
};

struct trace_stats {
	struct event_counts total;
	struct event_counts families[FAMILY_COUNT];
	struct call_counts *calls; /* one per call number seen, in order of first sight */
	size_t ncalls, calls_cap;
	uint64_t *thread_events;   /* events of r->tids[i] */
	int64_t last_wall_ns;      /* the latest wall-clock reading in the trace; 0: none */
	int64_t mono_min_ns, mono_max_ns; /* the CLOCK_MONOTONIC readings' range; 0: none */
	struct py_names python;
	uint64_t located_events;   /* events made at a Python location (the Python events aside) */
	struct thread_schedule schedule; /* thread names, GIL takes, handoffs, forced switches */
	uint64_t children;         /* FORK events that started a child (each has a trace) */
	uint64_t signals;          /* SIGNAL events */
};

/* How long the recording lasted, as far as the trace can tell: from the header's start time to
 * the last wall-clock reading, or the span of the CLOCK_MONOTONIC readings when that is longer
 * (a program that reads only the monotonic clock, or sleeps after its last wall-clock reading).
 * Both miss what happened after the last reading; 0 when there is nothing to go by. */
struct duration {
	int64_t ns;
	const char *source; /* "wall_clock" or "monotonic" */
};

static struct duration trace_duration(const Retrace__Header *h, const struct trace_stats *st)
{
	struct duration d = { 0, NULL };
	/* unsigned, since a damaged header's start time can be anything */
	uint64_t wall = (uint64_t)st->last_wall_ns - (uint64_t)h->start_time_ns;

	if (st->last_wall_ns > h->start_time_ns && wall <= INT64_MAX)
		d = (struct duration){ (int64_t)wall, "wall_clock" };
	if (st->mono_max_ns - st->mono_min_ns > d.ns)
		d = (struct duration){ st->mono_max_ns - st->mono_min_ns, "monotonic" };
	return d;
}

/* The wall-clock time an event read, or 0 when it read none. */
static int64_t wall_clock_reading(const struct trace_event *ev)
{
	switch (ev->call) {
	case CALL(CLOCK_GETTIME):
		if (ev->result != 0)
			return 0;
		if (ev->arg0 == CLOCK_REALTIME || ev->arg0 == CLOCK_REALTIME_COARSE)
			return ev->value;
		return 0;
	case CALL(GETTIMEOFDAY):
	case CALL(TIME):
		return ev->value;
	default:
		return 0;
	}
}

static void counts_add(struct event_counts *c, const struct trace_event *ev, uint64_t bytes)
{
	c->events++;
	c->data_bytes += ev->data_len;
	c->trace_bytes += bytes;
}

static int stats_add(struct trace_stats *st, const struct trace_event *ev, uint64_t bytes)
{
	struct call_counts *cc = NULL;

	/* a linear search: a trace holds a few dozen distinct calls at most */
	for (size_t i = 0; i < st->ncalls && cc == NULL; i++)
		if (st->calls[i].call == ev->call)
			cc = &st->calls[i];
	if (cc == NULL) {
		if (st->ncalls == st->calls_cap) {
			size_t cap = st->calls_cap != 0 ? 2 * st->calls_cap : 64;
			struct call_counts *grown = realloc(st->calls, cap * sizeof *grown);
			if (grown == NULL)
				return -1;
			st->calls = grown;
			st->calls_cap = cap;
		}
		cc = &st->calls[st->ncalls++];
		memset(cc, 0, sizeof *cc);
		cc->call = ev->call;
	}
	counts_add(&cc->n, ev, bytes);
	counts_add(&st->families[call_family_of(ev->call)], ev, bytes);
	counts_add(&st->total, ev, bytes);
	int64_t wall = wall_clock_reading(ev);
	if (wall > st->last_wall_ns)
		st->last_wall_ns = wall;
	if (py_names_take(&st->python, ev) != 0)
		return -1;
	if (ev->location != 0 && !py_is_definition(ev->call)) {
		struct py_location *loc = py_location_get(&st->python.locations, ev->tid, ev->location);
		if (loc == NULL)
			return -1;
		loc->events++;
		st->located_events++;
	}
	if (ev->call == CALL(CLOCK_GETTIME) && ev->arg0 == CLOCK_MONOTONIC && ev->result == 0 &&
	    ev->value > 0) {
		if (st->mono_min_ns == 0 || ev->value < st->mono_min_ns)
			st->mono_min_ns = ev->value;
		if (ev->value > st->mono_max_ns)
			st->mono_max_ns = ev->value;
	}
	return 0;
}

/* Handoffs need the global order (which thread took the GIL before, and whether it had
 * yielded), so the thread events are walked again in that order; a trace without them (one
 * thread) is not read twice. */
static int collect_schedule(const struct trace_reader *r, struct trace_stats *st,
			    struct trace_error *err)
{
	struct trace_cursor c;
	struct trace_event ev;
	int rc;

	if (r->ntids < 2 && st->families[FAMILY_THREADS].events == 0)
		return 0;
	if (trace_cursor_init(&c, r, 0, err) != 0)
		return -1;
	while ((rc = trace_cursor_next(&c, &ev, err)) == 1) {
		if (thread_schedule_take(&st->schedule, &ev, NULL) != 0) {
			trace_cursor_free(&c);
			err->code = TRACE_E_NOMEM;
			err->offset = 0;
			snprintf(err->msg, sizeof err->msg, "out of memory");
			return -1;
		}
	}
	trace_cursor_free(&c);
	return rc < 0 ? -1 : 0;
}

static int collect_stats(const struct trace_reader *r, struct trace_stats *st,
			 struct trace_error *err)
{
	memset(st, 0, sizeof *st);
	st->thread_events = calloc(r->ntids != 0 ? r->ntids : 1, sizeof *st->thread_events);
	if (st->thread_events == NULL)
		goto no_memory;
	for (size_t t = 0; t < r->ntids; t++) {
		struct trace_cursor c;
		struct trace_event ev;
		int rc;

		if (trace_cursor_init(&c, r, r->tids[t], err) != 0)
			return -1;
		for (;;) {
			size_t chunk = c.chunk;
			const uint8_t *before = c.pos;

			rc = trace_cursor_next(&c, &ev, err);
			if (rc <= 0)
				break;
			/* the event began where the cursor stood, or at the start of the chunk it
			 * moved on to */
			const uint8_t *start =
				c.chunk == chunk ? before : r->chunks[c.chunk].events;
			st->thread_events[t]++;
			if (ev.call == CALL(FORK) && (ev.arg0 >= 3 ? ev.result == 0 : ev.result > 0))
				st->children++;
			if (ev.call == CALL(SIGNAL))
				st->signals++;
			if (stats_add(st, &ev, (uint64_t)(c.pos - start)) != 0) {
				trace_cursor_free(&c);
				goto no_memory;
			}
		}
		trace_cursor_free(&c);
		if (rc < 0)
			return -1;
	}
	return collect_schedule(r, st, err);
no_memory:
	err->code = TRACE_E_NOMEM;
	err->offset = 0;
	snprintf(err->msg, sizeof err->msg, "out of memory");
	return -1;
}

static void free_stats(struct trace_stats *st)
{
	py_names_free(&st->python);
	thread_schedule_free(&st->schedule);
	free(st->calls);
	free(st->thread_events);
}

/* Most events first; equal counts in call number order, so the output is stable. */
static int compare_call_counts(const void *pa, const void *pb)
{
	const struct call_counts *a = pa, *b = pb;

	if (a->n.events != b->n.events)
		return a->n.events > b->n.events ? -1 : 1;
	return a->call < b->call ? -1 : a->call > b->call;
}

/* Python places, for the top list: the locations of one file, line and function together (a
 * location is an instruction, and one line has several). */
struct py_place {
	const struct py_location *loc; /* the first of them */
	uint64_t events;
};

static int compare_bytes(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* By file, line, function; a location never defined sorts first, by thread and id. */
static int compare_py_locations(const void *pa, const void *pb)
{
	const struct py_location *a = *(const struct py_location *const *)pa;
	const struct py_location *b = *(const struct py_location *const *)pb;
	int c;

	if ((a->file == NULL) != (b->file == NULL))
		return a->file == NULL ? -1 : 1;
	if (a->file == NULL && a->tid != b->tid)
		return (a->tid > b->tid) - (a->tid < b->tid);
	if (a->file == NULL)
		return (a->id > b->id) - (a->id < b->id);
	if ((c = compare_bytes(a->file, a->file_len, b->file, b->file_len)) != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((a->function == NULL) != (b->function == NULL))
		return a->function == NULL ? -1 : 1;
	return a->function == NULL ? 0 : compare_bytes(a->function, a->function_len, b->function,
						       b->function_len);
}

static int compare_py_places(const void *pa, const void *pb)
{
	const struct py_place *a = pa, *b = pb;

	if (a->events != b->events)
		return a->events > b->events ? -1 : 1;
	return compare_py_locations(&a->loc, &b->loc);
}

/* The places events were made at, most events first; *n set to their number.  NULL with *n 0:
 * none, or out of memory (then *oom is set). */
static struct py_place *py_places(const struct py_locations *t, size_t *n, int *oom)
{
	const struct py_location **locs = malloc((t->used != 0 ? t->used : 1) * sizeof *locs);
	struct py_place *places = malloc((t->used != 0 ? t->used : 1) * sizeof *places);
	size_t nlocs = 0, nplaces = 0;

	*n = 0;
	*oom = locs == NULL || places == NULL;
	if (*oom) {
		free(locs);
		free(places);
		return NULL;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].id != 0 && t->slots[i].events != 0)
			locs[nlocs++] = &t->slots[i];
	if (nlocs > 1) /* qsort's base may not be NULL, even for no elements */
		qsort(locs, nlocs, sizeof *locs, compare_py_locations);
	for (size_t i = 0; i < nlocs; i++) {
		if (nplaces > 0 && locs[i]->file != NULL &&
		    compare_py_locations(&places[nplaces - 1].loc, &locs[i]) == 0) {
			places[nplaces - 1].events += locs[i]->events;
			continue;
		}
		places[nplaces++] = (struct py_place){ locs[i], locs[i]->events };
	}
	free(locs);
	if (nplaces > 1)
		qsort(places, nplaces, sizeof *places, compare_py_places);
	*n = nplaces;
	return places;
}

static const char python_locations_note[] =
	"none in this trace (recorded without pyhooks, or by a retrace that did not record them)";

/* One row of a table; family NULL: the family table, which has no such column. */
static void print_counts_row(const char *name, const char *family, const struct event_counts *c)
{
	printf("  %-16s", name);
	if (family != NULL)
		printf(" %-9s", family);
	printf(" %9" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", c->events, c->data_bytes,
	       c->trace_bytes);
}

/* The lines on threads and the GIL's schedule, after "threads:". */
static void print_schedule_text(const struct thread_schedule *s)
{
	const uint64_t *kinds = s->yields_by_kind;

	printf("%-13s%" PRIu64 " thread%s", "created:", s->creations, s->creations == 1 ? "" : "s");
	if (s->failed_creations != 0)
		printf(" (%" PRIu64 " of them failed)", s->failed_creations);
	if (s->unrecorded_from != 0)
		printf("; the schedule is not recorded from #%" PRIu64 " on (the GIL could not be "
		       "found or checked)", s->unrecorded_from);
	putchar('\n');
	printf("%-13s%" PRIu64 "\n", "GIL takes:", s->gil_takes);
	printf("%-13s%" PRIu64 " (%" PRIu64 " voluntary, %" PRIu64 " forced)\n", "handoffs:",
	       s->handoffs, s->handoffs - s->forced_handoffs, s->forced_handoffs);
	printf("%-13s%" PRIu64 " forced (%" PRIu64 " exact at a call, %" PRIu64 " exact at a frame "
	       "entry, %" PRIu64 " approximate", "switches:", s->yields, kinds[YIELD_AT_CALL],
	       kinds[YIELD_AT_FRAME_ENTRY], kinds[YIELD_APPROXIMATE]);
	if (kinds[0] != 0)
		printf(", %" PRIu64 " of a kind this version does not know", kinds[0]);
	fputs(")\n", stdout);
}

/* Calls by count.  A trace with no events has no table at all (calls is NULL), and qsort's
 * base may not be NULL even for no elements (UBSan says so). */
static void sort_calls(struct trace_stats *st)
{
	if (st->ncalls > 1)
		qsort(st->calls, st->ncalls, sizeof *st->calls, compare_call_counts);
}

/* The file's own size when it is sealed (compressed, encrypted: tools/seal.h), -1 when plain:
 * the stats are the plain trace's, this is what it takes on disk. */
static long long sealed_bytes = -1;

static void print_stats_text(const struct trace_reader *r, struct trace_stats *st)
{
	const Retrace__Header *h = r->header;
	const Retrace__Trailer *t = r->trailer;

	print_command_text(h);
	printf("%-13s", "started:");
	print_utc(h->start_time_ns);
	putchar('\n');
	struct duration d = trace_duration(h, st);
	printf("%-13s", "duration:");
	if (d.source == NULL) {
		fputs("unknown (no clock reading to go by)\n", stdout);
	} else {
		fputs("at least ", stdout);
		print_ns_as_seconds(d.ns);
		if (d.source[0] == 'w')
			fputs(" s (start of recording to the last wall-clock reading)\n", stdout);
		else
			fputs(" s (first to last CLOCK_MONOTONIC reading)\n", stdout);
	}
	printf("%-13s%zu", "threads:", r->ntids);
	if (r->ntids > 1) {
		for (size_t i = 0; i < r->ntids && i < 8; i++) {
			printf("%st%" PRIu32, i == 0 ? " (" : ", ", r->tids[i]);
			print_thread_name_text(&st->schedule, r->tids[i]);
			printf(": %" PRIu64 " events", st->thread_events[i]);
		}
		fputs(r->ntids > 8 ? ", ...)" : ")", stdout);
	}
	putchar('\n');
	if (r->ntids > 1 || st->families[FAMILY_THREADS].events != 0)
		print_schedule_text(&st->schedule);
	printf("%-13sthis one and %" PRIu64 " child%s (retrace-dump --tree shows them)\n",
	       "processes:", st->children, st->children == 1 ? "" : "ren");
	printf("%-13s%" PRIu64 " handed to the program's handlers\n", "signals:", st->signals);
	printf("%-13s", "ended:");
	if (t == NULL)
		fputs("killed or crashed (no trailer)", stdout);
	else if (t->exit_status == -1)
		fputs("exited (status not seen)", stdout);
	else
		printf("exited with status %" PRId32, t->exit_status);
	if (t != NULL && t->stopped != NULL && t->stopped[0] != '\0') {
		printf("; recording stopped early at seq %" PRIu64 ": ", t->stopped_at_seq);
		tool_print_escaped(stdout, (const uint8_t *)t->stopped, strlen(t->stopped));
	}
	if (r->torn_offset != 0)
		printf("; torn tail from byte %" PRIu64 " ignored", r->torn_offset);
	putchar('\n');
	printf("%-13s%" PRIu64, "events:", st->total.events);
	if (t != NULL && t->events != st->total.events)
		printf(" (the trailer counts %" PRIu64 ")", t->events);
	putchar('\n');
	printf("%-13s%zu bytes, %" PRIu64 " of them events (the rest: header, frame heads, unused "
	       "chunk space)\n", "trace size:", r->size, st->total.trace_bytes);
	if (sealed_bytes >= 0)
		printf("%-13s%lld bytes sealed, %.2f per event\n", "on disk:", sealed_bytes,
		       st->total.events ? (double)sealed_bytes / (double)st->total.events : 0.0);

	printf("\n  %-16s %9s %12s %12s\n", "family", "events", "data bytes", "trace bytes");
	for (int f = 0; f < FAMILY_COUNT; f++)
		if (st->families[f].events != 0)
			print_counts_row(family_names[f], NULL, &st->families[f]);
	print_counts_row("total", NULL, &st->total);

	sort_calls(st);
	printf("\n  %-16s %-9s %9s %12s %12s\n", "call", "family", "events", "data bytes",
	       "trace bytes");
	for (size_t i = 0; i < st->ncalls; i++)
		print_counts_row(trace_call_name(st->calls[i].call),
				 family_names[call_family_of(st->calls[i].call)], &st->calls[i].n);
	size_t nplaces;
	int oom;
	struct py_place *places = py_places(&st->python.locations, &nplaces, &oom);
	if (nplaces == 0) {
		printf("\nPython locations: %s\n", oom ? "(out of memory)" : python_locations_note);
	} else {
		printf("\ntop Python locations by event count (%" PRIu64 " of %" PRIu64
		       " events were made in Python code):\n  %9s  %s\n", st->located_events,
		       st->total.events, "events", "file:line (function)");
		for (size_t i = 0; i < nplaces && i < 10; i++) {
			printf("  %9" PRIu64 "  ", places[i].events);
			if (places[i].loc->file != NULL)
				print_py_location_text(places[i].loc);
			else
				printf("location %" PRIu32 " of thread %" PRIu32 " (never defined)",
				       places[i].loc->id, places[i].loc->tid);
			putchar('\n');
		}
	}
	free(places);
}

static void print_counts_json(const struct event_counts *c)
{
	printf("\"events\":%" PRIu64 ",\"data_bytes\":%" PRIu64 ",\"trace_bytes\":%" PRIu64,
	       c->events, c->data_bytes, c->trace_bytes);
}

static void print_schedule_json(const struct thread_schedule *s)
{
	const uint64_t *kinds = s->yields_by_kind;

	fputs(",\"thread_names\":{", stdout);
	for (size_t i = 0, named = 0; i < s->nthreads; i++) {
		if (s->threads[i].name == NULL)
			continue;
		printf("%s\"%" PRIu32 "\":", named++ > 0 ? "," : "", s->threads[i].tid);
		json_string(s->threads[i].name, s->threads[i].name_len);
	}
	printf("},\"thread_creations\":%" PRIu64 ",\"failed_thread_creations\":%" PRIu64,
	       s->creations, s->failed_creations);
	if (s->unrecorded_from != 0)
		printf(",\"schedule_unrecorded_from_seq\":%" PRIu64, s->unrecorded_from);
	else
		fputs(",\"schedule_unrecorded_from_seq\":null", stdout);
	printf(",\"gil_takes\":%" PRIu64 ",\"handoffs\":{\"total\":%" PRIu64 ",\"voluntary\":%"
	       PRIu64 ",\"forced\":%" PRIu64 "}", s->gil_takes, s->handoffs,
	       s->handoffs - s->forced_handoffs, s->forced_handoffs);
	printf(",\"forced_switches\":{\"total\":%" PRIu64 ",\"at_call\":%" PRIu64
	       ",\"at_frame_entry\":%" PRIu64 ",\"approximate\":%" PRIu64 ",\"unknown_kind\":%"
	       PRIu64 "}", s->yields, kinds[YIELD_AT_CALL], kinds[YIELD_AT_FRAME_ENTRY],
	       kinds[YIELD_APPROXIMATE], kinds[0]);
}

static void print_stats_json(const struct trace_reader *r, struct trace_stats *st)
{
	const Retrace__Header *h = r->header;
	const Retrace__Trailer *t = r->trailer;

	fputs("{\"type\":\"stats\"", stdout);
	if (sealed_bytes >= 0)
		printf(",\"sealed_bytes\":%lld", sealed_bytes);
	json_key("argv");
	json_bytes_array(h->argv, h->n_argv);
	printf(",\"start_time_ns\":%" PRId64, h->start_time_ns);
	struct duration d = trace_duration(h, st);
	if (d.source != NULL)
		printf(",\"duration_ns\":%" PRId64 ",\"duration_source\":\"%s\"", d.ns, d.source);
	else
		fputs(",\"duration_ns\":null,\"duration_source\":null", stdout);
	printf(",\"threads\":%zu,\"thread_events\":{", r->ntids);
	for (size_t i = 0; i < r->ntids; i++)
		printf("%s\"%" PRIu32 "\":%" PRIu64, i > 0 ? "," : "", r->tids[i],
		       st->thread_events[i]);
	putchar('}');
	print_schedule_json(&st->schedule);
	printf(",\"processes\":1,\"children\":%" PRIu64 ",\"signals\":%" PRIu64, st->children,
	       st->signals);
	if (t == NULL) {
		fputs(",\"end\":\"killed_or_crashed\"", stdout);
	} else {
		int stopped = t->stopped != NULL && t->stopped[0] != '\0';
		printf(",\"end\":\"%s\",\"exit_status\":%" PRId32, stopped ? "stopped" : "exited",
		       t->exit_status);
		if (stopped) {
			json_key("stopped");
			json_cstring(t->stopped);
			printf(",\"stopped_at_seq\":%" PRIu64, t->stopped_at_seq);
		}
		printf(",\"trailer_events\":%" PRIu64, t->events);
	}
	printf(",\"torn_offset\":%" PRIu64 ",\"file_bytes\":%zu,", r->torn_offset, r->size);
	print_counts_json(&st->total);
	fputs(",\"families\":{", stdout);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		printf("%s\"%s\":{", f > 0 ? "," : "", family_names[f]);
		print_counts_json(&st->families[f]);
		putchar('}');
	}
	fputs("},\"calls\":[", stdout);
	sort_calls(st);
	for (size_t i = 0; i < st->ncalls; i++) {
		fputs(i > 0 ? ",{\"call\":" : "{\"call\":", stdout);
		json_cstring(trace_call_name(st->calls[i].call));
		printf(",\"call_id\":%" PRIu32 ",\"family\":\"%s\",", st->calls[i].call,
		       family_names[call_family_of(st->calls[i].call)]);
		print_counts_json(&st->calls[i].n);
		putchar('}');
	}
	putchar(']');

	size_t nplaces;
	int oom;
	struct py_place *places = py_places(&st->python.locations, &nplaces, &oom);
	printf(",\"located_events\":%" PRIu64, st->located_events);
	if (nplaces == 0) {
		fputs(",\"python_locations\":null", stdout);
		json_key("python_locations_note");
		json_cstring(oom ? "out of memory" : python_locations_note);
	} else {
		fputs(",\"python_locations\":[", stdout);
		for (size_t i = 0; i < nplaces && i < 20; i++) {
			const struct py_location *loc = places[i].loc;
			printf("%s{\"events\":%" PRIu64, i > 0 ? "," : "", places[i].events);
			if (loc->file != NULL) {
				putchar(',');
				print_py_location_json_fields(loc);
			} else {
				printf(",\"location\":%" PRIu32 ",\"thread\":%" PRIu32, loc->id, loc->tid);
			}
			putchar('}');
		}
		putchar(']');
	}
	free(places);
	fputs("}\n", stdout);
}

int dump_stats(const struct trace_reader *r, const char *path, int json)
{
	struct trace_stats st;
	struct trace_error err;
	struct stat sb;

	if (seal_is_sealed(path) == 1 && stat(path, &sb) == 0)
		sealed_bytes = (long long)sb.st_size;

	if (collect_stats(r, &st, &err) != 0) {
		tool_msg("%s: %s", path, err.msg);
		free_stats(&st);
		return tool_exit_for_trace_status(err.code);
	}
	if (json)
		print_stats_json(r, &st);
	else
		print_stats_text(r, &st);
	free_stats(&st);
	return finish_output(0);
}
