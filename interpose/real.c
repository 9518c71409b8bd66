/* real.c — where the wrapped libc functions really are.
 *
 * Resolved with dlsym(RTLD_NEXT) once, in the constructor, or earlier on first use when another
 * library calls a wrapped function before we are initialised.  dlsym's own work is the same in
 * record and replay, so it leaves the same footprint in both.
 */
#include <dlfcn.h>

#include "rt.h"

struct rt_real_table rt_real;

static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void *rt_real_sym(const char *name)
{
	rt_self.inside++;
	void *p = dlsym(RTLD_NEXT, name);
	rt_self.inside--;
	return p;
}

void rt_real_init(void)
{
	struct rt_real_table t;
	rt_self.inside++;
	t.clock_gettime = next("clock_gettime");
	t.gettimeofday = next("gettimeofday");
	t.time = next("time");
	t.clock = next("clock");
	t.times = next("times");
	t.getrusage = next("getrusage");
	t.getrandom = next("getrandom");
	t.getentropy = next("getentropy");
	t.syscall = next("syscall");
	t.getpid = next("getpid");
	t.getppid = next("getppid");
	t.gettid = next("gettid");
	t.uname = next("uname");
	t.gethostname = next("gethostname");
	t.getloadavg = next("getloadavg");
	t.nanosleep = next("nanosleep");
	t.clock_nanosleep = next("clock_nanosleep");
	t.usleep = next("usleep");
	t.sleep = next("sleep");
	/* glibc keeps the pre-2.3.2 condition variable ABI under the default-less old version;
	 * programs built since then bind to GLIBC_2.3.2. */
	t.pthread_cond_timedwait = dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
	if (!t.pthread_cond_timedwait)
		t.pthread_cond_timedwait = next("pthread_cond_timedwait");
	t.sem_timedwait = next("sem_timedwait");
	t.sem_clockwait = next("sem_clockwait");
	t.open = next("open");
	t.open64 = next("open64");
	t.openat = next("openat");
	t.openat64 = next("openat64");
	t.__open64_2 = next("__open64_2");
	t.close = next("close");
	t.read = next("read");
	t.readv = next("readv");
	t.pread64 = next("pread64");
	t.write = next("write");
	t.writev = next("writev");
	t.fstat = next("fstat");
	t.fstat64 = next("fstat64");
	t.lseek = next("lseek");
	t.lseek64 = next("lseek64");
	t.isatty = next("isatty");
	t.ioctl = next("ioctl");
	t.dup = next("dup");
	t.dup2 = next("dup2");
	t.dup3 = next("dup3");
	t.kill = next("kill");
	t.fork = next("fork");
	t.posix_spawn = next("posix_spawn");
	t.posix_spawnp = next("posix_spawnp");
	t.exit = next("exit");
	t._exit = next("_exit");
	t._Exit = next("_Exit");
	t.execve = next("execve");
	t.execvpe = next("execvpe");
	t.fexecve = next("fexecve");
	rt_real = t;
	rt_self.inside--;
}
