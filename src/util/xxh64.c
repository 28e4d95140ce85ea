/* XXH64 (https://github.com/Cyan4973/xxHash, doc/xxhash_spec.md), streaming, seed 0: checkpoint checksums and the
 * frozen-prefix cache keys. */
#include <string.h>
#include "util/util.h"

#define P1 11400714785074694791ull
#define P2 14029467366897019727ull
#define P3 1609587929392839161ull
#define P4 9650029242287828579ull
#define P5 2870177450012600261ull



static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
xround(uint64_t acc, uint64_t in)
{
	return rotl(acc + in * P2, 31) * P1;
}

static uint64_t
xmerge(uint64_t h, uint64_t v)
{
	return (h ^ xround(0, v)) * P1 + P4;
}

void
tg_xxh64_init(tg_xxh64_state *s)
{
	memset(s, 0, sizeof *s);
	s->v[0] = P1 + P2;
	s->v[1] = P2;
	s->v[2] = 0;
	s->v[3] = 0 - P1;
}

void
tg_xxh64_update(tg_xxh64_state *s, const void *data, size_t n)
{
	const uint8_t *p = data;
	int i;

	s->total += n;
	if (n == 0)
		return;
	if (s->nbuf > 0) {
		size_t k = 32 - s->nbuf < n ? 32 - s->nbuf : n;
		memcpy(s->buf + s->nbuf, p, k);
		s->nbuf += k;
		p += k;
		n -= k;
		if (s->nbuf < 32)
			return;
		for (i = 0; i < 4; i++)
			s->v[i] = xround(s->v[i], rd64(s->buf + 8 * i));
		s->nbuf = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		for (i = 0; i < 4; i++)
			s->v[i] = xround(s->v[i], rd64(p + 8 * i));
	memcpy(s->buf, p, n);
	s->nbuf = n;
}

uint64_t
tg_xxh64_final(const tg_xxh64_state *s)
{
	const uint8_t *p = s->buf, *end = s->buf + s->nbuf;
	uint64_t h;
	int i;

	if (s->total >= 32) {
		h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) + rotl(s->v[3], 18);
		for (i = 0; i < 4; i++)
			h = xmerge(h, s->v[i]);
	} else
		h = s->v[2] + P5;
	h += s->total;
	for (; p + 8 <= end; p += 8)
		h = rotl(h ^ xround(0, rd64(p)), 27) * P1 + P4;
	if (p + 4 <= end) {
		h = rotl(h ^ (uint64_t)rd32(p) * P1, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ (uint64_t)*p * P5, 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t
tg_xxh64(const void *data, size_t n)
{
	tg_xxh64_state s;

	tg_xxh64_init(&s);
	tg_xxh64_update(&s, data, n);
	return tg_xxh64_final(&s);
}
