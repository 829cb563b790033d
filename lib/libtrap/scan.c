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
 * Finding, in a block of log lines, the few that contain one of a set of
 * literals (the rules' longest literals), without looking at the rest
 * line by line.  Most lines of a mail log are not failures; grep is fast
 * because it skips them, and so must we.
 *
 * Every literal has a window of W bytes (W: the shortest literal, at most
 * 8).  The text is probed every S = W - 3 bytes: the 4 bytes at a probe
 * are hashed into a table flagging the S 4-byte grams of every window, so
 * any occurrence of a window has a probe on one of its grams (probes are
 * at most S apart; after a line found they start again at the next).
 * A probe that hits is checked against the literals it may belong to.
 * Which window of a literal is used decides how often probes hit in
 * vain: scan_build picks, for each literal, the window whose grams are
 * rarest in a sample of the input.
 */

#include "compat.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "trap.h"
#include "scan.h"

#define HBITS	15			/* 2^15 flags */
#define NOENT	0xffff
#define SAMPLE	(256 * 1024)		/* bytes of input for the windows */

struct lit {
	char		*s;
	size_t		 len;
	size_t		 skip;		/* the byte before a message, or 0 */
};

struct ent {
	uint32_t	 gram;
	uint16_t	 lit;
	uint16_t	 off;		/* of the gram in the literal */
	uint16_t	 next;
};

struct scan {
	struct lit	*lits;
	size_t		 nlits;
	size_t		 w, step;
	struct ent	*ents;
	size_t		 nents;
	uint16_t	 head[1 << HBITS];
	uint8_t		 flag[1 << HBITS];	/* bytes: faster than bits */
};

static inline uint32_t
gram(const char *p)
{
	uint32_t	 g;

	memcpy(&g, p, sizeof(g));
	return g;
}

static inline uint32_t
ghash(uint32_t g)
{
	return (g * 2654435761U) >> (32 - HBITS);
}

struct scan *
scan_new(void)
{
	struct scan	*s;

	s = xcalloc(1, sizeof(*s));
	return s;
}

static void
addlit(struct scan *s, const char *lit, size_t len, size_t skip)
{
	size_t	 i;

	/* Rules share literals: each is looked for once. */
	for (i = 0; i < s->nlits; i++)
		if (s->lits[i].len == len && memcmp(s->lits[i].s, lit, len) == 0)
			return;
	s->lits = xreallocarray(s->lits, s->nlits + 1, sizeof(*s->lits));
	s->lits[s->nlits].s = xmalloc(len + 1);
	memcpy(s->lits[s->nlits].s, lit, len);
	s->lits[s->nlits].s[len] = '\0';
	s->lits[s->nlits].skip = skip;
	s->lits[s->nlits++].len = len;
}

/*
 * Add a literal; one that contains another is left out at build.  The
 * probes step by the shortest literal less 3 bytes, up to 5, so one that
 * begins a message (begins) and is shorter than WIDE bytes (sshd's
 * "Failed ", 7) is looked for with the byte before it, one of PRECEDE:
 * the blank after an envelope or a word, the newline before a line that
 * begins with it (the first line of a buffer is looked at apart), or the
 * last of RFC 5424's byte-order mark, the quote before a JSON value
 * (journalctl -o json), or the bracket of rsyslog's "message repeated N
 * times: [MSG]" of a message without a leading blank.  A literal with a
 * quote or a backslash is also
 * looked for as JSON writes it, each escaped with a backslash.
 */
#define WIDE		8
#define PRECEDE		" \n\xbf\"["
void
scan_add(struct scan *s, const char *lit, size_t len, int begins)
{
	const char	*pre;
	char		*buf;
	size_t		 i, n;

	if (len > 0 && (memchr(lit, '"', len) || memchr(lit, '\\', len))) {
		buf = xmalloc(2 * len);
		for (i = n = 0; i < len; i++) {
			if (lit[i] == '"' || lit[i] == '\\')
				buf[n++] = '\\';
			buf[n++] = lit[i];
		}
		addlit(s, buf, n, 0);
		free(buf);
	}
	if (!begins || len >= WIDE || len == 0) {
		addlit(s, lit, len, 0);
		return;
	}
	buf = xmalloc(len + 1);
	memcpy(buf + 1, lit, len);
	for (pre = PRECEDE; *pre != '\0'; pre++) {
		buf[0] = *pre;
		addlit(s, buf, len + 1, 1);
	}
	free(buf);
}

/*
 * Does a[0..alen) contain b[0..blen) (blen > 0)?  memchr for b's first
 * byte and a compare: memmem(3)'s set-up costs more on such short text,
 * and scan_build() asks it of every pair of literals.
 */
static int
contains(const char *a, size_t alen, const char *b, size_t blen)
{
	const char	*p = a, *q, *last;

	if (blen > alen)
		return 0;
	last = a + alen - blen;
	while (p <= last && (q = memchr(p, b[0], last - p + 1)) != NULL) {
		if (memcmp(q, b, blen) == 0)
			return 1;
		p = q + 1;
	}
	return 0;
}

/* Is literal i redundant: does it contain another (the first of equals)? */
static int
redundant(const struct scan *s, size_t i)
{
	const struct lit	*a = &s->lits[i], *b;
	size_t			 j;

	for (j = 0; j < s->nlits; j++) {
		b = &s->lits[j];
		if (j == i || b->len > a->len || (b->len == a->len && j > i))
			continue;
		if (contains(a->s, a->len, b->s, b->len))
			return 1;
	}
	return 0;
}

/* The window of lit whose grams the sample has least. */
static size_t
window(const struct scan *s, const struct lit *l, const uint16_t *count)
{
	size_t		 st, o, best = 0;
	unsigned long	 n, min = ~0UL;

	for (st = 0; st + s->w <= l->len; st++) {
		for (n = 0, o = 0; o < s->step; o++)
			n += count[ghash(gram(l->s + st + o))];
		if (n < min) {
			min = n;
			best = st;
		}
	}
	return best;
}

/*
 * Make the table, with windows chosen on sample (may be empty).  Return
 * 0, or -1 if the literals cannot be scanned for (one shorter than 4
 * bytes, or none at all): then every line must be looked at.
 */
int
scan_build(struct scan *s, const char *sample, size_t samplelen)
{
	uint16_t	*count;
	size_t		 i, o, st, minlen = SIZE_MAX;
	uint32_t	 g, k;

	for (i = 0; i < s->nlits; i++)
		if (s->lits[i].len < minlen)
			minlen = s->lits[i].len;
	if (s->nlits == 0 || minlen < 4 || s->nlits * 8 >= NOENT)
		return -1;
	s->w = minlen < 8 ? minlen : 8;
	s->step = s->w - 3;
	count = xcalloc(1 << HBITS, sizeof(*count));
	s->ents = xreallocarray(NULL, s->nlits * s->step, sizeof(*s->ents));
	if (samplelen > SAMPLE)
		samplelen = SAMPLE;
	for (i = 0; i + 4 <= samplelen; i++) {
		k = ghash(gram(sample + i));
		if (count[k] < UINT16_MAX)
			count[k]++;
	}
	memset(s->head, 0xff, sizeof(s->head));
	memset(s->flag, 0, sizeof(s->flag));
	s->nents = 0;
	for (i = 0; i < s->nlits; i++) {
		if (redundant(s, i))
			continue;
		st = window(s, &s->lits[i], count);
		for (o = st; o < st + s->step; o++) {
			g = gram(s->lits[i].s + o);
			k = ghash(g);
			s->ents[s->nents].gram = g;
			s->ents[s->nents].lit = i;
			s->ents[s->nents].off = o;
			s->ents[s->nents].next = s->head[k];
			s->head[k] = s->nents++;
			s->flag[k] = 1;
		}
	}
	free(count);
	return 0;
}

/*
 * Note the line around p, which starts after from and ends at its
 * newline or at end; return that end.
 */
static const char *
candidate(struct scan_cands *c, const char *from, const char *p,
    const char *end)
{
	const char	*ls, *nl;

	ls = p > from ? memrchr(from, '\n', p - from) : NULL;
	ls = ls != NULL ? ls + 1 : from;
	if ((nl = memchr(p, '\n', end - p)) == NULL)
		nl = end;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
		c->nl = xreallocarray(c->nl, c->cap, sizeof(*c->nl));
	}
	c->v[c->n] = ls;
	c->nl[c->n++] = nl;
	return nl;
}

