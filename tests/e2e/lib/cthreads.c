/* cthreads.c — a C library that makes its own threads (as OpenBLAS or a gRPC pool would), for
 * the e2e case threads_c_library: built as a shared object and called through ctypes.
 * cthreads_run starts N threads that never take the GIL; each reads the clock, asks the kernel
 * for random bytes and writes a line about them to stdout, in a loop, so the order of the lines
 * is the order the threads' calls interleaved in.  (What they keep is in a slot of their own:
 * an order decided by a C data race between calls, say a shared atomic index, is not something
 * retrace replays.)  cthreads_idle starts threads that make no call retrace records at all. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16

static uint64_t *out_values;
static int iterations;

static void *worker(void *arg)
{
	int t = (int)(uintptr_t)arg;
	for (int i = 0; i < iterations; i++) {
		struct timespec ts;
		uint32_t r = 0;
		char line[64];
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (getrandom(&r, sizeof r, 0) != sizeof r)
			r = 0;
		out_values[t * iterations + i] = (uint64_t)ts.tv_nsec << 32 ^ r;
		int n = snprintf(line, sizeof line, "c%d %d %08x\n", t, i, (unsigned)r);
		if (write(1, line, (size_t)n) != n)
			return NULL;
	}
	return NULL;
}

int cthreads_run(int nthreads, int iters, uint64_t *out, int room)
{
	pthread_t th[MAX_THREADS];
	if (nthreads > MAX_THREADS || nthreads * iters > room)
		return -1;
	out_values = out;
	iterations = iters;
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t) != 0)
			return -1;
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	return nthreads * iters;
}

static void *idle(void *arg)
{
	volatile uint64_t x = 0;
	for (int i = 0; i < 1000000; i++)
		x += (uint64_t)i ^ (uint64_t)(uintptr_t)arg;
	return NULL;
}

int cthreads_idle(int nthreads)
{
	pthread_t th[MAX_THREADS];
	if (nthreads > MAX_THREADS)
		return -1;
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, idle, (void *)(uintptr_t)t) != 0)
			return -1;
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	return 0;
}
