/* arena.c — retrace's own memory, never the program's heap.
 *
 * A bump allocator over an anonymous mapping at a fixed address (RT_ARENA_ADDR).  Using malloc
 * would move every object the program allocates afterwards, and with them its id()s and set
 * orders; a fixed, far-away mapping changes nothing the program can see.  What retrace allocates
 * lives until the process ends (the header, the reader's index), so free does nothing.
 */
#include <string.h>
#include <sys/mman.h>

#include "rt.h"

static uint8_t *arena_base;
static size_t arena_used;
static int arena_lock;

int rt_arena_init(void)
{
	void *p = mmap(RT_ARENA_ADDR, RT_ARENA_RESERVE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (p != RT_ARENA_ADDR) {
		munmap(p, RT_ARENA_RESERVE);
		return -1;
	}
	arena_base = p;
	return 0;
}

void *rt_alloc(size_t n)
{
	void *p = NULL;
	n = (n + 15) & ~(size_t)15;
	while (__atomic_exchange_n(&arena_lock, 1, __ATOMIC_ACQUIRE))
		;
	if (arena_base && n <= RT_ARENA_RESERVE - arena_used) {
		p = arena_base + arena_used;
		arena_used += n;
	}
	__atomic_store_n(&arena_lock, 0, __ATOMIC_RELEASE);
	return p;
}

static void *arena_pb_alloc(void *data, size_t n)
{
	return rt_alloc(n);
}

static void arena_pb_free(void *data, void *p)
{
}

ProtobufCAllocator rt_protobuf_allocator = { arena_pb_alloc, arena_pb_free, NULL };
