/* text.c — bytes from a trace made safe to show: printable UTF-8 as it is, everything a
 * terminal could act on as \xNN.
 *
 * Every string in a trace (paths, argv, environment, Python file and function names, a
 * hostname) is untrusted: printed raw, a forged one could move the cursor, retitle the window
 * or hide lines.  libretrace's messages and the tools' go through here, so what the user sees
 * is always what the bytes were.  No allocation, no stdio: libretrace calls it inside the
 * program.
 */
#include "trace.h"

size_t trace_utf8_len(const uint8_t *s, size_t avail)
{
	uint8_t b = s[0];
	size_t len;
	uint32_t cp, min;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		len = 2, cp = b & 0x1f, min = 0x80;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3, cp = b & 0x0f, min = 0x800;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4, cp = b & 0x07, min = 0x10000;
	else
		return 0;
	if (len > avail)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int trace_text_unprintable(const uint8_t *s, size_t n)
{
	return n == 0 || s[0] < 0x20 || s[0] == 0x7f || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

size_t trace_text_escape(char *dst, size_t room, const uint8_t *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	if (room == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		size_t n = trace_utf8_len(s + i, len - i);
		if (trace_text_unprintable(s + i, n)) {
			size_t m = n ? n : 1;
			if (k + 4 * m >= room)
				break;
			for (size_t j = 0; j < m; j++) {
				dst[k++] = '\\';
				dst[k++] = 'x';
				dst[k++] = hex[s[i + j] >> 4];
				dst[k++] = hex[s[i + j] & 15];
			}
			i += m;
			continue;
		}
		if (k + n >= room)
			break;
		for (size_t j = 0; j < n; j++)
			dst[k++] = (char)s[i + j];
		i += n;
	}
	dst[k] = 0;
	return k;
}
