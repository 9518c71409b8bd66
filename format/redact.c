/* redact.c — which environment variables are secrets, and taking their values out of bytes.
 *
 * RETRACE_REDACT lists fnmatch(3) patterns on variable names; a variable that matches is a
 * secret: the header keeps its name with a placeholder of the same length for its value, and
 * every byte field libretrace stores or hashes has each literal occurrence of the value replaced
 * by the same placeholder (interpose/redact.c).  The replayed program, given the placeholder,
 * sends and writes exactly the bytes the trace holds.  Shared by libretrace and the unit tests;
 * no allocation (libretrace calls it inside the program).
 */
#include <fnmatch.h>
#include <string.h>

#include "trace.h"

/* One pattern of the list against a name; `default` stands for the defaults, `none` is no
 * pattern at all. */
static int redact_pattern_matches(const char *pat, size_t plen, const char *name)
{
	char p[256];
	if (plen == 0 || plen >= sizeof p)
		return 0; /* empty, or longer than any sane pattern: matches nothing */
	memcpy(p, pat, plen);
	p[plen] = 0;
	if (strcmp(p, "none") == 0)
		return 0;
	if (strcmp(p, "default") == 0)
		return trace_redact_matches(TRACE_REDACT_DEFAULTS, (const uint8_t *)name, strlen(name));
	/* case folded: api_token is as secret as API_TOKEN.  In libretrace this runs before the
	 * program sets a locale, so fnmatch takes its single-byte path and allocates nothing. */
	return fnmatch(p, name, FNM_CASEFOLD) == 0;
}

int trace_redact_matches(const char *patterns, const uint8_t *entry, size_t len)
{
	const uint8_t *eq = memchr(entry, '=', len);
	size_t nlen = eq ? (size_t)(eq - entry) : len;
	char name[1024];
	if (nlen == 0 || nlen >= sizeof name)
		return 0;
	/* ours are removed before the header is written; the loader's are needed to replay */
	if ((nlen >= 8 && memcmp(entry, "RETRACE_", 8) == 0) || trace_env_is_loader(entry, len))
		return 0;
	memcpy(name, entry, nlen);
	name[nlen] = 0;
	if (!patterns || !*patterns)
		patterns = TRACE_REDACT_DEFAULTS;
	for (const char *p = patterns;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;
		while (n && *s == ' ')
			s++, n--;
		while (n && s[n - 1] == ' ')
			n--;
		if (redact_pattern_matches(s, n, name))
			return 1;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* A secret too short to look for (shorter than TRACE_REDACT_MIN) is only replaced in the
 * header: found in data it would mostly be bytes that merely look like it. */
static int redact_searched(const struct trace_secret *s)
{
	return s->len >= TRACE_REDACT_MIN;
}

int trace_redact_occurs(const struct trace_secret *s, size_t n, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (redact_searched(&s[i]) && len >= s[i].len && memmem(buf, len, s[i].value, s[i].len))
			return 1;
	return 0;
}

size_t trace_redact_scrub(const struct trace_secret *s, size_t n, uint8_t *buf, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!redact_searched(&s[i]))
			continue;
		uint8_t *at = buf, *end = buf + len, *hit;
		while ((size_t)(end - at) >= s[i].len &&
		       (hit = memmem(at, (size_t)(end - at), s[i].value, s[i].len))) {
			memset(hit, TRACE_REDACT_FILL, s[i].len);
			at = hit + s[i].len;
			count++;
		}
	}
	return count;
}