/* Which literal, if any, is at probe i of buf; its start, or NULL. */
static const char *
check(const struct scan *s, const char *buf, size_t len, size_t i,
    uint32_t g, uint32_t k)
{
	const struct ent	*e;
	const struct lit	*l;
	uint16_t		 n;

	for (n = s->head[k]; n != NOENT; n = e->next) {
		e = &s->ents[n];
		l = &s->lits[e->lit];
		if (e->gram != g || i < e->off ||
		    i - e->off + l->len > len ||
		    buf[i - e->off + l->len - 1] != l->s[l->len - 1] ||
		    memcmp(buf + i - e->off, l->s, l->len) != 0)
			continue;
		return buf + i - e->off + l->skip;
	}
	return NULL;
}

/* Does buf begin with a literal that begins a message? */
static int
atstart(const struct scan *s, const char *buf, size_t len)
{
	const struct lit	*l;
	size_t			 i;

	for (i = 0; i < s->nlits; i++) {
		l = &s->lits[i];
		if (l->skip > 0 && l->s[0] == '\n' && len >= l->len - 1 &&
		    memcmp(buf, l->s + 1, l->len - 1) == 0)
			return 1;
	}
	return 0;
}

/* The first probe from i on whose gram is flagged; len if none. */
static size_t
probe(const uint8_t *flag, const char *buf, size_t i, size_t len,
    size_t step)
{
	for (; i + 4 + 3 * step <= len; i += 4 * step)
		if ((flag[ghash(gram(buf + i))] |
		    flag[ghash(gram(buf + i + step))] |
		    flag[ghash(gram(buf + i + 2 * step))] |
		    flag[ghash(gram(buf + i + 3 * step))]) != 0)
			break;
	for (; i + 4 <= len; i += step)
		if (flag[ghash(gram(buf + i))])
			return i;
	return len;
}

