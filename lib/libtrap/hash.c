/*
 * Copyright (c) 2026 The trap tools authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The one hash table of the trap tools, for every table of strings they
 * keep: distinct keys, each with a value area of a size fixed at its
 * creation, zeroed when the key is new.
 *
 * The keys are client text (user names, host names, addresses), so the
 * hash is SipHash under a key drawn at random when the first table is
 * made (trap_hash_sum): an attacker who writes the strings cannot aim
 * them at one slot.
 *
 * Open addressing with linear probing over 64-bit slots: the upper half
 * of the key's hash, which places it, and a 32-bit ref to its entry (0 is
 * an empty slot).  An entry is looked at only when that half matches: at
 * the load of 3/4, a key is found in two or three slots, but in its
 * entry, one line of memory.  The table grows without looking at any;
 * it begins with 64 slots, 512 bytes, so that a small one costs little
 * to make (fuzz_traplist makes two or three an input).
 *
 * The entries are carved from an arena of chunks of 2 MiB, never moved
 * or freed before the table: a value's address stays valid, and refs are
 * in units of 8 bytes, so one table holds up to 32 GiB (less 14 MiB: the
 * first chunk is of 4 KiB and each next one twice the last, up to 2 MiB,
 * so that a small table, a short trap list or a -d scope, costs no 2 MiB
 * of memory to map and fault in).  An entry is its value (8-byte
 * aligned), the key's length (32 bits), the key and a NUL.
 * The caller may carve memory of its own from the same arena
 * (trap_hash_alloc), addressed by the same refs.
 *
 * A large table is looked up at random, each lookup a cache miss in its
 * slots and one in its entry; with pages of 4 KiB each is a miss of the
 * TLB too.  So where madvise(2) has MADV_HUGEPAGE (Linux), the chunks of
 * 2 MiB and the slots of 2 MiB or more are aligned to 2 MiB and asked for
 * in transparent huge pages (see bigalloc()).
 */

#include "compat.h"

#include <sys/types.h>
#include <sys/mman.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"

#define CHUNKSHIFT	21
#define UNITSHIFT	3
#define UNIT		((size_t)1 << UNITSHIFT)
#define REFSHIFT	(CHUNKSHIFT - UNITSHIFT)
#define MAXCHUNKS	((size_t)1 << (32 - REFSHIFT))
#define MINSLOTS	64
#define PEEKSLOTS	8	/* slots trap_hash_peek looks at, at most */
#define FIRSTCHUNK	((size_t)4096)
#define CHUNKSIZE	((size_t)1 << CHUNKSHIFT)

#define SLOTREF(s)	((uint32_t)(s))
#define SLOTTAG(s)	((uint32_t)((s) >> 32))

struct trap_hash {
	uint64_t	*slot;		/* tag << 32 | ref; 0: empty */
	size_t		 nslots;	/* a power of 2 */
	size_t		 count;
	size_t		 vsize;		/* the value area, a multiple of 4 */
	char		**chunks;
	size_t		 nchunks, used, size;	/* used, size: the last one */
};

static uint64_t		 sumkey[2];
static int		 haskey;

/*
 * The hash of p[0..len) under the run's key, drawn at the first call
 * (arc4random_buf(3)).  Equal strings have equal sums within a run.
 */
uint64_t
trap_hash_sum(const void *p, size_t len)
{
	if (!haskey) {
		arc4random_buf(sumkey, sizeof(sumkey));
		haskey = 1;
	}
	return trap_siphash(sumkey, p, len);
}

struct trap_hash *
trap_hash_new(size_t valsize)
{
	struct trap_hash	*h;

	h = xcalloc(1, sizeof(*h));
	h->vsize = TRAP_HASH_KEYOFF(valsize);
	h->nslots = MINSLOTS;
	h->slot = xcalloc(h->nslots, sizeof(*h->slot));
	(void)trap_hash_sum("", 0);
	return h;
}

/*
 * n objects of size bytes, zeroed if zero, as xcalloc() or
 * xreallocarray() give them; but in huge pages where the system has them
 * and the whole is a multiple of theirs.  free(3) frees them either way.
 */
static void *
bigalloc(size_t n, size_t size, int zero)
{
#ifdef MADV_HUGEPAGE
	void	*p;
	int	 e;

	if (size != 0 && n <= SIZE_MAX / size && n * size >= CHUNKSIZE &&
	    n * size % CHUNKSIZE == 0) {
		if ((e = posix_memalign(&p, CHUNKSIZE, n * size)) != 0)
			errc(trap_eval, e, NULL);
		(void)madvise(p, n * size, MADV_HUGEPAGE);
		if (zero)
			memset(p, 0, n * size);
		return p;
	}
#endif
	return zero ? xcalloc(n, size) : xreallocarray(NULL, n, size);
}

