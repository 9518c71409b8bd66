/* header.c — what a trace says about the process it came from, and the check on replay.
 *
 * Record describes the program (argv, the environment it saw, cwd, executable and build id,
 * Python version, which files it records) so that replay can rebuild the same process and say
 * up front when the replaying one is not the same: the executable and every library loaded at
 * start are fingerprinted (build id, size, mtime), and replay names the first difference in one
 * warning.  Everything is built in the arena; nothing touches the heap.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "rt.h"

extern char **environ;

static ProtobufCBinaryData bytes_of(const char *s)
{
	ProtobufCBinaryData b = { strlen(s), (uint8_t *)s };
	return b;
}

struct build_id {
	uint8_t id[64];
	size_t len;
};

/* The GNU build id note of one loaded object, from its PT_NOTE segments; 0 if it has none. */
static int note_build_id(const struct dl_phdr_info *info, struct build_id *b)
{
	b->len = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof *n;
			const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);
			const uint8_t *next = desc + ((n->n_descsz + 3) & ~3u);
			if (next > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && n->n_descsz <= sizeof b->id) {
				memcpy(b->id, desc, n->n_descsz);
				b->len = n->n_descsz;
				return 1;
			}
			p = next;
		}
	}
	return 0;
}

/* The build id of the main executable (the first object dl_iterate_phdr reports). */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	note_build_id(info, arg);
	return 1; /* only the first object, the executable */
}

static const char *python_version(void)
{
	/* Py_GetVersion only formats constants into a static buffer: safe before Python starts. */
	const char *(*get)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "Py_GetVersion");
	return get ? get() : "";
}

