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
 * A string-keyed hash table for distinct keys: open addressing with
 * linear probing over an array of entry pointers, entries carved from
 * large chunks (no allocation per key).  Beside the pointers, an array
 * of the keys' hashes (0: an empty slot) is what the probing reads: an
 * entry is looked at only when its hash is the one sought, and the table
 * grows without looking at any.  Each entry holds a value area
 * of a size fixed at creation, zeroed when the key is new, and the key.
 * Memory grows with the distinct keys, never with the lookups.
 */

#include "compat.h"

#include <sys/types.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trap.h"

#define CHUNKSZ		(1024 * 1024)
#define ALIGN(n)	(((n) + 7) & ~(size_t)7)

struct entry {
	size_t		 keylen;		/* its hash is in hashes[] */
	/* value (valsize bytes, aligned), then the key and a NUL */
};

struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	/* data follows, 8-byte aligned */
};

struct trap_hash {
	struct entry	**slots;
	uint32_t	 *hashes;	/* of slots[i]; 0 if empty */
	size_t		  nslots;	/* a power of two */
	size_t		  count;
	size_t		  valsize;
	struct chunk	 *chunks;
	size_t		  bytes;
};

#define VALUE(e)	((void *)((char *)(e) + sizeof(struct entry)))
#define KEY(h, e)	((char *)VALUE(e) + (h)->valsize)

static uint32_t
hashstr(const char *p, size_t len)
{
	uint32_t	 h = 2166136261u;

	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h != 0 ? h : 1;		/* 0 marks an empty slot */
}

struct trap_hash *
trap_hash_new(size_t valsize)
{
	struct trap_hash	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		err(2, NULL);
	h->valsize = ALIGN(valsize);
	h->nslots = 1024;
	if ((h->slots = calloc(h->nslots, sizeof(*h->slots))) == NULL ||
	    (h->hashes = calloc(h->nslots, sizeof(*h->hashes))) == NULL)
		err(2, NULL);
	h->bytes = h->nslots * (sizeof(*h->slots) + sizeof(*h->hashes));
	return h;
}

static void *
carve(struct trap_hash *h, size_t n)
{
	struct chunk	*c = h->chunks;
	size_t		 size;
	void		*p;

	n = ALIGN(n);
	if (c == NULL || c->size - c->used < n) {
		size = n > CHUNKSZ ? n : CHUNKSZ;
		if ((c = malloc(sizeof(*c) + size)) == NULL)
			err(2, NULL);
		c->next = h->chunks;
		c->used = 0;
		c->size = size;
		h->chunks = c;
		h->bytes += sizeof(*c) + size;
	}
	p = (char *)(c + 1) + c->used;
	c->used += n;
	return p;
}

static void
grow(struct trap_hash *h)
{
	struct entry	**old = h->slots;
	uint32_t	 *oldh = h->hashes;
	size_t		  i, j, n = h->nslots;

	h->nslots *= 2;
	if ((h->slots = calloc(h->nslots, sizeof(*h->slots))) == NULL ||
	    (h->hashes = calloc(h->nslots, sizeof(*h->hashes))) == NULL)
		err(2, NULL);
	h->bytes += n * (sizeof(*h->slots) + sizeof(*h->hashes));
	for (i = 0; i < n; i++) {
		if (oldh[i] == 0)
			continue;
		for (j = oldh[i] & (h->nslots - 1); h->hashes[j] != 0;
		    j = (j + 1) & (h->nslots - 1))
			continue;
		h->slots[j] = old[i];
		h->hashes[j] = oldh[i];
	}
	free(old);
	free(oldh);
}

/* The slot of key: its entry's, or the empty one it would take. */
static size_t
find(struct trap_hash *h, const char *key, size_t len, uint32_t hv)
{
	struct entry	*e;
	size_t		 i;

	for (i = hv & (h->nslots - 1);; i = (i + 1) & (h->nslots - 1)) {
		if (h->hashes[i] == 0)
			return i;
		if (h->hashes[i] != hv)
			continue;
		e = h->slots[i];
		if (e->keylen == len && memcmp(KEY(h, e), key, len) == 0)
			return i;
	}
}

/* The value of key, or NULL if it is not in the table. */
void *
trap_hash_get(struct trap_hash *h, const char *key, size_t len)
{
	struct entry	*e;

	e = h->slots[find(h, key, len, hashstr(key, len))];
	return e == NULL ? NULL : VALUE(e);
}

/* The value of key, added (zeroed) if new; *isnew says which. */
void *
trap_hash_put(struct trap_hash *h, const char *key, size_t len, int *isnew)
{
	struct entry	*e;
	uint32_t	 hv = hashstr(key, len);
	size_t		 i;

	i = find(h, key, len, hv);
	if (h->slots[i] != NULL) {
		if (isnew != NULL)
			*isnew = 0;
		return VALUE(h->slots[i]);
	}
	e = carve(h, sizeof(*e) + h->valsize + len + 1);
	e->keylen = len;
	memset(VALUE(e), 0, h->valsize);
	memcpy(KEY(h, e), key, len);
	KEY(h, e)[len] = '\0';
	h->slots[i] = e;
	h->hashes[i] = hv;
	if (isnew != NULL)
		*isnew = 1;
	if (++h->count * 4 > h->nslots * 3)	/* load at most 3/4 */
		grow(h);
	return VALUE(e);
}

/* The key of a value returned by get or put, NUL-terminated. */
const char *
trap_hash_key(const struct trap_hash *h, const void *value, size_t *len)
{
	const struct entry *e = (const struct entry *)value - 1;

	if (len != NULL)
		*len = e->keylen;
	return (const char *)value + h->valsize;
}

size_t
trap_hash_count(const struct trap_hash *h)
{
	return h->count;
}

/* Bytes allocated, for the memory bounds the tools promise. */
size_t
trap_hash_bytes(const struct trap_hash *h)
{
	return h->bytes;
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

	if ((v = reallocarray(NULL, h->count + 1, sizeof(*v))) == NULL)
		err(2, NULL);
	for (i = 0; i < h->nslots; i++)
		if (h->slots[i] != NULL)
			v[k++] = VALUE(h->slots[i]);
	*n = k;
	return v;
}

void
trap_hash_free(struct trap_hash *h)
{
	struct chunk	*c;

	if (h == NULL)
		return;
	while ((c = h->chunks) != NULL) {
		h->chunks = c->next;
		free(c);
	}
	free(h->slots);
	free(h->hashes);
	free(h);
}

/*
 * SipHash-1-3 (the variant of Rust's HashMap) of p[0..len) under key, a
 * random one drawn with arc4random_buf(3): an attacker who writes the
 * strings cannot aim them at one slot of a table.  The words are read
 * in the machine's byte order: the values need only be equal for equal
 * strings within a run.
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
	size_t			 i;

	for (; len >= 8; len -= 8, s += 8) {
		memcpy(&m, s, sizeof(m));
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < len; i++)
		b |= (uint64_t)s[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
