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

/* Reading trap(5) records: 8 TAB-separated fields, or 10 after trapmatch. */

#include "compat.h"

#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <vis.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "trap.h"

/*
 * A text field is a valid vis(3) encoding.  Most have no backslash, and
 * are their own encoding.
 */
static int
visok(const struct trap_str *f)
{
	size_t	 i;
	int	 state = 0;
	char	 c;

	if (memchr(f->p, '\\', f->len) == NULL)
		return 1;
	for (i = 0; i <= f->len; i++)
		switch (unvis(&c, i < f->len ? f->p[i] : '\0', &state,
		    i < f->len ? 0 : UNVIS_END)) {
		case UNVIS_VALIDPUSH:
			i--;
			break;
		case UNVIS_VALID:
		case UNVIS_NOCHAR:
			break;
		default:
			return 0;
		}
	return 1;
}

/* The field ending at end: -1 if it is empty or one too many. */
static int
field(struct trap_rec *r, int *n, const char *line, size_t *start,
    size_t end)
{
	if (*n == TRAP_NFIELDS_MATCH || end == *start)
		return -1;
	r->f[*n].p = line + *start;
	r->f[*n].len = end - *start;
	(*n)++;
	*start = end + 1;
	return 0;
}

/*
 * Split line at its tabs into r->f[], and note in r->escaped whether it
 * has a backslash: the number of fields, or -1 if one is empty or there
 * are more than TRAP_NFIELDS_MATCH.  With SSE2, 16 bytes are looked at a
 * step; every reader parses every record, and this is most of it.
 */
static int
split(const char *line, size_t len, struct trap_rec *r)
{
	size_t		 i = 0, start = 0;
	int		 n = 0, esc = 0;
#ifdef __SSE2__
	const __m128i	 tab = _mm_set1_epi8('\t'), bs = _mm_set1_epi8('\\');
	__m128i		 v;
	unsigned int	 m, keep;

	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(line + i));
		esc |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, bs));
		for (m = _mm_movemask_epi8(_mm_cmpeq_epi8(v, tab)); m != 0;
		    m &= m - 1)
			if (field(r, &n, line, &start, i + __builtin_ctz(m)) ==
			    -1)
				return -1;
	}
	if (i < len && len >= 16) {
		/* The line's last 16 bytes, less those looked at already. */
		keep = 0xffffU << (i - (len - 16)) & 0xffff;
		v = _mm_loadu_si128((const __m128i *)(const void *)(line +
		    len - 16));
		esc |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) & keep;
		for (m = _mm_movemask_epi8(_mm_cmpeq_epi8(v, tab)) & keep;
		    m != 0; m &= m - 1)
			if (field(r, &n, line, &start, len - 16 +
			    __builtin_ctz(m)) == -1)
				return -1;
		i = len;
	}
#endif
	for (; i < len; i++)
		if (line[i] == '\\')
			esc = 1;
		else if (line[i] == '\t' &&
		    field(r, &n, line, &start, i) == -1)
			return -1;
	if (field(r, &n, line, &start, len) == -1)
		return -1;
	r->escaped = esc != 0;
	return n;
}

/*
 * Split a record into r->f[] (pointing into line, still vis-encoded) and
 * check it against the one grammar of trap(5) that every reader and the
 * archive share: 0 if it is one, -1 if not.  8 or 10 fields, none empty;
 * a valid time; a service and a kind of the lists; an address that is
 * "-" or in its canonical form (trap_addr_canon); text fields that are
 * valid vis(3) encodings.
 */
int
trap_rec_parse(const char *line, size_t len, struct trap_rec *r)
{
	if ((r->nfields = split(line, len, r)) != TRAP_NFIELDS &&
	    r->nfields != TRAP_NFIELDS_MATCH)
		return -1;
	if (r->f[F_TIME].len == 1 && r->f[F_TIME].p[0] == '-')
		r->time = TRAP_NOTIME;	/* the line had no time of its own */
	else if (trap_time_parse_rec(r->f[F_TIME].p, r->f[F_TIME].len,
	    &r->time) == -1)
		return -1;
	if (trap_service_lookup(r->f[F_SERVICE].p, r->f[F_SERVICE].len) ==
	    -1 ||
	    (r->kind = trap_kind_lookup(r->f[F_KIND].p,
	    r->f[F_KIND].len)) == -1)
		return -1;
	r->family = 0;
	if (!(r->f[F_ADDR].len == 1 && r->f[F_ADDR].p[0] == '-') &&
	    (r->family = trap_addr_canonparse(r->f[F_ADDR].p,
	    r->f[F_ADDR].len, r->abin)) == 0)
		return -1;
	if (!r->escaped)
		return 0;		/* every field is its own encoding */
	if (!visok(&r->f[F_LOGHOST]) || !visok(&r->f[F_DAEMON]) ||
	    !visok(&r->f[F_RDNS]) || !visok(&r->f[F_USER]))
		return -1;
	if (r->nfields == TRAP_NFIELDS_MATCH && (!visok(&r->f[F_CLASS]) ||
	    !visok(&r->f[F_MATCH])))
		return -1;
	return 0;
}

/*
 * Decode a vis-encoded field into dst (NUL-terminated); "-" is empty.
 * Return the decoded length, or (size_t)-1 if it does not fit or is
 * not a valid encoding.
 */
size_t
trap_unvis(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t	 i, n = 0;
	int	 state = 0, rc;
	char	 c;

	if (dstlen == 0)
		return (size_t)-1;
	if (len == 1 && src[0] == '-') {
		dst[0] = '\0';
		return 0;
	}
	for (i = 0; i <= len; i++) {
		rc = unvis(&c, i < len ? src[i] : '\0', &state,
		    i < len ? 0 : UNVIS_END);
		switch (rc) {
		case UNVIS_VALIDPUSH:
			i--;
			/* FALLTHROUGH */
		case UNVIS_VALID:
			if (n + 1 >= dstlen)
				return (size_t)-1;
			dst[n++] = c;
			break;
		case UNVIS_NOCHAR:
			break;
		default:
			return (size_t)-1;
		}
	}
	dst[n] = '\0';
	return n;
}

/*
 * The host of a record, the one definition every count of hosts uses
 * (trap(5)): its address; its host name (the rdns field), in lower case,
 * when it has no address; none when it has neither.  addr and rdns are
 * decoded, "" for "-".  The key is put in *key, pointing into addr, rdns
 * or buf (of at least rdns->len bytes, used only for a name with a
 * capital letter); its length is 0 for none.  Return that length.
 */
size_t
trap_host(const struct trap_str *addr, const struct trap_str *rdns,
    char *buf, struct trap_str *key)
{
	size_t	 i;

	if (addr->len > 0) {
		*key = *addr;
		return key->len;
	}
	*key = *rdns;
	for (i = 0; i < rdns->len; i++)
		if (rdns->p[i] >= 'A' && rdns->p[i] <= 'Z')
			break;
	if (i == rdns->len)
		return key->len;
	memcpy(buf, rdns->p, rdns->len);
	trap_lower(buf, rdns->len);
	key->p = buf;
	return key->len;
}