/*
 * The starts of the lines of buf[0..len) that contain a literal, in
 * order, in c->v, and where each ends (its newline, or buf + len) in
 * c->nl; return how many.  Valid until the next call.
 *
 * A probe finds only occurrences around it (its gram is inside the
 * window, inside the literal), so lines come in order, and once a line
 * is in, the probing goes on at its newline: a literal that begins a
 * line is looked for with the newline before it, which may be the
 * window's only gram (when the probes step by one byte).
 */
size_t
scan_lines(const struct scan *s, const char *buf, size_t len,
    struct scan_cands *c)
{
	const char	*p, *from = buf, *nl;
	size_t		 i, step = s->step;
	uint32_t	 g, k;

	c->n = 0;
	i = 0;
	if (atstart(s, buf, len)) {
		if ((nl = candidate(c, buf, buf, buf + len)) == buf + len)
			return c->n;
		from = nl + 1;
		i = nl - buf;
	}
	while ((i = probe(s->flag, buf, i, len, step)) < len) {
		g = gram(buf + i);
		k = ghash(g);
		if ((p = check(s, buf, len, i, g, k)) == NULL) {
			i += step;
			continue;
		}
		/* p is in the line: after the newline of one that begins it */
		if ((nl = candidate(c, from, p, buf + len)) == buf + len)
			break;
		from = nl + 1;
		i = nl - buf;	/* a literal "\nx" of the next line is there */
	}
	return c->n;
}

void
scan_free(struct scan *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nlits; i++)
		free(s->lits[i].s);
	free(s->lits);
	free(s->ents);
	free(s);
}

#ifdef __SSE2__
/*
 * The newlines in p[0..len): 64 bytes a step, compared 16 at a time,
 * counted in bytes (63 steps at most, 4 a step) and then summed.  The
 * compiler's vectorisation of the loop below at -O2 takes twice the
 * instructions, and this runs on every byte of the input.
 */
size_t
countnl(const char *p, size_t len)
{
	const __m128i	 nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	const __m128i	*q = (const __m128i *)p;
	const char	*end;
	__m128i		 acc, sum = zero;
	uint64_t	 part[2];
	size_t		 n, steps = len / 64, k;

	while (steps > 0) {
		k = steps < 63 ? steps : 63;
		steps -= k;
		for (acc = zero; k > 0; k--, q += 4) {
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(nl,
			    _mm_loadu_si128(q)));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(nl,
			    _mm_loadu_si128(q + 1)));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(nl,
			    _mm_loadu_si128(q + 2)));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(nl,
			    _mm_loadu_si128(q + 3)));
		}
		sum = _mm_add_epi64(sum, _mm_sad_epu8(acc, zero));
	}
	_mm_storeu_si128((__m128i *)part, sum);
	n = part[0] + part[1];
	for (end = p + len, p = (const char *)q; p < end; p++)
		n += *p == '\n';
	return n;
}
#else
/* The newlines in p[0..len), in blocks a compiler can vectorise. */
size_t
countnl(const char *p, size_t len)
{
	size_t		 n = 0, i = 0, j;
	unsigned char	 c;

	for (; i + 128 <= len; i += 128) {
		for (c = 0, j = 0; j < 128; j++)
			c += p[i + j] == '\n';
		n += c;
	}
	for (; i < len; i++)
		n += p[i] == '\n';
	return n;
}
#endif
