/* header.c — what a trace says about the process it came from, and the check on replay.
 *
 * Record describes the program (argv, the environment it saw, cwd, executable and build id,
 * Python version) so that replay can rebuild the same process and say up front when the
 * replaying one is not the same.  Everything is built in the arena; nothing touches the heap.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The GNU build id note of the main executable (the first object dl_iterate_phdr reports). */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id *b = arg;
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

int rt_header_build(Retrace__Header *h, int argc, char **argv, int trace_fd, int status_fd)
{
	static Retrace__Capture cap = RETRACE__CAPTURE__INIT;
	static char cwd[4096], host[256];
	static struct build_id bid;
	extern int rt_write_bytes_enabled(void);
	extern uint32_t rt_chunk_size(void);

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
		h->env[i] = bytes_of(environ[i]);
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
	h->capture = &cap;
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
	return 0;
}

static int same_bytes(ProtobufCBinaryData b, const char *s)
{
	return b.len == strlen(s) && memcmp(b.data, s, b.len) == 0;
}

/* Replay: is this the process that was recorded?  A different command line cannot replay; a
 * different interpreter or executable might, but the user hears about it first. */
void rt_header_check(const Retrace__Header *h, int argc, char **argv)
{
	int same = h->n_argv == (size_t)argc;
	for (int i = 0; same && i < argc; i++)
		same = same_bytes(h->argv[i], argv[i]);
	if (!same) {
		rt_msg("the command line differs from the recorded one; replay needs the same command "
		       "(retrace-replay TRACE runs it for you)");
		rt_exit_with(RETRACE_EXIT_MISMATCH, 0);
	}
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
