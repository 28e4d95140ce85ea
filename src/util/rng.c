/* Random numbers: a counter-based hash for replayable streams and xoshiro256** for sequential draws. */
#include <math.h>
#include "util.h"

uint64_t
tg_hash64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void
tg_rng_seed(tg_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++) {
		x = tg_hash64(x);
		r->s[i] = x;
	}
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
tg_rng_next(tg_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
tg_rng_uniform(tg_rng *r)
{
	return (double)(tg_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double
tg_rng_normal(tg_rng *r)
{
	double u1, u2;

	do
		u1 = tg_rng_uniform(r);
	while (u1 <= 0.0);
	u2 = tg_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t
tg_rng_below(tg_rng *r, uint64_t n)
{
	return n ? tg_rng_next(r) % n : 0;
}