static char *exe_path(void)
{
	static char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* ---- the installation's fingerprint: the executable and the libraries loaded at start ---- */

#define LIBRARIES_MAX 512

struct library_scan {
	Retrace__Library *libs;
	size_t n;
	int seen;         /* objects reported so far: the first is the executable */
	const char *self; /* libretrace's own path: not part of the installation */
};

static int collect_library(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct library_scan *scan = arg;
	const char *path = scan->seen++ == 0 ? exe_path() : info->dlpi_name;
	if (scan->n >= LIBRARIES_MAX)
		return 1;
	/* the vDSO has no file; libretrace and its _retrace.so are compared by the header's
	 * retrace_version (and _retrace is loaded after this check in replay) */
	if (!path || path[0] != '/' || (scan->self && strcmp(path, scan->self) == 0))
		return 0;
	size_t len = strlen(path);
	if (len >= sizeof "/_retrace.so" - 1 &&
	    strcmp(path + len - (sizeof "/_retrace.so" - 1), "/_retrace.so") == 0)
		return 0;
	Retrace__Library *lib = &scan->libs[scan->n++];
	retrace__library__init(lib);
	lib->path = bytes_of(path);
	struct build_id b;
	if (note_build_id(info, &b) && (lib->build_id.data = rt_alloc(b.len))) {
		memcpy(lib->build_id.data, b.id, b.len);
		lib->build_id.len = b.len;
	}
	struct stat st;
	if (stat(path, &st) == 0) {
		lib->size = st.st_size;
		lib->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	} else {
		lib->size = -1;
	}
	return 0;
}

/* The executable first, then every shared object in load order.  NULL when out of memory. */
static Retrace__Library *collect_libraries(size_t *n)
{
	struct library_scan scan = { rt_alloc(sizeof *scan.libs * LIBRARIES_MAX), 0, 0, NULL };
	Dl_info self;
	if (dladdr((void *)collect_libraries, &self) && self.dli_fname)
		scan.self = self.dli_fname;
	*n = 0;
	if (!scan.libs)
		return NULL;
	dl_iterate_phdr(collect_library, &scan);
	*n = scan.n;
	return scan.libs;
}

static int same_bin(ProtobufCBinaryData a, ProtobufCBinaryData b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

/* How the live object differs from the recorded one, or NULL: build ids where both have one,
 * else size and mtime (a rebuilt library keeps neither). */
static const char *library_difference(const Retrace__Library *rec, const Retrace__Library *now)
{
	if (rec->build_id.len && now->build_id.len)
		return same_bin(rec->build_id, now->build_id) ? NULL : "has another build id";
	if (rec->size != now->size)
		return now->size < 0 ? "cannot be read" : "has another size";
	if (rec->mtime_ns != now->mtime_ns)
		return "was modified";
	return NULL;
}

/* One warning, naming the first difference and counting the others. */
static void check_libraries(const Retrace__Header *h)
{
	size_t n;
	Retrace__Library *now = collect_libraries(&n);
	if (!now)
		return;
	char first[600] = "";
	size_t count = 0;
	for (size_t i = 0; i < h->n_libraries; i++) {
		const Retrace__Library *rec = h->libraries[i];
		const Retrace__Library *match = NULL;
		for (size_t j = 0; j < n && !match; j++)
			if (same_bin(rec->path, now[j].path))
				match = &now[j];
		const char *what = match ? library_difference(rec, match)
				   : i == 0 ? "is not the executable running now"
					    : "was loaded when recorded and is not now";
		if (what && count++ == 0)
			snprintf(first, sizeof first, "%s %.*s %s", i == 0 ? "the executable" : "library",
				 (int)(rec->path.len < 400 ? rec->path.len : 400),
				 (const char *)rec->path.data, what);
	}
	for (size_t j = 0; j < n; j++) {
		int known = 0;
		for (size_t i = 0; i < h->n_libraries && !known; i++)
			known = same_bin(h->libraries[i]->path, now[j].path);
		if (!known && count++ == 0)
			snprintf(first, sizeof first, "%s %.*s is loaded now and was not when recorded",
				 j == 0 ? "the executable" : "library",
				 (int)(now[j].path.len < 400 ? now[j].path.len : 400),
				 (const char *)now[j].path.data);
	}
	const char *pv = python_version();
	int other_python = strcmp(h->python_version, pv) != 0;
	if (!count && !other_python)
		return;
	char python[160] = "";
	if (other_python)
		snprintf(python, sizeof python, "%srecorded with Python %.40s, replaying with %.40s",
			 count ? "; " : "", h->python_version, pv);
	char more[80] = "";
	if (count > 1)
		snprintf(more, sizeof more, " (and %zu more difference%s)", count - 1,
			 count > 2 ? "s" : "");
	rt_msg("warning: this is not the installation the trace was recorded on: %s%s%s; replay "
	       "may diverge", first, more, python);
}

/* The command the user gave (RETRACE_COMMAND, format/command.c), decoded, when it is not this
 * program's own argv: reached through execs. */
static void header_command(Retrace__Header *h)
{
	const char *e = rt_command_of_chain();
	if (!e)
		return;
	const char *v = e + sizeof "RETRACE_COMMAND=" - 1;
	size_t k = trace_command_count(v);
	ProtobufCBinaryData *args = rt_alloc(k * sizeof *args);
	uint8_t *bytes = rt_alloc(strlen(v) / 2 + 1);
	if (!args || !bytes || trace_command_decode(v, args, bytes) < 0)
		return; /* not ours: no command in the header */
	/* the same as argv: nothing to add */
	if (k == h->n_argv) {
		size_t i = 0;
		while (i < k && args[i].len == h->argv[i].len &&
		       memcmp(args[i].data, h->argv[i].data, args[i].len) == 0)
			i++;
		if (i == k)
			return;
	}
	h->n_command = k;
	h->command = args;
}

int rt_header_build(Retrace__Header *h, int argc, char **argv, int trace_fd, int status_fd)
{
	static Retrace__Capture cap = RETRACE__CAPTURE__INIT;
	static char cwd[4096], host[256];
	static struct build_id bid;

	retrace__header__init(h);
	h->magic = "retrace";
	h->format_version = TRACE_FORMAT_VERSION;
	h->n_argv = (size_t)argc;
	h->argv = rt_alloc(sizeof *h->argv * (size_t)(argc + 1));
	for (int i = 0; h->argv && i < argc; i++)
		h->argv[i] = bytes_of(argv[i]);
	size_t nenv = 0;
	while (environ && environ[nenv])
		nenv++;
	h->env = rt_alloc(sizeof *h->env * (nenv + 1));
	h->n_env = h->env ? nenv : 0;
	for (size_t i = 0; i < h->n_env; i++)
		h->env[i] = rt_redact_env_entry(environ[i]); /* a secret as NAME=xxxx (redact.c) */
	if (!getcwd(cwd, sizeof cwd))
		cwd[0] = 0;
	h->cwd = bytes_of(cwd);
	h->exe_path = bytes_of(exe_path());
	dl_iterate_phdr(find_build_id, &bid);
	h->exe_build_id.data = bid.id;
	h->exe_build_id.len = bid.len;
	h->python_version = (char *)python_version();
	h->retrace_version = RETRACE_VERSION;
	struct timespec now;
	REAL(clock_gettime)(CLOCK_REALTIME, &now);
	h->start_time_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	cap.write_bytes = rt_write_bytes_enabled();
	cap.chunk_size = rt_chunk_size();
	cap.python_locations = rt_pyhooks_active();
	cap.python_stacks = rt_pystacks_active();
	cap.threads_layout = (char *)rt_gil_layout();
	rt_paths_capture(&cap);
	h->capture = &cap;
	size_t nlib;
	Retrace__Library *libs = collect_libraries(&nlib);
	h->libraries = rt_alloc(sizeof *h->libraries * (nlib + 1));
	h->n_libraries = h->libraries ? nlib : 0;
	for (size_t i = 0; i < h->n_libraries; i++)
		h->libraries[i] = &libs[i];
	h->pid = rt_recorded_pid();
	h->trace_fd = trace_fd;
	h->status_fd = status_fd;
	if (REAL(gethostname)(host, sizeof host) < 0)
		host[0] = 0;
	host[sizeof host - 1] = 0;
	h->hostname = host;
	const char *pre = getenv("LD_PRELOAD");
	h->ld_preload = bytes_of(pre ? pre : "");
	h->exec_path = bytes_of(rt_exec_path());
	header_command(h);
	rt_redact_header(h);
	static Retrace__Signals sigs = RETRACE__SIGNALS__INIT;
	rt_sig_inherited(&sigs.ignored, &sigs.blocked);
	h->inherited = &sigs;
	return 0;
}

static int same_bytes(ProtobufCBinaryData b, const char *s)
{
	return b.len == strlen(s) && memcmp(b.data, s, b.len) == 0;
}

/* Replay: is this the program that was recorded?  A different executable or library might
 * still replay, so check_libraries warns about it; the command line is compared in core.c. */
void rt_header_check(const Retrace__Header *h)
{
	if (h->n_libraries) {
		check_libraries(h);
		return;
	}
	/* a trace without the fingerprint: the executable and the Python version alone */
	static struct build_id bid;
	dl_iterate_phdr(find_build_id, &bid);
	const char *exe = exe_path();
	if (!same_bytes(h->exe_path, exe) || h->exe_build_id.len != bid.len ||
	    memcmp(h->exe_build_id.data, bid.id, bid.len) != 0)
		rt_msg("warning: the executable %s is not the one recorded (%.*s, build id differs); "
		       "replay may diverge", exe, (int)h->exe_path.len, (const char *)h->exe_path.data);
	const char *pv = python_version();
	if (strcmp(h->python_version, pv) != 0)
		rt_msg("warning: recorded with Python %.40s, replaying with %.40s; replay may diverge",
		       h->python_version, pv);
}