/* The memory of a ref. */
void *
trap_hash_ptr(const struct trap_hash *h, uint32_t ref)
{
	return h->chunks[ref >> REFSHIFT] +
	    ((size_t)(ref & ((1U << REFSHIFT) - 1)) << UNITSHIFT);
}

/*
 * n bytes of the table's arena, 8-byte aligned, not zeroed, valid as long
 * as the table; their ref in *ref.  An area larger than a chunk gets a
 * chunk of its own.
 */
void *
trap_hash_alloc(struct trap_hash *h, size_t n, uint32_t *ref)
{
	size_t	 size, first;
	char	*p;

	n = (n + UNIT - 1) & ~(UNIT - 1);
	if (h->nchunks == 0 || h->size - h->used < n) {
		if (h->nchunks == MAXCHUNKS)
			errx(trap_eval, "too many distinct keys");
		/* The first unit of all is ref 0, none. */
		first = h->nchunks == 0 ? UNIT : 0;
		size = h->nchunks == 0 ? FIRSTCHUNK : h->size * 2;
		while (size < n + first && size < CHUNKSIZE)
			size *= 2;
		if (size > CHUNKSIZE)
			size = CHUNKSIZE;
		if (n + first > size)
			size = n + first;	/* a chunk of its own */
		h->chunks = xreallocarray(h->chunks, h->nchunks + 1,
		    sizeof(*h->chunks));
		h->chunks[h->nchunks++] = bigalloc(size, 1, 0);
		h->size = size;
		h->used = first;
	}
	p = h->chunks[h->nchunks - 1] + h->used;
	*ref = (h->nchunks - 1) << REFSHIFT | h->used >> UNITSHIFT;
	h->used += n;
	return p;
}

/* The key's length in an entry, and the key after it. */
static uint32_t
keylen(const struct trap_hash *h, const char *e)
{
	uint32_t	 len;

	memcpy(&len, e + h->vsize, sizeof(len));
	return len;
}

#define KEY(h, e)	((e) + (h)->vsize + sizeof(uint32_t))

/* The slot of a key: its entry's, or the empty one it would take. */
static uint64_t *
slotof(const struct trap_hash *h, const char *key, size_t len, uint64_t sum)
{
	const char	*e;
	size_t		 i, mask = h->nslots - 1;
	uint32_t	 tag = sum >> 32;

	for (i = tag & mask;; i = (i + 1) & mask) {
		if (h->slot[i] == 0)
			return &h->slot[i];
		if (SLOTTAG(h->slot[i]) != tag)
			continue;
		e = trap_hash_ptr(h, SLOTREF(h->slot[i]));
		if (keylen(h, e) == len && memcmp(KEY(h, e), key, len) == 0)
			return &h->slot[i];
	}
}

/* Double the slots: the tags tell where the entries go. */
static void
grow(struct trap_hash *h)
{
	uint64_t	*old = h->slot;
	size_t		 i, j, n = h->nslots, mask;

	h->nslots *= 2;
	mask = h->nslots - 1;
	h->slot = bigalloc(h->nslots, sizeof(*h->slot), 1);
	for (i = 0; i < n; i++) {
		if (old[i] == 0)
			continue;
		for (j = SLOTTAG(old[i]) & mask; h->slot[j] != 0;
		    j = (j + 1) & mask)
			continue;
		h->slot[j] = old[i];
	}
	free(old);
}

/* The ref of key (of hash sum), or 0 if it is not in the table. */
uint32_t
trap_hash_find(const struct trap_hash *h, const char *key, size_t len,
    uint64_t sum)
{
	return SLOTREF(*slotof(h, key, len, sum));
}

/* The ref of key (of hash sum), added if new; *isnew says which. */
uint32_t
trap_hash_add(struct trap_hash *h, const char *key, size_t len,
    uint64_t sum, int *isnew)
{
	uint64_t	*s;
	uint32_t	 ref, n;
	char		*e;

	s = slotof(h, key, len, sum);
	if (*s != 0) {
		if (isnew != NULL)
			*isnew = 0;
		return SLOTREF(*s);
	}
	if (len >= UINT32_MAX)
		errx(trap_eval, "key too long");
	e = trap_hash_alloc(h, h->vsize + sizeof(n) + len + 1, &ref);
	n = len;
	memset(e, 0, h->vsize);
	memcpy(e + h->vsize, &n, sizeof(n));
	memcpy(KEY(h, e), key, len);
	KEY(h, e)[len] = '\0';
	*s = sum >> 32 << 32 | ref;
	if (++h->count * 4 > h->nslots * 3)	/* load at most 3/4 */
		grow(h);
	if (isnew != NULL)
		*isnew = 1;
	return ref;
}

/* The value of key, or NULL if it is not in the table. */
void *
trap_hash_get(struct trap_hash *h, const char *key, size_t len)
{
	uint32_t	 ref;

	ref = trap_hash_find(h, key, len, trap_hash_sum(key, len));
	return ref == 0 ? NULL : trap_hash_ptr(h, ref);
}

