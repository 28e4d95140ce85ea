/* Caching allocator for tensor storage: freed blocks are kept by size class and handed out again, so a training
 * step reuses last step's memory instead of asking the kernel for fresh (page-faulting) pages. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "tensor.h"

#define NCLASS 64
#define PER_CLASS 16

typedef struct { void *p[PER_CLASS]; int n; } bucket;

static bucket buckets[NCLASS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static tg_mem_stats stats;

/* Size classes: powers of two below 64 KiB; above, four classes per power of two (at most 25% slack). */
static int
size_class(size_t n, size_t *cap)
{
	size_t c = 256;
	int k = 0, shift;

	if (n <= 65536) {
		while (c < n) {
			c <<= 1;
			k++;
		}
		*cap = c;
		return k;
	}
	k = 9;                 /* 256 << 8 = 65536 is class 8 */
	shift = 16;
	for (;;) {
		size_t base = (size_t)1 << shift, step = base / 4, j;
		for (j = 1; j <= 4; j++, k++) {
			if (n <= base + j * step) {
				*cap = base + j * step;
				return k < NCLASS ? k : -1;
			}
		}
		shift++;
		if (shift > 40) {
			*cap = n;
			return -1;
		}
	}
}

/* cap more bytes live (and one more block from the system when fresh) */
static void
note_live(size_t cap, bool fresh)
{
	pthread_mutex_lock(&lock);
	stats.system_allocs += fresh;
	stats.live += cap;
	if (stats.live > stats.peak)
		stats.peak = stats.live;
	pthread_mutex_unlock(&lock);
}

float *
tg_mem_alloc(size_t nbytes, size_t *cap)
{
	int k = size_class(nbytes, cap);
	void *p = NULL;
	bool fresh;

	pthread_mutex_lock(&lock);
	if (k >= 0 && buckets[k].n > 0) {
		p = buckets[k].p[--buckets[k].n];
		stats.cached -= *cap;
	}
	pthread_mutex_unlock(&lock);
	fresh = p == NULL;
	if (p == NULL) {
		p = tg_aligned_alloc(*cap);
		if (p == NULL) {
			tg_mem_trim();
			p = tg_aligned_alloc(*cap);
			if (p == NULL)
				return NULL;
		}
	}
	note_live(*cap, fresh);
	return p;
}

void
tg_mem_free(float *p, size_t cap)
{
	size_t c;
	int k;

	if (p == NULL)
		return;
	k = size_class(cap, &c);
	pthread_mutex_lock(&lock);
	stats.live -= cap;
	if (k >= 0 && c == cap && buckets[k].n < PER_CLASS) {
		buckets[k].p[buckets[k].n++] = p;
		stats.cached += cap;
		p = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (p != NULL)
		tg_aligned_free(p);
}

void
tg_mem_trim(void)
{
	int k;

	pthread_mutex_lock(&lock);
	for (k = 0; k < NCLASS; k++) {
		while (buckets[k].n > 0)
			tg_aligned_free(buckets[k].p[--buckets[k].n]);
	}
	stats.cached = 0;
	pthread_mutex_unlock(&lock);
}

tg_mem_stats
tg_mem_get_stats(void)
{
	tg_mem_stats s;

	pthread_mutex_lock(&lock);
	s = stats;
	pthread_mutex_unlock(&lock);
	return s;
}

void
tg_mem_reset_peak(void)
{
	pthread_mutex_lock(&lock);
	stats.peak = stats.live;
	pthread_mutex_unlock(&lock);
}

/* Zeroed memory straight from the kernel (an anonymous mapping): its pages take no memory until written. Parameter
 * buffers use it, so weights turned into BF16 before they get values never have FP32 pages. Counted as live
 * tensor memory like the rest; not cached. */
float *
tg_mem_map_zeroed(size_t nbytes, size_t *cap)
{
	void *p;

	*cap = (nbytes + 4095) & ~(size_t)4095;
	if (*cap == 0)
		*cap = 4096;
	if ((p = mmap(NULL, *cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return NULL;
	note_live(*cap, true);
	return p;
}

void
tg_mem_unmap(float *p, size_t cap)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&lock);
	stats.live -= cap;
	pthread_mutex_unlock(&lock);
	munmap(p, cap);
}
