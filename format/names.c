/* names.c — human names for statuses and calls, and the delta-coding slot of an event's value.
 *
 * Call names come from the enum descriptor protoc-c generates from retrace.proto, so adding a
 * call there names it here too.  Used inside libretrace for messages, hence no malloc.
 */
#include <pthread.h>
#include <stdint.h>

#include "trace.h"

const char *trace_status_name(enum trace_status code)
{
	switch (code) {
	case TRACE_OK:
		return "ok";
	case TRACE_E_IO:
		return "i/o error";
	case TRACE_E_FOREIGN:
		return "not a retrace trace";
	case TRACE_E_VERSION:
		return "trace from a newer retrace";
	case TRACE_E_TRUNCATED:
		return "truncated trace";
	case TRACE_E_CORRUPT:
		return "corrupt trace";
	case TRACE_E_NOMEM:
		return "out of memory";
	case TRACE_E_FULL:
		return "trace file full";
	}
	return "unknown error";
}

/* ---------------------------------------------------------------------------------------------
 * Call names: "CALL_CLOCK_GETTIME" becomes "clock_gettime".  The table is indexed like the
 * descriptor's values array and filled once; the sizes are generous bounds checked when filling
 * (a value that does not fit is reported by number, never truncated into a wrong name).
 */
#define TRACE_CALL_NAMES_MAX 256
#define TRACE_CALL_NAME_LEN 40

static char trace_call_names[TRACE_CALL_NAMES_MAX][TRACE_CALL_NAME_LEN];
static pthread_once_t trace_call_names_once = PTHREAD_ONCE_INIT;

static void trace_call_names_build(void)
{
	const ProtobufCEnumDescriptor *d = &retrace__call__descriptor;
	static const char prefix[] = "CALL_";

	for (unsigned i = 0; i < d->n_values && i < TRACE_CALL_NAMES_MAX; i++) {
		const char *src = d->values[i].name;
		char *dst = trace_call_names[i];
		size_t k = 0, j = 0;

		while (prefix[k] != '\0' && src[k] == prefix[k])
			k++;
		if (prefix[k] != '\0')
			k = 0; /* no CALL_ prefix: keep the whole name */
		for (; src[k] != '\0' && j < TRACE_CALL_NAME_LEN - 1; k++, j++) {
			char ch = src[k];

			dst[j] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
		}
		if (src[k] != '\0')
			j = 0; /* too long for the table: leave it empty so the number is shown */
		dst[j] = '\0';
	}
}

/* "call#N" for numbers the descriptor does not know (a trace from a newer retrace).  Per thread,
 * so concurrent messages about different unknown calls do not overwrite each other. */
static const char *trace_call_number_name(uint32_t call)
{
	static _Thread_local char buf[sizeof "call#4294967295"];
	char digits[10];
	size_t n = 0, j = 0;

	do {
		digits[n++] = (char)('0' + call % 10);
		call /= 10;
	} while (call != 0);
	for (const char *s = "call#"; *s != '\0'; s++)
		buf[j++] = *s;
	while (n > 0)
		buf[j++] = digits[--n];
	buf[j] = '\0';
	return buf;
}

const char *trace_call_name(uint32_t call)
{
	const ProtobufCEnumDescriptor *d = &retrace__call__descriptor;
	const ProtobufCEnumValue *v;

	if (call > INT32_MAX)
		return trace_call_number_name(call);
	v = protobuf_c_enum_descriptor_get_value(d, (int)call);
	if (v == NULL)
		return trace_call_number_name(call);
	pthread_once(&trace_call_names_once, trace_call_names_build);
	size_t i = (size_t)(v - d->values);
	if (i >= TRACE_CALL_NAMES_MAX || trace_call_names[i][0] == '\0')
		return trace_call_number_name(call);
	return trace_call_names[i];
}


const char *trace_clock_name(int64_t id)
{
	static const char *const names[] = {
		"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
		"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
		"CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
		"CLOCK_BOOTTIME_ALARM", NULL, "CLOCK_TAI",
	};
	/* negative ids are CPU clocks of other processes and threads: no name */
	if (id >= 0 && id < (int64_t)(sizeof names / sizeof *names))
		return names[id];
	return NULL;
}