/* The value of key, added (zeroed) if new; *isnew says which. */
void *
trap_hash_put(struct trap_hash *h, const char *key, size_t len, int *isnew)
{
	return trap_hash_ptr(h, trap_hash_add(h, key, len,
	    trap_hash_sum(key, len), isnew));
}

/* The key of a value, NUL-terminated; its length in *len. */
const char *
trap_hash_key(const struct trap_hash *h, const void *value, size_t *len)
{
	if (len != NULL)
		*len = keylen(h, value);
	return KEY(h, (const char *)value);
}

/*
 * For a caller that asks for memory before it needs it: the slot where a
 * key of hash sum is looked for first, and the ref of the first slot from
 * there with the key's tag, up to an empty one or PEEKSLOTS slots (0 if
 * none), which is most likely the key's.  At the load of a large table,
 * a key is out of its first slot one time in four or five, and its next
 * slots are mostly in the same line of memory.
 */
const void *
trap_hash_home(const struct trap_hash *h, uint64_t sum)
{
	return &h->slot[(sum >> 32) & (h->nslots - 1)];
}

uint32_t
trap_hash_peek(const struct trap_hash *h, uint64_t sum)
{
	size_t		 i, n, mask = h->nslots - 1;
	uint64_t	 s;

	for (i = (sum >> 32) & mask, n = 0; n < PEEKSLOTS;
	    i = (i + 1) & mask, n++) {
		if ((s = h->slot[i]) == 0)
			return 0;
		if (SLOTTAG(s) == sum >> 32)
			return SLOTREF(s);
	}
	return 0;
}

size_t
trap_hash_count(const struct trap_hash *h)
{
	return h->count;
}

/*
 * All values, in table order, as a newly allocated array (free(3) it):
 * sort it with qsort(3) to print.
 */
void **
trap_hash_values(const struct trap_hash *h, size_t *n)
{
	void	**v;
	size_t	  i, k = 0;

	v = xreallocarray(NULL, h->count + 1, sizeof(*v));
	for (i = 0; i < h->nslots; i++)
		if (h->slot[i] != 0)
			v[k++] = trap_hash_ptr(h, SLOTREF(h->slot[i]));
	*n = k;
	return v;
}

/*
 * The refs of all entries, in table order, in the lower halves of the
 * table's own slots, which are given to the caller (free(3) them) with
 * the upper halves zero, for a sort key of its own.  The table finds no
 * key after, but its entries and arena stay until trap_hash_free().
 */
uint64_t *
trap_hash_refs(struct trap_hash *h, size_t *n)
{
	uint64_t	*v = h->slot;
	size_t		 i, k = 0;

	for (i = 0; i < h->nslots; i++)
		if (v[i] != 0)
			v[k++] = SLOTREF(v[i]);
	h->slot = NULL;
	h->nslots = 0;
	*n = k;
	return v;
}

void
trap_hash_free(struct trap_hash *h)
{
	size_t	 i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nchunks; i++)
		free(h->chunks[i]);
	free(h->chunks);
	free(h->slot);
	free(h);
}

/*
 * SipHash-1-3 (the variant of Rust's HashMap) of p[0..len) under key, a
 * random one drawn with arc4random_buf(3), or the archive's own.  The
 * words are read little-endian, as the reference does, so that a sum kept
 * on disk is the same on every machine.
 */
#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

uint64_t
trap_siphash(const uint64_t key[2], const void *p, size_t len)
{
	const unsigned char	*s = p;
	uint64_t		 v0 = key[0] ^ 0x736f6d6570736575ULL;
	uint64_t		 v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t		 v2 = key[0] ^ 0x6c7967656e657261ULL;
	uint64_t		 v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t		 m, b = (uint64_t)len << 56;

	for (; len >= 8; len -= 8, s += 8) {
		m = (uint64_t)s[0] | (uint64_t)s[1] << 8 |
		    (uint64_t)s[2] << 16 | (uint64_t)s[3] << 24 |
		    (uint64_t)s[4] << 32 | (uint64_t)s[5] << 40 |
		    (uint64_t)s[6] << 48 | (uint64_t)s[7] << 56;
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	/* The last 0 to 7 bytes: a jump, not a loop (keys are short). */
	switch (len) {
	case 7:
		b |= (uint64_t)s[6] << 48;
		/* FALLTHROUGH */
	case 6:
		b |= (uint64_t)s[5] << 40;
		/* FALLTHROUGH */
	case 5:
		b |= (uint64_t)s[4] << 32;
		/* FALLTHROUGH */
	case 4:
		b |= (uint64_t)s[3] << 24;
		/* FALLTHROUGH */
	case 3:
		b |= (uint64_t)s[2] << 16;
		/* FALLTHROUGH */
	case 2:
		b |= (uint64_t)s[1] << 8;
		/* FALLTHROUGH */
	case 1:
		b |= s[0];
		break;
	}
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
