/* A set of 64-bit fingerprints in one open-addressing table (linear probing,
 * 8 bytes a slot, at most 7/8 full): the duplicate-key check keeps these
 * instead of full keys, so it costs at most ~16 bytes per distinct key. */
#ifndef KA_FPSET_H
#define KA_FPSET_H

#include <stddef.h>
#include <stdint.h>

struct fpset {
	uint64_t *slots;   /* 0 marks an empty slot */
	size_t cap;        /* a power of two, or 0 before the first add */
	size_t n;
};

/* A 64-bit hash of LEN bytes at P (never 0). */
uint64_t fp_hash(const void *p, size_t len);
/* Combine a running fingerprint H with the next part of a composite key. */
uint64_t fp_mix(uint64_t h, const void *p, size_t len);

/* Add FP; returns 1 if it was new, 0 if already present. */
int fpset_add(struct fpset *s, uint64_t fp);
/* 1 if FP is present. */
int fpset_has(const struct fpset *s, uint64_t fp);
/* Start loading FP's first slot into the cache (a later add or has is then
 * cheaper: the table is far larger than the cache). Integer arithmetic and
 * no branch: GCC 12 drops a prefetch under "if (s->cap)", and a prefetch of
 * a meaningless address (empty table) is harmless. */
static inline void fpset_prefetch(const struct fpset *s, uint64_t fp)
{
	uintptr_t i = (uintptr_t)((fp ? fp : 1) >> 7) & (uintptr_t)(s->cap - 1);
	__builtin_prefetch((const void *)((uintptr_t)s->slots + i * sizeof(uint64_t)));
}
/* Make room for N entries in total without growing again. */
void fpset_reserve(struct fpset *s, size_t n);
/* Forget every entry but keep the table. */
void fpset_clear(struct fpset *s);
void fpset_release(struct fpset *s);

#endif
