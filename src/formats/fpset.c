/* Fingerprint set: open addressing over 64-bit hashes (see fpset.h). */
#include "fpset.h"

#include <stdlib.h>
#include <string.h>
#include "../common.h"

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xbf58476d1ce4e5b9ULL
#define K3 0x94d049bb133111ebULL

/* splitmix64's finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= K2;
	x ^= x >> 27;
	x *= K3;
	x ^= x >> 31;
	return x;
}

/* Hash 8 bytes at a time, then the tail, then finalise. */
uint64_t fp_mix(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	h ^= (uint64_t)len * K1;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ mix64(w + K1)) * K1;
		s += 8;
		len -= 8;
	}
	uint64_t t = 0;
	for (size_t i = 0; i < len; i++)
		t |= (uint64_t)s[i] << (8 * i);
	h = mix64((h ^ t) + K2);
	return h ? h : 1;
}

uint64_t fp_hash(const void *p, size_t len)
{
	return fp_mix(K3, p, len);
}

static void fpset_rehash(struct fpset *s, size_t cap)
{
	uint64_t *old = s->slots;
	size_t ocap = s->cap;
	s->slots = xcalloc(cap, sizeof(*s->slots));
	s->cap = cap;
	s->n = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			fpset_add(s, old[i]);
	free(old);
}

void fpset_reserve(struct fpset *s, size_t n)
{
	size_t cap = 1024;
	while (cap - cap / 8 < n)
		cap *= 2;
	if (cap > s->cap)
		fpset_rehash(s, cap);
}

int fpset_add(struct fpset *s, uint64_t fp)
{
	if (fp == 0)
		fp = 1;
	if (s->n + 1 > s->cap - s->cap / 8)
		fpset_rehash(s, s->cap ? s->cap * 2 : 1024);
	size_t mask = s->cap - 1;
	for (size_t i = (size_t)(fp >> 7) & mask;; i = (i + 1) & mask) {
		if (s->slots[i] == fp)
			return 0;
		if (s->slots[i] == 0) {
			s->slots[i] = fp;
			s->n++;
			return 1;
		}
	}
}

int fpset_has(const struct fpset *s, uint64_t fp)
{
	if (fp == 0)
		fp = 1;
	if (!s->cap)
		return 0;
	size_t mask = s->cap - 1;
	for (size_t i = (size_t)(fp >> 7) & mask;; i = (i + 1) & mask) {
		if (s->slots[i] == fp)
			return 1;
		if (s->slots[i] == 0)
			return 0;
	}
}

void fpset_clear(struct fpset *s)
{
	if (s->cap)
		memset(s->slots, 0, s->cap * sizeof(*s->slots));
	s->n = 0;
}

void fpset_release(struct fpset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
