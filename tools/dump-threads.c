/* dump-threads.c — threads and the GIL's schedule as retrace-dump shows them: each thread's
 * Python name, which GIL takes are handoffs and whether they were forced, and the layout of the
 * thread calls (thread_create, yield, fd_number).
 *
 * The names come from the creators' THREAD_CREATE events, which come before any event of the
 * threads they name, so walking the trace in global order knows a thread's name by the time it
 * is needed.  Thread ids come from an untrusted trace: they are searched for, never used as
 * indexes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

/* The index of tid in the table, or of where it would go. */
static size_t thread_slot(const struct thread_schedule *s, uint32_t tid)
{
	size_t lo = 0, hi = s->nthreads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct dump_thread *thread_find(const struct thread_schedule *s, uint32_t tid)
{
	size_t i = thread_slot(s, tid);

	return i < s->nthreads && s->threads[i].tid == tid ? &s->threads[i] : NULL;
}

/* The thread's entry, added when missing; NULL when out of memory.  Valid until the next one is
 * added. */
static struct dump_thread *thread_get(struct thread_schedule *s, uint32_t tid)
{
	size_t i = thread_slot(s, tid);

	if (i < s->nthreads && s->threads[i].tid == tid)
		return &s->threads[i];
	if (s->nthreads == s->cap) {
		size_t cap = s->cap != 0 ? 2 * s->cap : 16;
		struct dump_thread *grown = realloc(s->threads, cap * sizeof *grown);
		if (grown == NULL)
			return NULL;
		s->threads = grown;
		s->cap = cap;
	}
	/* threads are created, and so met, in the order of their ids: this is an append */
	memmove(&s->threads[i + 1], &s->threads[i], (s->nthreads - i) * sizeof *s->threads);
	s->nthreads++;
	s->threads[i] = (struct dump_thread){ .tid = tid };
	return &s->threads[i];
}

int thread_schedule_take(struct thread_schedule *s, const struct trace_event *ev,
			 struct gil_handoff *h)
{
	struct dump_thread *t;

	if (h != NULL)
		*h = (struct gil_handoff){ 0, 0 };
	switch (ev->call) {
	case CALL(THREAD_CREATE):
		s->creations++;
		if (ev->result != 0)
			s->failed_creations++;
		if (ev->arg1 == 1 && s->unrecorded_from == 0)
			s->unrecorded_from = ev->seq;
		/* a failed creation names no thread: its id may be the next one's */
		if (ev->result != 0 || ev->aux_len == 0 || ev->arg0 <= 0 || ev->arg0 > UINT32_MAX)
			return 0;
		if ((t = thread_get(s, (uint32_t)ev->arg0)) == NULL)
			return -1;
		t->name = ev->aux;
		t->name_len = ev->aux_len;
		return 0;
	case CALL(YIELD):
		s->yields++;
		s->yields_by_kind[ev->arg0 > 0 && ev->arg0 < YIELD_KINDS ? ev->arg0 : 0]++;
		if ((t = thread_get(s, ev->tid)) == NULL)
			return -1;
		/* The GIL changes hands at the holder's next eval-breaker check after this point, so
		 * the holder may log more events before the take (a yield at a call is followed by the
		 * call itself): the switch is forced whatever the holder logged in between. */
		t->yielded = 1;
		return 0;
	case CALL(GIL_TAKE):
		s->gil_takes++;
		if (s->holder != 0 && s->holder != ev->tid) {
			const struct dump_thread *from = thread_find(s, s->holder);
			int forced = from != NULL && from->yielded;
			s->handoffs++;
			s->forced_handoffs += (uint64_t)forced;
			if (h != NULL)
				*h = (struct gil_handoff){ s->holder, forced };
		}
		s->holder = ev->tid;
		if ((t = thread_get(s, ev->tid)) == NULL)
			return -1;
		t->yielded = 0;
		return 0;
	default:
		return 0;
	}
}

void thread_schedule_free(struct thread_schedule *s)
{
	free(s->threads);
	memset(s, 0, sizeof *s);
}

void print_thread_name_text(const struct thread_schedule *s, uint32_t tid)
{
	const struct dump_thread *t = thread_find(s, tid);

	if (t == NULL || t->name == NULL)
		return;
	fputs(" (", stdout);
	tool_print_escaped(stdout, t->name, t->name_len);
	putchar(')');
}

void print_thread_name_json(const struct thread_schedule *s, uint32_t tid, const char *key)
{
	const struct dump_thread *t = thread_find(s, tid);

	if (t == NULL || t->name == NULL)
		return;
	json_key(key);
	json_string(t->name, t->name_len);
}

const char *yield_kind_name(int64_t kind)
{
	switch (kind) {
	case YIELD_AT_CALL: return "at_call";
	case YIELD_AT_FRAME_ENTRY: return "at_frame_entry";
	case YIELD_APPROXIMATE: return "approximate";
	default: return NULL;
	}
}

const char *fd_number_name(int64_t which)
{
	static const char *const names[] = { NULL, "open", "close", "dup", "dup2", "closedir" };

	return which > 0 && which < (int64_t)(sizeof names / sizeof names[0]) ? names[which] : NULL;
}

int print_call_thread_text(const struct trace_event *ev)
{
	switch (ev->call) {
	case CALL(THREAD_CREATE):
		printf("thread_create(t%" PRId64, ev->arg0);
		if (ev->aux_len > 0) {
			fputs(", ", stdout);
			print_quoted(ev->aux, ev->aux_len);
		}
		if (ev->arg1 == 1)
			fputs(", schedule not recorded from here on", stdout);
		else if (ev->arg1 != 0)
			printf(", %" PRId64, ev->arg1);
		putchar(')');
		return 1;
	case CALL(YIELD):
		switch (ev->arg0) {
		case YIELD_AT_CALL: fputs("yield(at call, ", stdout); break;
		case YIELD_AT_FRAME_ENTRY: fputs("yield(at ", stdout); break;
		case YIELD_APPROXIMATE: fputs("yield(approximate, ", stdout); break;
		default: printf("yield(kind %" PRId64 ", ", ev->arg0); break;
		}
		printf("frame entry %" PRId64 ")", ev->arg1);
		return 1;
	case CALL(FD_NUMBER): {
		const char *which = fd_number_name(ev->arg0);
		fputs("fd_number(", stdout);
		if (which != NULL)
			fputs(which, stdout);
		else
			printf("%" PRId64, ev->arg0);
		/* -1: no fd (an open has none to act on, only dup2 a new one) */
		if (ev->arg1 != -1)
			printf(", %" PRId64, ev->arg1);
		if (ev->arg0 == 4 || (ev->arg2 != -1 && ev->arg2 != 0))
			printf(", %" PRId64, ev->arg2);
		putchar(')');
		return 1;
	}
	default:
		return 0;
	}
}

void print_handoff_text(const struct gil_handoff *h)
{
	if (h->from != 0)
		printf(" handoff from t%" PRIu32 " (%s)", h->from, h->forced ? "forced" : "voluntary");
}

void print_thread_fields_json(const struct trace_event *ev, const struct gil_handoff *h)
{
	const struct call_info *info = call_info_of(ev->call);

	if (h->from != 0)
		printf(",\"handoff\":{\"from\":%" PRIu32 ",\"forced\":%s}", h->from,
		       h->forced ? "true" : "false");
	if (ev->call == CALL(YIELD)) {
		json_key("yield_kind");
		if (yield_kind_name(ev->arg0) != NULL)
			json_cstring(yield_kind_name(ev->arg0));
		else
			fputs("null", stdout);
		printf(",\"frame_entry\":%" PRId64, ev->arg1);
	}
	if (ev->call == CALL(THREAD_CREATE)) {
		printf(",\"new_thread\":{\"tid\":%" PRId64 ",\"name\":", ev->arg0);
		if (ev->aux_len > 0)
			json_string(ev->aux, ev->aux_len);
		else
			fputs("null", stdout);
		printf(",\"schedule_recorded\":%s}", ev->arg1 == 1 ? "false" : "true");
	}
	if (info != NULL && (info->flags & VALUE_SEM))
		printf(",\"sem\":\"0x%" PRIx64 "\"", (uint64_t)ev->value);
	if (info != NULL && (info->flags & VALUE_FINGERPRINT) && ev->value != 0)
		printf(",\"fingerprint\":\"%016" PRIx64 "\"", (uint64_t)ev->value);
}
